//! Lab 2 tests: literal bytes, every u16, random u32s, and read requests checked against the tftp crate.
use lab02_byte_order::*;

#[test]
fn the_seed_numbers() {
    assert_eq!(hton16(0x1122), [0x11, 0x22]);
    assert_eq!(ntoh32([0x11, 0x22, 0x33, 0x44]), 0x1122_3344);
}

#[test]
fn every_u16_and_many_u32() {
    for v in 0..=u16::MAX {
        assert_eq!(hton16(v), v.to_be_bytes(), "{v:#06x}");
    }
    let mut x: u32 = 0x1234_5678;
    for _ in 0..100_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        assert_eq!(ntoh32(x.to_be_bytes()), x, "{x:#010x}");
    }
}

#[test]
fn the_seed_read_request() {
    assert_eq!(build_rrq("test.txt", "octet"), b"\x00\x01test.txt\x00octet\x00");
}

#[test]
fn read_requests_match_the_tftp_crate_for_any_name() {
    for name in [
        "a",
        "测试.txt",
        "dir/file with spaces.bin",
        "ÿ",
        "pxelinux.cfg/01-aa-bb-cc",
    ] {
        for mode in ["octet", "netascii"] {
            let request = tftp::Request {
                filename: name.into(),
                mode: tftp::Mode::parse(mode).unwrap(),
                options: vec![],
            };
            assert_eq!(
                build_rrq(name, mode),
                tftp::Packet::Rrq(request).to_bytes(),
                "{name:?} {mode}"
            );
        }
    }
}
