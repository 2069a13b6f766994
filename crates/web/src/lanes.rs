//! Per-container lanes and, for many containers, a heat strip: what each
//! goroutine of a container did over time, drawn on a canvas.
//!
//! A lane has three rows: the heartbeat (a continuous bar, until `Stop()`),
//! the rotation's reader (one bar per rotation, ending when it exits) and
//! the goroutines left behind: readers whose stream was never closed
//! (hatched, ✕ where each was abandoned) and timed waits' helpers blocked
//! in `Wait()` (cross-hatched, ◷ where each wait gave up). A `rotate()`
//! blocked in `Wait()` for good is cross-hatched with a ‖; a `Wait()` that
//! returns gets a ✓. Which goroutines are left behind, and until when, is
//! the core's answer ([`Trace::stuck_of`]).

use std::cell::RefCell;

use leakscope_sim::{ContainerRecord, Outcome, Role, Stuck, Time, Trace};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasPattern, CanvasRenderingContext2d, HtmlCanvasElement};

use crate::palette::{self, Rgb};

/// Height of one lane, CSS pixels: room under the reader bar for the
/// readers left behind to stack.
pub const LANE_HEIGHT: f64 = 44.0;
/// Width of the label column, CSS pixels.
pub const GUTTER: f64 = 44.0;
/// Room right of the plot, CSS pixels: the last tick's label and a mark at
/// the run's end fit whole (issue 18: they were clipped).
pub const RIGHT: f64 = 20.0;
/// Height of the time axis, CSS pixels.
pub const AXIS: f64 = 20.0;
/// CSS pixels per container row of the heat strip: a row a reader can see
/// and click (issue 18).
pub const HEAT_ROW: f64 = 8.0;

/// Height of the heat strip for `rows` containers, CSS pixels: [`HEAT_ROW`]
/// a row, at least 110; a strip taller than its box scrolls (`.heat-scroll`).
pub fn heat_height(rows: u32) -> f64 {
    (f64::from(rows) * HEAT_ROW).max(110.0)
}

/// What to draw.
pub struct LanesInput<'a> {
    /// The run.
    pub trace: &'a Trace,
    /// The cursor: everything after it is not drawn yet.
    pub at: Time,
    /// The first container shown.
    pub first: u32,
    /// How many lanes.
    pub count: u32,
    /// The selected container, highlighted.
    pub selected: Option<u32>,
    /// Device pixels per CSS pixel.
    pub scale: f64,
    /// Width in CSS pixels.
    pub width: f64,
}

