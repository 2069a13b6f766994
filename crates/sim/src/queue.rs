//! The event queue: timers ordered by time, then by the order they were set.

use std::collections::{BTreeMap, VecDeque};

use crate::Time;

/// A timer queue with a first-in-first-out tie-break.
///
/// Timers due at the same instant fire in the order they were scheduled (the
/// sequence tie-break of `BinaryHeap<Reverse<(Time, Seq, T)>>`, kept here by a
/// FIFO per instant). In this model most timers share a handful of instants
/// (every container rotates on the same period), so a map from instant to
/// FIFO costs far less than a heap ordered over every timer.
#[derive(Debug, Clone)]
pub struct EventQueue<T> {
    slots: BTreeMap<Time, VecDeque<T>>,
    len: usize,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        EventQueue {
            slots: BTreeMap::new(),
            len: 0,
        }
    }
}

impl<T> EventQueue<T> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Schedules `item` at `at`, after everything already scheduled there.
    pub fn push(&mut self, at: Time, item: T) {
        self.slots.entry(at).or_default().push_back(item);
        self.len += 1;
    }

    /// The time of the next item.
    pub fn peek_time(&self) -> Option<Time> {
        self.slots.keys().next().copied()
    }

    /// Removes and returns the earliest item, first scheduled first.
    pub fn pop(&mut self) -> Option<(Time, T)> {
        let mut entry = self.slots.first_entry()?;
        let at = *entry.key();
        let item = entry.get_mut().pop_front();
        if entry.get().is_empty() {
            entry.remove();
        }
        self.len -= 1;
        item.map(|i| (at, i))
    }

    /// Keeps only the items `keep` accepts, in their order.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        for slot in self.slots.values_mut() {
            slot.retain(&mut keep);
        }
        self.slots.retain(|_, slot| !slot.is_empty());
        self.len = self.slots.values().map(VecDeque::len).sum();
    }

    /// Items waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earlier_times_first_then_scheduling_order() {
        let mut q = EventQueue::new();
        q.push(Time(5), "b");
        q.push(Time(1), "a");
        q.push(Time(5), "c");
        q.push(Time(3), "x");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            vec![
                (Time(1), "a"),
                (Time(3), "x"),
                (Time(5), "b"),
                (Time(5), "c")
            ]
        );
        assert!(q.is_empty());
    }
}
