//! Raw flags turned into checked configurations.
//!
//! Every range check is the core's ([`Scenario::validate`]); this module
//! only parses text and translates the core's [`Param`] back into the flag
//! the user typed, with the value as typed, so the message points at the
//! command line rather than at a struct field.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use leakscope_monitor::MonitorConfig;
use leakscope_monitor::docker::{Selector, socket_from_env};
use leakscope_monitor::follow::FollowOptions;
use leakscope_monitor::run::Plan;
use leakscope_monitor::{debug, duration};
use leakscope_sim::{DumpFormat, Error, MAX_ROTATIONS, Param, Preset, Program, Scenario, Time};

use crate::cli::{
    ChartArgs, CheckArgs, CheckFormat, DumpArgs, FingerprintArgs, MonitorArgs, ScenarioArgs,
    SimArgs, SimFormat, SweepArgs, SweepFormat,
};
use crate::error::{InputError, shown};
use crate::output::file_dir;

/// The flag that sets `param`.
pub const fn flag_of(param: Param) -> &'static str {
    match param {
        Param::Containers => "--containers",
        Param::Minutes => "--minutes",
        Param::Rotation => "--rotation",
        Param::Heartbeat => "--heartbeat",
        Param::ErrorRate => "--error-rate",
        Param::GoroutinesPerReader => "--goroutines-per-reader",
        Param::Baseline => "--baseline",
        Param::Seed => "--seed",
        Param::LinesPerMin => "--lines-per-min",
        Param::StopAt => "--stop-at",
    }
}

/// The programs of a `--program` list (`a,b` or `all`), in the core's
/// order.
pub fn programs(raw: &str) -> Result<Vec<Program>, InputError> {
    Program::parse_list(raw).map_err(|e| {
        let name = match e {
            Error::UnknownProgram(name) => name,
            _ => raw.to_owned(),
        };
        InputError::new(
            "--program",
            Some(raw),
            format!("names an unknown program {}", shown(&name)),
            Some(&format!(
                "comma-separated names from {}, or all",
                Program::names()
            )),
        )
    })
}

/// The one program of a `--program` flag.
pub fn program(raw: &str) -> Result<Program, InputError> {
    raw.trim().parse().map_err(|_| {
        InputError::new(
            "--program",
            Some(raw),
            "is not a program",
            Some(&Program::names()),
        )
    })
}

/// The allowed values of a scenario flag, in words.
pub fn allowed_of(flag: &str) -> Option<&'static str> {
    Param::ALL
        .into_iter()
        .find(|&p| flag_of(p) == flag)
        .map(Param::allowed)
}

/// An integer flag: negative, fractional and huge values all get the same
/// one-line range message instead of a parser's.
pub fn parse_int<T: TryFrom<i128>>(flag: &str, raw: &str, allowed: &str) -> Result<T, InputError> {
    let text = raw.trim();
    let wide = match text.parse::<i128>() {
        Ok(v) => v,
        // `1e3` is a whole number written as a float; `2.5` is not one.
        Err(_) => match text.parse::<f64>() {
            Ok(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e30 => f as i128,
            Ok(_) => return Err(InputError::out_of_range(flag, raw, allowed)),
            Err(_) => return Err(InputError::not_a_number(flag, raw, allowed)),
        },
    };
    T::try_from(wide).map_err(|_| InputError::out_of_range(flag, raw, allowed))
}

/// A decimal flag.
pub fn parse_float(flag: &str, raw: &str, allowed: &str) -> Result<f64, InputError> {
    raw.trim()
        .parse::<f64>()
        .map_err(|_| InputError::not_a_number(flag, raw, allowed))
}

/// Sets `param` of `scenario` from its flag's text: the core parses and
/// range-checks ([`Scenario::set`]); this names the flag.
pub fn apply(scenario: &mut Scenario, param: Param, raw: &str) -> Result<(), InputError> {
    scenario.set(param, raw).map_err(|e| match e {
        Error::OutOfRange { .. } => InputError::out_of_range(flag_of(param), raw, param.allowed()),
        Error::NotANumber { .. } => InputError::not_a_number(flag_of(param), raw, param.allowed()),
        other => InputError::new(
            flag_of(param),
            Some(raw),
            format!("is {}", other.reason()),
            None,
        ),
    })
}

/// `secs` in the unit of `--rotation` (minutes), as short as exact.
pub fn rotation_minutes(secs: u32) -> String {
    format!("{}", f64::from(secs) / 60.0)
}

/// The core's verdict on `scenario`, told in terms of flags; `raw` gives
/// the text the user typed for a parameter, if they set it.
pub fn validate(
    scenario: &Scenario,
    raw: impl Fn(Param) -> Option<String>,
) -> Result<(), InputError> {
    match scenario.validate() {
        Ok(()) => Ok(()),
        Err(Error::OutOfRange { param, value }) => Err(InputError::out_of_range(
            flag_of(param),
            &raw(param).unwrap_or(value),
            param.allowed(),
        )),
        Err(Error::TooLarge { rotations }) => Err(InputError::new(
            "--containers",
            Some(&scenario.containers.to_string()),
            format!(
                "with --minutes {} and --rotation {} makes {rotations} rotations, too many for one run",
                scenario.minutes,
                raw(Param::Rotation).unwrap_or_else(|| rotation_minutes(scenario.rotation_secs)),
            ),
            Some(&format!(
                "containers × rotations per container up to {MAX_ROTATIONS}"
            )),
        )),
        Err(other) => Err(InputError::new("", None, other.to_string(), None)),
    }
}

/// A checked scenario and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioConfig {
    /// The preset it started from.
    pub preset: Preset,
    /// The scenario to run.
    pub scenario: Scenario,
}

