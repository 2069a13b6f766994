//! The `check` and `monitor` subcommands, for the `leakscope` binary:
//! clap argument structs and the functions that run them.
//!
//! Numeric flags arrive as text, as in `leakscope sim`, so that a bad
//! value gets one line naming the flag and its allowed range
//! ([`FlagError`]) instead of a parser's message.

use std::fmt::Write as _;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use leakscope_sim::{Error as SimError, Param, Preset, Report, Scenario, Variant, Verdict};

use crate::check::{self, CheckRun};
use crate::docker::{Selector, socket_from_env};
use crate::duration;
use crate::follow::{FollowOptions, Follower};
use crate::monitor::MonitorConfig;

/// A bad flag: one line naming the flag and what it allows. The binary
/// should exit with 2 for it (`err.is::<FlagError>()`), as for its own
/// input errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FlagError(pub String);

impl FlagError {
    fn range(flag: &str, value: &str, allowed: &str) -> FlagError {
        FlagError(format!(
            "{flag} {} is out of range (allowed: {allowed})",
            shown(value)
        ))
    }

    fn not_number(flag: &str, value: &str, allowed: &str) -> FlagError {
        FlagError(format!(
            "{flag} {} is not a number (allowed: {allowed})",
            shown(value)
        ))
    }
}

fn shown(value: &str) -> String {
    if value.is_empty() || value.contains(char::is_whitespace) {
        format!("{value:?}")
    } else {
        value.to_owned()
    }
}

/// How a command ended, for the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every run passed (`check`), or the monitor drained cleanly
    /// (`monitor`): exit code 0.
    Pass,
    /// A run leaked (`check`): exit code 1.
    Leak,
}

impl Status {
    /// The process exit code: 0 or 1.
    pub const fn code(self) -> u8 {
        match self {
            Status::Pass => 0,
            Status::Leak => 1,
        }
    }
}

impl From<Status> for std::process::ExitCode {
    fn from(s: Status) -> Self {
        std::process::ExitCode::from(s.code())
    }
}

/// A preset, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PresetArg {
    /// 8 containers for 10 minutes; both versions pass.
    Fase3,
    /// 55 containers for 58 minutes; only the fixed version passes.
    Fase6,
}

/// Which programs `check` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckVariant {
    /// The buggy program (one shared WaitGroup).
    #[value(alias = "shared")]
    Buggy,
    /// The fixed program (one WaitGroup per lifecycle).
    #[value(alias = "split")]
    Fixed,
    /// Both, buggy first.
    Both,
}

impl CheckVariant {
    /// The programs, buggy first.
    pub fn variants(self) -> Vec<Variant> {
        match self {
            CheckVariant::Buggy => vec![Variant::Buggy],
            CheckVariant::Fixed => vec![Variant::Fixed],
            CheckVariant::Both => Variant::ALL.to_vec(),
        }
    }
}

/// How `check` prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// The timeline side by side, then growth, limit and verdict.
    Table,
    /// The report object of `leakscope sim --format json`, with
    /// `"source": "real"`.
    Json,
}

/// `leakscope check`: run the real monitor on synthetic containers under a
/// paused clock and report like `leakscope sim`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Start from this preset's scenario [default: fase6].
    #[arg(long, value_enum, ignore_case = true)]
    pub preset: Option<PresetArg>,
    /// Which program to run (shared = buggy, split = fixed).
    #[arg(long, value_enum, default_value_t = CheckVariant::Both)]
    pub variant: CheckVariant,
    /// Containers followed (1 to 10000).
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub containers: Option<String>,
    /// Length of the run in minutes (1 to 10080).
    #[arg(long, value_name = "M", allow_hyphen_values = true)]
    pub minutes: Option<String>,
    /// Rotation period in minutes, decimals allowed (at least 1 second, at
    /// most 1440 minutes).
    #[arg(long, value_name = "MIN", allow_hyphen_values = true)]
    pub rotation: Option<String>,
    /// Heartbeat period in seconds (1 to 3600).
    #[arg(long, value_name = "SECS", allow_hyphen_values = true)]
    pub heartbeat: Option<String>,
    /// Probability that a rotation's stream has failed (0 to 1).
    #[arg(long, value_name = "P", allow_hyphen_values = true)]
    pub error_rate: Option<String>,
    /// Tasks a failed stream ties up, its reader included (1 to 16).
    #[arg(long, value_name = "G", allow_hyphen_values = true)]
    pub goroutines_per_reader: Option<String>,
    /// Tasks outside the containers' lifecycles (0 to 100000).
    #[arg(long, value_name = "B", allow_hyphen_values = true)]
    pub baseline: Option<String>,
    /// Seed of the stream faults (0 to 18446744073709551615).
    #[arg(long, value_name = "S", allow_hyphen_values = true)]
    pub seed: Option<String>,
    /// How to print the result.
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub format: CheckFormat,
}

