//! The story: short sections that carry the lesson with no interaction,
//! each with a static first frame computed from the core (the presets'
//! runs), so every number in the prose is the model's.

use std::rc::Rc;

use leakscope_sim::code::{Anchor, line_of, lines};
use leakscope_sim::{
    DumpFormat, Outcome, Preset, Program, Proof, Role, Scenario, Time, Trace, formula, simulate,
};
use yew::prelude::*;

use super::canvas::LanesLegend;
use super::detectors::Detectors;
use super::dump::beside_real;
use super::fixes::Fixes;
use crate::dom;
use crate::format::{int, signed};
use crate::lanes::{self, LanesInput};
use crate::state::Runs;
use crate::view::{CounterRow, Mood, counter_timeline};

/// The runs the story quotes: the presets, and a small healthy fleet.
pub struct StoryRuns {
    fase3: Trace,
    /// Every program on FASE 6.
    fase6: Rc<Runs>,
    fase6_buggy: Trace,
    fase6_fixed: Trace,
    healthy: Trace,
    /// A FASE 6 container whose first rotation failed.
    bypassed: u32,
}

impl StoryRuns {
    fn new() -> Option<StoryRuns> {
        let f6 = Preset::Fase6.scenario();
        let healthy = Scenario {
            containers: 3,
            minutes: 20,
            error_rate: 0.3,
            ..Preset::Fase6.scenario()
        };
        let fase6 = Runs::new(&f6).ok()?;
        let fase6_buggy = fase6.trace(Program::BUGGY).clone();
        let bypassed = fase6_buggy
            .containers()
            .iter()
            .position(|c| {
                c.rotations().len() > 3
                    && c.rotations()[..3]
                        .iter()
                        .all(|r| r.outcome() == Outcome::Abandoned)
            })
            .unwrap_or(0) as u32;
        Some(StoryRuns {
            fase3: simulate(&Preset::Fase3.scenario(), Program::BUGGY).ok()?,
            fase6_fixed: fase6.trace(Program::FIXED).clone(),
            fase6: Rc::new(fase6),
            healthy: simulate(&healthy, Program::FIXED).ok()?,
            fase6_buggy,
            bypassed,
        })
    }
}

#[derive(Properties, PartialEq)]
struct FigureProps {
    trace: Rc<Trace>,
    count: u32,
    caption: AttrValue,
    /// Only healthy marks in this figure: a shorter legend.
    #[prop_or_default]
    healthy: bool,
}

/// A static lanes figure of the first `count` containers over the whole run.
#[component]
fn LanesFigure(p: &FigureProps) -> Html {
    let node = use_node_ref();
    {
        let node = node.clone();
        let trace = p.trace.clone();
        let count = p.count;
        use_effect_with((), move |_| {
            if let Some(canvas) = node.cast::<web_sys::HtmlCanvasElement>() {
                let width = canvas
                    .parent_element()
                    .map_or(600, |e| e.client_width())
                    .max(240);
                let input = LanesInput {
                    trace: &trace,
                    at: trace.end(),
                    first: 0,
                    count,
                    selected: None,
                    scale: dom::device_pixel_ratio(),
                    width: f64::from(width),
                };
                let _ = lanes::draw_lanes(&canvas, &input);
            }
        });
    }
    html! {
        <figure class="story-figure">
            <div class="canvas-wrap"><canvas ref={node} role="img" aria-label={p.caption.clone()}></canvas></div>
            <LanesLegend healthy_only={p.healthy} />
            <figcaption>{ p.caption.clone() }</figcaption>
        </figure>
    }
}

fn timeline_table(rows: &[CounterRow], fixed: bool) -> Html {
    html! {
        <table class="counter-timeline">
            <thead><tr><th>{ "time" }</th><th>{ "what the program did" }</th>
                if fixed { <><th><code>{ "heartbeatWg" }</code></th><th><code>{ "readerWg" }</code></th></> }
                else { <th><code>{ "wg" }</code></th> }
            </tr></thead>
            <tbody>
                { for rows.iter().map(|r| {
                    let class = match r.mood { Mood::Bad => "bad", Mood::Good => "good", Mood::Neutral => "" };
                    let counter = r.counter.map(|c| format!("counter = {c}")).unwrap_or_default();
                    let cell = |on: bool| if on { counter.clone() } else { String::new() };
                    html! {
                        <tr class={class}>
                            <td><time>{ r.time.to_string() }</time></td>
                            <td>{ &r.what }</td>
                            if fixed {
                                <>
                                <td class="num">{ cell(r.group.map(|g| g.name()) == Some("heartbeatWg")) }</td>
                                <td class="num">{ cell(r.group.map(|g| g.name()) == Some("readerWg")) }</td>
                                </>
                            } else {
                                <td class="num">{ counter.clone() }</td>
                            }
                        </tr>
                    }
                }) }
            </tbody>
        </table>
    }
}

