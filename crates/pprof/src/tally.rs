//! The analysis folded record by record: a dump of 100,000 goroutines is
//! read without keeping its records.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use crate::dump::{Cause, Dump, Event, Format, Location, Reading, Record};
use crate::error::ParseError;
use crate::group::{Group, GroupKey, blocking_index, fold, group_of, key_of, waits_on_wait_group};
use crate::parse::read_with;
use crate::suspect::{Blocked, DumpAnalysis, Kind, Options, Suspect, Why, meaning};

/// The most groups a deadlock's list names.
const MAX_BLOCKED: usize = 50;

/// A dump's groups, and the per-goroutine facts its suspects need, built
/// one record at a time: what [`analyze`](crate::analyze) finds in a
/// parsed [`Dump`](crate::Dump), without the dump.
///
/// [`Tally::analysis`] equals `analyze(&dump, old, options)` for the same
/// records and options.
///
/// # Examples
///
/// ```
/// use leakscope_pprof::{Options, Tally, analyze, parse};
///
/// let text = "goroutine 7 [IO wait, 12 minutes]:\n\
///             main.reader()\n\t/src/m.go:43 +0x1\n\
///             created by main.open in goroutine 1\n\t/src/m.go:24 +0x2\n";
/// let tally = Tally::read(text, &Options::default()).unwrap();
/// let dump = parse(text).unwrap();
/// assert_eq!(tally.analysis(None), analyze(&dump, None, &Options::default()));
/// ```
#[derive(Debug, Clone)]
pub struct Tally {
    facts: Facts,
    /// The groups by the hash of their key's parts (see [`Parts`]), with
    /// the parts.
    index: HashMap<u64, Vec<(OwnedParts, usize)>>,
    /// The groups by key: parts that differ yet make the same key (only
    /// records built by hand can) share a group, as in `analyze`.
    by_key: HashMap<GroupKey, usize>,
    hasher: RandomState,
    earliest: Option<Box<Tally>>,
}

/// A dump's groups (in the order first seen) and the per-goroutine facts
/// its suspects need: what [`Tally`] and [`analyze`](crate::analyze) both
/// fold records into.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    format: Format,
    options: Options,
    goroutines: u64,
    groups: Vec<Group>,
    /// Per group (first-seen order): its goroutines in IO wait, and those
    /// of them waiting at least the stalled period (`None`: no such
    /// goroutine), and the least wait printed among those.
    io_wait: Vec<(Option<u64>, Option<u64>, Option<u64>)>,
    /// Per group: its goroutines blocked at least the stalled period in a
    /// state that waits on the program, the least and the most minutes.
    long: Vec<Option<(u64, u64, u64)>>,
    /// Goroutines marked `(leaked)`, by entry function and state (few:
    /// searched in order).
    leaks: Vec<Leak>,
    /// Each goroutine id's group (first-seen order).
    ids: HashMap<u64, u32>,
    cause: Option<Cause>,
    /// The goroutine that raised the cause: id, blocking function, site.
    raiser: Option<(Option<u64>, Option<String>, Option<String>)>,
    reading: Reading,
}

/// Leaked goroutines of one entry function and state.
#[derive(Debug, Clone)]
struct Leak {
    entry: Option<String>,
    state: Option<String>,
    /// The group of the first (first-seen order).
    group: usize,
    count: u64,
    minutes: Option<(u64, u64)>,
}

impl Tally {
    /// An empty tally of a dump written in `format`.
    pub fn new(format: Format, options: &Options) -> Tally {
        Tally {
            facts: Facts::new(format, options),
            index: HashMap::new(),
            by_key: HashMap::new(),
            hasher: RandomState::new(),
            earliest: None,
        }
    }

