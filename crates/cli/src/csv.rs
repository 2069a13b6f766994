//! The `sim` CSV: one row per program and minute.

use std::fmt::Write;

use leakscope_sim::{GroupState, Role, Trace, WaitGroupName};

/// Wait group columns: each program has its own groups, so a row leaves the
/// other program's empty rather than claiming a zero counter.
const GROUP_COLUMNS: &str = "wg_counter,wg_waiters,heartbeat_wg_counter,heartbeat_wg_waiters,reader_wg_counter,reader_wg_waiters";

/// The header line, without its newline.
pub fn header() -> String {
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
    format!(
        "program,minute,goroutines,{},leaked_readers,stalled_containers,lines_read,silent_containers,{GROUP_COLUMNS}",
        roles.join(",")
    )
}

fn group(out: &mut String, g: Option<&GroupState>) {
    match g {
        Some(g) => {
            let _ = write!(out, ",{},{}", g.counter, g.waiters);
        }
        None => out.push_str(",,"),
    }
}

/// The header and a row per minute of every trace, in order.
pub fn render(traces: &[Trace]) -> String {
    let mut out = header();
    out.push('\n');
    for t in traces {
        for s in t.samples() {
            let _ = write!(out, "{},{},{}", t.program(), s.minute, s.goroutines);
            for role in Role::ALL {
                let _ = write!(out, ",{}", s.by_role.get(role));
            }
            let _ = write!(
                out,
                ",{},{},{},{}",
                s.leaked_readers, s.stalled_containers, s.lines_read, s.silent_containers
            );
            for g in [
                WaitGroupName::Wg,
                WaitGroupName::HeartbeatWg,
                WaitGroupName::ReaderWg,
            ] {
                group(&mut out, s.wait_groups.get(g));
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use leakscope_sim::{Preset, Program, simulate};

    #[test]
    fn the_header_names_every_role_and_group_column() {
        assert_eq!(
            header(),
            "program,minute,goroutines,system,heartbeat,reader,handler,waiter,helper,leaked_readers,stalled_containers,lines_read,silent_containers,wg_counter,wg_waiters,heartbeat_wg_counter,heartbeat_wg_waiters,reader_wg_counter,reader_wg_waiters"
        );
    }

    #[test]
    fn each_row_has_as_many_fields_as_the_header_and_leaves_absent_groups_empty() {
        let s = Preset::Fase3.scenario();
        let traces: Vec<_> = Program::PAIR
            .iter()
            .map(|&p| simulate(&s, p).unwrap())
            .collect();
        let text = render(&traces);
        let columns = header().split(',').count();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1 + 2 * 11);
        for l in &lines {
            assert_eq!(l.split(',').count(), columns, "{l}");
        }
        // Minute 0: heartbeat, reader and the stream's 2 handlers each.
        assert_eq!(lines[1], "buggy,0,32,0,8,8,16,0,0,0,0,0,0,16,0,,,,");
        assert_eq!(lines[12], "fixed,0,32,0,8,8,16,0,0,0,0,0,0,,,8,0,8,0");
        // FASE 3, buggy: every container blocked in Wait() from minute 5,
        // the lines read frozen there.
        assert_eq!(lines[11], "buggy,10,16,0,8,0,0,8,0,0,8,2400,8,8,8,,,,");
    }
}
