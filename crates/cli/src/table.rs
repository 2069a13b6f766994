//! The `sim` and `check` table: the seed's timeline comparison, one column
//! per program, then the verdict and what the goroutine count alone does not
//! show: readers left behind, containers stuck in `Wait()`, log lines read,
//! containers gone silent and, with `--stop-at`, what `Stop()` did. Both
//! commands render the same [`Report`]; only its source line differs.

use std::fmt::Write;

use leakscope_sim::{Report, RunReport, Scenario, Source, Verdict};

use crate::config::rotation_minutes;

/// One line naming every parameter of `scenario`, the way the flags do.
pub fn scenario_line(name: &str, s: &Scenario) -> String {
    let stop = s
        .stop_at
        .map_or_else(String::new, |m| format!(", stop-at {m}"));
    format!(
        "scenario {name}: containers {}, minutes {}, rotation {} min, heartbeat {} s, \
         error-rate {}, goroutines-per-reader {}, baseline {}, lines-per-min {}, seed {}{stop}",
        s.containers,
        s.minutes,
        rotation_minutes(s.rotation_secs),
        s.heartbeat_secs,
        s.error_rate,
        s.goroutines_per_reader,
        s.baseline_goroutines,
        s.lines_per_min,
        s.seed
    )
}

/// `text` cut into lines of at most `width` characters, at spaces.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The minutes shown: every tenth, and the last.
fn shown_minute(minute: u32, last: u32) -> bool {
    minute.is_multiple_of(10) || minute == last
}

/// What `Stop()` did, in one cell.
fn stop_cell(r: &RunReport) -> String {
    match &r.stop {
        None => String::new(),
        Some(s) if s.returned => "returned".into(),
        Some(s) => match s.hangs_on {
            Some(c) => format!("hangs (c{c})"),
            None => "hangs".into(),
        },
    }
}

/// The last sample of `r` (its first when it has only one).
fn last_sample(r: &RunReport) -> leakscope_sim::Sample {
    r.samples
        .last()
        .cloned()
        .unwrap_or_else(|| r.samples[0].clone())
}

/// The rows under the timeline: growth, limit, final count, verdict, and
/// what the count alone does not show (then, with `--stop-at`, what
/// `Stop()` did).
fn summary_rows(scenario: &Scenario, runs: &[RunReport]) -> Vec<(String, Vec<String>)> {
    let last_of = last_sample;
    let cells = |f: &dyn Fn(&RunReport) -> String| runs.iter().map(f).collect::<Vec<_>>();
    let mut summary: Vec<(&str, Vec<String>)> = vec![
        (
            "growth per minute",
            cells(&|r| format!("{:.2}", r.growth_per_min)),
        ),
        ("limit", cells(&|r| format!("{:.0}", r.limit))),
        (
            "final goroutines",
            cells(&|r| r.final_goroutines.to_string()),
        ),
        ("verdict", cells(&|r| r.verdict.to_string())),
        (
            "leaked readers",
            cells(&|r| last_of(r).leaked_readers.to_string()),
        ),
        (
            "stalled containers",
            cells(&|r| last_of(r).stalled_containers.to_string()),
        ),
        ("lines read", cells(&|r| last_of(r).lines_read.to_string())),
        (
            "silent containers",
            cells(&|r| last_of(r).silent_containers.to_string()),
        ),
    ];
    if scenario.stop_at.is_some() {
        summary.push(("Stop()", cells(&stop_cell)));
        summary.push((
            "left after Stop()",
            cells(&|r| r.stop.map_or(String::new(), |s| s.left.to_string())),
        ));
    }
    summary
        .into_iter()
        .map(|(label, cells)| (label.to_owned(), cells))
        .collect()
}

