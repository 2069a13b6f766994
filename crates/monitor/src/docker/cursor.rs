//! Where a container's log was read up to, per stream (stdout, stderr).

use std::time::Duration;

use super::Stamp;

/// A container's output stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    /// Standard output (and a TTY container's only stream).
    Stdout = 0,
    /// Standard error.
    Stderr = 1,
}

/// How far behind the latest record read a record not read yet may be
/// stamped: the engine stamps a record when its stream's copier reads it,
/// then appends it to the log, so a record of one stream appended after a
/// record of the other may carry a slightly earlier time (microseconds as
/// a rule; this allows for a copier descheduled for seconds).
pub const REORDER_SLACK: Duration = Duration::from_secs(2);

/// Where one stream (stdout or stderr) of a container was read up to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ChannelCursor {
    /// The timestamp of the last record of the last line emitted, and how
    /// many records of emitted lines carry exactly that timestamp (records
    /// of one line, and short lines, may share a timestamp).
    pub done: Option<(Stamp, u64)>,
    /// The first record's timestamp of the first line read but not
    /// emitted (its `\n` not read yet, or the reader has not taken it),
    /// re-read whole by the next stream.
    pub open: Option<Stamp>,
}

/// Where a container's log was read up to, per stream, so that a
/// reopened stream neither loses nor repeats a line.
///
/// The engine keeps every record whose timestamp is at or after `since`
/// (nanoseconds), in the log's order; within one stream records are
/// stamped in the order they are written. So, per stream, the records
/// the next stream replays that were already emitted are exactly those
/// stamped before [`ChannelCursor::done`]'s timestamp, plus the first
/// `count` stamped with it; the first record after them begins a new
/// line. `since` is the earliest of, per stream: the first record of its
/// unfinished line, or else its `done` timestamp (no earlier than
/// [`REORDER_SLACK`] before the latest record read: records of a stream
/// not read yet were appended after that one).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cursor {
    channels: [ChannelCursor; 2],
    latest: Option<Stamp>,
}

impl Cursor {
    /// The `since` of the next stream (`None`: from the first line).
    pub fn since(&self) -> Option<Stamp> {
        let floor = self.latest?.minus(REORDER_SLACK);
        self.channels
            .iter()
            .map(|c| match (c.open, c.done) {
                (Some(open), _) => open,
                (None, Some((at, _))) => at.max(floor),
                (None, None) => floor,
            })
            .min()
    }

    /// One stream's position.
    pub fn channel(&self, ch: Channel) -> ChannelCursor {
        self.channels[ch as usize]
    }

    /// Records a record read (emitted or not).
    pub fn seen(&mut self, at: Stamp) {
        self.latest = Some(self.latest.map_or(at, |l| l.max(at)));
    }

    /// A line of `ch` begins with a record stamped `at`.
    pub fn begin(&mut self, ch: Channel, at: Stamp) {
        let c = &mut self.channels[ch as usize];
        c.open.get_or_insert(at);
    }

    /// A line of `ch` made of records stamped `records` was emitted (the
    /// reader took it); `next` is the first record of the next line of
    /// `ch` read but not emitted yet, if any.
    pub fn end(&mut self, ch: Channel, records: &[Stamp], next: Option<Stamp>) {
        let c = &mut self.channels[ch as usize];
        for &r in records {
            c.done = match c.done {
                Some((at, n)) if at == r => Some((at, n + 1)),
                _ => Some((r, 1)),
            };
        }
        c.open = next;
    }
}
