//! The TCP echo service (RFC 862 over TCP): every byte a client sends comes back on the same connection.
//!
//! Each connection gets a thread, so a slow or silent client only ever holds up itself. The number of clients is
//! bounded: past the limit, a client is told so in one line and the connection closed, instead of the server
//! running out of threads. A client keeps its place only while it takes part: one that sends nothing, or reads
//! none of its echo, for the idle time is dropped, so a few stuck clients cannot hold every place for ever. When a
//! client closes its sending side (half-close), the server finishes echoing what it has, then closes its own side.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long a refused client is given to read the "busy" line. Meanwhile the server reads, and throws away, what
/// the client sends: a socket closed with unread data makes the kernel answer with a reset instead of an orderly
/// close, and a client still sending then gets "connection reset" or "broken pipe" before it ever reads our line.
const REFUSAL_GRACE: Duration = Duration::from_secs(2);
/// The most a refused client may send during its grace: more than a client sends before it reads an answer (an
/// upload piped in, say), yet reading it away takes milliseconds, so one cannot keep the server busy with a flood.
const REFUSAL_DRAIN: usize = 16 << 20;
/// Refused clients given that grace at the same time, on a small thread each. Past this, a refused client is told
/// and closed at once, so a flood of connections costs at most this many threads beyond the clients served.
const MAX_REFUSING: usize = 16;

/// Connections the kernel queues for `accept`: room for a burst of clients arriving at once (the tests connect
/// 200), where the usual 128 would make the last of them wait for a retry of their SYN.
pub const BACKLOG: i32 = 1024;

/// The server's listening socket on `addr` (dual stack on IPv6). SO_REUSEADDR lets a restarted server bind its
/// port while connections of the last run still wait out TIME_WAIT.
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    crate::server_socket(addr).reuse_address(true).listen_tcp(addr, BACKLOG)
}

/// What a connection did, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A client connected.
    Connected(SocketAddr),
    /// A client was turned away: too many at once.
    Refused(SocketAddr),
    /// Bytes echoed on a connection.
    Echoed(SocketAddr, Vec<u8>),
    /// The server dropped a client that stopped taking part, freeing its place.
    GaveUp(SocketAddr, Stall),
    /// A connection ended, after echoing this many bytes.
    Closed(SocketAddr, u64),
}

/// Why the server gave up on a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stall {
    /// It sent nothing for the idle time.
    Silent,
    /// It read none of its echo for the idle time: the server could not send, because the client's receive buffer
    /// and the server's send buffer were both full.
    NotReading,
}

impl fmt::Display for Stall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stall::Silent => "sent nothing for --idle seconds",
            Stall::NotReading => "did not read its echo for --idle seconds",
        })
    }
}

/// The log line for `event`, or `None` when it is not shown: with `quiet`, only refusals and clients dropped.
pub fn log_line(event: &Event, quiet: bool) -> Option<String> {
    match event {
        Event::Echoed(peer, bytes) if !quiet => Some(crate::echoed_line(*peer, bytes)),
        Event::Connected(peer) if !quiet => Some(format!("{peer} connected")),
        Event::Closed(peer, total) if !quiet => Some(format!("{peer} closed after {total} bytes")),
        Event::Refused(peer) => Some(format!("{peer} refused: too many clients")),
        Event::GaveUp(peer, why) => Some(format!("{peer} dropped: {why}")),
        _ => None,
    }
}

/// A socket timeout: `WouldBlock` on Unix, `TimedOut` on Windows.
fn timed_out(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

/// Echoes bytes back until the peer closes its side (or resets the connection), or until it stalls for `idle`
/// either way. Returns the bytes echoed, and the stall if that is why the connection ended.
pub fn echo_connection(
    mut stream: TcpStream,
    idle: Duration,
    on_event: &(dyn Fn(Event) + Sync),
) -> (u64, Option<Stall>) {
    let Ok(peer) = stream.peer_addr() else {
        return (0, None); // gone already
    };
    // A read that waits longer than `idle` means the client sends nothing. A write that waits that long means the
    // client reads nothing: the timeout applies to each send, which returns as soon as any byte gets through, so
    // only a client that takes none of its echo for the whole time hits it.
    let set_up = stream
        .set_read_timeout(Some(idle))
        .and_then(|()| stream.set_write_timeout(Some(idle)))
        .and_then(|()| stream.set_nodelay(true));
    if set_up.is_err() {
        return (0, None);
    }
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => break, // the client closed its sending side
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if timed_out(&e) => return (total, Some(Stall::Silent)),
            Err(_) => return (total, None),
        };
        match stream.write_all(&buf[..n]) {
            Ok(()) => {}
            Err(e) if timed_out(&e) => return (total, Some(Stall::NotReading)),
            Err(_) => return (total, None),
        }
        total += n as u64;
        on_event(Event::Echoed(peer, buf[..n].to_vec()));
    }
    // Half-close answered: everything has been echoed, so close our side too.
    let _ = stream.shutdown(Shutdown::Write);
    (total, None)
}

