//! The site: [`App`] picks the page ([`crate::page::Page`]) and draws the
//! navigation bar; [`Lab`] is the live view on one virtual clock and owns
//! its state and the browser plumbing (timer, keyboard, URL, resize,
//! benchmark); everything below it is a function of its props.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::EventListener;
use gloo_timers::callback::Interval;
use leakscope_sim::{Program, Time};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::bench::{BenchView, Probe, run_bench};
use crate::components::{
    ChartCanvas, CodePane, Controls, Detectors, Dump, Gallery, LanesLegend, Narration, Notices,
    Numbers, Pane, Params, PasteDump, RealRun, Story,
};
use crate::dom;
use crate::page::{NavBar, Page};
use crate::state::{Action, AppState, Side};
use crate::view::{focus, key_events};

/// The model, on the hosted repository (the reader of the page has no
/// checkout).
pub const MODEL_DOC: &str = "https://github.com/leakscope/leakscope/blob/main/docs/model.md";

/// §8 of the model: "where the seed's numbers follow, and where they do
/// not", on the hosted repository (the reader of the page has no checkout).
pub const MODEL_DOC_SECTION_8: &str = "https://github.com/leakscope/leakscope/blob/main/docs/model.md#8-where-the-seeds-numbers-follow-and-where-they-do-not";

/// Milliseconds between playback ticks (about one per display frame).
pub const TICK_MS: u32 = 16;

/// Props of [`App`].
#[derive(Properties, PartialEq, Default)]
pub struct AppProps {
    /// The query to restore; `None` reads the page's URL and keeps it in
    /// sync with the state.
    #[prop_or_default]
    pub query: Option<AttrValue>,
    /// The page to show; `None` routes by the address (or, with `query`
    /// given, by the query alone: a query opens the lab).
    #[prop_or_default]
    pub page: Option<Page>,
}

/// The site: the navigation bar, then the page the address names.
#[component]
pub fn App(props: &AppProps) -> Html {
    let page = props.page.unwrap_or_else(|| match &props.query {
        Some(q) => Page::route("", q, ""),
        None => dom::location_page(),
    });
    use_effect_with(page, |page| dom::set_title(page.title()));
    let synced = props.query.is_none();
    use_effect_with((), move |_| {
        let mut listener = None;
        if synced {
            // The browser could not scroll to the fragment: the page did not
            // exist when it loaded. A fragment of another page opens it.
            dom::scroll_to_fragment();
            dom::follow_foreign_fragment();
            listener = web_sys::window()
                .map(|w| EventListener::new(&w, "hashchange", |_| dom::follow_foreign_fragment()));
        }
        move || drop(listener)
    });
    let query = props.query.clone();
    html! {
        <>
            <NavBar {page} />
            { match page {
                Page::Lesson => html! { <Lesson /> },
                Page::Lab => html! { <Lab {query} /> },
                Page::Tools => html! { <Tools /> },
                Page::Notes => html! { <Notes {query} /> },
            } }
            <footer>
                <p>{ "leakscope: one simulation core, three faces (these pages, the command line, the real monitor). Colours are Okabe–Ito; every mark also has an icon or a pattern." }</p>
            </footer>
        </>
    }
}

/// The front page: the lesson, readable with no interaction.
#[component]
fn Lesson() -> Html {
    html! {
        <>
            <header class="hero">
                <h1>{ "One WaitGroup, two lifecycles" }</h1>
                <p class="rule" id="rule"><strong>{ "The rule: " }</strong><code>{ "Wait()" }</code>
                    { " waits for zero — never put a goroutine that lives forever in a group you wait on every rotation." }</p>
            </header>
            <main>
                <Story />
            </main>
        </>
    }
}

/// The tools page: for a Go service of the reader's own.
#[component]
fn Tools() -> Html {
    html! {
        <main class="tools-page">
            <header class="page-head">
                <h1>{ "Tools" }</h1>
                <p class="lede">{ "For a Go service of your own: paste a goroutine dump to find the pile-up in it; see which detector catches which program, every reason spelled out; and the buggy monitor measured on a real Docker engine." }</p>
            </header>
            <PasteDump />
            <Detectors full=true />
            <RealRun />
        </main>
    }
}

/// Props of [`Notes`].
#[derive(Properties, PartialEq)]
pub struct NotesProps {
    /// The query to restore (the scenario the audit recomputes); `None`
    /// reads the page's URL.
    #[prop_or_default]
    pub query: Option<AttrValue>,
}

