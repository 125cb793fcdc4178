//! # udp-impair — a bad network on purpose
//!
//! Seed §3.1 says UDP may lose, duplicate and reorder datagrams — but on loopback nothing is ever lost, so a
//! student never sees it happen. This relay sits between a UDP client and server and does, on purpose and
//! repeatably (`--seed`), what a bad network does by accident: drop, duplicate, reorder, delay and corrupt.
//!
//! ```text
//! client  ──►  [listen]       udp-impair  [one socket per client]  ──►  server (--to)
//! client  ◄──  [mirror of P]             ◄── replies from the server's port P (TFTP's new TID)
//! client  ──►  [mirror of P]             ──►  server port P
//! ```
//!
//! For each client the relay keeps its own upstream socket. A server that answers from a new port (a TFTP
//! server's transfer ID) is followed: the relay answers the client from a new port of its own that stands for
//! it, so the client latches a new TID just as it would without the relay, and what the client sends there goes
//! on to the server's new port. (Were every reply to come from the listen port, a request duplicated on the way
//! would start two server transfers that the client could not tell apart.)
//!
//! ## Layout
//! - [`rng`]: the seeded random number generator behind every fault (netlab's, re-exported).
//! - [`Impairments`], [`Config`]: what to do to datagrams in each direction.
//! - [`Relay`]: the running relay (threads: one for the listen port, one per client, one per mirrored server
//!   port, one for delayed sends). At most [`Config::max_clients`] clients at once, each forgotten after
//!   [`Config::idle`] of silence; datagrams from further clients are refused (counted, not relayed).
//! - [`Tally`]: counts per direction, printed at exit and readable in-process.

pub use netlab::rng;

use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use netlab::SocketBuilder;
use netlab::rng::Rng;

/// How much extra a reordered datagram is held back, so that the ones after it overtake it.
pub const REORDER_HOLD: Duration = Duration::from_millis(10);
/// How often blocked threads look up to see whether the relay is stopping.
const TICK: Duration = Duration::from_millis(100);
/// Socket buffers big enough that the kernel does not drop what the relay is meant to decide about.
const BUFFER: usize = 4 << 20;
/// Clients relayed at once unless told otherwise. Each costs a socket and a thread (more with a TFTP server's
/// transfer ports), and any datagram from a new source port makes a new client: without a limit, a burst from
/// 8,000 ports made 8,000 threads. A lab runs a handful of clients; 256 leaves plenty of room.
pub const MAX_CLIENTS: usize = 256;
/// How long a silent client is remembered unless told otherwise: longer than any TFTP timeout and retry run.
pub const IDLE: Duration = Duration::from_secs(60);

/// What happens to datagrams going one way. Probabilities are fractions (0.1 = 10%).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Impairments {
    /// Chance that a datagram is dropped.
    pub loss: f64,
    /// Chance that a datagram is sent twice.
    pub dup: f64,
    /// Chance that a datagram is held back [`REORDER_HOLD`] so that later ones pass it.
    pub reorder: f64,
    /// Chance that one bit of a datagram is flipped.
    pub corrupt: f64,
    /// Fixed delay added to every datagram.
    pub delay: Duration,
    /// Random extra delay, uniform in ±jitter (never below zero); it reorders too when larger than the gaps.
    pub jitter: Duration,
}

impl fmt::Display for Impairments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "loss {}%, dup {}%, reorder {}%, corrupt {}%, delay {} ms ± {} ms",
            self.loss * 100.0,
            self.dup * 100.0,
            self.reorder * 100.0,
            self.corrupt * 100.0,
            self.delay.as_millis(),
            self.jitter.as_millis()
        )
    }
}

/// Where to listen, where to relay, and what to do each way.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address clients send to (port 0 picks one; see [`Relay::local_addr`]).
    pub listen: SocketAddr,
    /// The server.
    pub to: SocketAddr,
    /// Client to server.
    pub up: Impairments,
    /// Server to client.
    pub down: Impairments,
    /// Seed for every random decision.
    pub seed: u64,
    /// A client silent this long is forgotten and its upstream socket closed.
    pub idle: Duration,
    /// Clients relayed at once; a datagram from any other source is refused until one is forgotten.
    pub max_clients: usize,
}

impl Config {
    /// A relay that passes everything unchanged.
    pub fn new(listen: SocketAddr, to: SocketAddr) -> Self {
        Config {
            listen,
            to,
            up: Impairments::default(),
            down: Impairments::default(),
            seed: 1,
            idle: IDLE,
            max_clients: MAX_CLIENTS,
        }
    }
}

