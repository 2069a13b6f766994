//! The goroutine-count chart: every program over the whole run (the two in
//! the panes bold), the seed's limit line, the published figures and the
//! point where the panes' curves part.
//! One chart, one function: [`draw`]. The current-time cursor goes on a
//! second canvas above it ([`draw_cursor`]), so playing redraws a line,
//! not the chart.

use leakscope_sim::seed::SeedTable;
use leakscope_sim::{Program, Time, Trace};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

use crate::palette::{self, Rgb};
use crate::state::Runs;

/// Whatever went wrong while drawing.
pub type DrawResult<T> = Result<T, Box<dyn std::error::Error>>;

/// What the chart shows besides the runs.
pub struct ChartInput<'a> {
    /// Every program's run.
    pub runs: &'a Runs,
    /// The programs in the panes, drawn bold.
    pub panes: [Program; 2],
    /// The seed's published tables to mark, when the scenario is the
    /// preset they were measured on.
    pub seed: Vec<&'static SeedTable>,
    /// Device pixels per CSS pixel.
    pub scale: f64,
}

fn color(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// Above this many rotations in a run the chart joins the minute samples:
/// the exact steps would cost more than a frame to compute and no pixel
/// would show them.
const STEP_ROTATIONS: u64 = 20_000;

/// A program's curve: steps at the instants the count changes (the core's
/// [`leakscope_sim::Trace::count_steps`]), so a leak at 05:00 rises at
/// 05:00, not from minute 4; on very long runs, the minute samples joined.
fn points(trace: &Trace) -> Vec<(f64, f64)> {
    let s = trace.scenario();
    let rotations = u64::from(s.containers) * s.rotations_per_container();
    if rotations > STEP_ROTATIONS {
        return trace
            .samples()
            .iter()
            .map(|s| (f64::from(s.minute), s.goroutines as f64))
            .collect();
    }
    let minutes = |t: Time| t.as_millis() as f64 / 60_000.0;
    let mut out = Vec::new();
    for (t, count) in trace.count_steps() {
        if let Some(&(_, before)) = out.last() {
            out.push((minutes(t), before));
        }
        out.push((minutes(t), count as f64));
    }
    if let Some(&(_, last)) = out.last() {
        out.push((minutes(trace.end()), last));
    }
    out
}

/// Where the plot sits on the canvas, in device pixels, and the minutes it
/// spans: what [`draw_cursor`] needs to place the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PlotArea {
    /// Left and right edges.
    pub x: (i32, i32),
    /// Top and bottom edges.
    pub y: (i32, i32),
    /// Minutes from the left edge to the right edge.
    pub minutes: f64,
    /// The legend's box at the plot's top left (width, height), generously
    /// estimated: the cursor's veil leaves it clear (issue 18).
    pub legend: (f64, f64),
}

/// The chart's coordinates: minutes across, goroutines up.
type Chart<'a> = ChartContext<'a, CanvasBackend, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// What every part of the chart is placed by: the input, the axes' ranges
/// and the device pixel scale.
struct Frame<'a> {
    input: &'a ChartInput<'a>,
    /// The run's length, minutes.
    minutes: f64,
    /// The left pane's count at minute 0, where the limit starts.
    initial: f64,
    /// The limit at the last minute.
    limit: f64,
    /// The y axis's top.
    top: f64,
}

/// Draws the chart on `canvas` (sized by the caller, in device pixels) and
/// returns where its plot area is.
///
/// # Errors
///
/// When the canvas has no 2D context or a drawing call fails.
pub fn draw(canvas: &HtmlCanvasElement, input: &ChartInput<'_>) -> DrawResult<PlotArea> {
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or("no 2D context")?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE)?;
    let frame = Frame::of(input);
    let mut chart = ChartBuilder::on(&root)
        .margin(frame.px(10.0))
        .x_label_area_size(frame.px(34.0))
        .y_label_area_size(frame.px(54.0))
        .build_cartesian_2d(0f64..frame.minutes.max(1.0), 0f64..frame.top)?;
    frame.mesh(&mut chart)?;
    frame.limit_line(&mut chart)?;
    frame.curves(&mut chart)?;
    frame.seed_marks(&mut chart)?;
    frame.stop_line(&mut chart)?;
    frame.parting(&mut chart)?;
    frame.end_labels(&mut chart)?;
    let area = frame.area(&chart);
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .margin(frame.px(8.0))
        .label_font(frame.ink(12.0))
        .background_style(WHITE.mix(0.85))
        .border_style(color(palette::FAINT))
        .draw()?;
    root.present()?;
    Ok(area)
}

