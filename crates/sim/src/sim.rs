//! The engine: runs the monitored program on a virtual clock.

use crate::event::{Event, EventKind, Group};
use crate::faults::{ContainerFaults, FaultSchedule};
use crate::goroutine::RoleCounts;
use crate::queue::EventQueue;
use crate::sample::{Sample, WaitGroups};
use crate::trace::{ContainerRecord, Outcome, Rotation};
use crate::{Error, Scenario, Time, Trace, Variant};

#[derive(Debug, Clone, Copy)]
enum Action {
    /// `monitorContainer(c)`.
    Start(u32),
    /// The current rotation of container `c` falls due: `rotate(c, s, n)`.
    Rotate(u32),
}

/// A run in progress: the monitored program on a virtual clock.
///
/// Every time [`Sim::step`] is called, the following unfolds:
///
/// 1. The earliest timer is taken from the queue (timers due at the same
///    instant in the order they were set).
/// 2. A sample is recorded for every whole minute before that instant.
/// 3. The program runs at that instant until every goroutine it touched has
///    blocked or exited: a container starts, or one container's `rotate()`
///    runs. What it did comes back as [`Event`]s.
///
/// [`Sim::run_until`] steps through an instant; [`Sim::finish`] runs to the
/// end and hands over the [`Trace`].
///
/// # Examples
///
/// ```
/// use leakscope_sim::{Scenario, Sim, Time, Variant};
///
/// let scenario = Scenario { containers: 2, minutes: 10, ..Scenario::default() };
/// let mut sim = Sim::new(&scenario, Variant::Buggy).unwrap();
/// let first = sim.step().unwrap().to_vec(); // container 0 starts
/// assert_eq!(first.len(), 2);
/// sim.run_until(Time::from_minutes(5));
/// assert_eq!(sim.now(), Time::from_minutes(5));
/// let trace = sim.finish();
/// assert_eq!(trace.samples().len(), 11);
/// ```
#[derive(Debug, Clone)]
pub struct Sim {
    scenario: Scenario,
    variant: Variant,
    horizon: Time,
    now: Time,
    queue: EventQueue<Action>,
    faults: Vec<ContainerFaults>,
    containers: Vec<ContainerRecord>,
    /// Readers left behind, per container.
    leaked: Vec<u32>,
    next_id: u64,
    counts: RoleCounts,
    leaked_total: u64,
    stalled: u64,
    samples: Vec<Sample>,
    events: Vec<Event>,
}

impl Sim {
    /// A run of `variant` on `scenario`, at instant 0 with nothing run yet.
    ///
    /// # Errors
    ///
    /// Whatever [`Scenario::validate`] refuses.
    pub fn new(scenario: &Scenario, variant: Variant) -> Result<Sim, Error> {
        scenario.validate()?;
        let n = scenario.containers;
        let schedule = FaultSchedule::new(scenario.seed, scenario.error_rate);
        let mut queue = EventQueue::new();
        for c in 0..n {
            queue.push(Time::ZERO, Action::Start(c));
        }
        // Room for every rotation up front: the vectors never reallocate
        // (no transient doubling of the largest allocation).
        let per_container = scenario.rotations_per_container() as usize + 1;
        Ok(Sim {
            horizon: scenario.horizon(),
            now: Time::ZERO,
            queue,
            faults: (0..n).map(|c| schedule.container(c)).collect(),
            containers: (0..n)
                .map(|_| ContainerRecord {
                    heartbeat: 0,
                    rotations: Vec::with_capacity(match variant {
                        Variant::Fixed => per_container,
                        Variant::Buggy => per_container.min(16),
                    }),
                })
                .collect(),
            leaked: vec![0; n as usize],
            next_id: u64::from(scenario.baseline_goroutines) + 1,
            counts: RoleCounts {
                system: u64::from(scenario.baseline_goroutines),
                ..RoleCounts::default()
            },
            leaked_total: 0,
            stalled: 0,
            samples: Vec::with_capacity(scenario.minutes as usize + 1),
            events: Vec::new(),
            scenario: scenario.clone(),
            variant,
        })
    }

    /// The virtual clock: the instant of the last step run.
    pub fn now(&self) -> Time {
        self.now
    }

    /// The end of the run.
    pub fn horizon(&self) -> Time {
        self.horizon
    }

    /// The variant running.
    pub fn variant(&self) -> Variant {
        self.variant
    }

    /// The samples recorded so far.
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// Live goroutines right now.
    pub fn goroutines(&self) -> u64 {
        self.counts.total()
    }

    /// The instant of the next step, if one is due before the end.
    pub fn next_time(&self) -> Option<Time> {
        self.queue.peek_time().filter(|&t| t <= self.horizon)
    }

    /// Runs the next step and returns what it did, or `None` once nothing
    /// more is due before the end of the run.
    pub fn step(&mut self) -> Option<&[Event]> {
        self.events.clear();
        let t = self.next_time()?;
        self.sample_before(t);
        let (t, action) = self.queue.pop()?;
        self.now = t;
        match action {
            Action::Start(c) => self.start(c),
            Action::Rotate(c) => self.rotate(c),
        }
        Some(&self.events)
    }

    /// Runs every step due at or before `t` (at most to the end of the run)
    /// and records the samples up to `t`.
    pub fn run_until(&mut self, t: Time) {
        let t = t.min(self.horizon);
        while self.next_time().is_some_and(|next| next <= t) {
            self.step();
        }
        self.now = self.now.max(t);
        self.sample_through(t);
    }

