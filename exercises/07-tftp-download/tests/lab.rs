//! Lab 7 tests: a scripted TFTP server on loopback (the one the tftp crate's own tests use).
#[path = "../../../crates/tftp/tests/support/fake.rs"]
mod fake;

use std::net::UdpSocket;
use std::time::Duration;

use fake::{Faults, content};

fn run(len: usize, faults: Faults) -> (Vec<u8>, std::io::Result<Vec<u8>>, fake::Log) {
    let file = content(len, len as u64);
    // Short where a packet is lost on purpose (see `Faults::lose_packets`).
    let timeout = Duration::from_millis(if faults.lose_packets() { 100 } else { 2000 });
    let (addr, server) = fake::spawn(file.clone(), 512, 1, faults);
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let got = lab07_tftp_download::download(&socket, addr, "f.bin", timeout);
    (file, got, server.join().unwrap())
}

#[test]
fn files_of_every_edge_size() {
    for len in [0, 1, 511, 512, 513, 5000] {
        let (file, got, log) = run(len, Faults::default());
        assert_eq!(got.unwrap(), file, "{len} bytes");
        assert_eq!(log.request, b"\x00\x01f.bin\x00octet\x00", "the read request");
        assert_eq!(log.count(4), len / 512 + 1, "{len} bytes: one ACK per block");
    }
}

#[test]
fn duplicated_blocks_are_acked_again_but_kept_once() {
    let (file, got, log) = run(
        3000,
        Faults {
            duplicate: true,
            ..Faults::default()
        },
    );
    assert_eq!(got.unwrap(), file);
    assert!(log.count(4) >= 11, "every copy of a block is ACKed");
}

#[test]
fn a_lost_block_is_waited_for() {
    let (file, got, _) = run(
        3000,
        Faults {
            drop_once: Some(3),
            ..Faults::default()
        },
    );
    assert_eq!(got.unwrap(), file);
}

#[test]
fn a_stranger_gets_error_5_and_changes_nothing() {
    let (file, got, log) = run(
        3000,
        Faults {
            wrong_tid_after: Some(2),
            ..Faults::default()
        },
    );
    assert_eq!(got.unwrap(), file, "the stranger's bytes must not end up in the file");
    assert_eq!(
        log.bystander_got.first().map(|p| p[..4].to_vec()),
        Some(vec![0, 5, 0, 5])
    );
}

#[test]
fn a_server_error_is_an_error() {
    let (_, got, _) = run(
        0,
        Faults {
            error: Some((1, "File not found".into())),
            ..Faults::default()
        },
    );
    let err = got.unwrap_err();
    assert!(err.to_string().contains("File not found"), "{err}");
}
