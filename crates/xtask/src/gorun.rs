//! `cargo xtask go-run`: the programs as real Go, on a scenario of the CLI,
//! under Go's fake clock; and the conformance check of the `go` step: the
//! Go runs equal the simulation, sample by sample.
//!
//! The pieces: `leakscope faults` writes the scenario's fault list (Go
//! never re-draws the faults), each program's test binary (`go test -c`
//! with the program's build tag) runs it inside a `testing/synctest`
//! bubble and writes its samples, and `leakscope report` prints them as
//! `sim` prints its own (`--against-sim`: and compares).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cmd::{Cmd, Result, fail, split_flags};
use crate::go::{command, tags as all_tags};

/// The arguments of `go-run`, split: the CLI's scenario flags go to
/// `leakscope faults`, the rest is ours.
#[derive(Debug, Default, PartialEq)]
pub struct GoRun {
    /// The scenario flags, as given.
    pub scenario: Vec<String>,
    /// The programs' build tags, in the core's order.
    pub tags: Vec<&'static str>,
    /// `--format`: `table` or `json`.
    pub format: String,
    /// `--against-sim`.
    pub against_sim: bool,
}

/// Parses `go-run`'s arguments (a leading `--` is skipped): its own
/// `--program`, `--format` and `--against-sim`, and the scenario flags.
pub fn parse(args: &[String]) -> std::result::Result<GoRun, String> {
    let split = split_flags(args, &["--program", "--format"], &["--against-sim"])?;
    let format = split.value("--format").unwrap_or("table").to_owned();
    if !matches!(format.as_str(), "table" | "json") {
        return Err(format!(
            "`--format {format}` is not a format (allowed: table, json)"
        ));
    }
    Ok(GoRun {
        tags: tags(split.value("--program").unwrap_or("buggy,fixed"))?,
        format,
        against_sim: split.has("--against-sim"),
        scenario: split.rest,
    })
}

/// The build tags of a `--program` list: names as the CLI spells them
/// (`close-only`), comma-separated, or `all`.
fn tags(list: &str) -> std::result::Result<Vec<&'static str>, String> {
    let programs = leakscope_sim::Program::parse_list(list).map_err(|e| e.to_string())?;
    Ok(programs.into_iter().map(|p| p.tag()).collect())
}

/// Where the runs and binaries go.
fn work_dir(root: &Path) -> PathBuf {
    root.join("target/go/runs")
}

/// Builds the CLI (debug) and returns its path.
pub fn leakscope(root: &Path) -> Result<PathBuf> {
    Cmd::cargo(["build", "-q", "-p", "leakscope-cli"]).run()?;
    Ok(root.join("target/debug/leakscope"))
}

/// Compiles each program's test binary (Go's build cache makes a rebuild
/// of an unchanged program instant).
pub fn binaries(root: &Path, tags: &[&str]) -> Result<Vec<PathBuf>> {
    let dir = root.join("target/go/bin");
    std::fs::create_dir_all(&dir)
        .map_err(|e| crate::cmd::Error(format!("creating {}: {e}", dir.display())))?;
    tags.iter()
        .map(|tag| {
            let bin = dir.join(format!("{tag}.test"));
            let mut c = command(root);
            c.args(["test", "-c", "-tags", tag, "-o"])
                .arg(&bin)
                .arg("./monitor");
            output(c, &format!("go test -c -tags {tag}"))?;
            Ok(bin)
        })
        .collect()
}

/// Runs `command`, failing with its output when it fails.
fn output(mut command: Command, what: &str) -> Result<Vec<u8>> {
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| crate::cmd::Error(format!("`{what}` could not start: {e}")))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        fail(format!(
            "`{what}` failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr).trim_end()
        ))
    }
}

