//! The Docker engine the real monitor's tests follow containers on.
//!
//! No engine runs by default on the machines this project uses, so `cargo
//! xtask test` starts Debian's `dockerd` itself when none answers: no bridge,
//! no iptables, so test containers make no network traffic. It stops the
//! engine it started when the tests end (by the pid file: one test restarts
//! the engine, which changes the pid).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cmd::{Cmd, Result, fail};
use crate::tools::Ctx;

/// Where dockerd writes its pid.
const PID_FILE: &str = "/var/run/docker.pid";

/// How long a starting engine may take to answer.
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// An engine this run started (stopped by [`Engine::stop`]), or one that was
/// already running (left alone).
#[derive(Debug)]
pub struct Engine {
    started: bool,
}

/// Whether an engine answers on the default socket.
pub fn answers() -> bool {
    Cmd::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .probe()
        .is_some()
}

impl Engine {
    /// Uses the running engine, or starts one and waits until it answers.
    pub fn ensure(ctx: &Ctx) -> Result<Engine> {
        if answers() {
            eprintln!("xtask: a Docker engine is already running; using it");
            return Ok(Engine { started: false });
        }
        if !ctx.is_root {
            return fail(
                "no Docker engine answers and starting one needs root: \
                 start `dockerd --bridge=none --iptables=false --ip-masq=false` yourself, \
                 or run as root",
            );
        }
        let log = ctx.root.join("target/dockerd.log");
        let _ = std::fs::create_dir_all(ctx.root.join("target"));
        let file = std::fs::File::create(&log)
            .map_err(|e| crate::cmd::Error(format!("cannot create {}: {e}", log.display())))?;
        let err = file
            .try_clone()
            .map_err(|e| crate::cmd::Error(format!("cannot open {}: {e}", log.display())))?;
        eprintln!(
            "$ dockerd --bridge=none --iptables=false --ip-masq=false > {} 2>&1 &",
            log.display()
        );
        let mut child = Command::new("dockerd")
            .args(["--bridge=none", "--iptables=false", "--ip-masq=false"])
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .spawn()
            .map_err(|e| crate::cmd::Error(format!("could not start dockerd: {e}")))?;
        // Reap it whenever it exits: a test stops this engine by its pid and
        // waits for the process to be gone, which an unreaped child never is.
        std::thread::spawn(move || child.wait());
        let start = Instant::now();
        while start.elapsed() < START_TIMEOUT {
            if answers() {
                eprintln!(
                    "xtask: Docker engine up after {:.1} s",
                    start.elapsed().as_secs_f64()
                );
                return Ok(Engine { started: true });
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        fail(format!(
            "dockerd did not answer within {} s; its log is {}",
            START_TIMEOUT.as_secs(),
            log.display()
        ))
    }

    /// Stops the engine if this run started it.
    pub fn stop(self) {
        if !self.started {
            return;
        }
        let pid = std::fs::read_to_string(PathBuf::from(PID_FILE))
            .ok()
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        let Some(pid) = pid else {
            eprintln!("xtask: no {PID_FILE}; the engine has stopped already");
            return;
        };
        eprintln!("$ kill {pid}   # the Docker engine this run started");
        let _ = Cmd::new("kill").arg(pid.clone()).probe();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            let gone = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
                stat.rsplit(')')
                    .next()
                    .is_some_and(|rest| rest.trim_start().starts_with('Z'))
            });
            if gone {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        eprintln!("xtask: dockerd {pid} still running after 30 s");
    }
}
