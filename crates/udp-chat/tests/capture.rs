//! `--pcap FILE` on udp-chat: every message sent and received, with the real addresses and ports, read back
//! with netlab's reader (pcap-file underneath, each header checked). The tshark checks are in
//! capture_tshark.rs (`just interop`).
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use labbench::lines::Lines;
use netlab::capture::read;

/// A chat on `bind` port 0 writing `pcap`, talking to `peer`.
struct Chat {
    child: Child,
    stdin: ChildStdin,
    lines: Lines,
    addr: SocketAddr,
}

fn chat(bind: &str, pcap: &Path, peer: SocketAddr) -> Chat {
    let mut child = Command::new(env!("CARGO_BIN_EXE_udp-chat"))
        .args(["--bind", bind, "--port", "0", "--pcap"])
        .arg(pcap)
        .args([peer.ip().to_string(), peer.port().to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::of(child.stdout.take().unwrap());
    let first = lines.next(); // udp-chat on ADDR (...)
    let addr = first.split_whitespace().nth(2).unwrap().parse().unwrap();
    lines.wait_for("talking to");
    let stdin = child.stdin.take().unwrap();
    Chat {
        child,
        stdin,
        lines,
        addr,
    }
}

impl Chat {
    fn say(&mut self, text: &str) {
        writeln!(self.stdin, "{text}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Ends the chat (Ctrl-D) and checks it left cleanly.
    fn finish(self) {
        let Chat { mut child, stdin, .. } = self;
        drop(stdin);
        assert!(child.wait().unwrap().success());
    }
}

fn peer_socket(ip: &str) -> UdpSocket {
    let s = UdpSocket::bind(SocketAddr::new(ip.parse().unwrap(), 0)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

#[test]
fn each_message_sent_and_received_is_recorded_with_its_addresses() {
    for ip in ["127.0.0.1", "::1"] {
        let dir = tempfile::tempdir().unwrap();
        let pcap = dir.path().join("chat.pcapng");
        let peer = peer_socket(ip);
        let peer_addr = peer.local_addr().unwrap();
        let mut c = chat(ip, &pcap, peer_addr);
        c.say("hello");
        let mut buf = [0u8; 64];
        let (n, _) = peer.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"hello");
        peer.send_to("你好".as_bytes(), c.addr).unwrap();
        // The chat records a message before it prints it.
        assert!(c.lines.wait_for("\t").ends_with("\t你好"));
        c.say("bye");
        peer.recv_from(&mut buf).unwrap();
        let chat_addr = c.addr;
        c.finish();
        let seen: Vec<(SocketAddr, SocketAddr, Vec<u8>)> = read(&pcap)
            .unwrap()
            .into_iter()
            .map(|r| (r.src, r.dst, r.payload))
            .collect();
        assert_eq!(
            seen,
            [
                (chat_addr, peer_addr, b"hello".to_vec()),
                (peer_addr, chat_addr, "你好".as_bytes().to_vec()),
                (chat_addr, peer_addr, b"bye".to_vec()),
            ],
            "{ip}"
        );
    }
}

#[test]
fn a_dual_stack_chat_records_an_ipv4_peer_as_ipv4() {
    // No --bind: the chat listens on [::] and reaches 127.0.0.1 at ::ffff:127.0.0.1. On the wire that is IPv4,
    // and so is the capture.
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("dual.pcapng");
    let peer = peer_socket("127.0.0.1");
    let mut c = chat("", &pcap, peer.local_addr().unwrap());
    c.say("over IPv4");
    let mut buf = [0u8; 64];
    let (_, from) = peer.recv_from(&mut buf).unwrap();
    c.finish();
    let records = read(&pcap).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!((records[0].src, records[0].dst), (from, peer.local_addr().unwrap()));
    assert!(records[0].src.is_ipv4());
}

#[test]
fn a_capture_that_cannot_be_created_is_one_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("no-such-folder").join("x.pcapng");
    let out = Command::new(env!("CARGO_BIN_EXE_udp-chat"))
        .args(["--bind", "127.0.0.1", "--port", "0", "--pcap"])
        .arg(&bad)
        .args(["127.0.0.1", "9"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("udp-chat: cannot create capture {}: ", bad.display())),
        "{stderr}"
    );
}
