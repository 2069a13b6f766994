//! Geometry for the small SVG line charts (the gallery's sparklines and
//! the story's static figures): data points scaled into a box, long series
//! thinned so a week of minutes stays a few hundred points.
//!
//! Pure arithmetic: the components turn these strings into `<polyline>`s.

/// Most points a polyline gets; longer series keep each bin's extremes.
pub const MAX_POINTS: usize = 240;

/// The box a series is drawn into and the data range it spans.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Width, in SVG user units.
    pub width: f64,
    /// Height, in SVG user units.
    pub height: f64,
    /// The data's x at the right edge (its x starts at 0 on the left).
    pub x_max: f64,
    /// The data's y at the top edge (its y starts at 0 at the bottom).
    pub y_max: f64,
}

impl Frame {
    /// The SVG x of data x.
    pub fn x(&self, x: f64) -> f64 {
        self.width * (x / self.x_max.max(f64::MIN_POSITIVE)).clamp(0.0, 1.0)
    }

    /// The SVG y of data y (SVG's y grows downwards).
    pub fn y(&self, y: f64) -> f64 {
        self.height * (1.0 - (y / self.y_max.max(f64::MIN_POSITIVE)).clamp(0.0, 1.0))
    }
}

/// `values[i]` at x = `i`, thinned to at most about [`MAX_POINTS`] points:
/// each bin keeps its first point and its lowest and highest, in order, so
/// steps and peaks survive.
pub fn thin(values: &[u64]) -> Vec<(f64, f64)> {
    let n = values.len();
    let point = |i: usize| (i as f64, values[i] as f64);
    if n <= MAX_POINTS {
        return (0..n).map(point).collect();
    }
    let bins = MAX_POINTS / 3;
    let mut out = Vec::with_capacity(MAX_POINTS + 1);
    for b in 0..bins {
        let (from, to) = (b * n / bins, ((b + 1) * n / bins).min(n));
        if from >= to {
            continue;
        }
        let lo = (from..to).min_by_key(|&i| values[i]).unwrap_or(from);
        let hi = (from..to).max_by_key(|&i| values[i]).unwrap_or(from);
        let mut keep = [from, lo, hi];
        keep.sort_unstable();
        for (k, &i) in keep.iter().enumerate() {
            if k == 0 || keep[k - 1] != i {
                out.push(point(i));
            }
        }
    }
    if out.last().is_some_and(|&(x, _)| x as usize != n - 1) {
        out.push(point(n - 1));
    }
    out
}

/// An SVG `points` attribute for `points` scaled into `frame`.
pub fn polyline(points: &[(f64, f64)], frame: &Frame) -> String {
    let mut out = String::with_capacity(points.len() * 12);
    for (i, &(x, y)) in points.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&format!("{:.1},{:.1}", frame.x(x), frame.y(y)));
    }
    out
}

/// A round number at or above `v` for an axis top: 1, 2 or 5 × 10ⁿ (at
/// least 1).
pub fn nice_ceiling(v: f64) -> f64 {
    if !v.is_finite() || v <= 1.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&c| c >= v)
        .unwrap_or(10.0 * p)
}

/// A short label for an axis top: `1,900`, `12k`, `1.5M`.
pub fn short(v: f64) -> String {
    if v >= 1.0e6 {
        format!(
            "{}M",
            crate::format::dec(v / 1.0e6, 1).trim_end_matches(".0")
        )
    } else if v >= 1.0e4 {
        format!("{}k", crate::format::dec(v / 1.0e3, 0))
    } else {
        crate::format::int(v.round() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_series_keep_every_point() {
        let pts = thin(&[110, 110, 437]);
        assert_eq!(pts, [(0.0, 110.0), (1.0, 110.0), (2.0, 437.0)]);
    }

    #[test]
    fn long_series_are_thinned_and_keep_their_peak_and_ends() {
        let mut values: Vec<u64> = (0..10_081).map(|i| i / 100).collect();
        values[5_000] = 9_999;
        let pts = thin(&values);
        assert!(pts.len() <= MAX_POINTS + 1, "{}", pts.len());
        assert_eq!(pts.first(), Some(&(0.0, 0.0)));
        assert_eq!(pts.last(), Some(&(10_080.0, 100.0)));
        assert!(pts.contains(&(5_000.0, 9_999.0)));
        assert!(pts.windows(2).all(|w| w[0].0 < w[1].0), "x increases");
    }

    #[test]
    fn points_are_scaled_into_the_frame_with_y_up() {
        let f = Frame {
            width: 100.0,
            height: 20.0,
            x_max: 10.0,
            y_max: 200.0,
        };
        assert_eq!(
            polyline(&[(0.0, 0.0), (10.0, 200.0)], &f),
            "0.0,20.0 100.0,0.0"
        );
        assert_eq!(f.x(20.0), 100.0, "clamped");
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceiling(1_856.0), 2_000.0);
        assert_eq!(nice_ceiling(110.0), 200.0);
        assert_eq!(nice_ceiling(99_908.0), 100_000.0);
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(short(2_000.0), "2,000");
        assert_eq!(short(100_000.0), "100k");
        assert_eq!(short(1_500_000.0), "1.5M");
    }
}
