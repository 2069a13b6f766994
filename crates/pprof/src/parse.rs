//! Reading Go's goroutine dump texts.
//!
//! The formats, as Go's runtime writes them (`runtime/traceback.go`,
//! `runtime/pprof/pprof.go`, `runtime/pprof/label.go`):
//!
//! 1. `debug=2`: blocks separated by a blank line. A block is a header
//!    `goroutine 17 [IO wait, 5 minutes, locked to thread] {role: reader}:`,
//!    then frames (`pkg.(*T).fn(args…)` and `\tfile.go:123 +0x1d`),
//!    possibly `...additional frames elided...`, then `created by pkg.fn
//!    in goroutine 5` (older Go: without `in goroutine N`) and its location.
//! 2. `debug=1` and the `goroutineleak` profile: a header `goroutine
//!    profile: total N` (`goroutineleak profile: total N`), then groups:
//!    `COUNT @ 0x… 0x…`, an optional `# labels: {"k":"v", …}` line, frames
//!    `#\t0xPC\tpkg.fn+0xOFF\tfile.go:12`, and a blank line. The counts add
//!    up to the total.
//!
//! leakscope's own simulated dumps are read too: their frames have no
//! offsets, some no location, and their `debug=1` groups name a role and a
//! state after `@` instead of program counters.

use std::collections::BTreeMap;

use crate::dump::{Creator, Dump, Format, Frame, Location, Record};
use crate::error::ParseError;

const START: &str = "a goroutine dump (`goroutine profile: total N`, \
                     `goroutineleak profile: total N` or `goroutine N [state]:`)";
const HEADER: &str = "a goroutine header `goroutine N [state]:` or a blank line";
const FRAME: &str = "a stack frame `pkg.function(args)`";
const GROUP: &str = "a group `COUNT @ 0x…` or a blank line";

/// Parses a dump given as bytes; text that is not UTF-8 is an error naming
/// its line.
///
/// # Errors
///
/// [`ParseError`], see [`parse`].
pub fn parse_bytes(bytes: &[u8]) -> Result<Dump, ParseError> {
    parse(text_of(bytes)?)
}

/// The bytes of a dump as text, without copying them; bytes that are not
/// UTF-8 are an error naming their line (as [`parse_bytes`] reports it).
///
/// # Errors
///
/// [`ParseError`] at the line of the first byte that is not UTF-8.
pub fn text_of(bytes: &[u8]) -> Result<&str, ParseError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = 1 + good.iter().filter(|&&b| b == b'\n').count();
        ParseError {
            line,
            expected: "text (a goroutine dump is UTF-8)".to_owned(),
            found: "bytes that are not UTF-8".to_owned(),
        }
    })
}

/// Parses a goroutine dump: `debug=2`, `debug=1` or the `goroutineleak`
/// profile's text, told apart by their first line. Line ends may be `\n`
/// or `\r\n`.
///
/// # Errors
///
/// [`ParseError`] naming the first line that does not fit the format and
/// what was expected there: an empty input, a line of another shape, a
/// block with no frames, a `debug=1` dump whose groups do not add up to its
/// total (it was cut short), an input that stops in the middle of a line.
///
/// # Examples
///
/// ```
/// let dump = leakscope_pprof::parse(
///     "goroutine 7 [IO wait, 12 minutes]:\n\
///      main.reader(0xc000010000)\n\
///      \t/src/monitor.go:43 +0x1d\n\
///      created by main.openRotation in goroutine 1\n\
///      \t/src/monitor.go:24 +0x8f\n",
/// )
/// .unwrap();
/// let g = &dump.records[0];
/// assert_eq!((g.id, g.state.as_deref(), g.minutes), (Some(7), Some("IO wait"), Some(12)));
/// assert_eq!(g.created_by.as_ref().unwrap().goroutine, Some(1));
/// ```
pub fn parse(text: &str) -> Result<Dump, ParseError> {
    let mut records = Vec::new();
    let format = parse_with(text, |r| records.push(r))?;
    Ok(Dump { format, records })
}

