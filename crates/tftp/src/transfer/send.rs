//! The sending side of a transfer: a server's download, a client's upload — seed §3.3.2 (`upload(file)`), RFC 1350
//! §2 and §6, RFC 7440 (windows), RFC 1123 §4.2.3.1 (the Sorcerer's Apprentice).
//!
//! ```text
//! lock-step (windowsize 1)            window of 4 (RFC 7440)
//!   DATA 1 ->                           DATA 1 -> DATA 2 -> DATA 3 -> DATA 4 ->
//!       <- ACK 1                             <- ACK 4
//!   DATA 2 ->                           DATA 5 -> ... DATA 8 ->
//!       <- ACK 2 ...                         <- ACK 6   (a gap: go on from block 7)
//! ```
//!
//! The sender keeps every block in flight until it is acknowledged, so it can send it again when its timer runs
//! out. An ACK moves the window on to the block after the one it names; the last block is the short one
//! (`block.rs`), and its ACK ends the transfer.

use std::collections::VecDeque;
use std::io::Read;

use super::block::is_last;
use super::read_ahead::{self, Blocks};
use super::{Awaiting, Channel, MAX_DATAGRAM, Stats, TransferError, offset};
use crate::options::Negotiated;
use crate::packet::Packet;

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
    send_blocks(ch, &mut Blocks::inline(source, opts.blksize), opts, preamble)
}

/// Like [`send`], for a source that always answers soon — a file, not a pipe or a terminal: with big windows on a
/// machine with a second core, a second thread reads the file while this one sends (see `read_ahead.rs`).
pub fn send_file(
    ch: &mut Channel<'_>,
    source: &mut (dyn Read + Send),
    opts: &Negotiated,
    preamble: Option<&[u8]>,
) -> Result<Stats, TransferError> {
    if !read_ahead::worth_a_thread(opts) {
        return send(ch, source, opts, preamble);
    }
    // Waiting for a window's ACK, sleep rather than poll: the core is the reading thread's (and, on loopback,
    // the receiver's). A whole window takes long enough that the cost of a wake-up hardly shows.
    let polled = ch.set_polling(false);
    let result = read_ahead::on_a_thread(source, opts, |blocks| send_blocks(ch, blocks, opts, preamble));
    ch.set_polling(polled);
    result
}

/// The send loop proper, whichever way its blocks are read.
// ANCHOR: send_loop
fn send_blocks(
    ch: &mut Channel<'_>,
    blocks: &mut Blocks<'_>,
    opts: &Negotiated,
    preamble: Option<&[u8]>,
) -> Result<Stats, TransferError> {
    let blksize = opts.blksize;
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
    ch.start_timer();
    loop {
        // Fill the window: blocks read ahead go first, then new reads.
        let mut sent_new = false;
        while next <= base + window && last_block.is_none_or(|last| next <= last) {
            let packet = blocks.next().map_err(|e| ch.file_failed(e))?;
            if is_last(&packet, blksize) {
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
            ch.restart_timer();
        }
        if last_block.is_none() {
            blocks.read_ahead(window).map_err(|e| ch.file_failed(e))?;
        }
        let awaiting = Awaiting::Ack((base + 1) as u16);
        let n = ch.recv_or_resend(&mut buf, awaiting, &mut |ch| resend_all(ch, &in_flight))?;
        match Packet::decode(&buf[..n]) {
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
                        ch.restart_timer();
                    }
                    // ANCHOR_END: duplicate_ack
                } else if ahead <= outstanding {
                    base += ahead;
                    ch.reset_tries();
                    for _ in 0..ahead {
                        if let Some(p) = in_flight.pop_front() {
                            blocks.recycle(p);
                        }
                    }
                    ch.progress(ch.stats.bytes);
                    if last_block == Some(base) {
                        return Ok(ch.stats);
                    }
                    if base < next - 1 {
                        // A partial ACK: the receiver saw a gap after `base`. Go on from there (RFC 7440 §4).
                        resend_all(ch, &in_flight)?;
                        ch.restart_timer();
                    }
                }
                // Otherwise an ACK for a block not in flight (a stale one, from before a wrap): ignore it.
            }
            Ok(Packet::Error { code, message }) => return Err(TransferError::Peer { code, message }),
            Ok(_) => {}
            Err(_) => ch.stats.malformed += 1,
        }
    }
}
// ANCHOR_END: send_loop

