//! Every text form Go prints its goroutines in, made for real at test time
//! by `go/cmd/dumpforms` under Go 1.27.3, read by `leakscope analyze`: a
//! panic, two fatal errors, a deadlock, SIGQUIT under `GOTRACEBACK=system`
//! and `crash`, a `go test` timeout, `runtime.Stack`, a CRLF copy, a dump
//! inside an issue comment with another process's lines interleaved, and
//! the goroutineleak profile. The captures are left in `forms/` of the
//! test's target directory.
//!
//! It needs Go 1.27.3: `cargo xtask test`'s `go` step runs it with
//! `LEAKSCOPE_GO` naming the `go` program.

#[path = "support/run.rs"]
mod run;

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use leakscope_pprof::{Kind, Options, analyze, parse};
use serde_json::Value;

fn go() -> PathBuf {
    PathBuf::from(std::env::var_os("LEAKSCOPE_GO").expect("LEAKSCOPE_GO names go"))
}

fn module() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../go")
}

fn work() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("forms")
}

/// `go` pinned as the project pins it, with cgo off (a deadlock is only
/// reported by a program without cgo's threads).
fn go_command() -> Command {
    let mut c = Command::new(go());
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let cache = std::env::var_os("LEAKSCOPE_GOCACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| target.join("go-cache"));
    c.current_dir(module())
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOTELEMETRY", "off")
        .env("GOENV", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("CGO_ENABLED", "0")
        .env("GOCACHE", cache)
        .env("GOPATH", target.join("go-path"));
    c
}

/// Runs `dumpforms form` with `GOTRACEBACK`; its output, saved as
/// `name.txt`.
fn form(exe: &Path, form: &str, traceback: &str, name: &str) -> PathBuf {
    let out = Command::new(exe)
        .arg(form)
        .env("GOTRACEBACK", traceback)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let mut text = out.stdout;
    text.extend(out.stderr);
    save(name, &text)
}

fn save(name: &str, text: &[u8]) -> PathBuf {
    let path = work().join(format!("{name}.txt"));
    std::fs::write(&path, text).unwrap();
    path
}

/// `dumpforms wait` sent SIGQUIT once it is ready.
fn sigquit(exe: &Path, traceback: &str) -> PathBuf {
    let mut child = Command::new(exe)
        .arg("wait")
        .env("GOTRACEBACK", traceback)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready, "ready\n");
    let status = Command::new("kill")
        .args(["-QUIT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let mut text = ready.into_bytes();
    text.extend(out.stdout);
    text.extend(out.stderr);
    save(&format!("sigquit-{traceback}"), &text)
}

fn json(file: &Path) -> Value {
    run::analyze_json(file)
}

/// The blocking functions of the groups of `json`.
fn functions(json: &Value) -> Vec<String> {
    json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["function"].as_str().unwrap().to_owned())
        .collect()
}

/// The goroutines `park()` leaves blocked, by blocking function.
const PARKED: [&str; 8] = [
    "main.receiver",
    "main.sender",
    "main.selector",
    "main.waitCond",
    "main.lockHeld",
    "main.wait[...]",
    "main.park.func1",
    "main.park.func2.1",
];

fn has_parked(name: &str, json: &Value) {
    has_parked_in(name, json, "main.");
}

/// As [`has_parked`], the package named `package` (a test binary's is its
/// import path).
fn has_parked_in(name: &str, json: &Value, package: &str) {
    let f = functions(json);
    for p in PARKED {
        let p = format!("{package}{}", p.strip_prefix("main.").unwrap());
        assert!(f.contains(&p), "{name}: no {p} in {f:?}");
    }
}

#[test]
#[ignore = "needs Go 1.27.3: `cargo xtask test` (its go step) runs it with LEAKSCOPE_GO"]
fn every_form_go_prints_is_read() {
    std::fs::create_dir_all(work()).unwrap();
    let exe = work().join("dumpforms");
    let out = go_command()
        .args([
            "build",
            "-trimpath",
            "-o",
            &exe.display().to_string(),
            "./cmd/dumpforms",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A panic, raised by main.explode.
    let j = json(&form(&exe, "panic", "all", "panic"));
    assert_eq!(j["why"]["kind"], "panic");
    assert_eq!(j["why"]["message"], "dumpforms: boom");
    assert_eq!(j["why"]["function"], "main.explode");
    has_parked("panic", &j);
    assert_eq!(j["reading"]["skipped"], 0);

    // Fatal errors: a runtime throw and concurrent map writes.
    let j = json(&form(&exe, "fatal", "all", "fatal-error"));
    assert_eq!(j["why"]["kind"], "fatal-error");
    assert_eq!(j["why"]["message"], "sync: unlock of unlocked mutex");
    has_parked("fatal", &j);
    let j = json(&form(&exe, "mapwrites", "all", "concurrent-map-writes"));
    assert_eq!(j["why"]["kind"], "fatal-error");
    assert_eq!(j["why"]["message"], "concurrent map writes");
    assert!(
        j["why"]["function"]
            .as_str()
            .unwrap()
            .starts_with("main.main.func"),
        "{}",
        j["why"]
    );

    // A deadlock: every blocked goroutine listed with what it waits on.
    let j = json(&form(&exe, "deadlock", "all", "deadlock"));
    assert_eq!(j["why"]["kind"], "deadlock");
    let blocked: Vec<(String, String)> = j["why"]["blocked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["function"].as_str().unwrap().to_owned(),
                b["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for want in [
        ("main.receiver", "chan receive"),
        ("main.sender", "chan send"),
        ("main.lockHeld", "sync.Mutex.Lock"),
        ("main.waitCond", "sync.Cond.Wait"),
        ("main.main", "select (no cases)"),
    ] {
        assert!(
            blocked
                .iter()
                .any(|(f, s)| (f.as_str(), s.as_str()) == want),
            "{want:?} not in {blocked:?}"
        );
    }

    // SIGQUIT: headers with gp= m= mp=, frames with fp= sp= pc=, register
    // dumps; under crash, every thread's g0 stack after `-----`.
    for traceback in ["system", "crash"] {
        let file = sigquit(&exe, traceback);
        let j = json(&file);
        assert_eq!(j["why"]["kind"], "signal", "{traceback}");
        assert_eq!(j["why"]["message"], "SIGQUIT: quit");
        assert_eq!(j["reading"]["dumps"], 1, "{traceback}");
        // Only `ready`, the program's own line.
        assert_eq!(j["reading"]["skipped"], 1, "{traceback}");
        assert!(j["reading"]["cut"].is_null());
        has_parked(traceback, &j);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.contains(" gp=0x") && text.contains(" fp=0x"),
            "{traceback}"
        );
    }

    // go test -timeout: the test's output, then the panic and every goroutine.
    let out = go_command()
        .args([
            "test",
            "-trimpath",
            "-count=1",
            "-v",
            "-run",
            "TestHang",
            "-timeout",
            "2s",
            "./cmd/dumpforms",
        ])
        .env("DUMPFORMS_HANG", "1")
        .output()
        .unwrap();
    let mut text = out.stdout;
    text.extend(out.stderr);
    let file = save("test-timeout", &text);
    let j = json(&file);
    assert_eq!(j["why"]["kind"], "test-timeout");
    assert_eq!(
        j["why"]["message"],
        "test timed out after 2s (running: TestHang (2s))"
    );
    assert_eq!(j["why"]["function"], "testing.(*M).startAlarm.func1");
    assert!(
        j["reading"]["skipped"].as_u64().unwrap() >= 3,
        "{}",
        j["reading"]
    );
    has_parked_in("timeout", &j, "leakscope/cmd/dumpforms.");

    // runtime.Stack, its CRLF copy, and the dump inside prose.
    let stack = form(&exe, "stack", "all", "runtime-stack");
    let j = json(&stack);
    assert!(j["why"].is_null());
    has_parked("stack", &j);
    let crlf = form(&exe, "crlf", "all", "runtime-stack-crlf");
    assert!(std::fs::read_to_string(&crlf).unwrap().contains("\r\n"));
    let c = json(&crlf);
    assert_eq!(
        (c["goroutines"].clone(), c["reading"]["skipped"].clone()),
        (j["goroutines"].clone(), 0.into())
    );
    let prose = form(&exe, "prose", "all", "in-prose");
    let p = json(&prose);
    assert_eq!(p["goroutines"], j["goroutines"]);
    assert!(
        p["reading"]["skipped"].as_u64().unwrap() >= 5,
        "{}",
        p["reading"]
    );
    has_parked("prose", &p);

    // Labels, generics and WaitGroup.Go as the parser keeps them.
    let dump = parse(&std::fs::read_to_string(&stack).unwrap()).unwrap();
    assert!(
        dump.records
            .iter()
            .any(|r| r.labels.get("role").map(String::as_str) == Some("reader")),
        "no labelled goroutine"
    );
    let by_go = dump
        .records
        .iter()
        .find(|r| {
            r.created_by
                .as_ref()
                .is_some_and(|c| c.function == "sync.(*WaitGroup).Go")
        })
        .expect("a goroutine started by WaitGroup.Go");
    assert_eq!(by_go.created_by.as_ref().unwrap().goroutine, Some(1));

    // The goroutineleak profile: Go's verdict named first, the spawner
    // hidden by WaitGroup.Go named.
    let leak = form(&exe, "leak", "all", "goroutineleak-debug2");
    let a = analyze(
        &parse(&std::fs::read_to_string(&leak).unwrap()).unwrap(),
        None,
        &Options::default(),
    );
    assert!(a.leaked >= 6, "{} leaked", a.leaked);
    assert!(a.suspects.iter().take(6).all(|s| s.kind == Kind::Leaked));
    let go_started = a
        .suspects
        .iter()
        .find(|s| s.entry.as_deref() == Some("main.park.func1"))
        .expect("the WaitGroup.Go goroutine named by its function");
    assert_eq!(go_started.spawner.as_deref(), Some("main.main"));
    assert_eq!(
        parse(&std::fs::read_to_string(&stack).unwrap())
            .unwrap()
            .cause
            .map(|c| c.kind),
        None
    );
}
