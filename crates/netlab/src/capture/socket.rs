//! [`CapturedSocket`]: a UDP socket that records into a [`Capture`] every datagram it sends or receives — how a
//! program gets `--pcap FILE` by changing the type of its socket and nothing else.

use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use super::{Capture, local_address};

/// A `UdpSocket` and, when the user asked for `--pcap`, the capture it records into. Its `send_to`, `recv_from`,
/// `send` and `recv` are the socket's, plus a record of what moved (addresses, ports, the time, the bytes); every
/// other method (`set_read_timeout`, `local_addr`, ...) is the socket's own, through `Deref`.
///
/// ```
/// use netlab::capture::CapturedSocket;
/// # fn main() -> std::io::Result<()> {
/// let pcap: Option<&std::path::Path> = None; // the program's --pcap FILE
/// let socket = CapturedSocket::new(std::net::UdpSocket::bind("127.0.0.1:0")?, netlab::capture::open(pcap)?);
/// socket.send_to(b"hello", socket.local_addr()?)?;
/// let mut buf = [0u8; 16];
/// let (n, _from) = socket.recv_from(&mut buf)?;
/// assert_eq!(&buf[..n], b"hello");
/// # Ok(()) }
/// ```
///
/// A record that cannot be written never fails the send or receive — the program's real work goes on — but is
/// remembered, and [`Capture::finish`] reports it at the end.
///
/// A datagram received on a socket bound to `0.0.0.0` or `::` is recorded as addressed to the address the system
/// would answer from, with a comment that says so: `recv_from` does not tell which of the machine's addresses —
/// or which broadcast address — the sender used (only `IP_PKTINFO` would, which std does not offer). An answer
/// from a peer this socket has sent to needs no such comment: it came back to the address it was sent from.
#[derive(Debug)]
pub struct CapturedSocket {
    socket: UdpSocket,
    capture: Option<Arc<Capture>>,
    /// The last peer's IP address and what this socket knows about it, found once: finding the address for a
    /// socket bound to `0.0.0.0` costs a scratch socket (see [`local_address`]).
    toward: Mutex<Option<Toward>>,
}

/// This socket toward one peer IP address.
#[derive(Debug)]
struct Toward {
    peer: IpAddr,
    /// The address this socket's packets to the peer carry.
    here: SocketAddr,
    /// Whether this socket has sent to the peer.
    sent: bool,
}

impl CapturedSocket {
    /// Wraps `socket`; with `capture` `None` it records nothing and costs nothing.
    pub fn new(socket: UdpSocket, capture: Option<Arc<Capture>>) -> Self {
        CapturedSocket {
            socket,
            capture,
            toward: Mutex::new(None),
        }
    }

    /// Sends a datagram, as `UdpSocket::send_to`, and records it.
    pub fn send_to(&self, payload: &[u8], to: SocketAddr) -> io::Result<usize> {
        match &self.capture {
            Some(capture) => {
                let (here, _) = self.here(to, true);
                let ttl = self.ttl_toward(to);
                capture.send_recorded((here, to), payload, (ttl, None), || self.socket.send_to(payload, to))
            }
            None => self.socket.send_to(payload, to),
        }
    }

