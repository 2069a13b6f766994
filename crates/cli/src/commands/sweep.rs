//! `leakscope sweep`: a grid of settings × seeds × programs in parallel,
//! summarised per setting and program (the work is [`crate::sweep`]).

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use leakscope_sim::{Error, Param, Preset, Program, Scenario};

use crate::cli::{SweepArgs, SweepFormat};
use crate::config::{self, apply, flag_of, parse_int, validate};
use crate::error::InputError;
use crate::output::{OutFile, print};
use crate::sweep;

/// Most runs one sweep may ask for.
pub const MAX_SWEEP_RUNS: u64 = 1_000_000;

/// Most seeds per setting.
pub const MAX_SEEDS: u32 = 10_000;

/// `leakscope sweep`, checked: every setting is a valid scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepConfig {
    /// The settings, seed left at the base's; each runs once per seed.
    pub settings: Vec<Scenario>,
    /// The seeds, `seed_start` first.
    pub seeds: Vec<u64>,
    /// The programs to run, in the core's order.
    pub programs: Vec<Program>,
    /// The output format.
    pub format: SweepFormat,
    /// The output file, or standard output.
    pub out: Option<PathBuf>,
}

/// One comma-separated list flag: each item as typed, checked against its
/// range on its own (the base holds the other parameters).
fn list(
    base: &Scenario,
    param: Param,
    raw: Option<&String>,
) -> Result<Vec<(Scenario, String)>, InputError> {
    let Some(raw) = raw else {
        return Ok(vec![(base.clone(), String::new())]);
    };
    let flag = flag_of(param);
    let mut out = Vec::new();
    for item in raw.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(InputError::new(
                flag,
                Some(raw),
                "has an empty item",
                Some(&format!("comma-separated values, each {}", param.allowed())),
            ));
        }
        let mut s = base.clone();
        apply(&mut s, param, item)?;
        match s.validate() {
            Err(Error::OutOfRange { param: p, .. }) if p == param => {
                return Err(InputError::out_of_range(flag, item, &param.allowed()));
            }
            // The base was valid and only this parameter changed; a run too
            // large depends on the combination and is told below.
            _ => out.push((s, item.to_owned())),
        }
    }
    Ok(out)
}

/// Checks `leakscope sweep`'s flags and expands the grid.
pub fn config(args: &SweepArgs) -> Result<SweepConfig, InputError> {
    let preset = args.preset.map_or(Preset::Fase6, Preset::from);
    let mut base = preset.scenario();
    let singles = [
        (Param::Minutes, &args.minutes),
        (Param::Heartbeat, &args.heartbeat),
        (Param::GoroutinesPerReader, &args.goroutines_per_reader),
        (Param::Baseline, &args.baseline),
    ];
    for (param, raw) in singles {
        if let Some(raw) = raw {
            apply(&mut base, param, raw)?;
        }
    }
    let single_raw = |p: Param| {
        singles
            .iter()
            .find(|(q, _)| *q == p)
            .and_then(|(_, r)| (*r).clone())
    };
    validate(&base, single_raw)?;

    let containers = list(&base, Param::Containers, args.containers.as_ref())?;
    let error_rates = list(&base, Param::ErrorRate, args.error_rate.as_ref())?;
    let rotations = list(&base, Param::Rotation, args.rotation.as_ref())?;

    let seeds: u32 = parse_int("--seeds", &args.seeds, "1 to 10000")?;
    if !(1..=MAX_SEEDS).contains(&seeds) {
        return Err(InputError::out_of_range(
            "--seeds",
            &args.seeds,
            "1 to 10000",
        ));
    }
    let start: u64 = parse_int("--seed-start", &args.seed_start, &Param::Seed.allowed())?;
    let last_start = u64::MAX - u64::from(seeds - 1);
    if start > last_start {
        return Err(InputError::out_of_range(
            "--seed-start",
            &args.seed_start,
            &format!("0 to {last_start} with --seeds {seeds}"),
        ));
    }
    let programs = config::programs(&args.programs.program)?;

    let settings_count = (containers.len() * error_rates.len() * rotations.len()) as u64;
    let runs = settings_count * u64::from(seeds) * programs.len() as u64;
    if runs > MAX_SWEEP_RUNS {
        return Err(InputError::new(
            "--seeds",
            Some(&seeds.to_string()),
            format!(
                "with {settings_count} settings and {} programs makes {runs} runs",
                programs.len()
            ),
            Some(&format!("up to {MAX_SWEEP_RUNS} runs")),
        ));
    }

    let mut settings = Vec::with_capacity(settings_count as usize);
    for (c, c_raw) in &containers {
        for (e, _) in &error_rates {
            for (r, r_raw) in &rotations {
                let s = Scenario {
                    containers: c.containers,
                    error_rate: e.error_rate,
                    rotation_secs: r.rotation_secs,
                    ..base.clone()
                };
                let raw = |p: Param| match p {
                    Param::Containers if !c_raw.is_empty() => Some(c_raw.clone()),
                    Param::Rotation if !r_raw.is_empty() => Some(r_raw.clone()),
                    _ => single_raw(p),
                };
                validate(&s, raw)?;
                settings.push(s);
            }
        }
    }
    Ok(SweepConfig {
        settings,
        seeds: (0..u64::from(seeds)).map(|i| start + i).collect(),
        programs,
        format: args.format,
        out: args.out.clone(),
    })
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

/// Runs `leakscope sweep`.
pub fn run(config: &SweepConfig) -> anyhow::Result<()> {
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
