//! `leakscope check` and `leakscope monitor` end to end: the real monitor's
//! measured counts equal the simulation's, its exit codes, and one line,
//! exit code 2 for every kind of bad input.

#[path = "support/run.rs"]
mod run;

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use run::{quiet, refused};

fn json(args: &[&str], code: i32) -> Value {
    serde_json::from_str(&quiet(args, code)).expect("one JSON value")
}

#[test]
fn check_fase3_passes_and_says_its_counts_are_real() {
    let v = json(&["check", "--preset", "fase3", "--format", "json"], 0);
    assert_eq!(v["source"], "real");
    assert_eq!(v["scenario"]["containers"], 8);
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(
        (&runs[0]["program"], &runs[1]["program"]),
        (&"buggy".into(), &"fixed".into())
    );
    assert!(runs.iter().all(|r| r["verdict"] == "pass"));

    let text = quiet(&["check", "--preset", "fase3"], 0);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("scenario fase3: containers 8, minutes 10"));
    assert!(lines[1].starts_with("measured: the real monitor"));
    let verdict = lines.iter().find(|l| l.starts_with("verdict")).unwrap();
    assert_eq!(
        verdict.split_whitespace().collect::<Vec<_>>(),
        ["verdict", "pass", "pass"]
    );
    assert!(
        text.contains("8 of 8 containers are stuck in Wait()"),
        "{text}"
    );
}

#[test]
fn check_fase6_buggy_leaks_with_exactly_the_simulated_counts() {
    let real = json(
        &[
            "check",
            "--preset",
            "fase6",
            "--program",
            "buggy",
            "--format",
            "json",
        ],
        1,
    );
    let sim = json(
        &[
            "sim",
            "--preset",
            "fase6",
            "--program",
            "buggy",
            "--format",
            "json",
        ],
        0,
    );
    assert_eq!(
        (&real["source"], &sim["source"]),
        (&"real".into(), &"sim".into())
    );
    assert_eq!(real["scenario"], sim["scenario"]);
    let (real, sim) = (&real["runs"][0], &sim["runs"][0]);
    assert_eq!(real["program"], "buggy");
    assert_eq!(real["verdict"], "leak");
    let samples = real["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 59);
    // 55 × (heartbeat + reader + the stream's 2 handlers).
    assert_eq!(samples[0]["goroutines"], 220);
    // The finding: measured == predicted, minute by minute, every field.
    assert_eq!(real["samples"], sim["samples"]);
    for key in ["growth_per_min", "limit", "final_goroutines", "verdict"] {
        assert_eq!(real[key], sim[key], "{key}");
    }
}

#[test]
fn check_fase6_fixed_passes_and_every_program_equals_the_simulation() {
    let fixed = json(
        &[
            "check",
            "--preset",
            "fase6",
            "--program",
            "fixed",
            "--format",
            "json",
        ],
        0,
    );
    assert_eq!(fixed["runs"][0]["verdict"], "pass");
    assert_eq!(fixed["runs"][0]["final_goroutines"], 220);
    // Every program, with and without Stop(): measured == predicted, every
    // sample field and what Stop() did.
    for stop in [None, Some("30")] {
        let mut args = vec!["--program", "all", "--format", "json"];
        if let Some(m) = stop {
            args.extend(["--stop-at", m]);
        }
        let real = json(&[&["check"][..], &args].concat(), 1);
        let sim = json(&[&["sim"][..], &args].concat(), 0);
        assert_eq!(real["scenario"], sim["scenario"]);
        for (r, s) in real["runs"]
            .as_array()
            .unwrap()
            .iter()
            .zip(sim["runs"].as_array().unwrap())
        {
            assert_eq!(r["program"], s["program"]);
            assert_eq!(r["samples"], s["samples"], "{} stop {stop:?}", r["program"]);
            assert_eq!(
                r.get("stop"),
                s.get("stop"),
                "{} stop {stop:?}",
                r["program"]
            );
        }
    }

    // Both, in a table: the buggy column leaks, so the command exits 1.
    let text = quiet(&["check"], 1);
    let verdict = text.lines().find(|l| l.starts_with("verdict")).unwrap();
    assert_eq!(
        verdict.split_whitespace().collect::<Vec<_>>(),
        ["verdict", "leak", "pass"]
    );
}

#[test]
fn check_takes_the_scenario_flags_of_sim() {
    let args = [
        "--preset",
        "fase3",
        "--containers",
        "3",
        "--minutes",
        "12",
        "--rotation",
        "0.5",
        "--heartbeat",
        "10",
        "--error-rate",
        "0.4",
        "--goroutines-per-reader",
        "4",
        "--baseline",
        "5",
        "--seed",
        "7",
        "--format",
        "json",
    ];
    let real = json(&[&["check"][..], &args].concat(), 0);
    let sim = json(&[&["sim"][..], &args].concat(), 0);
    assert_eq!(real["scenario"], sim["scenario"]);
    assert_eq!(real["scenario"]["rotation_secs"], 30);
    for i in 0..2 {
        assert_eq!(real["runs"][i]["samples"], sim["runs"][i]["samples"]);
    }
}

#[test]
fn bad_check_flags_are_refused_in_one_line() {
    let cases: &[(&[&str], &str)] = &[
        (&["check", "--containers", "0"], "--containers"),
        (&["check", "--containers", "-5"], "--containers"),
        (&["check", "--error-rate", "2"], "--error-rate"),
        (&["check", "--rotation", "soon"], "--rotation"),
        (&["check", "--seed", "-1"], "--seed"),
        (&["check", "--preset", "fase9"], "--preset"),
        (&["check", "--program", "sometimes"], "--program"),
        (&["check", "--stop-at", "99"], "--stop-at"),
        (
            &[
                "check",
                "--containers",
                "1000",
                "--minutes",
                "1440",
                "--lines-per-min",
                "30000",
            ],
            "--lines-per-min",
        ),
        (&["check", "--format", "csv"], "--format"),
    ];
    for (args, flag) in cases {
        refused(args, flag);
    }
    assert_eq!(
        refused(&["check", "--error-rate", "2"], "--error-rate"),
        "leakscope: error: --error-rate 2 is out of range (allowed: 0 to 1)\n"
    );
    assert_eq!(
        refused(&["check", "--containers", "0"], "--containers"),
        "leakscope: error: --containers 0 is out of range (allowed: 1 to 10000)\n"
    );
}

#[test]
fn bad_monitor_flags_are_refused_in_one_line_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/lines.jsonl");
    let missing = missing.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["monitor", "--rotation", "5x"], "--rotation"),
        (&["monitor", "--docker", "--rotation", "5x"], "--rotation"),
        (&["monitor", "--docker", "--rotation", "0s"], "--rotation"),
        (&["monitor", "--docker", "--heartbeat", "2h"], "--heartbeat"),
        (&["monitor", "--docker", "--duration", "-1s"], "--duration"),
        (
            &["monitor", "--debug-addr", "10.0.0.1:6060"],
            "--debug-addr",
        ),
        (
            &["monitor", "--docker", "--debug-addr", "0.0.0.0:6060"],
            "--debug-addr",
        ),
        (
            &["monitor", "--docker", "--debug-addr", "6060"],
            "--debug-addr",
        ),
        (&["monitor", "--label", "novalue"], "--label"),
        (&["monitor", "--docker", "--label", "=web"], "--label"),
        (&["monitor", "--docker", "--out", missing], "--out"),
        (&["monitor", "--docker", "--program", "all"], "--program"),
        (&["monitor", "--docker", "--program", "shared"], "--program"),
        (
            &["monitor", "--docker", "--docker-socket", ""],
            "--docker-socket",
        ),
        (&["monitor"], "--docker"),
    ];
    for (args, flag) in cases {
        refused(args, flag);
    }
    assert_eq!(
        refused(&["monitor", "--rotation", "5x"], "--rotation"),
        "leakscope: error: --rotation 5x is not a duration: unknown unit \"x\" (allowed: 100ms to 24h in ms, s, m, h; e.g. 500ms, 1s, 5m)\n"
    );
    assert_eq!(
        refused(
            &["monitor", "--debug-addr", "10.0.0.1:6060"],
            "--debug-addr"
        ),
        "leakscope: error: --debug-addr 10.0.0.1:6060 is not a loopback address (allowed: 127.0.0.0/8 or [::1], or off; add --debug-allow-remote to serve on 10.0.0.1)\n"
    );
    assert_eq!(
        refused(&["monitor", "--label", "novalue"], "--label"),
        "leakscope: error: --label novalue has no = between key and value (allowed: KEY=VALUE, e.g. com.example.app=web)\n"
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing is written"
    );
}

