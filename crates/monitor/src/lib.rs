//! The real monitor: the core's programs (`docs/model.md`,
//! [`leakscope_sim::Program`]) on real tokio tasks, real wait groups and
//! real log streams, following synthetic or Docker containers — measured,
//! and checked against the simulation.
//!
//! - `programs` (`src/programs.rs`, `src/programs/`) ports every program of
//!   the core line for line from its Go text: one file per program
//!   (`buggy`, `close-only`, `wait-timeout`, `fixed`) holding what is its
//!   own (its groups, `rotate()`, `Stop()`'s waits), and what they all
//!   share (`monitorContainer`, `openRotation`, `reader`, `heartbeat`,
//!   `Stop()`'s first loops) in one place. A small registry maps a
//!   [`leakscope_sim::Program`] to its port.
//! - [`Monitor`] is Go's `type Monitor`: [`Monitor::monitor_container`] and
//!   [`Monitor::stop`] (`Stop()`: cancel `m.ctx`, stop every rotation timer,
//!   close every current stream, wait on every container's groups).
//! - [`WaitGroup`] is Go's `sync.WaitGroup`, observable.
//! - [`Census`] counts every live task per role with a guard spawned with the
//!   task; tokio's `num_alive_tasks()` is checked against it.
//! - [`Timers`] is `time.AfterFunc` and `time.After`: one driver, no task per
//!   pending timer.
//! - Sources: [`Synthetic`] (the scenario's log lines and stream faults, on
//!   the core's line and fault schedules) and [`docker`] (bollard over the
//!   local socket).
//! - [`check`] runs the synthetic source under a paused clock and reports in
//!   the simulation's shape, `Stop()` included; [`follow`] follows a Docker
//!   engine and [`run`] runs it from start to drain; [`debug`] serves
//!   `/debug/tasks` and `/metrics`.
//!
//! The `leakscope` command line (`crates/cli`) is this crate's face: its
//! `check` and `monitor` subcommands read and check the flags, call
//! [`check::report`] and [`run::run`] with checked values, and print.
//!
//! The monitor measures; it never asks the simulation. The simulation
//! appears only in this crate's tests, as the thing compared against
//! (`tests/conformance.rs`: every sample and `Stop()` outcome equal).
//!
//! # Examples
//!
//! ```
//! use leakscope_monitor::check;
//! use leakscope_sim::{Preset, Program, Verdict};
//!
//! let scenario = Preset::Fase6.scenario(); // 55 containers, 58 minutes
//! let buggy = check::run(&scenario, Program::BUGGY).unwrap().report;
//! let fixed = check::run(&scenario, Program::FIXED).unwrap().report;
//! // 55 × (heartbeat + reader + its stream's 2 handlers), as Go counts them.
//! assert_eq!(buggy.samples[0].goroutines, 220);
//! assert_eq!(buggy.verdict, Verdict::Leak);
//! assert_eq!(fixed.final_goroutines, 220);
//! assert_eq!(fixed.verdict, Verdict::Pass);
//!
//! // close-only passes the count test: every container stalled at 5:00.
//! let close_only = check::run(&scenario, Program::CLOSE_ONLY).unwrap().report;
//! assert_eq!(close_only.verdict, Verdict::Pass);
//! assert_eq!(close_only.samples[58].stalled_containers, 55);
//! assert_eq!(close_only.samples[58].silent_containers, 55);
//! ```

pub mod census;
pub mod check;
pub mod debug;
pub mod docker;
pub mod follow;
pub mod halfopen;
mod monitor;
mod programs;
pub mod run;
mod source;
mod synthetic;
mod timers;
mod wait_group;

pub use census::{Census, CensusSnapshot, Task, TaskGuard, TaskKind, TaskSpec};
pub use monitor::{ContainerRef, ContainerStats, Env, Monitor, MonitorConfig, NoPort, Stats};
pub use source::{Inspection, Line, LogSource, LogStream};
pub use synthetic::{Synthetic, SyntheticStream};
pub use timers::{Timer, Timers};
pub use wait_group::{DoneOnDrop, Holder, WaitGroup, WaitGroupError};

/// The unit tests' runtime: current-thread, tokio's clock paused.
#[cfg(test)]
mod test_rt {
    pub fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap()
    }
}
