//! Lab 6 tests. Literal packets from RFC 1350's figures, both ways; block numbers across the whole 16-bit range;
//! 500 random packets (a fixed seed: the same ones every run) encoded and decoded in agreement with the tftp crate
//! (crates/tftp, whose packets `just interop` checks against tftpd-hpa, atftpd and curl); malformed datagrams,
//! including every cut-short prefix of valid packets, which must be an `Err` and never a panic; and `next_block`
//! at the 16-bit wrap.
#[path = "../../support/timed.rs"]
mod timed;

use lab06_tftp_packets::{Packet, decode, encode, next_block};

/// Seconds a test may take. The largest encodes and decodes ~2,000 small packets: well under a second even in a
/// debug build, so running out of time means a loop that never ends.
const LIMIT: u64 = 5;

/// Bytes as hex pairs, `00 01 74 65`, the way a packet trace shows them; a long packet by its start.
fn hex(bytes: &[u8]) -> String {
    const SHOWN: usize = 24;
    let pairs: Vec<String> = bytes.iter().take(SHOWN).map(|b| format!("{b:02x}")).collect();
    let more = if bytes.len() > SHOWN { " ..." } else { "" };
    format!("{}{more}", pairs.join(" "))
}

/// A packet as `{:?}` shows it, but a DATA packet's data by its length.
fn shown(packet: &Packet) -> String {
    match packet {
        Packet::Data { block, data } if data.len() > 8 => {
            format!("Data {{ block: {block}, data: <{} bytes> }}", data.len())
        }
        other => format!("{other:?}"),
    }
}

/// `encode(packet)` must be `want`, byte for byte.
fn check_encode(packet: &Packet, want: &[u8], hint: &str) {
    let got = encode(packet);
    assert!(
        got == want,
        "encode({}) should be the {} bytes [{}], got {} bytes [{}]: {hint}",
        shown(packet),
        want.len(),
        hex(want),
        got.len(),
        hex(&got)
    );
}

/// `decode(bytes)` must be `want`; a panic is reported as such.
fn check_decode(bytes: &[u8], want: Result<&Packet, &str>) {
    let got = match std::panic::catch_unwind(|| decode(bytes)) {
        Ok(got) => got,
        Err(_) => panic!(
            "decode([{}]) panicked (its message is above): a server reads whatever arrives, so check the length \
             before every read (bytes[i] past the end panics) and return an Err",
            hex(bytes)
        ),
    };
    match (want, got) {
        (Ok(want), Ok(got)) => assert!(
            got == *want,
            "decode([{}]) should be Ok({}), got Ok({}): numbers are big endian (the high byte first)",
            hex(bytes),
            shown(want),
            shown(&got)
        ),
        (Ok(want), Err(e)) => panic!("decode([{}]) should be Ok({}), got Err({e:?})", hex(bytes), shown(want)),
        (Err(why), Ok(got)) => panic!(
            "decode([{}]) should be an Err ({why}), got Ok({})",
            hex(bytes),
            shown(&got)
        ),
        (Err(_), Err(_)) => {}
    }
}

fn rrq(filename: &str, mode: &str) -> Packet {
    Packet::Rrq {
        filename: filename.into(),
        mode: mode.into(),
    }
}

#[test]
fn literal_bytes_both_ways() {
    timed::within(LIMIT, "encode and decode the RFC's packets", || {
        let cases: Vec<(Packet, &[u8], &str)> = vec![
            (
                rrq("test.txt", "octet"),
                b"\x00\x01test.txt\x00octet\x00",
                "RRQ: 00 01, the name, 00, the mode, 00",
            ),
            (
                Packet::Wrq {
                    filename: "a".into(),
                    mode: "netascii".into(),
                },
                b"\x00\x02a\x00netascii\x00",
                "WRQ: 00 02, the name, 00, the mode, 00",
            ),
            (
                Packet::Data {
                    block: 258,
                    data: vec![0xde, 0xad],
                },
                b"\x00\x03\x01\x02\xde\xad",
                "DATA: 00 03, the block number in two bytes (258 is 01 02), the data",
            ),
            (
                Packet::Data { block: 7, data: vec![] },
                b"\x00\x03\x00\x07",
                "DATA with no data (the last block of a file whose size is a multiple of 512)",
            ),
            (
                Packet::Ack { block: 65535 },
                b"\x00\x04\xff\xff",
                "ACK: 00 04, the block number in two bytes",
            ),
            (
                Packet::Error {
                    code: 1,
                    message: "File not found".into(),
                },
                b"\x00\x05\x00\x01File not found\x00",
                "ERROR: 00 05, the code in two bytes, the message, 00",
            ),
        ];
        for (packet, bytes, hint) in cases {
            check_encode(&packet, bytes, hint);
            check_decode(bytes, Ok(&packet));
        }
    });
}

#[test]
fn block_numbers_across_the_16_bit_range() {
    timed::within(LIMIT, "DATA and ACK for block numbers 0 to 65535", || {
        for block in [0u16, 1, 255, 256, 258, 0x7fff, 0x8000, 0xfffe, 0xffff] {
            let [hi, lo] = block.to_be_bytes();
            let hint = "the block number is two bytes, the high byte first";
            let ack = Packet::Ack { block };
            check_encode(&ack, &[0, 4, hi, lo], hint);
            check_decode(&[0, 4, hi, lo], Ok(&ack));
            let data = Packet::Data { block, data: vec![9] };
            check_encode(&data, &[0, 3, hi, lo, 9], hint);
            check_decode(&[0, 3, hi, lo, 9], Ok(&data));
        }
    });
}

