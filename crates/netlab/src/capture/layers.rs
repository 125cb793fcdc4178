//! One packet, layer by layer — seed §1.1: on the way out each layer puts its header in front of what it was
//! handed, on the way in each layer checks its header and takes it off. [`describe_layers`] does the taking off on
//! paper: the link layer, then the IP header field by field, then the UDP header, then the application's data,
//! each field with its bytes and their offsets in the packet.

use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{IPV4_HEADER_LEN, IPV6_HEADER_LEN, PROTOCOL_UDP, UDP_HEADER_LEN, internet_checksum, pseudo_header};
use crate::hexdump;

/// An Ethernet header: destination MAC (6 bytes), source MAC (6), type (2).
const ETHERNET_HEADER_LEN: usize = 14;
/// Ethernet's type for IPv4 and for IPv6: what the link layer says about the packet it carries.
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;

/// The packet `packet` (an IPv4 or IPv6 packet carrying UDP, as a `--pcap` capture holds it) described layer by
/// layer, outermost first. Every field is shown with its offset and its bytes; both checksums are verified. A
/// packet that is cut short or is not UDP is described as far as it goes, and the text says where it stops.
pub fn describe_layers(packet: &[u8]) -> String {
    let mut out = String::new();
    let version = packet.first().map(|b| b >> 4);
    let (ethertype, family) = if version == Some(6) {
        (ETHERTYPE_IPV6, "IPv6")
    } else {
        (ETHERTYPE_IPV4, "IPv4")
    };
    let _ = writeln!(
        out,
        "link layer: none here, as loopback never leaves the host; on a real network the kernel\n  \
         adds {ETHERNET_HEADER_LEN} bytes of Ethernet header: destination MAC, source MAC, type {ethertype:#06x} ({family})."
    );
    let udp_start = match version {
        Some(4) => ipv4(&mut out, packet),
        Some(6) => ipv6(&mut out, packet),
        Some(other) => {
            let _ = writeln!(
                out,
                "network layer: version {other} is neither IPv4 nor IPv6: not described"
            );
            None
        }
        None => {
            let _ = writeln!(out, "network layer: the packet is empty");
            None
        }
    };
    if let Some((start, src, dst)) = udp_start {
        udp(&mut out, packet, start, src, dst);
    }
    out
}

/// One field: its offsets in the packet, its bytes in hex, and what they mean.
fn field(out: &mut String, packet: &[u8], at: usize, len: usize, meaning: &str) {
    let bytes = &packet[at..at + len];
    let offsets = if len == 1 {
        format!("{at}")
    } else {
        format!("{at}-{}", at + len - 1)
    };
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let _ = writeln!(out, "  {offsets:<7} {:<12} {meaning}", hex.join(" "));
}

fn be16(packet: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([packet[at], packet[at + 1]])
}

/// "ok", or what the checksum should have been: `sum_with_field` is the sum over everything the checksum covers,
/// the field included, which is 0 when it is right; `sum_without` is the sum with the field zeroed.
fn verdict(sum_with_field: u16, sum_without: u16) -> String {
    if sum_with_field == 0 {
        "ok".into()
    } else {
        format!("WRONG, should be {sum_without:#06x}")
    }
}

