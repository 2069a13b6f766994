//! The record of one run, and every question a face asks of it.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::code::{Anchor, file_name};
use crate::event::Event;
use crate::goroutine::{Goroutine, Role, RoleCounts, State};
use crate::life::{self, Life, Rules, Step};
use crate::lines::LineClock;
use crate::record::ContainerRecord;
use crate::sample::{Counts, Sample, StopOutcome, WaitGroups};
use crate::{Analysis, Error, Program, Scenario, Time};

/// One container at a moment of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerView {
    /// The container's index.
    pub index: u32,
    /// The latest rotation started by now (from 1).
    pub rotation: u32,
    /// Readers of failed streams left behind.
    pub leaked_readers: u32,
    /// When its rotation got stuck in `Wait()`, if it is stuck now.
    pub stalled_since: Option<Time>,
    /// Its WaitGroups now.
    pub wait_groups: WaitGroups,
    /// Live goroutines serving it.
    pub goroutines: u64,
    /// Log lines it has read so far.
    pub lines_read: u64,
    /// Whether it read no line during the last rotation period.
    pub silent: bool,
    /// The program line it sits on: blocked in `Wait()`, in a timed wait,
    /// stopped, or waiting for the rotation timer.
    pub anchor: Anchor,
}

/// The whole run at one instant: what a scrubbing face shows. Its
/// [`Counts`] are read through `Deref` (`snapshot.goroutines`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The instant.
    pub time: Time,
    /// What a counter reads then.
    #[serde(flatten)]
    pub counts: Counts,
}

impl std::ops::Deref for Snapshot {
    type Target = Counts;
    fn deref(&self) -> &Counts {
        &self.counts
    }
}

/// The record of one program run on one scenario: every goroutine's life,
/// every rotation's outcome and a sample per minute.
///
/// # Examples
///
/// ```
/// use leakscope_sim::{Preset, Program, Time, simulate};
///
/// let trace = simulate(&Preset::Fase6.scenario(), Program::FIXED).unwrap();
/// assert_eq!(trace.samples()[0].goroutines, 220);
/// let now = trace.snapshot(Time::from_minutes(30)).unwrap();
/// assert_eq!(now.goroutines, trace.samples()[30].goroutines);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub(crate) scenario: Scenario,
    pub(crate) program: Program,
    pub(crate) containers: Vec<ContainerRecord>,
    pub(crate) samples: Vec<Sample>,
    pub(crate) stop: Option<StopOutcome>,
}

/// Per-minute tallies, kept as differences: `add(from, to, k)` adds `k` to
/// every minute in `from..to`.
struct Tally(Vec<i64>);

impl Tally {
    fn new(minutes: u32) -> Tally {
        Tally(vec![0; minutes as usize + 2])
    }

    fn add(&mut self, from: usize, to: usize, k: i64) {
        let last = self.0.len() - 1;
        let (from, to) = (from.min(last), to.min(last));
        if from < to {
            self.0[from] += k;
            self.0[to] -= k;
        }
    }

    /// Adds `k` to the minutes at which a life spawned at `spawn` and
    /// exiting at `exit` is alive (a sample at an instant is taken after
    /// every event at it).
    fn life(&mut self, spawn: Time, exit: Option<Time>, k: i64) {
        let from = spawn.as_millis().div_ceil(60_000) as usize;
        let to = exit.map_or(usize::MAX, |e| e.as_millis().div_ceil(60_000) as usize);
        self.add(from, to, k);
    }

    fn values(&self) -> Vec<u64> {
        let mut acc = 0i64;
        self.0[..self.0.len() - 1]
            .iter()
            .map(|d| {
                acc += d;
                acc.max(0) as u64
            })
            .collect()
    }
}

/// What `Stop()`, called at `minute` (`rules.stop`), did: from the records
/// of a run that calls it then.
fn stop_outcome<R: Borrow<ContainerRecord>>(
    rules: &Rules,
    minute: u32,
    records: impl IntoIterator<Item = R>,
) -> StopOutcome {
    let stop = rules.stop.unwrap_or(Time::ZERO);
    let mut left = 0;
    let mut hangs_on = None;
    let mut hung = 0;
    for (i, rec) in records.into_iter().enumerate() {
        let rec = rec.borrow();
        if life::released(rules, rec) == Some(false) {
            hung += 1;
            hangs_on.get_or_insert(i as u32);
        }
        life::lives(rules, rec, stop, |l| left += u64::from(l.alive_at(stop)));
    }
    StopOutcome {
        minute,
        returned: hangs_on.is_none(),
        left,
        hangs_on,
        hung_containers: hung,
    }
}

