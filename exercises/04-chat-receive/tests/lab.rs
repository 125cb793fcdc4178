//! Lab 4 tests. `chat_line` is checked on literal lines (IPv4 and IPv6 senders, text with spaces and tabs);
//! `receive_line` on real datagrams over 127.0.0.1 (port 0, so nothing clashes): UTF-8 and GBK messages from two
//! peers, a 65,507-byte message, and bytes that do not decode. Nothing random. The expected text of a message is
//! what `netlab::Encoding::decode` makes of its bytes (crates/netlab/src/text.rs).
#[path = "../../support/timed.rs"]
mod timed;

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use lab04_chat_receive::*;
use netlab::Encoding;

/// The seed's `ctime()` for one moment. The tests pass it in, so the line they expect does not depend on the clock.
const STAMP: &str = "Wed Nov 25 03:16:51 2026";

/// Seconds each call to your code may take: it formats a string or receives a datagram that is already waiting.
const LIMIT: u64 = 5;

/// The largest UDP payload over IPv4: 65,535 bytes in the IP packet, minus 20 of IP header and 8 of UDP header.
const MAX_UDP_PAYLOAD: usize = 65_507;

fn check_line(from: &str, stamp: &'static str, text: &'static str, want: &str, hint: &str) {
    let addr: SocketAddr = from.parse().unwrap();
    let got = timed::within(LIMIT, "chat_line", move || chat_line(addr, stamp, text));
    assert_eq!(
        got, want,
        "chat_line({from}, {stamp:?}, {text:?}) should be {want:?}, got {got:?}: {hint}"
    );
}

#[test]
fn the_seed_line_format() {
    let hint = "host, ':', port, a space, the stamp, a tab, the text (the seed's \"%s:%d %s\\t%s\")";
    check_line(
        "192.168.0.200:8080",
        STAMP,
        "你好",
        "192.168.0.200:8080 Wed Nov 25 03:16:51 2026\t你好",
        hint,
    );
    check_line("10.1.2.3:40000", "T", "x y", "10.1.2.3:40000 T\tx y", hint);
}

#[test]
fn the_text_is_kept_exactly() {
    check_line(
        "10.0.0.1:9",
        "T",
        "  two spaces,\ta tab and a line end\n",
        "10.0.0.1:9 T\t  two spaces,\ta tab and a line end\n",
        "the text exactly as it arrived: nothing trimmed, nothing added",
    );
}

#[test]
fn an_ipv6_sender_is_written_in_brackets() {
    let hint = "an IPv6 host is written in brackets, [::1]:8080, so that its colons and the port's stay apart \
                (`SocketAddr`'s Display does this)";
    check_line("[::1]:8080", "T", "hi", "[::1]:8080 T\thi", hint);
    check_line("[2001:db8::5]:40000", "T", "hi", "[2001:db8::5]:40000 T\thi", hint);
}

/// A socket for your `receive_line`; the datagrams the test sends wait in it before your code runs.
fn chat_socket() -> UdpSocket {
    let chat = UdpSocket::bind("127.0.0.1:0").unwrap();
    // A safety net only: the datagram is already there when your code reads.
    chat.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    chat
}

/// Sends `payload` from a new peer to `chat`; returns the peer's address.
fn send_from_new_peer(chat: &UdpSocket, payload: &[u8]) -> SocketAddr {
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    peer.send_to(payload, chat.local_addr().unwrap()).unwrap();
    peer.local_addr().unwrap()
}

fn receive(chat: &UdpSocket, encoding: Encoding, what: &str) -> String {
    let chat = chat.try_clone().unwrap();
    let what = format!("receive_line(socket, {encoding:?}, STAMP) for {what} (a datagram is already waiting)");
    timed::within(LIMIT, &what, move || receive_line(&chat, encoding, STAMP))
        .unwrap_or_else(|e| panic!("{what} returned an error: {e}"))
}

