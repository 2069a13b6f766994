//! Reading Go's goroutine dump texts, wherever they sit in a text.
//!
//! The formats, as Go's runtime writes them (`runtime/traceback.go`,
//! `runtime/pprof/pprof.go`, `runtime/pprof/label.go`, `runtime/panic.go`):
//!
//! 1. `debug=2`, `runtime.Stack(buf, true)`, and the goroutines of a panic,
//!    a fatal error, a signal (`SIGQUIT: quit`) or a `go test` timeout:
//!    blocks separated by a blank line. A block is a header `goroutine 17
//!    [IO wait, 5 minutes, locked to thread] {role: reader}:` (under
//!    `GOTRACEBACK=system`: `goroutine 17 gp=0x… m=3 mp=0x… [state]:`), then
//!    frames (`pkg.(*T).fn(args…)` and `\tfile.go:123 +0x1d`), possibly
//!    `...N frames elided...`, then `created by pkg.fn in goroutine 5`
//!    (older Go: without `in goroutine N`) and its location; ancestors
//!    (`[originating from goroutine N]:`) may follow.
//! 2. `debug=1` and the `goroutineleak` profile: a header `goroutine
//!    profile: total N` (`goroutineleak profile: total N`), then groups:
//!    `COUNT @ 0x… 0x…`, an optional `# labels: {"k":"v", …}` line, frames
//!    `#\t0xPC\tpkg.fn+0xOFF\tfile.go:12`, and a blank line.
//!
//! A text is read the way a reader skims an issue comment: what is not a
//! dump (prose, test output, register dumps, other processes' lines, even
//! between a goroutine's lines) is skipped and counted; line ends may be
//! CRLF; tabs turned into spaces by a paste are read as tabs; several
//! dumps one after another are a series. Only a text with no goroutine at
//! all is a [`ParseError`].
//!
//! leakscope's own simulated dumps are read too: their frames have no
//! offsets, some no location, and their `debug=1` groups name a role and a
//! state after `@` instead of program counters.

use std::collections::HashMap;

use crate::dump::{Cause, CauseKind, Cut, Dump, Event, Format, Frame, Reading, Record};
use crate::error::ParseError;

mod grammar;
mod lines;

use grammar::*;
use lines::Lines;

const START: &str = "a goroutine dump (`goroutine N [state]:` and its frames, \
                     `goroutine profile: total N` or `goroutineleak profile: total N`)";

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

/// Parses a text holding goroutine dumps: `debug=2`, `debug=1`, the
/// `goroutineleak` profile, or the goroutines Go prints on a panic, a fatal
/// error, a signal or a test timeout, with anything around them. The
/// result is the last dump, its [`Cause`], what reading skipped or found
/// cut ([`Dump::reading`]) and, for a series, the first dump
/// ([`Dump::earliest`]).
///
/// # Errors
///
/// [`ParseError`] when the text holds no whole goroutine and no dump
/// header: it names the first line that is not blank.
///
/// # Examples
///
/// ```
/// let dump = leakscope_pprof::parse(
///     "panic: boom\n\n\
///      goroutine 7 [running]:\n\
///      main.reader(0xc000010000)\n\
///      \t/src/monitor.go:43 +0x1d\n\
///      created by main.openRotation in goroutine 1\n\
///      \t/src/monitor.go:24 +0x8f\n\
///      exit status 2\n",
/// )
/// .unwrap();
/// let g = &dump.records[0];
/// assert_eq!((g.id, g.state.as_deref()), (Some(7), Some("running")));
/// assert_eq!(dump.cause.unwrap().message, "boom");
/// assert_eq!(dump.reading.skipped, 1);
/// ```
pub fn parse(text: &str) -> Result<Dump, ParseError> {
    let mut dumps: Vec<Dump> = Vec::new();
    let reading = read_with(text, |e| match e {
        Event::Dump { format, cause, .. } => {
            // Only the first and the last of a series are kept.
            if dumps.len() == 2 {
                dumps.pop();
            }
            dumps.push(Dump {
                format,
                records: Vec::new(),
                cause,
                reading: Reading::default(),
                earliest: None,
            });
        }
        Event::Record(r) => {
            if let Some(d) = dumps.last_mut() {
                d.records.push(r);
            }
        }
    })?;
    let mut last = dumps.pop().expect("read_with found a dump");
    last.reading = reading;
    last.earliest = dumps.pop().map(Box::new);
    Ok(last)
}

