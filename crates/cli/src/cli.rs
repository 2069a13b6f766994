//! The command line as clap sees it: raw flags, checked later by
//! [`crate::config`].
//!
//! Numeric flags are taken as text on purpose: clap would reject `-5` or
//! `1e12` with its own multi-line message before the core could say what
//! the allowed range is, so [`crate::config`] parses them and names the
//! range in one line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use leakscope_sim::{Param, Preset};

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
    /// a LeakProf-style rule) predicted for each program; with --against,
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

/// The scenario flags every single-scenario subcommand shares. Flags
/// override the preset's values.
#[derive(Debug, Clone, Default, Args)]
pub struct ScenarioArgs {
    /// Start from this preset's scenario [default: fase6].
    #[arg(long, value_enum, ignore_case = true)]
    pub preset: Option<PresetName>,
    /// Containers followed (range: `Param::Containers`).
    #[arg(long, help = param_help(Param::Containers, "Containers followed"), value_name = "N", allow_hyphen_values = true)]
    pub containers: Option<String>,
    /// Length of the run in minutes (range: `Param::Minutes`).
    #[arg(long, help = param_help(Param::Minutes, "Length of the run in minutes"), value_name = "M", allow_hyphen_values = true)]
    pub minutes: Option<String>,
    /// Rotation period in minutes, decimals allowed (range: `Param::Rotation`).
    #[arg(long, help = param_help(Param::Rotation, "Rotation period in minutes, decimals allowed"), value_name = "MIN", allow_hyphen_values = true)]
    pub rotation: Option<String>,
    /// Heartbeat period in seconds (range: `Param::Heartbeat`).
    #[arg(long, help = param_help(Param::Heartbeat, "Heartbeat period in seconds"), value_name = "SECS", allow_hyphen_values = true)]
    pub heartbeat: Option<String>,
    /// Probability that a rotation's stream fails (range: `Param::ErrorRate`).
    #[arg(long, help = param_help(Param::ErrorRate, "Probability that a rotation's stream fails"), value_name = "P", allow_hyphen_values = true)]
    pub error_rate: Option<String>,
    /// Goroutines a failed stream ties up, its reader included (range: `Param::GoroutinesPerReader`).
    #[arg(long, help = param_help(Param::GoroutinesPerReader, "Goroutines a failed stream ties up, its reader included"), value_name = "G", allow_hyphen_values = true)]
    pub goroutines_per_reader: Option<String>,
    /// Goroutines outside the containers' lifecycles (range: `Param::Baseline`).
    #[arg(long, help = param_help(Param::Baseline, "Goroutines outside the containers' lifecycles"), value_name = "B", allow_hyphen_values = true)]
    pub baseline: Option<String>,
    /// Seed of the stream faults (range: `Param::Seed`).
    #[arg(long, help = param_help(Param::Seed, "Seed of the stream faults"), value_name = "S", allow_hyphen_values = true)]
    pub seed: Option<String>,
    /// Log lines each container writes per minute (range: `Param::LinesPerMin`).
    #[arg(long, help = param_help(Param::LinesPerMin, "Log lines each container writes per minute"), value_name = "N", allow_hyphen_values = true)]
    pub lines_per_min: Option<String>,
    /// Call the programs' Stop() at this minute [default: none] (range: `Param::StopAt`).
    #[arg(long, help = param_help(Param::StopAt, "Call the programs' Stop() at this minute [default: none]"), value_name = "M", allow_hyphen_values = true)]
    pub stop_at: Option<String>,
}

/// `--program LIST`, for the subcommands that run several programs.
#[derive(Debug, Clone, Args)]
pub struct ProgramList {
    /// Programs to run: comma-separated names, or `all` (`leakscope
    /// programs` lists them).
    #[arg(
        long,
        value_name = "LIST",
        default_value = "buggy,fixed",
        allow_hyphen_values = true
    )]
    pub program: String,
}

/// `leakscope programs`.
#[derive(Debug, Args)]
pub struct ProgramsArgs {
    /// Also print each program's Go text.
    #[arg(long)]
    pub source: bool,
}

/// `leakscope sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// The scenario.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The programs to run.
    #[command(flatten)]
    pub programs: ProgramList,
    /// How to print the result.
    #[arg(long, value_enum, default_value_t = SimFormat::Table)]
    pub format: SimFormat,
}

