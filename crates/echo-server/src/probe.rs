//! The client side: probes with sequence numbers, like ping, over UDP or TCP; and load mode, many in flight.
//!
//! A probe of `size` bytes carries its sequence number in its first 8 bytes (big endian) and a pattern after
//! it, so a reply can be matched to its probe and checked byte for byte: a reply that differs is counted as
//! corrupted, a late reply to an earlier probe is ignored, and a probe with no reply in time is lost.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use netlab::SocketBuilder;
use netlab::capture::{Capture, CapturedSocket};

/// Load mode's receive buffer: room for a whole window of replies that arrive while the client is still busy
/// sending, so the kernel drops none of them for lack of space (the default is a few hundred kB at most).
pub const LOAD_RECV_BUFFER: usize = 4 << 20;

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

/// Where probes go: a UDP socket and the server it sends to, or a TCP connection to the server.
#[derive(Debug)]
pub enum Link {
    /// Each probe is one datagram; the socket also records into `--pcap`'s file when there is one.
    Udp(CapturedSocket, SocketAddr),
    /// Each probe is bytes on one connection.
    Tcp(TcpStream),
}

impl Link {
    /// A link to `server`: a UDP socket on any local address of the server's family, or, with `tcp`, a
    /// connection made within `timeout`. The error is the one line that says what failed.
    pub fn open(
        server: SocketAddr,
        tcp: bool,
        timeout: Duration,
        capture: Option<Arc<Capture>>,
    ) -> Result<Link, String> {
        if tcp {
            let stream =
                TcpStream::connect_timeout(&server, timeout).map_err(|e| format!("cannot connect to {server}: {e}"))?;
            // Each probe is small and waits for its echo: send it at once, not after Nagle's delay.
            let _ = stream.set_nodelay(true);
            return Ok(Link::Tcp(stream));
        }
        let socket = UdpSocket::bind(SocketAddr::new(any_like(server.ip()), 0))
            .map_err(|e| format!("cannot open a socket: {e}"))?;
        Ok(Link::Udp(CapturedSocket::new(socket, capture), server))
    }

    /// Probe `seq` of `size` bytes, waiting up to `timeout` for its echo.
    pub fn probe(&mut self, seq: u64, size: usize, timeout: Duration) -> io::Result<Outcome> {
        match self {
            Link::Udp(socket, server) => udp_probe(socket, *server, seq, size, timeout),
            Link::Tcp(stream) => tcp_probe(stream, seq, size, timeout),
        }
    }
}

/// The "any" address of `ip`'s family (`0.0.0.0` or `::`): a client's socket binds there, port 0, and the system
/// picks the address and port it sends from.
fn any_like(ip: IpAddr) -> IpAddr {
    if ip.is_ipv4() {
        Ipv4Addr::UNSPECIFIED.into()
    } else {
        Ipv6Addr::UNSPECIFIED.into()
    }
}

/// The socket for [`udp_load`] to `server`, with a receive buffer of [`LOAD_RECV_BUFFER`]. The error is the one
/// line that says what failed.
pub fn load_socket(server: SocketAddr, capture: Option<Arc<Capture>>) -> Result<CapturedSocket, String> {
    SocketBuilder::new()
        .recv_buffer(LOAD_RECV_BUFFER)
        .bind_udp(SocketAddr::new(any_like(server.ip()), 0))
        .map(|socket| CapturedSocket::new(socket, capture))
        .map_err(|e| format!("cannot open a socket: {e}"))
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
    let mut buf = vec![0u8; netlab::MAX_DATAGRAM];
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
    let mut buf = vec![0u8; netlab::MAX_DATAGRAM];
    socket.set_read_timeout(Some(timeout))?;
    let started = Instant::now();
    let (mut sent, mut replies, mut in_flight) = (0u64, 0u64, 0u64);
    while (sent < count || in_flight > 0) && started.elapsed() < deadline {
        while in_flight < window && sent < count {
            // Numbered like ping's probes: a server can tell them from another echo server's copies of its own
            // echoes (see echo-server's LoopGuard).
            socket.send_to(&payload(sent, size), to)?;
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
}
