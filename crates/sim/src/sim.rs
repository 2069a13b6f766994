//! The engine: runs a monitored program on a virtual clock.

use crate::faults::{ContainerFaults, FaultSchedule};
use crate::life::{self, Rules, Step};
use crate::programs::{OnError, WaitStyle};
use crate::queue::EventQueue;
use crate::record::{ContainerRecord, Outcome, Rotation};
use crate::{Error, Event, Program, Scenario, Time, Trace};

#[derive(Debug, Clone, Copy)]
enum Action {
    /// `monitorContainer(c)`.
    Start(u32),
    /// The current rotation of container `c` falls due: `rotate(c, s, n)`.
    Rotate(u32),
    /// Container `c`'s timed wait gives up: `openRotation(c, n+1)`.
    Reopen(u32),
}

/// A run in progress: one program on a virtual clock.
///
/// Every time [`Sim::step`] is called, the following unfolds:
///
/// 1. The earliest timer is taken from the queue (timers due at the same
///    instant in the order they were set); `Stop()`, when the scenario has
///    one, runs after every timer due at its instant.
/// 2. The program runs at that instant until every goroutine it touched has
///    blocked or exited: a container starts, one container's `rotate()`
///    runs, a timed wait gives up, or `Stop()` runs. What it did comes back
///    as [`Event`]s.
///
/// The engine decides only when rotations fall due and how each ends
/// ([`crate::Outcome`]); counts, dumps and events are derived from those
/// records by one set of rules, the same for [`Trace`] queries and for the
/// events `step` returns.
///
/// [`Sim::run_until`] steps through an instant; [`Sim::finish`] runs to the
/// end and hands over the [`Trace`].
///
/// # Examples
///
/// ```
/// use leakscope_sim::{Program, Scenario, Sim, Time};
///
/// let scenario = Scenario { containers: 2, minutes: 10, ..Scenario::default() };
/// let mut sim = Sim::new(&scenario, Program::BUGGY).unwrap();
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
    rules: Rules,
    horizon: Time,
    now: Time,
    queue: EventQueue<Action>,
    stop_pending: bool,
    faults: Vec<ContainerFaults>,
    containers: Vec<ContainerRecord>,
    /// Readers left behind, per container.
    leaked: Vec<u32>,
    next_id: u64,
    events: Vec<Event>,
}