/// Lines `from..=to` (1-based) of a program, the `mark` line emphasised.
fn excerpt(variant: Program, from: Anchor, to: Anchor, mark: &[Anchor]) -> Html {
    let (a, b) = (line_of(variant, from), line_of(variant, to));
    let marks: Vec<u32> = mark.iter().map(|&m| line_of(variant, m)).collect();
    html! {
        <pre class="code excerpt"><code>
            { for lines(variant).iter().enumerate()
                .filter(|(i, _)| (a..=b).contains(&(*i as u32 + 1)))
                .map(|(i, l)| html! {
                    <span class={classes!("line", marks.contains(&(i as u32 + 1)).then_some("mark"))}>
                        <span class="ln" aria-hidden="true">{ i + 1 }</span><span class="src">{ l.text }</span>{ "\n" }
                    </span>
                }) }
        </code></pre>
    }
}

/// The invitation to the live view at minute 17, container 0 of FASE 6,
/// saying what to look for there: the readers left behind in the lane, the
/// goroutines parked in the code and the dump, the two counts.
fn minute_17(r: &StoryRuns) -> Html {
    const MINUTE: u64 = 17;
    let t = Time::from_minutes(MINUTE);
    let mine = r.fase6_buggy.goroutines_at(t, Some(0)).unwrap_or_default();
    let stuck = |role| mine.iter().filter(|g| g.role == role && g.stuck).count();
    let (readers, handlers) = (stuck(Role::Reader), stuck(Role::Handler));
    let current_handlers = mine
        .iter()
        .filter(|g| g.role == Role::Handler && !g.stuck)
        .count();
    let count = |trace: &Trace| {
        trace
            .samples()
            .get(MINUTE as usize)
            .map_or(0, |s| s.goroutines)
    };
    html! {
        <p><a href={format!("?preset=fase6&t={MINUTE}&container=0#lab")}>{ format!("See minute {MINUTE} in the live view ↓") }</a>
           { format!(
               ": container 0 has left {readers} readers behind by then. In its lane (the first in each pane) they are the {readers} hatched layers stacked under the current reader, one per ✕; in the code panel the badge on the reader's ReadLine line counts them with the current reader; its goroutine dump lists {} goroutines — the {readers} readers left behind with their {handlers} handlers, the current reader with its stream's {current_handlers} handlers, and the heartbeat. The buggy count reads {} where the fixed one holds {}.",
               mine.len(), int(count(&r.fase6_buggy)), int(count(&r.fase6_fixed))) }</p>
    }
}

