//! The core's programs ([`leakscope_sim::Program`]), ported to tokio: one
//! file per program under `programs/`, and what they all share here.
//!
//! Every program of the core has the same shape and differs in a few
//! places (`leakscope_sim::programs`): its WaitGroups, what `rotate()` does,
//! and what `Stop()` waits on. So the port is split the same way:
//!
//! - here, line for line the text every program shares but for the name of
//!   a group: `type container struct`'s stream, timer and mutex
//!   ([`Container`]), `monitorContainer`, `openRotation`, `reader`,
//!   `heartbeat`, and `Stop()` up to its waits;
//! - in `programs/<name>.rs`, line for line what is that program's own: the
//!   groups its `type container struct` declares (a [`Layout`]), its
//!   `rotate()`, and the waits of its `Stop()`;
//! - [`port`] is the registry: [`leakscope_sim::Program`] to its [`Port`].
//!   The build script (`build.rs`) finds the files of `programs/` and
//!   writes their `mod` lines and the list [`port`] searches: adding a
//!   program to the core costs one file here, `programs/<stem>.rs` (the
//!   core's file name) with its `port()`, and nothing else; a test fails,
//!   naming the file, until it is there.
//!
//! On tokio, `go f()` is a task spawned into the [`crate::Census`],
//! `time.AfterFunc` and `time.After` are the [`crate::Timers`] driver, a
//! `sync.WaitGroup` is a [`WaitGroup`] with Go's semantics, `m.ctx` a
//! cancellation token. The ports add two things the Go text leaves out,
//! each marked `port:` where it sits: every blocking point also ends when
//! the monitor drains (so a drain leaves no task), and a container that has
//! stopped and was read to its end opens no further rotation (real
//! containers end; the model's never do).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use leakscope_sim::{Program, Role, State, WaitGroupName};
use tokio::time::{Instant, interval_at};

use crate::census::Task;
use crate::monitor::{ContainerLife, Monitor};
use crate::source::{LogSource, LogStream};
use crate::timers::Timer;
use crate::wait_group::{Holder, WaitGroup};

/// A boxed future of a port, so that the registry can hold its functions.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// `func (m *Monitor) rotate(c *container, s *Stream, n int)`, run on its
/// own task (`task`) when rotation `n` falls due.
pub(crate) type Rotate<S> = fn(
    Arc<Monitor<S>>,
    Arc<Container<S>>,
    Arc<<S as LogSource>::Stream>,
    u32,
    Task,
) -> BoxFuture<()>;

/// `Stop()`'s last loop, for one container: its waits. `false` when the
/// monitor drained before they returned.
pub(crate) type StopWait<S> = fn(Arc<Monitor<S>>, Arc<Container<S>>) -> BoxFuture<bool>;

/// The groups a program's `type container struct` declares: the one the
/// heartbeat is added to and the one every reader is added to (the same
/// group when the program has one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    /// `c.wg.Add(1); go m.heartbeat(c)`
    pub heartbeat: WaitGroupName,
    /// `c.wg.Add(1); go m.reader(c, s, n)`
    pub reader: WaitGroupName,
}

/// One program's port: what is its own.
pub(crate) struct Port<S: LogSource> {
    /// The program of the core it ports.
    pub program: Program,
    /// Its groups.
    pub layout: Layout,
    /// Its `rotate()`.
    pub rotate: Rotate<S>,
    /// Its `Stop()`'s waits.
    pub stop_wait: StopWait<S>,
}

// The `mod` line of every file of `programs/`, `ports()` and (for the
// tests) `STEMS`.
include!(concat!(env!("OUT_DIR"), "/ports.rs"));

/// The registry: the port of `program`, if it has one.
pub(crate) fn port<S: LogSource>(program: Program) -> Option<Port<S>> {
    ports().into_iter().find(|p| p.program == program)
}

