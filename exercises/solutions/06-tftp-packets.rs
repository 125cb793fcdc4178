//! Lab 6 — reference solution: TFTP packets <-> bytes (RFC 1350 §5).
//!
//! ```text
//! RRQ/WRQ | 00 01/02 | filename | 0 | mode | 0 |
//! DATA    | 00 03    | block (2 bytes) | data (0-512 bytes) |
//! ACK     | 00 04    | block (2 bytes) |
//! ERROR   | 00 05    | code (2 bytes)  | message | 0 |
//! ```

/// The opcodes: the first two bytes of every packet, big endian.
const OPCODE_RRQ: u16 = 1;
const OPCODE_WRQ: u16 = 2;
const OPCODE_DATA: u16 = 3;
const OPCODE_ACK: u16 = 4;
const OPCODE_ERROR: u16 = 5;

/// Opcode and block number (or error code): the fixed part of DATA, ACK and ERROR.
const HEADER_LEN: usize = 4;

/// One packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    Rrq { filename: String, mode: String },
    Wrq { filename: String, mode: String },
    Data { block: u16, data: Vec<u8> },
    Ack { block: u16 },
    Error { code: u16, message: String },
}

/// A text field: its UTF-8 bytes (not its characters: "测试" is 2 characters, 6 bytes), then a zero byte.
fn push_text(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
    out.push(0);
}

/// The packet's bytes; numbers in network byte order (big endian).
pub fn encode(packet: &Packet) -> Vec<u8> {
    let mut out = Vec::new();
    match packet {
        Packet::Rrq { filename, mode } | Packet::Wrq { filename, mode } => {
            let opcode = if matches!(packet, Packet::Rrq { .. }) {
                OPCODE_RRQ
            } else {
                OPCODE_WRQ
            };
            out.extend_from_slice(&opcode.to_be_bytes());
            push_text(&mut out, filename);
            push_text(&mut out, mode);
        }
        Packet::Data { block, data } => {
            out.extend_from_slice(&OPCODE_DATA.to_be_bytes());
            out.extend_from_slice(&block.to_be_bytes());
            out.extend_from_slice(data);
        }
        Packet::Ack { block } => {
            out.extend_from_slice(&OPCODE_ACK.to_be_bytes());
            out.extend_from_slice(&block.to_be_bytes());
        }
        Packet::Error { code, message } => {
            out.extend_from_slice(&OPCODE_ERROR.to_be_bytes());
            out.extend_from_slice(&code.to_be_bytes());
            push_text(&mut out, message);
        }
    }
    out
}

/// Reads a text field from the start of `bytes`: the text up to its zero byte, and what follows that byte.
fn take_text(bytes: &[u8]) -> Result<(String, &[u8]), String> {
    let end = bytes
        .iter()
        .position(|&b| b == 0)
        .ok_or("a text field without its zero byte")?;
    let text = std::str::from_utf8(&bytes[..end]).map_err(|_| "a text field that is not UTF-8")?;
    Ok((text.to_string(), &bytes[end + 1..]))
}

/// The big-endian u16 at `bytes[at..at + 2]`; the caller has checked the length.
fn be_u16(bytes: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([bytes[at], bytes[at + 1]])
}

/// Reads one datagram. Anything malformed is an `Err` with a reason, never a panic: a server reads whatever
/// arrives. Anything after a request's mode (RFC 2347 options) is ignored.
pub fn decode(bytes: &[u8]) -> Result<Packet, String> {
    if bytes.len() < 2 {
        return Err(format!("{} bytes: too short for an opcode", bytes.len()));
    }
    let opcode = be_u16(bytes, 0);
    // DATA, ACK and ERROR have a fixed header; requests are checked field by field instead.
    if matches!(opcode, OPCODE_DATA | OPCODE_ACK | OPCODE_ERROR) && bytes.len() < HEADER_LEN {
        return Err(format!("{} bytes: too short for opcode {opcode}", bytes.len()));
    }
    match opcode {
        OPCODE_RRQ | OPCODE_WRQ => {
            let (filename, rest) = take_text(&bytes[2..])?;
            let (mode, _options) = take_text(rest)?;
            Ok(if opcode == OPCODE_RRQ {
                Packet::Rrq { filename, mode }
            } else {
                Packet::Wrq { filename, mode }
            })
        }
        OPCODE_DATA => Ok(Packet::Data {
            block: be_u16(bytes, 2),
            data: bytes[HEADER_LEN..].to_vec(),
        }),
        OPCODE_ACK => Ok(Packet::Ack {
            block: be_u16(bytes, 2),
        }),
        OPCODE_ERROR => {
            let (message, _) = take_text(&bytes[HEADER_LEN..])?;
            Ok(Packet::Error {
                code: be_u16(bytes, 2),
                message,
            })
        }
        other => Err(format!("unknown opcode {other}")),
    }
}

/// The number of the block after `block`: block numbers are 16 bits and wrap from 65535 to 0, so a file of more
/// than 65,535 blocks (32 MiB at 512 bytes a block) goes on from block 0, as tftp-hpa and curl do.
pub fn next_block(block: u16) -> u16 {
    block.wrapping_add(1)
}
