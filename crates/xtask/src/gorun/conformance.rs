//! The conformance check of the `go` step: Go's runs equal the
//! simulation's on many scenarios, the detectors equal the prediction, and
//! the CLI's live tools say what they must of the programs served live.

use std::path::Path;
use std::process::{Command, Stdio};

use super::detect::{compare_detectors, measure_detectors};
use super::fleet::fleet_live;
use super::watch::watch_live;
use super::{all_tags, binaries, leakscope, run_programs};
use crate::cmd::{Result, fail};

/// The scenarios of the conformance check: the presets, `Stop()` in each,
/// and `RANDOM` scenarios drawn from a fixed seed (the same on every
/// machine), each as CLI flags.
pub fn conformance_scenarios() -> Vec<Vec<String>> {
    const RANDOM: usize = 24;
    let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    let mut all = vec![
        words("--preset fase6"),
        words("--preset fase3"),
        words("--preset fase6 --stop-at 30"),
        words("--preset fase3 --stop-at 5"),
        words("--preset fase3 --error-rate 0.6 --stop-at 10 --lines-per-min 7"),
    ];
    let mut rng = SplitMix(0x1ea4_5c09e);
    for _ in 0..RANDOM {
        let minutes = 1 + rng.below(40);
        let rotation_halves = 1 + rng.below(16); // 30 s to 8 min
        let mut flags = format!(
            "--preset fase3 --containers {} --minutes {minutes} --rotation {} --heartbeat {} \
             --error-rate {} --goroutines-per-reader {} --baseline {} --seed {} --lines-per-min {}",
            1 + rng.below(25),
            rotation_halves as f64 / 2.0,
            1 + rng.below(90),
            rng.below(101) as f64 / 100.0,
            1 + rng.below(5),
            rng.below(4),
            rng.next(),
            [0, 1, 7, 60, 240, 1000][rng.below(6) as usize],
        );
        if rng.below(2) == 0 {
            flags.push_str(&format!(" --stop-at {}", rng.below(minutes + 1)));
        }
        all.push(words(&flags));
    }
    all
}

/// SplitMix64: a few lines of a well-known generator, so the scenarios are
/// the same everywhere without a dependency.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The conformance check: every scenario of [`conformance_scenarios`],
/// every program, Go's runs equal to the simulation's.
pub fn conformance(root: &Path) -> Result<()> {
    let leakscope = leakscope(root)?;
    let tags = all_tags();
    let bins = binaries(root, &tags)?;
    let scenarios = conformance_scenarios();
    for (i, flags) in scenarios.iter().enumerate() {
        crate::stop::check("the conformance check")?;
        let runs = run_programs(root, &leakscope, flags, &bins)?;
        let mut report = Command::new(&leakscope);
        report
            .arg("report")
            .args(&runs)
            .args(["--format", "json", "--against-sim"]);
        let out = report
            .stdin(Stdio::null())
            .output()
            .map_err(|e| crate::cmd::Error(format!("`leakscope report` could not start: {e}")))?;
        let said = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return fail(format!(
                "Go and the simulation differ on `{}`:\n{}",
                flags.join(" "),
                said.trim_end()
            ));
        }
        eprintln!(
            "go = sim [{}/{}] {}: {} programs",
            i + 1,
            scenarios.len(),
            flags.join(" "),
            runs.len()
        );
    }
    // Which tool would have caught it: measured on both presets, with
    // Stop() at their end, equal to the prediction.
    for preset in ["fase6", "fase3"] {
        let flags = vec!["--preset".to_string(), preset.to_string()];
        let measured = measure_detectors(root, &leakscope, &flags, &bins)?;
        if !compare_detectors(&leakscope, &flags, &tags, &measured, "table", true)? {
            return fail(format!(
                "the detectors measured by Go differ from `leakscope detect --preset {preset}` (run `cargo xtask go-detect -- --preset {preset} --program all`)"
            ));
        }
        eprintln!(
            "go = detect --preset {preset}: every detector × {} programs",
            tags.len()
        );
    }
    watch_live(root, &leakscope, &root.join("target/go/bin"))?;
    fleet_live(root, &leakscope, &root.join("target/go/bin"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_conformance_scenarios_are_many_and_fixed() {
        let a = conformance_scenarios();
        assert!(a.len() >= 25);
        assert_eq!(a, conformance_scenarios());
        assert!(
            a.iter()
                .filter(|f| f.contains(&"--stop-at".to_string()))
                .count()
                >= 5
        );
    }
}
