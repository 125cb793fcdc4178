//! The client flows (`tftp::client`) against a scripted fake server on loopback: every RFC behaviour the client
//! promises, each checked by what the fake saw on the wire.
#![allow(clippy::unwrap_used)]

#[path = "support/fake.rs"]
mod fake;

use std::time::Duration;

use fake::{Faults, content};
use tftp::client::{self, ClientConfig};
use tftp::{ErrorCode, OptionRequest, Quiet, TransferError};

/// The client's settings for a test in which nothing is lost: a 2 s timer, which a busy machine cannot make fire
/// by accident and so add a packet to the exact counts these tests check.
fn config(server: std::net::SocketAddr) -> ClientConfig {
    ClientConfig {
        rexmt: Duration::from_secs(2),
        retries: 5,
        ..ClientConfig::new(server)
    }
}

/// For tests that lose packets on purpose: a short timer keeps them quick.
fn quick(server: std::net::SocketAddr) -> ClientConfig {
    ClientConfig {
        rexmt: Duration::from_millis(50),
        retries: 20,
        ..ClientConfig::new(server)
    }
}

/// `quick` when `faults` lose a packet, else `config`.
fn config_for(server: std::net::SocketAddr, faults: &Faults) -> ClientConfig {
    if faults.lose_packets() {
        quick(server)
    } else {
        config(server)
    }
}

fn download(len: usize, faults: Faults) -> (Vec<u8>, Vec<u8>, tftp::client::Outcome, fake::Log) {
    let file = content(len, len as u64);
    let cfg = |addr| config_for(addr, &faults);
    let (addr, fake) = fake::spawn(file.clone(), 512, 1, faults.clone());
    let mut got = Vec::new();
    let outcome = client::download(&cfg(addr), "f.bin", &mut got, &mut Quiet).unwrap();
    (file, got, outcome, fake.join().unwrap())
}

fn upload(len: usize, faults: Faults) -> (Vec<u8>, tftp::client::Outcome, fake::Log) {
    let file = content(len, len as u64 + 7);
    let cfg = config_for(std::net::SocketAddr::from(([127, 0, 0, 1], 0)), &faults);
    let (addr, fake) = fake::spawn(Vec::new(), 512, 1, faults);
    let outcome = client::upload(
        &ClientConfig { server: addr, ..cfg },
        "f.bin",
        &mut file.as_slice(),
        Some(len as u64),
        &mut Quiet,
    )
    .unwrap();
    (file, outcome, fake.join().unwrap())
}

#[test]
fn downloads_of_every_edge_size_arrive_whole() {
    for len in [0, 1, 511, 512, 513, 1024, 1 << 20] {
        let (file, got, outcome, log) = download(len, Faults::default());
        assert_eq!(got, file, "size {len}");
        // An exact multiple of 512 needs one more, empty, block: 0 bytes is one block, 512 is two.
        assert_eq!(outcome.stats.blocks, (len / 512 + 1) as u64, "size {len}");
        assert_eq!(log.count(4), len / 512 + 1, "one ACK per block, size {len}");
    }
}

#[test]
fn uploads_send_exactly_the_file_with_a_short_or_empty_last_block() {
    for len in [0, 1, 511, 512, 513, 1 << 20] {
        let (file, _, log) = upload(len, Faults::default());
        assert_eq!(log.file, file, "size {len}");
        let data: Vec<&Vec<u8>> = log.received.iter().filter(|p| p[1] == 3).collect();
        let last = data.last().unwrap();
        // The seed pads the last block to 512 with zeros; ours is exactly what is left of the file.
        assert_eq!(last.len() - 4, len % 512, "size {len}");
        assert_eq!(data.len(), len / 512 + 1, "size {len}");
    }
}

#[test]
fn block_numbers_roll_over_past_65535() {
    // 33 MiB at 512 bytes a block is 67,585 blocks: the block number wraps from 65535 to 0.
    let len = 33 << 20;
    let (file, got, outcome, _) = download(len, Faults::default());
    assert_eq!(outcome.stats.blocks, 67_585);
    assert!(got == file, "33 MiB download differs");
    let (file, outcome, log) = upload(len, Faults::default());
    assert_eq!(outcome.stats.blocks, 67_585);
    assert!(log.file == file, "33 MiB upload differs");
}