/// Counters for one direction, shared between threads.
#[derive(Debug, Default)]
struct Counters {
    received: AtomicU64,
    forwarded: AtomicU64,
    dropped: AtomicU64,
    duplicated: AtomicU64,
    reordered: AtomicU64,
    delayed: AtomicU64,
    corrupted: AtomicU64,
    refused: AtomicU64,
}

/// A snapshot of one direction's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Datagrams that arrived at the relay.
    pub received: u64,
    /// Datagrams sent on (duplicates included).
    pub forwarded: u64,
    /// Dropped on purpose.
    pub dropped: u64,
    /// Sent twice.
    pub duplicated: u64,
    /// Held back so later ones could pass.
    pub reordered: u64,
    /// Given a delay or jitter.
    pub delayed: u64,
    /// Had a bit flipped.
    pub corrupted: u64,
    /// Not relayed: from a new client while [`Config::max_clients`] were relayed already (client to server only).
    pub refused: u64,
}

impl Counters {
    fn snapshot(&self) -> Counts {
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
        Ok(())
    }
}

/// One client's path through the relay.
#[derive(Debug)]
struct Session {
    client: SocketAddr,
    /// The relay's socket towards the server for this client.
    upstream: UdpSocket,
    /// One client-facing socket per server port that has answered, other than the one the client addressed.
    mirrors: Mutex<HashMap<SocketAddr, Arc<Mirror>>>,
    last_seen: Mutex<Instant>,
    closed: AtomicBool,
}

/// The relay's stand-in for one server transfer port (a TFTP TID): the client sees replies come from this
/// socket's port and sends its answers here; they go on to `server`.
#[derive(Debug)]
struct Mirror {
    socket: UdpSocket,
    server: SocketAddr,
}

/// Where a datagram goes once its fate is decided.
#[derive(Debug, Clone)]
enum Route {
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

/// A datagram to send later.
#[derive(Debug)]
struct Job {
    due: Instant,
    order: u64,
    route: Route,
    bytes: Vec<u8>,
}

impl PartialEq for Job {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.order) == (other.due, other.order)
    }
}
impl Eq for Job {}
impl PartialOrd for Job {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Job {
    /// Reversed, so the max-heap yields the earliest job first.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (other.due, other.order).cmp(&(self.due, self.order))
    }
}

