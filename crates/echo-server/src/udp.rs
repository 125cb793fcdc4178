//! The UDP echo loop: receive a datagram, send the same bytes back to its sender — unless the sender is another
//! echo server, for two of them would answer each other for ever.
//!
//! The buffer holds 65,536 bytes, more than the largest UDP payload (65,507 bytes over IPv4), so nothing is ever
//! cut short — the seed's `recvfrom(1024)` silently drops everything past byte 1024.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use netlab::capture::CapturedSocket;

/// Largest UDP payload over IPv4: 65,535 minus 20 (IP header) minus 8 (UDP header).
pub use netlab::MAX_UDP_PAYLOAD;

/// The server's socket on `addr` (dual stack on IPv6).
pub fn bind(addr: SocketAddr) -> io::Result<UdpSocket> {
    crate::server_socket(addr).bind_udp(addr)
}

/// What the server did with a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// Sent back to where it came from.
    Echoed,
    /// Not answered: its source port is one that [`would_loop`].
    Refused,
    /// Not answered: its sender has just sent back [`LOOP_REPEATS`] of our own echoes in a row, as another echo
    /// server does; for [`LOOP_PAUSE`] its repeats go unanswered (see [`LoopGuard`]).
    LoopFound,
    /// Not answered: a repeat from a sender found in a loop, during its [`LOOP_PAUSE`].
    LoopPaused,
}

/// Whether echoing a datagram from `from` could start an exchange that never ends. RFC 862 servers answer
/// everything, so one forged datagram that claims to come from another such service — echo on port 7, chargen,
/// daytime, or another echo server like this one — makes the two answer each other for ever. So, as BSD's inetd
/// does for its own echo service, a datagram gets no echo when it comes from a system service's port (below 1024),
/// or from this server's own port (another echo server on the same port elsewhere, or this server itself, forged).
/// Clients send from ephemeral ports, so they are never refused. An echo server on any other port is found by
/// what it sends instead: [`LoopGuard`].
pub fn would_loop(from: SocketAddr, own_port: u16) -> bool {
    from.port() < 1024 || from.port() == own_port
}

/// Our own echoes sent back to us, in a row, that show the sender is another echo server.
pub const LOOP_REPEATS: u32 = 1000;
/// How long a sender found in a loop gets no echo of a repeat.
pub const LOOP_PAUSE: Duration = Duration::from_secs(1);
/// Echoes remembered, to anyone, to tell a repeat from a new message.
const REMEMBERED: usize = 4096;

/// Finds an echo loop with another echo server on a port [`would_loop`] cannot know, and ends it.
///
/// In such a loop, everything the other server sends us is a copy of something we just echoed to it, for ever.
/// A client sends its own messages, so (almost) never that: a ping or load client numbers its probes. So a
/// sender whose last [`LOOP_REPEATS`] datagrams were all *repeats* — byte for byte one of the last 4,096 echoes we
/// sent to that same address — is taken for an echo server: the repeat that reaches the count is dropped, which
/// ends a loop of one datagram, and its repeats get no echo for [`LOOP_PAUSE`], which ends a loop of several.
/// Anything new it sends is echoed as usual. The price: a client that sends the same bytes over and over, and
/// nothing else, loses one echo in a thousand and then its repeats for a second (a UDP client must expect loss).
#[derive(Debug, Default)]
pub struct LoopGuard {
    hasher: RandomState,
    /// Sender and payload hash of the last [`REMEMBERED`] echoes, oldest first...
    sent: VecDeque<(SocketAddr, u64)>,
    /// ...and how many times each pair is among them.
    recent: HashMap<(SocketAddr, u64), u32>,
    /// Senders whose latest datagrams were repeats.
    repeaters: HashMap<SocketAddr, Repeater>,
}

#[derive(Debug, Default)]
struct Repeater {
    /// Repeats in a row.
    repeats: u32,
    /// Its repeats get no echo until then.
    paused_until: Option<Instant>,
}

