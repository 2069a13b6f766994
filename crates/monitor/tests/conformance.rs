//! The real monitor on synthetic containers, measured by its census, its
//! wait groups and the lines its readers read, gives exactly the
//! simulation's per-minute samples and `Stop()` outcome for the same
//! scenario, in every program.
//!
//! This is the one place the simulation is used: as the thing compared
//! against. The monitor's code never calls it.

use leakscope_monitor::check;
use leakscope_sim::{Preset, Program, Scenario, WaitGroupName, conformance, simulate};
use proptest::prelude::*;

fn assert_conforms(scenario: &Scenario, program: Program) {
    let real = check::run(scenario, program)
        .unwrap_or_else(|e| panic!("{program} on {scenario:?}: {e}"))
        .report;
    let sim = simulate(scenario, program).unwrap();
    assert_eq!(real.samples.len(), sim.samples().len());
    for (r, s) in real.samples.iter().zip(sim.samples()) {
        assert_eq!(
            r, s,
            "{program}, minute {}: real (left) and simulated (right) differ on {scenario:?}",
            r.minute
        );
    }
    assert_eq!(
        real.stop.as_ref(),
        sim.stop(),
        "{program}: Stop() real (left) and simulated (right) differ on {scenario:?}"
    );
    assert_eq!(real.verdict, sim.analysis().verdict);
}

/// `Stop()` at the first minute, at 30 (or the last, if sooner) and at the
/// last minute.
fn stop_minutes(s: &Scenario) -> Vec<u32> {
    let mut at = vec![0, 30.min(s.minutes), s.minutes];
    at.dedup();
    at
}

#[test]
fn both_presets_conform_in_every_program() {
    for preset in Preset::ALL {
        for program in Program::ALL {
            assert_conforms(&preset.scenario(), program);
        }
    }
}

#[test]
fn both_presets_conform_with_stop_called() {
    for preset in Preset::ALL {
        let scenario = preset.scenario();
        for stop_at in stop_minutes(&scenario) {
            let scenario = Scenario {
                stop_at: Some(stop_at),
                ..scenario.clone()
            };
            for program in Program::ALL {
                assert_conforms(&scenario, program);
            }
        }
    }
}

#[test]
fn the_cores_conformance_scenarios_conform() {
    for (_name, scenario) in conformance::scenarios() {
        for program in Program::ALL {
            assert_conforms(&scenario, program);
        }
    }
}

/// `Stop()` at the instant a rotation falls due (its stream failed or
/// not), a timed wait gives up, or inside a timed wait's gap: timers first,
/// then `Stop()`, then the sample.
#[test]
fn stop_at_the_instant_of_other_timers_conforms() {
    for rotation_secs in [1, 10, 20, 30, 45, 50, 55, 58, 60, 110, 120] {
        for error_rate in [0.0, 0.6, 1.0] {
            for stop_at in 0..=4 {
                let scenario = Scenario {
                    containers: 3,
                    minutes: 4,
                    rotation_secs,
                    heartbeat_secs: 30,
                    error_rate,
                    seed: u64::from(rotation_secs) * 7 + u64::from(stop_at),
                    stop_at: Some(stop_at),
                    ..Scenario::default()
                };
                for program in Program::ALL {
                    assert_conforms(&scenario, program);
                }
            }
        }
    }
}

#[test]
fn fase6_measures_what_each_program_does() {
    let scenario = Preset::Fase6.scenario();
    let run = |p| check::run(&scenario, p).unwrap().report;
    let close_only = run(Program::CLOSE_ONLY);
    // Every container blocks in Wait() at its first rotation: heartbeat,
    // reader and its stream's 2 handlers (220) until the close at minute 5,
    // then heartbeat and blocked waiter (110), and not one line read after.
    assert!(close_only.samples[..5].iter().all(|s| s.goroutines == 220));
    assert!(close_only.samples[5..].iter().all(|s| s.goroutines == 110));
    assert_eq!(close_only.samples[5].stalled_containers, 55);
    let frozen = close_only.samples[5].lines_read;
    assert!(frozen > 0);
    assert!(
        close_only.samples[5..]
            .iter()
            .all(|s| s.lines_read == frozen)
    );
    assert_eq!(close_only.samples[58].silent_containers, 55);
    // The leak moved to the helpers: one per container per rotation
    // (11 by minute 58), above heartbeat, reader and 2 handlers each.
    let wait_timeout = run(Program::WAIT_TIMEOUT);
    let last = &wait_timeout.samples[58];
    assert_eq!(last.stalled_containers, 0);
    assert_eq!(last.silent_containers, 0);
    assert_eq!(last.by_role.helper, last.goroutines - 220);
    assert_eq!((last.by_role.helper, last.goroutines), (605, 825));
    // Healthy containers in the fixed program: 4 each, flat.
    let fixed = run(Program::FIXED);
    assert!(fixed.samples.iter().all(|s| s.goroutines == 220));
}

