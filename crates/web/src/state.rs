//! The page's whole state in one [`Reducible`]: the scenario, the runs of
//! every program on it, the two programs in the panes, the virtual clock,
//! the selection and the playback timer.
//!
//! Every number the page shows is read from the [`Trace`]s held here; the
//! page only chooses *which* program, instant and container to ask the core
//! about.

use std::rc::Rc;

use gloo_timers::callback::Interval;
use leakscope_sim::{
    Comparison, DumpFormat, Error, Param, Permalink, Preset, Program, Scenario, Time, Trace,
};
use yew::Reducible;

/// Most containers the page animates. The core accepts more (the CLI runs
/// 10,000); the page keeps its frames within budget.
pub const MAX_PAGE_CONTAINERS: u32 = 500;

/// How long the page waits between two steps when the reader prefers
/// reduced motion: playback jumps from event to event instead of sweeping.
pub const REDUCED_MOTION_STEP_MS: f64 = 1_000.0;

/// A wall-clock gap longer than this (a background tab, a breakpoint) is not
/// played back as virtual time.
const MAX_TICK_MS: f64 = 250.0;

/// Every program of [`Program::ALL`] run on the current scenario: the
/// core's [`Comparison`], with identity for equality.
#[derive(Debug)]
pub struct Runs(Comparison);

impl Runs {
    /// Runs every program of [`Program::ALL`] on `scenario`.
    ///
    /// # Errors
    ///
    /// Whatever the core's [`Scenario::validate`] refuses.
    pub fn new(scenario: &Scenario) -> Result<Runs, Error> {
        Comparison::new(scenario, &Program::ALL).map(Runs)
    }

    /// The run of `program`. Every program ran (see [`Runs::new`]).
    pub fn trace(&self, program: Program) -> &Trace {
        match self.0.trace(program) {
            Some(trace) => trace,
            None => unreachable!("Runs::new runs every program, {program} included"),
        }
    }
}

impl std::ops::Deref for Runs {
    type Target = Comparison;
    fn deref(&self) -> &Comparison {
        &self.0
    }
}

/// Runs compare by identity: two `Rc<Runs>` are equal when they are the
/// same simulation, so props holding one compare in O(1).
impl PartialEq for Runs {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// Playback speed: virtual time per second of wall time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speed {
    /// One virtual second per second (real time).
    RealTime,
    /// Ten virtual seconds per second.
    TenSeconds,
    /// One virtual minute per second.
    OneMinute,
    /// Five virtual minutes (one rotation, by default) per second.
    FiveMinutes,
    /// Fifteen virtual minutes per second.
    FifteenMinutes,
    /// One virtual hour per second.
    OneHour,
}

impl Speed {
    /// Every speed, slowest first.
    pub const ALL: [Speed; 6] = [
        Speed::RealTime,
        Speed::TenSeconds,
        Speed::OneMinute,
        Speed::FiveMinutes,
        Speed::FifteenMinutes,
        Speed::OneHour,
    ];

    /// Virtual milliseconds per wall millisecond.
    pub const fn factor(self) -> f64 {
        match self {
            Speed::RealTime => 1.0,
            Speed::TenSeconds => 10.0,
            Speed::OneMinute => 60.0,
            Speed::FiveMinutes => 300.0,
            Speed::FifteenMinutes => 900.0,
            Speed::OneHour => 3_600.0,
        }
    }

    /// The label the speed menu shows.
    pub const fn label(self) -> &'static str {
        match self {
            Speed::RealTime => "1 virtual second per second (real time)",
            Speed::TenSeconds => "10 virtual seconds per second",
            Speed::OneMinute => "1 virtual minute per second",
            Speed::FiveMinutes => "5 virtual minutes per second",
            Speed::FifteenMinutes => "15 virtual minutes per second",
            Speed::OneHour => "1 virtual hour per second",
        }
    }

    /// A short key for the menu's values.
    pub const fn key(self) -> &'static str {
        match self {
            Speed::RealTime => "1s",
            Speed::TenSeconds => "10s",
            Speed::OneMinute => "1m",
            Speed::FiveMinutes => "5m",
            Speed::FifteenMinutes => "15m",
            Speed::OneHour => "1h",
        }
    }

    /// The speed with `key`.
    pub fn from_key(key: &str) -> Option<Speed> {
        Speed::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Whether events are narrated as they pass (slow enough to follow).
    pub const fn narrates(self) -> bool {
        self.factor() <= 60.0
    }
}

