//! Wall time of `leakscope check --preset fase6` (both programs, for real
//! on tokio under a paused clock) against the simulation of the same
//! scenario, in one run. Run with `--release`:
//!
//! `cargo run --release -p leakscope-monitor --example speed`

use std::time::Instant;

use leakscope_monitor::check;
use leakscope_sim::{Preset, Variant, simulate};

fn main() -> anyhow::Result<()> {
    let scenario = Preset::Fase6.scenario();
    let rounds = 5;
    let mut real = f64::MAX;
    let mut sim = f64::MAX;
    for _ in 0..rounds {
        let t = Instant::now();
        let report = check::report(&scenario, &Variant::ALL)?;
        real = real.min(t.elapsed().as_secs_f64());
        assert_eq!(report.runs.len(), 2);
        let t = Instant::now();
        for v in Variant::ALL {
            std::hint::black_box(simulate(&scenario, v)?);
        }
        sim = sim.min(t.elapsed().as_secs_f64());
    }
    println!(
        "check --preset fase6 (both programs, real tasks, paused clock): {:.1} ms",
        real * 1e3
    );
    println!(
        "sim   --preset fase6 (both programs, simulation):               {:.2} ms",
        sim * 1e3
    );
    println!("ratio check / sim: {:.0}x (best of {rounds})", real / sim);
    Ok(())
}
