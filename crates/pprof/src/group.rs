//! Goroutines grouped by what they wait on and where they were started.

use std::collections::HashMap;

use serde::Serialize;

use crate::dump::{Dump, Frame, Record};

/// What makes goroutines one group: their state, the function they block
/// in and where they were started.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct GroupKey {
    /// The state (`IO wait`, `semacquire`…), `None` when the dump does not
    /// tell it.
    pub state: Option<String>,
    /// The blocking function: the innermost frame of the program's own code
    /// (not Go's standard library), else the innermost frame outside the
    /// runtime and `sync`, else the innermost frame.
    pub function: String,
    /// Where they were started: the `created by` function and its
    /// `file:line`, `None` when the dump does not tell it (`debug=1`).
    pub created_by: Option<String>,
}

/// Goroutines of one [`GroupKey`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// What they share.
    #[serde(flatten)]
    pub key: GroupKey,
    /// Where in the blocking function (of the first goroutine of the group).
    pub site: Option<String>,
    /// How many.
    pub count: u64,
    /// How many in the older dump, when two were compared.
    pub old_count: Option<u64>,
    /// The longest wait among them, in whole minutes, when printed.
    pub longest_minutes: Option<u64>,
    /// The shortest wait printed among them, in whole minutes.
    pub shortest_minutes: Option<u64>,
    /// The function the first of them runs: its outermost frame, the one
    /// above `created by` (how Go's own tests name a leak).
    pub entry: Option<String>,
    /// The goroutine that started the first of them (`created by … in
    /// goroutine N`).
    pub spawned_in: Option<u64>,
    /// Goroutines waiting in `sync.(*WaitGroup).Wait`.
    pub in_wait_group_wait: bool,
    /// Go's leak detector marked them.
    pub leaked: u64,
}

impl Group {
    /// Goroutines gained since the older dump (new count − old count; the
    /// whole count for a group the older dump did not have).
    pub fn growth(&self) -> Option<i64> {
        let old = self.old_count?;
        Some(
            i128::from(self.count)
                .saturating_sub(i128::from(old))
                .clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
        )
    }
}

/// Go's standard library, by Go's own rule: the first element of the
/// import path has no dot (`net/http`, `sync`), and is not `main`.
fn is_std(function: &str) -> bool {
    let first = match function.split_once('/') {
        Some((first, _)) => first,
        None => function.split('.').next().unwrap_or(function),
    };
    !first.contains('.') && first != "main"
}

fn is_runtime(function: &str) -> bool {
    function.starts_with("runtime.")
        || function.starts_with("runtime/")
        || function.starts_with("internal/")
        || function.starts_with("sync.")
        || function.starts_with("sync/")
}

/// The blocking frame of a stack (see [`GroupKey::function`]).
pub fn blocking_frame(frames: &[Frame]) -> Option<&Frame> {
    blocking_index(frames).map(|i| &frames[i])
}

/// Where in `frames` the blocking frame is.
pub(crate) fn blocking_index(frames: &[Frame]) -> Option<usize> {
    frames
        .iter()
        .position(|f| !is_std(&f.function))
        .or_else(|| frames.iter().position(|f| !is_runtime(&f.function)))
        .or(if frames.is_empty() { None } else { Some(0) })
}

/// The entry frame of a stack: its outermost, past Go's own start-up
/// frames (`runtime.goexit` and `runtime.main`, which `debug=1` prints) and
/// the wrapper `sync.(*WaitGroup).Go` runs the function given to it in.
pub fn entry_frame(frames: &[Frame]) -> Option<&Frame> {
    frames.iter().rev().find(|f| {
        f.function != "runtime.goexit"
            && f.function != "runtime.main"
            && !f.function.starts_with("sync.(*WaitGroup).Go.func")
    })
}

/// A group of `record` alone (count 0: the caller folds it in).
pub(crate) fn group_of(record: &Record, key: GroupKey) -> Group {
    Group {
        site: blocking_frame(&record.frames)
            .and_then(|f| f.location.as_ref())
            .map(ToString::to_string),
        key,
        count: 0,
        old_count: None,
        longest_minutes: None,
        shortest_minutes: None,
        entry: entry_frame(&record.frames).map(|f| f.function.clone()),
        spawned_in: record.created_by.as_ref().and_then(|c| c.goroutine),
        in_wait_group_wait: waits_on_wait_group(record),
        leaked: 0,
    }
}

/// Folds `record` into `g`'s counts.
pub(crate) fn fold(g: &mut Group, record: &Record) {
    g.count = g.count.saturating_add(record.count);
    if record.leaked {
        g.leaked = g.leaked.saturating_add(record.count);
    }
    if let Some(m) = record.minutes {
        g.longest_minutes = Some(g.longest_minutes.map_or(m, |l| l.max(m)));
        g.shortest_minutes = Some(g.shortest_minutes.map_or(m, |l| l.min(m)));
    }
}

/// The key of a record.
pub fn key_of(record: &Record) -> GroupKey {
    let function = blocking_frame(&record.frames)
        .map(|f| f.function.clone())
        .unwrap_or_default();
    let created_by = record.created_by.as_ref().map(|c| match &c.location {
        Some(l) => format!("{} at {l}", c.function),
        None => c.function.clone(),
    });
    GroupKey {
        state: record.state.clone(),
        function,
        created_by,
    }
}

/// Waiting in `sync.(*WaitGroup).Wait`: Go ≥ 1.25 names the state
/// `sync.WaitGroup.Wait`; before, `semacquire` with the frame.
pub fn waits_on_wait_group(record: &Record) -> bool {
    record.state.as_deref() == Some("sync.WaitGroup.Wait")
        || record
            .frames
            .iter()
            .any(|f| f.function == "sync.(*WaitGroup).Wait")
}

/// The dump's goroutines grouped, the largest group first (then by key).
pub fn groups(dump: &Dump) -> Vec<Group> {
    let mut index: HashMap<GroupKey, usize> = HashMap::new();
    let mut out: Vec<Group> = Vec::new();
    for record in &dump.records {
        let key = key_of(record);
        let i = *index.entry(key.clone()).or_insert_with(|| {
            out.push(group_of(record, key));
            out.len() - 1
        });
        fold(&mut out[i], record);
    }
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(f: &str) -> Frame {
        Frame {
            function: f.to_owned(),
            location: None,
        }
    }

    #[test]
    fn the_blocking_frame_is_the_programs_own_code() {
        let io = [
            frame("internal/poll.runtime_pollWait"),
            frame("net.(*conn).Read"),
            frame("main.reader"),
        ];
        assert_eq!(blocking_frame(&io).unwrap().function, "main.reader");
        let ext = [
            frame("net/http.(*conn).serve"),
            frame("github.com/a/b.(*S).run"),
        ];
        assert_eq!(
            blocking_frame(&ext).unwrap().function,
            "github.com/a/b.(*S).run"
        );
        let std_only = [
            frame("sync.(*WaitGroup).Wait"),
            frame("net/http.(*Server).Serve"),
        ];
        assert_eq!(
            blocking_frame(&std_only).unwrap().function,
            "net/http.(*Server).Serve"
        );
        let runtime_only = [frame("runtime.gopark")];
        assert_eq!(
            blocking_frame(&runtime_only).unwrap().function,
            "runtime.gopark"
        );
    }
}
