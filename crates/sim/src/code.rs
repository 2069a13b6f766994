//! The monitored program, written once as Go-like code in both versions.
//!
//! The engine executes exactly these programs: every [`crate::Event`] names
//! the [`Anchor`] of the line it comes from, so a face can highlight the line
//! a container is on. `docs/model.md` quotes the same text (a test checks it).

use serde::{Deserialize, Serialize};

use crate::Variant;

/// A line of the program that the simulation can be "on".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// `Add(1)` for the heartbeat.
    HeartbeatAdd,
    /// `go m.heartbeat(c)`.
    HeartbeatGo,
    /// The heartbeat's ticker loop.
    HeartbeatLoop,
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
    /// `s.Close()`.
    Close,
    /// `Wait()`.
    Wait,
    /// The next rotation opens after the wait.
    Reopen,
    /// The reader blocked in `ReadLine`.
    ReadLine,
    /// The reader's deferred `Done()`.
    ReaderDone,
}

/// One line of a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// The anchor of this line, if the simulation can be on it.
    pub anchor: Option<Anchor>,
    /// The text, without a newline.
    pub text: &'static str,
}

const fn l(text: &'static str) -> Line {
    Line { anchor: None, text }
}

const fn a(anchor: Anchor, text: &'static str) -> Line {
    Line {
        anchor: Some(anchor),
        text,
    }
}

const BUGGY: &[Line] = &[
    l("// Buggy: one WaitGroup for two lifecycles."),
    l("type container struct {"),
    l("\tid string"),
    l("\twg sync.WaitGroup // the heartbeat AND every reader"),
    l("}"),
    l(""),
    l("func (m *Monitor) monitorContainer(c *container) {"),
    a(Anchor::HeartbeatAdd, "\tc.wg.Add(1)"),
    a(
        Anchor::HeartbeatGo,
        "\tgo m.heartbeat(c) // lives as long as the container",
    ),
    l("\tm.openRotation(c, 1)"),
    l("}"),
    l(""),
    l("func (m *Monitor) openRotation(c *container, n int) {"),
    a(
        Anchor::OpenStream,
        "\ts := m.docker.Logs(c.id) // follow the log stream",
    ),
    a(Anchor::ReaderAdd, "\tc.wg.Add(1)"),
    a(Anchor::ReaderGo, "\tgo m.reader(c, s, n)"),
    a(
        Anchor::AfterFunc,
        "\ttime.AfterFunc(m.rotation, func() { m.rotate(c, s, n) })",
    ),
    l("}"),
    l(""),
    l("// rotate runs on its own goroutine when rotation n falls due."),
    l("func (m *Monitor) rotate(c *container, s *Stream, n int) {"),
    a(Anchor::CheckErr, "\tif s.Err() != nil {"),
    l("\t\t// Workaround: Wait() hung, so on a stream error skip it."),
    a(
        Anchor::SkipWait,
        "\t\tm.openRotation(c, n+1) // s is never closed: reader n stays",
    ),
    l("\t\treturn"),
    l("\t}"),
    a(
        Anchor::Close,
        "\ts.Close() // reader n reads EOF and calls Done",
    ),
    a(
        Anchor::Wait,
        "\tc.wg.Wait() // the heartbeat still holds c.wg: never returns",
    ),
    a(
        Anchor::Reopen,
        "\tm.openRotation(c, n+1) // never reached: the logs stop",
    ),
    l("}"),
    l(""),
    l("func (m *Monitor) reader(c *container, s *Stream, n int) {"),
    a(Anchor::ReaderDone, "\tdefer c.wg.Done()"),
    l("\tfor {"),
    a(Anchor::ReadLine, "\t\tline, err := s.ReadLine() // IO wait"),
    l("\t\tif err != nil {"),
    l("\t\t\treturn"),
    l("\t\t}"),
    l("\t\tm.out <- line"),
    l("\t}"),
    l("}"),
    l(""),
    l("func (m *Monitor) heartbeat(c *container) {"),
    l("\tdefer c.wg.Done()"),
    a(Anchor::HeartbeatLoop, "\tfor range time.Tick(m.beat) {"),
    l("\t\tm.docker.Inspect(c.id)"),
    l("\t}"),
    l("}"),
];

