//! The `udp-impair` program: its first line names the port it listens on; Ctrl-C prints the tally.
#![allow(clippy::unwrap_used)]

use std::net::{SocketAddr, UdpSocket};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use labbench::lines::Lines;

#[test]
fn relays_and_prints_the_tally_on_ctrl_c() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = server.local_addr().unwrap().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_udp-impair"))
        .args(["--listen", "127.0.0.1:0", "--to", &to, "--loss-up", "100%", "-v"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::of(child.stdout.take().unwrap());
    let first = lines.next();
    assert!(first.starts_with("relaying 127.0.0.1:"), "{first}");
    assert!(first.trim_end().ends_with(&format!("<-> {to}")), "{first}");
    let listen: SocketAddr = first.split_whitespace().nth(1).unwrap().parse().unwrap();
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    for _ in 0..3 {
        client.send_to(b"lost", listen).unwrap();
    }
    // -v prints the tally each second it changes: wait for the line that counts all three.
    let mut line = String::new();
    while !line.starts_with("client->server") || line.split_whitespace().nth(1) != Some("3") {
        line = lines.next();
    }
    server.set_nonblocking(true).unwrap();
    assert!(
        server.recv_from(&mut [0u8; 8]).is_err(),
        "nothing got through 100% loss"
    );
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let rest = lines.rest();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    let up = rest.iter().rfind(|l| l.starts_with("client->server")).unwrap();
    let fields: Vec<&str> = up.split_whitespace().collect();
    assert_eq!(
        fields[1..4],
        ["3", "0", "3"],
        "received 3, forwarded 0, dropped 3: {up}"
    );
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        &["--listen", "127.0.0.1:0", "--to", "127.0.0.1:9", "--loss", "150%"][..],
        &["--listen", "300.0.0.1:0", "--to", "127.0.0.1:9"][..],
        &["--listen", "127.0.0.1:0"][..],
        &["--listen", "127.0.0.1:0", "--to", "127.0.0.1:9", "--max-clients", "0"][..],
        &["--listen", "127.0.0.1:0", "--to", "127.0.0.1:9", "--idle", "0"][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_udp-impair"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_listen_port_already_taken_exits_1_in_one_line() {
    // The arguments are right; the machine says no at run time.
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let listen = taken.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_udp-impair"))
        .args(["--listen", &listen, "--to", "127.0.0.1:9"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("udp-impair: cannot bind {listen}: ")),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "no ready line for a relay that never started");
}

#[test]
fn clients_past_the_limit_are_refused_and_said_so_with_verbose() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = server.local_addr().unwrap().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_udp-impair"))
        .args(["--listen", "127.0.0.1:0", "--to", &to, "--max-clients", "1", "-v"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::of(child.stdout.take().unwrap());
    let listen: SocketAddr = lines.next().split_whitespace().nth(1).unwrap().parse().unwrap();
    let known = UdpSocket::bind("127.0.0.1:0").unwrap();
    known.send_to(b"relayed", listen).unwrap();
    // The first client is known once its datagram has gone through; only then do the others come.
    let mut buf = [0u8; 16];
    server.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let (n, _) = server.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"relayed");
    let others: Vec<UdpSocket> = (0..3).map(|_| UdpSocket::bind("127.0.0.1:0").unwrap()).collect();
    for other in &others {
        other.send_to(b"refused", listen).unwrap();
    }
    let mut refused = 0;
    while refused < 3 {
        let line = lines.wait_for("refused ");
        refused += line.split_whitespace().nth(1).unwrap().parse::<u32>().unwrap();
        assert!(
            line.ends_with("datagrams from new clients: 1 clients already (--max-clients)"),
            "{line}"
        );
    }
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let rest = lines.rest();
    assert!(child.wait().unwrap().success());
    let up = rest.iter().rfind(|l| l.starts_with("client->server")).unwrap();
    let fields: Vec<&str> = up.split_whitespace().collect();
    assert_eq!(
        (fields[1], fields[2], fields[8]),
        ("4", "1", "3"),
        "received, forwarded, refused: {up}"
    );
    server.set_nonblocking(true).unwrap();
    assert!(server.recv_from(&mut buf).is_err(), "no refused datagram got through");
}

#[test]
fn a_relay_told_to_relay_to_itself_exits_2_in_one_line() {
    let port = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    for (listen, to) in [
        ("127.0.0.1", "127.0.0.1"),
        ("0.0.0.0", "127.0.0.1"),
        ("[::]", "[::1]"),
        // IPv4 written as IPv6, heard by the dual-stack wildcard.
        ("[::]", "[::ffff:127.0.0.1]"),
        ("[::]", "[::ffff:127.0.0.2]"),
        ("[::]", "[0:0:0:0:0:ffff:7f00:1]"),
        ("127.0.0.1", "[::ffff:127.0.0.1]"),
    ] {
        let (listen, to) = (format!("{listen}:{port}"), format!("{to}:{port}"));
        let out = exits_within(&["--listen", &listen, "--to", &to], Duration::from_secs(10))
            .unwrap_or_else(|| panic!("{listen} -> {to}: the relay started, relaying to itself"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{listen} -> {to}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("own --listen address"), "{stderr}");
    }
}

/// Runs udp-impair with `args` and returns what it printed once it has exited, or `None` (having killed it) if it
/// was still running after `limit`: a relay that should have refused to start, and started.
fn exits_within(args: &[&str], limit: Duration) -> Option<std::process::Output> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_udp-impair"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Some(child.wait_with_output().unwrap())
}

#[test]
fn a_delay_or_jitter_longer_than_a_minute_exits_2() {
    // Before, any number of milliseconds was taken, and a day's delay held datagrams in memory without limit.
    for (flag, ms) in [
        ("--delay", "60001"),
        ("--delay", "18446744073709551615"),
        ("--jitter", "18446744073709551615"),
        ("--delay-up", "86400000"),
        ("--jitter-down", "60001"),
    ] {
        let args = ["--listen", "127.0.0.1:0", "--to", "127.0.0.1:9", flag, ms];
        let out =
            exits_within(&args, Duration::from_secs(10)).unwrap_or_else(|| panic!("{flag} {ms}: the relay started"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {ms}: {stderr}");
        assert!(stderr.contains("0..=60000"), "{flag} {ms}: {stderr}");
    }
}

#[test]
fn help_states_the_range_of_every_size_count_and_duration() {
    let out = Command::new(env!("CARGO_BIN_EXE_udp-impair"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for (flag, range) in [
        ("--delay <MS>", "from 0 to 60000"),
        ("--jitter <MS>", "from 0 to 60000"),
        ("--max-clients <N>", "from 1 to 100000"),
        ("--idle <SECONDS>", "from 1 to 86400"),
    ] {
        let text = help
            .split(flag)
            .nth(1)
            .unwrap_or_else(|| panic!("no {flag} in --help:\n{help}"));
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap();
        assert!(first.contains(range), "{flag}: {first}");
    }
}
