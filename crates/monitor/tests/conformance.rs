//! The real monitor on synthetic containers, measured by its census, gives
//! exactly the simulation's per-minute samples for the same scenario.
//!
//! This is the one place the simulation is used: as the thing compared
//! against. The monitor's code never calls it.

use leakscope_monitor::check;
use leakscope_sim::{Preset, Scenario, Variant, conformance, simulate};
use proptest::prelude::*;

fn assert_conforms(scenario: &Scenario, variant: Variant) {
    let real = check::run(scenario, variant)
        .unwrap_or_else(|e| panic!("{variant} on {scenario:?}: {e}"))
        .report;
    let sim = simulate(scenario, variant).unwrap();
    assert_eq!(real.samples.len(), sim.samples().len());
    for (r, s) in real.samples.iter().zip(sim.samples()) {
        assert_eq!(
            r, s,
            "{variant}, minute {}: real (left) and simulated (right) differ on {scenario:?}",
            r.minute
        );
    }
    assert_eq!(real.verdict, sim.analysis().verdict);
}

#[test]
fn both_presets_conform_in_both_variants() {
    for preset in Preset::ALL {
        for variant in Variant::ALL {
            assert_conforms(&preset.scenario(), variant);
        }
    }
}

#[test]
fn the_cores_conformance_scenarios_conform() {
    for (_name, scenario) in conformance::scenarios() {
        for variant in Variant::ALL {
            assert_conforms(&scenario, variant);
        }
    }
}

#[test]
fn a_fase6_report_says_it_is_real() {
    let report = check::report(&Preset::Fase3.scenario(), &Variant::ALL).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["source"], "real");
    assert_eq!(json["runs"].as_array().unwrap().len(), 2);
}

fn scenarios() -> impl Strategy<Value = Scenario> {
    (
        1u32..=12,
        1u32..=40,
        prop_oneof![Just(60u32), Just(90), Just(120), Just(300), 1u32..=400],
        1u32..=120,
        prop_oneof![Just(0.0), Just(1.0), 0.0f64..=1.0],
        1u32..=5,
        0u32..=4,
        any::<u64>(),
    )
        .prop_map(
            |(
                containers,
                minutes,
                rotation_secs,
                heartbeat_secs,
                error_rate,
                g,
                baseline,
                seed,
            )| {
                Scenario {
                    containers,
                    minutes,
                    rotation_secs,
                    heartbeat_secs,
                    error_rate,
                    goroutines_per_reader: g,
                    baseline_goroutines: baseline,
                    seed,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_scenarios_conform_in_both_variants(scenario in scenarios()) {
        for variant in Variant::ALL {
            assert_conforms(&scenario, variant);
        }
    }
}
