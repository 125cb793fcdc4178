//! Datagrams held back (delayed, jittered or reordered) until they fall due, sent by one thread of their own.
//!
//! Machinery, not the lesson: whatever thread decides a datagram's fate hands it over with [`Later::hold`] and
//! goes back to its socket at once; [`run`] keeps the held ones in a heap, earliest first, and sends each when
//! its time comes. Two held at the same due time (a duplicate and its original) leave in the order they came.

use std::cmp::Ordering as Order;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// Something to send at `due`: `order` breaks ties, first held first sent.
#[derive(Debug)]
pub(crate) struct Job<T> {
    due: Instant,
    order: u64,
    item: T,
}

impl<T> PartialEq for Job<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.order) == (other.due, other.order)
    }
}
impl<T> Eq for Job<T> {}
impl<T> PartialOrd for Job<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Order> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Job<T> {
    /// Reversed, so the max-heap yields the earliest job first.
    fn cmp(&self, other: &Self) -> Order {
        (other.due, other.order).cmp(&(self.due, self.order))
    }
}

/// The handing-over side, shared by every thread that decides fates.
#[derive(Debug)]
pub(crate) struct Later<T> {
    jobs: Sender<Job<T>>,
    order: AtomicU64,
}

impl<T> Later<T> {
    /// A new queue, and its far end for [`run`].
    pub(crate) fn new() -> (Later<T>, Receiver<Job<T>>) {
        let (jobs, far_end) = mpsc::channel();
        let order = AtomicU64::new(0);
        (Later { jobs, order }, far_end)
    }

    /// Has `item` sent at `due`.
    pub(crate) fn hold(&self, due: Instant, item: T) {
        let order = self.order.fetch_add(1, Ordering::Relaxed);
        // It fails only once `run` has ended, when the relay is stopping and nothing is sent any more.
        let _ = self.jobs.send(Job { due, order, item });
    }
}

/// Takes jobs from `jobs` and calls `send` with each when it falls due, until `stop` is set; looks at `stop` at
/// least every `tick`.
pub(crate) fn run<T>(jobs: &Receiver<Job<T>>, stop: &AtomicBool, tick: Duration, mut send: impl FnMut(T)) {
    let mut heap: BinaryHeap<Job<T>> = BinaryHeap::new();
    while !stop.load(Ordering::SeqCst) {
        let wait = heap
            .peek()
            .map_or(tick, |j| j.due.saturating_duration_since(Instant::now()).min(tick));
        match jobs.recv_timeout(wait) {
            Ok(job) => heap.push(job),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        let now = Instant::now();
        while heap.peek().is_some_and(|j| j.due <= now) {
            if let Some(job) = heap.pop() {
                send(job.item);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_come_out_earliest_first() {
        let now = Instant::now();
        let job = |ms: u64, order: u64| Job {
            due: now + Duration::from_millis(ms),
            order,
            item: (),
        };
        let mut heap: BinaryHeap<Job<()>> = [job(30, 0), job(10, 1), job(20, 2), job(10, 3)].into_iter().collect();
        let order: Vec<u64> = std::iter::from_fn(|| heap.pop().map(|j| j.order)).collect();
        assert_eq!(order, [1, 3, 2, 0]);
    }

    #[test]
    fn run_sends_each_item_when_due_in_due_order() {
        let (later, jobs) = Later::new();
        let start = Instant::now();
        for (ms, item) in [(30, 'c'), (10, 'a'), (20, 'b'), (10, 'A')] {
            later.hold(start + Duration::from_millis(ms), item);
        }
        let stop = AtomicBool::new(false);
        let mut sent = Vec::new();
        run(&jobs, &stop, Duration::from_millis(100), |item| {
            assert!(start.elapsed() >= Duration::from_millis(10), "{item} sent early");
            sent.push(item);
            if sent.len() == 4 {
                stop.store(true, Ordering::SeqCst);
            }
        });
        assert_eq!(sent, ['a', 'A', 'b', 'c']);
        assert!(start.elapsed() >= Duration::from_millis(30));
    }
}
