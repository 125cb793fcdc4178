//! The server in-process on 127.0.0.1:0, driven by our client library and by raw datagrams: transfers of every
//! edge size and option, path attacks, unsafe uploads, floods, stalls and concurrency.
#![allow(clippy::unwrap_used)]

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tftp::client::{self, ClientConfig};
use tftp::{ErrorCode, Mode, OptionRequest, Quiet, TransferError};
use tftp_server::{Config, LogSink, Server, Stopper};

/// A server on a loopback port over a fresh folder, stopped when dropped.
struct Running {
    addr: SocketAddr,
    root: tempfile::TempDir,
    log: Arc<Mutex<Vec<u8>>>,
    stopper: Stopper,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stopper.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Running {
    fn path(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    fn log_text(&self) -> String {
        String::from_utf8_lossy(&self.log.lock().unwrap()).into_owned()
    }

    /// Waits (up to 5 s) for a log line containing `needle`: transfers log when they end.
    fn wait_for_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let text = self.log_text();
            if let Some(line) = text.lines().find(|l| l.contains(needle)) {
                return line.to_string();
            }
            assert!(Instant::now() < deadline, "no log line with {needle:?} in:\n{text}");
            std::thread::yield_now();
        }
    }
}

fn start_in(root: tempfile::TempDir, configure: impl FnOnce(&mut Config)) -> Running {
    let mut config = Config::new(root.path()).unwrap();
    config.rexmt = Duration::from_millis(50);
    config.retries = 4;
    configure(&mut config);
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink: LogSink = log.clone();
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), config, sink).unwrap();
    let addr = server.local_addr().unwrap();
    let stopper = server.stopper().unwrap();
    let thread = std::thread::spawn(move || server.run().unwrap());
    Running {
        addr,
        root,
        log,
        stopper,
        thread: Some(thread),
    }
}

fn start(configure: impl FnOnce(&mut Config)) -> Running {
    start_in(tempfile::tempdir().unwrap(), configure)
}

fn cfg(addr: SocketAddr) -> ClientConfig {
    ClientConfig {
        rexmt: Duration::from_millis(50),
        // A short timer keeps lost-packet tests quick; many retries ride out a busy machine.
        retries: 20,
        ..ClientConfig::new(addr)
    }
}

fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 9) as u8)
        .collect()
}

fn get(addr: SocketAddr, name: &str, options: OptionRequest, mode: Mode) -> Result<Vec<u8>, TransferError> {
    let mut out = Vec::new();
    client::download(
        &ClientConfig {
            options,
            mode,
            ..cfg(addr)
        },
        name,
        &mut out,
        &mut Quiet,
    )
    .map(|_| out)
}

fn put(addr: SocketAddr, name: &str, data: &[u8], options: OptionRequest, mode: Mode) -> Result<(), TransferError> {
    let config = ClientConfig {
        options,
        mode,
        ..cfg(addr)
    };
    client::upload(&config, name, &mut &data[..], Some(data.len() as u64), &mut Quiet).map(|_| ())
}

fn peer_code(result: Result<impl std::fmt::Debug, TransferError>) -> ErrorCode {
    match result {
        Err(TransferError::Peer { code, .. }) => code,
        other => panic!("expected an ERROR from the server, got {other:?}"),
    }
}

/// The server renames an upload into place before it sends the final ACK, so once the client's upload has
/// returned, the file is there: read it at once, no waiting.
fn saved(server: &Running, name: &str) -> Vec<u8> {
    std::fs::read(server.path(name)).unwrap_or_else(|e| panic!("{name} is not in place when the upload returns: {e}"))
}

#[test]
fn every_edge_size_both_ways_with_and_without_options() {
    let server = start(|c| c.create = true);
    let option_sets = [
        OptionRequest::default(),
        OptionRequest {
            blksize: Some(1428),
            tsize: Some(0),
            ..Default::default()
        },
        OptionRequest {
            blksize: Some(1024),
            windowsize: Some(4),
            ..Default::default()
        },
        OptionRequest {
            blksize: Some(8192),
            windowsize: Some(16),
            timeout: Some(2),
            tsize: Some(0),
        },
        // The biggest blocks and windows: downloads read the file on a second thread (`send_file`).
        OptionRequest {
            blksize: Some(65464),
            windowsize: Some(16),
            ..Default::default()
        },
    ];
    let mut cases = 0;
    for len in [0usize, 511, 512, 513, 1 << 20] {
        for (i, options) in option_sets.iter().enumerate() {
            let name = format!("f{len}-{i}.bin");
            let data = bytes(len, i as u8);
            put(server.addr, &name, &data, *options, Mode::Octet).unwrap();
            assert!(saved(&server, &name) == data, "put {name}");
            assert!(
                get(server.addr, &name, *options, Mode::Octet).unwrap() == data,
                "get {name}"
            );
            cases += 2;
        }
    }
    assert_eq!(cases, 50);
}

