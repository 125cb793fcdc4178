//! The `tftp-client` program as a user runs it: exit codes, one-line errors, and local files that are never left
//! half-written or clobbered.
#![allow(clippy::unwrap_used)]

#[path = "../../tftp/tests/support/fake.rs"]
mod fake;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fake::{Faults, content};

fn client() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tftp-client"))
}

fn run(dir: &Path, args: &[&str]) -> Output {
    client()
        .current_dir(dir)
        .args(args)
        .args(["--rexmt", "50"])
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn get_writes_the_file_and_replaces_an_old_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f.bin"), b"old contents").unwrap();
    let file = content(1500, 1);
    let (addr, fake) = fake::spawn(file.clone(), 512, 1, Faults::default());
    let out = run(
        dir.path(),
        &["get", "127.0.0.1", "dir/f.bin", "--port", &addr.port().to_string()],
    );
    fake.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(dir.path().join("f.bin")).unwrap(), file);
    assert_eq!(entries(dir.path()), ["f.bin"], "no temporary file left");
    assert!(
        stderr(&out).starts_with("received \"dir/f.bin\": 1500 bytes"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_failed_download_leaves_no_partial_file_and_keeps_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.bin"), b"precious").unwrap();
    let (addr, fake) = fake::spawn(
        content(5000, 2),
        512,
        1,
        Faults {
            error_at: Some(4),
            ..Faults::default()
        },
    );
    let out = run(
        dir.path(),
        &["get", "127.0.0.1", "keep.bin", "-p", &addr.port().to_string()],
    );
    fake.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("peer sent ERROR 0 (not defined): \"fake failure\""),
        "{err}"
    );
    assert_eq!(std::fs::read(dir.path().join("keep.bin")).unwrap(), b"precious");
    assert_eq!(entries(dir.path()), ["keep.bin"]);
}

#[test]
fn a_missing_remote_file_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, fake) = fake::spawn(
        Vec::new(),
        512,
        1,
        Faults {
            error: Some((1, "File not found".into())),
            ..Faults::default()
        },
    );
    let url = format!("tftp://127.0.0.1:{}/nope.txt", addr.port());
    let out = run(dir.path(), &["get", &url]);
    fake.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("ERROR 1 (file not found)"), "{}", stderr(&out));
    assert!(entries(dir.path()).is_empty());
}

/// Ctrl-C (SIGINT), `kill` (SIGTERM), a closed terminal (SIGHUP) and Ctrl-\\ (SIGQUIT) all remove the download's
/// temporary file, tell the server with an ERROR, and exit with 128 + the signal's number, as a shell reports a
/// program a signal ended. Before the fixes SIGQUIT left the `.part` file behind, the server heard nothing (and
/// resent until it timed out), and every signal gave 130.
#[cfg(unix)]
#[test]
fn a_signal_removes_the_temporary_file_tells_the_server_and_exits_128_plus_its_number() {
    for (signal, number) in [("INT", 2), ("TERM", 15), ("HUP", 1), ("QUIT", 3)] {
        let dir = tempfile::tempdir().unwrap();
        let fake = fake::start(
            content(10_000, 3),
            512,
            1,
            Faults {
                stall_after: Some(2),
                ..Faults::default()
            },
        );
        let mut child = client()
            .current_dir(dir.path())
            .args([
                "get",
                "127.0.0.1",
                "slow.bin",
                "--trace",
                "--rexmt",
                "5000",
                "-p",
                &fake.addr.port().to_string(),
            ])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait for the ready line: block 2 has been ACKed, so the temporary file exists and holds data.
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        assert!(
            lines
                .by_ref()
                .map_while(Result::ok)
                .any(|l| l.contains("sent ACK block=2"))
        );
        assert_eq!(
            entries(dir.path()).len(),
            1,
            "the .part file exists during the transfer"
        );
        Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        let said: Vec<String> = lines.map_while(Result::ok).collect();
        assert_eq!(status.code(), Some(128 + number), "SIG{signal}: {status}");
        assert_eq!(said, [format!("tftp-client: stopped by SIG{signal}")]);
        assert!(
            entries(dir.path()).is_empty(),
            "SIG{signal} left behind: {:?}",
            entries(dir.path())
        );
        let error = [&b"\0\x05\0\0client stopped by SIG"[..], signal.as_bytes(), b"\0"].concat();
        assert_eq!(
            fake.finish().received.last(),
            Some(&error),
            "SIG{signal}: the server is told"
        );
    }
}

