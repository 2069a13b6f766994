//! The built `leakscope` binary end to end: every subcommand's output on the
//! happy path, and one line, exit code 2 and nothing written for every kind
//! of bad input.

#[path = "support/run.rs"]
mod run;

use std::path::Path;

use clap::CommandFactory;
use leakscope_sim::{Program, simulate};
use serde_json::Value;

use run::{ok, refused};

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn verify_cli() {
    leakscope_cli::Cli::command().debug_assert();
}

#[test]
fn help_and_version_print_normally_and_succeed() {
    let help = ok(&["--help"]);
    for sub in ["sim", "programs", "dump", "chart", "sweep", "fingerprint"] {
        assert!(help.contains(sub), "{help}");
    }
    assert!(ok(&["sim", "--help"]).contains("--error-rate"));
    assert!(ok(&["--version"]).starts_with("leakscope "));
}

#[test]
fn sim_table_shows_the_fase6_timeline_and_both_verdicts() {
    let text = ok(&["sim"]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("scenario fase6: containers 55, minutes 58"));
    let words = |prefix: &str| -> Vec<String> {
        let line = lines
            .iter()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} row in\n{text}"));
        line[prefix.len()..]
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(words("minute "), ["buggy", "fixed"]);
    // 55 × (heartbeat + reader + the stream's 2 handlers).
    assert_eq!(words("0 "), ["220", "220"]);
    assert_eq!(words("58 ")[1], "220");
    assert_eq!(words("verdict "), ["leak", "pass"]);
    assert_eq!(words("limit "), ["336", "336"]);
    assert_eq!(words("stalled containers ")[1], "0");
    assert_eq!(words("leaked readers ")[1], "0");
    for m in (0..=50).step_by(10) {
        assert!(lines.iter().any(|l| l.starts_with(&format!("{m} "))));
    }
}

#[test]
fn sim_table_runs_only_the_programs_asked_for() {
    let text = ok(&["sim", "--program", "fixed", "--preset", "fase3"]);
    assert!(text.contains("scenario fase3"));
    assert!(!text.contains("buggy"));
    assert!(
        text.lines()
            .any(|l| l.starts_with("verdict") && l.ends_with("pass"))
    );
}

#[test]
fn sim_table_has_a_column_per_program_and_tells_what_stop_did() {
    let text = ok(&["sim", "--program", "all", "--stop-at", "30"]);
    let row = |prefix: &str| -> Vec<String> {
        let line = text
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} row in\n{text}"));
        line[prefix.len()..]
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(
        row("minute "),
        ["buggy", "close-only", "wait-timeout", "fixed"]
    );
    assert_eq!(row("20 "), ["861", "110", "385", "220"]);
    assert_eq!(row("58 "), ["965", "0", "0", "0"]);
    assert_eq!(
        row("Stop() "),
        ["hangs", "(c0)", "returned", "returned", "returned"]
    );
    assert_eq!(row("left after Stop() "), ["965", "0", "0", "0"]);
    let list = ok(&["sim", "--program", "fixed,close-only"]);
    assert!(
        list.contains("note: close-only passes the goroutine check, yet 55 of 55 containers are stuck in Wait()"),
        "{list}"
    );
    assert!(
        list.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["minute", "close-only", "fixed"])
    );
}

#[test]
fn programs_lists_every_program_with_its_summary() {
    let text = ok(&["programs"]);
    for p in Program::ALL {
        assert!(
            text.contains(&format!("{:<13} {}", p.name(), p.def().title)),
            "{text}"
        );
    }
    let with_source = ok(&["programs", "--source"]);
    assert!(with_source.contains("c.readerWg.Wait()"));
}

#[test]
fn sim_table_shows_the_buggy_fase3_pass_with_every_container_stalled() {
    let text = ok(&["sim", "--preset", "fase3"]);
    let stalled = text
        .lines()
        .find(|l| l.starts_with("stalled containers"))
        .unwrap();
    assert_eq!(
        stalled.split_whitespace().collect::<Vec<_>>(),
        ["stalled", "containers", "8", "0"]
    );
    assert!(text.contains("8 of 8 containers are stuck in Wait()"));
}

