//! The LAN presence of seed §3.2.2: "a user who comes online broadcasts it, so every online user learns of it".
//!
//! Each peer broadcasts `online NAME` when it starts and again every interval, and `offline NAME` when it leaves.
//! Everyone keeps a roster of who is online; a peer not heard from for three intervals is dropped, because a
//! machine that crashes or loses its network says nothing.
//!
//! [`Announcement`] and [`Roster`] are the protocol, with no socket in sight; [`run`] is the loop that sends and
//! hears announcements, the same over a broadcast address and over a multicast group.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use netlab::capture::CapturedSocket;
use netlab::text::escape_controls;

use crate::Error;
use crate::listen::receive;

/// The longest the loop sleeps in one receive, so that Ctrl-C, an expiry or the end is noticed within 0.1 s
/// whatever the interval between announcements.
const TICK: Duration = Duration::from_millis(100);

/// The longest name: an announcement is `offline NAME` in one datagram.
pub const NAME_MAX: usize = netlab::MAX_UDP_PAYLOAD - "offline ".len();

/// A name as a peer will read it back: not empty, no spaces around it (they are trimmed on arrival, and our own
/// announcements would come back as a stranger's), and short enough for one datagram.
pub fn check_name(text: &str) -> Result<String, String> {
    if text.trim().is_empty() || text.trim() != text {
        return Err("a name is not empty and has no spaces around it".into());
    }
    if text.len() > NAME_MAX {
        return Err(format!(
            "{} bytes is longer than a name can be ({NAME_MAX})",
            text.len()
        ));
    }
    Ok(text.to_string())
}

/// One announcement on the wire: a line of UTF-8 text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Announcement {
    /// `online NAME`
    Online(String),
    /// `offline NAME`
    Offline(String),
}

impl Announcement {
    /// The datagram's bytes.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Announcement::Online(n) => format!("online {n}").into_bytes(),
            Announcement::Offline(n) => format!("offline {n}").into_bytes(),
        }
    }

    /// Reads a datagram; anything else on the port is not an announcement.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(bytes).ok()?.trim();
        let (word, name) = text.split_once(' ')?;
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        match word {
            "online" => Some(Announcement::Online(name.to_string())),
            "offline" => Some(Announcement::Offline(name.to_string())),
            _ => None,
        }
    }
}

/// The most peers a roster holds: a classroom's network and then some. Names come from the network, so without a
/// limit anyone could make the roster, and the line printed after each change, as long as they liked.
pub const MAX_PEERS: usize = 256;
/// Peers named in a roster line, the rest counted; each name is cut to [`NAME_SHOWN`] characters there (the
/// "is online" line shows it whole, once).
pub const PEERS_SHOWN: usize = 20;
/// Characters of a name shown in a roster line.
pub const NAME_SHOWN: usize = 40;

/// A change to the roster, for the program to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A peer came online.
    Joined(String, SocketAddr),
    /// A peer said it was leaving.
    Left(String),
    /// A peer fell silent for too long.
    Expired(String),
    /// A new peer was not added: the roster already holds [`MAX_PEERS`]. Said once, until there is room again.
    Full(String),
}

/// Who is online, and when each was last heard.
#[derive(Debug, Clone)]
pub struct Roster {
    me: String,
    expiry: Duration,
    peers: BTreeMap<String, (SocketAddr, Instant)>,
    /// Whether [`Change::Full`] has been said since the roster filled up.
    full_said: bool,
}

impl Roster {
    /// A roster for the peer named `me`, dropping others silent for `expiry`.
    pub fn new(me: &str, expiry: Duration) -> Self {
        Roster {
            me: me.to_string(),
            expiry,
            peers: BTreeMap::new(),
            full_said: false,
        }
    }