/// A download killed outright (SIGKILL) leaves its `.part` file. The next download of the same name into the same
/// folder removes it, and nothing else: not another client's download under way (its file is locked), not a file
/// that changed a moment ago (a download may not have locked its new file yet), not a user's file of another
/// shape, not another name's. Before the fix the leftover stayed for ever.
#[test]
fn the_next_download_of_a_name_removes_what_a_killed_one_left() {
    let dir = tempfile::tempdir().unwrap();
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    let old = |name: &str| {
        let file = std::fs::File::create(dir.path().join(name)).unwrap();
        std::io::Write::write_all(&mut &file, b"half a file").unwrap();
        file.set_modified(an_hour_ago).unwrap();
        file
    };
    drop(old(".x.bin.00000000000000aa.part"));
    let running = old(".x.bin.00000000000000bb.part");
    running.try_lock().unwrap();
    std::fs::write(dir.path().join(".x.bin.00000000000000cc.part"), b"just created").unwrap();
    drop(old(".x.bin.keepme.part"));
    drop(old(".y.bin.00000000000000dd.part"));

    let file = content(700, 10);
    let (addr, fake) = fake::spawn(file.clone(), 512, 1, Faults::default());
    let out = run(
        dir.path(),
        &["get", "127.0.0.1", "x.bin", "-p", &addr.port().to_string()],
    );
    fake.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(dir.path().join("x.bin")).unwrap(), file);
    assert_eq!(
        stderr(&out).lines().next().unwrap(),
        "tftp-client: removed ./.x.bin.00000000000000aa.part (11 bytes), left by a download that was killed"
    );
    assert_eq!(
        entries(dir.path()),
        [
            ".x.bin.00000000000000bb.part",
            ".x.bin.00000000000000cc.part",
            ".x.bin.keepme.part",
            ".y.bin.00000000000000dd.part",
            "x.bin"
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_pipe_or_device_is_written_to_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let file = content(3000, 6);
    let (addr, fake) = fake::spawn(file.clone(), 512, 1, Faults::default());
    let out = run(
        dir.path(),
        &["get", "127.0.0.1", "x.bin", "fifo", "-p", &addr.port().to_string()],
    );
    fake.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(reader.join().unwrap(), file);
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(),
        "still a FIFO"
    );
    assert_eq!(entries(dir.path()), ["fifo"]);
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_is_followed_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    std::fs::write(dir.path().join("real/data.bin"), b"old").unwrap();
    std::os::unix::fs::symlink("real/data.bin", dir.path().join("link")).unwrap();
    let file = content(700, 7);
    let (addr, fake) = fake::spawn(file.clone(), 512, 1, Faults::default());
    let out = run(
        dir.path(),
        &["get", "127.0.0.1", "x.bin", "link", "-p", &addr.port().to_string()],
    );
    fake.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::symlink_metadata(dir.path().join("link"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(dir.path().join("real/data.bin")).unwrap(), file);
}

/// In netascii the summary counts the file's bytes (what `ls -l` shows) and the wire's beside them: each CR LF on
/// the wire is one LF in the file. Before, it gave only the wire's.
#[test]
fn a_netascii_summary_counts_the_files_bytes_and_the_wires() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, fake) = fake::spawn(b"one\r\ntwo\r\n".to_vec(), 512, 1, Faults::default());
    let out = run(
        dir.path(),
        &[
            "get",
            "127.0.0.1",
            "t.txt",
            "--mode",
            "netascii",
            "-p",
            &addr.port().to_string(),
        ],
    );
    fake.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(dir.path().join("t.txt")).unwrap(), b"one\ntwo\n");
    assert!(
        stderr(&out).starts_with("received \"t.txt\": 8 bytes (10 on the wire) in "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn get_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, fake) = fake::spawn(b"to stdout\n".to_vec(), 512, 1, Faults::default());
    let out = run(
        dir.path(),
        &["get", "127.0.0.1", "x.txt", "-", "-q", "-p", &addr.port().to_string()],
    );
    fake.join().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, b"to stdout\n");
    assert!(out.stderr.is_empty(), "-q prints nothing: {}", stderr(&out));
}

/// Our server on 127.0.0.1:0 over `root`, in this process: its address, and its log (one line per transfer).
/// It is stopped when the test's process ends.
fn our_server(root: &Path) -> (std::net::SocketAddr, Arc<Mutex<Vec<u8>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink: tftp_server::LogSink = log.clone();
    let config = tftp_server::Config::new(root).unwrap();
    let server = tftp_server::Server::bind("127.0.0.1:0".parse().unwrap(), config, sink).unwrap();
    let addr = server.local_addr().unwrap();
    std::thread::spawn(move || server.run());
    (addr, log)
}