#[test]
fn sim_json_is_one_report_with_the_documented_keys() {
    let text = ok(&["sim", "--format", "json"]);
    let v: Value = serde_json::from_str(&text).expect("one JSON value");
    assert_eq!(v["source"], "sim");
    let scenario = v["scenario"].as_object().unwrap();
    for key in [
        "containers",
        "minutes",
        "rotation_secs",
        "heartbeat_secs",
        "error_rate",
        "goroutines_per_reader",
        "baseline_goroutines",
        "seed",
        "lines_per_min",
    ] {
        assert!(scenario.contains_key(key), "scenario lacks {key}");
    }
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["program"], "buggy");
    assert_eq!(runs[1]["program"], "fixed");
    assert_eq!(runs[0]["verdict"], "leak");
    assert_eq!(runs[1]["verdict"], "pass");
    for run in runs {
        for key in ["growth_per_min", "limit", "final_goroutines", "verdict"] {
            assert!(run.get(key).is_some(), "run lacks {key}");
        }
        let samples = run["samples"].as_array().unwrap();
        let minutes: Vec<u64> = samples
            .iter()
            .map(|s| s["minute"].as_u64().unwrap())
            .collect();
        assert_eq!(minutes, (0..=58).collect::<Vec<u64>>());
        for key in [
            "goroutines",
            "by_role",
            "leaked_readers",
            "stalled_containers",
            "lines_read",
            "silent_containers",
            "wait_groups",
        ] {
            assert!(samples[0].get(key).is_some(), "sample lacks {key}");
        }
        assert_eq!(samples[0]["goroutines"], 220);
        assert!(run.get("stop").is_none(), "no Stop() without --stop-at");
    }
    // The targets for the fixes people try.
    let all: Value =
        serde_json::from_str(&ok(&["sim", "--program", "all", "--format", "json"])).unwrap();
    let runs = all["runs"].as_array().unwrap();
    let names: Vec<&str> = runs
        .iter()
        .map(|r| r["program"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["buggy", "close-only", "wait-timeout", "fixed"]);
    let samples = |i: usize| runs[i]["samples"].as_array().unwrap().clone();
    let close_only = samples(1);
    let frozen = &close_only[5]["lines_read"];
    for s in &close_only[5..] {
        assert_eq!(s["goroutines"], 110);
        assert_eq!(s["stalled_containers"], 55);
        assert_eq!(&s["lines_read"], frozen);
    }
    let growth = runs[2]["growth_per_min"].as_f64().unwrap();
    assert!(
        (10.0..=12.0).contains(&growth),
        "wait-timeout grows {growth}/min"
    );
    assert!(samples(2).iter().all(|s| s["stalled_containers"] == 0));
    let stopped: Value = serde_json::from_str(&ok(&[
        "sim",
        "--program",
        "all",
        "--stop-at",
        "30",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(stopped["scenario"]["stop_at"], 30);
    let stop = &stopped["runs"][3]["stop"];
    assert_eq!(
        (&stop["returned"], &stop["left"]),
        (&Value::Bool(true), &Value::from(0))
    );
    assert_eq!(stopped["runs"][0]["stop"]["returned"], false);
}

#[test]
fn sim_csv_has_a_row_per_program_and_minute() {
    let text = ok(&["sim", "--format", "csv"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2 * (58 + 1) + 1);
    assert!(lines[0].starts_with(
        "program,minute,goroutines,system,heartbeat,reader,handler,waiter,helper,leaked_readers,stalled_containers,lines_read,silent_containers,"
    ));
    assert!(lines[1].starts_with("buggy,0,220,"));
    assert!(lines[60].starts_with("fixed,0,220,"));

    let text = ok(&[
        "sim",
        "--format",
        "csv",
        "--program",
        "buggy",
        "--minutes",
        "7",
    ]);
    assert_eq!(text.lines().count(), 7 + 1 + 1);
}

#[test]
fn dump_shows_the_leaked_goroutines_in_both_debug_levels() {
    let full = ok(&["dump", "--program", "buggy", "--at", "58"]);
    // Goroutine 1 is main (outside the counts with no baseline): the
    // program's own start at 2, as in Go.
    assert!(full.starts_with("goroutine 2 ["));
    assert!(full.contains("[IO wait, 53 minutes]"));
    let grouped = ok(&["dump", "--at", "58", "--debug", "1"]);
    assert!(grouped.starts_with("goroutine profile: total 1958"));
    let one = ok(&[
        "dump",
        "--program",
        "fixed",
        "--at",
        "17.5",
        "--container",
        "54",
        "--debug",
        "1",
    ]);
    // Heartbeat, reader and the stream's read and write loops.
    assert!(one.starts_with("goroutine profile: total 4\n"));
    let helpers = ok(&[
        "dump",
        "--program",
        "wait-timeout",
        "--at",
        "58",
        "--container",
        "3",
        "--debug",
        "1",
    ]);
    assert!(
        helpers.contains("11 @ helper [sync.WaitGroup.Wait]"),
        "{helpers}"
    );
}

#[test]
fn chart_writes_an_svg_and_a_png_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("fase6.svg");
    let png = dir.path().join("fase6.PNG");
    ok(&["chart", "--out", svg.to_str().unwrap()]);
    ok(&[
        "chart",
        "--out",
        png.to_str().unwrap(),
        "--width",
        "640",
        "--height",
        "400",
        "--preset",
        "fase3",
    ]);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"));
    assert!(text.contains("buggy (leak"));
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.len() > 1000);
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(files_in(dir.path()), ["fase6.PNG", "fase6.svg"]);
}

#[test]
fn sweep_summarises_each_setting_and_program() {
    let args = [
        "sweep",
        "--containers",
        "5,20",
        "--error-rate",
        "0.5,0.9",
        "--rotation",
        "2.5",
        "--minutes",
        "30",
        "--seeds",
        "3",
    ];
    let text = ok(&args);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 2 * 2 * 2);
    assert!(lines[0].starts_with("containers,minutes,rotation_secs,"));
    // Every parameter of the scenario: lines per minute 60, no Stop().
    assert!(lines[1].starts_with("5,30,150,30,0.5,3,0,60,,buggy,3,"));
    assert!(lines[8].starts_with("20,30,150,30,0.9,3,0,60,,fixed,3,"));
    assert_eq!(ok(&args), text, "a sweep is deterministic");

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep.json");
    let printed = ok(&[
        "sweep",
        "--error-rate",
        "0,1",
        "--seeds",
        "2",
        "--program",
        "buggy",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(printed.is_empty());
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["runs"], 2);
    assert_eq!(rows[1]["leak_share"], 1.0);
    // Each row's scenario is the core's, its seed the sweep's first.
    let scenario: leakscope_sim::Scenario =
        serde_json::from_value(rows[1]["scenario"].clone()).unwrap();
    assert_eq!(scenario.error_rate, 1.0);
    assert_eq!(scenario.seed, v["seed_start"].as_u64().unwrap());
    assert_eq!(files_in(dir.path()), ["sweep.json"]);
}

#[test]
fn fingerprints_are_stable_and_tell_the_programs_apart() {
    let first = ok(&["fingerprint"]);
    assert_eq!(ok(&["fingerprint"]), first);
    let lines: Vec<Vec<&str>> = first.lines().map(|l| l.split(' ').collect()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0][..2], ["fase6", "buggy"]);
    assert_eq!(lines[1][..2], ["fase6", "fixed"]);
    for l in &lines {
        assert_eq!(l[2].len(), 16);
        assert!(
            l[2].chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
    }
    assert_ne!(lines[0][2], lines[1][2]);
    let custom = ok(&["fingerprint", "--program", "buggy", "--seed", "2"]);
    assert!(custom.starts_with("custom buggy "));
    assert_ne!(custom.split(' ').nth(2), Some(lines[0][2]));
}

#[test]
fn the_conformance_list_gives_the_cores_fingerprint_for_every_run() {
    let text = ok(&["fingerprint", "--conformance"]);
    assert_eq!(ok(&["fingerprint", "--conformance"]), text);
    let lines = leakscope_sim::conformance::parse_fingerprints(&text).unwrap();
    let expected: Vec<(String, String, u64)> = leakscope_sim::conformance::scenarios()
        .iter()
        .flat_map(|(name, s)| {
            Program::ALL.map(|p| {
                let print = simulate(s, p).unwrap().fingerprint();
                ((*name).to_owned(), p.name().to_owned(), print)
            })
        })
        .collect();
    assert_eq!(lines, expected);
    // The preset lines agree with a plain run of the preset.
    let fase6 = ok(&["fingerprint", "--preset", "fase6"]);
    for line in fase6.lines() {
        assert!(text.contains(line));
    }
}

#[test]
fn bad_scenario_flags_are_refused_in_one_line() {
    let cases: &[(&[&str], &str)] = &[
        (&["sim", "--preset", "fase9"], "--preset"),
        (&["sim", "--program", "sometimes"], "--program"),
        (&["sim", "--program", "buggy,,fixed"], "--program"),
        (&["sim", "--program", ""], "--program"),
        (&["sim", "--variant", "buggy"], "--variant"),
        (&["sim", "--lines-per-min", "30001"], "--lines-per-min"),
        (&["sim", "--lines-per-min", "-1"], "--lines-per-min"),
        (&["sim", "--stop-at", "59"], "--stop-at"),
        (&["sim", "--stop-at", "soon"], "--stop-at"),
        (
            &["sim", "--preset", "fase3", "--stop-at", "11"],
            "--stop-at",
        ),
        (&["sim", "--format", "xml"], "--format"),
        (&["sim", "--containers", "0"], "--containers"),
        (&["sim", "--containers", "1000000000"], "--containers"),
        (&["sim", "--containers", "-5"], "--containers"),
        (&["sim", "--containers", "many"], "--containers"),
        (&["sim", "--minutes", "-3"], "--minutes"),
        (&["sim", "--error-rate", "1.5"], "--error-rate"),
        (&["sim", "--error-rate"], "--error-rate"),
        (&["sim", "--rotation", "0.001"], "--rotation"),
        (&["sim", "--heartbeat", "0"], "--heartbeat"),
        (
            &["sim", "--goroutines-per-reader", "17"],
            "--goroutines-per-reader",
        ),
        (&["sim", "--baseline", "-1"], "--baseline"),
        (&["sim", "--seed", "-1"], "--seed"),
        (&["sim", "--seed", "1", "--seed", "2"], "--seed"),
        (&["sim", "--frobnicate"], "--frobnicate"),
        (
            &[
                "sim",
                "--containers",
                "10000",
                "--minutes",
                "10080",
                "--rotation",
                "0.1",
            ],
            "--containers",
        ),
        (&["frobnicate"], "frobnicate"),
        (&[], "subcommand"),
        (
            &["fingerprint", "--conformance", "--seed", "3"],
            "--conformance",
        ),
        (&["fingerprint", "--program", "neither"], "--program"),
    ];
    for (args, flag) in cases {
        refused(args, flag);
    }
    assert_eq!(
        refused(&["sim", "--error-rate", "1.5"], "--error-rate"),
        "leakscope: error: --error-rate 1.5 is out of range (allowed: 0 to 1)\n"
    );
    assert_eq!(
        refused(&["sim", "--containers", "-5"], "--containers"),
        "leakscope: error: --containers -5 is out of range (allowed: 1 to 10000)\n"
    );
    assert_eq!(
        refused(&["sim", "--program", "buggy,shared"], "--program"),
        "leakscope: error: --program buggy,shared names an unknown program shared (allowed: comma-separated names from buggy, close-only, wait-timeout, fixed, or all)\n"
    );
}

#[test]
fn bad_dump_flags_name_the_flag_and_its_range() {
    let at = refused(&["dump", "--program", "buggy", "--at", "59"], "--at");
    assert!(at.contains("0 to 58"), "{at}");
    refused(&["dump", "--program", "buggy", "--at", "-1"], "--at");
    refused(&["dump", "--program", "buggy", "--at", "soon"], "--at");
    let c = refused(
        &[
            "dump",
            "--program",
            "buggy",
            "--at",
            "5",
            "--container",
            "55",
        ],
        "--container",
    );
    assert!(c.contains("0 to 54"), "{c}");
    refused(
        &["dump", "--program", "buggy", "--at", "5", "--debug", "3"],
        "--debug",
    );
    refused(&["dump", "--program", "all", "--at", "5"], "--program");
    refused(
        &["dump", "--program", "buggy,fixed", "--at", "5"],
        "--program",
    );
    refused(&["dump", "--program", "fixed"], "--at");
}

#[test]
fn bad_chart_output_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/chart.svg");
    let msg = refused(&["chart", "--out", missing.to_str().unwrap()], "--out");
    assert!(msg.contains(missing.to_str().unwrap()), "{msg}");
    let jpg = dir.path().join("chart.jpg");
    refused(&["chart", "--out", jpg.to_str().unwrap()], "--out");
    let none = dir.path().join("chart");
    refused(&["chart", "--out", none.to_str().unwrap()], "--out");
    let is_dir = dir.path().join("taken.svg");
    std::fs::create_dir(&is_dir).unwrap();
    refused(&["chart", "--out", is_dir.to_str().unwrap()], "--out");
    let ok_path = dir.path().join("fine.svg");
    refused(
        &["chart", "--out", ok_path.to_str().unwrap(), "--width", "10"],
        "--width",
    );
    refused(
        &[
            "chart",
            "--out",
            ok_path.to_str().unwrap(),
            "--error-rate",
            "2",
        ],
        "--error-rate",
    );
    assert_eq!(files_in(dir.path()), ["taken.svg"]);
}

#[test]
fn bad_sweep_flags_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep.csv");
    let out = out.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["sweep", "--containers", "5,,6", "--out", out],
            "--containers",
        ),
        (
            &["sweep", "--containers", "5,x", "--out", out],
            "--containers",
        ),
        (
            &["sweep", "--containers", "0,5", "--out", out],
            "--containers",
        ),
        (
            &["sweep", "--error-rate", "0.5,1.5", "--out", out],
            "--error-rate",
        ),
        (&["sweep", "--rotation", "5,-1", "--out", out], "--rotation"),
        (&["sweep", "--minutes", "-3", "--out", out], "--minutes"),
        (&["sweep", "--seeds", "0", "--out", out], "--seeds"),
        (
            &["sweep", "--seed-start", "-1", "--out", out],
            "--seed-start",
        ),
        (&["sweep", "--format", "table", "--out", out], "--format"),
        (&["sweep", "--program", "some", "--out", out], "--program"),
        (&["sweep", "--containers", "", "--out", out], "--containers"),
    ];
    for (args, flag) in cases {
        refused(args, flag);
    }
    let missing = dir.path().join("missing/sweep.csv");
    refused(&["sweep", "--out", missing.to_str().unwrap()], "--out");
    assert!(files_in(dir.path()).is_empty());
}

