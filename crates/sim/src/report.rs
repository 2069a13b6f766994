//! The report every face prints: one JSON shape for the simulation and for
//! the real monitor.

use serde::{Deserialize, Serialize};

use crate::{Analysis, Program, Sample, Scenario, StopOutcome, Trace, Verdict};

/// Where a report's counts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// This crate's engine.
    Sim,
    /// Real tasks counted as they run.
    Real,
    /// Real Go goroutines, counted from the runtime's profile.
    Go,
}

/// One program's series and verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The program.
    pub program: Program,
    /// One sample per minute.
    pub samples: Vec<Sample>,
    /// Least-squares growth, goroutines per minute.
    pub growth_per_min: f64,
    /// Initial count plus 2 per minute.
    pub limit: f64,
    /// The count at the last minute.
    pub final_goroutines: u64,
    /// Pass or leak.
    pub verdict: Verdict,
    /// What `Stop()` did, when the scenario calls it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<StopOutcome>,
}

impl RunReport {
    /// The report of a series of samples.
    pub fn from_samples(
        program: Program,
        samples: Vec<Sample>,
        stop: Option<StopOutcome>,
    ) -> RunReport {
        let a = Analysis::of(&samples);
        RunReport {
            program,
            stop,
            growth_per_min: a.growth_per_min,
            limit: a.limit,
            final_goroutines: a.final_goroutines,
            verdict: a.verdict,
            samples,
        }
    }
}

/// A scenario and the runs of its programs.
///
/// # Examples
///
/// ```
/// use leakscope_sim::{Preset, Program, Report, simulate};
///
/// let s = Preset::Fase3.scenario();
/// let traces: Vec<_> = Program::ALL.iter().map(|&p| simulate(&s, p).unwrap()).collect();
/// let report = Report::from_traces(&s, &traces);
/// assert_eq!(report.runs.len(), 4);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Where the counts come from.
    pub source: Source,
    /// Every parameter of the run.
    pub scenario: Scenario,
    /// One entry per program run.
    pub runs: Vec<RunReport>,
}

impl Report {
    /// The report of simulated traces of `scenario`.
    pub fn from_traces(scenario: &Scenario, traces: &[Trace]) -> Report {
        Report {
            source: Source::Sim,
            scenario: scenario.clone(),
            runs: traces
                .iter()
                .map(|t| {
                    RunReport::from_samples(t.program(), t.samples().to_vec(), t.stop().copied())
                })
                .collect(),
        }
    }

    /// The run of `program`, if present.
    pub fn run(&self, program: Program) -> Option<&RunReport> {
        self.runs.iter().find(|r| r.program == program)
    }
}
