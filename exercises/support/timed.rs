//! Time limits for the labs' tests: a solution that hangs (no timeout on a socket, a loop that never ends) fails
//! with a message that says so, instead of stalling the whole run. Included by each lab's tests with
//! `#[path = "../../support/timed.rs"] mod timed;`.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Runs `work` (the student's code) on a thread of its own and returns what it returns; panics with
/// "timed out after N s: WHAT" if it takes longer than `seconds`. A panic inside `work` (a failed assertion, a
/// `todo!()`) is passed on as it is, so its message reaches the student.
pub fn within<T: Send + 'static>(seconds: u64, what: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = mpsc::channel();
    let worker = thread::spawn(move || {
        let value = work();
        let _ = done.send(value);
    });
    match result.recv_timeout(Duration::from_secs(seconds)) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the worker sends its value before it ends"),
        },
        // The worker thread is left behind; the test process ends with the test anyway.
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("timed out after {seconds} s: {what}"),
    }
}