#[test]
fn netascii_both_ways() {
    let server = start(|c| c.create = true);
    let text = b"first\nsecond\r\nbare\rcr\n".repeat(100);
    let long = b"first\nsecond\r\nbare\rcr\n".repeat(100_000);
    for (i, (options, text)) in [
        (OptionRequest::default(), &text),
        (
            OptionRequest {
                tsize: Some(0),
                ..Default::default()
            },
            &text,
        ),
        // 2.2 MB in 64 KiB × 16 windows: the netascii translation runs on the reading thread.
        (
            OptionRequest {
                blksize: Some(65464),
                windowsize: Some(16),
                ..Default::default()
            },
            &long,
        ),
    ]
    .iter()
    .enumerate()
    {
        let name = format!("t{i}.txt");
        put(server.addr, &name, text, *options, Mode::Netascii).unwrap();
        assert!(saved(&server, &name) == **text, "{name} stored as local text");
        assert!(
            get(server.addr, &name, *options, Mode::Netascii).unwrap() == **text,
            "{name} back"
        );
    }
    // On the wire (octet view of a netascii download is not possible, so check the size the server announces).
    let mut out = Vec::new();
    let options = OptionRequest {
        tsize: Some(0),
        ..Default::default()
    };
    let outcome = client::download(
        &ClientConfig {
            options,
            mode: Mode::Netascii,
            ..cfg(server.addr)
        },
        "t0.txt",
        &mut out,
        &mut Quiet,
    )
    .unwrap();
    let crs = text.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64;
    assert_eq!(outcome.negotiated.tsize, Some(text.len() as u64 + crs));
    // The log counts the file's bytes, as `--max-size` does, and the wire's beside them; so does the client.
    // (Before, the log gave only the wire's, a number no file on either side had.)
    let both = format!(": {} bytes ({} on the wire) in ", text.len(), text.len() as u64 + crs);
    for op in ["put", "get"] {
        let line = server.wait_for_log(&format!("{op} \"t0.txt\" netascii"));
        assert!(line.contains(&both), "{line}");
    }
    assert_eq!(
        (outcome.file_bytes, outcome.stats.bytes),
        (text.len() as u64, text.len() as u64 + crs)
    );
}

#[test]
fn thirty_three_mib_rolls_block_numbers_over_both_ways() {
    let server = start(|c| c.create = true);
    let data = bytes(33 << 20, 9);
    put(server.addr, "big.bin", &data, OptionRequest::default(), Mode::Octet).unwrap();
    assert!(saved(&server, "big.bin") == data);
    assert!(get(server.addr, "big.bin", OptionRequest::default(), Mode::Octet).unwrap() == data);
}

#[test]
fn fifty_concurrent_downloads_are_byte_identical() {
    let server = start(|_| {});
    let data = bytes(200_000, 3);
    std::fs::write(server.path("shared.bin"), &data).unwrap();
    let results: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|i| {
                let options = if i % 2 == 0 {
                    OptionRequest::default()
                } else {
                    OptionRequest {
                        blksize: Some(1428),
                        ..Default::default()
                    }
                };
                s.spawn(move || get(server.addr, "shared.bin", options, Mode::Octet).unwrap())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.len(), 50);
    assert!(results.iter().all(|r| *r == data));
    // Each session logs when it has seen its last ACK, which can be a moment after the client is done.
    let deadline = Instant::now() + Duration::from_secs(5);
    let ok_lines = || {
        server
            .log_text()
            .lines()
            .filter(|l| l.contains("get \"shared.bin\"") && l.ends_with(", ok"))
            .count()
    };
    while ok_lines() < 50 && Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert_eq!(ok_lines(), 50);
}