/// One of the two panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The left pane (the program under study; `buggy` by default).
    Left,
    /// The right pane (the reference; `fixed` by default).
    Right,
}

impl Side {
    /// Both sides, left first.
    pub const ALL: [Side; 2] = [Side::Left, Side::Right];

    /// `left` or `right`: the URL key and the `data-testid` suffix.
    pub const fn name(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }
}

/// What the goroutine dump covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpScope {
    /// The selected container only.
    Selected,
    /// Every goroutine of the run.
    All,
}

/// One change to the state.
pub enum Action {
    /// Start playing; the interval drives [`Action::Tick`] and is dropped
    /// (cancelled) on pause.
    Play(Rc<Interval>),
    /// Stop playing.
    Pause,
    /// A timer tick at wall-clock `now` (milliseconds).
    Tick(f64),
    /// To the next event instant.
    StepForward,
    /// To the previous event instant.
    StepBack,
    /// Move the clock to an instant (clamped to the run).
    Seek(Time),
    /// Back to 0:00, paused.
    Reset,
    /// Change one parameter to the text the reader typed (judged by the
    /// core's [`Scenario::set`]); re-simulates at once.
    SetParam(Param, String),
    /// Load a preset's scenario.
    SetPreset(Preset),
    /// Select a container.
    Select(u32),
    /// Change the playback speed.
    SetSpeed(Speed),
    /// Choose the dump's format.
    SetDumpFormat(DumpFormat),
    /// Choose what the dump covers.
    SetDumpScope(DumpScope),
    /// Choose which program the dump shows.
    SetDumpProgram(Program),
    /// Put a program in one pane.
    SetPane(Side, Program),
    /// Show a program (a gallery card was clicked): nothing when a pane
    /// already shows it, otherwise it takes the left pane.
    Show(Program),
    /// Hide the notices.
    DismissNotices,
    /// Whether the reader prefers reduced motion.
    SetReducedMotion(bool),
}

/// The page's state. Compared by the identity of its runs and by value for
/// everything else, so an unchanged state renders nothing.
#[derive(Clone)]
pub struct AppState {
    /// The preset the scenario started from.
    pub preset: Preset,
    /// Every program's run of the current scenario.
    pub runs: Rc<Runs>,
    /// The program in the left pane.
    pub left: Program,
    /// The program in the right pane.
    pub right: Program,
    /// The virtual clock.
    pub at: Time,
    /// Sub-millisecond remainder of playback, so slow speeds still advance.
    carry: f64,
    /// The selected container.
    pub container: u32,
    /// The playback timer, while playing; dropping it cancels it.
    pub timer: Option<Rc<Interval>>,
    /// Wall-clock time of the last tick.
    last_tick: Option<f64>,
    /// Playback speed.
    pub speed: Speed,
    /// Whether playback jumps from event to event (prefers-reduced-motion).
    pub reduced_motion: bool,
    /// The dump's format.
    pub dump_format: DumpFormat,
    /// What the dump covers.
    pub dump_scope: DumpScope,
    /// Which program the dump shows.
    pub dump_program: Program,
    /// Messages about input that could not be used.
    pub notices: Vec<String>,
    /// The wall-clock milliseconds the last simulation took (every program).
    pub resim_ms: f64,
    /// Where the last clock movement started: the narration tells what
    /// happened after it up to [`AppState::at`].
    pub moved_from: Option<Time>,
}

