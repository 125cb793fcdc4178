//! Lab 8 tests. Your `upload` talks to a scripted TFTP server on 127.0.0.1 (crates/tftp/tests/support/fake.rs,
//! the one the tftp crate's own tests use), which records every packet and the file as it arrives. The server
//! answers from a new port, like a real one, and has no timer of its own: when it loses a packet on purpose, only
//! your retransmission moves the transfer on. It takes files of every edge size, ACKs every block twice, loses
//! your WRQ or your DATA, has a stranger send an ACK from another port, refuses with an ERROR, goes silent from
//! the start or in the middle, and takes a file of 67,585 blocks (block numbers wrap). Nothing random: the same
//! bytes every run.
#[path = "../../support/timed.rs"]
mod timed;

#[path = "../../../crates/tftp/tests/support/fake.rs"]
mod fake;

use std::io;
use std::net::UdpSocket;
use std::time::Duration;

use fake::{Faults, content};

/// The `timeout` your upload gets. The server answers within microseconds, so this runs out only when a packet
/// was lost on purpose (or, rarely, on a very busy machine: the tests allow an extra resend where nothing is lost).
const TIMER: Duration = Duration::from_millis(200);

/// Where nothing is lost and the test counts every DATA: a timer that cannot run out during the test, so each
/// DATA counted was sent because an ACK arrived.
const NEVER: Duration = Duration::from_secs(60);

/// How many times in a row the last packet is sent again before giving up.
const MAX_RESENDS: usize = 5;

/// Seconds an upload may take. The slowest correct one waits 6 timers (1.2 s) before it gives up.
const LIMIT: u64 = 5;

/// Seconds for the 33 MiB upload: 67,585 blocks, one round trip each, in a debug build.
const LARGE_LIMIT: u64 = 20;

/// A scripted upload: the file, what your `upload` returned, and what the server saw.
struct Run {
    file: Vec<u8>,
    got: io::Result<()>,
    log: fake::Log,
    what: String,
}

fn run_with(name: &'static str, file: Vec<u8>, faults: Faults, timer: Duration, limit: u64, what: &str) -> Run {
    // The server has no timer of its own: only your retransmissions make up for a lost packet.
    let faults = Faults {
        no_timer: true,
        ..faults
    };
    let server = fake::start(Vec::new(), 512, 1, faults);
    let addr = server.addr;
    let what = format!(
        "{what} (upload(socket, {addr}, {name:?}, <{} bytes>, {timer:?}))",
        file.len()
    );
    let data = file.clone();
    let got = timed::within(limit, &what, move || {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        lab08_tftp_upload::upload(&socket, addr, name, &data, timer)
    });
    Run {
        file,
        got,
        log: server.finish(),
        what,
    }
}

fn run(len: usize, faults: Faults, what: &str) -> Run {
    run_with("up.bin", content(len, len as u64 + 1), faults, TIMER, LIMIT, what)
}

/// Blocks in a file of `len` bytes: an exact multiple of 512 (0 included) ends with an empty block.
fn blocks(len: usize) -> usize {
    len / 512 + 1
}

/// The DATA packets the server received: (block number, data length).
fn data_packets(log: &fake::Log) -> Vec<(u16, usize)> {
    log.received
        .iter()
        .filter(|p| p.len() >= 4 && p[..2] == [0, 3])
        .map(|p| (u16::from_be_bytes([p[2], p[3]]), p.len() - 4))
        .collect()
}

/// What the server received, for messages: "WRQ x1; DATA 1 (512 bytes), DATA 2 (0 bytes)".
fn seen(log: &fake::Log) -> String {
    let packets: Vec<String> = log
        .received
        .iter()
        .take(20)
        .map(|p| match p.get(..2) {
            Some([0, 3]) if p.len() >= 4 => {
                format!("DATA {} ({} bytes)", u16::from_be_bytes([p[2], p[3]]), p.len() - 4)
            }
            Some([0, 5]) => "ERROR".to_string(),
            _ => format!("{:02x?}", &p[..p.len().min(8)]),
        })
        .collect();
    let more = if log.received.len() > 20 { ", ..." } else { "" };
    format!(
        "the server got your WRQ {} time(s), then on its transfer port: [{}{more}]",
        log.requests_seen,
        packets.join(", ")
    )
}

