//! Synthetic containers: in-process log streams that write lines on the
//! scenario's line schedule and fail on its fault schedule — the same
//! schedules the simulation uses.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use leakscope_sim::{FaultSchedule, LineClock, Role, Scenario, State, Time};
use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::census::{FailedFlag, TaskSpec};
use crate::monitor::{ContainerRef, Env};
use crate::source::{Inspection, Line, LogSource, LogStream};
use crate::timers::Timers;

/// A source of synthetic containers that never stop.
///
/// **Lines.** Every container writes `lines_per_min` lines a minute on the
/// core's [`LineClock`]: line `k` (from 0) at [`LineClock::written_at`]`(k)`
/// on the census's clock, never on a whole second. A stream opened at `s`
/// delivers every line written from `s` on, each at the instant it is
/// written (a timer of the driver per line, so under a paused clock the
/// reader reads it then), until the stream is closed or fails. Lines
/// written while no stream is open, or while the current one is half-open,
/// are never read.
///
/// **Faults.** The stream of rotation `n` of container `c` fails iff
/// [`FaultSchedule::fault`]`(c, n)` gives a fault for the scenario's seed
/// and error rate, at [`leakscope_sim::Fault::offset_secs`] after it opened:
/// from that instant it is half-open — it delivers nothing more, and no end
/// of stream either, so its reader stays blocked. The failure is observed
/// when its rotation falls due, as in the model (rule 4): then `err()`
/// reports it. To do that with real timers the source knows the rotation
/// period and, when it opens a doomed stream, sets a timer for that
/// instant; it is set before the monitor sets the rotation's own timer, so
/// at that instant the failure surfaces first and `rotate()` finds the
/// stream failed.
///
/// **Handlers.** Every stream, healthy or doomed, starts
/// `goroutines_per_reader − 1` handler tasks when it opens (what a Docker
/// client's `net/http` connection holds: its read and write loops, there
/// from the request until the body is closed, as the Go reference shows).
/// `logs()` spawns them, so they come just before the stream's reader, and
/// they end when the stream is closed — or never, if nobody closes it (a
/// failed stream left behind keeps them with its reader).
///
/// A healthy stream ends (EOF) when it is closed. Inspections always find
/// the container running.
#[derive(Debug, Clone)]
pub struct Synthetic {
    faults: FaultSchedule,
    handlers: u32,
    rotation_secs: u32,
    lines: Option<LineClock>,
}

impl Synthetic {
    /// The containers of `scenario`.
    pub fn new(scenario: &Scenario) -> Synthetic {
        Synthetic {
            faults: FaultSchedule::new(scenario.seed, scenario.error_rate),
            handlers: scenario.goroutines_per_reader.saturating_sub(1),
            rotation_secs: scenario.rotation_secs,
            lines: (scenario.lines_per_min > 0).then(|| LineClock::new(scenario.lines_per_min)),
        }
    }
}

impl LogSource for Synthetic {
    type Stream = SyntheticStream;

    fn logs(&self, env: &Env, container: &ContainerRef, n: u32) -> SyntheticStream {
        let opened = env.census.now();
        let stream = SyntheticStream {
            inner: Arc::new(StreamInner {
                name: container.name.clone(),
                lines: self.lines,
                next: AtomicU64::new(self.lines.map_or(0, |c| c.before(opened))),
                timers: env.timers.clone(),
                epoch: env.census.epoch(),
                // The drain closes every stream.
                closed: env.shutdown.child_token(),
                half_open: AtomicBool::new(false),
                failed: FailedFlag::default(),
                err: Mutex::new(None),
            }),
        };
        // The connection's loops: there from the open until the close.
        stream.start_handlers(env, container.index, n, self.handlers);
        if let Some(fault) = self.faults.fault(container.index, u64::from(n)) {
            let offset = u64::from(fault.offset_secs(self.rotation_secs));
            let s = stream.clone();
            env.timers
                .after(Duration::from_secs(offset), move || s.go_half_open());
            let (s, c) = (stream.clone(), container.index);
            env.timers.after(
                Duration::from_secs(u64::from(self.rotation_secs)),
                move || s.fail(c, n),
            );
        }
        stream
    }