impl Sim {
    /// A run of `program` on `scenario`, at instant 0 with nothing run yet.
    ///
    /// # Errors
    ///
    /// Whatever [`Scenario::validate`] refuses.
    pub fn new(scenario: &Scenario, program: Program) -> Result<Sim, Error> {
        scenario.validate()?;
        let n = scenario.containers;
        let schedule = FaultSchedule::new(scenario.seed, scenario.error_rate);
        let mut queue = EventQueue::new();
        for c in 0..n {
            queue.push(Time::ZERO, Action::Start(c));
        }
        // Room for every rotation up front when no container can stall: the
        // vectors never reallocate (no transient doubling of the largest
        // allocation).
        let per_container = scenario.rotations_per_container() as usize + 2;
        let capacity = match program.def().wait {
            WaitStyle::Block if program.groups() == crate::programs::Groups::Shared => {
                per_container.min(16)
            }
            _ => per_container,
        };
        Ok(Sim {
            rules: Rules::new(program, scenario),
            horizon: scenario.horizon(),
            now: Time::ZERO,
            queue,
            stop_pending: scenario.stop_at.is_some(),
            faults: (0..n).map(|c| schedule.container(c)).collect(),
            containers: (0..n)
                .map(|_| ContainerRecord {
                    heartbeat: 0,
                    rotations: Vec::with_capacity(capacity),
                })
                .collect(),
            leaked: vec![0; n as usize],
            // Goroutine 1 is main, as in Go, counted or not (a baseline
            // of 0 leaves it out of the counts).
            next_id: u64::from(scenario.baseline_goroutines.max(1)) + 1,
            events: Vec::new(),
            scenario: scenario.clone(),
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

    /// The program running.
    pub fn program(&self) -> Program {
        self.rules.program
    }

    /// The instant of the next step, if one is due before the end.
    pub fn next_time(&self) -> Option<Time> {
        let timer = self.queue.peek_time().filter(|&t| t <= self.horizon);
        let stop = self.scenario.stop().filter(|_| self.stop_pending);
        match (timer, stop) {
            (Some(t), Some(s)) => Some(t.min(s)),
            (t, s) => t.or(s),
        }
    }

    /// Runs the next step and returns what it did, or `None` once nothing
    /// more is due before the end of the run.
    pub fn step(&mut self) -> Option<&[Event]> {
        self.advance(true).then_some(&self.events[..])
    }

    /// Runs the next step, telling its events only when `tell`; false once
    /// nothing more is due before the end of the run.
    fn advance(&mut self, tell: bool) -> bool {
        self.events.clear();
        let Some(t) = self.next_time() else {
            return false;
        };
        let timer_due = self.queue.peek_time().is_some_and(|q| q <= t);
        if !timer_due {
            self.now = t;
            self.stop(tell);
            return true;
        }
        let Some((t, action)) = self.queue.pop() else {
            return false;
        };
        self.now = t;
        let c = match action {
            Action::Start(c) | Action::Rotate(c) | Action::Reopen(c) => c,
        };
        let leaked = self.leaked[c as usize];
        let step = match action {
            Action::Start(c) => self.start(c),
            Action::Rotate(c) => self.rotate(c),
            Action::Reopen(c) => self.reopen(c),
        };
        if tell {
            life::step_events(
                &self.rules,
                c,
                &self.containers[c as usize],
                step,
                leaked,
                &mut self.events,
            );
        }
        true
    }

    /// Runs every step due at or before `t` (at most to the end of the run).
    pub fn run_until(&mut self, t: Time) {
        let t = t.min(self.horizon);
        while self.next_time().is_some_and(|next| next <= t) {
            self.advance(false);
        }
        self.now = self.now.max(t);
    }

    /// Runs to the end of the run and returns its trace.
    pub fn finish(mut self) -> Trace {
        self.run_until(self.horizon);
        for c in &mut self.containers {
            c.rotations.shrink_to_fit();
        }
        Trace::new(self.scenario, self.rules.program, self.containers)
    }

    fn id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// `monitorContainer(c)`: the heartbeat, then rotation 1.
    fn start(&mut self, c: u32) -> Step {
        let hb = self.id();
        self.containers[c as usize].heartbeat = hb;
        self.open_rotation(c);
        Step::Start
    }

    /// `openRotation(c, n)`: a stream, a reader, a timer.
    fn open_rotation(&mut self, c: u32) {
        // `m.docker.Logs(c.id)`: the stream's handlers start with it, just
        // before the reader.
        self.next_id += u64::from(self.rules.handlers);
        let reader = self.id();
        let rotation = self.scenario.rotation();
        let fail = self.faults[c as usize].next_fault().map(|f| {
            self.now + Time::from_secs(u64::from(f.offset_secs(self.scenario.rotation_secs)))
        });
        self.containers[c as usize]
            .rotations
            .push(Rotation::open(reader, self.now, fail));
        self.queue.push(self.now + rotation, Action::Rotate(c));
    }

    /// `rotate(c, s, n)` on a fresh goroutine: the one place where a
    /// program's rules decide how a rotation ends.
    fn rotate(&mut self, c: u32) -> Step {
        let ci = c as usize;
        let n = self.containers[ci].rotations.len() as u32;
        let failed = self.containers[ci].rotations[n as usize - 1]
            .fail_at()
            .is_some_and(|f| f <= self.now);
        let waiter = self.id();
        let def = self.rules.program.def();
        let outcome = if failed && def.on_error == OnError::SkipCloseAndWait {
            // The workaround: no Close, no Wait. Reader and handlers stay.
            self.leaked[ci] += 1;
            Outcome::Abandoned
        } else if self.rules.base(self.leaked[ci]) == 0 {
            // Closed; the reader's Done() took the group to zero.
            Outcome::Closed
        } else {
            match def.wait {
                WaitStyle::Block => Outcome::Stalled,
                WaitStyle::Timeout { .. } => {
                    let _helper = self.id();
                    Outcome::TimedOut
                }
            }
        };
        self.containers[ci].rotations[n as usize - 1].close(waiter, self.now, outcome);
        match outcome {
            Outcome::Abandoned | Outcome::Closed => self.open_rotation(c),
            Outcome::TimedOut => {
                let at = self.now + self.rules.timeout.unwrap_or(Time::ZERO);
                self.queue.push(at, Action::Reopen(c));
            }
            _ => {}
        }
        Step::Rotate(n)
    }

    /// The timed wait of container `c`'s last rotation gives up.
    fn reopen(&mut self, c: u32) -> Step {
        let n = self.containers[c as usize].rotations.len() as u32;
        // After Stop() the context is cancelled: openRotation opens nothing.
        if !self.stopped() {
            self.open_rotation(c);
        }
        Step::Timeout(n)
    }

    fn stopped(&self) -> bool {
        self.scenario.stop_at.is_some() && !self.stop_pending
    }

    /// `Stop()`: cancel, then stop every timer and close every current
    /// stream (container order), then wait on every container's groups.
    fn stop(&mut self, tell: bool) {
        self.stop_pending = false;
        let now = self.now;
        // Timers: no rotation falls due after this. A timed wait whose group
        // reaches zero now wakes now; one still held wakes at its timeout
        // and opens nothing (the context is cancelled).
        let leaked = &self.leaked;
        self.queue
            .retain(|a| matches!(a, Action::Reopen(c) if leaked[*c as usize] > 0));
        let mut hung = false;
        for (ci, rec) in self.containers.iter_mut().enumerate() {
            if let Some(last) = rec.rotations.last_mut()
                && last.outcome() == Outcome::Open
            {
                last.close(0, now, Outcome::Stopped);
            }
            let first_hung = !hung && self.leaked[ci] > 0;
            hung |= first_hung;
            if tell {
                life::step_events(
                    &self.rules,
                    ci as u32,
                    rec,
                    Step::Stop { first_hung },
                    self.leaked[ci],
                    &mut self.events,
                );
            }
        }
    }
}

/// Runs `program` on `scenario` to the end.
///
/// # Errors
///
/// Whatever [`Scenario::validate`] refuses.
pub fn simulate(scenario: &Scenario, program: Program) -> Result<Trace, Error> {
    Ok(Sim::new(scenario, program)?.finish())
}