fn context(canvas: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, JsValue> {
    canvas
        .get_context("2d")?
        .ok_or_else(|| JsValue::from_str("no 2D context"))?
        .dyn_into::<CanvasRenderingContext2d>()
        .map_err(|_| JsValue::from_str("not a 2D context"))
}

/// Sizes `canvas` to `width` × `height` CSS pixels at `scale`, only when it
/// changed (resizing clears it and costs an allocation).
pub fn size_canvas(canvas: &HtmlCanvasElement, width: f64, height: f64, scale: f64) {
    let (w, h) = (
        (width * scale).round() as u32,
        (height * scale).round() as u32,
    );
    if canvas.width() != w {
        canvas.set_width(w);
    }
    if canvas.height() != h {
        canvas.set_height(h);
    }
}

thread_local! {
    static PATTERNS: RefCell<Option<(CanvasPattern, CanvasPattern)>> = const { RefCell::new(None) };
}

/// A small tile with diagonal stripes (`cross` adds the other diagonal).
fn pattern(
    ctx: &CanvasRenderingContext2d,
    ink: Rgb,
    cross: bool,
) -> Result<CanvasPattern, JsValue> {
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let tile: HtmlCanvasElement = doc.create_element("canvas")?.dyn_into()?;
    tile.set_width(8);
    tile.set_height(8);
    let t = context(&tile)?;
    t.set_fill_style_str(&ink.alpha(0.25));
    t.fill_rect(0.0, 0.0, 8.0, 8.0);
    t.set_stroke_style_str(&ink.css());
    t.set_line_width(2.0);
    t.begin_path();
    t.move_to(-2.0, 10.0);
    t.line_to(10.0, -2.0);
    t.move_to(-2.0, 2.0);
    t.line_to(2.0, -2.0);
    t.move_to(6.0, 10.0);
    t.line_to(10.0, 6.0);
    if cross {
        t.move_to(-2.0, -2.0);
        t.line_to(10.0, 10.0);
    }
    t.stroke();
    ctx.create_pattern_with_html_canvas_element(&tile, "repeat")?
        .ok_or_else(|| JsValue::from_str("no pattern"))
}

fn patterns(ctx: &CanvasRenderingContext2d) -> Result<(CanvasPattern, CanvasPattern), JsValue> {
    PATTERNS.with(|p| {
        if let Some(pair) = p.borrow().as_ref() {
            return Ok(pair.clone());
        }
        let pair = (
            pattern(ctx, palette::LEFT_BEHIND, false)?,
            pattern(ctx, palette::BLOCKED, true)?,
        );
        *p.borrow_mut() = Some(pair.clone());
        Ok(pair)
    })
}

/// A step for time-axis ticks that gives at most about `max_ticks` labels.
pub fn tick_step(minutes: u32, max_ticks: u32) -> u32 {
    const STEPS: [u32; 12] = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];
    STEPS
        .into_iter()
        .find(|s| minutes / s <= max_ticks.max(1))
        .unwrap_or(2880)
}

/// Draws lanes `first .. first + count` of `input.trace` up to `input.at`.
///
/// # Errors
///
/// When the canvas has no 2D context.
pub fn draw_lanes(canvas: &HtmlCanvasElement, input: &LanesInput<'_>) -> Result<(), JsValue> {
    let height = f64::from(input.count) * LANE_HEIGHT + AXIS;
    size_canvas(canvas, input.width, height, input.scale);
    let ctx = context(canvas)?;
    let (left_behind, blocked) = patterns(&ctx)?;
    ctx.set_transform(input.scale, 0.0, 0.0, input.scale, 0.0, 0.0)?;
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, input.width, height);

    let trace = input.trace;
    let plot = (input.width - GUTTER - RIGHT).max(10.0);
    let mut lanes = Lanes {
        ctx,
        input,
        left_behind,
        blocked,
        plot,
        end: trace.end().as_millis().max(1) as f64,
        x_now: 0.0,
        icon_room: plot / (trace.scenario().rotations_per_container().max(1) as f64) >= 10.0,
        stop: trace.scenario().stop(),
    };
    lanes.x_now = lanes.x(input.at);

    lanes.ctx.set_text_baseline("middle");
    for lane in 0..input.count {
        let c = input.first + lane;
        let Some(record) = trace.containers().get(c as usize) else {
            break;
        };
        lanes.lane(lane, record, &trace.stuck_of(c).unwrap_or_default());
    }
    let lanes_h = f64::from(input.count) * LANE_HEIGHT;
    if let Some(t) = lanes.stop.filter(|&t| t <= input.at) {
        stop_mark(&lanes.ctx, lanes.x(t), lanes_h);
    }
    axis(&lanes.ctx, trace, lanes_h, plot, input.width);
    cursor(&lanes.ctx, lanes.x_now, lanes_h);
    Ok(())
}

/// What every lane is drawn with: the canvas, the time scale, the
/// patterns.
struct Lanes<'a> {
    ctx: CanvasRenderingContext2d,
    input: &'a LanesInput<'a>,
    /// The hatch of a reader left behind.
    left_behind: CanvasPattern,
    /// The cross-hatch of a goroutine blocked in `Wait()`.
    blocked: CanvasPattern,
    /// The plot's width, CSS pixels.
    plot: f64,
    /// The run's end, milliseconds (at least 1).
    end: f64,
    /// Where the cursor is.
    x_now: f64,
    /// Whether a rotation is wide enough for its icons.
    icon_room: bool,
    /// When `Stop()` runs, if it does.
    stop: Option<Time>,
}

