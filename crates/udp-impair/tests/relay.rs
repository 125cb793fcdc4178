//! The relay's own behaviour: counts that match its settings, repeatability for a seed, following a server's new
//! port, reordering, delay and corruption — all on loopback with port 0.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use udp_impair::{Config, Impairments, Relay};

fn socket() -> UdpSocket {
    netlab::SocketBuilder::new()
        .recv_buffer(8 << 20)
        .read_timeout(Duration::from_secs(5))
        .bind_udp("127.0.0.1:0".parse().unwrap())
        .unwrap()
}

fn relay(to: SocketAddr, up: Impairments, down: Impairments, seed: u64) -> Relay {
    let config = Config {
        up,
        down,
        seed,
        ..Config::new("127.0.0.1:0".parse().unwrap(), to)
    };
    Relay::start(config).unwrap()
}

/// Sends `count` numbered datagrams through the relay, one after another, and returns the numbers that arrived
/// (in arrival order) and the relay's tally. Waits until the relay has handled each datagram before sending the
/// next, so its decisions follow the sending order exactly.
fn pass(count: u32, up: Impairments, seed: u64) -> (Vec<u32>, udp_impair::Tally) {
    let sink = socket();
    let r = relay(sink.local_addr().unwrap(), up, Impairments::default(), seed);
    // Read the sink while sending, so its buffer never overflows (that would be the kernel's loss, not ours).
    // It stops once it has as many datagrams as the relay says it forwarded (told through `expected`).
    let expected = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(u64::MAX));
    let target = std::sync::Arc::clone(&expected);
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        while (got.len() as u64) < target.load(std::sync::atomic::Ordering::SeqCst) {
            match sink.recv_from(&mut buf) {
                Ok((4, _)) => got.push(u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]])),
                Ok(_) => got.push(u32::MAX),
                // Nothing for a long while although more was forwarded: the kernel lost it; report what we have.
                Err(_) if target.load(std::sync::atomic::Ordering::SeqCst) != u64::MAX => return got,
                Err(_) => {}
            }
        }
        got
    });
    let client = socket();
    let deadline = Instant::now() + Duration::from_secs(30);
    for i in 0..count {
        client.send_to(&i.to_be_bytes(), r.local_addr()).unwrap();
        while r.tally().up.received <= u64::from(i) {
            assert!(Instant::now() < deadline, "the relay never saw datagram {i}");
            std::thread::yield_now();
        }
    }
    // Held (delayed, reordered) datagrams go out later: wait until every decision has been carried out.
    let settled = loop {
        let up = r.tally().up;
        if up.forwarded == up.received - up.dropped + up.duplicated {
            break up.forwarded;
        }
        assert!(Instant::now() < deadline, "held datagrams never left the relay: {up:?}");
        std::thread::sleep(Duration::from_millis(5));
    };
    expected.store(settled, std::sync::atomic::Ordering::SeqCst);
    let got = reader.join().unwrap();
    (got, r.stop())
}

#[test]
fn ten_percent_loss_drops_about_ten_percent() {
    let (got, tally) = pass(
        10_000,
        Impairments {
            loss: 0.10,
            ..Default::default()
        },
        7,
    );
    let t = tally.up;
    assert_eq!(t.received, 10_000);
    assert!((800..=1_200).contains(&t.dropped), "dropped {} of 10000", t.dropped);
    assert_eq!(t.forwarded, 10_000 - t.dropped);
    assert_eq!(got.len() as u64, t.forwarded, "everything forwarded arrived");
    println!("10% loss: dropped {} of {}", t.dropped, t.received);
}

#[test]
fn duplication_and_corruption_rates_match() {
    let knobs = Impairments {
        dup: 0.05,
        corrupt: 0.05,
        ..Default::default()
    };
    let (got, tally) = pass(10_000, knobs, 11);
    let t = tally.up;
    assert!((400..=600).contains(&t.duplicated), "duplicated {}", t.duplicated);
    assert!((400..=600).contains(&t.corrupted), "corrupted {}", t.corrupted);
    assert_eq!(t.forwarded, 10_000 + t.duplicated);
    assert_eq!(got.len() as u64, t.forwarded);
    // A corrupted datagram differs from what was sent in exactly one bit; count those that do.
    let sent: BTreeSet<u32> = (0..10_000).collect();
    let changed = got.iter().filter(|n| !sent.contains(n)).count() as u64;
    assert!(
        changed > 0 && changed <= t.corrupted * 2,
        "{changed} changed, {} corrupted",
        t.corrupted
    );
}

