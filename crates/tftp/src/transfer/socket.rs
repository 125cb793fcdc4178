//! What a [`Channel`](super::Channel) sends through and waits on: the [`Datagrams`] interface, three calls wide, so
//! that the lesson files do not depend on how a datagram is waited for.
//!
//! Two kinds of socket implement it. [`PolledSocket`](super::PolledSocket) is a real UDP socket, made fast
//! (`poll.rs`). [`MemorySocket`] is a script: the datagrams it will deliver are written in advance, what the engine
//! sends is recorded, and nothing ever waits. Tests and the fuzzer run the real send and receive loops over it,
//! deterministically and tens of thousands of times a second, to see what the engine does with any datagram.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::rc::Rc;
use std::time::Instant;

use netlab::capture::CapturedSocket;

use super::PolledSocket;

/// A datagram socket, as a transfer uses one.
pub trait Datagrams {
    /// Sends one datagram to `to`.
    fn send_to(&mut self, datagram: &[u8], to: SocketAddr) -> io::Result<()>;

    /// Waits until `deadline` for one datagram from anyone, copied into `buf`: its length and its sender, or
    /// `None` when the deadline passes first. A UDP socket does it with `recv_from` and a read timeout.
    fn recv_until(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<Option<(usize, SocketAddr)>>;

    /// Whether to poll for a reply before sleeping (see `poll.rs`); returns the setting it had. Only a socket that
    /// can poll does anything.
    fn set_polling(&mut self, _on: bool) -> bool {
        false
    }
}

impl From<UdpSocket> for Box<dyn Datagrams> {
    /// A UDP socket, made to poll for a moment before it sleeps (see `poll.rs`); it records nothing.
    fn from(socket: UdpSocket) -> Self {
        Box::new(PolledSocket::new(CapturedSocket::new(socket, None)))
    }
}

impl From<CapturedSocket> for Box<dyn Datagrams> {
    /// A UDP socket that records into `--pcap`'s capture if it has one, made to poll (see `poll.rs`).
    fn from(socket: CapturedSocket) -> Self {
        Box::new(PolledSocket::new(socket))
    }
}

impl From<PolledSocket> for Box<dyn Datagrams> {
    fn from(socket: PolledSocket) -> Self {
        Box::new(socket)
    }
}

impl From<MemorySocket> for Box<dyn Datagrams> {
    fn from(socket: MemorySocket) -> Self {
        Box::new(socket)
    }
}

/// A scripted socket for tests and fuzzing: [`MemorySocket::deliver`] queues what it will receive; every wait
/// takes the next datagram at once, or times out at once when none is left. What is sent is kept for
/// [`MemorySocket::sent`]. Clones share one script, so a test keeps a clone to look at after the engine is done.
#[derive(Debug, Clone, Default)]
pub struct MemorySocket {
    wire: Rc<RefCell<Wire>>,
}

#[derive(Debug, Default)]
struct Wire {
    incoming: VecDeque<(SocketAddr, Vec<u8>)>,
    sent: Vec<(SocketAddr, Vec<u8>)>,
}

impl MemorySocket {
    /// A socket with nothing to receive yet.
    pub fn new() -> Self {
        MemorySocket::default()
    }

    /// Queues `datagram` as arriving from `from`, after those queued before it.
    pub fn deliver(&self, from: SocketAddr, datagram: &[u8]) {
        self.wire.borrow_mut().incoming.push_back((from, datagram.to_vec()));
    }

    /// Every datagram sent so far, with where it went, oldest first.
    pub fn sent(&self) -> Vec<(SocketAddr, Vec<u8>)> {
        self.wire.borrow().sent.clone()
    }

    /// How many queued datagrams have not been received yet.
    pub fn undelivered(&self) -> usize {
        self.wire.borrow().incoming.len()
    }
}

impl Datagrams for MemorySocket {
    fn send_to(&mut self, datagram: &[u8], to: SocketAddr) -> io::Result<()> {
        self.wire.borrow_mut().sent.push((to, datagram.to_vec()));
        Ok(())
    }

    fn recv_until(&mut self, buf: &mut [u8], _deadline: Instant) -> io::Result<Option<(usize, SocketAddr)>> {
        let Some((from, datagram)) = self.wire.borrow_mut().incoming.pop_front() else {
            return Ok(None);
        };
        // As UDP does, a datagram longer than the buffer is cut to fit.
        let n = datagram.len().min(buf.len());
        buf[..n].copy_from_slice(&datagram[..n]);
        Ok(Some((n, from)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_is_delivered_in_order_then_times_out_and_clones_share_it() {
        let from: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let script = MemorySocket::new();
        script.deliver(from, &[0, 4, 0, 1]);
        script.deliver(from, b"longer than the buffer");
        let mut socket = script.clone();
        let mut buf = [0u8; 6];
        let now = Instant::now();
        assert_eq!(socket.recv_until(&mut buf, now).unwrap(), Some((4, from)));
        assert_eq!(&buf[..4], [0, 4, 0, 1]);
        assert_eq!(socket.recv_until(&mut buf, now).unwrap(), Some((6, from)));
        assert_eq!(&buf, b"longer");
        assert_eq!(socket.recv_until(&mut buf, now).unwrap(), None);
        socket.send_to(&[0, 4, 0, 2], from).unwrap();
        assert_eq!(script.sent(), [(from, vec![0, 4, 0, 2])]);
        assert_eq!(script.undelivered(), 0);
    }
}
