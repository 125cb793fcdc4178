//! Lab 5 — reference solution.

use std::io;
use std::net::UdpSocket;

pub const LOOPBACK_BROADCAST: &str = "127.255.255.255";

pub fn send_broadcast(message: &str, port: u16) -> io::Result<usize> {
    let socket = UdpSocket::bind("0.0.0.0:0")?;
    socket.set_broadcast(true)?;
    socket.send_to(message.as_bytes(), (LOOPBACK_BROADCAST, port))
}
