//! Lab 6 — TFTP packets <-> bytes (seed §3.3.2, RFC 1350 §5).
//!
//! ```text
//! RRQ/WRQ | 00 01/02 | filename | 0 | mode | 0 |
//! DATA    | 00 03    | block (2 bytes) | data (0-512 bytes) |
//! ACK     | 00 04    | block (2 bytes) |
//! ERROR   | 00 05    | code (2 bytes)  | message | 0 |
//! ```
//! Replace every `todo!()`; `just lab 6` runs the tests.

/// One packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    Rrq { filename: String, mode: String },
    Wrq { filename: String, mode: String },
    Data { block: u16, data: Vec<u8> },
    Ack { block: u16 },
    Error { code: u16, message: String },
}

/// The packet's bytes; numbers in network byte order (big endian).
pub fn encode(packet: &Packet) -> Vec<u8> {
    // TODO: opcode first, then the fields in order.
    let _ = packet;
    todo!()
}

/// Reads one datagram. Anything malformed — too short, an unknown opcode, a text field with no closing zero
/// byte, text that is not UTF-8 — is an `Err` with a reason, never a panic: a server reads whatever arrives.
/// Anything after a request's mode (RFC 2347 options) is ignored.
pub fn decode(bytes: &[u8]) -> Result<Packet, String> {
    // TODO: check the length before every read; `bytes[i]` past the end panics.
    let _ = bytes;
    todo!()
}

/// The number of the block after `block`. Block numbers are 16 bits: after 65535 comes 0, so a file of more than
/// 65,535 blocks (32 MiB at 512 bytes a block) goes on from block 0, as tftp-hpa and curl do.
pub fn next_block(block: u16) -> u16 {
    // TODO: 65535 + 1 does not fit in a u16 (a panic in a debug build).
    let _ = block;
    todo!()
}
