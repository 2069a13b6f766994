//! Each subcommand: checked flags in, the core's (or the monitor
//! library's) answers out.

use std::io::Write as _;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use leakscope_monitor::follow::FollowError;
use leakscope_monitor::run::{self as monitor_run, Notice, Plan, RunError};
use leakscope_monitor::{check, duration};
use leakscope_sim::{Program, Report, Scenario, Trace, Verdict, simulate};
use rayon::prelude::*;

use crate::chart::{self, ChartData};
use crate::cli::{CheckFormat, Command, ProgramsArgs, SimFormat, SweepFormat};
use crate::config::{
    self, ChartConfig, CheckConfig, DumpConfig, FingerprintConfig, ImageFormat, SimConfig,
    SweepConfig,
};
use crate::error::{InputError, shown};
use crate::output::{OutFile, io_reason, print};
use crate::{csv, sweep, table};

/// How a command that ran ended, for the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Done; every `check` run passed: exit code 0.
    Done,
    /// A `check` run leaked: exit code 1, the report on standard output.
    Leak,
}

impl Status {
    /// The process exit code: 0 or 1.
    pub const fn code(self) -> u8 {
        match self {
            Status::Done => 0,
            Status::Leak => 1,
        }
    }
}

/// Runs one parsed command line.
pub fn execute(command: Command) -> anyhow::Result<Status> {
    let done = |r: anyhow::Result<()>| r.map(|()| Status::Done);
    match command {
        Command::Sim(args) => done(sim(&config::sim(&args)?)),
        Command::Programs(args) => done(programs(&args)),
        Command::Dump(args) => done(dump(&config::dump(&args)?)),
        Command::Chart(args) => done(chart(&config::chart(&args)?)),
        Command::Sweep(args) => done(run_sweep(&config::sweep(&args)?)),
        Command::Fingerprint(args) => done(fingerprint(&config::fingerprint(&args)?)),
        Command::Check(args) => run_check(&config::check(&args)?),
        Command::Monitor(args) => monitor(&config::monitor(&args)?),
    }
}

/// The traces of `programs`, in the order given.
fn traces(scenario: &Scenario, programs: &[Program]) -> anyhow::Result<Vec<Trace>> {
    programs
        .par_iter()
        .map(|&p| simulate(scenario, p).with_context(|| format!("simulating the {p} program")))
        .collect()
}

/// `programs`: every program the core knows, with what it costs.
fn programs(args: &ProgramsArgs) -> anyhow::Result<()> {
    let mut text = String::new();
    for p in Program::ALL {
        let def = p.def();
        text.push_str(&format!("{:<13} {}\n", p.name(), def.title));
        for line in crate::table::wrap(def.summary, 64) {
            text.push_str(&format!("{:<13} {line}\n", ""));
        }
        if args.source {
            text.push('\n');
            text.push_str(p.source());
        }
        text.push('\n');
    }
    print(&text)
}

fn sim(config: &SimConfig) -> anyhow::Result<()> {
    let sc = &config.scenario;
    let traces = traces(&sc.scenario, &config.programs)?;
    let text = match config.format {
        SimFormat::Table => table::render(sc.name(), &Report::from_traces(&sc.scenario, &traces)),
        SimFormat::Json => {
            serde_json::to_string_pretty(&Report::from_traces(&sc.scenario, &traces))? + "\n"
        }
        SimFormat::Csv => csv::render(&traces),
    };
    print(&text)
}

fn dump(config: &DumpConfig) -> anyhow::Result<()> {
    let trace = simulate(&config.scenario.scenario, config.program)?;
    print(&trace.dump(config.at, config.container, config.format)?)
}

