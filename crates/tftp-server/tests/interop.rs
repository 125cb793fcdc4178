//! Interop: the clients people use — tftp-hpa's `tftp`, `atftp`, `curl` and busybox `tftp` — against our server
//! binary on a loopback port, get and put, with options where the client has them, compared byte for byte.
//! Run by `just interop` (`#[ignore]`d in `just test`); a missing client is a failure: `just peers` installs them.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use labbench::peers;

fn require(program: &str) {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()));
    assert!(found, "{program} is not installed: run `just peers` (as root)");
}

/// Builds a command line from (port, remote name, local path, mode, extra arguments).
type Args = dyn Fn(u16, &str, &str, &str, &[String]) -> Vec<String>;

/// One client's way of getting and putting, with or without options.
struct Client {
    name: &'static str,
    program: &'static str,
    /// (label, mode, extra arguments)
    variants: Vec<(&'static str, &'static str, Vec<String>)>,
    get: Box<Args>,
    put: Box<Args>,
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn tftp_hpa() -> Client {
    fn cmd(op: &str, port: u16, remote: &str, local: &str, mode: &str) -> Vec<String> {
        let mode = if mode == "netascii" { "netascii" } else { "binary" };
        let mut args = strings(&["127.0.0.1", &port.to_string(), "-m", mode, "-c", op]);
        if op == "get" {
            args.extend(strings(&[remote, local]))
        } else {
            args.extend(strings(&[local, remote]))
        }
        args
    }
    Client {
        name: "tftp-hpa",
        program: "tftp",
        variants: vec![("plain", "octet", vec![]), ("plain", "netascii", vec![])],
        get: Box::new(|p, r, l, m, _| cmd("get", p, r, l, m)),
        put: Box::new(|p, r, l, m, _| cmd("put", p, r, l, m)),
    }
}

fn atftp() -> Client {
    fn cmd(op: &str, port: u16, remote: &str, local: &str, extra: &[String]) -> Vec<String> {
        let mut args = strings(&[op, "-r", remote, "-l", local]);
        args.extend(extra.iter().cloned());
        args.extend(strings(&["127.0.0.1", &port.to_string()]));
        args
    }
    let opt = |o: &str| vec!["--option".to_string(), o.to_string()];
    Client {
        name: "atftp",
        program: "atftp",
        variants: vec![
            ("plain", "octet", vec![]),
            (
                "blksize 1428 + tsize",
                "octet",
                [opt("blksize 1428"), opt("tsize 0")].concat(),
            ),
            (
                "blksize 8192 + windowsize 16",
                "octet",
                [opt("blksize 8192"), opt("windowsize 16")].concat(),
            ),
        ],
        get: Box::new(|p, r, l, _, e| cmd("-g", p, r, l, e)),
        put: Box::new(|p, r, l, _, e| cmd("-p", p, r, l, e)),
    }
}

fn curl() -> Client {
    Client {
        name: "curl",
        program: "curl",
        variants: vec![
            ("no options", "octet", strings(&["--tftp-no-options"])),
            ("blksize 1428", "octet", strings(&["--tftp-blksize", "1428"])),
            ("blksize 65464", "octet", strings(&["--tftp-blksize", "65464"])),
        ],
        get: Box::new(|p, r, l, _, e| {
            let mut args = strings(&["-sS", "-o", l]);
            args.extend(e.iter().cloned());
            args.push(format!("tftp://127.0.0.1:{p}/{r}"));
            args
        }),
        put: Box::new(|p, r, l, _, e| {
            let mut args = strings(&["-sS", "-T", l]);
            args.extend(e.iter().cloned());
            args.push(format!("tftp://127.0.0.1:{p}/{r}"));
            args
        }),
    }
}

fn busybox() -> Client {
    fn cmd(op: &str, port: u16, remote: &str, local: &str, extra: &[String]) -> Vec<String> {
        let mut args = strings(&["tftp", op, "-r", remote, "-l", local]);
        args.extend(extra.iter().cloned());
        args.extend(strings(&["127.0.0.1", &port.to_string()]));
        args
    }
    Client {
        name: "busybox tftp",
        program: "busybox",
        variants: vec![
            ("plain", "octet", vec![]),
            ("blksize 1428", "octet", strings(&["-b", "1428"])),
        ],
        get: Box::new(|p, r, l, _, e| cmd("-g", p, r, l, e)),
        put: Box::new(|p, r, l, _, e| cmd("-p", p, r, l, e)),
    }
}

fn run(program: &str, args: &[String], dir: &Path) -> (bool, String) {
    let out = Command::new(program).args(args).current_dir(dir).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).trim().to_string(),
    )
}

