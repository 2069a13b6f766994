//! Which of the core's answers the page shows for an instant and a
//! container: the program line to highlight, the WaitGroup's counter
//! timeline, the events worth narrating. Presentation only: every fact
//! comes from the [`Trace`].

use std::collections::BTreeMap;

use leakscope_sim::code::{Anchor, line_of};
use leakscope_sim::{Event, EventKind, Time, Trace, WaitGroupName};

/// The line a container is on at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Focus {
    /// The 1-based line highlighted (`aria-current="step"`).
    pub line: u32,
    /// Other lines run at this very instant, in order.
    pub touched: Vec<u32>,
    /// Goroutines of the container parked on each line.
    pub parked: BTreeMap<u32, u64>,
    /// Goroutines of the container parked outside the program's text: the
    /// handlers of its open streams (the current one's, and those of the
    /// streams left behind), in `monitor/stream.go`. With `parked` they are
    /// every goroutine the container's dump lists.
    pub outside: u64,
    /// One sentence about where the container is.
    pub note: String,
}

/// Where container `c` of `trace` is at `at`: the line of its last event if
/// one ran at this instant, otherwise the line it waits on.
pub fn focus(trace: &Trace, c: u32, at: Time) -> Focus {
    let v = trace.program();
    let events = trace.events_of(c).unwrap_or_default();
    let now: Vec<&Event> = events.iter().filter(|e| e.time == at).collect();
    let mut parked = BTreeMap::new();
    let mut outside = 0;
    for g in trace.goroutines_at(at, Some(c)).unwrap_or_default() {
        match g.anchor() {
            Some(anchor) => *parked.entry(line_of(v, anchor)).or_default() += 1,
            None => outside += 1,
        }
    }
    if let Some(last) = now.last() {
        return Focus {
            line: line_of(v, last.anchor()),
            touched: now.iter().map(|e| line_of(v, e.anchor())).collect(),
            parked,
            outside,
            note: last.describe(),
        };
    }
    let Ok(view) = trace.container_at(c, at) else {
        return Focus {
            line: 0,
            touched: Vec::new(),
            parked,
            outside,
            note: String::new(),
        };
    };
    let stopped = trace.scenario().stop().filter(|&s| s <= at);
    let note = match (view.stalled_since, stopped) {
        (Some(since), _) => format!(
            "container {c}: rotate() blocked in Wait() since {since}; no rotation after {}",
            view.rotation
        ),
        (None, Some(s)) => format!("container {c}: Stop() ran at {s}; nothing opens any more"),
        (None, None) if view.anchor == Anchor::TimeoutSelect => format!(
            "container {c}: rotate() waits for the helper or the timeout, whichever comes first"
        ),
        (None, None) => {
            let due = Time::from_millis(
                trace.scenario().rotation().as_millis() * u64::from(view.rotation),
            );
            format!(
                "container {c}: rotation {} reading; its timer fires at {due}",
                view.rotation
            )
        }
    };
    Focus {
        line: line_of(v, view.anchor),
        touched: Vec::new(),
        parked,
        outside,
        note,
    }
}

/// How a whole run reads at a glance: the icon a pane or a card carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// The count grows: the seed's check fails (✕).
    Leaks,
    /// The count passes, but containers stopped reading their logs (‖).
    Stalls,
    /// The count passes and every container still reads (✓).
    Healthy,
}

impl Health {
    /// The verdict of `trace`, with what the count alone does not show: the
    /// containers stuck or silent at the end of the run, or just before
    /// `Stop()` (after it, every monitor is silent by design).
    pub fn of(trace: &Trace) -> Health {
        let samples = trace.samples();
        let last = match trace.scenario().stop_at {
            Some(m) => samples.get(m.saturating_sub(1) as usize),
            None => samples.last(),
        };
        if trace.analysis().verdict == leakscope_sim::Verdict::Leak {
            Health::Leaks
        } else if last.is_some_and(|s| s.stalled_containers > 0 || s.silent_containers > 0) {
            Health::Stalls
        } else {
            Health::Healthy
        }
    }

    /// The icon: ✕, ‖ or ✓.
    pub const fn icon(self) -> &'static str {
        match self {
            Health::Leaks => "✕",
            Health::Stalls => "‖",
            Health::Healthy => "✓",
        }
    }

    /// A few words for a screen reader and a tooltip.
    pub const fn words(self) -> &'static str {
        match self {
            Health::Leaks => "leaks goroutines",
            Health::Stalls => "passes the count, but its logs stop",
            Health::Healthy => "passes, and keeps reading its logs",
        }
    }
}

