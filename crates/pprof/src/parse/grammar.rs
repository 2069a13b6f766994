//! The shapes of a dump's lines, each read on its own: headers, frames,
//! locations, `debug=1` groups, labels, creators and causes.

use std::collections::BTreeMap;

use crate::dump::{Cause, CauseKind, Creator, Format, Frame, Location, Record};

/// A line that starts a goroutine or a dump, ending the block before it:
/// told by its shape (`goroutine 12 … [ … ]…:`), without parsing it.
pub(super) fn starts_dump(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("goroutine ") else {
        return line.starts_with("goroutineleak profile: total ");
    };
    if rest.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        line.trim_end().ends_with(':') && rest.contains('[')
    } else {
        rest.starts_with("profile: total ")
    }
}

/// A line that says why Go printed its goroutines.
pub(super) fn cause(n: usize, line: &str) -> Option<Cause> {
    let (kind, message) = if let Some(m) = line.strip_prefix("panic: ") {
        let kind = if m.starts_with("test timed out after ") {
            CauseKind::TestTimeout
        } else {
            CauseKind::Panic
        };
        (kind, m)
    } else if let Some(m) = line.strip_prefix("fatal error: ") {
        let kind = if m.starts_with("all goroutines are asleep") {
            CauseKind::Deadlock
        } else {
            CauseKind::FatalError
        };
        (kind, m)
    } else if line.starts_with("SIG")
        && line[3..].bytes().take_while(u8::is_ascii_uppercase).count() >= 2
        && line.contains(": ")
    {
        (CauseKind::Signal, line)
    } else {
        return None;
    };
    Some(Cause {
        kind,
        message: message.trim_end().to_owned(),
        line: n,
    })
}

/// A register line of a signal's dump: `rax    0x0`, `rip    0x46f0c1`
/// (told by its first bytes: a short name, spaces, `0x`).
pub(super) fn register(line: &str) -> bool {
    let b = line.as_bytes();
    let name = b.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    if name == 0 || name > 8 || b.get(name) != Some(&b' ') {
        return false;
    }
    hex(line[name..].trim()).is_some()
}

/// `created by pkg.fn in goroutine 5` after `created by `.
pub(super) fn creator(rest: &str) -> Option<Creator> {
    let (function, goroutine) = match split_at_last(rest, " in goroutine ") {
        Some((f, g)) => (f, Some(number(g)?)),
        None => (rest, None),
    };
    Some(Creator {
        function: function_name(function)?,
        goroutine,
        location: None,
    })
}

/// `s` split around the first `pat` (which starts with an ASCII byte): a
/// byte scan, cheaper on short lines than `str::split_once`'s searcher.
pub(super) fn split_at_first<'a>(s: &'a str, pat: &str) -> Option<(&'a str, &'a str)> {
    let (b, p) = (s.as_bytes(), pat.as_bytes());
    let last = b.len().checked_sub(p.len())?;
    (0..=last)
        .find(|&i| b[i] == p[0] && b[i..].starts_with(p))
        .map(|i| (&s[..i], &s[i + p.len()..]))
}

/// `s` split around the last `pat` (which starts with an ASCII byte).
pub(super) fn split_at_last<'a>(s: &'a str, pat: &str) -> Option<(&'a str, &'a str)> {
    let (b, p) = (s.as_bytes(), pat.as_bytes());
    let last = b.len().checked_sub(p.len())?;
    (0..=last)
        .rev()
        .find(|&i| b[i] == p[0] && b[i..].starts_with(p))
        .map(|i| (&s[..i], &s[i + p.len()..]))
}

/// Nothing but white space (most lines start with a letter or a tab: told
/// at their first byte).
pub(super) fn blank(line: &str) -> bool {
    match line.as_bytes().first() {
        None => true,
        Some(&b) if b.is_ascii() && !b.is_ascii_whitespace() && b != 0x0b => false,
        Some(_) => line.trim().is_empty(),
    }
}

