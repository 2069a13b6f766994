//! The record of one run, and every question a face asks of it.

use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::code::{Anchor, file_name};
use crate::event::{Event, EventKind, Group};
use crate::goroutine::{Goroutine, Role, RoleCounts, State};
use crate::sample::{Sample, WaitGroups};
use crate::{Analysis, Error, Scenario, Time, Variant};

/// How a rotation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Not yet due when the run ended: its reader is the container's
    /// current one.
    Open,
    /// Due with a healthy stream; closed and waited for; the next rotation
    /// opened (fixed).
    Closed,
    /// Due with a failed stream; closed (releasing reader and handlers) and
    /// waited for; the next rotation opened (fixed).
    FailedClosed,
    /// Due with a failed stream; neither closed nor waited for: reader and
    /// handlers left behind for good; the next rotation opened (buggy).
    Abandoned,
    /// Due with a healthy stream; closed, then `Wait()` blocked for good: no
    /// further rotation (buggy).
    Stalled,
}

impl Outcome {
    /// Whether the stream had failed.
    pub const fn failed(self) -> bool {
        matches!(self, Outcome::FailedClosed | Outcome::Abandoned)
    }
}

/// One rotation of one container, compactly (times in milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rotation {
    reader: u32,
    waiter: u32,
    start: u32,
    end: u32,
    outcome: Outcome,
}

impl Rotation {
    pub(crate) fn open(reader: u64, start: Time) -> Rotation {
        Rotation {
            reader: reader as u32,
            waiter: 0,
            start: start.as_millis() as u32,
            end: u32::MAX,
            outcome: Outcome::Open,
        }
    }

    pub(crate) fn close(&mut self, waiter: u64, end: Time, outcome: Outcome) {
        self.waiter = waiter as u32;
        self.end = end.as_millis() as u32;
        self.outcome = outcome;
    }

    /// The reader goroutine's id.
    pub fn reader(&self) -> u64 {
        u64::from(self.reader)
    }

    /// The id of the goroutine that ran `rotate()`, once due. Handlers of a
    /// failed stream take the ids right after it.
    pub fn waiter(&self) -> Option<u64> {
        (self.outcome != Outcome::Open).then_some(u64::from(self.waiter))
    }

    /// When the stream opened and the reader started.
    pub fn start(&self) -> Time {
        Time(u64::from(self.start))
    }

    /// When the rotation fell due, if it did during the run.
    pub fn end(&self) -> Option<Time> {
        (self.outcome != Outcome::Open).then_some(Time(u64::from(self.end)))
    }

    /// How it ended.
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// Whether its reader is still alive at `t`.
    pub fn reader_alive_at(&self, t: Time) -> bool {
        self.start() <= t
            && match (self.outcome, self.end()) {
                (Outcome::Open | Outcome::Abandoned, _) => true,
                (_, Some(end)) => t < end,
                (_, None) => true,
            }
    }

    /// Whether it has been abandoned by `t` (reader and handlers stuck).
    pub fn abandoned_by(&self, t: Time) -> bool {
        self.outcome == Outcome::Abandoned && self.end().is_some_and(|e| e <= t)
    }

    /// Whether its `Wait()` has blocked by `t`.
    pub fn stalled_by(&self, t: Time) -> bool {
        self.outcome == Outcome::Stalled && self.end().is_some_and(|e| e <= t)
    }
}

/// Everything one container did.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContainerRecord {
    pub(crate) heartbeat: u64,
    pub(crate) rotations: Vec<Rotation>,
}

impl ContainerRecord {
    /// The heartbeat goroutine's id.
    pub fn heartbeat(&self) -> u64 {
        self.heartbeat
    }

    /// Its rotations, the first (number 1) first.
    pub fn rotations(&self) -> &[Rotation] {
        &self.rotations
    }

    /// The rotations started by `t`.
    fn started_by(&self, t: Time) -> &[Rotation] {
        let n = self.rotations.partition_point(|r| r.start() <= t);
        &self.rotations[..n]
    }

    /// When its rotation got stuck in `Wait()`, if it did.
    pub fn stalled_at(&self) -> Option<Time> {
        self.rotations
            .last()
            .filter(|r| r.outcome == Outcome::Stalled)
            .and_then(Rotation::end)
    }
}