#[test]
fn stop_hangs_on_the_buggy_program_and_returns_on_the_others() {
    let scenario = Scenario {
        stop_at: Some(30),
        ..Preset::Fase6.scenario()
    };
    for program in Program::ALL {
        let run = check::run(&scenario, program).unwrap().report;
        let stop = run.stop.unwrap();
        assert_eq!(stop.minute, 30);
        if program == Program::BUGGY {
            assert!(!stop.returned);
            assert!(stop.hangs_on.is_some());
            assert!(stop.left > 0);
            assert!(stop.hung_containers > 0);
            // The real wg counts, besides every rotate() still blocked in
            // Wait(), the caller of Stop() blocked in it (Go's WaitGroup
            // counts it too), from the minute Stop() hangs.
            for s in &run.samples {
                let waiters = s.wait_groups.get(WaitGroupName::Wg).unwrap().waiters;
                let caller = u64::from(s.minute >= 30);
                assert_eq!(
                    waiters,
                    s.stalled_containers + caller,
                    "minute {}",
                    s.minute
                );
            }
        } else {
            assert!(stop.returned, "{program}: {stop:?}");
            assert_eq!(
                (stop.left, stop.hangs_on, stop.hung_containers),
                (0, None, 0)
            );
        }
    }
}

#[test]
fn a_run_with_too_many_lines_is_refused_before_it_starts() {
    let scenario = Scenario {
        containers: 10_000,
        minutes: 600,
        lines_per_min: 30_000,
        ..Scenario::default()
    };
    let e = check::run(&scenario, Program::FIXED).unwrap_err();
    assert!(matches!(e, check::CheckError::TooManyLines { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "10000 containers writing 30000 lines a minute for 600 minutes write 180000000000 log lines, more than check reads in one run (100000000); lower lines_per_min, containers or minutes"
    );
    assert_eq!(
        check::lines_written(&Preset::Fase6.scenario()),
        55 * 58 * 60
    );
    let bad = Scenario {
        containers: 0,
        ..Scenario::default()
    };
    assert!(matches!(
        check::run(&bad, Program::BUGGY),
        Err(check::CheckError::Scenario(_))
    ));
}

#[test]
fn a_report_says_it_is_real_and_keeps_the_order_asked() {
    let programs = [Program::FIXED, Program::CLOSE_ONLY];
    let report = check::report(&Preset::Fase3.scenario(), &programs).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["source"], "real");
    assert_eq!(json["runs"][0]["program"], "fixed");
    assert_eq!(json["runs"][1]["program"], "close-only");
}

/// Scenarios small enough to run every program in debug builds: at most
/// about 60,000 log lines.
fn scenarios() -> impl Strategy<Value = Scenario> {
    (
        (
            1u32..=12,
            1u32..=40,
            prop_oneof![Just(60u32), Just(90), Just(120), Just(300), 1u32..=400],
            1u32..=120,
            prop_oneof![Just(0.0), Just(1.0), 0.0f64..=1.0],
        ),
        (
            1u32..=5,
            0u32..=4,
            any::<u64>(),
            prop_oneof![
                Just(0u32),
                Just(1),
                Just(60),
                Just(61),
                Just(30_000),
                1u32..=600
            ],
            prop::option::of(any::<u32>()),
        ),
    )
        .prop_map(
            |(
                (containers, minutes, rotation_secs, heartbeat_secs, error_rate),
                (g, baseline, seed, lines_per_min, stop),
            )| {
                let span = u64::from(containers) * u64::from(minutes);
                let lines_per_min = lines_per_min.min((60_000 / span) as u32);
                Scenario {
                    containers,
                    minutes,
                    rotation_secs,
                    heartbeat_secs,
                    error_rate,
                    goroutines_per_reader: g,
                    baseline_goroutines: baseline,
                    seed,
                    lines_per_min,
                    stop_at: stop.map(|s| s % (minutes + 1)),
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn random_scenarios_conform_in_every_program(scenario in scenarios()) {
        for program in Program::ALL {
            assert_conforms(&scenario, program);
        }
    }
}
