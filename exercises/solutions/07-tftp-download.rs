//! Lab 7 — reference solution.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

pub fn download(socket: &UdpSocket, server: SocketAddr, filename: &str, timeout: Duration) -> io::Result<Vec<u8>> {
    let mut last_sent = vec![0, 1];
    last_sent.extend_from_slice(filename.as_bytes());
    last_sent.push(0);
    last_sent.extend_from_slice(b"octet\0");
    socket.send_to(&last_sent, server)?;
    socket.set_read_timeout(Some(timeout))?;
    let mut tid: Option<SocketAddr> = None;
    let mut expected: u16 = 1;
    let mut file = Vec::new();
    let mut tries = 0;
    let mut buf = [0u8; 1024];
    loop {
        let (n, from) = match socket.recv_from(&mut buf) {
            Ok(got) => got,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                tries += 1;
                if tries > 5 {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "the server stopped answering"));
                }
                socket.send_to(&last_sent, tid.unwrap_or(server))?;
                continue;
            }
            Err(e) => return Err(e),
        };
        if tid.is_none() && from.ip() == server.ip() {
            tid = Some(from);
        }
        if Some(from) != tid {
            socket.send_to(b"\x00\x05\x00\x05unknown transfer ID\x00", from)?;
            continue;
        }
        let packet = &buf[..n];
        if n < 4 {
            continue;
        }
        match packet[1] {
            3 => {
                let block = u16::from_be_bytes([packet[2], packet[3]]);
                if block == expected {
                    file.extend_from_slice(&packet[4..]);
                    last_sent = vec![0, 4, packet[2], packet[3]];
                    socket.send_to(&last_sent, from)?;
                    tries = 0;
                    expected = expected.wrapping_add(1);
                    if n < 516 {
                        return Ok(file);
                    }
                } else if block == expected.wrapping_sub(1) {
                    socket.send_to(&[0, 4, packet[2], packet[3]], from)?;
                }
            }
            5 => {
                let message = String::from_utf8_lossy(&packet[4..]).trim_end_matches('\0').to_string();
                return Err(io::Error::other(format!("server error: {message}")));
            }
            _ => {}
        }
    }
}
