//! The `chart` picture: goroutines per minute for both programs, the seed's
//! limit line and, for an unchanged preset, the seed's published points; or
//! a recorded real run's census per rotation period over the simulation of
//! the same schedule (`chart --from`).
//!
//! Text is laid out with a font compiled into the binary (DejaVu Sans through
//! plotters' `ab_glyph` feature), so drawing a PNG needs no fontconfig or
//! FreeType on the machine.

use std::path::Path;
use std::sync::OnceLock;

use anyhow::anyhow;
use leakscope_sim::recorded::{PeriodCensus, RecordedRun, census_instant};
use leakscope_sim::{GROWTH_LIMIT_PER_MIN, Program, Trace, seed};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::config::ScenarioConfig;
use crate::table::scenario_line;

/// The family every text style asks for, plotters' default included.
const FONT: &str = "sans-serif";

/// Registers the embedded font once per process.
fn font() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(anyhow!("the embedded chart font could not be loaded"))
    }
}

/// One colour per program, by its place in [`Program::ALL`]: the bug red,
/// the fix blue, the fixes people try in between (colour-blind safe).
const PALETTE: [RGBColor; 6] = [
    RGBColor(200, 40, 40),
    RGBColor(213, 94, 0),
    RGBColor(140, 60, 160),
    RGBColor(30, 100, 200),
    RGBColor(0, 140, 110),
    RGBColor(90, 90, 90),
];

fn colour(program: Program) -> RGBColor {
    if program == Program::FIXED {
        return PALETTE[3];
    }
    PALETTE[program.index() % PALETTE.len()]
}

/// One program's line.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The program.
    pub program: Program,
    /// Its legend entry.
    pub label: String,
    /// (x, goroutines).
    pub points: Vec<(f64, f64)>,
}

/// Points drawn as circles: counts published or measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Marks {
    /// Whose colour they take.
    pub program: Program,
    /// Their legend entry.
    pub label: String,
    /// (x, goroutines).
    pub points: Vec<(f64, f64)>,
}

/// What the picture shows, gathered from the traces.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    /// The title.
    pub title: String,
    /// A subtitle naming every parameter.
    pub subtitle: String,
    /// The axes' names.
    pub x_desc: &'static str,
    /// See `x_desc`.
    pub y_desc: &'static str,
    /// The x axis's end.
    pub x_max: f64,
    /// One line per program run.
    pub series: Vec<Series>,
    /// The count at minute 0, where the seed's limit line starts; `None`:
    /// no limit line (a recorded run, in seconds).
    pub initial: Option<f64>,
    /// The seed's published (minute, goroutines) per program it measured,
    /// when the scenario is an unchanged preset; a recorded run's census.
    pub marks: Vec<Marks>,
}

impl ChartData {
    /// The picture's content for `traces` of `config`.
    pub fn new(config: &ScenarioConfig, traces: &[Trace]) -> ChartData {
        let series = traces
            .iter()
            .map(|t| {
                let a = t.analysis();
                let label = format!(
                    "{} ({}, {:.2}/min, final {})",
                    t.program(),
                    a.verdict,
                    a.growth_per_min,
                    a.final_goroutines
                );
                let points = t
                    .samples()
                    .iter()
                    .map(|s| (f64::from(s.minute), s.goroutines as f64))
                    .collect();
                Series {
                    program: t.program(),
                    label,
                    points,
                }
            })
            .collect();
        let published = if config.is_preset() {
            traces
                .iter()
                .filter_map(|t| {
                    let table = seed::table(config.preset, t.program())?;
                    let points = table
                        .rows
                        .iter()
                        .map(|&(m, g)| (f64::from(m), g as f64))
                        .collect();
                    Some(Marks {
                        program: t.program(),
                        label: format!("{}: the seed's published counts", t.program()),
                        points,
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        ChartData {
            title: "Goroutines per minute, per program: one shared WaitGroup vs one per lifecycle"
                .into(),
            subtitle: scenario_line(config.name(), &config.scenario),
            x_desc: "minute",
            y_desc: "goroutines",
            x_max: f64::from(config.scenario.minutes),
            series,
            initial: Some(
                traces
                    .first()
                    .map_or(0.0, |t| t.analysis().initial_goroutines as f64),
            ),
            marks: published,
        }
    }

    /// The picture of a recorded real run: its program's tasks (the
    /// monitor's own left out) in the middle of every rotation period,
    /// measured, over `predicted`, the simulation's at the same instants
    /// when the run has a simulated counterpart.
    pub fn recorded(run: &RecordedRun, predicted: Option<&[PeriodCensus]>) -> ChartData {
        let secs = |ms: u64| ms as f64 / 1000.0;
        let points = |census: &[PeriodCensus], at: &dyn Fn(&PeriodCensus) -> u64| {
            census
                .iter()
                .map(|c| (secs(at(c)), c.goroutines() as f64))
                .collect::<Vec<_>>()
        };
        let rotation = run.rotation();
        let last = |c: &[PeriodCensus]| c.last().map_or(0, |p| p.goroutines());
        let series = predicted
            .map(|p| Series {
                program: run.program,
                label: format!(
                    "{}: simulated for the same schedule (final {})",
                    run.program,
                    last(p)
                ),
                points: points(p, &|c| census_instant(rotation, c.due).as_millis()),
            })
            .into_iter()
            .collect();
        let faults = run.faults.as_ref().map_or_else(
            || "no faults injected".to_owned(),
            |f| {
                let failed = f.realized.iter().filter(|r| r.offset_ms.is_some()).count();
                format!(
                    "half-open faults at rate {} (seed {}): {failed} of {} streams failed",
                    f.error_rate,
                    f.seed,
                    f.realized.len()
                )
            },
        );
        ChartData {
            title: format!(
                "A real run: the {} program's tasks on Docker, per rotation period",
                run.program
            ),
            subtitle: format!(
                "{} containers, rotation {} s, {faults}; {}",
                run.containers,
                secs(run.rotation_ms),
                run.runtime
            ),
            x_desc: "second",
            y_desc: "tasks of the program (reader, handler, heartbeat, waiter, helper)",
            x_max: secs(run.elapsed_ms.max(run.rotation_ms)),
            series,
            initial: None,
            marks: vec![Marks {
                program: run.program,
                label: format!(
                    "{}: measured, tokio tasks (final {})",
                    run.program,
                    last(&run.census)
                ),
                points: points(&run.census, &|c| c.at_ms),
            }],
        }
    }

    fn limit_at(&self, minute: f64) -> Option<f64> {
        self.initial.map(|i| i + GROWTH_LIMIT_PER_MIN * minute)
    }

    fn y_max(&self) -> f64 {
        let counts = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .chain(self.marks.iter().flat_map(|m| m.points.iter().map(|p| p.1)));
        let top = counts.fold(self.limit_at(self.x_max).unwrap_or(0.0), f64::max);
        (top * 1.1).max(10.0)
    }
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, data: &ChartData) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let fail = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing the chart: {e}");
    root.fill(&WHITE).map_err(fail)?;
    let (width, height) = root.dim_in_pixel();
    // Titles shrink on a narrow picture rather than being cut off (about
    // 0.55 em per character).
    let fit = |text: &str, largest: f64| {
        (f64::from(width.saturating_sub(20)) / (text.chars().count() as f64 * 0.55))
            .clamp(6.0, largest)
    };
    let root = root
        .titled(&data.title, (FONT, fit(&data.title, 22.0)))
        .map_err(fail)?;
    let (top, body) = root.split_vertically(24);
    top.draw(&Text::new(
        data.subtitle.clone(),
        (10, 4),
        (FONT, fit(&data.subtitle, 13.0))
            .into_font()
            .color(&RGBColor(90, 90, 90)),
    ))
    .map_err(fail)?;

    let x_max = data.x_max;
    let mut chart = ChartBuilder::on(&body)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(if height > 300 { 70 } else { 55 })
        .build_cartesian_2d(0f64..x_max, 0f64..data.y_max())
        .map_err(fail)?;
    chart
        .configure_mesh()
        .x_desc(data.x_desc)
        .y_desc(data.y_desc)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(fail)?;

    if let (Some(initial), Some(start), Some(end)) =
        (data.initial, data.limit_at(0.0), data.limit_at(x_max))
    {
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, start), (x_max, end)],
                8,
                6,
                BLACK.stroke_width(1),
            ))
            .map_err(fail)?
            .label(format!("limit: {initial} + 2/min"))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
    }

