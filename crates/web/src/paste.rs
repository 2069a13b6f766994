//! "Paste a goroutine dump": what the section shows for a text, decided
//! without the DOM. The parsing, the grouping and the suspects are
//! [`leakscope_pprof`]'s (what `leakscope analyze` prints); this module only
//! writes its groups as the CLI's table cells and points each at the idea of
//! the lesson that explains it.

use leakscope_pprof::{DumpAnalysis, Group, Kind, Options, Suspect, analyze, parse, parse_bytes};
use leakscope_sim::{DumpFormat, Preset, Program, Time, simulate};

use crate::components::story_anchor;

/// The largest dump the page reads (`leakscope analyze` reads up to 1 GiB).
pub const MAX_PASTE_BYTES: usize = 64 << 20;

/// The minute of the example: the buggy program's FASE 6 run near its end.
pub const EXAMPLE_MINUTE: u64 = 58;

/// Most groups listed (the summary counts them all).
pub const MAX_ROWS: usize = 200;

/// The page's own simulated dump: [`leakscope_sim::Trace::dump`] of the
/// buggy program's FASE 6 run at minute [`EXAMPLE_MINUTE`], `debug=2`,
/// every container.
pub fn example_dump() -> Option<String> {
    let trace = simulate(&Preset::Fase6.scenario(), Program::BUGGY).ok()?;
    trace
        .dump(Time::from_minutes(EXAMPLE_MINUTE), None, DumpFormat::Full)
        .ok()
}

/// How the example is named above its groups.
pub fn example_name() -> String {
    format!(
        "example: {} program, FASE 6, minute {EXAMPLE_MINUTE}",
        Program::BUGGY
    )
}

/// What the page refuses before parsing: a dump over [`MAX_PASTE_BYTES`].
pub fn too_big(bytes: usize) -> Option<String> {
    (bytes > MAX_PASTE_BYTES).then(|| {
        format!(
            "This dump is {:.1} MiB; the page reads at most {} MiB. Run `leakscope analyze FILE` on it instead (up to 1 GiB).",
            bytes as f64 / f64::from(1 << 20),
            MAX_PASTE_BYTES >> 20
        )
    })
}

/// A text's analysis with `leakscope analyze`'s default options, or the
/// one-line error naming the line (or the size).
pub fn analyze_text(text: &str) -> Result<DumpAnalysis, String> {
    if let Some(e) = too_big(text.len()) {
        return Err(e);
    }
    let dump = parse(text).map_err(|e| e.to_string())?;
    Ok(analyze(&dump, None, &Options::default()))
}

/// A file's analysis: its bytes need not be UTF-8 (the error names the
/// line where they stop being text).
pub fn analyze_bytes(bytes: &[u8]) -> Result<DumpAnalysis, String> {
    if let Some(e) = too_big(bytes.len()) {
        return Err(e);
    }
    let dump = parse_bytes(bytes).map_err(|e| e.to_string())?;
    Ok(analyze(&dump, None, &Options::default()))
}

/// The ideas of the lesson a group or a suspect can point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idea {
    /// The heartbeat: one per container, for as long as it lives.
    Heartbeat,
    /// A stream's handlers: the HTTP connection's read and write loops (and
    /// whatever else `net/http` started for it).
    Handlers,
    /// Readers in IO wait on streams nobody closes: the bypass, the pile-up.
    PileUp,
    /// `rotate()` in `sync.(*WaitGroup).Wait`, held by the heartbeat.
    WaitNeverReturns,
    /// A fix people try, known by its own goroutines in the dump (the
    /// core's [`leakscope_sim::story::DumpMark`]: wait-timeout's helpers,
    /// waiting on the group in its place): its story.
    Story(Program),
}

impl Idea {
    /// Every idea, in the lesson's order: one per story whose program's
    /// goroutines a dump tells apart.
    pub fn all() -> Vec<Idea> {
        let mut all = vec![
            Idea::Heartbeat,
            Idea::Handlers,
            Idea::WaitNeverReturns,
            Idea::PileUp,
        ];
        all.extend(
            Program::ALL
                .into_iter()
                .filter(|p| p.story().is_some_and(|s| s.dump.is_some()))
                .map(Idea::Story),
        );
        all
    }

