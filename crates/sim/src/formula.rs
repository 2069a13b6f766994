//! The goroutine count as a formula of the parameters.
//!
//! Per container, the program keeps a heartbeat and the current reader: 2
//! goroutines. A rotation whose stream fails while the buggy program runs
//! leaves its reader and the stream's handlers behind: `g` goroutines
//! (`g` = [`Scenario::goroutines_per_reader`]). A healthy rotation in the
//! buggy program ends the container's rotations for good: its reader exits
//! (−1) and the `rotate()` goroutine blocks in `Wait()` (+1), so the count is
//! unchanged and nothing more leaks from that container. Hence, with `B`
//! baseline goroutines, `N` containers and `L(t)` readers left behind by `t`:
//!
//! ```text
//! goroutines(t) = B + 2N + g · L(t)        (L = 0 for the fixed program)
//! ```
//!
//! A container leaks at rotation `i` only if rotations `1..=i` all failed,
//! with probability `pⁱ`; so with `k(t)` rotations due by `t`:
//!
//! ```text
//! E[goroutines(t)] = B + 2N + g · N · (p + p² + … + p^k(t))
//! ```

use crate::{Scenario, Time, Variant};

/// The exact count given the readers left behind so far.
pub fn goroutines_given_leaks(scenario: &Scenario, leaked_readers: u64) -> u64 {
    u64::from(scenario.baseline_goroutines)
        + 2 * u64::from(scenario.containers)
        + u64::from(scenario.goroutines_per_reader) * leaked_readers
}

/// The expected readers left behind per container once `k` rotations are due:
/// `p + p² + … + pᵏ`.
pub fn expected_leaks_per_container(error_rate: f64, k: u64) -> f64 {
    let mut sum = 0.0;
    let mut term = 1.0;
    for _ in 0..k {
        term *= error_rate;
        sum += term;
    }
    sum
}

/// The expected share of containers stuck in `Wait()` once `k` rotations
/// are due: `1 − pᵏ` (buggy program only).
pub fn expected_stalled_share(error_rate: f64, k: u64) -> f64 {
    1.0 - error_rate.powi(k.min(i32::MAX as u64) as i32)
}

/// The expected goroutine count at `t`, over all seeds.
pub fn expected_goroutines(scenario: &Scenario, variant: Variant, t: Time) -> f64 {
    let base = f64::from(scenario.baseline_goroutines) + 2.0 * f64::from(scenario.containers);
    match variant {
        Variant::Fixed => base,
        Variant::Buggy => {
            let k = scenario.rotations_due_by(t);
            base + f64::from(scenario.goroutines_per_reader)
                * f64::from(scenario.containers)
                * expected_leaks_per_container(scenario.error_rate, k)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fase6_buggy_expectation_follows_the_geometric_sum() {
        let s = Scenario::default();
        let at_58 = expected_goroutines(&s, Variant::Buggy, Time::from_minutes(58));
        let sum: f64 = (1..=11).map(|i| 0.99f64.powi(i)).sum();
        assert!((at_58 - (110.0 + 165.0 * sum)).abs() < 1e-9);
        assert_eq!(
            expected_goroutines(&s, Variant::Fixed, Time::from_minutes(58)),
            110.0
        );
    }

    #[test]
    fn certain_failure_leaks_g_per_container_per_rotation() {
        assert_eq!(expected_leaks_per_container(1.0, 11), 11.0);
        assert_eq!(expected_leaks_per_container(0.0, 11), 0.0);
        assert_eq!(expected_stalled_share(0.0, 1), 1.0);
    }
}