impl ScenarioConfig {
    /// Whether flags changed the preset's scenario: the seed's published
    /// figures only describe the unchanged presets.
    pub fn is_preset(&self) -> bool {
        self.scenario == self.preset.scenario()
    }

    /// One word for the scenario: the preset's name, or `custom`.
    pub fn name(&self) -> &'static str {
        if self.is_preset() {
            self.preset.name()
        } else {
            "custom"
        }
    }
}

fn raw_of(args: &ScenarioArgs, param: Param) -> Option<&String> {
    match param {
        Param::Containers => args.containers.as_ref(),
        Param::Minutes => args.minutes.as_ref(),
        Param::Rotation => args.rotation.as_ref(),
        Param::Heartbeat => args.heartbeat.as_ref(),
        Param::ErrorRate => args.error_rate.as_ref(),
        Param::GoroutinesPerReader => args.goroutines_per_reader.as_ref(),
        Param::Baseline => args.baseline.as_ref(),
        Param::Seed => args.seed.as_ref(),
        Param::LinesPerMin => args.lines_per_min.as_ref(),
        Param::StopAt => args.stop_at.as_ref(),
    }
}

/// The scenario flags, checked.
pub fn scenario(args: &ScenarioArgs) -> Result<ScenarioConfig, InputError> {
    let preset = args.preset.map_or(Preset::Fase6, Preset::from);
    let mut s = preset.scenario();
    for param in Param::ALL {
        if let Some(raw) = raw_of(args, param) {
            apply(&mut s, param, raw)?;
        }
    }
    validate(&s, |p| raw_of(args, p).cloned())?;
    Ok(ScenarioConfig {
        preset,
        scenario: s,
    })
}

/// `leakscope sim`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// The scenario.
    pub scenario: ScenarioConfig,
    /// The programs to run, in the core's order.
    pub programs: Vec<Program>,
    /// The output format.
    pub format: SimFormat,
}

/// Checks `leakscope sim`'s flags.
pub fn sim(args: &SimArgs) -> Result<SimConfig, InputError> {
    Ok(SimConfig {
        scenario: scenario(&args.scenario)?,
        programs: programs(&args.program)?,
        format: args.format,
    })
}

/// `leakscope check`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckConfig {
    /// The scenario.
    pub scenario: ScenarioConfig,
    /// The programs to run, in the core's order.
    pub programs: Vec<Program>,
    /// The output format.
    pub format: CheckFormat,
}

/// Checks `leakscope check`'s flags: the same scenario flags as `sim`.
pub fn check(args: &CheckArgs) -> Result<CheckConfig, InputError> {
    Ok(CheckConfig {
        scenario: scenario(&args.scenario)?,
        programs: programs(&args.program)?,
        format: args.format,
    })
}

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
pub fn monitor(args: &MonitorArgs) -> Result<Plan, InputError> {
    let program = program(&args.program)?;
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
    })
}