/// A folder holding ROOT and, beside it, a secret file and folder that must stay untouched.
fn attack_setup() -> (tempfile::TempDir, PathBuf) {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("root");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(outer.path().join("secret"), b"top secret").unwrap();
    std::fs::create_dir(outer.path().join("private")).unwrap();
    std::fs::write(outer.path().join("private/key"), b"key").unwrap();
    std::fs::write(root.join("sub/ok.txt"), b"fine").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(outer.path().join("secret"), root.join("link_out")).unwrap();
        symlink(outer.path().join("private"), root.join("dir_out")).unwrap();
        symlink("..", root.join("sub/up")).unwrap();
        symlink("ok.txt", root.join("sub/link_in")).unwrap();
    }
    (outer, root)
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            out.extend(snapshot(&path));
        } else if meta.is_file() {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        } else {
            out.push((path, Vec::new()));
        }
    }
    out.sort();
    out
}

#[test]
fn path_attacks_are_refused_and_nothing_outside_root_changes() {
    let (outer, root) = attack_setup();
    let mut config = Config::new(&root).unwrap();
    config.create = true;
    config.writable = true;
    config.rexmt = Duration::from_millis(50);
    let log = Arc::new(Mutex::new(Vec::new()));
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), config, log.clone()).unwrap();
    let addr = server.local_addr().unwrap();
    let stopper = server.stopper().unwrap();
    let thread = std::thread::spawn(move || server.run().unwrap());
    let before = snapshot(outer.path());
    let long_component = "a".repeat(300);
    let long_path = format!("{}/x", "d/".repeat(600));
    let attacks: Vec<String> = [
        "../secret",
        "../../etc/passwd",
        "/etc/passwd",
        "//etc/passwd",
        "sub/../../secret",
        "sub/./../../secret",
        "./../secret",
        "..",
        ".",
        "sub/..",
        "..\\secret",
        "sub\\..\\..\\secret",
        "C:secret",
        "C:\\Windows\\win.ini",
        "link_out",
        "dir_out/key",
        "sub/up/../secret",
        "sub/up/link_out",
        "bad\u{1}name",
        "line\r\nbreak",
        ".tftp-upload-abc",
        "sub/.tftp-upload-x",
        &long_component,
        &long_path,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert!(attacks.len() >= 20);
    for name in &attacks {
        let code = peer_code(get(addr, name, OptionRequest::default(), Mode::Octet));
        assert!(
            matches!(code, ErrorCode::AccessViolation | ErrorCode::FileNotFound),
            "get {name:?}: {code}"
        );
        let code = peer_code(put(addr, name, b"pwned", OptionRequest::default(), Mode::Octet));
        assert!(
            matches!(code, ErrorCode::AccessViolation | ErrorCode::FileNotFound),
            "put {name:?}: {code}"
        );
    }
    // Links that stay inside ROOT are fine for reading, but an upload never writes through a link.
    assert_eq!(
        get(addr, "sub/link_in", OptionRequest::default(), Mode::Octet).unwrap(),
        b"fine"
    );
    assert_eq!(
        peer_code(put(addr, "sub/link_in", b"x", OptionRequest::default(), Mode::Octet)),
        ErrorCode::AccessViolation
    );
    stopper.stop();
    thread.join().unwrap();
    let after = snapshot(outer.path());
    assert_eq!(before, after, "something outside ROOT (or inside it) changed");
}

/// A name that ends in `/` names a folder, not a file: `hello.txt/` is not found (ERROR 1, as tftpd-hpa says), for
/// a download or an upload, and `hello.txt` is neither served nor replaced. Before the fix the server dropped the
/// slash and served `hello.txt`.
#[test]
fn a_name_ending_in_a_slash_is_not_found() {
    let server = start(|c| {
        c.writable = true;
        c.create = true;
    });
    std::fs::write(server.path("hello.txt"), b"hello\n").unwrap();
    std::fs::create_dir(server.path("sub")).unwrap();
    for name in ["hello.txt/", "hello.txt/.", "hello.txt//", "sub/", "missing/"] {
        let got = get(server.addr, name, OptionRequest::default(), Mode::Octet);
        assert_eq!(peer_code(got), ErrorCode::FileNotFound, "get {name:?}");
        let sent = put(server.addr, name, b"clobbered", OptionRequest::default(), Mode::Octet);
        assert_eq!(peer_code(sent), ErrorCode::FileNotFound, "put {name:?}");
    }
    assert_eq!(saved(&server, "hello.txt"), b"hello\n");
}

