//! Interop (`just interop`): tshark reads udp-impair's `--pcap` captures as it reads real ones — a real TFTP
//! download and upload through 20% loss dissected field by field on ports other than 69 (`-d udp.port==P,tftp`,
//! TFTP's heuristic off), over IPv4 and IPv6, checksums good, nothing malformed — and the comments it shows count
//! exactly what the relay's tally counts. tshark missing is a failure, not a skip.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use labbench::tshark::{HEALTH, check_health, fields, tftp_ports};
use tftp::client::{self, ClientConfig};
use tftp::{Mode, OptionRequest, Quiet};
use tftp_server::{Config as ServerConfig, Server};
use udp_impair::{Impairments, Tally};

/// Short timers keep the test fast; many retries keep a run of bad luck from failing it.
const REXMT: Duration = Duration::from_millis(50);
const RETRIES: u32 = 30;
/// The download: 2000 bytes in blocks of 256 is blocks 1 to 8, the last one short.
const DOWNLOAD_LEN: usize = 2000;
const BLKSIZE: u16 = 256;
/// The upload, with no options: 700 bytes in RFC 1350's 512-byte blocks is blocks 1 and 2.
const UPLOAD_LEN: usize = 700;

/// What one transfer test saw: the relay's listen and the server's request port, and the final tally.
struct Run {
    listen: u16,
    server: u16,
    tally: Tally,
}

/// Our TFTP server behind a capturing relay with `knobs` each way, on `ip`: downloads `down.bin` (blksize 256,
/// tsize) and uploads `up.bin` (no options) through the relay, and checks both files arrived whole.
fn tftp_through_relay(path: &Path, ip: &str, knobs: Impairments, seed: u64) -> Run {
    let root = tempfile::tempdir().unwrap();
    let download: Vec<u8> = (0..DOWNLOAD_LEN).map(|i| (i % 251) as u8).collect();
    std::fs::write(root.path().join("down.bin"), &download).unwrap();
    let mut config = ServerConfig::new(root.path()).unwrap();
    config.create = true;
    config.rexmt = REXMT;
    config.retries = RETRIES;
    let bind = SocketAddr::new(ip.parse().unwrap(), 0);
    let server = Server::bind(bind, config, Arc::new(Mutex::new(std::io::sink()))).unwrap();
    let server_addr = server.local_addr().unwrap();
    let stop = server.stopper().unwrap();
    let thread = std::thread::spawn(move || server.run().unwrap());
    let (relay, capture) = support::capturing_relay(path, ip, server_addr, (knobs, knobs), seed);

    let cfg = ClientConfig {
        rexmt: REXMT,
        retries: RETRIES,
        mode: Mode::Octet,
        ..ClientConfig::new(relay.local_addr())
    };
    let asked = OptionRequest {
        blksize: Some(BLKSIZE),
        tsize: Some(0),
        ..Default::default()
    };
    let mut got = Vec::new();
    let with_options = ClientConfig {
        options: asked,
        ..cfg.clone()
    };
    client::download(&with_options, "down.bin", &mut got, &mut Quiet).unwrap();
    assert!(got == download, "the download arrived whole");
    let upload = vec![b'u'; UPLOAD_LEN];
    client::upload(&cfg, "up.bin", &mut upload.as_slice(), None, &mut Quiet).unwrap();
    // The server saves an upload before it sends the final ACK, so it is on disk now.
    assert_eq!(std::fs::read(root.path().join("up.bin")).unwrap(), upload);

    let run = Run {
        listen: relay.local_addr().port(),
        server: server_addr.port(),
        tally: relay.stop(),
    };
    capture.finish().unwrap();
    stop.stop();
    thread.join().unwrap();
    run
}

/// The TFTP fields read from each packet, after the [`HEALTH`] ones.
const TFTP: [&str; 9] = [
    "frame.comment",
    "tftp.opcode",
    "tftp.source_file",
    "tftp.destination_file",
    "tftp.type",
    "tftp.option.name",
    "tftp.option.value",
    "tftp.block",
    "udp.dstport",
];

/// One packet as tshark dissected it.
#[derive(Debug)]
struct Packet {
    comment: String,
    opcode: String,
    file: String,
    mode: String,
    options: String,
    values: String,
    block: String,
    dst_port: u16,
}

