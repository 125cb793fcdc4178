//! Lab 10 tests. On 127.0.0.1 only, every port chosen by the system (port 0). They check what the system does
//! with your sockets, not how your code is written: the port a bind to port 0 got (a datagram or a connection
//! reaches it); two UDP sockets on one port, refused without SO_REUSEADDR and allowed with it on both; two TCP
//! listeners never sharing a port, and a restarted server binding its port again while its old connection
//! lingers; a TCP connect to a closed port (refused at once) and a UDP send to a closed port (refused only by the
//! next receive of a connected socket); a silent port and an echo; getsockname and getpeername. A "closed port"
//! is the port of a socket bound to port 0 and dropped.
#[path = "../../support/timed.rs"]
mod timed;

use std::io::{self, Read};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};

use lab10_socket_calls::*;
use socket2::SockRef;

/// Seconds a test may take. Each does a few socket calls on loopback, and waits at most a few times `WAIT`.
const LIMIT: u64 = 5;

/// How long a probe waits for an answer that never comes. Loopback answers — a reply, a TCP RST, an ICMP error —
/// within microseconds; this leaves room for a slow, busy machine and keeps the tests short.
const WAIT: Duration = Duration::from_millis(500);

/// What "at once" means for a refused TCP connect: loopback refuses within microseconds; a probe that takes longer
/// than this waited or tried again instead of taking the answer.
const AT_ONCE: Duration = Duration::from_secs(1);

/// How long a test socket waits for something it should get (a datagram, an echo's request).
const TEST_WAIT: Duration = Duration::from_secs(2);

const LOCALHOST: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// A UDP port where nobody listens: a socket's port, the socket dropped.
fn closed_udp_port() -> SocketAddr {
    let socket = UdpSocket::bind((LOCALHOST, 0)).unwrap();
    socket.local_addr().unwrap()
}

/// A TCP port where nobody listens.
fn closed_tcp_port() -> SocketAddr {
    let listener = TcpListener::bind((LOCALHOST, 0)).unwrap();
    listener.local_addr().unwrap()
}

fn reuse_address_of(socket: SockRef<'_>) -> bool {
    socket.reuse_address().unwrap()
}

#[test]
fn udp_on_any_port_returns_the_port_the_system_chose() {
    timed::within(LIMIT, "udp_on_any_port()", || {
        let (socket, port) = udp_on_any_port().expect("udp_on_any_port() returned an error");
        let bound = socket.local_addr().unwrap();
        assert!(
            port != 0,
            "udp_on_any_port() returned port 0: 0 is what a bind asks for (\"any port\"); the system then chose \
             another, {}, and socket.local_addr() (getsockname) says which",
            bound.port()
        );
        assert_eq!(
            port,
            bound.port(),
            "udp_on_any_port() returned port {port}, but its socket is bound to {bound}: return the port of the \
             socket you return, from its local_addr()"
        );
        assert_eq!(
            bound.ip(),
            LOCALHOST,
            "udp_on_any_port()'s socket is bound to {bound}: bind it to 127.0.0.1"
        );
        // The port is real: a datagram sent there arrives.
        let sender = UdpSocket::bind((LOCALHOST, 0)).unwrap();
        sender.send_to(b"ping", (LOCALHOST, port)).unwrap();
        socket.set_read_timeout(Some(TEST_WAIT)).unwrap();
        let mut buf = [0u8; 16];
        let got = socket.recv_from(&mut buf);
        assert!(
            matches!(got, Ok((4, _))),
            "a datagram sent to 127.0.0.1:{port} did not arrive on udp_on_any_port()'s socket: {got:?}"
        );
    });
}