    /// Takes in one announcement; our own (broadcasts come back to their sender too) are ignored.
    pub fn hear(&mut self, from: SocketAddr, what: Announcement, now: Instant) -> Option<Change> {
        match what {
            Announcement::Online(name) if name != self.me => {
                if let Some(known) = self.peers.get_mut(&name) {
                    *known = (from, now);
                    return None;
                }
                if self.peers.len() >= MAX_PEERS {
                    return (!std::mem::replace(&mut self.full_said, true)).then_some(Change::Full(name));
                }
                self.full_said = false;
                self.peers.insert(name.clone(), (from, now));
                Some(Change::Joined(name, from))
            }
            Announcement::Offline(name) if name != self.me => self.peers.remove(&name).map(|_| Change::Left(name)),
            _ => None,
        }
    }

    /// Drops peers not heard from for too long.
    pub fn expire(&mut self, now: Instant) -> Vec<Change> {
        let expiry = self.expiry;
        let gone: Vec<String> = self
            .peers
            .iter()
            .filter(|(_, (_, seen))| now.duration_since(*seen) > expiry)
            .map(|(n, _)| n.clone())
            .collect();
        for name in &gone {
            self.peers.remove(name);
        }
        gone.into_iter().map(Change::Expired).collect()
    }

    /// `roster: alice (10.0.0.1), bob (10.0.0.2)` — or `roster: (nobody else)`; past [`PEERS_SHOWN`] peers,
    /// `... and N more`.
    pub fn line(&self) -> String {
        if self.peers.is_empty() {
            return "roster: (nobody else)".into();
        }
        let mut names: Vec<String> = self
            .peers
            .iter()
            .take(PEERS_SHOWN)
            .map(|(n, (a, _))| format!("{} ({})", shortened(n), a.ip()))
            .collect();
        if self.peers.len() > PEERS_SHOWN {
            names.push(format!("... and {} more", self.peers.len() - PEERS_SHOWN));
        }
        format!("roster: {}", names.join(", "))
    }
}

/// `name`, cut to [`NAME_SHOWN`] characters with `…` when longer.
fn shortened(name: &str) -> String {
    match name.char_indices().nth(NAME_SHOWN) {
        Some((cut, _)) => format!("{}…", &name[..cut]),
        None => name.to_string(),
    }
}

