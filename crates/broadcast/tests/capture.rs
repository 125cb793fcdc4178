//! `--pcap FILE` on broadcast's send, listen and presence: every datagram sent and received, read back with
//! netlab's reader (pcap-file underneath, each header checked). On this machine only: 127.255.255.255. The
//! tshark checks are in capture_tshark.rs (`just interop`).
#![allow(clippy::unwrap_used)]

use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Command, Stdio};

use labbench::lines::Lines;
use netlab::capture::{Record, read};

/// A port nobody uses now (bound, read, released).
fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn broadcast(args: &[&str], pcap: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_broadcast"));
    command.args(args).arg("--pcap").arg(pcap);
    command
}

/// What a listener on 0.0.0.0 says about where a datagram was sent.
const UNSURE: &str = "sent to one of this machine's addresses, or to a broadcast address; the socket is not told which";

#[test]
fn send_and_listen_each_record_the_broadcast() {
    let dir = tempfile::tempdir().unwrap();
    let (heard, sent) = (dir.path().join("heard.pcapng"), dir.path().join("sent.pcapng"));
    let port = free_port();
    let p = port.to_string();
    let mut listener = broadcast(&["listen", "--port", &p, "--count", "1"], &heard)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::of(listener.stdout.take().unwrap());
    assert!(lines.next().starts_with("listening on 0.0.0.0:"));
    let out = broadcast(
        &["send", "hello, everyone", "--to", "127.255.255.255", "--port", &p],
        &sent,
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(listener.wait().unwrap().success());

    let sent = read(&sent).unwrap();
    assert_eq!(sent.len(), 1);
    let from = sent[0].src;
    assert_eq!(from.ip().to_string(), "127.0.0.1", "the address the system sends from");
    let to: SocketAddr = format!("127.255.255.255:{port}").parse().unwrap();
    assert_eq!((sent[0].dst, &sent[0].payload[..]), (to, &b"hello, everyone"[..]));
    let heard = read(&heard).unwrap();
    assert_eq!(heard.len(), 1);
    let listener_side: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    assert_eq!((heard[0].src, heard[0].dst), (from, listener_side));
    assert_eq!(heard[0].payload, b"hello, everyone");
    assert_eq!(
        heard[0].comment.as_deref(),
        Some(format!("received on 0.0.0.0:{port}: {UNSURE}").as_str())
    );
}

#[test]
fn presence_records_every_announcement_it_sends_and_hears() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("presence.pcapng");
    let port = free_port().to_string();
    let args = [
        "presence",
        "--name",
        "alice",
        "--to",
        "127.255.255.255",
        "--port",
        &port,
        "--interval",
        "0.2",
        "--duration",
        "1",
    ];
    let out = broadcast(&args, &pcap).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let records = read(&pcap).unwrap();
    let is_sent = |r: &&Record| r.dst.ip().to_string() == "127.255.255.255";
    let sent: Vec<&[u8]> = records.iter().filter(is_sent).map(|r| r.payload.as_slice()).collect();
    let heard: Vec<&Record> = records.iter().filter(|r| !is_sent(r)).collect();
    // Online at once and every 0.2 s for 1 s, then offline: its own broadcasts come back to it, too.
    assert!(sent.len() >= 3, "{sent:?}");
    assert_eq!(sent.last(), Some(&&b"offline alice"[..]));
    assert!(sent[..sent.len() - 1].iter().all(|p| *p == b"online alice"));
    assert!(!heard.is_empty(), "alice hears her own announcements");
    let alice = records.iter().find(|r| is_sent(r)).unwrap().src;
    for r in heard {
        assert_eq!(r.src, alice, "the only sender here is alice");
        assert!(r.comment.as_deref().unwrap().ends_with(UNSURE));
    }
}

#[test]
fn a_capture_that_cannot_be_created_is_one_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("no-such-folder").join("x.pcapng");
    let out = broadcast(&["send", "x", "--to", "127.255.255.255", "--port", "9"], &bad)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("broadcast: cannot create capture {}: ", bad.display())),
        "{stderr}"
    );
}
