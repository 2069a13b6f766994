//! `wait-timeout`: one WaitGroup, always close, and wait with a timeout the
//! way people do it. The logs keep flowing, but every rotation leaves a
//! helper goroutine blocked in `Wait()` for good: the leak moved.

use super::{Definition, Groups, OnError, Program, WaitStyle};
use crate::code::Anchor;
use crate::detect::Detector;
use crate::story::{DumpMark, Measure, Story};
use crate::{Comparison, decimal, signed, thousands};

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
    story: Some(Story {
        base: Program::BUGGY,
        beside: Program::FIXED,
        heading: "wait, but only {timeout} seconds",
        measure: Measure::Goroutines,
        against: &[Program::FIXED, Program::BUGGY],
        chart_title: "Goroutines: the leak moved, not gone",
        lab_minute: 10,
        text,
        missed_by: &[Detector::Goleak, Detector::Synctest],
        why_missed: "Stop() wakes every helper",
        seen_only_by: None,
        // The helper is `rotate()`'s closure, `go func() { c.wg.Wait() … }`.
        dump: Some(DumpMark {
            function: ".rotate.func",
            created_by: "leakscope/monitor.(*Monitor).rotate",
            goroutines: "helpers",
        }),
    }),
};

/// The lesson's paragraph: the logs flow, and each rotation leaves its
/// helper behind, from the runs' figures.
fn text(me: Program, runs: &Comparison) -> Option<String> {
    let trace = runs.trace(me)?;
    let end = trace.samples().last()?;
    let buggy = runs.trace(Program::BUGGY)?.samples().last()?;
    let n = u64::from(runs.scenario.containers);
    let rotations = runs.scenario.rotations_per_container();
    let per = end.by_role.helper as f64 / (n * rotations.max(1)) as f64;
    let secs = me.wait_timeout().map_or(0, |t| t.as_millis() / 1_000);
    let a = trace.analysis();
    Some(format!(
        "The logs flow ({} lines read; {} containers went a rotation without a line; each rotation waits {secs} s for the helper before it reopens), but the helper waits on the same group and never returns: one helper left behind per rotation, {} = {n} containers × {rotations} rotations × {}, {} goroutines in all (slope {}/min: {}). Fewer than the bug's {}, and a dump shows a different goroutine, leaking all the same.",
        thousands(end.lines_read),
        end.silent_containers,
        thousands(end.by_role.helper),
        decimal(per, 0),
        thousands(end.goroutines),
        signed(a.growth_per_min, 2),
        a.verdict,
        thousands(buggy.goroutines),
    ))
}

/// The Go text: the file the Go tests compile and run.
const SOURCE: &str = include_str!("../../../../go/monitor/wait_timeout.go");
