//! The lines of the monitored programs that the simulation can be "on".
//!
//! Every [`crate::Event`] names the [`Anchor`] of the line it comes from, so
//! a face can highlight the line a container is on; each program
//! ([`crate::programs`]) says on which of its lines each anchor sits.
//! `docs/model.md` quotes the same text (a test checks it).

use serde::{Deserialize, Serialize};

use crate::Program;

/// A line of a program that the simulation can be "on".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// `Add(1)` for the heartbeat.
    HeartbeatAdd,
    /// `go m.heartbeat(c)`.
    HeartbeatGo,
    /// The heartbeat's `select` on its ticker and `m.ctx.Done()`.
    HeartbeatLoop,
    /// The heartbeat's `return` once `Stop()` cancelled the context.
    HeartbeatReturn,
    /// `if m.ctx.Err() != nil`: `openRotation` after `Stop()`.
    CtxGuard,
    /// `m.docker.Logs(...)`: a rotation's stream opens.
    OpenStream,
    /// `Add(1)` for the reader.
    ReaderAdd,
    /// `go m.reader(...)`.
    ReaderGo,
    /// `time.AfterFunc(...)`: the rotation timer is armed.
    AfterFunc,
    /// The check of the stream's error when the rotation falls due.
    CheckErr,
    /// The buggy workaround: reopen without closing or waiting.
    SkipWait,
    /// `s.Close()` in `rotate()`.
    Close,
    /// `go func() { ... }()`: the helper that waits for a timed wait.
    HelperGo,
    /// `Wait()` in `rotate()` (or in its helper).
    Wait,
    /// The `select` on the helper's channel and the timeout.
    TimeoutSelect,
    /// The next rotation opens after the wait.
    Reopen,
    /// The reader blocked in `ReadLine`.
    ReadLine,
    /// The reader's deferred `Done()`.
    ReaderDone,
    /// `m.cancel()` in `Stop()`.
    StopCancel,
    /// `c.timer.Stop()` in `Stop()`.
    StopTimer,
    /// `c.stream.Close()` in `Stop()`.
    StopClose,
    /// The `Wait()` calls at the end of `Stop()`.
    StopWait,
}

impl Anchor {
    /// Every anchor.
    pub const ALL: [Anchor; 22] = [
        Anchor::HeartbeatAdd,
        Anchor::HeartbeatGo,
        Anchor::HeartbeatLoop,
        Anchor::HeartbeatReturn,
        Anchor::CtxGuard,
        Anchor::OpenStream,
        Anchor::ReaderAdd,
        Anchor::ReaderGo,
        Anchor::AfterFunc,
        Anchor::CheckErr,
        Anchor::SkipWait,
        Anchor::Close,
        Anchor::HelperGo,
        Anchor::Wait,
        Anchor::TimeoutSelect,
        Anchor::Reopen,
        Anchor::ReadLine,
        Anchor::ReaderDone,
        Anchor::StopCancel,
        Anchor::StopTimer,
        Anchor::StopClose,
        Anchor::StopWait,
    ];
}

/// One line of a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// The anchor of this line, if the simulation can be on it.
    pub anchor: Option<Anchor>,
    /// The text, without a newline.
    pub text: &'static str,
}

/// The lines of `program`, each with its anchor if it has one.
pub fn lines(program: Program) -> Vec<Line> {
    let mut out: Vec<Line> = program
        .source()
        .lines()
        .map(|text| Line { anchor: None, text })
        .collect();
    for anchor in Anchor::ALL {
        let n = line_of(program, anchor);
        if n > 0 {
            out[n as usize - 1].anchor = Some(anchor);
        }
    }
    out
}

/// `program`'s text, lines ending in `\n`.
pub fn source(program: Program) -> &'static str {
    program.source()
}

/// The 1-based line number of `anchor` in `program`, or 0 when the program
/// has no such line (the fixed program has no `SkipWait`).
pub fn line_of(program: Program, anchor: Anchor) -> u32 {
    crate::programs::anchor_line(program, anchor)
}