/// Runs the Go test `test` of each program's binary on the fault list at
/// `list`, writing its result to `<stem><suffix>.json` (after `flag`), and
/// returns the files, in the order of `bins`.
fn run_each(
    root: &Path,
    bins: &[PathBuf],
    list: &Path,
    test: &str,
    (flag, suffix): (&str, &str),
    extra: &[&str],
) -> Result<Vec<PathBuf>> {
    let dir = work_dir(root);
    bins.iter()
        .map(|bin| {
            let name = bin
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
            let out = dir.join(format!("{name}{suffix}.json"));
            let mut c = Command::new(bin);
            // Go's own settings, for what the test starts (wgvet's `go list`).
            for (k, v) in crate::go::command(root).get_envs() {
                if let Some(v) = v {
                    c.env(k, v);
                }
            }
            c.current_dir(root.join("go/monitor"))
                .args([
                    "-test.run",
                    &format!("^{test}$"),
                    "-test.count=1",
                    "-faults",
                ])
                .arg(list)
                .arg(flag)
                .arg(&out)
                .args(extra);
            output(
                c,
                &format!("{name}.test -run {test} -faults {}", list.display()),
            )?;
            Ok(out)
        })
        .collect()
}

/// Writes the scenario's fault list, runs each program's binary on it, and
/// returns the run files, in the order of `bins`.
pub fn run_programs(
    root: &Path,
    leakscope: &Path,
    scenario: &[String],
    bins: &[PathBuf],
) -> Result<Vec<PathBuf>> {
    let list = write_faults(root, leakscope, scenario, "faults.json")?;
    run_each(root, bins, &list, "TestRun", ("-out", ""), &[])
}

/// Measures the seven leak detectors on each program's binary for the
/// scenario (`TestDetect`: under the fake clock, live on real sockets with
/// one virtual minute lasting `LIVE_MINUTE`, and wgvet, built here, on the
/// program's source) and returns the files.
pub fn measure_detectors(
    root: &Path,
    leakscope: &Path,
    scenario: &[String],
    bins: &[PathBuf],
) -> Result<Vec<PathBuf>> {
    const LIVE_MINUTE: &str = "200ms";
    let list = write_faults(root, leakscope, scenario, "detect-faults.json")?;
    // The static check runs on each program's source: the real tool.
    let wgvet = crate::go::wgvet_bin(root);
    let mut build = crate::go::command(root);
    build
        .args(["build", "-o"])
        .arg(&wgvet)
        .arg(crate::go::WGVET_PACKAGE);
    output(build, "go build ./cmd/wgvet")?;
    let go = crate::go::program(root);
    run_each(
        root,
        bins,
        &list,
        "TestDetect",
        ("-detect", "-detect"),
        &[
            "-live-minute",
            LIVE_MINUTE,
            "-wgvet",
            &wgvet.to_string_lossy(),
            "-wgvet-go",
            &go.to_string_lossy(),
        ],
    )
}

/// `leakscope detect` on the scenario, against the measurements; `Ok(true)`
/// when every one agrees. `format`: `table` or `json`.
fn compare_detectors(
    leakscope: &Path,
    scenario: &[String],
    tags: &[&str],
    measured: &[PathBuf],
    format: &str,
    quiet: bool,
) -> Result<bool> {
    let programs: Vec<String> = tags.iter().map(|t| t.replace('_', "-")).collect();
    let mut detect = Command::new(leakscope);
    detect.arg("detect").args(scenario).args([
        "--program",
        &programs.join(","),
        "--format",
        format,
    ]);
    for m in measured {
        detect.arg("--against").arg(m);
    }
    if quiet {
        detect.stdout(Stdio::null());
    }
    let status = detect
        .status()
        .map_err(|e| crate::cmd::Error(format!("`leakscope detect` could not start: {e}")))?;
    Ok(status.success())
}