#[test]
fn a_packet_from_a_wrong_port_gets_error_5_and_the_transfer_goes_on() {
    let faults = Faults {
        wrong_tid_after: Some(2),
        ..Faults::default()
    };
    let (file, got, outcome, log) = download(2000, faults);
    assert_eq!(got, file, "the intruder's bytes must not reach the file");
    assert_eq!(outcome.stats.wrong_tid, 1);
    let reply = &log.bystander_got[0];
    assert_eq!(
        &reply[..4],
        &[0, 5, 0, 5],
        "ERROR 5 (unknown transfer ID) to the bystander"
    );
}

#[test]
fn duplicate_acks_never_cause_a_resend_sorcerers_apprentice() {
    let (file, outcome, log) = upload(
        20 * 512 + 100,
        Faults {
            duplicate: true,
            ..Faults::default()
        },
    );
    assert_eq!(log.file, file);
    // 21 blocks, each ACKed twice: a client that answered duplicate ACKs would send up to twice as many DATA.
    assert_eq!(log.count(3), 21);
    assert_eq!(outcome.stats.retransmits, 0);
}

#[test]
fn duplicate_data_is_re_acked_and_written_once() {
    let (file, got, _, log) = download(
        10 * 512 + 3,
        Faults {
            duplicate: true,
            ..Faults::default()
        },
    );
    assert_eq!(got, file);
    // Each of the 11 blocks arrived twice and each copy was ACKed, except the last block's copy: by then the
    // client has ACKed the end of the file and stopped listening.
    assert_eq!(log.count(4), 2 * 11 - 1);
}

#[test]
fn a_lost_data_block_is_waited_for_with_a_repeated_ack() {
    // The fake's timer (200 ms) is slower than the client's (50 ms): the client repeats ACK 2 at each of its
    // timeouts until the fake resends block 3.
    let (file, got, outcome, log) = download(
        5 * 512,
        Faults {
            drop_once: Some(3),
            ..Faults::default()
        },
    );
    assert_eq!(got, file);
    let timeouts = outcome.stats.timeouts;
    assert!((1..=5).contains(&timeouts), "{timeouts} timeouts");
    let ack2 = log.received.iter().filter(|p| **p == [0, 4, 0, 2]).count() as u64;
    assert_eq!(ack2, 1 + timeouts, "ACK 2 once for block 2, then once per timeout");
}

#[test]
fn a_lost_ack_makes_the_sender_resend_on_timeout_only() {
    let (file, outcome, log) = upload(
        5 * 512 + 1,
        Faults {
            drop_once: Some(3),
            ..Faults::default()
        },
    );
    assert_eq!(log.file, file);
    assert_eq!(outcome.stats.timeouts, 1);
    assert_eq!(outcome.stats.retransmits, 1);
    assert_eq!(log.count(3), 7, "6 blocks plus one retransmission of block 3");
}

#[test]
fn a_silent_server_is_given_up_on_after_the_retries() {
    let (addr, fake) = fake::spawn(
        Vec::new(),
        512,
        1,
        Faults {
            silent: true,
            ..Faults::default()
        },
    );
    let cfg = ClientConfig {
        retries: 3,
        ..quick(addr)
    };
    let err = client::download(&cfg, "f", &mut Vec::new(), &mut Quiet).unwrap_err();
    assert!(matches!(err, TransferError::TimedOut { retries: 3, .. }), "{err}");
    assert!(err.to_string().contains("after 3 retransmissions"), "{err}");
    let log = fake.join().unwrap();
    assert_eq!(log.received.len(), 3, "the request was sent 1 + 3 times");
}

#[test]
fn a_server_that_stops_mid_transfer_is_given_up_on() {
    let file = content(5000, 1);
    let (addr, fake) = fake::spawn(
        file,
        512,
        1,
        Faults {
            stall_after: Some(2),
            ..Faults::default()
        },
    );
    let err = client::download(&quick(addr), "f", &mut Vec::new(), &mut Quiet).unwrap_err();
    assert!(
        err.to_string().starts_with("timed out waiting for DATA block 3"),
        "{err}"
    );
    let log = fake.join().unwrap();
    assert_eq!(log.count(5), 1, "the client says goodbye with an ERROR");
}