    /// Runs to the end of the run and returns its trace.
    pub fn finish(mut self) -> Trace {
        self.run_until(self.horizon);
        for c in &mut self.containers {
            c.rotations.shrink_to_fit();
        }
        Trace {
            scenario: self.scenario,
            variant: self.variant,
            containers: self.containers,
            samples: self.samples,
        }
    }

    fn id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn emit(&mut self, container: u32, rotation: u32, kind: EventKind) {
        self.events.push(Event {
            time: self.now,
            container,
            rotation,
            kind,
        });
    }

    /// The counter of the group readers are added to, for container `c`.
    fn reader_group_counter(&self, c: u32, reading: bool) -> u32 {
        let held = u32::from(reading);
        match self.variant {
            // The heartbeat and every reader left behind hold `wg` forever.
            Variant::Buggy => 1 + self.leaked[c as usize] + held,
            Variant::Fixed => held,
        }
    }

    /// `monitorContainer(c)`: the heartbeat, then rotation 1.
    fn start(&mut self, c: u32) {
        let hb = self.id();
        self.containers[c as usize].heartbeat = hb;
        self.counts.heartbeat += 1;
        self.emit(
            c,
            0,
            EventKind::HeartbeatStarted {
                goroutine: hb,
                group: Group::heartbeat(self.variant),
                counter: 1,
            },
        );
        self.open_rotation(c);
    }

    /// `openRotation(c, n)`: a stream, a reader, a timer.
    fn open_rotation(&mut self, c: u32) {
        let reader = self.id();
        let record = &mut self.containers[c as usize];
        record.rotations.push(Rotation::open(reader, self.now));
        let n = record.rotations.len() as u32;
        self.counts.reader += 1;
        let counter = self.reader_group_counter(c, true);
        self.emit(
            c,
            n,
            EventKind::ReaderStarted {
                goroutine: reader,
                group: Group::reader(self.variant),
                counter,
            },
        );
        self.queue
            .push(self.now + self.scenario.rotation(), Action::Rotate(c));
    }

    /// `rotate(c, s, n)` on a fresh goroutine.
    fn rotate(&mut self, c: u32) {
        let ci = c as usize;
        let n = self.containers[ci].rotations.len() as u32;
        let reader = self.containers[ci].rotations[n as usize - 1].reader();
        let waiter = self.id();
        self.emit(c, n, EventKind::RotationDue { goroutine: waiter });
        let failed = self.faults[ci].next().unwrap_or(false);
        let handlers = self.scenario.goroutines_per_reader - 1;
        if failed {
            let first = self.next_id;
            self.next_id += u64::from(handlers);
            self.emit(
                c,
                n,
                EventKind::StreamFailed {
                    first_handler: first,
                    handlers,
                },
            );
        }
        let group = Group::reader(self.variant);
        let outcome = match (self.variant, failed) {
            (Variant::Buggy, true) => {
                // The workaround: no Close, no Wait. Reader and handlers stay.
                self.leaked[ci] += 1;
                self.leaked_total += 1;
                self.counts.handler += u64::from(handlers);
                self.emit(c, n, EventKind::WaitSkipped { reader });
                Outcome::Abandoned
            }
            (Variant::Buggy, false) => {
                self.counts.reader -= 1;
                let counter = self.reader_group_counter(c, false);
                self.emit(
                    c,
                    n,
                    EventKind::StreamClosed {
                        reader,
                        handlers: 0,
                        group,
                        counter,
                    },
                );
                // The heartbeat holds the group: this goroutine never leaves.
                self.counts.waiter += 1;
                self.stalled += 1;
                self.emit(
                    c,
                    n,
                    EventKind::WaitBlocked {
                        goroutine: waiter,
                        group,
                        counter,
                    },
                );
                Outcome::Stalled
            }
            (Variant::Fixed, failed) => {
                self.counts.reader -= 1;
                self.emit(
                    c,
                    n,
                    EventKind::StreamClosed {
                        reader,
                        handlers: if failed { handlers } else { 0 },
                        group,
                        counter: 0,
                    },
                );
                self.emit(
                    c,
                    n,
                    EventKind::WaitReturned {
                        goroutine: waiter,
                        group,
                    },
                );
                if failed {
                    Outcome::FailedClosed
                } else {
                    Outcome::Closed
                }
            }
        };
        self.containers[ci].rotations[n as usize - 1].close(waiter, self.now, outcome);
        if outcome != Outcome::Stalled {
            self.open_rotation(c);
        }
    }

    fn sample_before(&mut self, t: Time) {
        while let Some(m) = self.next_sample_minute() {
            if Time::from_minutes(u64::from(m)) < t {
                self.take_sample(m);
            } else {
                break;
            }
        }
    }

    fn sample_through(&mut self, t: Time) {
        while let Some(m) = self.next_sample_minute() {
            if Time::from_minutes(u64::from(m)) <= t {
                self.take_sample(m);
            } else {
                break;
            }
        }
    }

    fn next_sample_minute(&self) -> Option<u32> {
        let m = self.samples.len() as u32;
        (m <= self.scenario.minutes).then_some(m)
    }

    fn take_sample(&mut self, minute: u32) {
        let counts = self.counts;
        self.samples.push(Sample {
            minute,
            goroutines: counts.total(),
            by_role: counts,
            leaked_readers: self.leaked_total,
            stalled_containers: self.stalled,
            wait_groups: WaitGroups::from_counts(
                self.variant,
                counts.heartbeat,
                counts.reader,
                counts.waiter,
            ),
        });
    }
}

/// Runs `variant` on `scenario` to the end.
///
/// # Errors
///
/// Whatever [`Scenario::validate`] refuses.
pub fn simulate(scenario: &Scenario, variant: Variant) -> Result<Trace, Error> {
    Ok(Sim::new(scenario, variant)?.finish())
}
