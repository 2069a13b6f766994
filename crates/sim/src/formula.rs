//! The goroutine count as a formula of the parameters, per program.
//!
//! Per container, every program keeps its heartbeat. Beside it, the
//! container either has an open stream (its reader and the stream's
//! handlers: `g` goroutines, `g` = [`Scenario::goroutines_per_reader`]) or a
//! `rotate()` waiting (stalled in `Wait()`, or waiting out a timed wait's
//! timeout: 1 goroutine). On top of that, two things last:
//!
//! - a rotation whose failed stream is skipped (`buggy`) leaves its reader
//!   and the stream's handlers: `g` goroutines;
//! - a timed wait (`wait-timeout`) leaves its helper blocked in `Wait()`: 1.
//!
//! So, before `Stop()`, with `B` baseline goroutines, `N` containers, `S(t)`
//! containers with an open stream, `L(t)` readers left behind and `H(t)`
//! helpers left behind by `t`:
//!
//! ```text
//! goroutines(t) = B + N + g · S(t) + (N − S(t)) + g · L(t) + H(t)
//!               = B + 2N + (g − 1) · S(t) + g · L(t) + H(t)
//! ```
//!
//! Expected values over seeds: a `buggy` container leaks at rotation `i`
//! only if rotations `1..=i` all failed (the first healthy one stalls it),
//! with probability `pⁱ`, and still has an open stream with probability
//! `pᵏ`; a `wait-timeout` container leaves one helper per rotation, failed
//! or not, rotates every `rotation + timeout`, and has no stream during
//! each timeout:
//!
//! ```text
//! buggy:         E = B + 2N + (g − 1) · N · pᵏ + g · N · (p + p² + … + pᵏ)   k = ⌊t / rotation⌋
//! wait-timeout:  E = B + 2N + (g − 1) · S(t) + N · ⌊(t + T) / (rotation + T)⌋   exact, for every seed
//! close-only:    B + 2N + (g − 1) · N before the first rotation falls due, B + 2N after
//! fixed:         B + 2N + (g − 1) · N = B + (1 + g) · N
//! ```

use crate::programs::{OnError, WaitStyle};
use crate::{Program, Scenario, Time};