/// Where a lane's rows sit: the reader bar (`ry`, `rh`) and the band of
/// what is left behind under it (`ly`, `lh`).
#[derive(Clone, Copy)]
struct Rows {
    y0: f64,
    ry: f64,
    rh: f64,
    ly: f64,
    lh: f64,
}

impl Lanes<'_> {
    /// The x of `t`.
    fn x(&self, t: Time) -> f64 {
        GUTTER + self.plot * (t.as_millis() as f64 / self.end)
    }

    /// One container's lane: its label, heartbeat, readers, what they left
    /// behind (`stuck`, the core's answer) and how many are left now.
    fn lane(&self, lane: u32, record: &ContainerRecord, stuck: &[Stuck]) {
        let (ctx, input) = (&self.ctx, self.input);
        let now = input.at;
        let c = input.first + lane;
        let y0 = f64::from(lane) * LANE_HEIGHT;
        if input.selected == Some(c) {
            ctx.set_fill_style_str("#fff4c2");
            ctx.fill_rect(0.0, y0, input.width, LANE_HEIGHT);
            ctx.set_fill_style_str(&palette::INK.css());
            ctx.fill_rect(0.0, y0, 3.0, LANE_HEIGHT);
        }
        ctx.set_fill_style_str(&palette::INK.css());
        ctx.set_font("12px system-ui, sans-serif");
        ctx.set_text_align("left");
        let _ = ctx.fill_text(&format!("c{c}"), 8.0, y0 + LANE_HEIGHT / 2.0);

        // Heartbeat: one goroutine for the whole life of the container,
        // until Stop() cancels it.
        let x_beat = self
            .stop
            .filter(|&t| t <= now)
            .map_or(self.x_now, |t| self.x(t));
        ctx.set_fill_style_str(&palette::HEARTBEAT.css());
        ctx.fill_rect(GUTTER, y0 + 3.0, x_beat - GUTTER, 3.0);

        let rows = Rows {
            y0,
            ry: y0 + 9.0,
            rh: 9.0,
            ly: y0 + 21.0,
            lh: 6.0,
        };
        self.readers(record, rows);
        let (readers, helpers) = self.left_behind(stuck, rows);
        if readers + helpers > 0 {
            self.count_label(readers, helpers, rows);
        }
        ctx.set_fill_style_str(&palette::FAINT.css());
        ctx.fill_rect(GUTTER, y0 + LANE_HEIGHT - 0.5, self.plot, 0.5);
    }

    /// A small mark at `at`, when the rotations leave room for it.
    fn icon(&self, text: &str, at: f64, y: f64, ink: Rgb) {
        if self.icon_room {
            self.ctx.set_fill_style_str(&ink.css());
            self.ctx.set_font("bold 10px system-ui, sans-serif");
            self.ctx.set_text_align("center");
            let _ = self.ctx.fill_text(text, at, y);
        }
    }

    /// One bar per rotation's reader, up to the cursor, and a ✓ where its
    /// Wait() returned; what is left behind is drawn by
    /// [`Lanes::left_behind`].
    fn readers(&self, record: &ContainerRecord, rows: Rows) {
        let now = self.input.at;
        for r in record.rotations() {
            if r.start() > now {
                break;
            }
            let x0 = self.x(r.start());
            let due = r.end().filter(|&e| e <= now);
            let x1 = due.map_or(self.x_now, |e| self.x(e));
            self.ctx.set_fill_style_str(&palette::READER.css());
            self.ctx
                .fill_rect(x0, rows.ry, (x1 - x0 - 1.0).max(1.0), rows.rh);
            if let (Some(e), Outcome::Closed) = (due, r.outcome()) {
                self.icon("✓", self.x(e), rows.ly + rows.lh / 2.0, palette::RETURNED);
            }
        }
    }

    /// What is left behind, as the core says: bands up to the cursor or to
    /// when Stop() released them. Returns how many readers and helpers are
    /// still left at the cursor.
    fn left_behind(&self, stuck: &[Stuck], rows: Rows) -> (u32, u32) {
        let (ctx, now) = (&self.ctx, self.input.at);
        let Rows { y0, ry, rh, ly, lh } = rows;
        // Readers (and helpers) left behind stack (issue 10, point 3): each
        // one its own hatched layer under the last, so the band thickens as
        // they pile up; the layers share the room under the reader bar.
        let room = LANE_HEIGHT - 21.0 - 3.0;
        let piled = stuck
            .iter()
            .filter(|g| matches!(g.role, Role::Reader | Role::Helper))
            .count()
            .max(1);
        let layer = (room / piled as f64).clamp(1.5, lh);
        let mut depth = 0.0_f64;
        let (mut readers, mut helpers) = (0u32, 0u32);
        for g in stuck {
            if g.from > now {
                continue;
            }
            let (xs, xe) = (
                self.x(g.from),
                g.until
                    .filter(|&u| u <= now)
                    .map_or(self.x_now, |u| self.x(u)),
            );
            let alive = g.until.is_none_or(|u| now < u);
            match g.role {
                Role::Waiter => {
                    ctx.set_fill_style_canvas_pattern(&self.blocked);
                    ctx.fill_rect(xs, ry, (xe - xs).max(1.0), rh);
                    ctx.set_stroke_style_str(&palette::BLOCKED.css());
                    ctx.set_line_width(1.0);
                    ctx.stroke_rect(xs, ry, (xe - xs).max(1.0), rh);
                    ctx.set_fill_style_str(&palette::INK.css());
                    ctx.set_font("bold 11px system-ui, sans-serif");
                    ctx.set_text_align("left");
                    let _ = ctx.fill_text("‖ Wait()", xs + 3.0, ry + rh / 2.0);
                }
                Role::Reader | Role::Helper => {
                    let y = (ly + depth).min(y0 + LANE_HEIGHT - 3.0 - layer);
                    depth += layer;
                    let (pattern, mark) = if g.role == Role::Reader {
                        readers += u32::from(alive);
                        (&self.left_behind, "✕")
                    } else {
                        helpers += u32::from(alive);
                        (&self.blocked, "◷")
                    };
                    ctx.set_fill_style_canvas_pattern(pattern);
                    ctx.fill_rect(xs, y, (xe - xs).max(1.0), layer);
                    if layer >= 2.5 {
                        // a hairline between layers keeps them countable
                        ctx.set_fill_style_str("rgba(255,255,255,0.9)");
                        ctx.fill_rect(xs, y + layer - 0.5, (xe - xs).max(1.0), 0.5);
                    }
                    self.icon(mark, xs, ly + lh / 2.0, palette::INK);
                }
                _ => {}
            }
        }
        (readers, helpers)
    }

    /// How many are left behind now, at the cursor.
    fn count_label(&self, readers: u32, helpers: u32, rows: Rows) {
        let (ctx, x_now) = (&self.ctx, self.x_now);
        let Rows { ly, lh, .. } = rows;
        let label = match (readers, helpers) {
            (r, 0) => format!("✕{r}"),
            (0, h) => format!("◷{h}"),
            (r, h) => format!("✕{r} ◷{h}"),
        };
        ctx.set_font("bold 10px system-ui, sans-serif");
        ctx.set_text_align("left");
        let w = ctx.measure_text(&label).map_or(18.0, |m| m.width()) + 4.0;
        let lx = if x_now + w + 2.0 < self.input.width {
            x_now + 2.0
        } else {
            x_now - w - 2.0
        };
        ctx.set_fill_style_str("rgba(255,255,255,0.9)");
        ctx.fill_rect(lx, ly - 2.0, w, lh + 4.0);
        ctx.set_fill_style_str(&palette::LEFT_BEHIND.css());
        let _ = ctx.fill_text(&label, lx + 2.0, ly + lh / 2.0);
    }
}