/// Which program `monitor` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MonitorVariant {
    /// One WaitGroup per lifecycle (the fix).
    #[value(alias = "fixed")]
    Split,
    /// One WaitGroup for heartbeat and readers (the bug).
    #[value(alias = "buggy")]
    Shared,
}

/// `leakscope monitor --docker`: follow real containers' logs.
#[derive(Debug, Clone, Args)]
pub struct MonitorArgs {
    /// Follow the containers of the local Docker engine (the only source).
    #[arg(long)]
    pub docker: bool,
    /// Which program runs.
    #[arg(long, value_enum, default_value_t = MonitorVariant::Split)]
    pub variant: MonitorVariant,
    /// How long each log stream is followed before it is reopened (100ms
    /// to 24h; e.g. 1s, 500ms, 5m).
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub rotation: String,
    /// Period of each container's heartbeat inspection (100ms to 1h).
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub heartbeat: String,
    /// Only containers with this label (KEY=VALUE, or KEY).
    #[arg(long, value_name = "K=V")]
    pub label: Option<String>,
    /// Stop after this long (e.g. 30s, 10m) [default: until Ctrl-C or
    /// SIGTERM].
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Write every line as JSON (`{"container":…,"ts":…,"line":…}`) to this
    /// file.
    #[arg(long, value_name = "FILE.jsonl")]
    pub out: Option<PathBuf>,
    /// Serve /debug/tasks and /metrics here; `off` to serve nothing.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:6060")]
    pub debug_addr: String,
    /// Allow a --debug-addr that is not a loopback address.
    #[arg(long)]
    pub debug_allow_remote: bool,
    /// The engine's socket [default: DOCKER_HOST (unix://…) or
    /// /var/run/docker.sock].
    #[arg(long, value_name = "PATH")]
    pub docker_socket: Option<String>,
}

fn int<T: TryFrom<i128>>(flag: &str, raw: &str, allowed: &str) -> Result<T, FlagError> {
    let t = raw.trim();
    let wide = match t.parse::<i128>() {
        Ok(v) => v,
        Err(_) => match t.parse::<f64>() {
            Ok(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e30 => f as i128,
            Ok(_) => return Err(FlagError::range(flag, raw, allowed)),
            Err(_) => return Err(FlagError::not_number(flag, raw, allowed)),
        },
    };
    T::try_from(wide).map_err(|_| FlagError::range(flag, raw, allowed))
}

fn flag_of(param: Param) -> &'static str {
    match param {
        Param::Containers => "--containers",
        Param::Minutes => "--minutes",
        Param::Rotation => "--rotation",
        Param::Heartbeat => "--heartbeat",
        Param::ErrorRate => "--error-rate",
        Param::GoroutinesPerReader => "--goroutines-per-reader",
        Param::Baseline => "--baseline",
        Param::Seed => "--seed",
    }
}

