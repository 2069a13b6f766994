//! A small static SVG chart of a few programs over a whole run, each line
//! labelled at its end: the story's first frames, readable with no
//! interaction (and in a screenshot).

use std::rc::Rc;

use leakscope_sim::Program;
use leakscope_sim::story::Measure;
use yew::prelude::*;

use crate::format;
use crate::palette;
use crate::spark::{self, Frame};
use crate::state::Runs;

/// Props of [`MiniChart`].
#[derive(Properties, PartialEq)]
pub struct MiniChartProps {
    /// The runs.
    pub runs: Rc<Runs>,
    /// The programs drawn, in drawing order (the last on top).
    pub programs: Vec<Program>,
    /// What is plotted.
    pub measure: Measure,
    /// The title above the chart.
    pub title: AttrValue,
}

const W: f64 = 360.0;
const H: f64 = 150.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 112.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 22.0;
/// The least gap between two end labels, in SVG units.
const LABEL_GAP: f64 = 12.0;

/// Moves the labels' heights apart so no two are closer than
/// [`LABEL_GAP`], keeping their order; `ys` sorted top to bottom.
fn spread(ys: &mut [f64]) {
    for i in 1..ys.len() {
        if ys[i] - ys[i - 1] < LABEL_GAP {
            ys[i] = ys[i - 1] + LABEL_GAP;
        }
    }
}

/// A static chart of `programs` over the whole run.
#[component]
pub fn MiniChart(p: &MiniChartProps) -> Html {
    let minutes = p.runs.scenario.minutes;
    let series: Vec<(Program, Vec<u64>)> = p
        .programs
        .iter()
        .map(|&prog| {
            let values = p
                .runs
                .trace(prog)
                .samples()
                .iter()
                .map(|s| p.measure.of(s))
                .collect();
            (prog, values)
        })
        .collect();
    let max = series
        .iter()
        .flat_map(|(_, v)| v)
        .copied()
        .max()
        .unwrap_or(0);
    let frame = Frame {
        width: W - LEFT - RIGHT,
        height: H - TOP - BOTTOM,
        x_max: f64::from(minutes.max(1)),
        y_max: spark::nice_ceiling(max as f64),
    };
    // End labels, top to bottom, pushed apart.
    let mut ends: Vec<(f64, Program, u64)> = series
        .iter()
        .map(|(prog, v)| {
            let last = v.last().copied().unwrap_or(0);
            (TOP + frame.y(last as f64), *prog, last)
        })
        .collect();
    ends.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut ys: Vec<f64> = ends.iter().map(|e| e.0).collect();
    spread(&mut ys);
    let summary = ends
        .iter()
        .map(|(_, prog, last)| format!("{prog} ends at {}", format::int(*last)))
        .collect::<Vec<_>>()
        .join(", ");
    let label = format!(
        "{}: {} over {minutes} minutes; {summary}.",
        p.title,
        p.measure.name()
    );
    let (x0, y0, x1, y1) = (LEFT, TOP, W - RIGHT, H - BOTTOM);
    html! {
        <figure class="mini">
            <figcaption>{ p.title.clone() }</figcaption>
            <svg class="minichart" viewBox={format!("0 0 {W} {H}")} role="img" aria-label={label}>
                <line class="axis" x1={x0.to_string()} y1={y1.to_string()} x2={x1.to_string()} y2={y1.to_string()} />
                <line class="axis" x1={x0.to_string()} y1={y0.to_string()} x2={x0.to_string()} y2={y1.to_string()} />
                <line class="grid" x1={x0.to_string()} y1={y0.to_string()} x2={x1.to_string()} y2={y0.to_string()} />
                <text class="tick" x={(x0 - 4.0).to_string()} y={(y0 + 4.0).to_string()} text-anchor="end">{ spark::short(frame.y_max) }</text>
                <text class="tick" x={(x0 - 4.0).to_string()} y={y1.to_string()} text-anchor="end">{ "0" }</text>
                <text class="tick" x={x0.to_string()} y={(y1 + 14.0).to_string()} text-anchor="start">{ "0:00" }</text>
                <text class="tick" x={x1.to_string()} y={(y1 + 14.0).to_string()} text-anchor="end">{ format::minute(minutes) }</text>
                <text class="tick" x={((x0 + x1) / 2.0).to_string()} y={(y1 + 14.0).to_string()} text-anchor="middle">{ p.measure.name() }</text>
                <g transform={format!("translate({x0} {y0})")}>
                    { for series.iter().map(|(prog, v)| html! {
                        <polyline points={spark::polyline(&spark::thin(v), &frame)}
                                  style={format!("stroke:{}", palette::program(*prog).css())}
                                  stroke-dasharray={palette::dashes(*prog)} />
                    }) }
                </g>
                { for ends.iter().zip(&ys).map(|((y_line, prog, last), y)| html! {
                    <>
                        <line class="leader" x1={(x1 + 1.0).to_string()} y1={format!("{y_line:.1}")}
                              x2={(x1 + 7.0).to_string()} y2={format!("{y:.1}")}
                              style={format!("stroke:{}", palette::program(*prog).css())} />
                        <text class="end" x={(x1 + 9.0).to_string()} y={format!("{:.1}", y + 3.5)}>
                            { format!("{prog} {}", spark::short(*last as f64)) }
                        </text>
                    </>
                }) }
            </svg>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_labels_are_pushed_apart_in_order() {
        let mut ys = [50.0, 50.0, 55.0, 100.0];
        spread(&mut ys);
        assert_eq!(ys, [50.0, 62.0, 74.0, 100.0]);
    }
}