/// The IPv4 header, field by field. Returns where the UDP header starts and the addresses its checksum covers,
/// or None when the packet stops being something to describe.
fn ipv4(out: &mut String, packet: &[u8]) -> Option<(usize, IpAddr, IpAddr)> {
    let Some(header) = packet.get(..IPV4_HEADER_LEN) else {
        let _ = writeln!(
            out,
            "network layer: {} bytes, shorter than an IPv4 header ({IPV4_HEADER_LEN})",
            packet.len()
        );
        return None;
    };
    let ihl = usize::from(header[0] & 0x0f) * 4;
    let _ = writeln!(
        out,
        "network layer: IPv4 header, bytes 0-{} (RFC 791)",
        ihl.max(IPV4_HEADER_LEN) - 1
    );
    field(
        out,
        packet,
        0,
        1,
        &format!(
            "version {}, header length {} x 4 = {ihl} bytes",
            header[0] >> 4,
            header[0] & 0x0f
        ),
    );
    field(out, packet, 1, 1, &format!("type of service {}", header[1]));
    let total = be16(header, 2);
    let agrees = if usize::from(total) == packet.len() {
        "the whole packet"
    } else {
        "DIFFERS from the packet's"
    };
    field(out, packet, 2, 2, &format!("total length {total}: {agrees}"));
    field(out, packet, 4, 2, &format!("identification {}", be16(header, 4)));
    let flags = be16(header, 6);
    let df = if flags & 0x4000 != 0 {
        "don't fragment"
    } else {
        "may fragment"
    };
    field(
        out,
        packet,
        6,
        2,
        &format!("flags: {df}; fragment offset {}", flags & 0x1fff),
    );
    field(
        out,
        packet,
        8,
        1,
        &format!("TTL {}: routers it may still cross", header[8]),
    );
    let protocol = if header[9] == PROTOCOL_UDP {
        "UDP: a UDP header follows"
    } else {
        "not UDP"
    };
    field(out, packet, 9, 1, &format!("protocol {}: {protocol}", header[9]));
    let mut zeroed = header.to_vec();
    zeroed[10..12].fill(0);
    let checked = verdict(internet_checksum(&[header]), internet_checksum(&[&zeroed]));
    field(
        out,
        packet,
        10,
        2,
        &format!("header checksum {:#06x}: {checked}", be16(header, 10)),
    );
    let src = Ipv4Addr::new(header[12], header[13], header[14], header[15]);
    let dst = Ipv4Addr::new(header[16], header[17], header[18], header[19]);
    field(out, packet, 12, 4, &format!("source {src}"));
    field(out, packet, 16, 4, &format!("destination {dst}"));
    if ihl != IPV4_HEADER_LEN {
        let _ = writeln!(
            out,
            "  the header length is not {IPV4_HEADER_LEN}: options are not described"
        );
        return None;
    }
    if header[9] != PROTOCOL_UDP {
        return None;
    }
    Some((IPV4_HEADER_LEN, src.into(), dst.into()))
}

/// The IPv6 header, field by field; returns as [`ipv4`] does.
fn ipv6(out: &mut String, packet: &[u8]) -> Option<(usize, IpAddr, IpAddr)> {
    let Some(header) = packet.get(..IPV6_HEADER_LEN) else {
        let _ = writeln!(
            out,
            "network layer: {} bytes, shorter than an IPv6 header ({IPV6_HEADER_LEN})",
            packet.len()
        );
        return None;
    };
    let _ = writeln!(
        out,
        "network layer: IPv6 header, bytes 0-{} (RFC 8200)",
        IPV6_HEADER_LEN - 1
    );
    let first = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
    let flow = format!(
        "version {}, traffic class {}, flow label {}",
        first >> 28,
        (first >> 20) & 0xff,
        first & 0xfffff
    );
    field(out, packet, 0, 4, &flow);
    let length = be16(header, 4);
    let agrees = if usize::from(length) + IPV6_HEADER_LEN == packet.len() {
        "all after this header"
    } else {
        "DIFFERS from the packet's"
    };
    field(out, packet, 4, 2, &format!("payload length {length}: {agrees}"));
    let protocol = if header[6] == PROTOCOL_UDP {
        "UDP: a UDP header follows"
    } else {
        "not UDP"
    };
    field(out, packet, 6, 1, &format!("next header {}: {protocol}", header[6]));
    field(
        out,
        packet,
        7,
        1,
        &format!("hop limit {}: routers it may still cross", header[7]),
    );
    let address = |at: usize| {
        let mut octets = [0u8; 16];
        octets.copy_from_slice(&header[at..at + 16]);
        Ipv6Addr::from(octets)
    };
    let (src, dst) = (address(8), address(24));
    field(out, packet, 8, 16, &format!("source {src}"));
    field(out, packet, 24, 16, &format!("destination {dst}"));
    let _ = writeln!(
        out,
        "  (IPv6 has no header checksum: the UDP checksum, mandatory here, covers the addresses)"
    );
    if header[6] != PROTOCOL_UDP {
        return None;
    }
    Some((IPV6_HEADER_LEN, src.into(), dst.into()))
}

