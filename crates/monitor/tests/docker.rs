//! The real monitor against a real Docker engine: the fixed program follows
//! containers across rotations with a bounded census and loses or repeats
//! no line, through kills, restarts, pauses, late containers, an engine
//! restart and a socket missing at start; 40 KiB lines come out whole, and
//! interleaved stdout and stderr lose and double nothing; the buggy program
//! stalls; and through the half-open proxy every program's census equals
//! the formula for the realized faults and the simulation of the same
//! schedule at every rotation period, live on `/metrics` and `/debug/tasks`.
//!
//! Needs a running engine (`dockerd`) on `DOCKER_HOST` or
//! `/var/run/docker.sock`; the harness builds the emitter image itself
//! (`leakscope-emitter`, static, `FROM scratch`). Without an engine the
//! tests print "skipped: no docker engine" and pass, except under
//! `CI=true`, where they fail.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use leakscope_monitor::docker::{Selector, socket_from_env};
use leakscope_monitor::follow::{FollowOptions, Follower, Summary};
use leakscope_monitor::{CensusSnapshot, MonitorConfig};
use leakscope_sim::{Program, WaitGroupName};

use leakscope_emitter::docker;

/// One test at a time: they share the engine, and one restarts it.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

fn must(args: &[&str]) -> String {
    docker(args).unwrap_or_else(|e| panic!("{e}"))
}

fn engine_up() -> bool {
    Path::new(&socket_from_env()).exists()
        && docker(&["version", "--format", "{{.Server.Version}}"]).is_ok()
}

/// Whether the tests can run; loud when they cannot.
fn engine() -> bool {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    let ready = READY.get_or_init(|| {
        if !engine_up() {
            return Err("no docker engine".into());
        }
        build_image()
    });
    match ready {
        Ok(()) => true,
        Err(why) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but the Docker tests cannot run: {why}");
            }
            // Written to the process's stderr directly: libtest captures the
            // print macros of passing tests, and this must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** skipped: {why} ***\n*** start dockerd to run the Docker tests (see crates/monitor/README.md) ***\n"
            );
            false
        }
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn build_image() -> Result<(), String> {
    leakscope_emitter::build_image(&workspace()).map_err(String::from)
}

/// Containers of one test, removed when dropped.
struct Fleet {
    label: String,
    names: Mutex<Vec<String>>,
}

impl Fleet {
    fn new(test: &str) -> Fleet {
        let label = format!("leakscope.test={test}-{}", std::process::id());
        let _ = leakscope_emitter::remove_labelled(&label);
        Fleet {
            label,
            names: Mutex::default(),
        }
    }

    fn run(&self, name: &str, rate: u32, restart: bool) -> String {
        self.run_with(name, restart, &["--rate", &rate.to_string()])
    }

    /// Runs an emitter container with `emitter` as its arguments.
    fn run_with(&self, name: &str, restart: bool, emitter: &[&str]) -> String {
        let name = format!("{}-{name}", self.label.replace(['.', '='], "-"));
        let mut extra = vec!["--stop-timeout", "1"];
        if restart {
            extra.extend(["--restart", "always"]);
        }
        leakscope_emitter::run(&self.label, &name, &extra, emitter)
            .unwrap_or_else(|e| panic!("{e}"));
        self.names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(name.clone());
        name
    }

    /// The names of its containers, in the order they were started.
    fn names(&self) -> Vec<String> {
        self.names.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The name of its `i`th container.
    fn name(&self, i: usize) -> String {
        self.names()[i].clone()
    }

    fn selector(&self) -> Selector {
        Selector {
            label: Some(self.label.clone()),
        }
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let _ = leakscope_emitter::remove_labelled(&self.label);
    }
}

/// What the Docker tests share: the engine to themselves (one test at a
/// time), emitter containers of their own, a directory for the monitor's
/// lines and a runtime to run the monitor on. Dropped, it removes the
/// containers, then the directory, then lets the next test in.
struct Harness {
    /// The test's containers (removed first when dropped).
    fleet: Fleet,
    /// Where the monitor writes its lines.
    out: PathBuf,
    rt: tokio::runtime::Runtime,
    /// The test's own directory (the lines file, a socket path).
    dir: tempfile::TempDir,
    _serial: MutexGuard<'static, ()>,
}

impl Harness {
    /// Set-up for the test `name`; `None` when there is no engine (said
    /// loudly by [`engine`]; under `CI=true` that fails instead).
    fn new(name: &str) -> Option<Harness> {
        let serial = serial();
        if !engine() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        Some(Harness {
            fleet: Fleet::new(name),
            out: dir.path().join("lines.jsonl"),
            rt: runtime(),
            dir,
            _serial: serial,
        })
    }