    /// Receives a datagram, as `UdpSocket::recv_from`, and records it.
    pub fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let (n, from) = self.socket.recv_from(buf)?;
        if let Some(capture) = &self.capture {
            self.record_received(capture, from, &buf[..n]);
        }
        Ok((n, from))
    }

    /// The next datagram, as [`recv_from`](Self::recv_from), for a server's or a chat's receive loop: an error
    /// that says nothing about this socket is waited through. A UDP socket hears of the ICMP "port unreachable"
    /// that an earlier send drew (the peer had gone) on its next receive: Linux says `ConnectionRefused` on a
    /// connected socket, Windows `ConnectionReset` on any; and a signal can interrupt the wait. None of them means
    /// the socket failed.
    pub fn recv_next(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        loop {
            match self.recv_from(buf) {
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset | io::ErrorKind::Interrupted
                    ) => {}
                other => return other,
            }
        }
    }

    /// Sends a datagram to the connected peer, as `UdpSocket::send`, and records it.
    pub fn send(&self, payload: &[u8]) -> io::Result<usize> {
        match (&self.capture, self.socket.peer_addr()) {
            (Some(capture), Ok(to)) => {
                let (here, _) = self.here(to, true);
                let ttl = self.ttl_toward(to);
                capture.send_recorded((here, to), payload, (ttl, None), || self.socket.send(payload))
            }
            _ => self.socket.send(payload),
        }
    }

    /// Receives a datagram from the connected peer, as `UdpSocket::recv`, and records it.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.socket.recv(buf)?;
        if let (Some(capture), Ok(from)) = (&self.capture, self.socket.peer_addr()) {
            self.record_received(capture, from, &buf[..n]);
        }
        Ok(n)
    }

    /// The capture this socket records into, if any.
    pub fn capture(&self) -> Option<&Arc<Capture>> {
        self.capture.as_ref()
    }

    /// A second handle to the same socket, recording into the same capture (a receive thread beside a send loop).
    pub fn try_clone(&self) -> io::Result<CapturedSocket> {
        Ok(CapturedSocket::new(self.socket.try_clone()?, self.capture.clone()))
    }

    /// The plain socket, recording no more.
    pub fn into_inner(self) -> UdpSocket {
        self.socket
    }

    /// The TTL (or hop limit) this socket's datagrams to `to` leave with: the socket's own option for unicast or
    /// for multicast, whichever `to` is. `None` if the system does not say.
    fn ttl_toward(&self, to: SocketAddr) -> Option<u8> {
        let socket = socket2::SockRef::from(&self.socket);
        let v4 = match to.ip() {
            IpAddr::V4(v4) => Some(v4),
            IpAddr::V6(v6) => v6.to_ipv4_mapped(),
        };
        let hops = match v4 {
            Some(v4) if v4.is_multicast() => socket.multicast_ttl_v4(),
            Some(_) => socket.ttl_v4(),
            None if to.ip().is_multicast() => socket.multicast_hops_v6(),
            None => socket.unicast_hops_v6(),
        };
        hops.ok().and_then(|hops| u8::try_from(hops).ok())
    }

    fn record_received(&self, capture: &Capture, from: SocketAddr, payload: &[u8]) {
        let (here, answer) = self.here(from, false);
        // Listening on every address, the socket is not told where a datagram was sent, unless it answers ours.
        let comment = match self.socket.local_addr() {
            Ok(local) if local.ip().is_unspecified() && !answer => {
                let broadcast = if local.is_ipv4() {
                    ", or to a broadcast address"
                } else {
                    ""
                };
                Some(format!(
                    "received on {local}: sent to one of this machine's addresses{broadcast}; the socket is not \
                     told which"
                ))
            }
            _ => None,
        };
        let _ = capture.record(from, here, payload, comment.as_deref());
    }

    /// This socket's address toward `peer`, and whether it had sent to `peer` before; `sending` notes that it
    /// does now.
    fn here(&self, peer: SocketAddr, sending: bool) -> (SocketAddr, bool) {
        let mut toward = self.toward.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if toward.as_ref().is_some_and(|t| t.peer != peer.ip()) {
            *toward = None;
        }
        let t = toward.get_or_insert_with(|| Toward {
            peer: peer.ip(),
            here: local_address(&self.socket, peer),
            sent: false,
        });
        let sent_before = t.sent;
        t.sent |= sending;
        (t.here, sent_before)
    }
}

impl Deref for CapturedSocket {
    type Target = UdpSocket;

