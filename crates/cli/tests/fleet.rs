//! `leakscope fleet` end to end (and its old spelling, `watch
//! --prometheus`), against a fake Prometheus in the test: a std
//! `TcpListener` answering `/api/v1/query_range` with recorded-style JSON,
//! each request answered by the next of a list and kept for the asserts.
//! The matrix read, the series sorted worst first with their labels, too
//! few points, a restart, a range paged in two, credentials from the
//! environment; bad flags exit 2; Prometheus' own error, an empty result, a
//! server that is down and a page that is not Prometheus' exit 3, one line.

#[path = "support/run.rs"]
mod run;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use run::refused;

/// The request heads the fake server received.
type Seen = Arc<Mutex<Vec<String>>>;

/// Serves `answers` — `(status, content type, body)` — in order, one per
/// request (the last again once they run out); returns the base URL and
/// the requests seen.
fn serve(answers: Vec<(&'static str, &'static str, String)>) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let state = Arc::new(Mutex::new(0usize));
    let seen2 = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match stream.read(&mut byte) {
                    // A TLS handshake: answered in plain http, as Go does.
                    Ok(1) if head.is_empty() && byte[0] == 0x16 => {
                        let _ = stream.write_all(b"HTTP/1.0 400 Bad Request\r\n\r\n");
                        break;
                    }
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            if !head.ends_with(b"\r\n\r\n") {
                continue;
            }
            seen2
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(&head).into_owned());
            let (status, kind, body) = {
                let mut i = state.lock().unwrap();
                let a = answers[(*i).min(answers.len() - 1)].clone();
                *i += 1;
                a
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, seen)
}

/// A success answer of `series`: `(labels, points)`.
fn matrix(series: &[(Value, Vec<(f64, f64)>)]) -> String {
    let result: Vec<Value> = series
        .iter()
        .map(|(metric, points)| {
            let values: Vec<Value> = points
                .iter()
                .map(|&(t, v)| json!([t, format!("{v}")]))
                .collect();
            json!({"metric": metric, "values": values})
        })
        .collect();
    json!({"status": "success", "data": {"resultType": "matrix", "result": result}}).to_string()
}

fn ok(body: String) -> (&'static str, &'static str, String) {
    ("200 OK", "application/json", body)
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        .floor()
}

/// `go_goroutines{job=JOB, instance=…}`.
fn labels(job: &str) -> Value {
    json!({"__name__": "go_goroutines", "job": job, "instance": format!("{job}:6060")})
}

/// One hour at 15 s: `f(i)` at point `i` of 241.
fn hour(start: f64, f: impl Fn(usize) -> f64) -> Vec<(f64, f64)> {
    (0..=240).map(|i| (start + 15.0 * i as f64, f(i))).collect()
}

fn fleet_run(args: &[&str], env: &[(&str, &str)]) -> Output {
    spelled("fleet", args, env)
}

/// `leakscope SUBCOMMAND ARGS`, with no credentials in the environment but
/// `env`.
fn spelled(subcommand: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_leakscope"));
    c.arg(subcommand).args(args);
    for var in [
        "LEAKSCOPE_PROMETHEUS_TOKEN",
        "LEAKSCOPE_PROMETHEUS_USER",
        "LEAKSCOPE_PROMETHEUS_PASSWORD",
    ] {
        c.env_remove(var);
    }
    c.envs(env.iter().copied());
    c.output().expect("the binary runs")
}

/// A failure with `code`: one line on stderr containing `needle`, nothing
/// on stdout; returns the line.
fn fails(out: &Output, code: i32, needle: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("leakscope: error: "), "{stderr}");
    assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
    assert!(out.stdout.is_empty());
    stderr
}

fn fleet() -> Vec<(Value, Vec<(f64, f64)>)> {
    let start = now() - 3600.0;
    vec![
        // Flat: passes.
        (labels("fixed"), hour(start, |_| 220.0)),
        // Leaking 30 a minute.
        (labels("buggy"), hour(start, |i| 110.0 + 7.5 * i as f64)),
        // Leaking 4 a minute: a leak, but slower.
        (labels("slow"), hour(start, |i| 100.0 + i as f64)),
        // Climbed for half an hour, restarted, flat since: passes, with the
        // restart reported.
        (
            labels("restarted"),
            hour(
                start,
                |i| if i < 120 { 50.0 + 5.0 * i as f64 } else { 52.0 },
            ),
        ),
        // Two points only.
        (
            labels("new"),
            vec![(start + 3585.0, 10.0), (start + 3600.0, 90.0)],
        ),
    ]
}

