//! What every thread of the relay shares, and the one thing they all do with a datagram: carry out its fate.
//!
//! A datagram arrives on some socket (see [`crate::clients`]); [`Shared::impair`] asks [`Fate::decide`] what
//! happens to it, counts that (and records it, with `--pcap`), and sends it now, later, twice or never along its
//! [`Route`].

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use netlab::SocketBuilder;
use netlab::rng::Rng;

use crate::capture;
use crate::config::Config;
use crate::fate::Fate;
use crate::later::Later;
use crate::ring::SentUp;
use crate::tally::Counters;

/// How often blocked threads look up to see whether the relay is stopping.
pub(crate) const TICK: Duration = Duration::from_millis(100);
/// Socket buffers big enough that the kernel does not drop what the relay is meant to decide about.
const BUFFER: usize = 4 << 20;
/// Receive buffer: more than any UDP payload (65,507 bytes over IPv4, 65,527 over IPv6), so no datagram is ever
/// cut short.
pub(crate) const MAX_DATAGRAM: usize = 65_536;
/// What holding a datagram for later costs besides its bytes, about: its route and its place in the queue (and,
/// with `--pcap`, its comment). Counted against [`Config::max_held`] too, so that a flood of empty datagrams is
/// bounded as well.
const HELD_EXTRA: usize = 128;

/// One client's path through the relay.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) client: SocketAddr,
    /// The listen port's address as this client's datagrams reach it (what a capture shows).
    pub(crate) listen_side: SocketAddr,
    /// The relay's socket towards the server for this client.
    pub(crate) upstream: UdpSocket,
    /// Its address as the server sees it.
    pub(crate) upstream_side: SocketAddr,
    /// One client-facing socket per server port that has answered, other than the one the client addressed.
    pub(crate) mirrors: Mutex<HashMap<SocketAddr, Arc<Mirror>>>,
    pub(crate) last_seen: Mutex<Instant>,
    /// Set when the server first answers: this session leads to a server, not round a ring of relays.
    pub(crate) answered: AtomicBool,
    /// Set when the client is forgotten: its threads end.
    pub(crate) closed: AtomicBool,
}

/// The relay's stand-in for one server transfer port (a TFTP TID): the client sees replies come from this
/// socket's port and sends its answers here; they go on to `server`.
#[derive(Debug)]
pub(crate) struct Mirror {
    pub(crate) socket: UdpSocket,
    /// Its address as the client sees it.
    pub(crate) local: SocketAddr,
    pub(crate) server: SocketAddr,
}

/// Where a datagram goes once its fate is decided.
#[derive(Debug, Clone)]
pub(crate) enum Route {
    /// Client to server: through the session's upstream socket to this server address.
    Up { session: Arc<Session>, to: SocketAddr },
    /// Server to client: from the listen socket, or from the mirror of the server port that sent it.
    Down {
        session: Arc<Session>,
        via: Option<Arc<Mirror>>,
    },
}

impl Route {
    fn session(&self) -> &Arc<Session> {
        match self {
            Route::Up { session, .. } | Route::Down { session, .. } => session,
        }
    }

    /// The way, in the tally's words.
    pub(crate) fn way(&self) -> &'static str {
        match self {
            Route::Up { .. } => "client->server",
            Route::Down { .. } => "server->client",
        }
    }

    /// Where a datagram sent along this route leaves from, and where it goes.
    fn ends(&self) -> (SocketAddr, SocketAddr) {
        match self {
            Route::Up { session, to } => (session.upstream_side, *to),
            Route::Down { session, via } => (via.as_ref().map_or(session.listen_side, |m| m.local), session.client),
        }
    }
}

/// A datagram on its way out, with what the capture says about it.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) route: Route,
    pub(crate) bytes: Vec<u8>,
    /// The departure's comment, when capturing.
    pub(crate) comment: Option<String>,
}

