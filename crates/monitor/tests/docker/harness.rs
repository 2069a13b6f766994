//! What every Docker test shares: the engine (one test at a time, built
//! image, restart), the test's own containers, its directory and runtime,
//! and the waits.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use leakscope_emitter::docker;
use leakscope_monitor::MonitorConfig;
use leakscope_monitor::docker::{Selector, socket_from_env};
use leakscope_monitor::follow::{FollowOptions, Follower, Summary};
use leakscope_sim::Program;

/// One test at a time: they share the engine, and one restarts it.
pub(crate) fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn must(args: &[&str]) -> String {
    docker(args).unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn engine_up() -> bool {
    Path::new(&socket_from_env()).exists()
        && docker(&["version", "--format", "{{.Server.Version}}"]).is_ok()
}

/// Whether the tests can run; loud when they cannot.
pub(crate) fn engine() -> bool {
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

pub(crate) fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn build_image() -> Result<(), String> {
    leakscope_emitter::build_image(&workspace()).map_err(String::from)
}

/// Containers of one test, removed when dropped.
pub(crate) struct Fleet {
    pub(crate) label: String,
    pub(crate) names: Mutex<Vec<String>>,
}

impl Fleet {
    pub(crate) fn new(test: &str) -> Fleet {
        let label = format!("leakscope.test={test}-{}", std::process::id());
        let _ = leakscope_emitter::remove_labelled(&label);
        Fleet {
            label,
            names: Mutex::default(),
        }
    }

    pub(crate) fn run(&self, name: &str, rate: u32, restart: bool) -> String {
        self.run_with(name, restart, &["--rate", &rate.to_string()])
    }

    /// Runs an emitter container with `emitter` as its arguments.
    pub(crate) fn run_with(&self, name: &str, restart: bool, emitter: &[&str]) -> String {
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
    pub(crate) fn names(&self) -> Vec<String> {
        self.names.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The name of its `i`th container.
    pub(crate) fn name(&self, i: usize) -> String {
        self.names()[i].clone()
    }

    pub(crate) fn selector(&self) -> Selector {
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
pub(crate) struct Harness {
    /// The test's containers (removed first when dropped).
    pub(crate) fleet: Fleet,
    /// Where the monitor writes its lines.
    pub(crate) out: PathBuf,
    pub(crate) rt: tokio::runtime::Runtime,
    /// The test's own directory (the lines file, a socket path).
    pub(crate) dir: tempfile::TempDir,
    _serial: MutexGuard<'static, ()>,
}

impl Harness {
    /// Set-up for the test `name`; `None` when there is no engine (said
    /// loudly by [`engine`]; under `CI=true` that fails instead).
    pub(crate) fn new(name: &str) -> Option<Harness> {
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
    pub(crate) async fn follow(&self, program: Program) -> Follower {
        Follower::start(options(&self.fleet, program, &self.out))
            .await
            .unwrap()
    }
}

pub(crate) fn options(fleet: &Fleet, program: Program, out: &Path) -> FollowOptions {
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

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Waits until `f` holds, or panics after `limit`.
pub(crate) fn eventually(limit: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub(crate) fn stop_all(fleet: &Fleet) {
    let names = fleet.names();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut args = vec!["kill"];
    args.extend(&names);
    let _ = docker(&args);
}

pub(crate) fn drained(summary: &Summary) {
    assert_eq!(summary.left_after_drain, 0, "{summary:?}");
}

/// Stops the engine by its pid and starts it again with the same command
/// line, detached, logging to a file beside its pid file.
pub(crate) fn restart_engine() -> Result<(), String> {
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

/// Waits until `n` containers were released (read to their end).
pub(crate) async fn released(f: &Follower, n: u64) {
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