/// The story sections.
#[component]
pub fn Story() -> Html {
    let runs = use_memo((), |_| StoryRuns::new());
    let Some(r) = runs.as_ref() else {
        return html! {};
    };
    let f6 = Preset::Fase6.scenario();
    let f3 = Preset::Fase3.scenario();
    let b_end = r.fase6_buggy.samples().last().cloned();
    let f_end = r.fase6_fixed.samples().last().cloned();
    let f3_end = r.fase3.samples().last().cloned();
    let (Some(b_end), Some(f_end), Some(f3_end)) = (b_end, f_end, f3_end) else {
        return html! {};
    };
    let start = r.fase6_buggy.samples()[0].goroutines;
    let g = f6.goroutines_per_reader;
    let one_group = counter_timeline(&r.fase3, 0, Time::from_minutes(f3.minutes.into()));
    let bypass_rows = counter_timeline(&r.fase6_buggy, r.bypassed, Time::from_minutes(15));
    let fix_rows = counter_timeline(&r.fase6_fixed, 0, Time::from_minutes(10));
    let dump = r
        .fase3
        .dump(
            Time::from_minutes(f3.minutes.into()),
            Some(0),
            DumpFormat::Full,
        )
        .unwrap_or_default();
    let b_analysis = r.fase6_buggy.analysis();
    let expected = formula::expected_goroutines(&f6, Program::BUGGY, f6.horizon());
    let half = f6.minutes / 2;
    html! {
        <article class="story">
            <section id="monitor" class="story-section">
                <h2><span class="num" aria-hidden="true">{ "1" }</span>{ "The monitor" }</h2>
                <p id="heartbeat">{ "A monitor follows the logs of many containers. For each one it starts a " }<strong>{ "heartbeat" }</strong>
                   { " goroutine that inspects the container for as long as the container lives, and it reads the container's log stream in " }
                   <strong>{ "rotations" }</strong>{ format!(": every {} minutes the stream is retired and a new one opened, each read by its own ", f6.rotation_secs / 60) }
                   <strong>{ "reader" }</strong>{ " goroutine." }</p>
                <p class="aside">{ "Two words used throughout. The " }<strong>{ "seed document" }</strong>
                   { " is the incident write-up this project started from: its program, its measured timelines and its \"mathematical proof\" are recomputed here. It measured two test phases it calls " }
                   <strong>{ "FASE 3" }</strong>{ " and " }<strong>{ "FASE 6" }</strong>
                   { format!(" (fase: phase): {} containers for {} minutes whose streams never fail, and {} containers for {} minutes whose streams fail {}% of the time. Both are presets of the live view. The ",
                        f3.containers, f3.minutes, f6.containers, f6.minutes, f6.error_rate * 100.0) }
                   <strong>{ "random seed" }</strong>{ format!(" (\"seed {}\") is something else: the number that decides which streams fail; same random seed, same failures in every program.", f6.seed) }</p>
                <p id="handlers">{ format!(
                    "Two lifecycles, then: the heartbeat lives as long as the container, a reader lives one rotation. A reader never runs alone: its stream is an HTTP response from the Docker engine, and the client's connection runs {} goroutine(s) of its own (its read and write loops, the stream's handlers) from the moment the stream opens until it is closed, healthy or failed. A healthy container therefore costs {} goroutines — heartbeat, reader and {} handler(s) — so FASE 6's {} containers start at {} goroutines. ",
                    g - 1, 1 + g, g - 1, f6.containers, int(start)) }
                   <span class="go-confirmed">{ crate::GO_CONFIRMED }</span></p>
                <LanesFigure trace={Rc::new(r.healthy.clone())} count={3} healthy=true
                    caption={format!("Three healthy containers over {} minutes (fixed program): the heartbeat bar runs on; each rotation's reader bar ends when its stream is closed, and ✓ marks a Wait() that returned.", r.healthy.scenario().minutes)} />
            </section>

            <section id="one-waitgroup" class="story-section">
                <h2><span class="num" aria-hidden="true">{ "2" }</span>{ "One WaitGroup" }</h2>
                <p>{ "The buggy monitor counts both lifecycles in " }<em>{ "one" }</em>{ " " }<code>{ "sync.WaitGroup" }</code>
                   { " per container, and at every rotation it closes the old stream and calls " }<code>{ "Wait()" }</code>
                   { " before opening the next. Here is that counter for one container whose streams never fail (FASE 3, container 0), as the engine ran it:" }</p>
                { timeline_table(&one_group, false) }
                { excerpt(Program::BUGGY, Anchor::Close, Anchor::Reopen, &[Anchor::Wait]) }
            </section>

            <section id="wait-never-returns" class="story-section">
                <h2><span class="num" aria-hidden="true">{ "3" }</span><code>{ "Wait()" }</code>{ " that never returns" }</h2>
                <p>{ "The reader calls " }<code>{ "Done()" }</code>{ " and the counter falls to 1 — not 0: the heartbeat holds the group and never calls " }
                   <code>{ "Done()" }</code>{ ", because it never ends. " }<code>{ "Wait()" }</code>{ " blocks for good, and the container opens no further rotation: its logs stop being read." }</p>
                <p>{ format!(
                    "In FASE 3 all {} containers are stuck this way from minute {}, yet the count does not grow: it falls, from {} to {} goroutines, because each stuck container has closed its stream (the reader and its {} handler(s) exit) and holds only its heartbeat and the goroutine blocked in Wait(). The check passes: the monitor passes because it stopped monitoring. A goroutine dump of container 0 at {} shows the blocked rotate() in sync.WaitGroup.Wait:",
                    f3_end.stalled_containers, f3.rotation_secs / 60, int(r.fase3.samples()[0].goroutines), int(f3_end.goroutines), f3.goroutines_per_reader - 1, Time::from_minutes(f3.minutes.into())) }</p>
                { beside_real(dump, format!("FASE 3, buggy program, container 0 at {}", Time::from_minutes(f3.minutes.into()))) }
            </section>

            <section id="bypass" class="story-section">
                <h2><span class="num" aria-hidden="true">{ "4" }</span>{ "The bypass" }</h2>
                <p>{ "Someone worked around the hang: when the stream reports an error, reopen at once and skip " }<code>{ "Close()" }</code>
                   { " and " }<code>{ "Wait()" }</code>{ "." }</p>
                { excerpt(Program::BUGGY, Anchor::CheckErr, Anchor::Wait, &[Anchor::SkipWait]) }
                <p>{ format!(
                    "But a failed stream is half-open: no byte and no EOF will ever arrive. Never closed, it keeps alive for good its reader, blocked in IO wait, and its {} handler goroutine(s), there since the stream opened, as with every open stream: {g} goroutines left behind per failed rotation (the new stream brings its own), and one more count on wg that nobody will ever Done(). Container {} of FASE 6, whose first rotations failed:",
                    g - 1, r.bypassed) }</p>
                { timeline_table(&bypass_rows, false) }
            </section>

            <section id="pile-up" class="story-section">
                <h2><span class="num" aria-hidden="true">{ "5" }</span>{ "The pile-up" }</h2>
                <p>{ format!(
                    "FASE 6's streams fail {}% of the time, so nearly every rotation takes the bypass and leaves {g} goroutines behind. A container stops leaking only when a healthy rotation stalls it in Wait(): it closes that stream, whose reader and {} handler(s) exit, and keeps its heartbeat and the goroutine blocked in Wait(). Minute by minute, goroutines = {} + {g} × readers left behind − {} × containers stuck in Wait(). ",
                    f6.error_rate * 100.0, g - 1, int(start), g - 1) }
                   <span class="go-confirmed">{ crate::GO_CONFIRMED }</span></p>
                <LanesFigure trace={Rc::new(r.fase6_buggy.clone())} count={6}
                    caption={format!("The first six FASE 6 containers, buggy program, {} minutes: each reader left behind (✕) adds a hatched layer that runs on, so the band thickens as they pile up; ‖ marks a Wait() that blocked for good.", f6.minutes)} />
                <p>{ format!(
                    "By minute {}: {} goroutines ({} at minute {}), {} readers left behind with their {} handlers ({} handlers in all, with those of the streams still open), {} of {} containers stuck in Wait(); growth {}/min against a limit of 2/min: {}. Over all seeds the model expects {} at minute {}.",
                    f6.minutes, int(b_end.goroutines), int(r.fase6_buggy.samples()[half as usize].goroutines), half,
                    int(b_end.leaked_readers), int(Proof::of(&r.fase6_buggy).leaked_handlers), int(b_end.by_role.handler), b_end.stalled_containers, f6.containers,
                    signed(b_analysis.growth_per_min, 2), b_analysis.verdict, int(expected.round() as u64), f6.minutes) }</p>
                { minute_17(r) }
            </section>

            <Fixes runs={r.fase6.clone()} />

            <section id="fix" class="story-section">
                <h2><span class="num" aria-hidden="true">{ "7" }</span>{ "The fix" }</h2>
                <p>{ "One WaitGroup per lifecycle: " }<code>{ "heartbeatWg" }</code>{ " for the heartbeat, " }<code>{ "readerWg" }</code>
                   { " for the rotation's reader. " }<code>{ "readerWg.Wait()" }</code>{ " waits only for the reader, which exits as soon as its stream is closed — and once Wait() can return, the workaround goes: every stream, failed or not, is closed and waited for." }</p>
                { excerpt(Program::FIXED, Anchor::CheckErr, Anchor::Reopen, &[Anchor::Close, Anchor::Wait]) }
                { timeline_table(&fix_rows, true) }
                <p>{ format!(
                    "Same seed, same failed streams: the fixed program holds {} goroutines from minute 0 to minute {} (growth {}/min): {}.",
                    int(f_end.goroutines), f6.minutes, signed(r.fase6_fixed.analysis().growth_per_min, 2), r.fase6_fixed.analysis().verdict) }</p>
            </section>

            <Detectors full=false />
        </article>
    }
}