#[test]
fn requests_with_non_ascii_names() {
    timed::within(LIMIT, "RRQ for 测试.txt", || {
        // "测试.txt" is 6 characters but 10 bytes: the seed's pack("!H%dsb5sb" % len(file), ...) cuts it short.
        let want = b"\x00\x01\xe6\xb5\x8b\xe8\xaf\x95.txt\x00octet\x00";
        check_encode(
            &rrq("测试.txt", "octet"),
            want,
            "the name travels as its UTF-8 bytes: \"测试.txt\" is 6 characters but 10 bytes (the seed's len(file) \
             counts characters)",
        );
        check_decode(want, Ok(&rrq("测试.txt", "octet")));
    });
}

#[test]
fn options_after_the_mode_are_ignored() {
    // RFC 2347 options (name 0 value 0 ...) may follow the mode; this lab's Packet has no place for them.
    timed::within(LIMIT, "decode an RRQ with options", || {
        check_decode(b"\x00\x01f\x00octet\x00blksize\x001428\x00", Ok(&rrq("f", "octet")));
    });
}

/// Random numbers from a fixed seed (xorshift64): the same on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn five_hundred_random_packets_agree_with_the_tftp_crate() {
    timed::within(LIMIT, "500 random packets against the tftp crate", || {
        let mut random = Random(42);
        for i in 0..500u32 {
            let x = random.next();
            let block = x as u16;
            let data: Vec<u8> = (0..(x >> 20) as usize % 513).map(|j| (j as u64 ^ x) as u8).collect();
            let want = tftp::Packet::Data { block, data: &data }.to_bytes();
            check_encode(
                &Packet::Data {
                    block,
                    data: data.clone(),
                },
                &want,
                "DATA: 00 03, the block number (two bytes, high byte first), the data",
            );
            check_decode(&want, Ok(&Packet::Data { block, data }));

            let want = tftp::Packet::Ack { block }.to_bytes();
            check_encode(
                &Packet::Ack { block },
                &want,
                "ACK: 00 04, the block number (two bytes, high byte first)",
            );

            let name = format!("file-{i}-测试.bin");
            let mode = if x & 1 == 0 { "octet" } else { "netascii" };
            let request = || tftp::Request {
                filename: name.clone(),
                mode: tftp::Mode::parse(mode).unwrap(),
                options: vec![],
            };
            for (ours, theirs) in [
                (rrq(&name, mode), tftp::Packet::Rrq(request())),
                (
                    Packet::Wrq {
                        filename: name.clone(),
                        mode: mode.into(),
                    },
                    tftp::Packet::Wrq(request()),
                ),
            ] {
                let want = theirs.to_bytes();
                check_encode(
                    &ours,
                    &want,
                    "a request: opcode, the name's UTF-8 bytes, 00, the mode, 00",
                );
                check_decode(&want, Ok(&ours));
            }

            let code = (x >> 8) as u16 % 8;
            let message = format!("错误 {i}");
            let want = tftp::Packet::Error {
                code: tftp::ErrorCode::from_u16(code),
                message: message.clone(),
            }
            .to_bytes();
            let ours = Packet::Error { code, message };
            check_encode(&ours, &want, "ERROR: 00 05, the code, the message's UTF-8 bytes, 00");
            check_decode(&want, Ok(&ours));
        }
    });
}

#[test]
fn malformed_input_is_an_err_not_a_panic() {
    timed::within(LIMIT, "decode malformed datagrams", || {
        for (bytes, why) in [
            (&b""[..], "empty"),
            (b"\x00", "one byte: no room for the opcode"),
            (b"\x00\x03\x00", "DATA needs 4 bytes: opcode and block number"),
            (b"\x00\x04\x01", "ACK needs 4 bytes: opcode and block number"),
            (b"\x00\x05\x00", "ERROR needs an error code"),
            (b"\x00\x09\x00\x01", "opcode 9 is not a TFTP opcode"),
            (b"\x00\x00\x00\x01", "opcode 0 is not a TFTP opcode"),
            (
                b"\x01\x03\x00\x01",
                "opcode 0x0103 (259) is not DATA: the high byte counts too",
            ),
            (b"\x00\x01no-zero-byte", "the file name has no zero byte"),
            (b"\x00\x01name\x00mode-without-zero", "the mode has no zero byte"),
            (b"\x00\x01\xff\xfe\x00octet\x00", "the file name is not UTF-8"),
            (
                b"\x00\x05\x00\x01message without end",
                "the error message has no zero byte",
            ),
            (b"\x00\x05\x00\x01\xff\x00", "the error message is not UTF-8"),
        ] {
            check_decode(bytes, Err(why));
        }
        // Every prefix of a request or an error that stops before its last zero byte.
        for whole in [
            &b"\x00\x01test.txt\x00octet\x00"[..],
            b"\x00\x05\x00\x01File not found\x00",
        ] {
            for end in 0..whole.len() {
                check_decode(&whole[..end], Err("cut short before its last zero byte"));
            }
        }
    });
}

#[test]
fn block_numbers_wrap_from_65535_to_0() {
    timed::within(LIMIT, "next_block", || {
        for (block, want) in [(0u16, 1u16), (1, 2), (255, 256), (65534, 65535), (65535, 0)] {
            let got = match std::panic::catch_unwind(|| next_block(block)) {
                Ok(got) => got,
                Err(_) => panic!(
                    "next_block({block}) panicked (its message is above): 65535 + 1 does not fit in a u16; block \
                     numbers wrap to 0 (wrapping_add)"
                ),
            };
            assert_eq!(
                got, want,
                "next_block({block}) should be {want}, got {got}: block numbers are 16 bits and wrap from 65535 to 0, \
                 so a file of more than 65,535 blocks goes on from block 0"
            );
        }
    });
}
