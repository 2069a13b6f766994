//! `fixed` ([`Program::FIXED`]): the seed's fix, one WaitGroup per
//! lifecycle; ported line for line from its Go text
//! (`crates/sim/src/programs/fixed.rs`).
//!
//! `heartbeatWg` holds the heartbeat, `readerWg` the rotation's reader;
//! every rotation closes its stream and waits for its reader only, so
//! `Wait()` returns and nothing is left behind. What the program shares
//! with the others is in [`super`].

use std::sync::Arc;

use leakscope_sim::{Program, WaitGroupName};

use super::{Container, Layout, Port, open_rotation, wait, wait_in_stop};
use crate::census::Task;
use crate::monitor::Monitor;
use crate::source::{LogSource, LogStream};

/// Its entry in the registry.
pub(super) fn port<S: LogSource>() -> Port<S> {
    Port {
        program: Program::FIXED,
        layout: Layout {
            // heartbeatWg sync.WaitGroup // the heartbeat: lives as long as the container
            heartbeat: WaitGroupName::HeartbeatWg,
            // readerWg    sync.WaitGroup // the rotation's reader: lives one rotation
            reader: WaitGroupName::ReaderWg,
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
    s.close(); // s.Close()         // always: releases reader n and the stream's handlers
    if !wait(&m, &task, c.reader_wg()).await {
        return; // port: drained
    } // c.readerWg.Wait() // only readers: returns once reader n exits
    open_rotation(&m, &c, n + 1); // m.openRotation(c, n+1)
}

/// `Stop()`'s waits: `for _, c := range m.containers { … }`.
async fn stop_wait<S: LogSource>(m: Arc<Monitor<S>>, c: Arc<Container<S>>) -> bool {
    wait_in_stop(&m, c.reader_wg()).await // c.readerWg.Wait()    // the current reader has read EOF
        && wait_in_stop(&m, c.heartbeat_wg()).await // c.heartbeatWg.Wait() // the heartbeat has seen m.ctx.Done()
}
