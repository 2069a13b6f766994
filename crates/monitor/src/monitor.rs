//! `type Monitor`: what every program shares — the source, the census, the
//! timers, the output, the counters, `m.ctx` and `m.containers` — and the
//! entry points `monitorContainer` and `Stop()`, which run the configured
//! program's port ([`crate::programs`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use leakscope_sim::{Program, State, Time};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::census::{Census, Task, TaskSpec};
use crate::programs::{Container, Port};
use crate::source::{Inspection, Line, LogSource, LogStream};
use crate::timers::Timers;

/// The machinery every task of a monitor reaches: the census that counts
/// them, the timer driver, and the shutdown signal.
#[derive(Debug, Clone)]
pub struct Env {
    /// Counts every task.
    pub census: Census,
    /// `time.AfterFunc`.
    pub timers: Timers,
    /// Cancelled to drain every task.
    pub shutdown: CancellationToken,
}

impl Env {
    /// A census and a timer driver on the current runtime.
    pub fn start() -> Env {
        let census = Census::new();
        let shutdown = CancellationToken::new();
        let timers = Timers::start(&census, shutdown.clone());
        Env {
            census,
            timers,
            shutdown,
        }
    }

    /// Spawns `f(task)`, counted in the census as `spec`.
    pub fn go<F, Fut>(&self, spec: TaskSpec, f: F)
    where
        F: FnOnce(Task) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        self.census.spawn(spec, f);
    }
}

/// Counters of one container.
#[derive(Debug, Default)]
pub struct ContainerStats {
    /// Lines read.
    pub lines: AtomicU64,
    /// Rotations that fell due.
    pub rotations: AtomicU64,
    /// Failed streams seen at rotation.
    pub stream_errors: AtomicU64,
    /// Inspections that could not reach the engine.
    pub inspect_errors: AtomicU64,
    /// When the last line was read, on the census's clock, in milliseconds
    /// plus one; 0 before the first line. See [`ContainerStats::last_line`].
    pub last_line: AtomicU64,
}

impl ContainerStats {
    /// When the last line was read (the census's clock), if one was.
    pub fn last_line(&self) -> Option<Time> {
        match self.last_line.load(Ordering::Acquire) {
            0 => None,
            ms => Some(Time::from_millis(ms - 1)),
        }
    }
}

/// A container the monitor follows.
#[derive(Debug, Clone)]
pub struct ContainerRef {
    /// Its index in the census (order of discovery, from 0).
    pub index: u32,
    /// The engine's id (the index as text for synthetic containers).
    pub id: Arc<str>,
    /// The name shown in output and summaries.
    pub name: Arc<str>,
    /// Its counters.
    pub stats: Arc<ContainerStats>,
}

impl ContainerRef {
    /// A container named and identified by `id`.
    pub fn new(index: u32, id: impl Into<Arc<str>>, name: impl Into<Arc<str>>) -> ContainerRef {
        ContainerRef {
            index,
            id: id.into(),
            name: name.into(),
            stats: Arc::default(),
        }
    }
}

/// What one container's lifecycle shares between its tasks, in every
/// program: who it is, and whether it has stopped.
#[derive(Debug)]
pub struct ContainerLife {
    /// The container.
    pub info: ContainerRef,
    /// Set by the heartbeat when an inspection finds the container stopped.
    pub stopped: AtomicBool,
}

/// Counters of the whole monitor, for `/metrics` and the summary.
#[derive(Debug, Default)]
pub struct Stats {
    /// Rotations that fell due.
    pub rotations: AtomicU64,
    /// Failed streams seen at rotation.
    pub stream_errors: AtomicU64,
    /// Inspections that could not reach the engine.
    pub inspect_errors: AtomicU64,
    /// Lines read.
    pub lines: AtomicU64,
    /// Containers followed so far.
    pub containers: AtomicU64,
    /// Containers released after they stopped.
    pub released: AtomicU64,
}

