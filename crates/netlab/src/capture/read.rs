//! Reading a capture back: the headers [`super`] writes, decoded and checked — version, lengths, protocol and
//! both checksums — so that tests can see what a program's `--pcap` file holds without Wireshark.

use std::fs::File;
use std::io::{self, BufReader};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use pcap_file::pcapng::PcapNgReader;
use pcap_file::pcapng::blocks::Block;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketOption;

use super::{IPV4_HEADER_LEN, IPV6_HEADER_LEN, PROTOCOL_UDP, UDP_HEADER_LEN, internet_checksum, pseudo_header};

/// One datagram of a capture, its headers decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// When it was recorded.
    pub time: SystemTime,
    /// Source address and port, from the IP and UDP headers.
    pub src: SocketAddr,
    /// Destination address and port.
    pub dst: SocketAddr,
    /// What the UDP datagram carried.
    pub payload: Vec<u8>,
    /// The whole IP packet as the file holds it: IP header, UDP header, payload (what
    /// [`describe_layers`](super::describe_layers) takes apart).
    pub packet: Vec<u8>,
    /// The packet's comment, if it has one.
    pub comment: Option<String>,
}

fn invalid(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why)
}

/// Reads every datagram of a pcapng file written by [`Capture`](super::Capture), checking each header.
pub fn read(path: &Path) -> io::Result<Vec<Record>> {
    let mut reader = PcapNgReader::new(BufReader::new(File::open(path)?)).map_err(|e| invalid(e.to_string()))?;
    let mut records = Vec::new();
    while let Some(block) = reader.next_block() {
        let Block::EnhancedPacket(packet) = block.map_err(|e| invalid(e.to_string()))? else {
            continue; // the interface description, or anything else that is not a packet
        };
        let number = records.len() + 1;
        let (src, dst, payload) =
            decode_ip_packet(&packet.data).map_err(|why| invalid(format!("packet {number}: {why}")))?;
        let comment = packet.options.iter().find_map(|option| match option {
            EnhancedPacketOption::Comment(text) => Some(text.to_string()),
            _ => None,
        });
        records.push(Record {
            time: UNIX_EPOCH + packet.timestamp,
            src,
            dst,
            payload: payload.to_vec(),
            packet: packet.data.to_vec(),
            comment,
        });
    }
    Ok(records)
}

/// Decodes an IPv4 or IPv6 packet that carries UDP: the source, the destination and the payload. Every length
/// must agree with the packet's, and both checksums must verify — what Wireshark checks when told to.
pub fn decode_ip_packet(packet: &[u8]) -> Result<(SocketAddr, SocketAddr, &[u8]), String> {
    let version = packet.first().map(|b| b >> 4);
    let (src, dst, udp) = match version {
        Some(4) => {
            let header = packet.get(..IPV4_HEADER_LEN).ok_or("shorter than an IPv4 header")?;
            if header[0] != 0x45 {
                return Err(format!("IPv4 header with options (first byte {:#04x})", header[0]));
            }
            if usize::from(u16::from_be_bytes([header[2], header[3]])) != packet.len() {
                return Err("IPv4 total length differs from the packet's".into());
            }
            if internet_checksum(&[header]) != 0 {
                return Err("IPv4 header checksum is wrong".into());
            }
            if header[9] != PROTOCOL_UDP {
                return Err(format!("protocol {} is not UDP", header[9]));
            }
            let src = Ipv4Addr::new(header[12], header[13], header[14], header[15]);
            let dst = Ipv4Addr::new(header[16], header[17], header[18], header[19]);
            (IpAddr::V4(src), IpAddr::V4(dst), &packet[IPV4_HEADER_LEN..])
        }
        Some(6) => {
            let header = packet.get(..IPV6_HEADER_LEN).ok_or("shorter than an IPv6 header")?;
            if usize::from(u16::from_be_bytes([header[4], header[5]])) != packet.len() - IPV6_HEADER_LEN {
                return Err("IPv6 payload length differs from the packet's".into());
            }
            if header[6] != PROTOCOL_UDP {
                return Err(format!("next header {} is not UDP", header[6]));
            }
            let address = |at: usize| {
                let mut octets = [0u8; 16];
                octets.copy_from_slice(&header[at..at + 16]);
                IpAddr::V6(Ipv6Addr::from(octets))
            };
            (address(8), address(24), &packet[IPV6_HEADER_LEN..])
        }
        _ => return Err(format!("IP version {version:?} is neither 4 nor 6")),
    };
    let header = udp.get(..UDP_HEADER_LEN).ok_or("shorter than a UDP header")?;
    if usize::from(u16::from_be_bytes([header[4], header[5]])) != udp.len() {
        return Err("UDP length differs from the packet's".into());
    }
    let pseudo = pseudo_header(src, dst, udp.len() as u32);
    if internet_checksum(&[&pseudo, udp]) != 0 {
        return Err("UDP checksum is wrong".into());
    }
    let port = |at: usize| u16::from_be_bytes([header[at], header[at + 1]]);
    Ok((
        SocketAddr::new(src, port(0)),
        SocketAddr::new(dst, port(2)),
        &udp[UDP_HEADER_LEN..],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Capture, ip_packet};

    #[test]
    fn what_is_written_reads_back() {
        for (src, dst) in [("127.0.0.1:5000", "127.0.0.2:69"), ("[::1]:5000", "[::1]:69")] {
            let (src, dst): (SocketAddr, SocketAddr) = (src.parse().unwrap(), dst.parse().unwrap());
            for payload in [&b""[..], b"odd", b"\x00\x03\x00\x01data"] {
                let packet = ip_packet(src, dst, payload, 9);
                assert_eq!(decode_ip_packet(&packet), Ok((src, dst, payload)));
            }
        }
    }

    #[test]
    fn a_flipped_bit_anywhere_is_caught() {
        let packet = ip_packet(
            "127.0.0.1:5000".parse().unwrap(),
            "127.0.0.1:69".parse().unwrap(),
            b"abc",
            1,
        );
        for byte in 0..packet.len() {
            let mut bad = packet.clone();
            bad[byte] ^= 0x04;
            assert!(decode_ip_packet(&bad).is_err(), "byte {byte}");
        }
        assert!(decode_ip_packet(&packet[..27]).is_err(), "cut short");
        assert!(decode_ip_packet(&[]).is_err());
    }

    #[test]
    fn a_file_reads_back_with_comments_and_times() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.pcapng");
        let capture = Capture::create(&path).unwrap();
        let (a, b): (SocketAddr, SocketAddr) = ("[::1]:1".parse().unwrap(), "[::1]:2".parse().unwrap());
        capture.record(a, b, b"one", None).unwrap();
        capture.record(b, a, b"two", Some("dropped (loss)")).unwrap();
        capture.finish().unwrap();
        let records = read(&path).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(
            (records[0].src, records[0].dst, &records[0].payload[..]),
            (a, b, &b"one"[..])
        );
        // The whole packet is kept too, for describe_layers: it decodes to the same addresses and payload.
        assert_eq!(decode_ip_packet(&records[1].packet), Ok((b, a, &b"two"[..])));
        assert_eq!(records[0].comment, None);
        assert_eq!(records[1].comment.as_deref(), Some("dropped (loss)"));
        let age = SystemTime::now().duration_since(records[1].time).unwrap();
        assert!(
            age.as_secs() < 60,
            "a real timestamp, to the nanosecond: {:?}",
            records[1].time
        );
    }
}
