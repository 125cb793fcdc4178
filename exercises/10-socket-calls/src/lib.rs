//! Lab 10 — what the socket calls do (seed §2): UDP and TCP side by side, on 127.0.0.1 only. Each function is a
//! few lines; the lesson is what the system answers. Replace every `todo!()`; `just lab 10` runs the tests.
//!
//! | Python (the seed)                        | Rust                                              |
//! |------------------------------------------|---------------------------------------------------|
//! | `s.bind(('127.0.0.1', 0))`               | `UdpSocket::bind(("127.0.0.1", 0))`               |
//! | `s.getsockname()` / `s.getpeername()`    | `s.local_addr()` / `s.peer_addr()`                |
//! | `s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)` before `bind` | socket2: `Socket::new`, `set_reuse_address(true)`, `bind`, `.into()` |
//! | `s.connect(addr)` (UDP: sends nothing)   | `UdpSocket::connect(addr)` / `TcpStream::connect` |
//! | `s.settimeout(t)`                        | `set_read_timeout(Some(t))`, `TcpStream::connect_timeout` |

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::time::Duration;

/// What a probe of one port found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// Something listens: TCP's connection was accepted, or a UDP reply came back.
    Open,
    /// Nothing listens: TCP's connect was refused (a RST), or a UDP receive reported the ICMP "port
    /// unreachable" the system sent back.
    Refused,
    /// Nothing came back within the wait: a silent program, or a lost packet — from outside, no one can tell which.
    NoAnswer,
}

/// A UDP socket bound to 127.0.0.1 on a port the system chooses, and that port.
pub fn udp_on_any_port() -> io::Result<(UdpSocket, u16)> {
    // TODO: bind port 0, then ask the socket which port it got.
    todo!()
}

/// A TCP listener on 127.0.0.1 on a port the system chooses, and that port.
pub fn tcp_on_any_port() -> io::Result<(TcpListener, u16)> {
    // TODO
    todo!()
}

/// Two UDP sockets on one port of 127.0.0.1: the first on a port the system chooses, the second on that same
/// port. With `reuse`, both set SO_REUSEADDR and both binds succeed; without, the second bind's error is returned.
pub fn udp_pair_on_one_port(reuse: bool) -> io::Result<(UdpSocket, UdpSocket)> {
    // TODO: std's UdpSocket::bind binds at once, too early to set an option; socket2 makes the socket first.
    let _ = reuse;
    todo!()
}

/// A TCP listener on `addr`, with SO_REUSEADDR set before the bind when `reuse` is true.
pub fn tcp_listener(addr: SocketAddr, reuse: bool) -> io::Result<TcpListener> {
    // TODO: socket2: new, set the option, bind, listen, then `.into()` a std TcpListener.
    let _ = (addr, reuse);
    todo!()
}

/// Connects to `addr` over TCP, waiting at most `wait`.
pub fn tcp_probe(addr: SocketAddr, wait: Duration) -> io::Result<Probe> {
    // TODO: which error kind does a connection to a port where nobody listens give?
    let _ = (addr, wait);
    todo!()
}

/// Sends `message` to `addr` over UDP from a socket on 127.0.0.1, then waits at most `wait` (more than zero)
/// for a reply.
pub fn udp_probe(addr: SocketAddr, message: &[u8], wait: Duration) -> io::Result<Probe> {
    // TODO: the send succeeds whether anyone listens or not. Where does "port unreachable" show, and on which
    // kind of UDP socket?
    let _ = (addr, message, wait);
    todo!()
}

/// A TCP connection to `server`, and its two ends as the system names them: (its own address, getsockname;
/// the address it is connected to, getpeername).
pub fn tcp_ends(server: SocketAddr) -> io::Result<(TcpStream, SocketAddr, SocketAddr)> {
    // TODO
    let _ = server;
    todo!()
}

/// A UDP socket on 127.0.0.1 connected to `peer`, and its two ends as the system names them. Connecting a UDP
/// socket sends nothing: it fixes the one address the socket talks to.
pub fn udp_ends(peer: SocketAddr) -> io::Result<(UdpSocket, SocketAddr, SocketAddr)> {
    // TODO
    let _ = peer;
    todo!()
}
