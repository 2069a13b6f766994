//! The counting rules, stated once: from a container's record, every
//! goroutine's life (when it starts, when it exits, what it waits on) and
//! every event, in the order the program runs them.
//!
//! The engine ([`crate::Sim`]) decides *when* rotations fall due and *how*
//! each one ends (its [`Outcome`]); everything counted or shown is derived
//! here from those records: samples, snapshots, dumps, events, the engine's
//! own step events. So the rules of `docs/model.md` §2–§5 live in this file
//! and the engine's `rotate` only.

use crate::event::{Event, EventKind, WaitGroupName};
use crate::goroutine::{Role, State};
use crate::programs::Groups;
use crate::record::{ContainerRecord, Outcome, Rotation};
use crate::{Program, Scenario, Time};

/// What the derivation needs to know of a run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules {
    pub program: Program,
    /// Handler goroutines of every open stream (its connection's loops):
    /// they start with the stream, just before its reader, and exit when
    /// it is closed.
    pub handlers: u32,
    /// The wait timeout, for a program that waits with one.
    pub timeout: Option<Time>,
    /// When `Stop()` runs, if it does.
    pub stop: Option<Time>,
}

impl Rules {
    pub fn new(program: Program, scenario: &Scenario) -> Rules {
        Rules {
            program,
            handlers: scenario.goroutines_per_reader - 1,
            timeout: program.wait_timeout(),
            stop: scenario.stop(),
        }
    }

    fn shared(&self) -> bool {
        self.program.groups() == Groups::Shared
    }

    /// The group heartbeats are added to.
    pub fn heartbeat_group(&self) -> WaitGroupName {
        if self.shared() {
            WaitGroupName::Wg
        } else {
            WaitGroupName::HeartbeatWg
        }
    }

    /// The group readers are added to, and `rotate()` waits on.
    pub fn reader_group(&self) -> WaitGroupName {
        if self.shared() {
            WaitGroupName::Wg
        } else {
            WaitGroupName::ReaderWg
        }
    }

    /// The reader group's counter with no current reader, `leaked` readers
    /// left behind and the heartbeat alive.
    pub fn base(&self, leaked: u32) -> u32 {
        u32::from(self.shared()) + leaked
    }
}

/// One goroutine's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Life {
    pub id: u64,
    pub role: Role,
    /// The rotation it belongs to (0 for the heartbeat).
    pub rotation: u32,
    pub spawn: Time,
    /// When it exits; `None`: never, within the run.
    pub exit: Option<Time>,
    pub state: State,
    /// From when it is left behind: nobody will close its stream, or its
    /// wait cannot return while the container lives.
    pub stuck_from: Option<Time>,
    /// The group it holds a count of.
    pub holds: Option<WaitGroupName>,
    /// The group it is blocked in `Wait()` on.
    pub waits_on: Option<WaitGroupName>,
}

impl Life {
    /// Whether it is left behind at `t`.
    pub fn stuck_at(&self, t: Time) -> bool {
        self.stuck_from.is_some_and(|s| s <= t)
    }

    /// Whether it is a reader left behind at `t` (counted in
    /// `leaked_readers`).
    pub fn left_behind_reader_at(&self, t: Time) -> bool {
        self.role == Role::Reader && self.stuck_at(t)
    }

    /// Whether it is a `rotate()` blocked in `Wait()`: its container is
    /// stalled.
    pub fn stalls(&self) -> bool {
        self.role == Role::Waiter && self.waits_on.is_some()
    }

    /// Whether it is a `rotate()` waiting out a timed wait's timeout.
    pub fn in_timed_wait(&self) -> bool {
        self.role == Role::Waiter && self.state == State::Select
    }

    /// Whether it is alive at `t`, after every event at `t`.
    pub fn alive_at(&self, t: Time) -> bool {
        self.spawn <= t && self.exit.is_none_or(|e| t < e)
    }
}

/// Whether `Stop()` releases the container: after it, no reader left
/// behind holds the reader group, so every `Wait()` on it returns.
pub(crate) fn released(rules: &Rules, rec: &ContainerRecord) -> Option<bool> {
    rules.stop.map(|s| rec.abandoned_by(s) == 0)
}

