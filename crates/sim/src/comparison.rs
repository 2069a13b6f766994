//! Both programs on one scenario: what a side-by-side face shows.

use crate::{Error, Scenario, Time, Trace, Variant, divergence, simulate};

/// The buggy and the fixed program run on the same scenario (same seed,
/// same stream faults), with what only the pair can tell: where the two
/// counts part, and the next or previous event of either on one clock.
///
/// # Examples
///
/// ```
/// use leakscope_sim::{Comparison, Preset, Time};
///
/// let both = Comparison::new(&Preset::Fase6.scenario()).unwrap();
/// assert_eq!(both.divergence, Some(5));
/// assert_eq!(both.next_event(Time::ZERO), Time::from_minutes(5));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The scenario both variants ran.
    pub scenario: Scenario,
    /// One WaitGroup for two lifecycles.
    pub buggy: Trace,
    /// One WaitGroup per lifecycle.
    pub fixed: Trace,
    /// The first minute at which the buggy count is above the fixed one.
    pub divergence: Option<u32>,
}

impl Comparison {
    /// Runs both variants of `scenario`.
    ///
    /// # Errors
    ///
    /// Whatever [`Scenario::validate`] refuses.
    pub fn new(scenario: &Scenario) -> Result<Comparison, Error> {
        let buggy = simulate(scenario, Variant::Buggy)?;
        let fixed = simulate(scenario, Variant::Fixed)?;
        let divergence = divergence(buggy.samples(), fixed.samples());
        Ok(Comparison {
            scenario: scenario.clone(),
            buggy,
            fixed,
            divergence,
        })
    }

    /// The trace of `variant`.
    pub fn trace(&self, variant: Variant) -> &Trace {
        match variant {
            Variant::Buggy => &self.buggy,
            Variant::Fixed => &self.fixed,
        }
    }

    /// The end of the run.
    pub fn end(&self) -> Time {
        self.scenario.horizon()
    }

    /// The first event instant of either variant strictly after `t`, or the
    /// end of the run when none is left.
    pub fn next_event(&self, t: Time) -> Time {
        let next = [&self.buggy, &self.fixed]
            .iter()
            .filter_map(|tr| tr.next_event_time(t))
            .min();
        next.unwrap_or(self.end()).max(t).min(self.end())
    }

    /// The last event instant of either variant strictly before `t`, or 0.
    pub fn prev_event(&self, t: Time) -> Time {
        [&self.buggy, &self.fixed]
            .iter()
            .filter_map(|tr| tr.prev_event_time(t))
            .max()
            .unwrap_or(Time::ZERO)
    }
}