/// `cargo xtask go-detect -- FLAGS`: which tool would have caught it, as
/// the Go tests measure it, beside the core's prediction.
pub fn go_detect(ctx: &mut crate::tools::Ctx, run: &GoRun) -> Result<()> {
    crate::tools::ensure(ctx, &crate::tools::for_go(&ctx.root))?;
    let root = ctx.root.clone();
    let leakscope = leakscope(&root)?;
    let bins = binaries(&root, &run.tags)?;
    let measured = measure_detectors(&root, &leakscope, &run.scenario, &bins)?;
    if compare_detectors(
        &leakscope,
        &run.scenario,
        &run.tags,
        &measured,
        &run.format,
        false,
    )? {
        Ok(())
    } else {
        fail("the Go measurements differ from the prediction (see above)".to_string())
    }
}

/// The arguments of `go-serve`: one program, the live run's own flags, the
/// scenario flags for `leakscope faults`.
#[derive(Debug, Default, PartialEq)]
pub struct GoServe {
    /// The scenario flags, as given.
    pub scenario: Vec<String>,
    /// The program's build tag.
    pub tag: &'static str,
    /// `-minute`, `-listen`, `-duration` for the program, as given.
    pub live: Vec<String>,
}

/// Parses `go-serve`'s arguments: `--program NAME` (one), `--minute D`,
/// `--listen ADDR`, `--duration D`, and the CLI's scenario flags.
pub fn parse_serve(args: &[String]) -> std::result::Result<GoServe, String> {
    const LIVE: [&str; 3] = ["--minute", "--listen", "--duration"];
    let split = split_flags(args, &["--program", LIVE[0], LIVE[1], LIVE[2]], &[])?;
    let program = split
        .value("--program")
        .ok_or("`--program NAME` is required (one program)")?;
    let tags = tags(program)?;
    let [tag] = tags[..] else {
        return Err(format!(
            "`--program {program}` names more than one program; go-serve runs one"
        ));
    };
    let live = LIVE
        .iter()
        .filter_map(|flag| Some([format!("-{}", &flag[2..]), split.value(flag)?.to_owned()]))
        .flatten()
        .collect();
    Ok(GoServe {
        scenario: split.rest,
        tag,
        live,
    })
}

/// The FASE 6 preset as scenario flags.
fn fase6() -> Vec<String> {
    vec!["--preset".to_string(), "fase6".to_string()]
}

/// Writes the fault list of `scenario` (the CLI's scenario flags) with
/// `leakscope faults` to `target/go/runs/<file>` and returns its path.
pub fn write_faults(
    root: &Path,
    leakscope: &Path,
    scenario: &[String],
    file: &str,
) -> Result<PathBuf> {
    let dir = work_dir(root);
    std::fs::create_dir_all(&dir)
        .map_err(|e| crate::cmd::Error(format!("creating {}: {e}", dir.display())))?;
    let mut faults = Command::new(leakscope);
    faults
        .arg("faults")
        .args(scenario)
        .args(["--format", "json"]);
    let list = output(faults, &format!("leakscope faults {}", scenario.join(" ")))?;
    let path = dir.join(file);
    std::fs::write(&path, list)
        .map_err(|e| crate::cmd::Error(format!("writing {}: {e}", path.display())))?;
    Ok(path)
}

/// `cargo xtask go-serve -- FLAGS`: one program live on real sockets, with
/// pprof and `/metrics`, until stopped.
pub fn go_serve(ctx: &mut crate::tools::Ctx, serve: &GoServe) -> Result<()> {
    crate::tools::ensure(ctx, &crate::tools::for_go(&ctx.root))?;
    let root = ctx.root.clone();
    let leakscope = leakscope(&root)?;
    let list_path = write_faults(
        &root,
        &leakscope,
        &serve.scenario,
        &format!("serve-{}-faults.json", serve.tag),
    )?;
    let bin = root.join(format!("target/go/bin/serve-{}", serve.tag));
    let mut build = command(&root);
    build
        .args(["build", "-tags", serve.tag, "-o"])
        .arg(&bin)
        .arg("./cmd/serve");
    output(build, &format!("go build -tags {} ./cmd/serve", serve.tag))?;
    let status = Command::new(&bin)
        .arg("-faults")
        .arg(&list_path)
        .args(&serve.live)
        .status()
        .map_err(|e| crate::cmd::Error(format!("{} could not start: {e}", bin.display())))?;
    if status.success() {
        Ok(())
    } else {
        fail(format!("serve-{} ended with {status}", serve.tag))
    }
}