/// Every life of one container whose rotation started by `upto`, rotation
/// by rotation (the heartbeat first). Some lives last no time at all (the
/// handlers of a failed stream closed when found, a `rotate()` whose wait
/// returned at once): they are listed, and no count ever sees them.
pub(crate) fn lives(rules: &Rules, rec: &ContainerRecord, upto: Time, mut f: impl FnMut(Life)) {
    let released = released(rules, rec);
    let free_at = rules.stop.filter(|_| released == Some(true));
    f(Life {
        id: rec.heartbeat,
        role: Role::Heartbeat,
        rotation: 0,
        spawn: Time::ZERO,
        exit: rules.stop,
        state: State::Select,
        stuck_from: None,
        holds: Some(rules.heartbeat_group()),
        waits_on: None,
    });
    let group = rules.reader_group();
    for (i, r) in rec.started_by(upto).iter().enumerate() {
        let n = i as u32 + 1;
        let abandoned = r.outcome() == Outcome::Abandoned;
        let handlers = u64::from(rules.handlers);
        for h in 0..handlers {
            f(Life {
                id: r.reader() - handlers + h,
                role: Role::Handler,
                rotation: n,
                spawn: r.start(),
                exit: if abandoned { None } else { r.end() },
                state: State::Select,
                stuck_from: r.end().filter(|_| abandoned),
                holds: None,
                waits_on: None,
            });
        }
        f(Life {
            id: r.reader(),
            role: Role::Reader,
            rotation: n,
            spawn: r.start(),
            exit: if abandoned { None } else { r.end() },
            state: State::IoWait,
            stuck_from: r.end().filter(|_| abandoned),
            holds: Some(group),
            waits_on: None,
        });
        let (Some(end), Some(waiter)) = (r.end(), r.waiter()) else {
            continue;
        };
        // The goroutine running rotate(), and a timed wait's helper.
        let (waiter_exit, waiter_state, helper) = match r.outcome() {
            Outcome::Stalled => (free_at, State::Semacquire, false),
            Outcome::TimedOut => {
                let timeout = end + rules.timeout.unwrap_or(Time::ZERO);
                let woken = free_at.filter(|&s| s < timeout).unwrap_or(timeout);
                (Some(woken), State::Select, true)
            }
            _ => (Some(end), State::Running, false),
        };
        f(Life {
            id: waiter,
            role: Role::Waiter,
            rotation: n,
            spawn: end,
            exit: waiter_exit,
            state: waiter_state,
            stuck_from: Some(end).filter(|_| r.outcome() == Outcome::Stalled),
            holds: None,
            waits_on: (r.outcome() == Outcome::Stalled).then_some(group),
        });
        if helper {
            f(Life {
                id: waiter + 1,
                role: Role::Helper,
                rotation: n,
                spawn: end,
                exit: free_at,
                state: State::Semacquire,
                stuck_from: Some(end),
                holds: None,
                waits_on: Some(group),
            });
        }
    }
}

/// What a step of the program was, for [`step_events`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// `monitorContainer(c)`.
    Start,
    /// Rotation `n` fell due.
    Rotate(u32),
    /// Rotation `n`'s timed wait gave up.
    Timeout(u32),
    /// `Stop()` reached this container; `first_hung` when it is the first
    /// container whose group `Stop()` cannot wait out.
    Stop { first_hung: bool },
}

/// The events of one step of one container, from its record. `leaked` is
/// the number of its rotations abandoned before this step's rotation (the
/// caller keeps the running count: recounting would cost a pass over the
/// record per step).
pub(crate) fn step_events(
    rules: &Rules,
    index: u32,
    rec: &ContainerRecord,
    step: Step,
    leaked: u32,
    out: &mut Vec<Event>,
) {
    let mut events = StepEvents {
        rules,
        index,
        rec,
        out,
    };
    match step {
        Step::Start => events.start(),
        Step::Rotate(n) => events.rotate(n, leaked),
        Step::Timeout(n) => events.timeout(n, leaked),
        Step::Stop { first_hung } => events.stop(first_hung),
    }
}

/// Writes the events of one container's steps, one method per [`Step`].
struct StepEvents<'a> {
    rules: &'a Rules,
    index: u32,
    rec: &'a ContainerRecord,
    out: &'a mut Vec<Event>,
}

