//! Counting what the relay did to each direction's datagrams, and the table it prints (every second with `-v`,
//! and at exit), so a student can see that `--loss 10%` dropped about one datagram in ten.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::fate::Fate;

/// Counters for one direction, shared between the relay's threads.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    received: AtomicU64,
    forwarded: AtomicU64,
    dropped: AtomicU64,
    duplicated: AtomicU64,
    reordered: AtomicU64,
    delayed: AtomicU64,
    corrupted: AtomicU64,
    refused: AtomicU64,
    came_back: AtomicU64,
}

/// A snapshot of one direction's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Datagrams that arrived at the relay.
    pub received: u64,
    /// Datagrams sent on (duplicates included).
    pub forwarded: u64,
    /// Dropped on purpose (`--loss`), or for want of room: it was to be held for later while held datagrams
    /// already filled [`Config::max_held`](crate::Config::max_held).
    pub dropped: u64,
    /// Sent twice.
    pub duplicated: u64,
    /// Held back so later ones could pass.
    pub reordered: u64,
    /// Given a delay or jitter.
    pub delayed: u64,
    /// Had a bit flipped.
    pub corrupted: u64,
    /// Not relayed: from a new client while [`Config::max_clients`](crate::Config::max_clients) were relayed
    /// already (client to server only).
    pub refused: u64,
    /// Not relayed, and not counted as received: the relay's own datagrams, come back to it because `--to` leads
    /// back to it, directly or through another relay (client to server only).
    pub came_back: u64,
}

fn add(counter: &AtomicU64) {
    // Relaxed: each counter is a count on its own; no other memory is published through it.
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    /// A datagram arrived and its fate was decided.
    pub(crate) fn decided(&self, fate: &Fate) {
        add(&self.received);
        let Fate::Send(d) = fate else {
            add(&self.dropped);
            return;
        };
        for (happened, counter) in [
            (d.flip.is_some(), &self.corrupted),
            (d.duplicated, &self.duplicated),
            (!d.delay.is_zero(), &self.delayed),
            (d.reordered, &self.reordered),
        ] {
            if happened {
                add(counter);
            }
        }
    }

    /// A datagram to be held for later arrived while held datagrams filled the room for them: it is dropped.
    pub(crate) fn no_room(&self) {
        add(&self.received);
        add(&self.dropped);
    }

    /// A datagram arrived from a new client while the relay was full.
    pub(crate) fn refused(&self) {
        add(&self.received);
        add(&self.refused);
    }

    /// One of the relay's own datagrams came back to its listen port.
    pub(crate) fn came_back(&self) {
        add(&self.came_back);
    }

    /// A datagram (or a copy of one) went out.
    pub(crate) fn forwarded(&self) {
        add(&self.forwarded);
    }

    pub(crate) fn snapshot(&self) -> Counts {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Counts {
            received: get(&self.received),
            forwarded: get(&self.forwarded),
            dropped: get(&self.dropped),
            duplicated: get(&self.duplicated),
            reordered: get(&self.reordered),
            delayed: get(&self.delayed),
            corrupted: get(&self.corrupted),
            refused: get(&self.refused),
            came_back: get(&self.came_back),
        }
    }
}

/// Both directions' counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Client to server.
    pub up: Counts,
    /// Server to client.
    pub down: Counts,
}

impl Tally {
    /// What `-v` prints when the counts have changed since `shown`: a line about clients refused since then, if
    /// any (`max_clients` is the limit that refused them), and the table; nothing when nothing changed.
    pub fn news_since(&self, shown: &Tally, max_clients: usize) -> String {
        if self == shown {
            return String::new();
        }
        let mut news = String::new();
        let refused = self.up.refused.saturating_sub(shown.up.refused);
        if refused > 0 {
            news = format!(
                "refused {refused} datagrams from new clients: {max_clients} clients already (--max-clients)\n"
            );
        }
        news + &self.to_string()
    }
}

/// The table: a header and one row per direction, columns right-aligned under their names; then, if any of the
/// relay's own datagrams came back, a line that says so and why.
impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<16} {:>9} {:>9} {:>8} {:>10} {:>9} {:>8} {:>9} {:>8}",
            "direction",
            "received",
            "forwarded",
            "dropped",
            "duplicated",
            "reordered",
            "delayed",
            "corrupted",
            "refused"
        )?;
        for (name, c) in [("client->server", self.up), ("server->client", self.down)] {
            writeln!(
                f,
                "{name:<16} {:>9} {:>9} {:>8} {:>10} {:>9} {:>8} {:>9} {:>8}",
                c.received, c.forwarded, c.dropped, c.duplicated, c.reordered, c.delayed, c.corrupted, c.refused
            )?;
        }
        let came_back = self.up.came_back + self.down.came_back;
        if came_back > 0 {
            writeln!(
                f,
                "ignored {came_back} datagrams of this relay's own that came back: --to leads back to this relay, \
                 directly or through another relay"
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::fate::{Delivery, Flip};

    const TABLE: &str = "\
direction         received forwarded  dropped duplicated reordered  delayed corrupted  refused
client->server          10        10        1          1         1        1         1        2
server->client           0         0        0          0         0        0         0        0
";

    fn counted() -> Counters {
        let counters = Counters::default();
        counters.decided(&Fate::Drop);
        counters.decided(&Fate::Send(Delivery {
            flip: Some(Flip { byte: 0, mask: 1 }),
            duplicated: true,
            delay: Duration::from_millis(1),
            reordered: true,
        }));
        for _ in 0..6 {
            counters.decided(&Fate::Send(Delivery::default()));
        }
        for _ in 0..10 {
            counters.forwarded();
        }
        counters.refused();
        counters.refused();
        counters
    }

    #[test]
    fn each_fate_is_counted_under_each_of_its_faults() {
        let up = counted().snapshot();
        assert_eq!(
            up,
            Counts {
                received: 10,
                forwarded: 10,
                dropped: 1,
                duplicated: 1,
                reordered: 1,
                delayed: 1,
                corrupted: 1,
                refused: 2,
                came_back: 0,
            }
        );
    }

    #[test]
    fn the_table_lines_up_under_its_header() {
        let tally = Tally {
            up: counted().snapshot(),
            down: Counts::default(),
        };
        assert_eq!(tally.to_string(), TABLE);
    }

    #[test]
    fn news_names_the_clients_refused_since_last_time() {
        let now = Tally {
            up: counted().snapshot(),
            down: Counts::default(),
        };
        assert_eq!(now.news_since(&now, 8), "", "nothing changed, nothing printed");
        assert_eq!(
            now.news_since(&Tally::default(), 8),
            format!("refused 2 datagrams from new clients: 8 clients already (--max-clients)\n{TABLE}")
        );
        let mut before = now;
        before.up.received -= 1;
        assert_eq!(now.news_since(&before, 8), TABLE, "no new refusals: the table alone");
    }

    #[test]
    fn datagrams_that_came_back_are_named_under_the_table() {
        let counters = counted();
        counters.came_back();
        let tally = Tally {
            up: counters.snapshot(),
            down: Counts::default(),
        };
        assert_eq!(tally.up.received, 10, "not counted as received");
        assert_eq!(
            tally.to_string(),
            format!(
                "{TABLE}ignored 1 datagrams of this relay's own that came back: --to leads back to this relay, \
                 directly or through another relay\n"
            )
        );
    }
}