#[test]
fn tcp_on_any_port_returns_the_port_the_system_chose() {
    timed::within(LIMIT, "tcp_on_any_port()", || {
        let (listener, port) = tcp_on_any_port().expect("tcp_on_any_port() returned an error");
        let bound = listener.local_addr().unwrap();
        assert!(
            port != 0,
            "tcp_on_any_port() returned port 0: 0 is what a bind asks for (\"any port\"); the system then chose \
             another, {}, and listener.local_addr() (getsockname) says which",
            bound.port()
        );
        assert_eq!(
            port,
            bound.port(),
            "tcp_on_any_port() returned port {port}, but its listener is bound to {bound}: return the port of the \
             listener you return, from its local_addr()"
        );
        assert_eq!(
            bound.ip(),
            LOCALHOST,
            "tcp_on_any_port()'s listener is bound to {bound}: bind it to 127.0.0.1"
        );
        // The port is real: a connection to it is accepted there.
        let client = TcpStream::connect((LOCALHOST, port));
        assert!(client.is_ok(), "a TCP connect to 127.0.0.1:{port} failed: {client:?}");
        let (_, from) = listener.accept().unwrap();
        assert_eq!(from, client.unwrap().local_addr().unwrap());
    });
}

#[test]
fn two_udp_sockets_on_one_port_are_refused_without_so_reuseaddr() {
    timed::within(LIMIT, "udp_pair_on_one_port(false)", || {
        match udp_pair_on_one_port(false) {
            Err(e) => assert_eq!(
                e.kind(),
                io::ErrorKind::AddrInUse,
                "udp_pair_on_one_port(false) returned the error {e:?}; the second bind on a port already bound \
                 should fail with kind AddrInUse (\"address already in use\", EADDRINUSE)"
            ),
            Ok((first, second)) => {
                let (a, b) = (first.local_addr().unwrap(), second.local_addr().unwrap());
                if a.port() != b.port() {
                    panic!(
                        "udp_pair_on_one_port(false) returned sockets on {a} and {b}: bind the second to the port the \
                         first got (first.local_addr()), not to port 0, and return the error that bind gives"
                    );
                }
                panic!(
                    "udp_pair_on_one_port(false) bound two sockets to {a}: without SO_REUSEADDR the system refuses the \
                     second bind with AddrInUse. Set the option only when `reuse` is true."
                );
            }
        }
    });
}

#[test]
fn two_udp_sockets_share_a_port_when_both_set_so_reuseaddr() {
    timed::within(LIMIT, "udp_pair_on_one_port(true)", || {
        let (first, second) = match udp_pair_on_one_port(true) {
            Ok(pair) => pair,
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => panic!(
                "udp_pair_on_one_port(true) returned {e:?}: the second bind was refused. The system lets a UDP port \
                 be shared only if every socket on it set SO_REUSEADDR, the first as well as the second, and before \
                 its bind (the bind is where the system decides; std's UdpSocket::bind binds at once, so make the \
                 socket with socket2: Socket::new, set_reuse_address(true), bind, then .into())"
            ),
            Err(e) => panic!("udp_pair_on_one_port(true) returned the error {e:?}"),
        };
        let (a, b) = (first.local_addr().unwrap(), second.local_addr().unwrap());
        assert!(
            a.port() != 0 && a == b,
            "udp_pair_on_one_port(true) returned sockets on {a} and {b}: both should be on 127.0.0.1 and the port \
             the system chose for the first"
        );
        for (which, socket) in [("first", &first), ("second", &second)] {
            assert!(
                reuse_address_of(SockRef::from(socket)),
                "udp_pair_on_one_port(true)'s {which} socket does not have SO_REUSEADDR set: set it on both"
            );
        }
    });
}

#[test]
fn tcp_listener_binds_and_sets_so_reuseaddr_as_asked() {
    timed::within(LIMIT, "tcp_listener(127.0.0.1:0, ...)", || {
        for reuse in [false, true] {
            let listener = tcp_listener((LOCALHOST, 0).into(), reuse)
                .unwrap_or_else(|e| panic!("tcp_listener(127.0.0.1:0, {reuse}) returned the error {e:?}"));
            let addr = listener.local_addr().unwrap();
            assert!(
                addr.ip() == LOCALHOST && addr.port() != 0,
                "tcp_listener(127.0.0.1:0, {reuse}) is bound to {addr}: bind the address you are given"
            );
            assert_eq!(
                reuse_address_of(SockRef::from(&listener)),
                reuse,
                "tcp_listener(127.0.0.1:0, {reuse}): SO_REUSEADDR should be {reuse} on the listener (set_reuse_address, \
                 before bind; SO_REUSEPORT is another option)"
            );
            let client = TcpStream::connect(addr);
            assert!(
                client.is_ok(),
                "a TCP connect to tcp_listener(127.0.0.1:0, {reuse})'s {addr} failed ({client:?}): does it listen?"
            );
        }
    });
}

