//! `buggy`: the seed's program. One WaitGroup holds the heartbeat and every
//! reader, so `Wait()` can never return; the workaround skips it on a stream
//! error, leaving the failed stream's reader behind.

use super::{Definition, Groups, OnError, WaitStyle};
use crate::code::Anchor;

pub(crate) const DEF: Definition = Definition {
    name: "buggy",
    order: 10,
    title: "one WaitGroup, wait skipped on error",
    summary: "The seed's program: the heartbeat and the readers share one WaitGroup. A healthy rotation blocks in Wait() for good (the logs stop); a failed one skips Close() and Wait() and leaves its reader behind.",
    file: "monitor/buggy.go",
    groups: Groups::Shared,
    on_error: OnError::SkipCloseAndWait,
    wait: WaitStyle::Block,
    source: SOURCE,
    anchors: &[
        (Anchor::HeartbeatAdd, "\tc.wg.Add(1)\n\tgo m.heartbeat"),
        (Anchor::ReaderAdd, "\tc.wg.Add(1)\n\tgo m.reader"),
        (Anchor::CheckErr, "if s.Err() != nil {"),
        (
            Anchor::SkipWait,
            "m.openRotation(c, n+1) // s is never closed",
        ),
        (Anchor::Close, "s.Close()              // reader n"),
        (
            Anchor::Wait,
            "c.wg.Wait()            // the heartbeat still holds",
        ),
        (
            Anchor::Reopen,
            "m.openRotation(c, n+1) // not reached before Stop()",
        ),
        (Anchor::ReaderDone, "defer c.wg.Done()\n\tfor {\n\t\tline"),
        (Anchor::StopWait, "c.wg.Wait() // readers left behind"),
    ],
    story: None,
};

/// The Go text: the file the Go tests compile and run.
const SOURCE: &str = include_str!("../../../../go/monitor/buggy.go");