/// One row of a WaitGroup's counter timeline, in the seed's style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterRow {
    /// When.
    pub time: Time,
    /// What the program did, e.g. `Add(1) → reader #2 starts`.
    pub what: String,
    /// The group it touched, if any.
    pub group: Option<WaitGroupName>,
    /// The group's counter after it, if it changed or was read.
    pub counter: Option<u32>,
    /// How it reads: fine, bad (a leak or a block) or neutral.
    pub mood: Mood,
}

/// How a timeline row reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mood {
    /// Nothing to worry about.
    Neutral,
    /// What the fix is for (✓).
    Good,
    /// A leak or a block (✕ / ‖).
    Bad,
}

/// The counter timeline of container `c` up to `at`.
pub fn counter_timeline(trace: &Trace, c: u32, at: Time) -> Vec<CounterRow> {
    trace
        .events_of(c)
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.time <= at)
        .filter_map(|e| counter_row(&e))
        .collect()
}

fn counter_row(e: &Event) -> Option<CounterRow> {
    let n = e.rotation;
    let row = |what: String, group, counter, mood| {
        Some(CounterRow {
            time: e.time,
            what,
            group,
            counter,
            mood,
        })
    };
    match &e.kind {
        EventKind::HeartbeatStarted { group, counter, .. } => row(
            "Add(1) → heartbeat starts (Done() only at Stop())".into(),
            Some(*group),
            Some(*counter),
            Mood::Neutral,
        ),
        EventKind::ReaderStarted { group, counter, .. } => row(
            format!("Add(1) → reader #{n} starts"),
            Some(*group),
            Some(*counter),
            Mood::Neutral,
        ),
        EventKind::RotationDue { .. } => None,
        EventKind::StreamFailed { .. } => row(
            format!("stream #{n} failed half-open: reader #{n} waits in IO wait"),
            None,
            None,
            Mood::Bad,
        ),
        EventKind::WaitSkipped { .. } => row(
            format!("✕ Wait() skipped: reader #{n} left behind, still counted"),
            None,
            None,
            Mood::Bad,
        ),
        EventKind::StreamClosed { group, counter, .. } => row(
            format!("Close() → reader #{n} and its handlers exit, Done()"),
            Some(*group),
            Some(*counter),
            Mood::Neutral,
        ),
        EventKind::WaitBlocked { group, counter, .. } => row(
            "‖ Wait() blocks until Stop() (counter ≠ 0)".into(),
            Some(*group),
            Some(*counter),
            Mood::Bad,
        ),
        EventKind::WaitReturned { group, .. } => row(
            "✓ Wait() returns at once (counter = 0)".into(),
            Some(*group),
            Some(0),
            Mood::Good,
        ),
        EventKind::HelperBlocked { group, counter, .. } => row(
            "go func() → helper blocks in Wait() (counter ≠ 0); rotate() selects on the timeout"
                .into(),
            Some(*group),
            Some(*counter),
            Mood::Bad,
        ),
        EventKind::WaitTimedOut { reopened, .. } => row(
            if *reopened {
                format!(
                    "◷ timeout: rotate() gives up, rotation #{} opens; the helper stays blocked",
                    n + 1
                )
            } else {
                "◷ timeout after Stop(): nothing opens".into()
            },
            None,
            None,
            if *reopened { Mood::Bad } else { Mood::Neutral },
        ),
        EventKind::Stopped {
            group,
            counter,
            hangs,
            ..
        } => row(
            match (*counter, *hangs) {
                (0, _) => "✓ Stop(): heartbeat returns, stream closed, the group reaches 0".into(),
                (1, true) => "‖ Stop() hangs: 1 reader left behind holds it for good".into(),
                (k, true) => format!("‖ Stop() hangs: {k} readers left behind hold it for good"),
                (1, false) => "Stop(): 1 reader left behind still holds it".into(),
                (k, false) => format!("Stop(): {k} readers left behind still hold it"),
            },
            Some(*group),
            Some(*counter),
            if *counter == 0 { Mood::Good } else { Mood::Bad },
        ),
    }
}

/// Whether an event is worth announcing to a screen reader while playing:
/// the moments the programs part ways.
pub fn is_key_event(e: &Event) -> bool {
    matches!(
        e.kind,
        EventKind::WaitSkipped { .. }
            | EventKind::WaitBlocked { .. }
            | EventKind::WaitReturned { .. }
            | EventKind::StreamFailed { .. }
            | EventKind::HelperBlocked { .. }
            | EventKind::WaitTimedOut { .. }
            | EventKind::Stopped { .. }
    )
}

