//! What every thread of the relay shares, and the one thing they all do with a datagram: carry out its fate.
//!
//! A datagram arrives on some socket (see [`crate::clients`]); [`Shared::impair`] asks [`Fate::decide`] what
//! happens to it, counts that, and sends it now, later, twice or never along its [`Route`].

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use netlab::SocketBuilder;
use netlab::rng::Rng;

use crate::config::Config;
use crate::fate::Fate;
use crate::later::Later;
use crate::tally::Counters;

/// How often blocked threads look up to see whether the relay is stopping.
pub(crate) const TICK: Duration = Duration::from_millis(100);
/// Socket buffers big enough that the kernel does not drop what the relay is meant to decide about.
const BUFFER: usize = 4 << 20;
/// Receive buffer: more than any UDP payload (65,507 bytes over IPv4, 65,527 over IPv6), so no datagram is ever
/// cut short.
pub(crate) const MAX_DATAGRAM: usize = 65_536;

/// One client's path through the relay.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) client: SocketAddr,
    /// The relay's socket towards the server for this client.
    pub(crate) upstream: UdpSocket,
    /// One client-facing socket per server port that has answered, other than the one the client addressed.
    pub(crate) mirrors: Mutex<HashMap<SocketAddr, Arc<Mirror>>>,
    pub(crate) last_seen: Mutex<Instant>,
    /// Set when the client is forgotten: its threads end.
    pub(crate) closed: AtomicBool,
}

/// The relay's stand-in for one server transfer port (a TFTP TID): the client sees replies come from this
/// socket's port and sends its answers here; they go on to `server`.
#[derive(Debug)]
pub(crate) struct Mirror {
    pub(crate) socket: UdpSocket,
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
    pub(crate) later: Later<(Route, Vec<u8>)>,
    /// Threads started for sessions and mirrors, joined when the relay stops.
    pub(crate) threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    /// Decides a datagram's fate and carries it out: sends it now, later, twice, or never.
    pub(crate) fn impair(&self, route: Route, mut bytes: Vec<u8>, rng: &mut Rng) {
        let (knobs, counters) = match route {
            Route::Up { .. } => (&self.config.up, &self.up),
            Route::Down { .. } => (&self.config.down, &self.down),
        };
        if let Ok(mut seen) = route.session().last_seen.lock() {
            *seen = Instant::now();
        }
        let fate = Fate::decide(knobs, bytes.len(), rng);
        counters.decided(&fate);
        let Fate::Send(delivery) = fate else {
            return;
        };
        if let Some(flip) = delivery.flip {
            flip.apply(&mut bytes);
        }
        let hold = delivery.hold();
        if hold.is_zero() {
            for _ in 0..delivery.copies() {
                self.deliver(&route, &bytes);
            }
            return;
        }
        // A hold longer than the clock can count (a `--delay` of 500 million years) never falls due: nothing is sent.
        let Some(due) = Instant::now().checked_add(hold) else {
            return;
        };
        for _ in 0..delivery.copies() {
            self.later.hold(due, (route.clone(), bytes.clone()));
        }
    }

    /// Sends one datagram now.
    pub(crate) fn deliver(&self, route: &Route, bytes: &[u8]) {
        let (sent, counters) = match route {
            Route::Up { session, to } => (session.upstream.send_to(bytes, to), &self.up),
            Route::Down { session, via } => {
                let socket = via.as_ref().map_or(&self.listen, |m| &m.socket);
                (socket.send_to(bytes, session.client), &self.down)
            }
        };
        if sent.is_ok() {
            counters.forwarded();
        }
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
