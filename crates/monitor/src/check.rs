//! `leakscope check`: the real monitor on synthetic containers under tokio's
//! paused clock, sampled every virtual minute like the simulation.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use leakscope_sim::{
    Counts, LineClock, Program, Report, Role, RunReport, Sample, Scenario, Source as ReportSource,
    State, StopOutcome, Time,
};
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::census::{CensusSnapshot, TaskSpec};
use crate::monitor::{ContainerRef, Env, Monitor, MonitorConfig, NoPort};
use crate::synthetic::Synthetic;

/// How far after each whole minute the census is read.
///
/// The model samples minute *m* "after every event due at or before *m*
/// minutes" (rule 9). Every event of a scenario but the writing of a log
/// line falls on a whole second, and no line is written on one (the core's
/// [`leakscope_sim::LineClock`]); under a paused clock tokio moves time
/// forward only once every task is idle. So the sample is a timer of the
/// driver 1 ms after the minute, run before any task woken at that
/// millisecond: it sees every task that ran at the minute settled (closed
/// readers gone, blocked waiters blocked, `Stop()` done or hung), and
/// neither a line written at that millisecond nor anything later.
pub const SAMPLE_OFFSET: Duration = Duration::from_millis(1);

/// Most log lines one check run reads (all containers over the whole run):
/// about a minute and a half of a release build, at about 1 µs a line.
pub const MAX_LINES: u64 = 100_000_000;

/// The log lines `scenario`'s containers write over the run, all of them.
pub fn lines_written(scenario: &Scenario) -> u64 {
    u64::from(scenario.containers)
        .saturating_mul(LineClock::new(scenario.lines_per_min).before(scenario.horizon()))
}

/// What went wrong in a check run.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Occurs when the scenario is outside its ranges.
    #[error(transparent)]
    Scenario(#[from] leakscope_sim::Error),
    /// Occurs when the program has no port in this crate.
    #[error(transparent)]
    NoPort(#[from] NoPort),
    /// Occurs when the containers would write more log lines over the run
    /// than [`MAX_LINES`]: every line is read for real, one timer each.
    #[error(
        "{containers} containers writing {lines_per_min} lines a minute for {minutes} minutes write {lines} log lines, more than check reads in one run ({max}); lower lines_per_min, containers or minutes"
    )]
    TooManyLines {
        /// The scenario's containers.
        containers: u32,
        /// Its lines per minute.
        lines_per_min: u32,
        /// Its minutes.
        minutes: u32,
        /// The lines its containers write over the run.
        lines: u64,
        /// [`MAX_LINES`].
        max: u64,
    },
    /// Occurs when tokio's own count of live tasks disagrees with the
    /// census's guards at a sample: a task escaped the census.
    #[error(
        "minute {minute}: tokio counts {tokio} live tasks but the census counts {census}: a task escaped the census"
    )]
    Uncounted {
        /// The minute sampled.
        minute: u32,
        /// `Handle::metrics().num_alive_tasks()`.
        tokio: u64,
        /// The census's count, runtime tasks included.
        census: u64,
    },
    /// Occurs when tasks are still alive after the drain at the end.
    #[error("{0} tasks still alive after the drain")]
    Undrained(u64),
    /// Occurs when the runtime cannot be built.
    #[error("cannot start the tokio runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

/// One program's measured run, with what the census saw besides samples.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRun {
    /// The samples, growth, verdict and `Stop()` outcome, in the
    /// simulation's shape.
    pub report: RunReport,
    /// Runtime tasks (the timer driver) at the last sample, outside the
    /// model's count.
    pub runtime_tasks: u64,
    /// Tasks spawned over the run, runtime tasks included.
    pub spawned: u64,
}

