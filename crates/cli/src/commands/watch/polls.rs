//! The pure part of `watch`: each poll's dump in ([`Watch::add`]), the
//! [`WatchOutcome`] out ([`Watch::outcome`]).

use std::collections::{BTreeMap, HashMap};

use leakscope_pprof::{
    Dump, GroupKey, Kind, Location, Options, Suspect, analyze, groups, key_of, waits_on_wait_group,
};
use leakscope_sim::series::check;
use serde::Serialize;

use super::outcome::{GroupSeries, StuckWaiters, Test, WatchOutcome};

/// One poll's totals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Poll {
    /// Seconds since the first poll was sent.
    pub elapsed_s: f64,
    /// Program minutes since then.
    pub program_minute: f64,
    /// Goroutines in the dump.
    pub goroutines: u64,
    /// Of them, marked leaked by Go.
    pub leaked: u64,
    /// `analyze`'s suspects in this poll's dump (Go's leak verdict, piles,
    /// long waits, the lesson's pile-up; growth and stuck waiters are
    /// followed across the polls instead).
    pub suspects: usize,
}

/// A waiter followed by goroutine id.
#[derive(Debug, Clone)]
struct Waiter {
    key: GroupKey,
    site: Option<String>,
    first_minute: f64,
    go_minutes: Option<u64>,
}

/// The watch's state: polls in, [`WatchOutcome`] out. Pure: the caller reads
/// the service and the clock.
#[derive(Debug, Default)]
pub struct Watch {
    polls: Vec<Poll>,
    keys: Vec<(GroupKey, Option<String>)>,
    counts: Vec<Vec<u64>>,
    index: HashMap<GroupKey, usize>,
    waiters: HashMap<u64, Waiter>,
    /// Polls whose dump had no goroutine ids (`debug=1`).
    without_ids: usize,
    /// What `analyze` counts as suspect in each poll.
    options: Options,
    /// The last poll's suspects.
    suspects: Vec<Suspect>,
}

impl Watch {
    /// A watch with no polls yet, whose polls name `analyze`'s suspects
    /// with `options` ([`Watch::default`]: the default options).
    pub fn with_options(options: Options) -> Watch {
        Watch {
            options,
            ..Watch::default()
        }
    }

    /// The polls so far.
    pub fn polls(&self) -> &[Poll] {
        &self.polls
    }

    /// Adds a poll read `elapsed_s` seconds after the first, at program
    /// minute `minute`.
    pub fn add(&mut self, elapsed_s: f64, minute: f64, dump: &Dump) {
        let n = self.polls.len();
        let a = analyze(dump, None, &self.options);
        self.suspects = a
            .suspects
            .into_iter()
            .filter(|s| !matches!(s.kind, Kind::Growth { .. } | Kind::StalledWaiters))
            .collect();
        self.polls.push(Poll {
            elapsed_s,
            program_minute: minute,
            goroutines: dump.goroutines(),
            leaked: a.leaked,
            suspects: self.suspects.len(),
        });
        for c in &mut self.counts {
            c.push(0);
        }
        for g in groups(dump) {
            let i = *self.index.entry(g.key.clone()).or_insert_with(|| {
                self.keys.push((g.key.clone(), g.site.clone()));
                self.counts.push(vec![0; n + 1]);
                self.keys.len() - 1
            });
            self.counts[i][n] = g.count;
        }
        // Waiters: kept only while seen in every poll.
        let mut seen: HashMap<u64, Waiter> = HashMap::new();
        let mut ids = false;
        for r in &dump.records {
            let Some(id) = r.id else { continue };
            ids = true;
            if !waits_on_wait_group(r) {
                continue;
            }
            let first_minute = self.waiters.get(&id).map_or(minute, |w| w.first_minute);
            let key = key_of(r);
            let site = leakscope_pprof::blocking_frame(&r.frames)
                .and_then(|f| f.location.as_ref())
                .map(Location::to_string);
            seen.insert(
                id,
                Waiter {
                    key,
                    site,
                    first_minute,
                    go_minutes: r.minutes,
                },
            );
        }
        if !ids && !dump.records.is_empty() {
            self.without_ids += 1;
        }
        self.waiters = seen;
    }

    /// The test, the groups and the stuck waiters, after the last poll.
    /// `minute_secs`: how many seconds one program minute lasts.
    pub fn outcome(
        &self,
        minute_secs: f64,
        limit_per_min: f64,
        stalled_after: u64,
    ) -> WatchOutcome {
        let minutes: Vec<f64> = self.polls.iter().map(|p| p.program_minute).collect();
        let points: Vec<(f64, f64)> = self
            .polls
            .iter()
            .map(|p| (p.elapsed_s, p.goroutines as f64))
            .collect();
        let total = check(&points, minute_secs, limit_per_min);
        let mut groups: Vec<GroupSeries> = self
            .keys
            .iter()
            .zip(&self.counts)
            .map(|((key, site), counts)| {
                let test = Test::of(&minutes, counts, limit_per_min);
                GroupSeries {
                    key: key.clone(),
                    site: site.clone(),
                    counts: counts.clone(),
                    growing: test.growth_per_min > limit_per_min,
                    test,
                }
            })
            .collect();
        groups.sort_by(|a, b| {
            b.test
                .growth_per_min
                .total_cmp(&a.test.growth_per_min)
                .then(b.test.last.cmp(&a.test.last))
                .then_with(|| a.key.cmp(&b.key))
        });
        let last_minute = minutes.last().copied().unwrap_or(0.0);
        let mut stuck: BTreeMap<GroupKey, StuckWaiters> = BTreeMap::new();
        for (&id, w) in &self.waiters {
            let seen = last_minute - w.first_minute;
            let waited = seen.max(w.go_minutes.unwrap_or(0) as f64);
            if waited + 1e-9 < stalled_after as f64 {
                continue;
            }
            let s = stuck.entry(w.key.clone()).or_insert_with(|| StuckWaiters {
                key: w.key.clone(),
                site: w.site.clone(),
                count: 0,
                min_minutes: waited,
                max_minutes: waited,
                ids: Vec::new(),
            });
            s.count += 1;
            s.min_minutes = s.min_minutes.min(waited);
            s.max_minutes = s.max_minutes.max(waited);
            s.ids.push(id);
        }
        let mut stuck: Vec<StuckWaiters> = stuck.into_values().collect();
        for s in &mut stuck {
            s.ids.sort_unstable();
        }
        stuck.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        WatchOutcome {
            total,
            groups,
            stuck,
            suspects: self.suspects.clone(),
            waiters_followed: self.without_ids == 0,
            limit_per_min,
            stalled_after_minutes: stalled_after,
        }
    }
}

