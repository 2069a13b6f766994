//! `leakscope chart`: the programs' goroutines over time, with the limit
//! and the seed's published points, to an SVG or PNG file; with `--from`,
//! a recorded real run over the simulation of its schedule.

use std::path::{Path, PathBuf};

use leakscope_sim::{Program, RecordedRun};

use super::traces;
use crate::chart::{self, ChartData};
use crate::cli::ChartArgs;
use crate::config::{self, ScenarioConfig, parse_int};
use crate::error::InputError;
use crate::output::{OutFile, io_reason};

/// The image formats `chart` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// Scalable vector graphics.
    Svg,
    /// A bitmap.
    Png,
}

/// `leakscope chart`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartConfig {
    /// The scenario.
    pub scenario: ScenarioConfig,
    /// Where to write.
    pub out: PathBuf,
    /// What to write, from `out`'s extension.
    pub format: ImageFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The programs drawn.
    pub programs: Vec<Program>,
    /// `--from`: the recorded run drawn instead of the scenario's.
    pub from: Option<RecordedRun>,
}

/// The largest recorded run `--from` reads.
const MAX_RUN_BYTES: u64 = 64 << 20;

/// `--from`'s file, read and checked: a recorded run whose census comes
/// in period order.
fn recorded(path: &Path) -> Result<RecordedRun, InputError> {
    let bad = |problem: String| {
        InputError::new("--from", Some(&path.display().to_string()), problem, None)
    };
    let meta = std::fs::metadata(path).map_err(|e| bad(io_reason(&e)))?;
    if !meta.is_file() {
        return Err(bad("is not a file".into()));
    }
    if meta.len() > MAX_RUN_BYTES {
        return Err(bad(format!("is larger than {} MiB", MAX_RUN_BYTES >> 20)));
    }
    let text = std::fs::read(path).map_err(|e| bad(io_reason(&e)))?;
    let run: RecordedRun = serde_json::from_slice(&text).map_err(|e| {
        bad(format!(
            "is not a recorded run (leakscope monitor --format json): {e}"
        ))
    })?;
    if run
        .census
        .iter()
        .enumerate()
        .any(|(i, c)| c.due != i as u64)
    {
        return Err(bad(
            "does not hold its census in period order (due 0, 1, 2, …)".into(),
        ));
    }
    if run.census.is_empty() {
        return Err(bad(
            "holds no census: the run ended before its first period's middle".into(),
        ));
    }
    Ok(run)
}

/// Widest and tallest chart, in pixels.
pub const MAX_PIXELS: u32 = 8000;

/// Narrowest chart, in pixels.
pub const MIN_WIDTH: u32 = 200;

/// Lowest chart, in pixels.
pub const MIN_HEIGHT: u32 = 150;

/// `--width`'s range, in words.
pub const WIDTH_RANGE: &str = "200 to 8000";

/// `--height`'s range, in words.
pub const HEIGHT_RANGE: &str = "150 to 8000";

fn pixels(flag: &str, raw: &str, min: u32, max: u32) -> Result<u32, InputError> {
    let allowed = format!("{min} to {max}");
    debug_assert!(allowed == WIDTH_RANGE || allowed == HEIGHT_RANGE);
    let v: u32 = parse_int(flag, raw, &allowed)?;
    if (min..=max).contains(&v) {
        Ok(v)
    } else {
        Err(InputError::out_of_range(flag, raw, &allowed))
    }
}

/// The image format `path`'s extension asks for.
pub fn image_format(path: &Path) -> Result<ImageFormat, InputError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("svg") => Ok(ImageFormat::Svg),
        Some("png") => Ok(ImageFormat::Png),
        _ => Err(InputError::new(
            "--out",
            Some(&path.display().to_string()),
            "has an unsupported extension",
            Some(".svg, .png"),
        )),
    }
}

/// Checks `leakscope chart`'s flags.
pub fn config(args: &ChartArgs) -> Result<ChartConfig, InputError> {
    let scenario = config::scenario(&args.scenario)?;
    let format = image_format(&args.out)?;
    let from = args.from.as_deref().map(recorded).transpose()?;
    Ok(ChartConfig {
        scenario,
        out: args.out.clone(),
        format,
        width: pixels("--width", &args.width, MIN_WIDTH, MAX_PIXELS)?,
        height: pixels("--height", &args.height, MIN_HEIGHT, MAX_PIXELS)?,
        programs: config::programs(&args.programs.program)?,
        from,
    })
}

/// Runs `leakscope chart`.
pub fn run(config: &ChartConfig) -> anyhow::Result<()> {
    // Claim the output first: a bad --out must fail before the work, and a
    // failure during it must leave nothing at the target.
    let mut out = OutFile::create("--out", &config.out)?;
    let data = match &config.from {
        Some(run) => {
            let predicted = match run.predicted() {
                Ok(p) => Some(p),
                Err(why) => {
                    eprintln!(
                        "leakscope: --from: no simulation to draw beside the measured census: {why}"
                    );
                    None
                }
            };
            ChartData::recorded(run, predicted.as_deref())
        }
        None => {
            let traces = traces(&config.scenario.scenario, &config.programs)?;
            ChartData::new(&config.scenario, &traces)
        }
    };
    match config.format {
        ImageFormat::Svg => {
            out.write_all(chart::svg(&data, config.width, config.height)?.as_bytes())?
        }
        ImageFormat::Png => chart::png(&data, config.width, config.height, out.temp_path())?,
    }
    out.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ranges_in_words_are_the_ranges_checked() {
        assert_eq!(WIDTH_RANGE, format!("{MIN_WIDTH} to {MAX_PIXELS}"));
        assert_eq!(HEIGHT_RANGE, format!("{MIN_HEIGHT} to {MAX_PIXELS}"));
    }
}
