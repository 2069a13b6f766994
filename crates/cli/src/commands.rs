//! One module per subcommand: each checks its flags into a configuration
//! (`config`, before any work) and runs it (`run`), asking the core, or the
//! monitor library, and rendering the answer. Checks shared by several
//! subcommands (the scenario flags, `--program`) are [`crate::config`].

mod analyze;
mod chart;
mod check;
mod detect;
mod dump;
mod faults;
mod fingerprint;
pub mod fleet;
mod monitor;
mod programs;
mod report;
mod sim;
mod sweep;
mod vet;
mod watch;

use anyhow::Context as _;
use leakscope_sim::{Program, Scenario, Trace, simulate};
use rayon::prelude::*;

pub use analyze::{AnalyzeConfig, Input, MAX_DUMP_BYTES, PILE_MIN_RANGE, STALLED_AFTER_RANGE};
pub use chart::{ChartConfig, HEIGHT_RANGE, ImageFormat, MAX_PIXELS, WIDTH_RANGE, image_format};
pub use check::CheckConfig;
pub use dump::DumpConfig;
pub use faults::FaultsConfig;
pub use fingerprint::{FingerprintConfig, fingerprint_lines};
pub use fleet::FleetConfig;
pub use monitor::{notice_line, parse_duration};
pub use sim::SimConfig;
pub use sweep::{MAX_SEEDS, MAX_SWEEP_RUNS, SweepConfig};
pub use vet::{Tools, VetConfig, locate};
pub use watch::WatchConfig;

use crate::cli::Command;

/// How a command that ran ended, for the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Done; every `check` run passed: exit code 0.
    Done,
    /// A `check` run leaked, a measured run differs from the simulation,
    /// or `vet` found something: exit code 1, the report on standard
    /// output.
    Leak,
}

impl Status {
    /// The process exit code: 0 or 1.
    pub const fn code(self) -> u8 {
        match self {
            Status::Done => 0,
            Status::Leak => 1,
        }
    }
}
/// Runs one parsed command line.
pub fn execute(command: Command) -> anyhow::Result<Status> {
    let done = |r: anyhow::Result<()>| r.map(|()| Status::Done);
    match command {
        Command::Sim(args) => done(sim::run(&sim::config(&args)?)),
        Command::Programs(args) => done(programs::run(&args)),
        Command::Dump(args) => done(dump::run(&dump::config(&args)?)),
        Command::Chart(args) => done(chart::run(&chart::config(&args)?)),
        Command::Sweep(args) => done(sweep::run(&sweep::config(&args)?)),
        Command::Fingerprint(args) => done(fingerprint::run(&fingerprint::config(&args)?)),
        Command::Faults(args) => done(faults::run(&faults::config(&args)?)),
        Command::Report(args) => report::run(&report::config(&args)?),
        Command::Detect(args) => detect::run(&detect::config(&args)?),
        Command::Check(args) => check::run(&check::config(&args)?),
        Command::Monitor(args) => monitor::run(&monitor::config(&args)?, args.format),
        Command::Analyze(args) => done(analyze::run(&analyze::config(&args)?)),
        Command::Watch(args) => watch::run(&watch::config(&args)?),
        Command::Fleet(args) => fleet::run(&fleet::config(&args)?),
        Command::Vet(args) => vet::run(&vet::config(&args)?),
    }
}

/// The traces of `programs`, in the order given.
pub(crate) fn traces(scenario: &Scenario, programs: &[Program]) -> anyhow::Result<Vec<Trace>> {
    programs
        .par_iter()
        .map(|&p| simulate(scenario, p).with_context(|| format!("simulating the {p} program")))
        .collect()
}