impl PartialEq for AppState {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.runs, &other.runs)
            && self.preset == other.preset
            && self.left == other.left
            && self.right == other.right
            && self.at == other.at
            && self.container == other.container
            && self.timer.is_some() == other.timer.is_some()
            && self.speed == other.speed
            && self.reduced_motion == other.reduced_motion
            && self.dump_format == other.dump_format
            && self.dump_scope == other.dump_scope
            && self.dump_program == other.dump_program
            && self.notices == other.notices
            && self.moved_from == other.moved_from
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("preset", &self.preset)
            .field("scenario", &self.runs.scenario)
            .field("panes", &(self.left, self.right))
            .field("at", &self.at)
            .field("container", &self.container)
            .field("playing", &self.playing())
            .field("notices", &self.notices)
            .finish_non_exhaustive()
    }
}

/// Keys of the query that are the page's own, not the core's permalink:
/// `bench=1` runs the benchmark, `crash=1` demonstrates the error banner.
pub const PAGE_KEYS: [&str; 2] = ["bench", "crash"];

/// The query without the page's own keys (`bench`), which the core's
/// permalink parser does not know.
pub fn core_query(query: &str) -> String {
    let query = query.strip_prefix('?').unwrap_or(query);
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let key = p.split_once('=').map_or(*p, |(k, _)| k);
            !PAGE_KEYS.contains(&key)
        })
        .collect::<Vec<_>>()
        .join("&")
}

impl AppState {
    /// The state a URL query restores, paused at its `t`, with a notice for
    /// every value that could not be used.
    pub fn from_query(query: &str) -> AppState {
        let (mut link, notices) = Permalink::parse(&core_query(query));
        let mut notices: Vec<String> = notices.into_iter().map(|n| n.message).collect();
        if link.scenario.containers > MAX_PAGE_CONTAINERS {
            let fallback = link.preset.scenario().containers;
            notices.push(format!(
                "containers={}: the page animates at most {MAX_PAGE_CONTAINERS} containers \
                 (the CLI runs more); using {fallback}",
                link.scenario.containers
            ));
            link.scenario.containers = fallback;
            link.container = link.container.min(fallback - 1);
        }
        let (runs, resim_ms) = match timed(|| Runs::new(&link.scenario)) {
            (Ok(runs), ms) => (runs, ms),
            (Err(e), _) => {
                // Permalink::parse only returns valid scenarios; should that
                // ever change, fall back rather than fail.
                notices.push(format!("{e}; using the {} preset", link.preset));
                link.scenario = link.preset.scenario();
                link.at = Time::ZERO;
                link.container = 0;
                timed(|| Runs::new(&link.scenario).expect("presets are valid"))
            }
        };
        AppState {
            preset: link.preset,
            left: link.left,
            right: link.right,
            at: link.at.min(runs.end()),
            runs: Rc::new(runs),
            carry: 0.0,
            container: link.container,
            timer: None,
            last_tick: None,
            speed: Speed::OneMinute,
            reduced_motion: false,
            dump_format: DumpFormat::Full,
            dump_scope: DumpScope::Selected,
            dump_program: Program::BUGGY,
            notices,
            resim_ms,
            moved_from: None,
        }
    }

    /// The permalink of this state.
    pub fn permalink(&self) -> Permalink {
        Permalink {
            preset: self.preset,
            scenario: self.runs.scenario.clone(),
            left: self.left,
            right: self.right,
            at: self.at,
            container: self.container,
        }
    }

    /// The URL query that restores this state (without `?`).
    pub fn to_query(&self) -> String {
        self.permalink().to_query()
    }

    /// Whether the clock is running.
    pub fn playing(&self) -> bool {
        self.timer.is_some()
    }

    /// The program in `side`'s pane.
    pub fn pane(&self, side: Side) -> Program {
        match side {
            Side::Left => self.left,
            Side::Right => self.right,
        }
    }

    /// The programs in the panes, left first.
    pub fn panes(&self) -> [Program; 2] {
        [self.left, self.right]
    }