/// What all the relay's threads share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) listen: UdpSocket,
    pub(crate) stop: AtomicBool,
    pub(crate) up: Counters,
    pub(crate) down: Counters,
    pub(crate) sessions: Mutex<HashMap<SocketAddr, Arc<Session>>>,
    /// Clients whose thread still runs: those in `sessions`, and forgotten ones not yet finished. This, not the
    /// size of `sessions`, is held to the limit, so threads never outnumber it.
    pub(crate) clients: AtomicUsize,
    /// Datagrams held back until they fall due.
    pub(crate) later: Later<Outgoing>,
    /// Bytes of the datagrams in `later`, held to [`Config::max_held`].
    pub(crate) held: AtomicUsize,
    /// Datagrams that have arrived: each one's number in the capture's comments.
    pub(crate) arrivals: AtomicU64,
    /// Threads started for sessions and mirrors, joined when the relay stops.
    pub(crate) threads: Mutex<Vec<JoinHandle<()>>>,
    /// The datagrams sent upstream lately, and by which session: to know one of them if it comes back.
    pub(crate) sent_up: Mutex<SentUp<Weak<Session>>>,
}

impl Shared {
    /// Decides the fate of a datagram that came from `from` to the relay's `here`, and carries it out: sends it
    /// now, later, twice, or never.
    pub(crate) fn impair(
        &self,
        route: Route,
        (from, here): (SocketAddr, SocketAddr),
        mut bytes: Vec<u8>,
        rng: &mut Rng,
    ) {
        let (knobs, counters) = match route {
            Route::Up { .. } => (&self.config.up, &self.up),
            Route::Down { .. } => (&self.config.down, &self.down),
        };
        if let Ok(mut seen) = route.session().last_seen.lock() {
            *seen = Instant::now();
        }
        let fate = Fate::decide(knobs, bytes.len(), rng);
        // A datagram held for later waits in memory: past `max_held` bytes of them, one more is dropped instead.
        let held = match &fate {
            Fate::Send(d) if !d.hold().is_zero() => (bytes.len() + HELD_EXTRA).saturating_mul(d.copies()),
            _ => 0,
        };
        if held > 0 && !self.make_room(held) {
            counters.no_room();
            let max = self.config.max_held;
            self.arrived(from, here, &bytes, |n| capture::no_room(n, route.way(), max));
            return;
        }
        counters.decided(&fate);
        let number = self.arrived(from, here, &bytes, |n| capture::arrived(n, route.way(), &fate));
        let Fate::Send(delivery) = fate else {
            return;
        };
        // What the capture will say about each copy as it leaves, written before the bit flip changes the bytes.
        let capturing = self.config.capture.is_some();
        let comments: Vec<Option<String>> = (1..=delivery.copies())
            .map(|copy| capturing.then(|| capture::left(number, route.way(), &delivery, copy, &bytes)))
            .collect();
        if let Some(flip) = delivery.flip {
            flip.apply(&mut bytes);
        }
        let hold = delivery.hold();
        if hold.is_zero() {
            for comment in comments {
                self.deliver(&route, &bytes, comment.as_deref());
            }
            return;
        }
        // A hold longer than the clock can count (a `--delay` of 500 million years) never falls due: nothing is sent.
        let Some(due) = Instant::now().checked_add(hold) else {
            self.held.fetch_sub(held, Ordering::SeqCst);
            return;
        };
        for comment in comments {
            let (route, bytes) = (route.clone(), bytes.clone());
            self.later.hold(due, Outgoing { route, bytes, comment });
        }
    }

    /// Numbers a datagram that came from `from` to the relay's `here`, and records it with `--pcap`, its comment
    /// written by `comment` from its number.
    pub(crate) fn arrived(
        &self,
        from: SocketAddr,
        here: SocketAddr,
        bytes: &[u8],
        comment: impl FnOnce(u64) -> String,
    ) -> u64 {
        let number = self.arrivals.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(capture) = &self.config.capture {
            // A record that fails is remembered by the capture and reported at exit; the relay goes on.
            let _ = capture.record(from, here, bytes, Some(&comment(number)));
        }
        number
    }

    /// Counts `bytes` more as held for later, if they fit within [`Config::max_held`].
    fn make_room(&self, bytes: usize) -> bool {
        let max = self.config.max_held;
        let fits = |held: usize| held.checked_add(bytes).filter(|&total| total <= max);
        self.held.fetch_update(Ordering::SeqCst, Ordering::SeqCst, fits).is_ok()
    }