impl CheckArgs {
    fn raw(&self, param: Param) -> Option<&String> {
        match param {
            Param::Containers => self.containers.as_ref(),
            Param::Minutes => self.minutes.as_ref(),
            Param::Rotation => self.rotation.as_ref(),
            Param::Heartbeat => self.heartbeat.as_ref(),
            Param::ErrorRate => self.error_rate.as_ref(),
            Param::GoroutinesPerReader => self.goroutines_per_reader.as_ref(),
            Param::Baseline => self.baseline.as_ref(),
            Param::Seed => self.seed.as_ref(),
        }
    }

    /// The scenario the flags describe, checked against the core's ranges.
    ///
    /// # Errors
    ///
    /// [`FlagError`] naming the first bad flag and its allowed range.
    pub fn scenario(&self) -> Result<Scenario, FlagError> {
        let preset = match self.preset {
            Some(PresetArg::Fase3) => Preset::Fase3,
            Some(PresetArg::Fase6) | None => Preset::Fase6,
        };
        let mut s = preset.scenario();
        for param in [
            Param::Containers,
            Param::Minutes,
            Param::Rotation,
            Param::Heartbeat,
            Param::ErrorRate,
            Param::GoroutinesPerReader,
            Param::Baseline,
            Param::Seed,
        ] {
            let Some(raw) = self.raw(param) else { continue };
            let (flag, allowed) = (flag_of(param), param.allowed());
            match param {
                Param::Containers => s.containers = int(flag, raw, allowed)?,
                Param::Minutes => s.minutes = int(flag, raw, allowed)?,
                Param::Rotation => {
                    let min: f64 = raw
                        .trim()
                        .parse()
                        .map_err(|_| FlagError::not_number(flag, raw, allowed))?;
                    let secs = min * 60.0;
                    if !(1.0..=f64::from(u32::MAX)).contains(&secs) {
                        return Err(FlagError::range(flag, raw, allowed));
                    }
                    s.rotation_secs = secs.round() as u32;
                }
                Param::Heartbeat => s.heartbeat_secs = int(flag, raw, allowed)?,
                Param::ErrorRate => {
                    s.error_rate = raw
                        .trim()
                        .parse()
                        .map_err(|_| FlagError::not_number(flag, raw, allowed))?;
                }
                Param::GoroutinesPerReader => s.goroutines_per_reader = int(flag, raw, allowed)?,
                Param::Baseline => s.baseline_goroutines = int(flag, raw, allowed)?,
                Param::Seed => s.seed = int(flag, raw, allowed)?,
            }
        }
        match s.validate() {
            Ok(()) => Ok(s),
            Err(SimError::OutOfRange { param, value }) => Err(FlagError::range(
                flag_of(param),
                self.raw(param).map_or(value.as_str(), String::as_str),
                param.allowed(),
            )),
            Err(SimError::TooLarge { rotations }) => Err(FlagError(format!(
                "--containers {} with --minutes {} makes {rotations} rotations, too many for one run (allowed: containers × rotations per container up to {})",
                s.containers,
                s.minutes,
                leakscope_sim::MAX_ROTATIONS
            ))),
            Err(other) => Err(FlagError(other.to_string())),
        }
    }
}

/// `leakscope check`: runs the real monitor on the scenario's synthetic
/// containers, prints the table or the JSON report to `out`, and tells
/// whether every run passed.
///
/// # Errors
///
/// [`FlagError`] for a bad flag; otherwise a failure of the run itself
/// (a task that escaped the census, a drain that left tasks) or of
/// writing to `out`.
pub fn run_check(args: &CheckArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let scenario = args.scenario()?;
    let variants = args.variant.variants();
    let runs = variants
        .iter()
        .map(|&v| check::run(&scenario, v))
        .collect::<Result<Vec<CheckRun>, _>>()?;
    let leak = runs.iter().any(|r| r.report.verdict == Verdict::Leak);
    let text = match args.format {
        CheckFormat::Json => {
            let report = Report {
                source: leakscope_sim::Source::Real,
                scenario: scenario.clone(),
                runs: runs.iter().map(|r| r.report.clone()).collect(),
            };
            serde_json::to_string_pretty(&report)? + "\n"
        }
        CheckFormat::Table => table(args, &scenario, &runs),
    };
    write_all(out, &text)?;
    Ok(if leak { Status::Leak } else { Status::Pass })
}

