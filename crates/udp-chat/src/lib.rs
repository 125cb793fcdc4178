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
use netlab::lines::{LineError, LineReader};
use netlab::{Encoding, SocketBuilder, print};

/// The largest message: what one UDP datagram carries over IPv4 (65,507 bytes).
pub const MAX_MESSAGE: usize = netlab::MAX_UDP_PAYLOAD;

/// The longest answer to "target ip:" or "target port:": four times the longest host name (253 bytes), so any
/// host or port fits with spaces around it, and input with no newline cannot fill the memory.
pub const MAX_ANSWER: usize = 1024;

/// The longest line read to be sent: the longest that can still fit in one datagram once encoded. The input is
/// UTF-8, so in UTF-8 that is [`MAX_MESSAGE`]; GBK writes some characters in fewer bytes (a Chinese character
/// in 2 instead of 3, the euro sign € in 1 instead of 3), so a GBK chat reads up to three times as much and
/// [`outgoing`] checks the size once the line is encoded.
pub fn longest_line(encoding: Encoding) -> usize {
    match encoding {
        Encoding::Utf8 => MAX_MESSAGE,
        Encoding::Gbk => 3 * MAX_MESSAGE,
    }
}

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
/// from `input` — the host ("target ip:"), then the port ("target port:", asked again until it is one that
/// [`peer_port`] takes). A port 0 given is an error.
/// `Ok(None)` when the input ends first: the user left. An answer longer than [`MAX_ANSWER`] is no host or port:
/// the error says which line.
pub fn ask_peer(
    host: Option<String>,
    port: Option<u16>,
    input: &mut LineReader<impl BufRead>,
) -> Result<Option<(String, u16)>, String> {
    if let (Some(host), Some(port)) = (&host, port) {
        return peer_port(port).map(|port| Some((host.clone(), port)));
    }
    let host = match host {
        Some(host) => host,
        None => match ask("target ip:", input)? {
            Some(host) => host,
            None => return Ok(None),
        },
    };
    loop {
        let Some(answer) = ask("target port:", input)? else {
            return Ok(None);
        };
        match answer.parse::<u16>().map(peer_port) {
            Ok(Ok(port)) => return Ok(Some((host, port))),
            _ => eprintln!("a peer's port is a number from 1 to 65535"),
        }
    }
}

/// `port` if a datagram can be sent to it: 1 to 65535. Port 0 means "any free port" only when binding (our own
/// `--port 0`); as a destination the system refuses it for every datagram (EINVAL), so it is refused here, once.
pub fn peer_port(port: u16) -> Result<u16, String> {
    match port {
        0 => {
            Err("port 0 cannot be sent to: a peer's port is 1 to 65535 (0 means any free port only for --port)".into())
        }
        port => Ok(port),
    }
}

