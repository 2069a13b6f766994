//! The buggy program: one WaitGroup for two lifecycles.
//!
//! Line for line the model's buggy Go code (`docs/model.md` §1), on tokio:
//! `go f()` is a task spawned into the census, `time.AfterFunc` is the timer
//! driver, `c.wg` is a [`WaitGroup`] with Go's semantics. Compare with
//! [`crate::split`]: the groups and the error path differ, nothing else.
//!
//! The port adds two things the Go code leaves out, both marked below:
//! every blocking point also ends at shutdown (so a drain leaves no task),
//! and a rotation of a container that has stopped and was read to its end
//! opens nothing more (real containers end; the model's never do).

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
    /// `wg sync.WaitGroup // the heartbeat AND every reader`
    wg: WaitGroup,
}

/// `func (m *Monitor) monitorContainer(c *container)`
pub(crate) fn monitor_container<S: Source>(m: &Arc<Monitor<S>>, life: Life) {
    let c = Arc::new(Container {
        life,
        wg: WaitGroup::new(),
    });
    m.env
        .census
        .register_groups(&ProgramGroups::Shared { wg: c.wg.clone() });
    add(&c.wg, Holder::Heartbeat); // c.wg.Add(1)
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
    add(&c.wg, Holder::Reader); // c.wg.Add(1)
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
        m.count_stream_error(&c.life);
        // Workaround: Wait() hung, so on a stream error skip it.
        if !m.finished(&c.life, &s) {
            open_rotation(&m, &c, n + 1); // s is never closed: reader n stays
        }
        return;
    }
    s.close(); // reader n reads EOF and calls Done
    task.set_state(State::Semacquire);
    // c.wg.Wait() // the heartbeat still holds c.wg: never returns
    tokio::select! {
        () = c.wg.wait() => {}
        () = m.env.shutdown.cancelled() => return, // port: drain
    }
    task.set_state(State::Running);
    if !m.finished(&c.life, &s) {
        open_rotation(&m, &c, n + 1); // never reached while the heartbeat lives: the logs stop
    }
}

/// `func (m *Monitor) reader(c *container, s *Stream, n int)`
async fn reader<S: Source>(m: Arc<Monitor<S>>, c: Arc<Container>, s: Arc<S::Stream>, task: Task) {
    let _done = c.wg.done_on_drop(Holder::Reader); // defer c.wg.Done()
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
    let _done = c.wg.done_on_drop(Holder::Heartbeat); // defer c.wg.Done()
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