/// `cargo xtask go-run -- FLAGS`: the report of the Go runs on standard
/// output, as `leakscope sim` prints its own.
pub fn go_run(ctx: &mut crate::tools::Ctx, run: &GoRun) -> Result<()> {
    crate::tools::ensure(ctx, &crate::tools::for_go(&ctx.root))?;
    let root = ctx.root.clone();
    let leakscope = leakscope(&root)?;
    let bins = binaries(&root, &run.tags)?;
    let runs = run_programs(&root, &leakscope, &run.scenario, &bins)?;
    let mut report = Command::new(&leakscope);
    report
        .arg("report")
        .args(&runs)
        .args(["--format", &run.format]);
    if run.against_sim {
        report.arg("--against-sim");
    }
    let status = report
        .status()
        .map_err(|e| crate::cmd::Error(format!("`leakscope report` could not start: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        fail("the Go runs differ from the simulation (see above)".to_string())
    }
}

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

/// What `leakscope watch` must say of each program live: its exit code,
/// and whether a growing group must be named, started in
/// `go/monitor/<file>.go`, or the container's waiters reported stuck.
const WATCH_EXPECTED: [(&str, i32, bool, bool); 4] = [
    ("buggy", 1, true, false),
    ("close_only", 0, false, true),
    ("wait_timeout", 1, true, false),
    ("fixed", 0, false, false),
];

/// The live check of `leakscope watch`: each program built as
/// `serve-<tag>` in `bins_dir`, served on a free loopback port on the
/// fase6 faults with one minute = 200 ms, watched for 20 s (100 program
/// minutes) by `leakscope watch --format json`, its verdict and findings
/// checked against [`WATCH_EXPECTED`]. The four run at once; every server is
/// killed afterwards.
pub fn watch_live(root: &Path, leakscope: &Path, bins_dir: &Path) -> Result<()> {
    std::fs::create_dir_all(bins_dir)
        .map_err(|e| crate::cmd::Error(format!("creating {}: {e}", bins_dir.display())))?;
    let list_path = write_faults(root, leakscope, &fase6(), "watch-faults.json")?;
    let mut bins = Vec::new();
    for (tag, ..) in WATCH_EXPECTED {
        let bin = bins_dir.join(format!("serve-{tag}"));
        let mut build = command(root);
        build
            .args(["build", "-tags", tag, "-o"])
            .arg(&bin)
            .arg("./cmd/serve");
        output(build, &format!("go build -tags {tag} ./cmd/serve"))?;
        bins.push(bin);
    }
    // Servers first (killed on every way out), then the watchers.
    let mut servers = Servers(Vec::new());
    let mut ports = Vec::new();
    for ((tag, ..), bin) in WATCH_EXPECTED.iter().zip(&bins) {
        let port = free_port()?;
        let child = Command::new(bin)
            .arg("-faults")
            .arg(&list_path)
            .args(["-minute", "200ms", "-duration", "40s", "-listen"])
            .arg(format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| crate::cmd::Error(format!("serve-{tag} could not start: {e}")))?;
        servers.0.push(child);
        ports.push(port);
    }
    for ((tag, ..), port) in WATCH_EXPECTED.iter().zip(&ports) {
        wait_for(*port).map_err(|e| crate::cmd::Error(format!("serve-{tag}: {}", e.0)))?;
    }
    let watchers = WATCH_EXPECTED
        .iter()
        .zip(&ports)
        .map(|((tag, ..), port)| {
            Command::new(leakscope)
                .arg("watch")
                .arg(format!("http://127.0.0.1:{port}"))
                .args([
                    "--interval",
                    "1s",
                    "--duration",
                    "20s",
                    "--minute",
                    "200ms",
                    "--format",
                    "json",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| {
                    crate::cmd::Error(format!("`leakscope watch` of {tag} could not start: {e}"))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut problems = Vec::new();
    for (&(tag, code, grows, stuck), watcher) in WATCH_EXPECTED.iter().zip(watchers) {
        let out = watcher
            .wait_with_output()
            .map_err(|e| crate::cmd::Error(format!("`leakscope watch` of {tag}: {e}")))?;
        let json = String::from_utf8_lossy(&out.stdout);
        let said = String::from_utf8_lossy(&out.stderr);
        let findings = json_findings(&json);
        let mut wrong = Vec::new();
        if out.status.code() != Some(code) {
            wrong.push(format!("exit {:?}, expected {code}", out.status.code()));
        }
        let grown: Vec<&String> = findings
            .iter()
            .filter(|f| f.contains(" grew from ") && monitor_site(root, f).is_some())
            .collect();
        if grows && grown.is_empty() {
            wrong.push("no growing group created in go/monitor/<file>.go:<line>".into());
        }
        let waiters: Vec<&String> = findings
            .iter()
            .filter(|f| f.contains(" in sync.WaitGroup.Wait for ≥ "))
            .collect();
        if stuck && !waiters.iter().any(|f| f.starts_with("55 goroutines ")) {
            wrong.push("the 55 containers' waiters not reported stuck in WaitGroup.Wait".into());
        }
        let number = |key: &str| json_value(&json, key).unwrap_or_else(|| "?".into());
        let count = |key: &str| {
            number(key)
                .parse::<f64>()
                .map_or("?".into(), |n| format!("{n:.0}"))
        };
        eprintln!(
            "watch {tag}: exit {:?}, {} polls, goroutines {} → {}, growth {}/min, limit {}, verdict {}",
            out.status.code(),
            json.matches("\"program_minute\"").count(),
            count("first"),
            count("last"),
            number("growth_per_min")
                .parse::<f64>()
                .map_or("?".into(), |g| format!("{g:.2}")),
            number("limit")
                .parse::<f64>()
                .map_or("?".into(), |g| format!("{g:.0}")),
            number("verdict"),
        );
        for f in grown.iter().take(3).chain(waiters.iter().take(2)) {
            eprintln!("  - {f}");
        }
        if !wrong.is_empty() {
            problems.push(format!(
                "{tag}: {}\n{}",
                wrong.join("; "),
                said.lines()
                    .filter(|l| !l.starts_with("watch: poll "))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    drop(servers);
    if problems.is_empty() {
        eprintln!("go live = watch: 4 programs");
        Ok(())
    } else {
        fail(format!(
            "`leakscope watch` against the live Go programs:\n{}",
            problems.join("\n")
        ))
    }
}

/// What `leakscope watch --prometheus` must say of each program's series.
const FLEET_EXPECTED: [(&str, &str); 3] = [
    ("buggy", "leak"),
    ("wait_timeout", "leak"),
    ("fixed", "pass"),
];

/// How long Prometheus scrapes before the fleet check, in seconds.
const FLEET_SCRAPE_SECS: u64 = 35;

/// The fleet check against a real Prometheus: serve-buggy, serve-fixed and
/// serve-wait_timeout (built by [`watch_live`] in `bins_dir`) live on the
/// fase6 faults with one minute = 1 s, Debian's `prometheus` scraping their
/// `/metrics` every second (one job per program), and after
/// [`FLEET_SCRAPE_SECS`] s `leakscope watch --prometheus … --query
/// go_goroutines --range 30s --step 1s --minute 1s --format json`: exit 1,
/// each program's series with the verdict of [`FLEET_EXPECTED`]. Then a
/// malformed query (exit 3, Prometheus' own error text) and an unknown
/// metric (exit 3, no series matched).
pub fn fleet_live(root: &Path, leakscope: &Path, bins_dir: &Path) -> Result<()> {
    let list_path = write_faults(root, leakscope, &fase6(), "fleet-faults.json")?;
    let mut servers = Servers(Vec::new());
    let mut targets = Vec::new();
    for (tag, _) in FLEET_EXPECTED {
        let bin = bins_dir.join(format!("serve-{tag}"));
        let port = free_port()?;
        let child = Command::new(&bin)
            .arg("-faults")
            .arg(&list_path)
            .args(["-minute", "1s", "-duration", "120s", "-listen"])
            .arg(format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| crate::cmd::Error(format!("serve-{tag} could not start: {e}")))?;
        servers.0.push(child);
        targets.push((tag.to_string(), format!("127.0.0.1:{port}"), Vec::new()));
    }
    for (tag, target, _) in &targets {
        let port: u16 = target
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        wait_for(port).map_err(|e| crate::cmd::Error(format!("serve-{tag}: {}", e.0)))?;
    }
    // The real monitor (leakscope's own, on the Docker engine the docker
    // step started) beside them: its /metrics says tokio_alive_tasks. It
    // follows only containers with a label nobody has, so its count is its
    // own tasks: flat.
    let monitor_port = free_port()?;
    let monitor = Command::new(leakscope)
        .args([
            "monitor",
            "--docker",
            "--program",
            "fixed",
            "--rotation",
            "1s",
            "--heartbeat",
            "1s",
            "--duration",
            "120s",
        ])
        .arg("--label")
        .arg(format!("leakscope.fleet={monitor_port}"))
        .arg("--debug-addr")
        .arg(format!("127.0.0.1:{monitor_port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| crate::cmd::Error(format!("leakscope monitor could not start: {e}")))?;
    servers.0.push(monitor);
    let with_monitor = match wait_for(monitor_port) {
        Ok(()) => true,
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            return fail(format!(
                "the real monitor did not serve /metrics ({}): the fleet check needs the Docker engine the docker step starts",
                e.0
            ));
        }
        Err(_) => {
            eprintln!(
                "fleet: no Docker engine answers, so the real monitor is not in the fleet (CI=true requires it)"
            );
            false
        }
    };
    if with_monitor {
        targets.push((
            "monitor".to_string(),
            format!("127.0.0.1:{monitor_port}"),
            Vec::new(),
        ));
    }
    let prometheus = crate::prometheus::Prometheus::start(&targets)?;
    eprintln!(
        "fleet: Prometheus on {} scraping {} programs every 1 s; checking in {FLEET_SCRAPE_SECS} s",
        prometheus.addr,
        targets.len()
    );
    std::thread::sleep(std::time::Duration::from_secs(FLEET_SCRAPE_SECS));
    let url = format!("http://{}", prometheus.addr);
    let watch = |query: &str, format: &str| {
        Command::new(leakscope)
            .args(["watch", "--prometheus", &url, "--query", query])
            .args([
                "--range", "30s", "--step", "1s", "--minute", "1s", "--format", format,
            ])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                crate::cmd::Error(format!(
                    "`leakscope watch --prometheus` could not start: {e}"
                ))
            })
    };
    let out = watch("go_goroutines", "json")?;
    let json = String::from_utf8_lossy(&out.stdout).into_owned();
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut problems = Vec::new();
    if out.status.code() != Some(1) {
        problems.push(format!(
            "exit {:?}, expected 1: {}",
            out.status.code(),
            said.trim()
        ));
    }
    // Each series' object: its labels, then its verdict and numbers.
    let series: Vec<&str> = json.split("\"labels\": {").skip(1).collect();
    if series.len() != FLEET_EXPECTED.len() {
        problems.push(format!(
            "{} series, expected {}",
            series.len(),
            FLEET_EXPECTED.len()
        ));
    }
    for (tag, verdict) in FLEET_EXPECTED {
        let Some(s) = series
            .iter()
            .find(|s| json_value(s, "job").as_deref() == Some(tag))
        else {
            problems.push(format!("no series of job {tag}"));
            continue;
        };
        let got = json_value(s, "verdict").unwrap_or_default();
        let number = |key: &str| {
            json_value(s, key)
                .and_then(|n| n.parse::<f64>().ok())
                .map_or("?".into(), |n| format!("{n:.1}"))
        };
        eprintln!(
            "fleet {tag}: {got}, {} points, go_goroutines {} → {}, growth {}/min, limit {}",
            json_value(s, "points").unwrap_or_default(),
            number("first"),
            number("last"),
            number("growth_per_min"),
            number("limit"),
        );
        if got != verdict {
            problems.push(format!("{tag}: {got}, expected {verdict}"));
        }
    }
    // Prometheus' own words for a query it cannot parse.
    let bad = watch("go_goroutines{", "table")?;
    let bad_said = String::from_utf8_lossy(&bad.stderr).into_owned();
    if bad.status.code() != Some(3)
        || !bad_said.contains("Prometheus refused the query")
        || !bad_said.contains("bad_data")
        || !bad_said.contains("parse error")
    {
        problems.push(format!(
            "a malformed query: exit {:?}, expected 3 with Prometheus' parse error: {}",
            bad.status.code(),
            bad_said.trim()
        ));
    } else {
        eprintln!("fleet malformed query: exit 3, {}", bad_said.trim());
    }
    let none = watch("leakscope_no_such_metric", "table")?;
    let none_said = String::from_utf8_lossy(&none.stderr).into_owned();
    if none.status.code() != Some(3) || !none_said.contains("matched no series") {
        problems.push(format!(
            "an unknown metric: exit {:?}, expected 3 and no series matched: {}",
            none.status.code(),
            none_said.trim()
        ));
    } else {
        eprintln!("fleet unknown metric: exit 3, {}", none_said.trim());
    }
    // The same command on the real monitor's task count.
    if with_monitor {
        let out = watch("tokio_alive_tasks", "json")?;
        let json = String::from_utf8_lossy(&out.stdout).into_owned();
        let said = String::from_utf8_lossy(&out.stderr).into_owned();
        let series: Vec<&str> = json.split("\"labels\": {").skip(1).collect();
        let monitor = series
            .iter()
            .find(|s| json_value(s, "job").as_deref() == Some("monitor"));
        match (out.status.code(), monitor) {
            (Some(0), Some(s)) if json_value(s, "verdict").as_deref() == Some("pass") => {
                eprintln!(
                    "fleet monitor: pass, {} points, tokio_alive_tasks {} → {}",
                    json_value(s, "points").unwrap_or_default(),
                    json_value(s, "first").unwrap_or_default(),
                    json_value(s, "last").unwrap_or_default(),
                );
            }
            (code, _) => problems.push(format!(
                "the real monitor's tokio_alive_tasks: exit {code:?}, expected 0 with the monitor passing: {}\n{json}",
                said.trim()
            )),
        }
    }
    drop(prometheus);
    drop(servers);
    if problems.is_empty() {
        eprintln!(
            "go live = watch --prometheus: 3 programs{} through a real Prometheus",
            if with_monitor {
                " and the real monitor"
            } else {
                ""
            }
        );
        Ok(())
    } else {
        fail(format!(
            "`leakscope watch --prometheus` against a real Prometheus scraping the live Go programs:\n{}\n{json}",
            problems.join("\n")
        ))
    }
}

/// Child processes killed (and reaped) when dropped.
struct Servers(Vec<std::process::Child>);

impl Drop for Servers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A loopback port free a moment ago.
fn free_port() -> Result<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| crate::cmd::Error(format!("finding a free port: {e}")))
}

/// Waits until something accepts connections on the loopback `port`.
fn wait_for(port: u16) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    while std::time::Instant::now() < deadline {
        if std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(200))
            .is_ok()
        {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    fail(format!("nothing listens on 127.0.0.1:{port} after 15 s"))
}

/// The strings of the pretty-printed JSON's `"findings"` array (one per
/// line, as serde_json writes them).
fn json_findings(json: &str) -> Vec<String> {
    json.lines()
        .skip_while(|l| l.trim() != "\"findings\": [")
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with(']'))
        .map(|l| {
            let l = l.trim().trim_end_matches(',');
            l.strip_prefix('"')
                .and_then(|l| l.strip_suffix('"'))
                .unwrap_or(l)
                .replace("\\\"", "\"")
        })
        .collect()
}

/// The first value of `"key": value` in the JSON text.
fn json_value(json: &str, key: &str) -> Option<String> {
    let at = json.find(&format!("\"{key}\": "))? + key.len() + 4;
    let rest = &json[at..];
    let end = rest.find([',', '\n', '}']).unwrap_or(rest.len());
    Some(rest[..end].trim().trim_matches('"').to_owned())
}

/// The `created by … at …/go/monitor/<file>.go:<line>` of a finding, when
/// that file exists in the repository and has that line.
fn monitor_site(root: &Path, finding: &str) -> Option<(String, u32)> {
    let created = &finding[finding.find("created by ")?..];
    let at = created.find("/go/monitor/")?;
    let site = &created[at + "/go/monitor/".len()..];
    let end = site
        .find(|c: char| !(c.is_ascii_alphanumeric() || "_.:".contains(c)))
        .unwrap_or(site.len());
    let (file, line) = site[..end].split_once(':')?;
    let line: u32 = line.parse().ok()?;
    let text = std::fs::read_to_string(root.join("go/monitor").join(file)).ok()?;
    (file.ends_with(".go") && line >= 1 && text.lines().count() >= line as usize)
        .then(|| (file.to_owned(), line))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn go_run_splits_its_flags_from_the_scenario_flags() {
        let run = parse(&args(
            "-- --preset fase6 --program all --format=json --stop-at 30",
        ))
        .unwrap();
        assert_eq!(run.scenario, args("--preset fase6 --stop-at 30"));
        assert_eq!(run.tags, all_tags());
        assert_eq!(run.format, "json");
        let run = parse(&args("--program fixed,close-only --against-sim")).unwrap();
        assert_eq!(run.tags, vec!["close_only", "fixed"]);
        assert!(run.against_sim);
        assert_eq!(parse(&[]).unwrap().tags, vec!["buggy", "fixed"]);
    }

    #[test]
    fn go_serve_takes_one_program_and_passes_the_live_flags_on() {
        let s = parse_serve(&args(
            "-- --program close-only --preset fase6 --minute 200ms --listen=127.0.0.1:7000",
        ))
        .unwrap();
        assert_eq!(s.tag, "close_only");
        assert_eq!(s.scenario, args("--preset fase6"));
        assert_eq!(s.live, args("-minute 200ms -listen 127.0.0.1:7000"));
        assert!(
            parse_serve(&args("--preset fase6"))
                .unwrap_err()
                .contains("required")
        );
        assert!(
            parse_serve(&args("--program all"))
                .unwrap_err()
                .contains("one")
        );
    }

    #[test]
    fn go_run_refuses_unknown_programs_and_formats() {
        assert_eq!(
            parse(&args("--program shared")).unwrap_err(),
            "unknown program \"shared\" (allowed: buggy, close-only, wait-timeout, fixed, all)"
        );
        assert!(parse(&args("--format csv")).unwrap_err().contains("csv"));
        assert!(
            parse(&args("--program"))
                .unwrap_err()
                .contains("needs a value")
        );
    }

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