fn dissect(path: &Path, run: &Run) -> Vec<Packet> {
    let all: Vec<&str> = HEALTH.iter().chain(TFTP.iter()).copied().collect();
    let rows = fields(path, &tftp_ports(&[run.listen, run.server]), &all).unwrap();
    check_health(&rows).unwrap();
    rows.iter()
        .map(|row| {
            let t = &row[HEALTH.len()..];
            Packet {
                comment: t[0].clone(),
                opcode: t[1].clone(),
                file: format!("{}{}", t[2], t[3]),
                mode: t[4].clone(),
                options: t[5].clone(),
                values: t[6].clone(),
                block: t[7].clone(),
                dst_port: t[8].parse().unwrap(),
            }
        })
        .collect()
}

/// Checks what tshark dissected against what was sent: every packet is TFTP; the requests carry the file names,
/// the mode and the options asked for; the blocks that left the relay are exactly those of the two files; and the
/// comments count what the tally counts.
fn check_transfer(packets: &[Packet], run: &Run) {
    assert!(
        packets.iter().all(|p| !p.opcode.is_empty()),
        "every packet dissected as TFTP: {packets:#?}"
    );
    let with = |opcode: &'static str| packets.iter().filter(move |p| p.opcode == opcode);
    // RRQ (1) to the relay and on to the server: name, mode, options as asked.
    let rrq: Vec<&Packet> = with("1").collect();
    assert!(!rrq.is_empty());
    for p in &rrq {
        let asked = (p.file.as_str(), p.mode.as_str(), p.options.as_str(), p.values.as_str());
        assert_eq!(asked, ("down.bin", "octet", "blksize,tsize", "256,0"), "{p:?}");
        assert!(p.dst_port == run.listen || p.dst_port == run.server, "{p:?}");
    }
    // WRQ (2): no options.
    let wrq: Vec<&Packet> = with("2").collect();
    assert!(!wrq.is_empty());
    for p in &wrq {
        let asked = (p.file.as_str(), p.mode.as_str(), p.options.as_str());
        assert_eq!(asked, ("up.bin", "octet", ""), "{p:?}");
    }
    // OACK (6): the server granted both, and told the size.
    assert!(with("6").all(|p| (p.options.as_str(), p.values.as_str()) == ("blksize,tsize", "256,2000")));
    assert!(with("6").count() > 0);
    // DATA (3) that left the relay: blocks 1-8 of the download towards the client, 1-2 of the upload towards the
    // server.
    let blocks = |way: &str| -> BTreeSet<u16> {
        let left = format!(" {way} left");
        with("3")
            .filter(|p| p.comment.contains(&left))
            .map(|p| p.block.parse().unwrap())
            .collect()
    };
    assert_eq!(blocks("server->client"), (1..=8).collect());
    assert_eq!(blocks("client->server"), (1..=2).collect());
    assert!(with("4").count() > 0, "ACKs");

    let comments: Vec<&str> = packets.iter().map(|p| p.comment.as_str()).collect();
    assert_eq!(
        support::counts_from_comments(comments.iter().copied(), "client->server"),
        run.tally.up
    );
    assert_eq!(
        support::counts_from_comments(comments.iter().copied(), "server->client"),
        run.tally.down
    );
}

/// The way (`client->server`) and whether it arrived or left, from a comment (`#7 client->server left`).
fn way_of(comment: &str) -> (&str, bool) {
    let rest = comment.split_once(' ').map_or("", |(_, rest)| rest);
    match rest.split_once(" arrived") {
        Some((way, _)) => (way, true),
        None => (rest.split_once(" left").map_or("", |(way, _)| way), false),
    }
}

/// How many dropped datagrams were sent again: a later arrival of the same packet (opcode, block and transfer),
/// the same way. Not every drop is: a lost retransmission whose original got through, or a lost last ACK (RFC
/// 1350 §6: no one resends it), needs none.
fn retransmitted(packets: &[Packet]) -> usize {
    let arrival = |p: &Packet| {
        let (way, arrived) = way_of(&p.comment);
        arrived.then(|| (way.to_string(), p.opcode.clone(), p.block.clone(), p.file.clone()))
    };
    packets
        .iter()
        .enumerate()
        .filter(|(_, p)| p.comment.contains("dropped (loss)"))
        .filter(|(i, p)| packets[i + 1..].iter().any(|later| arrival(later) == arrival(p)))
        .count()
}

