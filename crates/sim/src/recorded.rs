//! A run of the real monitor, recorded: what `leakscope monitor --format
//! json` writes at exit, what `leakscope chart --from` and the page draw.
//!
//! The real monitor (`leakscope-monitor`) counts real tokio tasks and never
//! asks this crate for a number. What it records is its census once per
//! rotation period, taken at the same point of every period
//! ([`census_instant`]), and, when it injected half-open faults, the fault
//! of every followed stream as it was realized on the wire. From that record
//! alone this module builds the scenario the simulation would run for the
//! same schedule ([`RecordedRun::scenario`]) and the simulation's census at
//! the same instants ([`RecordedRun::predicted`]); that the two agree is a
//! finding, checked by the monitor's tests on a real engine.

use serde::{Deserialize, Serialize};

use crate::{Error, Program, RoleCounts, Scenario, Time, simulate};

/// The goroutines of one Docker log stream in the real monitor: its reader
/// and the one task hyper drives its HTTP connection with (a Go client's
/// `net/http` connection has two, its read and write loops).
pub const DOCKER_GOROUTINES_PER_READER: u32 = 2;

/// How far into rotation period `k` (the period after `k` rotations fell
/// due) the census of that period is taken: half the rotation, at most
/// 500 ms. Every count change of the programs falls on a rotation instant
/// (or, for `wait-timeout`, a whole number of seconds after one), so this
/// instant is never one, and it leaves the monitor half a second to settle
/// on a real engine.
pub fn census_instant(rotation: Time, k: u64) -> Time {
    let into = (rotation.as_millis() / 2).min(500);
    Time::from_millis(rotation.as_millis().saturating_mul(k).saturating_add(into))
}

/// The census of one rotation period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodCensus {
    /// Rotations due per container before it: the period's index, from 0.
    pub due: u64,
    /// When it was taken, in milliseconds after the first container was
    /// followed ([`census_instant`] of `due`, plus the real run's lateness).
    pub at_ms: u64,
    /// Live tasks per role; `system` holds the monitor's own tasks (writer,
    /// sampler, discovery, debug server), which the model leaves out.
    pub by_role: RoleCounts,
    /// Readers whose failed stream was never closed.
    pub leaked_readers: u64,
    /// Containers whose rotation is blocked in `Wait()`.
    pub stalled_containers: u64,
}

impl PeriodCensus {
    /// The program's tasks: every role but `system`.
    pub fn goroutines(&self) -> u64 {
        self.by_role.total() - self.by_role.system
    }
}

/// One followed log stream, as the fault injector realized it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealizedFault {
    /// The container's index: the order its first stream was requested in.
    pub container: u32,
    /// The stream's rotation, from 1.
    pub rotation: u64,
    /// After how many milliseconds it went half-open; `None`: healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_ms: Option<u64>,
}

/// The half-open faults a run injected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InjectedFaults {
    /// The fault schedule's seed.
    pub seed: u64,
    /// The probability that a stream fails.
    pub error_rate: f64,
    /// Every followed stream, in the order it was requested.
    pub realized: Vec<RealizedFault>,
}

/// A run of the real monitor on a Docker engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRun {
    /// The program that ran.
    pub program: Program,
    /// What ran it, in its own words (`tokio on Docker Engine 20.10.24`).
    pub runtime: String,
    /// Containers followed.
    pub containers: u32,
    /// The rotation period, in milliseconds.
    pub rotation_ms: u64,
    /// The heartbeat period, in milliseconds.
    pub heartbeat_ms: u64,
    /// Tasks a log stream holds: its reader and its connection's handlers.
    pub goroutines_per_reader: u32,
    /// The faults injected, if any (`--inject-faults`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faults: Option<InjectedFaults>,
    /// The census of every rotation period that began, in order.
    pub census: Vec<PeriodCensus>,
    /// How long the run lasted, in milliseconds.
    pub elapsed_ms: u64,
    /// Log lines read.
    pub lines: u64,
    /// Tasks still alive after the drain (0 when it worked).
    pub left_after_drain: u64,
}

/// Why a recorded run has no simulated counterpart.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Unmatched {
    /// Occurs when the rotation is not a whole number of seconds, the
    /// simulation's unit.
    #[error("its rotation of {0} ms is not a whole number of seconds")]
    Rotation(u64),
    /// Occurs when it followed no container.
    #[error("it followed no container")]
    NoContainer,
    /// Occurs when the scenario is outside the simulation's ranges.
    #[error("{0}")]
    Scenario(#[from] Error),
}

