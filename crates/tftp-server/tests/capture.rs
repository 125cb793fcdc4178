//! `--pcap FILE` on `tftp-server`: one capture holds every datagram of the request port and of every transfer's
//! port, exactly those sent and received, with the real addresses and ports, read back with netlab's reader. The
//! tshark check is in interop.rs (`just interop`).
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use labbench::lines::Lines;
use netlab::capture::{Record, read};
use tftp::client::{self, ClientConfig};
use tftp::{OptionRequest, Packet, Quiet};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The server on `bind`, port 0, over `root`, uploads allowed, writing `pcap`: its address and its log lines.
fn start(root: &Path, bind: &str, pcap: &Path) -> (Killed, SocketAddr, Lines) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tftp-server"))
        .arg("--root")
        .arg(root)
        .args(["--port", "0", "--bind", bind, "--create", "--pcap"])
        .arg(pcap)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::of(child.stdout.take().unwrap());
    let first = lines.next();
    let addr: SocketAddr = first.split_whitespace().nth(2).unwrap().parse().unwrap();
    (Killed(child), addr, lines)
}

/// Each datagram as (source, destination, what it was): "RRQ f.bin", "OACK", "DATA 1", "ACK 0", ...
fn datagrams(records: &[Record]) -> Vec<(SocketAddr, SocketAddr, String)> {
    records
        .iter()
        .map(|r| {
            let what = match Packet::decode(&r.payload).unwrap() {
                Packet::Rrq(req) => format!("RRQ {}", req.filename),
                Packet::Wrq(req) => format!("WRQ {}", req.filename),
                Packet::Data { block, .. } => format!("DATA {block}"),
                Packet::Ack { block } => format!("ACK {block}"),
                Packet::Oack { .. } => "OACK".to_string(),
                Packet::Error { code, .. } => format!("ERROR {code}"),
            };
            (r.src, r.dst, what)
        })
        .collect()
}

#[test]
fn one_capture_holds_the_request_port_and_every_transfer_port() {
    for bind in ["127.0.0.1", "::1"] {
        let (root, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let pcap = out.path().join("server.pcapng");
        let file: Vec<u8> = (0..2500u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(root.path().join("down.bin"), &file).unwrap();
        let (_server, listen, lines) = start(root.path(), bind, &pcap);

        // A download with blksize 1024 (OACK, ACK 0, then 3 blocks), then a plain upload of 700 bytes (ACK 0,
        // then 2 blocks of 512).
        let asked = ClientConfig {
            options: OptionRequest {
                blksize: Some(1024),
                ..OptionRequest::default()
            },
            ..ClientConfig::new(listen)
        };
        let mut got = Vec::new();
        client::download(&asked, "down.bin", &mut got, &mut Quiet).unwrap();
        assert_eq!(got, file);
        assert!(lines.next().contains("down.bin"), "the download's log line");
        let up = &file[..700];
        client::upload(&ClientConfig::new(listen), "up.bin", &mut &up[..], None, &mut Quiet).unwrap();
        assert!(lines.next().contains("up.bin"), "the upload's log line");

        let seen = datagrams(&read(&pcap).unwrap());
        let client_down = seen[0].0;
        let tid_down = seen[1].0;
        let mut expected = vec![
            (client_down, listen, "RRQ down.bin".to_string()),
            (tid_down, client_down, "OACK".to_string()),
            (client_down, tid_down, "ACK 0".to_string()),
        ];
        expected.extend((1..=3).flat_map(|b| {
            [
                (tid_down, client_down, format!("DATA {b}")),
                (client_down, tid_down, format!("ACK {b}")),
            ]
        }));
        let (client_up, tid_up) = (seen[expected.len()].0, seen[expected.len() + 1].0);
        expected.push((client_up, listen, "WRQ up.bin".to_string()));
        expected.push((tid_up, client_up, "ACK 0".to_string()));
        expected.extend((1..=2).flat_map(|b| {
            [
                (client_up, tid_up, format!("DATA {b}")),
                (tid_up, client_up, format!("ACK {b}")),
            ]
        }));
        assert_eq!(seen, expected, "{bind}");
        // Three ports of the server's: the request port and one per transfer, each a real port, on the address
        // it was bound to.
        let ports = [listen.port(), tid_down.port(), tid_up.port()];
        assert!(
            ports[0] != ports[1] && ports[1] != ports[2] && ports[0] != ports[2],
            "{ports:?}"
        );
        for addr in [tid_down, tid_up, client_down, client_up] {
            assert_eq!(addr.ip(), listen.ip(), "{bind}: {addr}");
        }
    }
}

#[test]
fn a_capture_that_cannot_be_created_is_one_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("no-such-folder").join("x.pcapng");
    let out = Command::new(env!("CARGO_BIN_EXE_tftp-server"))
        .arg("--root")
        .arg(dir.path())
        .args(["--port", "0", "--bind", "127.0.0.1", "--pcap"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("tftp-server: cannot create capture "), "{err}");
}
