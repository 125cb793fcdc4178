//! Machinery, not the lesson: recognising one of the relay's own datagrams when it comes back through another
//! relay (issue 16).
//!
//! Two relays pointed at each other (A `--to` B, B `--to` A) pass a datagram round and round, and each time it
//! reaches a relay from a socket that relay has never heard — the other relay's upstream socket for a client
//! that is itself a relay's upstream socket — so each lap opened a new session on both, until `--max-clients`
//! of them were open (520 threads from one datagram) and real clients were refused for `--idle`:
//!
//! ```text
//! client ──► A ──(A's socket a1)──► B ──(B's socket b1)──► A ──(a2)──► B ──(b2)──► A ──► ...
//! ```
//!
//! What gives the ring away: a new client's first datagram is, byte for byte, one this relay sent upstream a
//! moment ago, from a session whose server has never answered. A relay remembers a fingerprint of each datagram
//! it sends upstream for [`WINDOW`], and takes such a datagram for its own come back: it is dropped, no session
//! is opened, and the ring stops after one lap.
//!
//! The price is a false alarm, kept small. Two real clients whose first datagrams are the same bytes (the same
//! TFTP read request, the same first echo probe) sent within [`WINDOW`] of each other: the second loses that
//! datagram if the first's server has not answered yet, and must send it again, as it would after any loss. Once
//! the server has answered, it leads somewhere real, not round a ring, and its datagrams no longer count.

use std::collections::VecDeque;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::{Duration, Instant};

/// How long a datagram sent upstream is remembered: far longer than a lap through a relay on this machine
/// (microseconds), short enough that a false alarm costs one retransmission. A ring through a relay that holds
/// datagrams longer than this (`--delay 2000`) is not caught, but it goes round only once per hold.
pub(crate) const WINDOW: Duration = Duration::from_secs(1);
/// At most this many datagrams are remembered (about 128 KiB), however fast the relay sends: past that, the
/// oldest are forgotten before [`WINDOW`] is up, which still leaves thousands of laps' worth.
const REMEMBERED: usize = 4096;

/// The datagrams sent upstream lately: when, a fingerprint of their bytes, and who sent them (`T`: the session).
#[derive(Debug)]
pub(crate) struct SentUp<T> {
    sent: VecDeque<(Instant, u64, T)>,
}

impl<T> Default for SentUp<T> {
    fn default() -> Self {
        SentUp { sent: VecDeque::new() }
    }
}

impl<T> SentUp<T> {
    /// Remembers that `sender` sent `bytes` upstream at `now`.
    pub(crate) fn record(&mut self, bytes: &[u8], sender: T, now: Instant) {
        while self
            .sent
            .front()
            .is_some_and(|(at, ..)| now.saturating_duration_since(*at) > WINDOW || self.sent.len() >= REMEMBERED)
        {
            self.sent.pop_front();
        }
        self.sent.push_back((now, fingerprint(bytes), sender));
    }

    /// Whether `bytes` were sent upstream within [`WINDOW`] before `now` by a sender for which `unanswered` holds.
    pub(crate) fn sent_lately(&self, bytes: &[u8], now: Instant, unanswered: impl Fn(&T) -> bool) -> bool {
        let print = fingerprint(bytes);
        self.sent
            .iter()
            .any(|(at, p, sender)| *p == print && now.saturating_duration_since(*at) <= WINDOW && unanswered(sender))
    }
}

/// 64 bits that stand for the datagram's bytes (and length): two different datagrams share them about once in
/// 2^64, and a fingerprint takes 8 bytes of memory where the datagram might take 65,507.
fn fingerprint(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_datagram_sent_lately_by_an_unanswered_sender_is_recognised() {
        let start = Instant::now();
        let mut sent = SentUp::default();
        sent.record(b"RRQ hello.txt", "a1", start);
        let soon = start + Duration::from_millis(1);
        assert!(sent.sent_lately(b"RRQ hello.txt", soon, |_| true));
        assert!(!sent.sent_lately(b"RRQ other.txt", soon, |_| true), "other bytes");
        assert!(
            !sent.sent_lately(b"RRQ hello.tx", soon, |_| true),
            "a prefix is other bytes"
        );
        assert!(
            !sent.sent_lately(b"RRQ hello.txt", soon, |s| *s != "a1"),
            "its sender's server has answered: it leads somewhere real"
        );
        assert!(
            !sent.sent_lately(b"RRQ hello.txt", start + WINDOW + Duration::from_millis(1), |_| true),
            "sent too long ago"
        );
    }

    #[test]
    fn memory_is_bounded_by_count_and_by_time() {
        let start = Instant::now();
        let mut sent = SentUp::default();
        for i in 0..REMEMBERED as u32 + 10 {
            sent.record(&i.to_be_bytes(), (), start);
        }
        assert_eq!(sent.sent.len(), REMEMBERED);
        assert!(
            !sent.sent_lately(&0u32.to_be_bytes(), start, |_| true),
            "the oldest were forgotten"
        );
        assert!(sent.sent_lately(&(REMEMBERED as u32 + 9).to_be_bytes(), start, |_| true));
        sent.record(b"later", (), start + WINDOW * 2);
        assert_eq!(sent.sent.len(), 1, "everything older than the window is forgotten");
    }
}
