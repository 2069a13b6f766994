//! What the engine writes down: one compact record per rotation.

use serde::{Deserialize, Serialize};

use crate::Time;

/// How a rotation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Not yet due when the run ended: its reader is the container's
    /// current one.
    Open,
    /// Due; closed, and `Wait()` returned at once; the next rotation opened.
    Closed,
    /// Due with a failed stream; neither closed nor waited for: reader and
    /// handlers left behind for good; the next rotation opened (the seed's
    /// workaround).
    Abandoned,
    /// Due; closed, then `Wait()` blocked: no further rotation.
    Stalled,
    /// Due; closed, then the wait gave up after its timeout, leaving its
    /// helper blocked in `Wait()`; the next rotation opened after the
    /// timeout.
    TimedOut,
    /// Closed by `Stop()` before it fell due.
    Stopped,
}

impl Outcome {
    /// Whether the rotation fell due during the run (its `rotate()` ran).
    pub const fn due(self) -> bool {
        !matches!(self, Outcome::Open | Outcome::Stopped)
    }
}

/// One rotation of one container, compactly (times in milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rotation {
    reader: u32,
    waiter: u32,
    start: u32,
    end: u32,
    fail: u32,
    outcome: Outcome,
}

impl Rotation {
    pub(crate) fn open(reader: u64, start: Time, fail: Option<Time>) -> Rotation {
        Rotation {
            reader: reader as u32,
            waiter: 0,
            start: start.as_millis() as u32,
            end: u32::MAX,
            fail: fail.map_or(u32::MAX, |f| f.as_millis() as u32),
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

    /// The id of the goroutine that ran `rotate()`, once due. The helper of
    /// a timed wait takes the id right after it. (The stream's handlers
    /// take the ids right before the reader's.)
    pub fn waiter(&self) -> Option<u64> {
        self.outcome.due().then_some(u64::from(self.waiter))
    }

    /// When the stream opened and the reader started.
    pub fn start(&self) -> Time {
        Time(u64::from(self.start))
    }

    /// When the rotation fell due (or `Stop()` closed it), if it did.
    pub fn end(&self) -> Option<Time> {
        (self.outcome != Outcome::Open).then_some(Time(u64::from(self.end)))
    }

    /// When its stream stops delivering lines, if it fails: within the
    /// rotation, before it falls due.
    pub fn fail_at(&self) -> Option<Time> {
        (self.fail != u32::MAX).then_some(Time(u64::from(self.fail)))
    }

    /// Whether `rotate()` found the stream failed.
    pub fn failed(&self) -> bool {
        self.outcome.due() && self.fail != u32::MAX
    }

    /// How it ended.
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// The instant up to which the stream delivers lines (exclusive): its
    /// failure or its close, whichever comes first; `None` while it still
    /// delivers.
    pub fn delivers_until(&self) -> Option<Time> {
        let closed = match self.outcome {
            Outcome::Open | Outcome::Abandoned => None,
            _ => self.end(),
        };
        match (self.fail_at(), closed) {
            (Some(f), Some(c)) => Some(f.min(c)),
            (f, c) => f.or(c),
        }
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
    pub(crate) fn started_by(&self, t: Time) -> &[Rotation] {
        let n = self.rotations.partition_point(|r| r.start() <= t);
        &self.rotations[..n]
    }

    /// The record this container would have if `Stop()` ran at `t` (after
    /// every timer due at `t`, as the engine runs it): the rotations started
    /// by `t`, the one still open at `t` closed by `Stop()`. Up to `Stop()`
    /// the program does the same whenever it comes, so a run without
    /// `Stop()` tells what any `Stop()` would find.
    pub(crate) fn stopped_at(&self, t: Time) -> ContainerRecord {
        let mut rotations = self.started_by(t).to_vec();
        if let Some(last) = rotations.last_mut()
            && last.end().is_none_or(|e| e > t)
        {
            last.close(0, t, Outcome::Stopped);
        }
        ContainerRecord {
            heartbeat: self.heartbeat,
            rotations,
        }
    }

    /// Readers left behind by `t`.
    pub fn abandoned_by(&self, t: Time) -> u32 {
        self.rotations
            .iter()
            .take_while(|r| r.start() <= t)
            .filter(|r| r.outcome == Outcome::Abandoned && r.end().is_some_and(|e| e <= t))
            .count() as u32
    }

    /// When its rotation got stuck in `Wait()`, if it did.
    pub fn stalled_at(&self) -> Option<Time> {
        self.rotations
            .last()
            .filter(|r| r.outcome == Outcome::Stalled)
            .and_then(Rotation::end)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Preset, Program, Scenario, simulate};

    /// Every container's record of a run without `Stop()`, cut at a minute,
    /// is the record of the run that calls `Stop()` then: for every
    /// program, with rotations that fall due on the minute (5 min), in
    /// between (90 s), and timed waits that wake after it.
    #[test]
    fn a_record_cut_at_stop_is_the_record_of_the_run_with_stop() {
        let scenarios = [
            Preset::Fase6.scenario(),
            Preset::Fase3.scenario(),
            Scenario {
                containers: 12,
                minutes: 40,
                rotation_secs: 90,
                error_rate: 0.5,
                seed: 7,
                ..Scenario::default()
            },
        ];
        for s in scenarios {
            for p in Program::ALL {
                let open = simulate(
                    &Scenario {
                        stop_at: None,
                        ..s.clone()
                    },
                    p,
                )
                .unwrap();
                let minutes = [0, 1, 5, 17, s.minutes / 2, s.minutes];
                for m in minutes.into_iter().filter(|&m| m <= s.minutes) {
                    let stopped = Scenario {
                        stop_at: Some(m),
                        ..s.clone()
                    };
                    let with_stop = simulate(&stopped, p).unwrap();
                    let t = stopped.stop().unwrap();
                    for (i, rec) in open.containers().iter().enumerate() {
                        assert_eq!(
                            rec.stopped_at(t),
                            with_stop.containers()[i],
                            "{p}, stop at minute {m}, container {i}"
                        );
                    }
                }
            }
        }
    }
}
