//! Children that run until stopped (`trunk serve`, a Go program served
//! live, the monitor recording a run) stop with the task that started
//! them. Each runs in a process group of its own; when xtask gets SIGINT
//! (Ctrl-C) or SIGTERM, the whole group gets SIGTERM, then SIGKILL after
//! [`GRACE`], and is reaped before xtask exits. A signal sent to xtask
//! alone leaves nothing behind.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::cmd::{Error, Result};

/// How long a stopped group may take to exit on SIGTERM.
pub const GRACE: Duration = Duration::from_secs(10);

/// How often the child and the flag are looked at.
const TICK: Duration = Duration::from_millis(50);

/// Set once xtask gets SIGINT or SIGTERM (watched from the first call on);
/// from then on every child is stopped at once, so the task ends.
fn interrupted(what: &str) -> Result<&'static AtomicBool> {
    static FLAG: OnceLock<std::result::Result<Arc<AtomicBool>, String>> = OnceLock::new();
    let flag = FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register(signal, Arc::clone(&flag))
                .map_err(|e| format!("could not watch for Ctrl-C: {e}"))?;
        }
        Ok(flag)
    });
    match flag {
        Ok(flag) => Ok(flag),
        Err(e) => Err(Error(format!("{what}: {e}"))),
    }
}

/// Fails once xtask has been interrupted: for long steps between commands.
pub fn check(what: &str) -> Result<()> {
    if interrupted(what)?.load(Ordering::SeqCst) {
        Err(Error(format!("{what}: the task was interrupted")))
    } else {
        Ok(())
    }
}

/// Sleeps for `d`, failing as soon as xtask is interrupted.
pub fn sleep(d: Duration, what: &str) -> Result<()> {
    let end = Instant::now() + d;
    while Instant::now() < end {
        check(what)?;
        std::thread::sleep(TICK.min(end.saturating_duration_since(Instant::now())));
    }
    check(what)
}

/// Runs `command` (named `what` in messages) until it exits, or until xtask
/// gets SIGINT or SIGTERM: then it stops the child's group and fails
/// saying so.
pub fn run(command: Command, what: &str) -> Result<ExitStatus> {
    run_until(command, what, interrupted(what)?)
}

/// [`run`], stopped when `stop` is set.
pub fn run_until(mut command: Command, what: &str, stop: &AtomicBool) -> Result<ExitStatus> {
    if stop.load(Ordering::SeqCst) {
        return Err(Error(format!(
            "{what} not started: the task was interrupted"
        )));
    }
    command.process_group(0);
    let mut child = command
        .spawn()
        .map_err(|e| Error(format!("{what} could not start: {e}")))?;
    loop {
        if let Some(status) = reap(&mut child, what)? {
            // The leader is gone; whatever it left in its group goes too.
            signal_group(&child, Signal::SIGKILL);
            return Ok(status);
        }
        if stop.load(Ordering::SeqCst) {
            eprintln!("xtask: stopping {what}");
            signal_group(&child, Signal::SIGTERM);
            let deadline = Instant::now() + GRACE;
            while Instant::now() < deadline && reap(&mut child, what)?.is_none() {
                std::thread::sleep(TICK);
            }
            signal_group(&child, Signal::SIGKILL);
            // The leader itself, should it have left its group.
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error(format!("{what} stopped: the task was interrupted")));
        }
        std::thread::sleep(TICK);
    }
}

/// The child's status if it has exited.
fn reap(child: &mut Child, what: &str) -> Result<Option<ExitStatus>> {
    child
        .try_wait()
        .map_err(|e| Error(format!("{what}: could not wait for it: {e}")))
}

/// Sends `signal` to the child's process group (its id is the group's);
/// a group already empty is fine.
fn signal_group(child: &Child, signal: Signal) {
    if let Ok(id) = i32::try_from(child.id()) {
        let _ = killpg(Pid::from_raw(id), signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a process with this id is still running (a zombie waiting
    /// for its reaper is not).
    fn alive(pid: i32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            // `pid (name) S …`: the state follows the name's parenthesis.
            stat.rsplit_once(')')
                .is_some_and(|(_, rest)| !rest.trim_start().starts_with(['Z', 'X']))
        })
    }

    #[test]
    fn a_stop_takes_the_child_and_what_it_started() {
        let dir = std::env::temp_dir().join(format!("xtask-stop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pid_file = dir.join("grandchild");
        // A child that starts a grandchild, writes its id and waits.
        let mut command = Command::new("sh");
        command.arg("-c").arg(format!(
            "sleep 600 & echo $! > {}; wait",
            pid_file.display()
        ));
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let runner = std::thread::spawn(move || run_until(command, "sh", &flag));
        let mut grandchild = None;
        for _ in 0..100 {
            if let Some(pid) = std::fs::read_to_string(&pid_file)
                .ok()
                .and_then(|t| t.trim().parse::<i32>().ok())
            {
                grandchild = Some(pid);
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let grandchild = grandchild.expect("the child started its grandchild");
        assert!(alive(grandchild));
        stop.store(true, Ordering::SeqCst);
        let result = runner.join().unwrap();
        assert!(result.unwrap_err().0.contains("interrupted"));
        // Reaped by its parent's exit, killed with its group: gone.
        let mut gone = false;
        for _ in 0..100 {
            if !alive(grandchild) {
                gone = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if !gone {
            let _ = nix::sys::signal::kill(Pid::from_raw(grandchild), Signal::SIGKILL);
        }
        let _ = std::fs::remove_dir_all(dir);
        assert!(gone, "the grandchild {grandchild} outlived the stop");
    }

    #[test]
    fn a_child_that_exits_gives_its_status() {
        let mut command = Command::new("sh");
        command.args(["-c", "exit 3"]);
        let status = run_until(command, "sh", &AtomicBool::new(false)).unwrap();
        assert_eq!(status.code(), Some(3));
    }
}
