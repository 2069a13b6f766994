//! The seed's analysis of a goroutine series: growth, limit, verdict.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Sample;

/// Growth per minute above which a run leaks (the seed's "< 2 goroutines/min").
pub const GROWTH_LIMIT_PER_MIN: f64 = 2.0;

/// Whether a run passes the seed's goroutine check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Growth at most 2 per minute and the final count within the limit.
    Pass,
    /// Growth above 2 per minute, or the final count above the limit.
    Leak,
}

impl Verdict {
    /// The seed's rule, stated once for every face: pass when the growth
    /// per minute is at most `limit_per_min` and the last count at most the
    /// `limit`, leak otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakscope_sim::Verdict;
    ///
    /// assert_eq!(Verdict::of(1.5, 300.0, 336.0, 2.0), Verdict::Pass);
    /// assert_eq!(Verdict::of(31.5, 1958.0, 336.0, 2.0), Verdict::Leak);
    /// assert_eq!(Verdict::of(0.0, 400.0, 336.0, 2.0), Verdict::Leak);
    /// ```
    pub fn of(growth_per_min: f64, last: f64, limit: f64, limit_per_min: f64) -> Verdict {
        if growth_per_min <= limit_per_min && last <= limit {
            Verdict::Pass
        } else {
            Verdict::Leak
        }
    }

    /// `pass` or `leak`.
    pub const fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Leak => "leak",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Verdict {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pass" => Ok(Verdict::Pass),
            "leak" => Ok(Verdict::Leak),
            _ => Err(format!("unknown verdict {s:?}")),
        }
    }
}

/// The seed's check applied to a series of per-minute samples.
///
/// - growth per minute: the least-squares slope of goroutines over minutes;
/// - limit: the count at minute 0 plus 2 per minute of the run (the seed's
///   "100 + 2 × 58 = 216");
/// - verdict: `pass` when growth ≤ 2/min and the final count ≤ the limit.
///
/// # Examples
///
/// ```
/// use leakscope_sim::{Analysis, Preset, Program, Verdict, simulate};
///
/// let trace = simulate(&Preset::Fase6.scenario(), Program::BUGGY).unwrap();
/// let a = trace.analysis();
/// assert_eq!(a.verdict, Verdict::Leak);
/// assert_eq!(a.limit, 220.0 + 2.0 * 58.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Goroutines at minute 0.
    pub initial_goroutines: u64,
    /// Goroutines at the last minute.
    pub final_goroutines: u64,
    /// Least-squares slope, goroutines per minute.
    pub growth_per_min: f64,
    /// `initial + 2 × minutes`.
    pub limit: f64,
    /// Pass or leak.
    pub verdict: Verdict,
}

impl Analysis {
    /// The analysis of `samples` (minute, goroutines).
    pub fn of(samples: &[Sample]) -> Analysis {
        let points: Vec<(f64, f64)> = samples
            .iter()
            .map(|s| (f64::from(s.minute), s.goroutines as f64))
            .collect();
        Analysis::of_points(&points)
    }

    /// The analysis of `(minute, goroutines)` points, first point first.
    pub fn of_points(points: &[(f64, f64)]) -> Analysis {
        let initial = points.first().map_or(0.0, |p| p.1);
        let last = points.last().copied().unwrap_or((0.0, 0.0));
        let minutes = last.0 - points.first().map_or(0.0, |p| p.0);
        let growth = slope(points);
        let limit = initial + GROWTH_LIMIT_PER_MIN * minutes;
        let verdict = Verdict::of(growth, last.1, limit, GROWTH_LIMIT_PER_MIN);
        Analysis {
            initial_goroutines: initial as u64,
            final_goroutines: last.1 as u64,
            growth_per_min: growth,
            limit,
            verdict,
        }
    }
}

/// The least-squares slope of `points`; 0 for fewer than two distinct x.
pub fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if points.len() < 2 {
        return 0.0;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx == 0.0 { 0.0 } else { sxy / sxx }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_a_line_is_its_gradient() {
        let pts: Vec<(f64, f64)> = (0..10).map(|x| (x as f64, 3.0 * x as f64 + 7.0)).collect();
        assert!((slope(&pts) - 3.0).abs() < 1e-12);
        assert_eq!(slope(&[(1.0, 5.0)]), 0.0);
    }

    #[test]
    fn the_seeds_own_fase6_table_is_a_leak_and_its_fixed_table_passes() {
        let buggy = [
            (0.0, 110.0),
            (10.0, 415.0),
            (20.0, 720.0),
            (30.0, 1025.0),
            (40.0, 1330.0),
            (50.0, 1635.0),
            (58.0, 1930.0),
        ];
        let a = Analysis::of_points(&buggy);
        assert_eq!(a.verdict, Verdict::Leak);
        assert_eq!(a.limit, 226.0);
        let fixed = [(0.0, 110.0), (30.0, 125.0), (58.0, 140.0)];
        assert_eq!(Analysis::of_points(&fixed).verdict, Verdict::Pass);
    }
}

/// The seed's "MATHEMATICAL PROOF", recomputed from a run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Proof {
    /// Goroutines at minute 0.
    pub initial: u64,
    /// Goroutines at the last minute.
    pub final_goroutines: u64,
    /// `final − initial`.
    pub leaked: u64,
    /// Rotations due per container by the last minute (whole periods).
    pub rotations: u64,
    /// `leaked ÷ rotations`.
    pub leaked_per_rotation: f64,
    /// `leaked ÷ rotations ÷ containers`.
    pub per_container_per_rotation: f64,
    /// Readers left behind at the last minute.
    pub leaked_readers: u64,
    /// Goroutines left behind with them: their streams' handlers.
    pub leaked_handlers: u64,
    /// Containers stuck in `Wait()` at the last minute.
    pub stalled_containers: u64,
    /// The analysis: growth, limit, verdict.
    pub analysis: Analysis,
    /// `final ÷ limit`.
    pub times_over_limit: f64,
    /// `growth ÷ 2 per minute`.
    pub growth_over_limit: f64,
}

impl Proof {
    /// The proof recomputed from `trace`.
    pub fn of(trace: &crate::Trace) -> Proof {
        let samples = trace.samples();
        let a = trace.analysis();
        let last = samples.last();
        let s = trace.scenario();
        let rotations = s.rotations_per_container();
        let leaked = a.final_goroutines.saturating_sub(a.initial_goroutines);
        let per_rotation = if rotations == 0 {
            0.0
        } else {
            leaked as f64 / rotations as f64
        };
        Proof {
            initial: a.initial_goroutines,
            final_goroutines: a.final_goroutines,
            leaked,
            rotations,
            leaked_per_rotation: per_rotation,
            per_container_per_rotation: per_rotation / f64::from(s.containers),
            leaked_readers: last.map_or(0, |l| l.leaked_readers),
            leaked_handlers: last.map_or(0, |l| l.leaked_readers)
                * u64::from(s.goroutines_per_reader - 1),
            stalled_containers: last.map_or(0, |l| l.stalled_containers),
            analysis: a,
            times_over_limit: a.final_goroutines as f64 / a.limit,
            growth_over_limit: a.growth_per_min / GROWTH_LIMIT_PER_MIN,
        }
    }
}

/// The first minute at which the buggy count is above the fixed one: where
/// the two curves part.
pub fn divergence(buggy: &[Sample], fixed: &[Sample]) -> Option<u32> {
    buggy
        .iter()
        .zip(fixed)
        .find(|(b, f)| b.goroutines != f.goroutines)
        .map(|(b, _)| b.minute)
}
