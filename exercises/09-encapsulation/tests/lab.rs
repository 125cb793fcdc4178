//! Lab 9 tests. No network. The checksum against RFC 1071's example, hand-picked edges and 400 random byte
//! strings; the pseudo-header, UDP header and IPv4 header against a worked example and against the headers the
//! project writes into its captures (`netlab::capture`, whose files Wireshark reads), for 300 random datagrams
//! (a fixed seed: the same ones every run) with payloads of every size from 0 to 65,507 bytes, odd ones included;
//! a checksum that comes out 0; and `parse` on what `ip_packet` writes, on a header with options, on link-layer
//! padding, on a datagram without a checksum, on every single flipped byte and on malformed packets, every one of
//! which must be an `Err`, never a panic.
#[path = "../../support/timed.rs"]
mod timed;

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

use lab09_encapsulation::*;
use netlab::capture as reference;

/// Seconds a test may take. The largest checksums a few megabytes in all: well under a second even in a debug
/// build, so running out of time means a loop that never ends.
const LIMIT: u64 = 5;

/// Bytes as hex pairs, `45 00 00 73`, as a packet trace shows them; a long string by its start.
fn hex(bytes: &[u8]) -> String {
    const SHOWN: usize = 32;
    let pairs: Vec<String> = bytes.iter().take(SHOWN).map(|b| format!("{b:02x}")).collect();
    let more = if bytes.len() > SHOWN {
        format!(" ... ({} bytes)", bytes.len())
    } else {
        String::new()
    };
    format!("{}{more}", pairs.join(" "))
}

/// A payload as a message shows it: short ones in full, long ones by their size.
fn shown(payload: &[u8]) -> String {
    if payload.len() <= 12 {
        format!("[{}]", hex(payload))
    } else {
        format!("<{} bytes>", payload.len())
    }
}

/// Random numbers from a fixed seed (xorshift64): the same numbers on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| (self.next() >> 24) as u8).collect()
    }
    fn address(&mut self) -> SocketAddrV4 {
        SocketAddrV4::new(Ipv4Addr::from((self.next() >> 16) as u32), (self.next() >> 40) as u16)
    }
}

fn the_reference_checksum(bytes: &[u8]) -> u16 {
    reference::internet_checksum(&[bytes])
}

/// The sum without its end-around carry, the odd byte dropped or put low: what common mistakes compute.
fn checksum_mistake(bytes: &[u8], got: u16) -> &'static str {
    let words = |bytes: &[u8], odd_high: bool| -> u64 {
        let mut sum = 0u64;
        for word in bytes.chunks(2) {
            sum += match word {
                [high, low] => u64::from(u16::from_be_bytes([*high, *low])),
                [last] if odd_high => u64::from(*last) << 8,
                [last] => u64::from(*last),
                _ => 0,
            };
        }
        sum
    };
    let fold = |mut sum: u64| {
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    };
    let sum = words(bytes, true);
    if got == !(sum as u16) && got != fold(sum) {
        " Your answer is the sum without its carries: add every carry out of bit 16 back in at the bottom \
         (end-around carry), and keep folding until none is left."
    } else if got == !(((sum & 0xffff) + (sum >> 16)) as u16) && got != fold(sum) {
        " Your answer folds the carries in only once: the fold itself can carry, so fold until the sum fits 16 bits."
    } else if bytes.len() % 2 == 1 && got == fold(words(bytes, false)) {
        " Your answer adds the odd last byte as the LOW byte of a word: it is the HIGH byte, padded with a zero byte \
         after it (RFC 1071)."
    } else if bytes.len() % 2 == 1 && got == fold(words(&bytes[..bytes.len() - 1], true)) {
        " Your answer drops the odd last byte: pad it with a zero byte after it to make the last word."
    } else if got == fold(sum).swap_bytes() {
        " Your answer has its two bytes swapped: the words are big endian, high byte first."
    } else if got == !fold(sum) {
        " Your answer is the sum, not the checksum: return its complement (!sum)."
    } else {
        ""
    }
}

fn check_checksum(bytes: &[u8], what: &str) {
    let want = the_reference_checksum(bytes);
    let got = internet_checksum(bytes);
    assert!(
        got == want,
        "internet_checksum({what} [{}]) should be {want:#06x}, got {got:#06x}.{}",
        hex(bytes),
        checksum_mistake(bytes, got)
    );
}