impl RecordedRun {
    /// The scenario the simulation runs for the same schedule: the
    /// containers, rotation and heartbeat of the run, its fault seed and
    /// rate (none injected: rate 0), a Docker stream's tasks, no baseline,
    /// and minutes enough to cover every census.
    ///
    /// # Errors
    ///
    /// [`Unmatched`] when the rotation is not whole seconds, no container
    /// was followed, or a value is outside the simulation's ranges.
    pub fn scenario(&self) -> Result<Scenario, Unmatched> {
        if self.rotation_ms == 0 || !self.rotation_ms.is_multiple_of(1000) {
            return Err(Unmatched::Rotation(self.rotation_ms));
        }
        if self.containers == 0 {
            return Err(Unmatched::NoContainer);
        }
        let last = self
            .census
            .last()
            .map_or(Time::ZERO, |c| census_instant(self.rotation(), c.due));
        let secs = |ms: u64| u32::try_from(ms.div_ceil(1000).max(1)).unwrap_or(u32::MAX);
        let (seed, error_rate) = self
            .faults
            .as_ref()
            .map_or((0, 0.0), |f| (f.seed, f.error_rate));
        let scenario = Scenario {
            containers: self.containers,
            minutes: u32::try_from(last.as_millis() / 60_000 + 1).unwrap_or(u32::MAX),
            rotation_secs: secs(self.rotation_ms),
            heartbeat_secs: secs(self.heartbeat_ms),
            error_rate,
            goroutines_per_reader: self.goroutines_per_reader,
            baseline_goroutines: 0,
            seed,
            lines_per_min: 0,
            stop_at: None,
        };
        scenario.validate()?;
        Ok(scenario)
    }

    /// The rotation period.
    pub fn rotation(&self) -> Time {
        Time::from_millis(self.rotation_ms)
    }

    /// The simulation's census at every period this run recorded, for
    /// [`RecordedRun::scenario`]: `at_ms` is the instant it was asked at,
    /// and `system` is 0.
    ///
    /// # Errors
    ///
    /// [`Unmatched`] as [`RecordedRun::scenario`].
    pub fn predicted(&self) -> Result<Vec<PeriodCensus>, Unmatched> {
        let scenario = self.scenario()?;
        let trace = simulate(&scenario, self.program)?;
        self.census
            .iter()
            .map(|c| {
                let t = census_instant(self.rotation(), c.due);
                let s = trace.snapshot(t)?;
                Ok(PeriodCensus {
                    due: c.due,
                    at_ms: t.as_millis(),
                    by_role: s.by_role,
                    leaked_readers: s.leaked_readers,
                    stalled_containers: s.stalled_containers,
                })
            })
            .collect()
    }

    /// Where the recorded census differs from `predicted`, period by
    /// period and field by field (`system` and `at_ms` not compared): one
    /// line each. Empty when they agree.
    pub fn differences(&self, predicted: &[PeriodCensus]) -> Vec<String> {
        let mut out = Vec::new();
        if self.census.len() != predicted.len() {
            out.push(format!(
                "periods: {} recorded vs {} predicted",
                self.census.len(),
                predicted.len()
            ));
        }
        for (a, b) in self.census.iter().zip(predicted) {
            let fields = [
                ("heartbeat", a.by_role.heartbeat, b.by_role.heartbeat),
                ("reader", a.by_role.reader, b.by_role.reader),
                ("handler", a.by_role.handler, b.by_role.handler),
                ("waiter", a.by_role.waiter, b.by_role.waiter),
                ("helper", a.by_role.helper, b.by_role.helper),
                ("leaked readers", a.leaked_readers, b.leaked_readers),
                ("stalled", a.stalled_containers, b.stalled_containers),
            ];
            for (name, x, y) in fields {
                if x != y {
                    out.push(format!(
                        "period {} ({} rotations due): {name} {x} recorded vs {y} predicted",
                        a.due, a.due
                    ));
                }
            }
        }
        out
    }

