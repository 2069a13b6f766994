//! `leakscope check`: the real monitor on synthetic containers under tokio's
//! paused clock, sampled every virtual minute like the simulation.

use std::time::Duration;

use leakscope_sim::{Report, RunReport, Sample, Scenario, Source as ReportSource, State, Variant};
use tokio::time::Instant;

use crate::census::{CensusSnapshot, TaskSpec};
use crate::monitor::{ContainerRef, Env, Monitor, MonitorConfig};
use crate::synthetic::Synthetic;

/// How far after each whole minute the census is read.
///
/// The model samples minute *m* "after every event due at or before *m*
/// minutes" (rule 9). Every event of a scenario falls on a whole second
/// (rotation and heartbeat periods are whole seconds), and under a paused
/// clock tokio moves time forward only once every task is idle. So reading
/// the census 1 ms after the minute sees every task that ran at the minute
/// settled (closed readers gone, blocked waiters blocked), and nothing that
/// is due later.
pub const SAMPLE_OFFSET: Duration = Duration::from_millis(1);

/// What went wrong in a check run.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Occurs when the scenario is outside its ranges.
    #[error(transparent)]
    Scenario(#[from] leakscope_sim::Error),
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

/// One variant's measured run, with what the census saw besides samples.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRun {
    /// The samples, growth and verdict, in the simulation's shape.
    pub report: RunReport,
    /// Runtime tasks (the timer driver) at the last sample, outside the
    /// model's count.
    pub runtime_tasks: u64,
    /// Tasks spawned over the run, runtime tasks included.
    pub spawned: u64,
}

/// Runs `variant`'s program for real on `scenario`'s synthetic containers,
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
/// 3. For each minute *m*, the census is read at *m* minutes +
///    [`SAMPLE_OFFSET`], and compared with tokio's `num_alive_tasks()`.
/// 4. The shutdown is signalled; every task drains; the census must read 0.
///
/// # Errors
///
/// [`CheckError`]: a bad scenario, a task that escaped the census, or a
/// drain that left tasks behind.
///
/// # Examples
///
/// ```
/// use leakscope_monitor::check;
/// use leakscope_sim::{Preset, Variant};
///
/// let run = check::run(&Preset::Fase3.scenario(), Variant::Buggy).unwrap();
/// assert_eq!(run.report.samples[0].goroutines, 16);
/// assert_eq!(run.report.samples[10].stalled_containers, 8);
/// ```
pub fn run(scenario: &Scenario, variant: Variant) -> Result<CheckRun, CheckError> {
    scenario.validate()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()?;
    rt.block_on(measure(scenario, variant))
}

async fn measure(scenario: &Scenario, variant: Variant) -> Result<CheckRun, CheckError> {
    let env = Env::start();
    let start = env.census.epoch();
    for _ in 0..scenario.baseline_goroutines {
        let stop = env.shutdown.clone();
        env.go(
            TaskSpec::new(leakscope_sim::Role::System, State::Select),
            |_task| async move { stop.cancelled().await },
        );
    }
    let config = MonitorConfig {
        rotation: Duration::from_secs(u64::from(scenario.rotation_secs)),
        heartbeat: Duration::from_secs(u64::from(scenario.heartbeat_secs)),
        variant,
    };
    let monitor = Monitor::new(Synthetic::new(scenario), env.clone(), config, None);
    for c in 0..scenario.containers {
        monitor.monitor_container(ContainerRef::new(
            c,
            c.to_string(),
            format!("synthetic-{c}"),
        ));
    }
    let metrics = tokio::runtime::Handle::current().metrics();
    let mut samples = Vec::with_capacity(scenario.minutes as usize + 1);
    let mut last = CensusSnapshot::default();
    for minute in 0..=scenario.minutes {
        let at = start + Duration::from_secs(60 * u64::from(minute)) + SAMPLE_OFFSET;
        tokio::time::sleep_until(at).await;
        let snap = env.census.snapshot();
        let tokio_alive = metrics.num_alive_tasks() as u64;
        if tokio_alive != snap.all_tasks() {
            return Err(CheckError::Uncounted {
                minute,
                tokio: tokio_alive,
                census: snap.all_tasks(),
            });
        }
        samples.push(Sample {
            minute,
            goroutines: snap.goroutines(),
            by_role: snap.by_role,
            leaked_readers: snap.leaked_readers,
            stalled_containers: snap.stalled_containers,
            wait_groups: env.census.wait_groups(variant),
        });
        last = snap;
    }
    env.shutdown.cancel();
    drop(monitor);
    let drained = tokio::time::timeout_at(
        Instant::now() + Duration::from_secs(60),
        env.census.drained(),
    )
    .await;
    if drained.is_err() {
        return Err(CheckError::Undrained(env.census.len()));
    }
    Ok(CheckRun {
        report: RunReport::from_samples(variant, samples),
        runtime_tasks: last.runtime,
        spawned: env.census.snapshot().spawned,
    })
}

/// The report of `variants` (buggy first) run for real on `scenario`: the
/// JSON shape of `leakscope sim`, with `"source": "real"`.
///
/// # Errors
///
/// Whatever [`run`] reports for any variant.
pub fn report(scenario: &Scenario, variants: &[Variant]) -> Result<Report, CheckError> {
    let runs = variants
        .iter()
        .map(|&v| run(scenario, v).map(|r| r.report))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Report {
        source: ReportSource::Real,
        scenario: scenario.clone(),
        runs,
    })
}