fn axis(ctx: &CanvasRenderingContext2d, trace: &Trace, y: f64, plot: f64, width: f64) {
    let minutes = trace.scenario().minutes;
    let step = tick_step(minutes, (plot / 70.0) as u32);
    ctx.set_fill_style_str(&palette::INK.css());
    ctx.set_font("11px system-ui, sans-serif");
    ctx.set_text_align("center");
    ctx.set_text_baseline("top");
    let mut m = 0;
    while m <= minutes {
        let xm = GUTTER + plot * f64::from(m) / f64::from(minutes.max(1));
        ctx.fill_rect(xm, y, 1.0, 4.0);
        if xm + 12.0 < width {
            let _ = ctx.fill_text(&crate::format::axis_minute(m, minutes), xm, y + 5.0);
        }
        m += step;
    }
    ctx.set_text_baseline("middle");
}

/// A dashed line where `Stop()` ran.
fn stop_mark(ctx: &CanvasRenderingContext2d, x: f64, height: f64) {
    ctx.set_stroke_style_str(&palette::INK.css());
    ctx.set_line_width(1.0);
    let dash = js_sys::Array::of2(&JsValue::from_f64(3.0), &JsValue::from_f64(3.0));
    let _ = ctx.set_line_dash(&dash);
    ctx.begin_path();
    ctx.move_to(x, 0.0);
    ctx.line_to(x, height);
    ctx.stroke();
    let _ = ctx.set_line_dash(&js_sys::Array::new());
    ctx.set_fill_style_str(&palette::INK.css());
    ctx.set_font("bold 10px system-ui, sans-serif");
    ctx.set_text_align("right");
    ctx.set_text_baseline("top");
    let _ = ctx.fill_text("Stop()", x - 2.0, 1.0);
    ctx.set_text_baseline("middle");
}

