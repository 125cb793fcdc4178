//! Lab 8 tests: a scripted TFTP server on loopback records what arrives.
#[path = "../../../crates/tftp/tests/support/fake.rs"]
mod fake;

use std::net::UdpSocket;
use std::time::Duration;

use fake::{Faults, content};

fn run(len: usize, faults: Faults) -> (Vec<u8>, fake::Log) {
    let file = content(len, len as u64 + 1);
    // Short where a packet is lost on purpose (see `Faults::lose_packets`).
    let timeout = Duration::from_millis(if faults.lose_packets() { 100 } else { 2000 });
    let (addr, server) = fake::spawn(Vec::new(), 512, 1, faults);
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    lab08_tftp_upload::upload(&socket, addr, "up.bin", &file, timeout).unwrap();
    (file, server.join().unwrap())
}

#[test]
fn the_server_gets_exactly_the_file() {
    for len in [0, 1, 511, 512, 513, 1024, 5000] {
        let (file, log) = run(len, Faults::default());
        assert_eq!(log.request, b"\x00\x02up.bin\x00octet\x00", "the write request");
        assert_eq!(
            log.file.len(),
            len,
            "{len} bytes sent as {} (padding the last block is the seed's bug)",
            log.file.len()
        );
        assert_eq!(log.file, file, "{len} bytes");
        let data: Vec<&Vec<u8>> = log.received.iter().filter(|p| p[1] == 3).collect();
        assert_eq!(data.len(), len / 512 + 1, "{len} bytes: blocks sent");
        assert_eq!(
            data.last().unwrap().len() - 4,
            len % 512,
            "{len} bytes: the last block is short (or empty)"
        );
    }
}

#[test]
fn repeated_acks_do_not_double_the_data() {
    let (file, log) = run(
        10 * 512 + 7,
        Faults {
            duplicate: true,
            ..Faults::default()
        },
    );
    assert_eq!(log.file, file);
    assert_eq!(
        log.received.iter().filter(|p| p[1] == 3).count(),
        11,
        "each block sent once"
    );
}

#[test]
fn a_lost_ack_means_a_resend_after_the_timeout() {
    let (file, log) = run(
        3 * 512 + 1,
        Faults {
            drop_once: Some(2),
            ..Faults::default()
        },
    );
    assert_eq!(log.file, file);
    assert_eq!(
        log.received.iter().filter(|p| p[1] == 3).count(),
        5,
        "4 blocks and one resend"
    );
}
