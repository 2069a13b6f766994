//! Several programs on one scenario: what a side-by-side face shows.

use crate::{Error, Program, Scenario, Time, Trace, divergence, simulate};

/// Programs run on the same scenario (same seed, same stream faults), with
/// what only a set of runs can tell: where two counts part, and the next or
/// previous event of any of them on one clock.
///
/// # Examples
///
/// ```
/// use leakscope_sim::{Comparison, Preset, Program, Time};
///
/// let all = Comparison::new(&Preset::Fase6.scenario(), &Program::ALL).unwrap();
/// assert_eq!(all.divergence(Program::BUGGY, Program::FIXED), Some(5));
/// assert_eq!(all.next_event(Time::ZERO), Time::from_minutes(5));
/// assert_eq!(all.trace(Program::CLOSE_ONLY).unwrap().samples()[58].goroutines, 110);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The scenario every program ran.
    pub scenario: Scenario,
    /// One trace per program, in the order asked.
    pub runs: Vec<Trace>,
}

impl Comparison {
    /// Runs every program of `programs` on `scenario`.
    ///
    /// # Errors
    ///
    /// Whatever [`Scenario::validate`] refuses.
    pub fn new(scenario: &Scenario, programs: &[Program]) -> Result<Comparison, Error> {
        let runs = programs
            .iter()
            .map(|&p| simulate(scenario, p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Comparison {
            scenario: scenario.clone(),
            runs,
        })
    }

    /// The trace of `program`, if it ran.
    pub fn trace(&self, program: Program) -> Option<&Trace> {
        self.runs.iter().find(|t| t.program() == program)
    }

    /// The programs run, in order.
    pub fn programs(&self) -> Vec<Program> {
        self.runs.iter().map(Trace::program).collect()
    }

    /// The first minute at which `a`'s count is above `b`'s, if both ran.
    pub fn divergence(&self, a: Program, b: Program) -> Option<u32> {
        divergence(self.trace(a)?.samples(), self.trace(b)?.samples())
    }

    /// The end of the run.
    pub fn end(&self) -> Time {
        self.scenario.horizon()
    }

    /// The first event instant of any program strictly after `t`, or the
    /// end of the run when none is left.
    pub fn next_event(&self, t: Time) -> Time {
        let next = self
            .runs
            .iter()
            .filter_map(|tr| tr.next_event_time(t))
            .min();
        next.unwrap_or(self.end()).max(t).min(self.end())
    }

    /// The last event instant of any program strictly before `t`, or 0.
    pub fn prev_event(&self, t: Time) -> Time {
        self.runs
            .iter()
            .filter_map(|tr| tr.prev_event_time(t))
            .max()
            .unwrap_or(Time::ZERO)
    }
}
