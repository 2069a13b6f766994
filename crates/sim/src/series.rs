//! The seed's leak test on any series of goroutine counts over time: a
//! process polled by `leakscope watch`, or a series Prometheus kept
//! (`go_goroutines` of one instance).
//!
//! A process that restarts starts its count over; fitting one line across a
//! restart would call the drop a recovery and the climb after it a leak
//! from the wrong start. So a drop back to near the series' first value is
//! a restart: it is reported, and the test looks at the run since the last
//! one.

use serde::{Deserialize, Serialize};

use crate::analysis::{Verdict, slope};

/// The fewest points the test runs on; with fewer, no verdict.
pub const MIN_POINTS: usize = 3;

/// The seed's test on one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesCheck {
    /// Points in the run the test looked at (since the last restart).
    pub points: usize,
    /// The count at the start of that run.
    pub first: f64,
    /// The last count.
    pub last: f64,
    /// Least-squares growth per program minute.
    pub growth_per_min: f64,
    /// `first + limit_per_min × minutes` of that run.
    pub limit: f64,
    /// Pass or leak; `None` with fewer than [`MIN_POINTS`] points.
    pub verdict: Option<Verdict>,
    /// When the series restarted (seconds, as given), oldest first.
    pub restarts: Vec<f64>,
}

/// Whether `value` is a restart after `previous`, for a run that started at
/// `first`: a drop back to within 10 % (and at least 2) of the first value
/// from at least half as much again above it. A count that merely swings
/// (wait-timeout's streams close for 10 s at each rotation: −(g − 1) per
/// container) is not a restart.
fn is_restart(first: f64, previous: f64, value: f64) -> bool {
    let near = (first * 0.1).max(2.0);
    previous >= (first * 1.5).max(first + 2.0 * near) && value <= first + near
}

/// The seed's test on `points` — `(seconds, count)`, in time order — where
/// one program minute lasts `minute_secs` seconds and the limit grows by
/// `limit_per_min` a minute.
///
/// # Examples
///
/// ```
/// use leakscope_sim::{Verdict, series::check};
///
/// // 30 goroutines a minute, sampled every 15 s for 10 minutes.
/// let pts: Vec<(f64, f64)> = (0..=40).map(|i| (i as f64 * 15.0, 110.0 + 7.5 * i as f64)).collect();
/// let c = check(&pts, 60.0, 2.0);
/// assert_eq!(c.verdict, Some(Verdict::Leak));
/// assert!((c.growth_per_min - 30.0).abs() < 1e-9);
/// ```
pub fn check(points: &[(f64, f64)], minute_secs: f64, limit_per_min: f64) -> SeriesCheck {
    let mut restarts = Vec::new();
    let mut from = 0;
    for i in 1..points.len() {
        if is_restart(points[from].1, points[i - 1].1, points[i].1) {
            restarts.push(points[i].0);
            from = i;
        }
    }
    let run = &points[from..];
    let minute = if minute_secs > 0.0 { minute_secs } else { 60.0 };
    let scaled: Vec<(f64, f64)> = run.iter().map(|&(t, v)| (t / minute, v)).collect();
    let first = run.first().map_or(0.0, |p| p.1);
    let last = run.last().map_or(0.0, |p| p.1);
    let minutes = match (scaled.first(), scaled.last()) {
        (Some(a), Some(b)) => b.0 - a.0,
        _ => 0.0,
    };
    let growth = slope(&scaled);
    let limit = first + limit_per_min * minutes;
    let verdict =
        (run.len() >= MIN_POINTS).then_some(Verdict::of(growth, last, limit, limit_per_min));
    SeriesCheck {
        points: run.len(),
        first,
        last,
        growth_per_min: growth,
        limit,
        verdict,
        restarts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize, step: f64, start: f64, per_step: f64) -> Vec<(f64, f64)> {
        (0..n)
            .map(|i| (i as f64 * step, start + per_step * i as f64))
            .collect()
    }

    #[test]
    fn a_flat_series_passes_and_a_short_one_has_no_verdict() {
        let c = check(&line(20, 15.0, 220.0, 0.0), 60.0, 2.0);
        assert_eq!(
            (c.verdict, c.growth_per_min, c.points),
            (Some(Verdict::Pass), 0.0, 20)
        );
        assert_eq!(check(&line(2, 15.0, 220.0, 50.0), 60.0, 2.0).verdict, None);
        assert_eq!(check(&[], 60.0, 2.0).verdict, None);
    }

    #[test]
    fn the_minute_scales_growth() {
        // +1 a second: 60/min on a real clock, 0.2/min when a program
        // minute lasts 200 ms.
        let pts = line(30, 1.0, 100.0, 1.0);
        assert!((check(&pts, 60.0, 2.0).growth_per_min - 60.0).abs() < 1e-9);
        let scaled = check(&pts, 0.2, 2.0);
        assert!((scaled.growth_per_min - 0.2).abs() < 1e-9);
        assert_eq!(scaled.verdict, Some(Verdict::Pass));
    }

    #[test]
    fn a_restart_is_reported_and_the_test_runs_on_the_run_after_it() {
        // Leaking 30/min for 10 min, restarted, then flat.
        let mut pts = line(41, 15.0, 110.0, 7.5);
        let t0 = pts.last().unwrap().0 + 15.0;
        pts.extend((0..20).map(|i| (t0 + i as f64 * 15.0, 112.0)));
        let c = check(&pts, 60.0, 2.0);
        assert_eq!(c.restarts, [t0]);
        assert_eq!((c.points, c.verdict), (20, Some(Verdict::Pass)));
        // A dip that stays well above the start is not a restart.
        let mut dip = line(20, 15.0, 110.0, 10.0);
        dip[10].1 = 200.0;
        assert!(check(&dip, 60.0, 2.0).restarts.is_empty());
        // Nor is a swing back to the start from a little above it: the live
        // wait-timeout program, 284 with its streams closed, 394 open.
        let swing: Vec<(f64, f64)> = (0..30)
            .map(|i| (f64::from(i), if i % 2 == 0 { 284.0 } else { 394.0 }))
            .collect();
        assert!(check(&swing, 60.0, 2.0).restarts.is_empty());
    }
}
