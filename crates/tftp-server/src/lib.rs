//! # tftp-server — a lab TFTP server that is safe to leave running
//!
//! The seed's client needs a server to talk to, and a student cannot install tftpd on a lab machine without root.
//! This one runs from the workspace on a high port (`just tftp-server`), serves one folder, and uses the `tftp`
//! crate's codec and transfer engine — the same code as the client.
//!
//! ## Layout
//! - [`paths`]: which file a requested name may reach (inside ROOT only).
//! - [`uploads`]: the temporary files of unfinished uploads, and their removal (failure, signal, next start).
//! - [`Config`], [`Server`]: the listening socket, one thread per transfer, each on its own port (its TID).
//! - `session` (private): one download or upload from the server's side, with its log line.
//!
//! ```text
//! client                       server :69 (listens)      server :50123 (this transfer's TID)
//!   RRQ hello.txt  ------------>   spawns a session ->
//!                  <--------------------------------------  DATA 1 (or OACK, then waits for ACK 0)
//!   ACK 1          ------------------------------------->
//! ```

pub mod paths;
pub mod uploads;

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use netlab::SocketBuilder;
use tftp::netascii::{NetasciiReader, NetasciiWriter};
use tftp::options::{ServerLimits, negotiate};
use tftp::packet::{Opcode, ack_bytes, describe, error_bytes};
use tftp::transfer::{self, Channel, Direction, ReceiveStart};
use tftp::{ErrorCode, Mode, Observer, OptionRequest, Packet, Request, Stats, TransferError};
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
        })
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
    socket: UdpSocket,
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
        let socket = builder.bind_udp(addr)?;
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
        let mut buf = vec![0u8; transfer::MAX_DATAGRAM];
        let local_ip = self.local_addr()?.ip();
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
            // Only a request is answered here. Anything else — DATA, ACK, OACK, ERROR, junk — is dropped without a
            // word, as tftpd-hpa does: RFC 1350 never answers an ERROR, and answering the rest would let one forged
            // datagram start an endless exchange of ERRORs with another server (or an echo server). A request that
            // is broken gets ERROR 4 naming what is wrong: nothing of ours sends a request in answer to anything.
            // Read liberally: an incomplete last option is ignored, as tftpd-hpa ignores it (see decode_lenient).
            let request = match Packet::decode_lenient(&buf[..n]) {
                Ok(Packet::Rrq(req)) => (req, false),
                Ok(Packet::Wrq(req)) => (req, true),
                Err(e) if matches!(Opcode::of(&buf[..n]), Some(Opcode::Rrq | Opcode::Wrq)) => {
                    let _ = self
                        .socket
                        .send_to(&error_bytes(ErrorCode::IllegalOperation, &e.to_string()), client);
                    continue;
                }
                _ => {
                    if self.config.verbose {
                        let what = describe(&buf[..n]);
                        log(&self.log, &format!("{client} -> {what}: ignored, not a request"));
                    }
                    continue;
                }
            };
            if self.config.verbose {
                log(&self.log, &format!("{client} -> {}", describe(&buf[..n])));
            }
            // A repeated request from a client whose transfer is under way: its first reply was lost or slow,
            // and that transfer will resend it. A second transfer would only compete with the first.
            if self.clients.lock().map(|c| c.contains(&client)).unwrap_or(false) {
                continue;
            }
            if self.active.load(Ordering::SeqCst) >= self.config.max_sessions {
                let _ = self.socket.send_to(
                    &error_bytes(ErrorCode::NotDefined, "server busy, try again later"),
                    client,
                );
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
                    session(&shared, &request.0, request.1, client, local_ip, slot);
                });
            if spawned.is_err() {
                let _ = self.socket.send_to(
                    &error_bytes(ErrorCode::NotDefined, "server busy, try again later"),
                    client,
                );
            }
        }
    }
}

/// A transfer's place among the server's sessions: counted in `active`, its client in `clients`. Released
/// once, by [`Slot::release`] or when dropped (a panicking session still frees its place).
struct Slot {
    active: Arc<AtomicUsize>,
    clients: Arc<Mutex<HashSet<SocketAddr>>>,
    client: SocketAddr,
    held: bool,
}

