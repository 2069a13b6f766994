//! The real monitor following a Docker engine's containers (what
//! `leakscope monitor --docker` runs, see [`crate::run`]), with its output
//! file, its debug endpoint, a census sampled over time, and a clean drain
//! at the end.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use leakscope_sim::recorded::{
    DOCKER_GOROUTINES_PER_READER, InjectedFaults, PeriodCensus, RecordedRun, census_instant,
};
use leakscope_sim::{Program, Role, RoleCounts, State, Time};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::census::{Census, TaskSpec};
use crate::docker::{DockerSource, Engine, Selector, spawn_discovery};
use crate::monitor::{Env, Monitor, MonitorConfig, NoPort};
use crate::source::Line;

/// How to follow a Docker engine.
///
/// ## Default values
///
/// - `socket`: `DOCKER_HOST` (`unix://…`) or `/var/run/docker.sock`
/// - `monitor`: rotation 5 minutes, heartbeat 30 seconds, the fixed program
/// - `selector`: every running container
/// - `out`: none (lines are counted, not written)
/// - `debug_addr`: none
/// - `poll`: 500 ms
/// - `sample_every`: 1 s
/// - `idle_after`: none
#[derive(Debug, Clone)]
pub struct FollowOptions {
    /// The engine's unix socket.
    pub socket: String,
    /// Rotation, heartbeat, program.
    pub monitor: MonitorConfig,
    /// Which containers.
    pub selector: Selector,
    /// Where to write lines as JSON lines.
    pub out: Option<PathBuf>,
    /// Where to serve `/debug/tasks` and `/metrics` (port 0: any free port).
    pub debug_addr: Option<SocketAddr>,
    /// How often running containers are listed.
    pub poll: Duration,
    /// How often the census is sampled for the summary.
    pub sample_every: Duration,
    /// Fail a stream that delivered no byte for this long when its
    /// rotation asks `err()` (see [`DockerSource::with_idle_after`]);
    /// `None`: only on an engine error.
    pub idle_after: Option<Duration>,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            socket: crate::docker::socket_from_env(),
            monitor: MonitorConfig::default(),
            selector: Selector::default(),
            out: None,
            debug_addr: None,
            poll: Duration::from_millis(500),
            sample_every: Duration::from_secs(1),
            idle_after: None,
        }
    }
}

/// The census at one moment of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskSample {
    /// Time since the start.
    pub at: Duration,
    /// Live tasks of the model's roles.
    pub by_role: RoleCounts,
    /// Live runtime tasks (the timer driver).
    pub runtime: u64,
    /// tokio's `num_alive_tasks()`: the census plus library tasks (the
    /// Docker client's connection tasks for listing and inspection).
    pub tokio_alive: u64,
    /// Containers blocked in `Wait()`.
    pub stalled: u64,
    /// Readers whose failed stream was never closed.
    pub leaked_readers: u64,
    /// Containers being followed (heartbeats alive).
    pub containers: u64,
}

/// One container's figures at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSummary {
    /// Its name.
    pub name: String,
    /// Lines read.
    pub lines: u64,
    /// Rotations due.
    pub rotations: u64,
    /// Failed streams found at rotation.
    pub stream_errors: u64,
    /// Inspections that could not reach the engine.
    pub inspect_errors: u64,
}

/// At most this many rotation periods' census are kept (the first ones).
pub const MAX_PERIODS: usize = 100_000;

/// What a run did, printed on exit.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The program that ran.
    pub program: Program,
    /// Its rotation and heartbeat periods.
    pub rotation: Duration,
    /// See `rotation`.
    pub heartbeat: Duration,
    /// How long it ran.
    pub elapsed: Duration,
    /// Per container, in order of discovery.
    pub containers: Vec<ContainerSummary>,
    /// The census over time.
    pub samples: Vec<TaskSample>,
    /// The census of every rotation period that began, counted from the
    /// first container followed, at [`census_instant`] of each (at most
    /// [`MAX_PERIODS`]).
    pub periods: Vec<PeriodCensus>,
    /// The half-open faults injected, as realized (filled in by
    /// [`crate::run::run`] from its proxy).
    pub faults: Option<InjectedFaults>,
    /// Tasks still alive after the drain (0 when it worked).
    pub left_after_drain: u64,
    /// Whether the engine ever answered.
    pub engine_reached: bool,
}

