//! Each subcommand: checked flags in, the core's answers out.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use leakscope_sim::{Report, Scenario, Trace, Variant, simulate};
use rayon::prelude::*;

use crate::chart::{self, ChartData};
use crate::cli::{Command, SimFormat, SweepFormat};
use crate::config::{
    self, ChartConfig, DumpConfig, FingerprintConfig, ImageFormat, SimConfig, SweepConfig,
};
use crate::output::{OutFile, print};
use crate::{csv, sweep, table};

/// Runs one parsed command line.
pub fn execute(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Sim(args) => sim(&config::sim(&args)?),
        Command::Dump(args) => dump(&config::dump(&args)?),
        Command::Chart(args) => chart(&config::chart(&args)?),
        Command::Sweep(args) => run_sweep(&config::sweep(&args)?),
        Command::Fingerprint(args) => fingerprint(&config::fingerprint(&args)?),
    }
}

/// The traces of `variants`, in the order given.
fn traces(scenario: &Scenario, variants: &[Variant]) -> anyhow::Result<Vec<Trace>> {
    variants
        .par_iter()
        .map(|&v| simulate(scenario, v).with_context(|| format!("simulating the {v} program")))
        .collect()
}

fn sim(config: &SimConfig) -> anyhow::Result<()> {
    let sc = &config.scenario;
    let traces = traces(&sc.scenario, &config.variants)?;
    let text = match config.format {
        SimFormat::Table => table::render(sc.name(), &sc.scenario, &traces),
        SimFormat::Json => {
            serde_json::to_string_pretty(&Report::from_traces(&sc.scenario, &traces))? + "\n"
        }
        SimFormat::Csv => csv::render(&traces),
    };
    print(&text)
}

fn dump(config: &DumpConfig) -> anyhow::Result<()> {
    let trace = simulate(&config.scenario.scenario, config.variant)?;
    print(&trace.dump(config.at, config.container, config.format)?)
}

fn chart(config: &ChartConfig) -> anyhow::Result<()> {
    // Claim the output first: a bad --out must fail before the work, and a
    // failure during it must leave nothing at the target.
    let mut out = OutFile::create("--out", &config.out)?;
    let traces = traces(&config.scenario.scenario, &Variant::ALL)?;
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
    let runs = (config.settings.len() * config.seeds.len() * config.variants.len()) as u64;
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

/// One line per run: name, variant, fingerprint in 16 hex digits.
pub fn fingerprint_lines(config: &FingerprintConfig) -> anyhow::Result<String> {
    let runs: Vec<(&str, &Scenario, Variant)> = config
        .scenarios
        .iter()
        .flat_map(|(name, s)| config.variants.iter().map(move |&v| (name.as_str(), s, v)))
        .collect();
    let lines = runs
        .par_iter()
        .map(|&(name, s, v)| {
            let trace = simulate(s, v).with_context(|| format!("simulating {name} {v}"))?;
            Ok(format!("{name} {v} {:016x}\n", trace.fingerprint()))
        })
        .collect::<anyhow::Result<Vec<String>>>()?;
    Ok(lines.concat())
}

fn fingerprint(config: &FingerprintConfig) -> anyhow::Result<()> {
    print(&fingerprint_lines(config)?)
}
