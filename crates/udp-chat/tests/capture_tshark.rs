//! Interop (`just interop`): tshark reads udp-chat's `--pcap` capture as it reads a real one — IPv4, IPv6 and a
//! dual-stack chat talking to an IPv4 peer, lengths and checksums right, nothing malformed, each message's
//! ports and bytes what was sent. tshark missing is a failure, not a skip.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::net::{SocketAddr, UdpSocket};
use std::process::{Command, Stdio};
use std::time::Duration;

use labbench::lines::Lines;
use labbench::tshark::{HEALTH, check_health, data_ports, fields, hex};

#[test]
#[ignore = "interop: needs tshark (just peers)"]
fn tshark_reads_the_chats_capture() {
    // (the chat's --bind, the peer's address, the IP version on the wire)
    for (bind, peer_ip, version) in [
        ("127.0.0.1", "127.0.0.1", "4"),
        ("::1", "::1", "6"),
        ("", "127.0.0.1", "4"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let pcap = dir.path().join("chat.pcapng");
        let peer = UdpSocket::bind(SocketAddr::new(peer_ip.parse().unwrap(), 0)).unwrap();
        peer.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let peer_port = peer.local_addr().unwrap().port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_udp-chat"))
            .args(["--bind", bind, "--port", "0", "--pcap"])
            .arg(&pcap)
            .args([peer_ip, &peer_port.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Lines::of(child.stdout.take().unwrap());
        lines.wait_for("talking to");
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "hello, Wireshark").unwrap();
        stdin.flush().unwrap();
        let mut buf = [0u8; 64];
        let (_, chat) = peer.recv_from(&mut buf).unwrap();
        peer.send_to("你好".as_bytes(), chat).unwrap();
        lines.wait_for("\t"); // printed after it was recorded
        drop(stdin);
        assert!(child.wait().unwrap().success());

        let all: Vec<&str> = HEALTH
            .iter()
            .copied()
            .chain(["udp.srcport", "udp.dstport", "data.data"])
            .collect();
        let rows = fields(&pcap, &data_ports(&[chat.port(), peer_port]), &all).unwrap();
        check_health(&rows).unwrap();
        let seen: Vec<(&str, &str, &str, &str)> = rows
            .iter()
            .map(|r| {
                (
                    r[0].as_str(),
                    r[HEALTH.len()].as_str(),
                    r[HEALTH.len() + 1].as_str(),
                    r[HEALTH.len() + 2].as_str(),
                )
            })
            .collect();
        let (c, p) = (chat.port().to_string(), peer_port.to_string());
        let (hello, nihao) = (hex(b"hello, Wireshark"), hex("你好".as_bytes()));
        assert_eq!(
            seen,
            [
                (version, c.as_str(), p.as_str(), hello.as_str()),
                (version, p.as_str(), c.as_str(), nihao.as_str())
            ],
            "--bind {bind:?}"
        );
    }
}
