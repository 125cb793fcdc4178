//! The send loop and the receive loop facing each other over loopback, without client or server around them:
//! `send_file`'s reading thread, exact bytes at the block and window edges, and a file that fails mid-transfer.
#![allow(clippy::unwrap_used)]

use std::io::{self, Read};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

use tftp::transfer::{self, Channel, ReceiveStart};
use tftp::{Negotiated, Quiet, Stats, TransferError};

/// A source that remembers which threads read it, and can fail after `fail_after` bytes.
struct Watched<'a> {
    data: &'a [u8],
    readers: Arc<Mutex<Vec<ThreadId>>>,
    fail_after: Option<usize>,
    served: usize,
}

impl<'a> Watched<'a> {
    fn new(data: &'a [u8]) -> Self {
        Watched {
            data,
            readers: Arc::default(),
            fail_after: None,
            served: 0,
        }
    }
}

impl Read for Watched<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let me = thread::current().id();
        let mut readers = self.readers.lock().unwrap();
        if !readers.contains(&me) {
            readers.push(me);
        }
        if self.fail_after.is_some_and(|limit| self.served >= limit) {
            return Err(io::Error::other("the disk went away"));
        }
        let n = self.data.read(buf)?;
        self.served += n;
        Ok(n)
    }
}

fn opts(blksize: usize, windowsize: u16) -> Negotiated {
    Negotiated {
        blksize,
        windowsize,
        ..Negotiated::default()
    }
}

/// Runs `send_file` from `source` against `receive` into memory; returns what arrived (or the receiver's error)
/// and the sender's result.
fn pass(source: &mut Watched<'_>, opts: Negotiated) -> (Result<Vec<u8>, TransferError>, Result<Stats, TransferError>) {
    // Buffers for a whole window, as client and server set them: a window must not overflow the kernel's queue.
    let socket = || {
        netlab::SocketBuilder::new()
            .recv_buffer(2 << 20)
            .send_buffer(2 << 20)
            .bind_udp("127.0.0.1:0".parse().unwrap())
            .unwrap()
    };
    let (a, b) = (socket(), socket());
    let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    let rexmt = Duration::from_millis(200);
    let receiver = thread::spawn(move || {
        let mut quiet = Quiet;
        let mut ch = Channel::new(b, a_addr, true, rexmt, 20, &mut quiet);
        let mut got = Vec::new();
        // The receiver speaks first, as a client's ACK 0 would; the sender is told to wait for it.
        let last = transfer::receive(&mut ch, &mut got, &opts, ReceiveStart::Sent(&[0, 4, 0, 0]))?;
        last.acknowledge(&mut ch)?;
        Ok(got)
    });
    let mut quiet = Quiet;
    let mut ch = Channel::new(a, b_addr, true, rexmt, 20, &mut quiet);
    // An OACK first, as a server sends it: the receiver answers it with ACK 0 before any DATA goes out.
    let sent = transfer::send_file(&mut ch, source, &opts, Some(b"\x00\x06windowsize\x0016\x00"));
    (receiver.join().unwrap(), sent)
}

fn bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

#[test]
fn big_windows_are_read_on_a_second_thread_small_ones_inline() {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let data = bytes(3 << 20);
    for (blksize, windowsize, prefetched) in [
        (65464, 16, cores > 1),
        (transfer::PREFETCH_BLKSIZE, 16, cores > 1),
        (65464, 4, false),
        (8192, 64, false),
        (512, 1, false),
    ] {
        let mut source = Watched::new(&data[..(1 << 20) + 5]);
        let readers = Arc::clone(&source.readers);
        let (got, sent) = pass(&mut source, opts(blksize, windowsize));
        assert_eq!(got.unwrap(), &data[..(1 << 20) + 5], "{blksize} × {windowsize}");
        assert_eq!(sent.unwrap().bytes, (1 << 20) + 5);
        let readers = readers.lock().unwrap();
        let other = !readers.contains(&thread::current().id());
        assert_eq!(
            other, prefetched,
            "{blksize} × {windowsize}: read on a thread of its own? readers {readers:?}"
        );
    }
}