    async fn inspect(&self, _container: &ContainerRef) -> Inspection {
        Inspection::Running
    }
}

#[derive(Debug)]
struct StreamInner {
    name: Arc<str>,
    lines: Option<LineClock>,
    /// The next line to deliver.
    next: AtomicU64,
    timers: Timers,
    epoch: Instant,
    closed: CancellationToken,
    half_open: AtomicBool,
    failed: FailedFlag,
    err: Mutex<Option<String>>,
}

/// One synthetic log stream; see [`Synthetic`].
#[derive(Debug, Clone)]
pub struct SyntheticStream {
    inner: Arc<StreamInner>,
}

impl SyntheticStream {
    /// The connection goes silent: nothing more arrives, not even EOF.
    fn go_half_open(&self) {
        self.inner.half_open.store(true, Ordering::Release);
    }

    /// The stream's `handlers` handler tasks, started as it opens: they
    /// hold the connection until the stream is closed (or the monitor
    /// drains), healthy or failed, and are left behind with their reader
    /// if it never is.
    fn start_handlers(&self, env: &Env, container: u32, n: u32, handlers: u32) {
        for _ in 0..handlers {
            let (closed, failed) = (self.inner.closed.clone(), self.inner.failed.clone());
            env.go(
                TaskSpec::new(Role::Handler, State::Select)
                    .container(container)
                    .rotation(n),
                |task| {
                    // Stuck, for the dumps, while its failed stream is open.
                    task.watch_stream(failed);
                    async move { closed.cancelled().await }
                },
            );
        }
    }

    /// The failure is observed: `err()` reports it; the reader and the
    /// handlers stay blocked until the stream is closed.
    fn fail(&self, container: u32, n: u32) {
        if self.inner.closed.is_cancelled() {
            return;
        }
        *self.inner.err.lock().unwrap_or_else(|p| p.into_inner()) = Some(format!(
            "stream {n} of container {container} failed (synthetic fault)"
        ));
        self.inner.failed.store(true, Ordering::Release);
    }

    /// Line `k`, written at `at`.
    fn line(&self, k: u64, at: Time) -> Line {
        let ms = at.as_millis();
        Line {
            container: self.inner.name.clone(),
            ts: format!("{}.{:03}", ms / 1000, ms % 1000),
            text: format!("seq={k}"),
        }
    }
}

impl LogStream for SyntheticStream {
    /// The next line, at the instant it is written; `None` once the stream
    /// is closed. A half-open stream returns only when it is closed.
    async fn read_line(&self) -> Option<Line> {
        let inner = &self.inner;
        let Some(clock) = inner.lines else {
            inner.closed.cancelled().await;
            return None;
        };
        if inner.closed.is_cancelled() {
            return None;
        }
        let k = inner.next.load(Ordering::Acquire);
        let at = clock.written_at(k);
        let (write, written) = oneshot::channel::<()>();
        inner.timers.at(
            inner.epoch + Duration::from_millis(at.as_millis()),
            move || {
                let _ = write.send(());
            },
        );
        tokio::select! {
            biased;
            () = inner.closed.cancelled() => return None,
            w = written => {
                if w.is_err() {
                    // The timer driver has shut down: only the drain is left.
                    inner.closed.cancelled().await;
                    return None;
                }
            }
        }
        if inner.half_open.load(Ordering::Acquire) {
            inner.closed.cancelled().await;
            return None;
        }
        inner.next.store(k + 1, Ordering::Release);
        Some(self.line(k, at))
    }

