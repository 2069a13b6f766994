//! A deterministic, virtual-time simulation of a container log monitor whose
//! heartbeat goroutine and rotating stream readers share one
//! `sync.WaitGroup` — and of its fix, one WaitGroup per lifecycle.
//!
//! The monitored programs are data ([`programs`]): one file each, holding
//! its Go text and its rules — the seed's bug, the fixes people try, and the
//! fix. The engine ([`Sim`]) runs one [`Program`] on a virtual clock for a
//! [`Scenario`] (containers, minutes, rotation period, stream error rate,
//! log lines, an optional `Stop()`, seed) and records a [`Trace`]: every goroutine's life, every
//! rotation's outcome and a [`Sample`] per minute. A trace answers the
//! questions the faces ask: the state at any instant ([`Trace::snapshot`]),
//! a goroutine dump ([`Trace::dump`]), the events ([`Trace::events_of`]) and
//! the seed's verdict ([`Trace::analysis`]).
//!
//! The crate is pure: no wall clock, no I/O, no threads; randomness only from
//! the scenario's seed through ChaCha8. It builds for `wasm32-unknown-unknown`
//! and gives the same trace there as natively.
//!
//! # Examples
//!
//! ```
//! use leakscope_sim::{Preset, Program, Verdict, simulate};
//!
//! let scenario = Preset::Fase6.scenario(); // 55 containers, 58 minutes
//! let buggy = simulate(&scenario, Program::BUGGY).unwrap();
//! let fixed = simulate(&scenario, Program::FIXED).unwrap();
//!
//! // 55 × (heartbeat + reader + the stream's 2 handlers), as Go counts them.
//! assert_eq!(buggy.samples()[0].goroutines, 220);
//! assert_eq!(buggy.analysis().verdict, Verdict::Leak);
//! assert_eq!(fixed.analysis().verdict, Verdict::Pass);
//! assert_eq!(fixed.analysis().final_goroutines, 220);
//! ```

pub mod analysis;
pub mod code;
mod comparison;
pub mod conformance;
pub mod detect;
mod dump;
mod error;
mod event;
mod faults;
pub mod formula;
mod goroutine;
mod life;
mod lines;
mod permalink;
pub mod programs;
mod queue;
mod record;
pub mod recorded;
mod report;
mod sample;
mod scenario;
pub mod seed;
pub mod series;
mod sim;
pub mod story;
mod stuck;
mod text;
mod time;
mod trace;
pub mod vet;

pub use analysis::{Analysis, GROWTH_LIMIT_PER_MIN, Proof, Verdict, divergence};
pub use comparison::Comparison;
pub use dump::{DumpFormat, render as render_dump};
pub use error::Error;
pub use event::{Event, EventKind, WaitGroupName};
pub use faults::{ContainerFaults, Fault, FaultList, FaultSchedule, RotationFault};
pub use goroutine::{Goroutine, Role, RoleCounts, State};
pub use lines::LineClock;
pub use permalink::{KEYS as PERMALINK_KEYS, MAX_VALUE_LEN, Notice, Permalink, minutes_to_secs};
pub use programs::Program;
pub use queue::EventQueue;
pub use record::{ContainerRecord, Outcome, Rotation};
pub use recorded::{PeriodCensus, RecordedRun};
pub use report::{MeasuredRun, Report, RunReport, Source};
pub use sample::{Counts, GroupState, Holders, Sample, StopOutcome, WaitGroups};
pub use scenario::{Bounds, MAX_ROTATIONS, Param, Preset, Scenario};
pub use sim::{Sim, simulate};
pub use stuck::Stuck;
pub use text::{decimal, signed, thousands};
pub use time::Time;
pub use trace::{ContainerView, Snapshot, Trace};
