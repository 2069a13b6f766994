//! Goroutine dumps in the shape of `/debug/pprof/goroutine?debug=2` and
//! `?debug=1`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::code::{Anchor, STREAM_FILE, file_name, line_in, line_of, stream_line};
use crate::goroutine::{Goroutine, Role, State};
use crate::{Error, Program, Time, Trace};

/// The two dump formats of Go's goroutine profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DumpFormat {
    /// `debug=1`: goroutines grouped by identical stack, with counts.
    Grouped,
    /// `debug=2`: one block per goroutine, with its state and how long it
    /// has been in it.
    Full,
}

impl DumpFormat {
    /// The format for a `debug=` value (1 or 2).
    pub fn from_debug(level: u8) -> Option<DumpFormat> {
        match level {
            1 => Some(DumpFormat::Grouped),
            2 => Some(DumpFormat::Full),
            _ => None,
        }
    }
}

struct Frame {
    /// The function, as Go names it.
    name: &'static str,
    /// Its arguments, shown by `debug=2` only.
    args: String,
    location: Option<String>,
}

fn frame(name: &'static str, args: String, location: Option<String>) -> Frame {
    Frame {
        name,
        args,
        location,
    }
}

/// `go/monitor/live.go`: the live runtime's HTTP source, whose `Next` the
/// reader's `ReadLine` calls.
const LIVE_SOURCE: &str = include_str!("../../../go/monitor/live.go");

/// The file name a goroutine dump gives the live runtime's source.
const LIVE_FILE: &str = "monitor/live.go";

/// The line of `live.go` on which `httpSource.Next` scans for a line: where
/// a reader's goroutine waits in the program's own code.
const LIVE_SCAN_LINE: u32 = line_in(LIVE_SOURCE, "if !s.lines.Scan() {");

/// The line of `stream.go` on which `Stream.ReadLine` calls the source.
const READ_LINE_LINE: u32 = stream_line("return s.src.Next(s.closed)");

// Both lines are found when the core is built, or it is not built.
const _: () = assert!(
    LIVE_SCAN_LINE > 0 && READ_LINE_LINE > 0,
    "go/monitor/live.go or stream.go no longer holds the line a reader's frame names"
);

/// A frame of Go's standard library at `file:line` of GOROOT/src, as Go
/// 1.27.3 prints it (measured on the live reference, `net/http` client on
/// loopback TCP).
fn std_frame(name: &'static str, file: &str, line: u32) -> Frame {
    frame(name, "(...)".into(), Some(format!("{file}:{line}")))
}

/// The reader's frames between the socket read it is blocked in and the
/// program's `ReadLine`: a stream is a net/http response body read line by
/// line (`bufio.Scanner`), innermost first; the runtime's and
/// `internal/poll`'s frames below `net.(*netFD).Read` are left out.
fn read_frames() -> Vec<Frame> {
    vec![
        std_frame("net.(*netFD).Read", "net/fd_posix.go", 68),
        std_frame("net.(*conn).Read", "net/net.go", 196),
        std_frame("net/http.(*persistConn).Read", TRANSPORT, 2300),
        std_frame("bufio.(*Reader).fill", "bufio/bufio.go", 113),
        std_frame("bufio.(*Reader).ReadSlice", "bufio/bufio.go", 377),
        std_frame(
            "net/http/internal.readChunkLine",
            "net/http/internal/chunked.go",
            156,
        ),
        std_frame(
            "net/http/internal.(*chunkedReader).beginChunk",
            "net/http/internal/chunked.go",
            49,
        ),
        std_frame(
            "net/http/internal.(*chunkedReader).Read",
            "net/http/internal/chunked.go",
            125,
        ),
        std_frame("net/http.(*body).readLocked", "net/http/transfer.go", 864),
        std_frame("net/http.(*body).Read", "net/http/transfer.go", 856),
        std_frame("net/http.(*bodyEOFSignal).Read", TRANSPORT, 3261),
        std_frame("bufio.(*Scanner).Scan", "bufio/scan.go", 219),
        frame(
            "leakscope/monitor.(*httpSource).Next",
            "(...)".into(),
            Some(format!("{LIVE_FILE}:{LIVE_SCAN_LINE}")),
        ),
        frame(
            "leakscope/monitor.(*Stream).ReadLine",
            "(...)".into(),
            Some(format!("{STREAM_FILE}:{READ_LINE_LINE}")),
        ),
    ]
}

/// The closure `time.AfterFunc` runs a rotation in (`func() { m.rotate(c,
/// s, n) }`), as Go names it, on the line that arms the timer.
fn after_func(location: Option<String>) -> Frame {
    frame(
        "leakscope/monitor.(*Monitor).openRotation.func1",
        "()".into(),
        location,
    )
}