/// The exact count before `Stop()`, given the containers with an open
/// stream and the readers and helpers left behind so far.
pub fn goroutines_given(
    scenario: &Scenario,
    open_streams: u64,
    leaked_readers: u64,
    helpers: u64,
) -> u64 {
    let g = u64::from(scenario.goroutines_per_reader);
    u64::from(scenario.baseline_goroutines)
        + 2 * u64::from(scenario.containers)
        + (g - 1) * open_streams
        + g * leaked_readers
        + helpers
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
/// are due: `1 − pᵏ` for the seed's program, every container for
/// `close-only` from its first rotation, none for the others.
pub fn expected_stalled_share(program: Program, error_rate: f64, k: u64) -> f64 {
    let def = program.def();
    match (def.on_error, def.wait, program.groups()) {
        (_, WaitStyle::Timeout { .. }, _) => 0.0,
        (OnError::SkipCloseAndWait, WaitStyle::Block, _) => {
            1.0 - error_rate.powi(k.min(i32::MAX as u64) as i32)
        }
        (OnError::Close, WaitStyle::Block, crate::programs::Groups::Shared) => {
            if k >= 1 {
                1.0
            } else {
                0.0
            }
        }
        (OnError::Close, WaitStyle::Block, crate::programs::Groups::Split) => 0.0,
    }
}

/// Rotations due by `t` for a program that reopens `gap` after each one
/// falls due: rotation `n` falls due at `n · rotation + (n − 1) · gap`.
pub fn rotations_due_by(scenario: &Scenario, gap: Time, t: Time) -> u64 {
    let r = scenario.rotation().as_millis().max(1);
    (t.as_millis() + gap.as_millis()) / (r + gap.as_millis())
}

/// Whether a program that reopens `gap` after each rotation falls due is
/// inside such a gap at `t` (no stream open): rotation `n` falls due at
/// `n · rotation + (n − 1) · gap` and the next opens `gap` later.
pub fn in_gap(scenario: &Scenario, gap: Time, t: Time) -> bool {
    let (r, g, t) = (
        scenario.rotation().as_millis().max(1),
        gap.as_millis(),
        t.as_millis(),
    );
    t >= r && (t - r) % (r + g) < g
}

/// The expected goroutine count of `program` at `t` (before `Stop()`),
/// over all seeds.
pub fn expected_goroutines(scenario: &Scenario, program: Program, t: Time) -> f64 {
    let n = f64::from(scenario.containers);
    let handlers = f64::from(scenario.goroutines_per_reader - 1);
    let base = f64::from(scenario.baseline_goroutines) + 2.0 * n;
    let def = program.def();
    match def.wait {
        WaitStyle::Timeout { .. } if program.groups() == crate::programs::Groups::Shared => {
            let gap = program.wait_timeout().unwrap_or(Time::ZERO);
            let open = if in_gap(scenario, gap, t) { 0.0 } else { n };
            base + handlers * open + n * rotations_due_by(scenario, gap, t) as f64
        }
        _ if def.on_error == OnError::SkipCloseAndWait => {
            let k = scenario.rotations_due_by(t);
            let still_open = scenario.error_rate.powi(k.min(i32::MAX as u64) as i32);
            base + handlers * n * still_open
                + f64::from(scenario.goroutines_per_reader)
                    * n
                    * expected_leaks_per_container(scenario.error_rate, k)
        }
        _ => {
            let stalled =
                expected_stalled_share(program, scenario.error_rate, scenario.rotations_due_by(t));
            base + handlers * n * (1.0 - stalled)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fase6_buggy_expectation_follows_the_geometric_sum() {
        let s = Scenario::default();
        let at_58 = expected_goroutines(&s, Program::BUGGY, Time::from_minutes(58));
        let sum: f64 = (1..=11).map(|i| 0.99f64.powi(i)).sum();
        let open = 0.99f64.powi(11);
        assert!((at_58 - (110.0 + 110.0 * open + 165.0 * sum)).abs() < 1e-9);
        assert_eq!(
            expected_goroutines(&s, Program::FIXED, Time::from_minutes(58)),
            220.0
        );
        let close_only = |m| expected_goroutines(&s, Program::CLOSE_ONLY, Time::from_minutes(m));
        assert_eq!((close_only(4), close_only(5)), (220.0, 110.0));
    }

    #[test]
    fn wait_timeout_leaves_one_helper_per_container_per_rotation() {
        let s = Scenario::default();
        // Rotations fall due at 5:00, 10:10, 15:20, …, 56:50: 11 by 58:00,
        // and every container has a stream open again at 57:00.
        let at_58 = expected_goroutines(&s, Program::WAIT_TIMEOUT, Time::from_minutes(58));
        assert_eq!(at_58, 220.0 + 55.0 * 11.0);
        let gap = Time::from_secs(10);
        assert_eq!(rotations_due_by(&s, gap, Time::from_secs(609)), 1);
        assert_eq!(rotations_due_by(&s, gap, Time::from_secs(610)), 2);
        assert!(!in_gap(&s, gap, Time::from_secs(299)));
        assert!(in_gap(&s, gap, Time::from_secs(300)));
        assert!(in_gap(&s, gap, Time::from_secs(309)));
        assert!(!in_gap(&s, gap, Time::from_secs(310)));
        assert!(in_gap(&s, gap, Time::from_secs(610)));
    }

    #[test]
    fn certain_failure_leaks_g_per_container_per_rotation() {
        assert_eq!(expected_leaks_per_container(1.0, 11), 11.0);
        assert_eq!(expected_leaks_per_container(0.0, 11), 0.0);
        assert_eq!(expected_stalled_share(Program::BUGGY, 0.0, 1), 1.0);
        assert_eq!(expected_stalled_share(Program::CLOSE_ONLY, 1.0, 1), 1.0);
        assert_eq!(expected_stalled_share(Program::FIXED, 0.0, 5), 0.0);
    }
}
