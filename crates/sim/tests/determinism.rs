//! Determinism: a seed fixes the whole trace; seeds differ where faults can.

use leakscope_sim::{Scenario, Variant, simulate};

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
        for v in Variant::ALL {
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
    for v in Variant::ALL {
        let a = simulate(&s(1), v).unwrap();
        let b = simulate(&s(2), v).unwrap();
        assert_ne!(a.containers(), b.containers(), "{v}");
        assert_ne!(a.fingerprint(), b.fingerprint());
    }
    // The buggy count itself depends on the faults.
    let a = simulate(&s(1), Variant::Buggy).unwrap();
    let b = simulate(&s(2), Variant::Buggy).unwrap();
    assert_ne!(a.samples(), b.samples());
}

#[test]
fn seeds_do_not_matter_when_faults_are_certain_or_impossible() {
    for error_rate in [0.0, 1.0] {
        let s = |seed| Scenario {
            containers: 10,
            minutes: 30,
            error_rate,
            seed,
            ..Scenario::default()
        };
        let a = simulate(&s(1), Variant::Buggy).unwrap();
        let b = simulate(&s(99), Variant::Buggy).unwrap();
        assert_eq!(a.samples(), b.samples());
    }
}

#[test]
fn both_variants_see_the_same_faults() {
    let s = Scenario {
        containers: 25,
        minutes: 60,
        error_rate: 0.5,
        seed: 5,
        ..Scenario::default()
    };
    let buggy = simulate(&s, Variant::Buggy).unwrap();
    let fixed = simulate(&s, Variant::Fixed).unwrap();
    for (b, f) in buggy.containers().iter().zip(fixed.containers()) {
        // The buggy container stops rotating at its first healthy rotation;
        // up to there the two agree rotation by rotation.
        for (rb, rf) in b.rotations().iter().zip(f.rotations()) {
            if rb.end().is_some() {
                assert_eq!(rb.outcome().failed(), rf.outcome().failed());
            }
        }
    }
}