#[cfg(test)]
mod tests {
    use leakscope_sim::{Preset, Program, simulate};

    /// The pile-up's formula, as the story states it: the start, plus g per
    /// reader left behind, minus g − 1 per container stuck in Wait().
    #[test]
    fn the_pile_up_formula_holds_at_every_minute() {
        let s = Preset::Fase6.scenario();
        let trace = simulate(&s, Program::BUGGY).unwrap();
        let g = u64::from(s.goroutines_per_reader);
        let start = trace.samples()[0].goroutines;
        assert_eq!(start, u64::from(s.containers) * (1 + g));
        for x in trace.samples() {
            assert_eq!(
                x.goroutines + (g - 1) * x.stalled_containers,
                start + g * x.leaked_readers,
                "minute {}",
                x.minute
            );
        }
    }

    /// FASE 3, as the story tells it: every container stalls and the count
    /// falls by g − 1 per container.
    #[test]
    fn fase3_falls_by_the_closed_streams_handlers() {
        let s = Preset::Fase3.scenario();
        let trace = simulate(&s, Program::BUGGY).unwrap();
        let (first, last) = (&trace.samples()[0], trace.samples().last().unwrap());
        let g = u64::from(s.goroutines_per_reader);
        assert_eq!(last.stalled_containers, u64::from(s.containers));
        assert_eq!(
            first.goroutines - last.goroutines,
            (g - 1) * last.stalled_containers
        );
    }
}
