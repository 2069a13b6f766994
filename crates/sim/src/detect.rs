//! Which tool would have caught it: six leak detectors, each predicted from
//! a run by a stated rule, and the static check `wgvet`, predicted from the
//! program's choices ([`crate::vet`]). The Go tests (`go/monitor`) measure
//! each one on the real programs; `leakscope detect --against` compares.
//!
//! The detectors look at the scenario's run to its end, and, for those that
//! judge a shutdown, at `Stop()` called at its end (or at `stop_at`):
//!
//! | detector | what it looks at | caught when |
//! |---|---|---|
//! | `count-growth` | the seed's test: growth per minute by least squares, limit = first count + 2/min | the verdict is leak |
//! | `liveness` | containers that read no log line in the last rotation period | any is silent at the end |
//! | `goleak` | goroutines alive after `Stop()` that were not before the start (goleak's rule) | any remains |
//! | `goroutine-leak-profile` | Go 1.27's `goroutineleak` profile at the end | it lists any goroutine |
//! | `synctest` | `testing/synctest` running the program and then `Stop()` | it does not return cleanly |
//! | `leakprof` | goroutines blocked in channel operations (`select`, `chan receive`, `chan send`) at one blocking site | a site holds [`LEAKPROF_THRESHOLD`] or more |
//! | `wgvet` | the program's source, before it runs | it reports a finding |

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::goroutine::{Role, State};
use crate::vet::Finding;
use crate::{Error, Param, Program, Scenario, StopOutcome, Time, Verdict, simulate, thousands};

/// Goroutines blocked in channel operations at one site from which a
/// LeakProf-style rule reports it.
pub const LEAKPROF_THRESHOLD: u64 = 100;

/// A leak detector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Detector {
    /// The seed's count-growth test.
    CountGrowth,
    /// Containers that stopped reading their logs.
    Liveness,
    /// goleak's rule after `Stop()`.
    Goleak,
    /// Go 1.27's `goroutineleak` profile.
    GoroutineLeakProfile,
    /// `testing/synctest` around the program and its `Stop()`.
    Synctest,
    /// Goroutines blocked in channel operations at one site.
    Leakprof,
    /// The static check `wgvet` on the source.
    Wgvet,
}

impl Detector {
    /// Every detector, in the order the matrix shows them.
    pub const ALL: [Detector; 7] = [
        Detector::CountGrowth,
        Detector::Liveness,
        Detector::Goleak,
        Detector::GoroutineLeakProfile,
        Detector::Synctest,
        Detector::Leakprof,
        Detector::Wgvet,
    ];

    /// Its name in flags and JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Detector::CountGrowth => "count-growth",
            Detector::Liveness => "liveness",
            Detector::Goleak => "goleak",
            Detector::GoroutineLeakProfile => "goroutine-leak-profile",
            Detector::Synctest => "synctest",
            Detector::Leakprof => "leakprof",
            Detector::Wgvet => "wgvet",
        }
    }

    /// Whether the Go tests measure it on real sockets (the live runtime)
    /// rather than under the fake clock: what it sees depends on a
    /// goroutine parked in real network IO.
    pub const fn live(self) -> bool {
        matches!(self, Detector::GoroutineLeakProfile | Detector::Leakprof)
    }

    /// Whether it reads the source rather than a run: the Go tests run the
    /// real `wgvet` on the program's file.
    pub const fn is_static(self) -> bool {
        matches!(self, Detector::Wgvet)
    }
}

impl fmt::Display for Detector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How `testing/synctest` ends a bubble that runs the program and then its
/// `Stop()` (the value of a [`Detector::Synctest`] detection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SynctestOutcome {
    /// `Stop()` returned and every goroutine of the bubble exited.
    Returns,
    /// `Stop()` blocked for good and every goroutine is durably blocked:
    /// synctest panics with a deadlock.
    Deadlock,
    /// `Stop()` returned, yet goroutines remain blocked: synctest panics
    /// when the bubble's main goroutine exits.
    BlockedRemain,
}

