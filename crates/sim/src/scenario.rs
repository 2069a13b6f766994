//! What to simulate: the parameters of one run, their ranges and the presets.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Error, Time};

/// A named scenario calibrated to one of the seed's measurement phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// FASE 3: 8 containers for 10 minutes; both versions pass.
    Fase3,
    /// FASE 6: 55 containers for 58 minutes; only the fixed version passes.
    Fase6,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 2] = [Preset::Fase3, Preset::Fase6];

    /// The lower-case name used in flags and URLs.
    pub const fn name(self) -> &'static str {
        match self {
            Preset::Fase3 => "fase3",
            Preset::Fase6 => "fase6",
        }
    }

    /// The preset's scenario.
    pub fn scenario(self) -> Scenario {
        match self {
            Preset::Fase3 => Scenario {
                containers: 8,
                minutes: 10,
                error_rate: 0.0,
                ..Scenario::default()
            },
            Preset::Fase6 => Scenario::default(),
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "fase3" => Ok(Preset::Fase3),
            "fase6" => Ok(Preset::Fase6),
            _ => Err(Error::UnknownPreset(s.to_owned())),
        }
    }
}

/// One parameter of a [`Scenario`], with the name faces use for it and its
/// allowed range, so every face reports a bad value the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Param {
    /// [`Scenario::containers`]
    Containers,
    /// [`Scenario::minutes`]
    Minutes,
    /// [`Scenario::rotation_secs`]
    Rotation,
    /// [`Scenario::heartbeat_secs`]
    Heartbeat,
    /// [`Scenario::error_rate`]
    ErrorRate,
    /// [`Scenario::goroutines_per_reader`]
    GoroutinesPerReader,
    /// [`Scenario::baseline_goroutines`]
    Baseline,
    /// [`Scenario::seed`]
    Seed,
    /// [`Scenario::lines_per_min`]
    LinesPerMin,
    /// [`Scenario::stop_at`]
    StopAt,
}

impl Param {
    /// Every parameter, in the order faces list them.
    pub const ALL: [Param; 10] = [
        Param::Containers,
        Param::Minutes,
        Param::Rotation,
        Param::Heartbeat,
        Param::ErrorRate,
        Param::GoroutinesPerReader,
        Param::Baseline,
        Param::Seed,
        Param::LinesPerMin,
        Param::StopAt,
    ];

