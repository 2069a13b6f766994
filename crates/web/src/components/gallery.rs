//! Small multiples: one card per program of [`Program::ALL`], on the same
//! virtual clock as the panes, with its count, verdict, stuck and silent
//! containers, lines read, and two sparklines on shared scales (goroutines
//! and lines read), drawn up to the cursor. Clicking a card shows that
//! program in a pane.

use std::rc::Rc;

use leakscope_sim::{Program, Snapshot, Time};
use yew::prelude::*;

use crate::format::{self, int};
use crate::palette;
use crate::spark::{self, Frame};
use crate::state::Runs;
use crate::view::Health;

/// The sparklines' box, in SVG user units (the SVG keeps this aspect).
const SPARK_W: f64 = 200.0;
const SPARK_H: f64 = 40.0;

/// Props of [`Gallery`].
#[derive(Properties, PartialEq)]
pub struct GalleryProps {
    /// Every program's run.
    pub runs: Rc<Runs>,
    /// The virtual clock.
    pub at: Time,
    /// The programs in the left and right panes.
    pub panes: [Program; 2],
    /// Show a program in a pane.
    pub on_show: Callback<Program>,
}

/// The sparklines of one program, computed once per run.
#[derive(PartialEq)]
struct Lines {
    goroutines: AttrValue,
    lines_read: AttrValue,
}

/// Every program's sparklines and the two shared frames.
#[derive(PartialEq)]
struct Sparks {
    goroutines: Frame,
    lines_read: Frame,
    per_program: Vec<Lines>,
}

impl Sparks {
    fn of(runs: &Runs) -> Sparks {
        let minutes = f64::from(runs.scenario.minutes);
        let series = |f: fn(&leakscope_sim::Sample) -> u64| -> Vec<Vec<u64>> {
            Program::ALL
                .iter()
                .map(|&p| runs.trace(p).samples().iter().map(f).collect())
                .collect()
        };
        let goroutines = series(|s| s.goroutines);
        let lines_read = series(|s| s.lines_read);
        let top = |all: &[Vec<u64>]| {
            let max = all.iter().flatten().copied().max().unwrap_or(0);
            spark::nice_ceiling(max as f64)
        };
        let frame = |y_max| Frame {
            width: SPARK_W,
            height: SPARK_H,
            x_max: minutes.max(1.0),
            y_max,
        };
        let (gf, lf) = (frame(top(&goroutines)), frame(top(&lines_read)));
        let per_program = goroutines
            .iter()
            .zip(&lines_read)
            .map(|(g, l)| Lines {
                goroutines: spark::polyline(&spark::thin(g), &gf).into(),
                lines_read: spark::polyline(&spark::thin(l), &lf).into(),
            })
            .collect();
        Sparks {
            goroutines: gf,
            lines_read: lf,
            per_program,
        }
    }
}

#[derive(Properties, PartialEq)]
struct SparkProps {
    /// The whole run's polyline.
    points: AttrValue,
    frame: Frame,
    /// The cursor, in minutes.
    at: f64,
    /// The value at the cursor.
    now: f64,
    /// A document-unique id for the clip path.
    id: AttrValue,
    /// What the line shows, for screen readers.
    label: AttrValue,
}

/// A sparkline: the run up to the cursor solid, the rest faded, a dot at
/// the cursor's value.
#[component]
fn Spark(p: &SparkProps) -> Html {
    let (x, y) = (p.frame.x(p.at), p.frame.y(p.now));
    let clip = format!("url(#{})", p.id);
    html! {
        <svg class="spark" viewBox={format!("0 0 {SPARK_W} {SPARK_H}")} role="img" aria-label={p.label.clone()}>
            <defs>
                <clipPath id={p.id.clone()}>
                    <rect x="-2" y="-4" width={format!("{:.1}", x + 2.0)} height={format!("{}", SPARK_H + 8.0)} />
                </clipPath>
            </defs>
            <line class="spark-base" x1="0" x2={SPARK_W.to_string()} y1={SPARK_H.to_string()} y2={SPARK_H.to_string()} />
            <polyline class="spark-future" points={p.points.clone()} />
            <polyline class="spark-past" points={p.points.clone()} clip-path={clip} />
            <line class="spark-cursor" x1={format!("{x:.1}")} x2={format!("{x:.1}")} y1="0" y2={SPARK_H.to_string()} />
            <circle class="spark-dot" cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="2.6" />
        </svg>
    }
}

/// The cards at `at`, in the order of [`Program::ALL`]: each program with
/// its sparklines and its snapshot (every program whose run reaches `at`).
fn cards<'a>(runs: &Runs, sparks: &'a Sparks, at: Time) -> Vec<(Program, &'a Lines, Snapshot)> {
    Program::ALL
        .iter()
        .zip(&sparks.per_program)
        .filter_map(|(&prog, lines)| Some((prog, lines, runs.trace(prog).snapshot(at).ok()?)))
        .collect()
}

