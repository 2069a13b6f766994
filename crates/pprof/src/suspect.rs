//! The suspects a senior Go engineer points at in a dump: Go's own leak
//! verdict, piles of goroutines blocked at one site, long waits, the
//! lesson's two, and growth between two dumps.

use leakscope_sim::thousands;
use serde::Serialize;

use crate::dump::{Cause, Dump, Format, Reading};
use crate::group::Group;
use crate::tally::Facts;

/// What [`analyze`] counts as suspect.
///
/// ## Default values
///
/// - `stalled_after_minutes`: 10
/// - `io_wait_pile`: 100
/// - `pile_min`: 100, `pile_share_percent`: 10
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// A goroutine blocked at least this many whole minutes is a long wait
    /// (in `sync.(*WaitGroup).Wait`: a stalled waiter).
    pub stalled_after_minutes: u64,
    /// A group of at least this many goroutines in IO wait created at one
    /// site (in a `debug=2` dump: waiting at least `stalled_after_minutes`)
    /// is the lesson's pile-up of readers.
    pub io_wait_pile: u64,
    /// A group of at least this many goroutines blocked in one state at one
    /// site, created at one site, is a pile…
    pub pile_min: u64,
    /// …when it is also at least this share of the dump's goroutines, in
    /// percent.
    pub pile_share_percent: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            stalled_after_minutes: 10,
            io_wait_pile: 100,
            pile_min: 100,
            pile_share_percent: 10,
        }
    }
}

/// Why a group is suspect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Kind {
    /// Go's leak detector marked them `(leaked)`: blocked on something no
    /// running goroutine can reach. Grouped by entry function and state.
    Leaked,
    /// The group grew between the older dump and this one.
    Growth {
        /// Its goroutines in the older dump.
        old: u64,
        /// Its goroutines in this one.
        new: u64,
    },
    /// The lesson's pile-up: many goroutines in IO wait started at one site
    /// (for a `debug=2` dump: for at least the stalled period), readers of
    /// streams nobody closes.
    IoWaitPile,
    /// The lesson's stalled waiters: goroutines in `sync.(*WaitGroup).Wait`
    /// for at least the stalled period, a wait that may never return.
    StalledWaiters,
    /// Many goroutines blocked in one state at one site, created at one
    /// site ([`Options::pile_min`], [`Options::pile_share_percent`]).
    Pile,
    /// Goroutines blocked at least [`Options::stalled_after_minutes`].
    LongWait,
}

impl Kind {
    /// How it is named to a reader.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Leaked => "leaked",
            Kind::Growth { .. } => "growth",
            Kind::IoWaitPile => "io-wait-pile",
            Kind::StalledWaiters => "stalled-waiters",
            Kind::Pile => "pile",
            Kind::LongWait => "long-wait",
        }
    }
}

/// One suspect: why, which goroutines, where they block, where they come
/// from, and what to ask of the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suspect {
    /// Why it is suspect.
    #[serde(flatten)]
    pub kind: Kind,
    /// Its group in [`DumpAnalysis::groups`] (for a leak, the group of its
    /// first goroutine).
    pub group: usize,
    /// The goroutines it names.
    pub count: u64,
    /// Their state (wait reason), when the dump tells it.
    pub state: Option<String>,
    /// The blocking function (see [`crate::GroupKey::function`]) and where
    /// in it.
    pub function: String,
    /// Where in the blocking function.
    pub site: Option<String>,
    /// The function the goroutines run: the frame above `created by`.
    pub entry: Option<String>,
    /// The function that started them (`created by`).
    pub created_by: Option<String>,
    /// Where it started them.
    pub creator_site: Option<String>,
    /// For goroutines started by `sync.(*WaitGroup).Go`: the function of
    /// the goroutine that called `Go`, when the dump holds it.
    pub spawner: Option<String>,
    /// The least and the most whole minutes they have waited, when printed.
    pub minutes: Option<[u64; 2]>,
    /// What the state means, in one sentence.
    pub meaning: Option<&'static str>,
    /// The question to ask of the code.
    pub question: Option<&'static str>,
    /// The part of the lesson that explains it (an anchor of the page).
    pub lesson: Option<&'static str>,
}

impl Suspect {
    /// The group it concerns.
    pub fn group(&self) -> usize {
        self.group
    }