/// Who Go says started a timer's function: `time.goFunc`, in the standard
/// library (Go 1.27.3's `time/sleep.go:182`).
fn time_go_func() -> Frame {
    frame(
        "time.goFunc",
        String::new(),
        Some("time/sleep.go:182".into()),
    )
}

/// Where the program's `main` waits (the Go programs' entry point).
const MAIN_FILE: &str = "cmd/serve/main.go";

/// net/http's transport, where a connection's loops run.
const TRANSPORT: &str = "net/http/transport.go";

/// Where `sync.(*WaitGroup).Wait` parks (Go 1.27.3).
const WAIT_GROUP_WAIT: &str = "sync/waitgroup.go:206";

/// A stream's handler `k` (0-based, in creation order): net/http's read
/// loop when `k` is even, its write loop when odd, each at the line Go
/// 1.27.3 parks it on, created by `dialConn` at the line that starts it.
fn handler_stack(k: u32, ids: String) -> (Vec<Frame>, Frame) {
    let (name, line, go_line) = if k.is_multiple_of(2) {
        ("net/http.(*persistConn).readLoop", 2616, 2123)
    } else {
        ("net/http.(*persistConn).writeLoop", 2833, 2124)
    };
    (
        vec![frame(name, ids, Some(format!("{TRANSPORT}:{line}")))],
        frame(
            "net/http.(*Transport).dialConn",
            String::new(),
            Some(format!("{TRANSPORT}:{go_line}")),
        ),
    )
}

/// The stack of `g` in `program`: innermost frame first, then
/// "created by". `k` is a handler's index among its stream's handlers.
fn stack(program: Program, g: &Goroutine, k: u32) -> (Vec<Frame>, Frame) {
    let file = file_name(program);
    let at = |anchor| Some(format!("{file}:{}", line_of(program, anchor)));
    let c = g.container.unwrap_or(0);
    let n = g.rotation.unwrap_or(0);
    let ids = format!("(container={c}, rotation={n})");
    match g.role {
        // Goroutine 1 is main, as in Go: started by no one.
        Role::System if g.id == 1 => (
            vec![frame("main.main", "()".into(), Some(MAIN_FILE.into()))],
            frame("", String::new(), None),
        ),
        Role::System => (
            vec![frame(
                "runtime.gopark",
                " (outside the containers' lifecycles)".into(),
                None,
            )],
            frame("runtime.main", String::new(), None),
        ),
        Role::Heartbeat => (
            vec![frame(
                "leakscope/monitor.(*Monitor).heartbeat",
                format!("(container={c})"),
                at(Anchor::HeartbeatLoop),
            )],
            frame(
                "leakscope/monitor.(*Monitor).monitorContainer",
                String::new(),
                at(Anchor::HeartbeatGo),
            ),
        ),
        Role::Reader => {
            let mut frames = read_frames();
            frames.push(frame(
                "leakscope/monitor.(*Monitor).reader",
                ids,
                at(Anchor::ReadLine),
            ));
            (
                frames,
                frame(
                    "leakscope/monitor.(*Monitor).openRotation",
                    String::new(),
                    at(Anchor::ReaderGo),
                ),
            )
        }
        Role::Handler => handler_stack(k, ids),
        Role::Waiter if g.state == State::Select => (
            vec![
                frame(
                    "leakscope/monitor.(*Monitor).rotate",
                    ids,
                    at(Anchor::TimeoutSelect),
                ),
                after_func(at(Anchor::AfterFunc)),
            ],
            time_go_func(),
        ),
        Role::Helper => (
            vec![
                frame(
                    "sync.(*WaitGroup).Wait",
                    "(...)".into(),
                    Some(WAIT_GROUP_WAIT.into()),
                ),
                frame(
                    "leakscope/monitor.(*Monitor).rotate.func1",
                    String::new(),
                    at(Anchor::Wait),
                ),
            ],
            frame(
                "leakscope/monitor.(*Monitor).rotate",
                ids,
                at(Anchor::HelperGo),
            ),
        ),
        Role::Waiter => (
            vec![
                frame(
                    "sync.(*WaitGroup).Wait",
                    "(...)".into(),
                    Some(WAIT_GROUP_WAIT.into()),
                ),
                frame("leakscope/monitor.(*Monitor).rotate", ids, at(Anchor::Wait)),
                after_func(at(Anchor::AfterFunc)),
            ],
            time_go_func(),
        ),
    }
}

/// Each handler's index among its stream's handlers (same container and
/// rotation), in creation (id) order; every handler of a stream lives
/// exactly as long as the others, so a moment's goroutines hold all of
/// them or none.
fn handler_indices(goroutines: &[Goroutine]) -> HashMap<u64, u32> {
    let mut streams: BTreeMap<(Option<u32>, Option<u32>), Vec<u64>> = BTreeMap::new();
    for g in goroutines.iter().filter(|g| g.role == Role::Handler) {
        streams
            .entry((g.container, g.rotation))
            .or_default()
            .push(g.id);
    }
    let mut out = HashMap::new();
    for mut ids in streams.into_values() {
        ids.sort_unstable();
        for (k, id) in ids.into_iter().enumerate() {
            out.insert(id, k as u32);
        }
    }
    out
}