/// `leakscope dump`.
#[derive(Debug, Args)]
pub struct DumpArgs {
    /// The scenario.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The program to dump (`leakscope programs` lists them).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "buggy",
        allow_hyphen_values = true
    )]
    pub program: String,
    /// The instant, in minutes from the start (decimals allowed, 0 to the
    /// run's length).
    #[arg(long, value_name = "MINUTES", allow_hyphen_values = true)]
    pub at: String,
    /// Only this container's goroutines (0 to containers − 1) [default: the
    /// whole run].
    #[arg(long, value_name = "K", allow_hyphen_values = true)]
    pub container: Option<String>,
    /// 2: one block per goroutine; 1: grouped by stack, with counts.
    #[arg(
        long,
        value_name = "1|2",
        default_value = "2",
        allow_hyphen_values = true
    )]
    pub debug: String,
}

/// `leakscope chart`.
#[derive(Debug, Args)]
pub struct ChartArgs {
    /// The scenario.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The programs to run.
    #[command(flatten)]
    pub programs: ProgramList,
    /// Draw a recorded real run instead (`leakscope monitor --format json`
    /// writes one): its census per rotation period, measured, over the
    /// simulation of the same schedule.
    #[arg(
        long,
        value_name = "RUN.json",
        conflicts_with_all = [
            "preset", "containers", "minutes", "rotation", "heartbeat", "error_rate",
            "goroutines_per_reader", "baseline", "seed", "lines_per_min", "stop_at", "program",
        ]
    )]
    pub from: Option<PathBuf>,
    /// The file to write; `.svg` or `.png` decides the format.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Width in pixels.
    #[arg(
        long,
        help = format!("Width in pixels (allowed: {})", crate::commands::WIDTH_RANGE),
        value_name = "W",
        default_value = "1000",
        allow_hyphen_values = true
    )]
    pub width: String,
    /// Height in pixels.
    #[arg(
        long,
        help = format!("Height in pixels (allowed: {})", crate::commands::HEIGHT_RANGE),
        value_name = "H",
        default_value = "600",
        allow_hyphen_values = true
    )]
    pub height: String,
}

/// `leakscope sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Start from this preset's scenario [default: fase6].
    #[arg(long, value_enum, ignore_case = true)]
    pub preset: Option<PresetName>,
    /// Containers, comma-separated [default: the preset's].
    #[arg(long, help = sweep_help(Param::Containers, "Containers, comma-separated", true), value_name = "LIST", allow_hyphen_values = true)]
    pub containers: Option<String>,
    /// Error rates, comma-separated [default: the preset's].
    #[arg(long, help = sweep_help(Param::ErrorRate, "Error rates, comma-separated", true), value_name = "LIST", allow_hyphen_values = true)]
    pub error_rate: Option<String>,
    /// Rotation periods in minutes, comma-separated [default: the preset's].
    #[arg(long, help = sweep_help(Param::Rotation, "Rotation periods in minutes, comma-separated", true), value_name = "LIST", allow_hyphen_values = true)]
    pub rotation: Option<String>,
    /// Length of every run in minutes [default: the preset's].
    #[arg(long, help = sweep_help(Param::Minutes, "Length of every run in minutes", false), value_name = "M", allow_hyphen_values = true)]
    pub minutes: Option<String>,
    /// Heartbeat period in seconds [default: the preset's].
    #[arg(long, help = sweep_help(Param::Heartbeat, "Heartbeat period in seconds", false), value_name = "SECS", allow_hyphen_values = true)]
    pub heartbeat: Option<String>,
    /// Goroutines a failed stream ties up [default: the preset's].
    #[arg(long, help = sweep_help(Param::GoroutinesPerReader, "Goroutines a failed stream ties up", false), value_name = "G", allow_hyphen_values = true)]
    pub goroutines_per_reader: Option<String>,
    /// Goroutines outside the containers' lifecycles [default: the preset's].
    #[arg(long, help = sweep_help(Param::Baseline, "Goroutines outside the containers' lifecycles", false), value_name = "B", allow_hyphen_values = true)]
    pub baseline: Option<String>,
    /// Seeds per setting.
    #[arg(
        long,
        help = format!("Seeds per setting (allowed: 1 to {})", crate::commands::MAX_SEEDS),
        value_name = "K",
        default_value = "10",
        allow_hyphen_values = true
    )]
    pub seeds: String,
    /// The first seed; the others follow it.
    #[arg(
        long,
        value_name = "S",
        default_value = "1",
        allow_hyphen_values = true
    )]
    pub seed_start: String,
    /// The programs to run.
    #[command(flatten)]
    pub programs: ProgramList,
    /// How to write the summary.
    #[arg(long, value_enum, default_value_t = SweepFormat::Csv)]
    pub format: SweepFormat,
    /// Write the summary to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `leakscope fingerprint`.