/// The gallery of every program.
#[component]
pub fn Gallery(p: &GalleryProps) -> Html {
    let sparks = use_memo(p.runs.clone(), |runs| Sparks::of(runs));
    let n = p.runs.scenario.containers;
    let at_min = p.at.minutes_f64();
    let cards = cards(&p.runs, &sparks, p.at).into_iter().map(|(prog, lines, snap)| {
        let trace = p.runs.trace(prog);
        let name = prog.name();
        let a = trace.analysis();
        let health = Health::of(trace);
        let side = p.panes.iter().position(|&q| q == prog);
        let onclick = {
            let show = p.on_show.clone();
            Callback::from(move |_: MouseEvent| show.emit(prog))
        };
        let style = format!("--prog:{}", palette::program(prog).css());
        html! {
            <article class={classes!("card", side.is_some().then_some("in-pane"))} {style}
                     data-testid={format!("gallery-{name}")} data-program={name} {onclick}>
                <header class="card-head">
                    <span class="card-icon" role="img" title={health.words()} aria-label={health.words()}>{ health.icon() }</span>
                    <code class="card-name">{ name }</code>
                    { match side {
                        Some(0) => html! { <span class="badge">{ "◧ left pane" }</span> },
                        Some(_) => html! { <span class="badge">{ "right pane ◨" }</span> },
                        None => html! {},
                    } }
                </header>
                <p class="card-title">{ prog.def().title }</p>
                <div class="card-row">
                    <span class="card-big" data-testid={format!("gallery-goroutines-{name}")}>{ int(snap.goroutines) }</span>
                    <span class="card-unit">{ "goroutines" }</span>
                    <span class={classes!("verdict", "small", a.verdict.name())} title="the seed's count test over the whole run">
                        { "count test: " }<span aria-hidden="true">{ if a.verdict == leakscope_sim::Verdict::Pass { "✓ " } else { "✕ " } }</span>
                        <span data-testid={format!("gallery-verdict-{name}")}>{ a.verdict.name() }</span>
                        <small class="scope">{ " (whole run)" }</small>
                    </span>
                </div>
                <Spark points={lines.goroutines.clone()} frame={sparks.goroutines} at={at_min} now={snap.goroutines as f64}
                       id={format!("spark-g-{name}")}
                       label={format!("{name}: goroutines over the run, {} now", int(snap.goroutines))} />
                <p class="spark-scale"><span>{ "goroutines" }</span><span>{ format!("0–{}", spark::short(sparks.goroutines.y_max)) }</span></p>
                <dl class="card-stats">
                    <div class={classes!((snap.stalled_containers > 0).then_some("bad"))}>
                        <dt>{ "stuck in Wait()" }</dt>
                        <dd><span data-testid={format!("gallery-stalled-{name}")}>{ int(snap.stalled_containers) }</span>{ format!(" of {}", int(u64::from(n))) }</dd>
                    </div>
                    <div class={classes!((snap.silent_containers > 0).then_some("bad"))}>
                        <dt>{ "silent" }</dt>
                        <dd><span data-testid={format!("gallery-silent-{name}")}>{ int(snap.silent_containers) }</span>{ format!(" of {}", int(u64::from(n))) }</dd>
                    </div>
                </dl>
                <div class="card-row">
                    <span class="card-mid" data-testid={format!("gallery-lines-{name}")}>{ int(snap.lines_read) }</span>
                    <span class="card-unit">{ "log lines read" }</span>
                </div>
                <Spark points={lines.lines_read.clone()} frame={sparks.lines_read} at={at_min} now={snap.lines_read as f64}
                       id={format!("spark-l-{name}")}
                       label={format!("{name}: log lines read over the run, {} now", format::int(snap.lines_read))} />
                <p class="spark-scale"><span>{ "lines read" }</span><span>{ format!("0–{}", spark::short(sparks.lines_read.y_max)) }</span></p>
                if side.is_none() {
                    <button class="card-show" aria-label={format!("Show {name} in the left pane")}>{ "◧ Show in the left pane" }</button>
                }
            </article>
        }
    });
    html! {
        <section class="gallery" aria-labelledby="gallery-h">
            <h3 id="gallery-h">{ "Every program on this scenario" }</h3>
            <p class="muted small">{ "Same random seed, same failed streams, same clock. Scales are shared, so the cards compare at a glance; the faded part of each line is still to come. A silent container read no log line for a whole rotation period. Click a card to put its program in a pane." }</p>
            <div class="gallery-grid">{ for cards }</div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use leakscope_sim::Preset;

    use super::*;

    /// Prints the line `gallery lists: <name>, …` (the check that adds a
    /// program by its files alone reads it).
    #[test]
    fn the_gallery_has_a_card_for_every_program() {
        let runs = Runs::new(&Preset::Fase3.scenario()).unwrap();
        let sparks = Sparks::of(&runs);
        let at = Time::from_minutes(4);
        let listed: Vec<Program> = cards(&runs, &sparks, at).iter().map(|c| c.0).collect();
        assert_eq!(listed, Program::ALL);
        let names: Vec<&str> = listed.iter().map(|p| p.name()).collect();
        println!("gallery lists: {}", names.join(", "));
        // Past the end of the run, no card.
        assert!(cards(&runs, &sparks, Time::from_minutes(10_000)).is_empty());
    }
}
