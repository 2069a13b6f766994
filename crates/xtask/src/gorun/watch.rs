//! The live check of `leakscope watch` on each program served live.

use std::path::Path;
use std::process::{Command, Stdio};

use super::live::{Servers, json_findings, json_value, monitor_site, wait_for};
use super::{fase6, output, write_faults};
use crate::cmd::{Result, fail};
use crate::go::command;
use leakscope_sim::{Preset, Program, Verdict, simulate, thousands};

/// What `leakscope watch` (and `leakscope fleet`) must say of one program
/// live.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Expect {
    /// The program's build tag.
    pub(super) tag: &'static str,
    /// The count test's verdict.
    pub(super) verdict: Verdict,
    /// Its exit code: 1 when the count test says leak.
    code: i32,
    /// Whether a growing group must be named, started in
    /// `go/monitor/<file>.go`.
    grows: bool,
    /// How many waiters must be reported stuck in `WaitGroup.Wait` (every
    /// container's, when every container ends stuck with nothing growing),
    /// or 0.
    stuck: u64,
}

/// What `leakscope watch` must say of each program live, from the core's
/// run of the scenario the live programs play (FASE 6): the count test's
/// verdict, and whether every container ends stuck in `Wait()`.
pub(super) fn expected() -> Vec<Expect> {
    let scenario = Preset::Fase6.scenario();
    Program::ALL
        .iter()
        .map(|&p| {
            let run = simulate(&scenario, p).ok();
            let leak = run
                .as_ref()
                .is_some_and(|r| r.analysis().verdict == Verdict::Leak);
            let stalled = run
                .as_ref()
                .and_then(|r| r.samples().last().map(|s| s.stalled_containers))
                .unwrap_or(0);
            let all = u64::from(scenario.containers);
            Expect {
                tag: p.tag(),
                verdict: if leak { Verdict::Leak } else { Verdict::Pass },
                code: i32::from(leak),
                grows: leak,
                stuck: if !leak && stalled == all { all } else { 0 },
            }
        })
        .collect()
}

/// The live check of `leakscope watch`: each program built as
/// `serve-<tag>` in `bins_dir`, served on a free loopback port on the
/// fase6 faults with one minute = 200 ms, watched for 20 s (100 program
/// minutes) by `leakscope watch --format json`, its verdict and findings
/// checked against what the core expects ([`expected`]). They run at once;
/// every server is killed afterwards.
pub(super) fn watch_live(root: &Path, leakscope: &Path, bins_dir: &Path) -> Result<()> {
    std::fs::create_dir_all(bins_dir)
        .map_err(|e| crate::cmd::Error(format!("creating {}: {e}", bins_dir.display())))?;
    let list_path = write_faults(root, leakscope, &fase6(), "watch-faults.json")?;
    let expect = expected();
    let mut bins = Vec::new();
    for &Expect { tag, .. } in &expect {
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
    for (Expect { tag, .. }, bin) in expect.iter().zip(&bins) {
        ports.push(servers.serve(bin, tag, &list_path, ("200ms", "40s"))?);
    }
    for (Expect { tag, .. }, port) in expect.iter().zip(&ports) {
        wait_for(*port).map_err(|e| crate::cmd::Error(format!("serve-{tag}: {}", e.0)))?;
    }
    let watchers = expect
        .iter()
        .zip(&ports)
        .map(|(e, &port)| start_watch(leakscope, e.tag, port))
        .collect::<Result<Vec<_>>>()?;
    let mut problems = Vec::new();
    for (e, watcher) in expect.iter().zip(watchers) {
        let out = watcher
            .wait_with_output()
            .map_err(|err| crate::cmd::Error(format!("`leakscope watch` of {}: {err}", e.tag)))?;
        problems.extend(judge(root, e, &out));
    }
    drop(servers);
    if problems.is_empty() {
        eprintln!("go live = watch: {} programs", expect.len());
        Ok(())
    } else {
        fail(format!(
            "`leakscope watch` against the live Go programs:\n{}",
            problems.join("\n")
        ))
    }
}

/// `leakscope watch` of the program served on `port`: a poll a second for
/// 20 s, one program minute lasting 200 ms, JSON out.
fn start_watch(leakscope: &Path, tag: &str, port: u16) -> Result<std::process::Child> {
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
        .map_err(|e| crate::cmd::Error(format!("`leakscope watch` of {tag} could not start: {e}")))
}

/// What is wrong with one watch's output against `e` (exit code, a growing
/// group created in `go/monitor`, the stuck waiters), after printing its
/// figures; `None` when nothing is.
fn judge(root: &Path, e: &Expect, out: &std::process::Output) -> Option<String> {
    let &Expect {
        tag,
        code,
        grows,
        stuck,
        ..
    } = e;
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
    if stuck > 0
        && !waiters
            .iter()
            .any(|f| f.starts_with(&format!("{} goroutines ", thousands(stuck))))
    {
        wrong.push(format!(
            "the {stuck} containers' waiters not reported stuck in WaitGroup.Wait"
        ));
    }
    let number = |key: &str| json_value(&json, key).unwrap_or_else(|| "?".into());
    let rounded = |key: &str, places: usize| {
        number(key)
            .parse::<f64>()
            .map_or("?".into(), |n| format!("{n:.places$}"))
    };
    eprintln!(
        "watch {tag}: exit {:?}, {} polls, goroutines {} → {}, growth {}/min, limit {}, verdict {}",
        out.status.code(),
        json.matches("\"program_minute\"").count(),
        rounded("first", 0),
        rounded("last", 0),
        rounded("growth_per_min", 2),
        rounded("limit", 0),
        number("verdict"),
    );
    for f in grown.iter().take(3).chain(waiters.iter().take(2)) {
        eprintln!("  - {f}");
    }
    (!wrong.is_empty()).then(|| {
        format!(
            "{tag}: {}\n{}",
            wrong.join("; "),
            said.lines()
                .filter(|l| !l.starts_with("watch: poll "))
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The core's run of FASE 6 gives what the live check was written
    /// against: buggy and wait-timeout grow, close-only's 55 containers
    /// end stuck, fixed is clean.
    #[test]
    fn the_live_expectations_are_the_cores() {
        let rows: Vec<_> = expected()
            .into_iter()
            .map(|e| (e.tag, e.code, e.grows, e.stuck))
            .collect();
        assert_eq!(
            rows,
            [
                ("buggy", 1, true, 0),
                ("close_only", 0, false, 55),
                ("wait_timeout", 1, true, 0),
                ("fixed", 0, false, 0),
            ]
        );
    }
}