#[derive(Debug, Args)]
pub struct FingerprintArgs {
    /// The scenario.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The programs to run.
    #[command(flatten)]
    pub programs: ProgramList,
    /// Run the fixed conformance list instead of one scenario.
    #[arg(long, conflicts_with = "ScenarioArgs")]
    pub conformance: bool,
}

/// `leakscope faults`.
#[derive(Debug, Args)]
pub struct FaultsArgs {
    /// The scenario.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// How to print the list.
    #[arg(long, value_enum, default_value_t = FaultsFormat::Table)]
    pub format: FaultsFormat,
}

/// `leakscope detect`.
#[derive(Debug, Args)]
pub struct DetectArgs {
    /// The scenario; `Stop()` is called at its end (or at --stop-at) for
    /// the detectors that judge a shutdown.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The programs.
    #[command(flatten)]
    pub programs: ProgramList,
    /// What the Go tests measured, one JSON file per program (`go test -run
    /// TestDetect … -detect FILE`); each must be of this scenario.
    #[arg(long, value_name = "FILE")]
    pub against: Vec<std::path::PathBuf>,
    /// How to print the matrix.
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub format: CheckFormat,
}

/// `leakscope report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Measured runs, one JSON file each (a program's samples and Stop()
    /// outcome, its runtime and scenario), all of one scenario.
    #[arg(required = true, value_name = "RUN.json")]
    pub runs: Vec<std::path::PathBuf>,
    /// Also simulate the scenario and compare every sample and the Stop()
    /// outcome; the differences go to standard error, and any makes the
    /// exit code 1.
    #[arg(long)]
    pub against_sim: bool,
    /// How to print the runs.
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub format: CheckFormat,
}

/// `leakscope check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The scenario.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The programs to run.
    #[command(flatten)]
    pub programs: ProgramList,
    /// How to print the result.
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub format: CheckFormat,
}

/// `leakscope monitor`.
#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// Follow the containers of the local Docker engine (the only source).
    #[arg(long)]
    pub docker: bool,
    /// The program whose port runs (`leakscope programs` lists them).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "fixed",
        allow_hyphen_values = true
    )]
    pub program: String,
    /// How long each log stream is followed before it is reopened (100ms
    /// to 24h; e.g. 500ms, 1s, 5m).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "5m",
        allow_hyphen_values = true
    )]
    pub rotation: String,
    /// Period of each container's heartbeat inspection (100ms to 1h).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30s",
        allow_hyphen_values = true
    )]
    pub heartbeat: String,
    /// Only containers with this label.
    #[arg(long, value_name = "K=V", allow_hyphen_values = true)]
    pub label: Option<String>,
    /// Stop after this long (1ms to 365 days; e.g. 30s, 10m) [default:
    /// until Ctrl-C or SIGTERM].
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub duration: Option<String>,
    /// Write every line as JSON (`{"container":…,"ts":…,"line":…}`) to
    /// this file.
    #[arg(long, value_name = "FILE.jsonl")]
    pub out: Option<PathBuf>,
    /// Serve /debug/tasks and /metrics here (port 0: any free port); `off`
    /// to serve nothing.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:6060")]
    pub debug_addr: String,
    /// Allow a --debug-addr that is not a loopback address.
    #[arg(long)]
    pub debug_allow_remote: bool,
    /// The engine's unix socket [default: DOCKER_HOST (unix://…) or
    /// /var/run/docker.sock].
    #[arg(long, value_name = "PATH")]
    pub docker_socket: Option<String>,
    /// Inject half-open faults: follow the engine through a proxy that
    /// stops forwarding a failing stream's bytes, keeping its connection
    /// open (rotation n of a container fails as the core's fault schedule
    /// says); a stream with no byte for 200ms is then failed at its rotation.
    #[arg(long)]
    pub inject_faults: bool,
    /// With --inject-faults: the probability that a rotation's stream fails
    /// (0 to 1).
    #[arg(
        long,
        value_name = "P",
        default_value = "0.1",
        requires = "inject_faults",
        allow_hyphen_values = true
    )]
    pub error_rate: String,
    /// With --inject-faults: the fault schedule's seed.
    #[arg(
        long,
        value_name = "S",
        default_value = "42",
        requires = "inject_faults",
        allow_hyphen_values = true
    )]
    pub seed: String,
    /// How to print the summary at exit: `json` is the recorded run (the
    /// census of every rotation period, the faults realized) that
    /// `leakscope chart --from` draws and compares with the simulation.
    #[arg(long, value_enum, default_value_t = MonitorFormat::Text)]
    pub format: MonitorFormat,
}

