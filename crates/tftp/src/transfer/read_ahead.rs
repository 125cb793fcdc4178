//! Machinery: where the send loop gets its DATA packets, read so that the network never waits for the disk. Only
//! the speed of a transfer depends on it; `send.rs` reads the same without it (a packet is what `block.rs` makes).
//!
//! Two ways, behind one small interface ([`Blocks::next`], [`Blocks::read_ahead`], [`Blocks::recycle`]):
//! - inline: while the peer works through a window, the next window is read, so it can go out the moment the ACK
//!   arrives instead of after the reads; packets the peer has ACKed are reused rather than allocated again;
//! - on a second thread ([`on_a_thread`]), for a file in big windows: copying a 64 KiB block out of the page cache
//!   costs about as much as sending it, so doing both on one thread leaves the network idle half the time. Smaller
//!   blocks or windows lose more to handing each block over, and to waking up after each window, than they win.
//!   (Measurements: `docs/src/performance.md`.)

use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::block::{fill_block, is_last};
use crate::options::Negotiated;

/// [`super::send_file`] reads on a second thread only for blocks at least this big ...
pub const PREFETCH_BLKSIZE: usize = 32 << 10;
/// ... in windows (blksize × windowsize) at least this big. In lock-step, reading inline one window ahead already
/// overlaps the reads with the round trips.
pub const PREFETCH_WINDOW: usize = 512 << 10;

/// How long the reading thread yields before it sleeps when it is a window ahead.
const READER_YIELD: Duration = Duration::from_millis(2);

/// Where the send loop gets its DATA packets: read in place, or handed over by a reading thread.
pub(super) enum Blocks<'a> {
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
    },
}

impl<'a> Blocks<'a> {
    /// Blocks read from `source` on this thread.
    pub(super) fn inline(source: &'a mut dyn Read, blksize: usize) -> Self {
        Blocks::Inline {
            source,
            blksize,
            read: 0,
            ready: VecDeque::new(),
            spare: Vec::new(),
        }
    }

    /// The next block's DATA packet, shorter than `4 + blksize` only for the last block.
    pub(super) fn next(&mut self) -> io::Result<Vec<u8>> {
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
    pub(super) fn read_ahead(&mut self, count: u64) -> io::Result<()> {
        if let Blocks::Inline {
            source,
            blksize,
            read,
            ready,
            spare,
        } = self
        {
            while (ready.len() as u64) < count && !ready.back().is_some_and(|p| is_last(p, *blksize)) {
                *read += 1;
                let packet = fill_block(*source, spare.pop().unwrap_or_default(), *blksize, *read)?;
                ready.push_back(packet);
            }
        }
        Ok(())
    }

    /// Takes back a packet the peer has ACKed, to be filled again.
    pub(super) fn recycle(&mut self, packet: Vec<u8>) {
        match self {
            Blocks::Inline { spare, .. } => spare.push(packet),
            Blocks::Prefetched { empty, .. } => {
                let _ = empty.send(packet);
            }
        }
    }
}

/// Whether a second thread reading the file pays for these options on this machine (see the module doc).
pub(super) fn worth_a_thread(opts: &Negotiated) -> bool {
    let window_bytes = opts.blksize * usize::from(opts.windowsize);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    opts.blksize >= PREFETCH_BLKSIZE && window_bytes >= PREFETCH_WINDOW && cores >= 2
}

/// Runs `send` with blocks that a second thread reads from `source`, a window ahead; returns when both are done.
/// The reading thread must finish before this returns, so `source` must answer soon — a file, not a pipe, whose
/// read could block for ever after the transfer has failed.
pub(super) fn on_a_thread<T>(
    source: &mut (dyn Read + Send),
    opts: &Negotiated,
    send: impl FnOnce(&mut Blocks<'_>) -> T,
) -> T {
    let blksize = opts.blksize;
    // Room for the next window, read and waiting while the current one is in flight (more did not go faster).
    let depth = usize::from(opts.windowsize.max(1));
    std::thread::scope(|scope| {
        let (full_tx, full_rx) = mpsc::sync_channel(depth);
        let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
        scope.spawn(move || read_blocks(source, blksize, &full_tx, &empty_rx));
        let mut blocks = Blocks::Prefetched {
            full: full_rx,
            empty: empty_tx,
        };
        send(&mut blocks)
        // `blocks` drops here: the reading thread's next send fails and it ends; the scope waits for it.
    })
}

/// The reading thread: reads blocks 1, 2, ... into packets (reusing those the sender hands back) and queues them,
/// until the last block, a read error (queued too), or the sender going away.
fn read_blocks(
    source: &mut dyn Read,
    blksize: usize,
    full: &mpsc::SyncSender<io::Result<Vec<u8>>>,
    empty: &mpsc::Receiver<Vec<u8>>,
) {
    for index in 1u64.. {
        let packet = fill_block(source, empty.try_recv().unwrap_or_default(), blksize, index);
        let last = packet.as_ref().map_or(true, |p| is_last(p, blksize));
        if !queue(full, packet) || last {
            return;
        }
    }
}

/// Queues a packet for the sender; false if the sender has gone (the transfer ended). When the queue is full, it
/// offers the core to others for a moment before it sleeps: a thread that sleeps is woken by the sender, and the
/// scheduler then tends to run it on the sender's core, where the two take turns instead of working side by side.
/// A stalled transfer puts it to sleep after [`READER_YIELD`].
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
