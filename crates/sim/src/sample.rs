//! Per-minute samples of a run: what a goroutine counter would have read.

use serde::{Deserialize, Serialize};

use crate::Variant;
use crate::event::Group;
use crate::goroutine::RoleCounts;

/// The goroutines holding a group, by role.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Holders {
    /// Heartbeats that called `Add(1)` and will never call `Done()`.
    pub heartbeat: u64,
    /// Readers that called `Add(1)` and have not yet called `Done()`.
    pub reader: u64,
}

/// One group, summed over every container (each container has its own).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GroupState {
    /// The counter: `Add` calls minus `Done` calls.
    pub counter: u64,
    /// Who holds the counter up.
    pub holders: Holders,
    /// Goroutines blocked in `Wait()` on it.
    pub waiters: u64,
}

/// The state of a program's groups: `wg` for the buggy program,
/// `heartbeatWg` and `readerWg` for the fixed one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WaitGroups {
    /// The buggy program's single group.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub wg: Option<GroupState>,
    /// The fixed program's heartbeat group.
    #[serde(
        rename = "heartbeatWg",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub heartbeat_wg: Option<GroupState>,
    /// The fixed program's reader group.
    #[serde(rename = "readerWg", skip_serializing_if = "Option::is_none", default)]
    pub reader_wg: Option<GroupState>,
}

impl WaitGroups {
    /// The groups implied by live heartbeats, live readers and blocked
    /// waiters: every live heartbeat and reader holds exactly one count.
    pub fn from_counts(variant: Variant, heartbeats: u64, readers: u64, waiters: u64) -> Self {
        match variant {
            Variant::Buggy => WaitGroups {
                wg: Some(GroupState {
                    counter: heartbeats + readers,
                    holders: Holders {
                        heartbeat: heartbeats,
                        reader: readers,
                    },
                    waiters,
                }),
                ..WaitGroups::default()
            },
            Variant::Fixed => WaitGroups {
                heartbeat_wg: Some(GroupState {
                    counter: heartbeats,
                    holders: Holders {
                        heartbeat: heartbeats,
                        reader: 0,
                    },
                    waiters: 0,
                }),
                reader_wg: Some(GroupState {
                    counter: readers,
                    holders: Holders {
                        heartbeat: 0,
                        reader: readers,
                    },
                    waiters,
                }),
                ..WaitGroups::default()
            },
        }
    }

    /// One group's state, if the program has it.
    pub fn get(&self, group: Group) -> Option<&GroupState> {
        match group {
            Group::Wg => self.wg.as_ref(),
            Group::HeartbeatWg => self.heartbeat_wg.as_ref(),
            Group::ReaderWg => self.reader_wg.as_ref(),
        }
    }
}

/// What the run looked like at the end of one virtual minute, after every
/// event due at that instant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sample {
    /// The minute, from 0.
    pub minute: u32,
    /// Live goroutines (`runtime.NumGoroutine()`).
    pub goroutines: u64,
    /// Live goroutines per role; they sum to `goroutines`.
    pub by_role: RoleCounts,
    /// Readers whose failed stream was never closed.
    pub leaked_readers: u64,
    /// Containers whose rotation is stuck in `Wait()`: their logs are no
    /// longer read.
    pub stalled_containers: u64,
    /// The WaitGroups, summed over containers.
    pub wait_groups: WaitGroups,
}