    /// Starts the monitor running `program` on the test's containers,
    /// writing their lines to [`Harness::out`].
    async fn follow(&self, program: Program) -> Follower {
        Follower::start(options(&self.fleet, program, &self.out))
            .await
            .unwrap()
    }
}

fn options(fleet: &Fleet, program: Program, out: &Path) -> FollowOptions {
    FollowOptions {
        monitor: MonitorConfig {
            rotation: Duration::from_secs(1),
            heartbeat: Duration::from_millis(500),
            program,
        },
        selector: fleet.selector(),
        out: Some(out.to_path_buf()),
        poll: Duration::from_millis(250),
        sample_every: Duration::from_millis(100),
        ..FollowOptions::default()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The monitor's lines per container, as written to `--out`.
fn written(out: &Path) -> BTreeMap<String, Vec<(String, String)>> {
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
fn is_stderr(text: &str) -> bool {
    text.split(' ').nth(2) == Some("stream=err")
}

/// Removes the timestamps `docker logs --timestamps` writes before each
/// record after a long line's first (the client copies records as they
/// come, and only the last one ends the line): what is left is the line.
fn strip_record_stamps(text: &str) -> String {
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
fn engine_lines(name: &str) -> [Vec<(String, String)>; 2] {
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
fn assert_sequences(name: &str, lines: &[(String, String)]) {
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
fn assert_every_line_once(fleet: &Fleet, out: &Path) {
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

/// Waits until `f` holds, or panics after `limit`.
fn eventually(limit: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The fixed program's census bound for `n` containers: a heartbeat each,
/// at most a reader and a waiter each (a waiter lives only while its
/// reader finishes), at most 2 stream handlers each (a closed stream's
/// handler ends on its own task, moments after the close, so at a rotation
/// a container may briefly hold its old stream's and its new one's), and a
/// constant (writer, sampler, discovery; the timer driver is a runtime
/// task).
fn assert_fixed_bound(s: &CensusSnapshot, n: u64) {
    assert!(s.by_role.heartbeat <= n, "{s:?}");
    assert!(s.by_role.reader <= n, "{s:?}");
    assert!(s.by_role.handler <= 2 * n, "{s:?}");
    assert!(s.by_role.waiter <= n, "{s:?}");
    assert_eq!(s.by_role.system, 3, "{s:?}");
    assert_eq!(s.runtime, 1, "{s:?}");
}

/// No `rotate()` of the fixed program stays blocked in `Wait()`: a waiter
/// may be caught in `sync.WaitGroup.Wait` for the moment its reader takes to exit,
/// never for a second.
fn assert_no_stall(census: &leakscope_monitor::Census) {
    let now = census.now();
    for g in census.goroutines() {
        if g.state == leakscope_sim::State::Semacquire {
            assert!(
                now.since(g.since).as_millis() < 1000,
                "a fixed waiter is stuck in Wait(): {g:?}"
            );
        }
    }
}

fn stop_all(fleet: &Fleet) {
    let names = fleet.names();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut args = vec!["kill"];
    args.extend(&names);
    let _ = docker(&args);
}

fn drained(summary: &Summary) {
    assert_eq!(summary.left_after_drain, 0, "{summary:?}");
}

#[test]
fn fixed_follows_twenty_containers_for_ten_rotations_losing_no_line() {
    let Some(h) = Harness::new("twenty") else {
        return;
    };
    let fleet = &h.fleet;
    for i in 0..20 {
        fleet.run(&i.to_string(), 40, false);
    }
    let out = &h.out;
    let rt = &h.rt;
    let summary = rt.block_on(async {
        let f = h.follow(Program::FIXED).await;
        let start = Instant::now();
        let mut steady = Vec::new();
        while start.elapsed() < Duration::from_secs(12) {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let s = f.census().snapshot();
            assert_fixed_bound(&s, 20);
            assert_no_stall(f.census());
            if start.elapsed() > Duration::from_secs(3) {
                steady.push(s);
            }
        }
        // Between rotations: 3 per container (heartbeat, reader, its
        // stream's handler) plus the constant.
        assert!(
            steady.iter().any(|s| s.goroutines() == 3 * 20 + 3),
            "{:?}",
            steady.last()
        );
        stop_all(fleet);
        let m = f.monitor().clone();
        let done = Instant::now();
        while m.stats.released.load(std::sync::atomic::Ordering::Relaxed) < 20 {
            assert!(
                done.elapsed() < Duration::from_secs(20),
                "containers not released"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        f.stop().await.unwrap()
    });
    drained(&summary);
    assert!(
        summary.containers.iter().all(|c| c.rotations >= 10),
        "{}",
        format!("{summary:?}")
    );
    assert_every_line_once(fleet, out);
}

#[test]
fn fixed_survives_kills_restarts_pauses_and_late_containers() {
    let Some(h) = Harness::new("faults") else {
        return;
    };
    let fleet = &h.fleet;
    for name in ["kill", "restart", "pause", "steady"] {
        fleet.run(name, 50, false);
    }
    let out = &h.out;
    let rt = &h.rt;
    let summary = rt.block_on(async {
        let f = h.follow(Program::FIXED).await;
        let check = |f: &Follower| {
            assert_fixed_bound(&f.census().snapshot(), 5);
            assert_no_stall(f.census());
        };
        let pause = |secs: u64| tokio::time::sleep(Duration::from_millis(secs));
        pause(2500).await;
        check(&f);
        must(&["kill", &fleet.name(0)]);
        must(&["restart", "-t", "0", &fleet.name(1)]);
        must(&["pause", &fleet.name(2)]);
        pause(2500).await;
        check(&f);
        must(&["unpause", &fleet.name(2)]);
        let late = fleet.run("late", 50, false);
        pause(1500).await;
        must(&["restart", "-t", "0", &fleet.name(1)]);
        pause(2500).await;
        check(&f);
        let followed: Vec<_> = f
            .monitor()
            .containers()
            .iter()
            .map(|c| c.name.to_string())
            .collect();
        assert!(
            followed.contains(&late),
            "the late container is not followed: {followed:?}"
        );
        stop_all(fleet);
        pause(4000).await;
        f.stop().await.unwrap()
    });
    drained(&summary);
    assert_every_line_once(fleet, out);
}

#[test]
fn fixed_recovers_from_an_engine_restart_and_a_socket_missing_at_start() {
    let Some(h) = Harness::new("engine") else {
        return;
    };
    let fleet = &h.fleet;
    // stdout and stderr interleaved, one with lines of 40 KiB.
    fleet.run_with("0", true, &["--stream", "both", "--rate", "200"]);
    fleet.run_with("1", true, &["--stream", "both", "--rate", "50"]);
    fleet.run_with(
        "2",
        true,
        &["--stream", "both", "--rate", "10", "--pad", "40960"],
    );
    let out = &h.out;
    let socket = h.dir.path().join("docker.sock");
    let mut opts = options(fleet, Program::FIXED, out);
    opts.socket = socket.display().to_string();
    let rt = &h.rt;
    let summary = rt.block_on(async {
        // The socket is missing: a clear error, retries, no panic.
        let f = Follower::start(opts).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let engine = f.monitor().source.engine().clone();
        assert_eq!(engine.reachable(), Some(false));
        let why = engine.last_error().unwrap();
        assert!(why.contains("not found"), "{why}");
        assert_eq!(f.census().snapshot().by_role.heartbeat, 0);
        // The socket appears: the monitor finds the engine and follows.
        std::os::unix::fs::symlink(socket_from_env(), &socket).unwrap();
        let wait = Instant::now();
        while f.census().snapshot().by_role.heartbeat < 3 {
            assert!(
                wait.elapsed() < Duration::from_secs(10),
                "never found the engine"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        // The engine restarts; its containers come back (restart always).
        if let Err(why) = restart_engine() {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true"),
                "CI=true but the engine could not be restarted: {why}"
            );
            let _ = writeln!(
                std::io::stderr(),
                "*** engine restart part skipped: {why} ***"
            );
        }
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert_fixed_bound(&f.census().snapshot(), 3);
        stop_all(fleet);
        let _ = docker(&[
            "update",
            "--restart",
            "no",
            &fleet.name(0),
            &fleet.name(1),
            &fleet.name(2),
        ]);
        tokio::time::sleep(Duration::from_secs(4)).await;
        f.stop().await.unwrap()
    });
    drained(&summary);
    assert_every_line_once(fleet, out);
}

/// Stops the engine by its pid and starts it again with the same command
/// line, detached, logging to a file beside its pid file.
fn restart_engine() -> Result<(), String> {
    let pid = std::fs::read_to_string("/var/run/docker.pid")
        .map_err(|e| format!("/var/run/docker.pid: {e}"))?;
    let pid = pid.trim().to_owned();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).map_err(|e| e.to_string())?;
    let argv: Vec<String> = cmdline
        .split(|&b| b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let ok = Command::new("kill")
        .arg(&pid)
        .status()
        .map_err(|e| e.to_string())?;
    if !ok.success() {
        return Err(format!("cannot stop dockerd {pid}"));
    }
    // Gone, or a zombie: whoever started it may not reap it at once.
    eventually(Duration::from_secs(30), "dockerd stopped", || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|stat| {
                stat.rsplit(')')
                    .next()
                    .is_some_and(|rest| rest.trim_start().starts_with('Z'))
            })
            .unwrap_or(true)
    });
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open("/tmp/leakscope-dockerd-restarted.log")
        .map_err(|e| e.to_string())?;
    Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| e.to_string())?;
    eventually(Duration::from_secs(60), "dockerd answers again", engine_up);
    Ok(())
}

#[test]
fn buggy_stalls_every_container_at_its_first_rotation() {
    let Some(h) = Harness::new("buggy") else {
        return;
    };
    let fleet = &h.fleet;
    for i in 0..5 {
        fleet.run(&i.to_string(), 50, false);
    }
    let rt = &h.rt;
    let summary = rt.block_on(async {
        let f = h.follow(Program::BUGGY).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        let s = f.census().snapshot();
        // Rule 6: the reader left (closed), the waiter stays, blocked on
        // the heartbeat's count: the logs are no longer read.
        assert_eq!(s.stalled_containers, 5, "{s:?}");
        assert_eq!(
            (s.by_role.heartbeat, s.by_role.reader, s.by_role.waiter),
            (5, 0, 5),
            "{s:?}"
        );
        let groups = *f
            .census()
            .wait_groups(Program::BUGGY)
            .get(WaitGroupName::Wg)
            .unwrap();
        assert_eq!(
            (groups.counter, groups.holders.heartbeat, groups.waiters),
            (5, 5, 5)
        );
        let dump = f
            .census()
            .dump(Program::BUGGY, leakscope_sim::DumpFormat::Grouped);
        assert!(
            dump.contains("5 @ waiter [sync.WaitGroup.Wait] (blocked in Wait for good)"),
            "{dump}"
        );
        let lines = f
            .monitor()
            .stats
            .lines
            .load(std::sync::atomic::Ordering::Relaxed);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let later = f
            .monitor()
            .stats
            .lines
            .load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(lines, later, "a stalled monitor read more lines");
        f.stop().await.unwrap()
    });
    drained(&summary);
}

/// Waits until `n` containers were released (read to their end).
async fn released(f: &Follower, n: u64) {
    let done = Instant::now();
    while f
        .monitor()
        .stats
        .released
        .load(std::sync::atomic::Ordering::Relaxed)
        < n
    {
        assert!(
            done.elapsed() < Duration::from_secs(30),
            "containers not released"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Records of the engine's log in the first line of `name`, as `docker
/// logs --timestamps` shows them (a timestamp before each; its `--tail`
/// counts records, not lines).
fn records_of_first_line(name: &str) -> usize {
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

/// `program` following `containers` emitters through the half-open proxy
/// (`plan`) for `run_for`: the recorded run, as `leakscope monitor
/// --inject-faults --format json` writes it.
fn recorded_half_open_run(
    program: Program,
    containers: u32,
    plan: leakscope_monitor::halfopen::FaultPlan,
    run_for: Duration,
) -> (leakscope_sim::RecordedRun, Summary) {
    use leakscope_monitor::halfopen::{IDLE_AFTER, Proxy};
    let fleet = Fleet::new(&format!("pileup-{program}"));
    for i in 0..containers {
        fleet.run(&i.to_string(), 50, false);
    }
    let dir = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(&socket_from_env(), &dir.path().join("proxy.sock"), plan).unwrap();
    let mut opts = options(&fleet, program, &dir.path().join("lines.jsonl"));
    opts.monitor.rotation = plan.rotation;
    opts.socket = proxy.path().display().to_string();
    opts.idle_after = Some(IDLE_AFTER);
    opts.debug_addr = Some("127.0.0.1:0".parse().unwrap());
    let mut summary = runtime().block_on(async {
        let f = Follower::start(opts).await.unwrap();
        tokio::time::sleep(run_for).await;
        served_live(&f).await;
        f.stop().await.unwrap()
    });
    summary.faults = Some(proxy.injected(plan));
    proxy.stop();
    drained(&summary);
    (summary.recorded("test"), summary)
}

/// One HTTP GET of the debug endpoint: the body.
async fn debug_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).await.unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    assert!(
        head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
        "{head}"
    );
    body.to_owned()
}

/// `/metrics` and `/debug/tasks?debug=1` serve the census live: asked
/// between two equal snapshots, they show it exactly.
async fn served_live(f: &Follower) {
    let addr = f.debug_addr().unwrap();
    for _ in 0..20 {
        let before = f.census().snapshot();
        let metrics = debug_get(addr, "/metrics").await;
        let dump = debug_get(addr, "/debug/tasks?debug=1").await;
        let after = f.census().snapshot();
        if (before.by_role, before.leaked_readers) != (after.by_role, after.leaked_readers) {
            continue;
        }
        let r = &before.by_role;
        for (role, n) in [
            ("heartbeat", r.heartbeat),
            ("reader", r.reader),
            ("handler", r.handler),
            ("waiter", r.waiter),
            ("helper", r.helper),
        ] {
            let line = format!("leakscope_tasks{{role=\"{role}\"}} {n}\n");
            assert!(metrics.contains(&line), "{line} not in {metrics}");
        }
        let leaked = format!("leakscope_leaked_readers {}\n", before.leaked_readers);
        assert!(metrics.contains(&leaked), "{leaked} not in {metrics}");
        // The dump's groups (`N @ role [state] …`), summed per role (the
        // debug server's own connection task is a system task).
        assert!(dump.starts_with("goroutine profile: total "), "{dump}");
        let in_dump = |role: &str| -> u64 {
            dump.lines()
                .filter_map(|l| l.split_once(" @ "))
                .filter(|(_, rest)| rest.starts_with(&format!("{role} ")))
                .map(|(n, _)| n.parse::<u64>().unwrap())
                .sum()
        };
        assert_eq!(
            [
                in_dump("reader"),
                in_dump("handler"),
                in_dump("heartbeat"),
                in_dump("waiter")
            ],
            [r.reader, r.handler, r.heartbeat, r.waiter],
            "{dump}"
        );
        return;
    }
    panic!("the census never held still for two requests");
}

/// What the formula gives for the realized faults alone (not the
/// simulation): per container, the buggy program leaves a reader and its
/// connection's handler behind per failed rotation until its first healthy
/// one, which stalls it in `Wait()` (heartbeat and waiter) for good.
fn buggy_formula(run: &leakscope_sim::RecordedRun, due: u64) -> (u64, u64, u64) {
    let (mut leaked, mut stalled) = (0, 0);
    for c in 0..run.containers {
        let faults = run.faults_of(c);
        let failed_run = (0..due as usize)
            .take_while(|&i| faults.get(i).is_some_and(Option::is_some))
            .count() as u64;
        leaked += failed_run;
        stalled += u64::from(failed_run < due);
    }
    let open = u64::from(run.containers) - stalled;
    let g = u64::from(run.goroutines_per_reader);
    let goroutines = u64::from(run.containers) + stalled + g * (open + leaked);
    (goroutines, leaked, stalled)
}

/// Five containers, ten rotations of 2 s, an error rate of 0.7 (seed 11:
/// failures at offsets 0 and 1 s, runs of failures of every length): on a
/// real engine the buggy program's census equals the formula for the
/// faults the proxy realized at every rotation, and equals the simulation
/// of the same schedule; so do the fixed one's (flat), close-only's
/// (stalled at the first rotation) and wait-timeout's (a helper per
/// rotation, every 12 s). Every run drains to zero.
#[test]
fn half_open_pile_up_equals_the_formula_and_the_simulation_for_its_schedule() {
    use leakscope_monitor::halfopen::FaultPlan;
    let _serial = serial();
    if !engine() {
        return;
    }
    let plan = FaultPlan {
        seed: 11,
        error_rate: 0.7,
        rotation: Duration::from_secs(2),
    };
    for (program, run_for) in [
        (Program::BUGGY, Duration::from_millis(21_200)),
        (Program::FIXED, Duration::from_millis(21_200)),
        (Program::CLOSE_ONLY, Duration::from_millis(5_200)),
        (Program::WAIT_TIMEOUT, Duration::from_millis(25_200)),
    ] {
        let (run, summary) = recorded_half_open_run(program, 5, plan, run_for);
        let last = run.census.last().unwrap();
        assert!(last.due >= run_for.as_secs() / 2 - 1, "{program}: {run:?}");
        let predicted = run.predicted().unwrap();
        let differences = run.differences(&predicted);
        assert!(
            differences.is_empty(),
            "{program}: the real census differs from the simulation of its schedule:\n{}\nrealized: {:?}\ncontainers: {:?}\ncensus: {:?}",
            differences.join("\n"),
            (0..run.containers)
                .map(|c| run.faults_of(c))
                .collect::<Vec<_>>(),
            summary.containers,
            run.census,
        );
        let realized = &run.faults.as_ref().unwrap().realized;
        if program == Program::BUGGY {
            assert!(last.due >= 10, "{run:?}");
            for p in &run.census {
                let (goroutines, leaked, stalled) = buggy_formula(&run, p.due);
                assert_eq!(
                    (p.goroutines(), p.leaked_readers, p.stalled_containers),
                    (goroutines, leaked, stalled),
                    "period {}: {p:?}",
                    p.due
                );
            }
            // The schedule exercises what it should: leaks, stalls, a
            // container still leaking at the end, offsets 0 and 1 s.
            assert!(last.leaked_readers >= 10, "{last:?}");
            assert!(
                last.stalled_containers >= 1 && last.stalled_containers < 5,
                "{last:?}"
            );
            let offsets: std::collections::BTreeSet<_> =
                realized.iter().filter_map(|r| r.offset_ms).collect();
            assert_eq!(offsets, [0, 1000].into(), "{realized:?}");
        }
        // The proxy saw each container's streams as rotations 1, 2, 3 …
        for c in 0..run.containers {
            let rotations: Vec<u64> = realized
                .iter()
                .filter(|r| r.container == c)
                .map(|r| r.rotation)
                .collect();
            assert_eq!(rotations, (1..=rotations.len() as u64).collect::<Vec<_>>());
        }
        let _ = writeln!(
            std::io::stderr(),
            "{program}: program tasks per period {:?}, leaked readers {:?}, stalled {:?}",
            run.census
                .iter()
                .map(|p| p.goroutines())
                .collect::<Vec<_>>(),
            run.census
                .iter()
                .map(|p| p.leaked_readers)
                .collect::<Vec<_>>(),
            run.census
                .iter()
                .map(|p| p.stalled_containers)
                .collect::<Vec<_>>(),
        );
    }
}