    for Series {
        program,
        label,
        points,
    } in &data.series
    {
        let c = colour(*program);
        // Where programs agree their lines lie on one another; the earlier
        // in the list is drawn wider, so every line stays in sight.
        let later = data.series.iter().filter(|s| s.program > *program).count() as u32;
        let stroke = c.stroke_width(2 + 2 * later.min(2));
        chart
            .draw_series(LineSeries::new(points.iter().copied(), stroke))
            .map_err(fail)?
            .label(label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], stroke));
    }

    for Marks {
        program,
        label,
        points,
    } in &data.marks
    {
        let c = colour(*program);
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 5, c.stroke_width(2))))
            .map_err(fail)?
            .label(label.as_str())
            .legend(move |(x, y)| Circle::new((x + 10, y), 5, c.stroke_width(2)));
    }

    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(160, 160, 160))
        .label_font((FONT, 14))
        .draw()
        .map_err(fail)?;
    body.present().map_err(fail)?;
    Ok(())
}

/// The picture as an SVG document.
pub fn svg(data: &ChartData, width: u32, height: u32) -> anyhow::Result<String> {
    font()?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (width, height)).into_drawing_area();
        draw(root, data)?;
    }
    Ok(text)
}

/// The picture written as a PNG file at `path`.
pub fn png(data: &ChartData, width: u32, height: u32, path: &Path) -> anyhow::Result<()> {
    font()?;
    let root = BitMapBackend::new(path, (width, height)).into_drawing_area();
    draw(root, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use leakscope_sim::{Preset, simulate};

    fn fase6() -> (ScenarioConfig, Vec<Trace>) {
        let config = ScenarioConfig {
            preset: Preset::Fase6,
            scenario: Preset::Fase6.scenario(),
        };
        let traces = Program::ALL
            .iter()
            .map(|&p| simulate(&config.scenario, p).unwrap())
            .collect();
        (config, traces)
    }

    #[test]
    fn an_unchanged_preset_shows_the_seeds_points_and_a_changed_one_does_not() {
        let (mut config, traces) = fase6();
        let data = ChartData::new(&config, &traces);
        assert_eq!(data.marks.len(), 2);
        assert_eq!(data.marks[0].points.last(), Some(&(58.0, 1930.0)));
        assert_eq!(data.initial, Some(220.0));
        config.scenario.seed = 9;
        assert!(ChartData::new(&config, &traces).marks.is_empty());
    }

    #[test]
    fn the_svg_has_both_series_and_the_limit_in_its_legend() {
        let (config, traces) = fase6();
        let text = svg(&ChartData::new(&config, &traces), 800, 500).unwrap();
        assert!(text.starts_with("<svg"));
        assert!(text.contains("limit: 220 + 2/min"));
        assert!(text.contains("buggy (leak"));
        assert!(text.contains("fixed (pass"));
    }
}
