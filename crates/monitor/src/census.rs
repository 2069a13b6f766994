//! The task census: every live task of the monitor, counted exactly by a
//! guard created when the task is spawned and dropped when it ends.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use leakscope_sim::{
    DumpFormat, Goroutine, GroupState, Program, Role, RoleCounts, State, Time, WaitGroupName,
    WaitGroups, render_dump,
};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::wait_group::{WaitGroup, WeakWaitGroup};

/// What a task is, for the census.
///
/// The model's roles ([`Role`]) are the program's goroutines. `Runtime`
/// tasks are the port's stand-ins for Go's runtime machinery — above all the
/// one timer driver that plays Go's runtime timers (`time.AfterFunc` holds no
/// goroutine). Go's `runtime.NumGoroutine()` and its goroutine profile leave
/// the runtime's own system goroutines out, so the census counts runtime
/// tasks apart and leaves them out of [`CensusSnapshot::goroutines`] and of
/// the dumps, exactly as the model leaves them out of its count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaskKind {
    /// Machinery of the port that Go keeps in its runtime (the timer driver).
    Runtime,
    /// A goroutine of the model's program.
    Model(Role),
}

impl TaskKind {
    /// The label used in metrics: the role's name, or `runtime`.
    pub const fn name(self) -> &'static str {
        match self {
            TaskKind::Runtime => "runtime",
            TaskKind::Model(role) => role.name(),
        }
    }
}

impl From<Role> for TaskKind {
    fn from(role: Role) -> TaskKind {
        TaskKind::Model(role)
    }
}

/// Who a task is: its kind, and the container and rotation it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskSpec {
    /// Runtime, or the model's role.
    pub kind: TaskKind,
    /// The container it serves, as an index.
    pub container: Option<u32>,
    /// The rotation it belongs to.
    pub rotation: Option<u32>,
    /// The state it starts in.
    pub state: State,
}

impl TaskSpec {
    /// A task of `kind` serving no container, starting in `state`.
    pub fn new(kind: impl Into<TaskKind>, state: State) -> TaskSpec {
        TaskSpec {
            kind: kind.into(),
            container: None,
            rotation: None,
            state,
        }
    }

    /// The same task, serving `container`.
    pub fn container(mut self, container: u32) -> TaskSpec {
        self.container = Some(container);
        self
    }

    /// The same task, in `rotation`.
    pub fn rotation(mut self, rotation: u32) -> TaskSpec {
        self.rotation = Some(rotation);
        self
    }
}

/// A flag a stream raises when it fails, read by the census to tell a
/// reader left behind (its failed stream never closed) from a current one,
/// and the handlers stuck with it from those of a healthy stream.
pub type FailedFlag = Arc<AtomicBool>;

/// A task's state and the instant it entered it, written by the task
/// itself without the census's lock (a reader changes state at every line).
#[derive(Debug)]
struct Cell {
    state: AtomicU8,
    since_ms: AtomicU64,
}

const STATES: [State; 6] = [
    State::Running,
    State::ChanReceive,
    State::Select,
    State::IoWait,
    State::Semacquire,
    State::Exited,
];

impl Cell {
    fn new(state: State, now: Time) -> Cell {
        Cell {
            state: AtomicU8::new(Cell::code(state)),
            since_ms: AtomicU64::new(now.as_millis()),
        }
    }

    fn code(state: State) -> u8 {
        STATES.iter().position(|&s| s == state).unwrap_or(0) as u8
    }

    fn state(&self) -> State {
        STATES[usize::from(self.state.load(Ordering::Acquire)) % STATES.len()]
    }

    fn since(&self) -> Time {
        Time::from_millis(self.since_ms.load(Ordering::Acquire))
    }
}

#[derive(Debug)]
struct Record {
    spec: TaskSpec,
    cell: Arc<Cell>,
    spawned: Time,
    stream_failed: Option<FailedFlag>,
}

/// A registered wait group: the container it belongs to, its name in the
/// program, and a handle that does not keep it alive.
#[derive(Debug)]
struct Registered {
    container: u32,
    group: WaitGroupName,
    handle: WeakWaitGroup,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    tasks: BTreeMap<u64, Record>,
    counts: RoleCounts,
    runtime: u64,
    spawned: u64,
    groups: Vec<Registered>,
}

#[derive(Debug)]
struct Shared {
    inner: Mutex<Inner>,
    epoch: Instant,
    empty: Notify,
    /// Tasks spawned and not yet polled once.
    unstarted: AtomicU64,
    settled: Notify,
}