    /// Reads a text (as [`parse`](crate::parse) does) into a tally, each
    /// record folded in and dropped; for a series of dumps, the last, with
    /// the first kept to measure growth from.
    ///
    /// # Errors
    ///
    /// [`ParseError`], as [`parse`](crate::parse).
    pub fn read(text: &str, options: &Options) -> Result<Tally, ParseError> {
        let mut current: Option<Tally> = None;
        let mut earliest: Option<Tally> = None;
        let reading = read_with(text, |e| match e {
            Event::Dump { format, cause, .. } => {
                let mut next = Tally::new(format, options);
                next.facts.cause = cause;
                if let Some(previous) = current.replace(next)
                    && earliest.is_none()
                {
                    earliest = Some(previous);
                }
            }
            Event::Record(r) => {
                if let Some(t) = current.as_mut() {
                    t.add(&r);
                }
            }
        })?;
        let mut tally = current.unwrap_or_else(|| Tally::new(Format::Full, options));
        tally.facts.reading = reading;
        tally.earliest = earliest.map(Box::new);
        Ok(tally)
    }

    /// The dump's format.
    pub fn format(&self) -> Format {
        self.facts.format
    }

    /// Goroutines folded in.
    pub fn goroutines(&self) -> u64 {
        self.facts.goroutines
    }

    /// What reading the text found (for a tally from [`Tally::read`]).
    pub fn reading(&self) -> &Reading {
        &self.facts.reading
    }

    /// Folds one record in.
    pub fn add(&mut self, record: &Record) {
        self.facts.begin(record);
        let blocking = blocking_index(&record.frames);
        // Found by the key's parts as the record holds them: nothing is
        // allocated for a goroutine of a group already seen.
        let parts = Parts {
            state: record.state.as_deref(),
            function: blocking.map_or("", |b| record.frames[b].function.as_str()),
            creator: record
                .created_by
                .as_ref()
                .map(|c| (c.function.as_str(), c.location.as_ref())),
        };
        // Hashed without the files (long paths): equal parts hash equal.
        let hash = self.hasher.hash_one((
            parts.state,
            parts.function,
            parts.creator.map(|(f, l)| (f, l.and_then(|l| l.line))),
        ));
        let found = self.index.get(&hash).and_then(|candidates| {
            candidates
                .iter()
                .find(|(p, _)| p.borrowed() == parts)
                .map(|&(_, i)| i)
        });
        let i = match found {
            Some(i) => i,
            None => {
                let key = key_of(record);
                let i = match self.by_key.get(&key) {
                    Some(&i) => i,
                    None => {
                        let i = self.facts.push(record, key.clone());
                        self.by_key.insert(key, i);
                        i
                    }
                };
                self.index
                    .entry(hash)
                    .or_default()
                    .push((OwnedParts::of(parts), i));
                i
            }
        };
        self.facts.fold(i, record);
    }

    /// The groups (largest first) and suspects, as
    /// [`analyze`](crate::analyze) finds them; with `old`, the tally of an
    /// older dump of the same process (by default the first of the text's
    /// series), also the groups that grew.
    pub fn analysis(self, old: Option<&Tally>) -> DumpAnalysis {
        let old = old.or(self.earliest.as_deref()).map(|t| &t.facts);
        self.facts.analysis(old)
    }
}

impl Facts {
    pub(crate) fn new(format: Format, options: &Options) -> Facts {
        Facts {
            format,
            options: *options,
            goroutines: 0,
            groups: Vec::new(),
            io_wait: Vec::new(),
            long: Vec::new(),
            leaks: Vec::new(),
            ids: HashMap::new(),
            cause: None,
            raiser: None,
            reading: Reading::default(),
        }
    }

    /// A parsed dump's records folded in (not its series' first dump),
    /// grouped by key.
    pub(crate) fn of_dump(dump: &Dump, options: &Options) -> Facts {
        let mut f = Facts::new(dump.format, options);
        f.cause = dump.cause.clone();
        f.reading = dump.reading.clone();
        let mut index: HashMap<GroupKey, usize> = HashMap::new();
        for r in &dump.records {
            f.begin(r);
            let key = key_of(r);
            let i = match index.get(&key) {
                Some(&i) => i,
                None => {
                    let i = f.push(r, key.clone());
                    index.insert(key, i);
                    i
                }
            };
            f.fold(i, r);
        }
        f
    }

