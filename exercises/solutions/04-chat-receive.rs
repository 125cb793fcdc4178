//! Lab 4 — reference solution.

use std::io;
use std::net::{SocketAddr, UdpSocket};

use netlab::Encoding;

pub fn chat_line(from: SocketAddr, stamp: &str, text: &str) -> String {
    format!("{}:{} {stamp}\t{text}", from.ip(), from.port())
}

pub fn receive_line(socket: &UdpSocket, encoding: Encoding, stamp: &str) -> io::Result<String> {
    let mut buf = vec![0u8; 65_536];
    let (n, from) = socket.recv_from(&mut buf)?;
    Ok(chat_line(from, stamp, &encoding.decode(&buf[..n])))
}