    fn err(&self) -> Option<String> {
        self.inner
            .err
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn close(&self) {
        self.inner.closed.cancel();
        // A closed stream that had failed no longer holds its reader: the
        // census stops counting that reader as left behind.
        self.inner.failed.store(false, Ordering::Release);
    }

    fn failed_flag(&self) -> FailedFlag {
        self.inner.failed.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::Env;

    use crate::test_rt::rt;

    /// Reads `s` until it ends, noting when each line arrived.
    fn read_all(env: &Env, s: SyntheticStream) -> Arc<Mutex<Vec<(String, u64)>>> {
        let got = Arc::new(Mutex::new(Vec::new()));
        let (out, census) = (got.clone(), env.census.clone());
        env.go(
            TaskSpec::new(Role::Reader, State::IoWait),
            |_task| async move {
                while let Some(line) = s.read_line().await {
                    let at = census.now().as_millis();
                    out.lock().unwrap().push((line.text, at));
                }
            },
        );
        got
    }

    #[test]
    fn a_stream_reads_each_line_at_the_instant_it_is_written_until_closed() {
        rt().block_on(async {
            let env = Env::start();
            let scenario = Scenario {
                error_rate: 0.0,
                lines_per_min: 60,
                ..Scenario::default()
            };
            let source = Synthetic::new(&scenario);
            tokio::time::sleep(Duration::from_secs(2)).await;
            let s = source.logs(&env, &ContainerRef::new(0, "0", "c0"), 1);
            // A healthy stream holds its 2 handlers from its opening, spawned
            // before its reader.
            assert_eq!(env.census.snapshot().by_role.handler, 2);
            let got = read_all(&env, s.clone());
            tokio::time::sleep(Duration::from_millis(2500)).await;
            let ids: Vec<(Role, u64, bool)> = env
                .census
                .goroutines()
                .iter()
                .map(|g| (g.role, g.id, g.stuck))
                .collect();
            let first = ids[0].1;
            assert_eq!(
                ids,
                vec![
                    (Role::Handler, first, false),
                    (Role::Handler, first + 1, false),
                    (Role::Reader, first + 2, false),
                ]
            );
            s.close();
            tokio::time::sleep(Duration::from_secs(5)).await;
            let snap = env.census.snapshot();
            assert_eq!((snap.by_role.handler, snap.by_role.reader), (0, 0));
            // Opened at 2 s: lines 2, 3 and 4, each 1 ms after its second.
            let got = got.lock().unwrap().clone();
            let want: Vec<(String, u64)> = [(2, 2001), (3, 3001), (4, 4001)]
                .map(|(k, at)| (format!("seq={k}"), at))
                .to_vec();
            assert_eq!(got, want);
            assert_eq!(s.err(), None);
            env.shutdown.cancel();
            env.census.drained().await;
        });
    }

    #[test]
    fn a_failed_stream_goes_silent_at_its_fault_and_fails_when_due() {
        rt().block_on(async {
            let env = Env::start();
            let scenario = Scenario {
                error_rate: 1.0,
                rotation_secs: 60,
                goroutines_per_reader: 3,
                lines_per_min: 60,
                ..Scenario::default()
            };
            let fault = FaultSchedule::new(scenario.seed, 1.0).fault(0, 1).unwrap();
            let offset = u64::from(fault.offset_secs(60));
            let source = Synthetic::new(&scenario);
            let s = source.logs(&env, &ContainerRef::new(0, "0", "c0"), 1);
            let got = read_all(&env, s.clone());
            tokio::time::sleep(Duration::from_millis(59_500)).await;
            // Silent from its fault on, and not yet failed for rotate(); its
            // handlers are there from the opening, not stuck yet.
            assert_eq!(got.lock().unwrap().len() as u64, offset);
            assert!(s.err().is_none());
            let snap = env.census.snapshot();
            assert_eq!((snap.by_role.handler, snap.by_role.reader), (2, 1));
            assert!(env.census.goroutines().iter().all(|g| !g.stuck));
            tokio::time::sleep(Duration::from_secs(1)).await;
            // Due at 60 s: failed; the reader and the same 2 handlers still
            // wait, now stuck on the failed stream.
            assert!(s.err().is_some());
            let snap = env.census.snapshot();
            assert_eq!((snap.by_role.handler, snap.by_role.reader), (2, 1));
            assert_eq!(
                snap.spawned,
                1 + 3,
                "the timer driver, 2 handlers and the reader"
            );
            let stuck: Vec<bool> = env
                .census
                .goroutines()
                .iter()
                .filter(|g| g.role == Role::Handler)
                .map(|g| g.stuck)
                .collect();
            assert_eq!(stuck, [true, true]);
            s.close();
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(1)).await;
            let snap = env.census.snapshot();
            assert_eq!((snap.by_role.handler, snap.by_role.reader), (0, 0));
            assert_eq!(got.lock().unwrap().len() as u64, offset);
            env.shutdown.cancel();
            env.census.drained().await;
        });
    }
}