/// The key events of container `c` with `from < time <= to`.
pub fn key_events(trace: &Trace, c: u32, from: Option<Time>, to: Time) -> Vec<Event> {
    trace
        .events_of(c)
        .unwrap_or_default()
        .into_iter()
        .filter(|e| from.is_none_or(|f| e.time > f) && e.time <= to)
        .filter(is_key_event)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use leakscope_sim::code::lines;
    use leakscope_sim::{Preset, Program, Scenario, simulate};

    #[test]
    fn a_blocked_container_sits_on_the_wait_line() {
        let trace = simulate(&Preset::Fase3.scenario(), Program::BUGGY).unwrap();
        let f = focus(&trace, 0, Time::from_minutes(7));
        assert_eq!(f.line, line_of(Program::BUGGY, Anchor::Wait));
        assert!(
            lines(Program::BUGGY)[f.line as usize - 1]
                .text
                .contains("Wait()")
        );
        assert!(f.note.contains("blocked in Wait()"), "{}", f.note);
        // heartbeat in its loop, the waiter in Wait(); the reader has exited
        assert_eq!(f.parked.values().sum::<u64>(), 2);
        assert_eq!(f.outside, 0);
    }

    #[test]
    fn the_badges_add_up_to_the_containers_dump_handlers_included() {
        // issue 10, point 7: "12 goroutines here" left out the handlers
        let trace = simulate(&Preset::Fase6.scenario(), Program::BUGGY).unwrap();
        for m in [17, 58] {
            let at = Time::from_minutes(m);
            let f = focus(&trace, 0, at);
            let all = trace.goroutines_at(at, Some(0)).unwrap();
            assert_eq!(f.parked.values().sum::<u64>() + f.outside, all.len() as u64);
            assert!(f.outside > 0, "handlers of the readers left behind at {m}");
            let read_line = line_of(Program::BUGGY, Anchor::ReadLine);
            assert!(
                f.parked.len() >= 2 && f.parked.contains_key(&read_line),
                "{f:?}"
            );
        }
    }

    #[test]
    fn at_an_event_instant_the_last_event_is_highlighted() {
        let trace = simulate(&Preset::Fase3.scenario(), Program::FIXED).unwrap();
        let f = focus(&trace, 0, Time::from_minutes(5));
        // close, wait returned, next reader started
        assert_eq!(f.line, line_of(Program::FIXED, Anchor::ReaderGo));
        assert!(f.touched.contains(&line_of(Program::FIXED, Anchor::Wait)));
    }

    #[test]
    fn the_counter_timeline_is_the_seeds() {
        let trace = simulate(&Preset::Fase3.scenario(), Program::BUGGY).unwrap();
        let rows = counter_timeline(&trace, 0, Time::from_minutes(10));
        let counters: Vec<Option<u32>> = rows.iter().map(|r| r.counter).collect();
        // Add → 1, Add → 2, Done → 1, Wait blocks at 1
        assert_eq!(counters, [Some(1), Some(2), Some(1), Some(1)]);
        assert_eq!(rows[3].mood, Mood::Bad);
    }

    #[test]
    fn a_timed_wait_leaves_its_helper_behind_in_the_timeline() {
        let trace = simulate(&Preset::Fase3.scenario(), Program::WAIT_TIMEOUT).unwrap();
        let rows = counter_timeline(&trace, 0, Time::from_minutes(6));
        let what: Vec<&str> = rows.iter().map(|r| r.what.as_str()).collect();
        assert!(what.iter().any(|w| w.contains("helper blocks")), "{what:?}");
        assert!(what.iter().any(|w| w.starts_with("◷ timeout")), "{what:?}");
    }

    #[test]
    fn health_tells_a_stalled_pass_from_a_healthy_one() {
        let s = Preset::Fase6.scenario();
        let of = |p| Health::of(&simulate(&s, p).unwrap());
        assert_eq!(of(Program::BUGGY), Health::Leaks);
        assert_eq!(of(Program::CLOSE_ONLY), Health::Stalls);
        assert_eq!(of(Program::WAIT_TIMEOUT), Health::Leaks);
        assert_eq!(of(Program::FIXED), Health::Healthy);
        let stopped = Scenario {
            stop_at: Some(30),
            ..s
        };
        let fixed = simulate(&stopped, Program::FIXED).unwrap();
        assert_eq!(Health::of(&fixed), Health::Healthy, "silent after Stop()");
        let close = simulate(&stopped, Program::CLOSE_ONLY).unwrap();
        assert_eq!(Health::of(&close), Health::Stalls);
    }
}