/// Accepts clients until the listener fails, at most `max_clients` at once.
pub fn serve(
    listener: &TcpListener,
    max_clients: usize,
    idle: Duration,
    on_event: Arc<dyn Fn(Event) + Send + Sync>,
) -> io::Result<()> {
    let active = Arc::new(AtomicUsize::new(0));
    let refusing = Arc::new(AtomicUsize::new(0));
    loop {
        let (stream, peer) = match listener.accept() {
            Ok(got) => got,
            Err(e) if matches!(e.kind(), io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted) => continue,
            Err(e) => return Err(e),
        };
        if active.load(Ordering::SeqCst) >= max_clients {
            on_event(Event::Refused(peer));
            turn_away(stream, peer, max_clients, &refusing);
            continue;
        }
        active.fetch_add(1, Ordering::SeqCst);
        on_event(Event::Connected(peer));
        let (count, events) = (Arc::clone(&active), Arc::clone(&on_event));
        let spawned = std::thread::Builder::new().name(format!("echo {peer}")).spawn(move || {
            let (total, stall) = echo_connection(stream, idle, &*events);
            // Free the place before telling anyone, so whoever hears the connection ended finds the place free.
            count.fetch_sub(1, Ordering::SeqCst);
            if let Some(why) = stall {
                events(Event::GaveUp(peer, why));
            }
            events(Event::Closed(peer, total));
        });
        if spawned.is_err() {
            active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Tells a client over the limit that the server is busy: with a grace to read the line on a thread of its own
/// while fewer than [`MAX_REFUSING`] have one, otherwise at once.
fn turn_away(stream: TcpStream, peer: SocketAddr, max_clients: usize, refusing: &Arc<AtomicUsize>) {
    if refusing.fetch_add(1, Ordering::SeqCst) < MAX_REFUSING {
        let count = Arc::clone(refusing);
        let spawned = std::thread::Builder::new()
            .name(format!("refuse {peer}"))
            .spawn(move || {
                tell_busy(stream, max_clients, REFUSAL_GRACE);
                count.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            // No thread: the connection, moved into it, is closed without the line.
            refusing.fetch_sub(1, Ordering::SeqCst);
        }
        return;
    }
    refusing.fetch_sub(1, Ordering::SeqCst);
    tell_busy(stream, max_clients, Duration::ZERO);
}

/// Sends the "busy" line and closes the connection in order: our sending side first, so the line is followed by
/// end-of-stream; then, after reading away what the client sends for at most `grace` (until it closes too), the
/// socket — so the close is not turned into a reset by data left unread.
fn tell_busy(mut stream: TcpStream, max_clients: usize, grace: Duration) {
    // One short line into an empty send buffer never waits; the timeout is a guard all the same.
    let _ = stream.set_write_timeout(Some(REFUSAL_GRACE));
    let _ = writeln!(stream, "echo-server: busy ({max_clients} clients), try again later");
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + grace;
    let mut buf = [0u8; 16 * 1024];
    let mut discarded = 0;
    while discarded < REFUSAL_DRAIN {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match stream.read(&mut buf) {
            Ok(0) => break, // the client closed too: nothing is left unread
            Ok(n) => discarded += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_and_what_quiet_keeps() {
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let line = |event: Event, quiet| log_line(&event, quiet);
        assert_eq!(
            line(Event::Echoed(peer, b"hi\n".to_vec()), false).as_deref(),
            Some("127.0.0.1:5000 3 bytes \"hi\\n\"")
        );
        assert_eq!(
            line(Event::Connected(peer), false).as_deref(),
            Some("127.0.0.1:5000 connected")
        );
        assert_eq!(
            line(Event::Closed(peer, 9), false).as_deref(),
            Some("127.0.0.1:5000 closed after 9 bytes")
        );
        for quiet_hides in [
            Event::Echoed(peer, vec![1]),
            Event::Connected(peer),
            Event::Closed(peer, 1),
        ] {
            assert_eq!(line(quiet_hides, true), None);
        }
        assert_eq!(
            line(Event::Refused(peer), true).as_deref(),
            Some("127.0.0.1:5000 refused: too many clients")
        );
        assert_eq!(
            line(Event::GaveUp(peer, Stall::Silent), true).as_deref(),
            Some("127.0.0.1:5000 dropped: sent nothing for --idle seconds")
        );
    }
}
