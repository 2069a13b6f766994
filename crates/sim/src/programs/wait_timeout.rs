//! `wait-timeout`: one WaitGroup, always close, and wait with a timeout the
//! way people do it. The logs keep flowing, but every rotation leaves a
//! helper goroutine blocked in `Wait()` for good: the leak moved.

use super::{Definition, Groups, OnError, WaitStyle};
use crate::code::Anchor;

pub(crate) const DEF: Definition = Definition {
    name: "wait-timeout",
    order: 30,
    title: "one WaitGroup, wait with a timeout",
    summary: "Closes every stream and waits on the one WaitGroup from a helper goroutine, giving up after a timeout: the logs keep flowing, but each rotation leaves its helper blocked in Wait() for good, about one goroutine per container per rotation.",
    file: "monitor/wait_timeout.go",
    groups: Groups::Shared,
    on_error: OnError::Close,
    wait: WaitStyle::Timeout { secs: 10 },
    source: SOURCE,
    anchors: &[
        (Anchor::HeartbeatAdd, "\tc.wg.Add(1)\n\tgo m.heartbeat"),
        (Anchor::ReaderAdd, "\tc.wg.Add(1)\n\tgo m.reader"),
        (Anchor::CheckErr, "if s.Err() != nil {"),
        (Anchor::Close, "s.Close() // always"),
        (Anchor::HelperGo, "go func() {"),
        (Anchor::Wait, "c.wg.Wait() // the heartbeat still holds"),
        (Anchor::TimeoutSelect, "\tselect {\n\tcase <-done:"),
        (Anchor::Reopen, "\tm.openRotation(c, n+1)\n}"),
        (Anchor::ReaderDone, "defer c.wg.Done()\n\tfor {\n\t\tline"),
        (Anchor::StopWait, "c.wg.Wait() // returns, and every helper"),
    ],
};

/// The Go text: the file the Go tests compile and run.
const SOURCE: &str = include_str!("../../../../go/monitor/wait_timeout.go");
