//! The report every face prints: one JSON shape for the simulation and for
//! the real monitor.

use serde::{Deserialize, Serialize};

use crate::{Analysis, Sample, Scenario, Trace, Variant, Verdict};

/// Where a report's counts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// This crate's engine.
    Sim,
    /// Real tasks counted as they run.
    Real,
}

/// One variant's series and verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The variant.
    pub variant: Variant,
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
}

impl RunReport {
    /// The report of a series of samples.
    pub fn from_samples(variant: Variant, samples: Vec<Sample>) -> RunReport {
        let a = Analysis::of(&samples);
        RunReport {
            variant,
            growth_per_min: a.growth_per_min,
            limit: a.limit,
            final_goroutines: a.final_goroutines,
            verdict: a.verdict,
            samples,
        }
    }
}

/// A scenario and the runs of its variants.
///
/// # Examples
///
/// ```
/// use leakscope_sim::{Preset, Report, Variant, simulate};
///
/// let s = Preset::Fase3.scenario();
/// let traces: Vec<_> = Variant::ALL.iter().map(|&v| simulate(&s, v).unwrap()).collect();
/// let report = Report::from_traces(&s, &traces);
/// assert_eq!(report.runs.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Where the counts come from.
    pub source: Source,
    /// Every parameter of the run.
    pub scenario: Scenario,
    /// One entry per variant run.
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
                .map(|t| RunReport::from_samples(t.variant(), t.samples().to_vec()))
                .collect(),
        }
    }

    /// The run of `variant`, if present.
    pub fn run(&self, variant: Variant) -> Option<&RunReport> {
        self.runs.iter().find(|r| r.variant == variant)
    }
}