impl Slot {
    fn take(active: &Arc<AtomicUsize>, clients: &Arc<Mutex<HashSet<SocketAddr>>>, client: SocketAddr) -> Slot {
        active.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut c) = clients.lock() {
            c.insert(client);
        }
        Slot {
            active: Arc::clone(active),
            clients: Arc::clone(clients),
            client,
            held: true,
        }
    }

    fn release(&mut self) {
        if std::mem::take(&mut self.held) {
            self.active.fetch_sub(1, Ordering::SeqCst);
            if let Ok(mut c) = self.clients.lock() {
                c.remove(&self.client);
            }
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.release();
    }
}

/// `-v`: one line per packet of a transfer.
struct PacketLog<'a> {
    sink: &'a LogSink,
    verbose: bool,
}

impl Observer for PacketLog<'_> {
    fn packet(&mut self, dir: Direction, peer: SocketAddr, bytes: &[u8], resent: bool) {
        if self.verbose {
            let arrow = match dir {
                Direction::Sent if resent => "<= (again)",
                Direction::Sent => "<-",
                Direction::Received => "->",
            };
            log(self.sink, &format!("{peer} {arrow} {}", describe(bytes)));
        }
    }
}

/// Why a session ended early: the ERROR already sent, for the log.
struct Refusal(ErrorCode, String);

/// Runs one transfer and logs its line: peer, file, direction, bytes, duration, outcome.
/// What every session shares with the server.
struct Shared<'a> {
    config: &'a Config,
    uploads: &'a Uploads,
    sink: &'a LogSink,
}

fn session(shared: &Shared<'_>, req: &Request, write: bool, client: SocketAddr, local_ip: IpAddr, mut slot: Slot) {
    let Shared { config, uploads, sink } = *shared;
    let started = Instant::now();
    let busy = slot.active.load(Ordering::SeqCst);
    let verb = if write { "put" } else { "get" };
    let head = format!("{client} {verb} {:?} {}", req.filename, req.mode);
    // The transfer's own socket: a new port is the server's TID for this client.
    let socket = match SocketBuilder::new().bind_udp(SocketAddr::new(local_ip, 0)) {
        Ok(s) => s,
        Err(e) => {
            log(sink, &format!("{head}: failed: cannot open a transfer socket: {e}"));
            return;
        }
    };
    let mut observer = PacketLog {
        sink,
        verbose: config.verbose,
    };
    let result = if write {
        upload(config, uploads, req, socket, client, busy, &mut observer)
            .map(|(bytes, finished)| (bytes, Some(finished)))
    } else {
        download(config, req, socket, client, busy, &mut observer).map(|bytes| (bytes, None))
    };
    let secs = started.elapsed().as_secs_f64();
    let line = match &result {
        Ok((bytes, _)) => format!("{head}: {bytes} bytes in {secs:.3} s, ok"),
        Err(SessionError::Refused(Refusal(code, why))) => format!("{head}: refused, ERROR {code}: {why}"),
        Err(SessionError::Transfer(e, bytes)) => format!("{head}: failed after {bytes} bytes in {secs:.3} s: {e}"),
        Err(SessionError::Incomplete { bytes, blksize, why }) => format!(
            "{head}: upload incomplete: the final block (shorter than {blksize} bytes; empty if the file is a \
             multiple of {blksize}) never came, so the {bytes} bytes received were discarded ({why}, after {secs:.3} s)"
        ),
    };
    log(sink, &line);
    // The transfer is over: free its slot (the client may start another from the same port). An upload then
    // lingers in case our final ACK was lost.
    slot.release();
    if let Ok((_, Some((mut ch, stats)))) = result {
        let _ = transfer::dally(&mut ch, &stats);
    }
}

enum SessionError {
    Refused(Refusal),
    Transfer(TransferError, u64),
    /// An upload whose sender went quiet before the short block that ends every TFTP transfer: the tutorial's
    /// client, which pads every block to 512 bytes, ends this way.
    Incomplete {
        bytes: u64,
        blksize: usize,
        why: TransferError,
    },
}

fn refuse(socket: &UdpSocket, client: SocketAddr, code: ErrorCode, why: &str) -> SessionError {
    let _ = socket.send_to(&error_bytes(code, why), client);
    SessionError::Refused(Refusal(code, why.to_string()))
}

fn refused_path(socket: &UdpSocket, client: SocketAddr, refused: paths::Refused) -> SessionError {
    let code = if refused.0 == paths::NOT_FOUND {
        ErrorCode::FileNotFound
    } else {
        ErrorCode::AccessViolation
    };
    refuse(socket, client, code, &refused.0)
}

