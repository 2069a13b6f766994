//! Goroutines left behind, as intervals: what a face draws as bands.

use serde::{Deserialize, Serialize};

use crate::life::{self, Rules};
use crate::{Error, Role, Time, Trace};

/// One goroutine left behind: a reader (or handler) whose stream nobody
/// will close, a `rotate()` blocked in `Wait()`, or a timed wait's helper.
///
/// # Examples
///
/// ```
/// use leakscope_sim::{Preset, Program, Role, Time, simulate};
///
/// let trace = simulate(&Preset::Fase3.scenario(), Program::WAIT_TIMEOUT).unwrap();
/// let stuck = trace.stuck_of(0).unwrap();
/// // One helper per rotation (at 5:00 and 10:00), blocked for good.
/// assert!(stuck.iter().all(|s| s.role == Role::Helper && s.until.is_none()));
/// assert_eq!(stuck[0].from, Time::from_minutes(5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stuck {
    /// The goroutine's id.
    pub id: u64,
    /// Its role: reader, handler, waiter or helper.
    pub role: Role,
    /// The rotation it belongs to (from 1).
    pub rotation: u32,
    /// From when it is left behind.
    pub from: Time,
    /// When it exits after all (`Stop()` released its group), if it does
    /// within the run.
    pub until: Option<Time>,
}

impl Trace {
    /// Every goroutine of container `index` that is left behind at some
    /// instant of the run, in the order the program started them.
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchContainer`].
    pub fn stuck_of(&self, index: u32) -> Result<Vec<Stuck>, Error> {
        let rec = self
            .containers
            .get(index as usize)
            .ok_or(Error::NoSuchContainer {
                index,
                count: self.scenario.containers,
            })?;
        let rules = Rules::new(self.program, &self.scenario);
        let end = self.end();
        let mut out = Vec::new();
        life::lives(&rules, rec, end, |l| {
            let Some(from) = l.stuck_from.filter(|&f| f <= end) else {
                return;
            };
            if l.exit.is_none_or(|e| e > from) {
                out.push(Stuck {
                    id: l.id,
                    role: l.role,
                    rotation: l.rotation,
                    from,
                    until: l.exit.filter(|&e| e <= end),
                });
            }
        });
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Preset, Program, Role, Scenario, Time, simulate};

    #[test]
    fn stuck_goroutines_are_the_ones_the_counts_call_left_behind() {
        let s = Preset::Fase6.scenario();
        for p in Program::ALL {
            let trace = simulate(&s, p).unwrap();
            for m in [0u64, 17, 58] {
                let t = Time::from_minutes(m);
                let alive = |x: &super::Stuck| x.from <= t && x.until.is_none_or(|u| t < u);
                let (mut readers, mut stalled) = (0, 0);
                for c in 0..s.containers {
                    for x in trace.stuck_of(c).unwrap().iter().filter(|x| alive(x)) {
                        readers += u64::from(x.role == Role::Reader);
                        stalled += u64::from(x.role == Role::Waiter);
                    }
                }
                let sample = &trace.samples()[m as usize];
                assert_eq!(readers, sample.leaked_readers, "{p} minute {m}");
                assert_eq!(stalled, sample.stalled_containers, "{p} minute {m}");
            }
        }
    }

    #[test]
    fn stop_releases_what_it_can_and_nothing_else() {
        let s = Scenario {
            stop_at: Some(30),
            ..Preset::Fase6.scenario()
        };
        let stop = Time::from_minutes(30);
        let helpers = simulate(&s, Program::WAIT_TIMEOUT).unwrap();
        for x in helpers.stuck_of(0).unwrap() {
            assert_eq!(x.until, Some(stop), "helpers wake when Stop() empties wg");
        }
        let buggy = simulate(&s, Program::BUGGY).unwrap();
        let hung = buggy.stop().unwrap().hangs_on.unwrap();
        let readers = buggy.stuck_of(hung).unwrap();
        assert!(
            readers
                .iter()
                .any(|x| x.role == Role::Reader && x.until.is_none()),
            "a reader left behind never exits"
        );
        assert!(buggy.stuck_of(99).is_err());
    }
}
