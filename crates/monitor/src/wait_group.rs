//! A wait group with Go's semantics, observable for the census.

use std::sync::{Arc, Mutex, MutexGuard};

use leakscope_sim::{GroupState, Holders};
use tokio::sync::Notify;

/// Who holds a count of a [`WaitGroup`]: the model's two lifecycles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Holder {
    /// A heartbeat: holds its count for as long as the container lives.
    Heartbeat,
    /// A reader: holds its count until its stream ends.
    Reader,
}

/// A misuse of a [`WaitGroup`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaitGroupError {
    /// Occurs when `add` or `done` would take the counter (or one holder's
    /// share of it) below zero. Go panics here (`sync: negative WaitGroup
    /// counter`); this type refuses the change and leaves the counter as it
    /// was, so a bug is reported instead of taking the monitor down.
    #[error("negative WaitGroup counter: {holder:?} delta {delta} on a counter of {counter}")]
    Negative {
        /// Whose count was changed.
        holder: Holder,
        /// The change asked for.
        delta: i64,
        /// The counter before the change.
        counter: u64,
    },
}

#[derive(Debug, Default)]
struct Counts {
    heartbeat: u64,
    reader: u64,
    waiters: u64,
}

impl Counts {
    fn counter(&self) -> u64 {
        self.heartbeat + self.reader
    }
}

#[derive(Debug, Default)]
struct Inner {
    counts: Mutex<Counts>,
    zero: Notify,
}

/// Go's `sync.WaitGroup`: a counter that `add` raises and `done` lowers,
/// and a [`wait`](WaitGroup::wait) that returns once the counter is zero.
///
/// Unlike Go's, every count is labelled with its [`Holder`], and the
/// counter, its holders and the tasks blocked in `wait` can be read at any
/// time ([`WaitGroup::state`]): the census sums them over containers into the
/// [`leakscope_sim::WaitGroups`] of a sample. Cloning gives another handle to
/// the same group.
///
/// The semantics the model needs are Go's, not those of tokio-util's
/// `TaskTracker`: a `wait` that starts while a heartbeat holds the group
/// blocks for as long as the heartbeat lives — for good — and does not
/// depend on the group being "closed" first.
///
/// # Examples
///
/// ```
/// use leakscope_monitor::{Holder, WaitGroup};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let wg = WaitGroup::new();
/// wg.add(Holder::Reader, 1).unwrap();
/// let done = wg.clone();
/// tokio::spawn(async move { done.done(Holder::Reader).unwrap() });
/// wg.wait().await; // returns once the reader is done
/// assert_eq!(wg.counter(), 0);
/// # });
/// ```
///
/// # Errors
///
/// `add` and `done` return [`WaitGroupError::Negative`] where Go would panic.
#[derive(Debug, Clone, Default)]
pub struct WaitGroup {
    inner: Arc<Inner>,
}

impl WaitGroup {
    /// A group whose counter is zero.
    pub fn new() -> WaitGroup {
        WaitGroup::default()
    }

    fn counts(&self) -> MutexGuard<'_, Counts> {
        // A poisoned lock only means a panic elsewhere while counting; the
        // counts themselves are always consistent (one field per change).
        self.inner
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `wg.Add(delta)` on behalf of `holder`. When the counter reaches zero,
    /// every blocked `wait` returns.
    ///
    /// # Errors
    ///
    /// [`WaitGroupError::Negative`] when `holder`'s share would fall below
    /// zero; nothing changes then.
    pub fn add(&self, holder: Holder, delta: i64) -> Result<(), WaitGroupError> {
        let mut counts = self.counts();
        let counter = counts.counter();
        let share = match holder {
            Holder::Heartbeat => &mut counts.heartbeat,
            Holder::Reader => &mut counts.reader,
        };
        let next = i128::from(*share) + i128::from(delta);
        *share = u64::try_from(next).map_err(|_| WaitGroupError::Negative {
            holder,
            delta,
            counter,
        })?;
        if counts.counter() == 0 {
            drop(counts);
            self.inner.zero.notify_waiters();
        }
        Ok(())
    }

    /// `wg.Done()` on behalf of `holder`: `add(holder, -1)`.
    ///
    /// # Errors
    ///
    /// [`WaitGroupError::Negative`] when `holder` holds no count.
    pub fn done(&self, holder: Holder) -> Result<(), WaitGroupError> {
        self.add(holder, -1)
    }

    /// `defer wg.Done()`: a guard that calls [`done`](WaitGroup::done) for
    /// `holder` when dropped, however the task ends. A refused `done` (a
    /// bug) is reported on standard error, never a panic.
    pub fn done_on_drop(&self, holder: Holder) -> DoneOnDrop {
        DoneOnDrop {
            group: self.clone(),
            holder,
        }
    }

    /// `wg.Wait()`: returns once the counter is zero — at once if it already
    /// is. While it blocks it counts as one of the group's waiters, whoever
    /// calls it: as in Go, a wait from outside the program's tasks (the
    /// caller of `Stop()`, Go's `main`) is a waiter like any other.
    pub async fn wait(&self) {
        loop {
            let zero = self.inner.zero.notified();
            tokio::pin!(zero);
            // Registered before the counter is read, so a `done` that lands
            // in between still wakes this wait.
            zero.as_mut().enable();
            let waiting = {
                let mut counts = self.counts();
                if counts.counter() == 0 {
                    return;
                }
                counts.waiters += 1;
                Waiting(self)
            };
            zero.await;
            drop(waiting);
        }
    }