    /// Counts `record` and, for the first goroutine of a dump Go printed
    /// for a panic or a fatal error, keeps it as the one that raised it.
    fn begin(&mut self, record: &Record) {
        let first = self.goroutines == 0 && self.raiser.is_none();
        self.goroutines = self.goroutines.saturating_add(record.count);
        if first
            && self
                .cause
                .as_ref()
                .is_some_and(|c| c.kind.raised_by_first())
        {
            let b = crate::group::blocking_frame(&record.frames);
            self.raiser = Some((
                record.id,
                b.map(|f| f.function.clone()),
                b.and_then(|f| f.location.as_ref()).map(ToString::to_string),
            ));
        }
    }

    /// A new group for `record`; its index (first-seen order).
    fn push(&mut self, record: &Record, key: GroupKey) -> usize {
        self.groups.push(group_of(record, key));
        self.io_wait.push((None, None, None));
        self.long.push(None);
        self.groups.len() - 1
    }

    /// Folds `record` into group `i` (first-seen order).
    fn fold(&mut self, i: usize, record: &Record) {
        let count = record.count;
        fold(&mut self.groups[i], record);
        if let Some(id) = record.id {
            self.ids
                .entry(id)
                .or_insert(u32::try_from(i).unwrap_or(u32::MAX));
        }
        let threshold = self.options.stalled_after_minutes;
        if record.state.as_deref() == Some("IO wait") && record.created_by.is_some() {
            let (all, waited, least) = &mut self.io_wait[i];
            *all = Some(all.unwrap_or(0).saturating_add(count));
            if record.minutes.unwrap_or(0) >= threshold {
                *waited = Some(waited.unwrap_or(0).saturating_add(count));
                if let Some(m) = record.minutes {
                    *least = Some(least.map_or(m, |l| l.min(m)));
                }
            }
        }
        if let Some(m) = record.minutes.filter(|&m| m >= threshold)
            && (waits_on_wait_group(record) || record.state.as_deref().and_then(meaning).is_some())
        {
            let (c, least, most) = self.long[i].get_or_insert((0, m, m));
            *c = c.saturating_add(count);
            *least = (*least).min(m);
            *most = (*most).max(m);
        }
        if record.leaked {
            let entry = crate::group::entry_frame(&record.frames).map(|f| f.function.as_str());
            let state = record.state.as_deref();
            let n = match self
                .leaks
                .iter()
                .position(|l| l.entry.as_deref() == entry && l.state.as_deref() == state)
            {
                Some(n) => n,
                None => {
                    self.leaks.push(Leak {
                        entry: entry.map(str::to_owned),
                        state: state.map(str::to_owned),
                        group: i,
                        count: 0,
                        minutes: None,
                    });
                    self.leaks.len() - 1
                }
            };
            let leak = &mut self.leaks[n];
            leak.count = leak.count.saturating_add(count);
            if let Some(m) = record.minutes {
                leak.minutes = Some(leak.minutes.map_or((m, m), |(a, b)| (a.min(m), b.max(m))));
            }
        }
    }

