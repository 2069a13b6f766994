//! What a watch found: the seed's test on the totals and on every group,
//! the waiters that never returned, and the sentences that tell them.

use leakscope_pprof::{GroupKey, Suspect};
use leakscope_sim::Verdict;
use leakscope_sim::analysis::slope;
use leakscope_sim::series::SeriesCheck;
use serde::Serialize;

use crate::output::short_number;

/// The seed's test on a series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Test {
    /// The first poll's count.
    pub initial: u64,
    /// The last poll's count.
    pub last: u64,
    /// The largest count seen.
    pub max: u64,
    /// Least-squares growth per program minute.
    pub growth_per_min: f64,
    /// `initial + limit_per_min × minutes`.
    pub limit: f64,
    /// Pass: growth ≤ the limit per minute and the last count ≤ the limit.
    pub verdict: Verdict,
}

impl Test {
    /// The test of `counts` at `minutes` (same length, at least one).
    pub fn of(minutes: &[f64], counts: &[u64], limit_per_min: f64) -> Test {
        let points: Vec<(f64, f64)> = minutes
            .iter()
            .zip(counts)
            .map(|(&m, &c)| (m, c as f64))
            .collect();
        let initial = counts.first().copied().unwrap_or(0);
        let last = counts.last().copied().unwrap_or(0);
        let span = minutes.last().unwrap_or(&0.0) - minutes.first().unwrap_or(&0.0);
        let growth = slope(&points);
        let limit = initial as f64 + limit_per_min * span;
        let verdict = Verdict::of(growth, last as f64, limit, limit_per_min);
        Test {
            initial,
            last,
            max: counts.iter().copied().max().unwrap_or(0),
            growth_per_min: growth,
            limit,
            verdict,
        }
    }
}

/// One group over the polls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSeries {
    /// State, blocking function, `created by` site.
    #[serde(flatten)]
    pub key: GroupKey,
    /// Where in the blocking function.
    pub site: Option<String>,
    /// Its goroutines in each poll (0 where absent).
    pub counts: Vec<u64>,
    /// The seed's test on its counts.
    pub test: Test,
    /// Growth per program minute above the limit.
    pub growing: bool,
}

/// Waiters of one group that never returned while watched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StuckWaiters {
    /// Their group.
    #[serde(flatten)]
    pub key: GroupKey,
    /// Where in the blocking function.
    pub site: Option<String>,
    /// How many.
    pub count: u64,
    /// The shortest and longest wait, in program minutes (seen, or printed
    /// by Go when longer).
    pub min_minutes: f64,
    /// See `min_minutes`.
    pub max_minutes: f64,
    /// Their goroutine ids, ascending.
    pub ids: Vec<u64>,
}

/// What the watch found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatchOutcome {
    /// The seed's test on the totals (the core's [`check`]: since the
    /// last restart, if the service restarted).
    pub total: SeriesCheck,
    /// Every group, the fastest-growing first.
    pub groups: Vec<GroupSeries>,
    /// Waiters that never returned, per group, the largest first.
    pub stuck: Vec<StuckWaiters>,
    /// `analyze`'s suspects in the last poll (see [`Poll::suspects`]).
    pub suspects: Vec<Suspect>,
    /// Every dump had goroutine ids, so waiters could be followed.
    pub waiters_followed: bool,
    /// The limit per program minute.
    pub limit_per_min: f64,
    /// Program minutes that make a waiter stuck.
    pub stalled_after_minutes: u64,
}

impl WatchOutcome {
    /// The verdict of the totals' test (pass when too few polls to tell,
    /// which the flags' checks rule out).
    pub fn verdict(&self) -> Verdict {
        self.total.verdict.unwrap_or(Verdict::Pass)
    }

    /// The sentences: the growing groups, the stuck waiters, then the last
    /// poll's suspects.
    pub fn findings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for g in self.groups.iter().filter(|g| g.growing) {
            out.push(format!(
                "{} {}grew from {} to {} ({:+.2}/min, limit {}/min){}{}",
                g.key.function,
                g.key
                    .state
                    .as_deref()
                    .map(|s| format!("[{s}] "))
                    .unwrap_or_default(),
                g.test.initial,
                g.test.last,
                g.test.growth_per_min,
                short_number(self.limit_per_min),
                g.site
                    .as_deref()
                    .map(|s| format!(" at {s}"))
                    .unwrap_or_default(),
                g.key
                    .created_by
                    .as_deref()
                    .map(|c| format!(", created by {c}"))
                    .unwrap_or_default(),
            ));
        }
        for s in &self.stuck {
            out.push(format!(
                "{} in sync.WaitGroup.Wait for ≥ {} program minute{} (up to {:.1}), seen in every poll and never returned: blocked in {}{}{}: a wait that may never return (a live goroutine still holds the group?)",
                leakscope_pprof::goroutines(s.count),
                self.stalled_after_minutes,
                if self.stalled_after_minutes == 1 { "" } else { "s" },
                s.max_minutes,
                s.key.function,
                s.site.as_deref().map(|x| format!(" at {x}")).unwrap_or_default(),
                s.key
                    .created_by
                    .as_deref()
                    .map(|c| format!(", created by {c}"))
                    .unwrap_or_default(),
            ));
        }
        for s in &self.suspects {
            let mut line = format!("in the last poll: {}", s.describe(&[]));
            if let Some(q) = s.question {
                line.push_str(&format!(" Ask: {q}"));
            }
            out.push(line);
        }
        if !self.waiters_followed {
            out.push(
                "waiters not followed: the dumps have no goroutine ids (ask for debug=2)"
                    .to_owned(),
            );
        }
        out
    }
}