#[test]
fn uploads_respect_writable_create_and_max_size() {
    let server = start(|c| c.max_size = Some(10_000));
    std::fs::write(server.path("old.txt"), b"old").unwrap();
    // Not --writable: an existing file is ERROR 6 and stays as it was.
    assert_eq!(
        peer_code(put(
            server.addr,
            "old.txt",
            b"new",
            OptionRequest::default(),
            Mode::Octet
        )),
        ErrorCode::FileExists
    );
    assert_eq!(std::fs::read(server.path("old.txt")).unwrap(), b"old");
    // Not --create: a new file is ERROR 2.
    assert_eq!(
        peer_code(put(
            server.addr,
            "new.txt",
            b"new",
            OptionRequest::default(),
            Mode::Octet
        )),
        ErrorCode::AccessViolation
    );
    assert!(!server.path("new.txt").exists());
    drop(server);

    let server = start(|c| {
        c.create = true;
        c.writable = true;
        c.max_size = Some(10_000);
    });
    std::fs::write(server.path("old.txt"), b"old").unwrap();
    put(
        server.addr,
        "old.txt",
        b"replaced",
        OptionRequest::default(),
        Mode::Octet,
    )
    .unwrap();
    assert_eq!(saved(&server, "old.txt"), b"replaced");
    // Announced too big (tsize): refused before any data moves.
    let announced = OptionRequest {
        tsize: Some(0),
        ..Default::default()
    };
    assert_eq!(
        peer_code(put(server.addr, "big1", &bytes(20_000, 1), announced, Mode::Octet)),
        ErrorCode::DiskFull
    );
    // Not announced: refused when it grows past the limit, and the partial upload is removed.
    assert_eq!(
        peer_code(put(
            server.addr,
            "big2",
            &bytes(20_000, 2),
            OptionRequest::default(),
            Mode::Octet
        )),
        ErrorCode::DiskFull
    );
    server.wait_for_log("put \"big2\"");
    let mut names: Vec<String> = std::fs::read_dir(server.root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["old.txt"], "no partial or temporary file left");
}

/// A raw client socket. Its timeout is 40 times the server's retransmission interval: long enough for a busy
/// machine to answer, short enough that a test reading "until the server goes quiet" stays quick.
fn raw() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    s
}

fn recv(s: &UdpSocket) -> Option<(Vec<u8>, SocketAddr)> {
    let mut buf = [0u8; 70_000];
    s.recv_from(&mut buf).ok().map(|(n, from)| (buf[..n].to_vec(), from))
}

#[test]
fn a_failed_upload_leaves_nothing_behind() {
    let server = start(|c| c.create = true);
    let s = raw();
    s.send_to(b"\x00\x02gone.bin\x00octet\x00", server.addr).unwrap();
    let (ack0, tid) = recv(&s).unwrap();
    assert_eq!(ack0, [0, 4, 0, 0]);
    let mut block1 = vec![0, 3, 0, 1];
    block1.extend([7u8; 512]);
    s.send_to(&block1, tid).unwrap();
    assert_eq!(recv(&s).unwrap().0, [0, 4, 0, 1]);
    // The client vanishes: the server retries, gives up, and removes the partial file.
    let line = server.wait_for_log("put \"gone.bin\"");
    assert!(line.contains("the 512 bytes received were discarded"), "{line}");
    assert!(line.contains("timed out"), "{line}");
    assert_eq!(std::fs::read_dir(server.root.path()).unwrap().count(), 0);
}

#[test]
fn after_an_oack_no_data_is_sent_until_ack_0() {
    let server = start(|_| {});
    std::fs::write(server.path("f"), bytes(5000, 4)).unwrap();
    let s = raw();
    s.send_to(b"\x00\x01f\x00octet\x00blksize\x001024\x00", server.addr)
        .unwrap();
    // Never ACK: everything that comes must be the OACK again, until the server gives up.
    let mut oacks = 0;
    while let Some((p, _)) = recv(&s) {
        assert_eq!(p[1], 6, "only OACKs before ACK 0, got {p:?}");
        oacks += 1;
    }
    assert_eq!(oacks, 5, "the OACK, then 4 retransmissions");
    let line = server.wait_for_log("get \"f\"");
    assert!(line.contains("ACK of the OACK"), "{line}");
}

