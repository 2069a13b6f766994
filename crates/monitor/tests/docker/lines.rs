//! The lines: the monitor reads every line the engine holds, once, whole
//! and in order per stream, through long lines, interleaved streams and
//! containers killed and restarted.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use leakscope_sim::Program;

use crate::following::{assert_fixed_bound, assert_no_stall};
use crate::harness::{Fleet, Harness, drained, must, released, stop_all};

/// The monitor's lines per container, as written to `--out`.
pub(crate) fn written(out: &Path) -> BTreeMap<String, Vec<(String, String)>> {
    let mut by: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for l in std::fs::read_to_string(out).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        by.entry(v["container"].as_str().unwrap().to_owned())
            .or_default()
            .push((
                v["ts"].as_str().unwrap().to_owned(),
                v["line"].as_str().unwrap().to_owned(),
            ));
    }
    by
}

/// Which stream a line of the emitter came from: `stream=err` says
/// standard error; every other line is standard output's.
pub(crate) fn is_stderr(text: &str) -> bool {
    text.split(' ').nth(2) == Some("stream=err")
}

/// Removes the timestamps `docker logs --timestamps` writes before each
/// record after a long line's first (the client copies records as they
/// come, and only the last one ends the line): what is left is the line.
pub(crate) fn strip_record_stamps(text: &str) -> String {
    // `2026-12-01T09:44:48.093945823Z `: 31 bytes, digits at fixed places.
    let is_stamp = |b: &[u8]| {
        b.len() >= 31
            && b[4] == b'-'
            && b[10] == b'T'
            && b[19] == b'.'
            && b[29] == b'Z'
            && b[30] == b' '
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[20..29].iter().all(u8::is_ascii_digit)
    };
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'2' && is_stamp(&bytes[i..]) {
            i += 31;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The engine's own record of a container's lines, per stream (stdout,
/// stderr): `(first record's timestamp, line)`.
pub(crate) fn engine_lines(name: &str) -> [Vec<(String, String)>; 2] {
    let out = Command::new("docker")
        .args(["logs", "--timestamps", name])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "docker logs {name}: {out:?}");
    // A run killed in the middle of a line leaves it without its newline:
    // the client shows it and the next run's first line as one; the
    // monitor ends the line with the run. Split there (the emitter writes
    // `boot=` only at a line's start); the next run's line keeps the
    // timestamp the client printed after the cut.
    let parse = |bytes: &[u8]| -> Vec<(String, String)> {
        let mut lines = Vec::new();
        for l in String::from_utf8_lossy(bytes).lines() {
            let (ts, text) = l.split_once(' ').unwrap_or((l, ""));
            let mut ts = ts.to_owned();
            let mut rest = text;
            while let Some(cut) = rest[1.min(rest.len())..].find("boot=").map(|i| i + 1) {
                let (head, tail) = rest.split_at(cut);
                // `head` ends with the timestamp of the next run's record.
                let stamp_at = head.len().saturating_sub(31);
                let (head, stamp) = head.split_at(stamp_at);
                lines.push((ts, strip_record_stamps(head)));
                ts = stamp.trim_end().to_owned();
                rest = tail;
            }
            lines.push((ts, strip_record_stamps(rest)));
        }
        lines
    };
    [parse(&out.stdout), parse(&out.stderr)]
}

/// Every boot's sequence numbers run 0, 1, 2, … per stream with no gap
/// or repeat, and each line is exactly the one the emitter wrote.
pub(crate) fn assert_sequences(name: &str, lines: &[(String, String)]) {
    let mut next: BTreeMap<(String, Option<String>), u64> = BTreeMap::new();
    let mut cut = std::collections::BTreeSet::new();
    for (_, text) in lines {
        let mut parts = text.splitn(4, ' ');
        let boot = parts.next().unwrap().trim_start_matches("boot=");
        let seq: u64 = parts
            .next()
            .unwrap()
            .trim_start_matches("seq=")
            .parse()
            .unwrap();
        let mut rest: Vec<&str> = parts.collect();
        let stream = match rest.first() {
            Some(s) if s.starts_with("stream=") => {
                Some(rest.remove(0).trim_start_matches("stream=").to_owned())
            }
            _ => None,
        };
        let pad = rest.join(" ").len();
        let expected = leakscope_emitter::line(boot.parse().unwrap(), seq, stream.as_deref(), pad);
        let key = (boot.to_owned(), stream.clone());
        assert!(
            !cut.contains(&key),
            "{name}: boot {boot} stream {stream:?} goes on after a line cut short"
        );
        if *text != expected {
            // Only a run's last line may be cut short (by a kill).
            assert!(
                expected.starts_with(text.as_str()),
                "{name}: boot {boot} seq {seq} is not the line written ({} bytes, {} expected)",
                text.len(),
                expected.len()
            );
            cut.insert(key.clone());
        }
        let expect = next.entry(key).or_insert(0);
        assert_eq!(
            seq, *expect,
            "{name}: boot {boot} stream {stream:?} jumps from {} to {seq}",
            *expect
        );
        *expect += 1;
    }
}

/// The monitor read every line the engine holds, once each, whole, in
/// order per stream, with its first record's timestamp.
pub(crate) fn assert_every_line_once(fleet: &Fleet, out: &Path) {
    let got = written(out);
    for name in &fleet.names() {
        let expected = engine_lines(name);
        let seen = got.get(name).cloned().unwrap_or_default();
        assert!(
            !expected[0].is_empty() || !expected[1].is_empty(),
            "{name} logged nothing"
        );
        for (stream, expected) in expected.iter().enumerate() {
            let seen: Vec<(String, String)> = seen
                .iter()
                .filter(|(_, t)| is_stderr(t) == (stream == 1))
                .cloned()
                .collect();
            if let Some(i) = (0..seen.len().min(expected.len())).find(|&i| seen[i] != expected[i]) {
                let short = |(ts, text): &(String, String)| {
                    let head: String = text.chars().take(80).collect();
                    format!("{ts} {head}… ({} bytes)", text.len())
                };
                panic!(
                    "{name} stream {stream}: line {i} differs: monitor {}, engine {}",
                    short(&seen[i]),
                    short(&expected[i])
                );
            }
            let head = |l: Option<&(String, String)>| {
                l.map(|(ts, t)| format!("{ts} {}", t.chars().take(60).collect::<String>()))
            };
            assert_eq!(
                seen.len(),
                expected.len(),
                "{name} stream {stream}: monitor read {} lines, the engine holds {}; \
                 monitor's last {:?}, engine's next {:?}, engine's last {:?}",
                seen.len(),
                expected.len(),
                head(seen.last()),
                head(expected.get(seen.len())),
                head(expected.last())
            );
            assert_sequences(name, &seen);
        }
    }
}

/// Records of the engine's log in the first line of `name`, as `docker
/// logs --timestamps` shows them (a timestamp before each; its `--tail`
/// counts records, not lines).
pub(crate) fn records_of_first_line(name: &str) -> usize {
    must(&["logs", "--timestamps", name])
        .lines()
        .next()
        .map_or(0, |l| l.matches("Z ").count())
}

#[test]
fn lines_of_40_kib_come_out_whole_across_rotations() {
    let Some(h) = Harness::new("long") else {
        return;
    };
    let fleet = &h.fleet;
    let pad = 40 * 1024;
    let pad_arg = pad.to_string();
    let out_only = fleet.run_with(
        "out",
        false,
        &[
            "--rate", "20", "--count", "120", "--pad", &pad_arg, "--linger", "60",
        ],
    );
    fleet.run_with(
        "both",
        false,
        &[
            "--stream", "both", "--rate", "10", "--count", "60", "--pad", &pad_arg, "--linger",
            "60",
        ],
    );
    let out = &h.out;
    let rt = &h.rt;
    let summary = rt.block_on(async {
        let f = h.follow(Program::FIXED).await;
        tokio::time::sleep(Duration::from_secs(8)).await;
        stop_all(fleet);
        released(&f, 2).await;
        f.stop().await.unwrap()
    });
    drained(&summary);
    assert!(
        summary.containers.iter().all(|c| c.rotations >= 5),
        "{summary:?}"
    );
    // The engine did split them: a 40 KiB line is 3 records of at most
    // 16 KiB, each shown with its timestamp.
    assert_eq!(records_of_first_line(&out_only), 3);
    assert_every_line_once(fleet, out);
    let got = written(out);
    let lines = &got[&out_only];
    assert_eq!(lines.len(), 120, "{out_only}");
    for (seq, (_, text)) in lines.iter().enumerate() {
        let boot: u128 = text
            .split(' ')
            .next()
            .unwrap()
            .trim_start_matches("boot=")
            .parse()
            .unwrap();
        let expected = leakscope_emitter::line(boot, seq as u64, None, pad);
        assert_eq!(text.len(), expected.len(), "line {seq}");
        assert!(
            *text == expected,
            "line {seq} differs from the line written"
        );
    }
    let both = &got[&fleet.name(1)];
    assert_eq!(both.len(), 120, "{}", fleet.name(1));
}

#[test]
fn stdout_and_stderr_interleaved_over_twenty_rotations_lose_and_double_nothing() {
    let Some(h) = Harness::new("interleaved") else {
        return;
    };
    let fleet = &h.fleet;
    fleet.run_with("fast", false, &["--stream", "both", "--rate", "1000"]);
    fleet.run_with(
        "long",
        false,
        &["--stream", "both", "--rate", "20", "--pad", "20000"],
    );
    let out = &h.out;
    let rt = &h.rt;
    let summary = rt.block_on(async {
        let f = h.follow(Program::FIXED).await;
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(23) {
            tokio::time::sleep(Duration::from_millis(200)).await;
            assert_fixed_bound(&f.census().snapshot(), 2);
            assert_no_stall(f.census());
        }
        stop_all(fleet);
        released(&f, 2).await;
        f.stop().await.unwrap()
    });
    drained(&summary);
    eprintln!("{summary:?}");
    assert!(
        summary.containers.iter().all(|c| c.rotations >= 20),
        "{summary:?}"
    );
    assert_every_line_once(fleet, out);
    let got = written(out);
    let fast = &got[&fleet.name(0)];
    let errs = fast.iter().filter(|(_, t)| is_stderr(t)).count();
    assert!(
        errs > 15_000 && fast.len() - errs > 15_000,
        "{} lines, {errs} on stderr",
        fast.len()
    );
}

#[test]
fn containers_killed_and_restarted_mid_run_double_nothing_and_lose_nothing() {
    let Some(h) = Harness::new("restarts") else {
        return;
    };
    let fleet = &h.fleet;
    let kill = fleet.run_with("kill", false, &["--stream", "both", "--rate", "500"]);
    let restart = fleet.run_with("restart", false, &["--stream", "both", "--rate", "500"]);
    let long = fleet.run_with(
        "long",
        false,
        &["--stream", "both", "--rate", "20", "--pad", "40960"],
    );
    let out = &h.out;
    let rt = &h.rt;
    let summary = rt.block_on(async {
        let f = h.follow(Program::FIXED).await;
        let pause = |ms: u64| tokio::time::sleep(Duration::from_millis(ms));
        pause(2500).await;
        must(&["kill", &kill]);
        must(&["kill", &long]);
        must(&["restart", "-t", "0", &restart]);
        pause(1500).await;
        must(&["start", &kill]);
        must(&["start", &long]);
        pause(2500).await;
        must(&["restart", "-t", "0", &restart]);
        must(&["kill", &kill]);
        must(&["start", &kill]);
        pause(2500).await;
        assert_fixed_bound(&f.census().snapshot(), 3);
        stop_all(fleet);
        pause(4000).await;
        f.stop().await.unwrap()
    });
    drained(&summary);
    assert_every_line_once(fleet, out);
    // Every container ran more than once: several boots each.
    let got = written(out);
    for name in &fleet.names() {
        let boots: std::collections::BTreeSet<&str> = got[name]
            .iter()
            .map(|(_, t)| t.split(' ').next().unwrap())
            .collect();
        assert!(boots.len() >= 2, "{name}: {boots:?}");
    }
}
