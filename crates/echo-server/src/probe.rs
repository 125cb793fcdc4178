//! The client side: probes with sequence numbers, like ping, over UDP or TCP.
//!
//! A probe of `size` bytes carries its sequence number in its first 8 bytes (big endian) and a pattern after
//! it, so a reply can be matched to its probe and checked byte for byte: a reply that differs is counted as
//! corrupted, a late reply to an earlier probe is ignored, and a probe with no reply in time is lost.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use netlab::capture::CapturedSocket;

/// The payload of probe `seq`.
pub fn payload(seq: u64, size: usize) -> Vec<u8> {
    let mut p: Vec<u8> = (0..size)
        .map(|i| (seq as usize).wrapping_add(i).wrapping_mul(31) as u8)
        .collect();
    if size >= 8 {
        p[..8].copy_from_slice(&seq.to_be_bytes());
    }
    p
}

/// What became of one probe.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// The reply came back whole after this long.
    Reply(Duration),
    /// A reply came back, but not the bytes sent.
    Corrupted(Duration),
    /// No reply in time.
    Lost,
}

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
}

/// One UDP probe: send, then wait up to `timeout` for the reply with the same sequence number.
pub fn udp_probe(
    socket: &CapturedSocket,
    to: SocketAddr,
    seq: u64,
    size: usize,
    timeout: Duration,
) -> io::Result<Outcome> {
    let sent = payload(seq, size);
    let started = Instant::now();
    socket.send_to(&sent, to)?;
    let mut buf = vec![0u8; 65_536];
    loop {
        let left = timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Ok(Outcome::Lost);
        }
        socket.set_read_timeout(Some(left))?;
        let (n, from) = match socket.recv_from(&mut buf) {
            Ok(got) => got,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                return Ok(Outcome::Lost);
            }
            // No one listening: the kernel reports the ICMP error; the probe is lost.
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => return Ok(Outcome::Lost),
            Err(e) => return Err(e),
        };
        let reply = &buf[..n];
        if from != to {
            continue;
        }
        // A reply to an earlier, timed-out probe: not this one.
        if size >= 8 && n >= 8 && reply[..8] != sent[..8] {
            continue;
        }
        let rtt = started.elapsed();
        return Ok(if reply == sent {
            Outcome::Reply(rtt)
        } else {
            Outcome::Corrupted(rtt)
        });
    }
}

/// One TCP probe on an open connection: write it, read the same number of bytes back.
pub fn tcp_probe(stream: &mut TcpStream, seq: u64, size: usize, timeout: Duration) -> io::Result<Outcome> {
    let sent = payload(seq, size);
    let started = Instant::now();
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(&sent)?;
    let mut back = vec![0u8; size];
    match stream.read_exact(&mut back) {
        Ok(()) => {
            let rtt = started.elapsed();
            Ok(if back == sent {
                Outcome::Reply(rtt)
            } else {
                Outcome::Corrupted(rtt)
            })
        }
        Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Ok(Outcome::Lost),
        Err(e) => Err(e),
    }
}

/// Load mode: keeps `window` datagrams in flight until `count` have been sent and answered, or until nothing
/// has come back for `timeout` (then the ones in flight count as lost), or `deadline` passes. Returns
/// (replies, elapsed).
pub fn udp_load(
    socket: &CapturedSocket,
    to: SocketAddr,
    count: u64,
    window: u64,
    size: usize,
    timeout: Duration,
    deadline: Duration,
) -> io::Result<(u64, Duration)> {
    let probe = payload(0, size);
    let mut buf = vec![0u8; 65_536];
    socket.set_read_timeout(Some(timeout))?;
    let started = Instant::now();
    let (mut sent, mut replies, mut in_flight) = (0u64, 0u64, 0u64);
    while (sent < count || in_flight > 0) && started.elapsed() < deadline {
        while in_flight < window && sent < count {
            socket.send_to(&probe, to)?;
            sent += 1;
            in_flight += 1;
        }
        match socket.recv_from(&mut buf) {
            Ok((_, from)) if from == to => {
                replies += 1;
                in_flight -= 1;
            }
            Ok(_) => {}
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => in_flight = 0,
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => in_flight = in_flight.saturating_sub(1),
            Err(e) => return Err(e),
        }
    }
    Ok((replies, started.elapsed()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_carry_their_sequence_number() {
        assert_eq!(&payload(258, 16)[..8], &[0, 0, 0, 0, 0, 0, 1, 2]);
        assert_eq!(payload(1, 0), Vec::<u8>::new());
        assert_ne!(payload(1, 16)[8..], payload(2, 16)[8..]);
    }

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
}
