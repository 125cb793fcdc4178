//! Interop (`just interop`): tshark reads broadcast's `--pcap` captures as it reads real ones — the broadcast
//! as sent to 127.255.255.255 and as a listener heard it, lengths and checksums right, nothing malformed, the
//! bytes and the listener's comment what they were. tshark missing is a failure, not a skip.
#![allow(clippy::unwrap_used)]

use std::net::UdpSocket;
use std::process::{Command, Stdio};

use labbench::lines::Lines;
use labbench::tshark::{HEALTH, check_health, data_ports, fields, hex};

#[test]
#[ignore = "interop: needs tshark (just peers)"]
fn tshark_reads_what_send_and_listen_captured() {
    let dir = tempfile::tempdir().unwrap();
    let (heard, sent) = (dir.path().join("heard.pcapng"), dir.path().join("sent.pcapng"));
    let port = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let p = port.to_string();
    let mut listener = Command::new(env!("CARGO_BIN_EXE_broadcast"))
        .args(["listen", "--port", &p, "--count", "1", "--pcap"])
        .arg(&heard)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::of(listener.stdout.take().unwrap());
    lines.next(); // listening on ...
    let out = Command::new(env!("CARGO_BIN_EXE_broadcast"))
        .args([
            "send",
            "hello, Wireshark",
            "--to",
            "127.255.255.255",
            "--port",
            &p,
            "--pcap",
        ])
        .arg(&sent)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(listener.wait().unwrap().success());

    let all: Vec<&str> = HEALTH
        .iter()
        .copied()
        .chain(["ip.src", "ip.dst", "udp.dstport", "data.data", "frame.comment"])
        .collect();
    let n = HEALTH.len();
    for (pcap, dst) in [(&sent, "127.255.255.255"), (&heard, "127.0.0.1")] {
        let rows = fields(pcap, &data_ports(&[port]), &all).unwrap();
        check_health(&rows).unwrap();
        assert_eq!(rows.len(), 1, "{rows:?}");
        let row = &rows[0][n..];
        assert_eq!(
            &row[..4],
            ["127.0.0.1", dst, &p, &hex(b"hello, Wireshark")],
            "{}",
            pcap.display()
        );
    }
    let comment = &fields(&heard, &[], &["frame.comment"]).unwrap()[0][0];
    assert!(comment.contains("or to a broadcast address"), "{comment}");
}
