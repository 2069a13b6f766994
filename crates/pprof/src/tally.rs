//! The analysis folded record by record: a dump of 100,000 goroutines is
//! read without keeping its records.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use crate::dump::{Format, Location, Record};
use crate::error::ParseError;
use crate::group::{Group, GroupKey, blocking_index, key_of, waits_on_wait_group};
use crate::parse::parse_with;
use crate::suspect::{Analysis, Options, Suspect, growth_suspects};

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
    format: Format,
    options: Options,
    goroutines: u64,
    /// The groups in the order first seen.
    groups: Vec<Group>,
    /// The groups by the hash of their key's parts (see [`Parts`]), with
    /// the parts.
    index: HashMap<u64, Vec<(OwnedParts, usize)>>,
    /// The groups by key: parts that differ yet make the same key (only
    /// records built by hand can) share a group, as in `analyze`.
    by_key: HashMap<GroupKey, usize>,
    hasher: RandomState,
    /// Per group (first-seen order): its goroutines in IO wait, and those
    /// of them waiting at least the stalled period (`None`: no such
    /// goroutine).
    io_wait: Vec<(Option<u64>, Option<u64>)>,
    /// Per group: its waiters in `sync.(*WaitGroup).Wait` for at least the
    /// stalled period, and the longest wait.
    stalled: Vec<Option<(u64, u64)>>,
}

impl Tally {
    /// An empty tally of a dump written in `format`.
    pub fn new(format: Format, options: &Options) -> Tally {
        Tally {
            format,
            options: *options,
            goroutines: 0,
            groups: Vec::new(),
            index: HashMap::new(),
            by_key: HashMap::new(),
            hasher: RandomState::new(),
            io_wait: Vec::new(),
            stalled: Vec::new(),
        }
    }

    /// Reads a dump's text (as [`parse`](crate::parse) does) into a tally,
    /// each record folded in and dropped.
    ///
    /// # Errors
    ///
    /// [`ParseError`], as [`parse`](crate::parse).
    pub fn read(text: &str, options: &Options) -> Result<Tally, ParseError> {
        let mut tally = Tally::new(Format::Full, options);
        tally.format = parse_with(text, |r| tally.add(r))?;
        Ok(tally)
    }

    /// The dump's format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Goroutines folded in.
    pub fn goroutines(&self) -> u64 {
        self.goroutines
    }

    /// Folds one record in.
    pub fn add(&mut self, record: Record) {
        let count = record.count;
        self.goroutines = self.goroutines.saturating_add(count);
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
                let key = key_of(&record);
                if let Some(&i) = self.by_key.get(&key) {
                    self.index
                        .entry(hash)
                        .or_default()
                        .push((OwnedParts::of(parts), i));
                    return self.fold(i, &record);
                }
                let site = blocking
                    .and_then(|b| record.frames[b].location.as_ref())
                    .map(ToString::to_string);
                self.groups.push(Group {
                    key,
                    site,
                    count: 0,
                    old_count: None,
                    longest_minutes: None,
                    in_wait_group_wait: waits_on_wait_group(&record),
                    leaked: 0,
                });
                self.io_wait.push((None, None));
                self.stalled.push(None);
                let i = self.groups.len() - 1;
                self.by_key.insert(self.groups[i].key.clone(), i);
                self.index
                    .entry(hash)
                    .or_default()
                    .push((OwnedParts::of(parts), i));
                i
            }
        };
        self.fold(i, &record);
    }

    /// Folds `record` into group `i` (first-seen order).
    fn fold(&mut self, i: usize, record: &Record) {
        let count = record.count;
        let g = &mut self.groups[i];
        g.count = g.count.saturating_add(count);
        if record.leaked {
            g.leaked = g.leaked.saturating_add(count);
        }
        if let Some(m) = record.minutes {
            g.longest_minutes = Some(g.longest_minutes.map_or(m, |l| l.max(m)));
        }
        let threshold = self.options.stalled_after_minutes;
        if record.state.as_deref() == Some("IO wait") && record.created_by.is_some() {
            let (all, waited) = &mut self.io_wait[i];
            *all = Some(all.unwrap_or(0).saturating_add(count));
            if record.minutes.unwrap_or(0) >= threshold {
                *waited = Some(waited.unwrap_or(0).saturating_add(count));
            }
        }
        if let Some(m) = record.minutes.filter(|&m| m >= threshold)
            && waits_on_wait_group(record)
        {
            let (c, most) = self.stalled[i].get_or_insert((0, 0));
            *c = c.saturating_add(count);
            *most = (*most).max(m);
        }
    }

    /// The groups (largest first) and suspects, as
    /// [`analyze`](crate::analyze) finds them; with `old`, the tally of an
    /// older dump of the same process, also the groups that grew.
    pub fn analysis(self, old: Option<&Tally>) -> Analysis {
        let Tally {
            format,
            options,
            goroutines,
            groups,
            io_wait,
            stalled,
            ..
        } = self;
        // Sorted as `groups()` sorts; `rank[first-seen] = sorted index`.
        let mut order: Vec<usize> = (0..groups.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&groups[a], &groups[b]);
            b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key))
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
        let mut suspects = Vec::new();
        if let Some(old) = old {
            let before: HashMap<&GroupKey, u64> =
                old.groups.iter().map(|g| (&g.key, g.count)).collect();
            for g in &mut groups {
                g.old_count = Some(before.get(&g.key).copied().unwrap_or(0));
            }
            suspects.extend(growth_suspects(&groups));
        }
        let mut piles: Vec<(usize, u64)> = io_wait
            .iter()
            .enumerate()
            .filter_map(|(first, &(all, waited))| {
                let count = if format == Format::Full { waited } else { all }?;
                Some((rank[first], count))
            })
            .filter(|&(_, count)| count >= options.io_wait_pile)
            .collect();
        piles.sort_unstable();
        suspects.extend(
            piles
                .into_iter()
                .map(|(group, count)| Suspect::IoWaitPile { group, count }),
        );
        let mut waiters: Vec<(usize, (u64, u64))> = stalled
            .iter()
            .enumerate()
            .filter_map(|(first, s)| Some((rank[first], (*s)?)))
            .collect();
        waiters.sort_unstable();
        suspects.extend(waiters.into_iter().map(|(group, (count, minutes))| {
            Suspect::StalledWaiters {
                group,
                count,
                minutes,
            }
        }));
        Analysis {
            format,
            goroutines,
            old_goroutines: old.map(|o| o.goroutines),
            groups,
            suspects,
        }
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
) -> Result<Analysis, ParseError> {
    let tally = Tally::read(text, options)?;
    let old = old.map(|o| Tally::read(o, options)).transpose()?;
    Ok(tally.analysis(old.as_ref()))
}