#[test]
fn the_rfc_1071_example() {
    timed::within(LIMIT, "internet_checksum on RFC 1071's example", || {
        // RFC 1071 §3: 0001 + f203 + f4f5 + f6f7 = 2ddf0; the carry 2 goes back in at the bottom: ddf0 + 2 = ddf2.
        let bytes = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        let got = internet_checksum(&bytes);
        assert!(
            got == !0xddf2,
            "internet_checksum([00 01 f2 03 f4 f5 f6 f7]) should be 0x220d, got {got:#06x}: RFC 1071's example adds \
             0001 + f203 + f4f5 + f6f7 = 2ddf0, adds the carry 2 back in at the bottom (end-around carry): ddf0 + 2 \
             = ddf2, and the checksum is its complement, !ddf2 = 220d.{}",
            checksum_mistake(&bytes, got)
        );
    });
}

#[test]
fn checksum_edges() {
    timed::within(LIMIT, "internet_checksum on its edge cases", || {
        check_checksum(&[], "nothing (the sum of no words is 0, its complement ffff):");
        check_checksum(&[0x01], "one odd byte (the word 0100):");
        check_checksum(&[0x01, 0x02, 0x03], "three bytes (the words 0102 and 0300):");
        check_checksum(
            &[0xab, 0xcd, 0xef],
            "three bytes (the words abcd and ef00, with a carry):",
        );
        // ffff + ffff + ffff + 0002 = 2ffff; folded once, ffff + 2 = 10001 carries again: 0001 + 1 = 0002.
        check_checksum(
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x02],
            "the words ffff ffff ffff 0002:",
        );
        check_checksum(&[0xff; 65_535], "65,535 bytes of ff:");
        check_checksum(&[0xff; 65_536], "65,536 bytes of ff:");
        check_checksum(&[0x00; 9], "nine zero bytes:");
    });
}

#[test]
fn checksum_of_400_random_byte_strings_agrees_with_netlab() {
    timed::within(LIMIT, "internet_checksum on 400 random byte strings", || {
        let mut random = Random(0x9E37_79B9_7F4A_7C15);
        for len in 0..=64 {
            check_checksum(&random.bytes(len), &format!("{len} random bytes"));
        }
        for _ in 0..335 {
            // Mostly short, some as long as the largest datagram with its pseudo-header (65,547 bytes).
            let len = if random.below(4) == 0 {
                random.below(65_548) as usize
            } else {
                random.below(2000) as usize
            };
            check_checksum(&random.bytes(len), &format!("{len} random bytes"));
        }
    });
}

/// Names the fields of a header that differ, with both values.
fn differing_fields(fields: &[(&str, std::ops::Range<usize>)], want: &[u8], got: &[u8]) -> String {
    let mut out = Vec::new();
    for (name, range) in fields {
        if want[range.clone()] != got[range.clone()] {
            out.push(format!(
                "{name} (bytes {}..{}) is [{}], should be [{}]",
                range.start,
                range.end,
                hex(&got[range.clone()]),
                hex(&want[range.clone()])
            ));
        }
    }
    out.join("; ")
}

const PSEUDO_FIELDS: [(&str, std::ops::Range<usize>); 5] = [
    ("the source address", 0..4),
    ("the destination address", 4..8),
    ("the zero byte", 8..9),
    ("the protocol", 9..10),
    ("the UDP length", 10..12),
];

const UDP_FIELDS: [(&str, std::ops::Range<usize>); 4] = [
    ("the source port", 0..2),
    ("the destination port", 2..4),
    ("the length", 4..6),
    ("the checksum", 6..8),
];

const IPV4_FIELDS: [(&str, std::ops::Range<usize>); 10] = [
    ("version and IHL", 0..1),
    ("the type of service", 1..2),
    ("the total length", 2..4),
    ("the identification", 4..6),
    ("the flags and fragment offset", 6..8),
    ("the TTL", 8..9),
    ("the protocol", 9..10),
    ("the header checksum", 10..12),
    ("the source address", 12..16),
    ("the destination address", 16..20),
];

