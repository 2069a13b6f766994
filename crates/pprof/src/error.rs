//! What is wrong with a dump, and where.

use std::fmt;

/// A text that holds no goroutine: the line where reading looked for one,
/// what was expected there and what was found.
///
/// # Examples
///
/// ```
/// let err = leakscope_pprof::parse("\n<html>404</html>\n").unwrap_err();
/// assert_eq!(err.line, 2);
/// assert!(err.to_string().starts_with("line 2: expected a goroutine dump"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// The line, counted from 1.
    pub line: usize,
    /// What would have been read there, in words.
    pub expected: String,
    /// What was there instead: the line (shortened, quoted), or why nothing
    /// could be read (`the end of the input`).
    pub found: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: expected {}, found {}",
            self.line, self.expected, self.found
        )
    }
}

/// The longest piece of a line an error quotes.
const QUOTED: usize = 60;

impl ParseError {
    /// An error at `line` (from 1) whose text is `text`.
    pub(crate) fn at(line: usize, expected: impl Into<String>, text: &str) -> ParseError {
        ParseError {
            line,
            expected: expected.into(),
            found: quote(text),
        }
    }

    /// An error where the input ends early.
    pub(crate) fn at_end(line: usize, expected: impl Into<String>) -> ParseError {
        ParseError {
            line,
            expected: expected.into(),
            found: "the end of the input".to_owned(),
        }
    }
}

/// `text` quoted for a one-line message, shortened to [`QUOTED`] characters.
fn quote(text: &str) -> String {
    let short: String = text.chars().take(QUOTED).collect();
    if short.len() < text.len() {
        format!("{short:?}…")
    } else {
        format!("{short:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_shortened_and_quoted() {
        let e = ParseError::at(3, "a frame", &"x".repeat(100));
        assert_eq!(
            e.to_string(),
            format!("line 3: expected a frame, found {:?}…", "x".repeat(60))
        );
    }
}
