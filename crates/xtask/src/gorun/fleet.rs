//! The live check of `leakscope fleet` against a real
//! Prometheus scraping the programs served live and the real monitor.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use super::live::{Servers, free_port, json_value, wait_for};
use super::watch::{Expect, expected};
use super::{fase6, write_faults};
use crate::cmd::{Result, fail};
use crate::prometheus::Target;
use leakscope_sim::Program;

/// How long Prometheus scrapes before the fleet check, in seconds.
const FLEET_SCRAPE_SECS: u64 = 35;

/// The fleet check against a real Prometheus: every program's
/// `serve-<tag>` (built by the watch check in `bins_dir`) live on the
/// fase6 faults with one minute = 1 s, Debian's `prometheus` scraping their
/// `/metrics` every second (one job per program), and after
/// [`FLEET_SCRAPE_SECS`] s `leakscope fleet --prometheus … --query
/// go_goroutines --range 30s --step 1s --minute 1s --format json`: exit 1,
/// each program's series with the verdict the core expects ([`expected`]). Then a
/// malformed query (exit 3, Prometheus' own error text) and an unknown
/// metric (exit 3, no series matched).
pub(super) fn fleet_live(root: &Path, leakscope: &Path, bins_dir: &Path) -> Result<()> {
    crate::stop::check("the fleet check")?;
    let list_path = write_faults(root, leakscope, &fase6(), "fleet-faults.json")?;
    let mut servers = Servers(Vec::new());
    let expect = expected();
    let mut targets = start_programs(&expect, &list_path, bins_dir, &mut servers)?;
    let monitor_port = start_monitor(leakscope, &mut servers)?;
    if let Some(port) = monitor_port {
        targets.push((
            "monitor".to_string(),
            format!("127.0.0.1:{port}"),
            Vec::new(),
        ));
    }
    let prometheus = crate::prometheus::Prometheus::start(&targets)?;
    eprintln!(
        "fleet: Prometheus on {} scraping {} programs every 1 s; checking in {FLEET_SCRAPE_SECS} s",
        prometheus.addr,
        targets.len()
    );
    crate::stop::sleep(
        std::time::Duration::from_secs(FLEET_SCRAPE_SECS),
        "the fleet check",
    )?;
    let watch = Watch {
        leakscope,
        url: format!("http://{}", prometheus.addr),
    };
    let (json, mut problems) = check_programs(&watch, &expect)?;
    problems.extend(check_refusals(&watch)?);
    if monitor_port.is_some() {
        problems.extend(check_monitor(&watch)?);
    }
    drop(prometheus);
    drop(servers);
    if problems.is_empty() {
        eprintln!(
            "go live = fleet: {} programs{} through a real Prometheus",
            Program::ALL.len(),
            if monitor_port.is_some() {
                " and the real monitor"
            } else {
                ""
            }
        );
        Ok(())
    } else {
        fail(format!(
            "`leakscope fleet` against a real Prometheus scraping the live Go programs:\n{}\n{json}",
            problems.join("\n")
        ))
    }
}

/// Serves each program on a free loopback port, one
/// minute = 1 s, and waits until each listens: Prometheus' targets.
fn start_programs(
    expect: &[Expect],
    list_path: &Path,
    bins_dir: &Path,
    servers: &mut Servers,
) -> Result<Vec<Target>> {
    let mut targets = Vec::new();
    for &Expect { tag, .. } in expect {
        let bin = bins_dir.join(format!("serve-{tag}"));
        let port = servers.serve(&bin, tag, list_path, ("1s", "120s"))?;
        wait_for(port).map_err(|e| crate::cmd::Error(format!("serve-{tag}: {}", e.0)))?;
        targets.push((tag.to_string(), format!("127.0.0.1:{port}"), Vec::new()));
    }
    Ok(targets)
}

/// The real monitor (leakscope's own, on the Docker engine the docker step
/// started) beside the programs: its /metrics says tokio_alive_tasks. It
/// follows only containers with a label nobody has, so its count is its
/// own tasks: flat. Its port, or `None` when no Docker engine answers
/// (an error under `CI=true`).
fn start_monitor(leakscope: &Path, servers: &mut Servers) -> Result<Option<u16>> {
    let port = free_port()?;
    let monitor = Command::new(leakscope)
        .args([
            "monitor",
            "--docker",
            "--program",
            "fixed",
            "--rotation",
            "1s",
            "--heartbeat",
            "1s",
            "--duration",
            "120s",
        ])
        .arg("--label")
        .arg(format!("leakscope.fleet={port}"))
        .arg("--debug-addr")
        .arg(format!("127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| crate::cmd::Error(format!("leakscope monitor could not start: {e}")))?;
    servers.0.push(monitor);
    match wait_for(port) {
        Ok(()) => Ok(Some(port)),
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => fail(format!(
            "the real monitor did not serve /metrics ({}): the fleet check needs the Docker engine the docker step starts",
            e.0
        )),
        Err(_) => {
            eprintln!(
                "fleet: no Docker engine answers, so the real monitor is not in the fleet (CI=true requires it)"
            );
            Ok(None)
        }
    }
}

/// `leakscope fleet --prometheus URL --query Q` over the last 30 s.
struct Watch<'a> {
    leakscope: &'a Path,
    url: String,
}

impl Watch<'_> {
    fn run(&self, query: &str, format: &str) -> Result<Output> {
        Command::new(self.leakscope)
            .args(["fleet", "--prometheus", &self.url, "--query", query])
            .args([
                "--range", "30s", "--step", "1s", "--minute", "1s", "--format", format,
            ])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| crate::cmd::Error(format!("`leakscope fleet` could not start: {e}")))
    }
}