#[test]
fn the_pseudo_header() {
    timed::within(LIMIT, "pseudo_header", || {
        let (src, dst) = (Ipv4Addr::new(192, 168, 0, 1), Ipv4Addr::new(192, 168, 0, 199));
        let want = [192, 168, 0, 1, 192, 168, 0, 199, 0, 17, 0x00, 0x5f];
        let got = pseudo_header(src, dst, 0x5f);
        assert!(
            got == want,
            "pseudo_header({src}, {dst}, 95) should be [{}], got [{}]: {}. RFC 768: source address, destination \
             address, a zero byte, the protocol (17 for UDP), the UDP length (95 = 00 5f, big endian)",
            hex(&want),
            hex(&got),
            differing_fields(&PSEUDO_FIELDS, &want, &got)
        );
    });
}

/// What a UDP checksum would be with one of the common mistakes, to name it.
fn udp_checksum_mistake(src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8], got: u16) -> &'static str {
    let length = (8 + payload.len()) as u16;
    let mut header = [0u8; 8];
    header[0..2].copy_from_slice(&src.port().to_be_bytes());
    header[2..4].copy_from_slice(&dst.port().to_be_bytes());
    header[4..6].copy_from_slice(&length.to_be_bytes());
    let pseudo = |protocol: u8, length: u16| {
        let mut p = Vec::new();
        p.extend_from_slice(&src.ip().octets());
        p.extend_from_slice(&dst.ip().octets());
        p.extend_from_slice(&[0, protocol]);
        p.extend_from_slice(&length.to_be_bytes());
        p
    };
    let sum = |pieces: &[&[u8]]| reference::internet_checksum(pieces);
    let right = sum(&[&pseudo(17, length), &header, payload]);
    if right == 0 && got == 0 {
        " The checksum came out 0, which over IPv4 means \"no checksum\" (RFC 768): send it as 0xffff, the same \
         number in ones' complement."
    } else if got == sum(&[&header, payload]) {
        " Your checksum leaves out the pseudo-header: it covers source and destination address, zero, protocol \
         17 and the UDP length, then the header and payload."
    } else if got == sum(&[&pseudo(6, length), &header, payload]) || got == sum(&[&pseudo(0, length), &header, payload])
    {
        " Your pseudo-header has the wrong protocol: UDP is 17 (TCP is 6), in the byte after the zero byte."
    } else if got == sum(&[&pseudo(17, length), &header]) {
        " Your checksum leaves out the payload: it covers the pseudo-header, the header and the payload."
    } else if got == sum(&[&pseudo(17, length - 8), &header, payload]) {
        " Your pseudo-header's length leaves out the 8-byte UDP header: it is the same length as in the header."
    } else if got == right.swap_bytes() {
        " Your checksum is written low byte first: big endian, like every field."
    } else {
        " If the checksum tests fail as well, fix internet_checksum first."
    }
}

fn check_udp_header(src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8]) {
    let want = reference::udp_header(src.into(), dst.into(), payload);
    let got = udp_header(src, dst, payload);
    if got == want {
        return;
    }
    let mut hint = String::new();
    if got[0..2] == src.port().to_le_bytes() && src.port().swap_bytes() != src.port() {
        hint += " The ports are written low byte first: network byte order is big endian, high byte first.";
    }
    let got_length = u16::from_be_bytes([got[4], got[5]]);
    if usize::from(got_length) == payload.len() {
        hint += " The length counts the 8-byte header too.";
    } else if got[4..6] == want[4..6].iter().rev().copied().collect::<Vec<u8>>()[..] {
        hint += " The length is written low byte first: big endian, high byte first.";
    }
    if got[..6] == want[..6] {
        hint += udp_checksum_mistake(src, dst, payload, u16::from_be_bytes([got[6], got[7]]));
    }
    panic!(
        "udp_header({src}, {dst}, payload {}) should be [{}], got [{}]: {}.{hint}",
        shown(payload),
        hex(&want),
        hex(&got),
        differing_fields(&UDP_FIELDS, &want, &got)
    );
}

