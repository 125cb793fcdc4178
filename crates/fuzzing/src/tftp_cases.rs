//! TFTP: what a server or client does with bytes from the network.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

use tftp::client::{self, ClientConfig};
use tftp::netascii::{NetasciiReader, NetasciiWriter};
use tftp::options::{self, OptionRequest, ServerLimits};
use tftp::packet::{self, Opcode, Packet};
use tftp::transfer::{self, Channel, Datagrams, MemorySocket, ReceiveStart};
use tftp::{Negotiated, Quiet};
use tftp_server::request::{self, Arrival};

/// Any datagram: both decoders, and a packet that decodes must encode to bytes that decode to the same packet.
pub fn packet(data: &[u8]) {
    let _ = packet::PrettyPrinter::new(data).to_string();
    let _ = Packet::decode_lenient(data);
    if let Ok(decoded) = Packet::decode(data) {
        let bytes = decoded.to_bytes();
        assert_eq!(
            Packet::decode(&bytes).as_ref(),
            Ok(&decoded),
            "{data:?} re-encoded as {bytes:?}"
        );
    }
}

/// Options as a client sends them (server side) and as a server answers them (client side).
pub fn options(data: &[u8]) {
    let words = crate::fields(data, 8);
    let pairs: Vec<(String, String)> = words.chunks(2).map(|pair| (pair[0].clone(), pair[1].clone())).collect();
    let asked = OptionRequest::from_pairs(&pairs);
    let limits = ServerLimits::default();
    let (agreed, reply) = options::negotiate(&asked, &limits, Some(data.len() as u64));
    assert!(agreed.windowsize >= 1);
    assert!(agreed.blksize >= usize::from(*options::BLKSIZE_RANGE.start()));
    assert!(agreed.blksize <= usize::from(limits.max_blksize));
    // What the server answers, the client that asked must accept.
    if let Ok(accepted) = asked.accept_oack(&reply) {
        assert_eq!(
            (accepted.blksize, accepted.windowsize),
            (agreed.blksize, agreed.windowsize),
            "{pairs:?}"
        );
    } else {
        panic!("a client refused the server's own answer to what it asked: {pairs:?} -> {reply:?}");
    }
    // And an OACK from a stranger must never panic the client.
    let _ = OptionRequest {
        blksize: Some(1428),
        timeout: Some(1),
        tsize: Some(0),
        windowsize: Some(16),
    }
    .accept_oack(&pairs);
}

/// netascii both ways: arbitrary local text survives the round trip, block boundaries anywhere; arbitrary wire
/// bytes decode without a panic.
pub fn netascii(data: &[u8]) {
    let Some((&cut, text)) = data.split_first() else { return };
    let block = usize::from(cut % 64) + 1;
    let mut wire = Vec::new();
    let mut reader = NetasciiReader::new(text);
    let mut buf = vec![0u8; block];
    loop {
        let n = reader.read(&mut buf).expect("reading from memory");
        if n == 0 {
            break;
        }
        wire.extend_from_slice(&buf[..n]);
    }
    let mut writer = NetasciiWriter::new(Vec::new());
    for chunk in wire.chunks(block) {
        writer.write_all(chunk).expect("writing to memory");
    }
    assert_eq!(writer.finish().expect("writing to memory"), text, "through {wire:?}");
    let mut writer = NetasciiWriter::new(Vec::new());
    for chunk in text.chunks(block) {
        writer.write_all(chunk).expect("writing to memory");
    }
    let _ = writer.finish();
}

/// The server's request port: only a request (RRQ or WRQ) is ever answered, and then with at most one ERROR.
pub fn server_request(data: &[u8]) {
    match request::arrival(data) {
        Arrival::Serve(..) => {}
        Arrival::Reply(reply) => {
            assert!(
                matches!(Opcode::of(data), Some(Opcode::Rrq | Opcode::Wrq)),
                "a reply to a datagram that is not a request: {data:?}"
            );
            assert!(
                matches!(Packet::decode(&reply), Ok(Packet::Error { .. })),
                "the reply is not an ERROR: {reply:?}"
            );
        }
        Arrival::Ignore => {}
    }
}

/// The peer of a scripted transfer, and a stranger on another port.
const PEER: &str = "127.0.0.1:40000";
const STRANGER: &str = "127.0.0.1:40001";
/// How often a scripted transfer resends before it gives up; small, so one input runs fast.
const RETRIES: u32 = 2;