/// The UDP header at `start`, then the data it carries.
fn udp(out: &mut String, packet: &[u8], start: usize, src: IpAddr, dst: IpAddr) {
    let end = start + UDP_HEADER_LEN;
    if packet.len() < end {
        let _ = writeln!(
            out,
            "transport layer: {} bytes, shorter than a UDP header ({UDP_HEADER_LEN})",
            packet.len() - start
        );
        return;
    }
    let datagram = &packet[start..];
    let _ = writeln!(out, "transport layer: UDP header, bytes {start}-{} (RFC 768)", end - 1);
    field(out, packet, start, 2, &format!("source port {}", be16(packet, start)));
    field(
        out,
        packet,
        start + 2,
        2,
        &format!("destination port {}", be16(packet, start + 2)),
    );
    let length = be16(packet, start + 4);
    let agrees = if usize::from(length) == datagram.len() {
        format!(
            "{UDP_HEADER_LEN} of header + {} of data",
            datagram.len() - UDP_HEADER_LEN
        )
    } else {
        "DIFFERS from the packet's".into()
    };
    field(out, packet, start + 4, 2, &format!("length {length}: {agrees}"));
    let checksum = be16(packet, start + 6);
    let checked = if checksum == 0 && src.is_ipv4() {
        "none (0 means no checksum over IPv4)".to_string()
    } else {
        let pseudo = pseudo_header(src, dst, datagram.len() as u32);
        let mut zeroed = datagram.to_vec();
        zeroed[6..8].fill(0);
        let checked = verdict(
            internet_checksum(&[&pseudo, datagram]),
            internet_checksum(&[&pseudo, &zeroed]),
        );
        format!("{checked} (over addresses, protocol and length too)")
    };
    field(
        out,
        packet,
        start + 6,
        2,
        &format!("checksum {checksum:#06x}: {checked}"),
    );
    let data = &packet[end..];
    if data.is_empty() {
        let _ = writeln!(out, "application layer: no data (an empty datagram)");
    } else {
        let _ = writeln!(
            out,
            "application layer: {} bytes of data, bytes {end}-{} (the dump below counts from byte {end})",
            data.len(),
            packet.len() - 1
        );
        out.push_str(&hexdump(data));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A probe of echo-client as its capture holds it, written out byte by byte: IPv4 from 127.0.0.1 to
    /// 127.0.0.1, UDP from port 50000 to port 7, 4 bytes of data "ping". The checksums were worked out apart from this
    /// code (RFC 1071 sums, in a few lines of Python), and the first test checks that `ip_packet` writes the same.
    const PACKET: [u8; 32] = [
        0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x40, 0x00, 0x40, 0x11, 0x3c, 0xca, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00,
        0x00, 0x01, // IPv4
        0xc3, 0x50, 0x00, 0x07, 0x00, 0x0c, 0x5f, 0xab, // UDP
        b'p', b'i', b'n', b'g',
    ];

    #[test]
    fn the_literal_packet_is_what_ip_packet_writes() {
        let packet = crate::capture::ip_packet(
            "127.0.0.1:50000".parse().unwrap(),
            "127.0.0.1:7".parse().unwrap(),
            b"ping",
            1,
        );
        assert_eq!(packet, PACKET);
    }

    #[test]
    fn every_field_is_shown_with_its_offsets_bytes_and_meaning() {
        let text = describe_layers(&PACKET);
        for line in [
            "network layer: IPv4 header, bytes 0-19 (RFC 791)",
            "  0       45           version 4, header length 5 x 4 = 20 bytes",
            "  2-3     00 20        total length 32: the whole packet",
            "  6-7     40 00        flags: don't fragment; fragment offset 0",
            "  8       40           TTL 64: routers it may still cross",
            "  9       11           protocol 17: UDP: a UDP header follows",
            "  10-11   3c ca        header checksum 0x3cca: ok",
            "  12-15   7f 00 00 01  source 127.0.0.1",
            "  16-19   7f 00 00 01  destination 127.0.0.1",
            "transport layer: UDP header, bytes 20-27 (RFC 768)",
            "  20-21   c3 50        source port 50000",
            "  22-23   00 07        destination port 7",
            "  24-25   00 0c        length 12: 8 of header + 4 of data",
            "  26-27   5f ab        checksum 0x5fab: ok (over addresses, protocol and length too)",
            "application layer: 4 bytes of data, bytes 28-31 (the dump below counts from byte 28)",
        ] {
            assert!(text.lines().any(|l| l == line), "no line {line:?} in:\n{text}");
        }
        assert!(text.starts_with("link layer: none"), "{text}");
        assert!(
            text.contains("Ethernet header: destination MAC, source MAC, type 0x0800 (IPv4)"),
            "{text}"
        );
        assert!(text.ends_with(&hexdump(b"ping")), "{text}");
    }

    #[test]
    fn a_wrong_checksum_says_what_it_should_be() {
        let mut bad = PACKET;
        bad[8] = 63; // one router later the TTL is one less, and the header checksum must change with it
        let text = describe_layers(&bad);
        assert!(
            text.contains("header checksum 0x3cca: WRONG, should be 0x3dca"),
            "{text}"
        );
        let mut bad = PACKET;
        bad[31] = b'h'; // the data changed: the UDP checksum no longer matches
        let text = describe_layers(&bad);
        assert!(text.contains("checksum 0x5fab: WRONG, should be 0x5faa"), "{text}");
        assert!(
            text.contains("header checksum 0x3cca: ok"),
            "the IP checksum covers only the IP header: {text}"
        );
    }

    #[test]
    fn ipv6_has_its_own_fields_and_no_header_checksum() {
        let packet = crate::capture::ip_packet("[::1]:5000".parse().unwrap(), "[::1]:69".parse().unwrap(), b"", 1);
        let text = describe_layers(&packet);
        for line in [
            "network layer: IPv6 header, bytes 0-39 (RFC 8200)",
            "  0-3     60 00 00 00  version 6, traffic class 0, flow label 0",
            "  4-5     00 08        payload length 8: all after this header",
            "  6       11           next header 17: UDP: a UDP header follows",
            "transport layer: UDP header, bytes 40-47 (RFC 768)",
            "  44-45   00 08        length 8: 8 of header + 0 of data",
            "application layer: no data (an empty datagram)",
        ] {
            assert!(text.lines().any(|l| l == line), "no line {line:?} in:\n{text}");
        }
        assert!(text.contains("source ::1"), "{text}");
        assert!(text.contains("type 0x86dd (IPv6)"), "{text}");
        assert!(
            text.contains("checksum") && text.contains(": ok (over addresses"),
            "{text}"
        );
    }

    #[test]
    fn a_short_or_foreign_packet_is_described_as_far_as_it_goes() {
        for cut in 0..PACKET.len() {
            let text = describe_layers(&PACKET[..cut]); // must not panic
            assert!(text.starts_with("link layer:"), "{cut}: {text}");
        }
        assert!(describe_layers(&PACKET[..10]).contains("10 bytes, shorter than an IPv4 header (20)"));
        assert!(describe_layers(&PACKET[..24]).contains("4 bytes, shorter than a UDP header (8)"));
        assert!(describe_layers(&[]).contains("the packet is empty"));
        assert!(describe_layers(&[0x50; 30]).contains("version 5 is neither IPv4 nor IPv6"));
        let mut tcp = PACKET;
        tcp[9] = 6;
        let text = describe_layers(&tcp);
        assert!(text.contains("protocol 6: not UDP"), "{text}");
        assert!(!text.contains("transport layer"), "{text}");
    }
}
