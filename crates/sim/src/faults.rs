//! The stream faults of a run, drawn from its seed.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::Scenario;

/// Which rotations' streams fail, for every container of a run.
///
/// Each container reads its own ChaCha8 stream (stream number = container
/// index) of the generator seeded with the scenario's seed, one `u64` per
/// rotation. ChaCha8 gives the same numbers on every platform, so a seed means
/// the same faults natively, in the browser and in the real monitor's
/// synthetic source. The buggy and fixed variants draw the same numbers: a
/// rotation fails in both or in neither.
///
/// # Examples
///
/// ```
/// use leakscope_sim::FaultSchedule;
///
/// let faults = FaultSchedule::new(7, 0.5);
/// let first: Vec<bool> = faults.container(3).take(4).collect();
/// let again: Vec<bool> = (1..=4).map(|n| faults.fails(3, n)).collect();
/// assert_eq!(first, again);
/// ```
#[derive(Debug, Clone)]
pub struct FaultSchedule {
    seed: u64,
    threshold: u64,
}

impl FaultSchedule {
    /// The faults for `seed` where each rotation fails with probability
    /// `error_rate` (clamped to 0..=1).
    pub fn new(seed: u64, error_rate: f64) -> FaultSchedule {
        let p = if error_rate.is_nan() {
            0.0
        } else {
            error_rate.clamp(0.0, 1.0)
        };
        // 53 bits of each draw are compared with p × 2^53: exact for p = 0 and
        // p = 1, and free of platform-dependent float rounding in between.
        let threshold = (p * (1u64 << 53) as f64) as u64;
        FaultSchedule { seed, threshold }
    }

    /// Whether rotation `n` (from 1) of `container` fails.
    pub fn fails(&self, container: u32, n: u64) -> bool {
        self.fault(container, n).is_some()
    }

    /// Rotation `n` (from 1) of `container`: `None` when its stream stays
    /// healthy, else the [`Fault`] with the instant it stops delivering.
    pub fn fault(&self, container: u32, n: u64) -> Option<Fault> {
        let mut rng = self.rng(container);
        // Each rotation uses one u64, that is two 32-bit words.
        rng.set_word_pos(u128::from(n.saturating_sub(1)) * 2);
        Fault::of(rng.next_u64(), self.threshold)
    }

    /// The faults of `container`'s rotations 1, 2, 3, … in order.
    pub fn container(&self, container: u32) -> ContainerFaults {
        ContainerFaults {
            rng: self.rng(container),
            threshold: self.threshold,
        }
    }

    fn rng(&self, container: u32) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(u64::from(container));
        rng
    }
}

/// A stream that fails: when, within its rotation, it stops delivering.
///
/// The same draw that decides the failure places it: a draw `u` below the
/// threshold `t` fails, at the fraction `u / t` of the rotation (uniform,
/// whole seconds, exact integer arithmetic on every platform).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fault {
    draw: u64,
    threshold: u64,
}

impl Fault {
    fn of(draw: u64, threshold: u64) -> Option<Fault> {
        let draw = draw >> 11;
        (draw < threshold).then_some(Fault { draw, threshold })
    }

    /// Seconds after its stream opened at which a stream of a rotation of
    /// `rotation_secs` stops delivering lines: from 0 to `rotation_secs − 1`.
    pub fn offset_secs(self, rotation_secs: u32) -> u32 {
        // The draw has 53 bits: with rotations up to 2^11 s the product fits
        // 64 bits; longer ones take the slow 128-bit path.
        match self.draw.checked_mul(u64::from(rotation_secs)) {
            Some(x) => (x / self.threshold) as u32,
            None => {
                (u128::from(self.draw) * u128::from(rotation_secs) / u128::from(self.threshold))
                    as u32
            }
        }
    }
}

/// One container's faults, rotation by rotation; see [`FaultSchedule`].
#[derive(Debug, Clone)]
pub struct ContainerFaults {
    rng: ChaCha8Rng,
    threshold: u64,
}

impl ContainerFaults {
    /// The next rotation's fault, `None` for a healthy stream.
    pub fn next_fault(&mut self) -> Option<Fault> {
        Fault::of(self.rng.next_u64(), self.threshold)
    }
}