/// Parses a goroutine dump as [`parse`] does, handing each record to `each`
/// in the order written instead of keeping them: what reads a dump of
/// 100,000 goroutines folds them one at a time (see [`crate::Tally`]).
/// Returns the dump's format.
///
/// # Errors
///
/// As [`parse`]; the records before the line in error have been handed
/// over already (a `debug=1` dump whose counts fall short of its total is
/// found at its end).
///
/// # Examples
///
/// ```
/// let mut ids = Vec::new();
/// let format = leakscope_pprof::parse_with(
///     "goroutine 7 [select]:\nmain.loop()\n\t/src/m.go:9 +0x1\n\n\
///      goroutine 8 [select]:\nmain.loop()\n\t/src/m.go:9 +0x1\n",
///     |r| ids.push(r.id),
/// )
/// .unwrap();
/// assert_eq!((format, ids), (leakscope_pprof::Format::Full, vec![Some(7), Some(8)]));
/// ```
pub fn parse_with<F: FnMut(Record)>(text: &str, mut each: F) -> Result<Format, ParseError> {
    let mut lines = Lines::new(text);
    // Leading blank lines are allowed; the first other line names the format.
    let Some((n, first)) = lines.peek_nonblank() else {
        return Err(ParseError::at_end(lines.count_all().max(1), START));
    };
    if let Some(rest) = first.strip_prefix("goroutine profile: total ") {
        let total = number(rest).ok_or_else(|| ParseError::at(n, "a total `N`", rest))?;
        lines.next();
        grouped(&mut lines, Format::Grouped, total, &mut each)?;
        return Ok(Format::Grouped);
    }
    if let Some(rest) = first.strip_prefix("goroutineleak profile: total ") {
        let total = number(rest).ok_or_else(|| ParseError::at(n, "a total `N`", rest))?;
        lines.next();
        grouped(&mut lines, Format::Leak, total, &mut each)?;
        return Ok(Format::Leak);
    }
    if first.starts_with("goroutine ") {
        full(&mut lines, &mut each)?;
        return Ok(Format::Full);
    }
    Err(ParseError::at(n, START, first))
}

/// The input's lines, numbered from 1, without their line ends. Each line
/// is found once (one `memchr` over it), however often it is peeked at.
struct Lines<'a> {
    /// The next line, without its line end, if any.
    head: Option<&'a str>,
    /// What follows the next line's line end.
    rest: &'a str,
    /// Lines consumed.
    number: usize,
    /// The input ends with a line end (or is empty).
    terminated: bool,
}

/// The first line of `text` (without `\n` or `\r\n`) and what follows it.
fn first_line(text: &str) -> (Option<&str>, &str) {
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
    fn new(text: &'a str) -> Lines<'a> {
        let (head, rest) = first_line(text);
        Lines {
            head,
            rest,
            number: 0,
            terminated: text.is_empty() || text.ends_with('\n'),
        }
    }

    /// How many lines the whole input has (for an error at its end).
    fn count_all(&self) -> usize {
        self.number + usize::from(self.head.is_some()) + self.rest.lines().count()
    }

    fn peek(&self) -> Option<(usize, &'a str)> {
        self.head.map(|line| (self.number + 1, line))
    }

    fn next(&mut self) -> Option<(usize, &'a str)> {
        let item = self.peek()?;
        self.number += 1;
        (self.head, self.rest) = first_line(self.rest);
        Some(item)
    }

    /// Skips blank lines; the next other line, not consumed.
    fn peek_nonblank(&mut self) -> Option<(usize, &'a str)> {
        while let Some((_, l)) = self.peek() {
            if blank(l) {
                self.next();
            } else {
                return self.peek();
            }
        }
        None
    }

    /// The line just read was the last and had no line end: the input was
    /// cut in the middle of it.
    fn cut_after(&self, line: usize) -> Result<(), ParseError> {
        if self.head.is_none() && !self.terminated {
            return Err(ParseError::at_end(
                line,
                "a line end (the input stops in the middle of this line)",
            ));
        }
        Ok(())
    }
}

/// `s` split around the first `pat` (which starts with an ASCII byte): a
/// byte scan, cheaper on short lines than `str::split_once`'s searcher.
fn split_at_first<'a>(s: &'a str, pat: &str) -> Option<(&'a str, &'a str)> {
    let (b, p) = (s.as_bytes(), pat.as_bytes());
    let last = b.len().checked_sub(p.len())?;
    (0..=last)
        .find(|&i| b[i] == p[0] && b[i..].starts_with(p))
        .map(|i| (&s[..i], &s[i + p.len()..]))
}

