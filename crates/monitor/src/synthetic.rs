//! Synthetic containers: in-process log streams that fail on the
//! scenario's fault schedule — the same schedule the simulation uses.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use leakscope_sim::{FaultSchedule, Role, Scenario, State};
use tokio_util::sync::CancellationToken;

use crate::census::{FailedFlag, TaskSpec};
use crate::monitor::{ContainerRef, Env};
use crate::source::{Inspection, Line, LogStream, Source};

/// A source of synthetic containers that never stop and never log.
///
/// The stream of rotation `n` of container `c` fails iff
/// [`FaultSchedule::fails`]`(c, n)` for the scenario's seed and error rate,
/// and it fails at the instant its rotation falls due (the model's rule 4:
/// "when rotation *n* falls due, its stream has failed"). To do that with
/// real timers, the source knows the rotation period and, when it opens a
/// doomed stream, sets a timer for that instant; it is set before the
/// monitor sets the rotation's own timer, so at that instant the fault
/// fires first and `rotate()` finds the stream failed.
///
/// A failed stream is half-open, as in the model: `err()` reports the
/// failure, its reader stays blocked (nothing and no end of stream will
/// arrive), and it starts `goroutines_per_reader − 1` handler tasks that hold
/// the connection until the stream is closed. A healthy stream ends (EOF)
/// when it is closed. Inspections always find the container running.
#[derive(Debug, Clone)]
pub struct Synthetic {
    faults: FaultSchedule,
    handlers: u32,
    rotation: Duration,
}

impl Synthetic {
    /// The containers of `scenario`.
    pub fn new(scenario: &Scenario) -> Synthetic {
        Synthetic {
            faults: FaultSchedule::new(scenario.seed, scenario.error_rate),
            handlers: scenario.goroutines_per_reader.saturating_sub(1),
            rotation: Duration::from_secs(u64::from(scenario.rotation_secs)),
        }
    }
}

impl Source for Synthetic {
    type Stream = SyntheticStream;

    fn logs(&self, env: &Env, container: &ContainerRef, n: u32) -> SyntheticStream {
        // Shutdown closes every stream.
        let stream = SyntheticStream {
            inner: Arc::new(StreamInner {
                closed: env.shutdown.child_token(),
                ..StreamInner::default()
            }),
        };
        if self.faults.fails(container.index, u64::from(n)) {
            let (s, env2, handlers, c) =
                (stream.clone(), env.clone(), self.handlers, container.index);
            env.timers
                .after(self.rotation, move || s.fail(&env2, c, n, handlers));
        }
        stream
    }

    async fn inspect(&self, _container: &ContainerRef) -> Inspection {
        Inspection::Running
    }
}

#[derive(Debug, Default)]
struct StreamInner {
    failed: FailedFlag,
    closed: CancellationToken,
    err: Mutex<Option<String>>,
}

/// One synthetic log stream; see [`Synthetic`].
#[derive(Debug, Clone, Default)]
pub struct SyntheticStream {
    inner: Arc<StreamInner>,
}

impl SyntheticStream {
    /// The stream fails: half-open from now on, with `handlers` handler
    /// tasks holding it until it is closed.
    fn fail(&self, env: &Env, container: u32, n: u32, handlers: u32) {
        if self.inner.closed.is_cancelled() {
            return;
        }
        *self.inner.err.lock().unwrap_or_else(|p| p.into_inner()) = Some(format!(
            "stream {n} of container {container} failed (synthetic fault)"
        ));
        self.inner.failed.store(true, Ordering::Release);
        for _ in 0..handlers {
            let closed = self.inner.closed.clone();
            env.go(
                TaskSpec::new(Role::Handler, State::IoWait)
                    .container(container)
                    .rotation(n),
                |_task| async move { closed.cancelled().await },
            );
        }
    }
}

impl LogStream for SyntheticStream {
    async fn read_line(&self) -> Option<Line> {
        // Healthy: EOF when closed. Failed: nothing ever arrives; the read
        // only returns because `Close()` tears the connection down.
        self.inner.closed.cancelled().await;
        None
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