#[test]
fn a_stalled_client_does_not_block_others_and_is_cleaned_up() {
    let server = start(|_| {});
    std::fs::write(server.path("f"), bytes(5000, 5)).unwrap();
    let staller = raw();
    staller.send_to(b"\x00\x01f\x00octet\x00", server.addr).unwrap();
    assert_eq!(&recv(&staller).unwrap().0[..4], &[0, 3, 0, 1]);
    // While that transfer waits for an ACK that never comes, others proceed.
    for _ in 0..5 {
        assert_eq!(
            get(server.addr, "f", OptionRequest::default(), Mode::Octet).unwrap(),
            bytes(5000, 5)
        );
    }
    let line = server.wait_for_log("failed");
    assert!(line.contains("timed out waiting for ACK of block 1"), "{line}");
}

#[test]
fn a_wrong_tid_gets_error_5_and_the_transfer_goes_on() {
    let server = start(|_| {});
    let data = bytes(3000, 6);
    std::fs::write(server.path("f"), &data).unwrap();
    let s = raw();
    s.send_to(b"\x00\x01f\x00octet\x00", server.addr).unwrap();
    let (first, tid) = recv(&s).unwrap();
    let bystander = raw();
    bystander.send_to(&[0, 4, 0, 1], tid).unwrap();
    assert_eq!(&recv(&bystander).unwrap().0[..4], &[0, 5, 0, 5]);
    let mut got = first[4..].to_vec();
    let mut block = 1u16;
    loop {
        s.send_to(&[0, 4, (block >> 8) as u8, block as u8], tid).unwrap();
        let (p, _) = recv(&s).unwrap();
        got.extend(&p[4..]);
        block += 1;
        if p.len() < 516 {
            s.send_to(&[0, 4, (block >> 8) as u8, block as u8], tid).unwrap();
            break;
        }
    }
    assert_eq!(got, data);
}

/// Datagrams that are no request at all: the request port drops them unanswered.
const NOT_REQUESTS: [&[u8]; 7] = [
    b"\x00",
    b"\x00\x09hello",
    b"\x01\x00f\x00octet\x00", // an RRQ with its opcode in the wrong byte order: opcode 256
    b"\x00\x03\x00\x01data",
    b"\x00\x04\x00\x01",
    b"\x00\x05\x00\x04not for you\x00",
    b"\x00\x06blksize\x00512\x00",
];

#[test]
fn broken_requests_get_error_4_other_datagrams_nothing_and_a_flood_changes_nothing() {
    let server = start(|_| {});
    std::fs::write(server.path("after.bin"), bytes(4000, 7)).unwrap();
    let s = raw();
    for (broken, says) in [
        (&b"\x00\x01name-without-end"[..], "not terminated"),
        (&b"\x00\x02f\x00binary\x00"[..], "unknown transfer mode"),
        (&b"\x00\x01f\x00mail\x00"[..], "mail mode"),
    ] {
        // One datagram that is not a request first: the server handles datagrams in order, so if the first reply
        // is the broken request's ERROR, the other datagram got none.
        for other in NOT_REQUESTS {
            s.send_to(other, server.addr).unwrap();
        }
        s.send_to(broken, server.addr).unwrap();
        let (p, _) = recv(&s).unwrap();
        assert_eq!(&p[..4], &[0, 5, 0, 4], "{broken:?}: {p:?}");
        assert!(String::from_utf8_lossy(&p[4..]).contains(says), "{broken:?}: {p:?}");
    }
    // 100,000 random datagrams, as fast as one socket sends them (bounded by count).
    let flood = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut buf = [0u8; 600];
    for i in 0..100_000u32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = (x % 600) as usize;
        for (j, b) in buf[..len].iter_mut().enumerate() {
            *b = (x >> (j % 8 * 8)) as u8 ^ j as u8;
        }
        if len >= 2 && i % 4 == 0 {
            buf[0] = 0;
            buf[1] = (i % 7) as u8; // valid and invalid opcodes alike
        }
        let _ = flood.send_to(&buf[..len], server.addr);
    }
    assert_eq!(
        get(server.addr, "after.bin", OptionRequest::default(), Mode::Octet).unwrap(),
        bytes(4000, 7)
    );
}

#[test]
fn blksize_times_windowsize_is_capped() {
    let server = start(|_| {});
    std::fs::write(server.path("f"), bytes(10, 8)).unwrap();
    let s = raw();
    s.send_to(
        b"\x00\x01f\x00octet\x00blksize\x0065464\x00windowsize\x0064\x00",
        server.addr,
    )
    .unwrap();
    let (p, _) = recv(&s).unwrap();
    assert_eq!(p, b"\x00\x06blksize\x0065464\x00windowsize\x0016\x00");
}