fn check_ipv4_header(src: Ipv4Addr, dst: Ipv4Addr, udp_len: usize, id: u16, ttl: u8) {
    let want = reference::ipv4_header(src, dst, udp_len, id, ttl);
    let got = ipv4_header(src, dst, udp_len, id, ttl);
    if got == want {
        return;
    }
    let mut hint = String::new();
    if got[0] == 0x54 {
        // (4 << 4) | 20 and (5 << 4) | 4 both give 0x54.
        hint += " The IHL counts 32-bit words (5 for a 20-byte header, not 20) and goes in the low 4 bits, the \
                 version 4 in the high 4: 0x45.";
    }
    let got_total = usize::from(u16::from_be_bytes([got[2], got[3]]));
    if got_total == udp_len {
        hint += " The total length counts the 20-byte IPv4 header too.";
    } else if usize::from(u16::from_le_bytes([got[2], got[3]])) == 20 + udp_len {
        hint += " The total length is written low byte first: big endian, high byte first.";
    }
    if got[..10] == want[..10] && got[12..] == want[12..] {
        let mut zeroed = got;
        zeroed[10..12].copy_from_slice(&[0, 0]);
        let right = the_reference_checksum(&zeroed);
        hint += if u16::from_be_bytes([got[10], got[11]]) == right.swap_bytes() {
            " The checksum is written low byte first: big endian, like every field."
        } else {
            " The header checksum covers the 20 header bytes only (not the UDP datagram), with the checksum field 0 \
             while it is computed. If the checksum tests fail as well, fix internet_checksum first."
        };
    }
    panic!(
        "ipv4_header({src}, {dst}, udp_len {udp_len}, id {id}, ttl {ttl}) should be [{}], got [{}]: {}.{hint}",
        hex(&want),
        hex(&got),
        differing_fields(&IPV4_FIELDS, &want, &got)
    );
}

fn check_ip_packet(src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8], id: u16) {
    let want = reference::ip_packet(src.into(), dst.into(), payload, id);
    let got = ip_packet(src, dst, payload, id);
    if got == want {
        return;
    }
    let first = (0..want.len().min(got.len())).find(|&i| want[i] != got[i]);
    let hint = match first {
        None => format!("its length is {} bytes instead of {}", got.len(), want.len()),
        Some(10 | 11) => "bytes 10-11 differ, the IPv4 header checksum: it covers the 20 header bytes only, not the \
                          UDP datagram"
            .to_string(),
        Some(i) if i < 20 => format!("byte {i} differs, in the IPv4 header (TTL 64, see the ipv4_header test)"),
        Some(i) if i < 28 => format!("byte {i} differs, in the UDP header (see the udp_header test)"),
        Some(i) => format!("byte {i} differs, in the payload: it follows the two headers unchanged"),
    };
    panic!(
        "ip_packet({src}, {dst}, payload {}, id {id}) should be [{}], got [{}]: {hint}. The order on the wire: \
         IPv4 header, UDP header, payload.",
        shown(payload),
        hex(&want),
        hex(&got)
    );
}

#[test]
fn a_udp_header_by_hand() {
    timed::within(LIMIT, "udp_header for the seed's read request", || {
        // The seed's TFTP read request, from port 50000 to port 69 on this machine.
        let (src, dst) = (
            SocketAddrV4::new(Ipv4Addr::LOCALHOST, 50000),
            SocketAddrV4::new(Ipv4Addr::LOCALHOST, 69),
        );
        let payload = b"\x00\x01test.txt\x00octet\x00";
        let got = udp_header(src, dst, payload);
        let want_start = [0xc3, 0x50, 0x00, 0x45, 0x00, 0x19];
        assert!(
            got[..6] == want_start,
            "udp_header({src}, {dst}, the 17-byte read request) should start [c3 50 00 45 00 19] (50000 = c350, \
             69 = 0045, length 8 + 17 = 25 = 0019, big endian), got [{}]: {}",
            hex(&got[..6]),
            differing_fields(&UDP_FIELDS[..3], &want_start, &got[..6])
        );
        check_udp_header(src, dst, payload);
    });
}

#[test]
fn an_ipv4_header_by_hand() {
    timed::within(LIMIT, "ipv4_header for a worked example", || {
        // A classic worked example of the IPv4 header checksum: 95 bytes of UDP from 192.168.0.1 to
        // 192.168.0.199, identification 0, don't fragment, TTL 64. Its checksum is b861.
        let (src, dst) = (Ipv4Addr::new(192, 168, 0, 1), Ipv4Addr::new(192, 168, 0, 199));
        let want = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8,
            0x00, 0xc7,
        ];
        assert_eq!(
            want,
            reference::ipv4_header(src, dst, 95, 0, 64),
            "the example is netlab's header"
        );
        check_ipv4_header(src, dst, 95, 0, 64);
    });
}