    /// Sends a datagram that was held for later, now that it falls due, and frees its room (first, so that the
    /// room is free by the time it is counted as forwarded).
    pub(crate) fn deliver_held(&self, out: Outgoing) {
        self.held.fetch_sub(out.bytes.len() + HELD_EXTRA, Ordering::SeqCst);
        self.deliver(&out.route, &out.bytes, out.comment.as_deref());
    }

    /// Sends one datagram now, and records it with the departure's `comment` when capturing.
    pub(crate) fn deliver(&self, route: &Route, bytes: &[u8], comment: Option<&str>) {
        if let (Route::Up { session, .. }, Ok(mut sent_up)) = (route, self.sent_up.lock()) {
            // Remembered before it leaves: through another relay it could be back before the send returns.
            sent_up.record(bytes, Arc::downgrade(session), Instant::now());
        }
        let send = || match route {
            Route::Up { session, to } => session.upstream.send_to(bytes, to),
            Route::Down { session, via } => {
                let socket = via.as_ref().map_or(&self.listen, |m| &m.socket);
                socket.send_to(bytes, session.client)
            }
        };
        let sent = match &self.config.capture {
            Some(capture) => {
                let (src, dst) = route.ends();
                capture.send_recorded((src, dst), bytes, (None, comment), send)
            }
            None => send(),
        };
        if sent.is_ok() {
            match route {
                Route::Up { .. } => self.up.forwarded(),
                Route::Down { .. } => self.down.forwarded(),
            }
        }
    }

    /// Whether `bytes` from a new client are a datagram this relay sent upstream a moment ago, from a session
    /// whose server has not answered: its own datagram, come back through another relay (see [`crate::ring`]).
    pub(crate) fn came_round(&self, bytes: &[u8]) -> bool {
        let unanswered = |s: &Weak<Session>| s.upgrade().is_none_or(|s| !s.answered.load(Ordering::SeqCst));
        let sent_up = self.sent_up.lock();
        sent_up.is_ok_and(|sent| sent.sent_lately(bytes, Instant::now(), unanswered))
    }

    /// Whether a session's threads should keep going.
    pub(crate) fn running(&self, session: &Session) -> bool {
        !self.stop.load(Ordering::SeqCst) && !session.closed.load(Ordering::SeqCst)
    }

    /// Starts a thread for a session or a mirror, kept to be joined when the relay stops.
    pub(crate) fn spawn(
        self: &Arc<Self>,
        name: String,
        work: impl FnOnce(&Arc<Shared>) + Send + 'static,
    ) -> io::Result<()> {
        let shared = Arc::clone(self);
        let handle = std::thread::Builder::new().name(name).spawn(move || work(&shared))?;
        if let Ok(mut threads) = self.threads.lock() {
            threads.retain(|t| !t.is_finished());
            threads.push(handle);
        }
        Ok(())
    }
}

/// A socket of the relay's, bound to `addr`, with room for bursts and a read timeout of one [`TICK`].
pub(crate) fn relay_socket(addr: SocketAddr) -> io::Result<UdpSocket> {
    SocketBuilder::new()
        .recv_buffer(BUFFER)
        .send_buffer(BUFFER)
        .read_timeout(TICK)
        .bind_udp(addr)
}

/// Any address and port of `addr`'s family, to bind a socket that will talk to `addr`.
pub(crate) fn unspecified_like(addr: SocketAddr) -> SocketAddr {
    let ip: IpAddr = if addr.is_ipv4() {
        Ipv4Addr::UNSPECIFIED.into()
    } else {
        Ipv6Addr::UNSPECIFIED.into()
    };
    SocketAddr::new(ip, 0)
}

/// Errors that only mean "nothing this time": the read timed out, a signal came, or the ICMP "port
/// unreachable" of an earlier send (a server not running yet) surfaced here.
pub(crate) fn quiet_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock
            | io::ErrorKind::TimedOut
            | io::ErrorKind::Interrupted
            | io::ErrorKind::ConnectionRefused
    )
}
