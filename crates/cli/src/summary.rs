//! The text `leakscope monitor` prints when it ends: the monitor library
//! returns its [`Summary`] as data; this face renders it.

use std::fmt::Write as _;

use leakscope_monitor::follow::{ContainerSummary, Summary};

/// The summary as text: totals, one row per container, the census over
/// time (at most 12 rows) and whether the drain reached zero.
pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    let total = |f: fn(&ContainerSummary) -> u64| summary.containers.iter().map(f).sum::<u64>();
    let _ = writeln!(
        out,
        "leakscope monitor: {} program, {}, {}, {}, {}, {} in {:.1} s",
        summary.program,
        count(summary.containers.len() as u64, "container"),
        count(total(|c| c.lines), "line"),
        count(total(|c| c.rotations), "rotation"),
        count(total(|c| c.stream_errors), "stream error"),
        count(total(|c| c.inspect_errors), "inspect error"),
        summary.elapsed.as_secs_f64()
    );
    if let Some(f) = &summary.faults {
        let failed = f.realized.iter().filter(|r| r.offset_ms.is_some()).count();
        let _ = writeln!(
            out,
            "half-open faults (error rate {}, seed {}): {} of {} log streams; --format json gives the census of every rotation period",
            f.error_rate,
            f.seed,
            failed,
            f.realized.len()
        );
    }
    if !summary.engine_reached {
        let _ = writeln!(out, "the Docker engine was never reached");
    }
    if !summary.containers.is_empty() {
        let width = summary
            .containers
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(9)
            .max(9);
        let _ = writeln!(
            out,
            "\n{:<width$}  {:>10}  {:>9}  {:>13}  {:>14}",
            "container", "lines", "rotations", "stream errors", "inspect errors"
        );
        for c in &summary.containers {
            let _ = writeln!(
                out,
                "{:<width$}  {:>10}  {:>9}  {:>13}  {:>14}",
                c.name, c.lines, c.rotations, c.stream_errors, c.inspect_errors
            );
        }
    }
    if !summary.samples.is_empty() {
        let _ = writeln!(
            out,
            "\ntasks over time (census by role; tokio = num_alive_tasks, which adds the Docker client's own tasks)"
        );
        let _ = writeln!(
            out,
            "{:>8}  {:>6}  {:>9}  {:>6}  {:>7}  {:>6}  {:>6}  {:>7}  {:>5}  {:>5}  {:>7}",
            "time",
            "system",
            "heartbeat",
            "reader",
            "handler",
            "waiter",
            "helper",
            "runtime",
            "total",
            "tokio",
            "stalled"
        );
        let n = summary.samples.len();
        let rows = 12.min(n);
        let mut shown: Vec<usize> = (0..rows).map(|i| i * (n - 1) / (rows - 1).max(1)).collect();
        shown.dedup();
        for i in shown {
            let s = &summary.samples[i];
            let _ = writeln!(
                out,
                "{:>7.1}s  {:>6}  {:>9}  {:>6}  {:>7}  {:>6}  {:>6}  {:>7}  {:>5}  {:>5}  {:>7}",
                s.at.as_secs_f64(),
                s.by_role.system,
                s.by_role.heartbeat,
                s.by_role.reader,
                s.by_role.handler,
                s.by_role.waiter,
                s.by_role.helper,
                s.runtime,
                s.by_role.total() + s.runtime,
                s.tokio_alive,
                s.stalled
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        if summary.left_after_drain == 0 {
            "drained: every task ended, census back at 0".to_owned()
        } else {
            format!(
                "drain incomplete: {} tasks still alive",
                summary.left_after_drain
            )
        }
    );
    out
}

/// `1 line`, `2 lines`.
fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use leakscope_monitor::follow::TaskSample;
    use leakscope_sim::{Program, RoleCounts};

    use super::*;

    #[test]
    fn a_summary_reads_as_totals_a_row_per_container_and_the_census() {
        let c = |name: &str, lines| ContainerSummary {
            name: name.into(),
            lines,
            rotations: 3,
            stream_errors: 0,
            inspect_errors: 1,
        };
        let sample = TaskSample {
            at: Duration::from_millis(1500),
            by_role: RoleCounts {
                heartbeat: 2,
                reader: 2,
                ..RoleCounts::default()
            },
            runtime: 1,
            tokio_alive: 7,
            stalled: 0,
            leaked_readers: 0,
            containers: 2,
        };
        let summary = Summary {
            program: Program::FIXED,
            rotation: Duration::from_secs(1),
            heartbeat: Duration::from_secs(1),
            elapsed: Duration::from_millis(2500),
            containers: vec![c("web", 120), c("db", 1)],
            samples: vec![sample],
            periods: Vec::new(),
            faults: None,
            left_after_drain: 0,
            engine_reached: true,
        };
        let expected = "\
leakscope monitor: fixed program, 2 containers, 121 lines, 6 rotations, 0 stream errors, 2 inspect errors in 2.5 s

container       lines  rotations  stream errors  inspect errors
web               120          3              0               1
db                  1          3              0               1

tasks over time (census by role; tokio = num_alive_tasks, which adds the Docker client's own tasks)
    time  system  heartbeat  reader  handler  waiter  helper  runtime  total  tokio  stalled
    1.5s       0          2       2        0       0       0        1      5      7        0

drained: every task ended, census back at 0
";
        assert_eq!(render(&summary), expected);

        let mut injected = summary.clone();
        injected.faults = Some(leakscope_sim::recorded::InjectedFaults {
            seed: 42,
            error_rate: 0.5,
            realized: [Some(0), None, Some(1000)]
                .into_iter()
                .enumerate()
                .map(|(i, offset_ms)| leakscope_sim::recorded::RealizedFault {
                    container: i as u32,
                    rotation: 1,
                    offset_ms,
                })
                .collect(),
        });
        let text = render(&injected);
        assert_eq!(
            text.lines().nth(1),
            Some(
                "half-open faults (error rate 0.5, seed 42): 2 of 3 log streams; --format json gives the census of every rotation period"
            )
        );
    }
}
