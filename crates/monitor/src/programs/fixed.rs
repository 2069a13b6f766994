//! The fixed program: one WaitGroup per lifecycle.
//!
//! Line for line the model's fixed Go code (`docs/model.md` §1), on tokio;
//! compare with [`crate::shared`]: `heartbeatWg` and `readerWg` instead of
//! one `wg`, and a `rotate()` that always closes and waits.
//!
//! The port's two additions are the same as in [`crate::shared`]: every
//! blocking point also ends at shutdown, and a container that has stopped
//! and was read to its end gets no further rotation.

use std::sync::Arc;
use std::time::Duration;

use leakscope_sim::{Role, State};
use tokio::time::{Instant, interval_at};

use crate::census::{ProgramGroups, Task};
use crate::monitor::{Life, Monitor};
use crate::source::{LogStream, Source};
use crate::wait_group::{Holder, WaitGroup};

/// `type container struct`.
pub(crate) struct Container {
    life: Life,
    /// `heartbeatWg sync.WaitGroup // the heartbeat: lives as long as the container`
    heartbeat_wg: WaitGroup,
    /// `readerWg sync.WaitGroup // the rotation's reader: lives one rotation`
    reader_wg: WaitGroup,
}

/// `func (m *Monitor) monitorContainer(c *container)`
pub(crate) fn monitor_container<S: Source>(m: &Arc<Monitor<S>>, life: Life) {
    let c = Arc::new(Container {
        life,
        heartbeat_wg: WaitGroup::new(),
        reader_wg: WaitGroup::new(),
    });
    m.env.census.register_groups(&ProgramGroups::Split {
        heartbeat_wg: c.heartbeat_wg.clone(),
        reader_wg: c.reader_wg.clone(),
    });
    add(&c.heartbeat_wg, Holder::Heartbeat); // c.heartbeatWg.Add(1)
    let (m2, c2) = (m.clone(), c.clone());
    m.env.go(
        Monitor::<S>::spec(&c.life, Role::Heartbeat, None, State::ChanReceive),
        |task| heartbeat(m2, c2, task), // go m.heartbeat(c) // lives as long as the container
    );
    open_rotation(m, &c, 1);
}

/// `func (m *Monitor) openRotation(c *container, n int)`
fn open_rotation<S: Source>(m: &Arc<Monitor<S>>, c: &Arc<Container>, n: u32) {
    let s = Arc::new(m.source.logs(&m.env, &c.life.info, n)); // s := m.docker.Logs(c.id)
    add(&c.reader_wg, Holder::Reader); // c.readerWg.Add(1)
    let (m2, c2, s2) = (m.clone(), c.clone(), s.clone());
    m.env.go(
        Monitor::<S>::spec(&c.life, Role::Reader, Some(n), State::IoWait),
        |task| reader(m2, c2, s2, task), // go m.reader(c, s, n)
    );
    // time.AfterFunc(m.rotation, func() { m.rotate(c, s, n) })
    let (m2, c2) = (m.clone(), c.clone());
    m.env.timers.after(m.config.rotation, move || {
        let spec = Monitor::<S>::spec(&c2.life, Role::Waiter, Some(n), State::Running);
        let m3 = m2.clone();
        m2.env.go(spec, |task| rotate(m3, c2, s, n, task));
    });
}

/// `func (m *Monitor) rotate(c *container, s *Stream, n int)`: runs on its
/// own task when rotation `n` falls due.
async fn rotate<S: Source>(
    m: Arc<Monitor<S>>,
    c: Arc<Container>,
    s: Arc<S::Stream>,
    n: u32,
    task: Task,
) {
    m.count_rotation(&c.life);
    if s.err().is_some() {
        m.count_stream_error(&c.life); // counted, then handled like any rotation
    }
    s.close(); // always: releases reader n and the stream's handlers
    task.set_state(State::Semacquire);
    // c.readerWg.Wait() // only readers: returns once reader n exits
    tokio::select! {
        () = c.reader_wg.wait() => {}
        () = m.env.shutdown.cancelled() => return, // port: drain
    }
    task.set_state(State::Running);
    if !m.finished(&c.life, &s) {
        open_rotation(&m, &c, n + 1);
    }
}

/// `func (m *Monitor) reader(c *container, s *Stream, n int)`
async fn reader<S: Source>(m: Arc<Monitor<S>>, c: Arc<Container>, s: Arc<S::Stream>, task: Task) {
    let _done = c.reader_wg.done_on_drop(Holder::Reader); // defer c.readerWg.Done()
    task.watch_stream(s.failed_flag());
    loop {
        task.set_state(State::IoWait);
        // line, err := s.ReadLine() // IO wait (port: shutdown closes every stream)
        let line = s.read_line().await;
        let Some(line) = line else {
            return; // if err != nil { return }
        };
        task.set_state(State::Running);
        m.emit(&c.life, line).await; // m.out <- line
    }
}

/// `func (m *Monitor) heartbeat(c *container)`
async fn heartbeat<S: Source>(m: Arc<Monitor<S>>, c: Arc<Container>, task: Task) {
    let _done = c.heartbeat_wg.done_on_drop(Holder::Heartbeat); // defer c.heartbeatWg.Done()
    let beat = m.config.heartbeat.max(Duration::from_millis(1));
    let mut tick = interval_at(Instant::now() + beat, beat); // time.Tick(m.beat)
    loop {
        task.set_state(State::ChanReceive);
        tokio::select! {
            _ = tick.tick() => {}
            () = m.env.shutdown.cancelled() => return, // port: drain
        }
        task.set_state(State::Running);
        if !m.inspect(&c.life).await {
            return; // port: the container stopped
        } // m.docker.Inspect(c.id)
    }
}

/// `wg.Add(1)`; a refused add is a bug, reported and survived.
fn add(wg: &WaitGroup, holder: Holder) {
    if let Err(e) = wg.add(holder, 1) {
        eprintln!("leakscope-monitor: bug: {e}");
    }
}
