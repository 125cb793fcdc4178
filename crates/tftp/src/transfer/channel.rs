//! One end of a transfer: the socket, the peer's transfer ID, the retransmission timer — seed §3.3.2 (the client
//! learns the server's port from its first reply); RFC 1350 §4 (TIDs) and §2 (timeouts).
//!
//! The two ends of a transfer are two UDP ports, its transfer IDs (TIDs). A client sends its request to the
//! server's port 69 and the server answers from a new port: the client takes the port of that first reply as the
//! server's TID — it *latches* it — and from then on only that address and port belong to the transfer. Anything
//! from elsewhere is a stranger's, answered with ERROR 5 and otherwise ignored ([`Channel::recv`]).
//!
//! UDP may lose any packet, so each side repeats what it sent when no answer comes in time. That rule is written
//! once, in [`Channel::recv_or_resend`]: the client's request, the server's OACK, the sender's window and the
//! receiver's ACK all wait through it.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::{Datagrams, Direction, Observer, Stats, TransferError};
use crate::options::Negotiated;
use crate::packet::{ErrorCode, Opcode, error_bytes};

/// One end of a transfer: the socket, the peer's address (latched or not), the timer and the counters.
pub struct Channel<'o> {
    socket: Box<dyn Datagrams>,
    peer: SocketAddr,
    latched: bool,
    rexmt: Duration,
    retries: u32,
    /// When the retransmission timer runs out.
    deadline: Instant,
    /// Timeouts in a row since the peer last moved the transfer on.
    tries: u32,
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

/// What a side waits for when its timer runs out: named in [`TransferError::TimedOut`] if it gives up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Awaiting {
    /// The server's first reply to a request (the client).
    FirstReply,
    /// The ACK 0 that answers an OACK (a server, before its first DATA).
    AckZero,
    /// This DATA block (the receiving side).
    Data(u16),
    /// The ACK of this block (the sending side).
    Ack(u16),
}

impl Awaiting {
    /// Whether a side that gives up says so with an ERROR: once blocks are moving the peer is there, and told at
    /// once it need not time out too. Before that, nothing of a transfer exists yet to end.
    fn tell_peer(self) -> bool {
        matches!(self, Awaiting::Data(_) | Awaiting::Ack(_))
    }
}

impl fmt::Display for Awaiting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Awaiting::FirstReply => write!(f, "the server's first reply"),
            Awaiting::AckZero => write!(f, "ACK of the OACK (block 0)"),
            Awaiting::Data(block) => write!(f, "DATA block {block}"),
            Awaiting::Ack(block) => write!(f, "ACK of block {block}"),
        }
    }
}

