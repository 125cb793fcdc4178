//! # echo-server — seed §3.2.1-1, the echo server, as RFC 862 describes it
//!
//! "Whatever arrives is sent back to where it came from" — the seed's first server, used to check that a network
//! works. Ours echoes UDP datagrams of any size exactly (the seed's `recvfrom(1024)` cuts longer ones short)
//! and also speaks the TCP variant, with many clients at once; `echo-client` makes "does the network work?"
//! measurable, like ping.
//!
//! ## Layout
//! The server, `src/main.rs`:
//! - [`udp`]: the datagram echo loop, and its socket.
//! - [`tcp`]: one thread per connection, a bounded number of them, half-close handled; the log line of each
//!   [`tcp::Event`].
//! - here: [`echoed_line`] and [`preview`], the log line for a message echoed, UDP or TCP.
//!
//! The client, `src/bin/echo-client.rs`:
//! - [`probe`]: one probe with its sequence number, over UDP or TCP ([`probe::Link`]), and load mode.
//! - [`ping`](mod@ping): the ping loop, a line per probe, and the totals: loss and round-trip times.
//!
//! Both programs only read their arguments (clap), call these, and map errors to exit codes.

use std::net::SocketAddr;

use netlab::SocketBuilder;

pub mod ping;
pub mod probe;
pub mod tcp;
pub mod udp;

/// Characters of a message shown in its log line: enough to recognise it, and the line stays a line.
pub const PREVIEW_CHARS: usize = 40;

/// The server's log line for a message echoed: who sent it, how many bytes, and a [`preview`].
pub fn echoed_line(peer: SocketAddr, bytes: &[u8]) -> String {
    format!("{peer} {} bytes {}", bytes.len(), preview(bytes, PREVIEW_CHARS))
}

/// Options for a server socket on `addr`. On IPv6, dual stack (not IPv6-only), so `--bind ::` hears IPv4
/// clients too, at their IPv4-mapped addresses.
fn server_socket(addr: SocketAddr) -> SocketBuilder {
    let builder = SocketBuilder::new();
    if addr.is_ipv6() {
        builder.v6_only(false)
    } else {
        builder
    }
}

/// A short, printable preview of a message for the server's log line: text in quotes (cut at `max`
/// characters), or, for bytes that are not text, the first 16 in hex as a hexdump shows them.
pub fn preview(bytes: &[u8], max: usize) -> String {
    let is_text = |t: &str| !t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
    match std::str::from_utf8(bytes) {
        Ok(text) if is_text(text) => {
            let mut shown: String = text.chars().take(max).flat_map(char::escape_debug).collect();
            if text.chars().count() > max {
                shown.push('…');
            }
            format!("\"{shown}\"")
        }
        _ => {
            let dump = netlab::hexdump(&bytes[..bytes.len().min(16)]);
            let hex = dump
                .get(10..58)
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            format!("[{hex}{}] (binary)", if bytes.len() > 16 { " …" } else { "" })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_short_and_printable() {
        assert_eq!(preview(b"hello\n", 40), "\"hello\\n\"");
        assert_eq!(preview(b"\xff\x00ok", 40), "[ff 00 6f 6b] (binary)");
        assert_eq!(
            preview(&[7u8; 20], 40),
            "[07 07 07 07 07 07 07 07 07 07 07 07 07 07 07 07 …] (binary)"
        );
        assert_eq!(preview("测试消息".as_bytes(), 2), "\"测试…\"");
    }
}