impl Run {
    /// The upload must have succeeded, and the server must have exactly the file, ended by a short block.
    fn expect_uploaded(&self, hint: &str) {
        if let Err(e) = &self.got {
            panic!(
                "{} returned Err({:?}: {e}), expected Ok(()); {}. {hint}",
                self.what,
                e.kind(),
                seen(&self.log)
            );
        }
        let (got, want) = (&self.log.file, &self.file);
        if got != want {
            let detail = if got.len() > want.len() && got.starts_with(want) && got[want.len()..].iter().all(|&b| b == 0)
            {
                "the file, then zeros: send exactly what is left of the file in the last block; the seed's \
                 pack(\"!HH512s\", ...) pads it to 512 bytes with zeros"
                    .to_string()
            } else if got.len() > want.len() {
                "more bytes than the file has: is a block sent twice with different block numbers?".to_string()
            } else if want.starts_with(got) {
                "only the file's start: did the upload stop before the end?".to_string()
            } else {
                let at = got.iter().zip(want).position(|(a, b)| a != b).unwrap_or(0);
                format!("they differ from byte {at} on (block {})", at / 512 + 1)
            };
            panic!(
                "{}: the server received {} bytes, expected the {}-byte file: {detail}; {}. {hint}",
                self.what,
                got.len(),
                want.len(),
                seen(&self.log)
            );
        }
        let last = data_packets(&self.log).last().copied();
        assert!(
            last.is_some_and(|(_, n)| n < 512),
            "{}: the last DATA the server got was {}: the server knows the file has ended only when a block carries \
             fewer than 512 bytes, so a file whose size is a multiple of 512 (0 included) ends with an empty DATA \
             block; {}. {hint}",
            self.what,
            last.map_or("none at all".to_string(), |(b, n)| format!("block {b} with {n} bytes")),
            seen(&self.log)
        );
    }