impl LoopGuard {
    /// What to do with `payload` from `from`, received at `now`: [`Reply::Echoed`] (then it is remembered as
    /// sent), [`Reply::LoopFound`] or [`Reply::LoopPaused`].
    pub fn check(&mut self, from: SocketAddr, payload: &[u8], now: Instant) -> Reply {
        let key = (from, self.hasher.hash_one(payload));
        if self.recent.contains_key(&key) {
            if self.repeaters.len() >= REMEMBERED {
                self.repeaters.retain(|_, r| r.paused_until.is_some_and(|t| now < t));
            }
            let repeater = self.repeaters.entry(from).or_default();
            if repeater.paused_until.is_some_and(|t| now < t) {
                return Reply::LoopPaused;
            }
            repeater.repeats += 1;
            if repeater.repeats >= LOOP_REPEATS {
                *repeater = Repeater {
                    repeats: 0,
                    paused_until: Some(now + LOOP_PAUSE),
                };
                return Reply::LoopFound;
            }
        } else if let Some(repeater) = self.repeaters.get_mut(&from) {
            repeater.repeats = 0;
        }
        self.remember(key);
        Reply::Echoed
    }

    fn remember(&mut self, key: (SocketAddr, u64)) {
        if self.sent.len() == REMEMBERED
            && let Some(oldest) = self.sent.pop_front()
            && let Some(count) = self.recent.get_mut(&oldest)
        {
            *count -= 1;
            if *count == 0 {
                self.recent.remove(&oldest);
            }
        }
        self.sent.push_back(key);
        *self.recent.entry(key).or_default() += 1;
    }
}

/// How often the log may say that a datagram was not echoed. Such lines are said even with --quiet, as the sender
/// gets no answer; a flood of refused datagrams must not become a flood of lines.
pub const NOT_ECHOED_EVERY: Duration = Duration::from_secs(1);

/// Lets one "not echoed" line through per [`NOT_ECHOED_EVERY`], and counts the ones held back.
#[derive(Debug, Default)]
pub struct NotEchoedLog {
    last_said: Option<Instant>,
    held_back: u64,
}

impl NotEchoedLog {
    /// Whether a line may be said at `now`; if so, how many were held back since the last one.
    pub fn may_say(&mut self, now: Instant) -> Option<u64> {
        if self.last_said.is_some_and(|t| now.duration_since(t) < NOT_ECHOED_EVERY) {
            self.held_back += 1;
            return None;
        }
        self.last_said = Some(now);
        Some(std::mem::take(&mut self.held_back))
    }
}

// ANCHOR: udp_echo
/// Echoes datagrams until the socket fails; `on_message` sees each one and what was done with it (for the log
/// line). The socket is a `UdpSocket` that also records each datagram into `--pcap`'s file when there is one.
pub fn serve(socket: &CapturedSocket, mut on_message: impl FnMut(SocketAddr, &[u8], Reply)) -> io::Result<()> {
    let own_port = socket.local_addr()?.port();
    let mut guard = LoopGuard::default();
    let mut buf = vec![0u8; netlab::MAX_DATAGRAM];
    loop {
        // The next datagram; an ICMP error that an earlier reply drew (its client had gone) is not the server's.
        let (n, from) = socket.recv_next(&mut buf)?;
        let reply = if would_loop(from, own_port) {
            Reply::Refused
        } else {
            guard.check(from, &buf[..n], Instant::now())
        };
        if reply == Reply::Echoed {
            // A client that has gone away makes the send fail; the next client must still be served.
            let _ = socket.send_to(&buf[..n], from);
        }
        on_message(from, &buf[..n], reply);
    }
}

