//! How the core writes a count in its sentences, as every face prints it.

/// A whole number with a comma every three digits: `1,958`. The core's
/// sentences (a detector's evidence) and the page's prose read alike.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A decimal with `places` digits after the point: `31.66`; `—` for what
/// is not a number.
pub fn decimal(x: f64, places: usize) -> String {
    if x.is_finite() {
        format!("{x:.places$}")
    } else {
        "—".to_owned()
    }
}

/// A signed decimal: `+30.50`, `-0.20`, `0.00` (a plus only before a
/// figure that is not zero once rounded).
pub fn signed(x: f64, places: usize) -> String {
    if x > 0.0
        && format!("{x:.places$}")
            .chars()
            .any(|c| c.is_ascii_digit() && c != '0')
    {
        format!("+{x:.places$}")
    } else {
        decimal(x, places)
    }
}

#[cfg(test)]
mod tests {
    use super::{decimal, signed, thousands};

    #[test]
    fn decimals_keep_their_sign() {
        assert_eq!(signed(30.5, 2), "+30.50");
        assert_eq!(signed(-0.2, 2), "-0.20");
        assert_eq!(signed(0.001, 2), "0.00");
        assert_eq!(decimal(f64::NAN, 1), "—");
        assert_eq!(decimal(1.0 / 3.0, 0), "0");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_958), "1,958");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }
}