impl Iterator for ContainerFaults {
    type Item = bool;
    fn next(&mut self) -> Option<bool> {
        Some(self.next_fault().is_some())
    }
}

/// A scenario's stream faults written out: every failing rotation of every
/// container, with the second it fails, so that a harness outside Rust (the
/// Go programs' tests) replays exactly the faults the simulation and the
/// real monitor use without re-implementing ChaCha8.
///
/// Rotations `1..=rotations` of every container are listed:
/// `rotations = 1 + minutes × 60 / rotation_secs`. Rotation `n` never opens
/// before `(n − 1) × rotation_secs`, so no program opens more rotations than
/// that within the run; a program that stalls opens fewer, and simply never
/// reaches the later entries.
///
/// The JSON shape (field names as here):
///
/// ```json
/// { "scenario": { "containers": 55, … },
///   "rotations": 12,
///   "faults": [ { "container": 0, "rotation": 1, "offset_secs": 143 }, … ] }
/// ```
///
/// # Examples
///
/// ```
/// use leakscope_sim::{FaultList, FaultSchedule, Preset};
///
/// let scenario = Preset::Fase6.scenario(); // 55 containers, 58 min, 5 min rotations
/// let list = FaultList::of(&scenario);
/// assert_eq!(list.rotations, 12); // 1 + 58 × 60 / 300
///
/// let schedule = FaultSchedule::new(scenario.seed, scenario.error_rate);
/// let first = &list.faults[0];
/// let fault = schedule.fault(first.container, u64::from(first.rotation)).unwrap();
/// assert_eq!(first.offset_secs, fault.offset_secs(scenario.rotation_secs));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultList {
    /// The scenario whose faults these are (its seed and error rate decide
    /// them; its rotation period scales the offsets).
    pub scenario: Scenario,
    /// Rotations listed per container, numbered from 1:
    /// `1 + minutes × 60 / rotation_secs`.
    pub rotations: u32,
    /// The failing rotations only, by container, then by rotation.
    pub faults: Vec<RotationFault>,
}

/// One failing rotation of a [`FaultList`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RotationFault {
    /// The container's index, from 0 (its fault stream's number).
    pub container: u32,
    /// The rotation, from 1: the `n` of [`FaultSchedule::fault`].
    pub rotation: u32,
    /// Seconds after its stream opened at which it stops delivering lines:
    /// [`Fault::offset_secs`] for the scenario's rotation period.
    pub offset_secs: u32,
}

impl FaultList {
    /// The faults of `scenario`, drawn as the engine draws them (the same
    /// [`FaultSchedule`] of its seed and error rate).
    ///
    /// Work and size grow with containers × rotations; a scenario that
    /// passes [`Scenario::validate`] keeps that product within
    /// [`MAX_ROTATIONS`](crate::MAX_ROTATIONS) give or take one rotation per
    /// container. A rotation period of 0, which validation refuses, counts
    /// as 1 second here.
    pub fn of(scenario: &Scenario) -> FaultList {
        let schedule = FaultSchedule::new(scenario.seed, scenario.error_rate);
        let period = u64::from(scenario.rotation_secs.max(1));
        let rotations = 1 + u64::from(scenario.minutes) * 60 / period;
        // minutes × 60 < 2^32 for any u32 minutes under 71 million; saturate
        // rather than wrap beyond that.
        let rotations = u32::try_from(rotations).unwrap_or(u32::MAX);
        let faults = (0..scenario.containers)
            .flat_map(|container| {
                // Sequential draws equal random access (`fault(c, n)`) and
                // cost one generator per container instead of one per rotation.
                let mut draws = schedule.container(container);
                (1..=rotations).filter_map(move |rotation| {
                    draws.next_fault().map(|f| RotationFault {
                        container,
                        rotation,
                        offset_secs: f.offset_secs(scenario.rotation_secs),
                    })
                })
            })
            .collect();
        FaultList {
            scenario: scenario.clone(),
            rotations,
            faults,
        }
    }