#[test]
fn error_replies_carry_code_and_message() {
    let faults = Faults {
        error: Some((1, "File not found".into())),
        ..Faults::default()
    };
    let (addr, fake) = fake::spawn(Vec::new(), 512, 1, faults);
    let err = client::download(&config(addr), "nope", &mut Vec::new(), &mut Quiet).unwrap_err();
    fake.join().unwrap();
    match &err {
        TransferError::Peer { code, message } => {
            assert_eq!(*code, ErrorCode::FileNotFound);
            assert_eq!(message, "File not found");
        }
        other => panic!("expected a peer error, got {other}"),
    }
    assert_eq!(
        err.to_string(),
        "peer sent ERROR 1 (file not found): \"File not found\""
    );
}

#[test]
fn an_error_in_the_middle_stops_the_download() {
    let (addr, fake) = fake::spawn(
        content(3000, 2),
        512,
        1,
        Faults {
            error_at: Some(3),
            ..Faults::default()
        },
    );
    let err = client::download(&config(addr), "f", &mut Vec::new(), &mut Quiet).unwrap_err();
    fake.join().unwrap();
    assert!(
        matches!(
            err,
            TransferError::Peer {
                code: ErrorCode::NotDefined,
                ..
            }
        ),
        "{err}"
    );
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
}

#[test]
fn options_are_sent_and_an_oack_is_honoured() {
    let file = content(10_000, 3);
    let oack = pairs(&[("blksize", "1024"), ("tsize", "10000")]);
    let (addr, fake) = fake::spawn(
        file.clone(),
        1024,
        1,
        Faults {
            oack: Some(oack),
            ..Faults::default()
        },
    );
    let cfg = ClientConfig {
        options: OptionRequest {
            blksize: Some(1428),
            tsize: Some(0),
            ..Default::default()
        },
        ..config(addr)
    };
    let mut got = Vec::new();
    let outcome = client::download(&cfg, "f", &mut got, &mut Quiet).unwrap();
    let log = fake.join().unwrap();
    assert_eq!(got, file);
    assert_eq!(log.request, b"\x00\x01f\x00octet\x00blksize\x001428\x00tsize\x000\x00");
    assert_eq!(log.received[0], [0, 4, 0, 0], "an OACK is answered with ACK 0");
    assert_eq!(
        (outcome.negotiated.blksize, outcome.negotiated.tsize),
        (1024, Some(10_000))
    );
}

#[test]
fn options_the_server_ignores_fall_back_to_the_defaults() {
    let file = content(3000, 4);
    let (addr, fake) = fake::spawn(file.clone(), 512, 1, Faults::default());
    let cfg = ClientConfig {
        options: OptionRequest {
            blksize: Some(1024),
            windowsize: Some(8),
            ..Default::default()
        },
        ..config(addr)
    };
    let mut got = Vec::new();
    let outcome = client::download(&cfg, "f", &mut got, &mut Quiet).unwrap();
    fake.join().unwrap();
    assert_eq!(got, file);
    assert_eq!((outcome.negotiated.blksize, outcome.negotiated.windowsize), (512, 1));
}

#[test]
fn a_bad_oack_is_refused_with_error_8() {
    for oack in [
        pairs(&[("blksize", "2048")]),
        pairs(&[("windowsize", "4")]),
        pairs(&[("blksize", "abc")]),
    ] {
        let (addr, fake) = fake::spawn(
            content(100, 5),
            512,
            1,
            Faults {
                oack: Some(oack.clone()),
                ..Faults::default()
            },
        );
        let cfg = ClientConfig {
            options: OptionRequest {
                blksize: Some(1024),
                ..Default::default()
            },
            ..config(addr)
        };
        let err = client::download(&cfg, "f", &mut Vec::new(), &mut Quiet).unwrap_err();
        let log = fake.join().unwrap();
        assert!(err.to_string().contains("OACK refused"), "{oack:?}: {err}");
        assert_eq!(
            &log.received[0][..4],
            &[0, 5, 0, 8],
            "{oack:?}: ERROR 8 goes to the server"
        );
    }
}

#[test]
fn options_refused_with_error_8_are_dropped_and_the_request_repeated() {
    let file = content(1500, 9);
    let (addr, fake) = fake::spawn(
        file.clone(),
        512,
        1,
        Faults {
            refuse_options: true,
            ..Faults::default()
        },
    );
    let cfg = ClientConfig {
        options: OptionRequest {
            tsize: Some(0),
            ..Default::default()
        },
        ..config(addr)
    };
    let mut got = Vec::new();
    let outcome = client::download(&cfg, "f", &mut got, &mut Quiet).unwrap();
    let log = fake.join().unwrap();
    assert_eq!(got, file);
    assert_eq!(
        log.received[0], b"\x00\x01f\x00octet\x00tsize\x000\x00",
        "first with options"
    );
    assert_eq!(log.request, b"\x00\x01f\x00octet\x00", "then without");
    assert_eq!(outcome.negotiated.tsize, None);
}