#[test]
fn the_smallest_and_the_largest_datagram() {
    timed::within(LIMIT, "headers for 0 and 65,507 bytes of payload", || {
        let (src, dst) = (
            SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, 1), 4000),
            SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, 2), 4001),
        );
        for payload in [Vec::new(), Random(7).bytes(MAX_PAYLOAD)] {
            // An empty datagram is 8 bytes of UDP and 28 of IP; the largest fills the total length: 65,535.
            check_udp_header(src, dst, &payload);
            check_ipv4_header(*src.ip(), *dst.ip(), 8 + payload.len(), 1, 64);
            check_ip_packet(src, dst, &payload, 1);
        }
    });
}

#[test]
fn three_hundred_random_datagrams_agree_with_netlab() {
    timed::within(LIMIT, "headers for 300 random datagrams", || {
        let mut random = Random(0x0123_4567_89AB_CDEF);
        for n in 0..300 {
            let (src, dst) = (random.address(), random.address());
            // Every size: mostly short (odd and even alike), some up to the largest.
            let len = match n % 10 {
                0 => random.below(MAX_PAYLOAD as u64 + 1) as usize,
                _ => random.below(600) as usize,
            };
            let payload = random.bytes(len);
            let (id, ttl) = (random.next() as u16, random.next() as u8);
            check_udp_header(src, dst, &payload);
            check_ipv4_header(*src.ip(), *dst.ip(), 8 + len, id, ttl);
            check_ip_packet(src, dst, &payload, id);
        }
    });
}

/// A payload whose UDP checksum comes out 0: its last two bytes are chosen to make the sum ffff.
fn payload_with_zero_checksum(src: SocketAddrV4, dst: SocketAddrV4) -> Vec<u8> {
    let mut payload = b"sums to zero".to_vec();
    payload.extend_from_slice(&[0, 0]);
    // The checksum with the two bytes 0 is !sum; adding that very number makes the sum ffff, and its complement 0.
    let with_zeros = reference::udp_header(src.into(), dst.into(), &payload);
    let fill = u16::from_be_bytes([with_zeros[6], with_zeros[7]]);
    let at = payload.len() - 2;
    payload[at..].copy_from_slice(&fill.to_be_bytes());
    payload
}

#[test]
fn a_checksum_of_zero_is_sent_as_ffff() {
    timed::within(LIMIT, "udp_header for a datagram whose checksum comes out 0", || {
        let (src, dst) = (
            SocketAddrV4::new(Ipv4Addr::LOCALHOST, 1234),
            SocketAddrV4::new(Ipv4Addr::LOCALHOST, 5678),
        );
        let payload = payload_with_zero_checksum(src, dst);
        let want = reference::udp_header(src.into(), dst.into(), &payload);
        assert_eq!(
            want[6..],
            [0xff, 0xff],
            "the payload is built so that the checksum comes out 0"
        );
        check_udp_header(src, dst, &payload);
    });
}

/// Calls `parse`, turning a panic into a failure that says why it must not panic.
fn parse_no_panic(packet: &[u8], what: &str) -> Result<Datagram, String> {
    match std::panic::catch_unwind(|| parse(packet)) {
        Ok(result) => result,
        Err(_) => panic!(
            "parse({what}: [{}]) panicked (its message is above): the bytes come from the network, so check the \
             length before every read (packet[i] past the end panics; packet.get(..n) does not) and return an Err",
            hex(packet)
        ),
    }
}

/// `parse(packet)` must be `want`; `hint` says what this packet is about.
fn check_parse_ok(packet: &[u8], what: &str, want: &Datagram, hint: &str) {
    match parse_no_panic(packet, what) {
        Ok(got) => assert!(
            got == *want,
            "parse({what}: [{}]) should be Ok(src {}, dst {}, ttl {}, id {}, payload {}), got Ok(src {}, dst {}, \
             ttl {}, id {}, payload {}). {hint}",
            hex(packet),
            want.src,
            want.dst,
            want.ttl,
            want.id,
            shown(&want.payload),
            got.src,
            got.dst,
            got.ttl,
            got.id,
            shown(&got.payload)
        ),
        Err(why) => panic!(
            "parse({what}: [{}]) should be Ok(src {}, dst {}, payload {}), got Err({why:?}). {hint}",
            hex(packet),
            want.src,
            want.dst,
            shown(&want.payload)
        ),
    }
}

fn check_parse_err(packet: &[u8], what: &str, why: &str) {
    if let Ok(got) = parse_no_panic(packet, what) {
        panic!(
            "parse({what}: [{}]) should be an Err ({why}), got Ok(src {}, dst {}, payload {})",
            hex(packet),
            got.src,
            got.dst,
            shown(&got.payload)
        );
    }
}