/// The live tasks of one monitor, per role, with each task's state and the
/// instant it entered it; and the monitor's wait groups.
///
/// A task is counted from the moment it is spawned (as Go counts a
/// goroutine from its `go` statement) until its future ends or is dropped:
/// the [`Task`] guard spawned with it does both, so the counts are exact at
/// every instant and never depend on the task reporting its own end.
///
/// Clones share the same census.
#[derive(Debug, Clone)]
pub struct Census {
    shared: Arc<Shared>,
}

impl Default for Census {
    fn default() -> Self {
        Census::new()
    }
}

/// What the census holds at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CensusSnapshot {
    /// Live tasks of the model's roles.
    pub by_role: RoleCounts,
    /// Live runtime tasks (not in `by_role`).
    pub runtime: u64,
    /// Live readers whose stream has failed: at a quiet instant, the readers
    /// whose failed stream was never closed (closing a failed stream ends
    /// its reader at once).
    pub leaked_readers: u64,
    /// Containers whose `rotate()` task is blocked in `Wait()` (a waiter in
    /// state `sync.WaitGroup.Wait`; a timed wait's task in `select` and its helper
    /// are not: that container's logs go on).
    pub stalled_containers: u64,
    /// Tasks spawned since the census began, runtime tasks included.
    pub spawned: u64,
}

impl CensusSnapshot {
    /// `runtime.NumGoroutine()` of the model: every live task of a model
    /// role, runtime tasks left out.
    pub fn goroutines(&self) -> u64 {
        self.by_role.total()
    }

    /// Every live task the census holds, runtime tasks included: what tokio's
    /// `num_alive_tasks()` reads when the monitor spawns nothing else.
    pub fn all_tasks(&self) -> u64 {
        self.by_role.total() + self.runtime
    }
}

impl Census {
    /// An empty census whose clock starts now (tokio's clock: virtual under
    /// a paused runtime). Call it inside a runtime.
    pub fn new() -> Census {
        Census {
            shared: Arc::new(Shared {
                inner: Mutex::new(Inner {
                    next_id: 1,
                    ..Inner::default()
                }),
                epoch: Instant::now(),
                empty: Notify::new(),
                unstarted: AtomicU64::new(0),
                settled: Notify::new(),
            }),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.shared
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The census's clock: time since it began, in the core's unit.
    pub fn now(&self) -> Time {
        Time::from_millis(self.shared.epoch.elapsed().as_millis() as u64)
    }

    /// The instant the census began.
    pub fn epoch(&self) -> Instant {
        self.shared.epoch
    }

    /// Counts a task in and returns its guard; dropping the guard counts it
    /// out. [`Census::spawn`] is the usual way to use it.
    pub fn enter(&self, spec: TaskSpec) -> TaskGuard {
        let now = self.now();
        let mut inner = self.inner();
        let id = inner.next_id;
        inner.next_id += 1;
        inner.spawned += 1;
        match spec.kind {
            TaskKind::Runtime => inner.runtime += 1,
            TaskKind::Model(role) => *inner.counts.get_mut(role) += 1,
        }
        let cell = Arc::new(Cell::new(spec.state, now));
        inner.tasks.insert(
            id,
            Record {
                spec,
                cell: cell.clone(),
                spawned: now,
                stream_failed: None,
            },
        );
        TaskGuard(Task {
            census: self.clone(),
            id,
            cell,
        })
    }

    /// Spawns `f(task)` on the current tokio runtime, counted as `spec`
    /// from now until its future ends or is dropped: the guard lives in the
    /// spawned future, beside `f`'s, whatever `f` does with its handle.
    pub fn spawn<F, Fut>(&self, spec: TaskSpec, f: F)
    where
        F: FnOnce(Task) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let guard = self.enter(spec);
        let fut = f(guard.task().clone());
        self.shared.unstarted.fetch_add(1, Ordering::AcqRel);
        let census = self.clone();
        drop(tokio::spawn(async move {
            let _guard = guard;
            census.started();
            fut.await;
        }));
    }

    fn started(&self) {
        if self.shared.unstarted.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.settled.notify_waiters();
        }
    }

