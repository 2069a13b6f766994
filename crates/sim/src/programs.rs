//! The monitored programs, as data: one file per program under
//! `programs/`, each holding its Go text and the few rules that tell the
//! engine how it differs from the others.
//!
//! Every program shares the same shape (a heartbeat per container, a reader
//! per rotation, `time.AfterFunc` rotations, a `Stop()`), and differs in
//! three choices only, which is all the engine reads:
//!
//! - [`Groups`]: one WaitGroup for both lifecycles, or one per lifecycle;
//! - [`OnError`]: what `rotate()` does with a failed stream;
//! - [`WaitStyle`]: whether `rotate()` waits for good or gives up after a
//!   timeout.
//!
//! Adding a program: a file `programs/<stem>.rs` with its [`Definition`]
//! (`pub(crate) const DEF`; for a fix people try, its [`Story`]: what the
//! lesson says of it), nothing else. The build script (`build.rs`) finds
//! the files and writes their `mod` lines, a named constant per program
//! (`Program::CLOSE_ONLY` for `close_only.rs`) and [`Program::ALL`],
//! ordered by each file's [`Definition::order`]. The faces list
//! `Program::ALL` and need no change.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::code::Anchor;
use crate::story::Story;
use crate::{Error, Time};

/// How a program lays out its WaitGroups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Groups {
    /// One group, `wg`, for the heartbeat and every reader.
    Shared,
    /// `heartbeatWg` for the heartbeat, `readerWg` for the readers.
    Split,
}

/// What `rotate()` does with a stream that has failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnError {
    /// The seed's workaround: open the next rotation at once, without
    /// `Close()` or `Wait()`; the failed stream's reader stays behind.
    SkipCloseAndWait,
    /// Count it, then close and wait like any other rotation.
    Close,
}

/// How `rotate()` waits for the reader group after `Close()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaitStyle {
    /// `Wait()` on the rotation's own goroutine, for as long as it takes.
    Block,
    /// `Wait()` on a helper goroutine that closes a channel; `rotate()`
    /// selects on it and on `time.After(secs)`, then opens the next rotation
    /// either way.
    Timeout {
        /// The timeout, in seconds.
        secs: u32,
    },
}

/// One program: its text and its rules.
#[derive(Debug)]
pub struct Definition {
    /// The name used in flags, URLs and JSON (`close-only`).
    pub name: &'static str,
    /// Its place in [`Program::ALL`], smallest first: the bug, the fixes
    /// people try, the fix. Unique; the build script reads this literal
    /// (`order: N,` on a line of its own) from the program's file.
    pub order: u32,
    /// A few words for a heading.
    pub title: &'static str,
    /// One or two sentences: what it does and what it costs.
    pub summary: &'static str,
    /// The file name its goroutine dumps give it.
    pub file: &'static str,
    /// Its WaitGroups.
    pub groups: Groups,
    /// Its error path.
    pub on_error: OnError,
    /// How it waits.
    pub wait: WaitStyle,
    /// The Go text, lines ending in `\n`.
    pub source: &'static str,
    /// Where its program-specific [`Anchor`]s are: the line on which the
    /// given text starts (the text is unique in the source).
    pub anchors: &'static [(Anchor, &'static str)],
    /// What the lesson tells of it as a fix people try before the real one
    /// (its heading, chart, paragraph, what the detectors miss, its
    /// goroutines in a dump), if it is one.
    pub story: Option<Story>,
}

/// Anchors whose text every program shares.
const COMMON_ANCHORS: &[(Anchor, &str)] = &[
    (Anchor::HeartbeatGo, "go m.heartbeat(c)"),
    (Anchor::CtxGuard, "if m.ctx.Err() != nil {"),
    (Anchor::OpenStream, "s := m.docker.Logs(c.id)"),
    (Anchor::ReaderGo, "go m.reader(c, s, n)"),
    (Anchor::AfterFunc, "time.AfterFunc("),
    (Anchor::ReadLine, "s.ReadLine()"),
    (
        Anchor::HeartbeatLoop,
        "\t\tselect {\n\t\tcase <-m.ctx.Done():",
    ),
    (Anchor::HeartbeatReturn, "return // Stop() cancelled m.ctx"),
    (Anchor::StopCancel, "\tm.cancel()"),
    (Anchor::StopTimer, "c.timer.Stop()"),
    (Anchor::StopClose, "c.stream.Close()"),
];

