//! # tftp-server — a lab TFTP server that is safe to leave running
//!
//! The seed's client needs a server to talk to, and a student cannot install tftpd on a lab machine without root.
//! This one runs from the workspace on a high port (`just tftp-server`), serves one folder, and uses the `tftp`
//! crate's codec and transfer engine — the same code as the client.
//!
//! ## Layout
//! - [`Config`], [`Server`] (this file): the request port, and a thread per transfer.
//! - [`request`]: what the request port does with one datagram — serve it, answer ERROR 4, or drop it — as a
//!   pure function ([`request::arrival`]).
//! - `session.rs` (private): one download or upload from the server's side, on a port of its own (its TID), with
//!   its log line.
//! - [`paths`]: which file a requested name may reach (inside ROOT only).
//! - [`uploads`]: the temporary files of unfinished uploads, and their removal (failure, signal, next start).
//!
//! ```text
//! client                       server :69 (listens)      server :50123 (this transfer's TID)
//!   RRQ hello.txt  ------------>   spawns a session ->
//!                  <--------------------------------------  DATA 1 (or OACK, then waits for ACK 0)
//!   ACK 1          ------------------------------------->
//! ```

pub mod paths;
pub mod request;
mod session;
pub mod uploads;

use std::collections::HashSet;
use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use netlab::SocketBuilder;
use netlab::capture::{Capture, CapturedSocket};
use netlab::sock::MAX_DATAGRAM;
use tftp::ErrorCode;
use tftp::options::ServerLimits;
use tftp::packet::{PrettyPrinter, error_bytes};

use request::Arrival;
use session::{Shared, Slot};
use uploads::Uploads;

/// What the server serves and allows.
#[derive(Debug, Clone)]
pub struct Config {
    /// The served folder, canonical (links resolved).
    pub root: PathBuf,
    /// Uploads may replace existing files.
    pub writable: bool,
    /// Uploads may create new files.
    pub create: bool,
    /// Largest upload accepted, in bytes.
    pub max_size: Option<u64>,
    /// Transfers at once; more are refused with "server busy".
    pub max_sessions: usize,
    /// Retransmission timer when the client negotiates none.
    pub rexmt: Duration,
    /// Retransmissions in a row before a transfer is abandoned (then it is cleaned up).
    pub retries: u32,
    /// Log every packet.
    pub verbose: bool,
    /// Caps on blksize and windowsize.
    pub limits: ServerLimits,
    /// Where every datagram is recorded (`--pcap FILE`), if anywhere: the request port's and every transfer's,
    /// one file for all of them.
    pub capture: Option<Arc<Capture>>,
}

impl Config {
    /// Read-only defaults over `root`, which must be a folder: a file there would start a server that answers
    /// "file not found" to everything.
    pub fn new(root: &std::path::Path) -> io::Result<Self> {
        let root = root.canonicalize()?;
        if !root.is_dir() {
            let why = "not a folder (--root names the folder to serve)";
            return Err(io::Error::new(io::ErrorKind::NotADirectory, why));
        }
        Ok(Config {
            root,
            writable: false,
            create: false,
            max_size: None,
            max_sessions: 64,
            rexmt: Duration::from_secs(1),
            retries: 5,
            verbose: false,
            limits: ServerLimits::default(),
            capture: None,
        })
    }

    /// What uploads may do, in words, for the line the server prints when it starts.
    pub fn access(&self) -> &'static str {
        match (self.writable, self.create) {
            (false, false) => "read-only",
            (true, false) => "uploads may replace files",
            (false, true) => "uploads may create files",
            (true, true) => "uploads may create and replace files",
        }
    }
}

/// Log lines go to one writer (stdout for the program), a line at a time, so threads never interleave.
pub type LogSink = Arc<Mutex<dyn Write + Send>>;