/// What all the relay's threads share.
#[derive(Debug)]
struct Shared {
    config: Config,
    listen: UdpSocket,
    stop: AtomicBool,
    up: Counters,
    down: Counters,
    sessions: Mutex<HashMap<SocketAddr, Arc<Session>>>,
    /// Clients whose thread still runs: those in `sessions`, and forgotten ones not yet finished. This, not the
    /// size of `sessions`, is held to the limit, so threads never outnumber it.
    clients: AtomicUsize,
    later: Mutex<Sender<Job>>,
    order: AtomicU64,
    /// Threads started for sessions and mirrors, joined when the relay stops.
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    /// Sends one datagram now.
    fn deliver(&self, route: &Route, bytes: &[u8]) {
        let (sent, counters) = match route {
            Route::Up { session, to } => (session.upstream.send_to(bytes, to), &self.up),
            Route::Down { session, via } => {
                let socket = via.as_ref().map_or(&self.listen, |m| &m.socket);
                (socket.send_to(bytes, session.client), &self.down)
            }
        };
        if sent.is_ok() {
            counters.forwarded.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Decides a datagram's fate and sends it now, later, twice, or never.
    fn impair(&self, route: Route, mut bytes: Vec<u8>, rng: &mut Rng) {
        let (knobs, counters) = match route {
            Route::Up { .. } => (&self.config.up, &self.up),
            Route::Down { .. } => (&self.config.down, &self.down),
        };
        if let Ok(mut seen) = route.session().last_seen.lock() {
            *seen = Instant::now();
        }
        counters.received.fetch_add(1, Ordering::Relaxed);
        if rng.chance(knobs.loss) {
            counters.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if rng.chance(knobs.corrupt) && !bytes.is_empty() {
            let bit = rng.below(bytes.len() as u64 * 8);
            bytes[(bit / 8) as usize] ^= 1 << (bit % 8);
            counters.corrupted.fetch_add(1, Ordering::Relaxed);
        }
        let copies = if rng.chance(knobs.dup) {
            counters.duplicated.fetch_add(1, Ordering::Relaxed);
            2
        } else {
            1
        };
        let mut hold = knobs.delay;
        if !knobs.jitter.is_zero() {
            let span = knobs.jitter.as_micros() as u64 * 2;
            let offset = rng.below(span + 1) as i64 - knobs.jitter.as_micros() as i64;
            hold = Duration::from_micros((hold.as_micros() as i64 + offset).max(0) as u64);
        }
        if !hold.is_zero() {
            counters.delayed.fetch_add(1, Ordering::Relaxed);
        }
        if rng.chance(knobs.reorder) {
            counters.reordered.fetch_add(1, Ordering::Relaxed);
            hold += REORDER_HOLD;
        }
        if hold.is_zero() {
            for _ in 0..copies {
                self.deliver(&route, &bytes);
            }
            return;
        }
        let due = Instant::now() + hold;
        for _ in 0..copies {
            let order = self.order.fetch_add(1, Ordering::Relaxed);
            let job = Job {
                due,
                order,
                route: route.clone(),
                bytes: bytes.clone(),
            };
            if let Ok(later) = self.later.lock() {
                let _ = later.send(job);
            }
        }
    }

    fn spawn(self: &Arc<Self>, name: String, work: impl FnOnce(&Arc<Shared>) + Send + 'static) -> io::Result<()> {
        let shared = Arc::clone(self);
        let handle = std::thread::Builder::new().name(name).spawn(move || work(&shared))?;
        if let Ok(mut threads) = self.threads.lock() {
            threads.retain(|t| !t.is_finished());
            threads.push(handle);
        }
        Ok(())
    }
}

/// A running relay. Dropping it stops it.
#[derive(Debug)]
pub struct Relay {
    shared: Arc<Shared>,
    local: SocketAddr,
    threads: Vec<JoinHandle<()>>,
}

fn unspecified_like(addr: SocketAddr) -> SocketAddr {
    let ip: IpAddr = if addr.is_ipv4() {
        Ipv4Addr::UNSPECIFIED.into()
    } else {
        Ipv6Addr::UNSPECIFIED.into()
    };
    SocketAddr::new(ip, 0)
}

fn quiet_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock
            | io::ErrorKind::TimedOut
            | io::ErrorKind::Interrupted
            | io::ErrorKind::ConnectionRefused
    )
}

fn relay_socket(addr: SocketAddr) -> io::Result<UdpSocket> {
    SocketBuilder::new()
        .recv_buffer(BUFFER)
        .send_buffer(BUFFER)
        .read_timeout(TICK)
        .bind_udp(addr)
}

impl Relay {
    /// Binds the listen port and starts relaying.
    pub fn start(config: Config) -> io::Result<Relay> {
        let listen = relay_socket(config.listen)?;
        let local = listen.local_addr()?;
        let (tx, rx) = mpsc::channel();
        let shared = Arc::new(Shared {
            config,
            listen,
            stop: AtomicBool::new(false),
            up: Counters::default(),
            down: Counters::default(),
            sessions: Mutex::new(HashMap::new()),
            clients: AtomicUsize::new(0),
            later: Mutex::new(tx),
            order: AtomicU64::new(0),
            threads: Mutex::new(Vec::new()),
        });
        let mut threads = Vec::new();
        let s = Arc::clone(&shared);
        threads.push(
            std::thread::Builder::new()
                .name("impair-listen".into())
                .spawn(move || listen_loop(&s))?,
        );
        let s = Arc::clone(&shared);
        threads.push(
            std::thread::Builder::new()
                .name("impair-later".into())
                .spawn(move || later_loop(&s, &rx))?,
        );
        Ok(Relay { shared, local, threads })
    }

    /// The listen address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The counts so far.
    pub fn tally(&self) -> Tally {
        Tally {
            up: self.shared.up.snapshot(),
            down: self.shared.down.snapshot(),
        }
    }

    /// Clients relayed now, each with a socket and a thread of its own; never more than [`Config::max_clients`].
    pub fn clients(&self) -> usize {
        self.shared.clients.load(Ordering::SeqCst)
    }

    /// The relay's threads still running: one for the listen port, one for delayed sends, one per client and one
    /// per mirrored server port.
    pub fn threads(&self) -> usize {
        let running = |threads: &[JoinHandle<()>]| threads.iter().filter(|t| !t.is_finished()).count();
        running(&self.threads) + self.shared.threads.lock().map(|t| running(&t)).unwrap_or(0)
    }

    /// Stops every thread and returns the final counts.
    pub fn stop(mut self) -> Tally {
        self.shutdown();
        self.tally()
    }