#[test]
fn ipv6_dual_stack_server() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("v6.txt"), b"over IPv6").unwrap();
    let config = Config::new(root.path()).unwrap();
    let server = Server::bind("[::]:0".parse().unwrap(), config, Arc::new(Mutex::new(Vec::new()))).unwrap();
    let port = server.local_addr().unwrap().port();
    let stopper = server.stopper().unwrap();
    let thread = std::thread::spawn(move || server.run().unwrap());
    for host in ["[::1]", "127.0.0.1"] {
        let addr = netlab::parse_endpoint(host, port).unwrap();
        assert_eq!(
            get(addr, "v6.txt", OptionRequest::default(), Mode::Octet).unwrap(),
            b"over IPv6",
            "via {host}"
        );
    }
    stopper.stop();
    thread.join().unwrap();
}

#[test]
fn a_repeated_request_does_not_start_a_second_transfer() {
    let server = start(|_| {});
    std::fs::write(server.path("f"), bytes(2000, 9)).unwrap();
    let s = raw();
    // The same request three times, as a client whose first reply is slow would send it.
    for _ in 0..3 {
        s.send_to(b"\x00\x01f\x00octet\x00", server.addr).unwrap();
    }
    let mut tids = std::collections::HashSet::new();
    while let Some((p, from)) = recv(&s) {
        if p[..4] == [0, 3, 0, 1] {
            tids.insert(from);
        }
    }
    assert_eq!(tids.len(), 1, "one transfer, from one port: {tids:?}");
    let line = server.wait_for_log("get \"f\"");
    assert!(line.contains("timed out"), "we never ACKed: {line}");
    // Once that transfer is over, the same client may ask again.
    s.send_to(b"\x00\x01f\x00octet\x00", server.addr).unwrap();
    assert_eq!(&recv(&s).unwrap().0[..4], &[0, 3, 0, 1]);
}

/// Two servers wired to each other through a relay that counts what it carries, as a network between them would.
/// One forged datagram "from A" reaches B. Before the fix B answered anything with ERROR 4, A answered that with
/// ERROR 4, and so on for ever (34,345 datagrams in 2 s). Now errors are never answered and nothing but a request
/// is answered on the request port, so at most one answer crosses for each forged datagram.
#[test]
fn one_forged_datagram_cannot_start_a_loop_between_two_servers() {
    let (a, b) = (start(|_| {}), start(|_| {}));
    let wire = UdpSocket::bind("127.0.0.1:0").unwrap();
    wire.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let broken_request: &[u8] = b"\x00\x01no-mode\x00";
    let forged: Vec<&[u8]> = NOT_REQUESTS.iter().copied().chain([broken_request]).collect();
    for datagram in &forged {
        wire.send_to(datagram, b.addr).unwrap();
    }
    // Carry whatever either server sends on to the other, for one second or until it is clearly a loop.
    const LOOP: usize = 1000;
    let mut carried = Vec::new();
    let mut buf = [0u8; 2048];
    let window = Instant::now() + Duration::from_secs(1);
    while Instant::now() < window && carried.len() < LOOP {
        let Ok((n, from)) = wire.recv_from(&mut buf) else {
            continue;
        };
        let to = if from == a.addr { b.addr } else { a.addr };
        wire.send_to(&buf[..n], to).unwrap();
        carried.push((from, buf[..n].to_vec()));
    }
    // Only the broken request earns an answer: B's ERROR 4, which A drops.
    assert!(
        carried.len() <= 1,
        "{} datagrams crossed: {:?}",
        carried.len(),
        &carried[..carried.len().min(4)]
    );
    assert_eq!(carried.len(), 1, "the broken request is answered");
    assert_eq!((carried[0].0, &carried[0].1[..4]), (b.addr, &[0u8, 5, 0, 4][..]));
}

/// Sends a WRQ for `name` from a raw socket and one full block; returns the socket and the server's TID.
fn upload_one_full_block(server: &Running, name: &str, fill: u8) -> (UdpSocket, SocketAddr) {
    let s = raw();
    s.send_to(&[&[0, 2][..], name.as_bytes(), b"\x00octet\x00"].concat(), server.addr)
        .unwrap();
    let (ack0, tid) = recv(&s).unwrap();
    assert_eq!(ack0, [0, 4, 0, 0]);
    s.send_to(&[&[0, 3, 0, 1][..], &[fill; 512]].concat(), tid).unwrap();
    assert_eq!(recv(&s).unwrap().0, [0, 4, 0, 1]);
    (s, tid)
}

