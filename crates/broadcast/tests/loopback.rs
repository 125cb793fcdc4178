//! Broadcast on this machine only: 127.255.255.255 reaches every listener here and nothing else. (Tests never send
//! to 255.255.255.255 on the host; `just netns` does that inside namespaces of its own.)
#![allow(clippy::unwrap_used)]

use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};

use labbench::lines::Lines;

fn broadcast() -> Command {
    Command::new(env!("CARGO_BIN_EXE_broadcast"))
}

/// A process and its stdout lines, through a channel so no wait lasts for ever; killed when dropped.
struct Running(Child, Lines);

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = broadcast().args(args).stdout(Stdio::piped()).spawn().unwrap();
        let lines = Lines::of(child.stdout.take().unwrap());
        Running(child, lines)
    }

    fn next(&self) -> String {
        self.1.next()
    }

    fn wait_for(&self, needle: &str) -> String {
        self.1.wait_for(needle)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port nobody uses now (bound, read, released).
fn free_port() -> String {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string()
}

#[test]
fn two_listeners_share_the_port_and_both_hear_one_broadcast() {
    let port = free_port();
    let a = Running::start(&["listen", "--port", &port, "--count", "1"]);
    let b = Running::start(&["listen", "--port", &port, "--count", "1"]);
    assert!(a.next().starts_with("listening on 0.0.0.0:"));
    assert!(b.next().starts_with("listening on 0.0.0.0:"));
    let out = broadcast()
        .args(["send", "hello, everyone", "--to", "127.255.255.255", "--port", &port])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(
        said.contains(&format!("sent 15 bytes to 127.255.255.255:{port}")),
        "{said}"
    );
    assert!(said.contains("every listener on this machine"), "{said}");
    for listener in [&a, &b] {
        let line = listener.next();
        assert!(
            line.starts_with("127.0.0.1:") && line.ends_with(" hello, everyone"),
            "{line}"
        );
    }
}

#[test]
fn without_so_broadcast_the_kernel_refuses_and_we_say_why() {
    let port = free_port();
    let out = broadcast()
        .args([
            "send",
            "x",
            "--to",
            "127.255.255.255",
            "--port",
            &port,
            "--without-so-broadcast",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs SO_BROADCAST"), "{err}");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn iface_lo_means_its_directed_broadcast() {
    let port = free_port();
    let l = Running::start(&["listen", "--port", &port, "--count", "1"]);
    l.next();
    let out = broadcast()
        .args(["send", "via lo", "--iface", "lo", "--port", &port])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("127.255.255.255: the directed broadcast of lo (127.0.0.1/8")
    );
    assert!(l.next().ends_with(" via lo"));
    let out = broadcast()
        .args(["send", "x", "--iface", "no-such-if0"])
        .output()
        .unwrap();
    // A name that is wrong is bad input, exit 2, as for every program of the workspace (netlab::exit).
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no IPv4 interface called \"no-such-if0\""));
}

#[test]
fn presence_rosters_meet_and_offline_removes() {
    let port = free_port();
    let common = ["--to", "127.255.255.255", "--port", &port, "--interval", "0.2"];
    let mut alice_args = vec!["presence", "--name", "alice", "--duration", "1.5"];
    alice_args.extend(common);
    let mut bob_args = vec!["presence", "--name", "bob", "--duration", "4"];
    bob_args.extend(common);
    let bob = Running::start(&bob_args);
    let alice = Running::start(&alice_args);
    alice.wait_for("bob is online (127.0.0.1)");
    bob.wait_for("alice is online (127.0.0.1)");
    assert_eq!(bob.wait_for("roster:"), "roster: alice (127.0.0.1)");
    alice.wait_for("alice offline");
    bob.wait_for("alice went offline");
    assert_eq!(bob.wait_for("roster:"), "roster: (nobody else)");
}

#[test]
fn ctrl_c_announces_offline() {
    let port = free_port();
    let listener = Running::start(&["listen", "--port", &port, "--count", "2"]);
    listener.next();
    let carol = Running::start(&[
        "presence",
        "--name",
        "carol",
        "--to",
        "127.255.255.255",
        "--port",
        &port,
        "--interval",
        "60",
    ]);
    assert!(listener.next().ends_with(" online carol"));
    carol.next(); // "carol announcing to ...": the handler is set before the first announcement
    Command::new("kill")
        .args(["-INT", &carol.0.id().to_string()])
        .status()
        .unwrap();
    assert!(listener.next().ends_with(" offline carol"));
}

