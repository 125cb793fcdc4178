//! Lab 7 tests. Your `download` talks to a scripted TFTP server on 127.0.0.1 (crates/tftp/tests/support/fake.rs,
//! the one the tftp crate's own tests use). The server answers from a new port, like a real one, and has no timer
//! of its own: when it loses a packet on purpose, only your retransmission moves the transfer on. It serves files
//! of every edge size, sends blocks twice, loses your RRQ or your ACKs, has a stranger send a packet from another
//! port, sends an ERROR, goes silent from the start or in the middle, and serves a file of 67,585 blocks (block
//! numbers wrap). Afterwards it reports exactly what it received. Nothing random: the same bytes every run.
#[path = "../../support/timed.rs"]
mod timed;

#[path = "../../../crates/tftp/tests/support/fake.rs"]
mod fake;

use std::io;
use std::net::UdpSocket;
use std::time::Duration;

use fake::{Faults, content};

/// The `timeout` your download gets. The server answers within microseconds, so this runs out only when a packet
/// was lost on purpose (or, rarely, on a very busy machine: the tests allow an extra resend where nothing is lost).
const TIMER: Duration = Duration::from_millis(200);

/// Where nothing is lost and the test counts every ACK: a timer that cannot run out during the test, so each ACK
/// counted was sent because a block arrived.
const NEVER: Duration = Duration::from_secs(60);

/// How many times in a row the last packet is sent again before giving up.
const MAX_RESENDS: usize = 5;

/// Seconds a download may take. The slowest correct one waits 6 timers (1.2 s) before it gives up.
const LIMIT: u64 = 5;

/// Seconds for the 33 MiB download: 67,585 blocks, one round trip each, in a debug build.
const LARGE_LIMIT: u64 = 20;

/// A scripted download: the file the server has, what your `download` returned, and what the server saw.
struct Run {
    file: Vec<u8>,
    got: io::Result<Vec<u8>>,
    log: fake::Log,
    what: String,
}

fn run_with(name: &'static str, file: Vec<u8>, faults: Faults, timer: Duration, limit: u64, what: &str) -> Run {
    // The server has no timer of its own: only your retransmissions make up for a lost packet.
    let faults = Faults {
        no_timer: true,
        ..faults
    };
    let server = fake::start(file.clone(), 512, 1, faults);
    let addr = server.addr;
    let what = format!("{what} (download(socket, {addr}, {name:?}, {timer:?}))");
    let got = timed::within(limit, &what, move || {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        lab07_tftp_download::download(&socket, addr, name, timer)
    });
    Run {
        file,
        got,
        log: server.finish(),
        what,
    }
}

fn run(len: usize, faults: Faults, what: &str) -> Run {
    run_with("f.bin", content(len, len as u64), faults, TIMER, LIMIT, what)
}

/// Blocks in a file of `len` bytes: an exact multiple of 512 (0 included) ends with an empty block.
fn blocks(len: usize) -> usize {
    len / 512 + 1
}

/// ACKs the server received, by block number.
fn acks(log: &fake::Log) -> Vec<u16> {
    log.received
        .iter()
        .filter(|p| p.len() == 4 && p[..2] == [0, 4])
        .map(|p| u16::from_be_bytes([p[2], p[3]]))
        .collect()
}

/// What the server received, for messages: "RRQ x1; ACK 1, ACK 2, ACK 2".
fn seen(log: &fake::Log) -> String {
    let packets: Vec<String> = log
        .received
        .iter()
        .take(20)
        .map(|p| match p.get(..2) {
            Some([0, 4]) if p.len() >= 4 => format!("ACK {}", u16::from_be_bytes([p[2], p[3]])),
            Some([0, 5]) => "ERROR".to_string(),
            _ => format!("{:02x?}", &p[..p.len().min(8)]),
        })
        .collect();
    let more = if log.received.len() > 20 { ", ..." } else { "" };
    format!(
        "the server got your RRQ {} time(s), then on its transfer port: [{}{more}]",
        log.requests_seen,
        packets.join(", ")
    )
}

impl Run {
    /// The download must have succeeded with exactly the server's file.
    fn expect_file(&self, hint: &str) -> &Vec<u8> {
        let got = match &self.got {
            Ok(got) => got,
            Err(e) => panic!(
                "{} returned Err({:?}: {e}), expected the {}-byte file; {}. {hint}",
                self.what,
                e.kind(),
                self.file.len(),
                seen(&self.log)
            ),
        };
        if *got != self.file {
            let (len, want) = (got.len(), self.file.len());
            let detail = if len > want && got.starts_with(&self.file) && got[want..].iter().all(|&b| b == 0) {
                "the right bytes, then zeros: keep only the n - 4 data bytes of each DATA (&buf[4..n]), not the \
                 whole buffer"
                    .to_string()
            } else if len > want {
                "more bytes than the file has: keep a block's bytes only the first time it arrives".to_string()
            } else if len < want && self.file.starts_with(got) {
                "the file's start only: did the transfer end too early?".to_string()
            } else {
                let at = got.iter().zip(&self.file).position(|(a, b)| a != b).unwrap_or(0);
                format!("they differ from byte {at} on (block {})", at / 512 + 1)
            };
            panic!(
                "{} returned {len} bytes, expected the {want}-byte file: {detail}. {hint}",
                self.what
            );
        }
        got
    }