/// Reads a text as [`parse`] does, handing each dump's start and each
/// whole goroutine (or group) to `each` in the order written instead of
/// keeping them: what reads a dump of 100,000 goroutines folds them one at
/// a time (see [`crate::Tally`]). Returns what reading found.
///
/// # Errors
///
/// As [`parse`].
///
/// # Examples
///
/// ```
/// use leakscope_pprof::{Event, read_with};
///
/// let mut ids = Vec::new();
/// let reading = read_with(
///     "goroutine 7 [select]:\nmain.loop()\n\t/src/m.go:9 +0x1\n\n\
///      goroutine 8 [select]:\nmain.loop()\n",
///     |e| if let Event::Record(r) = e { ids.push(r.id) },
/// )
/// .unwrap();
/// assert_eq!(ids, [Some(7)]);
/// assert_eq!(reading.notes(), ["cut after goroutine 7: the last goroutine is incomplete"]);
/// ```
pub fn read_with<F: FnMut(Event)>(text: &str, each: F) -> Result<Reading, ParseError> {
    let mut r = Reader {
        lines: Lines::new(text),
        each,
        reading: Reading::default(),
        cause: None,
        open: None,
        ids: HashMap::new(),
        last_id: None,
        all_records: 0,
        signal: None,
    };
    r.run();
    if r.all_records == 0
        && let Some(cut) = &r.reading.cut
    {
        return Err(ParseError::at_end(
            cut.line,
            format!("a whole goroutine ({})", cut.missing),
        ));
    }
    if r.reading.dumps == 0 {
        let mut lines = Lines::new(text);
        return Err(match lines.peek_nonblank() {
            Some((n, l)) => ParseError::at(n, START, l),
            None => ParseError::at_end(lines.count_all().max(1), START),
        });
    }
    Ok(r.reading)
}

/// The dump being read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    /// `debug=2`-shaped goroutines.
    Full,
    /// A `debug=1` or `goroutineleak` dump (its format).
    Grouped(Format),
}

struct Reader<'a, F> {
    lines: Lines<'a>,
    each: F,
    reading: Reading,
    /// A cause read, waiting for its dump's first goroutine.
    cause: Option<Cause>,
    /// The dump being read, if any.
    open: Option<Open>,
    /// The goroutine ids of the open `debug=2` dump: one seen again starts
    /// the next dump of a series (a map, as the tally's: one map type in
    /// the page's wasm).
    ids: HashMap<u64, u32>,
    /// The last whole goroutine handed over.
    last_id: Option<u64>,
    /// Records handed over, in every dump.
    all_records: u64,
    /// The signal that started the open dump, if one did.
    signal: Option<String>,
}

