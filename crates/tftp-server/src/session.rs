//! One transfer from the server's side, on a port of its own (its TID) — seed §3.3.2 seen from the other end; RFC
//! 1350 §4 (a new port per transfer), RFC 2347 (the OACK): a download (RRQ) or an upload (WRQ), then one log line.
//!
//! ```text
//! download (RRQ)                         upload (WRQ)
//!   check the name, open the file          check the name and the rights, open a temporary file
//!   OACK -> (if options) <- ACK 0          OACK or ACK 0 ->
//!   send the file (tftp::transfer::send)   receive it (tftp::transfer::receive), save it, final ACK, dally
//! ```

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use netlab::SocketBuilder;
use netlab::capture::CapturedSocket;
use tftp::netascii::{self, Counted, ModeReader, ModeWriter};
use tftp::options::{negotiate, socket_buffer_for};
use tftp::packet::{PrettyPrinter, ack_bytes, error_bytes};
use tftp::transfer::{self, Channel, Direction, FILE_BUFFER, ReceiveStart};
use tftp::{ErrorCode, Mode, Negotiated, Observer, Operation, OptionRequest, Packet, Request, Stats, TransferError};

use crate::uploads::Uploads;
use crate::{Config, LogSink, log, paths};

/// What every session shares with the server.
pub(crate) struct Shared<'a> {
    pub config: &'a Config,
    pub uploads: &'a Uploads,
    pub sink: &'a LogSink,
}

/// A transfer's place among the server's sessions: counted in `active`, its client in `clients`. Released
/// once, by [`Slot::release`] or when dropped (a panicking session still frees its place).
pub(crate) struct Slot {
    active: Arc<AtomicUsize>,
    clients: Arc<Mutex<HashSet<SocketAddr>>>,
    client: SocketAddr,
    held: bool,
}

impl Slot {
    pub(crate) fn take(
        active: &Arc<AtomicUsize>,
        clients: &Arc<Mutex<HashSet<SocketAddr>>>,
        client: SocketAddr,
    ) -> Slot {
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
            log(self.sink, &format!("{peer} {arrow} {}", PrettyPrinter::new(bytes)));
        }
    }
}

/// Runs one transfer and logs its line: peer, operation, file, mode, bytes, duration, outcome.
pub(crate) fn run(
    shared: &Shared<'_>,
    op: Operation,
    req: &Request,
    client: SocketAddr,
    local_ip: IpAddr,
    mut slot: Slot,
) {
    let Shared { config, uploads, sink } = *shared;
    let started = Instant::now();
    let busy = slot.active.load(Ordering::SeqCst);
    let head = format!("{client} {} {:?} {}", op.command(), req.filename, req.mode);
    // The transfer's own socket: a new port is the server's TID for this client. It records into the server's
    // capture, if there is one.
    let socket = match SocketBuilder::new().bind_udp(SocketAddr::new(local_ip, 0)) {
        Ok(s) => CapturedSocket::new(s, config.capture.clone()),
        Err(e) => {
            log(sink, &format!("{head}: failed: cannot open a transfer socket: {e}"));
            return;
        }
    };
    let mut observer = PacketLog {
        sink,
        verbose: config.verbose,
    };
    // A download ends with its last ACK; an upload keeps its channel to linger on.
    let result = match op {
        Operation::Download => {
            download(config, req, socket, client, busy, &mut observer).map(|(stats, file_bytes)| Moved {
                channel: None,
                stats,
                file_bytes,
            })
        }
        Operation::Upload => upload(config, uploads, req, socket, client, busy, &mut observer),
    };
    let secs = started.elapsed().as_secs_f64();
    // A finished transfer counts the file's bytes, as `ls -l` would (and in netascii the wire's too); one cut
    // short counts what went over the wire, which in netascii says so.
    let wire = |bytes: u64| match req.mode {
        Mode::Netascii => format!("{bytes} bytes on the wire"),
        _ => format!("{bytes} bytes"),
    };
    let line = match &result {
        Ok(moved) => format!(
            "{head}: {} in {secs:.3} s, ok",
            netascii::amount(moved.file_bytes, moved.stats.bytes)
        ),
        Err(SessionError::Refused(code, why)) => format!("{head}: refused, ERROR {code}: {why}"),
        Err(SessionError::Transfer(e, bytes)) => format!("{head}: failed after {} in {secs:.3} s: {e}", wire(*bytes)),
        Err(SessionError::Incomplete { bytes, blksize, why }) => format!(
            "{head}: upload incomplete: the final block (shorter than {blksize} bytes; empty if the file is a \
             multiple of {blksize}) never came, so the {} received were discarded ({why}, after {secs:.3} s)",
            wire(*bytes)
        ),
    };
    log(sink, &line);
    // The transfer is over: free its slot (the client may start another from the same port). An upload then
    // lingers in case our final ACK was lost.
    slot.release();
    if let Ok(Moved {
        channel: Some(mut channel),
        stats,
        ..
    }) = result
    {
        let _ = transfer::dally(&mut channel, &stats);
    }
}

/// A finished transfer: its counters, the file's own bytes (fewer than the wire's in netascii), and for an upload
/// the channel kept to linger on (see [`transfer::dally`]).
struct Moved<'o> {
    channel: Option<Channel<'o>>,
    stats: Stats,
    file_bytes: u64,
}

