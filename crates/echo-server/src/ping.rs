//! The client's ping loop: probes one after another, a line for each, then the totals in ping's words — sent,
//! received, corrupted, loss, round-trip times. `echo-client` prints what these return.

use std::fmt::Write;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::probe::{Link, Outcome};

/// Totals over a run, as ping prints them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Probes sent.
    pub sent: u64,
    /// Replies that matched.
    pub received: u64,
    /// Replies that did not match what was sent.
    pub corrupted: u64,
    /// Round-trip times of the good replies.
    pub rtts: Vec<Duration>,
}

impl Summary {
    /// Adds one probe's outcome.
    pub fn add(&mut self, outcome: Outcome) {
        self.sent += 1;
        match outcome {
            Outcome::Reply(rtt) => {
                self.received += 1;
                self.rtts.push(rtt);
            }
            Outcome::Corrupted(_) => self.corrupted += 1,
            Outcome::Lost => {}
        }
    }

    /// Percentage of probes without a good reply.
    pub fn loss_percent(&self) -> f64 {
        if self.sent == 0 {
            0.0
        } else {
            100.0 * (self.sent - self.received) as f64 / self.sent as f64
        }
    }

    /// min, avg, max, standard deviation of the round trips, in milliseconds.
    pub fn rtt_stats(&self) -> Option<(f64, f64, f64, f64)> {
        if self.rtts.is_empty() {
            return None;
        }
        let ms: Vec<f64> = self.rtts.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        let n = ms.len() as f64;
        let avg = ms.iter().sum::<f64>() / n;
        let var = ms.iter().map(|x| (x - avg).powi(2)).sum::<f64>() / n;
        let min = ms.iter().copied().fold(f64::INFINITY, f64::min);
        let max = ms.iter().copied().fold(0.0, f64::max);
        Some((min, avg, max, var.sqrt()))
    }

    /// No reply at all, good or bad: the run failed, as ping's does (exit code 1).
    pub fn all_lost(&self) -> bool {
        self.received == 0 && self.corrupted == 0
    }

    /// The totals as ping prints them after a run that took `elapsed`.
    pub fn report(&self, server: SocketAddr, elapsed: Duration) -> String {
        let mut out = format!("--- {server} echo statistics ---\n");
        let _ = writeln!(
            out,
            "{} sent, {} received, {} corrupted, {:.1}% loss, time {} ms",
            self.sent,
            self.received,
            self.corrupted,
            self.loss_percent(),
            elapsed.as_millis()
        );
        if let Some((min, avg, max, sd)) = self.rtt_stats() {
            let _ = writeln!(out, "rtt min/avg/max/stddev = {min:.3}/{avg:.3}/{max:.3}/{sd:.3} ms");
        }
        out
    }
}

/// Sends `count` probes of `size` bytes over `link`, `interval` apart, each waiting up to `timeout` for its
/// echo; `on_probe` sees each outcome as it comes (for its line). Returns the totals and the time the run took.
pub fn ping(
    link: &mut Link,
    count: u64,
    interval: Duration,
    size: usize,
    timeout: Duration,
    mut on_probe: impl FnMut(u64, Outcome),
) -> io::Result<(Summary, Duration)> {
    let mut summary = Summary::default();
    let started = Instant::now();
    for seq in 0..count {
        if seq > 0 && !interval.is_zero() {
            std::thread::sleep(interval); // ping's pace: one probe per interval
        }
        let outcome = link.probe(seq, size, timeout)?;
        on_probe(seq, outcome);
        summary.add(outcome);
    }
    Ok((summary, started.elapsed()))
}

/// The line ping prints for probe `seq` to `server`: `64 bytes from 127.0.0.1:8080: seq=0 time=0.123 ms`.
pub fn probe_line(server: SocketAddr, seq: u64, size: usize, outcome: Outcome, timeout: Duration) -> String {
    let ms = |rtt: Duration| rtt.as_secs_f64() * 1e3;
    match outcome {
        Outcome::Reply(rtt) => format!("{size} bytes from {server}: seq={seq} time={:.3} ms", ms(rtt)),
        Outcome::Corrupted(rtt) => format!("{size} bytes from {server}: seq={seq} time={:.3} ms CORRUPTED", ms(rtt)),
        Outcome::Lost => format!("no reply for seq={seq} within {} ms", timeout.as_millis()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_like_ping() {
        let mut s = Summary::default();
        s.add(Outcome::Reply(Duration::from_millis(1)));
        s.add(Outcome::Reply(Duration::from_millis(3)));
        s.add(Outcome::Lost);
        s.add(Outcome::Corrupted(Duration::from_millis(2)));
        assert_eq!((s.sent, s.received, s.corrupted), (4, 2, 1));
        assert_eq!(s.loss_percent(), 50.0);
        let (min, avg, max, sd) = s.rtt_stats().unwrap();
        assert_eq!((min, avg, max), (1.0, 2.0, 3.0));
        assert!((sd - 1.0).abs() < 1e-9);
    }

    #[test]
    fn lines_like_ping() {
        let server: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let rtt = Duration::from_micros(1234);
        let line = |outcome| probe_line(server, 7, 64, outcome, Duration::from_secs(1));
        assert_eq!(
            line(Outcome::Reply(rtt)),
            "64 bytes from 127.0.0.1:8080: seq=7 time=1.234 ms"
        );
        assert_eq!(
            line(Outcome::Corrupted(rtt)),
            "64 bytes from 127.0.0.1:8080: seq=7 time=1.234 ms CORRUPTED"
        );
        assert_eq!(line(Outcome::Lost), "no reply for seq=7 within 1000 ms");
        let mut s = Summary::default();
        s.add(Outcome::Lost);
        assert!(s.all_lost());
        assert_eq!(
            s.report(server, Duration::from_millis(1500)),
            "--- 127.0.0.1:8080 echo statistics ---\n1 sent, 0 received, 0 corrupted, 100.0% loss, time 1500 ms\n"
        );
        s.add(Outcome::Corrupted(rtt));
        assert!(
            !s.all_lost(),
            "a corrupted reply is a reply: the network carries something"
        );
    }
}