    /// The key used in JSON, in URLs and in error messages.
    pub const fn key(self) -> &'static str {
        match self {
            Param::Containers => "containers",
            Param::Minutes => "minutes",
            Param::Rotation => "rotation",
            Param::Heartbeat => "heartbeat",
            Param::ErrorRate => "error_rate",
            Param::GoroutinesPerReader => "goroutines_per_reader",
            Param::Baseline => "baseline",
            Param::Seed => "seed",
            Param::LinesPerMin => "lines_per_min",
            Param::StopAt => "stop_at",
        }
    }

    /// The allowed values, in words.
    pub const fn allowed(self) -> &'static str {
        match self {
            Param::Containers => "1 to 10000",
            Param::Minutes => "1 to 10080, one week",
            Param::Rotation => "0.0167 to 1440 minutes, 1 second to 1 day",
            Param::Heartbeat => "1 to 3600 seconds",
            Param::ErrorRate => "0 to 1",
            Param::GoroutinesPerReader => "1 to 16",
            Param::Baseline => "0 to 100000",
            Param::Seed => "0 to 18446744073709551615",
            Param::LinesPerMin => "0 to 30000",
            Param::StopAt => "a minute from 0 to the run's length, or none",
        }
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Most rotations one run may simulate (containers × rotations per
/// container), so that a run stays within a few hundred megabytes.
pub const MAX_ROTATIONS: u64 = 5_000_000;

/// The parameters of one run. Every program of a run shares them, so the same
/// seed gives them all the same stream faults.
///
/// ## Default values
///
/// The defaults are the FASE 6 preset:
///
/// - `containers`: 55
/// - `minutes`: 58
/// - `rotation_secs`: 300 (5 minutes)
/// - `heartbeat_secs`: 30
/// - `error_rate`: 0.99
/// - `goroutines_per_reader`: 3
/// - `baseline_goroutines`: 0
/// - `seed`: 1
/// - `lines_per_min`: 60
/// - `stop_at`: none (`Stop()` is never called)
///
/// # Examples
///
/// ```
/// use leakscope_sim::{Preset, Scenario};
///
/// let s = Scenario { containers: 8, ..Scenario::default() };
/// assert!(s.validate().is_ok());
/// assert_eq!(Preset::Fase3.scenario().containers, 8);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Containers followed, all started at minute 0. Allowed: 1 to 10,000.
    pub containers: u32,
    /// Length of the run in virtual minutes; the run samples every minute
    /// from 0 to this one. Allowed: 1 to 10,080.
    pub minutes: u32,
    /// How long one log stream is followed before it is rotated, in seconds.
    /// Allowed: 1 to 86,400.
    pub rotation_secs: u32,
    /// Period of each container's heartbeat (an inspect call), in seconds.
    /// It changes what a goroutine dump shows, not how many goroutines exist.
    /// Allowed: 1 to 3,600.
    pub heartbeat_secs: u32,
    /// Probability that a rotation's stream has failed by the time the
    /// rotation is due (drawn once per container and rotation from `seed`).
    /// Allowed: 0 to 1.
    pub error_rate: f64,
    /// Goroutines an open stream holds until it is closed, healthy or
    /// half-open: its reader plus `goroutines_per_reader − 1` stream
    /// handlers (a Docker client's `net/http` connection has 2: its read and
    /// write loops). Allowed: 1 to 16.
    pub goroutines_per_reader: u32,
    /// Goroutines outside the containers' lifecycles (main, runtime, debug
    /// server), constant through the run. Allowed: 0 to 100,000.
    pub baseline_goroutines: u32,
    /// Seed of the stream faults. Any `u64`.
    pub seed: u64,
    /// Log lines each container writes per minute, evenly spaced
    /// (`docs/model.md` §2, rule 10). Allowed: 0 to 30,000.
    pub lines_per_min: u32,
    /// The minute at which the programs' `Stop()` runs, after every event
    /// due at that instant; `None` never stops. Allowed: 0 to `minutes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_at: Option<u32>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            containers: 55,
            minutes: 58,
            rotation_secs: 300,
            heartbeat_secs: 30,
            error_rate: 0.99,
            goroutines_per_reader: 3,
            baseline_goroutines: 0,
            seed: 1,
            lines_per_min: 60,
            stop_at: None,
        }
    }
}