impl SynctestOutcome {
    /// Its code in a detection's `value`.
    pub const fn code(self) -> u64 {
        match self {
            SynctestOutcome::Returns => 0,
            SynctestOutcome::Deadlock => 1,
            SynctestOutcome::BlockedRemain => 2,
        }
    }
}

/// One detector on one program: caught or missed, the figure it rests on,
/// and why, in one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    /// The detector.
    pub detector: Detector,
    /// The program.
    pub program: Program,
    /// Whether the detector reports a problem.
    pub caught: bool,
    /// The figure the verdict rests on: the final count (`count-growth`),
    /// silent containers (`liveness`), goroutines left (`goleak`),
    /// goroutines in the profile (`goroutine-leak-profile`), the
    /// [`SynctestOutcome`] code (`synctest`), the largest site's goroutines
    /// (`leakprof`), findings (`wgvet`).
    pub value: u64,
    /// Why, in one line.
    pub evidence: String,
    /// `wgvet`'s findings (empty for the other detectors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

/// Every detector's prediction for `program` on `scenario`.
///
/// # Errors
///
/// The scenario's [`Error`], if it is invalid.
///
/// # Examples
///
/// ```
/// use leakscope_sim::{Preset, Program, detect::{Detector, detect}};
///
/// let found = detect(&Preset::Fase6.scenario(), Program::WAIT_TIMEOUT).unwrap();
/// let caught = |d| found.iter().find(|x| x.detector == d).unwrap().caught;
/// assert!(caught(Detector::CountGrowth));
/// assert!(!caught(Detector::Goleak)); // Stop() wakes every helper
/// ```
pub fn detect(scenario: &Scenario, program: Program) -> Result<Vec<Detection>, Error> {
    let open = Scenario {
        stop_at: None,
        ..scenario.clone()
    };
    let run = simulate(&open, program)?;
    // Stop() at `stop_at`, or at the end, read from the same run: up to
    // Stop() the program does the same whenever it comes. `None` only for
    // a `stop_at` past the end: the error the scenario's validation gives.
    let minute = scenario.stop_at.unwrap_or(scenario.minutes);
    let stop = run.stop_outcome_at(minute).ok_or(Error::OutOfRange {
        param: Param::StopAt,
        value: minute.to_string(),
    })?;
    let cell = |(detector, caught, value, evidence): Cell| Detection {
        detector,
        program,
        caught,
        value,
        evidence,
        findings: Vec::new(),
    };
    Ok(vec![
        cell(count_growth(&run)),
        cell(liveness(&run)),
        cell(goleak(&stop)),
        cell(goroutine_leak_profile()),
        cell(synctest(&stop)),
        cell(leakprof(&run)?),
        wgvet(program),
    ])
}

/// A detection but its program and findings: detector, caught, value and
/// evidence.
type Cell = (Detector, bool, u64, String);

/// The seed's count test on the run.
fn count_growth(run: &crate::Trace) -> Cell {
    let a = run.analysis();
    (
        Detector::CountGrowth,
        a.verdict == Verdict::Leak,
        a.final_goroutines,
        format!(
            "{:.2}/min, {} at the end against a limit of {}",
            a.growth_per_min,
            thousands(a.final_goroutines),
            thousands(a.limit.round() as u64)
        ),
    )
}

/// Containers silent over the last rotation period.
fn liveness(run: &crate::Trace) -> Cell {
    let silent = run.samples().last().map_or(0, |s| s.silent_containers);
    (
        Detector::Liveness,
        silent > 0,
        silent,
        format!(
            "{} of {} containers read no line in the last rotation period",
            thousands(silent),
            thousands(u64::from(run.scenario().containers))
        ),
    )
}

/// goleak's rule after `Stop()`.
fn goleak(stop: &StopOutcome) -> Cell {
    let hang = match stop.hangs_on {
        Some(c) => format!(
            "Stop() never returns (it waits on container {c}'s group): a test calling it times out before goleak checks; "
        ),
        None => "Stop() returns; ".to_string(),
    };
    (
        Detector::Goleak,
        stop.left > 0,
        stop.left,
        format!(
            "{hang}{} goroutines started by the program remain",
            thousands(stop.left)
        ),
    )
}

