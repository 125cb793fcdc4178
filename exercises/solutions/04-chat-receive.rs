//! Lab 4 — reference solution: the body of the seed's `receive()` thread.

use std::io;
use std::net::{SocketAddr, UdpSocket};

use netlab::Encoding;

/// Bigger than any UDP payload (at most 65,507 bytes over IPv4), so no message is ever cut short. The seed's
/// `recvfrom(1024)` keeps only the first 1024 bytes of a longer message.
const MAX_DATAGRAM: usize = 65_536;

/// The seed's line, `"%s:%d %s\t%s" % (host, port, ctime(), text)`.
pub fn chat_line(from: SocketAddr, stamp: &str, text: &str) -> String {
    // `SocketAddr`'s Display writes host:port, with an IPv6 host in brackets ([::1]:8080) so the port stays
    // readable; the seed's "%s:%d" would run an IPv6 address's colons into the port's.
    format!("{from} {stamp}\t{text}")
}

/// Receives one message on `socket` and returns its line.
pub fn receive_line(socket: &UdpSocket, encoding: Encoding, stamp: &str) -> io::Result<String> {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let (n, from) = socket.recv_from(&mut buf)?;
    // Bytes become text only with an encoding, the same one the sender used. `decode` never fails: a byte that
    // does not decode shows as \xNN, where the seed's `msg.decode()` would crash the receiving thread.
    let text = encoding.decode(&buf[..n]);
    Ok(chat_line(from, stamp, &text))
}
