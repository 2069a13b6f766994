//! Properties over random scenarios, for every program: counters, sums,
//! bounds, the formulas, `Stop()`, log lines, and agreement between the
//! engine's live events, samples and snapshots.

#![cfg(not(target_arch = "wasm32"))]

use leakscope_sim::{EventKind, Program, Scenario, Sim, Time, formula, simulate};
use proptest::prelude::*;

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        (1u32..40, 1u32..90),
        prop_oneof![Just(60u32), Just(90), Just(300), Just(420), 1u32..900],
        0.0f64..=1.0,
        (1u32..6, 0u32..20),
        any::<u64>(),
        1u32..120,
        prop_oneof![Just(60u32), Just(0), 1u32..3000],
        prop_oneof![Just(None), (0u32..100).prop_map(Some)],
    )
        .prop_map(
            |((containers, minutes), rotation_secs, error_rate, (g, b), seed, hb, lines, stop)| {
                Scenario {
                    containers,
                    minutes,
                    rotation_secs,
                    heartbeat_secs: hb,
                    error_rate,
                    goroutines_per_reader: g,
                    baseline_goroutines: b,
                    seed,
                    lines_per_min: lines,
                    stop_at: stop.map(|m| m.min(minutes)),
                }
            },
        )
}

/// Whether minute `m` comes before `Stop()`.
fn before_stop(s: &Scenario, m: u32) -> bool {
    s.stop_at.is_none_or(|stop| m < stop)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn roles_sum_to_the_total_and_the_formula_holds(s in scenario()) {
        for p in Program::ALL {
            let t = simulate(&s, p).unwrap();
            prop_assert_eq!(t.samples().len(), s.minutes as usize + 1);
            for smp in t.samples() {
                prop_assert_eq!(smp.by_role.total(), smp.goroutines);
                if before_stop(&s, smp.minute) {
                    prop_assert_eq!(
                        smp.goroutines,
                        formula::goroutines_given(
                            &s,
                            smp.by_role.reader - smp.leaked_readers,
                            smp.leaked_readers,
                            smp.by_role.helper
                        ),
                        "{} minute {}", p, smp.minute
                    );
                }
            }
        }
    }

    #[test]
    fn the_fixed_program_never_accumulates_and_stops_clean(s in scenario()) {
        let t = simulate(&s, Program::FIXED).unwrap();
        for smp in t.samples() {
            let running = before_stop(&s, smp.minute);
            let handlers = u64::from(s.goroutines_per_reader - 1) * u64::from(s.containers);
            prop_assert_eq!(smp.leaked_readers, 0);
            prop_assert_eq!(smp.by_role.handler, if running { handlers } else { 0 });
            prop_assert_eq!(smp.by_role.waiter, 0);
            prop_assert_eq!(smp.by_role.helper, 0);
            prop_assert_eq!(smp.stalled_containers, 0);
            // Heartbeat, reader and the stream's handlers per container.
            let own = if running {
                u64::from(1 + s.goroutines_per_reader) * u64::from(s.containers)
            } else {
                0
            };
            prop_assert_eq!(smp.goroutines, u64::from(s.baseline_goroutines) + own);
        }
        if let Some(stop) = t.stop() {
            prop_assert!(stop.returned);
            prop_assert_eq!(stop.left, 0);
        }
    }

    #[test]
    fn close_only_stalls_every_container_at_its_first_rotation(s in scenario()) {
        let t = simulate(&s, Program::CLOSE_ONLY).unwrap();
        let first = Time(s.rotation().as_millis());
        let mut frozen = None;
        for smp in t.samples() {
            let at = Time::from_minutes(u64::from(smp.minute));
            prop_assert_eq!(smp.leaked_readers, 0);
            if !before_stop(&s, smp.minute) {
                continue;
            }
            let stalled = if at >= first { u64::from(s.containers) } else { 0 };
            // Heartbeat and either the first stream (reader and handlers)
            // or the rotate() stuck in Wait().
            let open = u64::from(s.containers) - stalled;
            prop_assert_eq!(
                smp.goroutines,
                u64::from(s.baseline_goroutines)
                    + 2 * u64::from(s.containers)
                    + u64::from(s.goroutines_per_reader - 1) * open
            );
            prop_assert_eq!(smp.stalled_containers, stalled);
            if at >= first {
                // The logs stop: no line is read after the first rotation.
                let f = *frozen.get_or_insert(smp.lines_read);
                prop_assert_eq!(smp.lines_read, f);
            }
        }
        if let Some(stop) = t.stop() {
            prop_assert!(stop.returned);
            prop_assert_eq!(stop.left, 0);
        }
    }

    #[test]
    fn wait_timeout_leaves_one_helper_per_container_per_rotation(s in scenario()) {
        let t = simulate(&s, Program::WAIT_TIMEOUT).unwrap();
        for smp in t.samples() {
            prop_assert_eq!(smp.stalled_containers, 0);
            prop_assert_eq!(smp.leaked_readers, 0);
            if before_stop(&s, smp.minute) {
                let at = Time::from_minutes(u64::from(smp.minute));
                prop_assert_eq!(
                    smp.goroutines as f64,
                    formula::expected_goroutines(&s, Program::WAIT_TIMEOUT, at)
                );
            }
        }
        if let Some(stop) = t.stop() {
            prop_assert!(stop.returned);
            prop_assert_eq!(stop.left, 0);
        }
    }

    #[test]
    fn buggy_stop_hangs_exactly_when_a_reader_was_left_behind(s in scenario()) {
        let t = simulate(&s, Program::BUGGY).unwrap();
        let Some(stop) = t.stop() else { return Ok(()) };
        let i = stop.minute as usize;
        let at_stop = &t.samples()[i];
        prop_assert_eq!(stop.returned, at_stop.leaked_readers == 0);
        prop_assert_eq!(stop.returned, stop.hangs_on.is_none());
        // What is left: readers left behind with their handlers, and the
        // stalled waiters of containers whose group stays held.
        let g = u64::from(s.goroutines_per_reader);
        prop_assert!(stop.left >= g * at_stop.leaked_readers);
        prop_assert!(stop.left <= g * at_stop.leaked_readers + u64::from(stop.hung_containers));
        prop_assert_eq!(at_stop.goroutines, u64::from(s.baseline_goroutines) + stop.left);
        // Nothing moves after Stop().
        for smp in &t.samples()[i..] {
            prop_assert_eq!(smp.goroutines, at_stop.goroutines);
            prop_assert_eq!(smp.lines_read, at_stop.lines_read);
            prop_assert_eq!(smp.by_role.heartbeat, 0);
        }
    }

    #[test]
    fn buggy_differs_from_fixed_by_its_leaks_and_stalls(s in scenario()) {
        // Before Stop(): each reader left behind adds its stream (g), each
        // stalled container swaps its stream (g) for a rotate() (1).
        let b = simulate(&s, Program::BUGGY).unwrap();
        let f = simulate(&s, Program::FIXED).unwrap();
        let g = u64::from(s.goroutines_per_reader);
        for (sb, sf) in b.samples().iter().zip(f.samples()) {
            prop_assert!(sb.lines_read <= sf.lines_read);
            if before_stop(&s, sb.minute) {
                prop_assert_eq!(
                    sb.goroutines + (g - 1) * sb.stalled_containers,
                    sf.goroutines + g * sb.leaked_readers
                );
            }
        }
    }

    #[test]
    fn lines_are_read_at_most_once_and_never_unread(s in scenario()) {
        for p in Program::ALL {
            let t = simulate(&s, p).unwrap();
            let mut last = 0;
            for smp in t.samples() {
                prop_assert!(smp.lines_read >= last);
                last = smp.lines_read;
                let written = u64::from(s.lines_per_min) * u64::from(smp.minute);
                prop_assert!(smp.lines_read <= written * u64::from(s.containers));
                prop_assert!(smp.silent_containers <= u64::from(s.containers));
            }
        }
        if s.error_rate == 0.0 && s.stop_at.is_none() {
            // No stream fails and none is stopped: the fix reads every line.
            let t = simulate(&s, Program::FIXED).unwrap();
            let m = u64::from(s.minutes);
            prop_assert_eq!(
                t.samples()[m as usize].lines_read,
                u64::from(s.lines_per_min) * m * u64::from(s.containers)
            );
        }
    }

    #[test]
    fn wait_group_counters_match_their_holders_and_never_go_negative(s in scenario()) {
        for p in Program::ALL {
            let shared = i64::from(p.groups() == leakscope_sim::programs::Groups::Shared);
            let mut sim = Sim::new(&s, p).unwrap();
            // Per container: readers holding the reader group.
            let mut held = vec![0i64; s.containers as usize];
            while let Some(events) = sim.step() {
                for e in events {
                    let c = e.container as usize;
                    match e.kind {
                        EventKind::ReaderStarted { counter, .. } => {
                            held[c] += 1;
                            prop_assert_eq!(i64::from(counter), held[c] + shared);
                        }
                        EventKind::StreamClosed { counter, .. } => {
                            held[c] -= 1;
                            prop_assert!(held[c] >= 0);
                            prop_assert_eq!(i64::from(counter), held[c] + shared);
                        }
                        EventKind::WaitBlocked { counter, .. } | EventKind::HelperBlocked { counter, .. } => {
                            prop_assert!(counter > 0);
                            prop_assert_eq!(shared, 1);
                        }
                        EventKind::WaitReturned { .. } => {
                            prop_assert_eq!(held[c] + shared, 0);
                        }
                        EventKind::Stopped { reader, counter, .. } => {
                            held[c] -= i64::from(reader.is_some());
                            prop_assert!(held[c] >= 0);
                            prop_assert_eq!(i64::from(counter), held[c]);
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    #[test]
    fn a_stop_read_from_a_run_without_it_equals_the_run_with_it(s in scenario(), at in 0u32..100) {
        let open = Scenario { stop_at: None, ..s.clone() };
        for m in [at.min(s.minutes), s.minutes] {
            let stopped = Scenario { stop_at: Some(m), ..s.clone() };
            for p in Program::ALL {
                let with_stop = simulate(&stopped, p).unwrap();
                prop_assert!(with_stop.stop().is_some());
                prop_assert_eq!(
                    simulate(&open, p).unwrap().stop_outcome_at(m),
                    with_stop.stop().copied(),
                    "{} stop at minute {}", p, m
                );
                prop_assert_eq!(with_stop.stop_outcome_at(m), with_stop.stop().copied());
            }
        }
        prop_assert_eq!(simulate(&open, Program::BUGGY).unwrap().stop_outcome_at(s.minutes + 1), None);
    }

    #[test]
    fn live_events_equal_the_events_derived_from_the_trace(s in scenario()) {
        for p in Program::ALL {
            let mut sim = Sim::new(&s, p).unwrap();
            let mut live = Vec::new();
            while let Some(events) = sim.step() {
                live.extend_from_slice(events);
            }
            let trace = sim.finish();
            let derived = trace.events_between(Time::ZERO, trace.end());
            prop_assert_eq!(live, derived, "{}", p);
        }
    }

    #[test]
    fn snapshots_at_whole_minutes_equal_the_samples(s in scenario()) {
        for p in Program::ALL {
            let t = simulate(&s, p).unwrap();
            for smp in t.samples() {
                let at = Time::from_minutes(u64::from(smp.minute));
                let snap = t.snapshot(at).unwrap();
                prop_assert_eq!(snap.goroutines, smp.goroutines);
                prop_assert_eq!(snap.by_role, smp.by_role);
                prop_assert_eq!(snap.leaked_readers, smp.leaked_readers);
                prop_assert_eq!(snap.stalled_containers, smp.stalled_containers);
                prop_assert_eq!(snap.lines_read, smp.lines_read, "{} minute {}", p, smp.minute);
                prop_assert_eq!(snap.silent_containers, smp.silent_containers, "{} minute {}", p, smp.minute);
                prop_assert_eq!(&snap.wait_groups, &smp.wait_groups);
                let listed = t.goroutines_at(at, None).unwrap();
                prop_assert_eq!(listed.len() as u64, smp.goroutines);
                let views: Vec<_> = (0..s.containers).map(|c| t.container_at(c, at).unwrap()).collect();
                let per_container: u64 = views.iter().map(|v| v.goroutines).sum();
                prop_assert_eq!(per_container + u64::from(s.baseline_goroutines), smp.goroutines);
                prop_assert_eq!(views.iter().map(|v| v.lines_read).sum::<u64>(), smp.lines_read);
                prop_assert_eq!(views.iter().filter(|v| v.silent).count() as u64, smp.silent_containers);
            }
        }
    }

    #[test]
    fn goroutine_ids_are_unique(s in scenario()) {
        for p in Program::ALL {
            let t = simulate(&s, p).unwrap();
            for at in [t.end(), Time(t.end().as_millis() / 2)] {
                let gs = t.goroutines_at(at, None).unwrap();
                let mut ids: Vec<u64> = gs.iter().map(|g| g.id).collect();
                ids.dedup();
                prop_assert_eq!(ids.len(), gs.len());
            }
        }
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
    let t = simulate(&s, Program::BUGGY).unwrap();
    for smp in t.samples() {
        let expected =
            formula::expected_goroutines(&s, Program::BUGGY, Time::from_minutes(smp.minute.into()));
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
        stop_at: Some(33),
        ..Scenario::default()
    };
    for p in Program::ALL {
        let mut a = Sim::new(&s, p).unwrap();
        while a.step().is_some() {}
        let mut b = Sim::new(&s, p).unwrap();
        b.run_until(Time::from_minutes(17));
        assert_eq!(b.now(), Time::from_minutes(17));
        let (a, b) = (a.finish(), b.finish());
        assert_eq!(a, b);
    }
}