// ANCHOR_END: udp_echo

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn datagrams_from_services_and_from_our_own_port_would_loop() {
        let from = addr;
        assert!(
            would_loop(from("10.0.0.1:7"), 8080),
            "another echo service (RFC 862's port 7)"
        );
        assert!(would_loop(from("10.0.0.1:19"), 8080), "chargen");
        assert!(would_loop(from("10.0.0.1:1023"), 8080), "any system service");
        assert!(
            would_loop(from("10.0.0.2:8080"), 8080),
            "an echo server on our own port"
        );
        assert!(!would_loop(from("127.0.0.1:50000"), 8080), "a client's ephemeral port");
        assert!(!would_loop(from("[::1]:1024"), 8080));
    }

    /// What the guard answers to `count` datagrams from `from`, each the payload `payload(i)`, all at `now`.
    fn replies_at(
        now: Instant,
        guard: &mut LoopGuard,
        from: &str,
        count: u32,
        payload: impl Fn(u32) -> Vec<u8>,
    ) -> Vec<Reply> {
        (0..count).map(|i| guard.check(addr(from), &payload(i), now)).collect()
    }

    #[test]
    fn an_echo_server_sending_back_our_echoes_is_found_and_paused() {
        let mut guard = LoopGuard::default();
        let now = Instant::now();
        let peer = addr("127.0.0.1:9000");
        // The forged first datagram is echoed; every copy that comes back is a repeat.
        let got = replies_at(now, &mut guard, "127.0.0.1:9000", LOOP_REPEATS + 1, |_| {
            b"ping".to_vec()
        });
        assert!(got[..LOOP_REPEATS as usize].iter().all(|r| *r == Reply::Echoed));
        assert_eq!(got[LOOP_REPEATS as usize], Reply::LoopFound);
        assert_eq!(guard.check(peer, b"ping", now), Reply::LoopPaused);
        // Something new from it is still echoed; after the pause, repeats are echoed again.
        assert_eq!(guard.check(peer, b"new", now), Reply::Echoed);
        assert_eq!(guard.check(peer, b"ping", now + LOOP_PAUSE), Reply::Echoed);
    }

    #[test]
    fn a_loop_of_several_datagrams_is_found_too() {
        let mut guard = LoopGuard::default();
        let got = replies_at(Instant::now(), &mut guard, "127.0.0.1:9000", 3 * LOOP_REPEATS, |i| {
            vec![(i % 3) as u8; 9]
        });
        let found = got.iter().position(|r| *r == Reply::LoopFound).expect("no loop found");
        assert!(found <= LOOP_REPEATS as usize + 3, "found only after {found}");
        assert!(
            got[found + 1..].iter().all(|r| *r == Reply::LoopPaused),
            "the other two kept going"
        );
    }

    #[test]
    fn clients_with_numbered_messages_and_other_senders_repeats_are_never_refused() {
        let mut guard = LoopGuard::default();
        let got = replies_at(Instant::now(), &mut guard, "127.0.0.1:9000", 3 * LOOP_REPEATS, |i| {
            i.to_be_bytes().to_vec()
        });
        assert!(
            got.iter().all(|r| *r == Reply::Echoed),
            "a numbered message was refused"
        );
        // The same bytes from many senders, each of which got them back once: no one is a repeater.
        for port in 10_000..10_000 + 2 * LOOP_REPEATS {
            let from = format!("127.0.0.1:{port}");
            assert!(
                replies_at(Instant::now(), &mut guard, &from, 2, |_| b"ping".to_vec())
                    .iter()
                    .all(|r| *r == Reply::Echoed)
            );
        }
    }

    #[test]
    fn one_not_echoed_line_a_second_and_the_count_of_the_rest() {
        let mut log = NotEchoedLog::default();
        let t0 = Instant::now();
        assert_eq!(log.may_say(t0), Some(0));
        for i in 1..=5 {
            assert_eq!(log.may_say(t0 + Duration::from_millis(i * 100)), None);
        }
        assert_eq!(log.may_say(t0 + NOT_ECHOED_EVERY), Some(5));
        assert_eq!(log.may_say(t0 + 3 * NOT_ECHOED_EVERY), Some(0));
    }

    #[test]
    fn a_new_message_between_repeats_starts_the_count_again() {
        let mut guard = LoopGuard::default();
        let got = replies_at(Instant::now(), &mut guard, "127.0.0.1:9000", 4 * LOOP_REPEATS, |i| {
            if i % (LOOP_REPEATS / 2) == 0 {
                i.to_be_bytes().to_vec()
            } else {
                b"hello".to_vec()
            }
        });
        assert!(got.iter().all(|r| *r == Reply::Echoed));
    }
}
