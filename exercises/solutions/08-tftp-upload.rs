//! Lab 8 — reference solution: the seed's `upload` loop, without its bugs (RFC 1350).

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// Opcodes (RFC 1350): the first two bytes of every packet, big endian.
const OPCODE_WRQ: u16 = 2;
const OPCODE_DATA: u16 = 3;
const OPCODE_ACK: u16 = 4;
const OPCODE_ERROR: u16 = 5;

/// Opcode and block number (or error code): the four bytes that start an ACK, a DATA or an ERROR.
const HEADER_LEN: usize = 4;

/// Data bytes in a full block. A block with fewer (even none) tells the server the file has ended.
const BLOCK_SIZE: usize = 512;

/// Bigger than any UDP datagram (at most 65,507 bytes over IPv4), so every packet arrives whole.
const MAX_DATAGRAM: usize = 65_536;

/// How many times in a row the last packet is sent again before the upload gives up.
const MAX_RESENDS: u32 = 5;

/// ERROR 5 (unknown transfer ID): the answer to a packet from any address but the server's transfer port.
const UNKNOWN_TID: &[u8] = b"\x00\x05\x00\x05unknown transfer ID\x00";

/// The write request, built by hand: opcode 2, the name's UTF-8 bytes, 0, "octet", 0.
fn write_request(filename: &str) -> Vec<u8> {
    let mut packet = OPCODE_WRQ.to_be_bytes().to_vec();
    packet.extend_from_slice(filename.as_bytes()); // bytes, not characters: "测试.txt" is 10 bytes
    packet.push(0);
    packet.extend_from_slice(b"octet");
    packet.push(0);
    packet
}

/// DATA `block` with exactly `data`: never padded (the seed's `pack("!HH512s", ...)` pads the last block with
/// zeros, so the file grows and the server never sees a short block).
fn data_packet(block: u16, data: &[u8]) -> Vec<u8> {
    let mut packet = OPCODE_DATA.to_be_bytes().to_vec();
    packet.extend_from_slice(&block.to_be_bytes());
    packet.extend_from_slice(data);
    packet
}

/// Whether a receive failed only because nothing came within the socket's read timeout: Linux and macOS say
/// `WouldBlock`, Windows says `TimedOut`.
fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

/// Uploads `data` as `filename` to `server` (octet mode).
pub fn upload(
    socket: &UdpSocket,
    server: SocketAddr,
    filename: &str,
    data: &[u8],
    timeout: Duration,
) -> io::Result<()> {
    socket.set_read_timeout(Some(timeout))?;
    // What we sent last and where: the WRQ to the request port, then each DATA to the server's transfer port.
    // A timeout sends exactly that again.
    let mut last_sent = write_request(filename);
    let mut peer = server;
    socket.send_to(&last_sent, peer)?;
    let mut tid: Option<SocketAddr> = None;
    let mut block: u16 = 0; // the block last sent and waiting for its ACK; the WRQ counts as block 0
    let mut offset = 0; // where the next block's data starts in `data`
    let mut sent_last_block = false;
    let mut resends = 0;
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        let (n, from) = match socket.recv_from(&mut buf) {
            Ok(got) => got,
            Err(e) if is_timeout(&e) => {
                if resends == MAX_RESENDS {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("no answer from {peer} after sending the last packet {MAX_RESENDS} more times"),
                    ));
                }
                resends += 1;
                socket.send_to(&last_sent, peer)?;
                continue;
            }
            Err(e) => return Err(e),
        };
        // The server answers from a new port, its transfer ID (TID): the first reply fixes it, and everything
        // else comes from strangers, who get ERROR 5 and change nothing.
        let tid = *tid.get_or_insert(from);
        if from != tid {
            socket.send_to(UNKNOWN_TID, from)?;
            continue;
        }
        peer = tid;
        if n < HEADER_LEN {
            continue; // too short to be an ACK or an ERROR: not for us
        }
        let packet = &buf[..n];
        let opcode = u16::from_be_bytes([packet[0], packet[1]]);
        let number = u16::from_be_bytes([packet[2], packet[3]]);
        match opcode {
            OPCODE_ACK if number == block => {
                if sent_last_block {
                    return Ok(()); // the server has the whole file
                }
                // The next 512 bytes, or what is left: fewer than 512 — none at all when the file's size is a
                // multiple of 512 — tells the server this is the last block.
                let end = (offset + BLOCK_SIZE).min(data.len());
                let chunk = &data[offset..end];
                offset = end;
                sent_last_block = chunk.len() < BLOCK_SIZE;
                // Block numbers are 16 bits: after 65535 comes 0.
                block = block.wrapping_add(1);
                last_sent = data_packet(block, chunk);
                socket.send_to(&last_sent, tid)?;
                resends = 0; // progress: the count of resends starts again
            }
            OPCODE_ERROR => {
                let text = &packet[HEADER_LEN..];
                let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
                let message = String::from_utf8_lossy(&text[..end]);
                return Err(io::Error::other(format!("the server sent ERROR {number}: {message}")));
            }
            // Anything else, a repeated ACK above all, is ignored. Answering a repeated ACK with DATA would send
            // every later block twice (the Sorcerer's Apprentice bug, RFC 1123 §4.2.3.1).
            _ => {}
        }
    }
}
