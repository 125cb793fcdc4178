//! Interop: netcat (`nc -u`) against our echo server. Run by `just interop`; a missing `nc` is a failure.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

#[test]
#[ignore = "interop: needs netcat-openbsd (run by `just interop`)"]
fn netcat_udp_gets_its_line_back() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_echo-server"))
        .args(["--bind", "127.0.0.1", "--port", "0", "-q"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let port = first
        .split_whitespace()
        .nth(2)
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    let mut nc = Command::new("nc")
        .args(["-u", "-w", "1", "127.0.0.1", &port])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("nc is not installed: run `just peers`");
    nc.stdin.take().unwrap().write_all(b"hello from netcat\n").unwrap();
    let out = nc.wait_with_output().unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from netcat\n");
}
