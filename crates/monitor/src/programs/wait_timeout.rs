//! `wait-timeout` ([`Program::WAIT_TIMEOUT`]): one WaitGroup, always
//! close, and wait with a timeout the way people do it; ported line for
//! line from its Go text (`crates/sim/src/programs/wait_timeout.rs`).
//!
//! The logs keep flowing, but every rotation leaves its helper task blocked
//! in `Wait()` until `Stop()` (the heartbeat holds `wg`): the leak moved.
//! What the program shares with the others is in [`super`].

use std::sync::Arc;
use std::time::Duration;

use leakscope_sim::{Program, Role, State, WaitGroupName};
use tokio::sync::oneshot;

use super::{Container, Layout, Port, open_rotation, wait, wait_in_stop};
use crate::census::Task;
use crate::monitor::Monitor;
use crate::source::{LogSource, LogStream};

/// Its entry in the registry.
pub(super) fn port<S: LogSource>() -> Port<S> {
    Port {
        program: Program::WAIT_TIMEOUT,
        // wg sync.WaitGroup // the heartbeat AND every reader
        layout: Layout {
            heartbeat: WaitGroupName::Wg,
            reader: WaitGroupName::Wg,
        },
        rotate: |m, c, s, n, task| Box::pin(rotate(m, c, s, n, task)),
        stop_wait: |m, c| Box::pin(stop_wait(m, c)),
    }
}

/// `const waitTimeout = 10 * time.Second`, as the core defines it.
fn wait_timeout() -> Duration {
    Program::WAIT_TIMEOUT
        .wait_timeout()
        .map_or(Duration::ZERO, |t| Duration::from_millis(t.as_millis()))
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
    s.close(); // s.Close() // always: releases reader n and the stream's handlers
    let (close_done, done) = oneshot::channel::<()>(); // done := make(chan struct{})
    let (m2, c2) = (m.clone(), c.clone());
    m.env.go(
        Monitor::<S>::spec(&c.life, Role::Helper, Some(n), State::Semacquire),
        |helper| async move {
            // go func() {
            wait(&m2, &helper, c2.wg()).await; // c.wg.Wait() // the heartbeat still holds c.wg: blocks until Stop()
            drop(close_done); // close(done)
        }, // }()
    );
    let (expire, after) = oneshot::channel::<()>();
    m.env.timers.after(wait_timeout(), move || {
        let _ = expire.send(());
    });
    task.set_state(State::Select);
    tokio::select! {
        biased;
        _ = done => {}                              // case <-done:
        _ = after => {}                             // case <-time.After(m.waitTimeout): // 10 s: give up; this helper stays blocked
        () = m.env.shutdown.cancelled() => return,  // port: drain
    }
    task.set_state(State::Running);
    open_rotation(&m, &c, n + 1); // m.openRotation(c, n+1)
}

/// `Stop()`'s waits: `for _, c := range m.containers { … }`.
async fn stop_wait<S: LogSource>(m: Arc<Monitor<S>>, c: Arc<Container<S>>) -> bool {
    wait_in_stop(&m, c.wg()).await // c.wg.Wait() // returns, and every helper wakes with it
}