    /// Returns once every task spawned so far has been polled at least
    /// once: each has run up to its first blocking point (or its end), and
    /// so has every task those spawned in turn.
    ///
    /// Under a paused clock this is how a caller lets the work that timers
    /// started at an instant happen before its own at the same instant: the
    /// model's `Stop()` runs after every timer due at its instant.
    pub async fn settled(&self) {
        loop {
            let settled = self.shared.settled.notified();
            tokio::pin!(settled);
            settled.as_mut().enable();
            if self.shared.unstarted.load(Ordering::Acquire) == 0 {
                return;
            }
            settled.await;
        }
    }

    fn leave(&self, id: u64) {
        let mut inner = self.inner();
        if let Some(record) = inner.tasks.remove(&id) {
            match record.spec.kind {
                TaskKind::Runtime => inner.runtime -= 1,
                TaskKind::Model(role) => *inner.counts.get_mut(role) -= 1,
            }
        }
        if inner.tasks.is_empty() {
            drop(inner);
            self.shared.empty.notify_waiters();
        }
    }

    /// Registers one wait group of `container`, named as in the program's
    /// code (`wg`, `heartbeatWg`, `readerWg`). The census keeps no group
    /// alive: a group leaves the sums when its container is dropped.
    pub fn register_group(&self, container: u32, group: WaitGroupName, wg: &WaitGroup) {
        self.inner().groups.push(Registered {
            container,
            group,
            handle: wg.downgrade(),
        });
    }

    /// The counts right now.
    pub fn snapshot(&self) -> CensusSnapshot {
        let inner = self.inner();
        let mut leaked = 0;
        let mut stalled = BTreeSet::new();
        for r in inner.tasks.values() {
            match r.spec.kind {
                TaskKind::Model(Role::Reader)
                    if r.stream_failed
                        .as_ref()
                        .is_some_and(|f| f.load(Ordering::Acquire)) =>
                {
                    leaked += 1;
                }
                TaskKind::Model(Role::Waiter) if r.cell.state() == State::Semacquire => {
                    stalled.insert(r.spec.container);
                }
                _ => {}
            }
        }
        CensusSnapshot {
            by_role: inner.counts,
            runtime: inner.runtime,
            leaked_readers: leaked,
            stalled_containers: stalled.len() as u64,
            spawned: inner.spawned,
        }
    }

    /// The registered wait groups summed over containers, by name: every
    /// group of `program` (zero when none is registered), and any other
    /// group registered.
    pub fn wait_groups(&self, program: Program) -> WaitGroups {
        let mut sums: BTreeMap<WaitGroupName, GroupState> = WaitGroupName::of(program)
            .iter()
            .map(|&g| (g, GroupState::default()))
            .collect();
        let mut inner = self.inner();
        inner.groups.retain(|r| r.handle.upgrade().is_some());
        for r in &inner.groups {
            let Some(group) = r.handle.upgrade() else {
                continue;
            };
            let s = group.state();
            let sum = sums.entry(r.group).or_default();
            sum.counter += s.counter;
            sum.holders.heartbeat += s.holders.heartbeat;
            sum.holders.reader += s.holders.reader;
            sum.waiters += s.waiters;
        }
        WaitGroups(sums)
    }

    /// Containers with a registered group whose counter is above zero.
    /// After `Stop()` has run, those whose groups never reach zero: nothing
    /// is left that would call `Done()`.
    pub fn containers_holding_groups(&self) -> u32 {
        let inner = self.inner();
        let held: BTreeSet<u32> = inner
            .groups
            .iter()
            .filter(|r| r.handle.upgrade().is_some_and(|g| g.counter() > 0))
            .map(|r| r.container)
            .collect();
        held.len() as u32
    }

    /// Every live task of a model role as the core's [`Goroutine`], in
    /// spawn order; runtime tasks are left out, as Go's profile leaves out
    /// its runtime's goroutines.
    pub fn goroutines(&self) -> Vec<Goroutine> {
        let inner = self.inner();
        inner
            .tasks
            .iter()
            .filter_map(|(&id, r)| {
                let TaskKind::Model(role) = r.spec.kind else {
                    return None;
                };
                let stuck = match role {
                    // A stream's reader and handlers: stuck while their
                    // failed stream is not closed.
                    Role::Reader | Role::Handler => r
                        .stream_failed
                        .as_ref()
                        .is_some_and(|f| f.load(Ordering::Acquire)),
                    Role::Helper => true,
                    Role::Waiter => r.cell.state() == State::Semacquire,
                    _ => false,
                };
                Some(Goroutine {
                    id,
                    role,
                    container: r.spec.container,
                    rotation: r.spec.rotation,
                    state: r.cell.state(),
                    since: r.cell.since(),
                    spawned: r.spawned,
                    stuck,
                })
            })
            .collect()
    }

