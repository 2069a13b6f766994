//! "Measured on a real Docker engine": one recorded run of the real
//! monitor (`docs/runs/docker-buggy.json`, what `leakscope monitor --format
//! json` wrote) beside the simulation of the same schedule. Every figure is
//! the core's: the recording parsed into a [`RecordedRun`], the simulation's
//! census from [`RecordedRun::predicted`], the verdict from
//! [`RecordedRun::differences`].

use leakscope_sim::{PeriodCensus, Program, RecordedRun};
use yew::prelude::*;

use super::story::{esc, raw};
use crate::format;
use crate::palette;
use crate::spark::Frame;

/// The recorded run, as the real monitor wrote it (`cargo xtask
/// docker-record -- --program buggy`, `docs/runs/docker-buggy.json`).
///
/// It is compiled in as Rust (`realrun_data.rs`, written from the JSON by
/// the test `the_embedded_recording_is_the_json_file`, which fails when
/// the two differ), so the page carries no JSON parser: serde_json and the
/// decoding of the core's types would add about 18 KB gzip.
pub fn recording() -> RecordedRun {
    super::realrun_data::recording()
}

/// What the section says about a recorded run: counted from the run and
/// its prediction, never typed in.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// The program that ran.
    pub program: Program,
    /// What ran it, in its own words.
    pub runtime: String,
    /// Containers followed.
    pub containers: u32,
    /// Log streams followed (0 without injected faults).
    pub streams: usize,
    /// Of them, the ones the proxy made half-open.
    pub streams_failed: usize,
    /// The fault rate and seed, when faults were injected.
    pub faults: Option<(f64, u64)>,
    /// The rotation period, in milliseconds.
    pub rotation_ms: u64,
    /// Periods with a census.
    pub periods: usize,
    /// Periods where the measured census differs from the simulation's
    /// (a missing period counts as one).
    pub periods_differing: usize,
    /// Program tasks in the last census: measured and simulated.
    pub final_measured: u64,
    /// See [`Figures::final_measured`].
    pub final_simulated: u64,
    /// Leaked readers in the last census.
    pub leaked_readers: u64,
    /// Containers stalled in `Wait()` in the last census.
    pub stalled_containers: u64,
    /// Tasks alive after the drain.
    pub left_after_drain: u64,
    /// How long the run lasted, in milliseconds.
    pub elapsed_ms: u64,
    /// Tasks per open stream in the port: the reader and its connection's
    /// handler task.
    pub per_stream: u32,
    /// The measured census: (milliseconds, program tasks).
    pub measured: Vec<(u64, u64)>,
    /// The simulation's census at the ideal instants: (milliseconds, tasks).
    pub simulated: Vec<(u64, u64)>,
}

impl Figures {
    /// The figures of `run` against its `predicted` census.
    pub fn of(run: &RecordedRun, predicted: &[PeriodCensus]) -> Self {
        let (streams, streams_failed, faults) = run.faults.as_ref().map_or((0, 0, None), |f| {
            let failed = f.realized.iter().filter(|r| r.offset_ms.is_some()).count();
            (f.realized.len(), failed, Some((f.error_rate, f.seed)))
        });
        // A period differs when `differences` finds anything in it alone.
        let alone = |c: &PeriodCensus| RecordedRun {
            census: vec![*c],
            faults: None,
            ..run.clone()
        };
        let mut periods_differing = run
            .census
            .iter()
            .zip(predicted)
            .filter(|(a, b)| !alone(a).differences(std::slice::from_ref(b)).is_empty())
            .count();
        periods_differing += run.census.len().abs_diff(predicted.len());
        let last = run.census.last();
        Figures {
            program: run.program,
            runtime: run.runtime.clone(),
            containers: run.containers,
            streams,
            streams_failed,
            faults,
            rotation_ms: run.rotation_ms,
            periods: run.census.len(),
            periods_differing,
            final_measured: last.map_or(0, PeriodCensus::goroutines),
            final_simulated: predicted.last().map_or(0, PeriodCensus::goroutines),
            leaked_readers: last.map_or(0, |c| c.leaked_readers),
            stalled_containers: last.map_or(0, |c| c.stalled_containers),
            left_after_drain: run.left_after_drain,
            elapsed_ms: run.elapsed_ms,
            per_stream: run.goroutines_per_reader,
            measured: run
                .census
                .iter()
                .map(|c| (c.at_ms, c.goroutines()))
                .collect(),
            simulated: predicted
                .iter()
                .map(|c| (c.at_ms, c.goroutines()))
                .collect(),
        }
    }

