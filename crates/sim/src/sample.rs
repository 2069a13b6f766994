//! Per-minute samples of a run: what a goroutine counter would have read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::event::WaitGroupName;
use crate::goroutine::RoleCounts;
use crate::life::Rules;

/// The goroutines holding a group, by role.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Holders {
    /// Heartbeats that called `Add(1)` and have not yet called `Done()`.
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

/// The state of a program's groups, keyed by the group's name in the
/// program: `wg` for the programs with one group, `heartbeatWg` and
/// `readerWg` for the fixed one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WaitGroups(pub BTreeMap<WaitGroupName, GroupState>);

impl WaitGroups {
    /// The groups implied by live heartbeats, live readers (every one holds
    /// exactly one count of its group) and goroutines blocked in `Wait()` on
    /// the reader group.
    pub(crate) fn of(rules: &Rules, heartbeats: u64, readers: u64, waiters: u64) -> Self {
        let mut map = BTreeMap::new();
        let (hb, rd) = (rules.heartbeat_group(), rules.reader_group());
        map.insert(hb, GroupState::default());
        map.insert(rd, GroupState::default());
        if let Some(g) = map.get_mut(&hb) {
            g.holders.heartbeat += heartbeats;
            g.counter += heartbeats;
        }
        if let Some(g) = map.get_mut(&rd) {
            g.holders.reader += readers;
            g.counter += readers;
            g.waiters += waiters;
        }
        WaitGroups(map)
    }

    /// One group's state, if the program has it.
    pub fn get(&self, group: WaitGroupName) -> Option<&GroupState> {
        self.0.get(&group)
    }

    /// The groups and their states, in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = (WaitGroupName, &GroupState)> {
        self.0.iter().map(|(g, s)| (*g, s))
    }
}

/// What a run looks like at one instant: the counts a [`Sample`] holds at
/// the end of each minute and a [`crate::Snapshot`] at any instant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Counts {
    /// Live goroutines (`runtime.NumGoroutine()`).
    pub goroutines: u64,
    /// Live goroutines per role; they sum to `goroutines`.
    pub by_role: RoleCounts,
    /// Readers whose failed stream was never closed.
    pub leaked_readers: u64,
    /// Containers whose rotation is blocked in `Wait()`: their logs are no
    /// longer read.
    pub stalled_containers: u64,
    /// Log lines read so far, all containers.
    pub lines_read: u64,
    /// Containers that read no line during the last rotation period (0
    /// before one period has passed).
    pub silent_containers: u64,
    /// The WaitGroups, summed over containers.
    pub wait_groups: WaitGroups,
}

impl Counts {
    /// Each count that differs from `other`'s: (its name in JSON, this
    /// value, the other's), in declaration order.
    pub fn differences(&self, other: &Counts) -> Vec<(&'static str, String, String)> {
        let mut out = Vec::new();
        let mut field = |name, a: String, b: String| {
            if a != b {
                out.push((name, a, b));
            }
        };
        field(
            "goroutines",
            self.goroutines.to_string(),
            other.goroutines.to_string(),
        );
        field(
            "by_role",
            format!("{:?}", self.by_role),
            format!("{:?}", other.by_role),
        );
        field(
            "leaked_readers",
            self.leaked_readers.to_string(),
            other.leaked_readers.to_string(),
        );
        field(
            "stalled_containers",
            self.stalled_containers.to_string(),
            other.stalled_containers.to_string(),
        );
        field(
            "lines_read",
            self.lines_read.to_string(),
            other.lines_read.to_string(),
        );
        field(
            "silent_containers",
            self.silent_containers.to_string(),
            other.silent_containers.to_string(),
        );
        field(
            "wait_groups",
            format!("{:?}", self.wait_groups),
            format!("{:?}", other.wait_groups),
        );
        out
    }
}

/// The run at the end of one virtual minute, after every event due at that
/// instant: its [`Counts`] (read through `Deref`: `sample.goroutines`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sample {
    /// The minute, from 0.
    pub minute: u32,
    /// What a counter reads then.
    #[serde(flatten)]
    pub counts: Counts,
}

impl std::ops::Deref for Sample {
    type Target = Counts;
    fn deref(&self) -> &Counts {
        &self.counts
    }
}

impl std::ops::DerefMut for Sample {
    fn deref_mut(&mut self) -> &mut Counts {
        &mut self.counts
    }
}

/// What `Stop()` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StopOutcome {
    /// The minute it was called at.
    pub minute: u32,
    /// Whether it returned: every container's groups reached zero.
    pub returned: bool,
    /// The program's goroutines still alive right after it (system
    /// goroutines and the goroutine that called `Stop()` not counted).
    pub left: u64,
    /// The first container whose group it waits on for good, if it hangs.
    pub hangs_on: Option<u32>,
    /// Containers whose groups never reach zero.
    pub hung_containers: u32,
}