    /// The realized faults of `container`, by rotation from 1: `Some` for
    /// a stream that went half-open. Empty without injected faults.
    pub fn faults_of(&self, container: u32) -> Vec<Option<u64>> {
        let Some(f) = &self.faults else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for r in f.realized.iter().filter(|r| r.container == container) {
            let i = usize::try_from(r.rotation.saturating_sub(1)).unwrap_or(usize::MAX);
            if out.len() <= i {
                out.resize(i + 1, None);
            }
            out[i] = r.offset_ms;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FaultSchedule;

    fn run(program: Program, census: Vec<PeriodCensus>) -> RecordedRun {
        RecordedRun {
            program,
            runtime: "test".into(),
            containers: 5,
            rotation_ms: 2000,
            heartbeat_ms: 500,
            goroutines_per_reader: DOCKER_GOROUTINES_PER_READER,
            faults: Some(InjectedFaults {
                seed: 4,
                error_rate: 0.7,
                realized: Vec::new(),
            }),
            census,
            elapsed_ms: 0,
            lines: 0,
            left_after_drain: 0,
        }
    }

    #[test]
    fn the_census_instant_is_mid_period_and_at_most_half_a_second_in() {
        let s = Time::from_secs(1);
        assert_eq!(census_instant(s, 0), Time::from_millis(500));
        assert_eq!(census_instant(s, 3), Time::from_millis(3500));
        let s = Time::from_secs(4);
        assert_eq!(census_instant(s, 2), Time::from_millis(8500));
        assert_eq!(
            census_instant(Time::from_millis(100), 1),
            Time::from_millis(150)
        );
    }

    #[test]
    fn a_run_maps_to_the_scenario_of_its_schedule() {
        let mut r = run(Program::BUGGY, Vec::new());
        let s = r.scenario().unwrap();
        assert_eq!(
            (s.containers, s.rotation_secs, s.heartbeat_secs, s.seed),
            (5, 2, 1, 4)
        );
        assert_eq!(
            (s.error_rate, s.goroutines_per_reader, s.minutes),
            (0.7, 2, 1)
        );
        r.rotation_ms = 1500;
        assert_eq!(r.scenario(), Err(Unmatched::Rotation(1500)));
        r.rotation_ms = 1000;
        r.containers = 0;
        assert_eq!(r.scenario(), Err(Unmatched::NoContainer));
    }

    /// The prediction is the simulation's, and for buggy it is the
    /// formula: per container, a reader and its handler left behind per
    /// failed rotation before the first healthy one, which stalls it.
    #[test]
    fn buggys_prediction_is_the_formula_for_its_faults() {
        let due = 12;
        let r = run(
            Program::BUGGY,
            (0..due)
                .map(|k| PeriodCensus {
                    due: k,
                    at_ms: 0,
                    by_role: RoleCounts::default(),
                    leaked_readers: 0,
                    stalled_containers: 0,
                })
                .collect(),
        );
        let predicted = r.predicted().unwrap();
        let faults = FaultSchedule::new(4, 0.7);
        for p in &predicted {
            let (mut leaked, mut stalled) = (0, 0);
            for c in 0..5 {
                let run_of_faults = (1..=p.due)
                    .take_while(|&n| faults.fault(c, n).is_some())
                    .count() as u64;
                leaked += run_of_faults;
                stalled += u64::from(run_of_faults < p.due);
            }
            assert_eq!(p.leaked_readers, leaked, "{p:?}");
            assert_eq!(p.stalled_containers, stalled, "{p:?}");
            assert_eq!(p.by_role.reader, leaked + 5 - stalled, "{p:?}");
            assert_eq!(p.by_role.handler, p.by_role.reader, "{p:?}");
            assert_eq!(p.by_role.waiter, stalled, "{p:?}");
            assert_eq!(p.goroutines(), 5 + 2 * (leaked + 5 - stalled) + stalled);
        }
        assert!(predicted.last().unwrap().leaked_readers > 0);
        assert!(
            r.differences(&predicted)
                .iter()
                .any(|d| d.contains("heartbeat 0 recorded vs 5"))
        );
        let mut same = r.clone();
        same.census = predicted.clone();
        assert!(same.differences(&predicted).is_empty());
    }

    #[test]
    fn faults_of_a_container_are_by_rotation() {
        let mut r = run(Program::FIXED, Vec::new());
        r.faults.as_mut().unwrap().realized = vec![
            RealizedFault {
                container: 1,
                rotation: 1,
                offset_ms: None,
            },
            RealizedFault {
                container: 0,
                rotation: 1,
                offset_ms: Some(0),
            },
            RealizedFault {
                container: 1,
                rotation: 2,
                offset_ms: Some(1000),
            },
        ];
        assert_eq!(r.faults_of(1), vec![None, Some(1000)]);
        assert_eq!(r.faults_of(0), vec![Some(0)]);
        assert!(r.faults_of(2).is_empty());
    }

    #[test]
    fn a_recorded_run_reads_back_as_written() {
        let r = run(Program::WAIT_TIMEOUT, Vec::new());
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<RecordedRun>(&text).unwrap(), r);
    }
}