/// Go 1.27's goroutineleak profile: nothing is unreachable here.
fn goroutine_leak_profile() -> Cell {
    (
        Detector::GoroutineLeakProfile,
        false,
        0,
        "reports goroutines blocked on what no live goroutine can reach; here every group is reached through the monitor, and readers and their handlers wait on live sockets".to_string(),
    )
}

/// `testing/synctest` around the run and its `Stop()`.
fn synctest(stop: &StopOutcome) -> Cell {
    let outcome = match (stop.returned, stop.left) {
        (false, _) => SynctestOutcome::Deadlock,
        (true, 0) => SynctestOutcome::Returns,
        (true, _) => SynctestOutcome::BlockedRemain,
    };
    let evidence = match outcome {
        SynctestOutcome::Returns => {
            "Stop() returns and every goroutine exits: the bubble ends cleanly".to_string()
        }
        SynctestOutcome::Deadlock => {
            "Stop() blocks for good with every goroutine durably blocked: deadlock".to_string()
        }
        SynctestOutcome::BlockedRemain => format!(
            "{} goroutines stay blocked after Stop() returns",
            thousands(stop.left)
        ),
    };
    (
        Detector::Synctest,
        outcome != SynctestOutcome::Returns,
        outcome.code(),
        evidence,
    )
}

/// A LeakProf-style threshold on the largest channel-operation site.
fn leakprof(run: &crate::Trace) -> Result<Cell, Error> {
    let (site, count) = largest_channel_site(run, run.end())?;
    Ok((
        Detector::Leakprof,
        count >= LEAKPROF_THRESHOLD,
        count,
        format!(
            "{} goroutines blocked at {site} (threshold {LEAKPROF_THRESHOLD}); readers (IO wait) and Wait() callers (sync.WaitGroup.Wait) are not channel operations",
            thousands(count)
        ),
    ))
}

/// The static check, from the program's choices ([`crate::vet`]).
fn wgvet(program: Program) -> Detection {
    let (findings, why) = crate::vet::findings(program);
    let evidence = match findings.first() {
        Some(f) => format!("{} at {}:{}: {why}", f.rule, f.file, f.line),
        None => format!("no finding: {why}"),
    };
    Detection {
        detector: Detector::Wgvet,
        program,
        caught: !findings.is_empty(),
        value: findings.len() as u64,
        evidence,
        findings,
    }
}

/// The blocking site holding the most goroutines in channel operations at
/// `t`, and how many: heartbeats in their `select`, a stream's handlers in
/// net/http's `readLoop` and `writeLoop` (`select`, one site each: handler
/// `k` of a stream is the read loop for even `k`), `rotate()` in a timed
/// wait's `select`.
fn largest_channel_site(run: &crate::Trace, t: Time) -> Result<(&'static str, u64), Error> {
    let gs = run.goroutines_at(t, None)?;
    let handlers = u64::from(run.scenario().goroutines_per_reader - 1);
    let readers = gs.iter().filter(|g| g.role == Role::Reader).count() as u64;
    let count = |role, state| {
        gs.iter()
            .filter(|g| g.role == role && g.state == state)
            .count() as u64
    };
    let sites = [
        (
            "the heartbeat's select",
            count(Role::Heartbeat, State::Select),
        ),
        ("net/http's readLoop", readers * handlers.div_ceil(2)),
        ("net/http's writeLoop", readers * (handlers / 2)),
        (
            "rotate()'s timed select",
            count(Role::Waiter, State::Select),
        ),
        (
            "the baseline's goroutines",
            count(Role::System, State::Select),
        ),
    ];
    Ok(sites
        .into_iter()
        .max_by_key(|&(name, n)| (n, std::cmp::Reverse(name)))
        .unwrap_or(("no site", 0)))
}

/// One detector as the Go tests measured it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasuredDetection {
    /// The detector.
    pub detector: Detector,
    /// Whether it reported a problem.
    pub caught: bool,
    /// The figure it rests on (see [`Detection::value`]).
    pub value: u64,
    /// What it said, in one line.
    pub evidence: String,
    /// `wgvet`'s findings (empty for the other detectors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

