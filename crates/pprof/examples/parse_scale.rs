//! How fast and in how much memory a large `debug=2` goroutine dump is read
//! and analysed, beside `go tool pprof -top` on the same process's
//! `debug=0` profile.
//!
//! `cargo run --release -p leakscope-pprof --example parse_scale [DUMP.txt
//! [PROFILE.pb.gz]]`. Without arguments it reads `$LEAKSCOPE_PILE.debug2.txt`
//! and `$LEAKSCOPE_PILE.pb.gz` (`LEAKSCOPE_PILE` by default `/tmp/pile`,
//! what the recipe below writes) when the dump is there; otherwise a dump
//! of at least 100,000 goroutines is built in memory from the blocks of a
//! real Go dump (`tests/data`, the buggy monitor run live), repeated with
//! distinct ids, so that it runs anywhere. With a profile and a `go`
//! binary (`$LEAKSCOPE_GO`, else `target/tools/go-venv/bin/go`; the binary
//! in its `GOROOT`),
//! `go tool pprof -top` is timed on it in the same run (median of 3; its
//! peak RSS through `/usr/bin/time` when there is one).
//!
//! The README's dump and profile: `target/release/leakscope faults --preset
//! fase6 --containers 2800 --format json > F`, then in `go/`:
//! `GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod
//! ../target/tools/go-venv/bin/go test -tags buggy -run TestRun -count=1
//! ./monitor -args -faults F -out /tmp/r.json -dump-at 58 -dump-to
//! /tmp/pile` (about two minutes) writes `/tmp/pile.debug2.txt` and
//! `/tmp/pile.pb.gz`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use leakscope_pprof::{Options, analyze, analyze_text, parse, text_of};

const FIXTURE: &str = include_str!("../tests/data/go1.27-live-buggy-debug2.txt");
const GOROUTINES: usize = 100_000;
const RUNS: usize = 7;

/// The process's peak resident set so far, in KiB.
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// At least [`GOROUTINES`] goroutines: the fixture's blocks, repeated, each
/// header given a fresh id.
fn built() -> String {
    let blocks: Vec<&str> = FIXTURE
        .split("\n\n")
        .map(str::trim)
        .filter(|b| b.starts_with("goroutine "))
        .collect();
    let mut out = String::with_capacity(FIXTURE.len() * (GOROUTINES / blocks.len() + 1));
    let mut id = 1u64;
    while (id as usize) <= GOROUTINES {
        for block in &blocks {
            let (header, rest) = block.split_once('[').expect("a header");
            debug_assert!(header.starts_with("goroutine "));
            if id > 1 {
                out.push_str("\n\n");
            }
            out.push_str(&format!("goroutine {id} ["));
            out.push_str(rest);
            id += 1;
        }
    }
    out.push('\n');
    out
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The `go` binary: `$LEAKSCOPE_GO`, else the workspace's venv Go; the
/// real binary in its `GOROOT` when it names one (the venv's `go` is a
/// Python script whose start-up would be timed too).
fn go_binary() -> Option<PathBuf> {
    let go = match std::env::var_os("LEAKSCOPE_GO") {
        Some(go) => PathBuf::from(go),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/tools/go-venv/bin/go"),
    };
    if !go.is_file() {
        return None;
    }
    let root = Command::new(&go)
        .args(["env", "GOROOT"])
        .env("GOTOOLCHAIN", "local")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()).join("bin/go"))
        .filter(|g| g.is_file());
    Some(root.unwrap_or(go))
}

