//! `leakscope monitor --docker` on a real engine: SIGTERM and Ctrl-C
//! (SIGINT) drain every task and exit 0 with the census back at zero.
//!
//! Needs a running Docker engine; without one the test says "skipped: no
//! docker engine" and passes, except under `CI=true`, where it fails.

#![cfg(unix)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use leakscope_emitter::docker;

fn engine() -> bool {
    if docker(&["version", "--format", "{{.Server.Version}}"]).is_ok() {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(!ci, "CI=true but no Docker engine answers");
    eprintln!("*** skipped: no docker engine ***");
    false
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn lines_in(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |s| s.lines().count())
}

#[test]
fn sigterm_and_ctrl_c_drain_the_monitor_back_to_zero() {
    if !engine() {
        return;
    }
    leakscope_emitter::build_image(&workspace()).expect("the emitter image builds");
    let dir = tempfile::tempdir().unwrap();
    // The last case: Ctrl-C on the buggy program with every stream made
    // half-open (no line gets through), its recorded run printed as JSON.
    let injected: &[&str] = &[
        "--program",
        "buggy",
        "--inject-faults",
        "--error-rate",
        "1",
        "--format",
        "json",
    ];
    for (signal, extra) in [
        ("TERM", &["--program", "fixed"][..]),
        ("INT", &["--program", "fixed"][..]),
        ("INT", injected),
    ] {
        let faults = extra.contains(&"--inject-faults");
        let case = format!("{}-{signal}-{}", std::process::id(), u8::from(faults));
        let label = format!("leakscope.test=signals-{case}");
        let name = format!("leakscope-test-signals-{case}");
        let _ = docker(&["rm", "-f", &name]);
        leakscope_emitter::run(&label, &name, &[], &["--rate", "50"])
            .expect("the emitter container starts");
        let out = dir.path().join(format!("{signal}.jsonl"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_leakscope"))
            .args(["monitor", "--docker", "--rotation", "1s"])
            .args(extra)
            .args(["--label", &label, "--debug-addr", "off", "--out"])
            .arg(&out)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");

        // Let it follow the container across a few rotations.
        let start = Instant::now();
        while !faults && lines_in(&out) < 100 && start.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_millis(if faults { 4_500 } else { 2_500 }));
        let kill = Command::new("kill")
            .args(["-s", signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());

        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                panic!("SIG{signal}: still running 30 s later");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut stdout = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout)
            .unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let _ = docker(&["rm", "-f", &name]);

        assert!(status.success(), "SIG{signal}: {status}\n{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        if faults {
            // Readers left behind at every rotation, and still every task
            // drained at Ctrl-C.
            let run: leakscope_sim::RecordedRun = serde_json::from_str(&stdout).unwrap();
            assert_eq!(run.left_after_drain, 0, "{stdout}");
            assert_eq!(run.lines, 0, "{stdout}");
            let last = run.census.last().unwrap();
            assert!(last.due >= 3 && last.leaked_readers == last.due, "{last:?}");
            continue;
        }
        assert!(
            stdout.contains("census back at 0"),
            "SIG{signal}: no clean drain in the summary:\n{stdout}"
        );
        let written = lines_in(&out);
        assert!(written >= 100, "SIG{signal}: only {written} lines written");
        // Every line written is one JSON object with the documented keys.
        let text = std::fs::read_to_string(&out).unwrap();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            assert!(v["container"].is_string() && v["ts"].is_string() && v["line"].is_string());
        }
    }
}
