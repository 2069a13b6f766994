//! `close-only`: one WaitGroup, but every rotation closes its stream and
//! waits. No reader is ever left behind, and every container stalls in
//! `Wait()` at its first rotation: the count falls and passes, the logs stop.

use super::{Definition, Groups, OnError, Program, WaitStyle};
use crate::code::Anchor;
use crate::detect::Detector;
use crate::story::{Measure, Story, minute};
use crate::{Comparison, signed, thousands};

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
    story: Some(Story {
        base: Program::BUGGY,
        beside: Program::FIXED,
        heading: "always close, always wait",
        measure: Measure::LinesRead,
        against: &[Program::FIXED],
        chart_title: "Log lines read: close-only stops reading",
        lab_minute: 6,
        text,
        missed_by: &[Detector::CountGrowth],
        why_missed: "its count is flat, its logs stopped",
        seen_only_by: Some(Detector::Liveness),
        dump: None,
    }),
};

/// The lesson's paragraph: nothing is left behind, and every container
/// stalls at its first healthy rotation, from the runs' figures.
fn text(me: Program, runs: &Comparison) -> Option<String> {
    let trace = runs.trace(me)?;
    let (first, end) = (trace.samples().first()?, trace.samples().last()?);
    let fixed = runs.trace(Program::FIXED)?.samples().last()?;
    let n = u64::from(runs.scenario.containers);
    // The minute at which every container is stuck, and the lines read by
    // then: all this monitor ever reads.
    let stuck = match trace.samples().iter().find(|x| x.stalled_containers == n) {
        Some(x) => format!(
            "By {} all {n} containers are stuck: {} lines read before, {} after; the fix reads {}.",
            minute(x.minute),
            thousands(x.lines_read),
            thousands(end.lines_read.saturating_sub(x.lines_read)),
            thousands(fixed.lines_read)
        ),
        None => format!(
            "{} of {n} containers end stuck in Wait(), {} silent.",
            end.stalled_containers, end.silent_containers
        ),
    };
    Some(format!(
        "Nothing is left behind, so the count never grows ({} → {}, slope {}/min: the count test passes). But the group is still shared: at its first healthy rotation each container blocks in Wait() until Stop(). {stuck}",
        thousands(first.goroutines),
        thousands(end.goroutines),
        signed(trace.analysis().growth_per_min, 2),
    ))
}

/// The Go text: the file the Go tests compile and run.
const SOURCE: &str = include_str!("../../../../go/monitor/close_only.go");
