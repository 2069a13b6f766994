//! Log lines: when a container writes them, and how many a stream reads.
//!
//! A container writes `lines_per_min` lines a minute, evenly: line `k` (from
//! 0) at `⌊k · 60000 / r⌋` ms, moved 1 ms later when that falls on a whole
//! second. Streams open, fail and close, and samples are taken, on whole
//! seconds only, so no line is ever written at the instant a stream changes:
//! which stream reads a line never depends on the order of same-instant
//! events. A stream open over `[s, d)` reads every line written in it.

use crate::Time;

/// The line schedule of a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineClock {
    per_min: u64,
    /// The longest gap between two lines, in milliseconds.
    gap: u64,
}

impl LineClock {
    /// The schedule of a container writing `lines_per_min` lines a minute.
    pub fn new(lines_per_min: u32) -> LineClock {
        let per_min = u64::from(lines_per_min);
        LineClock {
            per_min,
            gap: 60_000u64.div_ceil(per_min.max(1)),
        }
    }

    /// Lines written before `t` (a whole second): the index of the first
    /// line written at or after it.
    pub fn before(&self, t: Time) -> u64 {
        // 64 bits hold every instant of a valid run times 30,000 lines a
        // minute; 128-bit division costs far more (a library call, and more
        // still on wasm32).
        match t.as_millis().checked_mul(self.per_min) {
            Some(x) => x.div_ceil(60_000),
            None => (u128::from(t.as_millis()) * u128::from(self.per_min)).div_ceil(60_000) as u64,
        }
    }

    /// When line `k` (from 0) is written: never on a whole second.
    pub fn written_at(&self, k: u64) -> Time {
        let t = self.at(k);
        if t.as_millis().is_multiple_of(1000) {
            Time(t.as_millis() + 1)
        } else {
            t
        }
    }

    /// When line `k` is written, before the 1 ms shift.
    fn at(&self, k: u64) -> Time {
        let per_min = self.per_min.max(1);
        match k.checked_mul(60_000) {
            Some(x) => Time(x / per_min),
            None => Time((u128::from(k) * 60_000 / u128::from(per_min)) as u64),
        }
    }

    /// Lines written in `[s, d)`, both whole seconds.
    pub fn between(&self, s: Time, d: Time) -> u64 {
        if d <= s {
            return 0;
        }
        self.before(d) - self.before(s)
    }

    /// For a stream that reads `[s, d)`: the ranges `(a, b]` of sample
    /// instants `t` at which it has read a line in `[t − period, t)`.
    pub(crate) fn heard(&self, s: Time, d: Time, period: Time, mut f: impl FnMut(Time, Time)) {
        let n = self.between(s, d);
        if n == 0 {
            return;
        }
        let first = self.before(s);
        let last = first + n - 1;
        if self.gap <= period.as_millis() {
            f(self.at(first), self.at(last) + period);
        } else {
            for k in first..=last {
                f(self.at(k), self.at(k) + period);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines of `[s, d)` counted one by one, with the 1 ms shift.
    fn count(per_min: u32, s: Time, d: Time) -> u64 {
        let c = LineClock::new(per_min);
        // Only the lines near [s, d), found without the closed form.
        let near = |t: Time| t.as_millis() * u64::from(per_min) / 60_000;
        (near(s).saturating_sub(3)..near(d) + 3)
            .map(|k| c.written_at(k).as_millis())
            .filter(|&t| s.as_millis() <= t && t < d.as_millis())
            .count() as u64
    }

    #[test]
    fn the_closed_form_counts_every_line_once() {
        for per_min in [1, 7, 30, 60, 61, 600, 1000, 30_000] {
            for (s, d) in [(0, 300), (17, 18), (0, 1), (59, 3601), (300, 300), (1, 61)] {
                let (s, d) = (Time::from_secs(s), Time::from_secs(d));
                assert_eq!(
                    LineClock::new(per_min).between(s, d),
                    count(per_min, s, d),
                    "{per_min}/min over [{s}, {d})"
                );
            }
        }
    }

    #[test]
    fn consecutive_streams_share_no_line_and_miss_none() {
        let c = LineClock::new(60);
        let (a, b, e) = (Time::ZERO, Time::from_secs(300), Time::from_secs(600));
        assert_eq!(c.between(a, b) + c.between(b, e), c.between(a, e));
        assert_eq!(c.between(a, e), 600);
        assert_eq!(LineClock::new(0).between(a, e), 0);
    }

    #[test]
    fn a_stream_is_heard_for_one_period_after_its_last_line() {
        let c = LineClock::new(60);
        let period = Time::from_secs(300);
        let mut heard = Vec::new();
        c.heard(Time::ZERO, Time::from_secs(300), period, |a, b| {
            heard.push((a, b))
        });
        assert_eq!(heard, vec![(Time::ZERO, Time::from_secs(299 + 300))]);
        let mut sparse = 0;
        LineClock::new(1).heard(
            Time::ZERO,
            Time::from_secs(180),
            Time::from_secs(30),
            |_, _| sparse += 1,
        );
        assert_eq!(sparse, 3);
    }
}