/// One program's detectors as the Go tests measured them
/// (`go test -run TestDetect … -detect FILE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasuredDetections {
    /// The program.
    pub program: Program,
    /// The runtime that ran it (`go1.27.3`).
    pub runtime: String,
    /// The scenario it ran.
    pub scenario: Scenario,
    /// Every detector's measurement.
    pub detections: Vec<MeasuredDetection>,
}

impl Detection {
    /// Whether a measurement agrees with this prediction: the same verdict,
    /// and, for the detectors measured under the fake clock, the same
    /// figure. On real sockets ([`Detector::live`]) the run follows a real
    /// clock, and a stream that fails in its last moments can look healthy
    /// to the client, so only the verdict is held. `wgvet`'s findings must
    /// be the same rules at the same lines.
    pub fn agrees(&self, measured: &MeasuredDetection) -> bool {
        self.detector == measured.detector
            && self.caught == measured.caught
            && (self.detector.live() || self.value == measured.value)
            && self.findings == measured.findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Preset;

    fn caught(scenario: &Scenario, program: Program) -> Vec<(Detector, bool)> {
        detect(scenario, program)
            .unwrap()
            .into_iter()
            .map(|d| (d.detector, d.caught))
            .collect()
    }

    #[test]
    fn fase6_each_tool_sees_a_different_part() {
        use Detector::*;
        let s = Preset::Fase6.scenario();
        let row = |p| {
            caught(&s, p)
                .into_iter()
                .filter(|&(_, c)| c)
                .map(|(d, _)| d)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            row(Program::BUGGY),
            [CountGrowth, Liveness, Goleak, Synctest, Leakprof, Wgvet]
        );
        // Flat count, Stop() returns: only liveness sees it run.
        assert_eq!(row(Program::CLOSE_ONLY), [Liveness, Wgvet]);
        // Stop() wakes every helper: only the count sees it run.
        assert_eq!(row(Program::WAIT_TIMEOUT), [CountGrowth, Wgvet]);
        assert_eq!(row(Program::FIXED), []);
    }

    #[test]
    fn fase6_buggy_figures() {
        let d = detect(&Preset::Fase6.scenario(), Program::BUGGY).unwrap();
        let value = |k| d.iter().find(|x| x.detector == k).unwrap().value;
        // 582 readers left behind with their streams (× 3) and 4 stalled
        // rotate() calls outlive Stop().
        assert_eq!(value(Detector::Goleak), 582 * 3 + 4);
        assert_eq!(value(Detector::Synctest), SynctestOutcome::Deadlock.code());
        // Every reader alive (51 current, 582 left behind) has one read loop.
        assert_eq!(value(Detector::Leakprof), 51 + 582);
    }

    #[test]
    fn a_stop_past_the_end_is_refused_as_the_scenario_refuses_it() {
        let s = Scenario {
            stop_at: Some(59),
            ..Preset::Fase6.scenario()
        };
        assert_eq!(detect(&s, Program::FIXED), Err(s.validate().unwrap_err()));
    }

    #[test]
    fn fase3_only_liveness_sees_the_stalled_buggy_monitor_run() {
        let s = Preset::Fase3.scenario();
        assert_eq!(
            caught(&s, Program::BUGGY)
                .into_iter()
                .filter(|&(_, c)| c)
                .map(|(d, _)| d)
                .collect::<Vec<_>>(),
            [Detector::Liveness, Detector::Wgvet]
        );
    }

    #[test]
    fn agreement_holds_the_figure_only_under_the_fake_clock() {
        let d = detect(&Preset::Fase6.scenario(), Program::BUGGY).unwrap();
        let m = |x: &Detection, value| MeasuredDetection {
            detector: x.detector,
            caught: x.caught,
            value,
            evidence: String::new(),
            findings: x.findings.clone(),
        };
        for x in &d {
            assert!(x.agrees(&m(x, x.value)));
            assert_eq!(x.agrees(&m(x, x.value + 1)), x.detector.live());
        }
        // wgvet's findings are held rule by rule, line by line.
        let vet = d.iter().find(|x| x.detector == Detector::Wgvet).unwrap();
        let mut moved = m(vet, vet.value);
        moved.findings[0].line += 1;
        assert!(!vet.agrees(&moved));
    }
}