    /// The verdict sentence.
    pub fn verdict(&self) -> String {
        if self.periods_differing == 0 {
            format!(
                "The measured count equals the simulation's at every one of the {} periods.",
                self.periods
            )
        } else {
            format!(
                "The measured count differs from the simulation's in {} of the {} periods.",
                self.periods_differing, self.periods
            )
        }
    }
}

/// The embedded recording's figures, or why there are none, in one line.
///
/// # Errors
///
/// When the recording has no simulated counterpart.
pub fn figures() -> Result<Figures, String> {
    let run = recording();
    let predicted = run
        .predicted()
        .map_err(|e| format!("The recorded run has no simulated counterpart: {e}."))?;
    Ok(Figures::of(&run, &predicted))
}

/// A round step for about `ticks` ticks up to `max`: 1, 2 or 5 × 10ⁿ.
fn nice_step(max: f64, ticks: f64) -> f64 {
    crate::spark::nice_ceiling(max / ticks)
}

/// Seconds as an axis label: `10`, `2.5`.
fn secs(ms: f64) -> String {
    let s = format::dec(ms / 1000.0, 1);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

const W: f64 = 520.0;
const H: f64 = 250.0;
const LEFT: f64 = 46.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 40.0;

/// The chart: the simulation as a step line (a count changes only at a
/// rotation instant, so each period's census holds for the whole period),
/// the measured census as circles on it. SVG markup built as a string, as
/// the lesson's (one string rather than code per element: the site's
/// download budget).
fn chart(f: &Figures) -> String {
    use std::fmt::Write as _;
    let rotation = f.rotation_ms as f64;
    let x_max = (f.periods as f64 * rotation).max(1.0);
    let y_top = f
        .measured
        .iter()
        .chain(&f.simulated)
        .map(|&(_, n)| n)
        .max()
        .unwrap_or(0) as f64;
    let x_step = nice_step(x_max / 1000.0, 6.0) * 1000.0;
    let y_step = nice_step(y_top, 4.0);
    let frame = Frame {
        width: W - LEFT - RIGHT,
        height: H - TOP - BOTTOM,
        x_max: (x_max / x_step).ceil() * x_step,
        y_max: ((y_top / y_step).ceil() * y_step).max(y_step),
    };
    let mut steps = String::new();
    for (k, &(_, n)) in f.simulated.iter().enumerate() {
        let (x0, x1) = (k as f64 * rotation, (k + 1) as f64 * rotation);
        let y = frame.y(n as f64);
        let _ = write!(
            steps,
            "{:.1},{y:.1} {:.1},{y:.1} ",
            frame.x(x0),
            frame.x(x1)
        );
    }
    let colour = palette::program(f.program).css();
    let dashes = palette::dashes(f.program);
    let (x0, y0, x1, y1) = (LEFT, TOP, W - RIGHT, H - BOTTOM);
    let label = format!(
        "Program tasks of the {} program over {} seconds: the simulation as a line, the measured census of {} periods as circles on it; the simulation ends at {} tasks, the measurement at {}.",
        f.program,
        secs(x_max),
        f.periods,
        format::int(f.final_simulated),
        format::int(f.final_measured),
    );
    let mut svg = format!(
        r#"<svg class="minichart real-run-chart" viewBox="0 0 {W} {H}" role="img" aria-label="{}" data-testid="real-run-chart"><title>The {} program on a real Docker engine: measured tasks on the simulation's line</title>"#,
        esc(&label),
        f.program
    );
    let ticks = |step: f64, max: f64| {
        (0..)
            .map(move |i| f64::from(i) * step)
            .take_while(move |&v| v <= max + 0.5)
    };
    for v in ticks(y_step, frame.y_max) {
        let y = y0 + frame.y(v);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{x0}" y1="{y:.1}" x2="{x1}" y2="{y:.1}"/><text class="tick" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            x0 - 5.0,
            y + 3.0,
            format::int(v as u64)
        );
    }
    for v in ticks(x_step, frame.x_max) {
        let x = x0 + frame.x(v);
        let _ = write!(
            svg,
            r#"<line class="axis" x1="{x:.1}" y1="{y1}" x2="{x:.1}" y2="{}"/><text class="tick" x="{x:.1}" y="{}" text-anchor="middle">{}</text>"#,
            y1 + 4.0,
            y1 + 15.0,
            secs(v)
        );
    }
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}"/><line class="axis" x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}"/><text class="tick" x="{}" y="{}" text-anchor="middle">seconds since the first container was followed</text><text class="tick" transform="translate(11 {:.1}) rotate(-90)" text-anchor="middle">program tasks</text><g transform="translate({x0} {y0})"><polyline points="{}" style="stroke:{colour}" stroke-dasharray="{dashes}"/>"#,
        (x0 + x1) / 2.0,
        y1 + 32.0,
        (y0 + y1) / 2.0,
        steps.trim_end(),
    );
    for &(at, n) in &f.measured {
        let _ = write!(
            svg,
            r#"<circle class="measured" cx="{:.1}" cy="{:.1}" r="3.2"/>"#,
            frame.x(at as f64),
            frame.y(n as f64)
        );
    }
    let (lx, ly) = (x0 + 12.0, y0 + 14.0);
    let _ = write!(
        svg,
        r#"</g><g class="legend"><line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" style="stroke:{colour};stroke-width:2.2" stroke-dasharray="{dashes}"/><text class="end" x="{}" y="{}">simulated for the same schedule</text><circle class="measured" cx="{}" cy="{}" r="3.2"/><text class="end" x="{}" y="{}">measured: tokio tasks on Docker</text></g></svg>"#,
        lx + 22.0,
        lx + 28.0,
        ly + 3.5,
        lx + 11.0,
        ly + 16.0,
        lx + 28.0,
        ly + 19.5,
    );
    svg
}

