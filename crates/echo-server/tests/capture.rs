//! `--pcap FILE` on echo-server and echo-client: every datagram each one received and sent, with the real
//! addresses and ports, read back with netlab's reader (pcap-file underneath, each header checked). The tshark
//! checks are in capture_tshark.rs (`just interop`).
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use labbench::lines::Lines;
use netlab::capture::{Record, read};

/// An echo server on `bind` port 0 writing `pcap`, logging a line per datagram; killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    lines: Lines,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server(bind: &str, pcap: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_echo-server"))
        .args(["--bind", bind, "--port", "0", "--pcap"])
        .arg(pcap)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::of(child.stdout.take().unwrap());
    let addr = lines.next().split_whitespace().nth(2).unwrap().parse().unwrap();
    Server { child, addr, lines }
}

fn client(server: SocketAddr, pcap: &Path, extra: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_echo-client"))
        .arg(server.ip().to_string())
        .args(["--port", &server.port().to_string(), "--interval", "0", "--pcap"])
        .arg(pcap)
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The records as (source, destination, payload length).
fn flows(records: &[Record]) -> Vec<(SocketAddr, SocketAddr, usize)> {
    records.iter().map(|r| (r.src, r.dst, r.payload.len())).collect()
}

#[test]
fn server_and_client_each_record_every_datagram_with_its_addresses() {
    for bind in ["127.0.0.1", "::1"] {
        let dir = tempfile::tempdir().unwrap();
        let (server_pcap, client_pcap) = (dir.path().join("server.pcapng"), dir.path().join("client.pcapng"));
        let s = server(bind, &server_pcap);
        client(s.addr, &client_pcap, &["--count", "3", "--size", "100"]);
        // The server logs a datagram after it has sent (and recorded) the echo: three lines, three echoes.
        for _ in 0..3 {
            s.lines.next();
        }
        let (at_server, at_client) = (read(&server_pcap).unwrap(), read(&client_pcap).unwrap());
        assert_eq!(at_client.len(), 6, "3 probes and 3 replies");
        assert_eq!(
            flows(&at_server),
            flows(&at_client),
            "both saw the same datagrams, both ways"
        );
        // The client's socket is bound to `::`/`0.0.0.0`: its packets carry the address it sends from.
        let client_addr = at_client[0].src;
        assert_eq!(client_addr.ip(), s.addr.ip(), "{bind}");
        for pair in at_client.chunks(2) {
            assert_eq!(flows(pair), [(client_addr, s.addr, 100), (s.addr, client_addr, 100)]);
            assert_eq!(pair[0].payload, pair[1].payload, "the echo is the probe");
        }
        for (server_side, client_side) in at_server.iter().zip(&at_client) {
            assert_eq!(server_side.payload, client_side.payload);
        }
    }
}

#[test]
fn load_mode_records_every_probe_and_reply() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("load.pcapng");
    let s = server("127.0.0.1", &dir.path().join("server.pcapng"));
    client(s.addr, &pcap, &["--window", "4", "--count", "20", "--size", "8"]);
    let records = read(&pcap).unwrap();
    let to_server = records.iter().filter(|r| r.dst == s.addr).count();
    let from_server = records.iter().filter(|r| r.src == s.addr).count();
    assert_eq!((to_server, from_server), (20, 20));
}

#[test]
fn pcap_goes_with_udp_only_and_a_bad_path_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("x.pcapng");
    for (program, args) in [
        (env!("CARGO_BIN_EXE_echo-server"), &["--tcp"][..]),
        (env!("CARGO_BIN_EXE_echo-client"), &["127.0.0.1", "--tcp"][..]),
    ] {
        let out = Command::new(program)
            .args(args)
            .arg("--pcap")
            .arg(&pcap)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{program}: TCP has no datagrams to capture");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--pcap"));
        assert!(!pcap.exists(), "no file made for a refused command line");
    }
    let bad = dir.path().join("no-such-folder").join("x.pcapng");
    for (program, args) in [
        (
            env!("CARGO_BIN_EXE_echo-server"),
            &["--bind", "127.0.0.1", "--port", "0"][..],
        ),
        (env!("CARGO_BIN_EXE_echo-client"), &["127.0.0.1", "--count", "1"][..]),
    ] {
        let out = Command::new(program)
            .args(args)
            .arg("--pcap")
            .arg(&bad)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{program}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(&format!("cannot create capture {}: ", bad.display())),
            "{stderr}"
        );
    }
}
