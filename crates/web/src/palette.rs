//! One colour-blind-safe palette (Okabe–Ito) for the canvases; `web/style.css`
//! uses the same values. Colour never carries meaning alone: every mark also
//! has a pattern, an icon or a label.

/// An RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`.
    pub fn css(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// `rgba(r,g,b,a)`.
    pub fn alpha(self, a: f64) -> String {
        format!("rgba({},{},{},{a})", self.0, self.1, self.2)
    }
}

/// The heartbeat: lives as long as the container.
pub const HEARTBEAT: Rgb = Rgb(0x33, 0x33, 0x33);
/// A reader doing its job (blue).
pub const READER: Rgb = Rgb(0x00, 0x72, 0xb2);
/// A reader and its handlers left behind (vermillion, hatched, ✕).
pub const LEFT_BEHIND: Rgb = Rgb(0xd5, 0x5e, 0x00);
/// A `rotate()` blocked in `Wait()` for good (reddish purple, cross-hatched, ‖).
pub const BLOCKED: Rgb = Rgb(0xcc, 0x79, 0xa7);
/// A `Wait()` that returned (bluish green, ✓).
pub const RETURNED: Rgb = Rgb(0x00, 0x9e, 0x73);
/// The buggy program's series.
pub const BUGGY: Rgb = LEFT_BEHIND;
/// The fixed program's series.
pub const FIXED: Rgb = READER;
/// The seed's limit line.
pub const LIMIT: Rgb = Rgb(0x55, 0x55, 0x55);
/// The point where the curves part (orange).
pub const DIVERGENCE: Rgb = Rgb(0xe6, 0x9f, 0x00);
/// Grid and faint text.
pub const FAINT: Rgb = Rgb(0xcc, 0xcc, 0xcc);
/// Ink.
pub const INK: Rgb = Rgb(0x1a, 0x1a, 0x1a);