fn cursor(ctx: &CanvasRenderingContext2d, x: f64, height: f64) {
    ctx.set_fill_style_str(&palette::INK.css());
    ctx.fill_rect(x - 0.75, 0.0, 1.5, height);
}

/// A heat map of goroutines left behind (readers whose stream was never
/// closed, timed waits' helpers): one row per container, one column per
/// time bin; built once per run.
pub struct Heat {
    /// Rows (containers).
    pub rows: u32,
    /// Columns (time bins).
    pub cols: u32,
    /// RGBA pixels, row-major.
    pub rgba: Vec<u8>,
    /// The most left behind by one container at once.
    pub max: u32,
}

/// The colour of `v` goroutines left behind out of `max` (white to vermillion
/// to dark brown: lightness carries the value, not hue alone).
fn ramp(v: u32, max: u32) -> [u8; 4] {
    if v == 0 {
        return [0xee, 0xf3, 0xf8, 0xff];
    }
    let f = f64::from(v) / f64::from(max.max(1));
    let stops = [
        (0.0, [0xfd, 0xd4, 0x9e]),
        (0.5, [0xd5, 0x5e, 0x00]),
        (1.0, [0x4a, 0x1a, 0x00]),
    ];
    let (a, b) = if f <= 0.5 {
        (stops[0], stops[1])
    } else {
        (stops[1], stops[2])
    };
    let k = ((f - a.0) / (b.0 - a.0)).clamp(0.0, 1.0);
    let mix = |i: usize| (f64::from(a.1[i]) + (f64::from(b.1[i]) - f64::from(a.1[i])) * k) as u8;
    [mix(0), mix(1), mix(2), 0xff]
}