/// Linux's rule: SO_REUSEADDR never lets two TCP listeners share a port (SO_REUSEPORT does; Windows differs).
#[cfg(target_os = "linux")]
#[test]
fn two_tcp_listeners_never_share_a_port_even_with_so_reuseaddr() {
    timed::within(LIMIT, "tcp_listener twice on one port", || {
        for reuse in [false, true] {
            let first = tcp_listener((LOCALHOST, 0).into(), reuse).unwrap();
            let addr = first.local_addr().unwrap();
            match tcp_listener(addr, reuse) {
                Err(e) => assert_eq!(
                    e.kind(),
                    io::ErrorKind::AddrInUse,
                    "tcp_listener({addr}, {reuse}) while another listener has the port returned {e:?}; expected kind \
                     AddrInUse"
                ),
                Ok(_) => panic!(
                    "tcp_listener({addr}, {reuse}) bound a second listener to a port that already has one: SO_REUSEADDR \
                     never lets two TCP listeners share a port (SO_REUSEPORT does — did you set that one?)"
                ),
            }
        }
    });
}

/// A server that closes a connection first keeps its end for a while (TIME_WAIT, a minute on Linux), so that
/// late packets of that connection are not taken for a new one's. Restarted meanwhile, it finds its port in use —
/// unless SO_REUSEADDR is set, on Linux on the old listener and on the new.
#[cfg(target_os = "linux")]
#[test]
fn a_restarted_tcp_server_binds_its_port_again_with_so_reuseaddr() {
    timed::within(LIMIT, "restarting a TCP server on its port", || {
        let old = tcp_listener((LOCALHOST, 0).into(), true).expect("tcp_listener(127.0.0.1:0, true) failed");
        let addr = old.local_addr().unwrap();
        let mut client = TcpStream::connect(addr).unwrap();
        let (server_end, _) = old.accept().unwrap();
        // The server closes first; the client sees the end of the stream and closes too.
        drop(server_end);
        client.set_read_timeout(Some(TEST_WAIT)).unwrap();
        let _ = client.read(&mut [0u8; 1]);
        drop(client);
        drop(old);
        match tcp_listener(addr, false) {
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {}
            Err(e) => panic!("tcp_listener({addr}, false) after the restart returned {e:?}; expected AddrInUse"),
            Ok(_) => panic!(
                "tcp_listener({addr}, false) bound the port of a server that just closed a connection: the system \
                 refuses that (AddrInUse) while the connection lingers, unless SO_REUSEADDR is set. Set the option \
                 only when `reuse` is true"
            ),
        }
        if let Err(e) = tcp_listener(addr, true) {
            panic!(
                "tcp_listener({addr}, true) after the restart returned {e:?}: with SO_REUSEADDR set before bind — on \
                 the old listener and the new one — a restarted server gets its port back while its old connection \
                 lingers in TIME_WAIT"
            );
        }
    });
}

fn tcp_probe_within(addr: SocketAddr, wait: Duration) -> (io::Result<Probe>, Duration) {
    timed::within(LIMIT, &format!("tcp_probe({addr}, {wait:?})"), move || {
        let start = Instant::now();
        let result = tcp_probe(addr, wait);
        (result, start.elapsed())
    })
}

#[test]
fn a_tcp_connect_to_a_closed_port_is_refused_at_once() {
    let addr = closed_tcp_port();
    let wait = Duration::from_secs(3);
    let (result, took) = tcp_probe_within(addr, wait);
    match result {
        Ok(Probe::Refused) => {}
        Ok(other) => panic!(
            "tcp_probe({addr}, {wait:?}) on a port where nobody listens returned {other:?}, expected Refused: \
             TcpStream::connect fails at once with kind ConnectionRefused (the system answered the SYN with a RST)"
        ),
        Err(e) => panic!(
            "tcp_probe({addr}, {wait:?}) on a port where nobody listens returned the error {e:?}: an error of kind \
             ConnectionRefused is the answer, Ok(Probe::Refused)"
        ),
    }
    assert!(
        took < AT_ONCE,
        "tcp_probe({addr}, {wait:?}) took {took:?} to say Refused: a refused connect on loopback returns within \
         microseconds, so take its answer at once instead of trying again until the wait is over"
    );
}