fn log(sink: &LogSink, line: &str) {
    if let Ok(mut out) = sink.lock() {
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

/// A bound server: call [`Server::run`] to serve.
pub struct Server {
    socket: CapturedSocket,
    config: Arc<Config>,
    active: Arc<AtomicUsize>,
    /// Clients with a transfer under way, so a repeated request does not start a second one.
    clients: Arc<Mutex<HashSet<SocketAddr>>>,
    uploads: Uploads,
    log: LogSink,
    stop: Arc<AtomicBool>,
}

/// Stops a running [`Server`] from another thread (tests use it; the program runs until killed).
#[derive(Debug, Clone)]
pub struct Stopper {
    flag: Arc<AtomicBool>,
    addr: SocketAddr,
}

impl Stopper {
    /// Asks the server to stop and wakes it with an empty datagram; transfers under way finish on their own.
    pub fn stop(&self) {
        self.flag.store(true, Ordering::SeqCst);
        let wake_to = match self.addr.ip() {
            ip if ip.is_unspecified() && self.addr.is_ipv4() => {
                SocketAddr::new(Ipv4Addr::LOCALHOST.into(), self.addr.port())
            }
            ip if ip.is_unspecified() => SocketAddr::new(Ipv6Addr::LOCALHOST.into(), self.addr.port()),
            _ => self.addr,
        };
        let any: SocketAddr = if wake_to.is_ipv4() {
            ([127, 0, 0, 1], 0).into()
        } else {
            (Ipv6Addr::LOCALHOST, 0).into()
        };
        if let Ok(s) = UdpSocket::bind(any) {
            let _ = s.send_to(&[], wake_to);
        }
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("socket", &self.socket)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Binds the request port. IPv6 `[::]` also hears IPv4 (dual stack).
    pub fn bind(addr: SocketAddr, config: Config, log: LogSink) -> io::Result<Self> {
        let mut builder = SocketBuilder::new();
        if addr.is_ipv6() {
            builder = builder.v6_only(false);
        }
        let socket = CapturedSocket::new(builder.bind_udp(addr)?, config.capture.clone());
        let stop = Arc::new(AtomicBool::new(false));
        Ok(Server {
            socket,
            config: Arc::new(config),
            active: Arc::new(AtomicUsize::new(0)),
            clients: Arc::new(Mutex::new(HashSet::new())),
            uploads: Uploads::new(),
            log,
            stop,
        })
    }

    /// A handle that stops [`Server::run`].
    pub fn stopper(&self) -> io::Result<Stopper> {
        Ok(Stopper {
            flag: Arc::clone(&self.stop),
            addr: self.local_addr()?,
        })
    }

    /// The uploads under way, for a signal handler: [`Uploads::abandon_all`] removes their temporary files.
    pub fn uploads(&self) -> Uploads {
        self.uploads.clone()
    }

    /// Transfers under way now.
    pub fn active_sessions(&self) -> usize {
        self.active.load(Ordering::SeqCst)
    }

    /// The address actually bound (port 0 becomes a real port).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Serves requests until the socket fails or a [`Stopper`] stops it. Each request gets a thread and a
    /// socket of its own. First it removes what a killed server left in ROOT: temporary files of unfinished
    /// uploads (one line each); requests that come meanwhile wait in the socket's queue.
    pub fn run(&self) -> io::Result<()> {
        for (path, bytes) in uploads::remove_leftovers(&self.config.root) {
            let name = path.strip_prefix(&self.config.root).unwrap_or(&path).display();
            log(
                &self.log,
                &format!("removed {name} ({bytes} bytes), an upload left unfinished when a server was stopped"),
            );
        }
        let mut buf = vec![0u8; MAX_DATAGRAM];
        let local_ip = self.local_addr()?.ip();
        let busy = || error_bytes(ErrorCode::NotDefined, "server busy, try again later");
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            let (n, client) = match self.socket.recv_from(&mut buf) {
                Ok(got) => got,
                // ICMP errors from earlier replies, or a signal: keep serving.
                Err(e) if matches!(e.kind(), io::ErrorKind::ConnectionRefused | io::ErrorKind::Interrupted) => {
                    continue;
                }
                Err(e) => return Err(e),
            };
            if self.stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            let (op, request) = match request::arrival(&buf[..n]) {
                Arrival::Serve(op, request) => (op, request),
                Arrival::Reply(error) => {
                    let _ = self.socket.send_to(&error, client);
                    continue;
                }
                Arrival::Ignore => {
                    if self.config.verbose {
                        let what = PrettyPrinter::new(&buf[..n]);
                        log(&self.log, &format!("{client} -> {what}: ignored, not a request"));
                    }
                    continue;
                }
            };
            if self.config.verbose {
                log(&self.log, &format!("{client} -> {}", PrettyPrinter::new(&buf[..n])));
            }
            // A repeated request from a client whose transfer is under way: its first reply was lost or slow,
            // and that transfer will resend it. A second transfer would only compete with the first.
            if self.clients.lock().map(|c| c.contains(&client)).unwrap_or(false) {
                continue;
            }
            if self.active.load(Ordering::SeqCst) >= self.config.max_sessions {
                let _ = self.socket.send_to(&busy(), client);
                continue;
            }
            let slot = Slot::take(&self.active, &self.clients, client);
            let (config, sink, uploads) = (Arc::clone(&self.config), Arc::clone(&self.log), self.uploads.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("tftp {client}"))
                .spawn(move || {
                    let shared = Shared {
                        config: &config,
                        uploads: &uploads,
                        sink: &sink,
                    };
                    session::run(&shared, op, &request, client, local_ip, slot);
                });
            if spawned.is_err() {
                let _ = self.socket.send_to(&busy(), client);
            }
        }
    }
}