impl Summary {
    /// Lines read over all containers.
    pub fn lines(&self) -> u64 {
        self.containers.iter().map(|c| c.lines).sum()
    }

    /// The run as the core records a real run (`--format json`):
    /// `runtime` says what ran it.
    pub fn recorded(&self, runtime: &str) -> RecordedRun {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        RecordedRun {
            program: self.program,
            runtime: runtime.to_owned(),
            containers: u32::try_from(self.containers.len()).unwrap_or(u32::MAX),
            rotation_ms: ms(self.rotation),
            heartbeat_ms: ms(self.heartbeat),
            goroutines_per_reader: DOCKER_GOROUTINES_PER_READER,
            faults: self.faults.clone(),
            census: self.periods.clone(),
            elapsed_ms: ms(self.elapsed),
            lines: self.lines(),
            left_after_drain: self.left_after_drain,
        }
    }
}

/// What went wrong in starting or stopping a [`Follower`].
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// Occurs when the output file cannot be created.
    #[error("cannot create {}: {error}", path.display())]
    Create {
        /// The output file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// Occurs when the debug endpoint cannot listen on its address.
    #[error("cannot listen on {addr}: {error}")]
    Listen {
        /// The debug address.
        addr: SocketAddr,
        /// Why.
        error: std::io::Error,
    },
    /// Occurs when the program has no port in this crate.
    #[error(transparent)]
    NoPort(#[from] NoPort),
    /// Occurs when writing a line to the output file failed.
    #[error("cannot write {}: {error}", path.display())]
    Write {
        /// The output file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
}

/// A running Docker monitor.
#[derive(Debug)]
pub struct Follower {
    monitor: Arc<Monitor<DockerSource>>,
    samples: Arc<Mutex<Vec<TaskSample>>>,
    periods: Arc<Mutex<Vec<PeriodCensus>>>,
    writer_done: oneshot::Receiver<std::io::Result<()>>,
    out: Option<PathBuf>,
    debug_addr: Option<SocketAddr>,
    started: Instant,
}

impl Follower {
    /// Starts following: the writer, the debug endpoint, the sampler and
    /// discovery, each a system task. Call it inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// [`FollowError`] when the output file cannot be created or the debug
    /// address cannot be bound. A missing engine is not an error: it is
    /// retried.
    pub async fn start(options: FollowOptions) -> Result<Follower, FollowError> {
        let env = Env::start();
        let file = match &options.out {
            Some(path) => {
                Some(
                    std::fs::File::create(path).map_err(|error| FollowError::Create {
                        path: path.clone(),
                        error,
                    })?,
                )
            }
            None => None,
        };
        let listener = match options.debug_addr {
            Some(addr) => Some(
                tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|error| FollowError::Listen { addr, error })?,
            ),
            None => None,
        };
        let debug_addr = listener.as_ref().and_then(|l| l.local_addr().ok());
        let (tx, rx) = mpsc::channel::<Line>(4096);
        let (done_tx, writer_done) = oneshot::channel();
        spawn_writer(&env, rx, file, done_tx);
        let engine = Arc::new(Engine::new(&options.socket));
        let monitor = match Monitor::new(
            DockerSource::new(engine).with_idle_after(options.idle_after),
            env.clone(),
            options.monitor,
            Some(tx),
        ) {
            Ok(m) => m,
            Err(e) => {
                env.shutdown.cancel();
                env.census.drained().await;
                return Err(e.into());
            }
        };
        if let Some(listener) = listener {
            crate::debug::spawn_server(&monitor, listener);
        }
        let samples = Arc::new(Mutex::new(Vec::new()));
        let periods = Arc::new(Mutex::new(Vec::new()));
        let started = Instant::now();
        spawn_sampler(
            &monitor,
            Records {
                samples: samples.clone(),
                periods: periods.clone(),
            },
            options.sample_every,
            started,
        );
        spawn_discovery(&monitor, options.selector.clone(), options.poll);
        Ok(Follower {
            monitor,
            samples,
            periods,
            writer_done,
            out: options.out,
            debug_addr,
            started,
        })
    }

    /// The census of the running monitor.
    pub fn census(&self) -> &Census {
        &self.monitor.env.census
    }

    /// The monitor itself (counters, containers).
    pub fn monitor(&self) -> &Arc<Monitor<DockerSource>> {
        &self.monitor
    }

    /// The address the debug endpoint listens on, if any.
    pub fn debug_addr(&self) -> Option<SocketAddr> {
        self.debug_addr
    }

    /// Drains every task (timers stop, streams close, heartbeats and
    /// waiters end, the writer flushes), then returns the summary.
    ///
    /// # Errors
    ///
    /// [`FollowError::Write`] when writing the output file failed.
    pub async fn stop(self) -> Result<Summary, FollowError> {
        let m = &self.monitor;
        take_sample(m, &self.samples, self.started);
        m.env.shutdown.cancel();
        let drained = tokio::time::timeout(Duration::from_secs(10), m.env.census.drained()).await;
        let left = if drained.is_ok() {
            0
        } else {
            m.env.census.len()
        };
        let written = self.writer_done.await.unwrap_or(Ok(()));
        let containers = m
            .containers()
            .into_iter()
            .map(|c| ContainerSummary {
                name: c.name.to_string(),
                lines: c.stats.lines.load(Ordering::Relaxed),
                rotations: c.stats.rotations.load(Ordering::Relaxed),
                stream_errors: c.stats.stream_errors.load(Ordering::Relaxed),
                inspect_errors: c.stats.inspect_errors.load(Ordering::Relaxed),
            })
            .collect();
        let samples = self
            .samples
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let periods = self
            .periods
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let (Err(error), Some(path)) = (written, self.out) {
            return Err(FollowError::Write { path, error });
        }
        Ok(Summary {
            program: m.program(),
            rotation: m.config.rotation,
            heartbeat: m.config.heartbeat,
            elapsed: self.started.elapsed(),
            containers,
            samples,
            periods,
            faults: None,
            left_after_drain: left,
            engine_reached: m.source.engine().reachable().is_some_and(|r| r)
                || m.stats.containers.load(Ordering::Relaxed) > 0,
        })
    }
}

fn take_sample(m: &Monitor<DockerSource>, samples: &Mutex<Vec<TaskSample>>, started: Instant) {
    let snap = m.env.census.snapshot();
    let tokio_alive = tokio::runtime::Handle::try_current()
        .map(|h| h.metrics().num_alive_tasks() as u64)
        .unwrap_or(0);
    let sample = TaskSample {
        at: started.elapsed(),
        by_role: snap.by_role,
        runtime: snap.runtime,
        tokio_alive,
        stalled: snap.stalled_containers,
        leaked_readers: snap.leaked_readers,
        containers: snap.by_role.heartbeat,
    };
    let mut samples = samples.lock().unwrap_or_else(|p| p.into_inner());
    // A long run keeps every other sample once it holds many.
    if samples.len() >= 20_000 {
        let kept: Vec<_> = samples.iter().step_by(2).copied().collect();
        *samples = kept;
    }
    samples.push(sample);
}

/// The census of rotation period `due`, taken now; `t0` is when the first
/// container was followed.
fn take_period(
    m: &Monitor<DockerSource>,
    periods: &Mutex<Vec<PeriodCensus>>,
    due: u64,
    t0: Instant,
) {
    let snap = m.env.census.snapshot();
    let at_ms = u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut periods = periods.lock().unwrap_or_else(|p| p.into_inner());
    if periods.len() < MAX_PERIODS {
        periods.push(PeriodCensus {
            due,
            at_ms,
            by_role: snap.by_role,
            leaked_readers: snap.leaked_readers,
            stalled_containers: snap.stalled_containers,
        });
    }
}

/// What the sampler keeps: the census every `sample_every`, and once per
/// rotation period.
struct Records {
    samples: Arc<Mutex<Vec<TaskSample>>>,
    periods: Arc<Mutex<Vec<PeriodCensus>>>,
}

/// The sampler: the census every `every`, and in every rotation period at
/// [`census_instant`] after the first container was followed.
fn spawn_sampler(
    m: &Arc<Monitor<DockerSource>>,
    records: Records,
    every: Duration,
    started: Instant,
) {
    let m = m.clone();
    let env = m.env.clone();
    env.go(
        TaskSpec::new(Role::System, State::Select),
        |_task| async move {
            let mut tick = tokio::time::interval(every.max(Duration::from_millis(10)));
            let rotation =
                Time::from_millis(u64::try_from(m.config.rotation.as_millis()).unwrap_or(u64::MAX));
            let mut due = 0u64;
            loop {
                let first = m.first_followed();
                let period = async {
                    match first {
                        Some(t0) => {
                            let at = census_instant(rotation, due).as_millis();
                            tokio::time::sleep_until(t0 + Duration::from_millis(at)).await;
                        }
                        None => m.followed().await,
                    }
                };
                tokio::select! {
                    _ = tick.tick() => take_sample(&m, &records.samples, started),
                    () = period => {
                        if let Some(t0) = first {
                            take_period(&m, &records.periods, due, t0);
                            due += 1;
                        }
                    }
                    () = m.env.shutdown.cancelled() => return,
                }
            }
        },
    );
}

/// How long a line written to `--out` may wait in the writer's buffer.
const FLUSH_EVERY: Duration = Duration::from_millis(50);

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// One line of `--out`.
#[derive(serde::Serialize)]
struct OutLine<'a> {
    container: &'a str,
    ts: &'a str,
    line: &'a str,
}

