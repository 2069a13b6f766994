//! The lesson: short sections that carry the story with no interaction,
//! each with a static first frame computed from the core (the presets'
//! runs), so every number in the prose is the model's, and every one can be
//! recomputed from the numbers beside it.

use std::rc::Rc;

use leakscope_sim::code::{Anchor, line_of, lines};
use leakscope_sim::{Outcome, Preset, Program, Sample, Scenario, Time, Trace, simulate};
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

/// Escapes text for HTML.
pub(crate) fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Markup built as a string: the lesson's static prose and code cost the
/// download a string each rather than code per element (the site's 350 KB
/// budget). Only the lesson's own text and the core's numbers go in.
pub(crate) fn raw(html: String) -> Html {
    Html::from_html_unchecked(AttrValue::from(html))
}

/// A WaitGroup's counter over time, one row per event.
fn timeline_table(rows: &[CounterRow], fixed: bool) -> String {
    let mut out = String::from(
        r#"<table class="counter-timeline"><thead><tr><th>time</th><th>what the program did</th>"#,
    );
    out.push_str(if fixed {
        "<th><code>heartbeatWg</code></th><th><code>readerWg</code></th>"
    } else {
        "<th><code>wg</code></th>"
    });
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        let class = match r.mood {
            Mood::Bad => "bad",
            Mood::Good => "good",
            Mood::Neutral => "",
        };
        let counter = r
            .counter
            .map(|c| format!("counter = {c}"))
            .unwrap_or_default();
        let cell = |group: &str| {
            if r.group.map(|g| g.name()) == Some(group) {
                counter.as_str()
            } else {
                ""
            }
        };
        let counters = if fixed {
            format!(
                r#"<td class="num">{}</td><td class="num">{}</td>"#,
                cell("heartbeatWg"),
                cell("readerWg")
            )
        } else {
            format!(r#"<td class="num">{counter}</td>"#)
        };
        out.push_str(&format!(
            r#"<tr class="{class}"><td><time>{}</time></td><td>{}</td>{counters}</tr>"#,
            r.time,
            esc(&r.what)
        ));
    }
    out.push_str("</tbody></table>");
    out
}

/// Code lines, numbered, the `marks` emphasised.
fn code_lines<'a>(
    lines: impl Iterator<Item = (usize, &'a str)>,
    marks: &[u32],
    label: &str,
) -> String {
    let mut out = format!(
        r#"<pre class="code excerpt" aria-label="{}"><code>"#,
        esc(label)
    );
    for (i, l) in lines {
        let n = i + 1;
        let mark = if marks.contains(&(n as u32)) {
            " mark"
        } else {
            ""
        };
        out.push_str(&format!(
            r#"<span class="line{mark}"><span class="ln" aria-hidden="true">{n}</span><span class="src">{}</span>
</span>"#,
            esc(&l.replace('\t', "  "))
        ));
    }
    out.push_str("</code></pre>");
    out
}

/// Lines `from..=to` (1-based) of a program, the `mark` lines emphasised.
fn excerpt(program: Program, from: Anchor, to: Anchor, mark: &[Anchor]) -> String {
    let (a, b) = (line_of(program, from), line_of(program, to));
    let marks: Vec<u32> = mark.iter().map(|&m| line_of(program, m)).collect();
    let text = lines(program);
    code_lines(
        text.iter()
            .enumerate()
            .filter(|(i, _)| (a..=b).contains(&(*i as u32 + 1)))
            .map(|(i, l)| (i, l.text)),
        &marks,
        program.def().file,
    )
}

/// A snippet of Go or a shell command, unnumbered.
fn snippet(text: &str) -> String {
    format!(
        r#"<pre class="code snippet"><code>{}</code></pre>"#,
        esc(text)
    )
}

/// What the lesson's prose quotes: the runs, and the figures read off them.
struct Figures<'a> {
    /// The runs.
    r: &'a StoryRuns,
    /// The FASE 6 preset.
    f6: Scenario,
    /// The FASE 3 preset.
    f3: Scenario,
    /// FASE 6's buggy run at the last minute.
    b_end: Sample,
    /// FASE 6's fixed run at the last minute.
    f_end: Sample,
    /// FASE 3's buggy run at minute 0.
    f3_start: Sample,
    /// FASE 3's buggy run at the last minute.
    f3_end: Sample,
    /// FASE 6's count at minute 0.
    start: u64,
    /// Goroutines per reader: the reader and its stream's handlers.
    g: u64,
    /// Minutes per rotation.
    rot_min: u32,
}

