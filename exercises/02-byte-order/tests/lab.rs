//! Lab 2 tests. They check the seed's numbers, every u16, 100,000 random u32s (a fixed seed: the same ones every
//! run) and the edges, and read requests for ASCII and non-ASCII names in both modes, byte for byte, against
//! `u16::to_be_bytes`/`u32::from_be_bytes` and the tftp crate (crates/tftp), whose packets `just interop` checks
//! against tftpd-hpa, atftpd and curl.
#[path = "../../support/timed.rs"]
mod timed;

use lab02_byte_order::*;

/// Seconds a test may take. The largest makes 100,000 calls to plain arithmetic: well under a second even in a
/// debug build on a slow machine, so running out of time means a loop that never ends.
const LIMIT: u64 = 5;

/// Bytes as hex pairs, `00 01 74 65`, the way a packet trace shows them.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

#[test]
fn the_seed_numbers() {
    timed::within(LIMIT, "hton16(0x1122) and ntoh32([0x11, 0x22, 0x33, 0x44])", || {
        let got = hton16(0x1122);
        assert_eq!(
            got,
            [0x11, 0x22],
            "hton16(0x1122) should be [11 22] (network order: the high byte 0x11 first), got [{}]",
            hex(&got)
        );
        let got = ntoh32([0x11, 0x22, 0x33, 0x44]);
        assert_eq!(
            got, 0x1122_3344,
            "ntoh32([11 22 33 44]) should be 0x11223344 (the first byte is the highest), got {got:#010x}"
        );
    });
}

#[test]
fn every_u16() {
    timed::within(LIMIT, "hton16 for every u16", || {
        for v in 0..=u16::MAX {
            let (got, want) = (hton16(v), v.to_be_bytes());
            assert_eq!(
                got,
                want,
                "hton16({v:#06x}) should be [{}], got [{}]: the high byte (v >> 8) first, then the low byte (v & 0xff)",
                hex(&want),
                hex(&got)
            );
        }
    });
}

#[test]
fn the_edges_and_many_random_u32s() {
    timed::within(LIMIT, "ntoh32 for 100,000 u32s", || {
        let mut x: u32 = 0x1234_5678;
        let random = std::iter::from_fn(move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            Some(x)
        });
        let edges = [0, 1, 0xff, 0x100, 0x8000_0000, 0x0102_0304, u32::MAX];
        for v in edges.into_iter().chain(random.take(100_000)) {
            let bytes = v.to_be_bytes();
            let got = ntoh32(bytes);
            assert_eq!(
                got,
                v,
                "ntoh32([{}]) should be {v:#010x}, got {got:#010x}: the first byte goes to bits 24-31 (<< 24), the \
                 last stays in bits 0-7",
                hex(&bytes)
            );
        }
    });
}

/// Checks one read request against the tftp crate's bytes, with a hint for the usual mistakes.
fn check_rrq(name: &'static str, mode: &'static str) {
    let got = timed::within(LIMIT, "build_rrq", move || build_rrq(name, mode));
    let request = tftp::Request {
        filename: name.into(),
        mode: tftp::Mode::parse(mode).unwrap(),
        options: vec![],
    };
    let want = tftp::Packet::Rrq(request).to_bytes();
    let hint = if got.len() < want.len() && !name.is_ascii() {
        format!(
            " {name:?} is {} characters but {} bytes in UTF-8, and the packet carries those bytes (str::as_bytes); \
             the seed's len(file) counts characters",
            name.chars().count(),
            name.len()
        )
    } else {
        " opcode 1 as two bytes (00 01), the name's UTF-8 bytes, 00, the mode's bytes, 00".to_string()
    };
    assert_eq!(
        hex(&got),
        hex(&want),
        "build_rrq({name:?}, {mode:?}) should be the {} bytes [{}], got {} bytes [{}]:{hint}",
        want.len(),
        hex(&want),
        got.len(),
        hex(&got)
    );
}

#[test]
fn the_seed_read_request() {
    // pack("!H8sb5sb", 1, b"test.txt", 0, b"octet", 0)
    check_rrq("test.txt", "octet");
}

#[test]
fn read_requests_for_any_name_and_mode() {
    for name in [
        "a",
        "测试.txt",
        "dir/file with spaces.bin",
        "ÿ",
        "pxelinux.cfg/01-aa-bb-cc",
    ] {
        for mode in ["octet", "netascii"] {
            check_rrq(name, mode);
        }
    }
}