    /// The next instant at which a program in a pane does something (the
    /// end of the run when none does): stepping follows what the panes
    /// show, not every program of the gallery.
    pub fn next_event(&self) -> Time {
        let end = self.runs.end();
        self.panes()
            .iter()
            .filter_map(|&p| self.runs.trace(p).next_event_time(self.at))
            .min()
            .unwrap_or(end)
            .clamp(self.at.min(end), end)
    }

    /// The last instant before now at which a program in a pane did
    /// something, or 0.
    pub fn prev_event(&self) -> Time {
        self.panes()
            .iter()
            .filter_map(|&p| self.runs.trace(p).prev_event_time(self.at))
            .max()
            .unwrap_or(Time::ZERO)
    }

    /// The scenario every run shares.
    pub fn scenario(&self) -> &Scenario {
        &self.runs.scenario
    }

    fn paused(mut self) -> AppState {
        self.timer = None;
        self.last_tick = None;
        self.carry = 0.0;
        // A paused clock sits on a whole second, so the URL restores it
        // exactly (the permalink keeps seconds).
        self.at = Time::from_secs(self.at.as_millis() / 1_000);
        self
    }

    fn moved(mut self, to: Time) -> AppState {
        let to = to.min(self.runs.end());
        self.moved_from = Some(self.at);
        self.at = to;
        self
    }

    fn with_scenario(mut self, preset: Preset, scenario: Scenario) -> AppState {
        match timed(|| Runs::new(&scenario)) {
            (Ok(runs), ms) => {
                self.preset = preset;
                self.at = self.at.min(runs.end());
                self.container = self.container.min(scenario.containers - 1);
                self.runs = Rc::new(runs);
                self.resim_ms = ms;
                self.moved_from = None;
            }
            (Err(e), _) => self.notices = vec![e.to_string()],
        }
        self
    }

    fn set_param(mut self, param: Param, text: &str) -> AppState {
        // The core judges typed text the same way for every face.
        let mut scenario = self.scenario().clone();
        if let Err(e) = scenario.set(param, text).and_then(|()| scenario.validate()) {
            self.notices = vec![format!("{e}; kept the previous value")];
            return self;
        }
        if scenario.containers > MAX_PAGE_CONTAINERS {
            self.notices = vec![format!(
                "containers = {} is more than the page animates (at most {MAX_PAGE_CONTAINERS}; \
                 the CLI runs more); kept the previous value",
                scenario.containers
            )];
            return self;
        }
        if scenario == *self.scenario() {
            return self;
        }
        self.notices.clear();
        let preset = self.preset;
        self.with_scenario(preset, scenario)
    }

