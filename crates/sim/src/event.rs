//! What happens in a run, one step of the program at a time.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Time;
use crate::code::Anchor;

/// A WaitGroup of the monitored program, by its field name (`wg`,
/// `heartbeatWg`, `readerWg`). Every container has its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum WaitGroupName {
    /// The buggy program's one group: the heartbeat and every reader.
    #[serde(rename = "wg")]
    Wg,
    /// The fixed program's group for the heartbeat.
    #[serde(rename = "heartbeatWg")]
    HeartbeatWg,
    /// The fixed program's group for the rotation's reader.
    #[serde(rename = "readerWg")]
    ReaderWg,
}

impl WaitGroupName {
    /// The field name in the program.
    pub const fn name(self) -> &'static str {
        match self {
            WaitGroupName::Wg => "wg",
            WaitGroupName::HeartbeatWg => "heartbeatWg",
            WaitGroupName::ReaderWg => "readerWg",
        }
    }

    /// The groups of `program`, in the order they are declared.
    pub const fn of(program: crate::Program) -> &'static [WaitGroupName] {
        match program.groups() {
            crate::programs::Groups::Shared => &[WaitGroupName::Wg],
            crate::programs::Groups::Split => {
                &[WaitGroupName::HeartbeatWg, WaitGroupName::ReaderWg]
            }
        }
    }
}

impl fmt::Display for WaitGroupName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One step of the monitored program.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Event {
    /// When it happened.
    pub time: Time,
    /// The container (index from 0).
    pub container: u32,
    /// The rotation it concerns (0 for the container's start).
    pub rotation: u32,
    /// What happened.
    pub kind: EventKind,
}

/// What an [`Event`] did. Counters are the group's value right after it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// `Add(1)` and `go m.heartbeat(c)`.
    HeartbeatStarted {
        /// The heartbeat goroutine.
        goroutine: u64,
        /// The group it was added to.
        group: WaitGroupName,
        /// That group's counter after `Add(1)`.
        counter: u32,
    },
    /// A stream opened, `Add(1)`, and `go m.reader(...)`.
    ReaderStarted {
        /// The reader goroutine.
        goroutine: u64,
        /// The group it was added to.
        group: WaitGroupName,
        /// That group's counter after `Add(1)`.
        counter: u32,
    },
    /// The rotation timer fired: `rotate()` starts on its own goroutine.
    RotationDue {
        /// The goroutine running `rotate()`.
        goroutine: u64,
    },
    /// The rotation's stream had failed: its reader and its handlers (there
    /// since it opened) are blocked on a connection that sends nothing
    /// more.
    StreamFailed {
        /// The first handler goroutine; the others follow in order.
        first_handler: u64,
        /// The stream's handlers.
        handlers: u32,
    },
    /// The buggy workaround: the failed stream is neither closed nor waited
    /// for; its reader and handlers are left behind.
    WaitSkipped {
        /// The reader left behind, still holding `wg`.
        reader: u64,
    },
    /// `s.Close()`: the reader and the stream's handlers returned; the
    /// reader's deferred `Done()` ran.
    StreamClosed {
        /// The reader that exited.
        reader: u64,
        /// Handlers that exited with it.
        handlers: u32,
        /// The group the reader was in.
        group: WaitGroupName,
        /// That group's counter after `Done()`.
        counter: u32,
    },
    /// `Wait()` found the counter above zero and never returns: the
    /// container's logs stop being read.
    WaitBlocked {
        /// The goroutine now blocked.
        goroutine: u64,
        /// The group waited on.
        group: WaitGroupName,
        /// Its counter: the heartbeat plus any readers left behind.
        counter: u32,
    },
    /// `Wait()` found the counter at zero and returned at once.
    WaitReturned {
        /// The goroutine that waited.
        goroutine: u64,
        /// The group waited on.
        group: WaitGroupName,
    },
    /// A timed wait: the helper goroutine blocked in `Wait()` and
    /// `rotate()` now selects on its channel and on the timeout.
    HelperBlocked {
        /// The helper, now blocked.
        goroutine: u64,
        /// The group waited on.
        group: WaitGroupName,
        /// Its counter: the heartbeat plus any readers left behind.
        counter: u32,
    },
    /// The timeout of a timed wait fired: `rotate()` gives up waiting.
    WaitTimedOut {
        /// The goroutine running `rotate()`, which now exits.
        goroutine: u64,
        /// Whether the next rotation opened (not after `Stop()`).
        reopened: bool,
    },
    /// `Stop()` reached this container: the heartbeat returned, the current
    /// stream (if any) was closed, and the group either reached zero (every
    /// goroutine waiting on it woke) or stays held by readers left behind.
    Stopped {
        /// The heartbeat, which returned.
        heartbeat: u64,
        /// The current reader, which read EOF and returned.
        reader: Option<u64>,
        /// Goroutines blocked on the group (or in a timed wait) that woke.
        woken: u32,
        /// The reader group.
        group: WaitGroupName,
        /// Its counter now: readers left behind.
        counter: u32,
        /// Whether `Stop()` hangs here: the first container whose group
        /// never reaches zero.
        hangs: bool,
    },
}

