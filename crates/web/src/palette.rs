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
/// Orange: a fix people try.
pub const ORANGE: Rgb = Rgb(0xe6, 0x9f, 0x00);
/// Sky blue: another fix people try.
pub const SKY: Rgb = Rgb(0x56, 0xb4, 0xe9);

/// Colours for the programs between the first (the seed's bug) and the last
/// (the fix) of [`leakscope_sim::Program::ALL`], in order.
const TRIED: [Rgb; 4] = [BLOCKED, ORANGE, SKY, RETURNED];

/// The colour of `program`: the seed's bug (first in `Program::ALL`) is
/// vermillion, the fix (last) blue, the fixes people try in between take the
/// other Okabe–Ito colours in order. Chosen from the program's place, so a
/// program added to the core gets a colour without a change here.
pub fn program(program: leakscope_sim::Program) -> Rgb {
    let all = leakscope_sim::Program::ALL;
    let i = program.index();
    if i == 0 {
        BUGGY
    } else if i + 1 >= all.len() {
        FIXED
    } else {
        TRIED[(i - 1) % TRIED.len()]
    }
}

/// A dash pattern for `program`'s lines (SVG `stroke-dasharray` syntax), so
/// the series stay apart in greyscale and where they coincide: solid for the
/// seed's bug and the fix, broken for the fixes people try.
pub fn dashes(program: leakscope_sim::Program) -> &'static str {
    const TRIED: [&str; 3] = ["6 3", "2 3", "9 3 2 3"];
    let i = program.index();
    if i == 0 || i + 1 >= leakscope_sim::Program::ALL.len() {
        ""
    } else {
        TRIED[(i - 1) % TRIED.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leakscope_sim::Program;

    #[test]
    fn every_program_has_its_own_colour() {
        let colours: Vec<Rgb> = Program::ALL.iter().map(|&p| program(p)).collect();
        for (i, a) in colours.iter().enumerate() {
            assert!(!colours[i + 1..].contains(a), "{colours:?}");
        }
        assert_eq!(program(Program::BUGGY), BUGGY);
        assert_eq!(program(Program::FIXED), FIXED);
    }
}