/// The Go text of the stream every program follows (`go/monitor/stream.go`):
/// its handlers' goroutines run there.
pub const STREAM_SOURCE: &str = include_str!("../../../go/monitor/stream.go");

/// The file name a goroutine dump gives the stream's code.
pub const STREAM_FILE: &str = "monitor/stream.go";

/// The line (from 1) of `stream.go` on which `text` first appears, `0` if
/// it does not.
pub const fn stream_line(text: &str) -> u32 {
    line_in(STREAM_SOURCE, text)
}

/// The line (from 1) of `source` on which `text` first appears, `0` if it
/// does not. A `const fn`: a Go file read only for the line of a frame is
/// read at compile time, and its text stays out of the page's download.
pub const fn line_in(source: &str, text: &str) -> u32 {
    let (s, t) = (source.as_bytes(), text.as_bytes());
    let mut line = 1;
    let mut at = 0;
    while at + t.len() <= s.len() {
        let mut i = 0;
        while i < t.len() && s[at + i] == t[i] {
            i += 1;
        }
        if i == t.len() {
            return line;
        }
        if s[at] == b'\n' {
            line += 1;
        }
        at += 1;
    }
    0
}

/// The file name a goroutine dump gives `program`.
pub const fn file_name(program: Program) -> &'static str {
    program.def().file
}

/// How a line of a diff reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// In both programs.
    Same,
    /// Only in the first program.
    Removed,
    /// Only in the second program.
    Added,
}

/// One line of a [`diff`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffLine {
    /// Same, removed or added.
    pub change: Change,
    /// Its 1-based line number in the first program, unless added.
    pub old: Option<u32>,
    /// Its 1-based line number in the second program, unless removed.
    pub new: Option<u32>,
    /// The text, without a newline.
    pub text: &'static str,
}