#[test]
fn the_same_seed_gives_the_same_faults() {
    let knobs = Impairments {
        loss: 0.2,
        dup: 0.1,
        ..Default::default()
    };
    let (a, _) = pass(2_000, knobs, 42);
    let (b, _) = pass(2_000, knobs, 42);
    let (c, _) = pass(2_000, knobs, 43);
    assert_eq!(a, b, "same seed, same datagrams in the same order");
    assert_ne!(a, c, "another seed, other faults");
}

#[test]
fn reordering_lets_later_datagrams_pass() {
    let (got, tally) = pass(
        300,
        Impairments {
            reorder: 0.2,
            ..Default::default()
        },
        5,
    );
    assert!(tally.up.reordered > 20, "{:?}", tally.up);
    assert_eq!(got.len(), 300, "nothing lost");
    let out_of_order = got.windows(2).filter(|w| w[0] > w[1]).count();
    assert!(out_of_order > 0, "held datagrams arrive after later ones");
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, (0..300).collect::<Vec<_>>());
}

#[test]
fn delay_holds_every_datagram_at_least_that_long() {
    let echo = socket();
    let echo_addr = echo.local_addr().unwrap();
    let knobs = Impairments {
        delay: Duration::from_millis(30),
        ..Default::default()
    };
    let r = relay(echo_addr, knobs, Impairments::default(), 1);
    let client = socket();
    let started = Instant::now();
    client.send_to(b"ping", r.local_addr()).unwrap();
    let mut buf = [0u8; 16];
    let (n, _) = echo.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"ping");
    assert!(
        started.elapsed() >= Duration::from_millis(30),
        "arrived after {:?}",
        started.elapsed()
    );
    assert_eq!(r.tally().up.delayed, 1);
}

#[test]
fn replies_from_a_new_server_port_come_from_a_new_relay_port_that_leads_there() {
    // A server in the style of TFTP: it answers the first datagram from a new port, and expects the rest there.
    let listener = socket();
    let server = listener.local_addr().unwrap();
    let r = relay(server, Impairments::default(), Impairments::default(), 1);
    let client = socket();
    client.send_to(b"request", r.local_addr()).unwrap();
    let mut buf = [0u8; 64];
    let (n, relay_side) = listener.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"request");
    let transfer = socket();
    transfer.send_to(b"reply from a new port", relay_side).unwrap();
    let (n, mirror) = client.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"reply from a new port");
    assert_ne!(
        mirror,
        r.local_addr(),
        "a new server port shows as a new relay port: the client latches a new TID"
    );
    client.send_to(b"next", mirror).unwrap();
    let (n, _) = transfer.recv_from(&mut buf).unwrap();
    assert_eq!(
        &buf[..n],
        b"next",
        "the client's next datagram goes to the server's new port"
    );
    listener.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    assert!(listener.recv_from(&mut buf).is_err(), "and not to the old one");
    // A second server port (a duplicated request started a second transfer) gets a relay port of its own.
    let second = socket();
    second.send_to(b"from another port", relay_side).unwrap();
    let (_, other) = client.recv_from(&mut buf).unwrap();
    assert_ne!(other, mirror);
    assert_ne!(other, r.local_addr());
}

#[test]
fn replies_from_the_addressed_port_come_from_the_listen_port() {
    // An echo server answers from the port it was sent to: the client hears the relay's listen port.
    let echo = socket();
    let r = relay(
        echo.local_addr().unwrap(),
        Impairments::default(),
        Impairments::default(),
        1,
    );
    let client = socket();
    client.send_to(b"hi", r.local_addr()).unwrap();
    let mut buf = [0u8; 8];
    let (n, from) = echo.recv_from(&mut buf).unwrap();
    echo.send_to(&buf[..n], from).unwrap();
    let (_, heard) = client.recv_from(&mut buf).unwrap();
    assert_eq!(heard, r.local_addr());
}