/// A string for a message: whole if short, else its start and its length.
fn short(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((cut, _)) => format!("{:?}... ({} characters in all)", &s[..cut], s.chars().count()),
        None => format!("{s:?}"),
    }
}

/// Checks the line `receive_line` returned for `bytes` sent from `peer`, and says which part is wrong.
fn check_received(got: &str, peer: SocketAddr, bytes: &[u8], encoding: Encoding) {
    let text = encoding.decode(bytes);
    let want = format!("{peer} {STAMP}\t{text}");
    if got == want {
        return;
    }
    let sent = format!("{} bytes {} in {encoding} from {peer}", bytes.len(), short(&text));
    let (got_host, rest) = got.split_once(' ').unwrap_or((got, ""));
    let (got_stamp, got_text) = rest.split_once('\t').unwrap_or((rest, ""));
    let hint = if got_host != peer.to_string() {
        format!(
            "the host:port is {got_host}, but the message came from {peer}: write the sender's address, the one \
             recv_from returns"
        )
    } else if got_stamp != STAMP {
        format!(
            "the stamp should be the one passed in, {STAMP:?}, then a tab; got {}",
            short(rest)
        )
    } else if got_text.len() == 1024 && text.len() > 1024 {
        "the text was cut to 1024 bytes: receive into a buffer that holds the largest datagram, 65,507 bytes (the \
         seed's recvfrom(1024) keeps only the first 1024)"
            .to_string()
    } else if got_text.starts_with(text.as_str()) && got_text[text.len()..].chars().all(|c| c == '\0') {
        "the text goes on with zero characters: decode only the n bytes recv_from filled in, &buf[..n]".to_string()
    } else {
        format!(
            "the text should be {}, got {}: decode the bytes with the encoding you are given, \
             encoding.decode(&buf[..n]), which never fails and shows a byte it cannot decode as \\xNN",
            short(&text),
            short(got_text)
        )
    };
    panic!("{sent} should be the line {}, got {}: {hint}", short(&want), short(got));
}

#[test]
fn utf8_messages_from_two_peers() {
    let chat = chat_socket();
    let first = send_from_new_peer(&chat, "测试消息".as_bytes());
    let second = send_from_new_peer(&chat, b"hello");
    for (peer, text) in [(first, "测试消息"), (second, "hello")] {
        let got = receive(&chat, Encoding::Utf8, &format!("{text:?} in UTF-8 from {peer}"));
        check_received(&got, peer, text.as_bytes(), Encoding::Utf8);
    }
}

#[test]
fn a_gbk_message() {
    // "测试消息".encode("gb2312"), as the seed's client sends it.
    let gbk = [0xb2, 0xe2, 0xca, 0xd4, 0xcf, 0xfb, 0xcf, 0xa2];
    assert_eq!(Encoding::Gbk.decode(&gbk), "测试消息");
    let chat = chat_socket();
    let peer = send_from_new_peer(&chat, &gbk);
    let got = receive(&chat, Encoding::Gbk, "\"测试消息\" in GBK");
    check_received(&got, peer, &gbk, Encoding::Gbk);
}

#[test]
fn a_65507_byte_message_arrives_whole() {
    let text: String = (0..MAX_UDP_PAYLOAD)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let chat = chat_socket();
    let peer = send_from_new_peer(&chat, text.as_bytes());
    let got = receive(&chat, Encoding::Utf8, "a 65,507-byte message");
    check_received(&got, peer, text.as_bytes(), Encoding::Utf8);
}

#[test]
fn bytes_that_do_not_decode_show_as_escapes() {
    for (bytes, encoding) in [(&b"caf\xe9"[..], Encoding::Utf8), (&b"ok\xff\xff"[..], Encoding::Gbk)] {
        let chat = chat_socket();
        let peer = send_from_new_peer(&chat, bytes);
        let got = receive(&chat, encoding, &format!("the bytes {bytes:?} in {encoding}"));
        check_received(&got, peer, bytes, encoding);
    }
}
