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

/// The file name a goroutine dump gives `program`.
pub const fn file_name(program: Program) -> &'static str {
    program.def().file
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