fn io_refusal(socket: &UdpSocket, client: SocketAddr, e: &io::Error) -> SessionError {
    let code = match e.kind() {
        io::ErrorKind::NotFound => ErrorCode::FileNotFound,
        io::ErrorKind::PermissionDenied => ErrorCode::AccessViolation,
        io::ErrorKind::StorageFull => ErrorCode::DiskFull,
        _ => ErrorCode::NotDefined,
    };
    refuse(socket, client, code, &e.to_string())
}

/// Options and a socket sized for them; polling only while there are spare cores for it.
fn channel<'o>(
    config: &Config,
    socket: UdpSocket,
    client: SocketAddr,
    negotiated: &tftp::Negotiated,
    active: usize,
    observer: &'o mut dyn Observer,
) -> Channel<'o> {
    let buffer = tftp::options::socket_buffer_for(negotiated.blksize, negotiated.windowsize);
    let sock = socket2::SockRef::from(&socket);
    let _ = sock.set_recv_buffer_size(buffer);
    let _ = sock.set_send_buffer_size(buffer);
    let rexmt = negotiated
        .timeout
        .map_or(config.rexmt, |t| Duration::from_secs(u64::from(t)));
    let mut ch = Channel::new(socket, client, true, rexmt, config.retries, observer);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if active >= cores {
        ch.set_polling(false);
    }
    ch
}

fn check_mode(socket: &UdpSocket, client: SocketAddr, mode: Mode) -> Result<(), SessionError> {
    if mode == Mode::Mail {
        return Err(refuse(
            socket,
            client,
            ErrorCode::IllegalOperation,
            "mail mode is not supported",
        ));
    }
    Ok(())
}

/// The size of a file as netascii sends it: every LF and CR gains a byte.
fn netascii_size(file: &File) -> io::Result<u64> {
    let mut reader = BufReader::new(file);
    let mut buf = [0u8; 64 << 10];
    let mut size = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            return Ok(size);
        }
        size += n as u64 + buf[..n].iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64;
    }
}

/// RRQ: the client downloads.
fn download(
    config: &Config,
    req: &Request,
    socket: UdpSocket,
    client: SocketAddr,
    active: usize,
    observer: &mut dyn Observer,
) -> Result<u64, SessionError> {
    check_mode(&socket, client, req.mode)?;
    let path = paths::for_reading(&config.root, &req.filename).map_err(|r| refused_path(&socket, client, r))?;
    let file = File::open(&path).map_err(|e| io_refusal(&socket, client, &e))?;
    let size = match req.mode {
        Mode::Netascii => netascii_size(&file).map_err(|e| io_refusal(&socket, client, &e))?,
        _ => file.metadata().map_err(|e| io_refusal(&socket, client, &e))?.len(),
    };
    // A fresh handle: counting netascii bytes read the first one to its end.
    let file = File::open(&path).map_err(|e| io_refusal(&socket, client, &e))?;
    let asked = OptionRequest::from_pairs(&req.options);
    let (negotiated, reply) = negotiate(&asked, &config.limits, Some(size));
    let oack = (!reply.is_empty()).then(|| Packet::Oack { options: reply }.to_bytes());
    let mut ch = channel(config, socket, client, &negotiated, active, observer);
    let reader = BufReader::with_capacity(tftp::transfer::FILE_BUFFER, file);
    let result = if req.mode == Mode::Netascii {
        transfer::send_file(&mut ch, &mut NetasciiReader::new(reader), &negotiated, oack.as_deref())
    } else {
        let mut reader = reader;
        transfer::send_file(&mut ch, &mut reader, &negotiated, oack.as_deref())
    };
    result
        .map(|s| s.bytes)
        .map_err(|e| SessionError::Transfer(e, ch.stats.bytes))
}

