//! Lab 6 tests: literal bytes both ways, agreement with the tftp crate, and malformed input that must be an Err.
use lab06_tftp_packets::{Packet, decode, encode};

#[test]
fn literal_bytes_both_ways() {
    let cases: Vec<(Packet, &[u8])> = vec![
        (
            Packet::Rrq {
                filename: "test.txt".into(),
                mode: "octet".into(),
            },
            b"\x00\x01test.txt\x00octet\x00",
        ),
        (
            Packet::Wrq {
                filename: "a".into(),
                mode: "netascii".into(),
            },
            b"\x00\x02a\x00netascii\x00",
        ),
        (
            Packet::Data {
                block: 258,
                data: vec![0xde, 0xad],
            },
            b"\x00\x03\x01\x02\xde\xad",
        ),
        (Packet::Data { block: 7, data: vec![] }, b"\x00\x03\x00\x07"),
        (Packet::Ack { block: 65535 }, b"\x00\x04\xff\xff"),
        (
            Packet::Error {
                code: 1,
                message: "File not found".into(),
            },
            b"\x00\x05\x00\x01File not found\x00",
        ),
    ];
    for (packet, bytes) in cases {
        assert_eq!(encode(&packet), bytes, "{packet:?}");
        assert_eq!(decode(bytes), Ok(packet.clone()), "{bytes:?}");
    }
}

#[test]
fn agrees_with_the_tftp_crate() {
    let mut x: u64 = 42;
    for i in 0..500u32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let block = x as u16;
        let data: Vec<u8> = (0..(x >> 20) as usize % 600).map(|j| (j as u64 ^ x) as u8).collect();
        let ours = encode(&Packet::Data {
            block,
            data: data.clone(),
        });
        assert_eq!(ours, tftp::Packet::Data { block, data: &data }.to_bytes());
        let ours = encode(&Packet::Ack { block });
        assert_eq!(ours, tftp::Packet::Ack { block }.to_bytes());
        let name = format!("file-{i}-测试.bin");
        let request = tftp::Request {
            filename: name.clone(),
            mode: tftp::Mode::Octet,
            options: vec![],
        };
        assert_eq!(
            encode(&Packet::Rrq {
                filename: name,
                mode: "octet".into()
            }),
            tftp::Packet::Rrq(request).to_bytes()
        );
    }
}

#[test]
fn malformed_input_is_an_err_not_a_panic() {
    for bytes in [
        &b""[..],
        b"\x00",
        b"\x00\x03\x00",
        b"\x00\x04\x01",
        b"\x00\x09\x00\x01",
        b"\x00\x01no-zero-byte",
        b"\x00\x01name\x00mode-without-zero",
        b"\x00\x01\xff\xfe\x00octet\x00",
        b"\x00\x05\x00\x01message without end",
    ] {
        assert!(decode(bytes).is_err(), "{bytes:?} should be refused");
    }
}