impl Event {
    /// The program line this event comes from.
    pub fn anchor(&self) -> Anchor {
        match self.kind {
            EventKind::HeartbeatStarted { .. } => Anchor::HeartbeatGo,
            EventKind::ReaderStarted { .. } => Anchor::ReaderGo,
            EventKind::RotationDue { .. } => Anchor::AfterFunc,
            EventKind::StreamFailed { .. } => Anchor::CheckErr,
            EventKind::WaitSkipped { .. } => Anchor::SkipWait,
            EventKind::StreamClosed { .. } => Anchor::Close,
            EventKind::WaitBlocked { .. }
            | EventKind::WaitReturned { .. }
            | EventKind::HelperBlocked { .. } => Anchor::Wait,
            EventKind::WaitTimedOut { .. } => Anchor::TimeoutSelect,
            EventKind::Stopped { .. } => Anchor::StopWait,
        }
    }

    /// One sentence for a narrator or a log, e.g.
    /// `container 3: Wait() blocked — heartbeat still holds wg (counter 1)`.
    pub fn describe(&self) -> String {
        let c = self.container;
        let n = self.rotation;
        match &self.kind {
            EventKind::HeartbeatStarted { group, counter, .. } => {
                format!("container {c}: heartbeat started — holds {group} (counter {counter})")
            }
            EventKind::ReaderStarted { group, counter, .. } => {
                format!("container {c}: rotation {n} reader started — {group} counter {counter}")
            }
            EventKind::RotationDue { .. } => format!("container {c}: rotation {n} due"),
            EventKind::StreamFailed { handlers, .. } => format!(
                "container {c}: rotation {n} stream failed — reader stuck in IO wait, its {} with it",
                plural(u64::from(*handlers), "handler", "handlers")
            ),
            EventKind::WaitSkipped { .. } => format!(
                "container {c}: Wait() skipped after the error — reader {n} left behind in IO wait"
            ),
            EventKind::StreamClosed { group, counter, .. } => format!(
                "container {c}: stream {n} closed — reader and handlers exited, Done() leaves {group} at {counter}"
            ),
            EventKind::WaitBlocked { group, counter, .. } => {
                if *counter == 1 {
                    format!(
                        "container {c}: Wait() blocked — heartbeat still holds {group} (counter 1); logs stop"
                    )
                } else {
                    format!(
                        "container {c}: Wait() blocked — heartbeat and {} left behind hold {group} (counter {counter}); logs stop",
                        plural(u64::from(counter - 1), "reader", "readers")
                    )
                }
            }
            EventKind::WaitReturned { group, .. } => {
                format!("container {c}: {group}.Wait() returned at once (counter 0)")
            }
            EventKind::HelperBlocked { group, counter, .. } => format!(
                "container {c}: helper blocked in {group}.Wait() (counter {counter}); rotate() waits for the timeout"
            ),
            EventKind::WaitTimedOut { reopened, .. } => {
                if *reopened {
                    format!(
                        "container {c}: wait timed out — rotation {} opens, its helper stays blocked",
                        n + 1
                    )
                } else {
                    format!("container {c}: wait timed out after Stop() — nothing opens")
                }
            }
            EventKind::Stopped {
                woken,
                group,
                counter,
                hangs,
                ..
            } => {
                if *counter == 0 {
                    format!(
                        "container {c}: Stop() — heartbeat returned, stream closed, {group} at 0 ({} woke)",
                        plural(u64::from(*woken), "waiting goroutine", "waiting goroutines")
                    )
                } else if *hangs {
                    format!(
                        "container {c}: Stop() hangs — {} left behind {} {group} and nobody can close their streams",
                        plural(u64::from(*counter), "reader", "readers"),
                        if *counter == 1 { "holds" } else { "hold" }
                    )
                } else {
                    format!(
                        "container {c}: Stop() — {} left behind still {} {group}",
                        plural(u64::from(*counter), "reader", "readers"),
                        if *counter == 1 { "holds" } else { "hold" }
                    )
                }
            }
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.time, self.describe())
    }
}

/// `n` and a noun, singular or plural as `n` asks (never "reader(s)").
fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