#[test]
fn two_clients_get_separate_paths() {
    let echo = socket();
    let echo_addr = echo.local_addr().unwrap();
    let r = relay(echo_addr, Impairments::default(), Impairments::default(), 1);
    let (a, b) = (socket(), socket());
    a.send_to(b"a", r.local_addr()).unwrap();
    b.send_to(b"b", r.local_addr()).unwrap();
    let mut buf = [0u8; 8];
    for _ in 0..2 {
        let (n, from) = echo.recv_from(&mut buf).unwrap();
        echo.send_to(&buf[..n], from).unwrap();
    }
    assert_eq!(a.recv_from(&mut buf).map(|(n, _)| buf[..n].to_vec()).unwrap(), b"a");
    assert_eq!(b.recv_from(&mut buf).map(|(n, _)| buf[..n].to_vec()).unwrap(), b"b");
}

/// An echo responder on its own thread, until it has been silent for 10 s (so it ends even if a test fails).
fn echo_responder() -> SocketAddr {
    let echo = socket();
    let addr = echo.local_addr().unwrap();
    std::thread::spawn(move || {
        echo.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = [0u8; 64];
        while let Ok((n, from)) = echo.recv_from(&mut buf) {
            let _ = echo.send_to(&buf[..n], from);
        }
    });
    addr
}

