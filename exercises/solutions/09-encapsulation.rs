//! Lab 9 — reference solution: a UDP payload wrapped by hand in the UDP header (RFC 768) and the IPv4 header
//! (RFC 791) the kernel puts around it on the way down the layers (seed §1.1), and taken apart again on the way up.

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

/// Version 4 in the high 4 bits of the first byte; the low 4 bits are the IHL.
const VERSION_4: u8 = 4;
/// The IHL counts 32-bit words of 4 bytes.
const BYTES_PER_WORD: usize = 4;
/// Flags and fragment offset: "don't fragment" set, as Linux sets on the UDP it sends; offset 0.
const DONT_FRAGMENT: [u8; 2] = [0x40, 0x00];

/// The Internet checksum (RFC 1071): the bytes as 16-bit big-endian words (an odd last byte is the high byte of
/// a word whose low byte is 0), added in ones' complement — every carry out of the top bit is added back in at
/// the bottom — and the sum complemented.
pub fn internet_checksum(bytes: &[u8]) -> u16 {
    // A u32 holds the plain sum of 65,537 words of 0xffff without overflowing: more than any datagram has.
    let mut sum: u32 = 0;
    let mut words = bytes.chunks_exact(2);
    for word in &mut words {
        sum += u32::from(u16::from_be_bytes([word[0], word[1]]));
    }
    if let [last] = words.remainder() {
        sum += u32::from(u16::from_be_bytes([*last, 0]));
    }
    // The end-around carry: fold the bits above 16 back in, until no carry is left (folding can carry again).
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// What the UDP checksum covers besides the datagram (RFC 768): source and destination address, a zero byte,
/// the protocol (17) and the UDP length. A datagram delivered to the wrong address fails its checksum.
pub fn pseudo_header(src: Ipv4Addr, dst: Ipv4Addr, udp_length: u16) -> [u8; 12] {
    let mut pseudo = [0u8; 12];
    pseudo[0..4].copy_from_slice(&src.octets());
    pseudo[4..8].copy_from_slice(&dst.octets());
    pseudo[8] = 0;
    pseudo[9] = PROTOCOL_UDP;
    pseudo[10..12].copy_from_slice(&udp_length.to_be_bytes());
    pseudo
}

/// The 8-byte UDP header for `payload` from `src` to `dst`: ports, length (header included), checksum.
pub fn udp_header(src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8]) -> [u8; UDP_HEADER_LEN] {
    // The length counts the header too: an empty datagram has length 8. At most MAX_PAYLOAD + 8, so it fits.
    let length = (UDP_HEADER_LEN + payload.len()) as u16;
    let mut header = [0u8; UDP_HEADER_LEN];
    header[0..2].copy_from_slice(&src.port().to_be_bytes());
    header[2..4].copy_from_slice(&dst.port().to_be_bytes());
    header[4..6].copy_from_slice(&length.to_be_bytes());
    // The checksum field is still 0 here, as the checksum must be computed.
    let mut covered = Vec::with_capacity(12 + UDP_HEADER_LEN + payload.len());
    covered.extend_from_slice(&pseudo_header(*src.ip(), *dst.ip(), length));
    covered.extend_from_slice(&header);
    covered.extend_from_slice(payload);
    // Over IPv4 a checksum field of 0 means "no checksum" (RFC 768), so a computed 0 is sent as 0xffff — the
    // same number in ones' complement (-0 and +0).
    let checksum = match internet_checksum(&covered) {
        0 => 0xffff,
        sum => sum,
    };
    header[6..8].copy_from_slice(&checksum.to_be_bytes());
    header
}

/// The 20-byte IPv4 header (no options) of a packet whose data, after the header, is `udp_len` bytes (the whole
/// UDP datagram): version 4, IHL 5, TOS 0, total length, `id`, don't fragment, `ttl`, protocol 17, checksum.
pub fn ipv4_header(src: Ipv4Addr, dst: Ipv4Addr, udp_len: usize, id: u16, ttl: u8) -> [u8; IPV4_HEADER_LEN] {
    // The total length counts the header too. At most 65,535 (the caller's datagram is at most that minus 20).
    let total = (IPV4_HEADER_LEN + udp_len) as u16;
    let mut header = [0u8; IPV4_HEADER_LEN];
    header[0] = (VERSION_4 << 4) | (IPV4_HEADER_LEN / BYTES_PER_WORD) as u8; // 0x45
    header[1] = 0; // type of service
    header[2..4].copy_from_slice(&total.to_be_bytes());
    header[4..6].copy_from_slice(&id.to_be_bytes());
    header[6..8].copy_from_slice(&DONT_FRAGMENT);
    header[8] = ttl;
    header[9] = PROTOCOL_UDP;
    header[12..16].copy_from_slice(&src.octets());
    header[16..20].copy_from_slice(&dst.octets());
    // Over the header only (unlike UDP's), with the checksum field still 0.
    let checksum = internet_checksum(&header);
    header[10..12].copy_from_slice(&checksum.to_be_bytes());
    header
}