#[test]
fn a_tcp_connect_to_a_listener_is_open() {
    let listener = TcpListener::bind((LOCALHOST, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let (result, _) = tcp_probe_within(addr, WAIT);
    assert!(
        matches!(result, Ok(Probe::Open)),
        "tcp_probe({addr}, {WAIT:?}) on a listening port returned {result:?}, expected Ok(Open): the connect \
         succeeds (the system completes the handshake even before accept)"
    );
}

/// Runs `udp_probe` on a port where `who` (for the message if it never returns).
fn udp_probe_within(
    addr: SocketAddr,
    message: &'static [u8],
    wait: Duration,
    who: &str,
) -> (io::Result<Probe>, Duration) {
    let what = format!(
        "udp_probe({addr}, {:?}, {wait:?}) on a port where {who}: wait at most `wait` for the reply (a read \
         timeout), or recv waits for ever",
        String::from_utf8_lossy(message)
    );
    timed::within(LIMIT, &what, move || {
        let start = Instant::now();
        let result = udp_probe(addr, message, wait);
        (result, start.elapsed())
    })
}

#[test]
fn a_udp_send_to_a_closed_port_is_refused_by_the_next_receive() {
    let addr = closed_udp_port();
    let (result, _) = udp_probe_within(addr, b"anyone there?", WAIT, "nobody listens");
    match result {
        Ok(Probe::Refused) => {}
        Ok(Probe::Open) => panic!(
            "udp_probe({addr}, ...) on a port where nobody listens returned Open: a UDP send succeeds whether anyone \
             listens or not (there is no handshake), so a send without error says nothing. Only a reply means Open."
        ),
        Ok(Probe::NoAnswer) => panic!(
            "udp_probe({addr}, ...) on a port where nobody listens heard nothing, but the system did answer: an ICMP \
             \"port unreachable\". It is reported only to a connected socket — connect(addr), send, then recv fails \
             with kind ConnectionRefused. An unconnected socket (send_to/recv_from), which may talk to anyone, never \
             hears of it."
        ),
        Err(e) => panic!(
            "udp_probe({addr}, ...) on a port where nobody listens returned the error {e:?}: a receive that fails with \
             kind ConnectionRefused is the answer, Ok(Probe::Refused)"
        ),
    }
}

#[test]
fn a_udp_probe_of_a_silent_port_is_no_answer() {
    // A socket that receives but never answers.
    let silent = UdpSocket::bind((LOCALHOST, 0)).unwrap();
    let addr = silent.local_addr().unwrap();
    let (result, took) = udp_probe_within(addr, b"hello?", WAIT, "a program listens but never answers");
    match result {
        Ok(Probe::NoAnswer) => {}
        Ok(Probe::Refused) => panic!(
            "udp_probe({addr}, ...) on a port where a program listens but never answers returned Refused: nothing \
             came back within the wait, which is NoAnswer. Refused is only the receive's error of kind \
             ConnectionRefused; a timeout proves nothing (the program may be silent, or the datagram lost)."
        ),
        Ok(Probe::Open) => {
            panic!("udp_probe({addr}, ...) on a port where nobody answers returned Open: only a reply means Open")
        }
        Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => panic!(
            "udp_probe({addr}, ...) on a silent port returned the error {e:?}: that is the read timeout running out, \
             which is the answer NoAnswer (kind WouldBlock on Linux and macOS, TimedOut on Windows: take both)"
        ),
        Err(e) => panic!("udp_probe({addr}, ...) on a silent port returned the error {e:?}, expected Ok(NoAnswer)"),
    }
    assert!(
        took >= WAIT / 2,
        "udp_probe({addr}, ..., {WAIT:?}) said NoAnswer after only {took:?}: wait for the reply up to `wait` (a read \
         timeout), not a nonblocking look"
    );
    silent.set_read_timeout(Some(TEST_WAIT)).unwrap();
    let mut buf = [0u8; 64];
    let got = silent.recv_from(&mut buf).map(|(n, _)| buf[..n].to_vec());
    assert!(
        matches!(&got, Ok(bytes) if bytes == b"hello?"),
        "the silent socket on {addr} should have received the probe's message \"hello?\", got {got:?}"
    );
}

#[test]
fn a_udp_probe_of_an_echo_is_open() {
    let echo = UdpSocket::bind((LOCALHOST, 0)).unwrap();
    let addr = echo.local_addr().unwrap();
    echo.set_read_timeout(Some(TEST_WAIT)).unwrap();
    let echoed = thread::spawn(move || {
        let mut buf = [0u8; 64];
        let (n, from) = echo.recv_from(&mut buf)?;
        echo.send_to(&buf[..n], from)?;
        Ok::<_, io::Error>(buf[..n].to_vec())
    });
    let (result, _) = udp_probe_within(addr, b"echo this", Duration::from_secs(2), "an echo answers");
    let heard = echoed.join().unwrap();
    assert!(
        matches!(&heard, Ok(bytes) if bytes == b"echo this"),
        "the echo on {addr} should have received the probe's message \"echo this\", got {heard:?}"
    );
    assert!(
        matches!(result, Ok(Probe::Open)),
        "udp_probe({addr}, \"echo this\", 2s) on an echo returned {result:?}, expected Ok(Open): a reply came back"
    );
}

#[test]
fn getsockname_and_getpeername_over_tcp() {
    timed::within(LIMIT, "tcp_ends(a listener)", || {
        let listener = TcpListener::bind((LOCALHOST, 0)).unwrap();
        let server = listener.local_addr().unwrap();
        let (stream, local, peer) = tcp_ends(server).unwrap_or_else(|e| panic!("tcp_ends({server}) failed: {e:?}"));
        let (_, client_seen_by_server) = listener.accept().unwrap();
        assert_eq!(
            peer, server,
            "tcp_ends({server}) said its peer is {peer}: the peer (getpeername, peer_addr) is the address the \
             stream is connected to, the server's"
        );
        assert_eq!(
            local, client_seen_by_server,
            "tcp_ends({server}) said its own address is {local}, but the server sees the connection come from \
             {client_seen_by_server}: the local address (getsockname, local_addr) is the stream's own end, with the \
             port the system chose for it"
        );
        assert_eq!(
            stream.local_addr().unwrap(),
            local,
            "tcp_ends({server}) should return the stream the addresses belong to"
        );
    });
}

#[test]
fn getsockname_and_getpeername_over_udp() {
    timed::within(LIMIT, "udp_ends(a socket)", || {
        let other = UdpSocket::bind((LOCALHOST, 0)).unwrap();
        other.set_read_timeout(Some(TEST_WAIT)).unwrap();
        let peer_addr = other.local_addr().unwrap();
        let (socket, local, peer) =
            udp_ends(peer_addr).unwrap_or_else(|e| panic!("udp_ends({peer_addr}) failed: {e:?}"));
        assert_eq!(
            peer, peer_addr,
            "udp_ends({peer_addr}) said its peer is {peer}: the peer (getpeername, peer_addr) is the address the socket \
             is connected to"
        );
        let sent = socket.send(b"from a connected socket");
        assert!(
            sent.is_ok(),
            "send on udp_ends({peer_addr})'s socket failed ({sent:?}): a UDP socket has a peer only once connected \
             (UdpSocket::connect); without, send has nowhere to go and peer_addr fails with NotConnected"
        );
        let mut buf = [0u8; 64];
        let (_, from) = other
            .recv_from(&mut buf)
            .expect("the datagram sent on the connected socket arrives");
        assert_eq!(
            local, from,
            "udp_ends({peer_addr}) said its own address is {local}, but its datagram came from {from}: the local \
             address (getsockname, local_addr) is the socket's own end"
        );
    });
}
