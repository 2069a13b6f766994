//! `leakscope monitor`: the real monitor following a Docker engine's
//! containers until `--duration`, Ctrl-C or SIGTERM, then its summary.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use leakscope_monitor::MonitorConfig;
use leakscope_monitor::debug;
use leakscope_monitor::docker::{Selector, socket_from_env};
use leakscope_monitor::follow::{FollowError, FollowOptions};
use leakscope_monitor::halfopen::FaultPlan;
use leakscope_monitor::run::{self as monitor_run, Plan, RunError, RunNotice};
use leakscope_sim::{Param, Scenario};

use super::Status;
use crate::cli::{MonitorArgs, MonitorFormat};
use crate::config;
use crate::duration;
use crate::error::{InputError, shown};
use crate::output::{file_dir, io_reason, print};

/// Shortest `--rotation` and `--heartbeat` of `monitor`.
const MIN_PERIOD: Duration = Duration::from_millis(100);

/// A duration flag (`500ms`, `1s`, `5m`, `1h30m`) within `min..=max`.
pub fn parse_duration(
    flag: &str,
    raw: &str,
    min: Duration,
    max: Duration,
) -> Result<Duration, InputError> {
    let allowed = format!(
        "{} to {} in ms, s, m, h; e.g. 500ms, 1s, 5m",
        duration::format(min),
        duration::format(max)
    );
    let d = duration::parse(raw).map_err(|why| {
        InputError::new(
            flag,
            Some(raw),
            format!("is not a duration: {why}"),
            Some(&allowed),
        )
    })?;
    if d < min || d > max {
        return Err(InputError::out_of_range(flag, raw, &allowed));
    }
    Ok(d)
}

/// `--debug-addr`: an address, or `off`; loopback unless remote access is
/// allowed.
fn debug_addr(raw: &str, allow_remote: bool) -> Result<Option<SocketAddr>, InputError> {
    let text = raw.trim();
    if matches!(text, "off" | "none") {
        return Ok(None);
    }
    let addr: SocketAddr = text.parse().map_err(|_| {
        InputError::new(
            "--debug-addr",
            Some(raw),
            "is not an address",
            Some("IP:PORT such as 127.0.0.1:6060, or off"),
        )
    })?;
    debug::check_addr(addr, allow_remote).map_err(|e| {
        InputError::new(
            "--debug-addr",
            None,
            e.to_string(),
            Some(&format!(
                "127.0.0.0/8 or [::1], or off; add --debug-allow-remote to serve on {}",
                addr.ip()
            )),
        )
    })?;
    Ok(Some(addr))
}

/// Checks `leakscope monitor`'s flags: every value first, so a typo is
/// named even before the missing source.
pub fn config(args: &MonitorArgs) -> Result<Plan, InputError> {
    let program = config::program(&args.program)?;
    let rotation = parse_duration(
        "--rotation",
        &args.rotation,
        MIN_PERIOD,
        Duration::from_secs(86_400),
    )?;
    let heartbeat = parse_duration(
        "--heartbeat",
        &args.heartbeat,
        MIN_PERIOD,
        Duration::from_secs(3_600),
    )?;
    let stop_after = args
        .duration
        .as_deref()
        .map(|raw| {
            parse_duration(
                "--duration",
                raw,
                Duration::from_millis(1),
                Duration::from_secs(86_400 * 365),
            )
        })
        .transpose()?;
    let selector = match &args.label {
        None => Selector::default(),
        Some(label) => Selector::labelled(label).map_err(|why| {
            InputError::new(
                "--label",
                Some(label),
                why.to_string(),
                Some("KEY=VALUE, e.g. com.example.app=web"),
            )
        })?,
    };
    let debug_addr = debug_addr(&args.debug_addr, args.debug_allow_remote)?;
    if let Some(out) = &args.out {
        file_dir("--out", out)?;
    }
    let socket = match &args.docker_socket {
        Some(path) if path.trim().is_empty() => {
            return Err(InputError::new(
                "--docker-socket",
                None,
                "needs a path",
                Some("the engine's unix socket, e.g. /var/run/docker.sock"),
            ));
        }
        Some(path) => path.clone(),
        None => socket_from_env(),
    };
    let inject = args
        .inject_faults
        .then(|| fault_plan(args, rotation))
        .transpose()?;
    if !args.docker {
        return Err(InputError::new(
            "monitor",
            None,
            "needs a source: --docker",
            Some("--docker"),
        ));
    }
    Ok(Plan {
        options: FollowOptions {
            socket,
            monitor: MonitorConfig {
                rotation,
                heartbeat,
                program,
            },
            selector,
            out: args.out.clone(),
            debug_addr,
            ..FollowOptions::default()
        },
        duration: stop_after,
        inject,
    })
}