/// `leakscope dump`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct DumpConfig {
    /// The scenario.
    pub scenario: ScenarioConfig,
    /// The program.
    pub program: Program,
    /// The instant.
    pub at: Time,
    /// One container, or the whole run.
    pub container: Option<u32>,
    /// `debug=1` or `debug=2`.
    pub format: DumpFormat,
}

/// Checks `leakscope dump`'s flags, before anything is simulated.
pub fn dump(args: &DumpArgs) -> Result<DumpConfig, InputError> {
    let program = program(&args.program)?;
    let sc = scenario(&args.scenario)?;
    let minutes = sc.scenario.minutes;
    let allowed = format!("0 to {minutes} minutes");
    let at = parse_float("--at", &args.at, &allowed)?;
    if !(0.0..=f64::from(minutes)).contains(&at) {
        return Err(InputError::out_of_range("--at", &args.at, &allowed));
    }
    let container = match &args.container {
        None => None,
        Some(raw) => {
            let count = sc.scenario.containers;
            let allowed = format!("0 to {}", count - 1);
            let k: u32 = parse_int("--container", raw, &allowed)?;
            if k >= count {
                return Err(InputError::out_of_range("--container", raw, &allowed));
            }
            Some(k)
        }
    };
    let level: u8 = parse_int("--debug", &args.debug, "1 or 2")?;
    let format = DumpFormat::from_debug(level)
        .ok_or_else(|| InputError::out_of_range("--debug", &args.debug, "1 or 2"))?;
    Ok(DumpConfig {
        scenario: sc,
        program,
        at: Time::from_millis((at * 60_000.0).round() as u64),
        container,
        format,
    })
}

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
}

/// Widest and tallest chart, in pixels.
pub const MAX_PIXELS: u32 = 8000;

fn pixels(flag: &str, raw: &str, min: u32, max: u32) -> Result<u32, InputError> {
    let allowed = format!("{min} to {max}");
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
pub fn chart(args: &ChartArgs) -> Result<ChartConfig, InputError> {
    let scenario = scenario(&args.scenario)?;
    let format = image_format(&args.out)?;
    Ok(ChartConfig {
        scenario,
        out: args.out.clone(),
        format,
        width: pixels("--width", &args.width, 200, MAX_PIXELS)?,
        height: pixels("--height", &args.height, 150, MAX_PIXELS)?,
        programs: programs(&args.program)?,
    })
}

/// `leakscope fingerprint`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct FingerprintConfig {
    /// Named scenarios to run.
    pub scenarios: Vec<(String, Scenario)>,
    /// The programs to run, in the core's order.
    pub programs: Vec<Program>,
}

/// Checks `leakscope fingerprint`'s flags.
pub fn fingerprint(args: &FingerprintArgs) -> Result<FingerprintConfig, InputError> {
    let scenarios = if args.conformance {
        // The core owns the list, so the wasm test and this command can
        // never disagree on it.
        leakscope_sim::conformance::scenarios()
            .into_iter()
            .map(|(name, s)| (name.to_owned(), s))
            .collect()
    } else {
        let sc = scenario(&args.scenario)?;
        vec![(sc.name().to_owned(), sc.scenario)]
    };
    Ok(FingerprintConfig {
        scenarios,
        // The conformance list covers every program, whatever the default.
        programs: if args.conformance {
            Program::ALL.to_vec()
        } else {
            programs(&args.program)?
        },
    })
}

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
                return Err(InputError::out_of_range(flag, item, param.allowed()));
            }
            // The base was valid and only this parameter changed; a run too
            // large depends on the combination and is told below.
            _ => out.push((s, item.to_owned())),
        }
    }
    Ok(out)
}