/// `go tool pprof -top PROFILE`: median wall time of 3, and the largest
/// peak RSS in KiB when `/usr/bin/time` measures it.
fn go_pprof(go: &Path, profile: &Path) -> Result<(Duration, Option<u64>), String> {
    let time = Path::new("/usr/bin/time");
    let mut times = Vec::new();
    let mut peak: Option<u64> = None;
    for _ in 0..3 {
        let mut cmd = if time.is_file() {
            let mut c = Command::new(time);
            c.args(["-f", "%M"]).arg(go);
            c
        } else {
            Command::new(go)
        };
        cmd.args(["tool", "pprof", "-top"])
            .arg(profile)
            .env("GOTOOLCHAIN", "local")
            .env("GOPROXY", "off")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let start = Instant::now();
        let out = cmd.output().map_err(|e| format!("{}: {e}", go.display()))?;
        times.push(start.elapsed());
        if !out.status.success() {
            return Err(format!(
                "go tool pprof failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        if time.is_file() {
            let kib = String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .and_then(|l| l.trim().parse::<u64>().ok());
            peak = peak.max(kib);
        }
    }
    Ok((median(times), peak))
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut dump = args.next().map(PathBuf::from);
    let mut profile = args.next().map(PathBuf::from);
    if dump.is_none() {
        let pile = std::env::var("LEAKSCOPE_PILE").unwrap_or_else(|_| "/tmp/pile".to_owned());
        let text = PathBuf::from(format!("{pile}.debug2.txt"));
        if text.is_file() {
            dump = Some(text);
            profile = Some(PathBuf::from(format!("{pile}.pb.gz"))).filter(|p| p.is_file());
        }
    }
    let before = peak_kib();
    let (what, bytes) = match &dump {
        Some(path) => (
            path.display().to_string(),
            std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?,
        ),
        None => (
            "built from go1.27-live-buggy-debug2.txt".to_owned(),
            built().into_bytes(),
        ),
    };
    let text = text_of(&bytes).map_err(|e| e.to_string())?;
    let options = Options::default();
    let mut times = Vec::new();
    let mut analysis = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let a = analyze_text(text, None, &options).map_err(|e| e.to_string())?;
        times.push(start.elapsed());
        analysis = Some(a);
    }
    let peak = peak_kib();
    let a = analysis.expect("runs");
    let input = bytes.len() as u64;
    let t = median(times);
    println!(
        "dump: {what}: {:.1} MiB, {} goroutines in {} groups, {} suspects",
        mib(input),
        a.goroutines,
        a.groups.len(),
        a.suspects.len()
    );
    let peak_line = match (peak, before) {
        (Some(p), Some(b)) => format!(
            "peak RSS {:.1} MiB = {:.2}x the input (before reading: {:.1} MiB)",
            mib(p * 1024),
            (p * 1024) as f64 / input as f64,
            mib(b * 1024)
        ),
        _ => "peak RSS unknown (no /proc/self/status)".to_owned(),
    };
    println!(
        "leakscope analyze_text (parse + analyze, streamed): median {:.0} ms of {RUNS}, {peak_line}",
        t.as_secs_f64() * 1e3
    );
    // The whole dump kept, as before the streaming path: time only (its
    // memory would mask the peak above).
    let mut whole = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let d = parse(text).map_err(|e| e.to_string())?;
        let b = analyze(&d, None, &options);
        whole.push(start.elapsed());
        assert_eq!(b, a, "both paths agree");
    }
    println!(
        "parse + analyze (every record kept): median {:.0} ms of 3, peak RSS {:.1} MiB after it",
        median(whole).as_secs_f64() * 1e3,
        mib(peak_kib().unwrap_or(0) * 1024)
    );
    let Some(profile) = profile else {
        println!("go tool pprof -top: no profile given (second argument: the .pb.gz)");
        return Ok(());
    };
    let Some(go) = go_binary() else {
        println!("go tool pprof -top: no go binary (set LEAKSCOPE_GO)");
        return Ok(());
    };
    let (g, gpeak_kib) = go_pprof(&go, &profile)?;
    let gpeak = gpeak_kib.map_or(String::new(), |k| {
        format!(", peak RSS {:.1} MiB", mib(k * 1024))
    });
    println!(
        "{} tool pprof -top {}: median {:.0} ms of 3{gpeak}",
        go.display(),
        profile.display(),
        g.as_secs_f64() * 1e3
    );
    let memory = match (peak, gpeak_kib) {
        (Some(p), Some(q)) => format!(", {:.2}x its peak RSS", p as f64 / q as f64),
        _ => String::new(),
    };
    println!(
        "ratio: leakscope takes {:.2}x the time of go tool pprof -top{memory}",
        t.as_secs_f64() / g.as_secs_f64()
    );
    Ok(())
}