/// `go_goroutines` of every program: exit 1, one series per program with
/// the verdict the core expects. The JSON, and what is wrong.
fn check_programs(watch: &Watch<'_>, expect: &[Expect]) -> Result<(String, Vec<String>)> {
    let out = watch.run("go_goroutines", "json")?;
    let json = String::from_utf8_lossy(&out.stdout).into_owned();
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut problems = Vec::new();
    if out.status.code() != Some(1) {
        problems.push(format!(
            "exit {:?}, expected 1: {}",
            out.status.code(),
            said.trim()
        ));
    }
    // Each series' object: its labels, then its verdict and numbers.
    let series: Vec<&str> = json.split("\"labels\": {").skip(1).collect();
    if series.len() != expect.len() {
        problems.push(format!(
            "{} series, expected {}",
            series.len(),
            expect.len()
        ));
    }
    for &Expect { tag, verdict, .. } in expect {
        let verdict = verdict.name();
        let Some(s) = series
            .iter()
            .find(|s| json_value(s, "job").as_deref() == Some(tag))
        else {
            problems.push(format!("no series of job {tag}"));
            continue;
        };
        let got = json_value(s, "verdict").unwrap_or_default();
        let number = |key: &str| {
            json_value(s, key)
                .and_then(|n| n.parse::<f64>().ok())
                .map_or("?".into(), |n| format!("{n:.1}"))
        };
        eprintln!(
            "fleet {tag}: {got}, {} points, go_goroutines {} → {}, growth {}/min, limit {}",
            json_value(s, "points").unwrap_or_default(),
            number("first"),
            number("last"),
            number("growth_per_min"),
            number("limit"),
        );
        if got != verdict {
            problems.push(format!("{tag}: {got}, expected {verdict}"));
        }
    }
    Ok((json, problems))
}

/// A malformed query (exit 3 with Prometheus' own parse error) and an
/// unknown metric (exit 3, no series matched).
fn check_refusals(watch: &Watch<'_>) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let bad = watch.run("go_goroutines{", "table")?;
    let bad_said = String::from_utf8_lossy(&bad.stderr).into_owned();
    if bad.status.code() != Some(3)
        || !bad_said.contains("Prometheus refused the query")
        || !bad_said.contains("bad_data")
        || !bad_said.contains("parse error")
    {
        problems.push(format!(
            "a malformed query: exit {:?}, expected 3 with Prometheus' parse error: {}",
            bad.status.code(),
            bad_said.trim()
        ));
    } else {
        eprintln!("fleet malformed query: exit 3, {}", bad_said.trim());
    }
    let none = watch.run("leakscope_no_such_metric", "table")?;
    let none_said = String::from_utf8_lossy(&none.stderr).into_owned();
    if none.status.code() != Some(3) || !none_said.contains("matched no series") {
        problems.push(format!(
            "an unknown metric: exit {:?}, expected 3 and no series matched: {}",
            none.status.code(),
            none_said.trim()
        ));
    } else {
        eprintln!("fleet unknown metric: exit 3, {}", none_said.trim());
    }
    Ok(problems)
}

/// The same command on the real monitor's task count: exit 0, its series
/// passing.
fn check_monitor(watch: &Watch<'_>) -> Result<Vec<String>> {
    let out = watch.run("tokio_alive_tasks", "json")?;
    let json = String::from_utf8_lossy(&out.stdout).into_owned();
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    let series: Vec<&str> = json.split("\"labels\": {").skip(1).collect();
    let monitor = series
        .iter()
        .find(|s| json_value(s, "job").as_deref() == Some("monitor"));
    match (out.status.code(), monitor) {
        (Some(0), Some(s)) if json_value(s, "verdict").as_deref() == Some("pass") => {
            eprintln!(
                "fleet monitor: pass, {} points, tokio_alive_tasks {} → {}",
                json_value(s, "points").unwrap_or_default(),
                json_value(s, "first").unwrap_or_default(),
                json_value(s, "last").unwrap_or_default(),
            );
            Ok(Vec::new())
        }
        (code, _) => Ok(vec![format!(
            "the real monitor's tokio_alive_tasks: exit {code:?}, expected 0 with the monitor passing: {}\n{json}",
            said.trim()
        )]),
    }
}