/// The output formats of `monitor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MonitorFormat {
    /// Totals, a row per container, the census over time.
    Text,
    /// The recorded run, as JSON.
    Json,
}

/// `leakscope analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The dump to read: Go's /debug/pprof/goroutine?debug=2 or ?debug=1
    /// text, the goroutineleak profile's, or any text holding goroutines Go
    /// printed (a panic, a fatal error, SIGQUIT, a go test timeout,
    /// runtime.Stack), prose around them allowed; `-` for standard input.
    /// With a second dump, this is the older one; a file holding several
    /// dumps is a series (the last analysed, growth from the first).
    #[arg(value_name = "FILE|OLD", allow_hyphen_values = true)]
    pub first: String,
    /// A newer dump of the same process: analysed, with the groups that grew
    /// since the first.
    #[arg(value_name = "NEW", allow_hyphen_values = true)]
    pub second: Option<String>,
    /// A goroutine waiting in sync.(*WaitGroup).Wait this many whole
    /// minutes or more is a stalled waiter.
    #[arg(
        long,
        help = format!(
            "A goroutine blocked this many whole minutes or more is a long wait; in sync.(*WaitGroup).Wait, a stalled waiter (allowed: {})",
            crate::commands::STALLED_AFTER_RANGE
        ),
        value_name = "MINUTES",
        default_value = "10",
        allow_hyphen_values = true
    )]
    pub stalled_after: String,
    /// A pile: at least this many goroutines blocked in one state at one
    /// site, started at one site...
    #[arg(
        long,
        help = format!(
            "A pile: at least this many goroutines blocked in one state at one site, started at one site (allowed: {}) ...",
            crate::commands::PILE_MIN_RANGE
        ),
        value_name = "GOROUTINES",
        default_value = "100",
        allow_hyphen_values = true
    )]
    pub pile_min: String,
    /// ...and at least this share of the dump.
    #[arg(
        long,
        help = "... and at least this percent of the dump's goroutines (allowed: 0 to 100). The defaults, 100 and 10%, name the piles of leaked dumps (5,067 of 5,171 goroutines at one chan receive; 12,096 of 20,161 in sync.Cond.Wait; the lesson's 633 readers of 1,958) and not a healthy service's few dozen connection goroutines",
        value_name = "PERCENT",
        default_value = "10",
        allow_hyphen_values = true
    )]
    pub pile_share: String,
    /// How to print the result.
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Table)]
    pub format: AnalyzeFormat,
}

/// `leakscope watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The service's goroutine endpoint, http only; without a path,
    /// /debug/pprof/goroutine?debug=2 (debug=1 works too, without following
    /// waiters by goroutine id).
    #[arg(value_name = "URL", allow_hyphen_values = true)]
    pub url: String,
    /// Time between polls (1ms to 1h; e.g. 500ms, 10s).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "10s",
        allow_hyphen_values = true
    )]
    pub interval: String,
    /// How long to watch (at least two intervals, up to 365 days).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "5m",
        allow_hyphen_values = true
    )]
    pub duration: String,
    /// The seed's test: how long a program minute lasts, the growth allowed.
    #[command(flatten)]
    pub test: SeedTestArgs,
    /// A goroutine seen in sync.(*WaitGroup).Wait in every poll for this
    /// many program minutes is a waiter that never returns.
    #[arg(
        long,
        help = format!(
            "A goroutine seen in sync.(*WaitGroup).Wait in every poll for this many program minutes is a waiter that never returns (allowed: {})",
            crate::commands::STALLED_AFTER_RANGE
        ),
        value_name = "MINUTES",
        default_value = "10",
        allow_hyphen_values = true
    )]
    pub stalled_after: String,
    /// How to print the result.
    #[arg(long, value_enum, default_value_t = WatchFormat::Table)]
    pub format: WatchFormat,
    /// Keep every dump in this directory (new or empty) as poll-0001.txt,
    /// poll-0002.txt…
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// The seed's test, as `watch` and `fleet` take it.
#[derive(Debug, Args)]
pub struct SeedTestArgs {
    /// How long one minute of the watched program lasts (1ms to 24h): 1m
    /// for a real service, less for one on a scaled clock.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "1m",
        allow_hyphen_values = true
    )]
    pub minute: String,
    /// Goroutines per program minute a run (and a group) may grow by.
    #[arg(
        long,
        value_name = "N",
        default_value = "2",
        allow_hyphen_values = true
    )]
    pub limit_per_min: String,
}

