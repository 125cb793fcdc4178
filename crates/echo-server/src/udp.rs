//! The UDP echo loop: receive a datagram, send the same bytes back to its sender.
//!
//! The buffer holds 65,536 bytes, more than the largest UDP payload (65,507 bytes over IPv4), so nothing is ever
//! cut short — the seed's `recvfrom(1024)` silently drops everything past byte 1024.

use std::io;
use std::net::{SocketAddr, UdpSocket};

use netlab::capture::CapturedSocket;

/// Largest UDP payload over IPv4: 65,535 minus 20 (IP header) minus 8 (UDP header).
pub use netlab::MAX_UDP_PAYLOAD;

/// The server's socket on `addr` (dual stack on IPv6).
pub fn bind(addr: SocketAddr) -> io::Result<UdpSocket> {
    crate::server_socket(addr).bind_udp(addr)
}

// ANCHOR: udp_echo
/// Echoes datagrams until the socket fails; `on_message` sees each one (for the log line). The socket is a
/// `UdpSocket` that also records each datagram into `--pcap`'s file when there is one.
pub fn serve(socket: &CapturedSocket, mut on_message: impl FnMut(SocketAddr, &[u8])) -> io::Result<()> {
    let mut buf = vec![0u8; netlab::MAX_DATAGRAM];
    loop {
        let (n, from) = match socket.recv_from(&mut buf) {
            Ok(got) => got,
            // An ICMP error from an earlier reply, or a signal: nothing is wrong with the server.
            Err(e) if matches!(e.kind(), io::ErrorKind::ConnectionRefused | io::ErrorKind::Interrupted) => continue,
            Err(e) => return Err(e),
        };
        // A client that has gone away makes the send fail; the next client must still be served.
        let _ = socket.send_to(&buf[..n], from);
        on_message(from, &buf[..n]);
    }
}

// ANCHOR_END: udp_echo