impl<'o> Channel<'o> {
    /// A channel to `peer` over `socket`: a UDP socket (which then polls, see `poll.rs`), or any other
    /// [`Datagrams`], such as the [`MemorySocket`](super::MemorySocket) of a test or the fuzzer. If `latched` is
    /// false (a client before the first reply), the first datagram from the peer's IP address fixes the peer's
    /// port — its TID.
    pub fn new(
        socket: impl Into<Box<dyn Datagrams>>,
        peer: SocketAddr,
        latched: bool,
        rexmt: Duration,
        retries: u32,
        observer: &'o mut dyn Observer,
    ) -> Self {
        Channel {
            socket: socket.into(),
            peer,
            latched,
            rexmt,
            retries,
            deadline: Instant::now() + rexmt,
            tries: 0,
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

    /// Tells the observer how many file bytes have moved.
    pub fn progress(&mut self, bytes: u64) {
        self.observer.progress(bytes);
    }

    /// The retransmission timer.
    pub fn set_rexmt(&mut self, rexmt: Duration) {
        self.rexmt = rexmt;
    }

    /// How long this end waits for an answer before it gives up: `retries + 1` timer periods.
    pub fn patience(&self) -> Duration {
        self.rexmt * (self.retries + 1)
    }

    /// Whether the socket polls before it sleeps (see `poll.rs`); returns the setting it had.
    pub fn set_polling(&mut self, on: bool) -> bool {
        self.socket.set_polling(on)
    }

    /// Sends one packet to the peer.
    pub fn send(&mut self, bytes: &[u8], resent: bool) -> io::Result<()> {
        self.observer.packet(Direction::Sent, self.peer, bytes, resent);
        if resent {
            self.stats.retransmits += 1;
        }
        self.socket.send_to(bytes, self.peer)
    }

    /// Sends ERROR to the peer, best effort: the transfer is ending anyway.
    pub fn send_error(&mut self, code: ErrorCode, message: &str) {
        let _ = self.send(&error_bytes(code, message), false);
    }

    /// Reading or writing the local file failed: the peer gets the closest ERROR, and the transfer ends.
    pub fn file_failed(&mut self, e: io::Error) -> TransferError {
        self.send_error(ErrorCode::from_io(&e), &e.to_string());
        TransferError::File(e)
    }

    /// Waits until `deadline` for a datagram from the peer into `buf`; its length, or `None` when the deadline
    /// passes first. Datagrams from anyone else get ERROR 5, except an ERROR, which is never answered.
    pub fn recv(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<Option<usize>> {
        loop {
            let Some((n, from)) = self.socket.recv_until(buf, deadline)? else {
                return Ok(None);
            };
            // ANCHOR: tid_check
            if !self.latched && from.ip() == self.peer.ip() {
                self.peer = from;
                self.latched = true;
                self.observer.latched(from);
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
            return Ok(Some(n));
        }
    }

    /// Starts the timer for a new phase: a full period to wait, and no timeouts counted yet.
    pub fn start_timer(&mut self) {
        self.restart_timer();
        self.reset_tries();
    }

    /// Starts the timer over: what was just sent gets a full period to be answered.
    pub fn restart_timer(&mut self) {
        self.deadline = Instant::now() + self.rexmt;
    }

    /// The peer moved the transfer on: timeouts in a row are counted from zero again.
    pub fn reset_tries(&mut self) {
        self.tries = 0;
    }

    // ANCHOR: retry
    /// Waits for the peer's next datagram into `buf` and returns its length. When the timer runs out first,
    /// `resend` sends again what the peer has not answered, and the timer starts over: a packet is repeated because
    /// its answer is late, never because a duplicate came (see `send.rs`). After `retries` timeouts in a row, the
    /// transfer has failed.
    pub fn recv_or_resend(
        &mut self,
        buf: &mut [u8],
        awaiting: Awaiting,
        resend: &mut dyn FnMut(&mut Self) -> io::Result<()>,
    ) -> Result<usize, TransferError> {
        loop {
            if let Some(n) = self.recv(buf, self.deadline)? {
                return Ok(n);
            }
            self.stats.timeouts += 1;
            self.tries += 1;
            if self.tries > self.retries {
                if awaiting.tell_peer() {
                    self.send_error(ErrorCode::NotDefined, "timed out");
                }
                return Err(TransferError::TimedOut {
                    retries: self.retries,
                    waiting_for: awaiting.to_string(),
                });
            }
            resend(self)?;
            self.restart_timer();
        }
    }
    // ANCHOR_END: retry

    /// Sends a request (RRQ or WRQ) and waits for the first reply, sending the request again on each timeout;
    /// returns the reply's length in `buf`.
    pub fn request(&mut self, request: &[u8], buf: &mut [u8]) -> Result<usize, TransferError> {
        self.send(request, false)?;
        self.start_timer();
        self.recv_or_resend(buf, Awaiting::FirstReply, &mut |ch| ch.send(request, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::testing::{OTHER_HOST, PEER, RRQ, SERVER, STRANGER, addr, sent, to};
    use crate::transfer::{MemorySocket, Quiet};

    const DATA_1: &[u8] = b"\0\x03\0\x01x";
    const ERROR_5: &[u8] = b"\0\x05\0\x05unknown transfer ID\0";

    /// A client's channel before the first reply: not latched, 2 retries, a timer that never runs out by itself.
    fn client<'o>(script: &MemorySocket, observer: &'o mut Quiet) -> Channel<'o> {
        let rexmt = Duration::from_secs(3600);
        Channel::new(script.clone(), addr(SERVER), false, rexmt, 2, observer)
    }

    #[test]
    fn the_first_reply_from_the_servers_address_latches_its_port_and_strangers_get_error_5() {
        let script = MemorySocket::new();
        for (from, datagram) in [
            (OTHER_HOST, DATA_1),
            (PEER, DATA_1),
            (STRANGER, DATA_1),
            (STRANGER, ERROR_5),
            (PEER, b"\0\x03\0\x02"),
        ] {
            script.deliver(addr(from), datagram);
        }
        let mut quiet = Quiet;
        let mut ch = client(&script, &mut quiet);
        let mut buf = [0u8; 600];
        let far = Instant::now() + Duration::from_secs(3600);
        assert_eq!(
            ch.recv(&mut buf, far).unwrap(),
            Some(5),
            "from the server's port, after another host's"
        );
        assert_eq!(ch.peer(), addr(PEER), "latched");
        assert_eq!(
            ch.recv(&mut buf, far).unwrap(),
            Some(4),
            "the stranger's DATA and ERROR are passed over"
        );
        assert_eq!(&buf[..4], [0, 3, 0, 2]);
        assert_eq!(ch.stats.wrong_tid, 3);
        assert_eq!(
            sent(&script),
            [to(OTHER_HOST, &[ERROR_5]), to(STRANGER, &[ERROR_5])].concat(),
            "an ERROR 5 for each stranger's packet but its ERROR"
        );
        assert_eq!(
            ch.recv(&mut buf, far).unwrap(),
            None,
            "nothing left: the wait times out"
        );
    }

    /// Records each peer a channel latches.
    #[derive(Default)]
    struct Latches(Vec<SocketAddr>);

    impl Observer for Latches {
        fn latched(&mut self, peer: SocketAddr) {
            self.0.push(peer);
        }
    }

    #[test]
    fn the_observer_hears_of_the_latch_once_and_of_no_stranger() {
        let script = MemorySocket::new();
        for from in [OTHER_HOST, PEER, STRANGER, PEER] {
            script.deliver(addr(from), DATA_1);
        }
        let mut latches = Latches::default();
        let rexmt = Duration::from_secs(3600);
        let mut ch = Channel::new(script.clone(), addr(SERVER), false, rexmt, 2, &mut latches);
        let far = Instant::now() + rexmt;
        while ch.recv(&mut [0u8; 600], far).unwrap().is_some() {}
        drop(ch);
        assert_eq!(latches.0, [addr(PEER)]);
    }

    #[test]
    fn a_request_is_resent_on_each_timeout_and_given_up_silently() {
        let script = MemorySocket::new();
        let mut quiet = Quiet;
        let mut ch = client(&script, &mut quiet);
        let err = ch.request(RRQ, &mut [0u8; 600]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "timed out waiting for the server's first reply after 2 retransmissions"
        );
        assert_eq!(
            sent(&script),
            to(SERVER, &[RRQ, RRQ, RRQ]),
            "the request and 2 repeats, no ERROR"
        );
        assert_eq!((ch.stats.timeouts, ch.stats.retransmits), (3, 2));
    }

    #[test]
    fn a_side_that_gives_up_while_blocks_move_tells_the_peer() {
        let script = MemorySocket::new();
        let mut quiet = Quiet;
        let mut ch = client(&script, &mut quiet);
        ch.start_timer();
        let ack: &[u8] = &[0, 4, 0, 7];
        let err = ch
            .recv_or_resend(&mut [0u8; 600], Awaiting::Data(8), &mut |ch| ch.send(ack, true))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "timed out waiting for DATA block 8 after 2 retransmissions"
        );
        assert_eq!(sent(&script), to(SERVER, &[ack, ack, b"\0\x05\0\0timed out\0"]));
    }
}