    /// The download must have failed with an error of kind `TimedOut`.
    fn expect_timed_out(&self, hint: &str) -> &io::Error {
        match &self.got {
            Ok(got) => panic!(
                "{} returned Ok with {} bytes, expected an error of kind TimedOut. {hint}",
                self.what,
                got.len()
            ),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => e,
            Err(e) => panic!(
                "{} returned an error of kind {:?} ({e}), expected kind TimedOut \
                 (io::Error::new(io::ErrorKind::TimedOut, ...)). {hint}",
                self.what,
                e.kind()
            ),
        }
    }
}

#[test]
fn the_read_request_is_built_by_hand() {
    for name in ["f.bin", "测试.txt"] {
        let r = run_with(
            name,
            content(100, 1),
            Faults::default(),
            TIMER,
            LIMIT,
            "downloading a 100-byte file",
        );
        let mut want = vec![0, 1];
        want.extend_from_slice(name.as_bytes());
        want.extend_from_slice(b"\0octet\0");
        assert!(
            r.log.request == want,
            "{}: the server got the RRQ {:02x?}, expected {want:02x?}: 00 01, the name's UTF-8 bytes ({name:?} is \
             {} characters but {} bytes), 00, octet, 00",
            r.what,
            r.log.request,
            name.chars().count(),
            name.len()
        );
        r.expect_file("");
    }
}

#[test]
fn files_of_every_edge_size() {
    for len in [0, 1, 511, 512, 513, 1024, 5000] {
        let r = run(len, Faults::default(), &format!("downloading a {len}-byte file"));
        r.expect_file(&format!(
            "A {len}-byte file is {} block(s): the transfer ends with the first DATA that carries fewer than 512 \
             bytes of data (a file whose size is a multiple of 512 ends with an empty block)",
            blocks(len)
        ));
        let acked = acks(&r.log);
        for block in 1..=blocks(len) as u16 {
            assert!(
                acked.contains(&block),
                "{}: the server never got an ACK for block {block} on its transfer port; {}. ACK every block, the \
                 last one too (the server waits for it), and send ACKs to the port the DATA came from (the \
                 server's transfer ID), not to the request port",
                r.what,
                seen(&r.log)
            );
        }
    }
}

#[test]
fn repeated_blocks_are_acked_again_but_kept_once() {
    // The server sends every block twice, as it would if your ACKs were lost. Nothing is lost, so your timer
    // never runs out: each ACK counted is an answer to a block.
    let len = 5 * 512 + 100;
    let faults = Faults {
        duplicate: true,
        ..Faults::default()
    };
    let r = run_with(
        "f.bin",
        content(len, 3),
        faults,
        NEVER,
        LIMIT,
        "downloading a file whose every block comes twice",
    );
    r.expect_file("Keep a block's bytes only the first time it arrives (check its block number)");
    let acked = acks(&r.log);
    // The last block's second copy is never read: the download has ended.
    for block in 1..blocks(len) as u16 {
        let times = acked.iter().filter(|&&b| b == block).count();
        assert!(
            times >= 2,
            "{}: block {block} arrived twice but the server got ACK {block} {times} time(s); {}. A repeated block \
             means the server did not get your ACK: ACK it again (and keep nothing)",
            r.what,
            seen(&r.log)
        );
    }
}

#[test]
fn a_stranger_gets_error_5_and_changes_nothing() {
    // After block 2, a stranger (another port) sends "DATA 3: intruder" to your socket.
    let faults = Faults {
        wrong_tid_after: Some(2),
        ..Faults::default()
    };
    let r = run(
        3000,
        faults,
        "downloading while a stranger sends DATA 3 from another port",
    );
    r.expect_file(
        "Only packets from the server's transfer ID (the address and port of its first reply) belong to the \
         transfer; the stranger's \"intruder\" must not end up in the file",
    );
    let reply = r.log.bystander_got.first();
    assert!(
        reply.is_some_and(|p| p.starts_with(&[0, 5, 0, 5])),
        "{}: the stranger should get ERROR 5 (00 05 00 05 \"unknown transfer ID\" 00), got {:02x?}: answer a packet \
         from any other address or port with ERROR 5, and carry on",
        r.what,
        reply.map(|p| &p[..p.len().min(8)])
    );
}