/// Sends one datagram through the relay and waits until the relay has taken it in (relayed or refused).
fn send_and_wait(r: &Relay, from: &UdpSocket, bytes: &[u8]) {
    let before = r.tally().up.received;
    from.send_to(bytes, r.local_addr()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while r.tally().up.received == before {
        assert!(Instant::now() < deadline, "the relay never saw the datagram");
        std::thread::yield_now();
    }
}

fn echoed(client: &UdpSocket) -> Vec<u8> {
    let mut buf = [0u8; 64];
    let (n, _) = client.recv_from(&mut buf).unwrap();
    buf[..n].to_vec()
}

#[test]
fn new_clients_past_the_limit_are_refused_and_the_known_ones_still_relayed() {
    // The flood, smaller: 40 source ports, a limit of 8. Before, each new port got a socket and a thread.
    const LIMIT: usize = 8;
    const PORTS: usize = 40;
    let config = Config {
        max_clients: LIMIT,
        ..Config::new("127.0.0.1:0".parse().unwrap(), echo_responder())
    };
    let r = Relay::start(config).unwrap();
    let clients: Vec<UdpSocket> = (0..PORTS).map(|_| socket()).collect();
    for (i, client) in clients.iter().enumerate() {
        send_and_wait(&r, client, &[i as u8]);
        assert!(r.clients() <= LIMIT, "{} clients after {} ports", r.clients(), i + 1);
        // Two threads of the relay's own (listen port, delayed sends) and one per client; no mirrors here.
        assert!(
            r.threads() <= LIMIT + 2,
            "{} threads after {} ports",
            r.threads(),
            i + 1
        );
    }
    assert_eq!(r.clients(), LIMIT);
    let up = r.tally().up;
    assert_eq!(
        (up.received, up.refused),
        (PORTS as u64, (PORTS - LIMIT) as u64),
        "{up:?}"
    );
    assert_eq!(
        up.forwarded, LIMIT as u64,
        "only the first {LIMIT} clients' datagrams went on"
    );
    // The first clients still have their path, both ways.
    for (i, client) in clients[..LIMIT].iter().enumerate() {
        assert_eq!(echoed(client), [i as u8]);
        client.send_to(b"again", r.local_addr()).unwrap();
        assert_eq!(echoed(client), b"again");
    }
    assert_eq!(r.tally().up.refused, (PORTS - LIMIT) as u64);
}

#[test]
fn a_forgotten_client_makes_room_for_a_new_one() {
    let config = Config {
        max_clients: 1,
        idle: Duration::from_millis(200),
        ..Config::new("127.0.0.1:0".parse().unwrap(), echo_responder())
    };
    let r = Relay::start(config).unwrap();
    let (first, second) = (socket(), socket());
    send_and_wait(&r, &first, b"first");
    assert_eq!(echoed(&first), b"first");
    send_and_wait(&r, &second, b"refused");
    assert_eq!(r.tally().up.refused, 1, "no room while the first client is remembered");
    // The first client falls silent: after `idle` (checked each second) it is forgotten and its thread ends.
    let deadline = Instant::now() + Duration::from_secs(10);
    while r.clients() > 0 {
        assert!(Instant::now() < deadline, "the silent client was never forgotten");
        std::thread::sleep(Duration::from_millis(20));
    }
    send_and_wait(&r, &second, b"second");
    assert_eq!(echoed(&second), b"second", "the new client is relayed now");
    assert_eq!(r.tally().up.refused, 1);
}

#[test]
fn a_delay_too_long_for_the_clock_is_never_sent_and_the_relay_goes_on() {
    // --delay 18446744073709551615 (ms) with reordering: before, adding the hold overflowed and the listen thread
    // panicked, so the relay went deaf.
    let sink = socket();
    let forever = Impairments {
        delay: Duration::from_millis(u64::MAX),
        jitter: Duration::from_millis(u64::MAX),
        reorder: 1.0,
        ..Default::default()
    };
    let r = relay(sink.local_addr().unwrap(), forever, Impairments::default(), 1);
    let client = socket();
    for i in 0..3u8 {
        send_and_wait(&r, &client, &[i]);
    }
    let up = r.tally().up;
    assert_eq!((up.received, up.delayed, up.forwarded), (3, 3, 0), "{up:?}");
}

/// Starts a relay listening on `listen` whose --to is `to`, the same port: its own listen address in another form
/// (the program refuses that at start; this is the relay itself, as it would run if --to were another address of
/// this machine). A client on 127.0.0.1 sends two datagrams to `to`: each goes round once and must then be
/// recognised as the relay's own. Before, every round made one more session, until --max-clients were open.
fn comes_back_once(listen: &str, to: &str) {
    // The port the relay will listen on, known before it starts: --to must name it.
    let wildcard = netlab::SocketBuilder::new().bind_udp(format!("{listen}:0").parse().unwrap());
    let port = wildcard.unwrap().local_addr().unwrap().port();
    let listen: SocketAddr = format!("{listen}:{port}").parse().unwrap();
    let to: SocketAddr = format!("{to}:{port}").parse().unwrap();
    let r = Relay::start(Config::new(listen, to)).unwrap();
    let client = socket();
    let ipv4_to = SocketAddr::new(to.ip().to_canonical(), port);
    client.send_to(b"round", ipv4_to).unwrap();
    // Each datagram is forwarded to the relay's own listen port, and comes back once; the second comes after the
    // first, so both are back when two have come back.
    client.send_to(b"again", ipv4_to).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while r.tally().up.came_back < 2 {
        assert!(
            r.clients() <= 1 && Instant::now() < deadline,
            "{listen} -> {to}: the relay took its own datagram for a new client: {} clients, {:?}",
            r.clients(),
            r.tally().up
        );
        std::thread::yield_now();
    }
    let up = r.tally().up;
    assert_eq!(
        (up.received, up.forwarded, up.came_back),
        (2, 2, 2),
        "{listen} -> {to}: {up:?}"
    );
}

#[test]
fn a_datagram_that_comes_back_to_the_relay_is_not_taken_for_a_new_client() {
    comes_back_once("127.0.0.1", "127.0.0.1");
}

#[test]
fn a_datagram_that_comes_back_through_an_ipv4_mapped_address_is_recognised() {
    // The IPv6 wildcard hears IPv4 (dual stack); the upstream socket sends to ::ffff:127.0.0.1, and the listen
    // socket sees the datagram come from ::ffff:127.0.0.1 — the upstream socket's 127.0.0.1, written another way.
    comes_back_once("[::]", "[::ffff:127.0.0.1]");
    comes_back_once("[::]", "[0:0:0:0:0:ffff:7f00:1]");
}

/// Two relays pointed at each other: A relays to B, and B to A. A must know B's address before B starts: a scratch
/// socket finds a free port, and should another program take it before B binds it, both start again.
fn ring() -> (Relay, Relay) {
    for _ in 0..10 {
        let b_listen = socket().local_addr().unwrap(); // the scratch socket is closed here: its port is free
        let a = Relay::start(Config::new("127.0.0.1:0".parse().unwrap(), b_listen)).unwrap();
        match Relay::start(Config::new(b_listen, a.local_addr())) {
            Ok(b) => return (a, b),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
            Err(e) => panic!("cannot start B on {b_listen}: {e}"),
        }
    }
    panic!("no free port for B in 10 tries");
}

#[test]
fn two_relays_pointed_at_each_other_pass_a_datagram_round_once_and_stop() {
    // Before, each lap came to a relay from a socket it had never heard, so each lap opened a session (a socket
    // and a thread) on both relays, until both were full: 256 sessions and 258 threads each, from one datagram.
    let (a, b) = ring();
    let client = socket();
    client.send_to(b"round and round", a.local_addr()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while a.tally().up.came_back + b.tally().up.came_back == 0 {
        let full = a.tally().up.refused + b.tally().up.refused > 0;
        assert!(
            !full && Instant::now() < deadline,
            "the ring never stopped: {} and {} clients",
            a.clients(),
            b.clients()
        );
        std::thread::yield_now();
    }
    // Round once: client -> A -> B -> A, where A knows its own datagram and drops it. Nothing is in flight now.
    let (up_a, up_b) = (a.tally().up, b.tally().up);
    assert_eq!((up_a.forwarded, up_a.came_back), (1, 1), "A: {up_a:?}");
    assert_eq!((up_b.forwarded, up_b.came_back), (1, 0), "B: {up_b:?}");
    assert_eq!((a.clients(), b.clients()), (1, 1));
    // Each: the listen thread, the thread for held datagrams, one session.
    assert_eq!((a.threads(), b.threads()), (3, 3));
}

#[test]
fn a_second_client_with_the_same_first_datagram_is_relayed_once_the_server_has_answered() {
    // The same first datagram from a new client is how a ring gives itself away, but it is not a ring when the
    // first one's server has answered: then it leads somewhere real.
    let r = Relay::start(Config::new("127.0.0.1:0".parse().unwrap(), echo_responder())).unwrap();
    let (first, second) = (socket(), socket());
    first.send_to(b"RRQ hello.txt", r.local_addr()).unwrap();
    assert_eq!(echoed(&first), b"RRQ hello.txt");
    second.send_to(b"RRQ hello.txt", r.local_addr()).unwrap();
    assert_eq!(echoed(&second), b"RRQ hello.txt");
    let up = r.tally().up;
    assert_eq!((up.received, up.forwarded, up.came_back), (2, 2, 0), "{up:?}");
    assert_eq!(r.clients(), 2);
}

#[test]
fn held_datagrams_free_their_room_as_they_leave() {
    // Room for three datagrams of 1,000 bytes held at once (each counted with its bookkeeping), not four.
    let config = Config {
        up: Impairments {
            delay: Duration::from_millis(20),
            ..Default::default()
        },
        max_held: 3_500,
        ..Config::new("127.0.0.1:0".parse().unwrap(), socket().local_addr().unwrap())
    };
    let r = Relay::start(config).unwrap();
    let client = socket();
    for round in 1..=3u64 {
        for _ in 0..3 {
            send_and_wait(&r, &client, &[round as u8; 1000]);
        }
        // The three leave after 20 ms, and make room for the next three.
        let deadline = Instant::now() + Duration::from_secs(10);
        while r.tally().up.forwarded < 3 * round {
            assert!(Instant::now() < deadline, "round {round}: {:?}", r.tally().up);
            std::thread::yield_now();
        }
    }
    let up = r.tally().up;
    assert_eq!(
        (up.received, up.delayed, up.dropped, up.forwarded),
        (9, 9, 0, 9),
        "{up:?}"
    );
}
