//! Interop: our client against the TFTP servers people run — tftpd-hpa, atftpd and busybox tftpd — on loopback
//! high ports. Run by `just interop` (these tests are `#[ignore]`d in `just test`). A missing server is a failure
//! here, not a skip: `just peers` installs them (Debian's tftpd-hpa; atftpd, which conflicts with it as a package,
//! is unpacked into `.peers/`; busybox tftpd, which Debian's busybox builds leave out, is built from Debian's
//! busybox source into `.peers/`). tftpd-hpa and atftpd drop privileges to `nobody` and busybox tftpd chroots, so
//! these tests run as root.
//!
//! What each server speaks: atftpd also windowsize (RFC 7440); busybox tftpd neither windowsize nor netascii.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use labbench::peers::{self, TftpServer};

fn client(dir: &Path, args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tftp-client"))
        .current_dir(dir)
        .args(args)
        .arg("-q")
        .output()
        .unwrap()
}

/// Runs every combination the server supports and returns how many cases passed (all must).
fn matrix(server: &TftpServer) -> usize {
    let work = tempfile::tempdir().unwrap();
    let port = server.port.to_string();
    let windows: &[Option<&str>] = if server.windowsize {
        &[None, Some("16")]
    } else {
        &[None]
    };
    let mut cases = 0;
    let mut failures = Vec::new();
    for (name, bytes, is_text) in peers::interop_files() {
        for mode in ["octet", "netascii"] {
            if mode == "netascii" && (!is_text || !server.netascii) {
                continue;
            }
            for with_options in [false, true] {
                for window in windows {
                    if window.is_some() && !with_options {
                        continue;
                    }
                    let tag = format!("{name}.{mode}.{}.{}", with_options as u8, window.unwrap_or("1"));
                    let mut opts = vec!["--port".to_string(), port.clone(), "--mode".into(), mode.into()];
                    if with_options {
                        opts.extend(["--blksize", "1428", "--tsize"].map(String::from));
                    }
                    if let Some(w) = window {
                        opts.extend(["--windowsize".to_string(), w.to_string()]);
                    }
                    // put: local file -> server, compared on the server's disk.
                    let local = work.path().join(format!("{tag}.up"));
                    std::fs::write(&local, &bytes).unwrap();
                    let remote = format!("{tag}.srv");
                    let mut args = vec!["put".to_string(), "127.0.0.1".into(), local.display().to_string()];
                    args.extend([remote.clone()]);
                    args.extend(opts.clone());
                    let out = client(work.path(), &args);
                    let stored = peers::read_when_complete(&server.root.path().join(&remote), &bytes);
                    cases += 1;
                    if !out.status.success() || stored != bytes {
                        failures.push(format!("put {tag}: {}", String::from_utf8_lossy(&out.stderr).trim()));
                    }
                    // get: the server's copy -> a new local file, compared with the original.
                    let fetched: PathBuf = work.path().join(format!("{tag}.down"));
                    let mut args = vec![
                        "get".to_string(),
                        "127.0.0.1".into(),
                        remote,
                        fetched.display().to_string(),
                    ];
                    args.extend(opts);
                    let out = client(work.path(), &args);
                    let got = std::fs::read(&fetched).unwrap_or_default();
                    cases += 1;
                    if !out.status.success() || got != bytes {
                        failures.push(format!("get {tag}: {}", String::from_utf8_lossy(&out.stderr).trim()));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}: {} of {cases} cases failed:\n{}",
        server.name,
        failures.len(),
        failures.join("\n")
    );
    println!("{}: {cases} of {cases} cases byte-identical", server.name);
    cases
}

#[test]
#[ignore = "interop: needs tftpd-hpa and root (run by `just interop`)"]
fn client_against_tftpd_hpa() {
    let server = peers::tftpd_hpa().unwrap();
    assert_eq!(matrix(&server), 28);
}

#[test]
#[ignore = "interop: needs atftpd and root (run by `just interop`)"]
fn client_against_atftpd() {
    let server = peers::atftpd().unwrap();
    assert_eq!(matrix(&server), 42);
}

#[test]
#[ignore = "interop: needs busybox tftpd (`just peers`) and root (run by `just interop`)"]
fn client_against_busybox_tftpd() {
    let server = peers::busybox_tftpd().unwrap();
    assert_eq!(matrix(&server), 24);
}

#[test]
#[ignore = "interop: needs busybox tftpd (`just peers`) and root (run by `just interop`)"]
fn busybox_tftpd_refuses_netascii_and_the_client_says_so_in_one_line() {
    let server = peers::busybox_tftpd().unwrap();
    std::fs::write(server.path("text"), b"one\ntwo\n").unwrap();
    let work = tempfile::tempdir().unwrap();
    let args = [
        "get",
        "127.0.0.1",
        "text",
        "--mode",
        "netascii",
        "--port",
        &server.port.to_string(),
    ];
    let out = client(work.path(), &args.map(String::from));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("mode is not 'octet'"),
        "the server's own words: {stderr}"
    );
    assert_eq!(std::fs::read_dir(work.path()).unwrap().count(), 0, "no partial file");
}

#[test]
#[ignore = "interop: needs tftpd-hpa and root (run by `just interop`)"]
fn a_missing_file_on_tftpd_hpa_is_error_1_and_leaves_nothing() {
    let server = peers::tftpd_hpa().unwrap();
    let work = tempfile::tempdir().unwrap();
    let out = client(
        work.path(),
        &[
            "get".into(),
            "127.0.0.1".into(),
            "absent".into(),
            "--port".into(),
            server.port.to_string(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ERROR 1 (file not found)"));
    assert_eq!(std::fs::read_dir(work.path()).unwrap().count(), 0);
}

/// `--pcap`: tshark dissects a download from tftpd-hpa in the client's capture as TFTP, told only the request
/// port (`-d udp.port==PORT,tftp`, TFTP's heuristic off): the opcodes in order, the file name and the options of
/// the RRQ, every block number, checksums good, nothing malformed.
#[test]
#[ignore = "interop: needs tftpd-hpa, tshark and root (run by `just interop`)"]
fn tshark_dissects_the_clients_capture_of_a_download_from_tftpd_hpa() {
    use labbench::tshark::{HEALTH, check_health, fields, tftp_ports};

    let server = peers::tftpd_hpa().unwrap();
    // 2500 bytes in blocks of 1024: DATA 1 and 2 full, DATA 3 short.
    let bytes: Vec<u8> = (0..2500u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(server.path("seen.bin"), &bytes).unwrap();
    let work = tempfile::tempdir().unwrap();
    let pcap = work.path().join("get.pcapng");
    let args: Vec<String> = [
        "get",
        "127.0.0.1",
        "seen.bin",
        "--port",
        &server.port.to_string(),
        "--blksize",
        "1024",
        "--tsize",
        "--pcap",
        &pcap.display().to_string(),
    ]
    .map(String::from)
    .to_vec();
    let out = client(work.path(), &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(work.path().join("seen.bin")).unwrap(), bytes);

    let wanted = [
        "udp.srcport",
        "udp.dstport",
        "tftp.opcode",
        "tftp.source_file",
        "tftp.option.name",
        "tftp.block",
    ];
    let all: Vec<&str> = HEALTH.iter().copied().chain(wanted).collect();
    let rows = fields(&pcap, &tftp_ports(&[server.port]), &all).unwrap();
    check_health(&rows).unwrap();
    let records = netlab::capture::read(&pcap).unwrap();
    assert_eq!(rows.len(), records.len(), "tshark reads every datagram netlab wrote");
    let n = HEALTH.len();
    for (row, record) in rows.iter().zip(&records) {
        let ports = (record.src.port().to_string(), record.dst.port().to_string());
        assert_eq!((&row[n], &row[n + 1]), (&ports.0, &ports.1));
    }
    // (opcode, file name, option names, block) as tshark dissects them: 1 RRQ, 6 OACK, 4 ACK, 3 DATA.
    let dissected: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r[n + 2].as_str(),
                r[n + 3].as_str(),
                r[n + 4].as_str(),
                r[n + 5].as_str(),
            )
        })
        .collect();
    assert_eq!(
        dissected,
        [
            ("1", "seen.bin", "blksize,tsize", ""),
            ("6", "", "blksize,tsize", ""),
            ("4", "", "", "0"),
            ("3", "", "", "1"),
            ("4", "", "", "1"),
            ("3", "", "", "2"),
            ("4", "", "", "2"),
            ("3", "", "", "3"),
            ("4", "", "", "3"),
        ]
    );
}