    /// The counter: counts added minus counts done.
    pub fn counter(&self) -> u64 {
        self.counts().counter()
    }

    /// The counter, who holds it, and how many tasks are blocked in `wait`.
    pub fn state(&self) -> GroupState {
        let counts = self.counts();
        GroupState {
            counter: counts.counter(),
            holders: Holders {
                heartbeat: counts.heartbeat,
                reader: counts.reader,
            },
            waiters: counts.waiters,
        }
    }

    /// Whether `other` is a handle to the same group.
    pub fn same_group(&self, other: &WaitGroup) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// A handle that does not keep the group alive (for the census's
    /// registry of groups, which must not outlive their container).
    pub(crate) fn downgrade(&self) -> WeakWaitGroup {
        WeakWaitGroup(Arc::downgrade(&self.inner))
    }
}

/// A [`WaitGroup`] handle that does not keep the group alive.
#[derive(Debug, Clone)]
pub(crate) struct WeakWaitGroup(std::sync::Weak<Inner>);

impl WeakWaitGroup {
    /// The group, if any handle to it is still alive.
    pub(crate) fn upgrade(&self) -> Option<WaitGroup> {
        self.0.upgrade().map(|inner| WaitGroup { inner })
    }
}

/// Counts a blocked `wait` out again however it ends (returned or dropped).
struct Waiting<'a>(&'a WaitGroup);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut counts = self.0.counts();
        counts.waiters = counts.waiters.saturating_sub(1);
    }
}

/// `defer wg.Done()`; see [`WaitGroup::done_on_drop`].
#[derive(Debug)]
#[must_use = "the count is released when this guard is dropped"]
pub struct DoneOnDrop {
    group: WaitGroup,
    holder: Holder,
}

impl Drop for DoneOnDrop {
    fn drop(&mut self) {
        if let Err(e) = self.group.done(self.holder) {
            eprintln!("leakscope-monitor: bug: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use crate::test_rt::rt;

    #[test]
    fn wait_returns_at_once_on_a_zero_counter() {
        rt().block_on(async {
            let wg = WaitGroup::new();
            wg.wait().await;
            assert_eq!(wg.state(), GroupState::default());
        });
    }

    #[test]
    fn wait_never_returns_while_the_heartbeat_holds_the_group() {
        rt().block_on(async {
            let wg = WaitGroup::new();
            wg.add(Holder::Heartbeat, 1).unwrap();
            wg.add(Holder::Reader, 1).unwrap();
            wg.done(Holder::Reader).unwrap();
            let waited = tokio::time::timeout(Duration::from_secs(3600 * 24), wg.wait()).await;
            assert!(
                waited.is_err(),
                "Wait() returned while the heartbeat held wg"
            );
            // The timed-out wait is no longer counted as a waiter.
            assert_eq!(wg.state().waiters, 0);
            assert_eq!(wg.state().counter, 1);
        });
    }

    #[test]
    fn a_blocked_wait_is_counted_and_returns_when_the_last_holder_is_done() {
        rt().block_on(async {
            let wg = WaitGroup::new();
            wg.add(Holder::Reader, 2).unwrap();
            let w = wg.clone();
            let waiter = tokio::spawn(async move { w.wait().await });
            tokio::task::yield_now().await;
            assert_eq!(wg.state().waiters, 1);
            wg.done(Holder::Reader).unwrap();
            tokio::task::yield_now().await;
            assert!(!waiter.is_finished());
            wg.done(Holder::Reader).unwrap();
            waiter.await.unwrap();
            assert_eq!(wg.state(), GroupState::default());
        });
    }

    /// Go's `WaitGroup` counts every goroutine blocked in `Wait()`, the one
    /// that called `Stop()` included: a wait that is not a task of its own
    /// (here, the runtime's `block_on` future, as `check` calls `Stop()`) is
    /// a waiter too.
    #[test]
    fn a_wait_from_outside_the_program_is_counted_as_a_waiter() {
        rt().block_on(async {
            let wg = WaitGroup::new();
            wg.add(Holder::Reader, 1).unwrap();
            let c = wg.clone();
            let task = tokio::spawn(async move { c.wait().await });
            let outside = wg.wait();
            tokio::pin!(outside);
            tokio::select! {
                biased;
                () = &mut outside => panic!("Wait() returned while the reader held wg"),
                () = tokio::task::yield_now() => {}
            }
            assert_eq!(wg.state().waiters, 2);
            wg.done(Holder::Reader).unwrap();
            outside.await;
            task.await.unwrap();
            assert_eq!(wg.state(), GroupState::default());
        });
    }

    #[test]
    fn a_negative_counter_is_refused_not_a_panic() {
        let wg = WaitGroup::new();
        wg.add(Holder::Heartbeat, 1).unwrap();
        let err = wg.done(Holder::Reader).unwrap_err();
        assert!(err.to_string().starts_with("negative WaitGroup counter"));
        assert_eq!(wg.counter(), 1);
        assert_eq!(wg.state().holders.heartbeat, 1);
    }

    #[test]
    fn done_on_drop_releases_the_count_however_the_task_ends() {
        rt().block_on(async {
            let wg = WaitGroup::new();
            wg.add(Holder::Reader, 1).unwrap();
            let guard = wg.done_on_drop(Holder::Reader);
            let task = tokio::spawn(async move {
                let _done = guard;
                std::future::pending::<()>().await;
            });
            tokio::task::yield_now().await;
            assert_eq!(wg.counter(), 1);
            task.abort();
            let _ = task.await;
            assert_eq!(wg.counter(), 0);
        });
    }
}