#[test]
fn a_reading_thread_sends_exactly_the_file_at_every_edge() {
    let blk = 65464;
    let data = bytes(17 * blk + 3);
    for len in [
        0,
        1,
        blk - 1,
        blk,
        blk + 1,
        16 * blk - 1,
        16 * blk,
        16 * blk + 1,
        17 * blk + 3,
    ] {
        let mut source = Watched::new(&data[..len]);
        let (got, sent) = pass(&mut source, opts(blk, 16));
        assert_eq!(got.unwrap(), &data[..len], "{len} bytes");
        let stats = sent.unwrap();
        assert_eq!(stats.bytes, len as u64);
        assert_eq!(
            stats.blocks,
            (len / blk + 1) as u64,
            "{len} bytes: the last block is short or empty"
        );
        assert_eq!(stats.retransmits, 0);
    }
}

#[test]
fn a_file_that_fails_mid_transfer_ends_it_on_both_sides() {
    let data = bytes(4 << 20);
    for (blksize, windowsize) in [(65464, 16), (512, 1)] {
        let mut source = Watched::new(&data);
        source.fail_after = Some(2 << 20);
        let (got, sent) = pass(&mut source, opts(blksize, windowsize));
        let err = sent.unwrap_err();
        assert!(err.to_string().contains("the disk went away"), "{err}");
        let err = got.unwrap_err();
        assert!(
            matches!(err, TransferError::Peer { .. }),
            "the receiver is told with an ERROR, not left to time out: {err}"
        );
    }
}

#[test]
fn a_receiver_that_vanishes_ends_the_transfer_and_its_reading_thread() {
    let data = bytes(8 << 20);
    let mut source = Watched::new(&data);
    let sender = netlab::SocketBuilder::new()
        .send_buffer(2 << 20)
        .bind_udp("127.0.0.1:0".parse().unwrap())
        .unwrap();
    // The receiver answers the OACK with ACK 0 and is never heard from again.
    let receiver = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    receiver.send_to(&[0, 4, 0, 0], sender.local_addr().unwrap()).unwrap();
    let mut quiet = Quiet;
    let mut ch = Channel::new(
        sender,
        receiver.local_addr().unwrap(),
        true,
        Duration::from_millis(20),
        2,
        &mut quiet,
    );
    let result = transfer::send_file(
        &mut ch,
        &mut source,
        &opts(65464, 16),
        Some(b"\x00\x06windowsize\x0016\x00"),
    );
    // Returning at all shows the reading thread ended: send_file waits for it.
    assert!(
        matches!(result, Err(TransferError::TimedOut { retries: 2, .. })),
        "{result:?}"
    );
    assert!(
        source.served < data.len(),
        "it stopped reading well before the end of the file"
    );
}

/// Two transfers, each waiting for DATA from its own (silent) peer, and one datagram forged from A's port to B's.
/// B answers the stranger with ERROR 5; A must not answer that ERROR with another ERROR 5, or the two would trade
/// them until both gave up (thousands in a few hundred milliseconds before the fix).
#[test]
fn two_transfers_never_trade_error_5s() {
    let a = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let forger = a.try_clone().unwrap();
    let b_addr = b.local_addr().unwrap();
    let waiting = |socket: std::net::UdpSocket| {
        thread::spawn(move || {
            let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            let mut quiet = Quiet;
            let peer = silent.local_addr().unwrap();
            let mut ch = Channel::new(socket, peer, true, Duration::from_millis(200), 2, &mut quiet);
            let result = transfer::receive(
                &mut ch,
                &mut Vec::new(),
                &opts(512, 1),
                ReceiveStart::Sent(&[0, 4, 0, 0]),
            );
            assert!(matches!(result, Err(TransferError::TimedOut { .. })), "{result:?}");
            ch.stats.wrong_tid
        })
    };
    let (a, b) = (waiting(a), waiting(b));
    forger.send_to(&[0, 3, 0, 1, b'x'], b_addr).unwrap();
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    assert_eq!(b, 1, "B saw the forged DATA once");
    assert!(
        a <= 1,
        "A got B's ERROR 5 and did not answer it: A saw {a} strangers' packets, B saw {b}"
    );
}