/// The timing of a monitor, and the program it runs.
///
/// ## Default values
///
/// - `rotation`: 5 minutes
/// - `heartbeat`: 30 seconds
/// - `program`: [`Program::FIXED`]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonitorConfig {
    /// How long one log stream is followed before it is rotated.
    pub rotation: Duration,
    /// Period of each container's heartbeat.
    pub heartbeat: Duration,
    /// Which of the core's programs runs (its port in `src/programs/`).
    pub program: Program,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        MonitorConfig {
            rotation: Duration::from_secs(300),
            heartbeat: Duration::from_secs(30),
            program: Program::FIXED,
        }
    }
}

/// Occurs when a program of the core has no port in this crate: a new
/// program needs its file under `src/programs/` and its line in the
/// registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the {0} program has no port in leakscope-monitor (ported: {names})", names = crate::programs::ported_names())]
pub struct NoPort(pub Program);

/// `type Monitor`: one program of the core, on real tasks.
pub struct Monitor<S: LogSource> {
    /// `m.docker`.
    pub source: S,
    /// Census, timers, shutdown.
    pub env: Env,
    /// Timing and program.
    pub config: MonitorConfig,
    /// `m.out`: where lines go (none: counted only).
    pub out: Option<mpsc::Sender<Line>>,
    /// Counters.
    pub stats: Stats,
    /// `m.ctx`: cancelled by `Stop()` (`m.cancel()`), and with the drain.
    pub ctx: CancellationToken,
    pub(crate) port: Port<S>,
    containers: Mutex<BTreeMap<u32, ContainerRef>>,
    /// `m.containers`: the program's own record of each container.
    programs: Mutex<BTreeMap<u32, Arc<Container<S>>>>,
    /// The container whose groups `Stop()` is waiting on.
    stopping: Mutex<Option<u32>>,
    /// When the first container was followed: the origin of the rotation
    /// periods the census is taken in.
    first_followed: std::sync::OnceLock<tokio::time::Instant>,
    /// Told once, when the first container is followed.
    followed: tokio::sync::Notify,
}

