//! The command line as clap sees it: raw flags, checked later by
//! [`crate::config`].
//!
//! Numeric flags are taken as text on purpose: clap would reject `-5` or
//! `1e12` with its own multi-line message before the core could say what
//! the allowed range is, so [`crate::config`] parses them and names the
//! range in one line. The subcommands' flags are in `cli/`, by what they
//! face: the core (`simulation.rs`), the real monitor (`monitor.rs`), real
//! Go services and code (`go.rs`).

use clap::{Parser, Subcommand};
use leakscope_sim::Param;

mod go;
mod monitor;
mod simulation;

pub use go::{
    AnalyzeArgs, AnalyzeFormat, FleetArgs, FleetFormat, SeedTestArgs, VetArgs, VetFormat,
    WatchArgs, WatchFormat,
};
pub use monitor::{MonitorArgs, MonitorFormat};
pub use simulation::{
    ChartArgs, CheckArgs, CheckFormat, DetectArgs, DumpArgs, FaultsArgs, FaultsFormat,
    FingerprintArgs, PresetName, ProgramList, ProgramsArgs, ReportArgs, ScenarioArgs, SimArgs,
    SimFormat, SweepArgs, SweepFormat,
};

/// Simulate the monitor whose heartbeat and stream readers share one
/// WaitGroup, and its fix, on a virtual clock.
#[derive(Debug, Parser)]
#[command(name = "leakscope", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and print the timeline, growth and verdict per program.
    Sim(SimArgs),
    /// List the monitored programs: the seed's bug, the fixes people try,
    /// the fix.
    Programs(ProgramsArgs),
    /// Print a goroutine dump (like /debug/pprof/goroutine) at one instant.
    Dump(DumpArgs),
    /// Draw goroutines over time for the programs to an SVG or PNG file.
    Chart(ChartArgs),
    /// Run a grid of scenarios over many seeds in parallel and summarise.
    Sweep(SweepArgs),
    /// Print a fingerprint of each run's trace, to compare builds.
    Fingerprint(FingerprintArgs),
    /// List the scenario's stream faults (container, rotation, second of
    /// failure), for a harness to replay exactly the simulation's faults.
    Faults(FaultsArgs),
    /// Print runs measured outside leakscope (the Go reference's, from
    /// `cargo xtask go-run`) as `sim` prints its own; with --against-sim,
    /// exit 1 when any differs from the simulation of the same scenario.
    Report(ReportArgs),
    /// Which tool would have caught it: six leak detectors (the seed's
    /// count test, liveness, goleak, Go's goroutineleak profile, synctest,
    /// a LeakProf-style rule) and the static check wgvet, predicted for
    /// each program; with --against,
    /// compared with what the Go tests measured (exit 1 on a difference).
    Detect(DetectArgs),
    /// Run the real monitor (tokio tasks, real wait groups) on the
    /// scenario's synthetic containers under a paused clock, and report like
    /// `sim`; exit 1 when a run leaks.
    Check(CheckArgs),
    /// Follow the Docker engine's containers with the real monitor, write
    /// their lines, and print a summary on exit (Ctrl-C, SIGTERM or
    /// --duration).
    Monitor(MonitorArgs),
    /// Read a Go goroutine dump (debug=2, debug=1, goroutineleak, or the
    /// goroutines of a panic, fatal error, SIGQUIT or go test timeout, prose
    /// around them allowed), say why it exists, group its goroutines and
    /// name the suspects.
    ///
    /// Suspects, in this order: goroutines Go's leak detector marked
    /// (leaked); with an older dump (or the first of a series in one file),
    /// the groups that grew; the lesson's two (readers piled in IO wait,
    /// waiters stuck in sync.(*WaitGroup).Wait); piles (--pile-min and
    /// --pile-share) in any blocking state; long waits (--stalled-after).
    /// Each names its entry function, creator, waits, what its state means
    /// and the question to ask of the code. Lines that belong to no
    /// goroutine are skipped and counted; a text with no goroutine at all
    /// exits 2.
    Analyze(AnalyzeArgs),
    /// The seed's leak test for a live Go service: poll its goroutine
    /// endpoint, test the growth per program minute of the total and of
    /// every group, and name the growing groups and the WaitGroup waiters
    /// that never return; exit 1 when the total leaks, 3 when the service
    /// cannot be read. (`watch --prometheus …`, the old spelling of
    /// `fleet`, still runs `fleet`, with a note on standard error.)
    #[command(
        after_help = "Exit codes: 0 pass, 1 leak, 2 bad input, 3 a service that cannot be read."
    )]
    Watch(WatchArgs),
    /// The seed's leak test over a whole fleet, through the Prometheus it
    /// already has: one range query (/api/v1/query_range, paged past
    /// 11,000 points per series) of --query, the test on every series it
    /// returns, worst first; exit 1 when any series leaks.
    #[command(after_help = "Credentials come from the environment only: \