/// Waits for the server's log line about `name`: a transfer logs once, when it ends. The server gives up on a
/// silent client after 6 s (1 s timer, 5 retransmissions), so 10 s is more than enough.
fn wait_for_line(log: &Mutex<Vec<u8>>, name: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = String::from_utf8_lossy(&log.lock().unwrap()).into_owned();
        if let Some(line) = text.lines().find(|l| l.contains(name)) {
            return line.to_string();
        }
        assert!(
            Instant::now() < deadline,
            "the server logged nothing about {name}:\n{text}"
        );
        std::thread::yield_now();
    }
}

/// `get HOST FILE - | head -c 10`: once the reader has gone, the client tells the server with an ERROR, so the
/// server ends the transfer at once, and the client ends quietly with exit code 0, as `cat` does. Before the fix
/// it sent nothing and the server resent its block until it timed out 6 s later.
#[test]
fn a_closed_stdout_ends_quietly_and_the_server_is_told() {
    let root = tempfile::tempdir().unwrap();
    // Far more than a pipe holds, so the client is still writing when the reader goes.
    std::fs::write(root.path().join("big.bin"), content(4 << 20, 9)).unwrap();
    let (addr, log) = our_server(root.path());
    let mut child = client()
        .args(["get", "127.0.0.1", "big.bin", "-", "-p", &addr.port().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // and the pipe closes here
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "nothing to say: the reader took what it wanted");
    let line = wait_for_line(&log, "big.bin");
    assert!(line.contains(": peer sent ERROR 0 (not defined): "), "{line}");
}

#[test]
fn put_sends_the_file_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let file = content(2048, 4);
    std::fs::write(dir.path().join("up.bin"), &file).unwrap();
    let (addr, fake) = fake::spawn(Vec::new(), 512, 1, Faults::default());
    let out = run(
        dir.path(),
        &[
            "put",
            "127.0.0.1",
            "up.bin",
            "remote.bin",
            "-p",
            &addr.port().to_string(),
        ],
    );
    let log = fake.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(log.file, file);
    assert!(log.request.starts_with(b"\x00\x02remote.bin\x00octet\x00"));
}

/// A refused upload says where it went: `upload of "f" to HOST` (it said "from HOST", as a download does).
#[test]
fn a_failed_upload_names_the_server_it_went_to() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("up.bin"), b"data").unwrap();
    let (addr, fake) = fake::spawn(
        Vec::new(),
        512,
        1,
        Faults {
            error: Some((2, "Access violation".into())),
            ..Faults::default()
        },
    );
    let out = run(
        dir.path(),
        &["put", "127.0.0.1", "up.bin", "-p", &addr.port().to_string()],
    );
    fake.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "tftp-client: upload of \"up.bin\" to {addr} failed: peer sent ERROR 2 (access violation): \
             \"Access violation\"\n"
        )
    );
}