/// Runs the binary, killing it if it outlives `limit`.
fn bounded(args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leakscope"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_end(&mut stderr)
        .unwrap();
    Output {
        status,
        stdout,
        stderr,
    }
}

#[test]
fn monitor_without_an_engine_retries_then_fails_in_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("missing.sock");
    let socket = socket.to_str().unwrap();
    let out = dir.path().join("lines.jsonl");
    let args = [
        "monitor",
        "--docker",
        "--docker-socket",
        socket,
        "--duration",
        "1s",
        "--debug-addr",
        "127.0.0.1:0",
        "--out",
        out.to_str().unwrap(),
    ];
    let start = Instant::now();
    let output = bounded(&args, Duration::from_secs(60));
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        output.stdout.is_empty(),
        "no summary for a run that followed nothing"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        elapsed >= Duration::from_secs(1),
        "it retried for --duration"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    // While it runs: where the debug endpoint is, and once (not at every
    // retry) that the engine cannot be reached. At the end: the error.
    assert_eq!(lines.len(), 3, "{stderr}");
    assert!(
        lines[0].starts_with("leakscope: debug endpoint on http://127.0.0.1:"),
        "{stderr}"
    );
    assert_eq!(
        lines[1],
        format!(
            "leakscope: cannot reach the Docker engine at {socket} (socket {socket} not found); retrying every 500ms"
        )
    );
    assert!(
        lines[2].starts_with(&format!(
            "leakscope: error: the Docker engine at {socket} was never reached in "
        )),
        "{stderr}"
    );
    assert!(lines[2].contains("--docker-socket"), "{stderr}");
    assert!(out.is_file(), "--out was created");
}

#[test]
fn help_lists_check_and_monitor() {
    let help = quiet(&["--help"], 0);
    assert!(help.contains("check") && help.contains("monitor"), "{help}");
    let check = quiet(&["check", "--help"], 0);
    for flag in [
        "--preset",
        "--error-rate",
        "--program",
        "--stop-at",
        "--format",
    ] {
        assert!(check.contains(flag), "{check}");
    }
    let monitor = quiet(&["monitor", "--help"], 0);
    for flag in [
        "--docker",
        "--program",
        "--rotation",
        "--heartbeat",
        "--label",
        "--duration",
        "--out",
        "--debug-addr",
        "--debug-allow-remote",
        "--docker-socket",
    ] {
        assert!(monitor.contains(flag), "{monitor}");
    }
}