impl<S: LogSource + std::fmt::Debug> std::fmt::Debug for Monitor<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor")
            .field("source", &self.source)
            .field("config", &self.config)
            .field("stats", &self.stats)
            .field("stopped", &self.ctx.is_cancelled())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<S: LogSource> Monitor<S> {
    /// A monitor running `config.program` on `source`; lines go to `out`,
    /// if given.
    ///
    /// # Errors
    ///
    /// [`NoPort`] when the program has no port in this crate.
    pub fn new(
        source: S,
        env: Env,
        config: MonitorConfig,
        out: Option<mpsc::Sender<Line>>,
    ) -> Result<Arc<Monitor<S>>, NoPort> {
        let port = crate::programs::port(config.program).ok_or(NoPort(config.program))?;
        Ok(Arc::new(Monitor {
            source,
            ctx: env.shutdown.child_token(),
            env,
            config,
            out,
            stats: Stats::default(),
            port,
            containers: Mutex::new(BTreeMap::new()),
            programs: Mutex::new(BTreeMap::new()),
            stopping: Mutex::new(None),
            first_followed: std::sync::OnceLock::new(),
            followed: tokio::sync::Notify::new(),
        }))
    }

    /// The program running.
    pub fn program(&self) -> Program {
        self.config.program
    }

    /// `m.monitorContainer(c)`: the heartbeat, then rotation 1, in the
    /// configured program's port.
    pub fn monitor_container(self: &Arc<Self>, container: ContainerRef) {
        let mut first = false;
        self.first_followed.get_or_init(|| {
            first = true;
            tokio::time::Instant::now()
        });
        if first {
            // A permit is kept if no one waits yet.
            self.followed.notify_one();
        }
        self.stats.containers.fetch_add(1, Ordering::Relaxed);
        lock(&self.containers).insert(container.index, container.clone());
        let index = container.index;
        let c = Arc::new(Container::new(
            self.port.layout,
            ContainerLife {
                info: container,
                stopped: AtomicBool::new(false),
            },
        ));
        for (group, wg) in c.groups() {
            self.env.census.register_group(index, group, wg);
        }
        lock(&self.programs).insert(index, c.clone());
        crate::programs::monitor_container(self, &c);
    }

    /// `m.Stop()`: cancels `m.ctx` (heartbeats return), stops every
    /// container's rotation timer and closes its current stream, in index
    /// order, then waits on every container's groups in index order.
    ///
    /// Returns `true` once every wait has returned; while one cannot
    /// return, it does not return either (the buggy program's readers left
    /// behind hold their group for good: Stop() hangs, as in Go), and
    /// [`Monitor::stopping`] names the container it waits on. Port: the
    /// drain ends it, returning `false`.
    pub async fn stop(self: &Arc<Self>) -> bool {
        crate::programs::stop(self).await
    }

    /// When the first container was followed, once one was.
    pub fn first_followed(&self) -> Option<tokio::time::Instant> {
        self.first_followed.get().copied()
    }

    /// Completes once the first container has been followed (at once if it
    /// has been). For one waiter: the notice is taken by whoever waits.
    pub async fn followed(&self) {
        if self.first_followed().is_none() {
            self.followed.notified().await;
        }
    }

    /// The container whose groups `Stop()` is waiting on, while it waits.
    pub fn stopping(&self) -> Option<u32> {
        *lock(&self.stopping)
    }

    pub(crate) fn set_stopping(&self, container: Option<u32>) {
        *lock(&self.stopping) = container;
    }

    /// `m.containers`, in index order.
    pub(crate) fn program_containers(&self) -> Vec<Arc<Container<S>>> {
        lock(&self.programs).values().cloned().collect()
    }

    /// Every container followed so far, by index.
    pub fn containers(&self) -> Vec<ContainerRef> {
        lock(&self.containers).values().cloned().collect()
    }

    /// `m.out <- line`, counted, with the instant it was read.
    pub(crate) async fn emit(&self, life: &ContainerLife, line: Line) {
        self.stats.lines.fetch_add(1, Ordering::Relaxed);
        life.info.stats.lines.fetch_add(1, Ordering::Relaxed);
        let now = self.env.census.now().as_millis();
        life.info
            .stats
            .last_line
            .store(now.saturating_add(1), Ordering::Release);
        if let Some(out) = &self.out {
            // A writer that has gone away (shutdown) takes no more lines.
            let _ = out.send(line).await;
        }
    }

    /// `m.docker.Inspect(c.id)`, counted. Returns whether the heartbeat
    /// goes on: `false` once the container has stopped.
    pub(crate) async fn inspect(&self, life: &ContainerLife) -> bool {
        match self.source.inspect(&life.info).await {
            Inspection::Running => true,
            Inspection::Stopped => {
                life.stopped.store(true, Ordering::Release);
                false
            }
            Inspection::Unknown(_) => {
                self.stats.inspect_errors.fetch_add(1, Ordering::Relaxed);
                life.info
                    .stats
                    .inspect_errors
                    .fetch_add(1, Ordering::Relaxed);
                true
            }
        }
    }

    /// Counts a rotation falling due.
    pub(crate) fn count_rotation(&self, life: &ContainerLife) {
        self.stats.rotations.fetch_add(1, Ordering::Relaxed);
        life.info.stats.rotations.fetch_add(1, Ordering::Relaxed);
    }

    /// `m.streamErrors.Add(1)`.
    pub(crate) fn count_stream_error(&self, life: &ContainerLife) {
        self.stats.stream_errors.fetch_add(1, Ordering::Relaxed);
        life.info
            .stats
            .stream_errors
            .fetch_add(1, Ordering::Relaxed);
    }

    /// The port's addition to `openRotation()` for real containers: once
    /// the container has stopped and its last stream was read to its end,
    /// no rotation follows, and the container is released.
    pub(crate) fn finished(&self, life: &ContainerLife, last: &S::Stream) -> bool {
        let done = life.stopped.load(Ordering::Acquire) && last.ended();
        if done {
            self.stats.released.fetch_add(1, Ordering::Relaxed);
            self.source.released(&life.info);
        }
        done
    }

    /// The spec of a task of `life`'s container.
    pub(crate) fn spec(
        life: &ContainerLife,
        role: leakscope_sim::Role,
        rotation: Option<u32>,
        state: State,
    ) -> TaskSpec {
        let spec = TaskSpec::new(role, state).container(life.info.index);
        match rotation {
            Some(n) => spec.rotation(n),
            None => spec,
        }
    }
}
