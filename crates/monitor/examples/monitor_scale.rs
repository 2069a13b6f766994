//! 500 synthetic containers for 24 virtual hours on the fixed program:
//! tasks stay bounded; peak memory per container. Run with `--release`:
//!
//! `cargo run --release -p leakscope-monitor --example monitor_scale [CONTAINERS] [HOURS] [LINES_PER_MIN]`
//!
//! Log lines are off by default (`LINES_PER_MIN` 0): at 60 a minute the
//! default run would read 43 million lines, one timer each.

use std::time::Instant;

use leakscope_monitor::check;
use leakscope_sim::{Program, Scenario};

/// The process's peak resident memory, in KiB (Linux).
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let containers: u32 = args.next().map_or(Ok(500), |a| a.parse())?;
    let hours: u32 = args.next().map_or(Ok(24), |a| a.parse())?;
    let lines_per_min: u32 = args.next().map_or(Ok(0), |a| a.parse())?;
    let scenario = Scenario {
        containers,
        minutes: hours * 60,
        lines_per_min,
        ..Scenario::default()
    };
    let before = peak_kib().unwrap_or(0);
    let t = Instant::now();
    let run = check::run(&scenario, Program::FIXED)?;
    let wall = t.elapsed().as_secs_f64();
    let peak = peak_kib().unwrap_or(0);
    let samples = &run.report.samples;
    let max = samples.iter().map(|s| s.goroutines).max().unwrap_or(0);
    let min = samples.iter().map(|s| s.goroutines).min().unwrap_or(0);
    let lines = samples.last().map_or(0, |s| s.lines_read);
    println!(
        "fixed program, {containers} synthetic containers, {hours} virtual hours, error rate {}, {lines_per_min} lines/min: {wall:.1} s wall",
        scenario.error_rate
    );
    println!(
        "tasks per minute: min {min}, max {max} (model: heartbeat + reader + {} handlers per container = {}), plus {} runtime task",
        scenario.goroutines_per_reader - 1,
        u64::from(1 + scenario.goroutines_per_reader) * u64::from(containers),
        run.runtime_tasks
    );
    println!(
        "tasks spawned over the run: {}; lines read: {lines}",
        run.spawned
    );
    println!(
        "peak resident memory: {:.1} MiB ({:.1} MiB before the run), {:.1} KiB per container",
        peak as f64 / 1024.0,
        before as f64 / 1024.0,
        (peak.saturating_sub(before)) as f64 / f64::from(containers)
    );
    println!("verdict: {}", run.report.verdict);
    Ok(())
}
