//! `close-only` ([`Program::CLOSE_ONLY`]): one WaitGroup, but every stream
//! is closed and waited for; ported line for line from its Go text
//! (`crates/sim/src/programs/close_only.rs`).
//!
//! No reader is ever left behind, and every container blocks in `Wait()` at
//! its first rotation until `Stop()` (the heartbeat still holds `wg`): the
//! count stays flat, the logs stop. What the program shares with the
//! others is in [`super`].

use std::sync::Arc;

use leakscope_sim::{Program, WaitGroupName};

use super::{Container, Layout, Port, open_rotation, wait, wait_in_stop};
use crate::census::Task;
use crate::monitor::Monitor;
use crate::source::{LogSource, LogStream};

/// Its entry in the registry.
pub(super) fn port<S: LogSource>() -> Port<S> {
    Port {
        program: Program::CLOSE_ONLY,
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
        m.count_stream_error(&c.life); // m.streamErrors.Add(1) // counted, then handled like any rotation
    }
    s.close(); // s.Close()   // always: releases reader n and the stream's handlers
    if !wait(&m, &task, c.wg()).await {
        return; // port: drained
    } // c.wg.Wait() // the heartbeat still holds c.wg: blocks until Stop()
    open_rotation(&m, &c, n + 1); // m.openRotation(c, n+1) // not reached before Stop(): the logs stop
}

/// `Stop()`'s waits: `for _, c := range m.containers { … }`.
async fn stop_wait<S: LogSource>(m: Arc<Monitor<S>>, c: Arc<Container<S>>) -> bool {
    wait_in_stop(&m, c.wg()).await // c.wg.Wait() // no reader is left behind: returns
}
