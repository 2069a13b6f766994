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

    /// The allowed values, in the unit the scenario stores them (the
    /// rotation and the heartbeat in seconds): the one place each range is
    /// declared. Validation, [`Scenario::set`], [`Param::allowed`] and
    /// [`Param::input`] read it. `stop_at` is also bounded by the run's
    /// `minutes`.
    pub const fn bounds(self) -> Bounds {
        const fn whole(min: u64, max: u64) -> Bounds {
            Bounds::Whole { min, max }
        }
        match self {
            Param::Containers => whole(1, 10_000),
            Param::Minutes => whole(1, MAX_MINUTES),
            Param::StopAt => whole(0, MAX_MINUTES),
            Param::Rotation => whole(1, 86_400),
            Param::Heartbeat => whole(1, 3_600),
            Param::ErrorRate => Bounds::Real { min: 0.0, max: 1.0 },
            Param::GoroutinesPerReader => whole(1, 16),
            Param::Baseline => whole(0, 100_000),
            Param::Seed => whole(0, u64::MAX),
            Param::LinesPerMin => whole(0, 30_000),
        }
    }

    /// The allowed values, in words, as people type them (the rotation in
    /// minutes): `1 to 10000`.
    pub fn allowed(self) -> String {
        let (min, max) = self.typed_range();
        match self {
            Param::Minutes => format!("{min} to {max}, one week"),
            Param::Rotation => format!("{min} to {max} minutes, 1 second to 1 day"),
            Param::Heartbeat => format!("{min} to {max} seconds"),
            Param::StopAt => "a minute from 0 to the run's length, or none".to_owned(),
            _ => format!("{min} to {max}"),
        }
    }

    /// An `<input>`'s `min`, `max` and `step`, in the unit people type (the
    /// rotation in minutes, any step; the error rate by hundredths; the
    /// others whole). `stop_at` and `seed` have none: empty texts.
    pub fn input(self) -> (String, String, &'static str) {
        match self {
            Param::StopAt | Param::Seed => (String::new(), String::new(), ""),
            Param::Rotation => {
                let (min, max) = self.typed_range();
                (min, max, "any")
            }
            Param::ErrorRate => {
                let (min, max) = self.typed_range();
                (min, max, "0.01")
            }
            _ => {
                let (min, max) = self.typed_range();
                (min, max, "1")
            }
        }
    }

    /// The bounds as typed: minutes to four decimals for the rotation.
    fn typed_range(self) -> (String, String) {
        match (self, self.bounds()) {
            (Param::Rotation, Bounds::Whole { min, max }) => {
                let minutes = |secs: u64| {
                    let m = format!("{:.4}", secs as f64 / 60.0);
                    m.trim_end_matches('0').trim_end_matches('.').to_owned()
                };
                (minutes(min), minutes(max))
            }
            (_, Bounds::Whole { min, max }) => (min.to_string(), max.to_string()),
            (_, Bounds::Real { min, max }) => (min.to_string(), max.to_string()),
        }
    }
}

/// The range of a [`Param`], in the unit the scenario stores it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bounds {
    /// Whole numbers from `min` to `max`.
    Whole {
        /// The least allowed.
        min: u64,
        /// The most allowed.
        max: u64,
    },
    /// Any number from `min` to `max`.
    Real {
        /// The least allowed.
        min: f64,
        /// The most allowed.
        max: f64,
    },
}

impl Bounds {
    /// Whether the whole number `n` is allowed.
    pub fn holds(self, n: u64) -> bool {
        match self {
            Bounds::Whole { min, max } => (min..=max).contains(&n),
            Bounds::Real { min, max } => (min..=max).contains(&(n as f64)),
        }
    }