type Out = Option<std::io::BufWriter<std::fs::File>>;

fn write_line(out: &mut Out, result: &mut std::io::Result<()>, line: &Line) {
    if let Some(w) = out.as_mut()
        && result.is_ok()
    {
        let json = OutLine {
            container: &line.container,
            ts: &line.ts,
            line: &line.text,
        };
        *result = serde_json::to_writer(&mut *w, &json)
            .map_err(std::io::Error::from)
            .and_then(|()| w.write_all(b"\n"));
    }
}

/// The writer: `m.out`'s other end. Writes each line as
/// `{"container":…,"ts":…,"line":…}`. It flushes when the channel has run
/// dry, at most every [`FLUSH_EVERY`]: a line waits at most that long, and
/// a busy stream is written in large blocks rather than a syscall a line.
/// At shutdown it writes what is still queued, flushes and ends.
fn spawn_writer(
    env: &Env,
    mut rx: mpsc::Receiver<Line>,
    file: Option<std::fs::File>,
    done: oneshot::Sender<std::io::Result<()>>,
) {
    let stop = env.shutdown.clone();
    env.go(
        TaskSpec::new(Role::System, State::Select),
        |task| async move {
            let mut out: Out = file.map(|f| std::io::BufWriter::with_capacity(1 << 16, f));
            let mut result = Ok(());
            let mut flush_at: Option<Instant> = None;
            loop {
                task.set_state(State::Select);
                let line = tokio::select! {
                    line = rx.recv() => line,
                    () = stop.cancelled() => None,
                    () = sleep_until(flush_at) => {
                        if let Some(w) = out.as_mut() && result.is_ok() {
                            result = w.flush();
                        }
                        flush_at = None;
                        continue;
                    }
                };
                task.set_state(State::Running);
                let Some(line) = line else { break };
                write_line(&mut out, &mut result, &line);
                while let Ok(line) = rx.try_recv() {
                    write_line(&mut out, &mut result, &line);
                }
                if flush_at.is_none() {
                    flush_at = Some(Instant::now() + FLUSH_EVERY);
                }
            }
            rx.close();
            while let Ok(line) = rx.try_recv() {
                write_line(&mut out, &mut result, &line);
            }
            let flushed = out.as_mut().map_or(Ok(()), |w| w.flush());
            let _ = done.send(result.and(flushed));
        },
    );
}
