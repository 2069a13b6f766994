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

/// A run measured outside this crate, in the shape the Go reference
/// (`go/monitor`, `cargo xtask go-run`) writes it: the runtime that ran it,
/// the scenario, and the same samples and `Stop()` outcome as a simulated
/// run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasuredRun {
    /// The program.
    pub program: Program,
    /// The runtime that ran it, as it names itself (`go1.27.3`).
    pub runtime: String,
    /// The scenario it ran.
    pub scenario: Scenario,
    /// One sample per minute.
    pub samples: Vec<Sample>,
    /// What `Stop()` did, when the scenario calls it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<StopOutcome>,
}

impl RunReport {
    /// Where `self` and `other` differ, field by field and minute by
    /// minute: one line each, at most `max` lines (and a last line saying
    /// how many more). Empty when they are equal.
    pub fn differences(&self, other: &RunReport, max: usize) -> Vec<String> {
        let mut all = Vec::new();
        if self.program != other.program {
            all.push(format!("program: {} vs {}", self.program, other.program));
        }
        if self.samples.len() != other.samples.len() {
            all.push(format!(
                "samples: {} vs {}",
                self.samples.len(),
                other.samples.len()
            ));
        }
        for (a, b) in self.samples.iter().zip(&other.samples) {
            let m = a.minute;
            if a.minute != b.minute {
                all.push(format!("minute {m}: minute {} vs {}", a.minute, b.minute));
            }
            for (name, x, y) in a.counts.differences(&b.counts) {
                all.push(format!("minute {m}: {name} {x} vs {y}"));
            }
        }
        if self.stop != other.stop {
            all.push(format!("stop: {:?} vs {:?}", self.stop, other.stop));
        }
        if all.len() > max {
            let more = all.len() - max;
            all.truncate(max);
            all.push(format!("… and {more} more"));
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Preset, simulate};

    #[test]
    fn differences_name_the_minute_and_the_field() {
        let s = Preset::Fase3.scenario();
        let t = simulate(&s, Program::BUGGY).unwrap();
        let a = RunReport::from_samples(t.program(), t.samples().to_vec(), None);
        assert!(a.differences(&a, 10).is_empty());
        let mut b = a.clone();
        b.samples[3].goroutines += 1;
        b.samples[4].lines_read = 0;
        b.samples[5].lines_read = 0;
        let d = a.differences(&b, 2);
        assert_eq!(d[0], "minute 3: goroutines 32 vs 33");
        assert!(d[1].starts_with("minute 4: lines_read "), "{d:?}");
        assert_eq!(d[2], "… and 1 more");
    }
}