impl<F: FnMut(Event)> Reader<'_, F> {
    fn start(&mut self, open: Open, format: Format, line: usize) {
        self.open = Some(open);
        self.ids.clear();
        self.reading.dumps += 1;
        let cause = self.cause.take();
        self.signal = cause
            .as_ref()
            .filter(|c| c.kind == CauseKind::Signal)
            .map(|c| c.message.clone());
        (self.each)(Event::Dump {
            format,
            line,
            cause,
        });
    }

    fn run(&mut self) {
        while let Some((n, line)) = self.lines.next() {
            if blank(line) {
                continue;
            }
            if let Some(record) = header(n, line) {
                self.full(n, record);
            } else if let Some(rest) = line.strip_prefix("goroutine profile: total ") {
                self.grouped(n, Format::Grouped, rest);
            } else if let Some(rest) = line.strip_prefix("goroutineleak profile: total ") {
                self.grouped(n, Format::Leak, rest);
            } else if let Some(cause) = cause(n, line) {
                self.cause_lines(cause);
            } else if line == "runtime stack:" {
                // The crashing thread's system stack: frames of no goroutine.
                while self.lines.peek().is_some_and(|(_, l)| !blank(l)) {
                    self.lines.next();
                }
            } else if !register(line) && line != "-----" {
                self.reading.skipped += 1;
            }
        }
    }

    /// A cause and the lines that belong to it (indented ones, `PC=…`,
    /// `[signal …]`); a cause after goroutines ends their dump.
    fn cause_lines(&mut self, mut cause: Cause) {
        // The tests a timeout caught, `A (2s), B (2s)`.
        let mut tests = String::new();
        while let Some((_, l)) = self.lines.peek() {
            let t = l.trim();
            let belongs = l.starts_with([' ', '\t'])
                || l.starts_with("PC=")
                || l.starts_with("[signal ")
                || l.starts_with("signal arrived")
                || t == "[recovered]";
            if !belongs || blank(l) {
                break;
            }
            self.lines.next();
            if cause.kind == CauseKind::TestTimeout && l.starts_with("\t\t") {
                if !tests.is_empty() {
                    tests.push_str(", ");
                }
                tests.push_str(t);
            }
        }
        if !tests.is_empty() {
            cause.message = format!("{} (running: {tests})", cause.message);
        }
        // Under GOTRACEBACK=crash every other thread repeats the signal
        // after `-----`, with its own g0 stack: the same dump goes on.
        let again = cause.kind == CauseKind::Signal
            && self.open == Some(Open::Full)
            && self.signal.as_deref() == Some(cause.message.as_str());
        if again {
            return;
        }
        self.open = None;
        self.cause = Some(cause);
    }

    /// A `debug=2` goroutine whose header is line `n`.
    fn full(&mut self, n: usize, mut record: Record) {
        let id = record.id.unwrap_or(0);
        let repeated = id != 0 && self.ids.contains_key(&id);
        match self.block(&mut record) {
            Block::Whole => {
                if self.open != Some(Open::Full) || repeated {
                    self.start(Open::Full, Format::Full, n);
                }
                if id != 0 {
                    self.ids.insert(id, 0);
                }
                self.last_id = record.id;
                self.all_records += 1;
                (self.each)(Event::Record(record));
            }
            Block::Empty => self.reading.skipped += 1,
            Block::Cut => self.cut(n, "the last goroutine is incomplete".to_owned()),
        }
    }

    fn cut(&mut self, line: usize, missing: String) {
        self.reading.cut = Some(Cut {
            line,
            after: self.last_id,
            missing,
        });
    }

    /// The lines of one `debug=2` block after its header, up to a blank
    /// line, the next header or the end.
    fn block(&mut self, record: &mut Record) -> Block {
        // What the last line taken was: a frame, its location, or a
        // goroutine with no stack (another thread's).
        let mut last = Last::Header;
        let mut ancestors = false;
        let mut took_last_line = false;
        while let Some((_, line)) = self.lines.peek() {
            // A signal's register dump follows a thread's stack directly.
            if blank(line) || starts_dump(line) || register(line) || line == "-----" {
                break;
            }
            self.lines.next();
            took_last_line = self.lines.peek().is_none();
            let indented = line.starts_with([' ', '\t']);
            let body = if indented { line.trim_start() } else { line };
            if body.starts_with("...") && body.ends_with(" elided...") {
                record.elided = true;
                continue;
            }
            if body.starts_with("[originating from goroutine ") {
                ancestors = true;
                continue;
            }
            if ancestors {
                continue;
            }
            if indented {
                if body == "goroutine running on other thread; stack unavailable" {
                    record.notes.push(body.to_owned());
                    last = Last::Location;
                    continue;
                }
                let slot = match (&mut record.created_by, record.frames.last_mut()) {
                    (Some(c), _) => c.location.is_none().then_some(&mut c.location),
                    (None, Some(f)) => f.location.is_none().then_some(&mut f.location),
                    (None, None) => None,
                };
                match (slot, location(body)) {
                    (Some(slot), Some(l)) => {
                        *slot = Some(l);
                        last = Last::Location;
                    }
                    _ => self.reading.skipped += 1,
                }
                continue;
            }
            if let Some(rest) = body.strip_prefix("created by ") {
                match creator(rest) {
                    Some(c) if record.created_by.is_none() => {
                        record.created_by = Some(c);
                        last = Last::Frame;
                    }
                    _ => self.reading.skipped += 1,
                }
                continue;
            }
            match function_name(body) {
                Some(function) if record.created_by.is_none() => {
                    record.frames.push(Frame {
                        function,
                        location: None,
                    });
                    last = Last::Frame;
                }
                _ => self.reading.skipped += 1,
            }
        }
        let at_end = self.lines.peek().is_none();
        let partial = took_last_line && !self.lines.terminated;
        if at_end && (partial || last != Last::Location) {
            return Block::Cut;
        }
        if record.frames.is_empty() && last != Last::Location {
            return Block::Empty;
        }
        Block::Whole
    }

    /// A `debug=1` or `goroutineleak` dump whose header is line `n`.
    fn grouped(&mut self, n: usize, format: Format, rest: &str) {
        let Some(total) = number(rest) else {
            self.reading.skipped += 1;
            return;
        };
        self.start(Open::Grouped(format), format, n);
        let mut sum: u64 = 0;
        while let Some((m, line)) = self.lines.peek() {
            if blank(line) {
                self.lines.next();
                continue;
            }
            if starts_dump(line) || cause(m, line).is_some() {
                break;
            }
            self.lines.next();
            let Some(mut record) = group_header(m, line, format) else {
                self.reading.skipped += 1;
                continue;
            };
            let pcs = record.state.is_none();
            let mut partial = false;
            while let Some((_, l)) = self.lines.peek() {
                if blank(l) || starts_dump(l) {
                    break;
                }
                self.lines.next();
                partial = self.lines.peek().is_none() && !self.lines.terminated;
                if !grouped_line(l, &mut record) {
                    self.reading.skipped += 1;
                }
            }
            // Real Go prints a group whose only frame is runtime-internal (a
            // goroutine not yet running: `1 @ 0x493e41`) with no frame line.
            let at_end = self.lines.peek().is_none();
            if partial || (record.frames.is_empty() && (at_end || !pcs)) {
                self.cut(m, "the last group is incomplete".to_owned());
                self.open = None;
                return;
            }
            if record.state.is_none() {
                record.state = inferred_state(&record.frames);
            }
            sum = sum.saturating_add(record.count);
            self.all_records += 1;
            (self.each)(Event::Record(record));
        }
        if sum < total {
            self.cut(
                self.lines.number,
                format!("the groups add up to {sum} of the total {total}"),
            );
        }
        self.open = None;
    }
}