const FIXED: &[Line] = &[
    l("// Fixed: one WaitGroup per lifecycle."),
    l("type container struct {"),
    l("\tid          string"),
    l("\theartbeatWg sync.WaitGroup // the heartbeat: lives as long as the container"),
    l("\treaderWg    sync.WaitGroup // the rotation's reader: lives one rotation"),
    l("}"),
    l(""),
    l("func (m *Monitor) monitorContainer(c *container) {"),
    a(Anchor::HeartbeatAdd, "\tc.heartbeatWg.Add(1)"),
    a(
        Anchor::HeartbeatGo,
        "\tgo m.heartbeat(c) // lives as long as the container",
    ),
    l("\tm.openRotation(c, 1)"),
    l("}"),
    l(""),
    l("func (m *Monitor) openRotation(c *container, n int) {"),
    a(
        Anchor::OpenStream,
        "\ts := m.docker.Logs(c.id) // follow the log stream",
    ),
    a(Anchor::ReaderAdd, "\tc.readerWg.Add(1)"),
    a(Anchor::ReaderGo, "\tgo m.reader(c, s, n)"),
    a(
        Anchor::AfterFunc,
        "\ttime.AfterFunc(m.rotation, func() { m.rotate(c, s, n) })",
    ),
    l("}"),
    l(""),
    l("// rotate runs on its own goroutine when rotation n falls due."),
    l("func (m *Monitor) rotate(c *container, s *Stream, n int) {"),
    a(Anchor::CheckErr, "\tif s.Err() != nil {"),
    l("\t\tm.streamErrors.Add(1) // counted, then handled like any rotation"),
    l("\t}"),
    a(
        Anchor::Close,
        "\ts.Close() // always: releases reader n and the stream's handlers",
    ),
    a(
        Anchor::Wait,
        "\tc.readerWg.Wait() // only readers: returns once reader n exits",
    ),
    a(Anchor::Reopen, "\tm.openRotation(c, n+1)"),
    l("}"),
    l(""),
    l("func (m *Monitor) reader(c *container, s *Stream, n int) {"),
    a(Anchor::ReaderDone, "\tdefer c.readerWg.Done()"),
    l("\tfor {"),
    a(Anchor::ReadLine, "\t\tline, err := s.ReadLine() // IO wait"),
    l("\t\tif err != nil {"),
    l("\t\t\treturn"),
    l("\t\t}"),
    l("\t\tm.out <- line"),
    l("\t}"),
    l("}"),
    l(""),
    l("func (m *Monitor) heartbeat(c *container) {"),
    l("\tdefer c.heartbeatWg.Done()"),
    a(Anchor::HeartbeatLoop, "\tfor range time.Tick(m.beat) {"),
    l("\t\tm.docker.Inspect(c.id)"),
    l("\t}"),
    l("}"),
];

/// The lines of `variant`'s program.
pub fn lines(variant: Variant) -> &'static [Line] {
    match variant {
        Variant::Buggy => BUGGY,
        Variant::Fixed => FIXED,
    }
}

/// `variant`'s program as one text, lines joined with `\n`.
pub fn source(variant: Variant) -> String {
    let mut s = String::new();
    for line in lines(variant) {
        s.push_str(line.text);
        s.push('\n');
    }
    s
}

/// The 1-based line number of `anchor` in `variant`'s program.
pub fn line_of(variant: Variant, anchor: Anchor) -> u32 {
    lines(variant)
        .iter()
        .position(|l| l.anchor == Some(anchor))
        .map_or(0, |i| i as u32 + 1)
}

/// The file name a goroutine dump gives `variant`'s program.
pub const fn file_name(variant: Variant) -> &'static str {
    match variant {
        Variant::Buggy => "monitor/buggy.go",
        Variant::Fixed => "monitor/fixed.go",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_anchor_appears_once_in_each_program() {
        let all = [
            Anchor::HeartbeatAdd,
            Anchor::HeartbeatGo,
            Anchor::HeartbeatLoop,
            Anchor::OpenStream,
            Anchor::ReaderAdd,
            Anchor::ReaderGo,
            Anchor::AfterFunc,
            Anchor::CheckErr,
            Anchor::Close,
            Anchor::Wait,
            Anchor::Reopen,
            Anchor::ReadLine,
            Anchor::ReaderDone,
        ];
        for v in Variant::ALL {
            for anchor in all {
                let n = lines(v).iter().filter(|l| l.anchor == Some(anchor)).count();
                assert_eq!(n, 1, "{v} {anchor:?}");
            }
        }
        assert_eq!(line_of(Variant::Fixed, Anchor::SkipWait), 0);
        assert!(line_of(Variant::Buggy, Anchor::SkipWait) > 0);
    }

    #[test]
    fn the_programs_differ_only_in_groups_and_the_error_path() {
        let buggy = source(Variant::Buggy);
        let fixed = source(Variant::Fixed);
        assert!(buggy.contains("c.wg.Wait()"));
        assert!(!fixed.contains("c.wg."));
        assert!(fixed.contains("c.readerWg.Wait()"));
        assert!(fixed.contains("c.heartbeatWg.Add(1)"));
    }
}