    /// The groups (largest first) and suspects; with `old`, the facts of
    /// an older dump, also the groups that grew.
    pub(crate) fn analysis(self, old: Option<&Facts>) -> DumpAnalysis {
        let Facts {
            format,
            options,
            goroutines,
            groups,
            io_wait,
            long,
            leaks,
            ids,
            cause,
            raiser,
            reading,
            ..
        } = self;
        let Sorted {
            groups,
            order,
            rank,
        } = Sorted::of(groups, old);
        let maker = Maker {
            groups: &groups,
            rank: &rank,
            ids: &ids,
        };
        let mut suspects = maker.leaked(&leaks);
        suspects.extend(maker.grew());
        let mut named = vec![false; groups.len()];
        // The lesson's pile-up of readers. Walked in the groups' sorted
        // order: the suspects of a kind come out in group order.
        for (group, &first) in order.iter().enumerate() {
            let (all, waited, least) = io_wait[first];
            let count = if format == Format::Full { waited } else { all };
            if let Some(count) = count.filter(|&c| c >= options.io_wait_pile) {
                named[group] = true;
                let g = &groups[group];
                let minutes = least.or(g.shortest_minutes).zip(g.longest_minutes);
                suspects.push(maker.suspect(Kind::IoWaitPile, group, count, minutes));
            }
        }
        // The lesson's stalled waiters.
        for (group, &first) in order.iter().enumerate() {
            if let Some((count, least, most)) = long[first]
                && groups[group].in_wait_group_wait
            {
                named[group] = true;
                suspects.push(maker.suspect(
                    Kind::StalledWaiters,
                    group,
                    count,
                    Some((least, most)),
                ));
            }
        }
        suspects.extend(maker.piles(&options, goroutines, &mut named));
        // Long waits.
        for (group, &first) in order.iter().enumerate() {
            let g = &groups[group];
            if let Some((count, least, most)) = long[first]
                && !named[group]
                && g.leaked < g.count
                && !g.key.function.starts_with("runtime.")
            {
                suspects.push(maker.suspect(Kind::LongWait, group, count, Some((least, most))));
            }
        }
        let why = cause.map(|cause| why(cause, raiser, &groups));
        let leaked = groups.iter().map(|g| g.leaked).sum();
        DumpAnalysis {
            format,
            goroutines,
            leaked,
            old_goroutines: old.map(|o| o.goroutines),
            why,
            reading,
            groups,
            suspects,
        }
    }
}

/// Sorts indices, stably, by `before`: a merge sort written out, so that
/// the page's wasm carries no further copy of the standard library's sorts.
fn sort_indices(v: &mut Vec<usize>, before: &dyn Fn(usize, usize) -> bool) {
    let n = v.len();
    let mut from = std::mem::take(v);
    let mut to = from.clone();
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut a, mut b) = (start, mid);
            for slot in &mut to[start..end] {
                // From the right run only when strictly before: stable.
                if b < end && (a >= mid || before(from[b], from[a])) {
                    *slot = from[b];
                    b += 1;
                } else {
                    *slot = from[a];
                    a += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut from, &mut to);
        width *= 2;
    }
    *v = from;
}

/// The groups sorted as `groups()` sorts them (largest first), with the
/// counts of an older dump beside them.
struct Sorted {
    groups: Vec<Group>,
    /// `order[sorted index] = first-seen index`.
    order: Vec<usize>,
    /// `rank[first-seen index] = sorted index`.
    rank: Vec<usize>,
}

impl Sorted {
    fn of(groups: Vec<Group>, old: Option<&Facts>) -> Sorted {
        let mut order: Vec<usize> = (0..groups.len()).collect();
        sort_indices(&mut order, &|a, b| {
            let (a, b) = (&groups[a], &groups[b]);
            a.count > b.count || (a.count == b.count && a.key < b.key)
        });
        let mut rank = vec![0; order.len()];
        for (sorted, &first) in order.iter().enumerate() {
            rank[first] = sorted;
        }
        let mut slots: Vec<Option<Group>> = groups.into_iter().map(Some).collect();
        let mut groups: Vec<Group> = order
            .iter()
            .filter_map(|&first| slots[first].take())
            .collect();
        if let Some(old) = old {
            // Keyed as the groups are indexed (one map type in the wasm).
            let before: HashMap<GroupKey, usize> = old
                .groups
                .iter()
                .enumerate()
                .map(|(i, g)| (g.key.clone(), i))
                .collect();
            for g in &mut groups {
                g.old_count = Some(before.get(&g.key).map_or(0, |&i| old.groups[i].count));
            }
        }
        Sorted {
            groups,
            order,
            rank,
        }
    }
}

/// Makes the suspects of the sorted groups.
struct Maker<'a> {
    groups: &'a [Group],
    rank: &'a [usize],
    ids: &'a HashMap<u64, u32>,
}