/// Puts every test file with every variant, then gets it back, comparing on our server's disk and locally.
fn matrix(client: &Client) -> usize {
    require(client.program);
    let server = peers::ours(
        Path::new(env!("CARGO_BIN_EXE_tftp-server")),
        &["--create", "--writable"],
    )
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut cases = 0;
    let mut failures = Vec::new();
    for (vi, (label, mode, extra)) in client.variants.iter().enumerate() {
        for (name, bytes, is_text) in peers::interop_files() {
            if *mode == "netascii" && !is_text {
                continue;
            }
            let remote = format!("{name}.{vi}.srv");
            let up = work.path().join(format!("{name}.{vi}.up"));
            std::fs::write(&up, &bytes).unwrap();
            let (ok, err) = run(
                client.program,
                &(client.put)(server.port, &remote, &up.display().to_string(), mode, extra),
                work.path(),
            );
            let stored = peers::read_when_complete(&server.root.path().join(&remote), &bytes);
            cases += 1;
            if !ok || stored != bytes {
                failures.push(format!(
                    "put {name} ({label}, {mode}): ok={ok} {} of {} bytes stored; {err}",
                    stored.len(),
                    bytes.len()
                ));
            }
            if client.name == "curl" && bytes.is_empty() && !extra.contains(&"--tftp-no-options".to_string()) {
                // curl 7.88 (Debian 12) fails to download an empty file when it negotiates options, with
                // "getpeername() failed" (an error message that hides the real one: curl/curl#11332); it fails
                // the same way against tftpd-hpa and atftpd, so this case says nothing about our server.
                continue;
            }
            let down = work.path().join(format!("{name}.{vi}.down"));
            let (ok, err) = run(
                client.program,
                &(client.get)(server.port, &remote, &down.display().to_string(), mode, extra),
                work.path(),
            );
            let got = std::fs::read(&down).unwrap_or_default();
            cases += 1;
            if !ok || got != bytes {
                failures.push(format!(
                    "get {name} ({label}, {mode}): ok={ok} {} of {} bytes; {err}",
                    got.len(),
                    bytes.len()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}: {} of {cases} failed:\n{}",
        client.name,
        failures.len(),
        failures.join("\n")
    );
    println!("{}: {cases} of {cases} transfers byte-identical", client.name);
    cases
}

#[test]
#[ignore = "interop: needs tftp-hpa (run by `just interop`)"]
fn tftp_hpa_client_against_our_server() {
    assert_eq!(matrix(&tftp_hpa()), 14);
}

#[test]
#[ignore = "interop: needs atftp (run by `just interop`)"]
fn atftp_client_against_our_server() {
    assert_eq!(matrix(&atftp()), 36);
}

#[test]
#[ignore = "interop: needs curl (run by `just interop`)"]
fn curl_against_our_server() {
    assert_eq!(matrix(&curl()), 34);
}

#[test]
#[ignore = "interop: needs busybox (run by `just interop`)"]
fn busybox_tftp_against_our_server() {
    assert_eq!(matrix(&busybox()), 24);
}

/// `--pcap`: tshark dissects the server's capture of tftp-hpa's upload and download as TFTP, told only the
/// request port (`-d udp.port==PORT,tftp`, TFTP's heuristic off; Wireshark follows each transfer to its port):
/// the opcodes in order, the file names, every block number, checksums good, nothing malformed.
#[test]
#[ignore = "interop: needs tftp-hpa and tshark (run by `just interop`)"]
fn tshark_dissects_the_servers_capture_of_tftp_hpas_transfers() {
    use labbench::lines::Lines;
    use labbench::tshark::{HEALTH, check_health, fields, tftp_ports};
    use std::process::Stdio;

    require("tftp");
    let (root, work) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let pcap = work.path().join("server.pcapng");
    // 2500 bytes down (blocks 1-4 full, 5 short), 700 up (block 1 full, 2 short), RFC 1350's 512-byte blocks.
    let down: Vec<u8> = (0..2500u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(root.path().join("down.bin"), &down).unwrap();
    std::fs::write(work.path().join("up.bin"), &down[..700]).unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_tftp-server"))
        .arg("--root")
        .arg(root.path())
        .args(["--bind", "127.0.0.1", "--port", "0", "--create", "--pcap"])
        .arg(&pcap)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::of(server.stdout.take().unwrap());
    let listen: std::net::SocketAddr = lines.next().split_whitespace().nth(2).unwrap().parse().unwrap();
    let tftp_hpa = tftp_hpa();
    for (args, file) in [
        (
            (tftp_hpa.put)(listen.port(), "up.bin", "up.bin", "octet", &[]),
            "up.bin",
        ),
        (
            (tftp_hpa.get)(listen.port(), "down.bin", "down.bin", "octet", &[]),
            "down.bin",
        ),
    ] {
        let (ok, err) = run("tftp", &args, work.path());
        assert!(ok, "{args:?}: {err}");
        // The server logs a transfer after its last datagram is recorded.
        assert!(lines.next().contains(file));
    }
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(std::fs::read(work.path().join("down.bin")).unwrap(), down);

    let wanted = ["tftp.opcode", "tftp.source_file", "tftp.destination_file", "tftp.block"];
    let all: Vec<&str> = HEALTH.iter().copied().chain(wanted).collect();
    let rows = fields(&pcap, &tftp_ports(&[listen.port()]), &all).unwrap();
    check_health(&rows).unwrap();
    let n = HEALTH.len();
    // (opcode, file name, block): 2 WRQ, 1 RRQ, 3 DATA, 4 ACK. Wireshark shows each DATA and ACK with the file
    // name of the request that began its transfer: it followed the transfer from the request port to its own.
    let dissected: Vec<String> = rows
        .iter()
        .map(|r| format!("{} {}{} {}", r[n], r[n + 1], r[n + 2], r[n + 3]))
        .collect();
    let lock_step = |file: &str, blocks: u16, data: u8, ack: u8| -> Vec<String> {
        (1..=blocks)
            .flat_map(|b| [format!("{data} {file} {b}"), format!("{ack} {file} {b}")])
            .collect()
    };
    let mut expected = vec!["2 up.bin ".to_string(), "4 up.bin 0".to_string()];
    expected.extend(lock_step("up.bin", 2, 3, 4));
    expected.push("1 down.bin ".to_string());
    expected.extend(lock_step("down.bin", 5, 3, 4));
    assert_eq!(dissected, expected);
}