#[test]
fn a_server_error_is_returned() {
    for (faults, message, what) in [
        (
            Faults {
                error: Some((1, "File not found".into())),
                ..Faults::default()
            },
            "File not found",
            "downloading a file the server answers with ERROR 1 \"File not found\"",
        ),
        (
            Faults {
                error_at: Some(3),
                ..Faults::default()
            },
            "fake failure",
            "downloading a file the server stops with ERROR 0 \"fake failure\" instead of block 3",
        ),
    ] {
        let r = run(3000, faults, what);
        match &r.got {
            Err(e) if e.to_string().contains(message) => {}
            other => panic!(
                "{}: should return an error whose message contains {message:?}, got {:?}: an ERROR from the \
                 server ends the transfer; return an io::Error with its message",
                r.what,
                other.as_ref().map(Vec::len)
            ),
        }
    }
}

#[test]
fn a_lost_request_is_sent_again() {
    let faults = Faults {
        lose_requests: 1,
        ..Faults::default()
    };
    let r = run(3000, faults, "downloading when the server loses your first RRQ");
    r.expect_file(&format!(
        "The server lost your first RRQ (as a network may) and waits; after {TIMER:?} without an answer, send the \
         RRQ again, to the request port"
    ));
}

#[test]
fn a_lost_ack_is_sent_again() {
    let faults = Faults {
        lose_from_client: vec![2],
        ..Faults::default()
    };
    let r = run(3000, faults, "downloading when the server loses your first ACK 2");
    r.expect_file(&format!(
        "The server lost your ACK 2 and waits for it (it has no timer of its own here); after {TIMER:?} without \
         DATA 3, send your last packet, ACK 2, again, to the server's transfer port"
    ));
}

#[test]
fn the_resend_count_starts_again_after_each_new_block() {
    // Seven losses, each followed by progress: a download that counts every resend of the transfer gives up.
    let faults = Faults {
        lose_requests: 1,
        lose_from_client: (1..=6).collect(),
        ..Faults::default()
    };
    let r = run(
        6 * 512 + 100,
        faults,
        "downloading when the server loses your RRQ and your ACKs 1 to 6, once each",
    );
    r.expect_file(&format!(
        "Each loss costs one resend, and a new block came after each: give up after {MAX_RESENDS} resends *in a \
         row*, so the count starts again at 0 whenever a new block arrives"
    ));
}

#[test]
fn a_silent_server_is_given_up_on_after_exactly_5_resends() {
    let faults = Faults {
        silent: true,
        ..Faults::default()
    };
    let r = run(3000, faults, "downloading from a server that never answers");
    let hint = format!(
        "Send the RRQ, then after each timeout send it again, at most {MAX_RESENDS} times ({} RRQs in all); when \
         the wait after the last one runs out too, return an error of kind TimedOut",
        MAX_RESENDS + 1
    );
    r.expect_timed_out(&hint);
    assert_eq!(
        r.log.requests_seen,
        MAX_RESENDS + 1,
        "{}: the server got your RRQ {} times, expected {}. {hint}",
        r.what,
        r.log.requests_seen,
        MAX_RESENDS + 1
    );
}

#[test]
fn a_server_that_stops_mid_transfer_is_given_up_on_after_exactly_5_resends() {
    let faults = Faults {
        stall_after: Some(2),
        ..Faults::default()
    };
    let r = run(
        3000,
        faults,
        "downloading from a server that stops answering after block 2",
    );
    let hint = format!(
        "Your last packet was ACK 2: after each timeout send ACK 2 again (not the RRQ), to the server's transfer \
         port, at most {MAX_RESENDS} times ({} ACK 2s in all), then return an error of kind TimedOut",
        MAX_RESENDS + 1
    );
    r.expect_timed_out(&hint);
    let times = acks(&r.log).iter().filter(|&&b| b == 2).count();
    assert_eq!(
        times,
        MAX_RESENDS + 1,
        "{}: the server got ACK 2 {times} times, expected {}; {}. {hint}",
        r.what,
        MAX_RESENDS + 1,
        seen(&r.log)
    );
}

#[test]
fn block_numbers_wrap_past_65535() {
    // 33 MiB is 67,585 blocks: after block 65535 comes block 0.
    let len = 33 << 20;
    let r = run_with(
        "large.bin",
        content(len, 7),
        Faults::default(),
        TIMER,
        LARGE_LIMIT,
        "downloading a 33 MiB file (67,585 blocks)",
    );
    if r.got.as_ref().is_ok_and(|got| *got == r.file) {
        return;
    }
    r.expect_file(
        "Block numbers are 16 bits: after block 65535 the server sends block 0 (u16::wrapping_add; 65535 + 1 \
         panics in a debug build)",
    );
}
