//! A child process's output, line by line, with a time limit on every wait — for tests, where a program that
//! never prints the expected line must fail the test, not hang it.

use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

/// How long a test waits for the next line before it fails.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Lines read on a thread of their own and handed over through a channel.
#[derive(Debug)]
pub struct Lines(Receiver<String>);

impl Lines {
    /// Starts reading `out` (a child's stdout, say).
    pub fn of(out: impl Read + Send + 'static) -> Lines {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Lines(rx)
    }

    /// The next line; panics (failing the test) if none comes within [`PATIENCE`].
    pub fn next(&self) -> String {
        self.0
            .recv_timeout(PATIENCE)
            .expect("no line from the program within 10 s")
    }

    /// The next line that contains `needle`, skipping others.
    pub fn wait_for(&self, needle: &str) -> String {
        loop {
            let line = self.next();
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// Every remaining line, until the program closes its output.
    pub fn rest(self) -> Vec<String> {
        self.0.iter().collect()
    }
}