    /// The upload must have failed with an error of kind `TimedOut`.
    fn expect_timed_out(&self, hint: &str) {
        match &self.got {
            Ok(()) => panic!(
                "{} returned Ok(()), expected an error of kind TimedOut. {hint}",
                self.what
            ),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
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
fn the_write_request_is_built_by_hand() {
    for name in ["up.bin", "测试.txt"] {
        let r = run_with(
            name,
            content(100, 1),
            Faults::default(),
            TIMER,
            LIMIT,
            "uploading a 100-byte file",
        );
        let mut want = vec![0, 2];
        want.extend_from_slice(name.as_bytes());
        want.extend_from_slice(b"\0octet\0");
        assert!(
            r.log.request == want,
            "{}: the server got the WRQ {:02x?}, expected {want:02x?}: 00 02, the name's UTF-8 bytes ({name:?} is \
             {} characters but {} bytes), 00, octet, 00",
            r.what,
            r.log.request,
            name.chars().count(),
            name.len()
        );
        r.expect_uploaded("");
    }
}

#[test]
fn the_server_gets_exactly_the_file() {
    for len in [0, 1, 511, 512, 513, 1024, 5000] {
        let r = run(len, Faults::default(), &format!("uploading a {len}-byte file"));
        r.expect_uploaded(&format!(
            "A {len}-byte file is {} block(s): 512 bytes each, the last with what is left ({} bytes); after the \
             server's ACK of the last block, return Ok(())",
            blocks(len),
            len % 512
        ));
    }
}

#[test]
fn repeated_acks_are_never_answered() {
    // The server ACKs every block twice. Nothing is lost, so your timer never runs out: each DATA counted answers
    // an ACK.
    let len = 10 * 512 + 7;
    let faults = Faults {
        duplicate: true,
        ..Faults::default()
    };
    let r = run_with(
        "up.bin",
        content(len, 2),
        faults,
        NEVER,
        LIMIT,
        "uploading while the server ACKs every block twice",
    );
    r.expect_uploaded("");
    let sent = data_packets(&r.log).len();
    assert_eq!(
        sent,
        blocks(len),
        "{}: the server got {sent} DATA packets for {} blocks; {}. Send DATA n+1 only for the first ACK n: a \
         repeated ACK must be ignored, or every later block goes twice (the Sorcerer's Apprentice bug)",
        r.what,
        blocks(len),
        seen(&r.log)
    );
}

#[test]
fn a_stranger_gets_error_5_and_changes_nothing() {
    // After DATA 2 arrives, and before the server's ACK 2, a stranger (another port) sends "ACK 2" to your socket.
    let faults = Faults {
        wrong_tid_after: Some(2),
        ..Faults::default()
    };
    let r = run(3000, faults, "uploading while a stranger sends ACK 2 from another port");
    r.expect_uploaded("");
    let reply = r.log.bystander_got.first();
    assert!(
        reply.is_some_and(|p| p.starts_with(&[0, 5, 0, 5])),
        "{}: the stranger should get ERROR 5 (00 05 00 05 \"unknown transfer ID\" 00), got {:02x?}: only packets \
         from the server's transfer ID (the address and port of its first reply) belong to the transfer; answer \
         any other with ERROR 5 and carry on",
        r.what,
        reply.map(|p| &p[..p.len().min(8)])
    );
}

#[test]
fn a_server_error_is_returned() {
    let faults = Faults {
        error: Some((2, "Access violation".into())),
        ..Faults::default()
    };
    let r = run(
        3000,
        faults,
        "uploading to a server that answers ERROR 2 \"Access violation\"",
    );
    match &r.got {
        Err(e) if e.to_string().contains("Access violation") => {}
        other => panic!(
            "{}: should return an error whose message contains \"Access violation\", got {other:?}: an ERROR from \
             the server ends the transfer; return an io::Error with its message",
            r.what
        ),
    }
}

#[test]
fn a_lost_request_is_sent_again() {
    let faults = Faults {
        lose_requests: 1,
        ..Faults::default()
    };
    let r = run(3000, faults, "uploading when the server loses your first WRQ");
    r.expect_uploaded(&format!(
        "The server lost your first WRQ (as a network may) and waits; after {TIMER:?} without an answer, send the \
         WRQ again, to the request port"
    ));
}

#[test]
fn a_lost_block_is_sent_again() {
    let faults = Faults {
        lose_from_client: vec![2],
        ..Faults::default()
    };
    let r = run(3000, faults, "uploading when the server loses your first DATA 2");
    r.expect_uploaded(&format!(
        "The server lost your DATA 2 and waits for it (it has no timer of its own here); after {TIMER:?} without \
         ACK 2, send your last packet, DATA 2, again, to the server's transfer port"
    ));
}

#[test]
fn a_lost_last_block_is_sent_again() {
    // An upload has ended only when the server ACKs the last block: until then, that block may be lost.
    let faults = Faults {
        lose_from_client: vec![6],
        ..Faults::default()
    };
    let r = run(
        5 * 512 + 100,
        faults,
        "uploading when the server loses your first copy of the last block, DATA 6",
    );
    r.expect_uploaded(&format!(
        "After sending the last block, wait for its ACK as for any other, and send it again after {TIMER:?} \
         without one; return Ok(()) only once the server has ACKed it"
    ));
}

#[test]
fn the_resend_count_starts_again_after_each_ack() {
    // Seven losses, each followed by progress: an upload that counts every resend of the transfer gives up.
    let faults = Faults {
        lose_requests: 1,
        lose_from_client: (1..=6).collect(),
        ..Faults::default()
    };
    let r = run(
        6 * 512 + 100,
        faults,
        "uploading when the server loses your WRQ and your DATA 1 to 6, once each",
    );
    r.expect_uploaded(&format!(
        "Each loss costs one resend, and a new ACK came after each: give up after {MAX_RESENDS} resends *in a \
         row*, so the count starts again at 0 whenever a new ACK arrives"
    ));
}

#[test]
fn a_silent_server_is_given_up_on_after_exactly_5_resends() {
    let faults = Faults {
        silent: true,
        ..Faults::default()
    };
    let r = run(3000, faults, "uploading to a server that never answers");
    let hint = format!(
        "Send the WRQ, then after each timeout send it again, at most {MAX_RESENDS} times ({} WRQs in all); when \
         the wait after the last one runs out too, return an error of kind TimedOut",
        MAX_RESENDS + 1
    );
    r.expect_timed_out(&hint);
    assert_eq!(
        r.log.requests_seen,
        MAX_RESENDS + 1,
        "{}: the server got your WRQ {} times, expected {}. {hint}",
        r.what,
        r.log.requests_seen,
        MAX_RESENDS + 1
    );
}

#[test]
fn a_server_that_stops_mid_transfer_is_given_up_on_after_exactly_5_resends() {
    let faults = Faults {
        stall_after: Some(3),
        ..Faults::default()
    };
    let r = run(
        3000,
        faults,
        "uploading to a server that stops answering when DATA 3 arrives",
    );
    let hint = format!(
        "Your last packet was DATA 3: after each timeout send DATA 3 again (not the WRQ), to the server's transfer \
         port, at most {MAX_RESENDS} times ({} DATA 3s in all), then return an error of kind TimedOut",
        MAX_RESENDS + 1
    );
    r.expect_timed_out(&hint);
    let times = data_packets(&r.log).iter().filter(|&&(b, _)| b == 3).count();
    assert_eq!(
        times,
        MAX_RESENDS + 1,
        "{}: the server got DATA 3 {times} times, expected {}; {}. {hint}",
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
        "uploading a 33 MiB file (67,585 blocks)",
    );
    if r.got.is_ok() && r.log.file == r.file {
        return;
    }
    r.expect_uploaded(
        "Block numbers are 16 bits: after block 65535 comes block 0 (u16::wrapping_add; 65535 + 1 panics in a debug \
         build)",
    );
}