    fn shutdown(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        let others: Vec<JoinHandle<()>> = self
            .shared
            .threads
            .lock()
            .map(|mut t| t.drain(..).collect())
            .unwrap_or_default();
        for t in others {
            let _ = t.join();
        }
        if let Ok(mut sessions) = self.shared.sessions.lock() {
            sessions.clear();
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn running(shared: &Shared, session: &Session) -> bool {
    !shared.stop.load(Ordering::SeqCst) && !session.closed.load(Ordering::SeqCst)
}

/// Client -> listen port: find or make the client's session; the datagram goes to the server's known address.
fn listen_loop(shared: &Arc<Shared>) {
    let mut rng = Rng::new(shared.config.seed);
    let mut buf = vec![0u8; 65536];
    let mut last_sweep = Instant::now();
    let mut clients: u64 = 0;
    while !shared.stop.load(Ordering::SeqCst) {
        if last_sweep.elapsed() >= Duration::from_secs(1) {
            last_sweep = Instant::now();
            forget_idle(shared);
        }
        let (n, client) = match shared.listen.recv_from(&mut buf) {
            Ok(got) => got,
            Err(e) if quiet_error(&e) => continue,
            Err(_) => break,
        };
        let existing = shared.sessions.lock().ok().and_then(|s| s.get(&client).cloned());
        let session = match existing {
            Some(s) => s,
            None if shared.clients.load(Ordering::SeqCst) >= shared.config.max_clients => {
                // No room for another client: refuse the datagram rather than grow without bound.
                shared.up.received.fetch_add(1, Ordering::Relaxed);
                shared.up.refused.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            None => {
                clients += 1;
                match open_session(shared, client, clients) {
                    Ok(session) => session,
                    Err(_) => continue,
                }
            }
        };
        let to = shared.config.to;
        shared.impair(Route::Up { session, to }, buf[..n].to_vec(), &mut rng);
    }
}

/// A new client: an upstream socket of its own and a thread reading the server's replies. The client counts
/// against the limit for as long as that thread runs.
fn open_session(shared: &Arc<Shared>, client: SocketAddr, number: u64) -> io::Result<Arc<Session>> {
    let session = Arc::new(Session {
        client,
        upstream: relay_socket(unspecified_like(shared.config.to))?,
        mirrors: Mutex::new(HashMap::new()),
        last_seen: Mutex::new(Instant::now()),
        closed: AtomicBool::new(false),
    });
    // Each client's replies get their own random stream, so one client's faults do not depend on another's timing.
    let seed = shared.config.seed ^ number.wrapping_mul(0xD1B5_4A32_D192_ED03);
    let sess = Arc::clone(&session);
    shared.clients.fetch_add(1, Ordering::SeqCst);
    let spawned = shared.spawn(format!("impair {client}"), move |s| {
        upstream_loop(s, &sess, seed);
        s.clients.fetch_sub(1, Ordering::SeqCst);
    });
    if let Err(e) = spawned {
        shared.clients.fetch_sub(1, Ordering::SeqCst);
        return Err(e);
    }
    if let Ok(mut sessions) = shared.sessions.lock() {
        sessions.insert(client, Arc::clone(&session));
    }
    Ok(session)
}

/// Server -> relay for one client. A reply from the address the client addressed goes out of the listen port; a
/// reply from any other port of the server (a TFTP transfer ID) goes out of that port's mirror, made on first
/// sight — so the client sees a new TID exactly as it would without the relay, and can tell two apart.
fn upstream_loop(shared: &Arc<Shared>, session: &Arc<Session>, seed: u64) {
    let mut rng = Rng::new(seed);
    let mut buf = vec![0u8; 65536];
    while running(shared, session) {
        let (n, from) = match session.upstream.recv_from(&mut buf) {
            Ok(got) => got,
            Err(e) if quiet_error(&e) => continue,
            Err(_) => break,
        };
        if from.ip() != shared.config.to.ip() {
            continue; // only the server may answer through this socket
        }
        let via = if from == shared.config.to {
            None
        } else {
            match mirror_for(shared, session, from) {
                Ok(m) => Some(m),
                Err(_) => continue,
            }
        };
        shared.impair(
            Route::Down {
                session: Arc::clone(session),
                via,
            },
            buf[..n].to_vec(),
            &mut rng,
        );
    }
}

fn mirror_for(shared: &Arc<Shared>, session: &Arc<Session>, server: SocketAddr) -> io::Result<Arc<Mirror>> {
    let mut mirrors = session.mirrors.lock().map_err(|_| io::Error::other("poisoned"))?;
    if let Some(m) = mirrors.get(&server) {
        return Ok(Arc::clone(m));
    }
    let listen_ip = shared.listen.local_addr()?.ip();
    let mirror = Arc::new(Mirror {
        socket: relay_socket(SocketAddr::new(listen_ip, 0))?,
        server,
    });
    mirrors.insert(server, Arc::clone(&mirror));
    let (sess, m) = (Arc::clone(session), Arc::clone(&mirror));
    let seed =
        shared.config.seed ^ u64::from(server.port()).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ sess.client.port() as u64;
    shared.spawn(format!("impair mirror {server}"), move |s| {
        mirror_loop(s, &sess, &m, seed)
    })?;
    Ok(mirror)
}

/// Client -> a mirror port: on to the server port it stands for. Only the session's client is heard.
fn mirror_loop(shared: &Arc<Shared>, session: &Arc<Session>, mirror: &Arc<Mirror>, seed: u64) {
    let mut rng = Rng::new(seed);
    let mut buf = vec![0u8; 65536];
    while running(shared, session) {
        let (n, from) = match mirror.socket.recv_from(&mut buf) {
            Ok(got) => got,
            Err(e) if quiet_error(&e) => continue,
            Err(_) => break,
        };
        if from != session.client {
            continue;
        }
        let route = Route::Up {
            session: Arc::clone(session),
            to: mirror.server,
        };
        shared.impair(route, buf[..n].to_vec(), &mut rng);
    }
}

fn forget_idle(shared: &Shared) {
    if let Ok(mut sessions) = shared.sessions.lock() {
        sessions.retain(|_, s| {
            let idle = s
                .last_seen
                .lock()
                .map(|t| t.elapsed() > shared.config.idle)
                .unwrap_or(true);
            if idle {
                s.closed.store(true, Ordering::SeqCst);
            }
            !idle
        });
    }
}

/// Sends delayed datagrams when they fall due.
fn later_loop(shared: &Arc<Shared>, jobs: &Receiver<Job>) {
    let mut heap: BinaryHeap<Job> = BinaryHeap::new();
    while !shared.stop.load(Ordering::SeqCst) {
        let wait = heap
            .peek()
            .map_or(TICK, |j| j.due.saturating_duration_since(Instant::now()).min(TICK));
        match jobs.recv_timeout(wait) {
            Ok(job) => heap.push(job),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        let now = Instant::now();
        while heap.peek().is_some_and(|j| j.due <= now) {
            if let Some(job) = heap.pop() {
                shared.deliver(&job.route, &job.bytes);
            }
        }
    }
}

/// Reads a percentage: `10%`, `10` or `0.5%`; returns a fraction.
pub fn parse_percent(text: &str) -> Result<f64, String> {
    let number = text.trim().trim_end_matches('%');
    let value: f64 = number.parse().map_err(|_| format!("{text:?} is not a percentage"))?;
    if !(0.0..=100.0).contains(&value) {
        return Err(format!("{text:?} is not between 0% and 100%"));
    }
    Ok(value / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("10%"), Ok(0.1));
        assert_eq!(parse_percent("2.5"), Ok(0.025));
        assert!(parse_percent("101%").unwrap_err().contains("between 0% and 100%"));
        assert!(parse_percent("x").unwrap_err().contains("not a percentage"));
    }

    #[test]
    fn jobs_come_out_earliest_first() {
        let session = Arc::new(Session {
            client: "127.0.0.1:1".parse().unwrap(),
            upstream: UdpSocket::bind("127.0.0.1:0").unwrap(),
            mirrors: Mutex::new(HashMap::new()),
            last_seen: Mutex::new(Instant::now()),
            closed: AtomicBool::new(false),
        });
        let to: SocketAddr = "127.0.0.1:2".parse().unwrap();
        let now = Instant::now();
        let job = |ms: u64, order: u64| Job {
            due: now + Duration::from_millis(ms),
            order,
            route: Route::Up {
                session: Arc::clone(&session),
                to,
            },
            bytes: vec![],
        };
        let mut heap: BinaryHeap<Job> = [job(30, 0), job(10, 1), job(20, 2), job(10, 3)].into_iter().collect();
        let order: Vec<u64> = std::iter::from_fn(|| heap.pop().map(|j| j.order)).collect();
        assert_eq!(order, [1, 3, 2, 0]);
    }
}
