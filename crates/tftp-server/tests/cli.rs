//! The `tftp-server` program: its first line is the address it bound, then one log line per transfer; bad
//! arguments and bind failures get one clear line and the documented exit code.
#![allow(clippy::unwrap_used)]

use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use labbench::lines::Lines;
use tftp::Quiet;
use tftp::client::{self, ClientConfig};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tftp-server"))
}

/// The server on 127.0.0.1, port 0, over `root`: killed when the guard drops; its output lines.
fn start(root: &std::path::Path, extra: &[&str]) -> (Killed, Lines) {
    let mut child = server()
        .args([
            "--root",
            &root.display().to_string(),
            "--port",
            "0",
            "--bind",
            "127.0.0.1",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::of(child.stdout.take().unwrap());
    (Killed(child), lines)
}

#[test]
fn prints_the_bound_address_first_then_a_line_per_transfer() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("hello.txt"), b"hello\n").unwrap();
    let (_guard, lines) = start(root.path(), &[]);
    let first = lines.next();
    assert!(first.starts_with("listening on 127.0.0.1:"), "{first}");
    assert!(first.ends_with(", read-only)"), "{first}");
    let addr: SocketAddr = first.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert_ne!(addr.port(), 0);

    let mut got = Vec::new();
    client::download(&ClientConfig::new(addr), "hello.txt", &mut got, &mut Quiet).unwrap();
    assert_eq!(got, b"hello\n");
    let line = lines.next();
    assert!(line.starts_with("127.0.0.1:"), "{line}");
    assert!(line.contains(" get \"hello.txt\" octet: 6 bytes in "), "{line}");
    assert!(line.ends_with(" s, ok"), "{line}");
}

#[test]
fn a_missing_root_is_bad_usage() {
    let out = server()
        .args(["--root", "/no/such/folder", "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("tftp-server: --root /no/such/folder: "), "{err}");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn a_bad_bind_address_is_bad_usage() {
    let out = server().args(["--bind", "300.1.1.1", "--port", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("octet 300 is out of range"));
}

#[test]
fn a_port_in_use_is_one_line_and_exit_1() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = server()
        .args(["--bind", "127.0.0.1", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another program is using that port"), "{err}");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn verbose_logs_every_packet() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("v.bin"), [1u8; 600]).unwrap();
    let (_guard, lines) = start(root.path(), &["-v"]);
    let addr: SocketAddr = lines.next().split_whitespace().nth(2).unwrap().parse().unwrap();
    let config = ClientConfig {
        rexmt: Duration::from_millis(200),
        ..ClientConfig::new(addr)
    };
    client::download(&config, "v.bin", &mut Vec::new(), &mut Quiet).unwrap();
    let packets: Vec<String> = (0..6).map(|_| lines.next()).collect();
    let tail = |l: &String| l.split_once(' ').unwrap().1.to_string();
    let packets: Vec<String> = packets.iter().map(tail).collect();
    assert_eq!(
        packets[..5],
        [
            "-> RRQ \"v.bin\" octet",
            "<- DATA block=1 len=512",
            "-> ACK block=1",
            "<- DATA block=2 len=88",
            "-> ACK block=2"
        ]
    );
    assert!(
        packets[5].starts_with("get \"v.bin\" octet: 600 bytes in "),
        "{}",
        packets[5]
    );
}
