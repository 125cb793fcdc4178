//! Lab 3 tests. Your `serve` runs on a socket bound to 127.0.0.1 (port 0, so nothing clashes), and test clients
//! send it datagrams of 0, 1, 1024, 1025 and 65,507 bytes whose bytes are not all text: each must come back to its
//! own client, from the server's port, byte for byte; two clients take turns; and `serve` must return once it has
//! echoed `count` datagrams. Nothing random: the same bytes every run.
#[path = "../../support/timed.rs"]
mod timed;

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How long a client waits for its echo. Loopback answers within microseconds; this leaves room for a slow, busy
/// machine and still fails quickly when the echo never comes.
const ECHO_WAIT: Duration = Duration::from_secs(2);

/// Seconds `serve` has to return once it has echoed `count` datagrams.
const RETURN_LIMIT: u64 = 5;

/// The largest UDP payload over IPv4: 65,535 bytes in the IP packet, minus 20 of IP header and 8 of UDP header.
const MAX_UDP_PAYLOAD: usize = 65_507;

/// Datagram sizes: empty, tiny, the seed's buffer size, one byte more, and the largest there is.
const SIZES: [usize; 5] = [0, 1, 1024, 1025, MAX_UDP_PAYLOAD];

/// Your `serve`, running on a thread of its own.
struct Server {
    addr: SocketAddr,
    count: usize,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Server {
    fn start(count: usize) -> Server {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        let thread = thread::spawn(move || lab03_udp_echo::serve(&socket, count));
        Server {
            addr,
            count,
            thread: Some(thread),
        }
    }

    /// If `serve` has already ended (a panic such as `todo!()`, or an early return), says so.
    fn check_still_running(&mut self, while_doing: &str) {
        if self.thread.as_ref().is_some_and(|t| t.is_finished()) {
            match self.thread.take().unwrap().join() {
                Err(panic) => std::panic::resume_unwind(panic),
                Ok(result) => panic!(
                    "serve(socket, {}) returned {result:?} while {while_doing}: it should keep echoing until it has \
                     echoed {} datagrams",
                    self.count, self.count
                ),
            }
        }
    }

    /// Waits (a bounded time) for `serve` to return, and returns its result.
    fn wait_for_return(mut self) -> io::Result<()> {
        let count = self.count;
        let thread = self.thread.take().expect("serve is still running");
        let what = format!(
            "waiting for serve(socket, {count}) to return: it has echoed {count} datagrams and should return now"
        );
        match timed::within(RETURN_LIMIT, &what, move || thread.join()) {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

fn client() -> UdpSocket {
    let c = UdpSocket::bind("127.0.0.1:0").unwrap();
    c.set_read_timeout(Some(ECHO_WAIT)).unwrap();
    c
}

/// `size` bytes, different for each client, and not valid UTF-8 from the 19th byte on (7 × 19 = 133 = 0x85).
fn payload(size: usize, client_number: u8) -> Vec<u8> {
    (0..size)
        .map(|i| (i as u8).wrapping_mul(7).wrapping_add(client_number))
        .collect()
}

/// Receives the echo of `sent` on `client`, and checks it: same bytes, from the server's port.
fn expect_echo(server: &mut Server, client: &UdpSocket, sent: &[u8], who: &str) {
    let mut buf = vec![0u8; MAX_UDP_PAYLOAD + 1];
    let size = sent.len();
    let (n, from) = match client.recv_from(&mut buf) {
        Ok(got) => got,
        Err(e) => {
            server.check_still_running(&format!("{who} waited for the echo of a {size}-byte datagram"));
            panic!(
                "{who} sent a {size}-byte datagram and got no echo within {ECHO_WAIT:?} ({e}): receive every \
                 datagram, empty ones too, and send it back to the address recv_from returned"
            );
        }
    };
    assert_eq!(
        from, server.addr,
        "{who}'s echo came from {from}, not from the server's socket {}: send the echo on the socket you \
         received on, so the client sees the address it sent to",
        server.addr
    );
    let hint = if n == 1024 && size > 1024 {
        " (the seed's recvfrom(1024) keeps only the first 1024 bytes)"
    } else if n < size {
        " (is your buffer big enough for 65,507 bytes, the largest UDP datagram?)"
    } else {
        " (send back only the n bytes recv_from filled in, not the whole buffer, and as bytes, not as a String)"
    };
    assert_eq!(
        n, size,
        "{who} sent a {size}-byte datagram and it came back as {n} bytes{hint}"
    );
    if let Some(i) = (0..n).find(|&i| buf[i] != sent[i]) {
        panic!(
            "{who}'s {size}-byte datagram came back changed: byte {i} was {:#04x}, came back {:#04x}. Send back the \
             bytes exactly as they arrived: they need not be text, so do not turn them into a String",
            sent[i], buf[i]
        );
    }
}

#[test]
fn every_size_comes_back_exactly() {
    let mut server = Server::start(SIZES.len());
    let c = client();
    for size in SIZES {
        let sent = payload(size, 1);
        c.send_to(&sent, server.addr).unwrap();
        expect_echo(&mut server, &c, &sent, "the client");
    }
    server.wait_for_return().expect("serve returned an error");
}

#[test]
fn two_clients_each_get_their_own_echo() {
    // Both send before either reads: each echo must go to the address its datagram came from.
    let mut server = Server::start(2 * SIZES.len());
    let (a, b) = (client(), client());
    for size in SIZES {
        let (from_a, from_b) = (payload(size, 1), payload(size, 2));
        a.send_to(&from_a, server.addr).unwrap();
        b.send_to(&from_b, server.addr).unwrap();
        expect_echo(&mut server, &a, &from_a, "client A");
        expect_echo(&mut server, &b, &from_b, "client B");
    }
    server.wait_for_return().expect("serve returned an error");
}

#[test]
fn serve_returns_after_count_datagrams() {
    let mut server = Server::start(3);
    let c = client();
    for size in [5, 0, 7] {
        let sent = payload(size, 3);
        c.send_to(&sent, server.addr).unwrap();
        expect_echo(&mut server, &c, &sent, "the client");
    }
    server.wait_for_return().expect("serve returned an error");
}
