//! The checks every subcommand shares: the scenario flags and `--program`.
//! Each subcommand's own flags are checked in its module of
//! [`crate::commands`].
//!
//! Every range check is the core's ([`Scenario::validate`]); this module
//! only parses text and translates the core's [`Param`] back into the flag
//! the user typed, with the value as typed, so the message points at the
//! command line rather than at a struct field.

use leakscope_sim::{Error, MAX_ROTATIONS, Param, Preset, Program, Scenario};

use crate::cli::ScenarioArgs;
use crate::error::{InputError, shown};

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
pub fn allowed_of(flag: &str) -> Option<String> {
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
        Error::OutOfRange { .. } => InputError::out_of_range(flag_of(param), raw, &param.allowed()),
        Error::NotANumber { .. } => InputError::not_a_number(flag_of(param), raw, &param.allowed()),
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
            &param.allowed(),
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
}
