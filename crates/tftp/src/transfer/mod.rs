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
//! with zeros (see `block.rs`: the last block is exactly as long as what is left of the file).
//!
//! ## Layout
//! The lesson, in reading order; together they are the whole protocol. Each file's code reads in one sitting (under
//! 250 lines); its tests follow it, replaying datagrams byte for byte over a [`MemorySocket`]:
//! - `channel.rs`: [`Channel`], one end of a transfer — the TID latch, and the one loop that resends on a timeout.
//! - `send.rs`: [`send`] and [`send_file`], the sending side — windows, ACKs, the Sorcerer's Apprentice.
//! - `block.rs`: how a DATA block is read from the file, the short last block included.
//! - `receive.rs`: [`receive`], the receiving side — in-order blocks, re-ACKs, gaps — then [`LastBlock`] and
//!   [`dally`].
//! - this file: what the loops report ([`Observer`], [`Stats`], [`TransferError`]) and block-number arithmetic.
//!
//! The machinery, which only makes it fast or testable; skip it and nothing of the protocol is missed:
//! - `socket.rs`: [`Datagrams`], the small interface a channel waits on, and [`MemorySocket`], a scripted one for
//!   tests and the fuzzer.
//! - `poll.rs`: [`PolledSocket`], a UDP socket that polls for a moment before it sleeps (and records into
//!   `--pcap`'s capture, when there is one).
//! - `read_ahead.rs`: DATA packets read a window ahead, or by a second thread while the first one sends.

mod block;
mod channel;
mod poll;
mod read_ahead;
mod receive;
mod send;
mod socket;

use std::fmt;
use std::io;
use std::net::SocketAddr;

use crate::options::Negotiated;
use crate::packet::ErrorCode;

pub use channel::{Awaiting, Channel};
pub use netlab::sock::MAX_DATAGRAM;
pub use poll::{DEFAULT_SPIN, MAX_SPIN, PolledSocket};
pub use read_ahead::{PREFETCH_BLKSIZE, PREFETCH_WINDOW};
pub use receive::{LastBlock, ReceiveStart, dally, receive};
pub use send::{send, send_file};
pub use socket::{Datagrams, MemorySocket};

/// Which way a packet went, for [`Observer::packet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// We sent it.
    Sent,
    /// We received it.
    Received,
}

/// Watches a transfer: every packet (for `--trace` and `-v`), the peer's TID once known, and progress (for a
/// progress bar). Each does nothing unless overridden.
pub trait Observer {
    /// A packet went out or came in. `resent` is true for retransmissions.
    fn packet(&mut self, _dir: Direction, _peer: SocketAddr, _bytes: &[u8], _resent: bool) {}
    /// The peer's transfer ID is known (a client hears the server's first reply): from now on only `peer`
    /// belongs to the transfer, and an ERROR sent to it from this transfer's socket ends the transfer.
    fn latched(&mut self, _peer: SocketAddr) {}
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

/// The buffer to put around the file on either side of the engine (`BufReader`/`BufWriter`). Small blocks are
/// gathered into fewer system calls; a block at least this large skips the buffer (std's buffered reader and
/// writer pass big requests straight through), which saves copying 64 KiB blocks twice.
pub const FILE_BUFFER: usize = 32 << 10;

// ANCHOR: wrap
/// Where a block number (16 bits, wrapping) falls relative to a 64-bit count.
fn offset(block: u16, base: u64) -> u16 {
    block.wrapping_sub(base as u16)
}
// ANCHOR_END: wrap

/// What the byte-level tests of the engine and the client share: a peer, a stranger, and a channel over a script.
#[cfg(test)]
pub(crate) mod testing {
    use std::net::SocketAddr;
    use std::time::Duration;

    use super::{Channel, MemorySocket, Quiet};

    /// The server's request port, where a client's request goes.
    pub const SERVER: &str = "127.0.0.1:69";
    /// The peer's transfer port (its TID).
    pub const PEER: &str = "127.0.0.1:50123";
    /// Another port on the peer's host: not the transfer's.
    pub const STRANGER: &str = "127.0.0.1:50999";
    /// Another host.
    pub const OTHER_HOST: &str = "127.0.0.2:50123";
    /// A plain read request for the file `f`.
    pub const RRQ: &[u8] = b"\0\x01f\0octet\0";

    /// The file `abcdefghi` in DATA blocks of 2 bytes: four full ones, then a short one.
    pub const ABCDEFGHI_IN_TWOS: [&[u8]; 5] = [
        b"\0\x03\0\x01ab",
        b"\0\x03\0\x02cd",
        b"\0\x03\0\x03ef",
        b"\0\x03\0\x04gh",
        b"\0\x03\0\x05i",
    ];

    pub fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    /// A channel latched to [`PEER`] over `script`. Its timer never runs out by itself (a script's waits time
    /// out at once when nothing is left), so what happens depends on the script alone.
    pub fn channel<'o>(script: &MemorySocket, retries: u32, observer: &'o mut Quiet) -> Channel<'o> {
        let rexmt = Duration::from_secs(3600);
        Channel::new(script.clone(), addr(PEER), true, rexmt, retries, observer)
    }

    /// What was sent, each datagram with where it went as text.
    pub fn sent(script: &MemorySocket) -> Vec<(String, Vec<u8>)> {
        script
            .sent()
            .into_iter()
            .map(|(to, bytes)| (to.to_string(), bytes))
            .collect()
    }

    /// Datagrams to `to`, each named.
    pub fn to(to: &str, datagrams: &[&[u8]]) -> Vec<(String, Vec<u8>)> {
        datagrams.iter().map(|d| (to.to_string(), d.to_vec())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_offsets_wrap() {
        assert_eq!(offset(0, 65535), 1);
        assert_eq!(offset(65535, 65536), u16::MAX);
        assert_eq!(offset(5, 5 + 65536 * 3), 0);
    }
}
