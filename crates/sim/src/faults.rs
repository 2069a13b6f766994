//! The stream faults of a run, drawn from its seed.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

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
}
