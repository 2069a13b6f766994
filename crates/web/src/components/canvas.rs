//! The canvases: the chart, the lanes and the heat strip. Each draws in an
//! effect after render, when its inputs change.

use std::rc::Rc;

use leakscope_sim::seed::SeedTable;
use leakscope_sim::{Preset, Program, Time};
use yew::prelude::*;

use crate::chart::{self, ChartInput};
use crate::dom;
use crate::format;
use crate::lanes::{self, Heat, LANE_HEIGHT, LanesInput, heat_height};
use crate::state::Runs;

/// Lanes drawn one per container up to this many containers; above it, a
/// window of [`LANE_WINDOW`] lanes around the selected one and a heat strip.
pub const LANE_LIMIT: u32 = 12;
/// Lanes shown around the selected container when there are many.
pub const LANE_WINDOW: u32 = 8;

fn width_of(node: &NodeRef) -> Option<(web_sys::HtmlCanvasElement, f64)> {
    let canvas = node.cast::<web_sys::HtmlCanvasElement>()?;
    let width = canvas
        .parent_element()
        .map_or(600, |p| p.client_width())
        .max(200);
    Some((canvas, f64::from(width)))
}

/// A canvas's width, measured once per layout: reading `clientWidth` forces
/// the browser to lay the page out, which playback should not pay for on
/// every frame. `layout` is the page's resize counter.
fn cached_width(
    node: &NodeRef,
    cache: &std::cell::RefCell<Option<(u32, f64)>>,
    layout: u32,
) -> Option<(web_sys::HtmlCanvasElement, f64)> {
    if let Some((at, width)) = *cache.borrow()
        && at == layout
    {
        return Some((node.cast::<web_sys::HtmlCanvasElement>()?, width));
    }
    let (canvas, width) = width_of(node)?;
    *cache.borrow_mut() = Some((layout, width));
    Some((canvas, width))
}

/// The lanes shown: `(first, count)`.
pub fn lane_window(containers: u32, selected: u32) -> (u32, u32) {
    if containers <= LANE_LIMIT {
        (0, containers)
    } else {
        let first = (selected / LANE_WINDOW) * LANE_WINDOW;
        (first, LANE_WINDOW.min(containers - first))
    }
}

/// Props of [`ChartCanvas`].
#[derive(Properties, PartialEq)]
pub struct ChartProps {
    /// Every program's run.
    pub runs: Rc<Runs>,
    /// The programs in the panes: drawn bold, the others thin.
    pub panes: [Program; 2],
    /// The cursor.
    pub at: Time,
    /// The preset the scenario came from: its published figures are marked
    /// when the scenario is unchanged.
    pub preset: Preset,
    /// Bumped on resize.
    pub layout: u32,
}

/// The seed's published tables for `preset` when `runs` is that preset
/// (the seed measured the buggy and the fixed programs only).
pub fn seed_tables(runs: &Runs, preset: Preset) -> Vec<&'static SeedTable> {
    if runs.scenario == preset.scenario() {
        Program::ALL
            .iter()
            .filter_map(|&p| leakscope_sim::seed::table(preset, p))
            .collect()
    } else {
        Vec::new()
    }
}

/// The goroutine-count chart, and the cursor on a canvas above it.
#[component]
pub fn ChartCanvas(p: &ChartProps) -> Html {
    let node = use_node_ref();
    let cursor = use_node_ref();
    let area = use_mut_ref(|| None::<chart::PlotArea>);
    {
        // The chart itself: only when the runs or the size change.
        let (node, cursor, area) = (node.clone(), cursor.clone(), area.clone());
        use_effect_with(
            (p.runs.clone(), p.panes, p.preset, p.layout),
            move |(runs, panes, preset, _)| {
                if let Some((canvas, width)) = width_of(&node) {
                    let scale = dom::device_pixel_ratio();
                    let height = if width < 500.0 { 260.0 } else { 340.0 };
                    lanes::size_canvas(&canvas, width, height, scale);
                    if let Some(over) = cursor.cast::<web_sys::HtmlCanvasElement>() {
                        lanes::size_canvas(&over, width, height, scale);
                    }
                    let input = ChartInput {
                        runs,
                        panes: *panes,
                        seed: seed_tables(runs, *preset),
                        scale,
                    };
                    match chart::draw(&canvas, &input) {
                        Ok(a) => *area.borrow_mut() = Some(a),
                        Err(e) => web_sys::console::error_1(&format!("chart: {e}").into()),
                    }
                }
            },
        );
    }
    {
        // The cursor: every time the clock moves.
        let (cursor, area) = (cursor.clone(), area.clone());
        use_effect_with(
            (p.runs.clone(), p.panes, p.at, p.preset, p.layout),
            move |(_, _, at, _, _)| {
                if let (Some(over), Some(a)) =
                    (cursor.cast::<web_sys::HtmlCanvasElement>(), *area.borrow())
                {
                    let _ = chart::draw_cursor(&over, a, *at, dom::device_pixel_ratio());
                }
            },
        );
    }
    let runs = &p.runs;
    let each: Vec<String> = Program::ALL
        .iter()
        .map(|&prog| {
            let a = runs.trace(prog).analysis();
            format!(
                "{prog}: {} to {}, growth {} per minute, {}.",
                a.initial_goroutines,
                a.final_goroutines,
                format::signed(a.growth_per_min, 2),
                a.verdict
            )
        })
        .collect();
    let limit = runs.trace(p.panes[0]).analysis().limit;
    let label = format!(
        "Goroutines over {} minutes. {} Limit {} at the end.{}",
        runs.scenario.minutes,
        each.join(" "),
        format::dec(limit, 0),
        runs.divergence(p.panes[0], p.panes[1])
            .or_else(|| runs.divergence(p.panes[1], p.panes[0]))
            .map(|m| format!(" The panes' curves part at minute {m}."))
            .unwrap_or_default(),
    );
    html! {
        <div class="canvas-wrap chart-wrap">
            <canvas ref={node} data-testid="chart" role="img" aria-label={label} class="chart"></canvas>
            <canvas ref={cursor} class="chart-cursor" aria-hidden="true"></canvas>
        </div>
    }
}