/// `--create` without `--writable`: A starts race.txt, B uploads race.txt whole, then A finishes. Before the fix both
/// got their final ACK and A's file replaced B's. Now B's file stays and A gets ERROR 6 instead of a final ACK. The
/// same for a file anyone creates in the root while an upload of that name is under way.
#[test]
fn an_upload_never_replaces_a_file_that_appeared_while_it_ran_unless_writable() {
    let server = start(|c| c.create = true);
    let (a, a_tid) = upload_one_full_block(&server, "race.txt", b'A');
    let b_file = bytes(100, 2);
    put(server.addr, "race.txt", &b_file, OptionRequest::default(), Mode::Octet).unwrap();
    assert_eq!(saved(&server, "race.txt"), b_file);
    a.send_to(b"\x00\x03\x00\x02the end", a_tid).unwrap();
    let (reply, _) = recv(&a).unwrap();
    assert_eq!(&reply[..4], &[0, 5, 0, 6], "ERROR 6, not the final ACK: {reply:?}");
    assert_eq!(
        std::fs::read(server.path("race.txt")).unwrap(),
        b_file,
        "B's upload is kept"
    );
    let line = server.wait_for_log("refused, ERROR 6");
    assert!(line.contains("created while this upload was under way"), "{line}");

    let (c, c_tid) = upload_one_full_block(&server, "made.txt", b'C');
    std::fs::write(server.path("made.txt"), b"someone else's").unwrap();
    c.send_to(b"\x00\x03\x00\x02", c_tid).unwrap();
    assert_eq!(&recv(&c).unwrap().0[..4], &[0, 5, 0, 6]);
    assert_eq!(std::fs::read(server.path("made.txt")).unwrap(), b"someone else's");
    server.wait_for_log("put \"made.txt\" octet: refused");
    let mut names: Vec<String> = std::fs::read_dir(server.root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["made.txt", "race.txt"], "no temporary file left");

    // --writable: the last upload to finish wins, as a rename over the old file.
    let server = start(|c| {
        c.create = true;
        c.writable = true;
    });
    let (a, a_tid) = upload_one_full_block(&server, "race.txt", b'A');
    put(server.addr, "race.txt", &b_file, OptionRequest::default(), Mode::Octet).unwrap();
    a.send_to(b"\x00\x03\x00\x02", a_tid).unwrap();
    assert_eq!(recv(&a).unwrap().0, [0, 4, 0, 2]);
    assert_eq!(saved(&server, "race.txt"), [b'A'; 512]);
}

/// `--max-size` is about the file as stored. In netascii every line end is two bytes on the wire (CR LF) and one in
/// the file; before the fix a 1000-byte text of 500 lines, 1500 bytes on the wire, was refused by a 1000-byte limit.
#[test]
fn max_size_counts_the_files_bytes_not_the_netascii_wire_bytes() {
    let server = start(|c| {
        c.create = true;
        c.max_size = Some(1000);
    });
    let text = b"a\n".repeat(500);
    let over = [&text[..], b"!"].concat();
    let announced = OptionRequest {
        tsize: Some(0),
        ..Default::default()
    };
    for (i, options) in [OptionRequest::default(), announced].into_iter().enumerate() {
        let name = format!("lines{i}.txt");
        put(server.addr, &name, &text, options, Mode::Netascii).unwrap();
        assert_eq!(saved(&server, &name), text, "{options:?}");
        assert_eq!(
            peer_code(put(server.addr, "over.txt", &over, options, Mode::Netascii)),
            ErrorCode::DiskFull,
            "one byte over the limit: {options:?}"
        );
    }
    let line = server.wait_for_log("put \"over.txt\"");
    assert!(line.contains("file exceeds the 1000-byte limit"), "{line}");
}