fn chart(config: &ChartConfig) -> anyhow::Result<()> {
    // Claim the output first: a bad --out must fail before the work, and a
    // failure during it must leave nothing at the target.
    let mut out = OutFile::create("--out", &config.out)?;
    let traces = traces(&config.scenario.scenario, &config.programs)?;
    let data = ChartData::new(&config.scenario, &traces);
    match config.format {
        ImageFormat::Svg => {
            out.write_all(chart::svg(&data, config.width, config.height)?.as_bytes())?
        }
        ImageFormat::Png => chart::png(&data, config.width, config.height, out.temp_path())?,
    }
    out.commit()
}

fn progress_bar(runs: u64) -> ProgressBar {
    // indicatif draws nothing when standard error is not a terminal, so
    // scripts and tests see only the result.
    let bar = ProgressBar::with_draw_target(Some(runs), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{spinner} [{bar:40}] {pos}/{len} runs, {eta} left")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar
}

fn run_sweep(config: &SweepConfig) -> anyhow::Result<()> {
    let mut out = match &config.out {
        Some(path) => Some(OutFile::create("--out", path)?),
        None => None,
    };
    let runs = (config.settings.len() * config.seeds.len() * config.programs.len()) as u64;
    let bar = progress_bar(runs);
    let summaries = sweep::run(config, &bar);
    bar.finish_and_clear();
    let summaries = summaries?;
    let text = match config.format {
        SweepFormat::Csv => sweep::csv(&summaries),
        SweepFormat::Json => sweep::json(config, &summaries)?,
    };
    match out.as_mut() {
        Some(file) => {
            file.write_all(text.as_bytes())?;
            out.map_or(Ok(()), OutFile::commit)
        }
        None => print(&text),
    }
}

/// One line per run: name, program, fingerprint in 16 hex digits.
pub fn fingerprint_lines(config: &FingerprintConfig) -> anyhow::Result<String> {
    let runs: Vec<(&str, &Scenario, Program)> = config
        .scenarios
        .iter()
        .flat_map(|(name, s)| config.programs.iter().map(move |&p| (name.as_str(), s, p)))
        .collect();
    let lines = runs
        .par_iter()
        .map(|&(name, s, p)| {
            let trace = simulate(s, p).with_context(|| format!("simulating {name} {p}"))?;
            Ok(format!("{name} {p} {:016x}\n", trace.fingerprint()))
        })
        .collect::<anyhow::Result<Vec<String>>>()?;
    Ok(lines.concat())
}

fn fingerprint(config: &FingerprintConfig) -> anyhow::Result<()> {
    print(&fingerprint_lines(config)?)
}

/// `check`: the real monitor's report, printed as `sim` prints its own.
fn run_check(config: &CheckConfig) -> anyhow::Result<Status> {
    let sc = &config.scenario;
    let report = check::report(&sc.scenario, &config.programs)
        .context("running the real monitor on synthetic containers")?;
    let text = match config.format {
        CheckFormat::Table => table::render(sc.name(), &report),
        CheckFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    print(&text)?;
    let leak = report.runs.iter().any(|r| r.verdict == Verdict::Leak);
    Ok(if leak { Status::Leak } else { Status::Done })
}

/// A notice of the running monitor, as a line for standard error.
pub fn notice_line(notice: &Notice) -> String {
    match notice {
        Notice::DebugEndpoint(addr) => {
            format!("debug endpoint on http://{addr}/debug/tasks?debug=1 and /metrics")
        }
        Notice::EngineUnreachable { socket, why, retry } => format!(
            "cannot reach the Docker engine at {socket} ({why}); retrying every {}",
            duration::format(*retry)
        ),
        Notice::EngineBack { socket } => {
            format!("the Docker engine at {socket} answers again")
        }
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
fn monitor(plan: &Plan) -> anyhow::Result<Status> {
    let summary = monitor_run::run(plan, |notice| {
        // A closed standard error cannot be told anything.
        let _ = writeln!(std::io::stderr(), "leakscope: {}", notice_line(&notice));
    })
    .map_err(monitor_error)?;
    print(&summary.render())?;
    Ok(Status::Done)
}
