//! Lab 9 — encapsulation by hand (seed §1.1): the UDP header (RFC 768) and the IPv4 header (RFC 791) that the
//! kernel puts around a payload on its way down the layers, and reading them back on the way up.
//!
//! ```text
//! IPv4 header, 20 bytes without options                 UDP header, 8 bytes
//!  byte 0      1          2      3                       0      1      2      3
//! +-----+-----+----------+-------------+                +-------------+-------------+
//! | 4   | IHL | TOS 0    | total length|  0             | source port | dest port   |  0
//! +-----+-----+----------+------+------+                +-------------+-------------+
//! | identification       | 40 00       |  4             | length      | checksum    |  4
//! +----------+-----------+-------------+                +-------------+-------------+
//! | TTL      | protocol  | header      |  8              then the payload
//! |          | 17        | checksum    |
//! +----------+-----------+-------------+
//! | source address                     | 12
//! | destination address                | 16
//! +------------------------------------+
//! ```
//! Every number is big endian (network byte order). Replace every `todo!()`; `just lab 9` runs the tests.

use std::net::{Ipv4Addr, SocketAddrV4};

/// IP's number for UDP, in the IPv4 header's protocol field and in the pseudo-header (TCP is 6).
pub const PROTOCOL_UDP: u8 = 17;
/// The IPv4 header without options: IHL 5, five 32-bit words.
pub const IPV4_HEADER_LEN: usize = 20;
/// Source port, destination port, length, checksum: 16 bits each.
pub const UDP_HEADER_LEN: usize = 8;
/// The TTL `ip_packet` writes: Linux's default for unicast.
pub const DEFAULT_TTL: u8 = 64;
/// The largest UDP payload over IPv4: a total length of at most 65,535 bytes, minus both headers.
pub const MAX_PAYLOAD: usize = 65_535 - IPV4_HEADER_LEN - UDP_HEADER_LEN;

/// The Internet checksum (RFC 1071) of `bytes`: the ones' complement of their ones' complement sum as 16-bit
/// big-endian words. RFC 1071's example: the words 0001 f203 f4f5 f6f7 sum to ddf2, so the checksum is 220d.
pub fn internet_checksum(bytes: &[u8]) -> u16 {
    // TODO: add the words in a u32; an odd last byte is the HIGH byte of a word whose low byte is 0. Then fold
    // every carry above bit 16 back in at the bottom (end-around carry) — folding can carry again — and
    // return the complement (!).
    let _ = bytes;
    todo!()
}

/// The 12-byte pseudo-header the UDP checksum covers (RFC 768): source address, destination address, a zero
/// byte, the protocol (17), the UDP length.
pub fn pseudo_header(src: Ipv4Addr, dst: Ipv4Addr, udp_length: u16) -> [u8; 12] {
    // TODO
    let _ = (src, dst, udp_length);
    todo!()
}

/// The 8-byte UDP header for `payload` from `src` to `dst`: ports, length, checksum.
pub fn udp_header(src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8]) -> [u8; UDP_HEADER_LEN] {
    // TODO: the length counts the 8 header bytes too. The checksum covers the pseudo-header, this header (its
    // checksum field still 0) and the payload. A computed checksum of 0 is sent as 0xffff: 0 means "none".
    let _ = (src, dst, payload);
    todo!()
}

/// The 20-byte IPv4 header (no options) of a packet whose data, after the header, is the `udp_len`-byte UDP
/// datagram: version 4, IHL 5, TOS 0, total length, `id`, flags 0x40 (don't fragment) and fragment offset 0,
/// `ttl`, protocol 17, header checksum, addresses.
pub fn ipv4_header(src: Ipv4Addr, dst: Ipv4Addr, udp_len: usize, id: u16, ttl: u8) -> [u8; IPV4_HEADER_LEN] {
    // TODO: the IHL counts 32-bit words, the total length bytes (the header's too). The checksum covers these
    // 20 bytes only, with the checksum field 0 while it is computed.
    let _ = (src, dst, udp_len, id, ttl);
    todo!()
}

/// The whole IPv4 packet that carries `payload` from `src` to `dst`: IPv4 header (TTL 64), UDP header, payload.
pub fn ip_packet(src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8], id: u16) -> Vec<u8> {
    // TODO: the three pieces, in the order they go on the wire.
    let _ = (src, dst, payload, id);
    todo!()
}

/// A UDP datagram read back from an IPv4 packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    pub src: SocketAddrV4,
    pub dst: SocketAddrV4,
    pub ttl: u8,
    pub id: u16,
    pub payload: Vec<u8>,
}

/// Reads an IPv4 packet that carries UDP, checking what a receiving kernel checks (the README lists each check).
/// Anything malformed is an `Err` with the reason, never a panic: the bytes come from the network.
pub fn parse(packet: &[u8]) -> Result<Datagram, String> {
    // TODO: the header is IHL x 4 bytes long (options may follow the first 20). Check before every read:
    // `packet[i]` past the end panics; `packet.get(..n)` does not.
    let _ = packet;
    todo!()
}