/// Whether each DATA block that was dropped also left the relay the same way at some time — the receiver got it
/// in the end, from its original or a retransmission.
fn every_dropped_block_got_through(packets: &[Packet]) -> bool {
    let data = |p: &&Packet| p.opcode == "3";
    packets
        .iter()
        .filter(data)
        .filter(|p| p.comment.contains("dropped (loss)"))
        .all(|lost| {
            let (way, _) = way_of(&lost.comment);
            packets
                .iter()
                .filter(data)
                .any(|p| way_of(&p.comment) == (way, false) && (&p.block, &p.file) == (&lost.block, &lost.file))
        })
}

#[test]
#[ignore = "interop: needs tshark (just peers)"]
fn tshark_dissects_a_tftp_transfer_through_twenty_percent_loss() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tftp.pcapng");
    let loss = Impairments {
        loss: 0.2,
        ..Default::default()
    };
    let run = tftp_through_relay(&path, "127.0.0.1", loss, 2024);
    let packets = dissect(&path, &run);
    check_transfer(&packets, &run);
    let dropped = run.tally.up.dropped + run.tally.down.dropped;
    assert!(dropped > 0, "20% loss dropped something: {:?}", run.tally);
    let resent = retransmitted(&packets);
    assert!(
        resent > 0,
        "the capture shows a drop and the retransmission that followed"
    );
    assert!(every_dropped_block_got_through(&packets));
    println!(
        "{} packets; {dropped} dropped, {resent} of them sent again\n{}",
        packets.len(),
        run.tally
    );
}

#[test]
#[ignore = "interop: needs tshark (just peers)"]
fn the_decode_as_option_is_what_makes_it_tftp() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.pcapng");
    let run = tftp_through_relay(&path, "127.0.0.1", Impairments::default(), 1);
    // With TFTP's heuristic off and no -d, nothing is TFTP: the ports are not 69.
    let no_decode_as = tftp_ports(&[]);
    let rows = fields(&path, &no_decode_as, &["udp.dstport", "tftp.opcode"]).unwrap();
    assert!(rows.iter().all(|r| r[1].is_empty()), "{rows:?}");
    // With `-d udp.port==LISTEN,tftp -d udp.port==SERVER,tftp`, everything is — transfer ports included.
    let packets = dissect(&path, &run);
    check_transfer(&packets, &run);
    assert_eq!(rows.len(), packets.len());
}

#[test]
#[ignore = "interop: needs tshark (just peers)"]
fn tshark_dissects_a_tftp_transfer_over_ipv6() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tftp6.pcapng");
    let loss = Impairments {
        loss: 0.1,
        ..Default::default()
    };
    let run = tftp_through_relay(&path, "::1", loss, 7);
    let packets = dissect(&path, &run);
    check_transfer(&packets, &run);
    let versions = fields(&path, &[], &["ipv6.version", "ipv6.src", "ipv6.dst"]).unwrap();
    assert!(versions.iter().all(|r| r == &["6", "::1", "::1"]), "{versions:?}");
}

#[test]
#[ignore = "interop: needs tshark (just peers)"]
fn the_comments_tshark_shows_count_what_the_tally_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("faults.pcapng");
    let tally = support::echo_through_every_fault(&path, 300);
    let all: Vec<&str> = HEALTH.iter().copied().chain(["frame.comment"]).collect();
    let rows = fields(&path, &[], &all).unwrap();
    check_health(&rows).unwrap();
    let comments: Vec<&str> = rows.iter().map(|r| r[HEALTH.len()].as_str()).collect();
    assert!(comments.iter().all(|c| !c.is_empty()), "every packet has its comment");
    assert_eq!(
        support::counts_from_comments(comments.iter().copied(), "client->server"),
        tally.up
    );
    assert_eq!(
        support::counts_from_comments(comments.iter().copied(), "server->client"),
        tally.down
    );
    for c in [tally.up, tally.down] {
        assert!(
            c.dropped > 0 && c.duplicated > 0 && c.reordered > 0 && c.delayed > 0 && c.corrupted > 0,
            "every fault happened: {tally:?}"
        );
    }
}
