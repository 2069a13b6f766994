//! The seed's test on every series of a fleet, worst first.

use leakscope_sim::Verdict;
use leakscope_sim::series::{SeriesCheck, check};
use serde::Serialize;

use super::answer::{Labels, series_name};
use super::time::rfc3339;

/// The seed's test on one series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesResult {
    /// `name{k="v", …}`.
    pub series: String,
    /// Its labels.
    pub labels: Labels,
    /// `leak`, `pass` or `too few points`.
    pub verdict: String,
    /// Points in the range.
    pub points_in_range: usize,
    /// Points the test ran on: the run since the last restart.
    pub points: usize,
    /// The first value of that run.
    pub first: f64,
    /// The last value.
    pub last: f64,
    /// Least-squares growth per program minute.
    pub growth_per_min: f64,
    /// `first + limit_per_min × minutes` of that run.
    pub limit: f64,
    /// The restarts, Unix seconds.
    pub restarts: Vec<f64>,
    /// The restarts as RFC 3339 times.
    pub restarts_at: Vec<String>,
    /// The core's test (on the run since the last restart), restarts in
    /// Unix seconds.
    #[serde(skip)]
    pub check: SeriesCheck,
}

impl SeriesResult {
    /// The verdict, `None` with too few points.
    pub fn verdict(&self) -> Option<Verdict> {
        self.check.verdict
    }
}

/// The test on every series, worst first: leaks then passes by growth
/// (fastest first), then those with too few points; ties by name.
pub fn analyze(
    series: Vec<(Labels, Vec<(f64, f64)>)>,
    start: f64,
    minute_secs: f64,
    limit_per_min: f64,
) -> Vec<SeriesResult> {
    let mut out: Vec<SeriesResult> = series
        .into_iter()
        .map(|(labels, points)| {
            let relative: Vec<(f64, f64)> = points.iter().map(|&(t, v)| (t - start, v)).collect();
            let mut c = check(&relative, minute_secs, limit_per_min);
            let restarts_at = c.restarts.iter().map(|r| rfc3339(r + start)).collect();
            for r in &mut c.restarts {
                *r += start;
            }
            SeriesResult {
                series: series_name(&labels),
                labels,
                verdict: c.verdict.map_or("too few points".into(), |v| v.to_string()),
                points_in_range: points.len(),
                points: c.points,
                first: c.first,
                last: c.last,
                growth_per_min: c.growth_per_min,
                limit: c.limit,
                restarts: c.restarts.clone(),
                check: c,
                restarts_at,
            }
        })
        .collect();
    let rank = |r: &SeriesResult| match r.check.verdict {
        Some(Verdict::Leak) => 0,
        Some(Verdict::Pass) => 1,
        None => 2,
    };
    out.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then(b.check.growth_per_min.total_cmp(&a.check.growth_per_min))
            .then_with(|| a.series.cmp(&b.series))
    });
    out
}
