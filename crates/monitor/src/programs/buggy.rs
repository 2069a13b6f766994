//! `buggy` ([`Program::BUGGY`]): the seed's program, ported line for line
//! from its Go text (`crates/sim/src/programs/buggy.rs`).
//!
//! One WaitGroup, `wg`, holds the heartbeat and every reader, so `Wait()`
//! can never return while the heartbeat lives; the workaround skips it on a
//! stream error and leaves the failed stream's reader behind. What the
//! program shares with the others is in [`super`].

use std::sync::Arc;

use leakscope_sim::{Program, WaitGroupName};

use super::{Container, Layout, Port, open_rotation, wait, wait_in_stop};
use crate::census::Task;
use crate::monitor::Monitor;
use crate::source::{LogSource, LogStream};

/// Its entry in the registry.
pub(super) fn port<S: LogSource>() -> Port<S> {
    Port {
        program: Program::BUGGY,
        // wg sync.WaitGroup // the heartbeat AND every reader
        layout: Layout {
            heartbeat: WaitGroupName::Wg,
            reader: WaitGroupName::Wg,
        },
        rotate: |m, c, s, n, task| Box::pin(rotate(m, c, s, n, task)),
        stop_wait: |m, c| Box::pin(stop_wait(m, c)),
    }
}

/// `func (m *Monitor) rotate(c *container, s *Stream, n int)`: runs on its
/// own task when rotation `n` falls due.
async fn rotate<S: LogSource>(
    m: Arc<Monitor<S>>,
    c: Arc<Container<S>>,
    s: Arc<S::Stream>,
    n: u32,
    task: Task,
) {
    m.count_rotation(&c.life); // port: counted for the summary
    if s.err().is_some() {
        m.count_stream_error(&c.life); // port: counted for the summary
        // Workaround: Wait() hung, so on a stream error skip it.
        open_rotation(&m, &c, n + 1); // m.openRotation(c, n+1) // s is never closed: reader n stays
        return;
    }
    s.close(); // s.Close()   // reader n reads EOF and calls Done
    if !wait(&m, &task, c.wg()).await {
        return; // port: drained
    } // c.wg.Wait() // the heartbeat still holds c.wg: blocks until Stop()
    open_rotation(&m, &c, n + 1); // m.openRotation(c, n+1) // not reached before Stop(): the logs stop
}

/// `Stop()`'s waits: `for _, c := range m.containers { … }`.
async fn stop_wait<S: LogSource>(m: Arc<Monitor<S>>, c: Arc<Container<S>>) -> bool {
    wait_in_stop(&m, c.wg()).await // c.wg.Wait() // readers left behind still hold c.wg: hangs
}