/// The section's figure and text, as markup.
fn body(f: &Figures) -> String {
    let faults = match f.faults {
        Some((rate, seed)) => format!(
            ", through a proxy that made {} of {} log streams half-open (fault rate {}, seed {seed})",
            f.streams_failed,
            f.streams,
            format::dec(rate, 2)
                .trim_end_matches('0')
                .trim_end_matches('.'),
        ),
        None => ", with no faults injected".to_owned(),
    };
    let finals = if f.final_measured == f.final_simulated {
        format!(
            "At the last census both count {} tasks",
            format::int(f.final_measured)
        )
    } else {
        format!(
            "At the last census the monitor counted {} tasks and the simulation {}",
            format::int(f.final_measured),
            format::int(f.final_simulated)
        )
    };
    let g = u64::from(f.per_stream);
    let n = u64::from(f.containers);
    format!(
        r#"<div class="real-run-grid"><figure class="mini real-run-figure"><figcaption><span class="tag real">measured</span> {program} program, {runtime}: program tasks in the middle of every rotation period</figcaption>{chart}</figure><div class="real-run-text"><p>Everything else on this page is the simulation. This chart is not: it was measured. <code>leakscope monitor</code> ran the {program} program as real tokio tasks with real wait groups, following {containers} real containers on a Docker engine{faults}, with a rotation every {rotation}&nbsp;s. It took a census in the middle of every rotation period.</p><p><strong data-testid="real-run-verdict">{verdict}</strong> {finals}; {leaked} readers had leaked and {stalled} of the {containers} containers were stalled in Wait(). When the run ended (after {elapsed}&nbsp;s), the monitor's shutdown drained it to {drained} tasks: the port aborts the tasks left behind, where the Go program's Stop() would hang on them.</p><p data-testid="real-run-counting">How the port counts: {g} tasks per open stream (the reader and its connection's handler task, where Go's HTTP client runs 2 handlers), so {healthy} per healthy container with the heartbeat, {start} at the start; each reader left behind keeps its stream's {g}, and a container stalled in Wait() has closed its stream and gained the waiting task ({g} − 1 = −{gone}). At the last census: {healthy} × {containers} + {g} × {leaked} − {gone} × {stalled} = {total}.</p><p class="muted small">To measure it yourself (Docker needed): <code>cargo xtask docker-record -- --program buggy</code>, then draw it with <code>leakscope chart --from docs/runs/docker-buggy.json --out chart.svg</code>.</p></div></div>"#,
        program = f.program,
        runtime = esc(&f.runtime),
        chart = chart(f),
        containers = f.containers,
        rotation = secs(f.rotation_ms as f64),
        verdict = esc(&f.verdict()),
        leaked = format::int(f.leaked_readers),
        stalled = f.stalled_containers,
        elapsed = secs(f.elapsed_ms as f64),
        drained = format::int(f.left_after_drain),
        healthy = 1 + g,
        start = format::int((1 + g) * n),
        gone = g - 1,
        total = format::int((1 + g) * n + g * f.leaked_readers - (g - 1) * f.stalled_containers),
    )
}

