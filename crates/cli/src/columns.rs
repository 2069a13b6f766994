//! The CLI's column tables (`analyze`, `watch`, `fleet`): a header, then one
//! line per row, every column as wide as its widest cell, two spaces
//! between columns, numbers right-aligned, no trailing spaces.

/// Where a column's cells sit in its width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text: padded on the right.
    Left,
    /// Numbers: padded on the left.
    Right,
}

/// A table being filled row by row, then [`Columns::render`]ed.
///
/// # Examples
///
/// ```
/// use leakscope_cli::columns::{Align, Columns};
///
/// let mut t = Columns::new(&[("count", Align::Right), ("function", Align::Left)]);
/// t.row(["517", "net.(*netFD).Read"]);
/// t.row(["2", "main.rotate"]);
/// assert_eq!(
///     t.render(),
///     "count  function\n  517  net.(*netFD).Read\n    2  main.rotate\n"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Columns {
    /// A table with these column headers and alignments.
    pub fn new(header: &[(&str, Align)]) -> Columns {
        Columns {
            align: header.iter().map(|(_, a)| *a).collect(),
            rows: vec![header.iter().map(|(h, _)| (*h).to_owned()).collect()],
        }
    }

    /// Adds a row: one cell per column, in the header's order.
    ///
    /// # Panics
    ///
    /// When the row does not have one cell per column (a bug in the
    /// caller, not bad input).
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let row: Vec<String> = cells.into_iter().map(Into::into).collect();
        assert_eq!(row.len(), self.align.len(), "one cell per column");
        self.rows.push(row);
    }

    /// The header and the rows, one line each.
    pub fn render(&self) -> String {
        let widths: Vec<usize> = (0..self.align.len())
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| r[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .zip(&self.align)
                .zip(&widths)
                .map(|((cell, align), &w)| match align {
                    Align::Left => format!("{cell:<w$}"),
                    Align::Right => format!("{cell:>w$}"),
                })
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_widest_cell_counted_in_characters() {
        let mut t = Columns::new(&[
            ("n", Align::Right),
            ("state", Align::Left),
            ("", Align::Left),
        ]);
        t.row(["1,958", "≥ IO wait", ""]);
        t.row(["2", "sleep", "x"]);
        assert_eq!(
            t.render(),
            "    n  state\n1,958  ≥ IO wait\n    2  sleep      x\n"
        );
    }
}