/// `leakscope fleet`.
#[derive(Debug, Args)]
pub struct FleetArgs {
    /// Prometheus' base URL (http or https, the system's roots);
    /// VictoriaMetrics, Thanos and Mimir speak the same query API (tested
    /// only against Prometheus). Credentials from the environment only:
    /// LEAKSCOPE_PROMETHEUS_TOKEN (Authorization: Bearer), or
    /// LEAKSCOPE_PROMETHEUS_USER and LEAKSCOPE_PROMETHEUS_PASSWORD (basic
    /// auth).
    #[arg(long, value_name = "URL", required = true, allow_hyphen_values = true)]
    pub prometheus: String,
    /// The PromQL expression whose series are tested, e.g.
    /// 'go_goroutines{job="api"}'.
    #[arg(
        long,
        value_name = "PROMQL",
        required = true,
        allow_hyphen_values = true
    )]
    pub query: String,
    /// The range, ending now (1ms to 366 days) [default: 1h].
    #[arg(
        long,
        value_name = "DURATION",
        conflicts_with_all = ["start", "end"],
        allow_hyphen_values = true
    )]
    pub range: Option<String>,
    /// The range's start, RFC 3339 (2026-12-01T10:00:00Z) or Unix seconds.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub start: Option<String>,
    /// With --start: the range's end [default: now].
    #[arg(
        long,
        value_name = "TIME",
        requires = "start",
        allow_hyphen_values = true
    )]
    pub end: Option<String>,
    /// Time between points (1ms to 24h).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "15s",
        allow_hyphen_values = true
    )]
    pub step: String,
    /// The seed's test: how long a program minute lasts, the growth allowed.
    #[command(flatten)]
    pub test: SeedTestArgs,
    /// How to print the result.
    #[arg(long, value_enum, default_value_t = FleetFormat::Table)]
    pub format: FleetFormat,
}

/// A preset, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PresetName {
    /// 8 containers for 10 minutes; both versions pass.
    Fase3,
    /// 55 containers for 58 minutes; only the fixed version passes.
    Fase6,
}

impl From<PresetName> for Preset {
    fn from(p: PresetName) -> Preset {
        match p {
            PresetName::Fase3 => Preset::Fase3,
            PresetName::Fase6 => Preset::Fase6,
        }
    }
}

/// The output formats of `sim`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimFormat {
    /// The timeline side by side, then growth, limit and verdict.
    Table,
    /// One report object.
    Json,
    /// One row per program and minute.
    Csv,
}

/// The output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// The timeline side by side, then growth, limit and verdict.
    Table,
    /// One report object, as `sim`'s, with `"source": "real"`.
    Json,
}

/// The output formats of `faults`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FaultsFormat {
    /// A line per container with failures, then the totals.
    Table,
    /// One object: the scenario, rotations listed per container, the
    /// failing rotations.
    Json,
}

/// The output formats of `analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnalyzeFormat {
    /// The groups, largest first, then the suspects in sentences.
    Table,
    /// One object: the groups, the suspects and their sentences.
    Json,
}

/// The output formats of `watch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WatchFormat {
    /// The test on the totals, the groups by growth, then the findings.
    Table,
    /// One object: the polls, the test, every group's growth, the stuck
    /// waiters and the findings.
    Json,
    /// One row per poll: elapsed_s, program_minute, goroutines.
    Csv,
}

/// The output formats of `fleet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FleetFormat {
    /// One line per series, worst first.
    Table,
    /// One object: the query, the counts, every series' test.
    Json,
    /// One row per series, worst first.
    Csv,
}

/// The output formats of `sweep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SweepFormat {
    /// One row per setting and program.
    Csv,
    /// One object with a row per setting and program.
    Json,
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

/// `leakscope vet`.
#[derive(Debug, Args)]
pub struct VetArgs {
    /// The directory whose packages (and those below it) are checked.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Build tags, comma-separated, as `go build -tags` takes them (the
    /// programs of go/monitor need one: buggy, close_only, wait_timeout or
    /// fixed).
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    pub tags: Option<String>,
    /// How to print the findings.
    #[arg(long, value_enum, default_value_t = VetFormat::Table)]
    pub format: VetFormat,
}

/// The output formats of `vet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VetFormat {
    /// One finding per line: rule, file:line:column, message.
    Table,
    /// `{"findings":[{"rule","file","line","column","message"}]}`, as wgvet
    /// writes it.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning, paths relative to the
    /// repository root.
    Sarif,
}