/// A request whose last option has no value, or whose option list is cut short, is served and the incomplete
/// option ignored, as tftpd-hpa does. Before the fix each got ERROR 4.
#[test]
fn a_request_with_an_incomplete_last_option_is_served() {
    let server = start(|c| c.create = true);
    std::fs::write(server.path("f"), bytes(700, 10)).unwrap();
    for (request, first_reply) in [
        // No option left: plain RFC 1350, DATA 1 straight away.
        (&b"\x00\x01f\x00octet\x00timeout\x00"[..], &b"\x00\x03\x00\x01"[..]),
        (b"\x00\x01f\x00octet\x00blksize\x00102", b"\x00\x03\x00\x01"),
        (b"\x00\x01f\x00octet\x00\x00\x00", b"\x00\x03\x00\x01"),
        // The complete options are granted, the incomplete one left out of the OACK.
        (
            b"\x00\x01f\x00octet\x00tsize\x000\x00windowsize\x00",
            b"\x00\x06tsize\x00700\x00",
        ),
        // An upload too: ACK 0.
        (b"\x00\x02up\x00octet\x00timeout\x00", b"\x00\x04\x00\x00"),
    ] {
        let s = raw();
        s.send_to(request, server.addr).unwrap();
        let (reply, tid) = recv(&s).unwrap();
        assert_eq!(&reply[..first_reply.len()], first_reply, "{request:?}: {reply:?}");
        // End it politely, so the server does not wait for this client.
        s.send_to(&tftp::packet::error_bytes(ErrorCode::NotDefined, "enough"), tid)
            .unwrap();
    }
}

/// The window is capped in bytes in flight, not in blocks: 512-byte blocks get a window far past 64 when asked for
/// (before the fix, 1234 × 512 B got 64), and such windows move a file whole both ways.
#[test]
fn small_blocks_get_big_windows() {
    let server = start(|c| c.create = true);
    let data = bytes(3 << 20, 11);
    std::fs::write(server.path("f"), &data).unwrap();
    for (asked, granted) in [("1234", "1234"), ("65535", "2032")] {
        let s = raw();
        let rrq = [b"\x00\x01f\x00octet\x00windowsize\x00", asked.as_bytes(), b"\x00"].concat();
        s.send_to(&rrq, server.addr).unwrap();
        let (p, tid) = recv(&s).unwrap();
        assert_eq!(p, [b"\x00\x06windowsize\x00", granted.as_bytes(), b"\x00"].concat());
        s.send_to(&tftp::packet::error_bytes(ErrorCode::NotDefined, "enough"), tid)
            .unwrap();
    }
    for windowsize in [1234, 2032] {
        let options = OptionRequest {
            windowsize: Some(windowsize),
            ..Default::default()
        };
        assert!(
            get(server.addr, "f", options, Mode::Octet).unwrap() == data,
            "get, window {windowsize}"
        );
        let name = format!("up{windowsize}");
        put(server.addr, &name, &data, options, Mode::Octet).unwrap();
        assert!(saved(&server, &name) == data, "put, window {windowsize}");
    }
}

/// The tutorial's Python client pads every block to 512 bytes and so never sends the short block that ends a
/// transfer. The upload is still discarded, and the log says why in the tutorial's terms. Before the fix it said
/// only "failed after 1536 bytes ...: timed out waiting for DATA block 4".
#[test]
fn an_upload_without_its_short_final_block_is_discarded_and_the_log_says_why() {
    let server = start(|c| c.create = true);
    let s = raw();
    s.send_to(b"\x00\x02padded.txt\x00octet\x00", server.addr).unwrap();
    let (ack0, tid) = recv(&s).unwrap();
    assert_eq!(ack0, [0, 4, 0, 0]);
    // As the tutorial's upload() does: every block 512 bytes, the last one padded with zeros, then nothing.
    let file = b"hello from the tutorial\n".repeat(50);
    for (i, chunk) in file.chunks(512).enumerate() {
        let mut block = [0u8; 512];
        block[..chunk.len()].copy_from_slice(chunk);
        let number = (i + 1) as u16;
        s.send_to(&[&[0, 3][..], &number.to_be_bytes(), &block].concat(), tid)
            .unwrap();
        assert_eq!(recv(&s).unwrap().0, [&[0, 4][..], &number.to_be_bytes()].concat());
    }
    let line = server.wait_for_log("put \"padded.txt\"");
    assert!(
        line.contains(
            "upload incomplete: the final block (shorter than 512 bytes; empty if the file is a multiple of \
             512) never came, so the 1536 bytes received were discarded (timed out waiting for DATA block 4"
        ),
        "{line}"
    );
    assert_eq!(
        std::fs::read_dir(server.root.path()).unwrap().count(),
        0,
        "nothing kept"
    );
}
