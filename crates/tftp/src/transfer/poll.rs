//! Machinery: a UDP socket that polls for a reply for a moment before it sleeps. Only the speed of a transfer
//! depends on it; the lesson files wait through [`Datagrams`] and read the same without it.
//!
//! Why poll: a lock-step transfer is one round trip per block, and on a fast link most of a round trip is the time
//! the kernel takes to wake a sleeping process (tens of microseconds in a VM). The answer to a packet just sent
//! usually arrives sooner than that, so asking again in a tight loop for a moment roughly halves the time per block
//! on loopback. The poll lasts twice the typical wait so far (a window of big blocks takes the peer longer to
//! answer than one small block), between the configured minimum and [`MAX_SPIN`]. When answers keep arriving too
//! late for the poll (a slow link), polling is switched off for a while, so it costs CPU only where it pays.
//!
//! Between tries the thread yields: alone on its core it asks again at once, but when it shares the core with the
//! peer (both ends of a loopback transfer on a 2-core machine) the peer runs instead of waiting for our time slice
//! to end. (Measurements: `docs/src/performance.md`.)
//!
//! The socket is a [`CapturedSocket`]: with `--pcap FILE` it also records every datagram it sends and receives;
//! without, it is the plain socket and costs nothing more per datagram.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use netlab::capture::CapturedSocket;

use super::Datagrams;

/// How long to poll for a reply before sleeping: a loopback or LAN round trip usually fits.
pub const DEFAULT_SPIN: Duration = Duration::from_micros(50);
/// The longest poll: past this, sleeping costs little next to the wait itself.
pub const MAX_SPIN: Duration = Duration::from_millis(2);
/// After this many polls in a row that found nothing, stop polling ...
const SPIN_MISSES_BEFORE_PAUSE: u32 = 8;
/// ... for this many waits.
const SPIN_PAUSE: u32 = 1024;

/// A UDP socket that polls for a moment before it sleeps in the kernel (see the module doc).
#[derive(Debug)]
pub struct PolledSocket {
    socket: CapturedSocket,
    /// Whether to poll at all: only while another core can run the peer.
    polling: bool,
    /// The shortest poll.
    spin: Duration,
    spin_misses: u32,
    spin_pause: u32,
    /// Running average of how long a wait for a datagram lasts.
    typical_wait: Duration,
    /// The SO_RCVTIMEO last set, so the common case costs no extra system call.
    timeout_set: Option<Duration>,
    /// Whether the socket is in non-blocking mode (it is while polling).
    nonblocking: bool,
}

impl PolledSocket {
    /// Wraps `socket` (a plain UDP socket is `CapturedSocket::new(socket, None)`). It polls if there is a second
    /// core: polling while another core runs the peer pays; on a single core it would only steal the peer's time.
    pub fn new(socket: CapturedSocket) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        PolledSocket {
            socket,
            polling: cores > 1,
            spin: DEFAULT_SPIN,
            spin_misses: 0,
            spin_pause: 0,
            typical_wait: Duration::ZERO,
            timeout_set: None,
            nonblocking: false,
        }
    }

    /// Waits for one datagram from anyone: first by polling, then by sleeping in the kernel until `deadline`.
    fn wait(&mut self, buf: &mut [u8], now: Instant, deadline: Instant) -> io::Result<Option<(usize, SocketAddr)>> {
        if self.spin_pause > 0 {
            self.spin_pause -= 1;
        } else if self.polling {
            self.set_nonblocking(true)?;
            let budget = (self.typical_wait * 2).clamp(self.spin, MAX_SPIN.max(self.spin));
            let stop = (now + budget).min(deadline);
            loop {
                match self.socket.recv_from(buf) {
                    Ok(got) => {
                        self.spin_misses = 0;
                        self.note_wait(now);
                        return Ok(Some(got));
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e),
                }
                if Instant::now() >= stop {
                    break;
                }
                std::thread::yield_now();
            }
            self.spin_misses += 1;
            if self.spin_misses >= SPIN_MISSES_BEFORE_PAUSE {
                self.spin_misses = 0;
                self.spin_pause = SPIN_PAUSE;
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        let remaining = deadline - now;
        self.set_nonblocking(false)?;
        // Re-arm SO_RCVTIMEO only when the time left is clearly less than what is set (a stray packet used some
        // of it) or more (a new, longer wait); on the hot path it is already right.
        let stale = match self.timeout_set {
            Some(set) => remaining > set || remaining + Duration::from_millis(2) < set,
            None => true,
        };
        if stale {
            self.socket
                .set_read_timeout(Some(remaining.max(Duration::from_micros(100))))?;
            self.timeout_set = Some(remaining);
        }
        match self.socket.recv_from(buf) {
            Ok(got) => {
                self.note_wait(now);
                Ok(Some(got))
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Keeps a running average (weight 1/8) of how long answers take to come.
    fn note_wait(&mut self, started: Instant) {
        let waited = started.elapsed();
        self.typical_wait = (self.typical_wait * 7 + waited) / 8;
    }

    fn set_nonblocking(&mut self, on: bool) -> io::Result<()> {
        if self.nonblocking != on {
            self.socket.set_nonblocking(on)?;
            self.nonblocking = on;
        }
        Ok(())
    }
}

impl Datagrams for PolledSocket {
    fn send_to(&mut self, datagram: &[u8], to: SocketAddr) -> io::Result<()> {
        self.socket.send_to(datagram, to)?;
        Ok(())
    }

    fn recv_until(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<Option<(usize, SocketAddr)>> {
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            match self.wait(buf, now, deadline) {
                Ok(got) => return Ok(got),
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => return Ok(None),
                // A previous send got an ICMP "port unreachable" back (Linux reports it on the next call), or a
                // signal interrupted the wait: neither ends the transfer; the timer decides.
                Err(e) if matches!(e.kind(), io::ErrorKind::ConnectionRefused | io::ErrorKind::Interrupted) => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn set_polling(&mut self, on: bool) -> bool {
        std::mem::replace(&mut self.polling, on)
    }
}

#[cfg(test)]
mod tests {
    use std::net::UdpSocket;

    use super::*;

    #[test]
    fn polling_pauses_after_a_run_of_misses_and_waits_still_time_out() {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let me = socket.local_addr().unwrap();
        let mut polled = PolledSocket::new(CapturedSocket::new(socket, None));
        polled.set_polling(true);
        polled.spin = Duration::from_micros(20);
        let mut buf = [0u8; 16];
        for _ in 0..SPIN_MISSES_BEFORE_PAUSE {
            let deadline = Instant::now() + Duration::from_millis(1);
            assert_eq!(polled.recv_until(&mut buf, deadline).unwrap(), None);
        }
        assert_eq!(
            polled.spin_pause, SPIN_PAUSE,
            "nothing came while polling 8 times: stop polling for a while"
        );
        // While paused, a datagram is still received, by sleeping in the kernel.
        polled.send_to(b"xy", me).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        assert_eq!(polled.recv_until(&mut buf, deadline).unwrap(), Some((2, me)));
        assert_eq!(polled.spin_pause, SPIN_PAUSE - 1);
    }

    #[test]
    fn polling_can_be_switched_off_and_back() {
        let mut polled = PolledSocket::new(CapturedSocket::new(UdpSocket::bind("127.0.0.1:0").unwrap(), None));
        let had = polled.set_polling(false);
        assert!(!polled.set_polling(had), "it was off");
        assert_eq!(polled.polling, had);
    }
}