/// `s` split around the last `pat` (which starts with an ASCII byte).
fn split_at_last<'a>(s: &'a str, pat: &str) -> Option<(&'a str, &'a str)> {
    let (b, p) = (s.as_bytes(), pat.as_bytes());
    let last = b.len().checked_sub(p.len())?;
    (0..=last)
        .rev()
        .find(|&i| b[i] == p[0] && b[i..].starts_with(p))
        .map(|i| (&s[..i], &s[i + p.len()..]))
}

/// Nothing but white space (most lines start with a letter or a tab: told
/// at their first byte).
fn blank(line: &str) -> bool {
    match line.as_bytes().first() {
        None => true,
        Some(&b) if b.is_ascii() && !b.is_ascii_whitespace() && b != 0x0b => false,
        Some(_) => line.trim().is_empty(),
    }
}

/// Holds a control character (ASCII text checked byte by byte).
fn has_control(text: &str) -> bool {
    for b in text.bytes() {
        if b >= 0x80 {
            return text.chars().any(char::is_control);
        }
        if b < 0x20 || b == 0x7f {
            return true;
        }
    }
    false
}

/// Holds white space or a control character: in ASCII, the bytes up to
/// the space and DEL (one pass; other text checked by character).
fn has_space_or_control(text: &str) -> bool {
    for b in text.bytes() {
        if b >= 0x80 {
            return text.chars().any(|c| c.is_whitespace() || c.is_control());
        }
        if b <= 0x20 || b == 0x7f {
            return true;
        }
    }
    false
}