impl Maker<'_> {
    /// For a group started by `WaitGroup.Go`: the function of the goroutine
    /// that called it.
    fn spawner(&self, g: &Group) -> Option<String> {
        let creator = g.key.created_by.as_deref()?;
        if !creator.starts_with("sync.(*WaitGroup).Go") {
            return None;
        }
        let &first = self.ids.get(&g.spawned_in?)?;
        self.groups[self.rank[first as usize]].entry.clone()
    }

    /// A suspect of `kind` on the sorted group `group`.
    fn suspect(
        &self,
        kind: Kind,
        group: usize,
        count: u64,
        minutes: Option<(u64, u64)>,
    ) -> Suspect {
        let g = &self.groups[group];
        let (created_by, creator_site) = match g.key.created_by.as_deref() {
            Some(c) => match c.split_once(" at ") {
                Some((f, s)) => (Some(f.to_owned()), Some(s.to_owned())),
                None => (Some(c.to_owned()), None),
            },
            None => (None, None),
        };
        let m = g.key.state.as_deref().and_then(meaning);
        Suspect {
            kind,
            group,
            count,
            state: g.key.state.clone(),
            function: g.key.function.clone(),
            site: g.site.clone(),
            entry: g.entry.clone(),
            created_by,
            creator_site,
            spawner: self.spawner(g),
            minutes: minutes.map(|(a, b)| [a, b]),
            meaning: m.map(|m| m.0),
            question: m.map(|m| m.1),
            lesson: match kind {
                Kind::IoWaitPile => Some("pile-up"),
                Kind::StalledWaiters => Some("wait-never-returns"),
                _ => None,
            },
        }
    }

    /// Go's own verdict: the leaked goroutines, the largest first, then in
    /// group order, then as first seen.
    fn leaked(&self, leaks: &[Leak]) -> Vec<Suspect> {
        let mut by_size: Vec<usize> = (0..leaks.len()).collect();
        sort_indices(&mut by_size, &|a, b| {
            let (a, b) = (&leaks[a], &leaks[b]);
            a.count > b.count || (a.count == b.count && self.rank[a.group] < self.rank[b.group])
        });
        by_size
            .iter()
            .map(|&n| {
                let l = &leaks[n];
                let mut s = self.suspect(Kind::Leaked, self.rank[l.group], l.count, l.minutes);
                s.entry.clone_from(&l.entry);
                s.state.clone_from(&l.state);
                let m = l.state.as_deref().and_then(meaning);
                s.meaning = m.map(|m| m.0);
                s.question = m.map(|m| m.1);
                s
            })
            .collect()
    }

    /// The groups that grew since the older dump, the largest growth first.
    fn grew(&self) -> Vec<Suspect> {
        let groups = self.groups;
        let growth = |g: &Group| g.count.saturating_sub(g.old_count.unwrap_or(g.count));
        let mut grew: Vec<usize> = (0..groups.len())
            .filter(|&i| growth(&groups[i]) > 0)
            .collect();
        sort_indices(&mut grew, &|a, b| growth(&groups[a]) > growth(&groups[b]));
        grew.into_iter()
            .map(|group| {
                let g = &groups[group];
                let (o, n) = (g.old_count.unwrap_or(0), g.count);
                let minutes = g.shortest_minutes.zip(g.longest_minutes);
                self.suspect(Kind::Growth { old: o, new: n }, group, n, minutes)
            })
            .collect()
    }

    /// Piles in any blocking state not yet `named`: at least
    /// `options.pile_min` goroutines and `options.pile_share_percent` of
    /// all, in the program's code.
    fn piles(&self, options: &Options, goroutines: u64, named: &mut [bool]) -> Vec<Suspect> {
        let mut out = Vec::new();
        for (group, g) in self.groups.iter().enumerate() {
            let blocking =
                g.key.state.as_deref().and_then(meaning).is_some() || g.in_wait_group_wait;
            let big = g.count >= options.pile_min
                && u128::from(g.count) * 100
                    >= u128::from(options.pile_share_percent) * u128::from(goroutines);
            let program = !g.key.function.starts_with("runtime.");
            if blocking && big && program && !named[group] && g.leaked < g.count {
                named[group] = true;
                let minutes = g.shortest_minutes.zip(g.longest_minutes);
                out.push(self.suspect(Kind::Pile, group, g.count, minutes));
            }
        }
        out
    }
}

