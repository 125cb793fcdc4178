//! The relay's threads, one per socket: the listen port, each client's upstream socket, each mirrored server
//! port. Each reads datagrams, works out where they go (a [`Route`]), and hands them to [`Shared::impair`].
//!
//! ```text
//! client  ──►  [listen]       udp-impair  [one socket per client]  ──►  server (--to)
//! client  ◄──  [mirror of P]             ◄── replies from the server's port P (TFTP's new TID)
//! client  ──►  [mirror of P]             ──►  server port P
//! ```
//!
//! A TFTP server answers a request from a new port, its transfer ID. The relay follows it: it answers the client
//! from a new port of its own that stands for the server's (a [`Mirror`]), so the client latches a new TID just
//! as it would without the relay, and what the client sends there goes on to the server's new port.

use std::collections::HashMap;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use netlab::capture::local_address;
use netlab::rng::Rng;

use crate::capture;
use crate::shared::{MAX_DATAGRAM, Mirror, Route, Session, Shared, quiet_error, relay_socket, unspecified_like};

/// How often the listen thread looks for clients silent longer than [`Config::idle`](crate::Config::idle).
const SWEEP: Duration = Duration::from_secs(1);

/// Client -> listen port: find or make the client's session; the datagram goes to the server's known address.
pub(crate) fn listen_loop(shared: &Arc<Shared>) {
    let mut rng = Rng::new(shared.config.seed);
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let mut last_sweep = Instant::now();
    let mut clients: u64 = 0;
    while !shared.stop.load(Ordering::SeqCst) {
        if last_sweep.elapsed() >= SWEEP {
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
            // --to leads back here, by a way leads_back cannot see (another address of this machine) or through
            // another relay: this is our own datagram, come round again. Relaying it would only make one more
            // session, and so on.
            None if is_own_upstream(shared, client) || shared.came_round(&buf[..n]) => {
                shared.up.came_back();
                let here = local_address(&shared.listen, client);
                shared.arrived(client, here, &buf[..n], capture::came_back);
                continue;
            }
            None if shared.clients.load(Ordering::SeqCst) >= shared.config.max_clients => {
                // No room for another client: refuse the datagram rather than grow without bound.
                shared.up.refused();
                let max = shared.config.max_clients;
                let here = local_address(&shared.listen, client);
                shared.arrived(client, here, &buf[..n], |number| capture::refused(number, max));
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
        let (to, here) = (shared.config.to, session.listen_side);
        shared.impair(Route::Up { session, to }, (client, here), buf[..n].to_vec(), &mut rng);
    }
}

/// Whether `from` is one of the relay's own upstream sockets. Compared in canonical form: an IPv6 listen socket
/// sees a datagram from IPv4's 127.0.0.1 as coming from `::ffff:127.0.0.1`.
fn is_own_upstream(shared: &Shared, from: SocketAddr) -> bool {
    let from = canonical(from);
    let sessions = shared.sessions.lock();
    sessions.is_ok_and(|sessions| sessions.values().any(|s| canonical(s.upstream_side) == from))
}

/// `addr` with an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) written as the IPv4 address it stands for.
fn canonical(addr: SocketAddr) -> SocketAddr {
    SocketAddr::new(addr.ip().to_canonical(), addr.port())
}

/// A new client: an upstream socket of its own and a thread reading the server's replies. The client counts
/// against the limit for as long as that thread runs.
fn open_session(shared: &Arc<Shared>, client: SocketAddr, number: u64) -> io::Result<Arc<Session>> {
    let upstream = relay_socket(unspecified_like(shared.config.to))?;
    let session = Arc::new(Session {
        client,
        listen_side: local_address(&shared.listen, client),
        upstream_side: local_address(&upstream, shared.config.to),
        upstream,
        mirrors: Mutex::new(HashMap::new()),
        last_seen: Mutex::new(Instant::now()),
        answered: AtomicBool::new(false),
        closed: AtomicBool::new(false),
    });
    // Each client's replies get their own random stream, so one client's faults do not depend on another's timing.
    let seed = shared.config.seed ^ number.wrapping_mul(0xD1B5_4A32_D192_ED03);
    let sess = Arc::clone(&session);
    shared.clients.fetch_add(1, Ordering::SeqCst);
    let spawned = shared.spawn(format!("impair {client}"), move |s| {
        server_replies(s, &sess, seed);
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
fn server_replies(shared: &Arc<Shared>, session: &Arc<Session>, seed: u64) {
    let server = shared.config.to;
    relay_each(
        shared,
        session,
        &session.upstream,
        session.upstream_side,
        seed,
        |from| {
            if from.ip() != server.ip() {
                return None; // only the server may answer through this socket
            }
            session.answered.store(true, Ordering::SeqCst);
            let via = if from == server {
                None
            } else {
                Some(mirror_for(shared, session, from).ok()?)
            };
            Some(Route::Down {
                session: Arc::clone(session),
                via,
            })
        },
    );
}

/// The mirror of server port `server` for this session, made (with its thread) the first time that port speaks.
fn mirror_for(shared: &Arc<Shared>, session: &Arc<Session>, server: SocketAddr) -> io::Result<Arc<Mirror>> {
    let mut mirrors = session.mirrors.lock().map_err(|_| io::Error::other("poisoned"))?;
    if let Some(m) = mirrors.get(&server) {
        return Ok(Arc::clone(m));
    }
    let listen_ip = shared.listen.local_addr()?.ip();
    let socket = relay_socket(SocketAddr::new(listen_ip, 0))?;
    let mirror = Arc::new(Mirror {
        local: local_address(&socket, session.client),
        socket,
        server,
    });
    mirrors.insert(server, Arc::clone(&mirror));
    let (sess, m) = (Arc::clone(session), Arc::clone(&mirror));
    let seed =
        shared.config.seed ^ u64::from(server.port()).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ sess.client.port() as u64;
    shared.spawn(format!("impair mirror {server}"), move |s| {
        // Client -> a mirror port: on to the server port it stands for. Only the session's client is heard.
        relay_each(s, &sess, &m.socket, m.local, seed, |from| {
            (from == sess.client).then(|| Route::Up {
                session: Arc::clone(&sess),
                to: m.server,
            })
        });
    })?;
    Ok(mirror)
}

/// Reads `socket` (whose address is `here`) for as long as the session lives, and impairs each datagram along
/// the route that `route_for` gives its sender (none: it is ignored). `seed` starts this socket's own random
/// stream.
fn relay_each(
    shared: &Arc<Shared>,
    session: &Session,
    socket: &UdpSocket,
    here: SocketAddr,
    seed: u64,
    mut route_for: impl FnMut(SocketAddr) -> Option<Route>,
) {
    let mut rng = Rng::new(seed);
    let mut buf = vec![0u8; MAX_DATAGRAM];
    while shared.running(session) {
        let (n, from) = match socket.recv_from(&mut buf) {
            Ok(got) => got,
            Err(e) if quiet_error(&e) => continue,
            Err(_) => break,
        };
        match route_for(from) {
            Some(route) => shared.impair(route, (from, here), buf[..n].to_vec(), &mut rng),
            None => {
                shared.arrived(from, here, &buf[..n], capture::ignored);
            }
        }
    }
}

/// Forgets the clients silent longer than [`Config::idle`](crate::Config::idle): their threads see `closed` and
/// end, which makes room for new clients.
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
