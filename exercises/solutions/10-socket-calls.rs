//! Lab 10 — reference solution: what the socket calls do (seed §2), UDP and TCP side by side, on loopback.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::time::Duration;

use socket2::{Domain, Socket, Type};

/// Port 0 in a bind asks the system for any free port.
const ANY_PORT: u16 = 0;
/// How many connections may wait for `accept` (std's TcpListener::bind uses 128 too).
const BACKLOG: i32 = 128;
/// Bigger than any UDP payload, so a reply is never cut short.
const MAX_DATAGRAM: usize = 65_536;

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
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, ANY_PORT))?;
    // getsockname: the port the system chose, not the 0 we asked for.
    let port = socket.local_addr()?.port();
    Ok((socket, port))
}

/// A TCP listener on 127.0.0.1 on a port the system chooses, and that port.
pub fn tcp_on_any_port() -> io::Result<(TcpListener, u16)> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, ANY_PORT))?;
    let port = listener.local_addr()?.port();
    Ok((listener, port))
}

/// A UDP socket bound to `addr`, with SO_REUSEADDR set before the bind when `reuse` is true.
fn udp_socket(addr: SocketAddr, reuse: bool) -> io::Result<UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, None)?;
    // Before bind: the bind is where the system checks whether the port is free to share.
    socket.set_reuse_address(reuse)?;
    // macOS shares a UDP port between unicast sockets only with SO_REUSEPORT as well.
    #[cfg(target_os = "macos")]
    socket.set_reuse_port(reuse)?;
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// Two UDP sockets on one port of 127.0.0.1: the first on a port the system chooses, the second on that same
/// port. With `reuse`, both set SO_REUSEADDR and both binds succeed; without, the second bind's error is returned.
pub fn udp_pair_on_one_port(reuse: bool) -> io::Result<(UdpSocket, UdpSocket)> {
    // Linux lets a UDP port be shared only if every socket on it asked to share: the first as well as the second.
    let first = udp_socket((Ipv4Addr::LOCALHOST, ANY_PORT).into(), reuse)?;
    let second = udp_socket(first.local_addr()?, reuse)?;
    Ok((first, second))
}

/// A TCP listener on `addr`, with SO_REUSEADDR set before the bind when `reuse` is true.
pub fn tcp_listener(addr: SocketAddr, reuse: bool) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    // For TCP, SO_REUSEADDR lets a server bind its port again while old connections on it linger in TIME_WAIT
    // after a restart; it never lets two listeners share a port (on Linux that takes SO_REUSEPORT).
    socket.set_reuse_address(reuse)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// Connects to `addr` over TCP, waiting at most `wait`.
pub fn tcp_probe(addr: SocketAddr, wait: Duration) -> io::Result<Probe> {
    match TcpStream::connect_timeout(&addr, wait) {
        Ok(_) => Ok(Probe::Open),
        // The other side's system answered the SYN with a RST: at once, nobody listens there.
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => Ok(Probe::Refused),
        Err(e) if e.kind() == io::ErrorKind::TimedOut => Ok(Probe::NoAnswer),
        Err(e) => Err(e),
    }
}

/// Sends `message` to `addr` over UDP from a socket on 127.0.0.1, then waits at most `wait` (more than zero)
/// for a reply.
pub fn udp_probe(addr: SocketAddr, message: &[u8], wait: Duration) -> io::Result<Probe> {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, ANY_PORT))?;
    // Connected, so that the system passes on the ICMP "port unreachable" that may come back: an unconnected
    // socket, which may talk to anyone, never hears of it.
    socket.connect(addr)?;
    socket.set_read_timeout(Some(wait))?;
    // Succeeds even when nobody listens: UDP has no handshake, the datagram simply leaves.
    socket.send(message)?;
    let mut reply = vec![0u8; MAX_DATAGRAM];
    match socket.recv(&mut reply) {
        Ok(_) => Ok(Probe::Open),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => Ok(Probe::Refused),
        // Out of time: WouldBlock on Linux and macOS, TimedOut on Windows.
        Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Ok(Probe::NoAnswer),
        Err(e) => Err(e),
    }
}

/// A TCP connection to `server`, and its two ends as the system names them: (its own address, getsockname;
/// the address it is connected to, getpeername).
pub fn tcp_ends(server: SocketAddr) -> io::Result<(TcpStream, SocketAddr, SocketAddr)> {
    let stream = TcpStream::connect(server)?;
    let (local, peer) = (stream.local_addr()?, stream.peer_addr()?);
    Ok((stream, local, peer))
}

/// A UDP socket on 127.0.0.1 connected to `peer`, and its two ends as the system names them. Connecting a UDP
/// socket sends nothing: it fixes the one address the socket talks to.
pub fn udp_ends(peer: SocketAddr) -> io::Result<(UdpSocket, SocketAddr, SocketAddr)> {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, ANY_PORT))?;
    socket.connect(peer)?;
    let (local, peer) = (socket.local_addr()?, socket.peer_addr()?);
    Ok((socket, local, peer))
}