/// WRQ: the client uploads. The data goes to a hidden temporary file beside the target and is renamed over it
/// only after the last block, so a failed upload leaves nothing and never damages the old file.
fn upload<'o>(
    config: &Config,
    uploads: &Uploads,
    req: &Request,
    socket: UdpSocket,
    client: SocketAddr,
    active: usize,
    observer: &'o mut dyn Observer,
) -> Result<(u64, (Channel<'o>, Stats)), SessionError> {
    check_mode(&socket, client, req.mode)?;
    let (path, exists) =
        paths::for_writing(&config.root, &req.filename).map_err(|r| refused_path(&socket, client, r))?;
    if exists && !config.writable {
        return Err(refuse(
            &socket,
            client,
            ErrorCode::FileExists,
            "file exists and the server is not --writable",
        ));
    }
    if !exists && !config.create {
        let why = "creating files is not allowed (the server needs --create)";
        return Err(refuse(&socket, client, ErrorCode::AccessViolation, why));
    }
    let asked = OptionRequest::from_pairs(&req.options);
    // tsize announces the bytes on the wire; in netascii each CR LF or CR NUL pair becomes one byte of the file,
    // so the file has at least half of them. Refuse only what cannot fit whatever the text holds.
    let least_file_size = |wire: u64| match req.mode {
        Mode::Netascii => wire.div_ceil(2),
        _ => wire,
    };
    if let (Some(size), Some(limit)) = (asked.tsize, config.max_size)
        && least_file_size(size) > limit
    {
        let why = format!("file of {size} bytes exceeds the {limit}-byte limit");
        return Err(refuse(&socket, client, ErrorCode::DiskFull, &why));
    }
    let dir = path.parent().unwrap_or(&config.root);
    let partial = uploads.start(dir).map_err(|e| io_refusal(&socket, client, &e))?;
    let (negotiated, reply) = negotiate(&asked, &config.limits, asked.tsize);
    let first = if reply.is_empty() {
        ack_bytes(0).to_vec()
    } else {
        Packet::Oack { options: reply }.to_bytes()
    };
    let mut ch = channel(config, socket, client, &negotiated, active, observer);
    if let Err(e) = ch.send(&first, false) {
        return Err(SessionError::Transfer(e.into(), 0));
    }
    let start = ReceiveStart::Sent(&first);
    let file = BufWriter::with_capacity(tftp::transfer::FILE_BUFFER, partial.as_file());
    // The limit counts the file's bytes, after netascii has turned each CR LF into one LF.
    let mut writer = SizeLimit::new(file, config.max_size);
    let result = if req.mode == Mode::Netascii {
        let mut text = NetasciiWriter::new(&mut writer);
        transfer::receive(&mut ch, &mut text, &negotiated, start)
            .and_then(|last| text.finish().map(|_| last).map_err(TransferError::File))
    } else {
        transfer::receive(&mut ch, &mut writer, &negotiated, start)
    };
    let last = result.map_err(|e| match e {
        TransferError::TimedOut { .. } => SessionError::Incomplete {
            bytes: ch.stats.bytes,
            blksize: negotiated.blksize,
            why: e,
        },
        e => SessionError::Transfer(e, ch.stats.bytes),
    })?;
    let bytes = last.stats.bytes;
    // Make the file safe before the final ACK: a client that sees it may count on the file being there. If
    // this fails, the client gets an ERROR instead and knows the upload did not land.
    let flushed = writer.flush();
    drop(writer);
    let saved = flushed.and_then(|()| partial.save(&path, config.writable));
    match saved {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let why = "it was created while this upload was under way, and the server is not --writable";
            ch.send_error(ErrorCode::FileExists, &format!("file already exists: {why}"));
            let why = format!("{why}; {bytes} bytes discarded");
            return Err(SessionError::Refused(Refusal(ErrorCode::FileExists, why)));
        }
        Err(e) => {
            let code = if e.kind() == io::ErrorKind::StorageFull {
                ErrorCode::DiskFull
            } else {
                ErrorCode::NotDefined
            };
            ch.send_error(code, &format!("cannot save the file: {e}"));
            return Err(SessionError::Transfer(TransferError::File(e), bytes));
        }
    }
    let stats = last
        .acknowledge(&mut ch)
        .map_err(|e| SessionError::Transfer(e.into(), bytes))?;
    Ok((stats.bytes, (ch, stats)))
}

/// A writer that refuses to grow past `--max-size`: the write that would cross it fails with `FileTooLarge`, which
/// the engine answers with ERROR 3 (disk full or allocation exceeded).
struct SizeLimit<W> {
    inner: W,
    written: u64,
    limit: Option<u64>,
}

impl<W: Write> SizeLimit<W> {
    fn new(inner: W, limit: Option<u64>) -> Self {
        SizeLimit {
            inner,
            written: 0,
            limit,
        }
    }
}

impl<W: Write> Write for SizeLimit<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(limit) = self.limit
            && self.written + buf.len() as u64 > limit
        {
            let why = format!("file exceeds the {limit}-byte limit");
            return Err(io::Error::new(io::ErrorKind::FileTooLarge, why));
        }
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