#[test]
fn a_port_held_without_sharing_is_explained() {
    let held = UdpSocket::bind("0.0.0.0:0").unwrap();
    let port = held.local_addr().unwrap().port().to_string();
    let out = broadcast().args(["listen", "--port", &port]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another program is using that port"));
}

#[test]
fn closed_stdout_ends_listen_quietly_like_cat() {
    use std::io::{BufRead, BufReader};
    let port = free_port();
    // --count 100: it ends after the datagrams below even if it fails this test.
    let mut child = broadcast()
        .args(["listen", "--port", &port, "--count", "100"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("listening on 0.0.0.0:"), "{first}");
    // The reader is gone, as after `| head -1`: the line for a datagram has nowhere to go. Broadcast, so that the
    // listener hears it even if another one shares the port, and again each 100 ms (at most 100 times) until
    // the listener has ended.
    let (done, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
    sender.set_broadcast(true).unwrap();
    let out = (0..100)
        .find_map(|_| {
            sender
                .send_to(b"anyone there?", format!("127.255.255.255:{port}"))
                .unwrap();
            ended.recv_timeout(std::time::Duration::from_millis(100)).ok()
        })
        .expect("broadcast listen still running 10 s after its output was closed")
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err, "", "no panic message, nothing at all");
}

#[test]
fn every_number_has_a_limit_that_help_states() {
    let port = free_port();
    let presence = ["presence", "--name", "x", "--to", "127.255.255.255", "--port", &port];
    // --interval 18446744073709551615 and --duration inf or 1e300 panicked; -1 and nan were taken.
    for (flag, value, says) in [
        (
            "--interval",
            "18446744073709551615",
            "a number of seconds from 0.1 to 3600",
        ),
        ("--interval", "0", "a number of seconds from 0.1 to 3600"),
        ("--duration", "inf", "a number of seconds from 0.1 to 86400"),
        ("--duration", "1e300", "a number of seconds from 0.1 to 86400"),
        ("--duration", "-1", "a number of seconds from 0.1 to 86400"),
        ("--duration", "nan", "a number of seconds from 0.1 to 86400"),
    ] {
        let out = broadcast()
            .args(presence)
            .arg(format!("{flag}={value}"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(err.lines().next().unwrap_or("").contains(says), "{flag} {value}: {err}");
        assert_eq!(out.stdout, b"", "{flag} {value}: refused before announcing anything");
    }
    let out = broadcast()
        .args(["listen", "--port", &port, "--count", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let too_long = "x".repeat(65_508);
    let out = broadcast()
        .args(["send", &too_long, "--to", "127.255.255.255", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "broadcast: the message is 65508 bytes, more than a UDP datagram holds (65507)\n"
    );
    let help = |sub: &str| String::from_utf8(broadcast().args([sub, "--help"]).output().unwrap().stdout).unwrap();
    let presence_help = help("presence");
    for limit in ["from 0.1 to 3600", "from 0.1 to 86400", "at most 65499 bytes"] {
        assert!(presence_help.contains(limit), "{limit:?}: {presence_help}");
    }
    assert!(help("send").contains("at most 65507 bytes"));
    assert!(help("listen").contains("1 or more"));
    // Port 0 cannot be sent to: presence used to print "Invalid argument" for ever.
    for args in [
        &["send", "x", "--to", "127.255.255.255", "--port", "0"][..],
        &[
            "presence",
            "--name",
            "x",
            "--to",
            "127.255.255.255",
            "--port",
            "0",
            "--duration",
            "1",
        ],
        &[
            "multicast",
            "presence",
            "--name",
            "x",
            "--iface",
            "lo",
            "--port",
            "0",
            "--duration",
            "1",
        ],
        &["multicast", "send", "x", "--iface", "lo", "--port", "0"],
    ] {
        let out = broadcast().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("'--port <PORT>'"), "{args:?}: refused for its port: {err}");
        assert_eq!(out.stdout, b"", "{args:?}: refused before sending anything");
    }
    assert!(help("send").contains("1-65535"));
}

#[test]
fn listen_shows_control_bytes_escaped() {
    let port = free_port();
    let l = Running::start(&["listen", "--port", &port, "--count", "2"]);
    l.next();
    let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
    let from = sender.local_addr().unwrap();
    let to = format!("127.0.0.1:{port}");
    sender
        .send_to(b"\x1b[2J\n10.0.0.7:8080 the boss says\thi", &to)
        .unwrap();
    sender.send_to(b"next\n", &to).unwrap();
    assert_eq!(l.next(), format!("{from} \\x1b[2J\\n10.0.0.7:8080 the boss says\\thi"));
    assert_eq!(
        l.next(),
        format!("{from} next"),
        "one line each, nothing faked in between"
    );
}

#[test]
fn presence_shows_names_from_the_network_escaped() {
    let port = free_port();
    let watcher = Running::start(&[
        "presence",
        "--name",
        "watcher",
        "--to",
        "127.255.255.255",
        "--port",
        &port,
        "--interval",
        "0.2",
        "--duration",
        "10",
    ]);
    watcher.next(); // "watcher announcing to ..."
    let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
    sender
        .send_to(b"online eve\x1b[8m\nmallory is online", format!("127.0.0.1:{port}"))
        .unwrap();
    assert_eq!(
        watcher.wait_for("is online"),
        "eve\\x1b[8m\\nmallory is online is online (127.0.0.1)"
    );
}