impl Heat {
    /// Builds the heat map of `trace`, `cols` time bins wide.
    pub fn of(trace: &Trace, cols: u32) -> Heat {
        let rows = trace.containers().len() as u32;
        let cols = cols.max(1);
        let end = trace.end().as_millis().max(1);
        let col_of =
            |t: Time| ((t.as_millis() * u64::from(cols)) / end).min(u64::from(cols) - 1) as usize;
        let mut counts = vec![0u32; (rows * cols) as usize];
        let mut stalled = vec![(usize::MAX, usize::MAX); rows as usize];
        for (i, row) in counts.chunks_mut(cols as usize).enumerate() {
            let mut delta = vec![0i64; cols as usize + 1];
            for g in trace.stuck_of(i as u32).unwrap_or_default() {
                let until = g.until.map_or(cols as usize, col_of);
                match g.role {
                    Role::Reader | Role::Helper => {
                        delta[col_of(g.from)] += 1;
                        delta[until] -= 1;
                    }
                    Role::Waiter => stalled[i] = (col_of(g.from), until),
                    _ => {}
                }
            }
            let mut run = 0i64;
            for (v, d) in row.iter_mut().zip(&delta) {
                run += d;
                *v = run.max(0) as u32;
            }
        }
        let max = counts.iter().copied().max().unwrap_or(0);
        let mut rgba = Vec::with_capacity(counts.len() * 4);
        for (i, v) in counts.iter().enumerate() {
            let (row, col) = (i / cols as usize, (i % cols as usize) as u32);
            let (from, until) = stalled[row];
            let col_stalled = (col as usize) >= from && (col as usize) < until;
            let px = if col_stalled && (col + row as u32).is_multiple_of(3) {
                // Stalled: purple dashes over the value, so it reads without colour.
                [0x7a, 0x2e, 0x5c, 0xff]
            } else {
                ramp(*v, max)
            };
            rgba.extend_from_slice(&px);
        }
        Heat {
            rows,
            cols,
            rgba,
            max,
        }
    }

    /// The heat map as a canvas of `cols` × `rows` pixels.
    ///
    /// # Errors
    ///
    /// When the canvas cannot be created.
    pub fn to_canvas(&self) -> Result<HtmlCanvasElement, JsValue> {
        let doc = web_sys::window()
            .and_then(|w| w.document())
            .ok_or_else(|| JsValue::from_str("no document"))?;
        let canvas: HtmlCanvasElement = doc.create_element("canvas")?.dyn_into()?;
        canvas.set_width(self.cols);
        canvas.set_height(self.rows);
        let data = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
            wasm_bindgen::Clamped(&self.rgba),
            self.cols,
            self.rows,
        )?;
        context(&canvas)?.put_image_data(&data, 0.0, 0.0)?;
        Ok(canvas)
    }
}

/// Draws the heat strip of `trace` on `canvas`: one row per container
/// ([`HEAT_ROW`] px), the selected one outlined, and the time axis. Its
/// cursor and the veil over what is still to come are drawn apart
/// ([`draw_heat_cursor`]), so playing redraws only those.
///
/// # Errors
///
/// When the canvas has no 2D context.
pub fn draw_heat(
    canvas: &HtmlCanvasElement,
    image: &HtmlCanvasElement,
    trace: &Trace,
    selected: u32,
    width: f64,
    scale: f64,
) -> Result<(), JsValue> {
    let rows = f64::from(trace.scenario().containers.max(1));
    let heat_h = heat_height(trace.scenario().containers.max(1));
    let height = heat_h + AXIS;
    size_canvas(canvas, width, height, scale);
    let ctx = context(canvas)?;
    ctx.set_transform(scale, 0.0, 0.0, scale, 0.0, 0.0)?;
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, width, height);
    let plot = (width - GUTTER - RIGHT).max(10.0);
    ctx.set_image_smoothing_enabled(false);
    ctx.draw_image_with_html_canvas_element_and_dw_and_dh(image, GUTTER, 0.0, plot, heat_h)?;
    let row_h = heat_h / rows;
    let y = f64::from(selected) * row_h;
    ctx.set_stroke_style_str(&palette::INK.css());
    ctx.set_line_width(1.0);
    ctx.stroke_rect(GUTTER - 0.5, y - 0.5, plot + 1.0, row_h.max(1.0) + 1.0);
    ctx.set_fill_style_str(&palette::INK.css());
    ctx.set_font("11px system-ui, sans-serif");
    ctx.set_text_align("left");
    ctx.set_text_baseline("top");
    let _ = ctx.fill_text("c0", 8.0, 0.0);
    ctx.set_text_baseline("bottom");
    let _ = ctx.fill_text(&format!("c{}", rows as u32 - 1), 8.0, heat_h);
    ctx.set_text_baseline("middle");
    let _ = ctx.fill_text("▶", 32.0, y + row_h / 2.0);
    axis(&ctx, trace, heat_h, plot, width);
    Ok(())
}