/// One container at a moment of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerView {
    /// The container's index.
    pub index: u32,
    /// The latest rotation started by now (from 1).
    pub rotation: u32,
    /// Readers of failed streams left behind.
    pub leaked_readers: u32,
    /// When its rotation got stuck in `Wait()`, if it has by now.
    pub stalled_since: Option<Time>,
    /// Its WaitGroups now.
    pub wait_groups: WaitGroups,
    /// Live goroutines serving it.
    pub goroutines: u64,
    /// The program line it sits on: blocked in `Wait()`, or waiting for the
    /// rotation timer.
    pub anchor: Anchor,
}

/// The whole run at one instant: what a scrubbing face shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The instant.
    pub time: Time,
    /// Live goroutines.
    pub goroutines: u64,
    /// Live goroutines per role.
    pub by_role: RoleCounts,
    /// Readers left behind.
    pub leaked_readers: u64,
    /// Containers stuck in `Wait()`.
    pub stalled_containers: u64,
    /// The groups summed over containers.
    pub wait_groups: WaitGroups,
}

/// The record of one variant of one scenario: every goroutine's life, every
/// rotation's outcome and a sample per minute.
///
/// # Examples
///
/// ```
/// use leakscope_sim::{Preset, Time, Variant, simulate};
///
/// let trace = simulate(&Preset::Fase6.scenario(), Variant::Fixed).unwrap();
/// assert_eq!(trace.samples()[0].goroutines, 110);
/// let now = trace.snapshot(Time::from_minutes(30)).unwrap();
/// assert_eq!(now.goroutines, trace.samples()[30].goroutines);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub(crate) scenario: Scenario,
    pub(crate) variant: Variant,
    pub(crate) containers: Vec<ContainerRecord>,
    pub(crate) samples: Vec<Sample>,
}

impl Trace {
    /// The scenario run.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The variant run.
    pub fn variant(&self) -> Variant {
        self.variant
    }

    /// The end of the run.
    pub fn end(&self) -> Time {
        self.scenario.horizon()
    }

    /// One sample per minute, minute 0 to the last.
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// Every container's record.
    pub fn containers(&self) -> &[ContainerRecord] {
        &self.containers
    }

    /// Growth, limit and verdict, as the seed computes them.
    pub fn analysis(&self) -> Analysis {
        Analysis::of(&self.samples)
    }

    fn check_time(&self, t: Time) -> Result<(), Error> {
        if t > self.end() {
            Err(Error::PastEnd {
                at: t,
                end: self.end(),
            })
        } else {
            Ok(())
        }
    }

    fn check_container(&self, index: u32) -> Result<&ContainerRecord, Error> {
        self.containers
            .get(index as usize)
            .ok_or(Error::NoSuchContainer {
                index,
                count: self.scenario.containers,
            })
    }

    /// The run at instant `t`, after every event due at `t`.
    ///
    /// # Errors
    ///
    /// [`Error::PastEnd`] when `t` is after the end of the run.
    pub fn snapshot(&self, t: Time) -> Result<Snapshot, Error> {
        self.check_time(t)?;
        let g = u64::from(self.scenario.goroutines_per_reader);
        let mut by_role = RoleCounts {
            system: u64::from(self.scenario.baseline_goroutines),
            ..RoleCounts::default()
        };
        let (mut leaked, mut stalled) = (0, 0);
        for c in &self.containers {
            by_role.heartbeat += 1;
            for r in c.started_by(t) {
                by_role.reader += u64::from(r.reader_alive_at(t));
                if r.abandoned_by(t) {
                    leaked += 1;
                    by_role.handler += g - 1;
                }
                if r.stalled_by(t) {
                    stalled += 1;
                    by_role.waiter += 1;
                }
            }
        }
        Ok(Snapshot {
            time: t,
            goroutines: by_role.total(),
            by_role,
            leaked_readers: leaked,
            stalled_containers: stalled,
            wait_groups: WaitGroups::from_counts(
                self.variant,
                by_role.heartbeat,
                by_role.reader,
                by_role.waiter,
            ),
        })
    }

    /// One container at instant `t`.
    ///
    /// # Errors
    ///
    /// [`Error::PastEnd`] or [`Error::NoSuchContainer`].
    pub fn container_at(&self, index: u32, t: Time) -> Result<ContainerView, Error> {
        self.check_time(t)?;
        let c = self.check_container(index)?;
        let g = u64::from(self.scenario.goroutines_per_reader);
        let started = c.started_by(t);
        let readers = started.iter().filter(|r| r.reader_alive_at(t)).count() as u64;
        let leaked = started.iter().filter(|r| r.abandoned_by(t)).count() as u64;
        let stalled_since = started
            .iter()
            .find(|r| r.stalled_by(t))
            .and_then(Rotation::end);
        let waiters = u64::from(stalled_since.is_some());
        Ok(ContainerView {
            index,
            rotation: started.len() as u32,
            leaked_readers: leaked as u32,
            stalled_since,
            wait_groups: WaitGroups::from_counts(self.variant, 1, readers, waiters),
            goroutines: 1 + readers + leaked * (g - 1) + waiters,
            anchor: if stalled_since.is_some() {
                Anchor::Wait
            } else {
                Anchor::AfterFunc
            },
        })
    }

