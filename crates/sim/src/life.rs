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
    let group = rules.reader_group();
    let mut ev = |time: Time, rotation: u32, kind: EventKind| {
        out.push(Event {
            time,
            container: index,
            rotation,
            kind,
        });
    };
    let reader_started = |n: u32, leaked: u32, ev: &mut dyn FnMut(Time, u32, EventKind)| {
        if let Some(r) = rec.rotations.get(n as usize - 1) {
            ev(
                r.start(),
                n,
                EventKind::ReaderStarted {
                    goroutine: r.reader(),
                    group,
                    counter: rules.base(leaked) + 1,
                },
            );
        }
    };
    match step {
        Step::Start => {
            ev(
                Time::ZERO,
                0,
                EventKind::HeartbeatStarted {
                    goroutine: rec.heartbeat,
                    group: rules.heartbeat_group(),
                    counter: 1,
                },
            );
            reader_started(1, 0, &mut ev);
        }
        Step::Rotate(n) => {
            let r: &Rotation = &rec.rotations[n as usize - 1];
            let (Some(end), Some(waiter)) = (r.end(), r.waiter()) else {
                return;
            };
            ev(end, n, EventKind::RotationDue { goroutine: waiter });
            let handlers = rules.handlers;
            if r.failed() {
                ev(
                    end,
                    n,
                    EventKind::StreamFailed {
                        first_handler: r.reader() - u64::from(handlers),
                        handlers,
                    },
                );
            }
            if r.outcome() == Outcome::Abandoned {
                ev(end, n, EventKind::WaitSkipped { reader: r.reader() });
                reader_started(n + 1, leaked + 1, &mut ev);
                return;
            }
            let counter = rules.base(leaked);
            ev(
                end,
                n,
                EventKind::StreamClosed {
                    reader: r.reader(),
                    handlers,
                    group,
                    counter,
                },
            );
            match r.outcome() {
                Outcome::Stalled => ev(
                    end,
                    n,
                    EventKind::WaitBlocked {
                        goroutine: waiter,
                        group,
                        counter,
                    },
                ),
                Outcome::TimedOut => ev(
                    end,
                    n,
                    EventKind::HelperBlocked {
                        goroutine: waiter + 1,
                        group,
                        counter,
                    },
                ),
                _ => {
                    ev(
                        end,
                        n,
                        EventKind::WaitReturned {
                            goroutine: waiter,
                            group,
                        },
                    );
                    reader_started(n + 1, leaked, &mut ev);
                }
            }
        }
        Step::Timeout(n) => {
            let r = &rec.rotations[n as usize - 1];
            let (Some(end), Some(waiter)) = (r.end(), r.waiter()) else {
                return;
            };
            let at = end + rules.timeout.unwrap_or(Time::ZERO);
            let reopened = rec
                .rotations
                .get(n as usize)
                .is_some_and(|next| next.start() == at);
            ev(
                at,
                n,
                EventKind::WaitTimedOut {
                    goroutine: waiter,
                    reopened,
                },
            );
            if reopened {
                reader_started(n + 1, leaked, &mut ev);
            }
        }
        Step::Stop { first_hung } => {
            let Some(stop) = rules.stop else { return };
            let leaked = rec.abandoned_by(stop);
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
            ev(
                stop,
                rec.rotations.len() as u32,
                EventKind::Stopped {
                    heartbeat: rec.heartbeat,
                    reader: current.map(Rotation::reader),
                    woken,
                    group,
                    counter: leaked,
                    hangs: first_hung,
                },
            );
        }
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
