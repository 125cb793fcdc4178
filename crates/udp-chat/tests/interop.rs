//! Interop: netcat (`nc -u`) on the other end of a chat. Run by `just interop`; a missing `nc` is a failure.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use labbench::lines::Lines;

#[test]
#[ignore = "interop: needs netcat-openbsd (run by `just interop`)"]
fn netcat_and_udp_chat_talk_both_ways() {
    let nc_port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let mut chat = Command::new(env!("CARGO_BIN_EXE_udp-chat"))
        .args(["--bind", "127.0.0.1", "--port", "0", "127.0.0.1", &nc_port])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let chat_lines = Lines::of(chat.stdout.take().unwrap());
    let first = chat_lines.next();
    let chat_port = first
        .split_whitespace()
        .nth(2)
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    let mut nc = Command::new("nc")
        .args(["-u", "-p", &nc_port, "127.0.0.1", &chat_port])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("nc is not installed: run `just peers`");
    // The chat sends a line without its newline (as the seed's input() does), so read nc's output as bytes.
    let (tx, nc_bytes) = mpsc::channel();
    let mut nc_out = nc.stdout.take().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n @ 1..) = nc_out.read(&mut buf) {
            if tx.send(buf[..n].to_vec()).is_err() {
                return;
            }
        }
    });
    let mut nc_in = nc.stdin.take().unwrap();
    writeln!(nc_in, "hi chat").unwrap();
    nc_in.flush().unwrap();
    let got = loop {
        let line = chat_lines.next();
        if line.contains('\t') {
            break line;
        }
    };
    assert!(got.starts_with(&format!("127.0.0.1:{nc_port} ")), "{got}");
    assert!(got.ends_with("\thi chat"), "{got}");
    let mut chat_in = chat.stdin.take().unwrap();
    writeln!(chat_in, "hello nc").unwrap();
    chat_in.flush().unwrap();
    let heard = nc_bytes
        .recv_timeout(Duration::from_secs(10))
        .expect("nc printed nothing in 10 s");
    assert_eq!(heard, b"hello nc");
    drop(chat_in);
    let _ = chat.wait();
    let _ = nc.kill();
    let _ = nc.wait();
}
