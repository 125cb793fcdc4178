//! Captures — seed §1.1 (each layer adds its header on the way out) and §3.1 (what a UDP datagram carries).
//!
//! A program sees only the payload of the datagrams it sends and receives: the kernel adds and removes the UDP and
//! IP headers. To let Wireshark show a program's traffic as it would a real capture — without root and without a
//! capture tool — [`Capture`] writes each payload wrapped in the headers the kernel would have put around it, into
//! a pcapng file. The headers are built here by hand, because they are the lesson:
//!
//! ```text
//! IPv4 header (RFC 791), 20 bytes                      UDP header (RFC 768), 8 bytes
//!  0      4      8             16      19         31    0               16              31
//! +------+------+--------------+----------------------+ +---------------+---------------+
//! |ver 4 |IHL 5 | TOS 0        | total length         | | source port   | dest port     |
//! +------+------+--------------+------+---------------+ +---------------+---------------+
//! | identification             |flags | frag offset   | | length        | checksum      |
//! +-------------+--------------+------+---------------+ +---------------+---------------+
//! | TTL         | protocol 17  | header checksum      |  then the payload
//! +-------------+--------------+----------------------+
//! | source address                                    |
//! | destination address                               |
//! +---------------------------------------------------+
//! ```
//!
//! IPv6 (RFC 8200) has a fixed 40-byte header and no header checksum; its UDP checksum is mandatory. Both UDP
//! checksums cover a "pseudo-header" of the addresses, the protocol and the length, so a datagram delivered to the
//! wrong address fails its checksum. The file format itself (pcapng blocks) is not the lesson and comes from the
//! `pcap-file` crate.
//!
//! A program wires `--pcap FILE` in a few lines: [`open`] makes the capture (or none without the flag), a
//! [`CapturedSocket`] wraps each socket and records what its `send_to`/`recv_from` move, and [`Capture::finish`]
//! says at the end whether every record reached the disk. [`read`] reads a capture back, checking each header —
//! the same layout, decoded; [`describe_layers`] prints one packet of it header by header, field by field.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use pcap_file::DataLink;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::interface_description::{InterfaceDescriptionBlock, InterfaceDescriptionOption};

mod layers;
mod read;
mod socket;

pub use layers::describe_layers;
pub use read::{Record, decode_ip_packet, read};
pub use socket::CapturedSocket;

/// IP's number for UDP, in the IPv4 protocol field and the IPv6 next-header field.
pub const PROTOCOL_UDP: u8 = 17;
/// The TTL (IPv4) and hop limit (IPv6) of a unicast or broadcast datagram, unless its socket sets another: Linux's
/// default.
pub const DEFAULT_TTL: u8 = 64;
/// The TTL and hop limit of a multicast datagram, unless its socket sets another (`IP_MULTICAST_TTL`,
/// `IPV6_MULTICAST_HOPS`): 1, so that no router passes it on.
pub const DEFAULT_MULTICAST_TTL: u8 = 1;

/// The TTL (or hop limit) a datagram to `dst` leaves with from a socket that sets none — what a captured header
/// shows when the sender's is not known, as for a datagram received (the socket is not told it).
pub fn default_ttl(dst: IpAddr) -> u8 {
    let multicast = match dst {
        IpAddr::V4(v4) => v4.is_multicast(),
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(v6.is_multicast(), |v4| v4.is_multicast()),
    };
    if multicast { DEFAULT_MULTICAST_TTL } else { DEFAULT_TTL }
}
/// The IPv4 header without options: 5 words of 32 bits.
pub const IPV4_HEADER_LEN: usize = 20;
/// The fixed IPv6 header (extension headers, which we never write, would follow it).
pub const IPV6_HEADER_LEN: usize = 40;
/// Source port, destination port, length, checksum: 16 bits each.
pub const UDP_HEADER_LEN: usize = 8;