/// Props of [`LanesCanvas`] and [`HeatCanvas`].
#[derive(Properties, PartialEq)]
pub struct LanesProps {
    /// Every program's run.
    pub runs: Rc<Runs>,
    /// Which program.
    pub program: Program,
    /// The cursor.
    pub at: Time,
    /// The selected container.
    pub container: u32,
    /// Bumped on resize.
    pub layout: u32,
    /// Select a container by clicking its lane.
    pub on_select: Callback<u32>,
}

/// One lane per container (or a window of lanes around the selected one).
#[component]
pub fn LanesCanvas(p: &LanesProps) -> Html {
    let node = use_node_ref();
    let n = p.runs.scenario.containers;
    let (first, count) = lane_window(n, p.container);
    let width = use_mut_ref(|| None::<(u32, f64)>);
    {
        let node = node.clone();
        use_effect_with(
            (p.runs.clone(), p.program, p.at, p.container, p.layout),
            move |(runs, program, at, container, layout)| {
                if let Some((canvas, width)) = cached_width(&node, &width, *layout) {
                    let input = LanesInput {
                        trace: runs.trace(*program),
                        at: *at,
                        first,
                        count,
                        selected: Some(*container),
                        scale: dom::device_pixel_ratio(),
                        width,
                    };
                    if let Err(e) = lanes::draw_lanes(&canvas, &input) {
                        web_sys::console::error_1(&e);
                    }
                }
            },
        );
    }
    let onclick = {
        let sel = p.on_select.clone();
        Callback::from(move |e: MouseEvent| {
            let lane = (f64::from(e.offset_y()) / LANE_HEIGHT).floor();
            if lane >= 0.0 && (lane as u32) < count {
                sel.emit(first + lane as u32);
            }
        })
    };
    let label = format!(
        "Lanes of containers {} to {} ({}): heartbeat bar, reader bars per rotation, readers left behind hatched with ✕, Wait() blocked cross-hatched with ‖, Wait() returned ✓.",
        first,
        first + count - 1,
        p.program
    );
    html! {
        <div class="canvas-wrap lanes-wrap">
            <canvas ref={node} class="lanes" role="img" aria-label={label} {onclick}
                    data-testid={format!("lanes-{}", p.program)}></canvas>
        </div>
    }
}

