//! Lab 3 — a UDP echo server (seed §3.2.1-1): whatever arrives goes back to where it came from.
//! Replace the `todo!()`; `just lab 3` runs the tests.

use std::io;
use std::net::UdpSocket;

/// Echoes datagrams on `socket` until `count` have been echoed, then returns. Every datagram must come back
/// exactly — including an empty one and one of 65,507 bytes (the seed's `recvfrom(1024)` cuts it short).
pub fn serve(socket: &UdpSocket, count: usize) -> io::Result<()> {
    // TODO: a buffer big enough for any datagram; recv_from; send_to the sender; `count` times.
    let _ = (socket, count);
    todo!()
}
