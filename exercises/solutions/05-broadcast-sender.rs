//! Lab 5 — reference solution: the seed's broadcast sender, on this machine only.

use std::io;
use std::net::UdpSocket;

/// The loopback network's broadcast address (127.0.0.0/8 with all host bits set): it reaches every socket
/// listening on the port on this machine, and nothing leaves it.
pub const LOOPBACK_BROADCAST: &str = "127.255.255.255";

/// Sends `message` to every listener on `port` of this machine; returns the bytes sent.
pub fn send_broadcast(message: &str, port: u16) -> io::Result<usize> {
    // Port 0: any free port will do for sending.
    let socket = UdpSocket::bind("0.0.0.0:0")?;
    // The seed's setsockopt(SOL_SOCKET, SO_BROADCAST, 1). Without it the kernel refuses to send to a broadcast
    // address ("permission denied"): a broadcast reaches every host, so a program must say it means to.
    socket.set_broadcast(true)?;
    socket.send_to(message.as_bytes(), (LOOPBACK_BROADCAST, port))
}
