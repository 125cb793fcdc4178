//! Lab 3 — reference solution: the seed's echo loop, with a buffer big enough for any datagram.

use std::io;
use std::net::UdpSocket;

/// Bigger than any UDP payload (at most 65,507 bytes over IPv4), so no datagram is ever cut short. The seed's
/// `recvfrom(1024)` keeps only the first 1024 bytes of a longer datagram and silently drops the rest.
const MAX_DATAGRAM: usize = 65_536;

/// Echoes datagrams on `socket` until `count` have been echoed, then returns.
pub fn serve(socket: &UdpSocket, count: usize) -> io::Result<()> {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    for _ in 0..count {
        // `n` may be 0: an empty datagram is a datagram like any other (not "end of stream", as with TCP).
        let (n, from) = socket.recv_from(&mut buf)?;
        // Only the `n` bytes received, back to whoever sent them, from the socket they sent to.
        socket.send_to(&buf[..n], from)?;
    }
    Ok(())
}
