//! How numbers and times read on the page.

/// A whole number with thousands separators, for prose: `1,856`. The
/// core's own ([`leakscope_sim::thousands`]), so the page and the core's
/// sentences (a detector's evidence) write a count alike.
pub fn int(n: u64) -> String {
    leakscope_sim::thousands(n)
}

/// A decimal with `places` digits after the point: `31.66` (the core's,
/// as in the sentences it writes).
pub fn dec(x: f64, places: usize) -> String {
    leakscope_sim::decimal(x, places)
}

/// A signed decimal: `+30.50`, `-0.20`, `0.00` (the core's).
pub fn signed(x: f64, places: usize) -> String {
    leakscope_sim::signed(x, places)
}

/// A rotation period in words: `5 min`, `90 s`, `1.5 min`.
pub fn period(secs: u32) -> String {
    if secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else if secs < 60 {
        format!("{secs} s")
    } else {
        let m = f64::from(secs) / 60.0;
        let s = format!("{m:.2}");
        format!("{} min", s.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// Whole minutes as a clock, `mm:00` (or `h:mm:00`).
pub fn minute(m: u32) -> String {
    leakscope_sim::Time::from_minutes(u64::from(m)).to_string()
}

/// A time-axis label for minute `m` of a run of `total` minutes: `mm:00`
/// for short runs, hours (`6h`, `7h30`) from two hours on.
pub fn axis_minute(m: u32, total: u32) -> String {
    if total < 120 {
        minute(m)
    } else if m.is_multiple_of(60) {
        format!("{}h", m / 60)
    } else {
        format!("{}h{:02}", m / 60, m % 60)
    }
}

/// `n` and a noun, singular or plural as `n` asks: `1 reader`, `2 readers`
/// (the page never writes "reader(s)").
pub fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", int(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_singular_or_plural() {
        assert_eq!(count(1, "reader", "readers"), "1 reader");
        assert_eq!(count(0, "reader", "readers"), "0 readers");
        assert_eq!(count(1_958, "reader", "readers"), "1,958 readers");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1_856), "1,856");
        assert_eq!(int(1_234_567), "1,234,567");
    }

    #[test]
    fn decimals_keep_their_sign() {
        assert_eq!(signed(30.5, 2), "+30.50");
        assert_eq!(signed(0.0, 2), "0.00");
        assert_eq!(signed(-0.2, 2), "-0.20");
        assert_eq!(dec(f64::NAN, 1), "—");
    }

    #[test]
    fn long_axes_read_in_hours() {
        assert_eq!(axis_minute(10, 58), "10:00");
        assert_eq!(axis_minute(360, 1440), "6h");
        assert_eq!(axis_minute(450, 1440), "7h30");
    }

    #[test]
    fn periods_read_in_minutes_or_seconds() {
        assert_eq!(period(300), "5 min");
        assert_eq!(period(45), "45 s");
        assert_eq!(period(90), "1.5 min");
    }
}