/// `--error-rate` and `--seed` of `--inject-faults`, checked by the core
/// as a scenario's.
fn fault_plan(args: &MonitorArgs, rotation: Duration) -> Result<FaultPlan, InputError> {
    let mut scenario = Scenario::default();
    for (param, raw) in [
        (Param::ErrorRate, &args.error_rate),
        (Param::Seed, &args.seed),
    ] {
        config::apply(&mut scenario, param, raw)?;
    }
    Ok(FaultPlan {
        seed: scenario.seed,
        error_rate: scenario.error_rate,
        rotation,
    })
}

/// A notice of the running monitor, as a line for standard error.
pub fn notice_line(notice: &RunNotice) -> String {
    match notice {
        RunNotice::DebugEndpoint(addr) => {
            format!("debug endpoint on http://{addr}/debug/tasks?debug=1 and /metrics")
        }
        RunNotice::EngineUnreachable { socket, why, retry } => format!(
            "cannot reach the Docker engine at {socket} ({why}); retrying every {}",
            duration::format(*retry)
        ),
        RunNotice::EngineBack { socket } => {
            format!("the Docker engine at {socket} answers again")
        }
        RunNotice::FaultProxy {
            socket,
            engine,
            plan,
        } => format!(
            "injecting half-open faults (error rate {}, seed {}): following {engine} through {socket}",
            plan.error_rate, plan.seed
        ),
    }
}

/// A failed monitor run, told in terms of the flags that caused it.
fn monitor_error(err: RunError) -> anyhow::Error {
    match err {
        RunError::Follow(FollowError::Create { path, error }) => InputError::new(
            "--out",
            Some(&path.display().to_string()),
            format!(": cannot create it ({})", io_reason(&error)),
            None,
        )
        .into(),
        RunError::Follow(FollowError::Listen { addr, error }) => InputError::new(
            "--debug-addr",
            Some(&addr.to_string()),
            format!(": cannot listen there ({})", io_reason(&error)),
            Some("a free port, or off"),
        )
        .into(),
        RunError::Follow(FollowError::Write { path, error }) => anyhow::anyhow!(
            "--out {}: cannot write it ({})",
            shown(&path.display().to_string()),
            io_reason(&error)
        ),
        err @ RunError::Unreachable { .. } => anyhow::anyhow!(
            "{err}; is the engine running? (--docker-socket or DOCKER_HOST names its socket)"
        ),
        other => other.into(),
    }
}