    /// Rotations listed in all: containers × [`FaultList::rotations`].
    pub fn listed(&self) -> u64 {
        u64::from(self.scenario.containers) * u64::from(self.rotations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_of_zero_and_one_are_exact() {
        let never = FaultSchedule::new(3, 0.0);
        let always = FaultSchedule::new(3, 1.0);
        assert!((0..50).all(|c| (1..40).all(|n| !never.fails(c, n))));
        assert!((0..50).all(|c| (1..40).all(|n| always.fails(c, n))));
    }

    #[test]
    fn observed_rate_is_close_to_the_asked_rate() {
        let f = FaultSchedule::new(11, 0.3);
        let fails = (0..200)
            .flat_map(|c| f.container(c).take(100))
            .filter(|&x| x)
            .count();
        let rate = fails as f64 / 20_000.0;
        assert!((rate - 0.3).abs() < 0.02, "rate {rate}");
    }

    #[test]
    fn containers_and_seeds_get_different_faults() {
        let a: Vec<bool> = FaultSchedule::new(1, 0.5).container(0).take(64).collect();
        let b: Vec<bool> = FaultSchedule::new(1, 0.5).container(1).take(64).collect();
        let c: Vec<bool> = FaultSchedule::new(2, 0.5).container(0).take(64).collect();
        assert_ne!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn failures_fall_within_their_rotation_and_spread_over_it() {
        let f = FaultSchedule::new(5, 0.5);
        let offsets: Vec<u32> = (0..400)
            .filter_map(|c| f.fault(c, 1))
            .map(|x| x.offset_secs(300))
            .collect();
        assert!(offsets.iter().all(|&o| o < 300));
        let early = offsets.iter().filter(|&&o| o < 150).count() as f64;
        let share = early / offsets.len() as f64;
        assert!((share - 0.5).abs() < 0.1, "share {share}");
        let always = FaultSchedule::new(5, 1.0);
        assert!((0..50).all(|c| always.fault(c, 3).unwrap().offset_secs(1) == 0));
    }

    #[test]
    fn random_access_matches_sequential_draws() {
        let f = FaultSchedule::new(99, 0.42);
        let seq: Vec<bool> = f.container(17).take(30).collect();
        let ra: Vec<bool> = (1..=30).map(|n| f.fails(17, n)).collect();
        assert_eq!(seq, ra);
    }

    #[test]
    fn the_fault_list_agrees_with_the_schedule_rotation_by_rotation() {
        let scenarios = [
            Scenario::default(),
            Scenario {
                containers: 7,
                minutes: 31,
                rotation_secs: 90,
                error_rate: 0.3,
                seed: 42,
                ..Scenario::default()
            },
            Scenario {
                containers: 3,
                minutes: 10,
                rotation_secs: 7,
                error_rate: 1.0,
                seed: u64::MAX,
                ..Scenario::default()
            },
        ];
        for s in scenarios {
            let list = FaultList::of(&s);
            assert_eq!(list.rotations, 1 + s.minutes * 60 / s.rotation_secs);
            assert_eq!(list.scenario, s);
            let schedule = FaultSchedule::new(s.seed, s.error_rate);
            let expected: Vec<RotationFault> = (0..s.containers)
                .flat_map(|c| (1..=list.rotations).map(move |n| (c, n)))
                .filter_map(|(c, n)| {
                    schedule.fault(c, u64::from(n)).map(|f| RotationFault {
                        container: c,
                        rotation: n,
                        offset_secs: f.offset_secs(s.rotation_secs),
                    })
                })
                .collect();
            assert_eq!(list.faults, expected, "{s:?}");
            assert!(list.faults.iter().all(|f| f.offset_secs < s.rotation_secs));
        }
    }

    #[test]
    fn a_rate_of_zero_lists_no_faults_and_a_rate_of_one_lists_every_rotation() {
        let never = Scenario {
            error_rate: 0.0,
            ..Scenario::default()
        };
        let always = Scenario {
            error_rate: 1.0,
            ..Scenario::default()
        };
        assert!(FaultList::of(&never).faults.is_empty());
        let all = FaultList::of(&always);
        assert_eq!(all.faults.len() as u64, all.listed());
        assert_eq!(all.listed(), 55 * 12);
    }

    #[test]
    fn the_fault_list_survives_a_json_round_trip() {
        let list = FaultList::of(&Scenario {
            stop_at: Some(20),
            ..Scenario::default()
        });
        let text = serde_json::to_string(&list).unwrap();
        assert_eq!(serde_json::from_str::<FaultList>(&text).unwrap(), list);
    }
}