impl Trace {
    pub(crate) fn new(
        scenario: Scenario,
        program: Program,
        containers: Vec<ContainerRecord>,
    ) -> Trace {
        let mut trace = Trace {
            scenario,
            program,
            containers,
            samples: Vec::new(),
            stop: None,
        };
        trace.stop = trace.compute_stop();
        trace.samples = trace.compute_samples();
        trace
    }

    fn rules(&self) -> Rules {
        Rules::new(self.program, &self.scenario)
    }

    fn clock(&self) -> LineClock {
        LineClock::new(self.scenario.lines_per_min)
    }

    /// Every sample, from the records: the lives and line intervals of every
    /// container added up per minute.
    fn compute_samples(&self) -> Vec<Sample> {
        let minutes = self.scenario.minutes;
        let rules = self.rules();
        let clock = self.clock();
        let period = self.scenario.rotation();
        let roles = Role::ALL.map(|_| Tally::new(minutes));
        let mut roles = roles;
        let mut leaked = Tally::new(minutes);
        let mut stalled = Tally::new(minutes);
        let mut group_waiters = Tally::new(minutes);
        let mut lines_done = Tally::new(minutes);
        let mut heard = Tally::new(minutes);
        // Streams still reading at a sample count `before(m) − before(s)`:
        // the number of such streams and the sum of their `before(s)`.
        let mut reading = Tally::new(minutes);
        let mut reading_from = Tally::new(minutes);
        let end = self.end();
        for rec in &self.containers {
            life::lives(&rules, rec, end, |l| {
                let role = Role::ALL.iter().position(|r| *r == l.role).unwrap_or(0);
                roles[role].life(l.spawn, l.exit, 1);
                if let (Role::Reader, Some(from)) = (l.role, l.stuck_from) {
                    leaked.life(from, l.exit, 1);
                }
                if l.waits_on.is_some() {
                    group_waiters.life(l.spawn, l.exit, 1);
                }
                if l.stalls() {
                    stalled.life(l.spawn, l.exit, 1);
                }
            });
            let mut heard_until = 0usize;
            for r in rec.rotations() {
                let s = r.start();
                let d = r.delivers_until().unwrap_or(Time::MAX).min(end);
                if d <= s {
                    continue;
                }
                // Lines read by each sample inside the interval, then all of
                // them from the first sample at or after its end.
                let first = s.as_millis().div_ceil(60_000) as usize;
                let done = d.as_millis().div_ceil(60_000) as usize;
                let before_s = clock.before(s);
                reading.add(first, done, 1);
                reading_from.add(first, done, before_s as i64);
                lines_done.add(done, usize::MAX, (clock.before(d) - before_s) as i64);
                // Minutes at which this stream's lines keep the container
                // from being silent, merged with the previous stream's.
                clock.heard(s, d, period, |a, b| {
                    let from = (a.as_millis() / 60_000 + 1).max(heard_until as u64) as usize;
                    let to = (b.as_millis() / 60_000 + 1) as usize;
                    heard.add(from, to, 1);
                    heard_until = heard_until.max(to);
                });
            }
        }
        let roles: Vec<Vec<u64>> = roles.iter().map(Tally::values).collect();
        let (leaked, stalled, group_waiters) =
            (leaked.values(), stalled.values(), group_waiters.values());
        let (lines_done, heard) = (lines_done.values(), heard.values());
        let (reading, reading_from) = (reading.values(), reading_from.values());
        let lines_partial: Vec<u64> = (0..=minutes as usize)
            .map(|m| {
                let at = clock.before(Time::from_minutes(m as u64));
                (reading[m] * at).saturating_sub(reading_from[m])
            })
            .collect();
        let n = u64::from(self.scenario.containers);
        (0..=minutes)
            .map(|m| {
                let i = m as usize;
                let by_role = RoleCounts {
                    system: u64::from(self.scenario.baseline_goroutines),
                    heartbeat: roles[1][i],
                    reader: roles[2][i],
                    handler: roles[3][i],
                    waiter: roles[4][i],
                    helper: roles[5][i],
                };
                let t = Time::from_minutes(u64::from(m));
                Sample {
                    minute: m,
                    counts: Counts {
                        goroutines: by_role.total(),
                        by_role,
                        leaked_readers: leaked[i],
                        stalled_containers: stalled[i],
                        lines_read: lines_done[i] + lines_partial[i],
                        silent_containers: if t >= period { n - heard[i].min(n) } else { 0 },
                        wait_groups: WaitGroups::of(
                            &rules,
                            by_role.heartbeat,
                            by_role.reader,
                            group_waiters[i] + self.stop_caller_waits(None, t),
                        ),
                    },
                }
            })
            .collect()
    }

