//! `time.AfterFunc`: timers that hold no task while they wait.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use leakscope_sim::State;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::census::{Census, TaskKind, TaskSpec};

/// What a timer runs when it fires: it must not block (it runs on the
/// driver); to do work it spawns a task, as Go's `time.AfterFunc` runs its
/// function on a fresh goroutine.
pub type TimerFn = Box<dyn FnOnce() + Send>;

/// Where a timer stands among the timers due at the same instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    /// A timer of the program (or of its source): in the order set.
    Timer,
    /// After every [`Rank::Timer`] due at the same instant.
    AfterTimers,
}

type Key = (Instant, Rank, u64);

#[derive(Default)]
struct Pending {
    map: BTreeMap<Key, TimerFn>,
    seq: u64,
    closed: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    /// Wakes the driver when a timer earlier than every other is set.
    earlier: Notify,
}

impl Shared {
    fn pending(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Go's runtime timers: one driver task holds every pending timer in a map
/// of deadlines, so a scheduled rotation costs no task until it fires.
///
/// The driver is counted in the census as one [`TaskKind::Runtime`] task,
/// outside the model's roles (Go keeps timers in its runtime, not in
/// goroutines; see [`TaskKind`]).
///
/// Every time the driver wakes, the following unfolds:
///
/// 1. Every timer whose deadline has come is removed and run, earliest
///    first; timers due at the same instant run in the order they were set
///    (the model's rule 8), and those set with [`Timers::after_timers_at`]
///    after all the others of their instant. A timer set for now by a
///    timer firing now runs in the same turn.
/// 2. The driver sleeps until the earliest deadline left, or until a timer
///    earlier than it is set.
///
/// Everything a timer does runs on the driver, in one turn: no other task
/// runs meanwhile (the monitor's runtimes are current-thread under
/// `check`), so a timer can read a consistent state of the program.
///
/// Clones share the same driver. The driver ends when `shutdown` is
/// cancelled; pending timers are then dropped without running.
#[derive(Clone)]
pub struct Timers {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Timers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pending = self.shared.pending();
        f.debug_struct("Timers")
            .field("pending", &pending.map.len())
            .field("closed", &pending.closed)
            .finish()
    }
}

/// Go's `*time.Timer` of a `time.AfterFunc`: [`Timer::stop`] keeps its
/// function from running if it has not yet fired.
#[derive(Debug, Clone)]
pub struct Timer {
    state: Arc<AtomicU8>,
}

const PENDING: u8 = 0;
const FIRED: u8 = 1;
const STOPPED: u8 = 2;

impl Timer {
    /// `t.Stop()`: whether it stopped the timer (`false` once it has fired
    /// or was already stopped).
    pub fn stop(&self) -> bool {
        self.state
            .compare_exchange(PENDING, STOPPED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

impl Timers {
    /// Starts the driver on the current runtime, counted in `census`.
    pub fn start(census: &Census, shutdown: CancellationToken) -> Timers {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            earlier: Notify::new(),
        });
        let driver = shared.clone();
        census.spawn(
            TaskSpec::new(TaskKind::Runtime, State::Select),
            |_task| async move {
                loop {
                    let earlier = driver.earlier.notified();
                    tokio::pin!(earlier);
                    earlier.as_mut().enable();
                    let next = driver.pending().map.keys().next().map(|k| k.0);
                    tokio::select! {
                        biased;
                        () = shutdown.cancelled() => break,
                        () = &mut earlier => {}
                        () = sleep_until(next) => fire(&driver),
                    }
                }
                let dropped = {
                    let mut pending = driver.pending();
                    pending.closed = true;
                    std::mem::take(&mut pending.map)
                };
                // Dropped outside the lock: a timer's function may hold
                // handles whose drop sets timers.
                drop(dropped);
            },
        );
        Timers { shared }
    }

    /// `time.AfterFunc(d, f)`: runs `f` on the driver once `d` has passed.
    /// After shutdown the timer is dropped without running.
    pub fn after_func(&self, d: Duration, f: impl FnOnce() + Send + 'static) -> Timer {
        let state = Arc::new(AtomicU8::new(PENDING));
        let fired = state.clone();
        self.after(d, move || {
            if fired
                .compare_exchange(PENDING, FIRED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                f();
            }
        });
        Timer { state }
    }

    /// Runs `f` on the driver once `d` has passed (a timer that is never
    /// stopped: `time.After`, a source's own events).
    pub fn after(&self, d: Duration, f: impl FnOnce() + Send + 'static) {
        self.at(Instant::now() + d, f);
    }

    /// Runs `f` on the driver at `deadline`.
    pub fn at(&self, deadline: Instant, f: impl FnOnce() + Send + 'static) {
        self.set(deadline, Rank::Timer, Box::new(f));
    }

    /// Runs `f` on the driver at `deadline`, after every other timer due at
    /// that instant (those set later included).
    pub fn after_timers_at(&self, deadline: Instant, f: impl FnOnce() + Send + 'static) {
        self.set(deadline, Rank::AfterTimers, Box::new(f));
    }

    /// Timers set and not yet run or dropped.
    pub fn pending(&self) -> usize {
        self.shared.pending().map.len()
    }

    fn set(&self, deadline: Instant, rank: Rank, f: TimerFn) {
        let mut pending = self.shared.pending();
        if pending.closed {
            // The driver has shut down: nothing runs any more, as intended.
            drop(pending);
            drop(f);
            return;
        }
        let key = (deadline, rank, pending.seq);
        pending.seq += 1;
        let first = pending.map.keys().next().is_none_or(|k| key < *k);
        pending.map.insert(key, f);
        drop(pending);
        if first {
            self.shared.earlier.notify_one();
        }
    }
}

/// Runs every timer due by now, earliest first.
fn fire(shared: &Shared) {
    let now = Instant::now();
    loop {
        let f = {
            let mut pending = shared.pending();
            match pending.map.first_entry() {
                Some(entry) if entry.key().0 <= now => entry.remove(),
                _ => break,
            }
        };
        f();
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    use crate::test_rt::rt;

    #[test]
    fn timers_fire_at_their_deadline_in_the_order_they_were_set() {
        rt().block_on(async {
            let census = Census::new();
            let stop = CancellationToken::new();
            let timers = Timers::start(&census, stop.clone());
            let fired = Arc::new(Mutex::new(Vec::new()));
            let start = Instant::now();
            for (name, secs) in [("b", 5), ("a", 3), ("c", 5), ("d", 5)] {
                let fired = fired.clone();
                timers.after(Duration::from_secs(secs), move || {
                    fired
                        .lock()
                        .unwrap()
                        .push((name, start.elapsed().as_secs()));
                });
            }
            let last = fired.clone();
            timers.after_timers_at(start + Duration::from_secs(5), move || {
                last.lock()
                    .unwrap()
                    .push(("last", start.elapsed().as_secs()));
            });
            let late = fired.clone();
            timers.after(Duration::from_secs(5), move || {
                late.lock().unwrap().push(("e", start.elapsed().as_secs()));
            });
            tokio::time::sleep(Duration::from_secs(10)).await;
            assert_eq!(
                *fired.lock().unwrap(),
                vec![
                    ("a", 3),
                    ("b", 5),
                    ("c", 5),
                    ("d", 5),
                    ("e", 5),
                    ("last", 5)
                ]
            );
            assert_eq!(census.snapshot().runtime, 1);
            assert_eq!(census.snapshot().goroutines(), 0);
            stop.cancel();
            census.drained().await;
            assert_eq!(timers.pending(), 0);
        });
    }

    #[test]
    fn a_stopped_timer_never_runs_and_a_fired_one_cannot_be_stopped() {
        rt().block_on(async {
            let census = Census::new();
            let stop = CancellationToken::new();
            let timers = Timers::start(&census, stop.clone());
            let fired = Arc::new(Mutex::new(Vec::new()));
            let (a, b) = (fired.clone(), fired.clone());
            let ta = timers.after_func(Duration::from_secs(1), move || a.lock().unwrap().push(1));
            let tb = timers.after_func(Duration::from_secs(2), move || b.lock().unwrap().push(2));
            tokio::time::sleep(Duration::from_millis(1500)).await;
            assert!(!ta.stop());
            assert!(tb.stop());
            assert!(!tb.stop());
            tokio::time::sleep(Duration::from_secs(5)).await;
            assert_eq!(*fired.lock().unwrap(), vec![1]);
            stop.cancel();
            census.drained().await;
        });
    }
}
