//! # udp-chat — seed §3.2.1-2, the chat program
//!
//! The seed's chat binds port 8080, asks for the peer's address, then runs a receiving thread beside a loop that
//! sends every line typed. Ours keeps that shape and its line format, `host:port <ctime>\t<text>`, so the Rust and
//! Python chats can talk to each other, and adds what the original leaves out: a way to quit, messages longer than
//! 1024 bytes, and a choice of text encoding (GBK is what many Chinese socket tools send).
//!
//! ## Layout
//! - [`line`](fn@line): the printed line for a received message.
//! - [`receive_loop`]: the receiving thread's loop.

use std::io::{self, Write};
use std::net::{SocketAddr, UdpSocket};

use netlab::Encoding;

/// The line printed for a message, in the seed's format: `"%s:%d %s\t%s" % (host, port, ctime(), text)`. An IPv6
/// sender is written in brackets, `[::1]:8080`, so the port stays readable.
pub fn line(from: SocketAddr, stamp: &str, text: &str) -> String {
    let host = match from {
        SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => match a.ip().to_ipv4_mapped() {
            Some(v4) => format!("{v4}:{}", a.port()),
            None => format!("[{}]:{}", a.ip(), a.port()),
        },
    };
    format!("{host} {stamp}\t{text}")
}

// ANCHOR: receive_loop
/// Receives datagrams for ever, printing one line each to `out`. Up to 65,507 bytes arrive whole (the seed's
/// `recvfrom(1024)` cuts the rest off); bytes that do not decode are shown as `\xNN`, never a crash.
pub fn receive_loop(socket: &UdpSocket, encoding: Encoding, out: &mut dyn Write) -> io::Result<()> {
    let mut buf = vec![0u8; 65_536];
    loop {
        let (n, from) = match socket.recv_from(&mut buf) {
            Ok(got) => got,
            // The peer's port was closed (ICMP port unreachable for an earlier message), or a signal: carry on.
            Err(e) if matches!(e.kind(), io::ErrorKind::ConnectionRefused | io::ErrorKind::Interrupted) => continue,
            Err(e) => return Err(e),
        };
        let text = encoding.decode(&buf[..n]);
        writeln!(out, "{}", line(from, &netlab::ctime_now(), &text))?;
        out.flush()?;
    }
}

// ANCHOR_END: receive_loop
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_line_format() {
        let from: SocketAddr = "192.168.0.200:8080".parse().unwrap();
        assert_eq!(
            line(from, "Wed Nov 25 03:16:51 2026", "你好"),
            "192.168.0.200:8080 Wed Nov 25 03:16:51 2026\t你好"
        );
        let v6: SocketAddr = "[::1]:9".parse().unwrap();
        assert_eq!(line(v6, "T", "x"), "[::1]:9 T\tx");
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:9".parse().unwrap();
        assert_eq!(line(mapped, "T", "x"), "127.0.0.1:9 T\tx");
    }

    #[test]
    fn received_messages_become_lines_and_bad_bytes_show() {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        sender.send_to(&[0xb2, 0xe2, 0xca, 0xd4], addr).unwrap(); // 测试 in GBK
        sender.send_to(&[0xff, b'!'], addr).unwrap();
        // A writer that stops the loop after two lines.
        struct Two(Vec<u8>);
        impl Write for Two {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0.extend_from_slice(b);
                if self.0.iter().filter(|&&c| c == b'\n').count() >= 2 {
                    return Err(io::Error::other("enough"));
                }
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut out = Two(Vec::new());
        let _ = receive_loop(&socket, Encoding::Gbk, &mut out);
        let text = String::from_utf8(out.0).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with("\t测试"), "{text}");
        assert!(lines[1].ends_with("\t\\xff!"), "{text}");
        assert!(lines[0].starts_with(&format!("127.0.0.1:{} ", sender.local_addr().unwrap().port())));
    }
}