/// Draws the heat strip's cursor at `at` on `overlay` (laid over the strip,
/// same size): the veil over what is still to come and the line at now.
///
/// # Errors
///
/// When the canvas has no 2D context.
pub fn draw_heat_cursor(
    overlay: &HtmlCanvasElement,
    trace: &Trace,
    at: Time,
    width: f64,
    scale: f64,
) -> Result<(), JsValue> {
    let heat_h = heat_height(trace.scenario().containers.max(1));
    size_canvas(overlay, width, heat_h + AXIS, scale);
    let ctx = context(overlay)?;
    ctx.set_transform(scale, 0.0, 0.0, scale, 0.0, 0.0)?;
    ctx.clear_rect(0.0, 0.0, width, heat_h + AXIS);
    let plot = (width - GUTTER - RIGHT).max(10.0);
    let end = trace.end().as_millis().max(1) as f64;
    let x_now = GUTTER + plot * (at.as_millis() as f64 / end);
    ctx.set_fill_style_str("rgba(255,255,255,0.78)");
    ctx.fill_rect(x_now, 0.0, GUTTER + plot - x_now, heat_h);
    cursor(&ctx, x_now, heat_h);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use leakscope_sim::{Preset, Program, simulate};

    #[test]
    fn every_container_gets_a_heat_row_of_eight_pixels() {
        // issue 10, point 8: 55 rows of 2 px hid the stalled containers;
        // issue 18: 4 px rows were too small a target to click.
        assert_eq!(heat_height(55), 440.0);
        assert_eq!(heat_height(8), 110.0);
        assert_eq!(heat_height(500), 4_000.0);
    }

    #[test]
    fn ticks_fit_the_width() {
        assert_eq!(tick_step(58, 8), 10);
        assert_eq!(tick_step(10, 8), 2);
        assert_eq!(tick_step(1440, 8), 180);
    }

    #[test]
    fn the_heat_map_counts_goroutines_left_behind_by_each_column() {
        let trace = simulate(&Preset::Fase6.scenario(), Program::BUGGY).unwrap();
        let heat = Heat::of(&trace, 58);
        assert_eq!(heat.rgba.len(), 55 * 58 * 4);
        let most = trace
            .containers()
            .iter()
            .map(|c| {
                c.rotations()
                    .iter()
                    .filter(|r| r.outcome() == Outcome::Abandoned)
                    .count() as u32
            })
            .max()
            .unwrap();
        assert_eq!(heat.max, most);
        let fixed = simulate(&Preset::Fase6.scenario(), Program::FIXED).unwrap();
        assert_eq!(Heat::of(&fixed, 58).max, 0);
        // One helper per rotation: 11 by minute 58.
        let helpers = simulate(&Preset::Fase6.scenario(), Program::WAIT_TIMEOUT).unwrap();
        assert_eq!(Heat::of(&helpers, 58).max, 11);
    }
}