/// The line diff from program `a` to program `b`, as hunks: each run of
/// changed lines with up to `context` unchanged lines around it (hunks
/// closer than that merge). A longest common subsequence of lines, so a
/// line moved counts as removed and added.
///
/// # Examples
///
/// ```
/// use leakscope_sim::Program;
/// use leakscope_sim::code::{Change, diff};
///
/// let hunks = diff(Program::BUGGY, Program::CLOSE_ONLY, 0);
/// let added: Vec<&str> = hunks.iter().flatten()
///     .filter(|l| l.change == Change::Added)
///     .map(|l| l.text.trim())
///     .collect();
/// assert!(added.contains(&"s.Close()              // always: releases reader n and the stream's handlers"));
/// ```
pub fn diff(a: Program, b: Program, context: usize) -> Vec<Vec<DiffLine>> {
    let (x, y): (Vec<&'static str>, Vec<&'static str>) =
        (a.source().lines().collect(), b.source().lines().collect());
    let (n, m) = (x.len(), y.len());
    // lcs[i][j]: the longest common subsequence of x[i..] and y[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if x[i] == y[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut all = Vec::with_capacity(n + m);
    let (mut i, mut j) = (0, 0);
    let line = |change, old: Option<usize>, new: Option<usize>, text| DiffLine {
        change,
        old: old.map(|k| k as u32 + 1),
        new: new.map(|k| k as u32 + 1),
        text,
    };
    while i < n || j < m {
        if i < n && j < m && x[i] == y[j] {
            all.push(line(Change::Same, Some(i), Some(j), x[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Removed lines first, as `diff -u` prints them.
            all.push(line(Change::Removed, Some(i), None, x[i]));
            i += 1;
        } else {
            all.push(line(Change::Added, None, Some(j), y[j]));
            j += 1;
        }
    }
    // Keep the lines within `context` of a change, split where a gap opens.
    let changed: Vec<usize> = (0..all.len())
        .filter(|&k| all[k].change != Change::Same)
        .collect();
    let near = |k: usize| changed.iter().any(|&c| c.abs_diff(k) <= context);
    let mut hunks: Vec<Vec<DiffLine>> = Vec::new();
    let mut last: Option<usize> = None;
    for (k, l) in all.iter().enumerate() {
        if !near(k) {
            continue;
        }
        match (last, hunks.last_mut()) {
            (Some(p), Some(h)) if p + 1 == k => h.push(*l),
            _ => hunks.push(vec![*l]),
        }
        last = Some(k);
    }
    hunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_program_has_the_anchors_its_rules_need() {
        use crate::programs::{OnError, WaitStyle};
        for p in Program::ALL {
            let def = p.def();
            for a in Anchor::ALL {
                let needed = match a {
                    Anchor::SkipWait => def.on_error == OnError::SkipCloseAndWait,
                    Anchor::HelperGo | Anchor::TimeoutSelect => {
                        matches!(def.wait, WaitStyle::Timeout { .. })
                    }
                    _ => true,
                };
                assert_eq!(line_of(p, a) > 0, needed, "{p} {a:?}");
            }
        }
        assert_eq!(line_of(Program::FIXED, Anchor::SkipWait), 0);
    }

    #[test]
    fn a_diff_rebuilds_both_programs_and_keeps_its_context() {
        for (a, b) in [
            (Program::BUGGY, Program::CLOSE_ONLY),
            (Program::BUGGY, Program::WAIT_TIMEOUT),
            (Program::CLOSE_ONLY, Program::FIXED),
        ] {
            let whole = diff(a, b, usize::MAX).concat();
            let side = |keep: Change| -> Vec<&str> {
                whole
                    .iter()
                    .filter(|l| l.change != keep)
                    .map(|l| l.text)
                    .collect()
            };
            assert_eq!(side(Change::Added), a.source().lines().collect::<Vec<_>>());
            assert_eq!(
                side(Change::Removed),
                b.source().lines().collect::<Vec<_>>()
            );
            for hunk in diff(a, b, 1) {
                assert!(hunk.iter().any(|l| l.change != Change::Same), "{a}→{b}");
                assert!(hunk.len() >= 2, "a change and its context");
            }
        }
        assert!(diff(Program::FIXED, Program::FIXED, 3).is_empty());
    }

    #[test]
    fn close_only_changes_the_error_path_only() {
        // Besides the build tag, the first comment and Stop()'s, the
        // rotate() body: the error path (around an unchanged `}`) and the
        // comment on Close().
        let hunks = diff(Program::BUGGY, Program::CLOSE_ONLY, 0);
        let removed: Vec<&str> = hunks
            .iter()
            .flatten()
            .filter(|l| l.change == Change::Removed)
            .map(|l| l.text.trim())
            .collect();
        assert!(removed.contains(&"return"), "{removed:?}");
        assert!(
            removed.iter().any(|t| t.starts_with("// Workaround")),
            "{removed:?}"
        );
        assert_eq!(hunks.len(), 5, "{hunks:#?}");
        assert_eq!(hunks[0][1].text, "//go:build close_only");
        let first = &hunks[0];
        assert_eq!(
            (first[0].change, first[1].change),
            (Change::Removed, Change::Added)
        );
    }

    #[test]
    fn stream_lines_are_found() {
        let handler = stream_line("func (s *Stream) handler() {");
        assert!(handler > 1);
        assert_eq!(stream_line("\t<-s.closed\n}"), handler + 1);
        assert!(stream_line("go s.handler()") > 0);
        assert_eq!(stream_line("not in the file"), 0);
    }

    #[test]
    fn anchors_sit_on_the_lines_they_name() {
        let text = |p, a| lines(p)[line_of(p, a) as usize - 1].text;
        assert_eq!(
            text(Program::BUGGY, Anchor::Wait).trim_start().get(..11),
            Some("c.wg.Wait()")
        );
        assert_eq!(
            text(Program::FIXED, Anchor::HeartbeatAdd),
            "\tc.heartbeatWg.Add(1)"
        );
        assert_eq!(text(Program::BUGGY, Anchor::ReaderAdd), "\tc.wg.Add(1)");
        assert!(text(Program::WAIT_TIMEOUT, Anchor::TimeoutSelect).ends_with("select {"));
        assert!(text(Program::FIXED, Anchor::HeartbeatLoop).ends_with("select {"));
    }
}
