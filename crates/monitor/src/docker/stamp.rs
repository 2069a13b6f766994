//! Docker's log timestamps, at the nanosecond.

use std::time::Duration;

/// A Docker log timestamp: seconds and nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    /// Whole seconds since the Unix epoch.
    pub secs: i64,
    /// Nanoseconds within the second (below 1e9).
    pub nanos: u32,
}

impl Stamp {
    /// An RFC 3339 timestamp as Docker writes it
    /// (`2024-05-01T12:34:56.123456789Z`, or with an offset), read by jiff.
    pub fn parse(ts: &str) -> Option<Stamp> {
        let t: jiff::Timestamp = ts.parse().ok()?;
        let nanos = t.as_nanosecond();
        Some(Stamp {
            secs: i64::try_from(nanos.div_euclid(1_000_000_000)).ok()?,
            nanos: u32::try_from(nanos.rem_euclid(1_000_000_000)).ok()?,
        })
    }

    /// As the engine's `since` takes it: `<secs>.<nanos>` (nine digits).
    pub fn to_since(self) -> String {
        format!("{}.{:09}", self.secs, self.nanos)
    }

    /// This instant minus `d`.
    pub fn minus(self, d: Duration) -> Stamp {
        let total = i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
            - i128::try_from(d.as_nanos()).unwrap_or(i128::MAX / 2);
        Stamp {
            secs: i64::try_from(total.div_euclid(1_000_000_000)).unwrap_or(i64::MIN),
            nanos: u32::try_from(total.rem_euclid(1_000_000_000)).unwrap_or(0),
        }
    }
}

/// Whole seconds since the Unix epoch of an RFC 3339 timestamp as Docker
/// writes it (`2024-05-01T12:34:56.123456789Z`, or with an offset).
pub fn timestamp_seconds(ts: &str) -> Option<i64> {
    Stamp::parse(ts).map(|s| s.secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_timestamps_parse_to_unix_seconds() {
        assert_eq!(timestamp_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            timestamp_seconds("2024-05-01T12:34:56.123456789Z"),
            Some(1_714_566_896)
        );
        assert_eq!(
            timestamp_seconds("2024-05-01T14:34:56.1+02:00"),
            Some(1_714_566_896)
        );
        assert_eq!(timestamp_seconds("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(timestamp_seconds("not a time"), None);
    }

    #[test]
    fn stamps_keep_nanoseconds_and_print_as_since() {
        let s = Stamp::parse("2024-05-01T12:34:56.123456789Z").unwrap();
        assert_eq!((s.secs, s.nanos), (1_714_566_896, 123_456_789));
        assert_eq!(s.to_since(), "1714566896.123456789");
        let short = Stamp::parse("2024-05-01T12:34:56.5Z").unwrap();
        assert_eq!(short.nanos, 500_000_000);
        assert!(short > s);
        assert_eq!(
            s.minus(Duration::from_millis(200)).to_since(),
            "1714566895.923456789"
        );
    }
}