/// `monitor`: follows the engine until --duration, Ctrl-C or SIGTERM,
/// telling what happens on standard error, then prints the summary.
pub fn run(plan: &Plan, format: MonitorFormat) -> anyhow::Result<Status> {
    let summary = monitor_run::run(plan, |notice| {
        // A closed standard error cannot be told anything.
        let _ = writeln!(std::io::stderr(), "leakscope: {}", notice_line(&notice));
    })
    .map_err(monitor_error)?;
    match format {
        MonitorFormat::Text => print(&crate::summary::render(&summary))?,
        MonitorFormat::Json => {
            let run = summary.recorded(&format!(
                "leakscope-monitor {} (tokio tasks) on a Docker engine",
                env!("CARGO_PKG_VERSION")
            ));
            print(&format!("{}\n", serde_json::to_string_pretty(&run)?))?;
        }
    }
    Ok(Status::Done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use leakscope_sim::Program;

    fn monitor_args(args: &[&str]) -> Result<Plan, InputError> {
        use clap::Parser;
        let mut full = vec!["leakscope", "monitor"];
        full.extend_from_slice(args);
        match crate::Cli::try_parse_from(full).unwrap().command {
            crate::cli::Command::Monitor(a) => config(&a),
            _ => unreachable!(),
        }
    }

    #[test]
    fn monitor_flags_become_the_monitors_own_types() {
        let plan = monitor_args(&[
            "--docker",
            "--rotation",
            "1s",
            "--heartbeat",
            "500ms",
            "--duration",
            "2m",
            "--program",
            "buggy",
            "--label",
            "app=web",
            "--debug-addr",
            "off",
            "--docker-socket",
            "/run/x.sock",
        ])
        .unwrap();
        let o = &plan.options;
        assert_eq!(o.monitor.rotation, Duration::from_secs(1));
        assert_eq!(o.monitor.heartbeat, Duration::from_millis(500));
        assert_eq!(o.monitor.program, Program::BUGGY);
        assert_eq!(o.selector.label.as_deref(), Some("app=web"));
        assert_eq!(o.debug_addr, None);
        assert_eq!(o.socket, "/run/x.sock");
        assert_eq!(plan.duration, Some(Duration::from_secs(120)));
        assert_eq!(plan.inject, None);

        let plan = monitor_args(&[
            "--docker",
            "--rotation",
            "2s",
            "--inject-faults",
            "--error-rate",
            "1",
            "--seed",
            "9",
        ])
        .unwrap();
        assert_eq!(
            plan.inject,
            Some(FaultPlan {
                seed: 9,
                error_rate: 1.0,
                rotation: Duration::from_secs(2),
            })
        );

        let plan = monitor_args(&["--docker"]).unwrap();
        let o = &plan.options;
        assert_eq!(o.monitor.rotation, Duration::from_secs(300));
        assert_eq!(o.monitor.heartbeat, Duration::from_secs(30));
        assert_eq!(o.monitor.program, Program::FIXED);
        assert_eq!(o.selector, Selector::default());
        assert_eq!(o.debug_addr, Some("127.0.0.1:6060".parse().unwrap()));
        assert_eq!(plan.duration, None);

        let remote = monitor_args(&[
            "--docker",
            "--debug-addr",
            "0.0.0.0:6060",
            "--debug-allow-remote",
        ])
        .unwrap();
        assert_eq!(
            remote.options.debug_addr,
            Some("0.0.0.0:6060".parse().unwrap())
        );
    }

    #[test]
    fn bad_monitor_flags_name_themselves_and_what_they_allow() {
        let msg = |args: &[&str]| monitor_args(args).unwrap_err().to_string();
        assert_eq!(
            msg(&["--docker", "--rotation", "50ms"]),
            "--rotation 50ms is out of range (allowed: 100ms to 24h in ms, s, m, h; e.g. 500ms, 1s, 5m)"
        );
        assert!(
            msg(&["--docker", "--heartbeat", "soon"])
                .starts_with("--heartbeat soon is not a duration")
        );
        assert!(
            msg(&["--docker", "--duration", "0s"]).starts_with("--duration 0s is out of range")
        );
        assert!(
            msg(&["--docker", "--debug-addr", "[::]:1"])
                .starts_with("--debug-addr [::]:1 is not a loopback address")
        );
        assert!(
            msg(&["--docker", "--label", "a b=c"])
                .starts_with("--label \"a b=c\" has whitespace in its key")
        );
        assert!(msg(&["--docker", "--out", "/"]).starts_with("--out /: is a directory"));
        assert_eq!(
            msg(&["--docker", "--inject-faults", "--error-rate", "1.5"]),
            "--error-rate 1.5 is out of range (allowed: 0 to 1)"
        );
        assert_eq!(
            msg(&[]),
            "monitor needs a source: --docker (allowed: --docker)"
        );
    }
}