#[test]
fn put_of_a_missing_file_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["put", "127.0.0.1", "absent.bin", "-p", "9"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("tftp-client: cannot open absent.bin"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_usage_exits_2_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    for (args, says) in [
        (&["get", "127.0.0.1"][..], "get takes HOST REMOTE"),
        (&["get", "256.1.1.1", "f"][..], "octet 256 is out of range"),
        (&["get", "127.0.0.1", "dir/"][..], "does not end in a file name"),
        (
            &["get", "127.0.0.1", "f", "--blksize", "7"][..],
            "7 is not in 8..=65464",
        ),
        (&["get", "127.0.0.1", "f", "--windowsize", "0"][..], "0 is not in 1.."),
        (&["frobnicate"][..], "unrecognized subcommand"),
        // An empty label: the resolver refuses it without a DNS query, so nothing leaves this machine. A name
        // that names no host is bad input, like a malformed address (it was exit 1; issue 18).
        (&["get", "no-such-host..invalid", "x"][..], "no-such-host..invalid"),
        (&["get", "tftp://no-such-host..invalid/x"][..], "no-such-host..invalid"),
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert_eq!(error_lines(&out), 1, "{args:?}: {}", stderr(&out));
    }
}

/// The lines of stderr that say what is wrong: ours start with the program's name, clap's with `error:` (clap
/// may add a usage line and a hint after it, which say nothing wrong).
fn error_lines(out: &Output) -> usize {
    stderr(out)
        .lines()
        .filter(|l| l.starts_with("tftp-client: ") || l.starts_with("error: "))
        .count()
}

/// Every size, count and duration has a range that `--help` states, and a value outside it is refused in one
/// line with exit 2 before anything is sent (issue 16: `--retries` had no limit at all).
#[test]
fn every_number_has_a_range_that_help_states() {
    let dir = tempfile::tempdir().unwrap();
    let help = String::from_utf8(client().arg("--help").output().unwrap().stdout).unwrap();
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for (flag, range, outside) in [
        ("--blksize", "8-65464", &["7", "65465"][..]),
        ("--windowsize", "1-65535", &["0", "65536"][..]),
        ("--timeout", "1-255", &["0", "256"][..]),
        ("--rexmt", "from 1 to 255000", &["0", "255001", "-5", "1e3"][..]),
        ("--retries", "from 0 to 100", &["101", "-1", "4294967296"][..]),
        ("--port", "1-65535", &["0", "65536"][..]),
    ] {
        assert!(help.contains(range), "--help gives {flag}'s range {range:?}: {help}");
        for value in outside {
            let out = client()
                .current_dir(dir.path())
                .args(["get", "127.0.0.1", "f", &format!("{flag}={value}")])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{flag} {value}: {}", stderr(&out));
            assert_eq!(error_lines(&out), 1, "{flag} {value}: {}", stderr(&out));
            assert!(stderr(&out).contains(flag), "{flag} {value}: {}", stderr(&out));
        }
    }
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn trace_shows_every_packet_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, fake) = fake::spawn(vec![7u8; 600], 512, 1, Faults::default());
    let out = run(
        dir.path(),
        &["get", "127.0.0.1", "t.bin", "--trace", "-p", &addr.port().to_string()],
    );
    fake.join().unwrap();
    let err = stderr(&out);
    let trace: Vec<&str> = err
        .lines()
        .map(|l| l.split(" to ").next().unwrap().split(" from ").next().unwrap())
        .collect();
    assert_eq!(
        trace[..5],
        [
            "    sent RRQ \"t.bin\" octet",
            "received DATA block=1 len=512",
            "    sent ACK block=1",
            "received DATA block=2 len=88",
            "    sent ACK block=2"
        ]
    );
}

#[test]
fn the_seed_menu_works_from_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let file = content(700, 5);
    let (addr, fake) = fake::spawn(file.clone(), 512, 1, Faults::default());
    let mut child = client()
        .current_dir(dir.path())
        .args(["--rexmt", "50"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    write!(
        child.stdin.take().unwrap(),
        "127.0.0.1:{}\n1\nmenu.bin\n3\n",
        addr.port()
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    fake.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let prompts = String::from_utf8_lossy(&out.stdout);
    assert!(
        prompts.contains("TFTP server") && prompts.contains("1: download  2: upload  3: quit"),
        "{prompts}"
    );
    assert_eq!(std::fs::read(dir.path().join("menu.bin")).unwrap(), file);
}

/// A tsize in the OACK that the data does not match: the download stands (it ended with a short block, as TFTP
/// says), and one line warns. Before the fix nothing was said.
#[test]
fn a_tsize_the_data_does_not_match_gets_a_one_line_warning() {
    let dir = tempfile::tempdir().unwrap();
    let file = content(1500, 8);
    let oack = vec![("tsize".to_string(), "99999".to_string())];
    let (addr, fake) = fake::spawn(
        file.clone(),
        512,
        1,
        Faults {
            oack: Some(oack),
            ..Faults::default()
        },
    );
    let out = run(
        dir.path(),
        &["get", "127.0.0.1", "t.bin", "--tsize", "-p", &addr.port().to_string()],
    );
    fake.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(dir.path().join("t.bin")).unwrap(), file);
    let err = stderr(&out);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(
        warnings,
        ["tftp-client: warning: the server announced 99999 bytes (tsize) but sent 1500"],
        "{err}"
    );

    // A tsize that matches says nothing more than the summary.
    let oack = vec![("tsize".to_string(), "1500".to_string())];
    let (addr, fake) = fake::spawn(
        file,
        512,
        1,
        Faults {
            oack: Some(oack),
            ..Faults::default()
        },
    );
    let out = run(
        dir.path(),
        &["get", "127.0.0.1", "t.bin", "--tsize", "-p", &addr.port().to_string()],
    );
    fake.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}