/// Fuzzer bytes as a script: the first byte picks the block size (8-39) and window (1-4); then each datagram is a
/// header byte (bit 7: from the stranger; low 7 bits: length) followed by its bytes.
fn script(data: &[u8]) -> (Negotiated, MemorySocket, usize) {
    let (&setup, mut rest) = data.split_first().unwrap_or((&0, &[]));
    let opts = Negotiated {
        blksize: 8 + usize::from(setup & 0x1f),
        windowsize: 1 + u16::from(setup >> 6),
        ..Negotiated::default()
    };
    let socket = MemorySocket::new();
    let mut delivered = 0;
    while let Some((&header, tail)) = rest.split_first() {
        let len = usize::from(header & 0x7f).min(tail.len());
        let from = if header & 0x80 != 0 { STRANGER } else { PEER };
        socket.deliver(addr(from), &tail[..len]);
        delivered += 1;
        rest = &tail[len..];
    }
    (opts, socket, delivered)
}

fn addr(text: &str) -> SocketAddr {
    text.parse().expect("a literal address")
}

/// What a transfer port may send in answer to a script: valid packets only; to a stranger only ERROR 5; and no
/// more than `per_event` datagrams for each datagram delivered or timer run out (no loop, no amplification: a
/// sender answers one ACK, or one timeout, with at most a window of blocks).
fn check_replies(socket: &MemorySocket, data: &[u8], delivered: usize, per_event: usize) {
    let sent = socket.sent();
    let events = delivered + RETRIES as usize + 2;
    assert!(
        sent.len() <= events * per_event,
        "{} datagrams for {delivered} delivered: {data:?}",
        sent.len()
    );
    for (to, bytes) in &sent {
        let packet = Packet::decode(bytes);
        assert!(
            packet.is_ok(),
            "sent a packet that does not decode: {bytes:?} for {data:?}"
        );
        if *to == addr(STRANGER) {
            assert!(
                matches!(
                    packet,
                    Ok(Packet::Error {
                        code: tftp::ErrorCode::UnknownTid,
                        ..
                    })
                ),
                "{bytes:?} to the stranger"
            );
        }
    }
}

/// One transfer port receiving a file (a client's download, a server's upload) from a scripted peer.
pub fn transfer_receive(data: &[u8]) {
    let (opts, socket, delivered) = script(data);
    let mut quiet = Quiet;
    let mut ch = Channel::new(
        socket.clone(),
        addr(PEER),
        true,
        Duration::from_secs(3600),
        RETRIES,
        &mut quiet,
    );
    let mut sink = Vec::new();
    if let Ok(last) = transfer::receive(&mut ch, &mut sink, &opts, ReceiveStart::Sent(&[0, 4, 0, 0])) {
        let _ = last.acknowledge(&mut ch);
    }
    drop(ch);
    // An ACK, and an ERROR 5 to a stranger.
    check_replies(&socket, data, delivered, 2);
}

/// One transfer port sending a file (a server's download, a client's upload) to a scripted peer.
pub fn transfer_send(data: &[u8]) {
    let (opts, socket, delivered) = script(data);
    let file: Vec<u8> = (0..data.len() as u32 % 200).map(|i| i as u8).collect();
    let mut quiet = Quiet;
    let mut ch = Channel::new(
        socket.clone(),
        addr(PEER),
        true,
        Duration::from_secs(3600),
        RETRIES,
        &mut quiet,
    );
    let _ = transfer::send(&mut ch, &mut &file[..], &opts, None);
    drop(ch);
    check_replies(&socket, data, delivered, usize::from(opts.windowsize) + 1);
}

/// The client from its request on: any replies, from the server's port, a new port or another host.
pub fn client_reply(data: &[u8]) {
    let (_, socket, delivered) = script(data);
    let mut cfg = ClientConfig::new(addr("127.0.0.1:69"));
    cfg.rexmt = Duration::from_secs(3600);
    cfg.retries = RETRIES;
    cfg.options = OptionRequest {
        blksize: Some(16),
        tsize: Some(0),
        windowsize: Some(2),
        timeout: None,
    };
    let mut open = || -> std::io::Result<Box<dyn Datagrams>> { Ok(Box::new(socket.clone())) };
    let mut quiet = Quiet;
    if data.first().is_some_and(|b| b & 0x20 != 0) {
        let file = b"a file to upload, two blocks long";
        let _ = client::upload_over(
            &mut open,
            &cfg,
            "f",
            &mut &file[..],
            Some(file.len() as u64),
            &mut quiet,
        );
    } else {
        let _ = client::download_over(&mut open, &cfg, "f", &mut Vec::new(), &mut quiet);
    }
    let sent = socket.sent();
    assert!(
        sent.len() <= 2 * delivered + RETRIES as usize + 3,
        "{} datagrams for {delivered}",
        sent.len()
    );
    assert!(sent.iter().all(|(_, bytes)| Packet::decode(bytes).is_ok()), "{sent:?}");
}
