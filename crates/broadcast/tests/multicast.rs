//! Multicast on this machine only. NETWORK SAFETY: every datagram here leaves by `lo` (`--iface lo`), with TTL 1,
//! to a group in 239.255.0.0/16 (RFC 2365's local scope) or ff15::/16, and every listener joins on `lo`.
//!
//! IPv4 runs on the host's `lo`. IPv6 cannot: Linux gives `lo` no IPv6 multicast route, and turns a plain route
//! through `lo` into a reject route. Those tests therefore run inside a network namespace of their own (made
//! with `unshare`, gone when they end), where a `local` route for ff00::/8 on `lo` makes the kernel hand what is
//! sent to a group back to this host, and the group memberships decide, as on a real link, which sockets get it.
//! Nothing is changed on the host. (`just netns` tests the same across hosts, and across a router.)
#![allow(clippy::unwrap_used)]

use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};

use labbench::lines::Lines;

fn broadcast() -> Command {
    Command::new(env!("CARGO_BIN_EXE_broadcast"))
}

/// A process and its stdout lines, through a channel so no wait lasts for ever; killed when dropped.
struct Running(Child, Option<Lines>);

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = broadcast().args(args).stdout(Stdio::piped()).spawn().unwrap();
        let lines = Lines::of(child.stdout.take().unwrap());
        Running(child, Some(lines))
    }

    fn next(&self) -> String {
        self.1.as_ref().unwrap().next()
    }

    fn wait_for(&self, needle: &str) -> String {
        self.1.as_ref().unwrap().wait_for(needle)
    }

    /// Every line still to come; the process ends by itself (each one here has a --count or a --duration).
    fn rest(&mut self) -> Vec<String> {
        self.1.take().unwrap().rest()
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

/// `multicast send MESSAGE` to `group`, through lo, TTL 1; its standard output.
fn send_on_lo(group: &str, port: &str, message: &str) -> String {
    let out = broadcast()
        .args([
            "multicast",
            "send",
            message,
            "--group",
            group,
            "--iface",
            "lo",
            "--ttl",
            "1",
            "--port",
            port,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Three listeners on one port of `group`, all on lo: `member` joins and stays, `leaver` joins and leaves after
/// the first message, `outsider` never joins. The first message reaches both members and not the outsider; the
/// second reaches the member only. The member hearing each message shows it was delivered to this host; the
/// others have heard all they will by then (the kernel hands a datagram to every socket at once), and their
/// --duration bounds the wait for anything late.
fn join_no_join_leave(group: &str, sender_ip: &str) {
    let port = free_port();
    let on_lo = ["--group", group, "--iface", "lo", "--port", &port];
    let listen = |extra: &[&str]| {
        let mut args = vec!["multicast", "listen"];
        args.extend(on_lo);
        args.extend(extra);
        Running::start(&args)
    };
    let member = listen(&["--count", "2", "--duration", "10"]);
    let mut leaver = listen(&["--leave-after", "1", "--duration", "3"]);
    let mut outsider = listen(&["--no-join", "--duration", "3"]);
    let joined = format!("joined {group} on lo; listening on ");
    assert!(member.next().starts_with(&joined));
    assert!(leaver.next().starts_with(&joined));
    let first = outsider.next();
    assert!(
        first.starts_with(&format!("not a member of {group}; listening on ")),
        "{first}"
    );

    let said = send_on_lo(group, &port, "first");
    assert!(said.starts_with("sent 5 bytes to "), "{said}");
    assert!(said.contains(&format!(":{port} by lo, ")), "{said}");
    for listener in [&member, &leaver] {
        let line = listener.next();
        assert!(line.starts_with(sender_ip) && line.ends_with(" first"), "{line}");
    }
    assert_eq!(leaver.next(), format!("left {group} on lo"));

    send_on_lo(group, &port, "second");
    assert!(member.next().ends_with(" second"));
    assert_eq!(leaver.rest(), Vec::<String>::new(), "after leaving, nothing more");
    assert_eq!(outsider.rest(), Vec::<String>::new(), "without joining, nothing at all");
}

#[test]
fn ipv4_on_lo_a_member_hears_an_outsider_does_not_and_one_that_left_stops_hearing() {
    join_no_join_leave("239.255.70.77", "127.0.0.1:");
}

#[test]
fn send_says_where_how_far_and_what_scope() {
    let port = free_port();
    let said = send_on_lo("239.255.70.77", &port, "hi");
    assert_eq!(
        said,
        format!(
            "sent 2 bytes to 239.255.70.77:{port} by lo, TTL 1 (IPv4 local scope, kept inside a site (RFC 2365 §6.1))\n"
        )
    );
}

#[test]
fn bad_groups_and_interfaces_are_bad_input_in_one_line() {
    for (args, says) in [
        (
            vec!["send", "x", "--group", "10.0.0.1", "--iface", "lo"],
            "broadcast: 10.0.0.1 is not a multicast address (IPv4 groups are 224.0.0.0/4",
        ),
        (
            vec!["listen", "--group", "fe80::1", "--iface", "lo"],
            "broadcast: fe80::1 is not a multicast address (IPv6 groups are ff00::/8",
        ),
        (
            vec!["send", "x", "--group", "not-an-address", "--iface", "lo"],
            "broadcast: \"not-an-address\" is not an IP address",
        ),
        (
            vec!["send", "x", "--iface", "no-such-if0"],
            "broadcast: no interface called \"no-such-if0\" (there are: ",
        ),
        (
            vec!["listen", "--iface", "no-such-if0"],
            "broadcast: no interface called \"no-such-if0\" (there are: ",
        ),
        (
            vec!["presence", "--name", "x", "--iface", "no-such-if0"],
            "broadcast: no interface called \"no-such-if0\" (there are: ",
        ),
    ] {
        let out = broadcast().arg("multicast").args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with(says), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert_eq!(out.stdout, b"", "{args:?}: nothing sent, nothing joined");
    }
    // --ttl is one byte; --leave-after and --no-join contradict each other.
    for args in [
        vec!["send", "x", "--iface", "lo", "--ttl", "256"],
        vec!["listen", "--iface", "lo", "--no-join", "--leave-after", "1"],
    ] {
        let out = broadcast().arg("multicast").args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let help = String::from_utf8(
        broadcast()
            .args(["multicast", "send", "--help"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(help.contains("from 0 to 255"), "{help}");
}

#[test]
fn multicast_listen_on_port_0_gets_a_free_port_and_says_it() {
    // Sending needs a real port, listening does not: the system picks one, and a sender names it from the first
    // line, as the book's 3.2.3 does.
    let l = Running::start(&[
        "multicast",
        "listen",
        "--iface",
        "lo",
        "--port",
        "0",
        "--count",
        "1",
        "--duration",
        "10",
    ]);
    let first = l.next();
    let port = first
        .rsplit_once("listening on 239.255.70.77:")
        .and_then(|(_, rest)| rest.split(' ').next())
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or_else(|| panic!("no port in {first:?}"));
    assert_ne!(port, 0, "{first}");
    send_on_lo("239.255.70.77", &port.to_string(), "picked");
    assert!(l.next().ends_with(" picked"));
}

#[test]
fn multicast_listen_shows_control_bytes_escaped_with_the_source() {
    let port = free_port();
    let l = Running::start(&["multicast", "listen", "--iface", "lo", "--port", &port, "--count", "1"]);
    l.next();
    send_on_lo("239.255.70.77", &port, "\x1b[2J\n10.0.0.7:8080 fake");
    let line = l.next();
    assert!(line.starts_with("127.0.0.1:"), "{line}");
    assert!(line.ends_with(" \\x1b[2J\\n10.0.0.7:8080 fake"), "{line}");
}

#[test]
fn multicast_presence_rosters_meet_over_a_group_on_lo() {
    let port = free_port();
    let common = ["--iface", "lo", "--port", &port, "--interval", "0.2"];
    let start = |name: &str, seconds: &str| {
        let mut args = vec!["multicast", "presence", "--name", name, "--duration", seconds];
        args.extend(common);
        Running::start(&args)
    };
    let bob = start("bob", "4");
    let alice = start("alice", "1.5");
    let header = alice.next();
    assert!(
        header.starts_with(&format!("alice announcing to 239.255.70.77:{port} by lo, TTL 1 (")),
        "{header}"
    );
    alice.wait_for("bob is online (127.0.0.1)");
    bob.wait_for("alice is online (127.0.0.1)");
    assert_eq!(bob.wait_for("roster:"), "roster: alice (127.0.0.1)");
    alice.wait_for("alice offline");
    bob.wait_for("alice went offline");
    assert_eq!(bob.wait_for("roster:"), "roster: (nobody else)");
}

/// Tests that need a network namespace of their own (Linux): the test runs itself again inside one, made by
/// `unshare` as an unprivileged user where the system allows it, after `setup` (iproute2 commands) has run there.
#[cfg(target_os = "linux")]
mod private_namespace {
    use super::*;

    const INSIDE: &str = "BROADCAST_TEST_IN_NAMESPACE";

    /// True when this is the run inside the namespace: do the test. Otherwise runs the test `name` inside a new
    /// namespace, checks that it passed there, and returns false. Where no namespace can be made (no `unshare`,
    /// or unprivileged user namespaces are turned off) it says so and returns false: nothing can be checked.
    pub fn inside(name: &str, setup: &str) -> bool {
        if std::env::var(INSIDE).as_deref() == Ok(name) {
            return true;
        }
        let unshare = || {
            let mut c = Command::new("unshare");
            c.args(["--user", "--map-root-user", "--net", "--", "sh", "-c"]);
            c
        };
        let probe = unshare().arg("ip link set lo up").output();
        if !probe.as_ref().is_ok_and(|p| p.status.success()) {
            eprintln!("{name}: skipped, no network namespace can be made here (unshare --user --net): {probe:?}");
            return false;
        }
        let out = unshare()
            .arg(format!("{setup} && exec \"$0\" \"$@\""))
            .arg(std::env::current_exe().unwrap())
            .args([name, "--exact", "--nocapture", "--test-threads", "1"])
            .env(INSIDE, name)
            .output()
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "inside the namespace:\n{said}");
        assert!(said.contains("1 passed"), "the test ran inside the namespace:\n{said}");
        false
    }

    /// lo up, and a `local` route that hands whatever is sent to an IPv6 group back to this host.
    const IPV6_ON_LO: &str = "ip link set lo up && ip -6 route add local ff00::/8 dev lo table local";

    #[test]
    fn ipv6_on_lo_a_member_hears_an_outsider_does_not_and_one_that_left_stops_hearing() {
        if inside(
            "private_namespace::ipv6_on_lo_a_member_hears_an_outsider_does_not_and_one_that_left_stops_hearing",
            IPV6_ON_LO,
        ) {
            join_no_join_leave("ff15::7077", "[::1]:");
        }
    }

    #[test]
    fn no_route_to_the_group_is_a_runtime_failure_in_one_line() {
        // Only lo, up, with no route for any group: the kernel has nowhere to send or join.
        if !inside(
            "private_namespace::no_route_to_the_group_is_a_runtime_failure_in_one_line",
            "ip link set lo up",
        ) {
            return;
        }
        let port = free_port();
        for (args, says) in [
            (
                vec!["send", "x", "--port", &port],
                "broadcast: no route to 239.255.70.77: ",
            ),
            (
                vec!["send", "x", "--group", "ff15::7077", "--iface", "lo", "--port", &port],
                "broadcast: no route to ff15::7077 through lo: ",
            ),
            (
                vec!["listen", "--port", &port, "--count", "1"],
                "broadcast: no route to 239.255.70.77: ",
            ),
        ] {
            let out = broadcast().arg("multicast").args(&args).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
            assert!(err.starts_with(says), "{args:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        }
    }
}