    /// The anchor of its place on the page.
    pub fn anchor(self) -> String {
        match self {
            Idea::Heartbeat => "#heartbeat".to_owned(),
            Idea::Handlers => "#handlers".to_owned(),
            Idea::PileUp => "#pile-up".to_owned(),
            Idea::WaitNeverReturns => "#wait-never-returns".to_owned(),
            Idea::Story(p) => format!("#{}", story_anchor(p)),
        }
    }

    /// The link's text.
    pub fn label(self) -> String {
        match self {
            Idea::Heartbeat => "§1 the heartbeat".to_owned(),
            Idea::Handlers => "§1 a stream's handlers".to_owned(),
            Idea::PileUp => "§4 the bypass and the pile-up".to_owned(),
            Idea::WaitNeverReturns => "§2 Wait() that never returns".to_owned(),
            Idea::Story(p) => {
                let mark = p.story().and_then(|s| s.dump.as_ref());
                format!("§5 {p}'s {}", mark.map_or("goroutines", |m| m.goroutines))
            }
        }
    }

    /// The idea that explains a group, if the lesson has one.
    pub fn of_group(g: &Group) -> Option<Idea> {
        let f = g.key.function.as_str();
        let created = g.key.created_by.as_deref().unwrap_or("");
        for p in Program::ALL {
            if let Some(mark) = p.story().and_then(|s| s.dump.as_ref())
                && mark.marks(f, g.key.created_by.as_deref())
            {
                return Some(Idea::Story(p));
            }
        }
        if g.in_wait_group_wait {
            Some(Idea::WaitNeverReturns)
        } else if f.contains("(*persistConn).readLoop")
            || f.contains("(*persistConn).writeLoop")
            || created.starts_with("net/http.")
        {
            Some(Idea::Handlers)
        } else if f.ends_with(".heartbeat") {
            Some(Idea::Heartbeat)
        } else if g.key.state.as_deref() == Some("IO wait") && g.key.created_by.is_some() {
            Some(Idea::PileUp)
        } else {
            None
        }
    }

    /// The idea that explains a suspect.
    pub fn of_suspect(s: &Suspect, groups: &[Group]) -> Option<Idea> {
        let g = groups.get(s.group())?;
        match s.kind {
            Kind::IoWaitPile => Some(Idea::PileUp),
            Kind::StalledWaiters => Some(Idea::of_group(g).unwrap_or(Idea::WaitNeverReturns)),
            _ => Idea::of_group(g),
        }
    }
}

/// The columns of a group, as `leakscope analyze` names them.
pub const COLUMNS: [&str; 6] = [
    "count",
    "state",
    "waited",
    "blocking function",
    "site",
    "created by",
];

/// A group's cells, as `leakscope analyze`'s table prints them (`-` for
/// what the dump does not tell).
pub fn cells(g: &Group) -> [String; 6] {
    let dash = || "-".to_owned();
    [
        g.count.to_string(),
        g.key.state.clone().unwrap_or_else(dash),
        g.longest_minutes.map_or_else(dash, |m| format!("{m} min")),
        g.key.function.clone(),
        g.site.clone().unwrap_or_else(dash),
        g.key.created_by.clone().unwrap_or_else(dash),
    ]
}

/// Why the dump exists (a panic and who raised it, a deadlock's blocked
/// goroutines), then what reading skipped or found cut: the lines
/// `leakscope analyze` prints under its first.
pub fn about(a: &DumpAnalysis) -> Vec<String> {
    let mut lines = a.why.as_ref().map(|w| w.describe()).unwrap_or_default();
    lines.extend(a.reading.notes().into_iter().map(|n| format!("Note: {n}.")));
    lines
}