fn resend_all(ch: &mut Channel<'_>, in_flight: &VecDeque<Vec<u8>>) -> std::io::Result<()> {
    for packet in in_flight {
        ch.send(packet, true)?;
    }
    Ok(())
}

/// After an OACK, nothing is sent until the peer's ACK 0 proves it asked for this transfer (RFC 2347): a forged
/// request cannot make a server stream data at a third party.
fn wait_for_ack_zero(ch: &mut Channel<'_>, oack: &[u8], buf: &mut [u8]) -> Result<(), TransferError> {
    ch.send(oack, false)?;
    ch.start_timer();
    loop {
        let n = ch.recv_or_resend(buf, Awaiting::AckZero, &mut |ch| ch.send(oack, true))?;
        match Packet::decode(&buf[..n]) {
            Ok(Packet::Ack { block: 0 }) => return Ok(()),
            Ok(Packet::Error { code, message }) => return Err(TransferError::Peer { code, message }),
            Ok(_) => {}
            Err(_) => ch.stats.malformed += 1,
        }
    }
}

/// The sending side, one datagram at a time: each test scripts what the peer sends and checks every byte sent back.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::testing::{ABCDEFGHI_IN_TWOS, PEER, STRANGER, addr, channel, sent, to};
    use crate::transfer::{MemorySocket, Quiet};

    const ACK_0: [u8; 4] = [0, 4, 0, 0];
    const ACK_1: [u8; 4] = [0, 4, 0, 1];
    const ACK_2: [u8; 4] = [0, 4, 0, 2];
    const ACK_3: [u8; 4] = [0, 4, 0, 3];
    const ACK_5: [u8; 4] = [0, 4, 0, 5];
    const OACK: [u8; 12] = [0, 6, b'b', b'l', b'k', b's', b'i', b'z', b'e', 0, b'4', 0];
    const TIMED_OUT: [u8; 14] = [0, 5, 0, 0, b't', b'i', b'm', b'e', b'd', b' ', b'o', b'u', b't', 0];

    fn opts(blksize: usize, windowsize: u16) -> Negotiated {
        Negotiated {
            blksize,
            windowsize,
            ..Negotiated::default()
        }
    }

    /// Sends `file` to a peer that sends `script` (from PEER unless said), with 2 retries.
    fn run(
        file: &[u8],
        opts: Negotiated,
        preamble: Option<&[u8]>,
        script: &[(&str, &[u8])],
    ) -> (Result<Stats, TransferError>, MemorySocket) {
        let socket = MemorySocket::new();
        for (from, datagram) in script {
            socket.deliver(addr(from), datagram);
        }
        let mut quiet = Quiet;
        let mut ch = channel(&socket, 2, &mut quiet);
        let result = send(&mut ch, &mut &file[..], &opts, preamble);
        (result, socket)
    }

    #[test]
    fn a_short_file_is_one_short_block_and_its_ack_ends_the_transfer() {
        let (result, socket) = run(b"abc", opts(512, 1), None, &[(PEER, &ACK_1)]);
        let stats = result.unwrap();
        assert_eq!((stats.bytes, stats.blocks, stats.retransmits), (3, 1, 0));
        assert_eq!(sent(&socket), to(PEER, &[&[0, 3, 0, 1, b'a', b'b', b'c']]));
    }

    #[test]
    fn a_duplicate_ack_in_lock_step_is_never_answered_with_data() {
        let script: &[(&str, &[u8])] = &[(PEER, &ACK_1), (PEER, &ACK_1), (PEER, &ACK_2), (PEER, &ACK_3)];
        let (result, socket) = run(b"abcdefgh", opts(4, 1), None, script);
        assert_eq!(
            result.unwrap().retransmits,
            0,
            "the Sorcerer's Apprentice: no DATA for a duplicate ACK"
        );
        let blocks: &[&[u8]] = &[b"\0\x03\0\x01abcd", b"\0\x03\0\x02efgh", b"\0\x03\0\x03"];
        assert_eq!(
            sent(&socket),
            to(PEER, blocks),
            "a multiple of blksize ends with an empty block"
        );
    }

    #[test]
    fn a_strangers_ack_gets_error_5_and_moves_nothing() {
        let (result, socket) = run(b"abc", opts(512, 1), None, &[(STRANGER, &ACK_1), (PEER, &ACK_1)]);
        assert_eq!(result.unwrap().wrong_tid, 1);
        let error_5 = b"\0\x05\0\x05unknown transfer ID\0".to_vec();
        assert_eq!(
            sent(&socket),
            [
                (PEER.to_string(), b"\0\x03\0\x01abc".to_vec()),
                (STRANGER.to_string(), error_5)
            ]
        );
    }

    #[test]
    fn silence_resends_the_window_then_gives_up_and_says_so() {
        let (result, socket) = run(b"abc", opts(512, 1), None, &[]);
        let err = result.unwrap_err();
        assert_eq!(
            err.to_string(),
            "timed out waiting for ACK of block 1 after 2 retransmissions"
        );
        let data: &[u8] = b"\0\x03\0\x01abc";
        assert_eq!(sent(&socket), to(PEER, &[data, data, data, &TIMED_OUT]));
    }

    #[test]
    fn after_an_oack_no_data_goes_out_before_ack_0() {
        let script: &[(&str, &[u8])] = &[(PEER, &ACK_1), (PEER, &[0, 9]), (PEER, &ACK_0), (PEER, &ACK_1)];
        let (result, socket) = run(b"ab", opts(4, 1), Some(&OACK), script);
        assert_eq!(result.unwrap().malformed, 1);
        assert_eq!(sent(&socket), to(PEER, &[&OACK, b"\0\x03\0\x01ab"]));
    }

    #[test]
    fn a_silent_peer_after_an_oack_is_given_up_without_an_error() {
        let (result, socket) = run(b"ab", opts(4, 1), Some(&OACK), &[]);
        let err = result.unwrap_err();
        assert_eq!(
            err.to_string(),
            "timed out waiting for ACK of the OACK (block 0) after 2 retransmissions"
        );
        assert_eq!(sent(&socket), to(PEER, &[&OACK, &OACK, &OACK]));
    }

    #[test]
    fn a_partial_ack_in_a_window_goes_on_from_the_gap() {
        let (result, socket) = run(b"abcdefghi", opts(2, 4), None, &[(PEER, &ACK_2), (PEER, &ACK_5)]);
        assert_eq!(result.unwrap().retransmits, 2);
        let [d1, d2, d3, d4, d5] = ABCDEFGHI_IN_TWOS;
        assert_eq!(sent(&socket), to(PEER, &[d1, d2, d3, d4, d3, d4, d5]));
    }

    #[test]
    fn an_error_from_the_peer_ends_the_transfer() {
        let (result, socket) = run(b"abc", opts(512, 1), None, &[(PEER, b"\0\x05\0\x01gone\0")]);
        match result {
            Err(TransferError::Peer { code, message }) => {
                assert_eq!((code, message.as_str()), (crate::ErrorCode::FileNotFound, "gone"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(socket.sent().len(), 1, "only DATA 1; an ERROR is not answered");
    }

    #[test]
    fn block_numbers_wrap_from_65535_to_0() {
        let file = vec![b'x'; 65_536];
        let acks: Vec<[u8; 4]> = (1..=65_537u32).map(|n| [0, 4, (n >> 8) as u8, n as u8]).collect();
        let script: Vec<(&str, &[u8])> = acks.iter().map(|a| (PEER, &a[..])).collect();
        let (result, socket) = run(&file, opts(1, 1), None, &script);
        assert_eq!(result.unwrap().blocks, 65_537);
        let sent = socket.sent();
        assert_eq!(sent[65_534].1, b"\0\x03\xff\xffx", "block 65535");
        assert_eq!(sent[65_535].1, b"\0\x03\0\0x", "then block 0");
        assert_eq!(sent[65_536].1, b"\0\x03\0\x01", "then block 1: empty, the end");
    }
}
