//! `close-only`: one WaitGroup, but every rotation closes its stream and
//! waits. No reader is ever left behind, and every container stalls in
//! `Wait()` at its first rotation: the count falls and passes, the logs stop.

use super::{Definition, Groups, OnError, WaitStyle};
use crate::code::Anchor;

pub(crate) const DEF: Definition = Definition {
    name: "close-only",
    order: 20,
    title: "one WaitGroup, always close and wait",
    summary: "Closes every stream, failed or not, then waits on the one WaitGroup: no reader is left behind, so the count never grows (it falls, as each closed stream gives way to one blocked Wait()) and passes the count test, but every container blocks in Wait() at its first rotation and its logs stop.",
    file: "monitor/close_only.go",
    groups: Groups::Shared,
    on_error: OnError::Close,
    wait: WaitStyle::Block,
    source: SOURCE,
    anchors: &[
        (Anchor::HeartbeatAdd, "\tc.wg.Add(1)\n\tgo m.heartbeat"),
        (Anchor::ReaderAdd, "\tc.wg.Add(1)\n\tgo m.reader"),
        (Anchor::CheckErr, "if s.Err() != nil {"),
        (Anchor::Close, "s.Close()              // always"),
        (
            Anchor::Wait,
            "c.wg.Wait()            // the heartbeat still holds",
        ),
        (
            Anchor::Reopen,
            "m.openRotation(c, n+1) // not reached before Stop()",
        ),
        (Anchor::ReaderDone, "defer c.wg.Done()\n\tfor {\n\t\tline"),
        (Anchor::StopWait, "c.wg.Wait() // no reader"),
    ],
};

/// The Go text: the file the Go tests compile and run.
const SOURCE: &str = include_str!("../../../../go/monitor/close_only.go");
