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

/// What the server did with a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// Sent back to where it came from.
    Echoed,
    /// Not answered: its source port is one that [`would_loop`].
    Refused,
}

/// Whether echoing a datagram from `from` could start an exchange that never ends. RFC 862 servers answer
/// everything, so one forged datagram that claims to come from another such service — echo on port 7, chargen,
/// daytime, or another echo server like this one — makes the two answer each other for ever. So, as BSD's inetd
/// does for its own echo service, a datagram gets no echo when it comes from a system service's port (below 1024),
/// or from this server's own port (another echo server on the same port elsewhere, or this server itself, forged).
/// Clients send from ephemeral ports, so they are never refused.
pub fn would_loop(from: SocketAddr, own_port: u16) -> bool {
    from.port() < 1024 || from.port() == own_port
}

// ANCHOR: udp_echo
/// Echoes datagrams until the socket fails; `on_message` sees each one and what was done with it (for the log
/// line). The socket is a `UdpSocket` that also records each datagram into `--pcap`'s file when there is one.
pub fn serve(socket: &CapturedSocket, mut on_message: impl FnMut(SocketAddr, &[u8], Reply)) -> io::Result<()> {
    let own_port = socket.local_addr()?.port();
    let mut buf = vec![0u8; netlab::MAX_DATAGRAM];
    loop {
        // The next datagram; an ICMP error that an earlier reply drew (its client had gone) is not the server's.
        let (n, from) = socket.recv_next(&mut buf)?;
        if would_loop(from, own_port) {
            on_message(from, &buf[..n], Reply::Refused);
            continue;
        }
        // A client that has gone away makes the send fail; the next client must still be served.
        let _ = socket.send_to(&buf[..n], from);
        on_message(from, &buf[..n], Reply::Echoed);
    }
}

// ANCHOR_END: udp_echo

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datagrams_from_services_and_from_our_own_port_would_loop() {
        let from = |text: &str| text.parse::<SocketAddr>().unwrap();
        assert!(
            would_loop(from("10.0.0.1:7"), 8080),
            "another echo service (RFC 862's port 7)"
        );
        assert!(would_loop(from("10.0.0.1:19"), 8080), "chargen");
        assert!(would_loop(from("10.0.0.1:1023"), 8080), "any system service");
        assert!(
            would_loop(from("10.0.0.2:8080"), 8080),
            "an echo server on our own port"
        );
        assert!(!would_loop(from("127.0.0.1:50000"), 8080), "a client's ephemeral port");
        assert!(!would_loop(from("[::1]:1024"), 8080));
    }
}
