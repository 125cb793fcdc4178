//! Interop (`just interop`): tshark reads our captures as it reads real ones — every packet dissected as IPv4 or
//! IPv6 and UDP with correct lengths and checksums (tshark checks them when told to), TFTP on port 69 decoded
//! field by field, comments shown. tshark missing is a failure, not a skip.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::process::Command;

use netlab::capture::Capture;

fn tshark(file: &std::path::Path, fields: &[&str]) -> String {
    let mut args = vec![
        "-r".to_string(),
        file.display().to_string(),
        "-o".into(),
        "udp.check_checksum:TRUE".into(),
    ];
    args.extend([
        "-o".into(),
        "ip.check_checksum:TRUE".into(),
        "-T".into(),
        "fields".into(),
    ]);
    for field in fields {
        args.extend(["-e".to_string(), field.to_string()]);
    }
    let out = Command::new("tshark")
        .args(&args)
        .output()
        .expect("tshark is installed (just peers)");
    assert!(out.status.success(), "tshark: {}", String::from_utf8_lossy(&out.stderr));
    // Root gets a warning about running as root (CI is root); anything else tshark says is a problem.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.contains("Running as user \"root\""))
        .collect();
    assert!(warnings.is_empty(), "tshark warned: {warnings:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
#[ignore = "interop: needs tshark (just peers)"]
fn tshark_dissects_our_headers_and_checksums() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.pcapng");
    let capture = Capture::create(&path).unwrap();
    let client: SocketAddr = "127.0.0.1:50000".parse().unwrap();
    let server: SocketAddr = "127.0.0.1:69".parse().unwrap();
    let odd = vec![0xa5u8; 1001];
    capture
        .record(
            client,
            server,
            b"\x00\x01test.txt\x00octet\x00blksize\x001428\x00",
            None,
        )
        .unwrap();
    capture
        .record(server, client, b"\x00\x05\x00\x01File not found\x00", Some("a comment"))
        .unwrap();
    capture.record(client, server, &odd, None).unwrap();
    capture
        .record(
            "[::1]:50000".parse().unwrap(),
            "[::1]:69".parse().unwrap(),
            b"\x00\x04\x00\x07",
            None,
        )
        .unwrap();
    capture
        .record(
            "[::ffff:127.0.0.1]:1".parse().unwrap(),
            "127.0.0.1:2".parse().unwrap(),
            b"",
            None,
        )
        .unwrap();

    let rows = tshark(
        &path,
        &[
            "ip.version",
            "ipv6.version",
            "udp.length",
            "udp.checksum.status",
            "ip.checksum.status",
            "tftp.opcode",
            "tftp.source_file",
            "tftp.option.name",
            "frame.comment",
            "_ws.malformed",
        ],
    );
    let rows: Vec<Vec<&str>> = rows.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 5, "{rows:?}");
    // ip.version, ipv6.version, udp.length, udp checksum status (1 = good), ip checksum status (1 = good)
    assert_eq!(&rows[0][..5], ["4", "", "38", "1", "1"], "{rows:?}");
    assert_eq!(&rows[0][5..8], ["1", "test.txt", "blksize"], "{rows:?}");
    assert_eq!(rows[1][5], "5", "{rows:?}");
    assert!(rows[1][8].contains("a comment"), "{rows:?}");
    assert_eq!(&rows[2][2..5], ["1009", "1", "1"], "an odd payload length: {rows:?}");
    assert_eq!(&rows[3][..4], ["6", "6", "12", "1"], "IPv6: {rows:?}");
    assert_eq!(rows[4][0], "4", "an IPv4-mapped address is written as IPv4: {rows:?}");
    assert!(rows.iter().all(|r| r[9].is_empty()), "no malformed packet: {rows:?}");
}