/// `chart --from` draws a recorded real run (the one in `docs/runs/`) over
/// the simulation of its schedule; a file that is not one, or one given
/// with scenario flags, is refused in one line.
#[test]
fn chart_from_draws_a_recorded_run_and_refuses_what_is_not_one() {
    let dir = tempfile::tempdir().unwrap();
    let run = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/runs/docker-buggy.json"
    );
    let svg = dir.path().join("real.svg");
    ok(&["chart", "--from", run, "--out", svg.to_str().unwrap()]);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("buggy: measured, tokio tasks (final "),
        "{text}"
    );
    assert!(text.contains("buggy: simulated for the same schedule (final "));
    assert!(text.contains("A real run"));

    let not_json = dir.path().join("not.json");
    let refused_from = |from: &str| {
        refused(
            &["chart", "--from", from, "--out", svg.to_str().unwrap()],
            "--from",
        )
    };
    std::fs::write(&not_json, "{\"program\": \"buggy\"}").unwrap();
    let msg = refused_from(not_json.to_str().unwrap());
    assert!(msg.contains("is not a recorded run"), "{msg}");
    refused_from("/no/such/run.json");
    let mut shuffled: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run).unwrap()).unwrap();
    shuffled["census"].as_array_mut().unwrap().swap(0, 1);
    std::fs::write(&not_json, shuffled.to_string()).unwrap();
    let msg = refused_from(not_json.to_str().unwrap());
    assert!(msg.contains("period order"), "{msg}");
    let out = run::leakscope(&[
        "chart",
        "--from",
        run,
        "--seed",
        "3",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--from") && stderr.contains("--seed"),
        "{stderr}"
    );
}
