//! Durations as people type them (`500ms`, `1.5s`, `5m`, `1h30m`, or a bare
//! number of seconds), read by humantime, and as the CLI prints them
//! (`1h30m`, `500ms`), written by jiff's "friendly" printer (humantime's
//! own puts spaces between the units: `1h 30m`).

use std::time::Duration;

use jiff::SignedDuration;
use jiff::fmt::friendly::{Designator, Spacing, SpanPrinter};

/// The longest duration read: about 31 years.
const MAX_SECS: u64 = 1_000_000_000;

/// Why a text is not a duration, in a few words for a one-line error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Occurs when the text is empty (or only spaces).
    #[error("empty")]
    Empty,
    /// Occurs when a number is missing where one should be (`ms`, `5m x`).
    #[error("expected a number at {0:?}")]
    NumberExpected(String),
    /// Occurs at a character no duration holds (`5m!`).
    #[error("unexpected {0:?}")]
    Unexpected(char),
    /// Occurs when a number has a unit that is not one (`5x`).
    #[error("unknown unit {0:?}")]
    UnknownUnit(String),
    /// Occurs when the duration is longer than 10⁹ seconds, or a bare
    /// number is negative.
    #[error("out of range")]
    OutOfRange,
}

/// Parses `500ms`, `1s`, `1.5s`, `5m`, `2h`, `1h30m`, `1h 30m` (humantime's units:
/// `ms`, `s`/`sec`, `m`/`min`, `h`/`hr`, and longer names); a bare number
/// is seconds (`2`, `0.5`).
///
/// # Errors
///
/// [`DurationError`] when the text is not such a duration.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use leakscope_cli::duration::parse;
///
/// assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
/// assert_eq!(parse("500ms").unwrap(), Duration::from_millis(500));
/// assert_eq!(parse("5x").unwrap_err().to_string(), "unknown unit \"x\"");
/// ```
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    use humantime::DurationError as H;
    let t = text.trim();
    if let Ok(secs) = t.parse::<f64>() {
        if !secs.is_finite() || !(0.0..=MAX_SECS as f64).contains(&secs) {
            return Err(DurationError::OutOfRange);
        }
        return Ok(Duration::from_secs_f64(secs));
    }
    let d = humantime::parse_duration(t).map_err(|e| match e {
        H::Empty => DurationError::Empty,
        H::NumberExpected(at) => DurationError::NumberExpected(t.get(at..).unwrap_or(t).to_owned()),
        H::InvalidCharacter(at) => {
            DurationError::Unexpected(t.get(at..).and_then(|r| r.chars().next()).unwrap_or(' '))
        }
        H::UnknownUnit { unit, .. } => DurationError::UnknownUnit(unit),
        H::NumberOverflow => DurationError::OutOfRange,
    })?;
    if d > Duration::from_secs(MAX_SECS) {
        return Err(DurationError::OutOfRange);
    }
    Ok(d)
}

/// `d` the way [`parse`] reads it: `1s`, `500ms`, `5m`, `1h30m`; a
/// duration that is not whole seconds in milliseconds (`1500ms`).
pub fn format(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let whole = SignedDuration::from_secs(i64::try_from(ms / 1000).unwrap_or(i64::MAX));
    SpanPrinter::new()
        .designator(Designator::Compact)
        .spacing(Spacing::None)
        .duration_to_string(&whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip_through_their_text() {
        for text in [
            "0s", "1s", "500ms", "1500ms", "5m", "1h30m", "2h", "1m5s", "25h",
        ] {
            assert_eq!(format(parse(text).unwrap()), text);
        }
        assert_eq!(parse("1h 30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("2").unwrap(), Duration::from_secs(2));
        assert_eq!(parse("0.5").unwrap(), Duration::from_millis(500));
        assert_eq!(
            parse("-1s"),
            Err(DurationError::NumberExpected("-1s".into()))
        );
        assert_eq!(parse("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse("-1"), Err(DurationError::OutOfRange));
        assert_eq!(parse(""), Err(DurationError::Empty));
        assert_eq!(parse("5x"), Err(DurationError::UnknownUnit("x".into())));
        assert_eq!(
            parse("1 fortnight"),
            Err(DurationError::UnknownUnit("fortnight".into()))
        );
        assert_eq!(parse("40y"), Err(DurationError::OutOfRange));
        assert_eq!(parse("5m!"), Err(DurationError::Unexpected('!')));
    }
}
