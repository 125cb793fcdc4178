//! The TCP echo service (RFC 862 over TCP): every byte a client sends comes back on the same connection.
//!
//! Each connection gets a thread, so a slow or silent client only ever holds up itself. The number of clients is
//! bounded: past the limit, a client is told so in one line and the connection closed, instead of the server
//! running out of threads. When a client closes its sending side (half-close), the server finishes echoing what
//! it has, then closes its own side.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// What a connection did, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A client connected.
    Connected(SocketAddr),
    /// A client was turned away: too many at once.
    Refused(SocketAddr),
    /// Bytes echoed on a connection.
    Echoed(SocketAddr, Vec<u8>),
    /// A connection ended, after echoing this many bytes.
    Closed(SocketAddr, u64),
}

/// Echoes bytes back until the peer closes its side; returns the bytes echoed.
pub fn echo_connection(mut stream: TcpStream, idle: Duration, on_event: &(dyn Fn(Event) + Sync)) -> io::Result<u64> {
    let peer = stream.peer_addr()?;
    stream.set_read_timeout(Some(idle))?;
    stream.set_nodelay(true)?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => break, // the client closed its sending side
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        stream.write_all(&buf[..n])?;
        total += n as u64;
        on_event(Event::Echoed(peer, buf[..n].to_vec()));
    }
    // Half-close answered: everything has been echoed, so close our side too.
    let _ = stream.shutdown(Shutdown::Write);
    Ok(total)
}

/// Accepts clients until the listener fails, at most `max_clients` at once.
pub fn serve(
    listener: &TcpListener,
    max_clients: usize,
    idle: Duration,
    on_event: Arc<dyn Fn(Event) + Send + Sync>,
) -> io::Result<()> {
    let active = Arc::new(AtomicUsize::new(0));
    loop {
        let (mut stream, peer) = match listener.accept() {
            Ok(got) => got,
            Err(e) if matches!(e.kind(), io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted) => continue,
            Err(e) => return Err(e),
        };
        if active.load(Ordering::SeqCst) >= max_clients {
            let _ = writeln!(stream, "echo-server: busy ({max_clients} clients), try again later");
            let _ = stream.shutdown(Shutdown::Both);
            on_event(Event::Refused(peer));
            continue;
        }
        active.fetch_add(1, Ordering::SeqCst);
        on_event(Event::Connected(peer));
        let (count, events) = (Arc::clone(&active), Arc::clone(&on_event));
        let spawned = std::thread::Builder::new().name(format!("echo {peer}")).spawn(move || {
            let total = echo_connection(stream, idle, &*events).unwrap_or(0);
            events(Event::Closed(peer, total));
            count.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}