/// The model notes: the seed document's arithmetic and where each claim of
/// the model was confirmed.
#[component]
pub fn Notes(props: &NotesProps) -> Html {
    let query = use_memo(props.query.clone(), |q| {
        q.as_ref()
            .map(|q| q.to_string())
            .unwrap_or_else(dom::location_query)
    });
    let state = use_memo(query, |q| AppState::from_query(q));
    html! {
        <main class="notes-page">
            <header class="page-head">
                <h1>{ "Model notes" }</h1>
                <p class="lede">{ "Where the lesson's numbers come from, and what confirmed them." }</p>
            </header>
            <section id="provenance" class="story-section">
                <h2>{ "Provenance" }</h2>
                { crate::components::raw(format!(
                    r#"<ul><li>Every count on these pages is computed in your browser by the simulation core, on a virtual clock: the same code the command line runs (<code>leakscope sim --program all --format json</code> prints the same numbers at whole minutes).</li>
<li>{}</li>
<li>The minimal reproduction on the lesson (go/repro) runs under Go's testing/synctest in the test suite; the output the lesson prints is captured from a real run and a test keeps it equal to a fresh one.</li>
<li>The real monitor (crates/monitor) is a port to Rust on tokio: its tasks and wait groups are real, and it follows real containers on a Docker engine. Its census counts 3 tasks per healthy container (heartbeat, reader, the stream's connection task) and 2 more per stream left behind; the tools page shows one measured run.</li>
<li>The detector matrix is the core's; the Go tests measure each detector on the real programs and assert they agree (<code>cargo xtask go-detect -- --preset fase6 --program all</code>).</li>
<li>Everything runs with <code>cargo xtask test</code>; the model in full: <a href="{MODEL_DOC}">docs/model.md</a>.</li></ul>"#,
                    crate::GO_CONFIRMED
                )) }
            </section>
            <section id="numbers" class="story-section numbers-section">
                <h2>{ "The seed document's numbers" }</h2>
                <p>{ "The seed document — the incident write-up this project started from — backs its story with a \"mathematical proof\" and two timelines. Here they are recomputed from the scenario below, next to the document's own figures. Where they differ, the last column says why (in full: " }
                    <a href={MODEL_DOC_SECTION_8}>{ "§8 of the model" }</a>{ ")." }</p>
                <Numbers runs={state.runs.clone()} preset={state.preset} />
            </section>
        </main>
    }
}

/// Props of [`Lab`].
#[derive(Properties, PartialEq, Default)]
pub struct LabProps {
    /// The query to restore; `None` reads the page's URL and keeps it in
    /// sync with the state.
    #[prop_or_default]
    pub query: Option<AttrValue>,
}

/// What the long-lived listeners need to know about the current state.
#[derive(Default)]
struct Live {
    playing: bool,
    at: Time,
    end: Time,
}

/// Starts the playback timer: every tick dispatches [`Action::Tick`] with
/// the wall clock. Dropping the returned handle stops it.
fn start_timer(dispatcher: UseReducerDispatcher<AppState>, probe: Rc<RefCell<Probe>>) -> Interval {
    Interval::new(TICK_MS, move || {
        let now = dom::now_ms();
        probe.borrow_mut().tick_started(now);
        dispatcher.dispatch(Action::Tick(now));
    })
}

/// Plays or pauses.
pub(crate) fn toggle(
    dispatcher: &UseReducerDispatcher<AppState>,
    probe: &Rc<RefCell<Probe>>,
    playing: bool,
) {
    if playing {
        dispatcher.dispatch(Action::Pause);
    } else {
        let timer = start_timer(dispatcher.clone(), probe.clone());
        dispatcher.dispatch(Action::Play(Rc::new(timer)));
    }
}

/// The lab: every program on one virtual clock.
#[component]
pub fn Lab(props: &LabProps) -> Html {
    let synced = props.query.is_none();
    let query = use_memo(props.query.clone(), |q| {
        q.as_ref()
            .map(|q| q.to_string())
            .unwrap_or_else(dom::location_query)
    });
    let bench = dom::bench_requested(&query);
    let state = {
        let query = query.clone();
        use_reducer_eq(move || AppState::from_query(&query))
    };
    let dispatcher = state.dispatcher();
    let probe = use_mut_ref(Probe::default);
    let live = use_mut_ref(Live::default);
    let layout = use_state(|| 0u32);
    let bench_result = use_state(|| None);
    {
        let mut l = live.borrow_mut();
        l.playing = state.playing();
        l.at = state.at;
        l.end = state.runs.end();
    }

    // The sticky bar's height, measured at every width, keeps jumps clear
    // of it (before the first jump, to the URL's fragment, below).
    let bar = use_node_ref();
    {
        let bar = bar.clone();
        use_effect_with(*layout, move |_| dom::pad_scroll_for_bar(&bar));
    }

    // Once: reduced motion, the keyboard, window resizes, the benchmark.
    {
        let wiring = Wiring {
            dispatcher: dispatcher.clone(),
            probe: probe.clone(),
            live: live.clone(),
            layout: layout.clone(),
            bench_result: bench_result.clone(),
            synced,
            bench,
            crash: query
                .split('&')
                .any(|p| p.trim_start_matches('?') == "crash=1"),
        };
        use_effect_with((), move |_| wiring.start());
    }

    // Every render: close the frame the last tick opened.
    {
        let probe = probe.clone();
        use_effect(move || {
            probe.borrow_mut().frame_done(dom::now_ms());
        });
    }

    // The URL follows the state whenever the clock stops.
    {
        let q = state.to_query();
        use_effect_with((q, state.playing()), move |(q, playing)| {
            if synced && !playing {
                follow_state(q, bench);
            }
        });
    }

    let runs = state.runs.clone();
    // The lanes' legend lists what the lanes on screen draw over the run.
    let window = crate::components::lane_window(runs.scenario.containers, state.container);
    let lanes_marks = *use_memo(
        (runs.clone(), state.panes(), window),
        |(runs, panes, (first, count))| {
            panes
                .iter()
                .fold(crate::components::Marks::default(), |m, &p| {
                    m.or(crate::components::Marks::drawn(
                        runs.trace(p),
                        *first,
                        *count,
                        runs.end(),
                    ))
                })
        },
    );
    let on = LabCallbacks::new(&dispatcher, &probe, state.playing());

    html! {
        <>
            <a class="skip" href="#lab">{ "Skip to the live view" }</a>
            <main>
                <section id="lab" class="lab" aria-labelledby="lab-h">
                    { live_view(&state, &on, bar, *layout) }
                    <LanesLegend marks={lanes_marks} />
                    { whole_run(&state, &on, *layout) }
                </section>
                if bench {
                    <BenchView result={(*bench_result).clone()} />
                }
            </main>
        </>
    }
}

/// What the lab's once-only effect wires to the window.
struct Wiring {
    dispatcher: UseReducerDispatcher<AppState>,
    probe: Rc<RefCell<Probe>>,
    live: Rc<RefCell<Live>>,
    layout: UseStateHandle<u32>,
    bench_result: UseStateHandle<Option<crate::bench::BenchResult>>,
    /// The state and the URL follow each other.
    synced: bool,
    /// `?bench=1`: run the benchmark.
    bench: bool,
    /// `?crash=1`: panic, to show the error banner.
    crash: bool,
}

impl Wiring {
    /// Reduced motion, the jump to the URL's fragment, the keyboard, window
    /// resizes and the benchmark; returns what removes the listeners.
    fn start(self) -> impl FnOnce() {
        let Wiring {
            dispatcher,
            probe,
            live,
            layout,
            bench_result,
            synced,
            bench,
            crash,
        } = self;
        dispatcher.dispatch(Action::SetReducedMotion(dom::prefers_reduced_motion()));
        if synced {
            dom::scroll_to_fragment();
        }
        let mut listeners = Vec::new();
        if let Some(window) = web_sys::window() {
            let l = layout.clone();
            listeners.push(EventListener::new(&window, "resize", move |_| {
                l.set(*l + 1);
            }));
            if let Some(doc) = window.document() {
                let (d, p, live) = (dispatcher.clone(), probe.clone(), live.clone());
                listeners.push(EventListener::new(&doc, "keydown", move |e| {
                    if let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() {
                        on_key(e, &d, &p, &live.borrow());
                    }
                }));
            }
        }
        if bench {
            yew::platform::spawn_local(run_bench(dispatcher, probe, bench_result));
        }
        if crash {
            // `?crash=1` shows what a failure looks like: the panic hook's
            // banner, not a dead page.
            panic!("crash=1 asked for a demonstration of the error banner");
        }
        move || drop(listeners)
    }
}

/// Puts the state's query `q` in the address (keeping `bench=1`).
fn follow_state(q: &str, bench: bool) {
    let q = if bench {
        format!("{q}&bench=1")
    } else {
        q.to_owned()
    };
    dom::replace_query(&q);
}

/// The lab's callbacks, each dispatching one [`Action`].
struct LabCallbacks {
    toggle: Callback<()>,
    dispatch: Callback<Action>,
    select: Callback<u32>,
    dismiss: Callback<()>,
    show: Callback<Program>,
    dispatcher: UseReducerDispatcher<AppState>,
}

impl LabCallbacks {
    fn new(
        dispatcher: &UseReducerDispatcher<AppState>,
        probe: &Rc<RefCell<Probe>>,
        playing: bool,
    ) -> LabCallbacks {
        let toggle = {
            let (d, p) = (dispatcher.clone(), probe.clone());
            Callback::from(move |()| toggle(&d, &p, playing))
        };
        let select = {
            let d = dispatcher.clone();
            Callback::from(move |c: u32| d.dispatch(Action::Select(c)))
        };
        let dismiss = {
            let d = dispatcher.clone();
            Callback::from(move |()| d.dispatch(Action::DismissNotices))
        };
        let show = {
            let d = dispatcher.clone();
            Callback::from(move |p: Program| d.dispatch(Action::Show(p)))
        };
        LabCallbacks {
            toggle,
            dispatch: dispatcher.to_callback(),
            select,
            dismiss,
            show,
            dispatcher: dispatcher.clone(),
        }
    }

    /// Puts a program in the pane on `side`.
    fn pick(&self, side: Side) -> Callback<Program> {
        let d = self.dispatcher.clone();
        Callback::from(move |p: Program| d.dispatch(Action::SetPane(side, p)))
    }
}

/// The selected container's latest key events in the panes' programs, at
/// most three per program, oldest first.
fn recent_events(state: &AppState, panes: &[Program]) -> Vec<(Program, leakscope_sim::Event)> {
    let (at, c) = (state.at, state.container);
    let mut recent: Vec<(Program, leakscope_sim::Event)> = Vec::new();
    for &p in panes {
        let events = key_events(state.runs.trace(p), c, None, at);
        let skip = events.len().saturating_sub(3);
        recent.extend(events.into_iter().skip(skip).map(|e| (p, e)));
    }
    recent.sort_by_key(|(p, e)| (e.time, *p));
    recent
}

/// What the live region reads out after a move: the key events since the
/// last one, at most four and a count of the rest; nothing while playing
/// too fast to follow.
fn announcements(state: &AppState, panes: &[Program]) -> Vec<String> {
    let (at, c) = (state.at, state.container);
    match state.moved_from {
        Some(from) if !state.playing() || state.speed.narrates() => {
            let mut lines: Vec<String> = panes
                .iter()
                .flat_map(|&p| {
                    key_events(state.runs.trace(p), c, Some(from), at)
                        .into_iter()
                        .map(move |e| format!("{p}: {}.", e.describe()))
                })
                .collect();
            if lines.len() > 4 {
                let more = lines.len() - 4;
                lines.truncate(4);
                lines.push(format!("And {more} more."));
            }
            lines
        }
        _ => Vec::new(),
    }
}

/// The lab's top: what it shows, the parameters, the controls, the
/// gallery, the narration and the two panes.
fn live_view(state: &AppState, on: &LabCallbacks, bar: NodeRef, layout: u32) -> Html {
    let runs = state.runs.clone();
    let (at, c) = (state.at, state.container);
    let mut panes = state.panes().to_vec();
    panes.dedup();
    let recent = recent_events(state, &panes);
    let announce = announcements(state, &panes);
    let link = format!("?{}#lab", state.to_query());
    html! {
        <>
            <h1 id="lab-h">{ "Lab: every program on one virtual clock" }</h1>
            <p>{ format!("All {} programs run the same scenario with the same seed, so the same streams fail in each. The gallery shows them all; the two panes below show one each in detail (buggy and fixed to begin with: pick another above a pane, or click a card). Play, step from event to event, or drag the slider. At whole minutes every number here equals ", Program::ALL.len()) }
                <code>{ "leakscope sim --program all --format json" }</code>{ " for the same parameters (see the model notes)." }</p>
            <Notices notices={state.notices.clone()} on_dismiss={on.dismiss.clone()} />
            <div class="params-box">
                <Params scenario={runs.scenario.clone()} preset={state.preset} container={c}
                        resim_ms={state.resim_ms} dispatch={on.dispatch.clone()} />
            </div>
            <div class="sticky-controls" ref={bar}>
                <Controls at={at} end={runs.end()} playing={state.playing()} speed={state.speed}
                          reduced_motion={state.reduced_motion} on_toggle={on.toggle.clone()}
                          dispatch={on.dispatch.clone()} />
            </div>
            <p class="permalink"><a href={link.clone()}>{ "⚓ Link to this moment" }</a>
                <small>{ format!(" — container {c} at {at}") }</small></p>
            <Gallery runs={runs.clone()} at={at} panes={state.panes()} on_show={on.show.clone()} />
            <Narration recent={recent} announce={announce} />
            <div class="panes">
                { for Side::ALL.into_iter().map(|side| html! {
                    <Pane runs={runs.clone()} {side} program={state.pane(side)} at={at} container={c}
                          {layout} on_select={on.select.clone()} on_pick={on.pick(side)} />
                }) }
            </div>
        </>
    }
}

/// The lab's bottom: the chart over the whole run, the code, the dumps.
fn whole_run(state: &AppState, on: &LabCallbacks, layout: u32) -> Html {
    let runs = state.runs.clone();
    let (at, c) = (state.at, state.container);
    html! {
        <>
            <h3>{ "Goroutines over the whole run" }</h3>
            <p class="muted">{ "The cursor is now; what lies after it is still to come. The verdicts (the count test's ✕ leak or ✓ pass) judge the whole run, which is why one can read leak at 00:00. On FASE 6, × marks are the seed document's published figures: they start at 110 = 55 × 2 where the lines start at 220 = 55 × 4, because the seed counted the heartbeat and the reader but not the stream's 2 handlers (see the model notes)." }</p>
            <ChartCanvas runs={runs.clone()} panes={state.panes()} at={at} preset={state.preset} {layout} />
            <h3>{ format!("The code: where container {c}'s goroutines are") }</h3>
            <p class="muted">{ "Tinted lines are where the selected container's goroutines are parked now; their badges count them, the stream handlers (outside this file) included, and add up to its goroutine dump below. ▶ marks the line its rotation last ran or waits on (between rotations, the armed timer); lines run at this very instant are marked in blue." }</p>
            <div class="code-grid">
                { for state.panes().into_iter().map(|p| html! {
                    <CodePane program={p} focus={focus(runs.trace(p), c, at)} container={c} />
                }) }
            </div>
            <h3>{ "Goroutine dump" }</h3>
            <Dump runs={runs.clone()} at={at} container={c} format={state.dump_format}
                  scope={state.dump_scope} program={state.dump_program} dispatch={on.dispatch.clone()} />
            <h3>{ "A real dump, for comparison" }</h3>
            { crate::components::real_excerpt() }
        </>
    }
}

fn on_key(
    e: &web_sys::KeyboardEvent,
    dispatcher: &UseReducerDispatcher<AppState>,
    probe: &Rc<RefCell<Probe>>,
    live: &Live,
) {
    if e.ctrl_key() || e.meta_key() || e.alt_key() {
        return;
    }
    let tag = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|el| el.tag_name().to_ascii_uppercase())
        .unwrap_or_default();
    // Form fields keep their own keys; buttons and links keep Space/Enter.
    if matches!(tag.as_str(), "INPUT" | "SELECT" | "TEXTAREA") {
        return;
    }
    let key = e.key();
    if key == " " && matches!(tag.as_str(), "BUTTON" | "A" | "SUMMARY") {
        return;
    }
    let minute = Time::from_minutes(1);
    match key.as_str() {
        " " | "Spacebar" => toggle(dispatcher, probe, live.playing),
        "ArrowRight" if e.shift_key() => dispatcher.dispatch(Action::Seek(live.at + minute)),
        "ArrowLeft" if e.shift_key() => dispatcher.dispatch(Action::Seek(live.at - minute)),
        "ArrowRight" => dispatcher.dispatch(Action::StepForward),
        "ArrowLeft" => dispatcher.dispatch(Action::StepBack),
        "Home" => dispatcher.dispatch(Action::Seek(Time::ZERO)),
        "End" => dispatcher.dispatch(Action::Seek(live.end)),
        _ => return,
    }
    e.prevent_default();
}