    /// One sentence for a reader. The suspect carries all it says; the
    /// analysis' groups are taken for the callers that pass them.
    pub fn describe(&self, _groups: &[Group]) -> String {
        let mut site = String::new();
        if let Some(c) = &self.created_by {
            site.push_str(" created by ");
            site.push_str(c);
            if let Some(s) = &self.creator_site {
                site.push_str(" at ");
                site.push_str(s);
            }
        }
        let n = goroutines(self.count);
        let f = &self.function;
        let head = match self.kind {
            Kind::Growth { old, new } => {
                return format!(
                    "{f} grew from {} to {} (+{}){site}",
                    thousands(old),
                    thousands(new),
                    thousands(new.saturating_sub(old))
                ) + &self.spawner_text();
            }
            Kind::IoWaitPile => {
                return format!("{n} in IO wait in {f}{site}: streams left open pile up readers");
            }
            Kind::StalledWaiters => {
                return format!(
                    "{n} in sync.(*WaitGroup).Wait for up to {} in {f}{site}: a wait that may never return (a live goroutine still holds the group?)",
                    minutes(self.minutes.map_or(0, |m| m[1])),
                );
            }
            Kind::Leaked => format!("Go's leak detector: {n} leaked"),
            Kind::Pile => format!("a pile: {n}"),
            Kind::LongWait => format!("a long wait: {n}"),
        };
        let mut out = head;
        out.push_str(" in ");
        out.push_str(self.state.as_deref().unwrap_or("an unknown state"));
        match self.minutes {
            Some([a, b]) if a == b => out.push_str(&format!(" for {}", minutes(b))),
            Some([a, b]) => out.push_str(&format!(" for {a} to {}", minutes(b))),
            None => {}
        }
        out.push_str(" in ");
        out.push_str(f);
        if let Some(e) = self.entry.as_deref().filter(|e| e != f) {
            out.push_str(" (running ");
            out.push_str(e);
            out.push(')');
        }
        out.push_str(&site);
        out.push_str(&self.spawner_text());
        if let Some(m) = self.meaning {
            out.push_str(": ");
            out.push_str(m);
        }
        out
    }

    /// ` (Go called from F)`, for goroutines started by `WaitGroup.Go`.
    fn spawner_text(&self) -> String {
        self.spawner
            .as_deref()
            .map(|s| format!(" (Go called from {s})"))
            .unwrap_or_default()
    }
}

/// `1 minute`, `2 minutes`.
fn minutes(n: u64) -> String {
    if n == 1 {
        "1 minute".to_owned()
    } else {
        format!("{n} minutes")
    }
}

/// What a blocking state means and the question to ask of the code; `None`
/// for a state that is not a wait on the program (running, runnable,
/// syscall, the runtime's own).
pub fn meaning(state: &str) -> Option<(&'static str, &'static str)> {
    Some(match state {
        "chan receive" => (
            "nobody sends on or closes this channel",
            "Who sends on or closes this channel, and can that path return early first?",
        ),
        "chan receive (nil chan)" | "chan send (nil chan)" => (
            "the channel is nil: nothing can ever wake it",
            "Where should this channel have been made before it was used?",
        ),
        "chan send" => (
            "nobody receives from this channel any more",
            "Who receives from this channel, and can it stop (return, time out) before taking every send? Would a select on ctx.Done() let the sender leave?",
        ),
        "select" => (
            "none of its cases can proceed: no channel is ready and no timer fires",
            "Which case should end this select (ctx.Done(), a quit channel), and is it ever closed?",
        ),
        "select (no cases)" => (
            "`select {}` blocks forever by design",
            "Is this goroutine meant to live as long as the process?",
        ),
        "sync.Cond.Wait" => (
            "it waits for a Signal or Broadcast that has not come",
            "Which code calls Signal or Broadcast, and can it run before this goroutine waits?",
        ),
        "sync.Mutex.Lock" | "sync.RWMutex.Lock" => (
            "another goroutine holds the lock and has not released it",
            "Which goroutine holds this lock: is it blocked while holding it, or does a path return without Unlock?",
        ),
        "sync.RWMutex.RLock" => (
            "a writer holds or waits for the lock, so new readers wait",
            "Which goroutine holds or waits for the write lock, and is a reader holding it blocked (a recursive RLock)?",
        ),
        "semacquire" => (
            "it waits on a semaphore (a lock or a WaitGroup) nobody releases",
            "Which goroutine should release this lock or call Done, and is it blocked itself?",
        ),
        "sync.WaitGroup.Wait" => (
            "the group's counter never reaches zero: a goroutine counted in it has not called Done",
            "Which goroutine counted in this WaitGroup never calls Done: a never-ending loop in the group, or a path without Done?",
        ),
        "IO wait" => (
            "it waits for the peer to send or accept data on a connection",
            "Who closes this connection or stream, and does a deadline end the wait?",
        ),
        "sleep" => (
            "it sleeps in time.Sleep, probably in a polling loop",
            "What ends this loop: is there a stop signal it checks?",
        ),
        _ => return None,
    })
}

