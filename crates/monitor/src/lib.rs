//! The real monitor: the model's program (`docs/model.md`) on real tokio
//! tasks and real wait groups, in both versions, following synthetic or
//! Docker containers — measured, and checked against the simulation.
//!
//! - [`shared`] and [`split`] are the buggy and the fixed program, side by
//!   side, line for line the model's Go code.
//! - [`WaitGroup`] is Go's `sync.WaitGroup`, observable.
//! - [`Census`] counts every live task per role with a guard spawned with the
//!   task; tokio's `num_alive_tasks()` is checked against it.
//! - [`Timers`] is `time.AfterFunc`: one driver, no task per pending timer.
//! - Sources: [`Synthetic`] (the scenario's fault schedule) and
//!   [`docker`] (bollard over the local socket).
//! - [`check`] runs the synthetic source under a paused clock and reports in
//!   the simulation's shape; [`follow`] follows a Docker engine and
//!   [`run`] runs it from start to drain; [`debug`] serves `/debug/tasks`
//!   and `/metrics`.
//!
//! The `leakscope` command line (`crates/cli`) is this crate's face: its
//! `check` and `monitor` subcommands read and check the flags, call
//! [`check::report`] and [`run::run`] with checked values, and print.
//!
//! The monitor measures; it never asks the simulation. The simulation
//! appears only in this crate's tests, as the thing compared against.
//!
//! # Examples
//!
//! ```
//! use leakscope_monitor::check;
//! use leakscope_sim::{Preset, Variant, Verdict};
//!
//! let scenario = Preset::Fase6.scenario(); // 55 containers, 58 minutes
//! let buggy = check::run(&scenario, Variant::Buggy).unwrap().report;
//! let fixed = check::run(&scenario, Variant::Fixed).unwrap().report;
//! assert_eq!(buggy.samples[0].goroutines, 110);
//! assert_eq!(buggy.verdict, Verdict::Leak);
//! assert_eq!(fixed.final_goroutines, 110);
//! assert_eq!(fixed.verdict, Verdict::Pass);
//! ```

pub mod census;
pub mod check;
pub mod debug;
pub mod docker;
pub mod duration;
pub mod follow;
mod monitor;
pub mod run;
pub mod shared;
mod source;
pub mod split;
mod synthetic;
mod timers;
mod wait_group;

pub use census::{Census, CensusSnapshot, Task, TaskGuard, TaskKind, TaskSpec};
pub use monitor::{ContainerRef, ContainerStats, Env, Monitor, MonitorConfig, Stats};
pub use source::{Inspection, Line, LogStream, Source};
pub use synthetic::{Synthetic, SyntheticStream};
pub use timers::Timers;
pub use wait_group::{DoneOnDrop, Holder, WaitGroup, WaitGroupError};
