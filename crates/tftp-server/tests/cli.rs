//! The `tftp-server` program: its first line is the address it bound, then one log line per transfer; bad
//! arguments and bind failures get one clear line and the documented exit code.
#![allow(clippy::unwrap_used)]

use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use labbench::lines::Lines;
use tftp::Quiet;
use tftp::client::{self, ClientConfig};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tftp-server"))
}

/// The server on 127.0.0.1, port 0, over `root`: killed when the guard drops; its output lines.
fn start(root: &std::path::Path, extra: &[&str]) -> (Killed, Lines) {
    let mut child = server()
        .args([
            "--root",
            &root.display().to_string(),
            "--port",
            "0",
            "--bind",
            "127.0.0.1",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::of(child.stdout.take().unwrap());
    (Killed(child), lines)
}

#[test]
fn prints_the_bound_address_first_then_a_line_per_transfer() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("hello.txt"), b"hello\n").unwrap();
    let (_guard, lines) = start(root.path(), &[]);
    let first = lines.next();
    assert!(first.starts_with("listening on 127.0.0.1:"), "{first}");
    assert!(first.ends_with(", read-only)"), "{first}");
    let addr: SocketAddr = first.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert_ne!(addr.port(), 0);

    let mut got = Vec::new();
    client::download(&ClientConfig::new(addr), "hello.txt", &mut got, &mut Quiet).unwrap();
    assert_eq!(got, b"hello\n");
    let line = lines.next();
    assert!(line.starts_with("127.0.0.1:"), "{line}");
    assert!(line.contains(" get \"hello.txt\" octet: 6 bytes in "), "{line}");
    assert!(line.ends_with(" s, ok"), "{line}");
}

