//! TFTP: what a server or client does with bytes from the network.

use std::io::{Read, Write};

use tftp::netascii::{NetasciiReader, NetasciiWriter};
use tftp::options::{self, OptionRequest, ServerLimits};
use tftp::packet::{self, Packet};

/// Any datagram: both decoders, and a packet that decodes must encode to bytes that decode to the same packet.
pub fn packet(data: &[u8]) {
    let _ = packet::describe(data);
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