/// The section.
#[component]
pub fn RealRun() -> Html {
    let figures = use_memo((), |()| figures());
    let body = match &*figures {
        Err(e) => format!(
            r#"<p class="muted" data-testid="real-run-error">{}</p>"#,
            esc(e)
        ),
        Ok(f) => body(f),
    };
    raw(format!(
        r#"<section id="real-run" class="story-section real-run" aria-labelledby="real-run-h"><h2 id="real-run-h"><span class="num" aria-hidden="true">●</span>Measured on a real Docker engine</h2>{body}</section>"#
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded recording parses, has a prediction, and the section's
    /// figures are the run's own.
    #[test]
    fn the_figures_are_the_recorded_runs() {
        let run = recording();
        let predicted = run.predicted().unwrap();
        let f = figures().unwrap();
        assert_eq!(f, Figures::of(&run, &predicted));
        let faults = run.faults.as_ref().unwrap();
        assert_eq!(f.streams, faults.realized.len());
        assert_eq!(
            f.streams_failed,
            faults
                .realized
                .iter()
                .filter(|r| r.offset_ms.is_some())
                .count()
        );
        assert!(f.streams_failed > 0 && f.streams_failed < f.streams);
        assert_eq!(f.faults, Some((faults.error_rate, faults.seed)));
        assert_eq!(f.periods, run.census.len());
        assert_eq!(f.periods, predicted.len());
        assert_eq!(f.containers, run.containers);
        let (last, sim) = (run.census.last().unwrap(), predicted.last().unwrap());
        assert_eq!(f.final_measured, last.goroutines());
        assert_eq!(f.final_simulated, sim.goroutines());
        assert_eq!(f.leaked_readers, last.leaked_readers);
        assert_eq!(f.stalled_containers, last.stalled_containers);
        assert_eq!(f.left_after_drain, run.left_after_drain);
        // The counting the section states adds up to the measured census.
        let g = u64::from(f.per_stream);
        assert_eq!(
            (1 + g) * u64::from(f.containers) + g * f.leaked_readers
                - (g - 1) * f.stalled_containers,
            f.final_measured
        );
        assert_eq!(f.measured.len(), f.periods);
        // The verdict follows `differences`.
        let equal = run.differences(&predicted).is_empty();
        assert_eq!(f.periods_differing == 0, equal);
        assert_eq!(
            f.verdict()
                .contains("equals the simulation's at every one of"),
            equal
        );
        assert!(f.verdict().contains(&format!(" {} periods", f.periods)));
    }

    #[test]
    fn a_changed_period_is_counted_as_differing() {
        let mut run = recording();
        let predicted = run.predicted().unwrap();
        run.census[3].by_role.reader += 1;
        run.census[3].leaked_readers += 1;
        run.census[7].stalled_containers += 1;
        let f = Figures::of(&run, &predicted);
        assert_eq!(f.periods_differing, 2);
        assert!(
            f.verdict()
                .contains("differs from the simulation's in 2 of the")
        );
        run.census.pop();
        assert_eq!(Figures::of(&run, &predicted).periods_differing, 3);
    }

    /// The recording the page carries is the JSON file, field for field;
    /// `LEAKSCOPE_REGENERATE=1 cargo test -p leakscope-web --lib
    /// embedded_recording` (then `cargo fmt`) rewrites `realrun_data.rs`
    /// from it.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn the_embedded_recording_is_the_json_file() {
        let json = include_str!("../../../../docs/runs/docker-buggy.json");
        let run: RecordedRun = serde_json::from_str(json).unwrap();
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/components/realrun_data.rs"
        );
        if std::env::var_os("LEAKSCOPE_REGENERATE").is_some() {
            std::fs::write(path, rust_source(&run)).unwrap();
        }
        assert_eq!(
            recording(),
            run,
            "src/components/realrun_data.rs is not docs/runs/docker-buggy.json: \
             LEAKSCOPE_REGENERATE=1 cargo test -p leakscope-web --lib embedded_recording"
        );
    }

    /// `realrun_data.rs` for `run`: its two tables as constants, then the
    /// function that builds the run from them.
    #[cfg(not(target_arch = "wasm32"))]
    fn rust_source(run: &RecordedRun) -> String {
        use std::fmt::Write as _;
        let mut s = String::from(
            "//! `docs/runs/docker-buggy.json` as Rust, written by the test\n\
             //! `the_embedded_recording_is_the_json_file` in `realrun.rs` (do not\n\
             //! edit: `LEAKSCOPE_REGENERATE=1 cargo test -p leakscope-web --lib\n\
             //! embedded_recording`, then `cargo fmt`, rewrites it from the JSON).\n\n\
             use leakscope_sim::recorded::{InjectedFaults, RealizedFault};\n\
             use leakscope_sim::{PeriodCensus, Program, RecordedRun, RoleCounts};\n\n",
        );
        if let Some(f) = &run.faults {
            s.push_str(
                "/// Every followed stream, in the order it was requested: (container,\n\
                 /// rotation, milliseconds until it went half-open or `None`).\n\
                 const REALIZED: &[(u32, u64, Option<u64>)] = &[\n",
            );
            for x in &f.realized {
                let _ = writeln!(
                    s,
                    "    ({}, {}, {:?}),",
                    x.container, x.rotation, x.offset_ms
                );
            }
            s.push_str("];\n\n");
        }
        s.push_str(
            "/// The census of each rotation period: (due, at_ms, [system, heartbeat,\n\
             /// reader, handler, waiter, helper], leaked readers, stalled containers).\n\
             const CENSUS: &[(u64, u64, [u64; 6], u64, u64)] = &[\n",
        );
        for c in &run.census {
            let r = &c.by_role;
            let _ = writeln!(
                s,
                "    ({}, {}, [{}, {}, {}, {}, {}, {}], {}, {}),",
                c.due,
                c.at_ms,
                r.system,
                r.heartbeat,
                r.reader,
                r.handler,
                r.waiter,
                r.helper,
                c.leaked_readers,
                c.stalled_containers
            );
        }
        s.push_str("];\n\n");
        let program = run.program.name().to_uppercase().replace('-', "_");
        let faults = run.faults.as_ref().map_or("None".to_owned(), |f| {
            format!(
                "Some(InjectedFaults {{\n            seed: {},\n            error_rate: {:?},\n            \
                 realized: REALIZED\n                .iter()\n                \
                 .map(|&(container, rotation, offset_ms)| RealizedFault {{\n                    \
                 container,\n                    rotation,\n                    offset_ms,\n                \
                 }})\n                .collect(),\n        }})",
                f.seed, f.error_rate
            )
        });
        let _ = write!(
            s,
            "/// The recorded run.\n\
             pub fn recording() -> RecordedRun {{\n    \
             RecordedRun {{\n        \
             program: Program::{program},\n        \
             runtime: {:?}.into(),\n        \
             containers: {},\n        \
             rotation_ms: {},\n        \
             heartbeat_ms: {},\n        \
             goroutines_per_reader: {},\n        \
             faults: {faults},\n        \
             census: CENSUS\n            .iter()\n            \
             .map(\n                \
             |&(due, at_ms, [system, heartbeat, reader, handler, waiter, helper], leaked_readers, stalled_containers)| {{\n                    \
             PeriodCensus {{\n                        \
             due,\n                        at_ms,\n                        \
             by_role: RoleCounts {{\n                            \
             system,\n                            heartbeat,\n                            reader,\n                            \
             handler,\n                            waiter,\n                            helper,\n                        \
             }},\n                        leaked_readers,\n                        stalled_containers,\n                    \
             }}\n                }},\n            )\n            .collect(),\n        \
             elapsed_ms: {},\n        \
             lines: {},\n        \
             left_after_drain: {},\n    \
             }}\n}}\n",
            run.runtime,
            run.containers,
            run.rotation_ms,
            run.heartbeat_ms,
            run.goroutines_per_reader,
            run.elapsed_ms,
            run.lines,
            run.left_after_drain
        );
        s
    }

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(nice_step(283.0, 4.0), 100.0);
        assert_eq!(nice_step(60.0, 6.0), 10.0);
        assert_eq!(nice_step(0.0, 4.0), 1.0);
        assert_eq!(secs(2000.0), "2");
        assert_eq!(secs(60_006.0), "60");
        assert_eq!(secs(2500.0), "2.5");
    }
}
