//! # udp-chat — seed §3.2.1-2, the chat program
//!
//! The seed's chat binds port 8080, asks for the peer's address, then runs a receiving thread beside a loop that
//! sends every line typed. Ours keeps that shape and its line format, `host:port <ctime>\t<text>`, so the Rust and
//! Python chats can talk to each other, and adds what the original leaves out: a way to quit, messages longer than
//! 1024 bytes, and a choice of text encoding (GBK is what many Chinese socket tools send).
//!
//! ## Layout
//! Everything is in this file, in the order the chat runs; `src/main.rs` only reads the arguments (clap), calls
//! these, and maps errors to exit codes.
//! - [`bind`]: the chat's socket, dual-stack when it can be.
//! - [`ask_peer`]: the seed's two questions, "target ip:" and "target port:", for what the command line left out.
//! - [`reachable`]: the peer's address as this socket reaches it (IPv4-mapped on a dual-stack socket).
//! - [`send_loop`], [`outgoing`]: every line typed becomes one datagram; `/quit` or the end of input stops.
//! - [`receive_loop`], [`line`](fn@line): every datagram received becomes one line, in the seed's format.
//!
//! The socket is a [`CapturedSocket`]: a `UdpSocket` that also records each datagram into `--pcap`'s file when
//! there is one.

use std::io::{self, BufRead, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};

use netlab::capture::CapturedSocket;
use netlab::{Encoding, SocketBuilder, print};

/// The largest message: what one UDP datagram carries over IPv4 (65,507 bytes).
pub const MAX_MESSAGE: usize = netlab::MAX_UDP_PAYLOAD;

/// Binds the chat's socket on `ip` (`None`: every address) and `port`. With no address, `[::]` with dual stack,
/// so the peer may be IPv4 or IPv6; where IPv6 is missing, `0.0.0.0`. The error is the one line that says why
/// (a port in use, a port below 1024, an address not on this machine).
pub fn bind(ip: Option<IpAddr>, port: u16) -> Result<UdpSocket, String> {
    let local = match ip {
        Some(ip) => SocketAddr::new(ip, port),
        None => {
            let dual = SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), port);
            if let Ok(s) = SocketBuilder::new().v6_only(false).bind_udp(dual) {
                return Ok(s);
            }
            SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), port)
        }
    };
    let builder = if local.is_ipv6() {
        SocketBuilder::new().v6_only(false)
    } else {
        SocketBuilder::new()
    };
    builder
        .bind_udp(local)
        .map_err(|e| netlab::explain_bind_error(local, &e))
}

/// The peer as the seed gets it: what the command line gave, and the rest asked for on standard output and read
/// from `input` — the host ("target ip:"), then the port ("target port:", asked again until it is one). `None`
/// when the input ends first: the user left.
pub fn ask_peer(host: Option<String>, port: Option<u16>, input: &mut dyn BufRead) -> Option<(String, u16)> {
    if let (Some(host), Some(port)) = (&host, port) {
        return Some((host.clone(), port));
    }
    let host = host.or_else(|| ask("target ip:", input))?;
    loop {
        match ask("target port:", input)?.parse::<u16>() {
            Ok(port) => return Some((host, port)),
            Err(_) => eprintln!("a port is a number from 0 to 65535"),
        }
    }
}

/// Asks a question on stdout and reads the answer; `None` at end of input. An answer that is not UTF-8 is kept
/// (with U+FFFD for the bad bytes), so that it is refused as an address or port, never taken for the end.
fn ask(prompt: &str, input: &mut dyn BufRead) -> Option<String> {
    print!("{prompt}");
    let _ = netlab::output::Stdout.flush();
    let mut line = Vec::new();
    match input.read_until(b'\n', &mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(String::from_utf8_lossy(&line).trim().to_string()),
    }
}

/// `peer` as `socket` reaches it: a dual-stack (IPv6) socket reaches an IPv4 peer at its IPv4-mapped address,
/// `::ffff:127.0.0.1`.
pub fn reachable(socket: &CapturedSocket, peer: SocketAddr) -> SocketAddr {
    match (peer, socket.local_addr()) {
        (SocketAddr::V4(v4), Ok(SocketAddr::V6(_))) => SocketAddr::new(v4.ip().to_ipv6_mapped().into(), v4.port()),
        _ => peer,
    }
}

/// Sends every line of `input` to `peer` as one datagram, until `/quit` or the end of input. Lines are read as
/// bytes, not as UTF-8 text: a line in another encoding is still a line to send. A line that cannot be sent is
/// reported on standard error and the chat goes on; only a failure to read `input` ends it with an error.
pub fn send_loop(
    input: &mut dyn BufRead,
    socket: &CapturedSocket,
    peer: SocketAddr,
    encoding: Encoding,
) -> io::Result<()> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(()); // end of input: leave quietly
        }
        let typed = line_without_ending(&line);
        if typed == b"/quit" {
            return Ok(());
        }
        match outgoing(typed, encoding) {
            Ok(bytes) => {
                if let Err(e) = socket.send_to(&bytes, peer) {
                    eprintln!("not sent: {e}");
                }
            }
            Err(why) => eprintln!("not sent: {why}"),
        }
    }
}

/// A line as typed: without its `\n` or `\r\n`.
fn line_without_ending(line: &[u8]) -> &[u8] {
    let end = line.iter().rposition(|b| !matches!(b, b'\n' | b'\r'));
    &line[..end.map_or(0, |i| i + 1)]
}

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
    let mut buf = vec![0u8; netlab::MAX_DATAGRAM];
    loop {
        // The next datagram; a closed peer port reported for an earlier message (ICMP) is not an end.
        let (n, from) = socket.recv_next(&mut buf)?;
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
    fn asked_for_the_peer_like_the_seed() {
        let given = ask_peer(Some("10.0.0.1".into()), Some(9), &mut &b""[..]);
        assert_eq!(given, Some(("10.0.0.1".to_string(), 9)), "nothing asked");
        let asked = ask_peer(None, None, &mut &b"127.0.0.1\nx\n70000\n8080\n"[..]);
        assert_eq!(
            asked,
            Some(("127.0.0.1".to_string(), 8080)),
            "asked again until it is a port"
        );
        let half = ask_peer(Some("::1".into()), None, &mut &b" 7\r\n"[..]);
        assert_eq!(half, Some(("::1".to_string(), 7)));
        assert_eq!(ask_peer(None, None, &mut &b"127.0.0.1\n"[..]), None, "the input ended");
    }

    #[test]
    fn line_endings_are_not_sent() {
        assert_eq!(line_without_ending(b"hi\r\n"), b"hi");
        assert_eq!(line_without_ending(b"hi\n"), b"hi");
        assert_eq!(line_without_ending(b"\n"), b"");
        assert_eq!(line_without_ending(b"no end"), b"no end");
    }

    #[test]
    fn an_ipv4_peer_is_reached_mapped_from_an_ipv6_socket() {
        let peer: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let v4 = CapturedSocket::new(UdpSocket::bind("127.0.0.1:0").unwrap(), None);
        assert_eq!(reachable(&v4, peer), peer);
        if let Ok(v6) = bind(Some(Ipv6Addr::LOCALHOST.into()), 0) {
            let v6 = CapturedSocket::new(v6, None);
            assert_eq!(reachable(&v6, peer), "[::ffff:127.0.0.1]:9".parse().unwrap());
        }
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
