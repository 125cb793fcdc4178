//! The listener's loop, the same for a broadcast and for a multicast group: receive a datagram, print it with
//! the address it came from, until told to stop (seed §3.2.2: `data, address = s.recvfrom(65535)`).
//!
//! What arrives comes from the network, so anyone on it chooses the bytes: each message is printed as one line
//! with its control characters escaped ([`netlab::Encoding::decode_line`]), so that it can neither command the
//! terminal nor fake a line of its own.
//!
//! The socket is a [`CapturedSocket`]: a `UdpSocket` that also records what it receives when the user asked for
//! `--pcap FILE`, and is just the socket otherwise.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use netlab::capture::CapturedSocket;

use crate::Error;

/// When a listener stops: after `count` messages, at `deadline`, whichever comes first; with neither, never
/// (the user ends it with Ctrl-C).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Until {
    /// Stop after this many messages.
    pub count: Option<u64>,
    /// Stop at this moment.
    pub deadline: Option<Instant>,
}

impl Until {
    /// Stop after `count` messages, if given, or after `duration` from now, if given.
    pub fn new(count: Option<u64>, duration: Option<Duration>) -> Until {
        Until {
            count,
            deadline: duration.map(|d| Instant::now() + d),
        }
    }
}

/// How one received datagram is printed: `SOURCE TEXT`, e.g. `10.77.0.1:53211 hello`.
pub fn line(from: SocketAddr, bytes: &[u8]) -> String {
    format!("{from} {}", netlab::Encoding::Utf8.decode_line(bytes))
}

/// The next datagram into `buf`, or `None` once `deadline` has passed with nothing received.
pub fn receive(
    socket: &CapturedSocket,
    buf: &mut [u8],
    deadline: Option<Instant>,
) -> Result<Option<(usize, SocketAddr)>, Error> {
    loop {
        // Sleep in the kernel until a datagram comes or the time left runs out (a zero timeout would mean "never").
        let left = match deadline {
            Some(end) => match end.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => Some(left),
                _ => return Ok(None),
            },
            None => None,
        };
        socket
            .set_read_timeout(left)
            .map_err(|e| Error::io("cannot set the receive timeout", e))?;
        match socket.recv_from(buf) {
            Ok(got) => return Ok(Some(got)),
            // A timeout (WouldBlock on Unix, TimedOut on Windows): the loop checks the deadline again.
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            // A signal woke the call before anything came: wait again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io("cannot receive", e)),
        }
    }
}

// ANCHOR: listen
/// Prints every datagram that arrives on `socket` as a [`line`](fn@line) to `out`, until `until`; returns how many.
pub fn run(socket: &CapturedSocket, until: Until, out: &mut dyn Write) -> Result<u64, Error> {
    let mut buf = vec![0u8; netlab::MAX_DATAGRAM];
    let mut heard = 0u64;
    while until.count.is_none_or(|count| heard < count) {
        let Some((n, from)) = receive(socket, &mut buf, until.deadline)? else {
            break; // the deadline passed
        };
        writeln!(out, "{}", line(from, &buf[..n])).map_err(|e| Error::io("cannot write", e))?;
        heard += 1;
    }
    Ok(heard)
}
// ANCHOR_END: listen

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;

    fn socket() -> CapturedSocket {
        CapturedSocket::new(UdpSocket::bind("127.0.0.1:0").unwrap(), None)
    }

    #[test]
    fn prints_each_datagram_escaped_with_its_source_and_stops_at_the_count() {
        let socket = socket();
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = socket.local_addr().unwrap();
        sender.send_to(b"one\n", to).unwrap();
        sender.send_to(b"two\x1b[2J", to).unwrap();
        sender.send_to(b"three", to).unwrap();
        let mut out = Vec::new();
        assert_eq!(run(&socket, Until::new(Some(2), None), &mut out).unwrap(), 2);
        let from = sender.local_addr().unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{from} one\n{from} two\\x1b[2J\n")
        );
    }

    #[test]
    fn a_deadline_ends_a_silent_wait() {
        let socket = socket();
        let started = Instant::now();
        let mut out = Vec::new();
        let heard = run(&socket, Until::new(None, Some(Duration::from_millis(100))), &mut out).unwrap();
        assert_eq!((heard, out.len()), (0, 0));
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert!(started.elapsed() < Duration::from_secs(5), "it ended at the deadline");
    }
}