    fn deref(&self) -> &UdpSocket {
        &self.socket
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::read;

    #[cfg(target_os = "linux")]
    #[test]
    fn recv_next_waits_through_the_icmp_error_an_earlier_send_drew() {
        let gone = UdpSocket::bind("127.0.0.1:0").unwrap();
        let closed = gone.local_addr().unwrap();
        drop(gone);
        let friend = UdpSocket::bind("127.0.0.1:0").unwrap();
        let socket = CapturedSocket::new(UdpSocket::bind("127.0.0.1:0").unwrap(), None);
        socket
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        // A connected socket (as the chat's is) hears of the ICMP port unreachable its send drew; the error waits
        // for its next receive, even after it talks to someone else.
        socket.connect(closed).unwrap();
        socket.send(b"to nobody").unwrap();
        socket.connect(friend.local_addr().unwrap()).unwrap();
        friend.send_to(b"hello", socket.local_addr().unwrap()).unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = socket.recv_next(&mut buf).unwrap();
        assert_eq!((&buf[..n], from), (&b"hello"[..], friend.local_addr().unwrap()));
    }

    #[test]
    fn each_datagram_sent_and_received_is_recorded_with_its_addresses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.pcapng");
        let capture = Arc::new(Capture::create(&path).unwrap());
        let a = CapturedSocket::new(UdpSocket::bind("127.0.0.1:0").unwrap(), Some(Arc::clone(&capture)));
        // Bound to 0.0.0.0: its packets carry the address the system picks toward the peer, 127.0.0.1.
        let b = CapturedSocket::new(UdpSocket::bind("0.0.0.0:0").unwrap(), Some(Arc::clone(&capture)));
        let b_addr: SocketAddr = (std::net::Ipv4Addr::LOCALHOST, b.local_addr().unwrap().port()).into();
        a.send_to(b"ping", b_addr).unwrap();
        let mut buf = [0u8; 8];
        let (n, from) = b.recv_from(&mut buf).unwrap();
        b.send_to(&buf[..n], from).unwrap();
        a.connect(b_addr).unwrap();
        a.recv(&mut buf).unwrap();
        a.send(b"bye").unwrap();
        b.recv_from(&mut buf).unwrap();
        let plain = b.try_clone().unwrap().into_inner();
        a.send(b"gone").unwrap();
        plain.recv_from(&mut buf).unwrap(); // not recorded: the plain socket
        capture.finish().unwrap();

        let records = read(&path).unwrap();
        let a_addr = a.local_addr().unwrap();
        let seen: Vec<(SocketAddr, SocketAddr, &[u8])> =
            records.iter().map(|r| (r.src, r.dst, r.payload.as_slice())).collect();
        assert_eq!(
            seen,
            [
                (a_addr, b_addr, &b"ping"[..]), // a sent
                (a_addr, b_addr, b"ping"),      // b received
                (b_addr, a_addr, b"ping"),      // b sent
                (b_addr, a_addr, b"ping"),      // a received
                (a_addr, b_addr, b"bye"),       // a sent, connected
                (a_addr, b_addr, b"bye"),       // b received
                (a_addr, b_addr, b"gone"),      // a sent
            ]
        );
        assert!(records.windows(2).all(|w| w[0].time <= w[1].time), "in time order");
        // b listens on 0.0.0.0: where a's first datagram was sent, it cannot tell; "bye" comes from a peer it has
        // answered, so to the address it answered from.
        let comments: Vec<Option<&str>> = records.iter().map(|r| r.comment.as_deref()).collect();
        let unsure = format!(
            "received on {}: sent to one of this machine's addresses, or to a broadcast address; the socket is not \
             told which",
            b.local_addr().unwrap()
        );
        assert_eq!(comments, [None, Some(unsure.as_str()), None, None, None, None, None]);
    }

    #[test]
    fn a_datagram_sent_carries_its_sockets_ttl_and_one_received_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ttl.pcapng");
        let capture = Arc::new(Capture::create(&path).unwrap());
        let s = CapturedSocket::new(UdpSocket::bind("127.0.0.1:0").unwrap(), Some(Arc::clone(&capture)));
        s.set_ttl(7).unwrap();
        s.send_to(b"x", s.local_addr().unwrap()).unwrap();
        s.recv_from(&mut [0u8; 4]).unwrap();
        capture.finish().unwrap();
        let ttls: Vec<u8> = read(&path).unwrap().iter().map(|r| r.packet[8]).collect();
        assert_eq!(ttls, [7, crate::capture::DEFAULT_TTL], "sent, received");
    }

    #[test]
    fn the_ttl_toward_a_group_is_the_multicast_one() {
        let s = CapturedSocket::new(UdpSocket::bind("127.0.0.1:0").unwrap(), None);
        s.set_ttl(9).unwrap();
        s.set_multicast_ttl_v4(3).unwrap();
        let ttl = |to: &str| s.ttl_toward(to.parse().unwrap());
        assert_eq!((ttl("239.255.0.1:5000"), ttl("127.0.0.1:5000")), (Some(3), Some(9)));
        let v6 = CapturedSocket::new(UdpSocket::bind("[::1]:0").unwrap(), None);
        let sock = socket2::SockRef::from(&v6.socket);
        sock.set_multicast_hops_v6(2).unwrap();
        sock.set_unicast_hops_v6(5).unwrap();
        let hops = |to: &str| v6.ttl_toward(to.parse().unwrap());
        assert_eq!((hops("[ff15::1]:5000"), hops("[::1]:5000")), (Some(2), Some(5)));
    }

    #[test]
    fn without_a_capture_nothing_is_recorded_and_the_socket_works() {
        let s = CapturedSocket::new(UdpSocket::bind("127.0.0.1:0").unwrap(), None);
        s.send_to(b"x", s.local_addr().unwrap()).unwrap();
        assert_eq!(s.recv_from(&mut [0u8; 4]).unwrap().0, 1);
        assert!(s.capture().is_none());
    }
}