/// Go prints how long a goroutine has been blocked only from one minute on.
fn wait_suffix(g: &Goroutine, now: Time) -> String {
    let mins = now.since(g.since).whole_minutes();
    if mins >= 1 {
        format!(", {mins} minutes")
    } else {
        String::new()
    }
}

/// Renders `goroutines` (as returned by [`Trace::goroutines_at`]) at `now`.
pub fn render(program: Program, goroutines: &[Goroutine], now: Time, format: DumpFormat) -> String {
    let mut out = String::new();
    let handler = handler_indices(goroutines);
    // A handler's loop: 0 for readLoop, 1 for writeLoop; main apart from
    // the other system goroutines (0 for the others).
    let lp = |g: &Goroutine| match g.role {
        Role::System => u32::from(g.id == 1),
        _ => handler.get(&g.id).map_or(0, |k| k % 2),
    };
    match format {
        DumpFormat::Full => {
            for g in goroutines {
                let (frames, created) = stack(program, g, lp(g));
                let _ = writeln!(
                    out,
                    "goroutine {} [{}{}]:",
                    g.id,
                    g.state.go_name(),
                    wait_suffix(g, now)
                );
                for f in frames {
                    let _ = writeln!(out, "{}{}", f.name, f.args);
                    if let Some(loc) = f.location {
                        let _ = writeln!(out, "\t{loc}");
                    }
                }
                if !created.name.is_empty() {
                    let _ = writeln!(out, "created by {}", created.name);
                    if let Some(loc) = created.location {
                        let _ = writeln!(out, "\t{loc}");
                    }
                }
                out.push('\n');
            }
        }
        DumpFormat::Grouped => {
            // Identical stacks group together, as in Go's debug=1: the
            // function names without their arguments (a stream's read and
            // write loops apart).
            let mut groups: BTreeMap<(Role, u32, bool), u64> = BTreeMap::new();
            for g in goroutines {
                *groups.entry((g.role, lp(g), g.stuck)).or_default() += 1;
            }
            let mut groups: Vec<_> = groups.into_iter().collect();
            groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let _ = writeln!(out, "goroutine profile: total {}", goroutines.len());
            for ((role, k, stuck), count) in groups {
                let sample = goroutines
                    .iter()
                    .find(|g| g.role == role && lp(g) == k && g.stuck == stuck)
                    .cloned();
                let Some(sample) = sample else { continue };
                let (frames, created) = stack(program, &sample, k);
                let label = match (role, stuck) {
                    (Role::Reader, true) => " (left behind: stream failed, never closed)",
                    (Role::Reader, false) => " (current rotation)",
                    (Role::Handler, true) => " (left behind with their reader)",
                    (Role::Handler, false) => " (the current stream's handlers)",
                    (Role::Waiter, true) => " (blocked in Wait for good)",
                    (Role::Waiter, false) => " (timed wait: gives up after its timeout)",
                    (Role::Helper, _) => " (timed wait's helper, blocked in Wait for good)",
                    _ => "",
                };
                let _ = writeln!(
                    out,
                    "{count} @ {} [{}]{label}",
                    role,
                    sample.state.go_name()
                );
                for f in frames {
                    let _ = writeln!(out, "#\t{}\t{}", f.name, f.location.unwrap_or_default());
                }
                if !created.name.is_empty() {
                    let _ = writeln!(
                        out,
                        "#\tcreated by {}\t{}",
                        created.name,
                        created.location.unwrap_or_default()
                    );
                }
                out.push('\n');
            }
        }
    }
    out
}

impl Trace {
    /// A goroutine dump of the run (or of one container) at `t`.
    ///
    /// # Errors
    ///
    /// [`Error::PastEnd`] or [`Error::NoSuchContainer`].
    ///
    /// # Examples
    ///
    /// ```
    /// use leakscope_sim::{DumpFormat, Preset, Program, Time, simulate};
    ///
    /// let trace = simulate(&Preset::Fase3.scenario(), Program::BUGGY).unwrap();
    /// let dump = trace.dump(Time::from_minutes(10), Some(0), DumpFormat::Full).unwrap();
    /// assert!(dump.contains("[sync.WaitGroup.Wait, 5 minutes]"));
    /// ```
    pub fn dump(
        &self,
        t: Time,
        container: Option<u32>,
        format: DumpFormat,
    ) -> Result<String, Error> {
        let gs = self.goroutines_at(t, container)?;
        Ok(render(self.program, &gs, t, format))
    }
}
