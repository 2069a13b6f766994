//! `cargo xtask go-capture`: real goroutine dumps of one program running
//! live (`go/cmd/serve`), fetched from its `net/http/pprof` at chosen
//! virtual minutes — the fixtures the dump parser and the dump comparisons
//! are tested on.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cmd::{Result, fail};
use crate::go::command;

/// The arguments of `go-capture`.
#[derive(Debug, Default, PartialEq)]
pub struct Capture {
    /// The program's build tag.
    pub tag: &'static str,
    /// The scenario flags, for `leakscope faults`.
    pub scenario: Vec<String>,
    /// The virtual minutes to capture at.
    pub at: Vec<u32>,
    /// One virtual minute, in milliseconds.
    pub minute_ms: u64,
    /// Where the files go.
    pub out: Option<PathBuf>,
}

/// Parses `--program NAME --at M[,M…] [--minute-ms N] [--out DIR]` and the
/// scenario flags.
pub fn parse(args: &[String]) -> std::result::Result<Capture, String> {
    let split = crate::cmd::split_flags(args, &["--program", "--at", "--minute-ms", "--out"], &[])?;
    let mut c = Capture {
        minute_ms: 200,
        scenario: split.rest.clone(),
        out: split.value("--out").map(PathBuf::from),
        ..Capture::default()
    };
    if let Some(v) = split.value("--at") {
        for m in v.split(',') {
            c.at.push(
                m.trim()
                    .parse()
                    .map_err(|_| format!("`--at {v}`: `{m}` is not a whole minute"))?,
            );
        }
    }
    if let Some(v) = split.value("--minute-ms") {
        c.minute_ms = v.parse().ok().filter(|&n| n >= 10).ok_or(format!(
            "`--minute-ms {v}` is not a number of milliseconds ≥ 10"
        ))?;
    }
    let program = split.value("--program");
    let program = program.ok_or("`--program NAME` is required (one program)")?;
    let program: leakscope_sim::Program = program.parse().map_err(|e| format!("{e}"))?;
    c.tag = program.tag();
    if c.at.is_empty() {
        return Err("`--at M[,M…]` is required: the virtual minutes to capture at".into());
    }
    c.at.sort_unstable();
    c.at.dedup();
    Ok(c)
}

/// One HTTP GET on loopback: the body of a 200 answer.
fn get(addr: &str, path: &str) -> std::result::Result<String, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or("no HTTP header in the answer")?;
    if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
        return Err(head.lines().next().unwrap_or("").to_string());
    }
    Ok(body.to_string())
}

/// `cargo xtask go-capture -- FLAGS`.
pub fn run(ctx: &mut crate::tools::Ctx, c: &Capture) -> Result<()> {
    crate::tools::ensure(ctx, &crate::tools::for_go(&ctx.root))?;
    let root = ctx.root.clone();
    let leakscope = crate::gorun::leakscope(&root)?;
    let list = crate::gorun::write_faults(
        &root,
        &leakscope,
        &c.scenario,
        &format!("capture-{}-faults.json", c.tag),
    )?;
    let bin = root.join(format!("target/go/bin/serve-{}", c.tag));
    let mut build = command(&root);
    build
        .args(["build", "-tags", c.tag, "-o"])
        .arg(&bin)
        .arg("./cmd/serve");
    let built = build
        .output()
        .map_err(|e| crate::cmd::Error(format!("go build: {e}")))?;
    if !built.status.success() {
        return fail(String::from_utf8_lossy(&built.stderr).trim().to_string());
    }
    let goroot = {
        let out = command(&root)
            .args(["env", "GOROOT"])
            .output()
            .map_err(|e| crate::cmd::Error(format!("go env: {e}")))?;
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| crate::cmd::Error(format!("a free port: {e}")))?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let last = *c.at.last().unwrap_or(&0);
    let minute = Duration::from_millis(c.minute_ms);
    let mut child = Command::new(&bin)
        .arg("-faults")
        .arg(&list)
        .args(["-minute", &format!("{}ms", c.minute_ms), "-listen", &addr])
        .args([
            "-duration",
            &format!("{}ms", c.minute_ms * u64::from(last + 2) + 5000),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| crate::cmd::Error(format!("{}: {e}", bin.display())))?;
    // The program's clock starts when it says it serves.
    let mut said = String::new();
    if let Some(err) = child.stderr.take() {
        BufReader::new(err)
            .read_line(&mut said)
            .map_err(|e| crate::cmd::Error(format!("serve: {e}")))?;
    }
    let start = Instant::now();
    eprintln!("{}", said.trim());
    let out = c
        .out
        .clone()
        .unwrap_or_else(|| root.join("crates/pprof/tests/data"));
    let result = capture_all(c, &addr, start, minute, &out, &root, &goroot);
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn capture_all(
    c: &Capture,
    addr: &str,
    start: Instant,
    minute: Duration,
    out: &Path,
    root: &Path,
    goroot: &str,
) -> Result<()> {
    let program = c.tag.replace('_', "-");
    let module = format!("{}/", root.join("go").display());
    for &m in &c.at {
        let due = start + minute * m;
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        for (path, suffix) in [
            ("/debug/pprof/goroutine?debug=2", "debug2"),
            ("/debug/pprof/goroutine?debug=1", "debug1"),
            ("/debug/pprof/goroutineleak?debug=1", "goroutineleak-debug1"),
        ] {
            let body = get(addr, path)
                .map_err(|e| crate::cmd::Error(format!("GET {path} at minute {m}: {e}")))?;
            // Paths of this machine, made the same on every machine.
            let body = body
                .replace(&format!("{goroot}/src/"), "/usr/local/go/src/")
                .replace(&module, "/src/leakscope/go/");
            let file = out.join(format!("go1.27-live-{program}-m{m}-{suffix}.txt"));
            std::fs::write(&file, body)
                .map_err(|e| crate::cmd::Error(format!("writing {}: {e}", file.display())))?;
            eprintln!("captured {} at minute {m}", file.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn capture_takes_one_program_and_its_minutes() {
        let c = parse(&args(
            "-- --program wait-timeout --at 20,5,20 --preset fase6",
        ))
        .unwrap();
        assert_eq!((c.tag, c.at.clone()), ("wait_timeout", vec![5, 20]));
        assert_eq!(c.scenario, args("--preset fase6"));
        assert_eq!(c.minute_ms, 200);
        assert!(
            parse(&args("--program buggy"))
                .unwrap_err()
                .contains("--at")
        );
        assert!(
            parse(&args("--program x --at 1"))
                .unwrap_err()
                .contains("unknown")
        );
        assert!(
            parse(&args("--program buggy --at five"))
                .unwrap_err()
                .contains("five")
        );
        assert!(parse(&args("--program buggy --at 1 --minute-ms 3")).is_err());
    }
}