fn number(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `debug=2`: one block per goroutine.
fn full(lines: &mut Lines<'_>, each: &mut impl FnMut(Record)) -> Result<(), ParseError> {
    while let Some((n, line)) = lines.peek_nonblank() {
        lines.next();
        lines.cut_after(n)?;
        let mut record = header(n, line)?;
        block(lines, &mut record)?;
        each(record);
    }
    Ok(())
}

/// `goroutine 17 [IO wait, 5 minutes, locked to thread] {k: v}:`.
fn header(n: usize, line: &str) -> Result<Record, ParseError> {
    let bad = || ParseError::at(n, HEADER, line);
    let rest = line.strip_prefix("goroutine ").ok_or_else(bad)?;
    let (id, rest) = split_at_first(rest, " [").ok_or_else(bad)?;
    // With GOTRACEBACK=system or during a crash: `17 gp=0x… m=3 mp=0x…`.
    let id = number(id.split(' ').next().unwrap_or(id)).ok_or_else(bad)?;
    let (inside, after) = rest.split_once(']').ok_or_else(bad)?;
    let labels_text = after.strip_suffix(':').ok_or_else(bad)?;
    let labels = if labels_text.is_empty() {
        BTreeMap::new()
    } else {
        let body = labels_text
            .strip_prefix(" {")
            .and_then(|s| s.strip_suffix('}'))
            .ok_or_else(bad)?;
        labels(body).ok_or_else(bad)?
    };
    let mut parts = inside.split(", ");
    let mut status = parts.next().unwrap_or("").trim().to_owned();
    if status.is_empty() {
        return Err(bad());
    }
    let mut record = Record {
        line: n,
        count: 1,
        id: Some(id),
        state: None,
        minutes: None,
        locked_to_thread: false,
        leaked: false,
        notes: Vec::new(),
        labels,
        frames: Vec::new(),
        elided: false,
        created_by: None,
    };
    // Flags Go appends to the status itself: ` (scan)`, ` (leaked)`.
    // Other parentheses belong to the wait reason (`chan receive (nil chan)`).
    while let Some(flag) = ["leaked", "scan", "durable"].into_iter().find(|f| {
        status
            .strip_suffix(')')
            .and_then(|s| s.strip_suffix(f))
            .is_some_and(|s| s.ends_with(" ("))
    }) {
        status.truncate(status.len() - flag.len() - 3);
        if flag == "leaked" {
            record.leaked = true;
        } else {
            record.notes.push(format!("({flag})"));
        }
    }
    for part in parts {
        let part = part.trim();
        if part == "locked to thread" {
            record.locked_to_thread = true;
        } else if part == "leaked" {
            record.leaked = true;
        } else if let Some(m) = part
            .strip_suffix(" minutes")
            .or_else(|| part.strip_suffix(" minute"))
        {
            record.minutes = Some(number(m).ok_or_else(bad)?);
        } else if part.is_empty() {
            return Err(bad());
        } else {
            record.notes.push(part.to_owned());
        }
    }
    record.state = Some(status);
    Ok(record)
}

/// The frames and `created by` of one `debug=2` block, up to its blank line
/// or the end.
fn block(lines: &mut Lines<'_>, record: &mut Record) -> Result<(), ParseError> {
    // A frame's location must follow it, except in the simulation's dumps
    // (and Go's inlined frames keep theirs): taken when present.
    let mut last_was_location = false;
    let mut ancestors = false;
    while let Some((n, line)) = lines.peek() {
        if blank(line) {
            break;
        }
        lines.next();
        lines.cut_after(n)?;
        last_was_location = line.starts_with('\t');
        // `...additional frames elided...` after the innermost 100 frames,
        // `...N frames elided...` between the innermost and outermost (Go ≥ 1.21).
        if line.starts_with("...") && line.ends_with(" elided...") {
            record.elided = true;
            continue;
        }
        if line.starts_with("[originating from goroutine ") {
            // GODEBUG=tracebackancestors: the ancestors' stacks follow and
            // are not this goroutine's.
            ancestors = true;
            continue;
        }
        if ancestors {
            continue;
        }
        if line.starts_with('\t') {
            let Some(slot) = record.frames.last_mut() else {
                return Err(ParseError::at(n, FRAME, line));
            };
            if slot.location.is_some() || record.created_by.is_some() {
                return Err(ParseError::at(n, FRAME, line));
            }
            slot.location = Some(location(n, line)?);
            continue;
        }
        if let Some(rest) = line.strip_prefix("created by ") {
            if record.created_by.is_some() {
                return Err(ParseError::at(n, "a blank line after `created by`", line));
            }
            let (function, goroutine) = match split_at_last(rest, " in goroutine ") {
                Some((f, g)) => (
                    f,
                    Some(number(g).ok_or_else(|| ParseError::at(n, "a goroutine id", line))?),
                ),
                None => (rest, None),
            };
            let function = function_name(function)
                .ok_or_else(|| ParseError::at(n, "a function after `created by`", line))?;
            let mut location_of = None;
            if let Some((m, next)) = lines.peek().filter(|(_, l)| l.starts_with('\t')) {
                lines.next();
                lines.cut_after(m)?;
                location_of = Some(location(m, next)?);
                last_was_location = true;
            }
            record.created_by = Some(Creator {
                function,
                goroutine,
                location: location_of,
            });
            continue;
        }
        if record.created_by.is_some() {
            return Err(ParseError::at(n, "a blank line after `created by`", line));
        }
        let function = function_name(line).ok_or_else(|| ParseError::at(n, FRAME, line))?;
        record.frames.push(Frame {
            function,
            location: None,
        });
    }
    if record.frames.is_empty() {
        return match lines.peek() {
            Some((n, l)) => Err(ParseError::at(n, FRAME, l)),
            None => Err(ParseError::at_end(record.line + 1, FRAME)),
        };
    }
    // Go ends every block with a location line, and the last block with no
    // blank line after it; a block that ends otherwise at the end of the
    // input was cut short (the simulation's dumps end with a blank line).
    if lines.peek().is_none() && !last_was_location {
        return Err(ParseError::at_end(
            lines.number + 1,
            "a location `\\tfile.go:LINE` (the dump stops after a frame)",
        ));
    }
    Ok(())
}

/// A frame line's function: the text before its argument list, which is
/// the last balanced `(…)` at the end of the line, if any.
fn function_name(line: &str) -> Option<String> {
    let line = line.trim_end();
    let name = if line.ends_with(')') {
        let mut depth = 0usize;
        let mut open = None;
        // Parentheses are ASCII: bytes stand for characters here.
        for (i, &c) in line.as_bytes().iter().enumerate().rev() {
            match c {
                b')' => depth += 1,
                b'(' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        open = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let name = line[..open?].trim_end();
        // `main.(*T)` alone is a receiver, not a call: keep it whole.
        if name.ends_with('.') || name.is_empty() {
            line
        } else {
            name
        }
    } else {
        line
    };
    let valid = !name.is_empty()
        && name.contains('.')
        && !name.starts_with('.')
        && !has_space_or_control(name);
    valid.then(|| name.to_owned())
}

/// `\t/src/main.go:43 +0x1d`, `\tmain.go:43`, `\tdocker/stream.go`.
fn location(n: usize, line: &str) -> Result<Location, ParseError> {
    let bad = || ParseError::at(n, "a location `\\tfile.go:LINE +0xOFFSET`", line);
    let text = line.strip_prefix('\t').ok_or_else(bad)?;
    let text = match split_at_last(text, " +0x") {
        Some((t, off)) if !off.is_empty() && off.bytes().all(|b| b.is_ascii_hexdigit()) => t,
        Some(_) => return Err(bad()),
        None => text,
    };
    file_line(text).ok_or_else(bad)
}

/// `file.go:12` or `file.go`.
fn file_line(text: &str) -> Option<Location> {
    if text.is_empty() || has_control(text) || text.starts_with(' ') {
        return None;
    }
    match text.rsplit_once(':') {
        Some((file, l)) if !file.is_empty() && number(l).is_some() => Some(Location {
            file: file.to_owned(),
            line: u32::try_from(number(l)?).ok(),
        }),
        _ if text.contains(' ') => None,
        _ => Some(Location {
            file: text.to_owned(),
            line: None,
        }),
    }
}

/// `debug=1` and `goroutineleak`: groups of identical stacks.
fn grouped(
    lines: &mut Lines<'_>,
    format: Format,
    total: u64,
    each: &mut impl FnMut(Record),
) -> Result<(), ParseError> {
    let mut sum: u64 = 0;
    while let Some((n, line)) = lines.peek_nonblank() {
        lines.next();
        lines.cut_after(n)?;
        let bad = || ParseError::at(n, GROUP, line);
        let (count, rest) = line.split_once(" @").ok_or_else(bad)?;
        let count = number(count).filter(|&c| c > 0).ok_or_else(bad)?;
        let rest = rest.trim();
        let pcs = !rest.is_empty() && rest.split_whitespace().all(|w| hex(w).is_some());
        let state = if pcs {
            None
        } else {
            // The simulation's form: `ROLE [STATE] (note)`.
            let open = rest.find('[').ok_or_else(bad)?;
            let close = rest[open..].find(']').ok_or_else(bad)? + open;
            Some(rest[open + 1..close].to_owned()).filter(|s| !s.is_empty())
        };
        let mut record = Record {
            line: n,
            count,
            id: None,
            state,
            minutes: None,
            locked_to_thread: false,
            leaked: format == Format::Leak,
            notes: Vec::new(),
            labels: BTreeMap::new(),
            frames: Vec::new(),
            elided: false,
            created_by: None,
        };
        while let Some((m, l)) = lines.peek() {
            if blank(l) {
                break;
            }
            lines.next();
            lines.cut_after(m)?;
            grouped_line(m, l, &mut record)?;
        }
        // Real Go prints a group whose only frame is runtime-internal (a
        // goroutine not yet running: `1 @ 0x493e41`) with no frame line; a
        // blank line must still close it, or the input was cut.
        let frameless_ok = pcs && lines.peek().is_some();
        if record.frames.is_empty() && !frameless_ok {
            return Err(match lines.peek() {
                Some((m, l)) => ParseError::at(m, "a frame `#\\t0x…\\tpkg.fn+0x…\\tfile.go:N`", l),
                None => ParseError::at_end(n + 1, "a frame `#\\t0x…\\tpkg.fn+0x…\\tfile.go:N`"),
            });
        }
        if record.state.is_none() {
            record.state = inferred_state(&record.frames);
        }
        sum = sum.saturating_add(count);
        if sum > total {
            return Err(ParseError::at(
                n,
                format!("groups adding up to the total {total}"),
                line,
            ));
        }
        each(record);
    }
    if sum != total {
        return Err(ParseError::at_end(
            lines.count_all() + 1,
            format!("more groups: the counts add up to {sum} of the total {total} (cut short?)"),
        ));
    }
    Ok(())
}

/// One line of a `debug=1` group after its header.
fn grouped_line(n: usize, line: &str, record: &mut Record) -> Result<(), ParseError> {
    const LINE: &str = "a frame `#\\t0x…\\tpkg.fn+0x…\\tfile.go:N` or `# labels: {…}`";
    let bad = || ParseError::at(n, LINE, line);
    if let Some(body) = line.strip_prefix("# labels: ") {
        let body = body
            .strip_prefix('{')
            .and_then(|b| b.strip_suffix('}'))
            .ok_or_else(bad)?;
        record.labels = labels(body).ok_or_else(bad)?;
        return Ok(());
    }
    let rest = line.strip_prefix("#\t").ok_or_else(bad)?;
    let mut fields = rest.split('\t').filter(|f| !f.is_empty());
    let mut first = fields.next().ok_or_else(bad)?;
    if let Some(f) = first.strip_prefix("created by ") {
        let function = function_name(f).ok_or_else(bad)?;
        let location = match fields.next() {
            Some(l) => Some(file_line(l).ok_or_else(bad)?),
            None => None,
        };
        record.created_by = Some(Creator {
            function,
            goroutine: None,
            location,
        });
        return Ok(());
    }
    if first.starts_with("0x") {
        hex(first).ok_or_else(bad)?;
        match fields.next() {
            Some(f) => first = f,
            None => {
                // A PC with no symbol: Go prints it alone.
                record.frames.push(Frame {
                    function: first.to_owned(),
                    location: None,
                });
                return Ok(());
            }
        }
    }
    let name = match first.rsplit_once("+0x") {
        Some((name, off)) if hex(&format!("0x{off}")).is_some() => name,
        Some(_) => return Err(bad()),
        None => first,
    };
    let function = function_name(name).ok_or_else(bad)?;
    let location = match fields.next() {
        Some(l) => Some(file_line(l.trim()).ok_or_else(bad)?),
        None => None,
    };
    if fields.next().is_some() || record.created_by.is_some() {
        return Err(bad());
    }
    record.frames.push(Frame { function, location });
    Ok(())
}

fn hex(word: &str) -> Option<u64> {
    let digits = word.strip_prefix("0x")?;
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

/// Labels: `role: reader, path: "a b"` in a `debug=2` header (quoted only
/// when needed), `"role":"reader", "container":"0"` in `debug=1`.
fn labels(body: &str) -> Option<BTreeMap<String, String>> {
    let mut labels = BTreeMap::new();
    let mut rest = body.trim();
    while !rest.is_empty() {
        let (key, r) = label_token(rest, ':')?;
        let r = r.strip_prefix(':')?;
        let (value, r) = label_token(r.strip_prefix(' ').unwrap_or(r), ',')?;
        labels.insert(key, value);
        rest = r;
        if !rest.is_empty() {
            rest = rest.strip_prefix(',')?;
            rest = rest.strip_prefix(' ').unwrap_or(rest);
            if rest.is_empty() {
                return None;
            }
        }
    }
    Some(labels)
}

/// A label's key or value: Go-quoted, or plain up to `stop`.
fn label_token(s: &str, stop: char) -> Option<(String, &str)> {
    if s.starts_with('"') {
        return go_string(s);
    }
    let end = s.find(stop).unwrap_or(s.len());
    let token = &s[..end];
    (!token.is_empty() && !token.contains('"')).then(|| (token.to_owned(), &s[end..]))
}

/// A Go double-quoted string at the start of `s`, unquoted, and what follows.
fn go_string(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
            '\\' => {
                let (_, e) = chars.next()?;
                out.push(match e {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    other => other,
                });
            }
            c => out.push(c),
        }
    }
    None
}

/// `debug=1` prints no state: the frames tell two of them.
fn inferred_state(frames: &[Frame]) -> Option<String> {
    frames.iter().find_map(|f| match f.function.as_str() {
        "internal/poll.runtime_pollWait" => Some("IO wait".to_owned()),
        "sync.runtime_SemacquireWaitGroup" | "sync.(*WaitGroup).Wait" => {
            Some("sync.WaitGroup.Wait".to_owned())
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_lose_their_arguments_and_keep_receivers() {
        let cases = [
            (
                "main.(*Monitor).reader(0xc0001, {0x1, 0x2})",
                "main.(*Monitor).reader",
            ),
            (
                "main.(*Monitor).rotate.func1",
                "main.(*Monitor).rotate.func1",
            ),
            ("sync.(*WaitGroup).Wait(...)", "sync.(*WaitGroup).Wait"),
            (
                "runtime.gopark (outside the containers' lifecycles)",
                "runtime.gopark",
            ),
            ("main.F[...](0x1)", "main.F[...]"),
            ("main.main()", "main.main"),
        ];
        for (line, name) in cases {
            assert_eq!(function_name(line).as_deref(), Some(name), "{line}");
        }
        for junk in ["hello world", "abc", "", "(x)", ".x"] {
            assert_eq!(function_name(junk), None, "{junk}");
        }
    }

    #[test]
    fn headers_keep_state_minutes_lock_leak_and_labels() {
        let r = header(
            1,
            "goroutine 9 [IO wait, 7 minutes, locked to thread] {role: reader}:",
        )
        .unwrap();
        assert_eq!(
            (r.id, r.state.as_deref(), r.minutes),
            (Some(9), Some("IO wait"), Some(7))
        );
        assert!(r.locked_to_thread && !r.leaked);
        assert_eq!(r.labels["role"], "reader");
        let r = header(1, "goroutine 20 [chan send (leaked)]:").unwrap();
        assert_eq!((r.state.as_deref(), r.leaked), (Some("chan send"), true));
        let r = header(1, "goroutine 3 [semacquire, 1 minute]:").unwrap();
        assert_eq!(r.minutes, Some(1));
        let r = header(
            1,
            "goroutine 4 gp=0xc000002380 m=nil [select (durable), 3 minutes, synctest bubble 1]:",
        )
        .unwrap();
        assert_eq!(
            (r.id, r.state.as_deref(), r.minutes),
            (Some(4), Some("select"), Some(3))
        );
        assert_eq!(r.notes, ["(durable)", "synctest bubble 1"]);
        let r = header(1, "goroutine 5 [chan receive (nil chan)]:").unwrap();
        assert_eq!(r.state.as_deref(), Some("chan receive (nil chan)"));
        for junk in [
            "goroutine x [a]:",
            "goroutine 1 []:",
            "goroutine 1 [a]",
            "goroutine 1 [a, ]:",
        ] {
            assert!(header(1, junk).is_err(), "{junk}");
        }
    }

    #[test]
    fn ancestors_stacks_are_not_the_goroutines_own() {
        let d = parse(
            "goroutine 7 [chan receive]:\nmain.worker()\n\t/s/m.go:9 +0x1\ncreated by main.spawn in goroutine 6\n\t/s/m.go:20 +0x2\n\
             [originating from goroutine 6]:\nmain.spawn(...)\n\t/s/m.go:20\ncreated by main.main in goroutine 1\n\t/s/m.go:30 +0x3\n",
        )
        .unwrap();
        let r = &d.records[0];
        assert_eq!(r.frames.len(), 1);
        assert_eq!(r.created_by.as_ref().unwrap().function, "main.spawn");
    }

    #[test]
    fn locations_split_file_line_and_offset() {
        let l = location(1, "\t/src/a.go:43 +0x1d").unwrap();
        assert_eq!((l.file.as_str(), l.line), ("/src/a.go", Some(43)));
        assert_eq!(location(1, "\tdocker/stream.go").unwrap().line, None);
        assert_eq!(location(1, "\tC:/src/a.go:7").unwrap().file, "C:/src/a.go");
        assert!(location(1, "\t/src/a.go:43 +0xzz").is_err());
        assert!(location(1, "\t").is_err());
    }

    #[test]
    fn labels_read_both_the_quoted_and_the_plain_form() {
        let l = labels(r#""role":"reader", "path":"a\"b""#).unwrap();
        assert_eq!((l["role"].as_str(), l["path"].as_str()), ("reader", "a\"b"));
        let l = labels(r#"role: reader, path: "a, b: c""#).unwrap();
        assert_eq!(
            (l["role"].as_str(), l["path"].as_str()),
            ("reader", "a, b: c")
        );
        assert!(labels(r#""role":"reader","#).is_none());
        assert!(labels(r#""role""#).is_none());
        assert!(labels("role reader").is_none());
    }
}
