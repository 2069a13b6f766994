//! Durations as people type them: `500ms`, `1s`, `5m`, `1h30m`.

use std::time::Duration;

/// Parses `500ms`, `1s`, `1.5s`, `5m`, `2h`, `1h30m` (units `ms`, `s`,
/// `m`, `h`; a bare number is seconds).
///
/// # Errors
///
/// A short reason when the text is not such a duration.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use leakscope_monitor::duration::parse;
///
/// assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
/// assert_eq!(parse("500ms").unwrap(), Duration::from_millis(500));
/// assert!(parse("5 parsecs").is_err());
/// ```
pub fn parse(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty".into());
    }
    if let Ok(secs) = t.parse::<f64>() {
        return from_secs(secs);
    }
    let mut total = 0f64;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("expected a number at {rest:?}"));
        }
        let value: f64 = rest[..digits]
            .parse()
            .map_err(|_| format!("bad number {:?}", &rest[..digits]))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match rest[..unit_len].trim() {
            "ms" => 0.001,
            "s" | "sec" | "secs" => 1.0,
            "m" | "min" | "mins" => 60.0,
            "h" | "hr" | "hours" => 3600.0,
            other => return Err(format!("unknown unit {other:?}")),
        };
        rest = &rest[unit_len..];
        total += value * scale;
    }
    from_secs(total)
}

fn from_secs(secs: f64) -> Result<Duration, String> {
    if !secs.is_finite() || !(0.0..=1e9).contains(&secs) {
        return Err("out of range".into());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `d` the way [`parse`] reads it: `1s`, `500ms`, `5m`, `1h30m`.
pub fn format(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out += &format!("{h}h");
    }
    if m > 0 {
        out += &format!("{m}m");
    }
    if s > 0 {
        out += &format!("{s}s");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip_through_their_text() {
        for text in ["1s", "500ms", "5m", "1h30m", "2h", "1m5s"] {
            assert_eq!(format(parse(text).unwrap()), text);
        }
        assert_eq!(parse("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse("2").unwrap(), Duration::from_secs(2));
        assert!(parse("-1s").is_err());
        assert!(parse("").is_err());
        assert!(parse("1 fortnight").is_err());
    }
}