/// Recomputes an IPv4 header's checksum after a change, so that only the change is wrong.
fn fix_ipv4_checksum(packet: &mut [u8]) {
    let header_len = usize::from(packet[0] & 0x0f) * 4;
    packet[10..12].copy_from_slice(&[0, 0]);
    let checksum = the_reference_checksum(&packet[..header_len]);
    packet[10..12].copy_from_slice(&checksum.to_be_bytes());
}

/// How a receiver checks a checksum, for messages.
const CHECKING_A_CHECKSUM: &str = "A checksum is checked by summing what it covers with the checksum field as it \
    is: a right one sums to ffff, so internet_checksum gives 0 (recomputing it with the field left in place gives \
    another number). The UDP checksum covers the pseudo-header, the UDP header and the payload.";

fn expected(src: SocketAddrV4, dst: SocketAddrV4, id: u16, payload: &[u8]) -> Datagram {
    Datagram {
        src,
        dst,
        ttl: DEFAULT_TTL,
        id,
        payload: payload.to_vec(),
    }
}

#[test]
fn parse_reads_back_300_random_packets() {
    timed::within(LIMIT, "parse on 300 random packets", || {
        let mut random = Random(0x005E_ED0F_CAFE);
        for n in 0..300 {
            let (src, dst) = (random.address(), random.address());
            let len = match n % 10 {
                0 => random.below(MAX_PAYLOAD as u64 + 1) as usize,
                _ => random.below(600) as usize,
            };
            let payload = random.bytes(len);
            let id = random.next() as u16;
            let packet = reference::ip_packet(src.into(), dst.into(), &payload, id);
            // netlab reads it back the same way, every check passed.
            let (s, d, p) = reference::decode_ip_packet(&packet).expect("netlab reads its own packets");
            assert_eq!((s, d, p), (SocketAddr::from(src), SocketAddr::from(dst), &payload[..]));
            check_parse_ok(
                &packet,
                "a packet from netlab",
                &expected(src, dst, id, &payload),
                CHECKING_A_CHECKSUM,
            );
        }
    });
}

/// The seed's read request from 127.0.0.1:50000 to 127.0.0.1:69, as the kernel would send it.
fn read_request() -> (Vec<u8>, Datagram) {
    let (src, dst) = (
        SocketAddrV4::new(Ipv4Addr::LOCALHOST, 50000),
        SocketAddrV4::new(Ipv4Addr::LOCALHOST, 69),
    );
    let payload = b"\x00\x01test.txt\x00octet\x00";
    let packet = reference::ip_packet(src.into(), dst.into(), payload, 7);
    (packet, expected(src, dst, 7, payload))
}

#[test]
fn parse_follows_the_ihl_past_options() {
    timed::within(LIMIT, "parse on a header with options", || {
        let (plain, want) = read_request();
        // IHL 6: the 20 bytes, then one 4-byte option (Router Alert, RFC 2113: 94 04 00 00).
        let mut packet = plain[..20].to_vec();
        packet.extend_from_slice(&[0x94, 0x04, 0x00, 0x00]);
        packet.extend_from_slice(&plain[20..]);
        packet[0] = 0x46;
        let total = (packet.len() as u16).to_be_bytes();
        packet[2..4].copy_from_slice(&total);
        fix_ipv4_checksum(&mut packet);
        check_parse_ok(
            &packet,
            "a header of IHL 6 (24 bytes: 4 bytes of options), then UDP",
            &want,
            "The header is IHL x 4 bytes long, here 24: the UDP header starts at byte 24, after the options.",
        );
    });
}

#[test]
fn parse_stops_at_the_total_length() {
    timed::within(LIMIT, "parse on a packet followed by link-layer padding", || {
        let (mut packet, want) = read_request();
        // An Ethernet frame carries at least 46 bytes: a 45-byte packet arrives with a zero byte after it.
        packet.resize(46, 0);
        let hint = "The packet ends at its total length (bytes 2-3): what follows is the link layer's padding, not \
                    part of the UDP datagram.";
        check_parse_ok(
            &packet,
            "a 45-byte packet padded to 46 bytes by the link layer",
            &want,
            hint,
        );
        packet.resize(64, 0);
        check_parse_ok(&packet, "a 45-byte packet followed by 19 bytes of padding", &want, hint);
    });
}