fn write_all(out: &mut dyn Write, text: &str) -> anyhow::Result<()> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn table(args: &CheckArgs, s: &Scenario, runs: &[CheckRun]) -> String {
    let mut t = String::new();
    let name = match args.preset {
        _ if s == &Preset::Fase3.scenario() => "fase3",
        _ if s == &Preset::Fase6.scenario() => "fase6",
        _ => "custom",
    };
    let _ = writeln!(
        t,
        "leakscope check: the real monitor on synthetic containers (tokio tasks counted by the census, paused clock)"
    );
    let _ = writeln!(
        t,
        "scenario {name}: containers {}, minutes {}, rotation {} min, heartbeat {} s, error-rate {}, goroutines-per-reader {}, baseline {}, seed {}\n",
        s.containers,
        s.minutes,
        f64::from(s.rotation_secs) / 60.0,
        s.heartbeat_secs,
        s.error_rate,
        s.goroutines_per_reader,
        s.baseline_goroutines,
        s.seed
    );
    let _ = write!(t, "{:<28}", "minute");
    for r in runs {
        let _ = write!(t, "{:>10}", r.report.variant.name());
    }
    t.push('\n');
    let last = s.minutes;
    for (i, sample) in runs[0].report.samples.iter().enumerate() {
        if sample.minute % 10 == 0 || sample.minute == last {
            let _ = write!(t, "{:<28}", sample.minute);
            for r in runs {
                let _ = write!(t, "{:>10}", r.report.samples[i].goroutines);
            }
            t.push('\n');
        }
    }
    t.push('\n');
    type Row = (&'static str, fn(&CheckRun) -> String);
    let rows: [Row; 7] = [
        ("growth per minute", |r| {
            format!("{:.2}", r.report.growth_per_min)
        }),
        ("limit", |r| format!("{:.0}", r.report.limit)),
        ("final tasks", |r| r.report.final_goroutines.to_string()),
        ("verdict", |r| r.report.verdict.to_string()),
        ("leaked readers", |r| {
            r.report
                .samples
                .last()
                .map_or(0, |s| s.leaked_readers)
                .to_string()
        }),
        ("stalled containers", |r| {
            r.report
                .samples
                .last()
                .map_or(0, |s| s.stalled_containers)
                .to_string()
        }),
        ("runtime tasks (not counted)", |r| {
            r.runtime_tasks.to_string()
        }),
    ];
    for (label, f) in rows {
        let _ = write!(t, "{label:<28}");
        for r in runs {
            let _ = write!(t, "{:>10}", f(r));
        }
        t.push('\n');
    }
    t
}

/// `monitor`'s flags, checked.
#[derive(Debug, Clone)]
pub struct MonitorPlan {
    /// How to follow the engine.
    pub options: FollowOptions,
    /// When to stop by itself.
    pub duration: Option<Duration>,
}

fn duration_flag(
    flag: &str,
    raw: &str,
    min: Duration,
    max: Duration,
) -> Result<Duration, FlagError> {
    let allowed = format!(
        "{} to {}, e.g. 500ms, 1s, 5m",
        duration::format(min),
        duration::format(max)
    );
    let d = duration::parse(raw).map_err(|why| {
        FlagError(format!(
            "{flag} {} is not a duration: {why} (allowed: {allowed})",
            shown(raw)
        ))
    })?;
    if d < min || d > max {
        return Err(FlagError::range(flag, raw, &allowed));
    }
    Ok(d)
}

impl MonitorArgs {
    /// The flags, checked.
    ///
    /// # Errors
    ///
    /// [`FlagError`] naming the first bad flag and what it allows.
    pub fn plan(&self) -> Result<MonitorPlan, FlagError> {
        if !self.docker {
            return Err(FlagError(
                "monitor needs a source: --docker (allowed: --docker)".into(),
            ));
        }
        let rotation = duration_flag(
            "--rotation",
            &self.rotation,
            Duration::from_millis(100),
            Duration::from_secs(86_400),
        )?;
        let heartbeat = duration_flag(
            "--heartbeat",
            &self.heartbeat,
            Duration::from_millis(100),
            Duration::from_secs(3_600),
        )?;
        let duration = self
            .duration
            .as_deref()
            .map(|raw| {
                duration_flag(
                    "--duration",
                    raw,
                    Duration::from_millis(1),
                    Duration::from_secs(86_400 * 365),
                )
            })
            .transpose()?;
        if let Some(label) = &self.label
            && (label.is_empty() || label.starts_with('=') || label.contains(char::is_whitespace))
        {
            return Err(FlagError(format!(
                "--label {} is not a label (allowed: KEY=VALUE or KEY)",
                shown(label)
            )));
        }
        let debug_addr = match self.debug_addr.trim() {
            "off" | "none" | "" => None,
            raw => {
                let addr: SocketAddr = raw.parse().map_err(|_| {
                    FlagError(format!(
                        "--debug-addr {} is not an address (allowed: IP:PORT such as 127.0.0.1:6060, or off)",
                        shown(raw)
                    ))
                })?;
                crate::debug::check_addr(addr, self.debug_allow_remote).map_err(FlagError)?;
                Some(addr)
            }
        };
        if let Some(path) = &self.out {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
            if path.is_dir() || dir.is_some_and(|d| !d.is_dir()) {
                return Err(FlagError(format!(
                    "--out {} cannot be written (allowed: a file in an existing directory)",
                    shown(&path.display().to_string())
                )));
            }
        }
        Ok(MonitorPlan {
            options: FollowOptions {
                socket: self.docker_socket.clone().unwrap_or_else(socket_from_env),
                monitor: MonitorConfig {
                    rotation,
                    heartbeat,
                    variant: match self.variant {
                        MonitorVariant::Split => Variant::Fixed,
                        MonitorVariant::Shared => Variant::Buggy,
                    },
                },
                selector: Selector {
                    label: self.label.clone(),
                },
                out: self.out.clone(),
                debug_addr,
                ..FollowOptions::default()
            },
            duration,
        })
    }
}

/// `leakscope monitor --docker`: follows the engine's containers until
/// `--duration` has passed or Ctrl-C / SIGTERM arrives, drains every task,
/// and prints the summary to `out`.
///
/// # Errors
///
/// [`FlagError`] for a bad flag; a failure to create `--out`, to listen on
/// `--debug-addr`, to start the runtime, or to write.
pub fn run_monitor(args: &MonitorArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let plan = args.plan()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let summary = rt.block_on(async {
        let follower = Follower::start(plan.options.clone()).await?;
        if let Some(addr) = follower.debug_addr() {
            eprintln!(
                "leakscope: debug endpoint on http://{addr}/debug/tasks?debug=1 and /metrics"
            );
        }
        wait_for_stop(plan.duration).await;
        follower.stop().await
    })?;
    write_all(out, &summary.render())?;
    Ok(Status::Pass)
}

/// Returns after `duration`, or at Ctrl-C or SIGTERM.
async fn wait_for_stop(duration: Option<Duration>) {
    let timer = async {
        match duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = timer => {}
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[derive(Debug, Parser)]
    enum Cli {
        Check(CheckArgs),
        Monitor(MonitorArgs),
    }

    fn check(args: &[&str]) -> Result<Scenario, FlagError> {
        let mut full = vec!["x", "check"];
        full.extend_from_slice(args);
        match Cli::try_parse_from(full).unwrap() {
            Cli::Check(a) => a.scenario(),
            Cli::Monitor(_) => unreachable!(),
        }
    }

    fn monitor(args: &[&str]) -> Result<MonitorPlan, FlagError> {
        let mut full = vec!["x", "monitor"];
        full.extend_from_slice(args);
        match Cli::try_parse_from(full).unwrap() {
            Cli::Monitor(a) => a.plan(),
            Cli::Check(_) => unreachable!(),
        }
    }

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn scenario_flags_override_the_preset() {
        let s = check(&[
            "--preset",
            "fase3",
            "--containers",
            "3",
            "--rotation",
            "0.5",
        ])
        .unwrap();
        assert_eq!((s.containers, s.minutes, s.rotation_secs), (3, 10, 30));
        assert_eq!(check(&[]).unwrap(), Preset::Fase6.scenario());
    }

    #[test]
    fn bad_scenario_flags_name_themselves_and_their_range() {
        assert_eq!(
            check(&["--containers", "-5"]).unwrap_err().0,
            "--containers -5 is out of range (allowed: 1 to 10000)"
        );
        assert_eq!(
            check(&["--error-rate", "2"]).unwrap_err().0,
            "--error-rate 2 is out of range (allowed: 0 to 1)"
        );
        assert_eq!(
            check(&["--seed", "x"]).unwrap_err().0,
            "--seed x is not a number (allowed: 0 to 18446744073709551615)"
        );
    }

    #[test]
    fn bad_monitor_flags_name_themselves() {
        assert!(
            monitor(&["--docker", "--rotation", "0s"])
                .unwrap_err()
                .0
                .starts_with("--rotation 0s is out of range")
        );
        assert!(
            monitor(&["--docker", "--rotation", "soon"])
                .unwrap_err()
                .0
                .starts_with("--rotation soon is not a duration")
        );
        assert!(
            monitor(&["--docker", "--debug-addr", "0.0.0.0:6060"])
                .unwrap_err()
                .0
                .starts_with("--debug-addr 0.0.0.0:6060 is not a loopback address")
        );
        assert!(
            monitor(&[
                "--docker",
                "--debug-addr",
                "0.0.0.0:6060",
                "--debug-allow-remote"
            ])
            .is_ok()
        );
        assert!(monitor(&[]).unwrap_err().0.contains("--docker"));
        let plan = monitor(&[
            "--docker",
            "--rotation",
            "1s",
            "--duration",
            "2m",
            "--variant",
            "shared",
        ])
        .unwrap();
        assert_eq!(plan.options.monitor.rotation, Duration::from_secs(1));
        assert_eq!(plan.options.monitor.variant, Variant::Buggy);
        assert_eq!(plan.duration, Some(Duration::from_secs(120)));
    }

    #[test]
    fn a_missing_engine_is_retried_and_the_run_still_drains_and_exits_0() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("missing.sock");
        let out = dir.path().join("lines.jsonl");
        let (socket, out) = (socket.display().to_string(), out.display().to_string());
        let plan = [
            "--docker",
            "--docker-socket",
            &socket,
            "--duration",
            "1200ms",
            "--debug-addr",
            "127.0.0.1:0",
            "--out",
            &out,
        ];
        let Cli::Monitor(args) =
            Cli::try_parse_from(["x", "monitor"].iter().chain(plan.iter())).unwrap()
        else {
            unreachable!()
        };
        let mut text = Vec::new();
        assert_eq!(run_monitor(&args, &mut text).unwrap(), Status::Pass);
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains("the Docker engine was never reached"),
            "{text}"
        );
        assert!(
            text.contains("drained: every task ended, census back at 0"),
            "{text}"
        );
    }

    #[test]
    fn check_exits_1_on_a_leak_and_prints_the_report() {
        let Cli::Check(args) = Cli::try_parse_from([
            "x",
            "check",
            "--preset",
            "fase3",
            "--error-rate",
            "1",
            "--format",
            "json",
        ])
        .unwrap() else {
            unreachable!()
        };
        let mut out = Vec::new();
        assert_eq!(run_check(&args, &mut out).unwrap(), Status::Leak);
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(json["source"], "real");
        let Cli::Check(args) = Cli::try_parse_from(["x", "check", "--preset", "fase3"]).unwrap()
        else {
            unreachable!()
        };
        let mut out = Vec::new();
        assert_eq!(run_check(&args, &mut out).unwrap(), Status::Pass);
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("verdict                           pass      pass"),
            "{text}"
        );
    }
}
