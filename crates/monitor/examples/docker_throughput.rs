//! Lines per second through the real monitor against `docker logs -f` on
//! the same container, in one run. Needs a running Docker engine. Run with
//! `--release`:
//!
//! `cargo run --release -p leakscope-monitor --example docker_throughput [LINES]`
//!
//! One emitter container writes LINES numbered lines as fast as it can and
//! stays up; then `docker logs -f` and the fixed program's monitor (rotation 5m,
//! writing JSON lines to a file) each read them all from the first line,
//! one after the other; each is timed until its last line arrives.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use leakscope_monitor::MonitorConfig;
use leakscope_monitor::docker::Selector;
use leakscope_monitor::follow::{FollowOptions, Follower};
use leakscope_sim::Program;

fn docker(args: &[&str]) -> anyhow::Result<String> {
    leakscope_emitter::docker(args).map_err(anyhow::Error::msg)
}

fn build_image() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    leakscope_emitter::build_image(&root).map_err(anyhow::Error::msg)
}

fn main() -> anyhow::Result<()> {
    let lines: u64 = std::env::args().nth(1).map_or(Ok(300_000), |a| a.parse())?;
    build_image().context("a running Docker engine is needed")?;
    let label = format!("leakscope.bench={}", std::process::id());
    let name = format!("leakscope-bench-{}", std::process::id());
    let count = lines.to_string();
    leakscope_emitter::run(
        &label,
        &name,
        &[],
        &["--rate", "0", "--count", &count, "--linger", "3600"],
    )
    .map_err(anyhow::Error::msg)?;
    let rounds = 3;
    let mut results = Vec::new();
    for _ in 0..rounds {
        match measure(&name, &label, lines) {
            Ok(r) => results.push(r),
            Err(e) => {
                let _ = docker(&["rm", "-f", &name]);
                return Err(e);
            }
        }
    }
    let _ = docker(&["rm", "-f", &name]);
    println!("{lines} lines from one container, each read from its first line, {rounds} rounds:");
    for (i, (cli, monitor)) in results.iter().enumerate() {
        println!(
            "  round {}: docker logs -f {cli:>9.0} lines/s, leakscope monitor fixed {monitor:>9.0} lines/s, ratio {:.2}",
            i + 1,
            monitor / cli
        );
    }
    let best = |f: fn(&(f64, f64)) -> f64| results.iter().map(f).fold(0.0, f64::max);
    let (cli, monitor) = (best(|r| r.0), best(|r| r.1));
    println!(
        "  best: docker logs -f {cli:.0} lines/s, monitor {monitor:.0} lines/s, ratio {:.2}",
        monitor / cli
    );
    Ok(())
}

fn measure(name: &str, label: &str, lines: u64) -> anyhow::Result<(f64, f64)> {
    // Wait until the emitter has written everything.
    let start = Instant::now();
    loop {
        let n = docker(&["logs", "--tail", "1", name])?;
        if n.contains(&format!("seq={}", lines - 1)) {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            bail!("the emitter did not finish");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let t = Instant::now();
    let mut child = Command::new("docker")
        .args(["logs", "-f", "--timestamps", name])
        .stdout(Stdio::piped())
        .spawn()?;
    let mut seen = 0u64;
    let mut reader = BufReader::with_capacity(1 << 16, child.stdout.take().context("stdout")?);
    let mut buf = String::new();
    while seen < lines && reader.read_line(&mut buf)? > 0 {
        seen += 1;
        buf.clear();
    }
    let cli = seen as f64 / t.elapsed().as_secs_f64();
    let _ = child.kill();
    let _ = child.wait();

    let dir = tempfile::tempdir()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let monitor = rt.block_on(async {
        let options = FollowOptions {
            monitor: MonitorConfig {
                rotation: Duration::from_secs(300),
                heartbeat: Duration::from_secs(30),
                program: Program::FIXED,
            },
            selector: Selector {
                label: Some(label.to_owned()),
            },
            out: Some(dir.path().join("lines.jsonl")),
            poll: Duration::from_millis(100),
            ..FollowOptions::default()
        };
        let t = Instant::now();
        let f = Follower::start(options).await?;
        while f.monitor().stats.lines.load(Ordering::Relaxed) < lines {
            if t.elapsed() > Duration::from_secs(300) {
                bail!("the monitor did not read every line");
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let rate = lines as f64 / t.elapsed().as_secs_f64();
        let summary = f.stop().await?;
        anyhow::ensure!(summary.left_after_drain == 0, "drain incomplete");
        Ok(rate)
    })?;
    Ok((cli, monitor))
}