/// How a `debug=2` block ended.
enum Block {
    /// With its frames (or Go's note that its stack is on another thread).
    Whole,
    /// A header followed by no frame, then more text: not a goroutine.
    Empty,
    /// The text ends inside it.
    Cut,
}

/// The kind of the last line a block took.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Last {
    Header,
    Frame,
    Location,
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
            assert!(header(1, junk).is_none(), "{junk}");
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
        let l = location("/src/a.go:43 +0x1d").unwrap();
        assert_eq!((l.file.as_str(), l.line), ("/src/a.go", Some(43)));
        assert_eq!(location("docker/stream.go").unwrap().line, None);
        assert_eq!(location("C:/src/a.go:7").unwrap().file, "C:/src/a.go");
        assert_eq!(
            location("C:/Users/Zoë Ünal/src/a.go:7 +0x2").unwrap().file,
            "C:/Users/Zoë Ünal/src/a.go"
        );
        assert!(location("/src/a.go:43 +0xzz").is_none());
        let l = location(
            "/go/src/runtime/proc.go:435 +0xce fp=0xc00004e710 sp=0xc00004e6f0 pc=0x43a1ae",
        )
        .unwrap();
        assert_eq!(
            (l.file.as_str(), l.line),
            ("/go/src/runtime/proc.go", Some(435))
        );
        assert!(location("").is_none());
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
