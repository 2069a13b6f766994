//! Determinism: a seed fixes the whole trace; seeds differ where faults can.

use leakscope_sim::{Program, Scenario, simulate};

#[test]
fn the_same_seed_twice_gives_identical_traces() {
    for error_rate in [0.0, 0.3, 0.99] {
        let s = Scenario {
            containers: 40,
            minutes: 90,
            error_rate,
            seed: 1234,
            ..Scenario::default()
        };
        for v in Program::ALL {
            let a = simulate(&s, v).unwrap();
            let b = simulate(&s, v).unwrap();
            assert_eq!(a, b);
            assert_eq!(a.fingerprint(), b.fingerprint());
        }
    }
}

#[test]
fn different_seeds_differ_where_errors_are_possible() {
    let s = |seed| Scenario {
        containers: 30,
        minutes: 60,
        error_rate: 0.5,
        seed,
        ..Scenario::default()
    };
    for v in Program::ALL {
        let a = simulate(&s(1), v).unwrap();
        let b = simulate(&s(2), v).unwrap();
        assert_ne!(a.containers(), b.containers(), "{v}");
        assert_ne!(a.fingerprint(), b.fingerprint());
    }
    // The buggy count itself depends on the faults.
    let a = simulate(&s(1), Program::BUGGY).unwrap();
    let b = simulate(&s(2), Program::BUGGY).unwrap();
    assert_ne!(a.samples(), b.samples());
}

#[test]
fn seeds_do_not_change_the_counts_when_faults_are_certain_or_impossible() {
    for error_rate in [0.0, 1.0] {
        let s = |seed| Scenario {
            containers: 10,
            minutes: 30,
            error_rate,
            seed,
            ..Scenario::default()
        };
        for p in Program::ALL {
            let a = simulate(&s(1), p).unwrap();
            let b = simulate(&s(99), p).unwrap();
            let counts = |t: &leakscope_sim::Trace| {
                t.samples()
                    .iter()
                    .map(|x| (x.goroutines, x.by_role))
                    .collect::<Vec<_>>()
            };
            assert_eq!(counts(&a), counts(&b), "{p}");
            if error_rate == 0.0 {
                assert_eq!(a.samples(), b.samples(), "{p}");
            } else {
                // Where a failed stream stops delivering is drawn: the lines
                // read depend on the seed.
                assert_ne!(a.samples(), b.samples(), "{p}");
            }
        }
    }
}

#[test]
fn every_program_sees_the_same_faults() {
    let s = Scenario {
        containers: 25,
        minutes: 60,
        error_rate: 0.5,
        seed: 5,
        ..Scenario::default()
    };
    let buggy = simulate(&s, Program::BUGGY).unwrap();
    let fixed = simulate(&s, Program::FIXED).unwrap();
    let close_only = simulate(&s, Program::CLOSE_ONLY).unwrap();
    for (b, f) in buggy.containers().iter().zip(fixed.containers()) {
        // The buggy container stops rotating at its first healthy rotation;
        // up to there the two agree rotation by rotation.
        for (rb, rf) in b.rotations().iter().zip(f.rotations()) {
            if rb.end().is_some() {
                assert_eq!(rb.failed(), rf.failed());
                assert_eq!(rb.fail_at(), rf.fail_at());
            }
        }
    }
    for (c, f) in close_only.containers().iter().zip(fixed.containers()) {
        assert_eq!(c.rotations()[0].fail_at(), f.rotations()[0].fail_at());
    }
}