/// The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit big-endian words,
/// over several pieces as if they were one (an odd last byte is padded with a zero).
pub fn internet_checksum(pieces: &[&[u8]]) -> u16 {
    let mut sum: u64 = 0;
    let mut odd: Option<u8> = None;
    for piece in pieces {
        for &byte in *piece {
            match odd.take() {
                Some(high) => sum += u64::from(u16::from_be_bytes([high, byte])),
                None => odd = Some(byte),
            }
        }
    }
    if let Some(high) = odd {
        sum += u64::from(u16::from_be_bytes([high, 0]));
    }
    // Fold the carries back in until the sum fits 16 bits.
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The 8-byte UDP header for `payload` from `src` to `dst` (both IPv4 or both IPv6), checksum included. A
/// computed checksum of 0 is sent as 0xffff: over IPv4, 0 means "no checksum" (RFC 768).
pub fn udp_header(src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> [u8; UDP_HEADER_LEN] {
    let length = (UDP_HEADER_LEN + payload.len()) as u16;
    let mut header = [0u8; UDP_HEADER_LEN];
    header[0..2].copy_from_slice(&src.port().to_be_bytes());
    header[2..4].copy_from_slice(&dst.port().to_be_bytes());
    header[4..6].copy_from_slice(&length.to_be_bytes());
    let pseudo = pseudo_header(src.ip(), dst.ip(), u32::from(length));
    let checksum = match internet_checksum(&[&pseudo, &header, payload]) {
        0 => 0xffff,
        sum => sum,
    };
    header[6..8].copy_from_slice(&checksum.to_be_bytes());
    header
}

/// What the UDP checksum covers besides the datagram: addresses, protocol and length (RFC 768; RFC 8200 §8.1).
fn pseudo_header(src: IpAddr, dst: IpAddr, udp_length: u32) -> Vec<u8> {
    let mut pseudo = Vec::with_capacity(40);
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            pseudo.extend_from_slice(&s.octets());
            pseudo.extend_from_slice(&d.octets());
            pseudo.extend_from_slice(&[0, PROTOCOL_UDP]);
            pseudo.extend_from_slice(&(udp_length as u16).to_be_bytes());
        }
        _ => {
            pseudo.extend_from_slice(&as_v6(src).octets());
            pseudo.extend_from_slice(&as_v6(dst).octets());
            pseudo.extend_from_slice(&udp_length.to_be_bytes());
            pseudo.extend_from_slice(&[0, 0, 0, PROTOCOL_UDP]);
        }
    }
    pseudo
}

/// The 20-byte IPv4 header (no options) of a packet carrying `payload_len` bytes of UDP, checksum included.
pub fn ipv4_header(src: Ipv4Addr, dst: Ipv4Addr, payload_len: usize, id: u16, ttl: u8) -> [u8; IPV4_HEADER_LEN] {
    let total = (IPV4_HEADER_LEN + payload_len) as u16;
    let mut header = [0u8; IPV4_HEADER_LEN];
    header[0] = 0x45; // version 4, header length 5 words of 32 bits
    header[2..4].copy_from_slice(&total.to_be_bytes());
    header[4..6].copy_from_slice(&id.to_be_bytes());
    header[6] = 0x40; // flags: don't fragment, as Linux sets on UDP it sends
    header[8] = ttl;
    header[9] = PROTOCOL_UDP;
    header[12..16].copy_from_slice(&src.octets());
    header[16..20].copy_from_slice(&dst.octets());
    let checksum = internet_checksum(&[&header]);
    header[10..12].copy_from_slice(&checksum.to_be_bytes());
    header
}

/// The 40-byte IPv6 header of a packet carrying `payload_len` bytes of UDP.
pub fn ipv6_header(src: Ipv6Addr, dst: Ipv6Addr, payload_len: usize, hop_limit: u8) -> [u8; IPV6_HEADER_LEN] {
    let mut header = [0u8; IPV6_HEADER_LEN];
    header[0] = 0x60; // version 6, traffic class and flow label 0
    header[4..6].copy_from_slice(&(payload_len as u16).to_be_bytes());
    header[6] = PROTOCOL_UDP; // next header
    header[7] = hop_limit;
    header[8..24].copy_from_slice(&src.octets());
    header[24..40].copy_from_slice(&dst.octets());
    header
}

