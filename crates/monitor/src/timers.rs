//! `time.AfterFunc`: timers that hold no task while they wait.

use std::collections::BTreeMap;
use std::time::Duration;

use leakscope_sim::State;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::census::{Census, TaskKind, TaskSpec};

/// What a timer runs when it fires: it must not block (it runs on the
/// driver); to do work it spawns a task, as Go's `time.AfterFunc` runs its
/// function on a fresh goroutine.
pub type TimerFn = Box<dyn FnOnce() + Send>;

/// Go's runtime timers: one driver task holds every pending timer in a map
/// of deadlines, so a scheduled rotation costs no task until it fires.
///
/// The driver is counted in the census as one [`TaskKind::Runtime`] task,
/// outside the model's roles (Go keeps timers in its runtime, not in
/// goroutines; see [`TaskKind`]).
///
/// Every time the driver wakes, the following unfolds:
///
/// 1. New timers are taken from the channel into the map, keyed by
///    (deadline, order of [`Timers::after`] calls).
/// 2. Every timer whose deadline has come is removed and run, earliest
///    first; timers due at the same instant run in the order they were set
///    (the model's rule 8).
/// 3. The driver sleeps until the earliest deadline left, or a new timer.
///
/// Clones share the same driver. The driver ends when `shutdown` is
/// cancelled; pending timers are then dropped without running.
#[derive(Debug, Clone)]
pub struct Timers {
    tx: mpsc::UnboundedSender<(Instant, TimerFn)>,
}

impl Timers {
    /// Starts the driver on the current runtime, counted in `census`.
    pub fn start(census: &Census, shutdown: CancellationToken) -> Timers {
        let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, TimerFn)>();
        census.spawn(
            TaskSpec::new(TaskKind::Runtime, State::Select),
            |_task| async move {
                let mut pending: BTreeMap<(Instant, u64), TimerFn> = BTreeMap::new();
                let mut seq: u64 = 0;
                loop {
                    let next = pending.keys().next().map(|k| k.0);
                    tokio::select! {
                        biased;
                        () = shutdown.cancelled() => break,
                        new = rx.recv() => match new {
                            Some((at, f)) => {
                                pending.insert((at, seq), f);
                                seq += 1;
                            }
                            None => break,
                        },
                        () = sleep_until(next) => {
                            // Timers set at this instant by the ones firing
                            // now must join the queue first, in order.
                            while let Ok((at, f)) = rx.try_recv() {
                                pending.insert((at, seq), f);
                                seq += 1;
                            }
                            let now = Instant::now();
                            while let Some(entry) = pending.first_entry() {
                                if entry.key().0 > now {
                                    break;
                                }
                                (entry.remove())();
                            }
                        }
                    }
                }
            },
        );
        Timers { tx }
    }

    /// `time.AfterFunc(d, f)`: runs `f` on the driver once `d` has passed.
    /// After shutdown the timer is dropped without running.
    pub fn after(&self, d: Duration, f: impl FnOnce() + Send + 'static) {
        self.at(Instant::now() + d, f);
    }

    /// Runs `f` on the driver at `deadline`.
    pub fn at(&self, deadline: Instant, f: impl FnOnce() + Send + 'static) {
        // A closed channel means the driver has shut down: nothing runs any
        // more, as intended.
        let _ = self.tx.send((deadline, Box::new(f)));
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
    use std::sync::{Arc, Mutex};

    #[test]
    fn timers_fire_at_their_deadline_in_the_order_they_were_set() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
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
            tokio::time::sleep(Duration::from_secs(10)).await;
            assert_eq!(
                *fired.lock().unwrap(),
                vec![("a", 3), ("b", 5), ("c", 5), ("d", 5)]
            );
            assert_eq!(census.snapshot().runtime, 1);
            assert_eq!(census.snapshot().goroutines(), 0);
            stop.cancel();
            census.drained().await;
        });
    }
}