    fn compute_stop(&self) -> Option<StopOutcome> {
        let minute = self.scenario.stop_at?;
        Some(stop_outcome(&self.rules(), minute, &self.containers))
    }

    /// What `Stop()` called at `minute` would do in this run: the
    /// [`StopOutcome`] of the same scenario run with `stop_at:
    /// Some(minute)`, without running it again (up to `Stop()` the program
    /// does the same whenever it comes). `None` when `minute` is past the
    /// end, or when this run calls `Stop()` at another minute (after it,
    /// the records no longer say what the program would have done).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakscope_sim::{Preset, Program, Scenario, simulate};
    ///
    /// let open = simulate(&Preset::Fase6.scenario(), Program::BUGGY).unwrap();
    /// let stopped = Scenario { stop_at: Some(30), ..Preset::Fase6.scenario() };
    /// let run = simulate(&stopped, Program::BUGGY).unwrap();
    /// assert_eq!(open.stop_outcome_at(30), run.stop().copied());
    /// ```
    pub fn stop_outcome_at(&self, minute: u32) -> Option<StopOutcome> {
        if minute > self.scenario.minutes {
            return None;
        }
        if let Some(at) = self.scenario.stop_at {
            return self.stop.filter(|_| at == minute);
        }
        let stop = Time::from_minutes(u64::from(minute));
        let rules = Rules {
            stop: Some(stop),
            ..self.rules()
        };
        let records = self.containers.iter().map(|rec| rec.stopped_at(stop));
        Some(stop_outcome(&rules, minute, records))
    }

    /// 1 when, at `t`, the goroutine that called `Stop()` is blocked in
    /// `Wait()` on the reader group of `container` (of any container, for
    /// `None`): it is not one of the program's goroutines, yet the group
    /// counts it among its waiters (Go confirmed: the WaitGroup's own
    /// waiter count includes it).
    fn stop_caller_waits(&self, container: Option<u32>, t: Time) -> u64 {
        let Some(stop) = self.scenario.stop() else {
            return 0;
        };
        let on = self.stop.as_ref().and_then(|o| o.hangs_on);
        u64::from(t >= stop && on.is_some() && (container.is_none() || container == on))
    }

    /// The scenario run.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The program run.
    pub fn program(&self) -> Program {
        self.program
    }

    /// The end of the run.
    pub fn end(&self) -> Time {
        self.scenario.horizon()
    }

