//! The input's lines, numbered, each found once however often it is
//! peeked at.

use super::grammar::blank;

/// The input's lines, numbered from 1, without their line ends. Each line
/// is found once (one `memchr` over it), however often it is peeked at.
pub(super) struct Lines<'a> {
    /// The next line, without its line end, if any.
    head: Option<&'a str>,
    /// What follows the next line's line end.
    rest: &'a str,
    /// Lines consumed.
    pub(super) number: usize,
    /// The input ends with a line end (or is empty).
    pub(super) terminated: bool,
}

/// The first line of `text` (without `\n` or `\r\n`) and what follows it.
pub(super) fn first_line(text: &str) -> (Option<&str>, &str) {
    if text.is_empty() {
        return (None, "");
    }
    let (line, rest) = match text.find('\n') {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => (text, ""),
    };
    (Some(line.strip_suffix('\r').unwrap_or(line)), rest)
}

impl<'a> Lines<'a> {
    pub(super) fn new(text: &'a str) -> Lines<'a> {
        let (head, rest) = first_line(text);
        Lines {
            head,
            rest,
            number: 0,
            terminated: text.is_empty() || text.ends_with('\n'),
        }
    }

    /// How many lines the whole input has (for an error at its end).
    pub(super) fn count_all(&self) -> usize {
        self.number + usize::from(self.head.is_some()) + self.rest.lines().count()
    }

    pub(super) fn peek(&self) -> Option<(usize, &'a str)> {
        self.head.map(|line| (self.number + 1, line))
    }

    pub(super) fn next(&mut self) -> Option<(usize, &'a str)> {
        let item = self.peek()?;
        self.number += 1;
        (self.head, self.rest) = first_line(self.rest);
        Some(item)
    }

    /// Skips blank lines; the next other line, not consumed.
    pub(super) fn peek_nonblank(&mut self) -> Option<(usize, &'a str)> {
        while let Some((_, l)) = self.peek() {
            if blank(l) {
                self.next();
            } else {
                return self.peek();
            }
        }
        None
    }
}
