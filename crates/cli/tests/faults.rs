//! `leakscope faults` end to end: the JSON list reads back and equals the
//! core's fault schedule, the table agrees with it, and bad flags are
//! refused in one line with exit code 2.

#[path = "support/run.rs"]
mod run;

use leakscope_sim::{FaultList, FaultSchedule, Preset, Program, Scenario, Time, simulate};
use serde_json::Value;

use run::{ok, refused};

#[test]
fn faults_json_for_fase6_reads_back_and_equals_the_cores_schedule() {
    let text = ok(&["faults", "--preset", "fase6", "--format", "json"]);
    let value: Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["faults", "rotations", "scenario"]);
    assert_eq!(value["rotations"], 12); // 1 + 58 × 60 / 300
    let first = value["faults"][0].as_object().unwrap();
    let mut first_keys: Vec<&str> = first.keys().map(String::as_str).collect();
    first_keys.sort_unstable();
    assert_eq!(first_keys, ["container", "offset_secs", "rotation"]);

    let list: FaultList = serde_json::from_str(&text).unwrap();
    let scenario = Preset::Fase6.scenario();
    assert_eq!(list.scenario, scenario);
    assert_eq!(list.rotations, 12);
    // Every listed rotation, failing or not, checked against the schedule.
    let schedule = FaultSchedule::new(scenario.seed, scenario.error_rate);
    let mut listed = list.faults.iter().peekable();
    for c in 0..scenario.containers {
        for n in 1..=12u32 {
            match schedule.fault(c, u64::from(n)) {
                Some(f) => {
                    let got = listed.next().unwrap_or_else(|| panic!("c{c} r{n} missing"));
                    assert_eq!((got.container, got.rotation), (c, n));
                    assert_eq!(got.offset_secs, f.offset_secs(scenario.rotation_secs));
                }
                None => assert!(
                    listed
                        .peek()
                        .is_none_or(|g| (g.container, g.rotation) != (c, n)),
                    "c{c} r{n} listed but healthy"
                ),
            }
        }
    }
    assert!(listed.next().is_none());
    // The scenario keeps the shape `sim --format json` gives it.
    let sim: Value =
        serde_json::from_str(&ok(&["sim", "--preset", "fase6", "--format", "json"])).unwrap();
    assert_eq!(value["scenario"], sim["scenario"]);
}

#[test]
fn faults_json_lists_every_failure_every_programs_run_draws() {
    // A wait with a timeout delays later rotations; a stop ends them early.
    for extra in [&[][..], &["--stop-at", "40"][..]] {
        let args = [
            &["faults", "--format", "json", "--error-rate", "0.4"][..],
            extra,
        ]
        .concat();
        let list: FaultList = serde_json::from_str(&ok(&args)).unwrap();
        for program in Program::ALL {
            let trace = simulate(&list.scenario, program).unwrap();
            let opened: Vec<usize> = trace
                .containers()
                .iter()
                .map(|r| r.rotations().len())
                .collect();
            let mut drawn = Vec::new();
            for (c, record) in trace.containers().iter().enumerate() {
                assert!(opened[c] <= list.rotations as usize, "{program}");
                for (i, r) in record.rotations().iter().enumerate() {
                    if let Some(at) = r.fail_at() {
                        let offset = (at.as_millis() - r.start().as_millis()) / 1000;
                        drawn.push((c as u32, i as u32 + 1, offset as u32));
                        assert_eq!(at, r.start() + Time::from_secs(offset), "whole seconds");
                    }
                }
            }
            // The listed faults of the rotations the run opened.
            let listed: Vec<(u32, u32, u32)> = list
                .faults
                .iter()
                .filter(|f| f.rotation as usize <= opened[f.container as usize])
                .map(|f| (f.container, f.rotation, f.offset_secs))
                .collect();
            assert_eq!(drawn, listed, "{program} {extra:?}");
            assert!(!drawn.is_empty());
        }
    }
}

#[test]
fn faults_takes_sims_scenario_flags() {
    let args = [
        "--preset",
        "fase3",
        "--containers",
        "4",
        "--minutes",
        "20",
        "--rotation",
        "1.5",
        "--error-rate",
        "0.4",
        "--seed",
        "77",
        "--stop-at",
        "15",
    ];
    let list: FaultList =
        serde_json::from_str(&ok(
            &[&["faults", "--format", "json"][..], &args[..]].concat()
        ))
        .unwrap();
    let expected = Scenario {
        containers: 4,
        minutes: 20,
        rotation_secs: 90,
        error_rate: 0.4,
        seed: 77,
        stop_at: Some(15),
        ..Preset::Fase3.scenario()
    };
    assert_eq!(list, FaultList::of(&expected));
    assert_eq!(list.rotations, 1 + 20 * 60 / 90);
}

#[test]
fn faults_table_has_a_line_per_failing_container_and_the_totals() {
    let text = ok(&["faults"]);
    let list = FaultList::of(&Preset::Fase6.scenario());
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("scenario fase6: containers 55, minutes 58"));
    assert!(lines[1].starts_with("rotations 1 to 12 of each container"));
    let c0: Vec<String> = list
        .faults
        .iter()
        .filter(|f| f.container == 0)
        .map(|f| format!("rotation {} at +{}s", f.rotation, f.offset_secs))
        .collect();
    assert_eq!(lines[2], format!("c0  {}", c0.join(", ")));
    assert_eq!(
        *lines.last().unwrap(),
        format!(
            "failing rotations: {} of 660 listed (55 containers × 12 rotations)",
            list.faults.len()
        )
    );
}

#[test]
fn bad_faults_flags_are_refused_in_one_line() {
    let cases: &[(&[&str], &str)] = &[
        (&["faults", "--error-rate", "1.5"], "--error-rate"),
        (&["faults", "--containers", "-5"], "--containers"),
        (&["faults", "--seed", "many"], "--seed"),
        (&["faults", "--preset", "fase9"], "--preset"),
        (&["faults", "--format", "csv"], "--format"),
        (&["faults", "--program", "buggy"], "--program"),
    ];
    for (args, flag) in cases {
        refused(args, flag);
    }
    assert_eq!(
        refused(&["faults", "--error-rate", "1.5"], "--error-rate"),
        "leakscope: error: --error-rate 1.5 is out of range (allowed: 0 to 1)\n"
    );
}