/// Checks `leakscope sweep`'s flags and expands the grid.
pub fn sweep(args: &SweepArgs) -> Result<SweepConfig, InputError> {
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
    let start: u64 = parse_int("--seed-start", &args.seed_start, Param::Seed.allowed())?;
    let last_start = u64::MAX - u64::from(seeds - 1);
    if start > last_start {
        return Err(InputError::out_of_range(
            "--seed-start",
            &args.seed_start,
            &format!("0 to {last_start} with --seeds {seeds}"),
        ));
    }
    let programs = programs(&args.program)?;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> ScenarioArgs {
        let mut a = ScenarioArgs::default();
        for (k, v) in pairs {
            let v = Some((*v).to_owned());
            match *k {
                "containers" => a.containers = v,
                "minutes" => a.minutes = v,
                "rotation" => a.rotation = v,
                "error_rate" => a.error_rate = v,
                "seed" => a.seed = v,
                _ => panic!("unknown key {k}"),
            }
        }
        a
    }

    fn message(pairs: &[(&str, &str)]) -> String {
        scenario(&args(pairs)).unwrap_err().to_string()
    }

    #[test]
    fn no_flags_give_the_fase6_preset() {
        let c = scenario(&ScenarioArgs::default()).unwrap();
        assert_eq!(c.scenario, Preset::Fase6.scenario());
        assert_eq!(c.name(), "fase6");
    }

    #[test]
    fn flags_override_the_preset_and_make_it_custom() {
        let c = scenario(&args(&[("containers", "8"), ("rotation", "1.5")])).unwrap();
        assert_eq!(c.scenario.containers, 8);
        assert_eq!(c.scenario.rotation_secs, 90);
        assert_eq!(c.name(), "custom");
    }

    #[test]
    fn out_of_range_values_name_the_flag_as_typed() {
        assert_eq!(
            message(&[("error_rate", "1.5")]),
            "--error-rate 1.5 is out of range (allowed: 0 to 1)"
        );
        assert_eq!(
            message(&[("containers", "-5")]),
            "--containers -5 is out of range (allowed: 1 to 10000)"
        );
        assert_eq!(
            message(&[("containers", "1000000000")]),
            "--containers 1000000000 is out of range (allowed: 1 to 10000)"
        );
        assert_eq!(
            message(&[("containers", "99999999999999999999999")]),
            "--containers 99999999999999999999999 is out of range (allowed: 1 to 10000)"
        );
        assert_eq!(
            message(&[("minutes", "-3")]),
            "--minutes -3 is out of range (allowed: 1 to 10080, one week)"
        );
        assert_eq!(
            message(&[("seed", "-1")]),
            "--seed -1 is out of range (allowed: 0 to 18446744073709551615)"
        );
    }

    #[test]
    fn text_where_a_number_belongs_is_not_a_number() {
        assert_eq!(
            message(&[("containers", "many")]),
            "--containers many is not a number (allowed: 1 to 10000)"
        );
    }

    #[test]
    fn rotation_below_one_second_is_refused_and_decimals_round_to_seconds() {
        assert!(message(&[("rotation", "0.001")]).starts_with("--rotation 0.001 is out of range"));
        assert!(message(&[("rotation", "nan")]).starts_with("--rotation nan is not a number"));
        assert!(message(&[("rotation", "2000")]).starts_with("--rotation 2000 is out of range"));
        let mut s = Scenario::default();
        apply(&mut s, Param::Rotation, "0.0251").unwrap();
        assert_eq!(s.rotation_secs, 2);
    }

    #[test]
    fn a_run_too_large_names_the_flags_that_make_it() {
        let m = message(&[
            ("containers", "10000"),
            ("minutes", "10080"),
            ("rotation", "1"),
        ]);
        assert!(m.starts_with("--containers 10000 with --minutes 10080 and --rotation 1 makes"));
    }

    #[test]
    fn whole_numbers_written_as_floats_are_accepted() {
        assert_eq!(parse_int::<u32>("--x", "1e3", "").unwrap(), 1000);
        assert!(parse_int::<u32>("--x", "2.5", "").is_err());
    }

    fn monitor_args(args: &[&str]) -> Result<Plan, InputError> {
        use clap::Parser;
        let mut full = vec!["leakscope", "monitor"];
        full.extend_from_slice(args);
        match crate::Cli::try_parse_from(full).unwrap().command {
            crate::cli::Command::Monitor(a) => monitor(&a),
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
            msg(&[]),
            "monitor needs a source: --docker (allowed: --docker)"
        );
    }
}
