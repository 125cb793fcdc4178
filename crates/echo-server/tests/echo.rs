//! The echo server and client as users run them, on 127.0.0.1 and ::1 with port 0: exact echoes of every size,
//! 200 TCP clients at once, a silent client that holds up no one, half-close, the client limit, Python peers,
//! and the errors.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use labbench::lines::Lines;

/// A server process, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    /// Its log after the first line; kept, so the output is read (and its pipe never fills) while it runs.
    log: Lines,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server(args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_echo-server"))
        .args(["--port", "0", "-q"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // The first line says where it listens.
    let lines = Lines::of(child.stdout.take().unwrap());
    let first = lines.next();
    let addr = first.split_whitespace().nth(2).unwrap().parse().unwrap();
    Server {
        child,
        addr,
        log: lines,
    }
}

fn client(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_echo-client"))
        .args(args)
        .output()
        .unwrap()
}

fn udp_round_trip(server: SocketAddr, payload: &[u8]) -> Vec<u8> {
    let any = if server.is_ipv4() { "127.0.0.1:0" } else { "[::1]:0" };
    let s = UdpSocket::bind(any).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.send_to(payload, server).unwrap();
    let mut buf = vec![0u8; 70_000];
    let (n, from) = s.recv_from(&mut buf).unwrap();
    assert_eq!(from, server);
    buf.truncate(n);
    buf
}

#[test]
fn udp_echoes_every_size_exactly_on_ipv4_and_ipv6() {
    for bind in ["127.0.0.1", "::1"] {
        let s = server(&["--bind", bind]);
        for size in [0usize, 1, 1024, 1025, 65_507] {
            let payload: Vec<u8> = (0..size).map(|i| (i * 7) as u8).collect();
            assert!(udp_round_trip(s.addr, &payload) == payload, "{bind}: {size} bytes");
        }
    }
}

#[test]
fn dual_stack_hears_ipv4_too() {
    let s = server(&["--bind", "::"]);
    let v4: SocketAddr = format!("127.0.0.1:{}", s.addr.port()).parse().unwrap();
    assert_eq!(udp_round_trip(v4, b"over IPv4"), b"over IPv4");
}

#[test]
fn two_hundred_tcp_clients_at_once() {
    let s = server(&["--tcp", "--bind", "127.0.0.1"]);
    let handles: Vec<_> = (0..200u32)
        .map(|i| {
            let addr = s.addr;
            std::thread::spawn(move || {
                let mut c = TcpStream::connect(addr).unwrap();
                c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let payload = format!("client {i} says {}", "x".repeat(i as usize)).into_bytes();
                c.write_all(&payload).unwrap();
                let mut back = vec![0u8; payload.len()];
                c.read_exact(&mut back).unwrap();
                back == payload
            })
        })
        .collect();
    let ok = handles.into_iter().map(|h| h.join().unwrap()).filter(|&ok| ok).count();
    assert_eq!(ok, 200);
}

#[test]
fn a_silent_client_holds_up_no_one_and_half_close_is_answered() {
    let s = server(&["--tcp", "--bind", "127.0.0.1"]);
    let _silent = TcpStream::connect(s.addr).unwrap();
    let mut c = TcpStream::connect(s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c.write_all(b"still answered").unwrap();
    // Half-close: no more from us; the server echoes what it has, then closes its side (we read to the end).
    c.shutdown(Shutdown::Write).unwrap();
    let mut all = Vec::new();
    c.read_to_end(&mut all).unwrap();
    assert_eq!(all, b"still answered");
}

#[test]
fn clients_past_the_limit_are_told_politely() {
    let s = server(&["--tcp", "--bind", "127.0.0.1", "--max-clients", "2"]);
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut c = TcpStream::connect(s.addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        c.write_all(b"x").unwrap();
        let mut one = [0u8; 1];
        c.read_exact(&mut one).unwrap(); // served: the server counts it now
        held.push(c);
    }
    let mut third = TcpStream::connect(s.addr).unwrap();
    third.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut answer = String::new();
    third.read_to_string(&mut answer).unwrap();
    assert_eq!(answer, "echo-server: busy (2 clients), try again later\n");
}

#[test]
fn echo_client_pings_and_summarises() {
    let s = server(&["--bind", "127.0.0.1"]);
    let port = s.addr.port().to_string();
    let out = client(&[
        "127.0.0.1",
        "--port",
        &port,
        "--count",
        "5",
        "--interval",
        "0",
        "--size",
        "100",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("100 bytes from 127.0.0.1:"))
            .count(),
        5,
        "{text}"
    );
    assert!(text.contains("5 sent, 5 received, 0 corrupted, 0.0% loss"), "{text}");
    assert!(text.contains("rtt min/avg/max/stddev = "), "{text}");
    let tcp = server(&["--tcp", "--bind", "::1"]);
    let out = client(&[
        "::1",
        "--tcp",
        "--port",
        &tcp.addr.port().to_string(),
        "-c",
        "3",
        "-i",
        "0",
        "-q",
    ]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("3 sent, 3 received"),
        "{out:?}"
    );
}

#[test]
fn echo_client_exits_1_when_every_probe_is_lost() {
    // Nobody listens on this port: every probe is lost.
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let out = client(&["127.0.0.1", "--port", &port, "-c", "2", "-i", "0", "--timeout", "100"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 sent, 0 received, 0 corrupted, 100.0% loss"));
}

#[test]
fn load_mode_counts_packets_per_second() {
    let s = server(&["--bind", "127.0.0.1"]);
    let port = s.addr.port().to_string();
    let out = client(&[
        "127.0.0.1",
        "--port",
        &port,
        "--window",
        "16",
        "--count",
        "2000",
        "--size",
        "64",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("16 in flight: 2000 replies in "), "{text}");
    assert!(text.trim_end().ends_with("packets/s"), "{text}");
}

#[test]
fn errors_are_one_line_with_the_documented_exit_code() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_echo-server"))
        .args(["--bind", "127.0.0.1", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another program is using that port"));
    let out = Command::new(env!("CARGO_BIN_EXE_echo-server"))
        .args(["--bind", "1.2.3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // An empty label: the resolver refuses it without asking a DNS server, so nothing leaves this machine. A
    // name that resolves to nothing is bad input, like a malformed address: exit 2 (it was 1; issue 18).
    let out = client(&["no-such-host..invalid", "-c", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    assert_eq!(client(&["127.0.0.1", "--count", "0"]).status.code(), Some(2));
    // Port 0 can be bound (any free port) but not sent to: bad input, not a failure of the system (it was exit 1
    // with "Invalid argument").
    assert_eq!(client(&["127.0.0.1", "-p", "0", "-c", "1"]).status.code(), Some(2));
}

const PYTHON_CLIENT: &str = "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
msg = '测试消息 from Python'.encode('utf-8') * 100
s.sendto(msg, ('127.0.0.1', int(sys.argv[1])))
data, _ = s.recvfrom(65536)
print('same' if data == msg else 'different', len(data))
";

const PYTHON_SERVER: &str = "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0))
print(s.getsockname()[1], flush=True)
s.settimeout(10)
for _ in range(3):
    data, addr = s.recvfrom(65536)
    s.sendto(data, addr)
";

#[test]
fn python_peers_as_client_and_as_server() {
    let s = server(&["--bind", "127.0.0.1"]);
    let out = Command::new("python3")
        .args(["-c", PYTHON_CLIENT, &s.addr.port().to_string()])
        .output()
        .expect("python3");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "same 2400");

    let mut py = Command::new("python3")
        .args(["-c", PYTHON_SERVER])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = String::new();
    BufReader::new(py.stdout.take().unwrap()).read_line(&mut port).unwrap();
    let out = client(&[
        "127.0.0.1",
        "--port",
        port.trim(),
        "-c",
        "3",
        "-i",
        "0",
        "--size",
        "2000",
    ]);
    let _ = py.wait();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("3 sent, 3 received, 0 corrupted"),
        "{out:?}"
    );
}

#[test]
fn closed_stdout_ends_the_client_quietly_like_cat() {
    let s = server(&["--bind", "127.0.0.1"]);
    // 2,000 lines (110 kB) are more than a pipe holds: the client is still printing when the reader goes away
    // after one line, as `| head -1` does.
    let mut child = Command::new(env!("CARGO_BIN_EXE_echo-client"))
        .args([
            "127.0.0.1",
            "--port",
            &s.addr.port().to_string(),
            "-c",
            "2000",
            "-i",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("ECHO 127.0.0.1:"), "{first}");
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err, "", "no panic message, nothing at all");
}

#[test]
fn every_number_has_a_limit_that_help_states() {
    // Each used to be taken: -i 18446744073709551615 slept for ever, --idle 0 silently meant 1 s, --deadline 0
    // silently meant 1 s. (One probe, and an address that cannot be bound, so that were one taken again, the
    // program would still end and the test fail instead of waiting for ever.)
    for (program, args, says) in [
        (
            env!("CARGO_BIN_EXE_echo-client"),
            &["127.0.0.1", "-c", "1", "-W", "1", "-i", "18446744073709551615"][..],
            "18446744073709551615 is not in 0..=60000",
        ),
        (
            env!("CARGO_BIN_EXE_echo-client"),
            &["127.0.0.1", "--window", "8", "--deadline", "0"][..],
            "0 is not in 1..=3600",
        ),
        (
            env!("CARGO_BIN_EXE_echo-client"),
            &["127.0.0.1", "--size", "65508"][..],
            "65508 is not in 0..=65507",
        ),
        (
            env!("CARGO_BIN_EXE_echo-server"),
            &["--tcp", "--idle", "0", "--bind", "1.2.3"][..],
            "0 is not in 1..=86400",
        ),
        (
            env!("CARGO_BIN_EXE_echo-server"),
            &["--tcp", "--max-clients", "100001", "--bind", "1.2.3"][..],
            "100001 is not in 1..=100000",
        ),
    ] {
        let out = Command::new(program).args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.lines().next().unwrap_or("").contains(says), "{args:?}: {err}");
    }
    let help = |program: &str| String::from_utf8(Command::new(program).arg("--help").output().unwrap().stdout).unwrap();
    let client_help = help(env!("CARGO_BIN_EXE_echo-client"));
    for limit in [
        "from 1 to 100000000",
        "from 0 to 60000",
        "from 0 to 65507",
        "from 1 to 600000",
        "from 1 to 100000,",
        "from 1 to 3600",
    ] {
        assert!(
            client_help.contains(limit),
            "echo-client --help states {limit:?}: {client_help}"
        );
    }
    let server_help = help(env!("CARGO_BIN_EXE_echo-server"));
    for limit in ["from 1 to 100000", "from 1 to 86400"] {
        assert!(
            server_help.contains(limit),
            "echo-server --help states {limit:?}: {server_help}"
        );
    }
}

/// Two echo servers on the same port of two loopback addresses would answer each other for ever after one forged
/// datagram; a datagram from the server's own port (here: sent from 127.0.0.2 with the server's port on 127.0.0.1)
/// gets no echo, and the log says why even with --quiet. A client on an ephemeral port is still answered.
#[cfg(target_os = "linux")] // the whole of 127.0.0.0/8 is this machine's on Linux; macOS has only 127.0.0.1
#[test]
fn a_datagram_from_the_servers_own_port_gets_no_echo_so_two_servers_cannot_loop() {
    let server = server(&["--bind", "127.0.0.1"]);
    let addr = server.addr;

    let twin = UdpSocket::bind(("127.0.0.2", addr.port())).unwrap();
    twin.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    twin.send_to(b"ping-pong", addr).unwrap();
    let said = server.log.wait_for("not echoed");
    assert!(said.contains(&format!("127.0.0.2:{}", addr.port())), "{said}");
    let mut buf = [0u8; 64];
    assert!(
        twin.recv_from(&mut buf).is_err(),
        "the server echoed a datagram from its own port"
    );

    // A client on an ephemeral port still gets its echo.
    assert_eq!(udp_round_trip(addr, b"hello"), b"hello");

    // A flood of them is not a flood of lines: at most one a second, with the count of the rest. The round trip
    // after the flood shows that the server has taken in every datagram of it (they were queued first).
    for _ in 0..50 {
        twin.send_to(b"ping-pong", addr).unwrap();
    }
    assert_eq!(udp_round_trip(addr, b"after"), b"after");
    let mut server = server;
    let log = std::mem::replace(&mut server.log, Lines::of(std::io::empty()));
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let said: Vec<String> = log.rest().into_iter().filter(|l| l.contains("not echoed")).collect();
    assert!(
        said.len() <= 2,
        "{} lines for 50 refused datagrams: {said:?}",
        said.len()
    );
}

/// Two echo servers on any two ports loop for ever once one datagram reaches one of them from the other. Here the
/// test is the wire between them: it sends one datagram to B and carries whatever either server sends on to the
/// other (each sees the wire as its peer). The loop ends after about `LOOP_REPEATS` round trips, when a server
/// finds its peer sending back nothing but its own echoes; the log says so even with --quiet.
#[test]
fn two_echo_servers_on_any_ports_stop_answering_each_other() {
    let (a, b) = (server(&["--bind", "127.0.0.1"]), server(&["--bind", "127.0.0.1"]));
    let wire = UdpSocket::bind("127.0.0.1:0").unwrap();
    wire.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    wire.send_to(b"ping-pong", b.addr).unwrap();
    let limit = 20 * echo_server::udp::LOOP_REPEATS as usize;
    let mut carried = 0;
    let mut buf = [0u8; 64];
    // Bounded in count and time; silence for half a second means the loop is over.
    let until = Instant::now() + Duration::from_secs(20);
    while let Ok((n, from)) = wire.recv_from(&mut buf) {
        let to = if from == a.addr { b.addr } else { a.addr };
        wire.send_to(&buf[..n], to).unwrap();
        carried += 1;
        if carried == limit || Instant::now() > until {
            break;
        }
    }
    // B echoes the forged datagram and its first LOOP_REPEATS - 1 repeats, A echoes each of those once, and B
    // drops the next repeat.
    let most = 2 * echo_server::udp::LOOP_REPEATS as usize;
    assert!(
        carried <= most,
        "{carried} datagrams crossed; a loop ends after at most {most}"
    );
    assert!(carried >= 2, "the servers did not echo at all ({carried})");
    // B, the first to see its own echoes come back, found the loop and said so.
    let said = b.log.wait_for("in a row");
    assert!(said.contains("not echoed"), "{said}");
    // A client is still answered.
    assert_eq!(udp_round_trip(b.addr, b"hello"), b"hello");
}