    fn tick(mut self, now: f64) -> AppState {
        let Some(last) = self.last_tick else {
            self.last_tick = Some(now);
            return self;
        };
        let end = self.runs.end();
        if self.reduced_motion {
            if now - last < REDUCED_MOTION_STEP_MS {
                return self;
            }
            self.last_tick = Some(now);
            let next = self.next_event();
            self = self.moved(next);
        } else {
            let wall = (now - last).clamp(0.0, MAX_TICK_MS);
            self.last_tick = Some(now);
            let advance = wall * self.speed.factor() + self.carry;
            let whole = advance.floor();
            self.carry = advance - whole;
            let to = Time::from_millis(self.at.as_millis() + whole as u64);
            self = self.moved(to);
        }
        if self.at >= end {
            self.at = end;
            self = self.paused();
        }
        self
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        s = match action {
            Action::Play(timer) => {
                if s.at >= s.runs.end() {
                    s.at = Time::ZERO;
                }
                s.timer = Some(timer);
                s.last_tick = None;
                s
            }
            Action::Pause => s.paused(),
            Action::Tick(now) => {
                if !s.playing() {
                    return self;
                }
                s.tick(now)
            }
            Action::StepForward => {
                let s = s.paused();
                let next = s.next_event();
                s.moved(next)
            }
            Action::StepBack => {
                let s = s.paused();
                let prev = s.prev_event();
                s.moved(prev)
            }
            Action::Seek(t) => s.paused().moved(t),
            Action::Reset => {
                let mut s = s.paused();
                s.at = Time::ZERO;
                s.moved_from = None;
                s
            }
            Action::SetParam(param, text) => s.set_param(param, &text),
            Action::SetPreset(p) => {
                s.notices.clear();
                s.with_scenario(p, p.scenario())
            }
            Action::Select(c) => {
                s.container = c.min(s.scenario().containers - 1);
                s.moved_from = None;
                s
            }
            Action::SetSpeed(speed) => {
                s.speed = speed;
                s
            }
            Action::SetDumpFormat(f) => {
                s.dump_format = f;
                s
            }
            Action::SetDumpScope(scope) => {
                s.dump_scope = scope;
                s
            }
            Action::SetDumpProgram(p) => {
                s.dump_program = p;
                s
            }
            Action::SetPane(Side::Left, p) => {
                s.left = p;
                s
            }
            Action::SetPane(Side::Right, p) => {
                s.right = p;
                s
            }
            Action::Show(p) => {
                if !s.panes().contains(&p) {
                    s.left = p;
                }
                s
            }
            Action::DismissNotices => {
                s.notices.clear();
                s
            }
            Action::SetReducedMotion(on) => {
                s.reduced_motion = on;
                s
            }
        };
        // Always the new value (it may carry a new tick time); the page
        // uses `use_reducer_eq`, so an equal state renders nothing.
        Rc::new(s)
    }
}

