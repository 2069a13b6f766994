//! Properties over random scenarios: counters, sums, bounds, the formula,
//! and agreement between the engine's live events, samples and snapshots.

#![cfg(not(target_arch = "wasm32"))]

use leakscope_sim::{EventKind, Scenario, Sim, Time, Variant, formula, simulate};
use proptest::prelude::*;

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        1u32..40,
        1u32..90,
        prop_oneof![Just(60u32), Just(90), Just(300), Just(420), 1u32..900],
        0.0f64..=1.0,
        1u32..6,
        0u32..20,
        any::<u64>(),
        1u32..120,
    )
        .prop_map(
            |(containers, minutes, rotation_secs, error_rate, g, b, seed, hb)| Scenario {
                containers,
                minutes,
                rotation_secs,
                heartbeat_secs: hb,
                error_rate,
                goroutines_per_reader: g,
                baseline_goroutines: b,
                seed,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn roles_sum_to_the_total_and_the_formula_holds(s in scenario()) {
        for v in Variant::ALL {
            let t = simulate(&s, v).unwrap();
            prop_assert_eq!(t.samples().len(), s.minutes as usize + 1);
            for smp in t.samples() {
                prop_assert_eq!(smp.by_role.total(), smp.goroutines);
                prop_assert_eq!(
                    smp.goroutines,
                    formula::goroutines_given_leaks(&s, smp.leaked_readers)
                );
            }
        }
    }

    #[test]
    fn the_fixed_version_never_accumulates_readers(s in scenario()) {
        let t = simulate(&s, Variant::Fixed).unwrap();
        for smp in t.samples() {
            prop_assert_eq!(smp.by_role.reader, u64::from(s.containers));
            prop_assert_eq!(smp.leaked_readers, 0);
            prop_assert_eq!(smp.by_role.handler, 0);
            prop_assert_eq!(smp.by_role.waiter, 0);
            prop_assert_eq!(smp.goroutines, u64::from(s.baseline_goroutines) + 2 * u64::from(s.containers));
        }
    }

    #[test]
    fn buggy_is_never_below_fixed(s in scenario()) {
        let b = simulate(&s, Variant::Buggy).unwrap();
        let f = simulate(&s, Variant::Fixed).unwrap();
        for (sb, sf) in b.samples().iter().zip(f.samples()) {
            prop_assert!(sb.goroutines >= sf.goroutines);
        }
    }

    #[test]
    fn wait_group_counters_match_their_holders_and_never_go_negative(s in scenario()) {
        for v in Variant::ALL {
            let mut sim = Sim::new(&s, v).unwrap();
            // Per container: readers holding the reader group, heartbeat held.
            let mut held = vec![0i64; s.containers as usize];
            while let Some(events) = sim.step() {
                for e in events {
                    let c = e.container as usize;
                    match e.kind {
                        EventKind::ReaderStarted { counter, .. } => {
                            held[c] += 1;
                            let expect = held[c] + i64::from(v == Variant::Buggy);
                            prop_assert_eq!(i64::from(counter), expect);
                        }
                        EventKind::StreamClosed { counter, .. } => {
                            held[c] -= 1;
                            prop_assert!(held[c] >= 0);
                            let expect = held[c] + i64::from(v == Variant::Buggy);
                            prop_assert_eq!(i64::from(counter), expect);
                        }
                        EventKind::WaitBlocked { counter, .. } => {
                            prop_assert!(counter > 0);
                            prop_assert_eq!(v, Variant::Buggy);
                        }
                        EventKind::WaitReturned { .. } => {
                            prop_assert_eq!(held[c], 0);
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    #[test]
    fn live_events_equal_the_events_derived_from_the_trace(s in scenario()) {
        for v in Variant::ALL {
            let mut sim = Sim::new(&s, v).unwrap();
            let mut live = Vec::new();
            while let Some(events) = sim.step() {
                live.extend_from_slice(events);
            }
            let trace = sim.finish();
            let derived = trace.events_between(Time::ZERO, trace.end());
            prop_assert_eq!(live, derived);
        }
    }

    #[test]
    fn snapshots_at_whole_minutes_equal_the_samples(s in scenario()) {
        for v in Variant::ALL {
            let t = simulate(&s, v).unwrap();
            for smp in t.samples() {
                let at = Time::from_minutes(u64::from(smp.minute));
                let snap = t.snapshot(at).unwrap();
                prop_assert_eq!(snap.goroutines, smp.goroutines);
                prop_assert_eq!(snap.by_role, smp.by_role);
                prop_assert_eq!(snap.leaked_readers, smp.leaked_readers);
                prop_assert_eq!(snap.stalled_containers, smp.stalled_containers);
                prop_assert_eq!(snap.wait_groups, smp.wait_groups);
                let listed = t.goroutines_at(at, None).unwrap();
                prop_assert_eq!(listed.len() as u64, smp.goroutines);
                let per_container: u64 = (0..s.containers)
                    .map(|c| t.container_at(c, at).unwrap().goroutines)
                    .sum();
                prop_assert_eq!(per_container + u64::from(s.baseline_goroutines), smp.goroutines);
            }
        }
    }

    #[test]
    fn goroutine_ids_are_unique(s in scenario()) {
        let t = simulate(&s, Variant::Buggy).unwrap();
        let gs = t.goroutines_at(t.end(), None).unwrap();
        let mut ids: Vec<u64> = gs.iter().map(|g| g.id).collect();
        ids.dedup();
        prop_assert_eq!(ids.len(), gs.len());
    }
}

#[test]
fn the_mean_over_many_containers_follows_the_expected_formula() {
    let s = Scenario {
        containers: 4_000,
        minutes: 40,
        error_rate: 0.8,
        seed: 3,
        ..Scenario::default()
    };
    let t = simulate(&s, Variant::Buggy).unwrap();
    for smp in t.samples() {
        let expected =
            formula::expected_goroutines(&s, Variant::Buggy, Time::from_minutes(smp.minute.into()));
        let got = smp.goroutines as f64;
        // 4,000 containers: the relative error of the mean is about 1 %.
        assert!(
            (got - expected).abs() <= 0.03 * expected,
            "minute {}: {got} vs {expected}",
            smp.minute
        );
    }
}

#[test]
fn step_and_run_until_reach_the_same_state() {
    let s = Scenario {
        containers: 12,
        minutes: 40,
        error_rate: 0.6,
        ..Scenario::default()
    };
    let mut a = Sim::new(&s, Variant::Buggy).unwrap();
    while a.step().is_some() {}
    let mut b = Sim::new(&s, Variant::Buggy).unwrap();
    b.run_until(Time::from_minutes(17));
    assert_eq!(b.samples().len(), 18);
    let (a, b) = (a.finish(), b.finish());
    assert_eq!(a, b);
}