#[test]
fn a_missing_root_is_bad_usage() {
    let out = server()
        .args(["--root", "/no/such/folder", "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("tftp-server: --root /no/such/folder: "), "{err}");
    assert_eq!(err.lines().count(), 1);
}

/// Before the fix a file as ROOT started a server that answered "file not found" to every request.
#[test]
fn a_root_that_is_a_file_is_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, b"not a folder").unwrap();
    let out = server()
        .args(["--root", &file.display().to_string(), "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err,
        format!(
            "tftp-server: --root {}: not a folder (--root names the folder to serve)\n",
            file.display()
        )
    );
    assert!(out.stdout.is_empty(), "no server started");
}

#[test]
fn a_bad_bind_address_is_bad_usage() {
    let out = server().args(["--bind", "300.1.1.1", "--port", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("octet 300 is out of range"));
    // An empty label: the resolver refuses it without a DNS query, so nothing leaves this machine.
    let out = server()
        .args(["--bind", "no-such-host..invalid", "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("tftp-server: --bind "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// Every size, count and duration has a range that `--help` states, and a value outside it is refused in one
/// line with exit 2 before anything is bound (issue 16: `--retries` had no limit at all).
#[test]
fn every_number_has_a_range_that_help_states() {
    let help = String::from_utf8(server().arg("--help").output().unwrap().stdout).unwrap();
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for (flag, range, outside) in [
        ("--max-sessions", "from 1 to 10000", &["0", "10001"][..]),
        ("--rexmt", "from 1 to 255000", &["0", "255001", "1e3"][..]),
        ("--retries", "from 0 to 100", &["101", "-1"][..]),
        ("--max-size", "0 or more", &["-1", "18446744073709551616", "10M"][..]),
        ("--port", "0-65535", &["65536"][..]),
    ] {
        assert!(help.contains(range), "--help gives {flag}'s range {range:?}: {help}");
        for value in outside {
            let out = server()
                .args(["--bind", "127.0.0.1", &format!("{flag}={value}")])
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{flag} {value}: {err}");
            let says: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
            assert_eq!(says.len(), 1, "{flag} {value}: {err}");
            assert!(says[0].contains(flag), "{flag} {value}: {err}");
            assert!(out.stdout.is_empty(), "no server started");
        }
    }
}

#[test]
fn a_port_in_use_is_one_line_and_exit_1() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = server()
        .args(["--bind", "127.0.0.1", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another program is using that port"), "{err}");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn verbose_logs_every_packet() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("v.bin"), [1u8; 600]).unwrap();
    let (_guard, lines) = start(root.path(), &["-v"]);
    let addr: SocketAddr = lines.next().split_whitespace().nth(2).unwrap().parse().unwrap();
    let config = ClientConfig {
        rexmt: Duration::from_millis(200),
        ..ClientConfig::new(addr)
    };
    client::download(&config, "v.bin", &mut Vec::new(), &mut Quiet).unwrap();
    let packets: Vec<String> = (0..6).map(|_| lines.next()).collect();
    let tail = |l: &String| l.split_once(' ').unwrap().1.to_string();
    let packets: Vec<String> = packets.iter().map(tail).collect();
    assert_eq!(
        packets[..5],
        [
            "-> RRQ \"v.bin\" octet",
            "<- DATA block=1 len=512",
            "-> ACK block=1",
            "<- DATA block=2 len=88",
            "-> ACK block=2"
        ]
    );
    assert!(
        packets[5].starts_with("get \"v.bin\" octet: 600 bytes in "),
        "{}",
        packets[5]
    );
}

fn bound_addr(lines: &Lines) -> SocketAddr {
    let first = lines.next();
    first.split_whitespace().nth(2).unwrap().parse().unwrap()
}

/// Starts an upload of `name` from a raw socket and sends one full block; returns the socket and the server's TID,
/// once the block is ACKed (so the temporary file exists and holds it).
fn upload_one_block(server: SocketAddr, name: &str) -> (UdpSocket, SocketAddr) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.send_to(&[&[0, 2][..], name.as_bytes(), b"\x00octet\x00"].concat(), server)
        .unwrap();
    let mut buf = [0u8; 600];
    let (n, tid) = s.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], [0, 4, 0, 0]);
    s.send_to(&[&[0, 3, 0, 1][..], &[9u8; 512]].concat(), tid).unwrap();
    let (n, _) = s.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], [0, 4, 0, 1]);
    (s, tid)
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Stopped by Ctrl-C, `kill` or a closed terminal mid-upload, the server removes the upload's temporary file.
/// Before the fix only the default action ran: the file stayed in ROOT (one was 293 MB).
#[cfg(unix)]
#[test]
fn a_signal_mid_upload_removes_the_temporary_file() {
    for sig in ["INT", "TERM", "HUP"] {
        let root = tempfile::tempdir().unwrap();
        let (mut guard, lines) = start(root.path(), &["--create"]);
        let (_client, _) = upload_one_block(bound_addr(&lines), "big.bin");
        let during = entries(root.path());
        assert!(
            during.len() == 1 && during[0].starts_with(".tftp-upload-"),
            "{sig}: {during:?}"
        );
        signal(&guard.0, sig);
        let status = guard.0.wait().unwrap();
        assert_eq!(status.code(), Some(0), "SIG{sig} stops the server cleanly");
        assert!(
            entries(root.path()).is_empty(),
            "SIG{sig} left {:?}",
            entries(root.path())
        );
    }
}

/// A server killed outright (SIGKILL, a crash, a power cut) cannot clean up: the next start removes what it left,
/// and nothing else — not a user's file with a similar name. (`.tftp-upload-keepme` was removed before the fix:
/// six letters were taken for the server's six random ones.)
#[cfg(unix)]
#[test]
fn the_next_start_removes_what_a_killed_server_left() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("sub")).unwrap();
    std::fs::write(root.path().join(".tftp-upload-notes.txt"), b"a user's own file").unwrap();
    std::fs::write(root.path().join(".tftp-upload-keepme"), b"a user's own file").unwrap();
    let (mut guard, lines) = start(root.path(), &["--create"]);
    let addr = bound_addr(&lines);
    let _first = upload_one_block(addr, "top.bin");
    let _second = upload_one_block(addr, "sub/deep.bin");
    signal(&guard.0, "KILL");
    guard.0.wait().unwrap();
    let left = entries(root.path());
    assert_eq!(left.len(), 4, "killed, it leaves its upload: {left:?}");
    assert_eq!(entries(&root.path().join("sub")).len(), 1);

    let (_guard, lines) = start(root.path(), &["--create"]);
    let addr = bound_addr(&lines);
    let mut removed = vec![lines.next(), lines.next()];
    removed.sort();
    for line in &removed {
        assert!(line.starts_with("removed ") && line.contains(".tftp-upload-"), "{line}");
        // (Its size is what reached the disk before the kill: the server writes through a buffer.)
        assert!(
            line.ends_with(" bytes), an upload left unfinished when a server was stopped"),
            "{line}"
        );
    }
    assert!(removed[1].starts_with("removed sub/.tftp-upload-"), "{removed:?}");
    assert_eq!(
        entries(root.path()),
        [".tftp-upload-keepme", ".tftp-upload-notes.txt", "sub"]
    );
    assert!(entries(&root.path().join("sub")).is_empty());
    // And it serves as usual.
    let mut got = Vec::new();
    std::fs::write(root.path().join("f"), b"fine").unwrap();
    client::download(&ClientConfig::new(addr), "f", &mut got, &mut Quiet).unwrap();
    assert_eq!(got, b"fine");
}

/// Two servers over one folder: the second one's start-up cleanup must leave the first one's upload alone (its
/// temporary file is locked while in use), and that upload completes.
#[test]
fn a_second_server_leaves_a_running_upload_alone() {
    let root = tempfile::tempdir().unwrap();
    let (_first, lines) = start(root.path(), &["--create"]);
    let (client_socket, tid) = upload_one_block(bound_addr(&lines), "shared.bin");
    let (_second, lines) = start(root.path(), &["--create"]);
    let second = bound_addr(&lines);
    // The second server cleans up before it serves: once it answers a request, its cleanup is over.
    let err = client::download(&ClientConfig::new(second), "missing", &mut Vec::new(), &mut Quiet).unwrap_err();
    assert!(err.to_string().contains("file not found"), "{err}");
    let during = entries(root.path());
    assert!(
        during.len() == 1 && during[0].starts_with(".tftp-upload-"),
        "{during:?}"
    );
    client_socket.send_to(b"\x00\x03\x00\x02end", tid).unwrap();
    let mut buf = [0u8; 600];
    let (n, _) = client_socket.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], [0, 4, 0, 2], "the first server's upload completes");
    assert_eq!(entries(root.path()), ["shared.bin"]);
    assert_eq!(std::fs::read(root.path().join("shared.bin")).unwrap().len(), 515);
}