/// Asks a question on stdout and reads the answer; `None` at end of input (or when it cannot be read). An answer
/// that is not UTF-8 is kept (with U+FFFD for the bad bytes), so that it is refused as an address or port, never
/// taken for the end.
fn ask(prompt: &str, input: &mut LineReader<impl BufRead>) -> Result<Option<String>, String> {
    print!("{prompt}");
    let _ = netlab::output::Stdout.flush();
    match input.read_line(MAX_ANSWER) {
        Ok(Some(line)) => Ok(Some(String::from_utf8_lossy(&line).trim().to_string())),
        Ok(None) | Err(LineError::Io(_)) => Ok(None),
        Err(e @ LineError::TooLong { .. }) => Err(format!("{prompt} {e}, more than any host or port")),
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
/// reported on standard error with its number, and the chat goes on; only a failure to read `input` ends it with
/// an error.
pub fn send_loop(
    input: &mut LineReader<impl BufRead>,
    socket: &CapturedSocket,
    peer: SocketAddr,
    encoding: Encoding,
) -> io::Result<()> {
    let limit = longest_line(encoding);
    loop {
        let typed = match input.read_line(limit) {
            Ok(Some(line)) => line,
            Ok(None) => return Ok(()), // end of input: leave quietly
            // Said at once, when the limit is passed, and the chat goes on with the next line, as it does for any
            // line it cannot send: each line is its own message, and the ones after it are the user's too.
            // (So input with no newline at all, `< /dev/zero`, gets this one line, then is read to its end
            // without being kept.)
            Err(e @ LineError::TooLong { .. }) => {
                eprintln!("not sent: {e}, more than one UDP datagram holds");
                continue;
            }
            Err(LineError::Io(e)) => return Err(e),
        };
        if typed == b"/quit" {
            return Ok(());
        }
        let number = input.lines_read();
        match outgoing(&typed, encoding) {
            Ok(bytes) => {
                if let Err(e) = socket.send_to(&bytes, peer) {
                    eprintln!("not sent: line {number}: {e}");
                }
            }
            Err(why) => eprintln!("not sent: line {number}: {why}"),
        }
    }
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

    /// `ask_peer` with `host` and `port` from the command line and `typed` as the answers.
    fn asked(host: Option<&str>, port: Option<u16>, typed: &[u8]) -> Result<Option<(String, u16)>, String> {
        ask_peer(host.map(String::from), port, &mut LineReader::new(typed))
    }

    #[test]
    fn asked_for_the_peer_like_the_seed() {
        let given = asked(Some("10.0.0.1"), Some(9), b"");
        assert_eq!(given, Ok(Some(("10.0.0.1".to_string(), 9))), "nothing asked");
        assert_eq!(
            asked(None, None, b"127.0.0.1\nx\n70000\n8080\n"),
            Ok(Some(("127.0.0.1".to_string(), 8080))),
            "asked again until it is a port"
        );
        assert_eq!(asked(Some("::1"), None, b" 7\r\n"), Ok(Some(("::1".to_string(), 7))));
        assert_eq!(asked(None, None, b"127.0.0.1\n"), Ok(None), "the input ended");
    }

    #[test]
    fn port_0_is_no_peer_port() {
        let refused = "port 0 cannot be sent to: a peer's port is 1 to 65535 (0 means any free port only for --port)";
        assert_eq!(asked(Some("127.0.0.1"), Some(0), b"9\n"), Err(refused.to_string()));
        assert_eq!(
            asked(None, None, b"127.0.0.1\n0\n9\n"),
            Ok(Some(("127.0.0.1".to_string(), 9))),
            "asked again"
        );
        assert_eq!(peer_port(65535), Ok(65535));
    }

    #[test]
    fn an_answer_longer_than_any_host_is_refused_with_its_line() {
        let mut typed = vec![b'a'; 100_000]; // no newline for 100 KB, then good answers
        typed.extend_from_slice(b"\n127.0.0.1\n9\n");
        assert_eq!(
            asked(None, None, &typed),
            Err("target ip: line 1 is longer than 1024 bytes, more than any host or port".to_string())
        );
        let mut typed = b"127.0.0.1\n".to_vec();
        typed.extend_from_slice(&[b'9'; MAX_ANSWER + 1]);
        assert_eq!(
            asked(None, None, &typed).unwrap_err(),
            "target port: line 2 is longer than 1024 bytes, more than any host or port"
        );
    }

    /// The datagrams `send_loop` sends for `input` in `encoding` (up to `expected` of them), and what it said on
    /// standard error is not seen here: the lines not sent are the ones missing.
    fn sent(input: &[u8], encoding: Encoding, expected: usize) -> Vec<Vec<u8>> {
        let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
        peer.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        let socket = CapturedSocket::new(UdpSocket::bind("127.0.0.1:0").unwrap(), None);
        send_loop(
            &mut LineReader::new(input),
            &socket,
            peer.local_addr().unwrap(),
            encoding,
        )
        .unwrap();
        // A last datagram marks the end, so that a missing line is seen without waiting for a timeout.
        socket.send_to(b"<end>", peer.local_addr().unwrap()).unwrap();
        let mut buf = vec![0u8; netlab::MAX_DATAGRAM];
        let mut got = Vec::new();
        loop {
            let (n, _) = peer.recv_from(&mut buf).unwrap();
            if &buf[..n] == b"<end>" {
                assert!(got.len() <= expected);
                return got;
            }
            got.push(buf[..n].to_vec());
        }
    }

    #[test]
    fn a_line_longer_than_a_datagram_is_skipped_whole_and_the_chat_goes_on() {
        let mut input = b"before\r\n".to_vec();
        input.extend_from_slice(&[b'a'; 100_000]); // no newline for 100 KB
        input.extend_from_slice(b"\nafter\n/quit\nnot read\n");
        assert_eq!(sent(&input, Encoding::Utf8, 2), [&b"before"[..], &b"after"[..]]);
    }

    #[test]
    fn a_gbk_line_is_measured_once_encoded() {
        // 65,507 euro signs: 196,521 bytes as typed (UTF-8), exactly one datagram in GBK (0x80 each).
        let euros = "€".repeat(MAX_MESSAGE);
        assert_eq!(euros.len(), longest_line(Encoding::Gbk));
        let got = sent(format!("{euros}\n{euros}€\nok\n").as_bytes(), Encoding::Gbk, 2);
        assert_eq!(got.len(), 2, "the line one euro too long is not sent");
        assert_eq!(got[0], vec![0x80; MAX_MESSAGE]);
        assert_eq!(got[1], b"ok");
        // In UTF-8 the same line is three datagrams long: refused.
        assert_eq!(sent(format!("{euros}\nok\n").as_bytes(), Encoding::Utf8, 1), [b"ok"]);
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
