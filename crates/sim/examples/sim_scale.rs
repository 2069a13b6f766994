//! Release-mode figures for the README: FASE 6 cost (all four programs), the 10,000-container
//! day, and how cost grows with containers × minutes.
//!
//! `cargo run --release -p leakscope-sim --example sim_scale`
//!
//! Each measurement runs in a child process of its own so that its peak
//! resident memory (`VmHWM`) is its own.

use std::process::{Command, ExitCode};
use std::time::Instant;

use leakscope_sim::{Preset, Program, Scenario, simulate};

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs every program on `s` `reps` times, keeping every trace alive at once
/// as `leakscope sim --program all` does; returns the median seconds.
fn time_all(s: &Scenario, reps: usize) -> f64 {
    let times: Vec<f64> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            let traces: Vec<_> = Program::ALL
                .iter()
                .map(|&p| simulate(s, p).expect("valid scenario"))
                .collect();
            let secs = start.elapsed().as_secs_f64();
            std::hint::black_box(traces);
            secs
        })
        .collect();
    median(times)
}

fn child(containers: u32, minutes: u32, reps: usize) {
    let s = Scenario {
        containers,
        minutes,
        ..Scenario::default()
    };
    let secs = time_all(&s, reps);
    println!("{secs} {}", peak_rss_mib().unwrap_or(f64::NAN));
}

fn measure(containers: u32, minutes: u32, reps: usize) -> (f64, f64) {
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new(exe)
        .args([
            "--child",
            &containers.to_string(),
            &minutes.to_string(),
            &reps.to_string(),
        ])
        .output()
        .expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text
        .split_whitespace()
        .map(|p| p.parse::<f64>().unwrap_or(f64::NAN));
    (
        parts.next().unwrap_or(f64::NAN),
        parts.next().unwrap_or(f64::NAN),
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        let n = |i: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(1);
        child(n(2), n(3), n(4) as usize);
        return ExitCode::SUCCESS;
    }

    let fase6 = Preset::Fase6.scenario();
    let secs = time_all(&fase6, 2_001);
    println!(
        "fase6, all four programs (55 containers × 58 min): median {:.1} µs over 2001 runs (target < 1 ms)",
        secs * 1e6
    );

    let (secs, mib) = measure(10_000, 1_440, 3);
    println!(
        "10,000 containers × 24 h, all four programs: median {secs:.2} s over 3 runs, peak RSS {mib:.0} MiB (targets < 2 s, < 256 MB)"
    );

    println!("cost against containers × minutes (all four programs, median of 3):");
    println!(
        "{:>10} {:>8} {:>14} {:>10} {:>16}",
        "containers", "minutes", "cont×min", "seconds", "ns per cont×min"
    );
    let mut per_unit = Vec::new();
    for (c, m) in [
        (1_000, 1_440),
        (2_000, 1_440),
        (4_000, 1_440),
        (8_000, 1_440),
        (8_000, 720),
        (8_000, 2_880),
    ] {
        let (secs, _) = measure(c, m, 3);
        let units = f64::from(c) * f64::from(m);
        let ns = secs * 1e9 / units;
        per_unit.push(ns);
        println!("{c:>10} {m:>8} {units:>14.0} {secs:>10.3} {ns:>16.1}");
    }
    let (lo, hi) = per_unit
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    println!(
        "ns per container-minute ranges {lo:.1} to {hi:.1} (ratio {:.2}): linear when near 1",
        hi / lo
    );
    ExitCode::SUCCESS
}
