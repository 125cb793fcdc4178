//! Interop (`just interop`): tshark reads echo-server's and echo-client's `--pcap` captures as it reads real ones
//! — IPv4 and IPv6, lengths and checksums right, nothing malformed, every datagram's ports and bytes what was
//! sent. tshark missing is a failure, not a skip.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};

use labbench::lines::Lines;
use labbench::tshark::{HEALTH, check_health, data_ports, fields, hex};
use netlab::capture::read;

/// Checks what tshark reads in `pcap` against what netlab's reader reads: the same datagrams, ports and bytes.
fn tshark_agrees(pcap: &Path, ports: &[u16], version: &str) -> usize {
    let records = read(pcap).unwrap();
    let all: Vec<&str> = HEALTH
        .iter()
        .copied()
        .chain(["udp.srcport", "udp.dstport", "data.data"])
        .collect();
    let rows = fields(pcap, &data_ports(ports), &all).unwrap();
    check_health(&rows).unwrap();
    assert_eq!(rows.len(), records.len());
    for (row, record) in rows.iter().zip(&records) {
        let n = HEALTH.len();
        let seen = (
            row[0].as_str(),
            row[n].as_str(),
            row[n + 1].as_str(),
            row[n + 2].as_str(),
        );
        let (src, dst) = (record.src.port().to_string(), record.dst.port().to_string());
        assert_eq!(
            seen,
            (version, src.as_str(), dst.as_str(), hex(&record.payload).as_str())
        );
    }
    rows.len()
}

#[test]
#[ignore = "interop: needs tshark (just peers)"]
fn tshark_reads_the_echo_servers_and_the_clients_captures() {
    for (bind, version) in [("127.0.0.1", "4"), ("::1", "6")] {
        let dir = tempfile::tempdir().unwrap();
        let (server_pcap, client_pcap) = (dir.path().join("server.pcapng"), dir.path().join("client.pcapng"));
        let mut server = Command::new(env!("CARGO_BIN_EXE_echo-server"))
            .args(["--bind", bind, "--port", "0", "--pcap"])
            .arg(&server_pcap)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Lines::of(server.stdout.take().unwrap());
        let addr: SocketAddr = lines.next().split_whitespace().nth(2).unwrap().parse().unwrap();
        let port = addr.port().to_string();
        let out = Command::new(env!("CARGO_BIN_EXE_echo-client"))
            .args([
                bind,
                "--port",
                &port,
                "--count",
                "5",
                "--interval",
                "0",
                "--size",
                "333",
                "--pcap",
            ])
            .arg(&client_pcap)
            .output()
            .unwrap();
        assert!(out.status.success());
        for _ in 0..5 {
            lines.next(); // one log line per echo, written after the echo was recorded
        }
        let _ = server.kill();
        let _ = server.wait();
        let client_port = read(&client_pcap).unwrap()[0].src.port();
        let ports = [addr.port(), client_port];
        assert_eq!(tshark_agrees(&server_pcap, &ports, version), 10);
        assert_eq!(tshark_agrees(&client_pcap, &ports, version), 10);
    }
}
