//! `leakscope watch` end to end, against a tiny HTTP server in the test
//! that answers each GET with the next of a list of bodies: leakscope's own
//! simulated `debug=2` dumps, one per program minute (`--interval 50ms
//! --minute 50ms`: one poll per minute). The verdicts of the four programs,
//! the growing groups and the stuck waiters named; and for a service that
//! cannot be read (nothing listening, a 404, an HTML page) exit 3, for bad
//! flags exit 2, one line and nothing on standard output.

#[path = "support/run.rs"]
mod run;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Output;
use std::sync::{Arc, Mutex};

use leakscope_sim::{DumpFormat, Preset, Program, Time, simulate};
use serde_json::Value;

use run::{leakscope, refused};

/// Minutes served: 0 to `MINUTES`, one poll each.
const MINUTES: u64 = 30;

/// Serves `bodies` in order (the last one again once they run out), each
/// with `status`; returns the base URL.
fn serve(status: &'static str, content_type: &'static str, bodies: Vec<String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new((0usize, bodies)));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let bodies = Arc::clone(&bodies);
            std::thread::spawn(move || {
                // One request per connection: read its head, answer, close.
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match stream.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let body = {
                    let mut b = bodies.lock().unwrap();
                    let i = b.0.min(b.1.len() - 1);
                    b.0 += 1;
                    b.1[i].clone()
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    url
}

/// The program's simulated debug=2 dumps on fase6, minute 0 to [`MINUTES`].
fn dumps(program: Program) -> Vec<String> {
    let trace = simulate(&Preset::Fase6.scenario(), program).unwrap();
    (0..=MINUTES)
        .map(|m| {
            trace
                .dump(Time::from_minutes(m), None, DumpFormat::Full)
                .unwrap()
        })
        .collect()
}

fn watch(url: &str, extra: &[&str]) -> Output {
    let duration = format!("{}ms", MINUTES * 50);
    let mut args = vec![
        "watch",
        url,
        "--interval",
        "50ms",
        "--minute",
        "50ms",
        "--duration",
        &duration,
    ];
    args.extend_from_slice(extra);
    leakscope(&args)
}

/// Watches the program's dumps as JSON; checks the exit code and returns
/// the report.
fn watched(program: Program, code: i32) -> Value {
    let url = serve("200 OK", "text/plain", dumps(program));
    let out = watch(&url, &["--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{program}: {stderr}");
    // One progress line per poll.
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.starts_with("watch: poll "))
            .count() as u64,
        MINUTES + 1,
        "{stderr}"
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["polls"].as_array().unwrap().len() as u64, MINUTES + 1);
    json
}

fn findings(json: &Value) -> Vec<String> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect()
}

fn growing(json: &Value) -> Vec<&Value> {
    json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["growing"] == true)
        .collect()
}

#[test]
fn buggy_leaks_and_its_readers_and_read_loops_grow() {
    let json = watched(Program::BUGGY, 1);
    assert_eq!(json["verdict"], "leak");
    assert!(json["total"]["growth_per_min"].as_f64().unwrap() > 2.0);
    let grew = growing(&json);
    let functions: Vec<&str> = grew
        .iter()
        .map(|g| g["function"].as_str().unwrap())
        .collect();
    assert!(
        functions.iter().any(|f| f.contains("readLoop")),
        "{functions:?}"
    );
    // The readers, blocked in net.(*netFD).Read, started by openRotation.
    assert!(
        grew.iter().any(|g| g["created_by"]
            .as_str()
            .unwrap()
            .contains("openRotation at monitor/buggy.go:")),
        "{grew:?}"
    );
    // Every growing group says where it was created, file:line.
    for g in &grew {
        let created = g["created_by"].as_str().unwrap();
        assert!(
            created.contains(" at ") && created.rsplit(':').next().unwrap().parse::<u32>().is_ok(),
            "{created}"
        );
    }
    let all = findings(&json).join("\n");
    assert!(all.contains("readLoop"), "{all}");
    assert!(all.contains("created by"), "{all}");
}

#[test]
fn fixed_passes_with_nothing_growing_or_stuck() {
    let json = watched(Program::FIXED, 0);
    assert_eq!(json["verdict"], "pass");
    assert!(growing(&json).is_empty());
    assert_eq!(json["stuck"].as_array().unwrap().len(), 0);
    assert!(findings(&json).is_empty(), "{:?}", findings(&json));
}