/// The table for `report` (the programs run, in its order) of the scenario
/// called `name`.
pub fn render(name: &str, report: &Report) -> String {
    let scenario = &report.scenario;
    let runs: &[RunReport] = &report.runs;
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let last = scenario.minutes;
    let minutes = runs.first().map_or(&[][..], |r| &r.samples[..]);
    for (i, sample) in minutes.iter().enumerate() {
        if shown_minute(sample.minute, last) {
            let cells = runs
                .iter()
                .map(|r| r.samples[i].goroutines.to_string())
                .collect();
            rows.push((sample.minute.to_string(), cells));
        }
    }
    let timeline = rows.len();
    rows.extend(summary_rows(scenario, runs));

    let header: Vec<String> = runs.iter().map(|r| r.program.to_string()).collect();
    let label_width = rows
        .iter()
        .map(|r| r.0.chars().count())
        .chain(["minute".len()])
        .max()
        .unwrap_or(0);
    let cell_width = rows
        .iter()
        .flat_map(|r| r.1.iter().map(String::len))
        .chain(header.iter().map(String::len))
        .max()
        .unwrap_or(0)
        .max(6);

    let mut out = String::new();
    let _ = writeln!(out, "{}", scenario_line(name, scenario));
    match report.source {
        Source::Real => {
            let _ = writeln!(
                out,
                "measured: the real monitor's tokio tasks on synthetic containers, counted by its census under a paused clock"
            );
        }
        Source::Go => {
            let _ = writeln!(
                out,
                "measured: the Go programs' goroutines under Go's fake clock, counted from the runtime's goroutine profile"
            );
        }
        Source::Sim => {}
    }
    out.push('\n');
    let line = |out: &mut String, label: &str, cells: &[String]| {
        let _ = write!(out, "{label:<label_width$}");
        for c in cells {
            let _ = write!(out, "  {c:>cell_width$}");
        }
        out.push('\n');
    };
    line(&mut out, "minute", &header);
    for (i, (label, cells)) in rows.iter().enumerate() {
        if i == timeline {
            let width = label_width + runs.len() * (cell_width + 2);
            let _ = writeln!(out, "{}", "-".repeat(width));
        }
        line(&mut out, label, cells);
    }
    // The seed's check looks at the count alone; a run can pass it while
    // its containers have stopped reading logs. Say so.
    for r in runs {
        let stalled = last_sample(r).stalled_containers;
        if r.verdict == Verdict::Pass && stalled > 0 {
            let _ = writeln!(
                out,
                "\nnote: {} passes the goroutine check, yet {} of {} containers are stuck in Wait() and no longer read logs",
                r.program, stalled, scenario.containers
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use leakscope_sim::{Preset, Program, simulate};

    fn report(s: &Scenario, programs: &[Program]) -> Report {
        let traces: Vec<_> = programs.iter().map(|&p| simulate(s, p).unwrap()).collect();
        Report::from_traces(s, &traces)
    }

    #[test]
    fn fase3_shows_a_buggy_pass_with_every_container_stalled() {
        let s = Preset::Fase3.scenario();
        let report = report(&s, &Program::PAIR);
        let expected = "\
scenario fase3: containers 8, minutes 10, rotation 5 min, heartbeat 30 s, error-rate 0, goroutines-per-reader 3, baseline 0, lines-per-min 60, seed 1

minute               buggy   fixed
0                       32      32
10                      16      32
----------------------------------
growth per minute    -2.18    0.00
limit                   52      52
final goroutines        16      32
verdict               pass    pass
leaked readers           0       0
stalled containers       8       0
lines read            2400    4800
silent containers        8       0

note: buggy passes the goroutine check, yet 8 of 8 containers are stuck in Wait() and no longer read logs
";
        assert_eq!(render("fase3", &report), expected);
        let real = Report {
            source: Source::Real,
            ..report
        };
        let lines: Vec<String> = render("fase3", &real).lines().map(str::to_owned).collect();
        assert!(lines[1].starts_with("measured: the real monitor's tokio tasks"));
        assert_eq!(
            lines[2..].join("\n") + "\n",
            expected.split_once('\n').unwrap().1
        );
    }

    #[test]
    fn only_the_programs_run_get_a_column_and_the_last_minute_a_row() {
        let s = Scenario {
            containers: 3,
            minutes: 12,
            error_rate: 1.0,
            ..Scenario::default()
        };
        let report = report(&s, &[Program::BUGGY]);
        let text = render("custom", &report);
        let expected = "\
minute               buggy
0                       12
10                      30
12                      30
--------------------------
growth per minute     1.73
limit                   36
final goroutines        30
verdict               pass
leaked readers           6
stalled containers       0
";
        assert!(text.starts_with("scenario custom: containers 3, minutes 12, rotation 5 min, heartbeat 30 s, error-rate 1, goroutines-per-reader 3, baseline 0, lines-per-min 60, seed 1\n\n"));
        assert!(text.contains(expected), "{text}");
    }

    #[test]
    fn every_program_gets_a_column_and_stop_gets_two_rows() {
        let s = Scenario {
            stop_at: Some(30),
            ..Preset::Fase6.scenario()
        };
        let text = render("custom", &report(&s, &Program::ALL));
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with("seed 1, stop-at 30"));
        let row = |label: &str| -> Vec<&str> {
            let line = lines.iter().find(|l| l.starts_with(label)).unwrap();
            line[label.len()..].split_whitespace().collect()
        };
        assert_eq!(
            row("minute"),
            ["buggy", "close-only", "wait-timeout", "fixed"]
        );
        assert_eq!(
            row("Stop()"),
            ["hangs", "(c0)", "returned", "returned", "returned"]
        );
        assert_eq!(row("left after Stop()"), ["965", "0", "0", "0"]);
        // Every row has one right-aligned cell per program.
        let width = lines[2].len();
        assert!(
            lines[3..]
                .iter()
                .filter(|l| !l.is_empty() && !l.starts_with('-'))
                .all(|l| l.len() == width)
        );
    }
}