LEAKSCOPE_PROMETHEUS_TOKEN (sent as Authorization: Bearer …), or \
LEAKSCOPE_PROMETHEUS_USER and LEAKSCOPE_PROMETHEUS_PASSWORD (basic auth). \
VictoriaMetrics, Thanos and Mimir speak the same query API (tested only against Prometheus). \
Exit codes: 0 pass, 1 leak, 2 bad input, 3 Prometheus that cannot be read, a query \
it refuses, or a query that matches no series (nothing to test).")]
    Fleet(FleetArgs),
    /// Find one WaitGroup shared by two lifecycles in Go source: run wgvet
    /// (go/cmd/wgvet) on every package under DIR; exit 1 on findings, 3
    /// when wgvet or go cannot be found.
    #[command(
        after_help = "wgvet is looked for on PATH, beside the leakscope binary, then in the build's target/go/bin (where `cargo xtask test` builds it); go on PATH, then in the build's target/tools/go-venv. Rules: WG001 one WaitGroup, two lifecycles; WG002 a wait with a timeout leaks its waiter; WG003 a goroutine waits for its own group; WG004 Wait() before the stop signal. Exit codes: 0 no finding, 1 findings, 2 bad input or packages that cannot be listed, 3 wgvet or go missing."
    )]
    Vet(VetArgs),
}

/// A scenario flag's help: what it sets and, from the core, what it allows
/// (one source for every range: the core's [`Param::allowed`]).
pub fn param_help(param: Param, what: &str) -> String {
    format!("{what} (allowed: {})", param.allowed())
}

/// A sweep flag's help, its range from the core.
pub fn sweep_help(param: Param, what: &str, list: bool) -> String {
    let each = if list { "each " } else { "" };
    format!(
        "{what} (allowed: {each}{}) [default: the preset's]",
        param.allowed()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_scenario_flag_states_the_cores_range() {
        let cmd = Cli::command();
        let sim = cmd.find_subcommand("sim").unwrap();
        for p in Param::ALL {
            let flag = crate::config::flag_of(p);
            let arg = sim
                .get_arguments()
                .find(|a| a.get_long() == flag.strip_prefix("--"))
                .unwrap_or_else(|| panic!("no {flag}"));
            let help = arg.get_help().unwrap().to_string();
            assert!(
                help.ends_with(&format!("(allowed: {})", p.allowed())),
                "{flag}: {help}"
            );
        }
    }

    #[test]
    fn negative_numbers_reach_the_config_as_text() {
        let cli = Cli::try_parse_from(["leakscope", "sim", "--containers", "-5"]).unwrap();
        let Command::Sim(args) = cli.command else {
            panic!("expected sim");
        };
        assert_eq!(args.scenario.containers.as_deref(), Some("-5"));
    }

    #[test]
    fn check_takes_the_scenario_flags_and_a_program_list() {
        let cli = Cli::try_parse_from([
            "leakscope",
            "check",
            "--preset",
            "fase3",
            "--containers",
            "-5",
            "--program",
            "close-only,buggy",
        ])
        .unwrap();
        let Command::Check(args) = cli.command else {
            panic!("expected check");
        };
        assert_eq!(args.scenario.preset, Some(PresetName::Fase3));
        assert_eq!(args.scenario.containers.as_deref(), Some("-5"));
        assert_eq!(args.programs.program, "close-only,buggy");
        assert_eq!(args.format, CheckFormat::Table);
    }

    #[test]
    fn faults_takes_the_scenario_flags_and_no_program() {
        let cli = Cli::try_parse_from([
            "leakscope",
            "faults",
            "--preset",
            "fase3",
            "--seed",
            "-1",
            "--format",
            "json",
        ])
        .unwrap();
        let Command::Faults(args) = cli.command else {
            panic!("expected faults");
        };
        assert_eq!(args.scenario.preset, Some(PresetName::Fase3));
        assert_eq!(args.scenario.seed.as_deref(), Some("-1"));
        assert_eq!(args.format, FaultsFormat::Json);
        assert!(Cli::try_parse_from(["leakscope", "faults", "--program", "buggy"]).is_err());
    }

    #[test]
    fn monitor_defaults_follow_the_issue() {
        let cli = Cli::try_parse_from(["leakscope", "monitor", "--docker"]).unwrap();
        let Command::Monitor(args) = cli.command else {
            panic!("expected monitor");
        };
        assert_eq!(args.program, "fixed");
        assert_eq!(
            (args.rotation.as_str(), args.heartbeat.as_str()),
            ("5m", "30s")
        );
        assert_eq!(args.debug_addr, "127.0.0.1:6060");
        assert!(args.duration.is_none() && args.label.is_none() && args.out.is_none());
    }

    #[test]
    fn conformance_refuses_scenario_flags() {
        let err = Cli::try_parse_from(["leakscope", "fingerprint", "--conformance", "--seed", "3"])
            .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
    }
}
