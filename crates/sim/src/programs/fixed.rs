//! `fixed`: the seed's fix. One WaitGroup per lifecycle: `heartbeatWg` for
//! the heartbeat, `readerWg` for the rotation's reader; every rotation closes
//! its stream and waits for its reader only.

use super::{Definition, Groups, OnError, WaitStyle};
use crate::code::Anchor;

pub(crate) const DEF: Definition = Definition {
    name: "fixed",
    order: 40,
    title: "one WaitGroup per lifecycle",
    summary: "The seed's fix: heartbeatWg holds the heartbeat, readerWg the rotation's reader. Every rotation closes its stream and waits for its reader only, so Wait() returns and nothing is left behind; Stop() waits for both groups and returns with no goroutine left.",
    file: "monitor/fixed.go",
    groups: Groups::Split,
    on_error: OnError::Close,
    wait: WaitStyle::Block,
    source: SOURCE,
    anchors: &[
        (Anchor::HeartbeatAdd, "\tc.heartbeatWg.Add(1)"),
        (Anchor::ReaderAdd, "\tc.readerWg.Add(1)"),
        (Anchor::CheckErr, "if s.Err() != nil {"),
        (Anchor::Close, "s.Close()         // always"),
        (Anchor::Wait, "c.readerWg.Wait() // only readers"),
        (Anchor::Reopen, "\tm.openRotation(c, n+1)\n}"),
        (Anchor::ReaderDone, "defer c.readerWg.Done()"),
        (Anchor::StopWait, "c.readerWg.Wait()    // the current"),
    ],
    story: None,
};

/// The Go text: the file the Go tests compile and run.
const SOURCE: &str = include_str!("../../../../go/monitor/fixed.go");
