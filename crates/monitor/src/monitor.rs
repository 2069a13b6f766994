//! `type Monitor`: what both programs share — the source, the census, the
//! timers, the output and the counters — and `monitorContainer`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use leakscope_sim::{State, Variant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::census::{Census, Task, TaskSpec};
use crate::source::{Inspection, Line, LogStream, Source};
use crate::timers::Timers;
use crate::{shared, split};

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

/// What one container's lifecycle shares between its tasks, in both
/// programs: who it is, and whether it has stopped.
#[derive(Debug)]
pub struct Life {
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

/// The timing of a monitor.
///
/// ## Default values
///
/// - `rotation`: 5 minutes
/// - `heartbeat`: 30 seconds
/// - `variant`: [`Variant::Fixed`] (split)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonitorConfig {
    /// How long one log stream is followed before it is rotated.
    pub rotation: Duration,
    /// Period of each container's heartbeat.
    pub heartbeat: Duration,
    /// Which program runs: buggy (shared group) or fixed (split groups).
    pub variant: Variant,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        MonitorConfig {
            rotation: Duration::from_secs(300),
            heartbeat: Duration::from_secs(30),
            variant: Variant::Fixed,
        }
    }
}

/// `type Monitor`: the program of either variant, on real tasks.
#[derive(Debug)]
pub struct Monitor<S> {
    /// `m.docker`.
    pub source: S,
    /// Census, timers, shutdown.
    pub env: Env,
    /// Timing and variant.
    pub config: MonitorConfig,
    /// `m.out`: where lines go (none: counted only).
    pub out: Option<mpsc::Sender<Line>>,
    /// Counters.
    pub stats: Stats,
    containers: Mutex<BTreeMap<u32, ContainerRef>>,
}

impl<S: Source> Monitor<S> {
    /// A monitor reading from `source`; lines go to `out`, if given.
    pub fn new(
        source: S,
        env: Env,
        config: MonitorConfig,
        out: Option<mpsc::Sender<Line>>,
    ) -> Arc<Monitor<S>> {
        Arc::new(Monitor {
            source,
            env,
            config,
            out,
            stats: Stats::default(),
            containers: Mutex::new(BTreeMap::new()),
        })
    }

    /// `m.monitorContainer(c)`: the heartbeat, then rotation 1, in the
    /// configured variant's program.
    pub fn monitor_container(self: &Arc<Self>, container: ContainerRef) {
        self.stats.containers.fetch_add(1, Ordering::Relaxed);
        self.containers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(container.index, container.clone());
        let life = Life {
            info: container,
            stopped: AtomicBool::new(false),
        };
        match self.config.variant {
            Variant::Buggy => shared::monitor_container(self, life),
            Variant::Fixed => split::monitor_container(self, life),
        }
    }

    /// Every container followed so far, by index.
    pub fn containers(&self) -> Vec<ContainerRef> {
        self.containers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// `m.out <- line`, counted.
    pub(crate) async fn emit(&self, life: &Life, line: Line) {
        self.stats.lines.fetch_add(1, Ordering::Relaxed);
        life.info.stats.lines.fetch_add(1, Ordering::Relaxed);
        if let Some(out) = &self.out {
            // A writer that has gone away (shutdown) takes no more lines.
            let _ = out.send(line).await;
        }
    }

    /// `m.docker.Inspect(c.id)`, counted. Returns whether the heartbeat
    /// goes on: `false` once the container has stopped.
    pub(crate) async fn inspect(&self, life: &Life) -> bool {
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
    pub(crate) fn count_rotation(&self, life: &Life) {
        self.stats.rotations.fetch_add(1, Ordering::Relaxed);
        life.info.stats.rotations.fetch_add(1, Ordering::Relaxed);
    }

    /// `m.streamErrors.Add(1)`.
    pub(crate) fn count_stream_error(&self, life: &Life) {
        self.stats.stream_errors.fetch_add(1, Ordering::Relaxed);
        life.info
            .stats
            .stream_errors
            .fetch_add(1, Ordering::Relaxed);
    }

    /// The port's addition to `rotate()` for real containers: once the
    /// container has stopped and its last stream was read to its end, no
    /// rotation follows, and the container is released.
    pub(crate) fn finished(&self, life: &Life, s: &S::Stream) -> bool {
        let done =
            self.env.shutdown.is_cancelled() || (life.stopped.load(Ordering::Acquire) && s.ended());
        if done && !self.env.shutdown.is_cancelled() {
            self.stats.released.fetch_add(1, Ordering::Relaxed);
            self.source.released(&life.info);
        }
        done
    }

    /// The spec of a task of `life`'s container.
    pub(crate) fn spec(
        life: &Life,
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