impl<'a> Frame<'a> {
    /// The ranges `input` is drawn in: up to the highest count of any run,
    /// limit or seed figure, with room above it.
    fn of(input: &'a ChartInput<'a>) -> Frame<'a> {
        let runs = input.runs;
        let analysis = runs.trace(input.panes[0]).analysis();
        let limit = analysis.limit;
        let top = Program::ALL
            .iter()
            .flat_map(|&p| runs.trace(p).samples())
            .map(|s| s.goroutines as f64)
            .chain(
                input
                    .seed
                    .iter()
                    .flat_map(|t| t.rows.iter().map(|r| r.1 as f64)),
            )
            .fold(limit, f64::max);
        Frame {
            input,
            minutes: f64::from(runs.scenario.minutes),
            initial: analysis.initial_goroutines as f64,
            limit,
            top: (top * 1.08).max(4.0),
        }
    }

    /// `v` CSS pixels in device pixels.
    fn px(&self, v: f64) -> i32 {
        (v * self.input.scale).round() as i32
    }

    /// The chart's font at `size` CSS pixels, in ink.
    fn ink(&self, size: f64) -> TextStyle<'static> {
        ("system-ui, sans-serif", size * self.input.scale)
            .into_font()
            .color(&color(palette::INK))
    }

    /// A thin line's width, device pixels.
    fn thin(&self) -> u32 {
        self.px(1.5).max(1) as u32
    }

    /// The axes, the grid and their labels.
    fn mesh(&self, chart: &mut Chart<'_>) -> DrawResult<()> {
        chart
            .configure_mesh()
            .light_line_style(color(palette::FAINT).mix(0.35))
            .bold_line_style(color(palette::FAINT).mix(0.8))
            .axis_style(color(palette::INK))
            .label_style(self.ink(12.0))
            .axis_desc_style(self.ink(12.0))
            .x_desc("virtual minutes")
            .y_desc("goroutines")
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&|m| format!("{m:.0}"))
            .y_label_formatter(&|g| crate::format::int(g.max(0.0).round() as u64))
            .draw()?;
        Ok(())
    }

    /// The seed's limit: the count at minute 0 plus 2 per minute.
    fn limit_line(&self, chart: &mut Chart<'_>) -> DrawResult<()> {
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, self.initial), (self.minutes, self.limit)],
                self.px(8.0),
                self.px(5.0),
                color(palette::LIMIT).stroke_width(self.thin()),
            ))?
            .label(format!(
                "limit: {} + 2/min",
                crate::format::int(self.initial.round() as u64)
            ))
            .legend(move |(x, y)| {
                PathElement::new(
                    vec![(x, y), (x + 18, y)],
                    color(palette::LIMIT).stroke_width(2),
                )
            });
        Ok(())
    }

    /// The programs not in a pane first, thin and dashed (flat lines that
    /// coincide stay apart); then the panes' two, bold, the right one with
    /// white dashes over it so the two stay apart in greyscale where they
    /// overlap.
    fn curves(&self, chart: &mut Chart<'_>) -> DrawResult<()> {
        let (input, runs, thin) = (self.input, self.input.runs, self.thin());
        let others = Program::ALL
            .into_iter()
            .filter(|p| !input.panes.contains(p));
        for p in others {
            let c = color(palette::program(p));
            chart
                .draw_series(DashedLineSeries::new(
                    points(runs.trace(p)),
                    self.px(7.0),
                    self.px(4.0),
                    c.stroke_width(thin + 1),
                ))?
                .label(p.name())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2))
                });
        }
        for (i, p) in input.panes.into_iter().enumerate().rev() {
            let c = color(palette::program(p));
            let curve = points(runs.trace(p));
            chart
                .draw_series(LineSeries::new(
                    curve.clone(),
                    c.stroke_width(self.px(3.0) as u32),
                ))?
                .label(format!(
                    "{p} ({} pane)",
                    if i == 0 { "left" } else { "right" }
                ))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(4))
                });
            if i == 1 {
                chart.draw_series(DashedLineSeries::new(
                    curve,
                    self.px(6.0),
                    self.px(4.0),
                    WHITE.stroke_width(thin),
                ))?;
            }
        }
        Ok(())
    }

    /// The seed's published figures, a cross each.
    fn seed_marks(&self, chart: &mut Chart<'_>) -> DrawResult<()> {
        let thin = self.thin();
        for table in &self.input.seed {
            let c = color(palette::program(table.program));
            let r = self.px(5.0);
            chart
                .draw_series(table.rows.iter().map(|&(m, g)| {
                    Cross::new((f64::from(m), g as f64), r, c.stroke_width(thin + 1))
                }))?
                .label(format!("seed's published {} figures", table.program))
                .legend(move |(x, y)| Cross::new((x + 9, y), 4, c.stroke_width(2)));
        }
        Ok(())
    }

    /// A dashed line where `Stop()` ran, if it did.
    fn stop_line(&self, chart: &mut Chart<'_>) -> DrawResult<()> {
        let Some(stop) = self.input.runs.scenario.stop_at else {
            return Ok(());
        };
        let (m, top) = (f64::from(stop), self.top);
        chart.draw_series(DashedLineSeries::new(
            [(m, 0.0), (m, top)],
            self.px(4.0),
            self.px(4.0),
            color(palette::INK).stroke_width(self.thin()),
        ))?;
        chart.draw_series(std::iter::once(Text::new(
            "Stop()".to_owned(),
            (m, top * 0.97),
            self.ink(12.0),
        )))?;
        Ok(())
    }

    /// A ring where the panes' curves part, if they do.
    fn parting(&self, chart: &mut Chart<'_>) -> DrawResult<()> {
        let runs = self.input.runs;
        let [a, b] = self.input.panes;
        let parted = runs
            .divergence(a, b)
            .map(|m| (m, a))
            .or_else(|| runs.divergence(b, a).map(|m| (m, b)));
        let Some((m, above)) = parted else {
            return Ok(());
        };
        let m = f64::from(m);
        let g = runs
            .trace(above)
            .samples()
            .get(m as usize)
            .map_or(self.initial, |s| s.goroutines as f64);
        let c = color(palette::DIVERGENCE);
        chart.draw_series(std::iter::once(Circle::new(
            (m, g),
            self.px(6.0),
            c.stroke_width(self.px(2.5) as u32),
        )))?;
        chart.draw_series(std::iter::once(Text::new(
            format!("{a} and {b} part here, at {}", Time::from_minutes(m as u64)),
            (m, g + self.top * 0.04),
            self.ink(12.0),
        )))?;
        Ok(())
    }

    /// Labels at the right end of the limit and of the panes' curves, so
    /// that lines close together (the limit and a flat count) can be told
    /// apart: the lowest under its line, the others above theirs.
    fn end_labels(&self, chart: &mut Chart<'_>) -> DrawResult<()> {
        let (minutes, top) = (self.minutes, self.top);
        let mut ends: Vec<(String, f64)> = vec![(
            format!("limit {}", crate::format::int(self.limit.round() as u64)),
            self.limit,
        )];
        for p in self.input.panes {
            if let Some(last) = self.input.runs.trace(p).samples().last() {
                ends.push((
                    format!("{p} {}", crate::format::int(last.goroutines)),
                    last.goroutines as f64,
                ));
            }
        }
        ends.sort_by(|x, y| x.1.total_cmp(&y.1));
        ends.dedup_by(|x, y| x.0 == y.0);
        for (i, (label, value)) in ends.into_iter().enumerate() {
            let v = if i == 0 { VPos::Top } else { VPos::Bottom };
            let y = if i == 0 {
                value - top * 0.01
            } else {
                value + top * 0.01
            };
            chart.draw_series(std::iter::once(Text::new(
                label,
                (minutes - minutes * 0.01, y),
                self.ink(12.0).pos(Pos::new(HPos::Right, v)),
            )))?;
        }
        Ok(())
    }

    /// Where the plot sits, and the legend's box: one row per program, the
    /// limit and each seed table.
    fn area(&self, chart: &Chart<'_>) -> PlotArea {
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let labels: Vec<usize> = Program::ALL
            .iter()
            .map(|p| p.name().len() + 12)
            .chain(std::iter::once(24))
            .chain(self.input.seed.iter().map(|_| 32))
            .collect();
        let widest = labels.iter().copied().max().unwrap_or(0) as f64;
        PlotArea {
            x: (xr.start, xr.end),
            y: (yr.start, yr.end),
            minutes: self.minutes.max(1.0),
            legend: (
                f64::from(self.px(7.0 * widest + 60.0)),
                f64::from(self.px(16.0 * labels.len() as f64 + 28.0)),
            ),
        }
    }
}

