//! A goroutine dump as read: its format and its stacks.

use std::collections::BTreeMap;

use serde::Serialize;

/// Which text of Go's goroutine profiles a dump is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `/debug/pprof/goroutine?debug=2`: one block per goroutine, with its
    /// id, state and how long it has waited.
    Full,
    /// `/debug/pprof/goroutine?debug=1`: identical stacks grouped, with
    /// counts and labels, no states.
    Grouped,
    /// The `goroutineleak` profile (Go 1.26+) with `debug=1`: shaped like
    /// [`Format::Grouped`], every goroutine in it leaked.
    Leak,
}

impl Format {
    /// How the format is named to a reader: `debug=2`, `debug=1`,
    /// `goroutineleak`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Full => "debug=2",
            Format::Grouped => "debug=1",
            Format::Leak => "goroutineleak",
        }
    }
}

/// A parsed dump: the last of the text's dumps (a file can hold several,
/// oldest first), with what reading the whole text found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dump {
    /// The format it was written in.
    pub format: Format,
    /// Its stacks in the order written: one per goroutine for
    /// [`Format::Full`], one per group of identical stacks otherwise.
    pub records: Vec<Record>,
    /// Why Go printed it (a panic, a fatal error, a signal), when the text
    /// says.
    pub cause: Option<Cause>,
    /// The dumps read, the lines skipped, a goroutine cut short.
    pub reading: Reading,
    /// The first dump of the series, when the text held several.
    #[serde(skip)]
    pub earliest: Option<Box<Dump>>,
}

impl Dump {
    /// How many goroutines the dump holds.
    pub fn goroutines(&self) -> u64 {
        self.records.iter().map(|r| r.count).sum()
    }
}

/// One stack of a dump: a goroutine (`debug=2`) or a group of goroutines
/// with the same stack (`debug=1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// The line its block starts at, counted from 1.
    pub line: usize,
    /// Goroutines with this stack: 1 in a `debug=2` dump.
    pub count: u64,
    /// The goroutine id (`debug=2` only).
    pub id: Option<u64>,
    /// The status or wait reason as Go prints it (`IO wait`, `semacquire`,
    /// `sync.WaitGroup.Wait`, `select`, `running`…), without the minutes
    /// and flags; inferred from the frames in a `debug=1` dump when they
    /// show it (`IO wait`, `sync.WaitGroup.Wait`), otherwise `None`.
    pub state: Option<String>,
    /// Whole minutes it has been blocked: `None` when Go printed none (less
    /// than a minute, or a `debug=1` dump).
    pub minutes: Option<u64>,
    /// `locked to thread`.
    pub locked_to_thread: bool,
    /// Go's leak detector marked it (`(leaked)`, or any goroutine of a
    /// [`Format::Leak`] profile).
    pub leaked: bool,
    /// Any other note of the header, as printed (`(scan)`, …).
    pub notes: Vec<String>,
    /// Its pprof labels (`{role: reader}` in `debug=2`, `# labels:
    /// {"role":"reader"}` in `debug=1`).
    pub labels: BTreeMap<String, String>,
    /// Its frames, innermost first.
    pub frames: Vec<Frame>,
    /// `...additional frames elided...` followed the frames.
    pub elided: bool,
    /// Where it was started (`created by`).
    pub created_by: Option<Creator>,
}

/// One frame of a stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Frame {
    /// The function as Go names it: `main.(*Monitor).reader`,
    /// `sync.(*WaitGroup).Wait`.
    pub function: String,
    /// Where in it, when printed.
    pub location: Option<Location>,
}

/// A place in a source file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// The file as printed.
    pub file: String,
    /// The line, when printed.
    pub line: Option<u32>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}", self.file),
            None => f.write_str(&self.file),
        }
    }
}

/// Where a goroutine was started: `created by F in goroutine N` and the
/// `go` statement's location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Creator {
    /// The function holding the `go` statement.
    pub function: String,
    /// The goroutine that ran it (Go ≥ 1.21).
    pub goroutine: Option<u64>,
    /// The `go` statement.
    pub location: Option<Location>,
}

/// Why Go printed a dump, as the lines before its goroutines say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// What kind of event.
    pub kind: CauseKind,
    /// Its message as Go printed it (after `panic: `, `fatal error: `, or
    /// the signal's line); for a test timeout, the tests that were running.
    pub message: String,
    /// The line it was printed at, counted from 1.
    pub line: usize,
}

/// The events that make Go print every goroutine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CauseKind {
    /// `panic: …`: the goroutine printed first raised it.
    Panic,
    /// `panic: test timed out after …`: `go test -timeout` ran out.
    TestTimeout,
    /// `fatal error: …` (`concurrent map writes`, …): the goroutine printed
    /// first raised it.
    FatalError,
    /// `fatal error: all goroutines are asleep - deadlock!`: every goroutine
    /// is blocked and none can wake another.
    Deadlock,
    /// A signal: `SIGQUIT: quit` (kill -QUIT, Ctrl-\\), `SIGABRT`, `SIGSEGV`….
    Signal,
}

impl CauseKind {
    /// How it is named to a reader.
    pub fn name(self) -> &'static str {
        match self {
            CauseKind::Panic => "panic",
            CauseKind::TestTimeout => "test timeout",
            CauseKind::FatalError => "fatal error",
            CauseKind::Deadlock => "deadlock",
            CauseKind::Signal => "signal",
        }
    }

    /// The goroutine Go prints first raised the event.
    pub fn raised_by_first(self) -> bool {
        matches!(
            self,
            CauseKind::Panic | CauseKind::TestTimeout | CauseKind::FatalError
        )
    }
}

/// What reading a text found besides its goroutines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reading {
    /// Dumps in the text (several: a series, oldest first).
    pub dumps: usize,
    /// Lines that belong to no goroutine and no dump header (prose, other
    /// processes' output, register dumps are not counted).
    pub skipped: usize,
    /// The last goroutine or group was cut short, or a `debug=1` dump's
    /// groups fall short of its total.
    pub cut: Option<Cut>,
}

/// Where a text was cut short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cut {
    /// The line the incomplete goroutine or group starts at (or the end).
    pub line: usize,
    /// The last whole goroutine before it (`debug=2`).
    pub after: Option<u64>,
    /// What is missing, in words.
    pub missing: String,
}

impl Reading {
    /// One line per thing a reader should know: lines skipped, a cut.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.dumps > 1 {
            notes.push(format!(
                "read {} dumps: the last analysed, growth measured from the first",
                self.dumps
            ));
        }
        if self.skipped > 0 {
            notes.push(format!(
                "skipped {} line{} that belong{} to no goroutine",
                self.skipped,
                if self.skipped == 1 { "" } else { "s" },
                if self.skipped == 1 { "s" } else { "" },
            ));
        }
        if let Some(c) = &self.cut {
            notes.push(match c.after {
                Some(id) => format!("cut after goroutine {id}: {}", c.missing),
                None => format!("cut at line {}: {}", c.line, c.missing),
            });
        }
        notes
    }
}

/// What [`crate::read_with`] hands over, in the order of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A dump starts (the first, or the next of a series).
    Dump {
        /// Its format.
        format: Format,
        /// Its first line.
        line: usize,
        /// Why Go printed it, when the lines before it say.
        cause: Option<Cause>,
    },
    /// One whole goroutine (or group) of the current dump.
    Record(Record),
}
