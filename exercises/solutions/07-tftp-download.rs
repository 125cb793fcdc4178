//! Lab 7 — reference solution: the seed's `download` loop, done right (RFC 1350).

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// Opcodes (RFC 1350): the first two bytes of every packet, big endian.
const OPCODE_RRQ: u16 = 1;
const OPCODE_DATA: u16 = 3;
const OPCODE_ACK: u16 = 4;
const OPCODE_ERROR: u16 = 5;

/// Opcode and block number: the four bytes before a DATA packet's data.
const HEADER_LEN: usize = 4;

/// Data bytes in a full block. A block with fewer (even none) is the last.
const BLOCK_SIZE: usize = 512;

/// Bigger than any UDP datagram (at most 65,507 bytes over IPv4), so every packet arrives whole. The seed's
/// `recvfrom(1024)` would cut a longer one short without a word.
const MAX_DATAGRAM: usize = 65_536;

/// How many times in a row the last packet is sent again before the download gives up.
const MAX_RESENDS: u32 = 5;

/// ERROR 5 (unknown transfer ID): the answer to a packet from any address but the server's transfer port.
const UNKNOWN_TID: &[u8] = b"\x00\x05\x00\x05unknown transfer ID\x00";

/// The read request, built by hand: opcode 1, the name's UTF-8 bytes, 0, "octet", 0.
fn read_request(filename: &str) -> Vec<u8> {
    let mut packet = OPCODE_RRQ.to_be_bytes().to_vec();
    packet.extend_from_slice(filename.as_bytes()); // bytes, not characters: "测试.txt" is 10 bytes
    packet.push(0);
    packet.extend_from_slice(b"octet");
    packet.push(0);
    packet
}

fn ack(block: u16) -> Vec<u8> {
    let mut packet = OPCODE_ACK.to_be_bytes().to_vec();
    packet.extend_from_slice(&block.to_be_bytes());
    packet
}

/// Whether a receive failed only because nothing came within the socket's read timeout: Linux and macOS say
/// `WouldBlock`, Windows says `TimedOut`.
fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

/// Downloads `filename` from `server` (octet mode) and returns its bytes.
pub fn download(socket: &UdpSocket, server: SocketAddr, filename: &str, timeout: Duration) -> io::Result<Vec<u8>> {
    socket.set_read_timeout(Some(timeout))?;
    // What we sent last and where: the RRQ to the request port, then each ACK to the server's transfer port.
    // A timeout sends exactly that again.
    let mut last_sent = read_request(filename);
    let mut peer = server;
    socket.send_to(&last_sent, peer)?;
    let mut tid: Option<SocketAddr> = None;
    let mut file = Vec::new();
    let mut expected: u16 = 1;
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
            continue; // too short to be DATA or ERROR: not for us
        }
        let packet = &buf[..n];
        let opcode = u16::from_be_bytes([packet[0], packet[1]]);
        let number = u16::from_be_bytes([packet[2], packet[3]]);
        match opcode {
            OPCODE_DATA if number == expected => {
                let data = &packet[HEADER_LEN..];
                file.extend_from_slice(data);
                last_sent = ack(number);
                socket.send_to(&last_sent, tid)?;
                resends = 0; // progress: the count of resends starts again
                if data.len() < BLOCK_SIZE {
                    return Ok(file);
                }
                // Block numbers are 16 bits: after 65535 comes 0.
                expected = expected.wrapping_add(1);
            }
            // The block before again: the server did not get our ACK and sent the block once more. ACK it again,
            // keep nothing.
            OPCODE_DATA if number == expected.wrapping_sub(1) => {
                socket.send_to(&ack(number), tid)?;
            }
            OPCODE_ERROR => {
                let text = &packet[HEADER_LEN..];
                let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
                let message = String::from_utf8_lossy(&text[..end]);
                return Err(io::Error::other(format!("the server sent ERROR {number}: {message}")));
            }
            _ => {} // anything else (an older block, an unknown opcode) is ignored
        }
    }
}
