//! The transfer engine: the send loop and the receive loop that the client and the server both run — seed §3.3.1
//! (blocks, ACKs, the short last block) and §3.3.2 (the download and upload loops); RFC 1350 §2 and §6, RFC 7440
//! (windows), RFC 1123 §4.2.3.1 (the Sorcerer's Apprentice).
//!
//! A transfer runs over one UDP socket between two transfer IDs (TIDs: the two ports). The engine:
//! - latches the peer's TID from its first reply, and answers a packet from any other address or port with
//!   ERROR 5 while the transfer carries on (an ERROR from a stranger is dropped unanswered: errors are never
//!   answered, so no two programs can bounce them back and forth);
//! - retransmits only when its timer runs out — never because a duplicate arrived. Answering a duplicate ACK with
//!   a DATA would make every later block go out twice (the Sorcerer's Apprentice syndrome);
//! - re-ACKs a duplicate DATA, whose ACK was evidently lost;
//! - counts block numbers past 65535 by letting the 16-bit number wrap to 0 while it keeps a 64-bit count;
//! - with a window of N blocks (RFC 7440), the receiver ACKs every Nth block, or at once the last in-order block
//!   when it sees a gap; the sender goes on from the block after whatever was ACKed.
//!
//! The seed's loops have none of this: no timeout, no TID check, no re-ACK, and an upload that pads its last block
//! with zeros (see [`send`]: the last block is exactly as long as what is left of the file).

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, UdpSocket};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::options::Negotiated;
use crate::packet::{ErrorCode, Opcode, Packet, ack_bytes, data_header, error_bytes};

/// Which way a packet went, for [`Observer::packet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// We sent it.
    Sent,
    /// We received it.
    Received,
}

/// Watches a transfer: every packet (for `--trace` and `-v`) and progress (for a progress bar). Both do nothing
/// unless overridden.
pub trait Observer {
    /// A packet went out or came in. `resent` is true for retransmissions.
    fn packet(&mut self, _dir: Direction, _peer: SocketAddr, _bytes: &[u8], _resent: bool) {}
    /// Negotiation is over: these options are in force (`tsize` is the file's size, if the peer said).
    fn negotiated(&mut self, _opts: &Negotiated) {}
    /// `bytes` of file data have been moved so far.
    fn progress(&mut self, _bytes: u64) {}
}

/// An observer that watches nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl Observer for Quiet {}

/// Counts kept during a transfer.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// File bytes moved (as they are on the wire).
    pub bytes: u64,
    /// DATA blocks moved, not counting repeats.
    pub blocks: u64,
    /// Packets sent again: after a timeout, or a window restarted from a gap.
    pub retransmits: u64,
    /// Times the retransmission timer ran out.
    pub timeouts: u64,
    /// Packets from a wrong TID, answered with ERROR 5 (unless they were ERRORs themselves).
    pub wrong_tid: u64,
    /// Datagrams from the peer that were not valid TFTP, dropped.
    pub malformed: u64,
}

/// Why a transfer stopped before the end.
#[derive(Debug)]
pub enum TransferError {
    /// The socket failed.
    Network(io::Error),
    /// Reading or writing the local file failed (the peer was sent an ERROR).
    File(io::Error),
    /// The peer ended the transfer with an ERROR packet.
    Peer {
        /// Its code.
        code: ErrorCode,
        /// Its message.
        message: String,
    },
    /// The timer ran out `retries` times in a row.
    TimedOut {
        /// How many retransmissions were tried.
        retries: u32,
        /// What we were waiting for.
        waiting_for: String,
    },
    /// The peer broke the protocol (the peer was sent an ERROR 4).
    Protocol(String),
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransferError::Network(e) => write!(f, "network error: {e}"),
            TransferError::File(e) => write!(f, "file error: {e}"),
            TransferError::Peer { code, message } => write!(f, "peer sent ERROR {code}: {message:?}"),
            TransferError::TimedOut { retries, waiting_for } => {
                write!(f, "timed out waiting for {waiting_for} after {retries} retransmissions")
            }
            TransferError::Protocol(why) => write!(f, "protocol error: {why}"),
        }
    }
}

impl std::error::Error for TransferError {}

impl From<io::Error> for TransferError {
    fn from(e: io::Error) -> Self {
        TransferError::Network(e)
    }
}

/// One end of a transfer: the socket, the peer's address (latched or not), the timer and the counters.
pub struct Channel<'o> {
    socket: UdpSocket,
    peer: SocketAddr,
    latched: bool,
    rexmt: Duration,
    retries: u32,
    /// The SO_RCVTIMEO last set, so the common case costs no extra system call.
    timeout_set: Option<Duration>,
    /// Whether the socket is in non-blocking mode (it is while polling).
    nonblocking: bool,
    /// How long to poll for a reply before sleeping (see [`Channel::wait`]).
    spin: Option<Duration>,
    spin_misses: u32,
    spin_pause: u32,
    /// Running average of how long a wait for a datagram lasts.
    typical_wait: Duration,
    observer: &'o mut dyn Observer,
    /// Counters for this transfer.
    pub stats: Stats,
}

