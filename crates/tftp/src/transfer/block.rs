//! A DATA block, read from the file — seed §3.3.1 (a block of 512 bytes; a shorter one ends the transfer) and RFC
//! 1350 §6.
//!
//! Every block is exactly `blksize` bytes except the last, which holds what is left of the file: from `blksize - 1`
//! bytes down to none at all, when the file is a multiple of `blksize` (an empty DATA then says "that was all").
//! The seed's upload reads a fixed 512 bytes and pads the last block with zeros, so the file that arrives is longer
//! than the one sent.

use std::io::{self, Read};

use crate::packet::data_header;

// ANCHOR: short_block
/// Reads block `index` into a DATA packet, reusing `packet`'s memory: exactly `blksize` bytes, or what is left
/// of the file. Only what was read goes out — a short last block stays short (the seed pads it to 512 bytes
/// with zeros).
pub(super) fn fill_block(
    source: &mut dyn Read,
    mut packet: Vec<u8>,
    blksize: usize,
    index: u64,
) -> io::Result<Vec<u8>> {
    // A recycled packet is already full size: only a new one is zero-filled, the rest are just overwritten.
    packet.resize(4 + blksize, 0);
    packet[..4].copy_from_slice(&data_header(index as u16));
    let n = read_full(source, &mut packet[4..])?;
    packet.truncate(4 + n);
    Ok(packet)
}
// ANCHOR_END: short_block

/// Whether a DATA packet of a transfer with this `blksize` is its last: shorter than a full block.
pub(super) fn is_last(packet: &[u8], blksize: usize) -> bool {
    packet.len() < 4 + blksize
}

/// Reads until `buf` is full or the source ends; a block is short only at the end of the file.
fn read_full(source: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match source.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_full_fills_or_stops_at_the_end() {
        let mut src: &[u8] = &[1, 2, 3];
        let mut buf = [0u8; 2];
        assert_eq!(read_full(&mut src, &mut buf).unwrap(), 2);
        assert_eq!(read_full(&mut src, &mut buf).unwrap(), 1);
        assert_eq!(read_full(&mut src, &mut buf).unwrap(), 0);
    }

    #[test]
    fn blocks_are_full_then_short_then_empty_at_a_multiple() {
        let mut file: &[u8] = b"abcdefgh";
        let packet = fill_block(&mut file, Vec::new(), 4, 1).unwrap();
        assert_eq!(packet, [0, 3, 0, 1, b'a', b'b', b'c', b'd']);
        assert!(!is_last(&packet, 4));
        let packet = fill_block(&mut file, packet, 4, 2).unwrap();
        assert_eq!(packet, [0, 3, 0, 2, b'e', b'f', b'g', b'h']);
        let packet = fill_block(&mut file, packet, 4, 3).unwrap();
        assert_eq!(
            packet,
            [0, 3, 0, 3],
            "the file is a multiple of blksize: an empty last block"
        );
        assert!(is_last(&packet, 4));
        let mut short: &[u8] = b"xy";
        assert_eq!(
            fill_block(&mut short, Vec::new(), 4, 65536).unwrap(),
            [0, 3, 0, 0, b'x', b'y']
        );
    }
}