/// The programs ported, by name in the core's order, for messages.
pub(crate) fn ported_names() -> String {
    let mut programs: Vec<Program> = ports::<crate::Synthetic>()
        .iter()
        .map(|p| p.program)
        .collect();
    programs.sort();
    programs
        .iter()
        .map(|p| p.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `type container struct`: the container, its groups as its program lays
/// them out, and, under `mu`, its current rotation's stream and timer.
pub(crate) struct Container<S: LogSource> {
    /// `id`, and what the port knows of the container.
    pub life: ContainerLife,
    layout: Layout,
    heartbeat_wg: WaitGroup,
    /// The same group as `heartbeat_wg` when the layout has one group.
    reader_wg: WaitGroup,
    /// `mu sync.Mutex // guards stream and timer`
    mu: Mutex<Current<S>>,
}

/// What `c.mu` guards.
pub(crate) struct Current<S: LogSource> {
    /// `stream *Stream // the current rotation's stream`
    pub stream: Option<Arc<S::Stream>>,
    /// `timer *time.Timer // the current rotation's timer`
    pub timer: Option<Timer>,
}

impl<S: LogSource> Container<S> {
    pub(crate) fn new(layout: Layout, life: ContainerLife) -> Container<S> {
        let heartbeat_wg = WaitGroup::new();
        let reader_wg = if layout.reader == layout.heartbeat {
            heartbeat_wg.clone()
        } else {
            WaitGroup::new()
        };
        Container {
            life,
            layout,
            heartbeat_wg,
            reader_wg,
            mu: Mutex::new(Current {
                stream: None,
                timer: None,
            }),
        }
    }

    /// `c.<group>`: the group the program names `group` (a name it does not
    /// declare reads as its reader group; the registry's test checks every
    /// port names only its own).
    pub(crate) fn group(&self, group: WaitGroupName) -> &WaitGroup {
        if group == self.layout.heartbeat {
            &self.heartbeat_wg
        } else {
            &self.reader_wg
        }
    }

    /// `c.wg`
    pub(crate) fn wg(&self) -> &WaitGroup {
        self.group(WaitGroupName::Wg)
    }

    /// `c.heartbeatWg`
    pub(crate) fn heartbeat_wg(&self) -> &WaitGroup {
        self.group(WaitGroupName::HeartbeatWg)
    }

    /// `c.readerWg`
    pub(crate) fn reader_wg(&self) -> &WaitGroup {
        self.group(WaitGroupName::ReaderWg)
    }

    /// The group the heartbeat is added to.
    fn heartbeat_group(&self) -> &WaitGroup {
        &self.heartbeat_wg
    }

    /// The group every reader is added to.
    fn reader_group(&self) -> &WaitGroup {
        &self.reader_wg
    }

    /// Its groups, each once, named.
    pub(crate) fn groups(&self) -> Vec<(WaitGroupName, &WaitGroup)> {
        let mut out = vec![(self.layout.heartbeat, &self.heartbeat_wg)];
        if self.layout.reader != self.layout.heartbeat {
            out.push((self.layout.reader, &self.reader_wg));
        }
        out
    }

    /// `c.mu.Lock()`; the guard's drop is `c.mu.Unlock()`.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Current<S>> {
        self.mu.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// `func (m *Monitor) monitorContainer(c *container)`
pub(crate) fn monitor_container<S: LogSource>(m: &Arc<Monitor<S>>, c: &Arc<Container<S>>) {
    add(c.heartbeat_group(), Holder::Heartbeat); // c.wg.Add(1)
    let (m2, c2) = (m.clone(), c.clone());
    m.env.go(
        Monitor::<S>::spec(&c.life, Role::Heartbeat, None, State::Select),
        |task| heartbeat(m2, c2, task), // go m.heartbeat(c) // lives as long as the container
    );
    open_rotation(m, c, 1); // m.openRotation(c, 1)
}

/// `func (m *Monitor) openRotation(c *container, n int)`
pub(crate) fn open_rotation<S: LogSource>(m: &Arc<Monitor<S>>, c: &Arc<Container<S>>, n: u32) {
    let mut current = c.lock(); // c.mu.Lock(); defer c.mu.Unlock()
    if m.ctx.is_cancelled() {
        // if m.ctx.Err() != nil {
        return; // return // Stop() has run: open nothing more
    }
    if let Some(last) = &current.stream
        && m.finished(&c.life, last)
    {
        return; // port: the container stopped and its last stream was read to its end
    }
    let s = Arc::new(m.source.logs(&m.env, &c.life.info, n)); // s := m.docker.Logs(c.id) // follow the log stream
    add(c.reader_group(), Holder::Reader); // c.wg.Add(1)
    let (m2, c2, s2) = (m.clone(), c.clone(), s.clone());
    m.env.go(
        Monitor::<S>::spec(&c.life, Role::Reader, Some(n), State::IoWait),
        |task| reader(m2, c2, s2, task), // go m.reader(c, s, n)
    );
    // time.AfterFunc(m.rotation, func() { m.rotate(c, s, n) }): the
    // function runs on a fresh task, the rotation's waiter.
    let (m2, c2, s2) = (m.clone(), c.clone(), s.clone());
    let timer = m.env.timers.after_func(m.config.rotation, move || {
        let spec = Monitor::<S>::spec(&c2.life, Role::Waiter, Some(n), State::Running);
        let (rotate, m3) = (m2.port.rotate, m2.clone());
        m2.env.go(spec, move |task| rotate(m3, c2, s2, n, task));
    });
    (current.stream, current.timer) = (Some(s), Some(timer)); // c.stream, c.timer = s, time.AfterFunc(…)
}

/// `func (m *Monitor) reader(c *container, s *Stream, n int)`
async fn reader<S: LogSource>(
    m: Arc<Monitor<S>>,
    c: Arc<Container<S>>,
    s: Arc<S::Stream>,
    task: Task,
) {
    let _done = c.reader_group().done_on_drop(Holder::Reader); // defer c.wg.Done()
    task.watch_stream(s.failed_flag());
    loop {
        task.set_state(State::IoWait);
        // line, err := s.ReadLine() // IO wait (port: the drain closes every stream)
        let line = s.read_line().await;
        let Some(line) = line else {
            return; // if err != nil { return }
        };
        task.set_state(State::Running);
        m.emit(&c.life, line).await; // m.out <- line
    }
}

/// `func (m *Monitor) heartbeat(c *container)`
async fn heartbeat<S: LogSource>(m: Arc<Monitor<S>>, c: Arc<Container<S>>, task: Task) {
    let _done = c.heartbeat_group().done_on_drop(Holder::Heartbeat); // defer c.wg.Done()
    let beat = m.config.heartbeat.max(Duration::from_millis(1));
    let mut tick = interval_at(Instant::now() + beat, beat); // tick := time.NewTicker(m.beat); defer tick.Stop()
    let done = m.ctx.cancelled(); // m.ctx.Done()
    tokio::pin!(done);
    loop {
        task.set_state(State::Select);
        tokio::select! {
            biased;
            () = &mut done => return, // case <-m.ctx.Done(): return // Stop() cancelled m.ctx (port: and the drain)
            _ = tick.tick() => {}             // case <-tick.C:
        }
        task.set_state(State::Running);
        if !m.inspect(&c.life).await {
            return; // port: the container stopped
        } // m.docker.Inspect(c.id)
    }
}

/// `func (m *Monitor) Stop()`: the first loops here, the program's waits
/// in its port.
pub(crate) async fn stop<S: LogSource>(m: &Arc<Monitor<S>>) -> bool {
    m.ctx.cancel(); // m.cancel()
    let containers = m.program_containers();
    for c in &containers {
        let current = c.lock(); // c.mu.Lock()
        if let Some(timer) = &current.timer {
            timer.stop(); // c.timer.Stop()   // a rotation not yet due never runs
        }
        if let Some(stream) = &current.stream {
            stream.close(); // c.stream.Close() // the current reader reads EOF
        }
        drop(current); // c.mu.Unlock()
    }
    for c in &containers {
        m.set_stopping(Some(c.life.info.index));
        if !(m.port.stop_wait)(m.clone(), c.clone()).await {
            return false; // port: drained
        }
    }
    m.set_stopping(None);
    true
}

/// `wg.Wait()` on a task of the program: the task shows `sync.WaitGroup.Wait` while
/// it blocks. `false` when the monitor drained first (port).
pub(crate) async fn wait<S: LogSource>(m: &Monitor<S>, task: &Task, wg: &WaitGroup) -> bool {
    task.set_state(State::Semacquire);
    tokio::select! {
        biased;
        () = wg.wait() => {
            task.set_state(State::Running);
            true
        }
        () = m.env.shutdown.cancelled() => false, // port: drain
    }
}

/// `wg.Wait()` in `Stop()`, on its caller (not a task of the program, yet
/// one of the group's waiters while it blocks, as Go's `WaitGroup` counts
/// it). `false` when the monitor drained first (port).
pub(crate) async fn wait_in_stop<S: LogSource>(m: &Monitor<S>, wg: &WaitGroup) -> bool {
    tokio::select! {
        biased;
        () = wg.wait() => true,
        () = m.env.shutdown.cancelled() => false, // port: drain
    }
}

/// `wg.Add(1)`; a refused add is a bug, reported and survived.
fn add(wg: &WaitGroup, holder: Holder) {
    if let Err(e) = wg.add(holder, 1) {
        eprintln!("leakscope-monitor: bug: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Synthetic;

    #[test]
    fn every_program_of_the_core_has_exactly_one_port() {
        for program in Program::ALL {
            let n = ports::<Synthetic>()
                .iter()
                .filter(|p| p.program == program)
                .count();
            assert_eq!(
                n,
                1,
                "the core's program {program} has {n} ports: it needs one, \
                 crates/monitor/src/programs/{}.rs",
                program.tag()
            );
        }
        assert_eq!(ported_names(), Program::names());
    }

    #[test]
    fn every_port_file_is_named_after_its_program() {
        for (p, stem) in ports::<Synthetic>().iter().zip(STEMS) {
            assert_eq!(
                p.program.tag(),
                stem,
                "programs/{stem}.rs ports {}: name the file after it",
                p.program
            );
        }
    }

    /// Whitespace runs as one space, ends trimmed.
    fn normal(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The Go function of `source` that starts with `head`, line by line.
    fn function<'a>(source: &'a str, head: &str) -> Vec<&'a str> {
        let mut lines = source.lines().skip_while(|l| !l.starts_with(head));
        let mut out: Vec<&str> = lines.by_ref().take_while(|l| *l != "}").collect();
        out.push("}");
        out
    }

    /// Every commented line of a program's Go text is quoted by its port:
    /// `rotate()` and `Stop()`'s waits in `programs/<name>.rs`, the rest in
    /// that file or here (the text every program shares).
    #[test]
    fn every_port_quotes_the_commented_lines_of_its_go_text() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let shared = normal(&std::fs::read_to_string(format!("{dir}/programs.rs")).unwrap());
        for program in Program::ALL {
            let file = format!("{dir}/programs/{}.rs", program.name().replace('-', "_"));
            let own = normal(&std::fs::read_to_string(&file).unwrap());
            let source = program.source();
            let rotate = function(source, "func (m *Monitor) rotate(");
            let stop = function(source, "func (m *Monitor) Stop(");
            let waits: Vec<&str> = stop
                .iter()
                .skip_while(|l| !l.contains("Unlock"))
                .copied()
                .collect();
            for line in source
                .lines()
                .filter(|l| l.contains("//") && l.starts_with('\t'))
            {
                let quoted = normal(line);
                let theirs = rotate.contains(&line) || waits.contains(&line);
                let found = own.contains(&quoted) || (!theirs && shared.contains(&quoted));
                assert!(found, "{file} does not quote {program}'s line {quoted:?}");
            }
        }
    }

    #[test]
    fn every_port_declares_the_groups_of_its_program() {
        for p in ports::<Synthetic>() {
            let mut declared = vec![p.layout.heartbeat, p.layout.reader];
            declared.dedup();
            assert_eq!(declared, WaitGroupName::of(p.program), "{}", p.program);
        }
    }
}
