//! # udp-chat — seed §3.2.1-2, the chat program
//!
//! The seed's chat binds port 8080, asks for the peer's address, then runs a receiving thread beside a loop that
//! sends every line typed. Ours keeps that shape and its line format, `host:port <ctime>\t<text>`, so the Rust and
//! Python chats can talk to each other, and adds what the original leaves out: a way to quit, messages longer than
//! 1024 bytes, and a choice of text encoding (GBK is what many Chinese socket tools send).
//!
//! ## Layout
//! - [`outgoing`]: the datagram for a line typed.
//! - [`line`](fn@line): the printed line for a received message.
//! - [`receive_loop`]: the receiving thread's loop.

use std::io::{self, Write};
use std::net::SocketAddr;

use netlab::Encoding;
use netlab::capture::CapturedSocket;

/// The largest message: what one UDP datagram carries over IPv4 (65,507 bytes).
pub const MAX_MESSAGE: usize = netlab::MAX_UDP_PAYLOAD;

/// The datagram for one line of input, given without its line ending: the text in `encoding`. A line that is
/// not UTF-8 (text in another encoding, such as a GBK file piped in) is sent as its bytes, unchanged, as
/// `nc -u` would send it: the chat's job is to pass text on, and the receiving side shows any byte that does not
/// decode as `\xNN`. Refused, with the reason: a character the encoding lacks, or more than a datagram holds.
pub fn outgoing(line: &[u8], encoding: Encoding) -> Result<Vec<u8>, String> {
    let bytes = match std::str::from_utf8(line) {
        Ok(text) => encoding.encode(text).map_err(|e| e.to_string())?,
        Err(_) => line.to_vec(),
    };
    if bytes.len() > MAX_MESSAGE {
        return Err(format!(
            "{} bytes is more than a UDP datagram holds ({MAX_MESSAGE})",
            bytes.len()
        ));
    }
    Ok(bytes)
}

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
/// `recvfrom(1024)` cuts the rest off); bytes that do not decode are shown as `\xNN`, never a crash, and control
/// characters escaped (`\x1b`, `\t`, `\n`), so a message can neither command the terminal nor fake a line of
/// its own. One line ending at the very end, which `nc` adds, is dropped. The socket is a `UdpSocket` that also
/// records each datagram into `--pcap`'s file when there is one.
pub fn receive_loop(socket: &CapturedSocket, encoding: Encoding, out: &mut dyn Write) -> io::Result<()> {
    let mut buf = vec![0u8; 65_536];
    loop {
        let (n, from) = match socket.recv_from(&mut buf) {
            Ok(got) => got,
            // The peer's port was closed (ICMP port unreachable for an earlier message), or a signal: carry on.
            Err(e) if matches!(e.kind(), io::ErrorKind::ConnectionRefused | io::ErrorKind::Interrupted) => continue,
            Err(e) => return Err(e),
        };
        let text = encoding.decode_line(&buf[..n]);
        writeln!(out, "{}", line(from, &netlab::ctime_now(), &text))?;
        out.flush()?;
    }
}

// ANCHOR_END: receive_loop
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_typed_become_datagrams() {
        assert_eq!(
            outgoing("测试".as_bytes(), Encoding::Gbk).unwrap(),
            [0xb2, 0xe2, 0xca, 0xd4]
        );
        assert_eq!(outgoing("测试".as_bytes(), Encoding::Utf8).unwrap(), "测试".as_bytes());
        // Not UTF-8: the bytes as they are, whichever encoding was chosen.
        for encoding in [Encoding::Utf8, Encoding::Gbk] {
            assert_eq!(outgoing(b"caf\xe9 \xb2\xe2", encoding).unwrap(), b"caf\xe9 \xb2\xe2");
        }
        assert!(
            outgoing("😀".as_bytes(), Encoding::Gbk)
                .unwrap_err()
                .contains("cannot be encoded in gbk")
        );
        assert_eq!(
            outgoing(&[b'x'; MAX_MESSAGE], Encoding::Utf8).unwrap().len(),
            MAX_MESSAGE
        );
        assert!(
            outgoing(&[0xff; MAX_MESSAGE + 1], Encoding::Utf8)
                .unwrap_err()
                .contains("65507")
        );
    }

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
        use std::net::UdpSocket;
        let socket = CapturedSocket::new(UdpSocket::bind("127.0.0.1:0").unwrap(), None);
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
