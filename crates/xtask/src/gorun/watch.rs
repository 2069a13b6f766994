//! The live check of `leakscope watch` on each program served live.

use std::path::Path;
use std::process::{Command, Stdio};

use super::live::{Servers, free_port, json_findings, json_value, monitor_site, wait_for};
use super::{fase6, output, write_faults};
use crate::cmd::{Result, fail};
use crate::go::command;

/// What `leakscope watch` must say of each program live: its exit code,
/// and whether a growing group must be named, started in
/// `go/monitor/<file>.go`, or the container's waiters reported stuck.
const WATCH_EXPECTED: [(&str, i32, bool, bool); 4] = [
    ("buggy", 1, true, false),
    ("close_only", 0, false, true),
    ("wait_timeout", 1, true, false),
    ("fixed", 0, false, false),
];

/// The live check of `leakscope watch`: each program built as
/// `serve-<tag>` in `bins_dir`, served on a free loopback port on the
/// fase6 faults with one minute = 200 ms, watched for 20 s (100 program
/// minutes) by `leakscope watch --format json`, its verdict and findings
/// checked against [`WATCH_EXPECTED`]. The four run at once; every server is
/// killed afterwards.
pub(super) fn watch_live(root: &Path, leakscope: &Path, bins_dir: &Path) -> Result<()> {
    std::fs::create_dir_all(bins_dir)
        .map_err(|e| crate::cmd::Error(format!("creating {}: {e}", bins_dir.display())))?;
    let list_path = write_faults(root, leakscope, &fase6(), "watch-faults.json")?;
    let mut bins = Vec::new();
    for (tag, ..) in WATCH_EXPECTED {
        let bin = bins_dir.join(format!("serve-{tag}"));
        let mut build = command(root);
        build
            .args(["build", "-tags", tag, "-o"])
            .arg(&bin)
            .arg("./cmd/serve");
        output(build, &format!("go build -tags {tag} ./cmd/serve"))?;
        bins.push(bin);
    }
    // Servers first (killed on every way out), then the watchers.
    let mut servers = Servers(Vec::new());
    let mut ports = Vec::new();
    for ((tag, ..), bin) in WATCH_EXPECTED.iter().zip(&bins) {
        let port = free_port()?;
        let child = Command::new(bin)
            .arg("-faults")
            .arg(&list_path)
            .args(["-minute", "200ms", "-duration", "40s", "-listen"])
            .arg(format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| crate::cmd::Error(format!("serve-{tag} could not start: {e}")))?;
        servers.0.push(child);
        ports.push(port);
    }
    for ((tag, ..), port) in WATCH_EXPECTED.iter().zip(&ports) {
        wait_for(*port).map_err(|e| crate::cmd::Error(format!("serve-{tag}: {}", e.0)))?;
    }
    let watchers = WATCH_EXPECTED
        .iter()
        .zip(&ports)
        .map(|((tag, ..), port)| {
            Command::new(leakscope)
                .arg("watch")
                .arg(format!("http://127.0.0.1:{port}"))
                .args([
                    "--interval",
                    "1s",
                    "--duration",
                    "20s",
                    "--minute",
                    "200ms",
                    "--format",
                    "json",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| {
                    crate::cmd::Error(format!("`leakscope watch` of {tag} could not start: {e}"))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut problems = Vec::new();
    for (&(tag, code, grows, stuck), watcher) in WATCH_EXPECTED.iter().zip(watchers) {
        let out = watcher
            .wait_with_output()
            .map_err(|e| crate::cmd::Error(format!("`leakscope watch` of {tag}: {e}")))?;
        let json = String::from_utf8_lossy(&out.stdout);
        let said = String::from_utf8_lossy(&out.stderr);
        let findings = json_findings(&json);
        let mut wrong = Vec::new();
        if out.status.code() != Some(code) {
            wrong.push(format!("exit {:?}, expected {code}", out.status.code()));
        }
        let grown: Vec<&String> = findings
            .iter()
            .filter(|f| f.contains(" grew from ") && monitor_site(root, f).is_some())
            .collect();
        if grows && grown.is_empty() {
            wrong.push("no growing group created in go/monitor/<file>.go:<line>".into());
        }
        let waiters: Vec<&String> = findings
            .iter()
            .filter(|f| f.contains(" in sync.WaitGroup.Wait for ≥ "))
            .collect();
        if stuck && !waiters.iter().any(|f| f.starts_with("55 goroutines ")) {
            wrong.push("the 55 containers' waiters not reported stuck in WaitGroup.Wait".into());
        }
        let number = |key: &str| json_value(&json, key).unwrap_or_else(|| "?".into());
        let count = |key: &str| {
            number(key)
                .parse::<f64>()
                .map_or("?".into(), |n| format!("{n:.0}"))
        };
        eprintln!(
            "watch {tag}: exit {:?}, {} polls, goroutines {} → {}, growth {}/min, limit {}, verdict {}",
            out.status.code(),
            json.matches("\"program_minute\"").count(),
            count("first"),
            count("last"),
            number("growth_per_min")
                .parse::<f64>()
                .map_or("?".into(), |g| format!("{g:.2}")),
            number("limit")
                .parse::<f64>()
                .map_or("?".into(), |g| format!("{g:.0}")),
            number("verdict"),
        );
        for f in grown.iter().take(3).chain(waiters.iter().take(2)) {
            eprintln!("  - {f}");
        }
        if !wrong.is_empty() {
            problems.push(format!(
                "{tag}: {}\n{}",
                wrong.join("; "),
                said.lines()
                    .filter(|l| !l.starts_with("watch: poll "))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    drop(servers);
    if problems.is_empty() {
        eprintln!("go live = watch: 4 programs");
        Ok(())
    } else {
        fail(format!(
            "`leakscope watch` against the live Go programs:\n{}",
            problems.join("\n")
        ))
    }
}
