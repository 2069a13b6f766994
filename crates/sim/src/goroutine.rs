//! Goroutines: who they are, what they do, and what state they are in.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Time;
use crate::code::Anchor;

/// What a goroutine is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Outside the containers' lifecycles: main, the runtime, the debug
    /// server ([`crate::Scenario::baseline_goroutines`] of them).
    System,
    /// One per container, for as long as the container lives: inspects the
    /// container every heartbeat period.
    Heartbeat,
    /// One per rotation: reads the rotation's log stream until it ends.
    Reader,
    /// A stream's connection loop, started as the stream opens and alive
    /// until it is closed, healthy or failed
    /// ([`crate::Scenario::goroutines_per_reader`] − 1 of them per stream):
    /// net/http's `(*persistConn).readLoop` and `writeLoop`, in turn, both
    /// in `select`.
    Handler,
    /// The goroutine running `rotate()` when a rotation falls due; it lives on
    /// only when its `Wait()` blocks, or for a timed wait's timeout.
    Waiter,
    /// A timed wait's helper: `go func() { wg.Wait(); close(done) }()`,
    /// blocked for as long as the group stays above zero.
    Helper,
}

impl Role {
    /// Every role, in the order counts are shown.
    pub const ALL: [Role; 6] = [
        Role::System,
        Role::Heartbeat,
        Role::Reader,
        Role::Handler,
        Role::Waiter,
        Role::Helper,
    ];

    /// The lower-case name used in JSON and CSV.
    pub const fn name(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::Heartbeat => "heartbeat",
            Role::Reader => "reader",
            Role::Handler => "handler",
            Role::Waiter => "waiter",
            Role::Helper => "helper",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a goroutine is doing, with Go's names for the blocked states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// On a CPU.
    Running,
    /// Blocked receiving from a channel.
    ChanReceive,
    /// Blocked in `select`: a heartbeat waiting for its ticker or for
    /// `Stop()`, a stream's connection loops (net/http's `readLoop` and
    /// `writeLoop`), a timed wait, system goroutines.
    Select,
    /// Blocked reading a network connection.
    IoWait,
    /// Blocked in `sync.WaitGroup.Wait`. Go ≥ 1.25 prints the wait reason
    /// `sync.WaitGroup.Wait` (older Go printed `semacquire`, the name this
    /// variant and its JSON form `"semacquire"` keep).
    Semacquire,
    /// Returned; no longer counted.
    Exited,
}

impl State {
    /// The state as `runtime.Stack` prints it.
    pub const fn go_name(self) -> &'static str {
        match self {
            State::Running => "running",
            State::ChanReceive => "chan receive",
            State::Select => "select",
            State::IoWait => "IO wait",
            State::Semacquire => "sync.WaitGroup.Wait",
            State::Exited => "exited",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.go_name())
    }
}

/// One goroutine as seen at a moment of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goroutine {
    /// Creation order within the run, from 1, as Go numbers goroutines.
    pub id: u64,
    /// What it is for.
    pub role: Role,
    /// The container it serves (none for system goroutines).
    pub container: Option<u32>,
    /// The rotation it belongs to (readers, handlers, waiters).
    pub rotation: Option<u32>,
    /// What it is doing.
    pub state: State,
    /// When it entered `state`.
    pub since: Time,
    /// When it was started.
    pub spawned: Time,
    /// Whether it is left behind: its stream failed and nobody will ever
    /// close it (readers and handlers), or its `Wait()` can never return
    /// (waiters).
    pub stuck: bool,
}

impl Goroutine {
    /// The program line it is parked on: the heartbeat's ticker loop, the
    /// reader's `ReadLine`, the waiter's `Wait()`; `None` for goroutines
    /// outside the program's text (stream handlers, which are net/http's
    /// connection loops, and system goroutines).
    pub fn anchor(&self) -> Option<Anchor> {
        match self.role {
            Role::Heartbeat => Some(Anchor::HeartbeatLoop),
            Role::Reader => Some(Anchor::ReadLine),
            Role::Waiter if self.state == State::Select => Some(Anchor::TimeoutSelect),
            Role::Waiter | Role::Helper => Some(Anchor::Wait),
            Role::Handler | Role::System => None,
        }
    }
}

/// Goroutine counts per role.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RoleCounts {
    /// [`Role::System`]
    pub system: u64,
    /// [`Role::Heartbeat`]
    pub heartbeat: u64,
    /// [`Role::Reader`]
    pub reader: u64,
    /// [`Role::Handler`]
    pub handler: u64,
    /// [`Role::Waiter`]
    pub waiter: u64,
    /// [`Role::Helper`]
    pub helper: u64,
}

impl RoleCounts {
    /// The sum over roles.
    pub fn total(&self) -> u64 {
        self.system + self.heartbeat + self.reader + self.handler + self.waiter + self.helper
    }

    /// The count for one role.
    pub fn get(&self, role: Role) -> u64 {
        match role {
            Role::System => self.system,
            Role::Heartbeat => self.heartbeat,
            Role::Reader => self.reader,
            Role::Handler => self.handler,
            Role::Waiter => self.waiter,
            Role::Helper => self.helper,
        }
    }

    /// A mutable reference to one role's count.
    pub fn get_mut(&mut self, role: Role) -> &mut u64 {
        match role {
            Role::System => &mut self.system,
            Role::Heartbeat => &mut self.heartbeat,
            Role::Reader => &mut self.reader,
            Role::Handler => &mut self.handler,
            Role::Waiter => &mut self.waiter,
            Role::Helper => &mut self.helper,
        }
    }
}
