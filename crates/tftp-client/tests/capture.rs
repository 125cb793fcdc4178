//! `--pcap FILE` on `tftp-client`: the capture holds exactly the datagrams the client sent and received — the
//! request to the server's request port, then every DATA, ACK and OACK on the server's transfer port — with the
//! real addresses and ports, read back with netlab's reader. The tshark check is in interop.rs (`just interop`).
#![allow(clippy::unwrap_used)]

#[path = "../../tftp/tests/support/fake.rs"]
mod fake;

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use fake::{Faults, content};
use netlab::capture::{Record, read};
use tftp::Packet;

/// Runs `tftp-client ARGS --pcap PCAP` in `dir`.
fn client(dir: &Path, args: &[&str], pcap: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tftp-client"))
        .current_dir(dir)
        .args(args)
        .args(["--rexmt", "2000", "--pcap"])
        .arg(pcap)
        .output()
        .unwrap()
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

/// The lock-step exchange after the first reply: `blocks` DATA from `server`, each ACKed by `client`.
fn lock_step(server: SocketAddr, client: SocketAddr, blocks: u16) -> Vec<(SocketAddr, SocketAddr, String)> {
    (1..=blocks)
        .flat_map(|b| {
            [
                (server, client, format!("DATA {b}")),
                (client, server, format!("ACK {b}")),
            ]
        })
        .collect()
}

#[test]
fn a_download_is_captured_datagram_for_datagram_with_its_ports() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("get.pcapng");
    // 1500 bytes in 512-byte blocks: DATA 1 and 2 full, DATA 3 short.
    let (request_port, fake) = fake::spawn(content(1500, 1), 512, 1, Faults::default());
    let port = request_port.port().to_string();
    let out = client(dir.path(), &["get", "127.0.0.1", "f.bin", "--port", &port], &pcap);
    let log = fake.join().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(log.count(4), 3, "the fake got three ACKs");

    let seen = datagrams(&read(&pcap).unwrap());
    let (me, tid) = (seen[0].0, seen[1].0);
    assert_eq!(
        me.ip().to_string(),
        "127.0.0.1",
        "the client's real address, not 0.0.0.0"
    );
    assert_ne!(
        tid.port(),
        request_port.port(),
        "the server answers from a transfer port of its own"
    );
    let mut expected = vec![(me, request_port, "RRQ f.bin".to_string())];
    expected.extend(lock_step(tid, me, 3));
    assert_eq!(seen, expected);
}

#[test]
fn a_download_with_options_captures_the_oack_and_ack_0() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("oack.pcapng");
    let faults = Faults {
        oack: Some(vec![("blksize".into(), "1024".into())]),
        ..Faults::default()
    };
    // 2500 bytes in 1024-byte blocks: 3 blocks.
    let (request_port, fake) = fake::spawn(content(2500, 2), 1024, 1, faults);
    let port = request_port.port().to_string();
    let args = ["get", "127.0.0.1", "big.bin", "--port", &port, "--blksize", "1024"];
    let out = client(dir.path(), &args, &pcap);
    fake.join().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let seen = datagrams(&read(&pcap).unwrap());
    let (me, tid) = (seen[0].0, seen[1].0);
    let mut expected = vec![
        (me, request_port, "RRQ big.bin".to_string()),
        (tid, me, "OACK".to_string()),
        (me, tid, "ACK 0".to_string()),
    ];
    expected.extend(lock_step(tid, me, 3));
    assert_eq!(seen, expected);
}

#[test]
fn an_upload_is_captured_datagram_for_datagram_with_its_ports() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("put.pcapng");
    // 700 bytes in RFC 1350's 512-byte blocks: DATA 1 full, DATA 2 short.
    let file = content(700, 3);
    std::fs::write(dir.path().join("up.bin"), &file).unwrap();
    let (request_port, fake) = fake::spawn(Vec::new(), 512, 1, Faults::default());
    let port = request_port.port().to_string();
    let out = client(dir.path(), &["put", "127.0.0.1", "up.bin", "--port", &port], &pcap);
    let log = fake.join().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(log.file, file);

    let seen = datagrams(&read(&pcap).unwrap());
    let (me, tid) = (seen[0].0, seen[1].0);
    assert_ne!(tid.port(), request_port.port());
    let mut expected = vec![
        (me, request_port, "WRQ up.bin".to_string()),
        (tid, me, "ACK 0".to_string()),
    ];
    expected.extend((1..=2).flat_map(|b| [(me, tid, format!("DATA {b}")), (tid, me, format!("ACK {b}"))]));
    assert_eq!(seen, expected);
}

#[test]
fn the_menus_transfers_are_recorded_too() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("menu.pcapng");
    let (request_port, fake) = fake::spawn(content(100, 4), 512, 1, Faults::default());
    let mut child = Command::new(env!("CARGO_BIN_EXE_tftp-client"))
        .current_dir(dir.path())
        .args(["--port", &request_port.port().to_string(), "--pcap"])
        .arg(&pcap)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The seed's menu: the server, then 1 (download) a file, then 3 (quit).
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"127.0.0.1\n1\nm.txt\n3\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    fake.join().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seen = datagrams(&read(&pcap).unwrap());
    let (me, tid) = (seen[0].0, seen[1].0);
    let mut expected = vec![(me, request_port, "RRQ m.txt".to_string())];
    expected.extend(lock_step(tid, me, 1));
    assert_eq!(seen, expected);
}

#[test]
fn a_capture_that_cannot_be_created_is_one_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("no-such-folder").join("x.pcapng");
    let out = client(dir.path(), &["get", "127.0.0.1", "f", "--port", "9"], &bad);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("tftp-client: cannot create capture "), "{err}");
}