/// Runs `program`'s port for real on `scenario`'s synthetic containers,
/// under a paused clock, and samples the census every virtual minute.
///
/// Every time it runs, the following unfolds:
///
/// 1. A fresh current-thread runtime starts with its clock paused; the
///    census, the timer driver (one runtime task) and
///    `baseline_goroutines` system tasks start (stand-ins for the modeled
///    program's main, runtime and debug-server goroutines: parked in
///    `select` until the end, counted like every other task).
/// 2. At instant 0 every container runs `monitorContainer`, in index order.
///    Its streams deliver the scenario's log lines and fail on its fault
///    schedule ([`Synthetic`]).
/// 3. For each minute *m*, the census, the wait groups and the lines read
///    are measured at *m* minutes + [`SAMPLE_OFFSET`], and the census is
///    compared with tokio's `num_alive_tasks()`.
/// 4. When the scenario calls `Stop()` (`stop_at`), the run's caller (the
///    runtime's `block_on` future, Go's `main`: not a task, as the core
///    counts no caller among the goroutines; while it blocks in a group's
///    `Wait()` that group counts it among its waiters, as Go's `WaitGroup`
///    does) calls [`Monitor::stop`] at that minute, after every
///    timer due at that instant and after every task those timers started
///    has run to its first blocking point ([`crate::Census::settled`]).
///    What is left is read at that minute's sample; whether it returned,
///    and the container it hangs on, at the end.
/// 5. The shutdown is signalled; every task drains; the census must read 0.
///
/// # Errors
///
/// [`CheckError`]: a bad scenario, one with more log lines than
/// [`MAX_LINES`], a program with no port, a task that escaped the census,
/// or a drain that left tasks behind.
///
/// # Examples
///
/// ```
/// use leakscope_monitor::check;
/// use leakscope_sim::{Preset, Program};
///
/// let run = check::run(&Preset::Fase3.scenario(), Program::BUGGY).unwrap();
/// assert_eq!(run.report.samples[0].goroutines, 32); // 8 × (heartbeat + reader + 2 handlers)
/// assert_eq!(run.report.samples[10].stalled_containers, 8);
/// assert_eq!(run.report.samples[10].silent_containers, 8);
/// ```
pub fn run(scenario: &Scenario, program: Program) -> Result<CheckRun, CheckError> {
    scenario.validate()?;
    let lines = lines_written(scenario);
    if lines > MAX_LINES {
        return Err(CheckError::TooManyLines {
            containers: scenario.containers,
            lines_per_min: scenario.lines_per_min,
            minutes: scenario.minutes,
            lines,
            max: MAX_LINES,
        });
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()?;
    rt.block_on(measure(scenario, program))
}

/// What the samples have measured so far.
#[derive(Debug, Default)]
struct Measured {
    samples: Vec<Sample>,
    error: Option<CheckError>,
    /// Program tasks alive at the sample of `Stop()`'s minute.
    left: Option<u64>,
    last: CensusSnapshot,
}

/// Takes the samples, one timer of the driver per minute.
struct Sampler {
    monitor: Arc<Monitor<Synthetic>>,
    start: Instant,
    minutes: u32,
    stop_minute: Option<u32>,
    measured: Mutex<Measured>,
    end: Mutex<Option<oneshot::Sender<()>>>,
}

impl Sampler {
    fn measured(&self) -> std::sync::MutexGuard<'_, Measured> {
        self.measured.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets the timer of minute `minute`'s sample.
    fn schedule(self: Arc<Self>, minute: u32) {
        let at = self.start + Duration::from_secs(60 * u64::from(minute)) + SAMPLE_OFFSET;
        let env = self.monitor.env.clone();
        env.timers.after_timers_at(at, move || self.take(minute));
    }

    /// Minute `minute`'s sample, measured on the driver: no other task
    /// runs meanwhile.
    fn take(self: Arc<Self>, minute: u32) {
        let m = &self.monitor;
        let census = &m.env.census;
        let snap = census.snapshot();
        let tokio_alive = tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks() as u64;
        let t = Time::from_minutes(u64::from(minute));
        let rotation = Time::from_millis(m.config.rotation.as_millis() as u64);
        let silent = if t >= rotation {
            m.containers()
                .iter()
                .filter(|c| {
                    c.stats
                        .last_line()
                        .is_none_or(|at| at.as_millis() + rotation.as_millis() < t.as_millis())
                })
                .count() as u64
        } else {
            0
        };
        let sample = Sample {
            minute,
            counts: Counts {
                goroutines: snap.goroutines(),
                by_role: snap.by_role,
                leaked_readers: snap.leaked_readers,
                stalled_containers: snap.stalled_containers,
                lines_read: m.stats.lines.load(Ordering::Relaxed),
                silent_containers: silent,
                wait_groups: census.wait_groups(m.program()),
            },
        };
        {
            let mut measured = self.measured();
            if tokio_alive != snap.all_tasks() && measured.error.is_none() {
                measured.error = Some(CheckError::Uncounted {
                    minute,
                    tokio: tokio_alive,
                    census: snap.all_tasks(),
                });
            }
            if self.stop_minute == Some(minute) {
                measured.left = Some(snap.goroutines() - snap.by_role.system);
            }
            measured.samples.push(sample);
            measured.last = snap;
        }
        if minute < self.minutes {
            self.schedule(minute + 1);
        } else if let Some(end) = self.end.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = end.send(());
        }
    }
}