impl fmt::Debug for Channel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("peer", &self.peer)
            .field("latched", &self.latched)
            .finish_non_exhaustive()
    }
}

/// What one wait on the socket brought.
enum Received {
    /// A datagram from the peer, this many bytes long.
    Datagram(usize),
    /// The timer ran out.
    Timeout,
}

impl<'o> Channel<'o> {
    /// A channel to `peer`. If `latched` is false (a client before the first reply), the first datagram from the
    /// peer's IP address fixes the peer's port — its TID.
    pub fn new(
        socket: UdpSocket,
        peer: SocketAddr,
        latched: bool,
        rexmt: Duration,
        retries: u32,
        observer: &'o mut dyn Observer,
    ) -> Self {
        Channel {
            socket,
            peer,
            latched,
            rexmt,
            retries,
            timeout_set: None,
            nonblocking: false,
            spin: default_spin(),
            spin_misses: 0,
            spin_pause: 0,
            typical_wait: Duration::ZERO,
            observer,
            stats: Stats::default(),
        }
    }

    /// The peer's address (with its TID once latched).
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// Ends the channel, handing back the observer it borrowed.
    pub fn into_observer(self) -> &'o mut dyn Observer {
        self.observer
    }

    /// Tells the observer which options are in force.
    pub fn negotiated(&mut self, opts: &Negotiated) {
        self.observer.negotiated(opts);
    }

    /// The retransmission timer.
    pub fn set_rexmt(&mut self, rexmt: Duration) {
        self.rexmt = rexmt;
    }

    /// Sends one packet to the peer.
    pub fn send(&mut self, bytes: &[u8], resent: bool) -> io::Result<()> {
        self.observer.packet(Direction::Sent, self.peer, bytes, resent);
        if resent {
            self.stats.retransmits += 1;
        }
        self.socket.send_to(bytes, self.peer)?;
        Ok(())
    }

    /// Sends ERROR to the peer, best effort: the transfer is ending anyway.
    pub fn send_error(&mut self, code: ErrorCode, message: &str) {
        let _ = self.send(&error_bytes(code, message), false);
    }

    /// Waits until `deadline` for a datagram from the peer into `buf`. Datagrams from anyone else get ERROR 5,
    /// except an ERROR, which is never answered.
    fn recv(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<Received> {
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Ok(Received::Timeout);
            }
            let (n, from) = match self.wait(buf, now, deadline) {
                Ok(Some(got)) => got,
                Ok(None) => return Ok(Received::Timeout),
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                    return Ok(Received::Timeout);
                }
                // A previous send got an ICMP "port unreachable" back (Linux reports it on the next call), or a
                // signal interrupted the wait: neither ends the transfer; the timer decides.
                Err(e) if matches!(e.kind(), io::ErrorKind::ConnectionRefused | io::ErrorKind::Interrupted) => {
                    continue;
                }
                Err(e) => return Err(e),
            };
            // ANCHOR: tid_check
            if !self.latched && from.ip() == self.peer.ip() {
                self.peer = from;
                self.latched = true;
            }
            if from != self.peer {
                self.stats.wrong_tid += 1;
                self.observer.packet(Direction::Received, from, &buf[..n], false);
                // RFC 1350 §4 asks for an ERROR 5 back — but never in answer to an ERROR, which is not
                // acknowledged: two programs that each took the other for a stranger would trade ERROR 5s for ever.
                if Opcode::of(&buf[..n]) != Some(Opcode::Error) {
                    let err = error_bytes(ErrorCode::UnknownTid, "unknown transfer ID");
                    self.observer.packet(Direction::Sent, from, &err, false);
                    let _ = self.socket.send_to(&err, from);
                }
                continue;
            }
            // ANCHOR_END: tid_check
            self.observer.packet(Direction::Received, from, &buf[..n], false);
            return Ok(Received::Datagram(n));
        }
    }

    /// Waits for one datagram from anyone: first by polling for a few microseconds, then by sleeping in the
    /// kernel until `deadline`. Returns `None` when the deadline passes.
    ///
    /// Why poll: a lock-step transfer is one round trip per block, and on a fast link most of a round trip is the
    /// time the kernel takes to wake a sleeping process (tens of microseconds in a VM). The answer to a packet we
    /// just sent usually arrives sooner than that, so asking again in a tight loop for a moment roughly halves
    /// the time per block on loopback. The poll lasts twice the typical wait so far (a window of big blocks takes
    /// the peer longer to answer than one small block), between the configured minimum and [`MAX_SPIN`]. When
    /// answers keep arriving too late for the poll (a slow link), polling is switched off for a while, so it
    /// costs CPU only where it pays.
    ///
    /// Between tries the thread yields: alone on its core it asks again at once, but when it shares the core with
    /// the peer (both ends of a loopback transfer on a 2-core machine) the peer runs instead of waiting for our
    /// time slice to end. With 64 KiB × 16 windows that took 256 MiB from a median of 70–99 ms to 48–68 ms.
    fn wait(&mut self, buf: &mut [u8], now: Instant, deadline: Instant) -> io::Result<Option<(usize, SocketAddr)>> {
        if self.spin_pause > 0 {
            self.spin_pause -= 1;
        } else if let Some(spin) = self.spin {
            self.set_nonblocking(true)?;
            let budget = (self.typical_wait * 2).clamp(spin, MAX_SPIN.max(spin));
            let stop = (now + budget).min(deadline);
            loop {
                match self.socket.recv_from(buf) {
                    Ok(got) => {
                        self.spin_misses = 0;
                        self.note_wait(now);
                        return Ok(Some(got));
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e),
                }
                if Instant::now() >= stop {
                    break;
                }
                std::thread::yield_now();
            }
            self.spin_misses += 1;
            if self.spin_misses >= SPIN_MISSES_BEFORE_PAUSE {
                self.spin_misses = 0;
                self.spin_pause = SPIN_PAUSE;
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        let remaining = deadline - now;
        self.set_nonblocking(false)?;
        // Re-arm SO_RCVTIMEO only when the time left is clearly less than what is set (a stray packet used some
        // of it) or more (a new, longer wait); on the hot path it is already right.
        let stale = match self.timeout_set {
            Some(set) => remaining > set || remaining + Duration::from_millis(2) < set,
            None => true,
        };
        if stale {
            self.socket
                .set_read_timeout(Some(remaining.max(Duration::from_micros(100))))?;
            self.timeout_set = Some(remaining);
        }
        match self.socket.recv_from(buf) {
            Ok(got) => {
                self.note_wait(now);
                Ok(Some(got))
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Keeps a running average (weight 1/8) of how long answers take to come.
    fn note_wait(&mut self, started: Instant) {
        let waited = started.elapsed();
        self.typical_wait = (self.typical_wait * 7 + waited) / 8;
    }

    fn set_nonblocking(&mut self, on: bool) -> io::Result<()> {
        if self.nonblocking != on {
            self.socket.set_nonblocking(on)?;
            self.nonblocking = on;
        }
        Ok(())
    }

    /// Sets how long [`Channel`] polls for a reply before sleeping; `None` never polls.
    pub fn set_spin(&mut self, spin: Option<Duration>) {
        self.spin = spin;
    }

    // ANCHOR: retry
    /// Sends `request` and waits for the first reply, resending on each timeout; returns the reply's length in
    /// `buf`. Used for RRQ/WRQ (client) and OACK (server waiting for ACK 0 is done by [`send`]).
    pub fn request(&mut self, request: &[u8], buf: &mut [u8], waiting_for: &str) -> Result<usize, TransferError> {
        self.send(request, false)?;
        let mut tries = 0;
        let mut deadline = Instant::now() + self.rexmt;
        loop {
            match self.recv(buf, deadline)? {
                Received::Datagram(n) => return Ok(n),
                Received::Timeout => {
                    self.stats.timeouts += 1;
                    tries += 1;
                    if tries > self.retries {
                        return Err(self.timed_out(waiting_for));
                    }
                    self.send(request, true)?;
                    deadline = Instant::now() + self.rexmt;
                }
            }
        }
    }
    // ANCHOR_END: retry

    fn timed_out(&self, waiting_for: &str) -> TransferError {
        TransferError::TimedOut {
            retries: self.retries,
            waiting_for: waiting_for.to_string(),
        }
    }
}

/// Polling while another core runs the peer pays; on a single core it would only steal the peer's time.
fn default_spin() -> Option<Duration> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores > 1).then_some(DEFAULT_SPIN)
}

/// How long to poll for a reply before sleeping: a loopback or LAN round trip usually fits.
pub const DEFAULT_SPIN: Duration = Duration::from_micros(50);
/// The longest poll: past this, sleeping costs little next to the wait itself.
pub const MAX_SPIN: Duration = Duration::from_millis(2);
/// After this many polls in a row that found nothing, stop polling ...
const SPIN_MISSES_BEFORE_PAUSE: u32 = 8;
/// ... for this many waits.
const SPIN_PAUSE: u32 = 1024;

/// The buffer to put around the file on either side of the engine (`BufReader`/`BufWriter`). Small blocks are
/// gathered into fewer system calls; a block at least this large skips the buffer (std's buffered reader and
/// writer pass big requests straight through), which saves copying 64 KiB blocks twice.
pub const FILE_BUFFER: usize = 32 << 10;

/// Largest datagram a receive buffer must hold: blksize 65464 + 4 header bytes, rounded up.
pub const MAX_DATAGRAM: usize = 65536;

/// Reads until `buf` is full or the source ends; a block is short only at the end of the file.
fn read_full(source: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match source.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

// ANCHOR: wrap
/// Where a block number (16 bits, wrapping) falls relative to a 64-bit count.
fn offset(block: u16, base: u64) -> u16 {
    block.wrapping_sub(base as u16)
}
// ANCHOR_END: wrap

/// The send side (download from a server, upload from a client): reads `source` into DATA blocks of exactly
/// `blksize` bytes — the last one shorter, and empty when the file is a multiple of blksize — and sends them
/// `windowsize` at a time.
///
/// `preamble`, when given, is a packet the peer must answer with ACK 0 before any DATA goes out (a server's OACK):
/// it is resent on timeout. Without it, the first window goes out at once.
pub fn send(
    ch: &mut Channel<'_>,
    source: &mut dyn Read,
    opts: &Negotiated,
    preamble: Option<&[u8]>,
) -> Result<Stats, TransferError> {
    let mut blocks = Blocks::Inline {
        source,
        blksize: opts.blksize,
        read: 0,
        ready: VecDeque::new(),
        spare: Vec::new(),
    };
    send_blocks(ch, &mut blocks, opts, preamble)
}

/// Like [`send`], but for a source that always answers soon — a file, not a pipe or a terminal: when the window
/// is big (see [`PREFETCH_BLKSIZE`] and [`PREFETCH_WINDOW`]) and there is a second core, a second thread reads
/// the file into packets while this one sends them. Copying a 64 KiB block out of the page cache costs about as
/// much as sending it, so doing both on one thread leaves the network idle half the time.
///
/// Why only for such sources: the reading thread must finish before this returns, and a read from a pipe could
/// block for ever after the transfer has failed.
pub fn send_file(
    ch: &mut Channel<'_>,
    source: &mut (dyn Read + Send),
    opts: &Negotiated,
    preamble: Option<&[u8]>,
) -> Result<Stats, TransferError> {
    let window_bytes = opts.blksize * usize::from(opts.windowsize);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if opts.blksize < PREFETCH_BLKSIZE || window_bytes < PREFETCH_WINDOW || cores < 2 {
        return send(ch, source, opts, preamble);
    }
    let blksize = opts.blksize;
    // Waiting for a window's ACK, sleep rather than poll: the core is the reading thread's (and, on loopback,
    // the receiver's). A whole window takes long enough that the cost of a wake-up hardly shows.
    let spin = ch.spin.take();
    // Room for the next window, read and waiting while the current one is in flight (more did not go faster).
    let depth = usize::from(opts.windowsize.max(1));
    std::thread::scope(|scope| {
        let (full_tx, full_rx) = mpsc::sync_channel(depth);
        let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
        scope.spawn(move || read_blocks(source, blksize, &full_tx, &empty_rx));
        let mut blocks = Blocks::Prefetched {
            full: full_rx,
            empty: empty_tx,
            blksize,
        };
        let result = send_blocks(ch, &mut blocks, opts, preamble);
        ch.spin = spin;
        result
        // `blocks` drops here: the reading thread's next send fails and it ends; the scope waits for it.
    })
}

/// The reading thread of [`send_file`]: reads blocks 1, 2, ... into packets (reusing those the sender hands
/// back) and queues them, until the last block, a read error (queued too), or the sender going away.
fn read_blocks(
    source: &mut dyn Read,
    blksize: usize,
    full: &mpsc::SyncSender<io::Result<Vec<u8>>>,
    empty: &mpsc::Receiver<Vec<u8>>,
) {
    for index in 1u64.. {
        let packet = fill_block(source, empty.try_recv().unwrap_or_default(), blksize, index);
        let last = packet.as_ref().map_or(true, |p| p.len() < 4 + blksize);
        if !queue(full, packet) || last {
            return;
        }
    }
}

/// Queues a packet for the sender; false if the sender has gone (the transfer ended). When the queue is full, it
/// offers the core to others for a moment before it sleeps: a thread that sleeps is woken by the sender, and the
/// scheduler then tends to run it on the sender's core, where the two take turns instead of working side by side
/// (measured: median 70 ms -> 57 ms for 256 MiB). A stalled transfer puts it to sleep after [`READER_YIELD`].
fn queue(full: &mpsc::SyncSender<io::Result<Vec<u8>>>, mut packet: io::Result<Vec<u8>>) -> bool {
    let stop_yielding = Instant::now() + READER_YIELD;
    loop {
        match full.try_send(packet) {
            Ok(()) => return true,
            Err(mpsc::TrySendError::Full(p)) if Instant::now() < stop_yielding => {
                packet = p;
                std::thread::yield_now();
            }
            Err(mpsc::TrySendError::Full(p)) => return full.send(p).is_ok(),
            Err(mpsc::TrySendError::Disconnected(_)) => return false,
        }
    }
}

/// How long [`send_file`]'s reading thread yields before it sleeps when it is a window ahead.
const READER_YIELD: Duration = Duration::from_millis(2);

/// [`send_file`] reads on a second thread only for blocks at least this big ...
pub const PREFETCH_BLKSIZE: usize = 32 << 10;
/// ... in windows (blksize × windowsize) at least this big. Smaller blocks or windows lose more to handing
/// each block over and to waking up after each window than they win. Measured on loopback, 256 MiB, with the
/// reading thread against without: 8 KiB × 16 1.7× slower, 64 KiB × 4 1.15× slower; 64 KiB × 8 1.4× faster,
/// 64 KiB × 16 1.6× faster. In lock-step the inline read-ahead already overlaps the reads with the round trips.
pub const PREFETCH_WINDOW: usize = 512 << 10;

/// Where the send loop gets its DATA packets: read in place, or handed over by a reading thread.
enum Blocks<'a> {
    Inline {
        source: &'a mut dyn Read,
        blksize: usize,
        /// How many blocks have been read so far.
        read: u64,
        /// Blocks read ahead, waiting for room in the window.
        ready: VecDeque<Vec<u8>>,
        /// Packets the peer has ACKed, to be reused.
        spare: Vec<Vec<u8>>,
    },
    Prefetched {
        full: mpsc::Receiver<io::Result<Vec<u8>>>,
        empty: mpsc::Sender<Vec<u8>>,
        blksize: usize,
    },
}

impl Blocks<'_> {
    /// The next block's DATA packet, shorter than `4 + blksize` only for the last block.
    fn next(&mut self) -> io::Result<Vec<u8>> {
        match self {
            Blocks::Inline {
                source,
                blksize,
                read,
                ready,
                spare,
            } => match ready.pop_front() {
                Some(p) => Ok(p),
                None => {
                    *read += 1;
                    fill_block(*source, spare.pop().unwrap_or_default(), *blksize, *read)
                }
            },
            Blocks::Prefetched { full, .. } => full
                .recv()
                .unwrap_or_else(|_| Err(io::Error::other("the file reading thread stopped"))),
        }
    }

    /// While the peer works through what was sent, reads up to `count` blocks ahead, so the next window can go
    /// out the moment the ACK arrives instead of after the reads. (A reading thread is ahead already.)
    fn read_ahead(&mut self, count: u64) -> io::Result<()> {
        if let Blocks::Inline {
            source,
            blksize,
            read,
            ready,
            spare,
        } = self
        {
            let done = |ready: &VecDeque<Vec<u8>>| ready.back().is_some_and(|p| p.len() < 4 + *blksize);
            while (ready.len() as u64) < count && !done(ready) {
                *read += 1;
                let packet = fill_block(*source, spare.pop().unwrap_or_default(), *blksize, *read)?;
                ready.push_back(packet);
            }
        }
        Ok(())
    }

    /// Takes back a packet the peer has ACKed, to be filled again.
    fn recycle(&mut self, packet: Vec<u8>) {
        match self {
            Blocks::Inline { spare, .. } => spare.push(packet),
            Blocks::Prefetched { empty, .. } => {
                let _ = empty.send(packet);
            }
        }
    }

    fn blksize(&self) -> usize {
        match self {
            Blocks::Inline { blksize, .. } | Blocks::Prefetched { blksize, .. } => *blksize,
        }
    }
}

/// The send loop proper, whichever way its blocks are read.
// ANCHOR: send_loop
fn send_blocks(
    ch: &mut Channel<'_>,
    blocks: &mut Blocks<'_>,
    opts: &Negotiated,
    preamble: Option<&[u8]>,
) -> Result<Stats, TransferError> {
    let blksize = blocks.blksize();
    let window = u64::from(opts.windowsize.max(1));
    let mut buf = vec![0u8; MAX_DATAGRAM];
    if let Some(first) = preamble {
        wait_for_ack_zero(ch, first, &mut buf)?;
    }
    // Blocks base+1 ..= next-1 are in flight; their packets stay here until ACKed, for retransmission.
    let mut in_flight: VecDeque<Vec<u8>> = VecDeque::with_capacity(window as usize);
    let mut base: u64 = 0;
    let mut next: u64 = 1;
    let mut last_block: Option<u64> = None;
    let mut restarted_for: Option<u64> = None;
    let mut tries = 0;
    let mut deadline = Instant::now();
    loop {
        // Fill the window: blocks read ahead go first, then new reads.
        let mut sent_new = false;
        while next <= base + window && last_block.is_none_or(|last| next <= last) {
            let packet = blocks.next().map_err(|e| file_failed(ch, e))?;
            if packet.len() < 4 + blksize {
                last_block = Some(next);
            }
            ch.send(&packet, false)?;
            ch.stats.blocks += 1;
            ch.stats.bytes += (packet.len() - 4) as u64;
            in_flight.push_back(packet);
            next += 1;
            sent_new = true;
        }
        if sent_new {
            deadline = Instant::now() + ch.rexmt;
        }
        if last_block.is_none() {
            blocks.read_ahead(window).map_err(|e| file_failed(ch, e))?;
        }
        match ch.recv(&mut buf, deadline)? {
            Received::Timeout => {
                ch.stats.timeouts += 1;
                tries += 1;
                if tries > ch.retries {
                    let what = format!("ACK of block {}", (base + 1) as u16);
                    ch.send_error(ErrorCode::NotDefined, "timed out");
                    return Err(ch.timed_out(&what));
                }
                resend_all(ch, &in_flight)?;
                deadline = Instant::now() + ch.rexmt;
            }
            Received::Datagram(n) => match Packet::decode(&buf[..n]) {
                Ok(Packet::Ack { block }) => {
                    let ahead = u64::from(offset(block, base));
                    let outstanding = next - 1 - base;
                    // ANCHOR: duplicate_ack
                    if ahead == 0 {
                        // A duplicate of the last ACK. In lock-step, ignore it: resending here is the Sorcerer's
                        // Apprentice. In a window it can mean "block base+1 was lost": restart once per base.
                        if window > 1 && outstanding > 0 && restarted_for != Some(base) {
                            restarted_for = Some(base);
                            resend_all(ch, &in_flight)?;
                            deadline = Instant::now() + ch.rexmt;
                        }
                        // ANCHOR_END: duplicate_ack
                    } else if ahead <= outstanding {
                        base += ahead;
                        tries = 0;
                        for _ in 0..ahead {
                            if let Some(p) = in_flight.pop_front() {
                                blocks.recycle(p);
                            }
                        }
                        ch.observer.progress(ch.stats.bytes);
                        if last_block == Some(base) {
                            return Ok(ch.stats);
                        }
                        if base < next - 1 {
                            // A partial ACK: the receiver saw a gap after `base`. Go on from there (RFC 7440 §4).
                            resend_all(ch, &in_flight)?;
                            deadline = Instant::now() + ch.rexmt;
                        }
                    }
                    // Otherwise an ACK for a block not in flight (a stale one, from before a wrap): ignore it.
                }
                Ok(Packet::Error { code, message }) => return Err(TransferError::Peer { code, message }),
                Ok(_) => {}
                Err(_) => ch.stats.malformed += 1,
            },
        }
    }
}
// ANCHOR_END: send_loop

// ANCHOR: short_block
/// Reads block `index` into a DATA packet, reusing `packet`'s memory: exactly `blksize` bytes, or what is left
/// of the file. Only what was read goes out — a short last block stays short (the seed pads it to 512 bytes
/// with zeros).
fn fill_block(source: &mut dyn Read, mut packet: Vec<u8>, blksize: usize, index: u64) -> io::Result<Vec<u8>> {
    // A recycled packet is already full size: only a new one is zero-filled, the rest are just overwritten.
    packet.resize(4 + blksize, 0);
    packet[..4].copy_from_slice(&data_header(index as u16));
    let n = read_full(source, &mut packet[4..])?;
    packet.truncate(4 + n);
    Ok(packet)
}
// ANCHOR_END: short_block

fn resend_all(ch: &mut Channel<'_>, in_flight: &VecDeque<Vec<u8>>) -> io::Result<()> {
    for packet in in_flight {
        ch.send(packet, true)?;
    }
    Ok(())
}

fn file_failed(ch: &mut Channel<'_>, e: io::Error) -> TransferError {
    // "Disk full or allocation exceeded": no room, or a size limit.
    let code = if matches!(e.kind(), io::ErrorKind::StorageFull | io::ErrorKind::FileTooLarge) {
        ErrorCode::DiskFull
    } else {
        ErrorCode::NotDefined
    };
    ch.send_error(code, &e.to_string());
    TransferError::File(e)
}

/// After an OACK, nothing is sent until the peer's ACK 0 proves it asked for this transfer (RFC 2347): a forged
/// request cannot make a server stream data at a third party.
fn wait_for_ack_zero(ch: &mut Channel<'_>, oack: &[u8], buf: &mut [u8]) -> Result<(), TransferError> {
    ch.send(oack, false)?;
    let mut tries = 0;
    let mut deadline = Instant::now() + ch.rexmt;
    loop {
        match ch.recv(buf, deadline)? {
            Received::Timeout => {
                ch.stats.timeouts += 1;
                tries += 1;
                if tries > ch.retries {
                    return Err(ch.timed_out("ACK of the OACK (block 0)"));
                }
                ch.send(oack, true)?;
                deadline = Instant::now() + ch.rexmt;
            }
            Received::Datagram(n) => match Packet::decode(&buf[..n]) {
                Ok(Packet::Ack { block: 0 }) => return Ok(()),
                Ok(Packet::Error { code, message }) => return Err(TransferError::Peer { code, message }),
                Ok(_) => {}
                Err(_) => ch.stats.malformed += 1,
            },
        }
    }
}

/// The last block has arrived and been written, and its ACK is not sent yet. The receiver first makes the data
/// safe — flushes it, renames a temporary file into place — and only then acknowledges, so that a sender that
/// sees the final ACK knows the file is really there; if that step fails, it answers with an ERROR instead.
#[derive(Debug)]
#[must_use = "send the final ACK with `acknowledge` (or an ERROR with `Channel::send_error`)"]
pub struct LastBlock {
    block: u16,
    /// Counters for the transfer.
    pub stats: Stats,
}

impl LastBlock {
    /// Sends the final ACK; the transfer is complete.
    pub fn acknowledge(self, ch: &mut Channel<'_>) -> io::Result<Stats> {
        ch.send(&ack_bytes(self.block), false)?;
        ch.observer.progress(self.stats.bytes);
        Ok(self.stats)
    }
}

/// What the receive loop starts from.
#[derive(Debug, Clone, Copy)]
pub enum ReceiveStart<'a> {
    /// We just sent this packet (ACK 0, an OACK, or a request) and wait for DATA 1; resend it on timeout.
    Sent(&'a [u8]),
    /// DATA 1 already arrived (a client's first reply) and has not been handled yet.
    FirstData(&'a [u8]),
}

/// The receive side (download to a client, upload to a server): writes each in-order block to `sink`, ACKs
/// every `windowsize` blocks, and stops after the short block, returning it unacknowledged as a [`LastBlock`].
/// A size limit is the sink's business: a sink that refuses a write with `FileTooLarge` or `StorageFull` ends the
/// transfer with ERROR 3, counted in the file's own bytes (netascii's are fewer than the wire's). A server should
/// then [`dally`].
// ANCHOR: receive_loop
pub fn receive(
    ch: &mut Channel<'_>,
    sink: &mut dyn Write,
    opts: &Negotiated,
    start: ReceiveStart<'_>,
) -> Result<LastBlock, TransferError> {
    let blksize = opts.blksize;
    let window = u64::from(opts.windowsize.max(1));
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let mut expected: u64 = 1;
    let mut in_window: u64 = 0;
    let mut gap_acked = false;
    let mut last_sent: Vec<u8> = Vec::new();
    let mut pending: Option<usize> = None;
    match start {
        ReceiveStart::Sent(packet) => last_sent.extend_from_slice(packet),
        ReceiveStart::FirstData(packet) => {
            let n = packet.len().min(buf.len());
            buf[..n].copy_from_slice(&packet[..n]);
            pending = Some(n);
        }
    }
    let mut tries = 0;
    let mut deadline = Instant::now() + ch.rexmt;
    loop {
        let n = match pending.take() {
            Some(n) => n,
            None => match ch.recv(&mut buf, deadline)? {
                Received::Datagram(n) => n,
                Received::Timeout => {
                    ch.stats.timeouts += 1;
                    tries += 1;
                    if tries > ch.retries {
                        let what = format!("DATA block {}", expected as u16);
                        ch.send_error(ErrorCode::NotDefined, "timed out");
                        return Err(ch.timed_out(&what));
                    }
                    if !last_sent.is_empty() {
                        ch.send(&last_sent, true)?;
                    }
                    deadline = Instant::now() + ch.rexmt;
                    continue;
                }
            },
        };
        match Packet::decode(&buf[..n]) {
            Ok(Packet::Data { block, data }) => {
                let ahead = offset(block, expected);
                // ANCHOR: in_order
                if ahead == 0 {
                    if data.len() > blksize {
                        let why = format!("block {block} has {} bytes, more than blksize {blksize}", data.len());
                        ch.send_error(ErrorCode::IllegalOperation, &why);
                        return Err(TransferError::Protocol(why));
                    }
                    let last = data.len() < blksize;
                    if let Err(e) = sink.write_all(data) {
                        return Err(file_failed(ch, e));
                    }
                    ch.stats.bytes += data.len() as u64;
                    ch.stats.blocks += 1;
                    expected += 1;
                    in_window += 1;
                    tries = 0;
                    gap_acked = false;
                    if last {
                        // The final ACK waits: the caller first makes the data safe (see `LastBlock`).
                        if let Err(e) = sink.flush() {
                            return Err(file_failed(ch, e));
                        }
                        return Ok(LastBlock { block, stats: ch.stats });
                    }
                    // ANCHOR_END: in_order
                    if in_window == window {
                        last_sent.clear();
                        last_sent.extend_from_slice(&ack_bytes(block));
                        ch.send(&last_sent, false)?;
                        in_window = 0;
                        ch.observer.progress(ch.stats.bytes);
                    }
                    deadline = Instant::now() + ch.rexmt;
                } else if ahead < 0x8000 {
                    // A block from further on: the ones between were lost. ACK the last in-order block once, so
                    // the sender goes on from there without waiting for its timer (RFC 7440 §4).
                    if !gap_acked {
                        gap_acked = true;
                        last_sent.clear();
                        last_sent.extend_from_slice(&ack_bytes((expected - 1) as u16));
                        ch.send(&last_sent, true)?;
                        in_window = 0;
                        deadline = Instant::now() + ch.rexmt;
                    }
                // ANCHOR: reack
                } else if window == 1 || ahead == u16::MAX {
                    // A block we already have: our ACK for it was lost, so say it again. In a window only the
                    // block just before `expected` earns a re-ACK (it ended the window the sender is repeating).
                    let previous = ack_bytes((expected - 1) as u16);
                    ch.send(&previous, true)?;
                    // ANCHOR_END: reack
                }
            }
            Ok(Packet::Oack { .. }) if expected == 1 && !last_sent.is_empty() => {
                // The peer repeated its OACK: our ACK 0 was lost.
                ch.send(&last_sent, true)?;
            }
            Ok(Packet::Error { code, message }) => return Err(TransferError::Peer { code, message }),
            Ok(_) => {}
            Err(_) => ch.stats.malformed += 1,
        }
    }
}
// ANCHOR_END: receive_loop

// ANCHOR: dally
/// After the final ACK of a completed receive, lingers and answers a repeated last block with that ACK again: if
/// the final ACK was lost, the sender retries, and without an answer it would report a failure for a file that
/// arrived whole (RFC 1350 §6). The sender may retry as many times as we would, so we stay until we have heard
/// nothing for as long as our own patience lasts (`retries + 1` timer periods). A server does this after it has
/// saved the file and freed the transfer's slot; a client need not wait, so ours does not.
pub fn dally(ch: &mut Channel<'_>, stats: &Stats) -> io::Result<()> {
    let block = stats.blocks as u16;
    let ack = ack_bytes(block);
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let quiet = ch.rexmt * (ch.retries + 1);
    let mut deadline = Instant::now() + quiet;
    while let Received::Datagram(n) = ch.recv(&mut buf, deadline)? {
        if let Ok(Packet::Data { block: b, .. }) = Packet::decode(&buf[..n])
            && b == block
        {
            ch.send(&ack, true)?;
            deadline = Instant::now() + quiet;
        }
    }
    Ok(())
}
// ANCHOR_END: dally

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_offsets_wrap() {
        assert_eq!(offset(0, 65535), 1);
        assert_eq!(offset(65535, 65536), u16::MAX);
        assert_eq!(offset(5, 5 + 65536 * 3), 0);
    }

    #[test]
    fn polling_pauses_after_a_run_of_misses_and_waits_still_time_out() {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let peer = socket.local_addr().unwrap();
        let mut quiet = Quiet;
        let mut ch = Channel::new(socket, peer, true, Duration::from_millis(5), 1, &mut quiet);
        ch.set_spin(Some(Duration::from_micros(20)));
        let mut buf = [0u8; 16];
        for _ in 0..SPIN_MISSES_BEFORE_PAUSE {
            let deadline = Instant::now() + Duration::from_millis(1);
            assert!(matches!(ch.recv(&mut buf, deadline).unwrap(), Received::Timeout));
        }
        assert_eq!(
            ch.spin_pause, SPIN_PAUSE,
            "nothing came while polling 8 times: stop polling for a while"
        );
        // While paused, a datagram is still received, by sleeping in the kernel.
        ch.socket.send_to(b"xy", peer).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        assert!(matches!(ch.recv(&mut buf, deadline).unwrap(), Received::Datagram(2)));
        assert_eq!(ch.spin_pause, SPIN_PAUSE - 1);
    }

    #[test]
    fn read_full_fills_or_stops_at_the_end() {
        let mut src: &[u8] = &[1, 2, 3];
        let mut buf = [0u8; 2];
        assert_eq!(read_full(&mut src, &mut buf).unwrap(), 2);
        assert_eq!(read_full(&mut src, &mut buf).unwrap(), 1);
        assert_eq!(read_full(&mut src, &mut buf).unwrap(), 0);
    }
}
