//! The lesson: short sections that carry the story with no interaction,
//! each with a static first frame computed from the core (the presets'
//! runs), so every number in the prose is the model's, and every one can be
//! recomputed from the numbers beside it.

use std::rc::Rc;

use leakscope_sim::code::{Anchor, line_of, lines};
use leakscope_sim::{Outcome, Preset, Program, Scenario, Time, Trace, simulate};
use yew::prelude::*;

use super::canvas::{LanesLegend, Marks};
use super::detectors::Detectors;
use super::fixes::Fixes;
use crate::dom;
use crate::format::{dec, int, signed};
use crate::lanes::{self, LanesInput};
use crate::state::Runs;
use crate::view::{CounterRow, Mood, counter_timeline};

/// The minimal reproduction, `go/repro/main.go`: the lesson prints it whole.
pub const REPRO_SOURCE: &str = include_str!("../../../../go/repro/main.go");

/// What `go run ./repro` and `go run ./repro -bypass` printed, captured by
/// the Go tests (`go/repro`), which fail when a fresh run prints otherwise.
pub const REPRO_OUTPUT: &str = include_str!("../../../../go/repro/output.txt");

/// The runs the story quotes: the presets, and a small healthy fleet.
pub struct StoryRuns {
    fase3: Trace,
    /// Every program on FASE 6.
    fase6: Rc<Runs>,
    fase6_buggy: Trace,
    fase6_fixed: Trace,
    healthy: Trace,
    /// A FASE 6 container whose first rotations failed.
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
            <LanesLegend marks={Marks::drawn(&p.trace, 0, p.count, p.trace.end())} />
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

/// The lines of a Go file, numbered, as the lesson prints code.
fn numbered(text: &str, label: &str) -> Html {
    html! {
        <pre class="code excerpt" aria-label={label.to_owned()}><code>
            { for text.lines().enumerate().map(|(i, l)| html! {
                <span class="line"><span class="ln" aria-hidden="true">{ i + 1 }</span><span class="src">{ l.replace('\t', "    ") }</span>{ "\n" }</span>
            }) }
        </code></pre>
    }
}

/// A snippet of Go or a shell command, unnumbered.
fn snippet(text: &str) -> Html {
    html! { <pre class="code snippet"><code>{ text.to_owned() }</code></pre> }
}

/// The lesson's sections.
#[component]
pub fn Story() -> Html {
    let runs = use_memo((), |_| StoryRuns::new());
    let Some(r) = runs.as_ref() else {
        return html! {};
    };
    let f6 = Preset::Fase6.scenario();
    let f3 = Preset::Fase3.scenario();
    let b = r.fase6_buggy.samples();
    let (Some(b_end), Some(f_end), Some(f3_start), Some(f3_end)) = (
        b.last().cloned(),
        r.fase6_fixed.samples().last().cloned(),
        r.fase3.samples().first().cloned(),
        r.fase3.samples().last().cloned(),
    ) else {
        return html! {};
    };
    let start = b[0].goroutines;
    let g = u64::from(f6.goroutines_per_reader);
    let per_container = 1 + g;
    let f3_rows = counter_timeline(&r.fase3, 0, Time::from_minutes(f3.minutes.into()));
    let bypass_rows = counter_timeline(&r.fase6_buggy, r.bypassed, Time::from_minutes(11));
    let fix_rows = counter_timeline(&r.fase6_fixed, 0, Time::from_minutes(5));
    let a = r.fase6_buggy.analysis();
    let fa = r.fase6_fixed.analysis();
    let minutes = f6.minutes;
    let rot_min = f6.rotation_secs / 60;
    let lines_written = u64::from(f6.containers) * u64::from(f6.lines_per_min) * u64::from(minutes);
    let straight = (b_end.goroutines as f64 - start as f64) / f64::from(minutes);
    let lab = |q: &str| format!("lab.html?{q}#lab");
    html! {
        <article class="story">
            <section id="monitor" class="story-section">
                <h2><span class="num" aria-hidden="true">{ "1" }</span>{ "The monitor and its two lifecycles" }</h2>
                <div class="two-col">
                <div>
                <p id="heartbeat">{ "A monitor follows the logs of many containers. For each container it starts a " }<strong>{ "heartbeat" }</strong>
                   { " goroutine that lives as long as the monitor (until " }<code>{ "Stop()" }</code>{ "), and it reads the container's log stream in " }
                   <strong>{ "rotations" }</strong>{ format!(": every {rot_min} minutes the stream is closed and a new one opened, each read by a goroutine of its own, the ") }
                   <strong>{ "reader" }</strong>{ ", which lives one rotation." }</p>
                <p id="handlers">{ format!("A stream is an HTTP response from the Docker engine, and Go's HTTP client runs {} goroutines for every open stream (readLoop and writeLoop); this lesson calls them the stream's ", g - 1) }
                   <strong>{ "handlers" }</strong>{ format!(". A healthy container is therefore {per_container} goroutines: heartbeat, reader, {} handlers.", g - 1) }</p>
                <p class="aside">{ "The numbers come from the " }<strong>{ "seed document" }</strong>
                   { format!(", the incident write-up this project started from. It measured two phases: FASE 3, {} containers for {} minutes whose streams never fail ({} × {per_container} = {} goroutines at the start), and FASE 6, {} containers for {} minutes whose streams fail {}% of the time ({} × {per_container} = {}). Which streams fail is drawn from a ",
                        f3.containers, f3.minutes, f3.containers, int(f3_start.goroutines), f6.containers, minutes, f6.error_rate * 100.0, f6.containers, int(start)) }
                   <strong>{ "random seed" }</strong>{ format!(" ({}): the same in every program.", f6.seed) }</p>
                </div>
                <LanesFigure trace={Rc::new(r.healthy.clone())} count={3}
                    caption={format!("Three healthy containers for {} minutes: the heartbeat runs on; each reader ends when its stream is closed.", r.healthy.scenario().minutes)} />
                </div>
            </section>

            <section id="one-waitgroup" class="story-section">
                <h2 id="wait-never-returns"><span class="num" aria-hidden="true">{ "2" }</span>{ "One WaitGroup: Wait() returns only at Stop()" }</h2>
                <div class="two-col">
                <div>
                <p>{ "The buggy monitor counts both lifecycles in " }<em>{ "one" }</em>{ " " }<code>{ "sync.WaitGroup" }</code>
                   { " per container. At each rotation it closes the old stream and calls " }<code>{ "Wait()" }</code>{ " before opening the next:" }</p>
                { excerpt(Program::BUGGY, Anchor::Close, Anchor::Reopen, &[Anchor::Wait]) }
                <p>{ "The reader calls " }<code>{ "Done()" }</code>{ " and the counter falls to 1, not 0: the heartbeat's " }
                   <code>{ "defer c.wg.Done()" }</code>{ " runs only when " }<code>{ "Stop()" }</code>{ " ends it. " }
                   <code>{ "Wait()" }</code>{ " blocks until then, and the container opens no further rotation: its logs stop." }</p>
                </div>
                <div>
                { timeline_table(&f3_rows, false) }
                <p class="small">{ format!(
                    "FASE 3, container 0. All {} containers are stuck this way from minute {rot_min}, yet the count falls, from {} to {} = {} − {} × {}: a stuck container closed its stream (the reader and its {} handlers exit) and gained the goroutine blocked in Wait(). The monitor passes a goroutine count because it stopped monitoring.",
                    f3_end.stalled_containers, int(f3_start.goroutines), int(f3_end.goroutines), int(f3_start.goroutines), g - 1, f3_end.stalled_containers, g - 1) }</p>
                </div>
                </div>
            </section>

            <section id="repro" class="story-section">
                <h2><span class="num" aria-hidden="true">{ "3" }</span>{ "The bug in 40 lines of Go" }</h2>
                <div class="two-col">
                { numbered(REPRO_SOURCE, "go/repro/main.go") }
                <div>
                <p>{ "No Docker, no HTTP: a heartbeat and one reader per rotation in one group, each rotation 100 ms, " }<code>{ "Stop()" }</code>
                   { " after 1 s. Run as it is, the first rotation's " }<code>{ "Wait()" }</code>{ " returns only when Stop() ends the heartbeat: one rotation of five. With " }
                   <code>{ "-bypass" }</code>{ " every stream fails and " }<code>{ "Close()" }</code>{ " and " }<code>{ "Wait()" }</code>{ " are skipped: each rotation leaves its reader behind, one goroutine more (main, the heartbeat and the readers)." }</p>
                <figure class="repro-output">
                    <figcaption>{ "Its output, captured from a real run by the tests (Go 1.27.3):" }</figcaption>
                    <pre class="code output" data-testid="repro-output"><code>{ REPRO_OUTPUT }</code></pre>
                </figure>
                <p class="small">{ "Go's deadlock detector stays silent: a timer is pending (here Stop()'s, in the monitor the heartbeat's ticker), so the program could still wake. Run it: " }<code>{ "cd go && go run ./repro -bypass" }</code>{ "." }</p>
                </div>
                </div>
            </section>

            <section id="bypass" class="story-section">
                <h2 id="pile-up"><span class="num" aria-hidden="true">{ "4" }</span>{ "The workaround, and the pile-up" }</h2>
                <div class="two-col">
                <div>
                <p>{ "To keep the logs flowing someone skipped the hang: when the stream reports an error, reopen at once without " }<code>{ "Close()" }</code>
                   { " or " }<code>{ "Wait()" }</code>{ ":" }</p>
                { excerpt(Program::BUGGY, Anchor::CheckErr, Anchor::Wait, &[Anchor::SkipWait]) }
                <p>{ format!(
                    "A stream fails half-open: at a random second of its rotation it stops delivering, with no error and no end, so its reader waits in IO wait for good. The check runs when the rotation falls due; skipped, the stream is never closed, and its reader and {} handlers stay: {g} goroutines left behind per failed rotation, one count on wg nobody will Done().",
                    g - 1) }</p>
                { timeline_table(&bypass_rows, false) }
                </div>
                <div>
                <LanesFigure trace={Rc::new(r.fase6_buggy.clone())} count={6}
                    caption={format!("FASE 6, buggy program, the first six containers over {minutes} minutes: each ✕ is a reader left behind; the bands thicken as they pile up. Container {} is the table's.", r.bypassed)} />
                <p>{ format!(
                    "A container stops leaking only when a healthy rotation stalls it in Wait(). So at every minute goroutines = {} + {g} × readers left behind − {} × containers stuck. At minute {minutes}: {} = {} + {g} × {} − {} × {}.",
                    int(start), g - 1, int(b_end.goroutines), int(start), int(b_end.leaked_readers), g - 1, b_end.stalled_containers) }</p>
                <p>{ format!(
                    "The seed's count test fits a least-squares line to the {} counts, one a minute: its slope is {}/min (steeper than the straight line from first to last, ({} − {}) ÷ {minutes} = {}/min, because the pile-up is fastest before containers stall). It fails a run whose slope exceeds 2/min or whose last count exceeds the first + 2 × {minutes} = {}: here both do ({}).",
                    b.len(), signed(a.growth_per_min, 2), int(b_end.goroutines), int(start), dec(straight, 2), int(a.limit.round() as u64), a.verdict) }</p>
                <p class="small">{ format!(
                    "Log lines: each container writes {} a minute, {} in all ({} × {} × {minutes}); the buggy monitor read {}: a failed stream loses the rest of its rotation, a stuck container everything after.",
                    f6.lines_per_min, int(lines_written), f6.containers, f6.lines_per_min, int(b_end.lines_read)) }
                   <a href={lab(&format!("preset=fase6&t=17&container={}", r.bypassed))}>{ " Play it in the lab →" }</a></p>
                </div>
                </div>
            </section>

            <Fixes runs={r.fase6.clone()} />

            <section id="fix" class="story-section">
                <h2><span class="num" aria-hidden="true">{ "6" }</span>{ "The fix: one WaitGroup per lifecycle" }</h2>
                <div class="two-col">
                <div>
                { excerpt(Program::FIXED, Anchor::CheckErr, Anchor::Reopen, &[Anchor::Close, Anchor::Wait]) }
                </div>
                <div>
                <p><code>{ "heartbeatWg" }</code>{ " for the heartbeat, " }<code>{ "readerWg" }</code>
                   { " for the rotation's reader: " }<code>{ "readerWg.Wait()" }</code>{ " waits only for the reader, which exits once its stream is closed. Then the workaround can go: every stream, failed or not, is closed and waited for." }</p>
                { timeline_table(&fix_rows, true) }
                <p>{ format!(
                    "Same random seed, same failed streams: the fixed program holds {} = {} × {per_container} goroutines from minute 0 to minute {minutes} (slope {}/min): {}. A per-rotation context or done channel, or an errgroup per rotation, works as well: what matters is that what you wait for each rotation ends each rotation.",
                    int(f_end.goroutines), f6.containers, signed(fa.growth_per_min, 2), fa.verdict) }</p>
                </div>
                </div>
            </section>

            <Detectors full=false />

            <section id="catch" class="story-section">
                <h2><span class="num" aria-hidden="true">{ "8" }</span>{ "Catch it in your own service" }</h2>
                <div class="three-col">
                <div>
                <h3>{ "A count test" }</h3>
                <p class="small">{ "Run the monitor for an hour of fake time under testing/synctest and compare the goroutine count with the seed's limit:" }</p>
                { snippet("synctest.Test(t, func(t *testing.T) {\n    m := Start(fleet)\n    first := runtime.NumGoroutine()\n    time.Sleep(58 * time.Minute)\n    synctest.Wait()\n    if n := runtime.NumGoroutine(); n > first+2*58 {\n        t.Errorf(\"%d goroutines, limit %d\", n, first+2*58)\n    }\n    m.Stop()\n})") }
                </div>
                <div>
                <h3>{ "Liveness" }</h3>
                <p class="small">{ "A count misses a monitor that stopped reading. Give each stream an idle timeout, so a half-open stream ends, and alert on a container with no line in a rotation:" }</p>
                { snippet("ctx, cancel := context.WithCancel(ctx)\nidle := time.AfterFunc(time.Minute, cancel)\nfor sc.Scan() { // the body ends when ctx does\n    idle.Reset(time.Minute)\n    c.lastLine.Store(time.Now().Unix())\n}") }
                </div>
                <div>
                <h3>{ "The goroutineleak profile" }</h3>
                <p class="small">{ "Go 1.27 reports goroutines blocked on what no live goroutine can reach. With net/http/pprof mounted:" }</p>
                { snippet("curl 'localhost:6060/debug/pprof/goroutineleak?debug=2'") }
                <p class="small">{ "It marks each such goroutine " }<code>{ "(leaked)" }</code>{ ". It does not report this bug (section 7): the readers wait in network IO and every group stays reachable through the monitor." }</p>
                </div>
                </div>
            </section>
        </article>
    }
}

#[cfg(test)]
mod tests {
    use leakscope_sim::{Preset, Program, simulate};

    use super::{REPRO_OUTPUT, REPRO_SOURCE};

    /// The reproduction stays minimal, and its output is both runs'.
    #[test]
    fn the_reproduction_is_40_lines_and_its_output_both_runs() {
        assert!(REPRO_SOURCE.lines().count() <= 40);
        assert!(REPRO_SOURCE.contains("sync.WaitGroup"));
        assert!(!REPRO_SOURCE.contains("net/http"));
        assert!(REPRO_OUTPUT.starts_with("$ go run ./repro\n"));
        assert!(REPRO_OUTPUT.contains("\n$ go run ./repro -bypass\n"));
    }

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