/// `1 goroutine`, `2 goroutines`, `1,958 goroutines`: the count written as
/// the core writes counts ([`leakscope_sim::thousands`]).
pub fn goroutines(n: u64) -> String {
    if n == 1 {
        "1 goroutine".to_owned()
    } else {
        format!("{} goroutines", thousands(n))
    }
}

/// Why the dump exists, and who raised it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Why {
    /// What Go printed.
    #[serde(flatten)]
    pub cause: Cause,
    /// The goroutine that raised a panic or a fatal error.
    pub goroutine: Option<u64>,
    /// Its blocking function (for a panic: where it panicked).
    pub function: Option<String>,
    /// Where in it.
    pub site: Option<String>,
    /// For a deadlock: every group of blocked goroutines and what each
    /// waits on.
    pub blocked: Vec<Blocked>,
}

/// Blocked goroutines of a deadlock, by group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocked {
    /// Their group in [`DumpAnalysis::groups`].
    pub group: usize,
    /// How many.
    pub count: u64,
    /// What they wait in.
    pub state: Option<String>,
    /// Where.
    pub function: String,
    /// Where in it.
    pub site: Option<String>,
    /// What that wait means.
    pub waits_on: Option<&'static str>,
}

impl Why {
    /// One line for a reader, then one per blocked group of a deadlock.
    pub fn describe(&self) -> Vec<String> {
        let mut first = format!("{}: {}", self.cause.kind.name(), self.cause.message);
        if let (Some(id), Some(f)) = (self.goroutine, &self.function)
            && self.cause.kind.raised_by_first()
        {
            first.push_str(&format!(" — raised by goroutine {id} in {f}"));
            at(&mut first, self.site.as_deref());
        }
        let mut lines = vec![first];
        for b in &self.blocked {
            let mut line = format!(
                "  {} in {} in {}",
                goroutines(b.count),
                b.state.as_deref().unwrap_or("an unknown state"),
                b.function
            );
            at(&mut line, b.site.as_deref());
            if let Some(w) = b.waits_on {
                line.push_str(": ");
                line.push_str(w);
            }
            lines.push(line);
        }
        lines
    }
}

/// ` at SITE` appended, when there is one.
fn at(out: &mut String, site: Option<&str>) {
    if let Some(s) = site {
        out.push_str(" at ");
        out.push_str(s);
    }
}

/// A dump's groups and suspects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DumpAnalysis {
    /// The dump's format.
    pub format: Format,
    /// Its goroutines.
    pub goroutines: u64,
    /// Of them, marked `(leaked)` by Go's leak detector.
    pub leaked: u64,
    /// The older dump's goroutines, when two were compared (or the first of
    /// a series).
    pub old_goroutines: Option<u64>,
    /// Why Go printed the dump, when it says.
    pub why: Option<Why>,
    /// What reading found besides the goroutines: dumps, skipped lines, a
    /// cut.
    pub reading: Reading,
    /// The groups, the largest first.
    pub groups: Vec<Group>,
    /// The suspects: Go's leak verdict first, then growth (largest first),
    /// the lesson's pile-ups and stalled waiters, piles, long waits.
    pub suspects: Vec<Suspect>,
}

/// Groups `dump`'s goroutines and flags the suspects; with `old`, an older
/// dump of the same process (by default the first of the dump's series),
/// also the groups that grew. The same as [`crate::Tally`] finds reading
/// the text.
///
/// # Examples
///
/// ```
/// use leakscope_pprof::{Kind, Options, analyze, parse};
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
/// assert_eq!((a.suspects[0].kind, a.suspects[0].count), (Kind::StalledWaiters, 1));
/// assert_eq!(a.suspects[0].minutes, Some([42, 42]));
/// ```
pub fn analyze(dump: &Dump, old: Option<&Dump>, options: &Options) -> DumpAnalysis {
    let old = old.or(dump.earliest.as_deref());
    let old = old.map(|o| Facts::of_dump(o, options));
    Facts::of_dump(dump, options).analysis(old.as_ref())
}

#[cfg(test)]
mod tests {
    use super::goroutines;

    #[test]
    fn a_count_of_goroutines_is_written_with_thousands_separators() {
        assert_eq!(goroutines(1), "1 goroutine");
        assert_eq!(goroutines(517), "517 goroutines");
        assert_eq!(goroutines(1_958), "1,958 goroutines");
    }
}
