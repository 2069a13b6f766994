//! Wall time of `leakscope check --preset fase6` (every program, for real
//! on tokio under a paused clock, 60 log lines a minute per container)
//! against the simulation of the same scenario, in one run. Run with
//! `--release`:
//!
//! `cargo run --release -p leakscope-monitor --example speed`

use std::time::Instant;

use leakscope_monitor::check;
use leakscope_sim::{Preset, Program, simulate};

fn main() -> anyhow::Result<()> {
    let scenario = Preset::Fase6.scenario();
    let rounds = 5;
    let mut real = f64::MAX;
    let mut sim = f64::MAX;
    for _ in 0..rounds {
        let t = Instant::now();
        let report = check::report(&scenario, &Program::ALL)?;
        real = real.min(t.elapsed().as_secs_f64());
        assert_eq!(report.runs.len(), Program::ALL.len());
        let t = Instant::now();
        for p in Program::ALL {
            std::hint::black_box(simulate(&scenario, p)?);
        }
        sim = sim.min(t.elapsed().as_secs_f64());
    }
    println!(
        "check --preset fase6 (every program, real tasks, paused clock): {:.1} ms",
        real * 1e3
    );
    println!(
        "sim   --preset fase6 (every program, simulation):               {:.2} ms",
        sim * 1e3
    );
    println!("ratio check / sim: {:.0}x (best of {rounds})", real / sim);
    Ok(())
}