#[test]
fn parse_accepts_a_datagram_without_checksum() {
    timed::within(LIMIT, "parse on a UDP checksum of 0", || {
        let (mut packet, want) = read_request();
        packet[26..28].copy_from_slice(&[0, 0]);
        check_parse_ok(
            &packet,
            "a UDP checksum field of 0 (\"no checksum\", RFC 768)",
            &want,
            "A UDP checksum field of 0 means the sender computed none (RFC 768): accept the datagram unchecked.",
        );
        // And one whose checksum came out 0 and was sent as ffff.
        let (src, dst) = (want.src, want.dst);
        let payload = payload_with_zero_checksum(src, dst);
        let packet = reference::ip_packet(src.into(), dst.into(), &payload, 7);
        check_parse_ok(
            &packet,
            "a UDP checksum sent as ffff",
            &expected(src, dst, 7, &payload),
            CHECKING_A_CHECKSUM,
        );
    });
}

#[test]
fn parse_refuses_every_flipped_bit() {
    timed::within(LIMIT, "parse on a packet with one bit flipped", || {
        let (packet, _) = read_request();
        let checksum = u16::from_be_bytes([packet[26], packet[27]]);
        assert!(
            checksum.count_ones() > 1,
            "no flip can make the UDP checksum 0 (\"none\")"
        );
        let fields = [
            (0, "version and IHL"),
            (1, "type of service"),
            (2, "total length"),
            (4, "identification"),
            (6, "flags"),
            (8, "TTL"),
            (9, "protocol"),
            (10, "header checksum"),
            (12, "source address"),
            (16, "destination address"),
            (20, "UDP source port"),
            (22, "UDP destination port"),
            (24, "UDP length"),
            (26, "UDP checksum"),
            (28, "payload"),
        ];
        for byte in 0..packet.len() {
            for bit in 0..8 {
                let mut bad = packet.clone();
                bad[byte] ^= 1 << bit;
                let field = fields.iter().rev().find(|(at, _)| *at <= byte).map_or("", |f| f.1);
                let why = if byte < 20 {
                    "the IPv4 header checksum no longer adds up: check it"
                } else {
                    "the UDP checksum no longer adds up: check it, over the pseudo-header, header and payload"
                };
                check_parse_err(
                    &bad,
                    &format!("the read request with bit {bit} of byte {byte} ({field}) flipped"),
                    why,
                );
            }
        }
    });
}

#[test]
fn parse_refuses_malformed_packets() {
    timed::within(LIMIT, "parse on malformed packets", || {
        let (packet, _) = read_request();
        check_parse_err(&[], "nothing", "an empty packet");
        for len in 1..packet.len() {
            check_parse_err(
                &packet[..len],
                &format!("the read request cut to {len} bytes"),
                "shorter than its total length",
            );
        }
        let changed = |change: &dyn Fn(&mut Vec<u8>)| {
            let mut bad = packet.clone();
            change(&mut bad);
            fix_ipv4_checksum(&mut bad);
            bad
        };
        check_parse_err(
            &changed(&|p| p[0] = 0x65),
            "version 6 (its header checksum right)",
            "the version is not 4",
        );
        check_parse_err(
            &changed(&|p| p[0] = 0x44),
            "IHL 4 (its header checksum right)",
            "an IHL under 5 words cannot hold the header",
        );
        check_parse_err(
            &changed(&|p| p[9] = 6),
            "protocol 6, TCP (its header checksum right)",
            "the protocol is not 17, UDP",
        );
        check_parse_err(
            &changed(&|p| p[2..4].copy_from_slice(&[0, 60])),
            "total length 60 in a 45-byte packet (its header checksum right)",
            "the total length runs past the end",
        );
        check_parse_err(
            &changed(&|p| p[2..4].copy_from_slice(&[0, 24])),
            "total length 24, less than header and UDP header (its header checksum right)",
            "there is no room for a UDP header",
        );
        // No UDP checksum (0), so that only the length is wrong.
        let mut long = packet.clone();
        long[24..26].copy_from_slice(&[0, 30]);
        long[26..28].copy_from_slice(&[0, 0]);
        check_parse_err(
            &long,
            "UDP length 30 in a 25-byte datagram (no UDP checksum)",
            "the UDP length differs from what the IPv4 header says is left",
        );
    });
}
