//! Lab 8 — reference solution.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

pub fn upload(
    socket: &UdpSocket,
    server: SocketAddr,
    filename: &str,
    data: &[u8],
    timeout: Duration,
) -> io::Result<()> {
    let mut last_sent = vec![0, 2];
    last_sent.extend_from_slice(filename.as_bytes());
    last_sent.push(0);
    last_sent.extend_from_slice(b"octet\0");
    socket.send_to(&last_sent, server)?;
    socket.set_read_timeout(Some(timeout))?;
    let mut tid: Option<SocketAddr> = None;
    let blocks = data.len() / 512 + 1; // the last one short, maybe empty
    let mut acked: usize = 0;
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
        if Some(from) != tid || n < 4 {
            continue;
        }
        match buf[1] {
            4 => {
                let block = u16::from_be_bytes([buf[2], buf[3]]);
                if block != acked as u16 {
                    continue; // an old ACK: do not answer it
                }
                if acked == blocks {
                    return Ok(());
                }
                let start = acked * 512;
                let chunk = &data[start..(start + 512).min(data.len())];
                acked += 1;
                last_sent = vec![0, 3];
                last_sent.extend_from_slice(&(acked as u16).to_be_bytes());
                last_sent.extend_from_slice(chunk);
                socket.send_to(&last_sent, from)?;
                tries = 0;
            }
            5 => return Err(io::Error::other("server error")),
            _ => {}
        }
    }
}