/// Draws the cursor at `at` on the overlay `canvas` (same size as the
/// chart's): the future veiled, a line at now.
///
/// # Errors
///
/// When the canvas has no 2D context.
pub fn draw_cursor(
    canvas: &HtmlCanvasElement,
    area: PlotArea,
    at: Time,
    scale: f64,
) -> Result<(), wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast;
    let ctx = canvas
        .get_context("2d")?
        .ok_or("no 2D context")?
        .dyn_into::<web_sys::CanvasRenderingContext2d>()?;
    let (w, h) = (f64::from(canvas.width()), f64::from(canvas.height()));
    ctx.clear_rect(0.0, 0.0, w, h);
    let (x0, x1) = (f64::from(area.x.0), f64::from(area.x.1));
    let (y0, y1) = (f64::from(area.y.0), f64::from(area.y.1));
    let x = x0 + (x1 - x0) * (at.minutes_f64() / area.minutes).clamp(0.0, 1.0);
    ctx.set_fill_style_str("rgba(255,255,255,0.6)");
    ctx.fill_rect(x, y0, x1 - x, y1 - y0);
    // The legend stays legible whatever the time.
    ctx.clear_rect(x0, y0, area.legend.0, area.legend.1);
    ctx.set_fill_style_str(&palette::INK.css());
    ctx.fill_rect(x - scale, y0, 2.0 * scale, y1 - y0);
    ctx.set_font(&format!("bold {}px system-ui, sans-serif", 12.0 * scale));
    let label = at.to_string();
    let right = x + 60.0 * scale < x1;
    ctx.set_text_align(if right { "left" } else { "right" });
    // At the foot of the plot: the curves' end labels sit at the top right,
    // where the cursor ends at the last minute (issue 18).
    ctx.set_text_baseline("bottom");
    let _ = ctx.fill_text(
        &label,
        if right {
            x + 4.0 * scale
        } else {
            x - 4.0 * scale
        },
        y1 - 3.0 * scale,
    );
    Ok(())
}