    /// A goroutine dump of the live tasks in the shape of
    /// `/debug/pprof/goroutine?debug=1|2`, through the core's renderer, so
    /// it reads exactly like `leakscope dump` of `program`.
    pub fn dump(&self, program: Program, format: DumpFormat) -> String {
        render_dump(program, &self.goroutines(), self.now(), format)
    }

    /// Live tasks, runtime ones included.
    pub fn len(&self) -> u64 {
        self.inner().tasks.len() as u64
    }

    /// Whether no task is alive.
    pub fn is_empty(&self) -> bool {
        self.inner().tasks.is_empty()
    }

    /// Returns once no task is alive.
    pub async fn drained(&self) {
        loop {
            let empty = self.shared.empty.notified();
            tokio::pin!(empty);
            empty.as_mut().enable();
            if self.is_empty() {
                return;
            }
            empty.await;
        }
    }
}

/// A live task's handle in the census: tells the census what the task is
/// doing. The task is counted by its [`TaskGuard`], not by this handle.
#[derive(Debug, Clone)]
pub struct Task {
    census: Census,
    id: u64,
    cell: Arc<Cell>,
}

/// Counts a task out of the census when dropped.
#[derive(Debug)]
#[must_use = "the task is counted out when this guard is dropped"]
pub struct TaskGuard(Task);

impl TaskGuard {
    /// The task's handle.
    pub fn task(&self) -> &Task {
        &self.0
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.census.leave(self.0.id);
    }
}

impl Task {
    /// The task's id in the census (spawn order, from 1, as Go numbers
    /// goroutines).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Records that the task entered `state` now.
    pub fn set_state(&self, state: State) {
        let code = Cell::code(state);
        if self.cell.state.load(Ordering::Relaxed) != code {
            self.cell
                .since_ms
                .store(self.census.now().as_millis(), Ordering::Release);
            self.cell.state.store(code, Ordering::Release);
        }
    }

    /// Ties a reader, or one of its stream's handlers, to the stream's
    /// failure flag.
    pub fn watch_stream(&self, failed: FailedFlag) {
        let mut inner = self.census.inner();
        if let Some(r) = inner.tasks.get_mut(&self.id) {
            r.stream_failed = Some(failed);
        }
    }

    /// The census this task is counted in.
    pub fn census(&self) -> &Census {
        &self.census
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_rt::rt;

    #[test]
    fn tasks_are_counted_from_spawn_to_end_and_tokio_agrees() {
        rt().block_on(async {
            let census = Census::new();
            let metrics = tokio::runtime::Handle::current().metrics();
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            census.spawn(
                TaskSpec::new(Role::Heartbeat, State::ChanReceive).container(0),
                |_task| async move {
                    let _ = rx.await;
                },
            );
            census.spawn(
                TaskSpec::new(TaskKind::Runtime, State::Select),
                |_t| async {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                },
            );
            let s = census.snapshot();
            assert_eq!((s.by_role.heartbeat, s.runtime, s.goroutines()), (1, 1, 1));
            assert_eq!(metrics.num_alive_tasks() as u64, s.all_tasks());
            tx.send(()).unwrap();
            census.drained().await;
            assert_eq!(census.snapshot().all_tasks(), 0);
        });
    }

    #[test]
    fn the_dump_reads_like_the_cores() {
        rt().block_on(async {
            let census = Census::new();
            census.spawn(
                TaskSpec::new(Role::Waiter, State::Semacquire)
                    .container(3)
                    .rotation(1),
                |_t| std::future::pending(),
            );
            tokio::time::sleep(std::time::Duration::from_secs(120)).await;
            let dump = census.dump(Program::BUGGY, DumpFormat::Full);
            assert!(dump.starts_with("goroutine 1 [sync.WaitGroup.Wait, 2 minutes]:\n"), "{dump}");
            assert!(dump.contains("leakscope/monitor.(*Monitor).rotate(container=3, rotation=1)"));
            assert_eq!(census.snapshot().stalled_containers, 1);
            let grouped = census.dump(Program::BUGGY, DumpFormat::Grouped);
            assert!(grouped.starts_with("goroutine profile: total 1\n1 @ waiter [sync.WaitGroup.Wait] (blocked in Wait for good)\n"), "{grouped}");
        });
    }
}
