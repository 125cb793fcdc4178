//! What the capture tests share: loopback sockets, an echo responder, a capturing relay, and the tally as the
//! capture's comments tell it.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use netlab::capture::Capture;
use udp_impair::{Config, Counts, Impairments, Relay, Tally};

pub fn socket_on(ip: &str) -> UdpSocket {
    netlab::SocketBuilder::new()
        .recv_buffer(4 << 20)
        .read_timeout(Duration::from_secs(5))
        .bind_udp(SocketAddr::new(ip.parse().unwrap(), 0))
        .unwrap()
}

pub fn socket() -> UdpSocket {
    socket_on("127.0.0.1")
}

/// An echo responder on its own thread, until it has been silent for 10 s (so it ends even if a test fails).
pub fn echo_responder() -> SocketAddr {
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

/// A relay from `listen` (port 0) to `to` that records into a new capture at `path`.
pub fn capturing_relay(
    path: &Path,
    listen: &str,
    to: SocketAddr,
    (up, down): (Impairments, Impairments),
    seed: u64,
) -> (Relay, Arc<Capture>) {
    let capture = Arc::new(Capture::create(path).unwrap());
    let config = Config {
        up,
        down,
        seed,
        capture: Some(Arc::clone(&capture)),
        ..Config::new(SocketAddr::new(listen.parse().unwrap(), 0), to)
    };
    (Relay::start(config).unwrap(), capture)
}

/// Every fault at 20%, with a delay of 2 ± 2 ms.
pub fn everything_at_twenty_percent() -> Impairments {
    Impairments {
        loss: 0.2,
        dup: 0.2,
        reorder: 0.2,
        corrupt: 0.2,
        delay: Duration::from_millis(2),
        jitter: Duration::from_millis(2),
    }
}

/// Sends `count` datagrams through a capturing relay with every fault at 20% each way, to an echo responder,
/// and waits until every decision has been carried out; returns the tally.
pub fn echo_through_every_fault(path: &Path, count: u32) -> Tally {
    let knobs = everything_at_twenty_percent();
    let (relay, capture) = capturing_relay(path, "127.0.0.1", echo_responder(), (knobs, knobs), 5);
    let client = socket();
    for i in 0..count {
        client.send_to(&i.to_be_bytes(), relay.local_addr()).unwrap();
    }
    // Settled: every datagram arrived, and each one not dropped has left as often as its fate said, both ways;
    // the server has answered each one that reached it.
    let settled = |c: Counts| c.forwarded == c.received - c.dropped + c.duplicated;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let t = relay.tally();
        let all_in = t.up.received == u64::from(count) && t.down.received == t.up.forwarded;
        if all_in && settled(t.up) && settled(t.down) {
            break;
        }
        assert!(Instant::now() < deadline, "the relay never settled: {t:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    let tally = relay.stop();
    capture.finish().unwrap();
    tally
}

/// One way's tally (`client->server`), as the capture's comments tell it: arrivals by the words of their fate,
/// departures by "left".
pub fn counts_from_comments<'a>(comments: impl IntoIterator<Item = &'a str> + Clone, way: &str) -> Counts {
    let arrived = format!(" {way} arrived: ");
    let left = format!(" {way} left");
    let arrivals_with = |word: &str| {
        comments
            .clone()
            .into_iter()
            .filter(|c| c.contains(&arrived) && c.contains(word))
            .count() as u64
    };
    Counts {
        received: arrivals_with(""),
        forwarded: comments.clone().into_iter().filter(|c| c.contains(&left)).count() as u64,
        dropped: arrivals_with("dropped ("),
        duplicated: arrivals_with("duplicated"),
        reordered: arrivals_with("reordered"),
        delayed: arrivals_with("delayed by"),
        corrupted: arrivals_with("corrupted"),
        refused: arrivals_with("refused"),
        came_back: comments
            .clone()
            .into_iter()
            .filter(|c| c.contains("own datagram come back"))
            .count() as u64,
    }
}
