//! `--pcap FILE`: every datagram as it arrived at the relay and as it left, with real addresses and ports, and
//! its fate in the comment — read back with netlab's reader (pcap-file underneath, each header checked), no
//! Wireshark needed. The tshark checks are in capture_tshark.rs (`just interop`).
#![allow(clippy::unwrap_used)]

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use labbench::lines::Lines;
use netlab::capture::{Capture, Record, read};
use support::{echo_responder, socket};
use udp_impair::{Config, Impairments, Relay, Tally};

fn capturing_relay(path: &Path, to: SocketAddr, up: Impairments, down: Impairments) -> (Relay, Arc<Capture>) {
    support::capturing_relay(path, "127.0.0.1", to, (up, down), 5)
}

fn comment(r: &Record) -> &str {
    r.comment.as_deref().unwrap_or("")
}

#[test]
fn every_datagram_is_recorded_as_it_arrived_and_as_it_left() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.pcapng");
    let echo = echo_responder();
    let (relay, capture) = capturing_relay(&path, echo, Impairments::default(), Impairments::default());
    let client = socket();
    let mut buf = [0u8; 16];
    for word in [&b"one"[..], b"two", b"three"] {
        client.send_to(word, relay.local_addr()).unwrap();
        let (n, _) = client.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], word);
    }
    let listen = relay.local_addr();
    let tally = relay.stop();
    capture.finish().unwrap();

    let records = read(&path).unwrap();
    assert_eq!(records.len(), 12, "3 words, each in and out of the relay, both ways");
    assert_eq!(
        records.len() as u64,
        tally.up.received + tally.up.forwarded + tally.down.received + tally.down.forwarded
    );
    let client_addr = client.local_addr().unwrap();
    for (i, word) in [&b"one"[..], b"two", b"three"].iter().enumerate() {
        let four = &records[4 * i..4 * i + 4];
        let (up, down) = (2 * i as u64 + 1, 2 * i as u64 + 2);
        // The client's datagram reaches the listen port, leaves from the relay's upstream port to the server,
        // which answers that port; the answer leaves from the listen port to the client.
        let upstream = four[1].src;
        let expected = [
            (client_addr, listen, format!("#{up} client->server arrived: forwarded")),
            (upstream, echo, format!("#{up} client->server left")),
            (echo, upstream, format!("#{down} server->client arrived: forwarded")),
            (listen, client_addr, format!("#{down} server->client left")),
        ];
        for (record, (src, dst, note)) in four.iter().zip(expected) {
            assert_eq!((record.src, record.dst, comment(record)), (src, dst, note.as_str()));
            assert_eq!(&record.payload, word);
        }
        assert_ne!(upstream.port(), listen.port());
    }
    assert!(records.windows(2).all(|w| w[0].time <= w[1].time), "in time order");
}

/// Every fault at 20% each way on 300 (or `count`) echoed datagrams; the capture read back, and the tally.
fn everything_at_twenty_percent(path: &Path, count: u32) -> (Vec<Record>, Tally) {
    let tally = support::echo_through_every_fault(path, count);
    (read(path).unwrap(), tally)
}

fn counts_from_comments(records: &[Record], way: &str) -> udp_impair::Counts {
    support::counts_from_comments(records.iter().map(comment), way)
}

#[test]
fn the_comments_count_what_the_tally_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("faults.pcapng");
    let (records, tally) = everything_at_twenty_percent(&path, 300);
    assert_eq!(counts_from_comments(&records, "client->server"), tally.up);
    assert_eq!(counts_from_comments(&records, "server->client"), tally.down);
    for c in [tally.up, tally.down] {
        assert!(
            c.dropped > 0 && c.duplicated > 0 && c.reordered > 0 && c.delayed > 0 && c.corrupted > 0,
            "every fault happened: {c:?}"
        );
    }
    assert_eq!(
        records.len() as u64,
        tally.up.received + tally.up.forwarded + tally.down.received + tally.down.forwarded
    );
}

#[test]
fn a_corrupted_datagram_leaves_with_the_bit_its_comment_names_flipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrupt.pcapng");
    let (records, tally) = everything_at_twenty_percent(&path, 100);
    let mut checked = 0;
    for record in &records {
        // "#N way left: ..., byte B was 0xXX, now 0xYY"
        let Some((head, flip)) = comment(record)
            .split_once(", byte ")
            .or_else(|| comment(record).split_once(": byte "))
        else {
            continue;
        };
        let number = head.split_whitespace().next().unwrap();
        let arrival = records
            .iter()
            .find(|r| comment(r).starts_with(&format!("{number} ")) && comment(r).contains(" arrived: "))
            .unwrap();
        let words: Vec<&str> = flip.split(' ').collect(); // B was 0xXX, now 0xYY
        let byte: usize = words[0].parse().unwrap();
        let hex = |w: &str| u8::from_str_radix(w.trim_end_matches(',').trim_start_matches("0x"), 16).unwrap();
        let (before, after) = (hex(words[2]), hex(words[4]));
        assert_eq!(arrival.payload[byte], before, "{}", comment(record));
        assert_eq!(record.payload[byte], after, "{}", comment(record));
        let mut flipped_back = record.payload.clone();
        flipped_back[byte] ^= before ^ after;
        assert_eq!(flipped_back, arrival.payload, "only that byte changed");
        assert_eq!((before ^ after).count_ones(), 1, "one bit");
        checked += 1;
    }
    let copies_corrupted = records
        .iter()
        .filter(|r| comment(r).contains(" left") && comment(r).contains(" was 0x"))
        .count();
    assert_eq!(checked, copies_corrupted);
    assert!(
        checked as u64 >= tally.up.corrupted + tally.down.corrupted,
        "each corrupted datagram, every copy"
    );
}