/// Why the dump exists: the cause, the goroutine that raised it, and for a
/// deadlock the first groups and what each waits on.
fn why(
    cause: Cause,
    raiser: Option<(Option<u64>, Option<String>, Option<String>)>,
    groups: &[Group],
) -> Why {
    let (goroutine, function, site) = raiser.unwrap_or((None, None, None));
    let blocked = if cause.kind == crate::CauseKind::Deadlock {
        groups
            .iter()
            .enumerate()
            .take(MAX_BLOCKED)
            .map(|(group, g)| Blocked {
                group,
                count: g.count,
                state: g.key.state.clone(),
                function: g.key.function.clone(),
                site: g.site.clone(),
                waits_on: g.key.state.as_deref().and_then(meaning).map(|m| m.0),
            })
            .collect()
    } else {
        Vec::new()
    };
    Why {
        cause,
        goroutine,
        function,
        site,
        blocked,
    }
}

/// What makes a [`GroupKey`], borrowed from a record: its state, blocking
/// function, and `created by` function and location (the key's
/// `created_by` text is made of the last two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Parts<'a> {
    state: Option<&'a str>,
    function: &'a str,
    creator: Option<(&'a str, Option<&'a Location>)>,
}

/// [`Parts`], kept for a group.
#[derive(Debug, Clone)]
struct OwnedParts {
    state: Option<String>,
    function: String,
    creator: Option<(String, Option<Location>)>,
}

impl OwnedParts {
    fn of(p: Parts<'_>) -> OwnedParts {
        OwnedParts {
            state: p.state.map(str::to_owned),
            function: p.function.to_owned(),
            creator: p.creator.map(|(f, l)| (f.to_owned(), l.cloned())),
        }
    }

    fn borrowed(&self) -> Parts<'_> {
        Parts {
            state: self.state.as_deref(),
            function: &self.function,
            creator: self.creator.as_ref().map(|(f, l)| (f.as_str(), l.as_ref())),
        }
    }
}

/// Reads a dump's text and, given one, an older dump's, and analyses them
/// as `analyze(&parse(text)?, old.map(parse)?, options)` does, folding each
/// goroutine in as it is read instead of keeping the dump: the memory used
/// is the groups', not the records'.
///
/// # Errors
///
/// The first [`ParseError`] of `text`, then of `old`.
///
/// # Examples
///
/// ```
/// use leakscope_pprof::{Options, analyze, analyze_text, parse};
///
/// let old = "goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.reader+0x10\t/src/m.go:43\n\n";
/// let new = "goroutine profile: total 9\n9 @ 0x1\n#\t0x1\tmain.reader+0x10\t/src/m.go:43\n\n";
/// let o = Options::default();
/// let a = analyze_text(new, Some(old), &o).unwrap();
/// assert_eq!(a, analyze(&parse(new).unwrap(), Some(&parse(old).unwrap()), &o));
/// ```
pub fn analyze_text(
    text: &str,
    old: Option<&str>,
    options: &Options,
) -> Result<DumpAnalysis, ParseError> {
    let tally = Tally::read(text, options)?;
    let old = old.map(|o| Tally::read(o, options)).transpose()?;
    Ok(tally.analysis(old.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_sort_stably_as_the_standard_sort() {
        let keys = [5u64, 3, 5, 1, 9, 3, 3, 0, 9, 2, 5];
        for len in 0..=keys.len() {
            let mut v: Vec<usize> = (0..len).collect();
            sort_indices(&mut v, &|a, b| keys[a] > keys[b]);
            let mut want: Vec<usize> = (0..len).collect();
            want.sort_by(|&a, &b| keys[b].cmp(&keys[a]));
            assert_eq!(v, want, "{len}");
        }
    }
}