#[test]
fn an_upload_takes_the_oack_as_ack_zero() {
    let file = content(5000, 6);
    let oack = pairs(&[("blksize", "1000"), ("tsize", "5000")]);
    let (addr, fake) = fake::spawn(
        Vec::new(),
        1000,
        1,
        Faults {
            oack: Some(oack),
            ..Faults::default()
        },
    );
    let cfg = ClientConfig {
        options: OptionRequest {
            blksize: Some(1000),
            tsize: Some(0),
            ..Default::default()
        },
        ..config(addr)
    };
    client::upload(&cfg, "f", &mut file.as_slice(), Some(5000), &mut Quiet).unwrap();
    let log = fake.join().unwrap();
    assert_eq!(log.file, file);
    assert!(
        log.request.ends_with(b"tsize\x005000\x00"),
        "a WRQ announces the real size"
    );
}

#[test]
fn windowsize_16_recovers_a_dropped_block_without_waiting_for_the_timer() {
    let file = content(100 * 1024, 7);
    let oack = pairs(&[("blksize", "1024"), ("windowsize", "16")]);
    let faults = Faults {
        oack: Some(oack),
        drop_once: Some(5),
        ..Faults::default()
    };
    let (addr, fake) = fake::spawn(file.clone(), 1024, 16, faults);
    let cfg = ClientConfig {
        options: OptionRequest {
            blksize: Some(1024),
            windowsize: Some(16),
            ..Default::default()
        },
        // A long timer: if recovery waited for it, the timeout counter below would show it.
        rexmt: Duration::from_secs(2),
        ..config(addr)
    };
    let mut got = Vec::new();
    let outcome = client::download(&cfg, "f", &mut got, &mut Quiet).unwrap();
    let log = fake.join().unwrap();
    assert_eq!(got, file);
    assert_eq!(
        outcome.stats.timeouts, 0,
        "the gap was reported at once, not after a timeout"
    );
    assert!(
        log.received.contains(&vec![0, 4, 0, 4]),
        "ACK 4: the last block before the gap"
    );
}

#[test]
fn windowed_upload_sends_a_window_per_ack() {
    let file = content(64 * 512 + 10, 8);
    let oack = pairs(&[("windowsize", "8")]);
    let (addr, fake) = fake::spawn(
        Vec::new(),
        512,
        8,
        Faults {
            oack: Some(oack),
            ..Faults::default()
        },
    );
    let cfg = ClientConfig {
        options: OptionRequest {
            windowsize: Some(8),
            ..Default::default()
        },
        ..config(addr)
    };
    let outcome = client::upload(&cfg, "f", &mut file.as_slice(), None, &mut Quiet).unwrap();
    let log = fake.join().unwrap();
    assert_eq!(log.file, file);
    assert_eq!(outcome.stats.retransmits, 0);
    assert_eq!(log.count(3), 65);
}

#[test]
fn non_ascii_names_travel_as_utf8_bytes() {
    let (addr, fake) = fake::spawn(b"hi".to_vec(), 512, 1, Faults::default());
    client::download(&config(addr), "测试.txt", &mut Vec::new(), &mut Quiet).unwrap();
    let log = fake.join().unwrap();
    assert_eq!(&log.request[2..12], "测试.txt".as_bytes());
    assert_eq!(log.request[12], 0);
}

#[test]
fn netascii_downloads_turn_cr_lf_into_local_line_ends() {
    let wire = b"one\r\ntwo\r\x00three\r\n".to_vec();
    let (addr, fake) = fake::spawn(wire, 512, 1, Faults::default());
    let cfg = ClientConfig {
        mode: tftp::Mode::Netascii,
        ..config(addr)
    };
    let mut got = Vec::new();
    client::download(&cfg, "t.txt", &mut got, &mut Quiet).unwrap();
    let log = fake.join().unwrap();
    assert_eq!(got, b"one\ntwo\rthree\n");
    assert!(log.request.ends_with(b"t.txt\x00netascii\x00"));
}
