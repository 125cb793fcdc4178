//! The receiving side of a transfer: a client's download, a server's upload — seed §3.3.2 (`download(file)`), RFC
//! 1350 §2 and §6, RFC 7440 (windows).
//!
//! ```text
//!   <- DATA 1                  the block expected: write it, ACK it (in a window: every Nth block)
//!   <- DATA 1                  again: our ACK was lost; say it again
//!   <- DATA 3                  a gap (2 was lost): ACK 1 once, and the sender goes on from 2
//!   <- DATA n  (short)         the last block: make the file safe, then the final ACK; linger (dally)
//! ```
//!
//! The receiver never resends DATA (it has none); when its timer runs out it repeats its own last packet, which
//! also tells a sender whose window was lost where to start again.

use std::io::{self, Write};
use std::time::Instant;

use super::{Awaiting, Channel, MAX_DATAGRAM, Stats, TransferError, offset};
use crate::options::Negotiated;
use crate::packet::{ErrorCode, Packet, ack_bytes};

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
        ch.progress(self.stats.bytes);
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
    // What to say again when the timer runs out: the packet we sent last, if any.
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
    ch.start_timer();
    loop {
        let n = match pending.take() {
            Some(n) => n,
            None => {
                let awaiting = Awaiting::Data(expected as u16);
                ch.recv_or_resend(&mut buf, awaiting, &mut |ch| say_again(ch, &last_sent))?
            }
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
                        return Err(ch.file_failed(e));
                    }
                    ch.stats.bytes += data.len() as u64;
                    ch.stats.blocks += 1;
                    expected += 1;
                    in_window += 1;
                    ch.reset_tries();
                    gap_acked = false;
                    if last {
                        // The final ACK waits: the caller first makes the data safe (see `LastBlock`).
                        if let Err(e) = sink.flush() {
                            return Err(ch.file_failed(e));
                        }
                        return Ok(LastBlock { block, stats: ch.stats });
                    }
                    // ANCHOR_END: in_order
                    if in_window == window {
                        last_sent.clear();
                        last_sent.extend_from_slice(&ack_bytes(block));
                        ch.send(&last_sent, false)?;
                        in_window = 0;
                        ch.progress(ch.stats.bytes);
                    }
                    ch.restart_timer();
                } else if ahead < 0x8000 {
                    // A block from further on: the ones between were lost. ACK the last in-order block once, so
                    // the sender goes on from there without waiting for its timer (RFC 7440 §4).
                    if !gap_acked {
                        gap_acked = true;
                        last_sent.clear();
                        last_sent.extend_from_slice(&ack_bytes((expected - 1) as u16));
                        ch.send(&last_sent, true)?;
                        in_window = 0;
                        ch.restart_timer();
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

/// On a timeout, the receiver says its last packet again (a client that started from DATA 1 has none yet).
fn say_again(ch: &mut Channel<'_>, last_sent: &[u8]) -> io::Result<()> {
    if last_sent.is_empty() {
        return Ok(());
    }
    ch.send(last_sent, true)
}

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
    let mut deadline = Instant::now() + ch.patience();
    while let Some(n) = ch.recv(&mut buf, deadline)? {
        if let Ok(Packet::Data { block: b, .. }) = Packet::decode(&buf[..n])
            && b == block
        {
            ch.send(&ack, true)?;
            deadline = Instant::now() + ch.patience();
        }
    }
    Ok(())
}
// ANCHOR_END: dally

/// The receiving side, one datagram at a time: each test scripts what the peer sends and checks every byte kept and
/// sent back.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::testing::{ABCDEFGHI_IN_TWOS, PEER, STRANGER, addr, channel, sent, to};
    use crate::transfer::{MemorySocket, Quiet};

    const ACK_0: [u8; 4] = [0, 4, 0, 0];
    const ACK_1: [u8; 4] = [0, 4, 0, 1];
    const ACK_2: [u8; 4] = [0, 4, 0, 2];
    const D1: &[u8] = b"\0\x03\0\x01abcd";
    const D2_SHORT: &[u8] = b"\0\x03\0\x02ef";

    fn opts(blksize: usize, windowsize: u16) -> Negotiated {
        Negotiated {
            blksize,
            windowsize,
            ..Negotiated::default()
        }
    }

    /// Receives, after ACK 0, what `script` sends (from PEER unless said), with 1 retry; returns the outcome,
    /// the bytes kept, and the socket.
    fn run(opts: Negotiated, script: &[(&str, &[u8])]) -> (Result<LastBlock, TransferError>, Vec<u8>, MemorySocket) {
        let socket = MemorySocket::new();
        for (from, datagram) in script {
            socket.deliver(addr(from), datagram);
        }
        let mut quiet = Quiet;
        let mut ch = channel(&socket, 1, &mut quiet);
        let mut file = Vec::new();
        let result = receive(&mut ch, &mut file, &opts, ReceiveStart::Sent(&ACK_0));
        (result, file, socket)
    }

    #[test]
    fn blocks_in_order_are_kept_and_acked_and_the_short_one_waits_for_its_ack() {
        let (result, file, socket) = run(opts(4, 1), &[(PEER, D1), (PEER, D2_SHORT)]);
        let last = result.unwrap();
        assert_eq!((last.stats.bytes, last.stats.blocks), (6, 2));
        assert_eq!(file, b"abcdef");
        assert_eq!(
            sent(&socket),
            to(PEER, &[&ACK_1]),
            "no ACK 2 yet: the file is made safe first"
        );
        let mut quiet = Quiet;
        last.acknowledge(&mut channel(&socket, 1, &mut quiet)).unwrap();
        assert_eq!(sent(&socket), to(PEER, &[&ACK_1, &ACK_2]));
    }

    #[test]
    fn a_block_already_kept_is_acked_again_but_not_kept_twice() {
        let (result, file, socket) = run(opts(4, 1), &[(PEER, D1), (PEER, D1), (PEER, D2_SHORT)]);
        assert_eq!(result.unwrap().stats.retransmits, 1);
        assert_eq!(file, b"abcdef");
        assert_eq!(sent(&socket), to(PEER, &[&ACK_1, &ACK_1]));
    }

    #[test]
    fn a_gap_in_a_window_is_acked_once_with_the_last_block_in_order() {
        let [d1, d2, d3, d4, d5] = ABCDEFGHI_IN_TWOS;
        let script = [d1, d3, d4, d2, d3, d4, d5].map(|d| (PEER, d));
        let (result, file, socket) = run(opts(2, 4), &script);
        assert_eq!(result.unwrap().stats.blocks, 5);
        assert_eq!(file, b"abcdefghi");
        assert_eq!(
            sent(&socket),
            to(PEER, &[&ACK_1]),
            "ACK 1 for the gap; the window of 2-5 ends the file"
        );
    }

    #[test]
    fn a_block_longer_than_blksize_ends_the_transfer_with_error_4() {
        let (result, file, socket) = run(opts(4, 1), &[(PEER, b"\0\x03\0\x01abcde")]);
        assert_eq!(
            result.unwrap_err().to_string(),
            "protocol error: block 1 has 5 bytes, more than blksize 4"
        );
        assert!(file.is_empty());
        let error_4 = b"\0\x05\0\x04block 1 has 5 bytes, more than blksize 4\0";
        assert_eq!(sent(&socket), to(PEER, &[error_4]));
    }

    #[test]
    fn silence_repeats_the_last_packet_then_gives_up_and_says_so() {
        let (result, _, socket) = run(opts(512, 1), &[]);
        assert_eq!(
            result.unwrap_err().to_string(),
            "timed out waiting for DATA block 1 after 1 retransmissions"
        );
        assert_eq!(sent(&socket), to(PEER, &[&ACK_0, b"\0\x05\0\0timed out\0"]));
    }

    #[test]
    fn a_strangers_data_is_not_kept_and_a_repeated_oack_is_acked_again() {
        let oack: &[u8] = b"\0\x06blksize\x004\0";
        let strangers: &[u8] = b"\0\x03\0\x01zz";
        let script = [
            (STRANGER, strangers),
            (PEER, oack),
            (PEER, D2_SHORT),
            (PEER, D1),
            (PEER, D2_SHORT),
        ];
        let (result, file, socket) = run(opts(4, 1), &script);
        assert_eq!(file, b"abcdef");
        assert_eq!(result.unwrap().stats.wrong_tid, 1);
        let error_5 = b"\0\x05\0\x05unknown transfer ID\0".to_vec();
        assert_eq!(
            sent(&socket),
            [
                (STRANGER.to_string(), error_5),
                (PEER.to_string(), ACK_0.to_vec()),
                (PEER.to_string(), ACK_0.to_vec()),
                (PEER.to_string(), ACK_1.to_vec()),
            ],
            "the repeated OACK and the gap (DATA 2 before DATA 1) are each answered with ACK 0"
        );
    }

    #[test]
    fn a_download_may_start_from_data_1_already_received() {
        let socket = MemorySocket::new();
        let mut quiet = Quiet;
        let mut ch = channel(&socket, 1, &mut quiet);
        let mut file = Vec::new();
        let last = receive(
            &mut ch,
            &mut file,
            &opts(4, 1),
            ReceiveStart::FirstData(b"\0\x03\0\x01xy"),
        )
        .unwrap();
        assert_eq!((file.as_slice(), last.stats.blocks), (&b"xy"[..], 1));
        assert!(socket.sent().is_empty());
    }

    #[test]
    fn dallying_acks_a_repeated_last_block_and_nothing_else() {
        let (result, _, socket) = run(opts(4, 1), &[(PEER, D1), (PEER, D2_SHORT)]);
        let stats = result.unwrap().stats;
        for datagram in [D2_SHORT, D1, &ACK_2, D2_SHORT] {
            socket.deliver(addr(PEER), datagram);
        }
        let mut quiet = Quiet;
        dally(&mut channel(&socket, 1, &mut quiet), &stats).unwrap();
        assert_eq!(sent(&socket), to(PEER, &[&ACK_1, &ACK_2, &ACK_2]));
    }
}