/// The whole IP packet that carries `payload` from `src` to `dst`: IP header (TTL or hop limit [`DEFAULT_TTL`]),
/// UDP header, payload. Mixed families (a dual-stack socket's IPv4-mapped addresses) are written as IPv4 when both
/// sides are IPv4 at heart, else as IPv6.
pub fn ip_packet(src: SocketAddr, dst: SocketAddr, payload: &[u8], id: u16) -> Vec<u8> {
    ip_packet_with_ttl(src, dst, payload, id, DEFAULT_TTL)
}

/// [`ip_packet`] with a TTL (or hop limit) of `ttl`.
pub fn ip_packet_with_ttl(src: SocketAddr, dst: SocketAddr, payload: &[u8], id: u16, ttl: u8) -> Vec<u8> {
    let (src, dst) = (unmapped(src), unmapped(dst));
    let udp_len = UDP_HEADER_LEN + payload.len();
    let mut packet = Vec::with_capacity(IPV6_HEADER_LEN + udp_len);
    match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => packet.extend_from_slice(&ipv4_header(s, d, udp_len, id, ttl)),
        (s, d) => packet.extend_from_slice(&ipv6_header(as_v6(s), as_v6(d), udp_len, ttl)),
    }
    let (src, dst) = match (src.ip(), dst.ip()) {
        (IpAddr::V4(_), IpAddr::V4(_)) => (src, dst),
        (s, d) => (
            SocketAddr::new(IpAddr::V6(as_v6(s)), src.port()),
            SocketAddr::new(IpAddr::V6(as_v6(d)), dst.port()),
        ),
    };
    packet.extend_from_slice(&udp_header(src, dst, payload));
    packet.extend_from_slice(payload);
    packet
}

fn unmapped(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), addr.port()),
            None => addr,
        },
        IpAddr::V4(_) => addr,
    }
}

