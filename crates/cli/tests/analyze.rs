//! `leakscope analyze` end to end: the simulation's own dumps and real Go
//! dumps grouped, the suspects named, two dumps compared, standard input,
//! JSON; and one line, exit code 2 and nothing on standard output for every
//! kind of bad input (a missing file, an empty file, binary junk, a
//! truncated block, a directory, a bad flag).

#[path = "support/run.rs"]
mod run;

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use run::{ok, refused};

fn real(name: &str) -> String {
    format!("{}/../pprof/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// `leakscope dump … ` written to a file in `dir`.
fn sim_dump(dir: &std::path::Path, name: &str, args: &[&str]) -> String {
    let mut all = vec!["dump"];
    all.extend_from_slice(args);
    let text = ok(&all);
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn the_simulations_buggy_dump_shows_the_pile_up_and_the_stalled_waiters() {
    let dir = tempfile::tempdir().unwrap();
    let file = sim_dump(dir.path(), "buggy.txt", &["--at", "58", "--debug", "2"]);
    let text = ok(&["analyze", &file]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        format!("{file} (debug=2): 1,958 goroutines in 5 groups")
    );
    assert!(lines[2].starts_with("count  state"), "{text}");
    let first: Vec<&str> = lines[3]
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        first,
        [
            "633",
            "IO wait",
            // Since the first failed stream stopped delivering: a reader's
            // minutes count from when it blocked, as Go counts them.
            "57 min",
            "net.(*netFD).Read",
            "net/fd_posix.go:68",
            "leakscope/monitor.(*Monitor).openRotation at monitor/buggy.go:33"
        ]
    );
    // A stream's connection loops, net/http's, wait in select (as real Go
    // shows them): one group each, no IO-wait pile.
    let loops: Vec<Vec<&str>> = lines[4..6]
        .iter()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(
        loops,
        [
            [
                "633",
                "select",
                "58 min",
                "net/http.(*persistConn).readLoop",
                "net/http/transport.go:2616",
                "net/http.(*Transport).dialConn at net/http/transport.go:2123"
            ],
            [
                "633",
                "select",
                "58 min",
                "net/http.(*persistConn).writeLoop",
                "net/http/transport.go:2833",
                "net/http.(*Transport).dialConn at net/http/transport.go:2124"
            ]
        ]
    );
    assert!(
        text.contains(
            "\nsuspects:\n- 517 goroutines in IO wait in net.(*netFD).Read created by leakscope/monitor.(*Monitor).openRotation at monitor/buggy.go:33"
        ),
        "{text}"
    );
    assert!(
        !text.contains("goroutines in IO wait in net/http"),
        "{text}"
    );
    assert!(text.contains("\n- 2 goroutines in sync.(*WaitGroup).Wait for up to 48 minutes in leakscope/monitor.(*Monitor).rotate"), "{text}");
    // A shorter period catches the waiters of 8 minutes too.
    let text = ok(&["analyze", &file, "--stalled-after", "5"]);
    assert!(
        text.contains("\n- 4 goroutines in sync.(*WaitGroup).Wait for up to 48 minutes"),
        "{text}"
    );
}

#[test]
fn json_counts_equal_the_simulations_in_both_dump_formats() {
    let dir = tempfile::tempdir().unwrap();
    for debug in ["1", "2"] {
        let file = sim_dump(
            dir.path(),
            "d.txt",
            &["--program", "wait-timeout", "--at", "58", "--debug", debug],
        );
        let json: Value =
            serde_json::from_str(&ok(&["analyze", &file, "--format", "json"])).unwrap();
        assert_eq!(json["goroutines"], 825, "debug={debug}");
        assert_eq!(json["groups"][0]["count"], 605);
        assert_eq!(
            json["groups"][0]["function"],
            "leakscope/monitor.(*Monitor).rotate.func1"
        );
        assert_eq!(json["stalled_after_minutes"], 10);
        assert_eq!(json["old_file"], Value::Null);
    }
}

#[test]
fn an_older_dump_names_the_groups_that_grew() {
    let dir = tempfile::tempdir().unwrap();
    let old = sim_dump(
        dir.path(),
        "old.txt",
        &["--program", "wait-timeout", "--at", "30"],
    );
    let new = sim_dump(
        dir.path(),
        "new.txt",
        &["--program", "wait-timeout", "--at", "58"],
    );
    let text = ok(&["analyze", &old, &new]);
    assert!(
        text.lines()
            .next()
            .unwrap()
            .ends_with(&format!("; {old}: 495 goroutines")),
        "{text}"
    );
    assert!(text.contains("count  old  growth  state"), "{text}");
    assert!(text.contains("\n- leakscope/monitor.(*Monitor).rotate.func1 grew from 275 to 605 (+330) created by leakscope/monitor.(*Monitor).rotate at monitor/wait_timeout.go:44\n"), "{text}");
    let json: Value =
        serde_json::from_str(&ok(&["analyze", &old, &new, "--format", "json"])).unwrap();
    assert_eq!(json["suspects"][0]["kind"], "growth");
    assert_eq!(
        (
            json["suspects"][0]["old"].as_u64(),
            json["suspects"][0]["new"].as_u64()
        ),
        (Some(275), Some(605))
    );
}

#[test]
fn real_go_dumps_are_grouped_by_state_function_and_creator() {
    let text = ok(&["analyze", &real("go1.27-debug2.txt")]);
    assert!(
        text.contains("(debug=2): 13 goroutines in 6 groups"),
        "{text}"
    );
    assert!(text.contains("main.reader"), "{text}");
    assert!(
        text.contains("main.main.func2 at /tmp/gocap/main.go:94"),
        "{text}"
    );
    assert!(text.ends_with("suspects: none\n"), "{text}");
    // Waiting a minute in the real WaitGroup: stalled after one minute.
    let minutes = real("go1.27-debug2-minutes.txt");
    assert!(ok(&["analyze", &minutes]).ends_with("suspects: none\n"));
    let text = ok(&["analyze", &minutes, "--stalled-after", "1"]);
    assert!(text.contains("\nsuspects:\n- 2 goroutines in sync.(*WaitGroup).Wait for up to 1 minute in main.rotate created by main.main at /tmp/gocap/main.go:97: a wait that may never return (a live goroutine still holds the group?)\n  ask: Which goroutine counted in this WaitGroup never calls Done"), "{text}");
    assert!(
        text.contains("\n  lesson: the page's #wait-never-returns\n"),
        "{text}"
    );
    let json: Value = serde_json::from_str(&ok(&[
        "analyze",
        &real("go1.27-goroutineleak-debug1.txt"),
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(
        (json["format"].as_str(), json["goroutines"].as_u64()),
        (Some("leak"), Some(1))
    );
    assert_eq!(json["groups"][0]["leaked"], 1);
}

#[test]
fn a_dump_on_standard_input_is_read() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leakscope"))
        .args(["analyze", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let dump = std::fs::read(real("go1.27-debug1.txt")).unwrap();
    child.stdin.take().unwrap().write_all(&dump).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("standard input (debug=1): 13 goroutines in 6 groups\n"),
        "{text}"
    );
}

#[test]
fn bad_input_is_one_line_naming_the_file_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    std::fs::write(path("empty.txt"), "").unwrap();
    std::fs::write(
        path("junk.bin"),
        (0..=255u8).cycle().take(2048).collect::<Vec<u8>>(),
    )
    .unwrap();
    let go = std::fs::read_to_string(real("go1.27-debug2.txt")).unwrap();
    let cut = go.find("main.reader(").unwrap();
    // After a frame, before its location: a block cut short.
    let frame_end = cut + go[cut..].find('\n').unwrap() + 1;
    std::fs::write(path("cut.txt"), &go[..frame_end]).unwrap();
    std::fs::write(path("half.txt"), &go[..cut + 5]).unwrap();
    let missing = path("missing.txt");
    let line = refused(&["analyze", &missing], &missing);
    assert!(line.ends_with(": no such file\n"), "{line}");
    let empty = path("empty.txt");
    let line = refused(&["analyze", &empty], &empty);
    assert!(
        line.contains(": line 1: expected a goroutine dump"),
        "{line}"
    );
    let junk = path("junk.bin");
    let line = refused(&["analyze", &junk], &junk);
    assert!(
        line.contains(": line 2: expected text (a goroutine dump is UTF-8)"),
        "{line}"
    );
    // Cut short: the whole goroutines before the cut are read, the cut said.
    let cut = path("cut.txt");
    let text = ok(&["analyze", &cut]);
    assert!(
        text.contains("\nnote: cut after goroutine 9: the last goroutine is incomplete\n"),
        "{text}"
    );
    let half = path("half.txt");
    let text = ok(&["analyze", &half]);
    assert!(text.contains("\nnote: cut after goroutine"), "{text}");
    std::fs::write(path("first.txt"), &go[..go.find("\n\n").unwrap() - 3]).unwrap();
    let first = path("first.txt");
    let line = refused(&["analyze", &first], &first);
    assert!(
        line.contains(": line 1: expected a whole goroutine"),
        "{line}"
    );
    let d = dir.path().display().to_string();
    let line = refused(&["analyze", &d], &d);
    assert!(line.contains(": is a directory"), "{line}");
    // A bad older dump is refused too, and nothing is printed.
    let good = real("go1.27-debug2.txt");
    refused(&["analyze", &empty, &good], &empty);
    refused(
        &["analyze", &good, "--stalled-after", "-1"],
        "--stalled-after",
    );
    refused(
        &["analyze", &good, "--stalled-after", "soon"],
        "--stalled-after",
    );
    refused(&["analyze", &good, "--pile-min", "0"], "--pile-min");
    refused(&["analyze", &good, "--pile-share", "101"], "--pile-share");
    refused(&["analyze", &good, "--pile-share", "ten"], "--pile-share");
    refused(&["analyze", "-", "-"], "NEW");
    refused(&["analyze", &good, "--format", "csv"], "--format");
    refused(&["analyze"], "FILE");
}