// ANCHOR: presence
/// Announces `name` to `target` now and every `every`, prints who comes and goes (and the roster after each
/// change) to `out`, until `end` passes or `stop` is set (by Ctrl-C); then announces `offline` and returns.
///
/// `socket` both sends and hears the announcements, so it is bound to the port they go to (a [`CapturedSocket`]
/// records them too, under `--pcap`). A failed announcement
/// is reported on standard error and the loop goes on: the next one may get through.
pub fn run(
    socket: &CapturedSocket,
    target: SocketAddr,
    name: &str,
    every: Duration,
    end: Option<Instant>,
    stop: &AtomicBool,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let announce = |what: Announcement| {
        if let Err(e) = socket.send_to(&what.encode(), target) {
            eprintln!("broadcast: {}", crate::explain_send_error(target, &e));
        }
    };
    let mut say = |line: String| writeln!(out, "{line}").map_err(|e| Error::io("cannot write", e));
    // A peer silent for three intervals has gone: one lost announcement must not drop it.
    let mut roster = Roster::new(name, every * 3);
    let mut next_announcement = Instant::now();
    let mut buf = vec![0u8; netlab::MAX_DATAGRAM];
    while !stop.load(Ordering::SeqCst) && end.is_none_or(|e| Instant::now() < e) {
        let now = Instant::now();
        if now >= next_announcement {
            announce(Announcement::Online(name.to_string()));
            next_announcement = now + every;
        }
        let mut changes = roster.expire(now);
        let wake = [Some(next_announcement), Some(now + TICK), end]
            .into_iter()
            .flatten()
            .min();
        if let Some((n, from)) = receive(socket, &mut buf, wake)?
            && let Some(what) = Announcement::parse(&buf[..n])
            && let Some(change) = roster.hear(from, what, Instant::now())
        {
            changes.push(change);
        }
        for change in &changes {
            // Names come from the network: escaped, like every text from it.
            say(match change {
                Change::Joined(peer, from) => format!("{} is online ({})", escape_controls(peer), from.ip()),
                Change::Left(peer) => format!("{} went offline", escape_controls(peer)),
                Change::Expired(peer) => format!("{} fell silent and was dropped", escape_controls(peer)),
                Change::Full(peer) => format!(
                    "{} is online, but not added: the roster is full ({MAX_PEERS} peers); more are not added \
                     until one leaves",
                    escape_controls(peer)
                ),
            })?;
        }
        if changes.iter().any(|c| !matches!(c, Change::Full(_))) {
            say(escape_controls(&roster.line()))?;
        }
    }
    announce(Announcement::Offline(name.to_string()));
    say(format!("{name} offline"))
}
// ANCHOR_END: presence

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(last: u8) -> SocketAddr {
        SocketAddr::from(([10, 0, 0, last], 8080))
    }

    #[test]
    fn announcements_round_trip_and_strangers_are_ignored() {
        let a = Announcement::Online("alice".into());
        assert_eq!(Announcement::parse(&a.encode()), Some(a));
        assert_eq!(
            Announcement::parse(b"offline bob\n"),
            Some(Announcement::Offline("bob".into()))
        );
        assert_eq!(Announcement::parse(b"hello world"), None);
        assert_eq!(Announcement::parse(b"online "), None);
        assert_eq!(Announcement::parse(b"\xff\xfe"), None);
    }

    #[test]
    fn joins_leaves_and_expiry() {
        let t0 = Instant::now();
        let mut r = Roster::new("me", Duration::from_secs(3));
        assert_eq!(
            r.hear(addr(1), Announcement::Online("me".into()), t0),
            None,
            "our own echo"
        );
        assert_eq!(
            r.hear(addr(2), Announcement::Online("bob".into()), t0),
            Some(Change::Joined("bob".into(), addr(2)))
        );
        assert_eq!(
            r.hear(addr(2), Announcement::Online("bob".into()), t0),
            None,
            "already known"
        );
        assert_eq!(
            r.hear(addr(3), Announcement::Online("cy".into()), t0),
            Some(Change::Joined("cy".into(), addr(3)))
        );
        assert_eq!(r.line(), "roster: bob (10.0.0.2), cy (10.0.0.3)");
        assert_eq!(
            r.hear(addr(3), Announcement::Offline("cy".into()), t0),
            Some(Change::Left("cy".into()))
        );
        assert!(r.expire(t0 + Duration::from_secs(2)).is_empty());
        assert_eq!(
            r.expire(t0 + Duration::from_secs(4)),
            vec![Change::Expired("bob".into())]
        );
        assert_eq!(r.line(), "roster: (nobody else)");
    }

    #[test]
    fn a_flood_of_names_fills_the_roster_once_and_its_line_stays_short() {
        let t0 = Instant::now();
        let mut r = Roster::new("me", Duration::from_secs(3));
        let long = "x".repeat(1000);
        let mut changes = Vec::new();
        for i in 0..MAX_PEERS + 50 {
            changes.extend(r.hear(addr(2), Announcement::Online(format!("{long}{i}")), t0));
        }
        let joined = changes.iter().filter(|c| matches!(c, Change::Joined(..))).count();
        let full: Vec<&Change> = changes.iter().filter(|c| matches!(c, Change::Full(_))).collect();
        assert_eq!((joined, full.len()), (MAX_PEERS, 1), "full is said once");
        let line = r.line();
        assert!(line.len() < 2000, "{} bytes", line.len());
        assert!(
            line.ends_with(&format!("... and {} more", MAX_PEERS - PEERS_SHOWN)),
            "{line}"
        );
        assert!(
            line.contains(&format!("{}… (10.0.0.2)", "x".repeat(NAME_SHOWN))),
            "{line}"
        );
        // A known peer is still heard; once one leaves, a new one gets in (and a full roster is said again).
        assert_eq!(r.hear(addr(2), Announcement::Online(format!("{long}0")), t0), None);
        assert!(r.hear(addr(2), Announcement::Offline(format!("{long}0")), t0).is_some());
        let newcomer = r.hear(addr(3), Announcement::Online("new".into()), t0);
        assert_eq!(newcomer, Some(Change::Joined("new".into(), addr(3))));
        assert!(matches!(
            r.hear(addr(3), Announcement::Online("late".into()), t0),
            Some(Change::Full(_))
        ));
    }
}