fn as_v6(ip: IpAddr) -> Ipv6Addr {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

/// A pcapng file of datagrams: one interface of raw IP packets (link type RAW), timestamps in nanoseconds, an
/// optional comment per packet. Shared between threads; each record is written whole and flushed.
#[derive(Debug)]
pub struct Capture {
    path: PathBuf,
    file: Mutex<Writer>,
}

struct Writer {
    pcap: PcapNgWriter<BufWriter<Box<dyn Write + Send>>>,
    /// The IPv4 identification field: counts packets, as a kernel would.
    next_id: u16,
    /// The first write that failed (a full disk): a program goes on with its real work, and
    /// [`Capture::finish`] reports the capture as incomplete at the end.
    failed: Option<String>,
}

impl Writer {
    fn write(
        &mut self,
        src: SocketAddr,
        dst: SocketAddr,
        payload: &[u8],
        ttl: u8,
        comment: Option<&str>,
    ) -> io::Result<()> {
        // Read the clock under the lock, so that packets from several threads are written in time order.
        let timestamp = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        self.next_id = self.next_id.wrapping_add(1);
        let packet = ip_packet_with_ttl(src, dst, payload, self.next_id, ttl);
        let block = EnhancedPacketBlock {
            interface_id: 0,
            timestamp,
            original_len: packet.len() as u32,
            data: Cow::Owned(packet),
            options: comment
                .map(|c| vec![EnhancedPacketOption::Comment(Cow::Owned(c.to_string()))])
                .unwrap_or_default(),
        };
        let written = match self.pcap.write_pcapng_block(block) {
            Ok(_) => self.pcap.get_mut().flush(),
            Err(e) => Err(io::Error::other(e)),
        };
        if let Err(e) = &written {
            self.failed.get_or_insert_with(|| e.to_string());
        }
        written
    }
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("next_id", &self.next_id)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

/// Nanosecond timestamps (if_tsresol = 9), since pcap-file writes nanoseconds.
const NANOSECONDS: u8 = 9;

impl Capture {
    /// Creates (or truncates) `path` and writes the file's header.
    pub fn create(path: &Path) -> io::Result<Capture> {
        Capture::onto(path, Box::new(File::create(path)?))
    }

    /// A capture written to `out`, named `path` in messages.
    fn onto(path: &Path, out: Box<dyn Write + Send>) -> io::Result<Capture> {
        let file = BufWriter::new(out);
        let mut pcap = PcapNgWriter::new(file).map_err(io::Error::other)?;
        let interface = InterfaceDescriptionBlock {
            linktype: DataLink::RAW,
            snaplen: 0,
            options: vec![
                InterfaceDescriptionOption::IfName(Cow::Borrowed("socketlabs")),
                InterfaceDescriptionOption::IfTsResol(NANOSECONDS),
            ],
        };
        pcap.write_pcapng_block(interface).map_err(io::Error::other)?;
        pcap.get_mut().flush()?;
        Ok(Capture {
            path: path.to_path_buf(),
            file: Mutex::new(Writer {
                pcap,
                next_id: 0,
                failed: None,
            }),
        })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records one datagram from `src` to `dst`, with an optional comment (Wireshark shows it with the packet).
    /// Each record is flushed at once, so a program stopped by Ctrl-C or `kill` leaves a whole file behind.
    pub fn record(&self, src: SocketAddr, dst: SocketAddr, payload: &[u8], comment: Option<&str>) -> io::Result<()> {
        let mut writer = self.file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        writer.write(src, dst, payload, default_ttl(dst.ip()), comment)
    }

    /// Sends a datagram with `send` and, if it went, records it with the sending socket's `ttl` (`None`: the
    /// [`default_ttl`]) — holding the file meanwhile, so that an answer received on another thread is never written
    /// before the datagram that caused it. A record that fails is remembered for [`Capture::finish`]; only `send`'s
    /// own error is returned.
    pub fn send_recorded<T>(
        &self,
        (src, dst): (SocketAddr, SocketAddr),
        payload: &[u8],
        (ttl, comment): (Option<u8>, Option<&str>),
        send: impl FnOnce() -> io::Result<T>,
    ) -> io::Result<T> {
        let mut writer = self.file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let sent = send()?;
        let ttl = ttl.unwrap_or_else(|| default_ttl(dst.ip()));
        let _ = writer.write(src, dst, payload, ttl, comment);
        Ok(sent)
    }

    /// At the end of a program: whether every record reached the file. The error names the file and the first
    /// failure, in one line.
    pub fn finish(&self) -> io::Result<()> {
        let mut writer = self.file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let flushed = writer.pcap.get_mut().flush();
        let failed = writer.failed.clone().or(flushed.err().map(|e| e.to_string()));
        match failed {
            None => Ok(()),
            Some(why) => Err(io::Error::other(format!(
                "capture {} is incomplete: {why}",
                self.path.display()
            ))),
        }
    }

    /// Records a datagram `socket` sent to `to`.
    pub fn sent(&self, socket: &UdpSocket, to: SocketAddr, payload: &[u8]) -> io::Result<()> {
        self.record(local_address(socket, to), to, payload, None)
    }

    /// Records a datagram `socket` received from `from`.
    pub fn received(&self, socket: &UdpSocket, from: SocketAddr, payload: &[u8]) -> io::Result<()> {
        self.record(from, local_address(socket, from), payload, None)
    }
}

/// What a program does with `--pcap FILE`: without the flag, no capture; with it, the file, created at once so that
/// a wrong path is reported before any traffic, in one line that names it. Shared (`Arc`) by all the program's
/// sockets and threads.
pub fn open(pcap: Option<&Path>) -> io::Result<Option<Arc<Capture>>> {
    let Some(path) = pcap else { return Ok(None) };
    match Capture::create(path) {
        Ok(capture) => Ok(Some(Arc::new(capture))),
        Err(e) => Err(io::Error::new(
            e.kind(),
            format!("cannot create capture {}: {e}", path.display()),
        )),
    }
}

/// The address a socket uses toward `peer`. A socket bound to 0.0.0.0 or :: has no one address; the system's
/// choice of source address toward the peer is what its packets carry, and connecting a scratch socket shows it
/// (nothing is sent).
pub fn local_address(socket: &UdpSocket, peer: SocketAddr) -> SocketAddr {
    let Ok(local) = socket.local_addr() else { return peer };
    if !local.ip().is_unspecified() {
        return local;
    }
    let peer = unmapped(peer);
    // Toward an IPv4 group, the datagram leaves by the interface the socket names (IP_MULTICAST_IF), whatever the
    // routing table would choose for a unicast address.
    if let IpAddr::V4(group) = peer.ip()
        && group.is_multicast()
        && let Ok(interface) = socket2::SockRef::from(socket).multicast_if_v4()
        && !interface.is_unspecified()
    {
        return SocketAddr::new(IpAddr::V4(interface), local.port());
    }
    let any: SocketAddr = if peer.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let chosen = UdpSocket::bind(any).and_then(|scratch| {
        // Toward a broadcast address (a datagram of `broadcast send`) the system refuses to connect without it.
        scratch.set_broadcast(true)?;
        scratch.connect(peer)?;
        scratch.local_addr()
    });
    match chosen {
        Ok(addr) => SocketAddr::new(addr.ip(), local.port()),
        Err(_) => SocketAddr::new(
            if peer.is_ipv4() {
                Ipv4Addr::LOCALHOST.into()
            } else {
                Ipv6Addr::LOCALHOST.into()
            },
            local.port(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_1071_example_sums_to_ddf2() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 add up (with end-around carry) to ddf2; the checksum is its
        // complement.
        let bytes = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(internet_checksum(&[&bytes]), !0xddf2);
        // Split anywhere, even at an odd byte, the sum is the same.
        assert_eq!(internet_checksum(&[&bytes[..3], &bytes[3..]]), !0xddf2);
    }

    #[test]
    fn an_ipv4_header_checks_out_and_reads_back() {
        let header = ipv4_header(Ipv4Addr::new(127, 0, 0, 1), Ipv4Addr::new(127, 0, 0, 2), 8 + 5, 7, 64);
        assert_eq!(header[0], 0x45);
        assert_eq!(u16::from_be_bytes([header[2], header[3]]), 20 + 8 + 5);
        assert_eq!(header[9], 17);
        // A header with its checksum in place sums to zero.
        assert_eq!(internet_checksum(&[&header]), 0);
        assert_eq!(&header[12..20], &[127, 0, 0, 1, 127, 0, 0, 2]);
    }

    #[test]
    fn a_udp_checksum_verifies_with_the_pseudo_header() {
        let (src, dst): (SocketAddr, SocketAddr) =
            ("127.0.0.1:50000".parse().unwrap(), "127.0.0.1:69".parse().unwrap());
        let payload = b"\x00\x01test.txt\x00octet\x00";
        let header = udp_header(src, dst, payload);
        assert_eq!(&header[..6], &[0xc3, 0x50, 0x00, 0x45, 0x00, 8 + 17]);
        let pseudo = pseudo_header(src.ip(), dst.ip(), 8 + payload.len() as u32);
        assert_eq!(
            internet_checksum(&[&pseudo, &header, payload]),
            0,
            "a correct checksum sums to zero"
        );
        let v6: (SocketAddr, SocketAddr) = ("[::1]:50000".parse().unwrap(), "[::1]:69".parse().unwrap());
        let header = udp_header(v6.0, v6.1, payload);
        let pseudo = pseudo_header(v6.0.ip(), v6.1.ip(), 8 + payload.len() as u32);
        assert_eq!(internet_checksum(&[&pseudo, &header, payload]), 0);
    }

    #[test]
    fn a_multicast_datagram_leaves_from_the_interface_the_socket_names() {
        let socket = UdpSocket::bind("0.0.0.0:0").unwrap();
        socket2::SockRef::from(&socket)
            .set_multicast_if_v4(&Ipv4Addr::LOCALHOST)
            .unwrap();
        let group: SocketAddr = "239.255.70.77:8080".parse().unwrap();
        assert_eq!(local_address(&socket, group).ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    }

    #[test]
    fn a_group_gets_the_multicast_default_ttl_and_everything_else_the_unicast_one() {
        let ttl = |ip: &str| default_ttl(ip.parse().unwrap());
        assert_eq!(
            [ttl("239.255.70.77"), ttl("ff02::1"), ttl("::ffff:224.0.0.1")],
            [1, 1, 1]
        );
        assert_eq!([ttl("127.0.0.1"), ttl("127.255.255.255"), ttl("::1")], [64, 64, 64]);
    }

    #[test]
    fn mapped_addresses_are_written_as_ipv4() {
        let src: SocketAddr = "[::ffff:127.0.0.1]:5000".parse().unwrap();
        let dst: SocketAddr = "127.0.0.1:69".parse().unwrap();
        let packet = ip_packet(src, dst, b"hi", 1);
        assert_eq!((packet[0] >> 4, packet.len()), (4, 20 + 8 + 2));
        let v6 = ip_packet("[::1]:5000".parse().unwrap(), "[::1]:69".parse().unwrap(), b"hi", 1);
        assert_eq!((v6[0] >> 4, v6.len()), (6, 40 + 8 + 2));
    }

    #[test]
    fn a_capture_file_starts_with_a_section_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.pcapng");
        let capture = Capture::create(&path).unwrap();
        capture
            .record(
                "127.0.0.1:1".parse().unwrap(),
                "127.0.0.1:2".parse().unwrap(),
                b"abc",
                Some("dropped"),
            )
            .unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(
            &bytes[..4],
            &[0x0a, 0x0d, 0x0d, 0x0a],
            "pcapng's section header block type"
        );
        assert!(bytes.windows(7).any(|w| w == b"dropped"), "the comment is in the file");
    }

    /// A disk that fills up after `room` bytes.
    struct FillsUp {
        room: usize,
    }

    impl Write for FillsUp {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if buf.len() > self.room {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "no space left on device"));
            }
            self.room -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failed_record_is_reported_by_finish_and_names_the_file() {
        let (a, b): (SocketAddr, SocketAddr) = ("127.0.0.1:1".parse().unwrap(), "127.0.0.1:2".parse().unwrap());
        let roomy = Capture::onto(Path::new("ok.pcapng"), Box::new(FillsUp { room: 1 << 20 })).unwrap();
        roomy.record(a, b, b"fits", None).unwrap();
        roomy.finish().unwrap();
        let full = Capture::onto(Path::new("full.pcapng"), Box::new(FillsUp { room: 200 })).unwrap();
        full.record(a, b, b"fits", None).unwrap();
        assert!(full.record(a, b, &[0u8; 300], None).is_err());
        let _ = full.record(a, b, b"after", None);
        let why = full.finish().unwrap_err().to_string();
        assert_eq!(why, "capture full.pcapng is incomplete: no space left on device");
    }

    #[test]
    fn open_makes_no_capture_without_the_flag_and_names_a_bad_path() {
        assert!(open(None).unwrap().is_none());
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("no-such-folder").join("x.pcapng");
        let why = open(Some(&bad)).unwrap_err().to_string();
        assert!(
            why.starts_with(&format!("cannot create capture {}: ", bad.display())),
            "{why}"
        );
        let good = dir.path().join("x.pcapng");
        assert_eq!(open(Some(&good)).unwrap().unwrap().path(), good);
    }
}