/// Runs `f` and returns its result with the wall-clock milliseconds it took
/// (0 where no clock exists, natively).
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = crate::dom::now_ms();
    let out = f();
    (out, crate::dom::now_ms() - start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_keys_are_removed_before_the_core_parses() {
        assert_eq!(core_query("?bench=1&t=5"), "t=5");
        assert_eq!(core_query("preset=fase3"), "preset=fase3");
    }

    #[test]
    fn a_query_restores_the_state_and_round_trips() {
        let s = AppState::from_query("preset=fase3&containers=20&t=7.5&container=3");
        assert!(s.notices.is_empty(), "{:?}", s.notices);
        assert_eq!(s.at, Time::from_secs(450));
        assert_eq!(s.container, 3);
        assert_eq!(s.scenario().containers, 20);
        let back = AppState::from_query(&s.to_query());
        assert_eq!(back.permalink(), s.permalink());
    }

    #[test]
    fn bad_values_are_named_and_fall_back() {
        let s =
            AppState::from_query("containers=-5&t=abc&seed=99999999999999999999999999999999999");
        assert_eq!(s.scenario(), &Scenario::default());
        assert_eq!(s.at, Time::ZERO);
        let all = s.notices.join("\n");
        for key in ["containers=-5", "t=abc", "seed="] {
            assert!(all.contains(key), "{all}");
        }
    }

    #[test]
    fn more_containers_than_the_page_animates_fall_back() {
        let s = AppState::from_query("containers=2000");
        assert_eq!(s.scenario().containers, 55);
        assert!(s.notices[0].starts_with("containers=2000"));
    }

    #[test]
    fn stepping_forward_then_back_returns_to_the_same_instant() {
        let s = Rc::new(AppState::from_query("t=5"));
        let fwd = s.clone().reduce(Action::StepForward);
        assert_eq!(fwd.at, Time::from_minutes(10));
        let back = fwd.reduce(Action::StepBack);
        assert_eq!(back.at, s.at);
    }

    #[test]
    fn reduced_motion_playback_jumps_from_event_to_event() {
        let mut s = AppState::from_query("t=0");
        s.reduced_motion = true;
        s.last_tick = Some(0.0);
        // Playing: a tick under a second later does nothing, one after a
        // second jumps to the next event instant.
        let s = s.tick(500.0);
        assert_eq!(s.at, Time::ZERO);
        let s = s.tick(1_000.0);
        assert_eq!(s.at, Time::from_minutes(5));
    }

    #[test]
    fn playing_advances_by_the_speed_and_stops_at_the_end() {
        let mut s = AppState::from_query("preset=fase3&t=9");
        s.last_tick = Some(0.0);
        s.speed = Speed::OneMinute;
        let s = s.tick(100.0);
        assert_eq!(s.at, Time::from_secs(9 * 60 + 6));
        let mut s = s;
        for i in 2..200 {
            s = s.tick(100.0 * f64::from(i));
        }
        assert_eq!(s.at, s.runs.end());
        assert!(!s.playing());
    }

    #[test]
    fn a_typed_parameter_is_judged_by_the_core_and_kept_when_bad() {
        let s = Rc::new(AppState::from_query("t=30"));
        let bad = s
            .clone()
            .reduce(Action::SetParam(Param::Containers, "-5".into()));
        assert_eq!(bad.scenario().containers, 55);
        assert!(
            bad.notices[0].starts_with("containers = -5"),
            "{:?}",
            bad.notices
        );
        let big = s
            .clone()
            .reduce(Action::SetParam(Param::Containers, "501".into()));
        assert_eq!(big.scenario().containers, 55);
        assert_eq!(big.notices.len(), 1);
        let good = s.reduce(Action::SetParam(Param::Containers, "8".into()));
        assert_eq!(good.scenario().containers, 8);
        assert_eq!(good.at, Time::from_minutes(30));
        assert!(good.notices.is_empty());
    }

    #[test]
    fn stepping_follows_the_programs_in_the_panes() {
        // wait-timeout's timeouts fall 10 s after each rotation.
        let s = Rc::new(AppState::from_query("t=5&left=wait-timeout"));
        let fwd = s.clone().reduce(Action::StepForward);
        assert_eq!(fwd.at, Time::from_secs(5 * 60 + 10));
        let s = Rc::new(AppState::from_query("t=5"));
        assert_eq!(s.reduce(Action::StepForward).at, Time::from_minutes(10));
    }

    #[test]
    fn the_panes_round_trip_and_a_card_takes_the_left_pane() {
        let s = Rc::new(AppState::from_query(
            "left=close-only&right=wait-timeout&t=3",
        ));
        assert_eq!(s.panes(), [Program::CLOSE_ONLY, Program::WAIT_TIMEOUT]);
        assert!(s.to_query().contains("left=close-only&right=wait-timeout"));
        assert_eq!(
            AppState::from_query(&s.to_query()).permalink(),
            s.permalink()
        );
        let same = s.clone().reduce(Action::Show(Program::WAIT_TIMEOUT));
        assert_eq!(same.panes(), s.panes(), "already shown: nothing moves");
        let shown = s.reduce(Action::Show(Program::BUGGY));
        assert_eq!(shown.panes(), [Program::BUGGY, Program::WAIT_TIMEOUT]);
        let picked = shown.reduce(Action::SetPane(Side::Right, Program::FIXED));
        assert_eq!(picked.panes(), Program::PAIR);
        let bad = AppState::from_query("left=shared");
        assert_eq!(bad.left, Program::BUGGY);
        assert!(
            bad.notices[0].starts_with("left=shared"),
            "{:?}",
            bad.notices
        );
    }

    #[test]
    fn every_program_runs_and_the_new_parameters_reach_the_core() {
        let s = Rc::new(AppState::from_query("preset=fase3"));
        assert_eq!(s.runs.programs(), Program::ALL.to_vec());
        let s = s.reduce(Action::SetParam(Param::StopAt, "6".into()));
        assert_eq!(s.scenario().stop_at, Some(6));
        assert!(s.runs.trace(Program::FIXED).stop().unwrap().returned);
        let s = s.reduce(Action::SetParam(Param::LinesPerMin, "0".into()));
        assert_eq!(s.runs.trace(Program::FIXED).samples()[10].lines_read, 0);
        let s = s.reduce(Action::SetParam(Param::StopAt, "none".into()));
        assert_eq!(s.scenario().stop_at, None);
    }
}