/// The whole IPv4 packet that carries `payload` from `src` to `dst`: IPv4 header (TTL 64), UDP header, payload.
pub fn ip_packet(src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8], id: u16) -> Vec<u8> {
    let udp_len = UDP_HEADER_LEN + payload.len();
    let mut packet = Vec::with_capacity(IPV4_HEADER_LEN + udp_len);
    packet.extend_from_slice(&ipv4_header(*src.ip(), *dst.ip(), udp_len, id, DEFAULT_TTL));
    packet.extend_from_slice(&udp_header(src, dst, payload));
    packet.extend_from_slice(payload);
    packet
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

/// Reads an IPv4 packet that carries UDP, checking what a receiving kernel checks. Anything malformed is an
/// `Err` with the reason, never a panic: the bytes come from the network.
pub fn parse(packet: &[u8]) -> Result<Datagram, String> {
    let first = *packet.first().ok_or("an empty packet")?;
    if first >> 4 != VERSION_4 {
        return Err(format!("IP version {} is not 4", first >> 4));
    }
    // The IHL is in 32-bit words: 5 without options, up to 15 (60 bytes) with them.
    let ihl = first & 0x0f;
    let header_len = usize::from(ihl) * BYTES_PER_WORD;
    if header_len < IPV4_HEADER_LEN {
        return Err(format!("an IHL of {ihl} words is less than the 5 of a header"));
    }
    let Some(header) = packet.get(..header_len) else {
        return Err(format!("shorter than its {header_len}-byte IPv4 header"));
    };
    // A header with its checksum in place sums to all ones, so its checksum comes out 0.
    if internet_checksum(header) != 0 {
        return Err("the IPv4 header checksum is wrong".into());
    }
    let total = usize::from(u16::from_be_bytes([header[2], header[3]]));
    if total < header_len || total > packet.len() {
        return Err(format!(
            "the total length {total} does not fit a {header_len}-byte header in a {}-byte packet",
            packet.len()
        ));
    }
    if header[9] != PROTOCOL_UDP {
        return Err(format!("protocol {} is not UDP (17)", header[9]));
    }
    // The packet ends at its total length: bytes after it are the link layer's padding (an Ethernet frame
    // carries at least 46 bytes).
    let udp = &packet[header_len..total];
    if udp.len() < UDP_HEADER_LEN {
        return Err(format!("{} bytes are shorter than a UDP header", udp.len()));
    }
    let udp_length = u16::from_be_bytes([udp[4], udp[5]]);
    if usize::from(udp_length) != udp.len() {
        return Err(format!(
            "the UDP length {udp_length} differs from the {} bytes after the IPv4 header",
            udp.len()
        ));
    }
    let src = Ipv4Addr::new(header[12], header[13], header[14], header[15]);
    let dst = Ipv4Addr::new(header[16], header[17], header[18], header[19]);
    // A checksum field of 0: the sender computed none (allowed over IPv4, RFC 768).
    if udp[6..8] != [0, 0] {
        let mut covered = Vec::with_capacity(12 + udp.len());
        covered.extend_from_slice(&pseudo_header(src, dst, udp_length));
        covered.extend_from_slice(udp);
        if internet_checksum(&covered) != 0 {
            return Err("the UDP checksum is wrong".into());
        }
    }
    let port = |at: usize| u16::from_be_bytes([udp[at], udp[at + 1]]);
    Ok(Datagram {
        src: SocketAddrV4::new(src, port(0)),
        dst: SocketAddrV4::new(dst, port(2)),
        ttl: header[8],
        id: u16::from_be_bytes([header[4], header[5]]),
        payload: udp[UDP_HEADER_LEN..].to_vec(),
    })
}