#[test]
fn a_refused_datagram_is_recorded_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("refused.pcapng");
    let capture = Arc::new(Capture::create(&path).unwrap());
    let config = Config {
        max_clients: 1,
        capture: Some(Arc::clone(&capture)),
        ..Config::new("127.0.0.1:0".parse().unwrap(), echo_responder())
    };
    let relay = Relay::start(config).unwrap();
    let (first, second) = (socket(), socket());
    first.send_to(b"in", relay.local_addr()).unwrap();
    first.recv_from(&mut [0u8; 8]).unwrap();
    second.send_to(b"out", relay.local_addr()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while relay.tally().up.refused == 0 {
        assert!(Instant::now() < deadline, "the second client was never refused");
        std::thread::yield_now();
    }
    let listen = relay.local_addr();
    relay.stop();
    capture.finish().unwrap();
    let last = read(&path).unwrap().pop().unwrap();
    assert_eq!(
        (last.src, last.dst, last.payload.as_slice()),
        (second.local_addr().unwrap(), listen, &b"out"[..])
    );
    assert_eq!(
        comment(&last),
        "#3 client->server arrived: refused (1 clients already, --max-clients)"
    );
}

#[test]
fn the_program_writes_its_capture_with_pcap_and_reports_a_bad_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cli.pcapng");
    let server = socket();
    let to = server.local_addr().unwrap().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_udp-impair"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--to",
            &to,
            "--loss-up",
            "100%",
            "-v",
            "--pcap",
        ])
        .arg(&path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::of(child.stdout.take().unwrap());
    let listen: SocketAddr = lines.next().split_whitespace().nth(1).unwrap().parse().unwrap();
    let client = socket();
    for word in [&b"lost"[..], b"gone"] {
        client.send_to(word, listen).unwrap();
    }
    // -v prints the tally each second it changes: wait for the line that counts both.
    let mut line = String::new();
    while !line.starts_with("client->server") || line.split_whitespace().nth(1) != Some("2") {
        line = lines.next();
    }
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    lines.rest();
    assert!(child.wait().unwrap().success());
    let records = read(&path).unwrap();
    let seen: Vec<(SocketAddr, SocketAddr, &[u8], &str)> = records
        .iter()
        .map(|r| (r.src, r.dst, r.payload.as_slice(), comment(r)))
        .collect();
    let from = client.local_addr().unwrap();
    assert_eq!(
        seen,
        [
            (from, listen, &b"lost"[..], "#1 client->server arrived: dropped (loss)"),
            (from, listen, b"gone", "#2 client->server arrived: dropped (loss)"),
        ]
    );

    let bad = dir.path().join("no-such-folder").join("x.pcapng");
    let out = Command::new(env!("CARGO_BIN_EXE_udp-impair"))
        .args(["--listen", "127.0.0.1:0", "--to", &to, "--pcap"])
        .arg(&bad)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("udp-impair: cannot create capture {}: ", bad.display())),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "no ready line for a relay that never started");
}

#[test]
fn a_datagram_with_no_room_to_be_held_is_dropped_and_said_so() {
    // Before, nothing limited what --delay held: 15,000 datagrams of 60 KB held for a day made the relay 883 MB.
    // Here the room is 3,500 bytes: three datagrams of 1,000 bytes fit (with their bookkeeping), the rest do not.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.pcapng");
    let capture = Arc::new(Capture::create(&path).unwrap());
    let config = Config {
        up: Impairments {
            delay: Duration::from_secs(60),
            ..Default::default()
        },
        max_held: 3_500,
        capture: Some(Arc::clone(&capture)),
        ..Config::new("127.0.0.1:0".parse().unwrap(), echo_responder())
    };
    let relay = Relay::start(config).unwrap();
    let client = socket();
    for i in 0..5u8 {
        client.send_to(&[i; 1000], relay.local_addr()).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while relay.tally().up.received < 5 {
        assert!(Instant::now() < deadline, "{:?}", relay.tally().up);
        std::thread::yield_now();
    }
    let up = relay.stop().up;
    capture.finish().unwrap();
    assert_eq!(
        (up.received, up.delayed, up.dropped, up.forwarded),
        (5, 3, 2, 0),
        "{up:?}"
    );
    let records = read(&path).unwrap();
    let comments: Vec<&str> = records.iter().map(comment).collect();
    let with = |words: &str| comments.iter().filter(|c| c.contains(words)).count();
    assert_eq!(with("arrived: delayed by 60000 ms"), 3, "{comments:#?}");
    assert_eq!(
        with("client->server arrived: dropped (held datagrams already fill 3500 bytes)"),
        2,
        "{comments:#?}"
    );
}