impl Scenario {
    /// Checks every parameter against its allowed range.
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] names the first parameter outside its range;
    /// [`Error::TooLarge`] when containers × rotations exceeds
    /// [`MAX_ROTATIONS`].
    pub fn validate(&self) -> Result<(), Error> {
        fn check(ok: bool, param: Param, value: impl fmt::Display) -> Result<(), Error> {
            if ok {
                Ok(())
            } else {
                Err(Error::OutOfRange {
                    param,
                    value: value.to_string(),
                })
            }
        }
        check(
            (1..=10_000).contains(&self.containers),
            Param::Containers,
            self.containers,
        )?;
        check(
            (1..=10_080).contains(&self.minutes),
            Param::Minutes,
            self.minutes,
        )?;
        check(
            (1..=86_400).contains(&self.rotation_secs),
            Param::Rotation,
            format_args!("{} s", self.rotation_secs),
        )?;
        check(
            (1..=3_600).contains(&self.heartbeat_secs),
            Param::Heartbeat,
            format_args!("{} s", self.heartbeat_secs),
        )?;
        check(
            (0.0..=1.0).contains(&self.error_rate),
            Param::ErrorRate,
            self.error_rate,
        )?;
        check(
            (1..=16).contains(&self.goroutines_per_reader),
            Param::GoroutinesPerReader,
            self.goroutines_per_reader,
        )?;
        check(
            self.baseline_goroutines <= 100_000,
            Param::Baseline,
            self.baseline_goroutines,
        )?;
        check(
            self.lines_per_min <= 30_000,
            Param::LinesPerMin,
            self.lines_per_min,
        )?;
        if let Some(m) = self.stop_at {
            check(m <= self.minutes, Param::StopAt, m)?;
        }
        let rotations = u64::from(self.containers) * self.rotations_per_container();
        if rotations > MAX_ROTATIONS {
            return Err(Error::TooLarge { rotations });
        }
        Ok(())
    }

    /// Sets `param` from text as a person typed it (a flag, a URL value, a
    /// form field), checking its range. Whole-number parameters take digits
    /// (also `1e3`); `rotation` takes minutes with decimals (`0.5` is 30 s)
    /// and rounds to whole seconds; `error_rate` takes a decimal.
    ///
    /// # Errors
    ///
    /// [`Error::NotANumber`] when the text is no number at all,
    /// [`Error::OutOfRange`] when it is one outside the parameter's range
    /// (negative, fractional where whole, too large); both carry the text
    /// as typed. The scenario is unchanged on error.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakscope_sim::{Param, Scenario};
    ///
    /// let mut s = Scenario::default();
    /// s.set(Param::Rotation, "0.5").unwrap();
    /// assert_eq!(s.rotation_secs, 30);
    /// let e = s.set(Param::Containers, "-5").unwrap_err();
    /// assert_eq!(e.to_string(), "containers = -5 is out of range (allowed: 1 to 10000)");
    /// ```
    pub fn set(&mut self, param: Param, text: &str) -> Result<(), Error> {
        let out_of_range = || Error::OutOfRange {
            param,
            value: text.to_owned(),
        };
        let not_a_number = || Error::NotANumber {
            param,
            value: text.to_owned(),
        };
        let number = || -> Result<f64, Error> {
            let t = text.trim();
            // Rust's float parser also takes "inf" and "NaN": not numbers
            // anybody types for a count.
            if t.is_empty()
                || t.chars()
                    .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
            {
                return Err(not_a_number());
            }
            t.parse::<f64>().map_err(|_| not_a_number())
        };
        let whole = |lo: u64, hi: u64| -> Result<u64, Error> {
            let t = text.trim();
            if let Ok(n) = t.parse::<i128>() {
                return u64::try_from(n)
                    .ok()
                    .filter(|n| (lo..=hi).contains(n))
                    .ok_or_else(out_of_range);
            }
            let f = number()?;
            if f.fract() != 0.0 || !(lo as f64..=hi as f64).contains(&f) {
                return Err(out_of_range());
            }
            Ok(f as u64)
        };
        match param {
            Param::Containers => self.containers = whole(1, 10_000)? as u32,
            Param::Minutes => self.minutes = whole(1, 10_080)? as u32,
            Param::Rotation => {
                let secs = number()? * 60.0;
                if !(0.5..86_400.5).contains(&secs) {
                    return Err(out_of_range());
                }
                self.rotation_secs = (secs.round() as u32).max(1);
            }
            Param::Heartbeat => self.heartbeat_secs = whole(1, 3_600)? as u32,
            Param::ErrorRate => {
                let p = number()?;
                if !(0.0..=1.0).contains(&p) {
                    return Err(out_of_range());
                }
                self.error_rate = p;
            }
            Param::GoroutinesPerReader => self.goroutines_per_reader = whole(1, 16)? as u32,
            Param::Baseline => self.baseline_goroutines = whole(0, 100_000)? as u32,
            Param::Seed => self.seed = whole(0, u64::MAX)?,
            Param::LinesPerMin => self.lines_per_min = whole(0, 30_000)? as u32,
            Param::StopAt => {
                let t = text.trim();
                self.stop_at = if t.is_empty() || t.eq_ignore_ascii_case("none") {
                    None
                } else {
                    // Against the longest run: whether it falls within this
                    // run is `validate`'s to say, whatever order the
                    // parameters are set in.
                    Some(whole(0, 10_080)? as u32)
                };
            }
        }
        Ok(())
    }

    /// The text [`Scenario::set`] takes for `param`'s current value.
    pub fn get(&self, param: Param) -> String {
        match param {
            Param::Containers => self.containers.to_string(),
            Param::Minutes => self.minutes.to_string(),
            Param::Rotation => {
                let m = format!("{:.4}", f64::from(self.rotation_secs) / 60.0);
                m.trim_end_matches('0').trim_end_matches('.').to_owned()
            }
            Param::Heartbeat => self.heartbeat_secs.to_string(),
            Param::ErrorRate => self.error_rate.to_string(),
            Param::GoroutinesPerReader => self.goroutines_per_reader.to_string(),
            Param::Baseline => self.baseline_goroutines.to_string(),
            Param::Seed => self.seed.to_string(),
            Param::LinesPerMin => self.lines_per_min.to_string(),
            Param::StopAt => self
                .stop_at
                .map_or_else(|| "none".to_owned(), |m| m.to_string()),
        }
    }

    /// The end of the run.
    pub fn horizon(&self) -> Time {
        Time::from_minutes(u64::from(self.minutes))
    }

    /// The rotation period.
    pub fn rotation(&self) -> Time {
        Time::from_secs(u64::from(self.rotation_secs))
    }

    /// When `Stop()` runs, if it does.
    pub fn stop(&self) -> Option<Time> {
        self.stop_at.map(|m| Time::from_minutes(u64::from(m)))
    }

    /// The heartbeat period.
    pub fn heartbeat(&self) -> Time {
        Time::from_secs(u64::from(self.heartbeat_secs))
    }

    /// Rotations that fall due in a run where no container stalls: one every
    /// rotation period, the last at or before the horizon.
    pub fn rotations_per_container(&self) -> u64 {
        self.horizon().as_millis() / self.rotation().as_millis().max(1)
    }

    /// Rotation periods that have ended by time `t` (rotation `k` falls due
    /// at `k × rotation`).
    pub fn rotations_due_by(&self, t: Time) -> u64 {
        t.as_millis() / self.rotation().as_millis().max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_match_the_seed_phases() {
        let f3 = Preset::Fase3.scenario();
        let f6 = Preset::Fase6.scenario();
        assert_eq!((f3.containers, f3.minutes), (8, 10));
        assert_eq!((f6.containers, f6.minutes), (55, 58));
        f3.validate().unwrap();
        f6.validate().unwrap();
    }

    #[test]
    fn out_of_range_names_the_parameter_and_its_range() {
        let s = Scenario {
            error_rate: 1.5,
            ..Scenario::default()
        };
        let msg = s.validate().unwrap_err().to_string();
        assert_eq!(msg, "error_rate = 1.5 is out of range (allowed: 0 to 1)");
        let s = Scenario {
            containers: 0,
            ..Scenario::default()
        };
        assert!(
            s.validate()
                .unwrap_err()
                .to_string()
                .starts_with("containers = 0")
        );
    }

    #[test]
    fn nan_error_rate_is_rejected() {
        let s = Scenario {
            error_rate: f64::NAN,
            ..Scenario::default()
        };
        assert!(s.validate().is_err());
    }

    #[test]
    fn a_run_too_large_for_memory_is_refused() {
        let s = Scenario {
            containers: 10_000,
            minutes: 10_080,
            rotation_secs: 60,
            ..Scenario::default()
        };
        assert!(matches!(s.validate(), Err(Error::TooLarge { .. })));
    }

    #[test]
    fn rotations_fall_due_every_period_up_to_the_horizon() {
        let s = Scenario::default();
        assert_eq!(s.rotations_per_container(), 11);
        assert_eq!(s.rotations_due_by(Time::from_minutes(4)), 0);
        assert_eq!(s.rotations_due_by(Time::from_minutes(5)), 1);
    }

    #[test]
    fn set_takes_what_people_type_and_names_what_it_refuses() {
        let mut s = Scenario::default();
        s.set(Param::Containers, " 12 ").unwrap();
        s.set(Param::Minutes, "1e3").unwrap();
        s.set(Param::Rotation, "1.5").unwrap();
        s.set(Param::ErrorRate, "0.25").unwrap();
        s.set(Param::Seed, "18446744073709551615").unwrap();
        assert_eq!((s.containers, s.minutes, s.rotation_secs), (12, 1000, 90));
        assert_eq!(s.error_rate, 0.25);
        assert_eq!(s.seed, u64::MAX);
        let before = s.clone();
        for (param, text, out_of_range) in [
            (Param::Containers, "0", true),
            (Param::Containers, "1000000000", true),
            (Param::Containers, "2.5", true),
            (Param::Minutes, "-3", true),
            (Param::ErrorRate, "1.5", true),
            (Param::ErrorRate, "NaN", false),
            (Param::Rotation, "0", true),
            (Param::Seed, "18446744073709551616", true),
            (Param::Seed, "abc", false),
            (Param::Heartbeat, "", false),
        ] {
            let e = s.set(param, text).unwrap_err();
            assert_eq!(
                matches!(e, Error::OutOfRange { .. }),
                out_of_range,
                "{param} {text:?}: {e}"
            );
            assert!(e.to_string().starts_with(param.key()));
        }
        assert_eq!(s, before);
        for p in Param::ALL {
            let mut t = Scenario::default();
            t.set(p, &before.get(p)).unwrap();
        }
    }

    #[test]
    fn names_round_trip() {
        for p in Preset::ALL {
            assert_eq!(p.name().parse::<Preset>().unwrap(), p);
        }
        assert!("fase9".parse::<Preset>().is_err());
    }
}