    /// One sample per minute, minute 0 to the last.
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// What `Stop()` did, when the scenario calls it.
    pub fn stop(&self) -> Option<&StopOutcome> {
        self.stop.as_ref()
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

    /// Lines one container has read by `t`, and whether it read none in the
    /// last rotation period.
    fn lines_of(&self, rec: &ContainerRecord, t: Time) -> (u64, bool) {
        let clock = self.clock();
        let period = self.scenario.rotation();
        let mut lines = 0;
        let mut recent = 0;
        let from = Time(t.as_millis().saturating_sub(period.as_millis()));
        for r in rec.started_by(t) {
            let d = r.delivers_until().unwrap_or(Time::MAX).min(t);
            if d > r.start() {
                lines += clock.between(r.start(), d);
                if d > from {
                    recent += clock.between(r.start().max(from), d);
                }
            }
        }
        (lines, t >= period && recent == 0)
    }

    /// The run at instant `t`, after every event due at `t`.
    ///
    /// # Errors
    ///
    /// [`Error::PastEnd`] when `t` is after the end of the run.
    pub fn snapshot(&self, t: Time) -> Result<Snapshot, Error> {
        self.check_time(t)?;
        let rules = self.rules();
        let mut by_role = RoleCounts {
            system: u64::from(self.scenario.baseline_goroutines),
            ..RoleCounts::default()
        };
        let (mut leaked, mut stalled, mut waiters) = (0, 0, 0);
        let (mut lines_read, mut silent) = (0, 0);
        for rec in &self.containers {
            life::lives(&rules, rec, t, |l| {
                if l.alive_at(t) {
                    *by_role.get_mut(l.role) += 1;
                    leaked += u64::from(l.left_behind_reader_at(t));
                    waiters += u64::from(l.waits_on.is_some());
                    stalled += u64::from(l.stalls());
                }
            });
            let (lines, quiet) = self.lines_of(rec, t);
            lines_read += lines;
            silent += u64::from(quiet);
        }
        Ok(Snapshot {
            time: t,
            counts: Counts {
                goroutines: by_role.total(),
                by_role,
                leaked_readers: leaked,
                stalled_containers: stalled,
                lines_read,
                silent_containers: silent,
                wait_groups: WaitGroups::of(
                    &rules,
                    by_role.heartbeat,
                    by_role.reader,
                    waiters + self.stop_caller_waits(None, t),
                ),
            },
        })
    }

    /// One container at instant `t`.
    ///
    /// # Errors
    ///
    /// [`Error::PastEnd`] or [`Error::NoSuchContainer`].
    pub fn container_at(&self, index: u32, t: Time) -> Result<ContainerView, Error> {
        self.check_time(t)?;
        let rec = self.check_container(index)?;
        let rules = self.rules();
        let mut by_role = RoleCounts::default();
        let (mut leaked, mut waiters, mut stalled_since, mut timed_wait) = (0, 0, None, false);
        life::lives(&rules, rec, t, |l| {
            if l.alive_at(t) {
                *by_role.get_mut(l.role) += 1;
                leaked += u32::from(l.left_behind_reader_at(t));
                waiters += u64::from(l.waits_on.is_some());
                if l.stalls() {
                    stalled_since = Some(l.spawn);
                }
                timed_wait |= l.in_timed_wait();
            }
        });
        let stopped = self.scenario.stop().is_some_and(|s| s <= t);
        let (lines_read, silent) = self.lines_of(rec, t);
        Ok(ContainerView {
            index,
            rotation: rec.started_by(t).len() as u32,
            leaked_readers: leaked,
            stalled_since,
            wait_groups: WaitGroups::of(
                &rules,
                by_role.heartbeat,
                by_role.reader,
                waiters + self.stop_caller_waits(Some(index), t),
            ),
            goroutines: by_role.total(),
            lines_read,
            silent,
            anchor: if stalled_since.is_some() {
                Anchor::Wait
            } else if timed_wait {
                Anchor::TimeoutSelect
            } else if stopped {
                Anchor::StopWait
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
        let rules = self.rules();
        let beat = self.scenario.heartbeat().as_millis().max(1);
        for (index, rec) in selected {
            life::lives(&rules, rec, t, |l: Life| {
                if !l.alive_at(t) {
                    return;
                }
                // When it last blocked, as Go's dump counts its minutes: the
                // heartbeat at its last tick; a reader when its stream
                // failed, or (reading lines) at its last line; the others
                // when they started, which is when they blocked.
                let since = match l.role {
                    Role::Heartbeat => Time(t.as_millis() / beat * beat),
                    Role::Reader => {
                        let failed = rec
                            .rotations
                            .get((l.rotation as usize).wrapping_sub(1))
                            .and_then(|r| r.fail_at())
                            .filter(|&f| f <= t);
                        match failed {
                            Some(f) => f.max(l.spawn),
                            None if self.scenario.lines_per_min > 0 => {
                                let gap =
                                    60_000u64.div_ceil(u64::from(self.scenario.lines_per_min));
                                Time(t.as_millis().saturating_sub(gap).max(l.spawn.as_millis()))
                            }
                            None => l.spawn,
                        }
                    }
                    _ => l.spawn,
                };
                out.push(Goroutine {
                    id: l.id,
                    role: l.role,
                    container: Some(index),
                    rotation: (l.rotation > 0).then_some(l.rotation),
                    state: l.state,
                    since,
                    spawned: l.spawn,
                    stuck: l.stuck_at(t),
                });
            });
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
        let rec = self.check_container(index)?;
        let rules = self.rules();
        let mut steps = life::steps(&rules, rec);
        if let Some(stop) = self.scenario.stop() {
            let first_hung = self.stop.and_then(|s| s.hangs_on) == Some(index);
            steps.push((stop, Step::Stop { first_hung }));
        }
        // Stop() runs after every timer due at its instant.
        steps.sort_by_key(|(t, s)| (*t, matches!(s, Step::Stop { .. })));
        let mut out = Vec::new();
        let mut leaked = 0;
        for (t, step) in steps {
            if t <= self.end() {
                life::step_events(&rules, index, rec, step, leaked, &mut out);
            }
            if let Step::Rotate(n) = step {
                leaked +=
                    u32::from(rec.rotations[n as usize - 1].outcome() == crate::Outcome::Abandoned);
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
        // keeps the order containers were started in), and Stop() after
        // every timer; a stable sort keeps each container's own order.
        out.sort_by_key(|e| {
            (
                e.time,
                matches!(e.kind, crate::EventKind::Stopped { .. }),
                e.container,
            )
        });
        out
    }

    /// A 64-bit FNV-1a hash of the whole trace, equal on every platform for
    /// equal traces: the cheap way to compare a native and a wasm32 run.
    pub fn fingerprint(&self) -> u64 {
        let mut h = Fnv64::default();
        let s = &self.scenario;
        s.containers.hash(&mut h);
        s.minutes.hash(&mut h);
        s.rotation_secs.hash(&mut h);
        s.heartbeat_secs.hash(&mut h);
        s.error_rate.to_bits().hash(&mut h);
        s.goroutines_per_reader.hash(&mut h);
        s.baseline_goroutines.hash(&mut h);
        s.seed.hash(&mut h);
        s.lines_per_min.hash(&mut h);
        s.stop_at.hash(&mut h);
        self.program.name().hash(&mut h);
        self.containers.hash(&mut h);
        self.samples.hash(&mut h);
        self.stop.hash(&mut h);
        h.finish()
    }

    /// The file name dumps give this program.
    pub fn file_name(&self) -> &'static str {
        file_name(self.program)
    }

    /// The goroutine count as a step function: `(t, count)` at minute 0 and
    /// at every later instant the count changes, in time order, up to the
    /// end of the run. Between two points the count is flat, so a chart
    /// can draw steps at the events instead of lines between the minute
    /// samples; at every whole minute it equals the sample's count.
    pub fn count_steps(&self) -> Vec<(Time, u64)> {
        let rules = self.rules();
        let end = self.end();
        let mut delta: std::collections::BTreeMap<Time, i64> = Default::default();
        for rec in &self.containers {
            life::lives(&rules, rec, end, |l| {
                if l.spawn > end {
                    return;
                }
                *delta.entry(l.spawn).or_default() += 1;
                if let Some(e) = l.exit.filter(|&e| e <= end) {
                    *delta.entry(e).or_default() -= 1;
                }
            });
        }
        let mut count = i64::from(self.scenario.baseline_goroutines);
        let mut out = vec![(Time::ZERO, count.max(0) as u64)];
        for (t, d) in delta {
            if d == 0 {
                continue;
            }
            count += d;
            let point = (t, count.max(0) as u64);
            match out.last_mut() {
                Some(last) if last.0 == t => *last = point,
                _ => out.push(point),
            }
        }
        out
    }

    /// The instant of the first event strictly after `t`, if any.
    pub fn next_event_time(&self, t: Time) -> Option<Time> {
        let rules = self.rules();
        let stop = self.scenario.stop().filter(|&s| s > t);
        self.containers
            .iter()
            .filter_map(|rec| {
                life::steps(&rules, rec)
                    .into_iter()
                    .map(|(at, _)| at)
                    .find(|&at| at > t && at <= self.end())
            })
            .chain(stop)
            .min()
    }

    /// The instant of the last event strictly before `t`, if any.
    pub fn prev_event_time(&self, t: Time) -> Option<Time> {
        if t == Time::ZERO {
            return None;
        }
        let rules = self.rules();
        let stop = self.scenario.stop().filter(|&s| s < t);
        self.containers
            .iter()
            .map(|rec| {
                life::steps(&rules, rec)
                    .into_iter()
                    .map(|(at, _)| at)
                    .filter(|&at| at < t)
                    .max()
                    .unwrap_or(Time::ZERO)
            })
            .chain(stop)
            .max()
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