    /// Every goroutine alive at `t` (of one container, or of the whole run
    /// when `container` is `None`), in id order.
    ///
    /// # Errors
    ///
    /// [`Error::PastEnd`] or [`Error::NoSuchContainer`].
    pub fn goroutines_at(&self, t: Time, container: Option<u32>) -> Result<Vec<Goroutine>, Error> {
        self.check_time(t)?;
        let mut out = Vec::new();
        let selected: Vec<(u32, &ContainerRecord)> = match container {
            Some(i) => vec![(i, self.check_container(i)?)],
            None => {
                for id in 1..=u64::from(self.scenario.baseline_goroutines) {
                    out.push(Goroutine {
                        id,
                        role: Role::System,
                        container: None,
                        rotation: None,
                        state: State::Select,
                        since: Time::ZERO,
                        spawned: Time::ZERO,
                        stuck: false,
                    });
                }
                self.containers
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (i as u32, c))
                    .collect()
            }
        };
        let beat = self.scenario.heartbeat().as_millis().max(1);
        let handlers = self.scenario.goroutines_per_reader - 1;
        for (index, c) in selected {
            out.push(Goroutine {
                id: c.heartbeat,
                role: Role::Heartbeat,
                container: Some(index),
                rotation: None,
                state: State::ChanReceive,
                since: Time(t.as_millis() / beat * beat),
                spawned: Time::ZERO,
                stuck: false,
            });
            for (i, r) in c.started_by(t).iter().enumerate() {
                let n = i as u32 + 1;
                let end = r.end();
                let abandoned = r.abandoned_by(t);
                if r.reader_alive_at(t) {
                    out.push(Goroutine {
                        id: r.reader(),
                        role: Role::Reader,
                        container: Some(index),
                        rotation: Some(n),
                        state: State::IoWait,
                        since: r.start(),
                        spawned: r.start(),
                        stuck: abandoned,
                    });
                }
                if abandoned {
                    let (end, waiter) = (end.unwrap_or(t), r.waiter().unwrap_or(0));
                    for h in 1..=u64::from(handlers) {
                        out.push(Goroutine {
                            id: waiter + h,
                            role: Role::Handler,
                            container: Some(index),
                            rotation: Some(n),
                            state: State::IoWait,
                            since: end,
                            spawned: end,
                            stuck: true,
                        });
                    }
                }
                if r.stalled_by(t) {
                    let end = end.unwrap_or(t);
                    out.push(Goroutine {
                        id: r.waiter().unwrap_or(0),
                        role: Role::Waiter,
                        container: Some(index),
                        rotation: Some(n),
                        state: State::Semacquire,
                        since: end,
                        spawned: end,
                        stuck: true,
                    });
                }
            }
        }
        out.sort_by_key(|g| g.id);
        Ok(out)
    }

    /// Every event of one container, in the order the engine ran them.
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchContainer`].
    pub fn events_of(&self, index: u32) -> Result<Vec<Event>, Error> {
        let c = self.check_container(index)?;
        let v = self.variant;
        let (hb_group, rd_group) = (Group::heartbeat(v), Group::reader(v));
        let handlers = self.scenario.goroutines_per_reader - 1;
        let ev = |time, rotation, kind| Event {
            time,
            container: index,
            rotation,
            kind,
        };
        let mut out = vec![ev(
            Time::ZERO,
            0,
            EventKind::HeartbeatStarted {
                goroutine: c.heartbeat,
                group: hb_group,
                counter: 1,
            },
        )];
        // The buggy group counts the heartbeat too; left-behind readers never
        // leave it.
        let base = |leaked: u32| match v {
            Variant::Buggy => 1 + leaked,
            Variant::Fixed => 0,
        };
        let mut leaked = 0u32;
        for (i, r) in c.rotations.iter().enumerate() {
            let n = i as u32 + 1;
            out.push(ev(
                r.start(),
                n,
                EventKind::ReaderStarted {
                    goroutine: r.reader(),
                    group: rd_group,
                    counter: base(leaked) + 1,
                },
            ));
            let (Some(end), Some(waiter)) = (r.end(), r.waiter()) else {
                break;
            };
            out.push(ev(end, n, EventKind::RotationDue { goroutine: waiter }));
            if r.outcome.failed() {
                out.push(ev(
                    end,
                    n,
                    EventKind::StreamFailed {
                        first_handler: waiter + 1,
                        handlers,
                    },
                ));
            }
            match r.outcome {
                Outcome::Abandoned => {
                    leaked += 1;
                    out.push(ev(end, n, EventKind::WaitSkipped { reader: r.reader() }));
                }
                Outcome::Stalled | Outcome::Closed | Outcome::FailedClosed => {
                    out.push(ev(
                        end,
                        n,
                        EventKind::StreamClosed {
                            reader: r.reader(),
                            handlers: if r.outcome.failed() { handlers } else { 0 },
                            group: rd_group,
                            counter: base(leaked),
                        },
                    ));
                    out.push(ev(
                        end,
                        n,
                        if r.outcome == Outcome::Stalled {
                            EventKind::WaitBlocked {
                                goroutine: waiter,
                                group: rd_group,
                                counter: base(leaked),
                            }
                        } else {
                            EventKind::WaitReturned {
                                goroutine: waiter,
                                group: rd_group,
                            }
                        },
                    ));
                }
                Outcome::Open => {}
            }
        }
        Ok(out)
    }

    /// Every event with `from <= time <= to`, in the order the engine ran
    /// them.
    pub fn events_between(&self, from: Time, to: Time) -> Vec<Event> {
        let mut out: Vec<Event> = (0..self.containers.len() as u32)
            .flat_map(|c| self.events_of(c).unwrap_or_default())
            .filter(|e| from <= e.time && e.time <= to)
            .collect();
        // Same-instant events run container by container (the queue's FIFO
        // keeps the order containers were started in); a stable sort keeps
        // each container's own order.
        out.sort_by_key(|e| (e.time, e.container));
        out
    }

    /// A 64-bit FNV-1a hash of the whole trace, equal on every platform for
    /// equal traces: the cheap way to compare a native and a wasm32 run.
    pub fn fingerprint(&self) -> u64 {
        let mut h = Fnv64::default();
        self.scenario.containers.hash(&mut h);
        self.scenario.minutes.hash(&mut h);
        self.scenario.rotation_secs.hash(&mut h);
        self.scenario.heartbeat_secs.hash(&mut h);
        self.scenario.error_rate.to_bits().hash(&mut h);
        self.scenario.goroutines_per_reader.hash(&mut h);
        self.scenario.baseline_goroutines.hash(&mut h);
        self.scenario.seed.hash(&mut h);
        self.variant.hash(&mut h);
        self.containers.hash(&mut h);
        self.samples.hash(&mut h);
        h.finish()
    }

    /// The file name dumps give this variant's program.
    pub fn file_name(&self) -> &'static str {
        file_name(self.variant)
    }
}

/// FNV-1a with lengths widened to 64 bits, so that `usize` (4 bytes on
/// wasm32, 8 on x86-64) hashes the same everywhere.
struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv64 {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_usize(&mut self, i: usize) {
        self.write(&(i as u64).to_le_bytes());
    }

    fn write_isize(&mut self, i: isize) {
        self.write(&(i as i64).to_le_bytes());
    }
}

impl Trace {
    /// The instant of the first event strictly after `t`, if any.
    pub fn next_event_time(&self, t: Time) -> Option<Time> {
        self.containers
            .iter()
            .filter_map(|c| {
                // A container's events fall at 0 and at its rotations' ends,
                // which increase with the rotation number.
                let i = c
                    .rotations
                    .partition_point(|r| r.end().is_some_and(|e| e <= t));
                c.rotations.get(i).and_then(Rotation::end)
            })
            .min()
    }

    /// The instant of the last event strictly before `t`, if any.
    pub fn prev_event_time(&self, t: Time) -> Option<Time> {
        if t == Time::ZERO {
            return None;
        }
        self.containers
            .iter()
            .map(|c| {
                let i = c
                    .rotations
                    .partition_point(|r| r.end().is_some_and(|e| e < t));
                i.checked_sub(1)
                    .and_then(|i| c.rotations[i].end())
                    .unwrap_or(Time::ZERO)
            })
            .max()
    }
}