/// The summary line above the groups, as `leakscope analyze`'s first line.
pub fn summary(a: &DumpAnalysis, source: &str) -> String {
    let groups = match a.groups.len() {
        1 => "1 group".to_owned(),
        n => format!("{} groups", leakscope_sim::thousands(n as u64)),
    };
    let leaked = if a.leaked > 0 {
        format!(
            "; {} marked leaked by Go",
            leakscope_pprof::goroutines(a.leaked)
        )
    } else {
        String::new()
    };
    format!(
        "{source} ({}): {} in {groups}{leaked}",
        a.format.name(),
        leakscope_pprof::goroutines(a.goroutines)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLOSE_ONLY: &str =
        include_str!("../../pprof/tests/data/go1.27-live-close-only-m15-debug2.txt");
    const WAIT_TIMEOUT: &str =
        include_str!("../../pprof/tests/data/go1.27-live-wait-timeout-m15-debug2.txt");

    fn ideas(a: &DumpAnalysis) -> Vec<Option<Idea>> {
        a.groups.iter().map(Idea::of_group).collect()
    }

    #[test]
    fn the_example_is_analysed_as_the_crate_does_and_every_idea_is_linked() {
        let text = example_dump().unwrap();
        let a = analyze_text(&text).unwrap();
        assert_eq!(
            a,
            analyze(&parse(&text).unwrap(), None, &Options::default())
        );
        assert!(a.goroutines > 1_000, "{}", a.goroutines);
        let ideas = ideas(&a);
        for idea in [
            Idea::PileUp,
            Idea::Handlers,
            Idea::Heartbeat,
            Idea::WaitNeverReturns,
        ] {
            assert!(ideas.contains(&Some(idea)), "{idea:?} not in {ideas:?}");
        }
        let suspects: Vec<_> = a
            .suspects
            .iter()
            .map(|s| Idea::of_suspect(s, &a.groups))
            .collect();
        // The lesson's two first, then the connections' loops piled beside
        // the readers and the heartbeats' long wait.
        assert_eq!(
            suspects[..2],
            [Some(Idea::PileUp), Some(Idea::WaitNeverReturns)],
            "{:?}",
            a.suspects
        );
        assert!(
            suspects[2..]
                .iter()
                .all(|i| matches!(i, Some(Idea::Handlers | Idea::Heartbeat))),
            "{suspects:?}"
        );
        assert!(
            summary(&a, &example_name())
                .starts_with("example: buggy program, FASE 6, minute 58 (debug=2): ")
        );
    }

    #[test]
    fn the_cells_are_the_clis() {
        let a = analyze_text(CLOSE_ONLY).unwrap();
        for g in &a.groups {
            let c = cells(g);
            assert_eq!(c[0], g.count.to_string());
            assert_eq!(c[3], g.key.function);
        }
        let wg = a.groups.iter().find(|g| g.in_wait_group_wait).unwrap();
        assert_eq!(Idea::of_group(wg), Some(Idea::WaitNeverReturns));
        // A connection's own read, started by net/http, is a handler, not a
        // reader left behind.
        let conn = a
            .groups
            .iter()
            .find(|g| {
                g.key.state.as_deref() == Some("IO wait")
                    && g.key
                        .created_by
                        .as_deref()
                        .is_some_and(|c| c.starts_with("net/http."))
            })
            .unwrap();
        assert_eq!(Idea::of_group(conn), Some(Idea::Handlers));
        assert!(cells(wg)[2].ends_with(" min") || cells(wg)[2] == "-");
    }

    #[test]
    fn wait_timeouts_helpers_point_at_their_fix() {
        let a = analyze_text(WAIT_TIMEOUT).unwrap();
        let helpers = a
            .groups
            .iter()
            .find(|g| g.key.function.contains("rotate.func1"))
            .unwrap();
        assert_eq!(
            Idea::of_group(helpers),
            Some(Idea::Story(Program::WAIT_TIMEOUT))
        );
        let idea = Idea::Story(Program::WAIT_TIMEOUT);
        assert_eq!(idea.anchor(), "#fix-wait-timeout");
        assert_eq!(idea.label(), "§5 wait-timeout's helpers");
        assert_eq!(Idea::all().last(), Some(&idea));
    }

    #[test]
    fn bad_input_is_one_line_naming_its_line() {
        for bad in [
            "",
            "<!doctype html>\n<html><body>404</body></html>\n",
            "goroutine 1 [running]:\n",
        ] {
            let e = analyze_text(bad).unwrap_err();
            assert!(e.starts_with("line "), "{e}");
            assert!(!e.contains('\n'), "{e}");
        }
        // Cut short: the whole goroutines read, the cut said.
        let a = analyze_text(&CLOSE_ONLY[..CLOSE_ONLY.len() / 2]).unwrap();
        assert!(
            about(&a)
                .iter()
                .any(|l| l.starts_with("Note: cut after goroutine ")),
            "{:?}",
            about(&a)
        );
        let e = analyze_bytes(&[0x67, 0x6f, 0xff, 0xfe, 0x00, 0x81]).unwrap_err();
        assert!(e.starts_with("line 1: "), "{e}");
        let e = too_big(MAX_PASTE_BYTES + 1).unwrap();
        assert!(e.contains("at most 64 MiB"), "{e}");
        assert!(too_big(MAX_PASTE_BYTES).is_none());
    }
}