/// Holds a control character (ASCII text checked byte by byte).
pub(super) fn has_control(text: &str) -> bool {
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
pub(super) fn has_space_or_control(text: &str) -> bool {
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

pub(super) fn number(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `goroutine 17 [IO wait, 5 minutes, locked to thread] {k: v}:`.
pub(super) fn header(n: usize, line: &str) -> Option<Record> {
    let line = line.trim_end();
    let rest = line.strip_prefix("goroutine ")?;
    let (id, rest) = split_at_first(rest, " [")?;
    // With GOTRACEBACK=system or during a crash: `17 gp=0x… m=3 mp=0x…`.
    let id = number(id.split(' ').next().unwrap_or(id))?;
    let (inside, after) = rest.split_once(']')?;
    let labels_text = after.strip_suffix(':')?;
    let labels = if labels_text.is_empty() {
        BTreeMap::new()
    } else {
        let body = labels_text
            .strip_prefix(" {")
            .and_then(|s| s.strip_suffix('}'))?;
        labels(body)?
    };
    let mut parts = inside.split(", ");
    let mut status = parts.next().unwrap_or("").trim().to_owned();
    if status.is_empty() {
        return None;
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
            record.minutes = Some(number(m)?);
        } else if part.is_empty() {
            return None;
        } else {
            record.notes.push(part.to_owned());
        }
    }
    record.state = Some(status);
    Some(record)
}

/// A frame line's function: the text before its argument list, which is
/// the last balanced `(…)` at the end of the line, if any.
pub(super) fn function_name(line: &str) -> Option<String> {
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

/// A location line without its indent: `/src/main.go:43 +0x1d`,
/// `main.go:43`, `docker/stream.go`, `C:/Users/Zoë/main.go:7`.
pub(super) fn location(text: &str) -> Option<Location> {
    let text = text.trim_end();
    // GOTRACEBACK=system adds ` fp=0x… sp=0x… pc=0x…` after the offset.
    let text = match split_at_last(text, " +0x") {
        Some((t, off)) => {
            let (word, more) = off.split_once(' ').unwrap_or((off, ""));
            let frame_words = more.split(' ').all(|w| {
                w.is_empty() || ["fp=0x", "sp=0x", "pc=0x"].iter().any(|p| w.starts_with(p))
            });
            if word.is_empty() || !word.bytes().all(|b| b.is_ascii_hexdigit()) || !frame_words {
                return None;
            }
            t
        }
        None => text,
    };
    file_line(text)
}

/// `file.go:12` or `file.go`.
pub(super) fn file_line(text: &str) -> Option<Location> {
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

/// A group's header `COUNT @ 0x… 0x…` (the simulation's: `COUNT @ ROLE
/// [STATE] (note)`).
pub(super) fn group_header(n: usize, line: &str, format: Format) -> Option<Record> {
    let (count, rest) = line.split_once(" @")?;
    let count = number(count).filter(|&c| c > 0)?;
    let rest = rest.trim();
    let pcs = !rest.is_empty() && rest.split_whitespace().all(|w| hex(w).is_some());
    let state = if pcs {
        None
    } else {
        let open = rest.find('[')?;
        let close = rest[open..].find(']')? + open;
        Some(Some(rest[open + 1..close].to_owned()).filter(|s| !s.is_empty())?)
    };
    Some(Record {
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
    })
}

/// One line of a `debug=1` group after its header, taken into `record`;
/// `false` for a line of another shape.
pub(super) fn grouped_line(line: &str, record: &mut Record) -> bool {
    if let Some(body) = line.strip_prefix("# labels: ") {
        let Some(labels) = body
            .trim_end()
            .strip_prefix('{')
            .and_then(|b| b.strip_suffix('}'))
            .and_then(labels)
        else {
            return false;
        };
        record.labels = labels;
        return true;
    }
    let Some(rest) = line.strip_prefix('#') else {
        return false;
    };
    if let Some(c) = rest.trim_start().strip_prefix("created by ") {
        // The simulation's `#\tcreated by pkg.fn\tfile.go:N`.
        let mut parts = c.split('\t').filter(|f| !f.is_empty());
        let function = parts.next().and_then(function_name);
        let location = parts.next().map(|l| file_line(l.trim()));
        return match (function, location) {
            (Some(function), location @ (None | Some(Some(_)))) if parts.next().is_none() => {
                record.created_by = Some(Creator {
                    function,
                    goroutine: None,
                    location: location.flatten(),
                });
                true
            }
            _ => false,
        };
    }
    // `#\t0xPC\tfn+0xOFF\tfile:N`; a paste may have turned the tabs into
    // spaces (then a file name with a space cannot be told apart: the rest
    // of the line is the file).
    let mut fields: Vec<&str> = if rest.contains('\t') {
        rest.split('\t').filter(|f| !f.is_empty()).collect()
    } else {
        let mut f: Vec<&str> = Vec::with_capacity(3);
        let mut r = rest.trim_start();
        while f.len() < 2 && !r.is_empty() {
            let end = r.find(' ').unwrap_or(r.len());
            f.push(&r[..end]);
            r = r[end..].trim_start();
        }
        if !r.is_empty() {
            f.push(r);
        }
        f
    };
    if fields.first().is_some_and(|f| f.starts_with("0x")) {
        if hex(fields[0].trim()).is_none() {
            return false;
        }
        if fields.len() == 1 {
            // A PC with no symbol: Go prints it alone.
            record.frames.push(Frame {
                function: fields[0].trim().to_owned(),
                location: None,
            });
            return true;
        }
        fields.remove(0);
    }
    if fields.is_empty() || fields.len() > 2 || record.created_by.is_some() {
        return false;
    }
    let name = match fields[0].rsplit_once("+0x") {
        Some((name, off)) if !off.is_empty() && off.bytes().all(|b| b.is_ascii_hexdigit()) => name,
        Some(_) => return false,
        None => fields[0],
    };
    let Some(function) = function_name(name) else {
        return false;
    };
    let location = match fields.get(1) {
        Some(l) => match file_line(l.trim()) {
            Some(l) => Some(l),
            None => return false,
        },
        None => None,
    };
    record.frames.push(Frame { function, location });
    true
}

pub(super) fn hex(word: &str) -> Option<u64> {
    let digits = word.strip_prefix("0x")?;
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

/// Labels: `role: reader, path: "a b"` in a `debug=2` header (quoted only
/// when needed), `"role":"reader", "container":"0"` in `debug=1`.
pub(super) fn labels(body: &str) -> Option<BTreeMap<String, String>> {
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
pub(super) fn label_token(s: &str, stop: char) -> Option<(String, &str)> {
    if s.starts_with('"') {
        return go_string(s);
    }
    let end = s.find(stop).unwrap_or(s.len());
    let token = &s[..end];
    (!token.is_empty() && !token.contains('"')).then(|| (token.to_owned(), &s[end..]))
}

/// A Go double-quoted string at the start of `s`, unquoted, and what follows.
pub(super) fn go_string(s: &str) -> Option<(String, &str)> {
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

/// `debug=1` prints no state: the frames tell it, the innermost that
/// names one deciding (a `RWMutex.Lock` blocked on its inner mutex is in
/// `sync.Mutex.Lock`, as Go says too).
pub(crate) fn inferred_state(frames: &[Frame]) -> Option<String> {
    frames.iter().find_map(|f| {
        let state = match f.function.as_str() {
            "runtime.chanrecv" | "runtime.chanrecv1" | "runtime.chanrecv2" => "chan receive",
            "runtime.chansend" | "runtime.chansend1" => "chan send",
            "runtime.selectgo" => "select",
            "runtime.block" => "select (no cases)",
            "sync.runtime_notifyListWait" | "sync.(*Cond).Wait" => "sync.Cond.Wait",
            "sync.runtime_SemacquireWaitGroup" | "sync.(*WaitGroup).Wait" => "sync.WaitGroup.Wait",
            "sync.runtime_SemacquireRWMutexR" | "sync.(*RWMutex).RLock" => "sync.RWMutex.RLock",
            "sync.runtime_SemacquireRWMutex" | "sync.(*RWMutex).Lock" => "sync.RWMutex.Lock",
            "internal/sync.runtime_SemacquireMutex"
            | "sync.runtime_SemacquireMutex"
            | "internal/sync.(*Mutex).Lock"
            | "sync.(*Mutex).Lock" => "sync.Mutex.Lock",
            "internal/poll.runtime_pollWait" => "IO wait",
            "time.Sleep" => "sleep",
            _ => return None,
        };
        Some(state.to_owned())
    })
}
