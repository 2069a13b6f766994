//! Goroutine dumps in the shape of `/debug/pprof/goroutine?debug=2` and
//! `?debug=1`.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::code::{Anchor, STREAM_FILE, file_name, line_of, stream_line};
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

/// The stack of `g` in `program`: innermost frame first, then
/// "created by".
fn stack(program: Program, g: &Goroutine) -> (Vec<Frame>, Frame) {
    let file = file_name(program);
    let at = |anchor| Some(format!("{file}:{}", line_of(program, anchor)));
    let c = g.container.unwrap_or(0);
    let n = g.rotation.unwrap_or(0);
    let ids = format!("(container={c}, rotation={n})");
    match g.role {
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
        Role::Reader => (
            vec![frame(
                "leakscope/monitor.(*Monitor).reader",
                ids,
                at(Anchor::ReadLine),
            )],
            frame(
                "leakscope/monitor.(*Monitor).openRotation",
                String::new(),
                at(Anchor::ReaderGo),
            ),
        ),
        Role::Handler => {
            let stream = |text| Some(format!("{STREAM_FILE}:{}", stream_line(text)));
            (
                vec![frame(
                    "leakscope/monitor.(*Stream).handler",
                    ids,
                    stream("\t<-s.closed\n}"),
                )],
                frame(
                    "leakscope/monitor.OpenStream.func1",
                    String::new(),
                    stream("go s.handler()"),
                ),
            )
        }
        Role::Waiter if g.state == State::Select => (
            vec![frame(
                "leakscope/monitor.(*Monitor).rotate",
                ids,
                at(Anchor::TimeoutSelect),
            )],
            frame("time.goFunc", String::new(), at(Anchor::AfterFunc)),
        ),
        Role::Helper => (
            vec![
                frame(
                    "sync.(*WaitGroup).Wait",
                    "(...)".into(),
                    Some("sync/waitgroup.go".into()),
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
                    Some("sync/waitgroup.go".into()),
                ),
                frame("leakscope/monitor.(*Monitor).rotate", ids, at(Anchor::Wait)),
            ],
            frame("time.goFunc", String::new(), at(Anchor::AfterFunc)),
        ),
    }
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
    match format {
        DumpFormat::Full => {
            for g in goroutines {
                let (frames, created) = stack(program, g);
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
                let _ = writeln!(out, "created by {}", created.name);
                if let Some(loc) = created.location {
                    let _ = writeln!(out, "\t{loc}");
                }
                out.push('\n');
            }
        }
        DumpFormat::Grouped => {
            // Identical stacks group together, as in Go's debug=1: the
            // function names without their arguments.
            let mut groups: BTreeMap<(Role, bool), u64> = BTreeMap::new();
            for g in goroutines {
                *groups.entry((g.role, g.stuck)).or_default() += 1;
            }
            let mut groups: Vec<_> = groups.into_iter().collect();
            groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let _ = writeln!(out, "goroutine profile: total {}", goroutines.len());
            for ((role, stuck), count) in groups {
                let sample = goroutines
                    .iter()
                    .find(|g| g.role == role && g.stuck == stuck)
                    .cloned();
                let Some(sample) = sample else { continue };
                let (frames, created) = stack(program, &sample);
                let label = match (role, stuck) {
                    (Role::Reader, true) => " (left behind: stream failed, never closed)",
                    (Role::Reader, false) => " (current rotation)",
                    (Role::Handler, true) => " (left behind with their reader)",
                    (Role::Handler, false) => " (the current stream's connection loops)",
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
                let _ = writeln!(
                    out,
                    "#\tcreated by {}\t{}",
                    created.name,
                    created.location.unwrap_or_default()
                );
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
    /// assert!(dump.contains("[semacquire, 5 minutes]"));
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