#[test]
fn close_only_passes_the_count_yet_every_waiter_is_stuck() {
    let json = watched(Program::CLOSE_ONLY, 0);
    assert_eq!(json["verdict"], "pass");
    let stuck = json["stuck"].as_array().unwrap();
    let count: u64 = stuck.iter().map(|s| s["count"].as_u64().unwrap()).sum();
    assert_eq!(count, 55, "{stuck:?}");
    assert!(
        stuck[0]["function"].as_str().unwrap().contains("rotate"),
        "{stuck:?}"
    );
    let all = findings(&json).join("\n");
    assert!(
        all.contains("55 goroutines in sync.WaitGroup.Wait for ≥ 10 program minutes"),
        "{all}"
    );
    assert!(all.contains("created by time.goFunc at "), "{all}");
    // The table says it too.
    let url = serve("200 OK", "text/plain", dumps(Program::CLOSE_ONLY));
    let out = watch(&url, &[]);
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("verdict      pass"), "{table}");
    assert!(
        table.contains("- 55 goroutines in sync.WaitGroup.Wait"),
        "{table}"
    );
}

#[test]
fn wait_timeout_leaks_its_rotate_func1_waiters() {
    let json = watched(Program::WAIT_TIMEOUT, 1);
    assert_eq!(json["verdict"], "leak");
    let grew = growing(&json);
    assert!(
        grew.iter()
            .any(|g| g["function"].as_str().unwrap().ends_with("rotate.func1")),
        "{grew:?}"
    );
    assert!(findings(&json)[0].contains("rotate.func1"));
}

#[test]
fn csv_has_one_row_per_poll_and_out_keeps_every_dump() {
    let bodies = dumps(Program::FIXED);
    let url = serve("200 OK", "text/plain", bodies.clone());
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("polls");
    let out = watch(
        &url,
        &["--format", "csv", "--out", out_dir.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0));
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("elapsed_s,program_minute,goroutines"));
    assert_eq!(lines.count() as u64, MINUTES + 1);
    let mut kept: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    kept.sort();
    assert_eq!(kept.len() as u64, MINUTES + 1, "{kept:?}");
    assert_eq!(kept[0], "poll-0001.txt");
    assert_eq!(
        std::fs::read_to_string(out_dir.join("poll-0001.txt")).unwrap(),
        bodies[0]
    );
}

/// A failure told in one line on standard error with `code`, nothing on
/// standard output; returns the line.
fn failed(out: &Output, code: i32) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("leakscope: error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.stdout.is_empty(), "wrote to stdout");
    errors[0].to_owned()
}

#[test]
fn a_service_that_cannot_be_read_is_exit_3() {
    // Nothing listening.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let line = failed(&watch(&format!("http://127.0.0.1:{port}"), &[]), 3);
    assert!(line.contains(&format!("127.0.0.1:{port}")), "{line}");
    assert!(line.contains("after 3 retries"), "{line}");
    assert!(line.to_lowercase().contains("refused"), "{line}");
    // A 404.
    let url = serve(
        "404 Not Found",
        "text/plain",
        vec!["404 page not found\n".into()],
    );
    let line = failed(&watch(&url, &[]), 3);
    assert!(line.contains("404 Not Found"), "{line}");
    // An HTML page.
    let url = serve(
        "200 OK",
        "text/html",
        vec!["<!DOCTYPE html>\n<html><body>hello</body></html>\n".into()],
    );
    let line = failed(&watch(&url, &[]), 3);
    assert!(line.contains("not a goroutine dump: "), "{line}");
    assert!(line.contains("line 1"), "{line}");
}

#[test]
fn bad_flags_are_exit_2_before_any_request() {
    let url = "http://127.0.0.1:9";
    refused(&["watch", url, "--interval", "0"], "--interval");
    refused(&["watch", url, "--interval", "-1s"], "--interval");
    refused(&["watch", url, "--interval", "soon"], "--interval");
    refused(&["watch", url, "--minute", "0"], "--minute");
    let line = refused(
        &["watch", url, "--interval", "1s", "--duration", "1500ms"],
        "--duration",
    );
    assert!(line.contains("two intervals"), "{line}");
    refused(&["watch", url, "--limit-per-min", "-1"], "--limit-per-min");
    refused(&["watch", url, "--stalled-after", "x"], "--stalled-after");
    let line = refused(&["watch", "https://127.0.0.1:6060"], "URL");
    assert!(line.contains("https"), "{line}");
    refused(&["watch", "127.0.0.1:6060"], "URL");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    refused(&["watch", url, "--out", file.to_str().unwrap()], "--out");
    refused(
        &["watch", url, "--out", dir.path().to_str().unwrap()],
        "--out",
    );
}