/// A monitored program: a cheap handle on its [`Definition`].
///
/// Compared, ordered and hashed by its place in [`Program::ALL`]; written
/// and read as its name.
///
/// # Examples
///
/// ```
/// use leakscope_sim::Program;
///
/// let p: Program = "close-only".parse().unwrap();
/// assert_eq!(p, Program::CLOSE_ONLY);
/// assert_eq!(Program::ALL[0], Program::BUGGY);
/// assert!(Program::FIXED.source().contains("readerWg.Wait()"));
/// ```
#[derive(Clone, Copy)]
pub struct Program(&'static Definition);

// The `mod` line of every file of `programs/`, its `Program::<STEM>`,
// `Program::ALL` and (for the tests) `STEMS`.
include!(concat!(env!("OUT_DIR"), "/programs.rs"));

impl Program {
    /// The pair faces show by default: the seed's bug and its fix.
    pub const PAIR: [Program; 2] = [Program::BUGGY, Program::FIXED];

    /// Its definition.
    pub const fn def(self) -> &'static Definition {
        self.0
    }

    /// The name used in flags, URLs and JSON.
    pub const fn name(self) -> &'static str {
        self.0.name
    }

    /// Its Go build tag: the stem of its file (`close_only` for
    /// `monitor/close_only.go`), which the file's first line requires.
    pub fn tag(self) -> &'static str {
        let file = self.0.file;
        let base = file.rsplit('/').next().unwrap_or(file);
        base.strip_suffix(".go").unwrap_or(base)
    }

    /// The Go text.
    pub const fn source(self) -> &'static str {
        self.0.source
    }

    /// Its WaitGroups.
    pub const fn groups(self) -> Groups {
        self.0.groups
    }

    /// Its story as a fix people try, if it is one.
    pub const fn story(self) -> Option<&'static Story> {
        self.0.story.as_ref()
    }

    /// Its place in [`Program::ALL`].
    pub fn index(self) -> usize {
        Program::ALL
            .iter()
            .position(|p| std::ptr::eq(p.0, self.0) || p.0.name == self.0.name)
            .unwrap_or(usize::MAX)
    }

    /// The wait timeout, if it waits with one.
    pub fn wait_timeout(self) -> Option<Time> {
        match self.0.wait {
            WaitStyle::Timeout { secs } => Some(Time::from_secs(u64::from(secs))),
            WaitStyle::Block => None,
        }
    }

    /// Every program's name, comma-separated, for messages.
    pub fn names() -> String {
        Program::ALL.map(Program::name).join(", ")
    }

    /// Parses a comma-separated list of names, or `all`, keeping the order of
    /// [`Program::ALL`] and dropping repeats.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownProgram`] names the first unknown name;
    /// an empty list is one too.
    pub fn parse_list(text: &str) -> Result<Vec<Program>, Error> {
        if text.trim() == "all" {
            return Ok(Program::ALL.to_vec());
        }
        let mut chosen = Vec::new();
        for name in text.split(',') {
            let p: Program = name.trim().parse()?;
            if !chosen.contains(&p) {
                chosen.push(p);
            }
        }
        chosen.sort();
        Ok(chosen)
    }
}

impl PartialEq for Program {
    fn eq(&self, other: &Self) -> bool {
        self.0.name == other.0.name
    }
}

impl Eq for Program {}

impl PartialOrd for Program {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Program {
    fn cmp(&self, other: &Self) -> Ordering {
        self.index().cmp(&other.index())
    }
}

impl Hash for Program {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.name.hash(state);
    }
}

impl fmt::Debug for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Program({})", self.0.name)
    }
}

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name)
    }
}

impl FromStr for Program {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Program::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| Error::UnknownProgram(s.to_owned()))
    }
}

impl Serialize for Program {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Program {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// The 1-based line of `program` on which `anchor` sits, or 0 when the
/// program has no such line.
pub(crate) fn anchor_line(program: Program, anchor: Anchor) -> u32 {
    let def = program.def();
    let pattern = def
        .anchors
        .iter()
        .chain(COMMON_ANCHORS)
        .find(|(a, _)| *a == anchor)
        .map(|(_, text)| *text);
    let Some(pattern) = pattern else {
        return 0;
    };
    match def.source.find(pattern) {
        Some(at) => {
            // The pattern may open with the line's own indentation: count the
            // line of its first visible character.
            let skip = pattern.len() - pattern.trim_start().len();
            def.source[..at + skip].matches('\n').count() as u32 + 1
        }
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_anchor_pattern_matches_exactly_one_place() {
        for p in Program::ALL {
            for (anchor, text) in p.def().anchors.iter().chain(COMMON_ANCHORS) {
                let n = p.source().matches(text).count();
                assert_eq!(n, 1, "{p} {anchor:?} {text:?}");
            }
        }
    }

    #[test]
    fn each_file_is_built_under_its_tag() {
        let tags = Program::ALL.map(Program::tag);
        assert_eq!(tags, ["buggy", "close_only", "wait_timeout", "fixed"]);
        for p in Program::ALL {
            let first = p.source().lines().next().unwrap_or_default();
            assert_eq!(first, format!("//go:build {}", p.tag()), "{p}");
        }
    }

    #[test]
    fn each_program_is_named_after_its_file() {
        for (p, stem) in Program::ALL.into_iter().zip(STEMS) {
            assert_eq!(
                p.tag(),
                stem,
                "programs/{stem}.rs: its Go file is not {stem}.go"
            );
            assert_eq!(
                p.name(),
                stem.replace('_', "-"),
                "programs/{stem}.rs: its name"
            );
        }
        let orders = Program::ALL.map(|p| p.def().order);
        assert!(orders.is_sorted(), "{orders:?}");
    }

    #[test]
    fn names_round_trip_and_lists_parse() {
        for p in Program::ALL {
            assert_eq!(p.name().parse::<Program>().unwrap(), p);
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{p}\""));
        }
        assert_eq!(
            Program::parse_list("fixed, buggy,fixed").unwrap(),
            Program::PAIR.to_vec()
        );
        assert_eq!(Program::parse_list("all").unwrap(), Program::ALL.to_vec());
        let e = Program::parse_list("buggy,shared").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown program \"shared\" (allowed: buggy, close-only, wait-timeout, fixed, all)"
        );
    }

    #[test]
    fn the_fixes_differ_from_their_neighbours_in_one_place() {
        // close-only is buggy with the error path of the fix; fixed is
        // close-only with the groups split; wait-timeout is close-only with
        // a timeout. Each also has its own build tag line.
        let lines = |p: Program| p.source().lines().map(str::to_owned).collect::<Vec<_>>();
        let changed = |a: Program, b: Program| {
            let (a, b) = (lines(a), lines(b));
            a.iter().filter(|l| !b.contains(l)).count()
        };
        assert!(changed(Program::BUGGY, Program::CLOSE_ONLY) <= 9);
        assert!(changed(Program::CLOSE_ONLY, Program::WAIT_TIMEOUT) <= 6);
        assert!(changed(Program::CLOSE_ONLY, Program::FIXED) <= 15);
    }
}
