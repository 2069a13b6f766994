//! Times on the command line and in the report: RFC 3339 or Unix
//! seconds, read and written by jiff.

use crate::error::InputError;

/// Unix seconds as RFC 3339 in UTC: `2026-12-01T10:00:00Z`, milliseconds
/// when there are any.
pub fn rfc3339(t: f64) -> String {
    let ms = (t * 1000.0).round() as i64;
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) if ms % 1000 == 0 => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        // Beyond jiff's range (years past 9999): not a time a flag gives.
        Err(_) => format!("{t} s"),
    }
}

/// A time: Unix seconds (`1764583200`, `1764583200.5`) or RFC 3339
/// (`2026-12-01T10:00:00Z`, `2026-12-01T12:00:00.5+02:00`), read by jiff.
pub fn parse_time(flag: &str, raw: &str) -> Result<f64, InputError> {
    let allowed = "RFC 3339 (2026-12-01T10:00:00Z) or Unix seconds";
    let bad = |why: &str| InputError::new(flag, Some(raw), why, Some(allowed));
    let text = raw.trim();
    if let Ok(t) = text.parse::<f64>() {
        return if t.is_finite() && (0.0..=253_402_300_799.0).contains(&t) {
            Ok(t)
        } else {
            Err(bad("is out of range"))
        };
    }
    let ts: jiff::Timestamp = text.parse().map_err(|_| bad("is not a time"))?;
    if ts.as_second() < 0 {
        return Err(bad("is out of range"));
    }
    Ok(ts.as_second() as f64 + f64::from(ts.subsec_nanosecond()) / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_rfc3339_and_unix_seconds_and_print_back() {
        let t = parse_time("--start", "2026-12-01T10:00:00Z").unwrap();
        assert_eq!(t, 1_796_119_200.0);
        assert_eq!(rfc3339(t), "2026-12-01T10:00:00Z");
        assert_eq!(
            parse_time("--start", "2026-12-01T12:00:00.5+02:00").unwrap(),
            t + 0.5
        );
        assert_eq!(parse_time("--start", "1796119200").unwrap(), t);
        assert_eq!(rfc3339(0.25), "1970-01-01T00:00:00.250Z");
        assert_eq!(rfc3339(951_782_400.0), "2000-02-29T00:00:00Z");
        for bad in [
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-12-01 10:00",
            "-5",
            "inf",
        ] {
            assert!(parse_time("--start", bad).is_err(), "{bad}");
        }
    }
}