/// A numbered section heading.
fn h2(n: u8, title: &str) -> String {
    format!(r#"<h2><span class="num" aria-hidden="true">{n}</span>{title}</h2>"#)
}

/// The lesson's sections.
#[component]
pub fn Story() -> Html {
    let runs = use_memo((), |_| StoryRuns::new());
    let Some(r) = runs.as_ref() else {
        return html! {};
    };
    let Some(fig) = Figures::of(r) else {
        return html! {};
    };
    let healthy_minutes = r.healthy.scenario().minutes;
    let minutes = fig.f6.minutes;

    html! {
        <article class="story">
            <section id="monitor" class="story-section">
                { raw(h2(1, "The monitor and its two lifecycles")) }
                <div class="two-col">
                    <div>{ raw(fig.monitor()) }</div>
                    <LanesFigure trace={Rc::new(r.healthy.clone())} count={3}
                        caption={format!("Three healthy containers for {healthy_minutes} minutes: the heartbeat runs on; each reader ends when its stream is closed.")} />
                </div>
            </section>
            <section id="one-waitgroup" class="story-section">
                { raw(fig.one_waitgroup()) }
            </section>
            <section id="repro" class="story-section">
                { raw(repro()) }
            </section>
            <section id="bypass" class="story-section">
                { raw(r#"<h2 id="pile-up"><span class="num" aria-hidden="true">4</span>The workaround, and the pile-up</h2>"#.to_owned()) }
                <div class="two-col">
                    <div>{ raw(fig.workaround()) }</div>
                    <div>
                        <LanesFigure trace={Rc::new(r.fase6_buggy.clone())} count={6}
                            caption={format!("FASE 6, buggy program, the first six containers over {minutes} minutes: each ✕ is a reader left behind; the bands thicken as they pile up. Container {} is the table's.", r.bypassed)} />
                        { raw(fig.pile_up()) }
                    </div>
                </div>
            </section>
            <Fixes runs={r.fase6.clone()} />
            <section id="fix" class="story-section">
                { raw(fig.fix()) }
            </section>
            <Detectors full=false />
            <section id="catch" class="story-section">{ raw(catch()) }</section>
        </article>
    }
}

impl Figures<'_> {
    fn of(r: &StoryRuns) -> Option<Figures<'_>> {
        let b = r.fase6_buggy.samples();
        let f6 = Preset::Fase6.scenario();
        Some(Figures {
            r,
            b_end: b.last().cloned()?,
            f_end: r.fase6_fixed.samples().last().cloned()?,
            f3_start: r.fase3.samples().first().cloned()?,
            f3_end: r.fase3.samples().last().cloned()?,
            start: b.first()?.goroutines,
            g: u64::from(f6.goroutines_per_reader),
            rot_min: f6.rotation_secs / 60,
            f3: Preset::Fase3.scenario(),
            f6,
        })
    }

    /// §1: the monitor, its heartbeat, its readers and their handlers.
    fn monitor(&self) -> String {
        let (f3, f6, g, rot_min) = (&self.f3, &self.f6, self.g, self.rot_min);
        let per_container = 1 + g;
        let minutes = f6.minutes;
        format!(
            r#"<p id="heartbeat">A monitor follows the logs of many containers. For each container it starts a <strong>heartbeat</strong> goroutine that lives as long as the monitor (until <code>Stop()</code>), and it reads the container's log stream in <strong>rotations</strong>: every {rot_min} minutes the stream is closed and a new one opened, each read by a goroutine of its own, the <strong>reader</strong>, which lives one rotation.</p>
<p id="handlers">A stream is an HTTP response from the Docker engine, and Go's HTTP client runs {h} goroutines for every open stream (readLoop and writeLoop); this lesson calls them the stream's <strong>handlers</strong>. A healthy container is therefore {per_container} goroutines: heartbeat, reader, {h} handlers.</p>
<p class="aside">The numbers come from the <strong>seed document</strong>, the incident write-up this project started from. It measured two phases: FASE 3, {c3} containers for {m3} minutes whose streams never fail ({c3} × {per_container} = {s3} goroutines at the start), and FASE 6, {c6} containers for {minutes} minutes whose streams fail {rate}% of the time ({c6} × {per_container} = {s6}). Which streams fail is drawn from a <strong>random seed</strong> ({seed}): the same in every program.</p>"#,
            h = g - 1,
            c3 = f3.containers,
            m3 = f3.minutes,
            s3 = int(self.f3_start.goroutines),
            c6 = f6.containers,
            rate = f6.error_rate * 100.0,
            s6 = int(self.start),
            seed = f6.seed,
        )
    }

    /// §2: one WaitGroup, and the Wait() that returns only at Stop().
    fn one_waitgroup(&self) -> String {
        let (f3, g, rot_min) = (&self.f3, self.g, self.rot_min);
        let (f3_start, f3_end) = (&self.f3_start, &self.f3_end);
        let f3_rows = counter_timeline(&self.r.fase3, 0, Time::from_minutes(f3.minutes.into()));
        let s2_left = format!(
            r#"<p>The buggy monitor counts both lifecycles in <em>one</em> <code>sync.WaitGroup</code> per container. At each rotation it closes the old stream and calls <code>Wait()</code> before opening the next:</p>{}
<p>The reader calls <code>Done()</code> and the counter falls to 1, not 0: the heartbeat's <code>defer c.wg.Done()</code> runs only when <code>Stop()</code> ends it. <code>Wait()</code> blocks until then, and the container opens no further rotation: its logs stop.</p>"#,
            excerpt(
                Program::BUGGY,
                Anchor::Close,
                Anchor::Reopen,
                &[Anchor::Wait]
            )
        );
        let s2_right = format!(
            r#"{}<p class="small">FASE 3, container 0. All {stalled} containers are stuck this way from minute {rot_min}, yet the count falls, from {a} to {z} = {a} − {h} × {stalled}: a stuck container closed its stream (the reader and its {h} handlers exit) and gained the goroutine blocked in Wait(). The monitor passes a goroutine count because it stopped monitoring.</p>"#,
            timeline_table(&f3_rows, false),
            stalled = f3_end.stalled_containers,
            a = int(f3_start.goroutines),
            z = int(f3_end.goroutines),
            h = g - 1,
        );
        format!(
            r#"<h2 id="wait-never-returns"><span class="num" aria-hidden="true">2</span>One WaitGroup: Wait() returns only at Stop()</h2><div class="two-col"><div>{s2_left}</div><div>{s2_right}</div></div>"#
        )
    }

    /// §4, left: the workaround, and container `bypassed`'s counter.
    fn workaround(&self) -> String {
        let (f6, g, r, b_end) = (&self.f6, self.g, self.r, &self.b_end);
        let minutes = f6.minutes;
        let lines_written =
            u64::from(f6.containers) * u64::from(f6.lines_per_min) * u64::from(minutes);
        let bypass_rows = counter_timeline(&r.fase6_buggy, r.bypassed, Time::from_minutes(5));
        format!(
            r#"<p>To keep the logs flowing someone skipped the hang: when the stream reports an error, reopen at once without <code>Close()</code> or <code>Wait()</code>:</p>{}
<p>A stream fails half-open: at a random second of its rotation it stops delivering, with no error and no end, so its reader waits in IO wait for good. The check runs when the rotation falls due; skipped, the stream is never closed, and its reader and {h} handlers stay: {g} goroutines left behind per failed rotation, one count on wg nobody will Done().</p>{}
<p class="small">Log lines: each container writes {lpm} a minute, {written} in all ({c6} × {lpm} × {minutes}); the buggy monitor read {read}: a failed stream loses the rest of its rotation, a stuck container everything after. <a href="lab.html?preset=fase6&amp;t=17&amp;container={bypassed}#lab">Play it in the lab →</a></p>"#,
            excerpt(
                Program::BUGGY,
                Anchor::CheckErr,
                Anchor::Wait,
                &[Anchor::SkipWait]
            ),
            timeline_table(&bypass_rows, false),
            h = g - 1,
            lpm = f6.lines_per_min,
            written = int(lines_written),
            c6 = f6.containers,
            read = int(b_end.lines_read),
            bypassed = r.bypassed,
        )
    }

    /// §4, right: the pile-up's formula and the count test's verdict.
    fn pile_up(&self) -> String {
        let (g, b_end, start) = (self.g, &self.b_end, self.start);
        let b = self.r.fase6_buggy.samples();
        let a = self.r.fase6_buggy.analysis();
        let minutes = self.f6.minutes;
        let straight = (b_end.goroutines as f64 - start as f64) / f64::from(minutes);
        format!(
            r#"<p>A container stops leaking only when a healthy rotation stalls it in Wait(). So at every minute goroutines = {s} + {g} × readers left behind − {h} × containers stuck. At minute {minutes}: {end} = {s} + {g} × {left} − {h} × {stuck}.</p>
<p>The seed's count test fits a least-squares line to the {n} counts, one a minute: its slope is {slope}/min (steeper than the straight line from first to last, ({end} − {s}) ÷ {minutes} = {straight}/min, because the pile-up is fastest before containers stall). It fails a run whose slope exceeds 2/min or whose last count exceeds the first + 2 × {minutes} = {limit}: here both do ({verdict}).</p>"#,
            s = int(start),
            h = g - 1,
            end = int(b_end.goroutines),
            left = int(b_end.leaked_readers),
            stuck = b_end.stalled_containers,
            n = b.len(),
            slope = signed(a.growth_per_min, 2),
            straight = dec(straight, 2),
            limit = int(a.limit.round() as u64),
            verdict = a.verdict,
        )
    }

    /// §6: the fix, one WaitGroup per lifecycle.
    fn fix(&self) -> String {
        let (f6, f_end) = (&self.f6, &self.f_end);
        let per_container = 1 + self.g;
        let minutes = f6.minutes;
        let fa = self.r.fase6_fixed.analysis();
        let fix_rows = counter_timeline(&self.r.fase6_fixed, 0, Time::from_minutes(5));
        let s6_left = format!(
            "{}{}",
            excerpt(
                Program::FIXED,
                Anchor::CheckErr,
                Anchor::Reopen,
                &[Anchor::Close, Anchor::Wait]
            ),
            timeline_table(&fix_rows, true)
        );
        let s6_right = format!(
            r#"<p><code>heartbeatWg</code> for the heartbeat, <code>readerWg</code> for the rotation's reader: <code>readerWg.Wait()</code> waits only for the reader, which exits once its stream is closed. Then the workaround can go: every stream, failed or not, is closed and waited for.</p>
<p>Same random seed, same failed streams: the fixed program holds {end} = {c6} × {per_container} goroutines from minute 0 to minute {minutes} (slope {slope}/min): {verdict}. A per-rotation context or done channel, or an errgroup per rotation, works as well: what matters is that what you wait for each rotation ends each rotation.</p>"#,
            end = int(f_end.goroutines),
            c6 = f6.containers,
            slope = signed(fa.growth_per_min, 2),
            verdict = fa.verdict,
        );
        format!(
            r#"{}<div class="two-col"><div>{s6_left}</div><div>{s6_right}</div></div>"#,
            h2(6, "The fix: one WaitGroup per lifecycle")
        )
    }
}

/// §3: the minimal reproduction and its output.
fn repro() -> String {
    let s3 = format!(
        r#"<div class="two-col repro-grid">{}<div>
<p>No Docker, no HTTP: a heartbeat and one reader per rotation in one group, each rotation 100 ms, <code>Stop()</code> after 1 s. Run as it is, the first rotation's <code>Wait()</code> returns only when Stop() ends the heartbeat: one rotation of five. With <code>-bypass</code> every stream fails and <code>Close()</code> and <code>Wait()</code> are skipped: each rotation leaves its reader behind, one goroutine more (main, the heartbeat and the readers).</p>
<figure class="repro-output"><figcaption>Its output, captured from a real run by the tests (Go 1.27.3):</figcaption><pre class="code output" data-testid="repro-output"><code>{}</code></pre></figure>
<p class="small">Go's deadlock detector stays silent: a timer is pending (here Stop()'s, in the monitor the heartbeat's ticker), so the program could still wake. Run it: <code>cd go &amp;&amp; go run ./repro -bypass</code>.</p></div></div>"#,
        code_lines(REPRO_SOURCE.lines().enumerate(), &[], "go/repro/main.go"),
        esc(REPRO_OUTPUT.trim_end()),
    );
    format!("{}{s3}", h2(3, "The bug in 40 lines of Go"))
}

/// §8: where to catch it in a service of one's own.
fn catch() -> String {
    format!(
        r#"{}<div class="three-col"><div id="wgvet"><h3>Before it runs: wgvet</h3>
<p class="small">This project's static check runs where <code>go vet</code> runs: in the editor, before a commit, in CI on the pull request. It flags a <code>Wait()</code> on a group that also holds a goroutine living until cancellation the morning the bug is written, before review; the tools beside it need the service to run.</p>{}</div>
<div><h3>A count test</h3>
<p class="small">Run the monitor for an hour of fake time under testing/synctest and compare the goroutine count with the seed's limit:</p>{}</div>
<div><h3>Liveness</h3><p class="small">A count misses a monitor that stopped reading. Give each stream an idle timeout, so a half-open stream ends, and alert on a container with no line in a rotation:</p>{}</div></div>"#,
        h2(8, "Catch it in your own service"),
        snippet(
            "# once, in leakscope's go/ folder\ngo build -o ~/go/bin/wgvet ./cmd/wgvet\n# in your module, by hand or in CI\ngo vet -vettool=$(command -v wgvet) ./..."
        ),
        snippet(
            "synctest.Test(t, func(t *testing.T) {\n    m := Start(fleet)\n    first := runtime.NumGoroutine()\n    time.Sleep(58 * time.Minute)\n    synctest.Wait()\n    if n := runtime.NumGoroutine(); n > first+2*58 {\n        t.Errorf(\"%d goroutines, limit %d\", n, first+2*58)\n    }\n    m.Stop()\n})"
        ),
        snippet(
            "ctx, cancel := context.WithCancel(ctx)\nidle := time.AfterFunc(time.Minute, cancel)\nfor sc.Scan() { // the body ends when ctx does\n    idle.Reset(time.Minute)\n    c.lastLine.Store(time.Now().Unix())\n}"
        ),
    )
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