async fn measure(scenario: &Scenario, program: Program) -> Result<CheckRun, CheckError> {
    let env = Env::start();
    let start = env.census.epoch();
    for _ in 0..scenario.baseline_goroutines {
        let stop = env.shutdown.clone();
        env.go(
            TaskSpec::new(Role::System, State::Select),
            |_task| async move { stop.cancelled().await },
        );
    }
    let config = MonitorConfig {
        rotation: Duration::from_secs(u64::from(scenario.rotation_secs)),
        heartbeat: Duration::from_secs(u64::from(scenario.heartbeat_secs)),
        program,
    };
    let monitor = match Monitor::new(Synthetic::new(scenario), env.clone(), config, None) {
        Ok(m) => m,
        Err(e) => {
            env.shutdown.cancel();
            env.census.drained().await;
            return Err(e.into());
        }
    };
    for c in 0..scenario.containers {
        monitor.monitor_container(ContainerRef::new(
            c,
            c.to_string(),
            format!("synthetic-{c}"),
        ));
    }
    let (end, ended) = oneshot::channel();
    let sampler = Arc::new(Sampler {
        monitor: monitor.clone(),
        start,
        minutes: scenario.minutes,
        stop_minute: scenario.stop_at,
        measured: Mutex::new(Measured::default()),
        end: Mutex::new(Some(end)),
    });
    sampler.clone().schedule(0);
    // Stop()'s call: after every timer due at its instant.
    let (call, called) = oneshot::channel::<()>();
    if let Some(at) = scenario.stop() {
        env.timers
            .after_timers_at(start + Duration::from_millis(at.as_millis()), move || {
                let _ = call.send(());
            });
    }
    let returned = AtomicBool::new(false);
    let caller = async {
        if called.await.is_ok() {
            // ... and after the work those timers started.
            env.census.settled().await;
            if monitor.stop().await {
                returned.store(true, Ordering::Release);
            }
        }
        std::future::pending::<()>().await;
    };
    tokio::select! {
        biased;
        _ = ended => {}
        () = caller => {}
    }
    let stop = scenario.stop_at.map(|minute| {
        let returned = returned.load(Ordering::Acquire);
        StopOutcome {
            minute,
            returned,
            left: sampler.measured().left.unwrap_or(0),
            hangs_on: if returned { None } else { monitor.stopping() },
            hung_containers: env.census.containers_holding_groups(),
        }
    });
    env.shutdown.cancel();
    drop(monitor);
    let drained = tokio::time::timeout_at(
        Instant::now() + Duration::from_secs(60),
        env.census.drained(),
    )
    .await;
    let measured = std::mem::take(&mut *sampler.measured());
    drop(sampler);
    if let Some(error) = measured.error {
        return Err(error);
    }
    if drained.is_err() {
        return Err(CheckError::Undrained(env.census.len()));
    }
    Ok(CheckRun {
        report: RunReport::from_samples(program, measured.samples, stop),
        runtime_tasks: measured.last.runtime,
        spawned: env.census.snapshot().spawned,
    })
}

/// The report of `programs` run for real on `scenario`, in the order
/// given: the JSON shape of `leakscope sim`, with `"source": "real"`.
///
/// # Errors
///
/// Whatever [`run`] reports for any program.
pub fn report(scenario: &Scenario, programs: &[Program]) -> Result<Report, CheckError> {
    let runs = programs
        .iter()
        .map(|&p| run(scenario, p).map(|r| r.report))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Report {
        source: ReportSource::Real,
        scenario: scenario.clone(),
        runs,
    })
}
