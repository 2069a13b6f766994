//! `?bench=1`: measures the page's budgets in the browser it runs in and
//! writes them into the DOM (`data-testid="bench"`), so a test can read them.
//!
//! 1. First render: milliseconds from navigation start to the first effect
//!    of the page (download, compile, first render).
//! 2. Re-simulation: every program of FASE 6 (median of 5 runs), and of
//!    500 containers × 24 hours (median of 3).
//! 3. Frames: the page plays 200 containers at 5 virtual minutes per second
//!    for 4 seconds; a frame is the time from a timer tick to the end of the
//!    render (canvases included) it caused. The p95 is reported.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use leakscope_sim::{Param, Preset, Scenario};
use yew::prelude::*;

use crate::app::toggle;
use crate::dom;
use crate::format::dec;
use crate::state::{Action, AppState, Runs, Speed, timed};

/// Budgets from the issue, milliseconds.
pub const BUDGET_FIRST_RENDER: f64 = 1_000.0;
/// Re-simulating FASE 6.
pub const BUDGET_RESIM_FASE6: f64 = 16.0;
/// Re-simulating 500 containers × 24 h.
pub const BUDGET_RESIM_LARGE: f64 = 100.0;
/// p95 frame time while playing 200 containers.
pub const BUDGET_FRAME_P95: f64 = 8.0;

/// Frame timing: a tick opens a frame, the render it causes closes it.
#[derive(Default)]
pub struct Probe {
    open: Option<f64>,
    recording: bool,
    frames: Vec<f64>,
}

impl Probe {
    /// A timer tick at `now`.
    pub fn tick_started(&mut self, now: f64) {
        self.open = Some(now);
    }

    /// A render finished at `now`.
    pub fn frame_done(&mut self, now: f64) {
        if let Some(start) = self.open.take()
            && self.recording
        {
            self.frames.push(now - start);
        }
    }
}

/// The measurements.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchResult {
    /// Navigation start to first render, ms.
    pub first_render_ms: f64,
    /// FASE 6, every program, median of 5, ms.
    pub resim_fase6_ms: f64,
    /// 500 containers × 24 h, every program, median of 3, ms.
    pub resim_large_ms: f64,
    /// p95 of frame times, ms.
    pub frame_p95_ms: f64,
    /// Frames measured.
    pub frames: usize,
}

/// The `q` quantile of `xs` (nearest rank).
pub fn quantile(xs: &[f64], q: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// Runs the measurements, driving the page through `dispatcher`.
pub async fn run_bench(
    dispatcher: UseReducerDispatcher<AppState>,
    probe: Rc<RefCell<Probe>>,
    out: UseStateHandle<Option<BenchResult>>,
) {
    let first_render_ms = dom::now_ms();
    let fase6 = Preset::Fase6.scenario();
    let mut runs: Vec<f64> = (0..5).map(|_| timed(|| Runs::new(&fase6)).1).collect();
    runs.sort_by(|a, b| a.total_cmp(b));
    let resim_fase6_ms = runs[runs.len() / 2];
    let large = Scenario {
        containers: 500,
        minutes: 24 * 60,
        ..fase6
    };
    let mut runs: Vec<f64> = (0..3).map(|_| timed(|| Runs::new(&large)).1).collect();
    runs.sort_by(|a, b| a.total_cmp(b));
    let resim_large_ms = runs[runs.len() / 2];

    dispatcher.dispatch(Action::SetPreset(Preset::Fase6));
    dispatcher.dispatch(Action::SetParam(Param::Containers, "200".into()));
    dispatcher.dispatch(Action::SetSpeed(Speed::FiveMinutes));
    dispatcher.dispatch(Action::Reset);
    yew::platform::time::sleep(Duration::from_millis(300)).await;
    {
        let mut p = probe.borrow_mut();
        p.frames.clear();
        p.recording = true;
    }
    toggle(&dispatcher, &probe, false);
    yew::platform::time::sleep(Duration::from_secs(4)).await;
    toggle(&dispatcher, &probe, true);
    let frames = {
        let mut p = probe.borrow_mut();
        p.recording = false;
        std::mem::take(&mut p.frames)
    };
    out.set(Some(BenchResult {
        first_render_ms,
        resim_fase6_ms,
        resim_large_ms,
        frame_p95_ms: quantile(&frames, 0.95),
        frames: frames.len(),
    }));
}

/// Props of [`BenchView`].
#[derive(Properties, PartialEq)]
pub struct BenchProps {
    /// The measurements, once done.
    pub result: Option<BenchResult>,
}

/// The measurements, as `key=value` lines a test can parse.
#[component]
pub fn BenchView(p: &BenchProps) -> Html {
    let Some(r) = &p.result else {
        return html! {
            <section class="bench"><h2>{ "Benchmark" }</h2>
                <pre data-testid="bench" data-done="false">{ "running…" }</pre></section>
        };
    };
    let line = |key: &str, v: f64, budget: f64| {
        format!(
            "{key}={} budget={} {}\n",
            dec(v, 2),
            dec(budget, 0),
            if v <= budget { "ok" } else { "OVER" }
        )
    };
    let text = [
        line("first_render_ms", r.first_render_ms, BUDGET_FIRST_RENDER),
        line("resim_fase6_ms", r.resim_fase6_ms, BUDGET_RESIM_FASE6),
        line("resim_500x24h_ms", r.resim_large_ms, BUDGET_RESIM_LARGE),
        line("frame_p95_ms", r.frame_p95_ms, BUDGET_FRAME_P95),
        format!("frames={}\n", r.frames),
    ]
    .concat();
    html! {
        <section class="bench"><h2>{ "Benchmark" }</h2>
            <pre data-testid="bench" data-done="true">{ text }</pre></section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_p95_is_the_nearest_rank() {
        let xs: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&xs, 0.95), 95.0);
        assert_eq!(quantile(&[3.0], 0.95), 3.0);
        assert!(quantile(&[], 0.95).is_nan());
    }
}