impl StepEvents<'_> {
    fn push(&mut self, time: Time, rotation: u32, kind: EventKind) {
        self.out.push(Event {
            time,
            container: self.index,
            rotation,
            kind,
        });
    }

    /// Rotation `n`'s reader started (nothing when the record has no
    /// rotation `n`), with `leaked` readers left behind before it.
    fn reader_started(&mut self, n: u32, leaked: u32) {
        let Some(r) = self.rec.rotations.get(n as usize - 1) else {
            return;
        };
        let kind = EventKind::ReaderStarted {
            goroutine: r.reader(),
            group: self.rules.reader_group(),
            counter: self.rules.base(leaked) + 1,
        };
        self.push(r.start(), n, kind);
    }

    fn start(&mut self) {
        let kind = EventKind::HeartbeatStarted {
            goroutine: self.rec.heartbeat,
            group: self.rules.heartbeat_group(),
            counter: 1,
        };
        self.push(Time::ZERO, 0, kind);
        self.reader_started(1, 0);
    }

    fn rotate(&mut self, n: u32, leaked: u32) {
        let r: &Rotation = &self.rec.rotations[n as usize - 1];
        let (Some(end), Some(waiter)) = (r.end(), r.waiter()) else {
            return;
        };
        let (reader, outcome, failed) = (r.reader(), r.outcome(), r.failed());
        let handlers = self.rules.handlers;
        self.push(end, n, EventKind::RotationDue { goroutine: waiter });
        if failed {
            let kind = EventKind::StreamFailed {
                first_handler: reader - u64::from(handlers),
                handlers,
            };
            self.push(end, n, kind);
        }
        if outcome == Outcome::Abandoned {
            self.push(end, n, EventKind::WaitSkipped { reader });
            self.reader_started(n + 1, leaked + 1);
            return;
        }
        let group = self.rules.reader_group();
        let counter = self.rules.base(leaked);
        let kind = EventKind::StreamClosed {
            reader,
            handlers,
            group,
            counter,
        };
        self.push(end, n, kind);
        self.after_close(n, end, waiter, outcome, leaked);
    }

    /// What `rotate()` does once rotation `n`'s stream is closed: it blocks
    /// in `Wait()`, leaves a helper blocked behind a timed wait, or returns
    /// and opens the next stream.
    fn after_close(&mut self, n: u32, end: Time, waiter: u64, outcome: Outcome, leaked: u32) {
        let group = self.rules.reader_group();
        let counter = self.rules.base(leaked);
        let kind = match outcome {
            Outcome::Stalled => EventKind::WaitBlocked {
                goroutine: waiter,
                group,
                counter,
            },
            Outcome::TimedOut => EventKind::HelperBlocked {
                goroutine: waiter + 1,
                group,
                counter,
            },
            _ => EventKind::WaitReturned {
                goroutine: waiter,
                group,
            },
        };
        self.push(end, n, kind);
        if !matches!(outcome, Outcome::Stalled | Outcome::TimedOut) {
            self.reader_started(n + 1, leaked);
        }
    }

    fn timeout(&mut self, n: u32, leaked: u32) {
        let r = &self.rec.rotations[n as usize - 1];
        let (Some(end), Some(waiter)) = (r.end(), r.waiter()) else {
            return;
        };
        let at = end + self.rules.timeout.unwrap_or(Time::ZERO);
        let reopened = self
            .rec
            .rotations
            .get(n as usize)
            .is_some_and(|next| next.start() == at);
        let kind = EventKind::WaitTimedOut {
            goroutine: waiter,
            reopened,
        };
        self.push(at, n, kind);
        if reopened {
            self.reader_started(n + 1, leaked);
        }
    }

    fn stop(&mut self, first_hung: bool) {
        let (rules, rec) = (self.rules, self.rec);
        let Some(stop) = rules.stop else { return };
        let current = rec
            .rotations
            .iter()
            .rev()
            .find(|r| r.outcome() == Outcome::Stopped);
        let mut woken = 0;
        lives(rules, rec, stop, |l| {
            let waiting = l.waits_on.is_some() || l.in_timed_wait();
            if waiting && l.exit == Some(stop) {
                woken += 1;
            }
        });
        let kind = EventKind::Stopped {
            heartbeat: rec.heartbeat,
            reader: current.map(Rotation::reader),
            woken,
            group: rules.reader_group(),
            counter: rec.abandoned_by(stop),
            hangs: first_hung,
        };
        self.push(stop, rec.rotations.len() as u32, kind);
    }
}

/// Every step of one container, in the order the engine runs them.
pub(crate) fn steps(rules: &Rules, rec: &ContainerRecord) -> Vec<(Time, Step)> {
    let mut out = vec![(Time::ZERO, Step::Start)];
    for (i, r) in rec.rotations.iter().enumerate() {
        let n = i as u32 + 1;
        if let (Some(end), true) = (r.end(), r.outcome().due()) {
            out.push((end, Step::Rotate(n)));
            if r.outcome() == Outcome::TimedOut {
                let at = end + rules.timeout.unwrap_or(Time::ZERO);
                let woken_early = rules
                    .stop
                    .is_some_and(|s| s < at && released(rules, rec) == Some(true));
                if !woken_early {
                    out.push((at, Step::Timeout(n)));
                }
            }
        }
    }
    out
}