    /// Whether the number `x` is allowed (a fraction only where the range
    /// is real).
    pub fn holds_real(self, x: f64) -> bool {
        match self {
            Bounds::Whole { min, max } => {
                x.fract() == 0.0 && (min as f64..=max as f64).contains(&x)
            }
            Bounds::Real { min, max } => (min..=max).contains(&x),
        }
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The longest run, in minutes: one week.
const MAX_MINUTES: u64 = 10_080;

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
        let whole = |param: Param, n: u32| check(param.bounds().holds(u64::from(n)), param, n);
        let secs = |param: Param, n: u32| {
            check(
                param.bounds().holds(u64::from(n)),
                param,
                format_args!("{n} s"),
            )
        };
        whole(Param::Containers, self.containers)?;
        whole(Param::Minutes, self.minutes)?;
        secs(Param::Rotation, self.rotation_secs)?;
        secs(Param::Heartbeat, self.heartbeat_secs)?;
        check(
            Param::ErrorRate.bounds().holds_real(self.error_rate),
            Param::ErrorRate,
            self.error_rate,
        )?;
        whole(Param::GoroutinesPerReader, self.goroutines_per_reader)?;
        whole(Param::Baseline, self.baseline_goroutines)?;
        whole(Param::LinesPerMin, self.lines_per_min)?;
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
        let bounds = param.bounds();
        let whole = || -> Result<u64, Error> {
            let t = text.trim();
            if let Ok(n) = t.parse::<i128>() {
                return u64::try_from(n)
                    .ok()
                    .filter(|&n| bounds.holds(n))
                    .ok_or_else(out_of_range);
            }
            let f = number()?;
            if !bounds.holds_real(f) {
                return Err(out_of_range());
            }
            Ok(f as u64)
        };
        // Every whole parameter's bound fits its field (a u32 but the seed).
        let small = || whole().map(|n| n as u32);
        match param {
            Param::Containers => self.containers = small()?,
            Param::Minutes => self.minutes = small()?,
            Param::Rotation => {
                // Typed in minutes, rounded to whole seconds.
                let secs = (number()? * 60.0).round();
                if !(secs.is_finite() && bounds.holds_real(secs)) {
                    return Err(out_of_range());
                }
                self.rotation_secs = secs as u32;
            }
            Param::Heartbeat => self.heartbeat_secs = small()?,
            Param::ErrorRate => {
                let p = number()?;
                if !bounds.holds_real(p) {
                    return Err(out_of_range());
                }
                self.error_rate = p;
            }
            Param::GoroutinesPerReader => self.goroutines_per_reader = small()?,
            Param::Baseline => self.baseline_goroutines = small()?,
            Param::Seed => self.seed = whole()?,
            Param::LinesPerMin => self.lines_per_min = small()?,
            Param::StopAt => {
                let t = text.trim();
                self.stop_at = if t.is_empty() || t.eq_ignore_ascii_case("none") {
                    None
                } else {
                    // Against the longest run: whether it falls within this
                    // run is `validate`'s to say, whatever order the
                    // parameters are set in.
                    Some(small()?)
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
    fn each_range_is_declared_once_and_read_everywhere() {
        let words = |p: Param| p.allowed();
        assert_eq!(words(Param::Containers), "1 to 10000");
        assert_eq!(words(Param::Minutes), "1 to 10080, one week");
        assert_eq!(
            words(Param::Rotation),
            "0.0167 to 1440 minutes, 1 second to 1 day"
        );
        assert_eq!(words(Param::Heartbeat), "1 to 3600 seconds");
        assert_eq!(words(Param::ErrorRate), "0 to 1");
        assert_eq!(words(Param::Seed), "0 to 18446744073709551615");
        assert_eq!(
            Param::Rotation.input(),
            ("0.0167".into(), "1440".into(), "any")
        );
        assert_eq!(Param::Containers.input(), ("1".into(), "10000".into(), "1"));
        // Each whole bound is taken and its neighbour refused, by set and
        // validate alike.
        for p in Param::ALL {
            let Bounds::Whole { min, max } = p.bounds() else {
                continue;
            };
            if matches!(p, Param::Rotation | Param::Seed | Param::StopAt) {
                continue;
            }
            let mut s = Scenario {
                containers: 1,
                minutes: 1,
                ..Scenario::default()
            };
            for n in [min, max] {
                s.set(p, &n.to_string()).unwrap();
            }
            assert!(s.set(p, &(max + 1).to_string()).is_err(), "{p}");
            if min > 0 {
                assert!(s.set(p, &(min - 1).to_string()).is_err(), "{p}");
            }
        }
        let mut s = Scenario::default();
        s.set(Param::Rotation, "1440").unwrap();
        assert_eq!(s.rotation_secs, 86_400);
        assert!(s.set(Param::Rotation, "1441").is_err());
        assert!(s.set(Param::Rotation, "0.001").is_err());
    }

    #[test]
    fn names_round_trip() {
        for p in Preset::ALL {
            assert_eq!(p.name().parse::<Preset>().unwrap(), p);
        }
        assert!("fase9".parse::<Preset>().is_err());
    }
}