/// Why a session ended early.
enum SessionError {
    /// Refused before any transfer: the ERROR sent, for the log.
    Refused(ErrorCode, String),
    /// Failed during the transfer, after this many bytes.
    Transfer(TransferError, u64),
    /// An upload whose sender went quiet before the short block that ends every TFTP transfer: the tutorial's
    /// client, which pads every block to 512 bytes, ends this way.
    Incomplete {
        bytes: u64,
        blksize: usize,
        why: TransferError,
    },
}

fn refuse(socket: &CapturedSocket, client: SocketAddr, code: ErrorCode, why: &str) -> SessionError {
    let _ = socket.send_to(&error_bytes(code, why), client);
    SessionError::Refused(code, why.to_string())
}

fn refused_path(socket: &CapturedSocket, client: SocketAddr, refused: paths::Refused) -> SessionError {
    let code = if refused.0 == paths::NOT_FOUND {
        ErrorCode::FileNotFound
    } else {
        ErrorCode::AccessViolation
    };
    refuse(socket, client, code, &refused.0)
}

fn io_refusal(socket: &CapturedSocket, client: SocketAddr, e: &io::Error) -> SessionError {
    refuse(socket, client, ErrorCode::from_io(e), &e.to_string())
}

/// Refuses mail mode (obsolete, RFC 1350 §1) before anything else happens.
fn check_mode(socket: &CapturedSocket, client: SocketAddr, mode: Mode) -> Result<(), SessionError> {
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

/// Options and a socket sized for them; polling only while there are spare cores for it.
fn channel<'o>(
    config: &Config,
    socket: CapturedSocket,
    client: SocketAddr,
    negotiated: &Negotiated,
    active: usize,
    observer: &'o mut dyn Observer,
) -> Channel<'o> {
    let buffer = socket_buffer_for(negotiated.blksize, negotiated.windowsize);
    let sock = socket2::SockRef::from(&*socket);
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

/// RRQ: the client downloads. Returns the counters and the file's own bytes.
fn download(
    config: &Config,
    req: &Request,
    socket: CapturedSocket,
    client: SocketAddr,
    active: usize,
    observer: &mut dyn Observer,
) -> Result<(Stats, u64), SessionError> {
    check_mode(&socket, client, req.mode)?;
    let path = paths::for_reading(&config.root, &req.filename).map_err(|r| refused_path(&socket, client, r))?;
    let file = File::open(&path).map_err(|e| io_refusal(&socket, client, &e))?;
    let size = match req.mode {
        Mode::Netascii => netascii::wire_size(&file).map_err(|e| io_refusal(&socket, client, &e))?,
        _ => file.metadata().map_err(|e| io_refusal(&socket, client, &e))?.len(),
    };
    // A fresh handle: counting netascii bytes read the first one to its end.
    let file = File::open(&path).map_err(|e| io_refusal(&socket, client, &e))?;
    let asked = OptionRequest::from_pairs(&req.options);
    let (negotiated, reply) = negotiate(&asked, &config.limits, Some(size));
    let oack = (!reply.is_empty()).then(|| Packet::Oack { options: reply }.to_bytes());
    let mut ch = channel(config, socket, client, &negotiated, active, observer);
    let mut counted = Counted::new(BufReader::with_capacity(FILE_BUFFER, file));
    let mut source = ModeReader::new(req.mode, &mut counted);
    let stats = transfer::send_file(&mut ch, &mut source, &negotiated, oack.as_deref())
        .map_err(|e| SessionError::Transfer(e, ch.stats.bytes))?;
    Ok((stats, counted.total()))
}

/// WRQ: the client uploads. The data goes to a hidden temporary file beside the target and is renamed over it
/// only after the last block, so a failed upload leaves nothing and never damages the old file.
fn upload<'o>(
    config: &Config,
    uploads: &Uploads,
    req: &Request,
    socket: CapturedSocket,
    client: SocketAddr,
    active: usize,
    observer: &'o mut dyn Observer,
) -> Result<Moved<'o>, SessionError> {
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
    // The limit counts the file's bytes, after netascii has turned each CR LF into one LF.
    let file = SizeLimit::new(
        BufWriter::with_capacity(FILE_BUFFER, partial.as_file()),
        config.max_size,
    );
    let mut file = ModeWriter::new(req.mode, file);
    let received = transfer::receive(&mut ch, &mut file, &negotiated, ReceiveStart::Sent(&first));
    let last = received.map_err(|e| match e {
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
    let saved = file.finish().map(|limited| limited.written).and_then(|written| {
        partial.save(&path, config.writable)?;
        Ok(written)
    });
    let file_bytes = match saved {
        Ok(written) => written,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let why = "it was created while this upload was under way, and the server is not --writable";
            ch.send_error(ErrorCode::FileExists, &format!("file already exists: {why}"));
            let why = format!("{why}; {bytes} bytes discarded");
            return Err(SessionError::Refused(ErrorCode::FileExists, why));
        }
        Err(e) => {
            ch.send_error(ErrorCode::from_io(&e), &format!("cannot save the file: {e}"));
            return Err(SessionError::Transfer(TransferError::File(e), bytes));
        }
    };
    let stats = last
        .acknowledge(&mut ch)
        .map_err(|e| SessionError::Transfer(e.into(), bytes))?;
    Ok(Moved {
        channel: Some(ch),
        stats,
        file_bytes,
    })
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
