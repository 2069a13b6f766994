//! The suspects the lesson teaches to look for in a dump.

use serde::Serialize;

use crate::dump::{Dump, Format};
use std::collections::{BTreeMap, HashMap};

use crate::group::{Group, GroupKey, groups, key_of, waits_on_wait_group};

/// What [`analyze`] counts as suspect.
///
/// ## Default values
///
/// - `stalled_after_minutes`: 10
/// - `io_wait_pile`: 100
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// A goroutine in `sync.(*WaitGroup).Wait` for at least this many whole
    /// minutes is a stalled waiter.
    pub stalled_after_minutes: u64,
    /// A group of at least this many goroutines in IO wait created at one
    /// site (in a `debug=2` dump: waiting at least `stalled_after_minutes`)
    /// is a pile-up.
    pub io_wait_pile: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            stalled_after_minutes: 10,
            io_wait_pile: 100,
        }
    }
}

/// One suspect: which group ([`Analysis::groups`] index) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Suspect {
    /// Many goroutines in IO wait started at one site (for a `debug=2`
    /// dump: for at least the stalled period): readers nobody closes.
    IoWaitPile {
        /// The group.
        group: usize,
        /// Its goroutines.
        count: u64,
    },
    /// Goroutines in `sync.(*WaitGroup).Wait` for longer than
    /// [`Options::stalled_after_minutes`]: a wait that may never return.
    StalledWaiters {
        /// The group.
        group: usize,
        /// Its goroutines waiting that long (all of them for `debug=2`).
        count: u64,
        /// The longest wait, in minutes.
        minutes: u64,
    },
    /// The group grew between the older dump and this one.
    Growth {
        /// The group.
        group: usize,
        /// Its goroutines in the older dump.
        old: u64,
        /// Its goroutines in this one.
        new: u64,
    },
}

impl Suspect {
    /// The group it concerns.
    pub fn group(&self) -> usize {
        match *self {
            Suspect::IoWaitPile { group, .. }
            | Suspect::StalledWaiters { group, .. }
            | Suspect::Growth { group, .. } => group,
        }
    }

    /// One sentence for a reader.
    pub fn describe(&self, groups: &[Group]) -> String {
        let g = &groups[self.group()];
        let site = g
            .key
            .created_by
            .as_deref()
            .map(|c| format!(" created by {c}"))
            .unwrap_or_default();
        match *self {
            Suspect::IoWaitPile { count, .. } => format!(
                "{} in IO wait in {}{site}: streams left open pile up readers",
                goroutines(count),
                g.key.function
            ),
            Suspect::StalledWaiters { count, minutes, .. } => format!(
                "{} in sync.(*WaitGroup).Wait for up to {minutes} minute{} in {}{site}: a wait that may never return (a live goroutine still holds the group?)",
                goroutines(count),
                if minutes == 1 { "" } else { "s" },
                g.key.function
            ),
            Suspect::Growth { old, new, .. } => format!(
                "{} grew from {old} to {new} (+{}){site}",
                g.key.function,
                new - old
            ),
        }
    }
}

/// `1 goroutine`, `2 goroutines`.
pub fn goroutines(n: u64) -> String {
    if n == 1 {
        "1 goroutine".to_owned()
    } else {
        format!("{n} goroutines")
    }
}

/// A dump's groups and suspects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Analysis {
    /// The dump's format.
    pub format: Format,
    /// Its goroutines.
    pub goroutines: u64,
    /// The older dump's goroutines, when two were compared.
    pub old_goroutines: Option<u64>,
    /// The groups, the largest first.
    pub groups: Vec<Group>,
    /// The suspects: growth first (largest first), then IO-wait pile-ups and
    /// stalled waiters in group order.
    pub suspects: Vec<Suspect>,
}