/// Every container as one thin row: readers left behind, by colour
/// lightness; stalled containers dashed.
#[component]
pub fn HeatCanvas(p: &LanesProps) -> Html {
    let node = use_node_ref();
    let overlay = use_node_ref();
    let heat = use_memo((p.runs.clone(), p.program), |(runs, program)| {
        let trace = runs.trace(*program);
        let heat = Heat::of(trace, runs.scenario.minutes.clamp(1, 600));
        (heat.max, heat.to_canvas().ok())
    });
    let width = use_mut_ref(|| None::<(u32, f64)>);
    // The strip itself: only when the run, the selection or the layout
    // changes, not at every tick (a fleet's strip is tall).
    {
        let node = node.clone();
        let heat = heat.clone();
        let width = width.clone();
        use_effect_with(
            (p.runs.clone(), p.program, p.container, p.layout),
            move |(runs, program, container, layout)| {
                let measured = cached_width(&node, &width, *layout);
                if let (Some((canvas, width)), Some(image)) = (measured, heat.1.as_ref()) {
                    let r = lanes::draw_heat(
                        &canvas,
                        image,
                        runs.trace(*program),
                        *container,
                        width,
                        dom::device_pixel_ratio(),
                    );
                    if let Err(e) = r {
                        web_sys::console::error_1(&e);
                    }
                }
            },
        );
    }
    // The cursor and the veil over what is to come: every tick.
    {
        let node = node.clone();
        let overlay = overlay.clone();
        use_effect_with(
            (p.runs.clone(), p.program, p.at, p.layout),
            move |(runs, program, at, layout)| {
                let measured = cached_width(&node, &width, *layout);
                let top = overlay.cast::<web_sys::HtmlCanvasElement>();
                if let (Some((_, width)), Some(top)) = (measured, top) {
                    let r = lanes::draw_heat_cursor(
                        &top,
                        runs.trace(*program),
                        *at,
                        width,
                        dom::device_pixel_ratio(),
                    );
                    if let Err(e) = r {
                        web_sys::console::error_1(&e);
                    }
                }
            },
        );
    }
    let n = p.runs.scenario.containers;
    let onclick = {
        let sel = p.on_select.clone();
        Callback::from(move |e: MouseEvent| {
            let row = (f64::from(e.offset_y()) / (heat_height(n) / f64::from(n))).floor();
            if row >= 0.0 && (row as u32) < n {
                sel.emit(row as u32);
            }
        })
    };
    html! {
        <figure class="heat">
            <div class="canvas-wrap heat-scroll" tabindex="0" data-testid="heat-scroll">
                <canvas ref={node} class="heatstrip" role="img" {onclick}
                        aria-label={format!("Heat strip of all {n} containers ({}): darker means more goroutines left behind (up to {}); dashed rows are stuck in Wait().", p.program, heat.0)}></canvas>
                <canvas ref={overlay} class="heat-cursor" aria-hidden="true"></canvas>
            </div>
            <figcaption>{ format!("The whole run, all {} containers, one row each (faded after the cursor: still to come{}): ", crate::format::int(u64::from(n)), if heat_height(n) > 440.0 { "; the strip scrolls" } else { "" }) }
                if heat.0 == 0 {
                    <span class="swatch heat-low"></span>{ " nothing left behind in this run; " }
                } else {
                    <span class="swatch heat-low"></span>{ " none left behind → " }
                    <span class="swatch heat-high"></span>{ format!(" {} left behind at once (the most in this run); ", crate::format::int(u64::from(heat.0))) }
                }
                <span class="swatch heat-stalled"></span>{ " purple dashes: stuck in Wait(). Click a row to select it." }
            </figcaption>
        </figure>
    }
}

/// The marks a lanes figure draws, so its legend lists those and no
/// other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Marks {
    /// ✕: a reader left behind.
    pub left: bool,
    /// ‖: a `Wait()` blocked until `Stop()`.
    pub blocked: bool,
    /// ◷: a timed wait's helper.
    pub helper: bool,
    /// ✓: a `Wait()` that returned.
    pub returned: bool,
    /// `Stop()`.
    pub stop: bool,
}

impl Marks {
    /// Every mark (the lab's legend, whose figure changes as it plays).
    pub const ALL: Marks = Marks {
        left: true,
        blocked: true,
        helper: true,
        returned: true,
        stop: true,
    };

    /// The marks of either.
    pub fn or(self, other: Marks) -> Marks {
        Marks {
            left: self.left || other.left,
            blocked: self.blocked || other.blocked,
            helper: self.helper || other.helper,
            returned: self.returned || other.returned,
            stop: self.stop || other.stop,
        }
    }

    /// The marks the events of containers `first..first + count` of
    /// `trace` draw up to `at`.
    pub fn drawn(trace: &leakscope_sim::Trace, first: u32, count: u32, at: Time) -> Marks {
        use leakscope_sim::EventKind as K;
        let mut m = Marks::default();
        for c in first..first + count {
            for e in trace.events_of(c).unwrap_or_default() {
                if e.time > at {
                    break;
                }
                match e.kind {
                    K::WaitSkipped { .. } => m.left = true,
                    K::WaitBlocked { .. } => m.blocked = true,
                    K::HelperBlocked { .. } | K::WaitTimedOut { .. } => m.helper = true,
                    K::WaitReturned { .. } => m.returned = true,
                    K::Stopped { .. } => m.stop = true,
                    _ => {}
                }
            }
        }
        m
    }
}

/// Props of [`LanesLegend`].
#[derive(Properties, PartialEq)]
pub struct LegendProps {
    /// The marks to explain (the heartbeat and reader bars always are).
    #[prop_or(Marks::ALL)]
    pub marks: Marks,
}

/// The key to the lanes, beside every lanes figure (issue 10, point 2): a
/// figure reads without the legend of another, and lists only what it
/// draws.
#[component]
pub fn LanesLegend(p: &LegendProps) -> Html {
    let m = p.marks;
    html! {
        <div class="legend" aria-label="Legend">
            <span><span class="swatch heartbeat"></span>{ " heartbeat (the thin black bar: the container's whole life)" }</span>
            <span><span class="swatch reader"></span>{ " reader (one bar per rotation)" }</span>
            if m.left {
                <span><span class="swatch left"></span>{ " ✕ reader left behind (stream never closed)" }</span>
            }
            if m.blocked {
                <span><span class="swatch blocked"></span>{ " ‖ blocked in Wait() until Stop()" }</span>
            }
            if m.helper {
                <span><span class="swatch blocked"></span>{ " ◷ a timed wait's helper, blocked" }</span>
            }
            if m.returned {
                <span><span class="swatch returned"></span>{ " ✓ Wait() returned" }</span>
            }
            if m.stop {
                <span><span class="swatch stop"></span>{ " Stop()" }</span>
            }
        </div>
    }
}
