//! What `wgvet`, the static check (`go/cmd/wgvet`), finds in each program,
//! predicted from the program's choices alone: the source is never parsed
//! here. The Go tests run the real tool on the real files and assert its
//! findings equal these (`cargo xtask go-detect`).
//!
//! | groups | wait | finding |
//! |---|---|---|
//! | one for both lifecycles | `Wait()` in `rotate()` | `WG001` at that `Wait()`: it runs from `time.AfterFunc` while the heartbeat, which ends only on cancellation, holds the group |
//! | one for both lifecycles | `Wait()` on a helper raced by a timeout | `WG002` at that `Wait()`: the helper stays blocked when the timeout wins, for good since the heartbeat holds the group |
//! | one per lifecycle | either | none: the readers' group holds no long-lived member, and `Stop()` cancels before it waits |
//!
//! The error path ([`crate::programs::OnError`]) changes nothing: the check
//! judges where `Wait()` can be reached, not whether it is skipped.

use serde::{Deserialize, Serialize};

use crate::Program;
use crate::code::{Anchor, file_name, line_of};
use crate::programs::{Groups, WaitStyle};

/// `WG001`: one WaitGroup, two lifecycles.
pub const TWO_LIFECYCLES: &str = "WG001";
/// `WG002`: a wait with a timeout leaks its waiter.
pub const WAIT_TIMEOUT: &str = "WG002";

/// One finding: the rule and where (the file as the Go module names it,
/// `monitor/buggy.go`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Finding {
    /// The rule's stable ID (`WG001`).
    pub rule: String,
    /// The file, relative to the Go module's root.
    pub file: String,
    /// The line, from 1.
    pub line: u32,
}

/// The findings `wgvet` reports on `program`, and why, in one line.
///
/// # Examples
///
/// ```
/// use leakscope_sim::{Program, vet};
///
/// let (found, _) = vet::findings(Program::BUGGY);
/// assert_eq!(found[0].rule, vet::TWO_LIFECYCLES);
/// assert_eq!((found[0].file.as_str(), found[0].line), ("monitor/buggy.go", 45));
/// assert!(vet::findings(Program::FIXED).0.is_empty());
/// ```
pub fn findings(program: Program) -> (Vec<Finding>, &'static str) {
    let def = program.def();
    let at = |rule: &str| Finding {
        rule: rule.to_string(),
        file: file_name(program).to_string(),
        line: line_of(program, Anchor::Wait),
    };
    match (def.groups, def.wait) {
        (Groups::Split, _) => (
            Vec::new(),
            "the heartbeat has a group of its own, so rotate()'s Wait() waits for readers only; Stop() cancels, then waits",
        ),
        (Groups::Shared, WaitStyle::Block) => (
            vec![at(TWO_LIFECYCLES)],
            "rotate(), run by time.AfterFunc, waits on the group that also holds the heartbeat, which ends only at Stop()",
        ),
        (Groups::Shared, WaitStyle::Timeout { .. }) => (
            vec![at(WAIT_TIMEOUT)],
            "the helper's Wait() is raced by a timeout and the group also holds the heartbeat: each helper stays until Stop()",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_group_programs_are_flagged_at_their_wait() {
        let at = |p| {
            findings(p)
                .0
                .into_iter()
                .map(|f| (f.rule, f.file, f.line))
                .collect::<Vec<_>>()
        };
        let one = |r: &str, f: &str, l| vec![(r.to_string(), f.to_string(), l)];
        assert_eq!(
            at(Program::BUGGY),
            one(TWO_LIFECYCLES, "monitor/buggy.go", 45)
        );
        assert_eq!(
            at(Program::CLOSE_ONLY),
            one(TWO_LIFECYCLES, "monitor/close_only.go", 43)
        );
        assert_eq!(
            at(Program::WAIT_TIMEOUT),
            one(WAIT_TIMEOUT, "monitor/wait_timeout.go", 45)
        );
        assert_eq!(at(Program::FIXED), []);
    }
}