#[test]
fn every_series_is_tested_and_sorted_worst_first() {
    let (url, seen) = serve(vec![ok(matrix(&fleet()))]);
    let out = fleet_run(
        &[
            "--prometheus",
            &url,
            "--query",
            "go_goroutines{job=~\".+\"}",
            "--range",
            "1h",
            "--format",
            "json",
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let order: Vec<(&str, &str)> = v["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["labels"]["job"].as_str().unwrap(),
                s["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("buggy", "leak"),
            ("slow", "leak"),
            // Both flat: ties by name.
            ("fixed", "pass"),
            ("restarted", "pass"),
            ("new", "too few points"),
        ]
    );
    let buggy = &v["series"][0];
    assert!((buggy["growth_per_min"].as_f64().unwrap() - 30.0).abs() < 1e-6);
    assert_eq!(buggy["limit"].as_f64().unwrap(), 110.0 + 2.0 * 60.0);
    assert_eq!(
        buggy["series"],
        "go_goroutines{instance=\"buggy:6060\", job=\"buggy\"}"
    );
    let restarted = &v["series"][3];
    assert_eq!(restarted["restarts_at"].as_array().unwrap().len(), 1);
    assert_eq!(restarted["points"], 121);
    assert_eq!(restarted["points_in_range"], 241);
    assert_eq!(
        (
            v["verdict"].as_str(),
            v["leaks"].as_u64(),
            v["passes"].as_u64()
        ),
        (Some("leak"), Some(2), Some(2))
    );
    assert_eq!(
        (v["too_few_points"].as_u64(), v["pages"].as_u64()),
        (Some(1), Some(1))
    );
    // One request, the query encoded, 1 h at the default 15 s.
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let line = seen[0].lines().next().unwrap();
    assert!(
        line.starts_with(
            "GET /api/v1/query_range?query=go_goroutines%7Bjob%3D~%22.%2B%22%7D&start="
        ),
        "{line}"
    );
    assert!(line.contains("&step=15 "), "{line}");
    assert!(!seen[0].to_ascii_lowercase().contains("authorization"));
}

#[test]
fn the_table_and_csv_name_restarts_and_short_series() {
    let (url, _) = serve(vec![ok(matrix(&fleet()))]);
    let out = fleet_run(&["--prometheus", &url, "--query", "go_goroutines"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("5 series: 2 leak, 2 pass, 1 with too few points"),
        "{table}"
    );
    let rows: Vec<&str> = table
        .lines()
        .filter(|l| l.contains("go_goroutines{"))
        .collect();
    assert!(
        rows[0].starts_with("LEAK ") && rows[0].contains("job=\"buggy\""),
        "{table}"
    );
    assert!(rows[4].starts_with("too few points"), "{table}");
    assert!(
        table.contains("job=\"restarted\"} restarted at "),
        "{table}"
    );
    let (url, _) = serve(vec![ok(matrix(&fleet()))]);
    let out = fleet_run(
        &[
            "--prometheus",
            &url,
            "--query",
            "go_goroutines",
            "--format",
            "csv",
        ],
        &[],
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "series,verdict,points,first,last,growth_per_min,limit,restarts"
    );
    assert_eq!(lines.len(), 6);
    assert!(lines[1].starts_with(
        "\"go_goroutines{instance=\"\"buggy:6060\"\", job=\"\"buggy\"\"}\",leak,241,110,"
    ));
}

#[test]
fn a_long_range_is_asked_for_in_pages() {
    // 4 h at 1 s: 14,401 points, more than Prometheus' 11,000 per query.
    let series = |from: u64, to: u64| {
        matrix(&[(
            labels("api"),
            (from..=to)
                .step_by(60)
                .map(|t| (t as f64, 100.0 + (t / 60) as f64 * 3.0))
                .collect(),
        )])
    };
    let (url, seen) = serve(vec![ok(series(0, 10_999)), ok(series(11_040, 14_400))]);
    let out = fleet_run(
        &[
            "--prometheus",
            &format!("{url}/api/v1/query_range"),
            "--query",
            "go_goroutines",
            "--start",
            "1970-01-01T00:00:00Z",
            "--end",
            "14400",
            "--step",
            "1s",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["pages"], 2);
    let seen = seen.lock().unwrap();
    let lines: Vec<&str> = seen.iter().map(|h| h.lines().next().unwrap()).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].contains("&start=0.000&end=10999.000&step=1 "),
        "{lines:?}"
    );
    assert!(
        lines[1].contains("&start=11000.000&end=14400.000&step=1 "),
        "{lines:?}"
    );
    // Both pages' points joined into one series.
    assert_eq!(v["series"][0]["points"], 241);
    assert!((v["series"][0]["growth_per_min"].as_f64().unwrap() - 3.0).abs() < 1e-9);
}

#[test]
fn two_pages_exactly() {
    // 11,001 to 22,000 points: two queries.
    let body = matrix(&[(
        labels("api"),
        vec![(0.0, 1.0), (5000.0, 1.0), (20_000.0, 1.0)],
    )]);
    let (url, seen) = serve(vec![ok(body)]);
    let out = fleet_run(
        &[
            "--prometheus",
            &url,
            "--query",
            "up",
            "--start",
            "0",
            "--end",
            "21999",
            "--step",
            "1s",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[test]
fn bad_flags_are_refused_before_any_request() {
    let url = "http://127.0.0.1:9";
    let q = ["--prometheus", url, "--query", "go_goroutines"];
    let with = |more: &[&str]| {
        let mut a = vec!["fleet"];
        a.extend(q);
        a.extend(more);
        a.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let run = |args: Vec<String>, flag: &str| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&refs, flag)
    };
    run(with(&["--range", "5x"]), "--range 5x is not a duration");
    run(with(&["--range", "1h", "--start", "0"]), "--start");
    run(with(&["--step", "0"]), "--step 0");
    run(
        with(&["--start", "yesterday"]),
        "--start yesterday is not a time",
    );
    run(
        with(&["--start", "100", "--end", "50"]),
        "--end 50 is not after --start 100",
    );
    run(
        with(&["--range", "8000h", "--step", "1ms"]),
        "--step 1ms makes",
    );
    run(with(&["--interval", "1s"]), "--interval");
    run(
        vec!["fleet".into(), "--prometheus".into(), url.into()],
        "--query",
    );
    run(
        vec!["fleet".into(), "--query".into(), "up".into()],
        "--prometheus",
    );
    run(
        vec![
            "fleet".into(),
            "--prometheus".into(),
            "ftp://h/".into(),
            "--query".into(),
            "up".into(),
        ],
        "--prometheus ftp://h/ is not an http or https URL",
    );
    run(
        vec![
            "watch".into(),
            "http://h:1".into(),
            "--query".into(),
            "up".into(),
        ],
        "--query is a flag of `leakscope fleet` (a fleet through Prometheus), not of watch",
    );
    let out = fleet_run(
        &["--prometheus", url, "--query", "up"],
        &[("LEAKSCOPE_PROMETHEUS_USER", "u")],
    );
    fails(
        &out,
        2,
        "LEAKSCOPE_PROMETHEUS_USER is set without LEAKSCOPE_PROMETHEUS_PASSWORD",
    );
}

#[test]
fn prometheus_errors_are_told_in_its_own_words() {
    let refusal = json!({
        "status": "error",
        "errorType": "bad_data",
        "error": "invalid parameter \"query\": 1:14: parse error: unclosed left brace"
    })
    .to_string();
    let (url, _) = serve(vec![("400 Bad Request", "application/json", refusal)]);
    let out = fleet_run(&["--prometheus", &url, "--query", "go_goroutines{"], &[]);
    fails(
        &out,
        3,
        "Prometheus refused the query (HTTP 400 Bad Request, bad_data): invalid parameter \"query\": 1:14: parse error: unclosed left brace",
    );
}

#[test]
fn a_query_that_matches_nothing_is_not_a_pass() {
    let (url, _) = serve(vec![ok(matrix(&[]))]);
    let out = fleet_run(&["--prometheus", &url, "--query", "go_gorotuines"], &[]);
    fails(&out, 3, "the query go_gorotuines matched no series");
    // Series, but none long enough for a verdict.
    let (url, _) = serve(vec![ok(matrix(&[(labels("a"), vec![(1.0, 5.0)])]))]);
    let out = fleet_run(&["--prometheus", &url, "--query", "go_goroutines"], &[]);
    fails(&out, 3, "none of the 1 series");
}

#[test]
fn a_server_that_is_down_or_not_prometheus_exits_3() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = fleet_run(
        &[
            "--prometheus",
            &format!("http://127.0.0.1:{port}"),
            "--query",
            "up",
        ],
        &[],
    );
    fails(&out, 3, "cannot be reached");
    let html = "<!doctype html><html><body>Grafana</body></html>".to_owned();
    let (url, _) = serve(vec![("200 OK", "text/html", html)]);
    let out = fleet_run(&["--prometheus", &url, "--query", "up"], &[]);
    fails(&out, 3, "not a Prometheus API answer");
    // https to a server that speaks plain http: a TLS failure, exit 3.
    let (url, _) = serve(vec![ok(matrix(&[]))]);
    let https = url.replace("http://", "https://");
    let out = fleet_run(&["--prometheus", &https, "--query", "up"], &[]);
    fails(&out, 3, "cannot be reached");
}

#[test]
fn credentials_come_from_the_environment_only() {
    let body = matrix(&[(labels("a"), hour(now() - 3600.0, |_| 5.0))]);
    let (url, seen) = serve(vec![ok(body.clone())]);
    let out = fleet_run(
        &["--prometheus", &url, "--query", "up"],
        &[("LEAKSCOPE_PROMETHEUS_TOKEN", "s3cret")],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cret"));
    let head = seen.lock().unwrap()[0].to_ascii_lowercase();
    assert!(
        head.contains("\r\nauthorization: bearer s3cret\r\n"),
        "{head}"
    );
    let (url, seen) = serve(vec![ok(body)]);
    let out = fleet_run(
        &["--prometheus", &url, "--query", "up"],
        &[
            ("LEAKSCOPE_PROMETHEUS_USER", "Aladdin"),
            ("LEAKSCOPE_PROMETHEUS_PASSWORD", "open sesame"),
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let head = seen.lock().unwrap()[0].clone();
    assert!(
        head.to_ascii_lowercase()
            .contains("\r\nauthorization: basic qwxhzgrpbjpvcgvuihnlc2ftzq==\r\n"),
        "{head}"
    );
}

#[test]
fn help_names_the_environment_and_the_compatible_servers() {
    let out = Command::new(env!("CARGO_BIN_EXE_leakscope"))
        .args(["fleet", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--prometheus",
        "LEAKSCOPE_PROMETHEUS_TOKEN",
        "LEAKSCOPE_PROMETHEUS_USER",
        "LEAKSCOPE_PROMETHEUS_PASSWORD",
        "VictoriaMetrics, Thanos and Mimir",
    ] {
        assert!(help.contains(needle), "{needle} not in --help");
    }
}

#[test]
fn the_old_spelling_watch_prometheus_runs_fleet_with_a_one_line_note() {
    let (url, _) = serve(vec![ok(matrix(&fleet()))]);
    let old = spelled(
        "watch",
        &["--prometheus", &url, "--query", "go_goroutines"],
        &[],
    );
    let stderr = String::from_utf8_lossy(&old.stderr);
    assert_eq!(
        stderr,
        "leakscope: note: `watch --prometheus` is now `fleet --prometheus`; the old spelling will go\n"
    );
    assert_eq!(old.status.code(), Some(1), "{stderr}");
    let stdout = String::from_utf8_lossy(&old.stdout);
    assert!(stdout.contains("5 series: 2 leak, 2 pass"), "{stdout}");
}
