//! Virtual time: a count of milliseconds from the start of a run.

use std::fmt;
use std::ops::{Add, Sub};

use serde::{Deserialize, Serialize};

/// A point in virtual time, in milliseconds since the run started.
///
/// The core never reads a wall clock (`Instant::now()` panics on
/// `wasm32-unknown-unknown`); every face turns its own notion of "now" into a
/// `Time` and asks the core about it.
///
/// # Examples
///
/// ```
/// use leakscope_sim::Time;
///
/// let t = Time::from_minutes(5) + Time::from_secs(30);
/// assert_eq!(t.to_string(), "05:30");
/// assert_eq!(t.whole_minutes(), 5);
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Time(pub u64);

impl Time {
    /// The start of every run.
    pub const ZERO: Time = Time(0);

    /// Later than any run: "never".
    pub const MAX: Time = Time(u64::MAX);

    /// `ms` milliseconds after the start.
    pub const fn from_millis(ms: u64) -> Time {
        Time(ms)
    }

    /// `s` seconds after the start.
    pub const fn from_secs(s: u64) -> Time {
        Time(s * 1_000)
    }

    /// `m` minutes after the start.
    pub const fn from_minutes(m: u64) -> Time {
        Time(m * 60_000)
    }

    /// Milliseconds since the start.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Whole minutes since the start, rounded down.
    pub const fn whole_minutes(self) -> u64 {
        self.0 / 60_000
    }

    /// Minutes since the start as a fraction.
    pub fn minutes_f64(self) -> f64 {
        self.0 as f64 / 60_000.0
    }

    /// The time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    pub const fn since(self, earlier: Time) -> Time {
        Time(self.0.saturating_sub(earlier.0))
    }
}

impl Add for Time {
    type Output = Time;
    fn add(self, rhs: Time) -> Time {
        Time(self.0 + rhs.0)
    }
}

impl Sub for Time {
    type Output = Time;
    fn sub(self, rhs: Time) -> Time {
        self.since(rhs)
    }
}

/// `mm:ss`, or `h:mm:ss` from one hour on, as the page's clock shows it.
impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0 / 1_000;
        let (h, m, s) = (secs / 3_600, (secs / 60) % 60, secs % 60);
        if h > 0 {
            write!(f, "{h}:{m:02}:{s:02}")
        } else {
            write!(f, "{m:02}:{s:02}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_shows_minutes_and_seconds_then_hours() {
        assert_eq!(Time::ZERO.to_string(), "00:00");
        assert_eq!(Time::from_minutes(58).to_string(), "58:00");
        assert_eq!(
            (Time::from_minutes(61) + Time::from_secs(5)).to_string(),
            "1:01:05"
        );
    }

    #[test]
    fn since_never_goes_below_zero() {
        assert_eq!(Time::from_secs(1).since(Time::from_secs(2)), Time::ZERO);
    }
}