/// The groups that grew (their `old_count` set), the largest growth first.
pub(crate) fn growth_suspects(groups: &[Group]) -> Vec<Suspect> {
    let mut grew: Vec<(usize, u64, u64)> = groups
        .iter()
        .enumerate()
        .filter_map(|(i, g)| {
            let o = g.old_count?;
            (g.count > o).then_some((i, o, g.count))
        })
        .collect();
    grew.sort_by(|a, b| (b.2 - b.1).cmp(&(a.2 - a.1)).then(a.0.cmp(&b.0)));
    grew.into_iter()
        .map(|(group, old, new)| Suspect::Growth { group, old, new })
        .collect()
}

/// Groups `dump`'s goroutines and flags the suspects; with `old`, an older
/// dump of the same process, also the groups that grew.
///
/// # Examples
///
/// ```
/// use leakscope_pprof::{Options, Suspect, analyze, parse};
///
/// let dump = parse(
///     "goroutine 5 [sync.WaitGroup.Wait, 42 minutes]:\n\
///      sync.(*WaitGroup).Wait(0xc000012345)\n\
///      \t/go/src/sync/waitgroup.go:118 +0x65\n\
///      main.(*Monitor).rotate(0xc0000a0000)\n\
///      \t/src/monitor.go:36 +0x3c\n\
///      created by time.goFunc\n\
///      \t/go/src/time/sleep.go:215 +0x2d\n",
/// )
/// .unwrap();
/// let a = analyze(&dump, None, &Options::default());
/// assert_eq!(a.groups[0].key.function, "main.(*Monitor).rotate");
/// assert!(matches!(a.suspects[0], Suspect::StalledWaiters { count: 1, minutes: 42, .. }));
/// ```
pub fn analyze(dump: &Dump, old: Option<&Dump>, options: &Options) -> Analysis {
    let mut groups = groups(dump);
    let mut suspects = Vec::new();
    if let Some(old) = old {
        let before = crate::group::groups(old);
        for g in &mut groups {
            g.old_count = Some(
                before
                    .iter()
                    .find(|b| b.key == g.key)
                    .map_or(0, |b| b.count),
            );
        }
        suspects.extend(growth_suspects(&groups));
    }
    let index: HashMap<&GroupKey, usize> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (&g.key, i))
        .collect();
    // A pile-up: goroutines in IO wait created at one site. Where the dump
    // says how long each has waited (debug=2), only those waiting at least
    // the stalled period count: a healthy stream's reader and connection
    // loops are in IO wait too, but only for as long as the stream lives.
    let mut piled: BTreeMap<usize, u64> = BTreeMap::new();
    for r in &dump.records {
        let long_enough =
            dump.format != Format::Full || r.minutes.unwrap_or(0) >= options.stalled_after_minutes;
        if r.state.as_deref() != Some("IO wait") || !long_enough {
            continue;
        }
        if let Some(&i) = index.get(&key_of(r))
            && groups[i].key.created_by.is_some()
        {
            *piled.entry(i).or_default() += r.count;
        }
    }
    suspects.extend(
        piled
            .into_iter()
            .filter(|&(_, count)| count >= options.io_wait_pile)
            .map(|(group, count)| Suspect::IoWaitPile { group, count }),
    );
    // Stalled waiters are counted per goroutine, not per group: only those
    // waiting at least the period.
    let mut stalled: BTreeMap<usize, (u64, u64)> = BTreeMap::new();
    for r in &dump.records {
        let Some(m) = r.minutes.filter(|&m| m >= options.stalled_after_minutes) else {
            continue;
        };
        if !waits_on_wait_group(r) {
            continue;
        }
        if let Some(&i) = index.get(&key_of(r)) {
            let e = stalled.entry(i).or_default();
            e.0 = e.0.saturating_add(r.count);
            e.1 = e.1.max(m);
        }
    }
    suspects.extend(
        stalled
            .into_iter()
            .map(|(group, (count, minutes))| Suspect::StalledWaiters {
                group,
                count,
                minutes,
            }),
    );
    Analysis {
        format: dump.format,
        goroutines: dump.goroutines(),
        old_goroutines: old.map(Dump::goroutines),
        groups,
        suspects,
    }
}
