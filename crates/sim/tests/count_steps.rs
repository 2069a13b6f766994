//! `Trace::count_steps`, the count as a step function for the page's chart
//! (issue 10, point 6): it equals every minute's sample and changes only at
//! instants where something happens.

use leakscope_sim::{Preset, Program, Scenario, Time, simulate};

#[test]
fn the_steps_equal_every_minutes_sample_in_every_program() {
    let stopped = Scenario {
        stop_at: Some(30),
        ..Preset::Fase6.scenario()
    };
    for scenario in [Preset::Fase3.scenario(), Preset::Fase6.scenario(), stopped] {
        for p in Program::ALL {
            let trace = simulate(&scenario, p).unwrap();
            let steps = trace.count_steps();
            assert_eq!(steps[0].0, Time::ZERO);
            assert!(
                steps
                    .windows(2)
                    .all(|w| w[0].0 < w[1].0 && w[0].1 != w[1].1)
            );
            for s in trace.samples() {
                let m = Time::from_minutes(u64::from(s.minute));
                let at = steps.iter().rev().find(|(t, _)| *t <= m).unwrap().1;
                assert_eq!(at, s.goroutines, "{p} at minute {}", s.minute);
            }
        }
    }
}

#[test]
fn the_buggy_count_first_jumps_at_the_first_rotation_not_before() {
    let trace = simulate(&Preset::Fase6.scenario(), Program::BUGGY).unwrap();
    let steps = trace.count_steps();
    assert!(steps[1].0 >= Time::from_minutes(5), "{:?}", &steps[..3]);
}