#[cfg(test)]
mod tests {
    use leakscope_sim::Verdict;

    use super::*;

    fn waiter(id: u64, minutes: Option<u64>) -> String {
        let m = minutes
            .map(|m| format!(", {m} minutes"))
            .unwrap_or_default();
        format!(
            "goroutine {id} [sync.WaitGroup.Wait{m}]:\nsync.(*WaitGroup).Wait(0x1)\n\t/go/sync/waitgroup.go:206 +0x1\nmain.rotate()\n\t/s/m.go:43 +0x1\ncreated by time.goFunc\n\t/go/time/sleep.go:182 +0x2\n\n"
        )
    }

    #[test]
    fn waiters_are_stuck_only_when_seen_in_every_poll_for_the_period() {
        let mut w = Watch::default();
        // Go prints no minutes (a scaled clock); 7 waits throughout, 8
        // returns after the first poll and 9 comes late.
        for (k, text) in [
            waiter(7, None) + &waiter(8, None),
            waiter(7, None),
            waiter(7, None) + &waiter(9, None),
        ]
        .iter()
        .enumerate()
        {
            w.add(
                k as f64,
                6.0 * k as f64,
                &leakscope_pprof::parse(text).unwrap(),
            );
        }
        let o = w.outcome(60.0, 2.0, 10);
        assert_eq!(o.stuck.len(), 1);
        assert_eq!((o.stuck[0].count, o.stuck[0].ids.clone()), (1, vec![7]));
        assert_eq!(o.stuck[0].max_minutes, 12.0);
        assert_eq!(o.verdict(), Verdict::Pass);
        assert!(o.findings()[0].starts_with(
            "1 goroutine in sync.WaitGroup.Wait for ≥ 10 program minutes (up to 12.0)"
        ));
        // Go's own minutes count when longer than what was seen.
        let mut w = Watch::default();
        w.add(
            0.0,
            0.0,
            &leakscope_pprof::parse(&waiter(3, Some(42))).unwrap(),
        );
        w.add(
            1.0,
            1.0,
            &leakscope_pprof::parse(&waiter(3, Some(43))).unwrap(),
        );
        assert_eq!(w.outcome(60.0, 2.0, 10).stuck[0].max_minutes, 43.0);
    }

    #[test]
    fn a_group_grows_when_its_slope_is_above_the_limit() {
        let mut w = Watch::default();
        for k in 0..5u64 {
            let text: String = (0..3 * k).map(|i| waiter(100 * k + i, None)).collect();
            let text = if text.is_empty() {
                "goroutine 1 [running]:\nmain.main()\n\t/s/m.go:1 +0x1\n".to_owned()
            } else {
                text
            };
            w.add(k as f64, k as f64, &leakscope_pprof::parse(&text).unwrap());
        }
        let o = w.outcome(1.0, 2.0, 10);
        assert_eq!(o.verdict(), Verdict::Leak);
        let g = &o.groups[0];
        assert!(g.growing);
        assert_eq!(g.counts, vec![0, 3, 6, 9, 12]);
        assert!((g.test.growth_per_min - 3.0).abs() < 1e-9);
    }

    #[test]
    fn each_poll_names_analyzes_suspects_and_the_last_polls_are_reported() {
        let leaked = |id: u64| {
            format!(
                "goroutine {id} [chan send (leaked)]:\nmain.produce()\n\t/s/m.go:20 +0x1\ncreated by main.main in goroutine 1\n\t/s/m.go:9 +0x2\n\n"
            )
        };
        let mut w = Watch::default();
        w.add(0.0, 0.0, &leakscope_pprof::parse(&waiter(3, None)).unwrap());
        let text: String = (10..13).map(leaked).collect();
        w.add(60.0, 1.0, &leakscope_pprof::parse(&text).unwrap());
        let polls: Vec<(u64, usize)> = w.polls().iter().map(|p| (p.leaked, p.suspects)).collect();
        assert_eq!(polls, [(0, 0), (3, 1)]);
        let o = w.outcome(60.0, 10.0, 10);
        assert_eq!(o.suspects.len(), 1);
        assert_eq!(o.suspects[0].entry.as_deref(), Some("main.produce"));
        assert!(
            o.findings().iter().any(|f| f.starts_with(
                "in the last poll: Go's leak detector: 3 goroutines leaked in chan send in main.produce"
            )),
            "{:?}",
            o.findings()
        );
    }
}
