//! The flags of the subcommands that ask the core: the scenario flags they
//! share, `--program`, and each one's own.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use leakscope_sim::{Param, Preset};

use super::{param_help, sweep_help};

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

/// The output formats of `sweep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SweepFormat {
    /// One row per setting and program.
    Csv,
    /// One object with a row per setting and program.
    Json,
}
