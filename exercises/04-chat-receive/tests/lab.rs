//! Lab 4 tests: the line format, UTF-8 and GBK messages, a long message, undecodable bytes.
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use lab04_chat_receive::*;
use netlab::Encoding;

const STAMP: &str = "Wed Nov 25 03:16:51 2026";

#[test]
fn the_line_format() {
    let from: SocketAddr = "192.168.0.200:8080".parse().unwrap();
    assert_eq!(
        chat_line(from, STAMP, "你好"),
        "192.168.0.200:8080 Wed Nov 25 03:16:51 2026\t你好"
    );
    let other: SocketAddr = "10.1.2.3:40000".parse().unwrap();
    assert_eq!(chat_line(other, "T", "x y"), "10.1.2.3:40000 T\tx y");
}

fn exchange(encoding: Encoding, payload: &[u8]) -> (String, u16) {
    let chat = UdpSocket::bind("127.0.0.1:0").unwrap();
    chat.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    peer.send_to(payload, chat.local_addr().unwrap()).unwrap();
    (
        receive_line(&chat, encoding, STAMP).unwrap(),
        peer.local_addr().unwrap().port(),
    )
}

#[test]
fn utf8_and_gbk_messages() {
    let (line, port) = exchange(Encoding::Utf8, "测试消息".as_bytes());
    assert_eq!(line, format!("127.0.0.1:{port} {STAMP}\t测试消息"));
    let (line, _) = exchange(Encoding::Gbk, &[0xb2, 0xe2, 0xca, 0xd4, 0xcf, 0xfb, 0xcf, 0xa2]);
    assert!(line.ends_with("\t测试消息"), "{line}");
}

#[test]
fn a_long_message_arrives_whole_and_bad_bytes_show() {
    let (line, _) = exchange(Encoding::Utf8, &vec![b'x'; 65_507]);
    assert_eq!(
        line.split('\t').nth(1).unwrap().len(),
        65_507,
        "recvfrom(1024) would cut it"
    );
    let (line, _) = exchange(Encoding::Utf8, b"caf\xe9");
    assert!(line.ends_with("\tcaf\\xe9"), "{line}");
}
