//! A scripted TFTP server for tests: it answers one request from a new port, like a real server, and can
//! misbehave on cue (duplicate, drop, send from a wrong port, refuse, stall). It speaks raw bytes, written out
//! here, so it does not share the code it is testing.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::{SocketAddr, UdpSocket};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long the fake waits for anything before it gives up (a safety net; tests normally finish far sooner).
pub const PATIENCE: Duration = Duration::from_secs(10);

/// What the fake saw during the transfer.
#[derive(Debug, Default, Clone)]
pub struct Log {
    /// The request's raw bytes.
    pub request: Vec<u8>,
    /// Every packet received on the transfer port, raw.
    pub received: Vec<Vec<u8>>,
    /// The file as the fake received it (uploads).
    pub file: Vec<u8>,
    /// Replies a bystander socket got when it sent to the client (wrong-TID test).
    pub bystander_got: Vec<Vec<u8>>,
}

impl Log {
    /// Received packets with this opcode.
    pub fn count(&self, opcode: u8) -> usize {
        self.received.iter().filter(|p| p.len() >= 2 && p[1] == opcode).count()
    }
}

/// Faults the fake can add.
#[derive(Debug, Default, Clone)]
pub struct Faults {
    /// Answer the request with this ERROR instead.
    pub error: Option<(u16, String)>,
    /// Answer with an OACK carrying these options.
    pub oack: Option<Vec<(String, String)>>,
    /// Send each DATA (downloads) or ACK (uploads) twice.
    pub duplicate: bool,
    /// Withhold the first transmission of this block (downloads: DATA; uploads: the ACK of this block).
    pub drop_once: Option<u64>,
    /// After this DATA block, a bystander sends a DATA packet to the client from another port.
    pub wrong_tid_after: Option<u64>,
    /// Send ERROR 0 instead of this block (downloads).
    pub error_at: Option<u64>,
    /// Stop answering after this block (downloads) — the client must time out.
    pub stall_after: Option<u64>,
    /// Never answer the request at all.
    pub silent: bool,
    /// Answer a request that carries options with ERROR 8, then serve the next request.
    pub refuse_options: bool,
}

impl Faults {
    /// Whether these faults lose a packet on purpose, so that the client's timer must run out. Tests give such a
    /// client a short timer to stay quick, and every other one a long timer, which a busy machine cannot make run
    /// out and so add a packet to the counts the tests check.
    pub fn lose_packets(&self) -> bool {
        self.drop_once.is_some() || self.stall_after.is_some() || self.silent
    }
}

fn be(n: u16) -> [u8; 2] {
    n.to_be_bytes()
}

fn oack_bytes(options: &[(String, String)]) -> Vec<u8> {
    let mut p = vec![0, 6];
    for (n, v) in options {
        p.extend_from_slice(n.as_bytes());
        p.push(0);
        p.extend_from_slice(v.as_bytes());
        p.push(0);
    }
    p
}

fn data(block: u64, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0, 3];
    p.extend_from_slice(&be(block as u16));
    p.extend_from_slice(payload);
    p
}

fn ack(block: u64) -> Vec<u8> {
    let mut p = vec![0, 4];
    p.extend_from_slice(&be(block as u16));
    p
}

fn error(code: u16, msg: &str) -> Vec<u8> {
    let mut p = vec![0, 5];
    p.extend_from_slice(&be(code));
    p.extend_from_slice(msg.as_bytes());
    p.push(0);
    p
}

/// Listens on 127.0.0.1:0; returns the request port and the thread that serves one transfer. Downloads serve
/// `file` in blocks of `blksize` with `window` blocks per ACK.
pub fn spawn(file: Vec<u8>, blksize: usize, window: u64, faults: Faults) -> (SocketAddr, JoinHandle<Log>) {
    let listen = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = listen.local_addr().unwrap();
    let handle = thread::spawn(move || {
        listen.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut buf = vec![0u8; 70000];
        let mut log = Log::default();
        let Ok((mut n, mut client)) = listen.recv_from(&mut buf) else {
            return log;
        };
        // filename NUL mode NUL: two zero bytes after the opcode; any more text means options.
        while faults.refuse_options && buf[2..n].iter().filter(|&&b| b == 0).count() > 2 {
            log.received.push(buf[..n].to_vec());
            let tid = UdpSocket::bind("127.0.0.1:0").unwrap();
            tid.send_to(&error(8, "Unsupported option(s) requested"), client)
                .unwrap();
            let Ok(next) = listen.recv_from(&mut buf) else {
                return log;
            };
            (n, client) = next;
        }
        log.request = buf[..n].to_vec();
        if faults.silent {
            // Keep listening so the retransmissions can be counted.
            listen.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
            while let Ok((n, _)) = listen.recv_from(&mut buf) {
                log.received.push(buf[..n].to_vec());
            }
            return log;
        }
        let tid = UdpSocket::bind("127.0.0.1:0").unwrap();
        tid.set_read_timeout(Some(PATIENCE)).unwrap();
        if let Some((code, msg)) = &faults.error {
            tid.send_to(&error(*code, msg), client).unwrap();
            return log;
        }
        let is_write = buf[1] == 2;
        if is_write {
            serve_upload(&tid, client, blksize, window, &faults, &mut log);
        } else {
            serve_download(&tid, client, &file, blksize, window, &faults, &mut log);
        }
        log
    });
    (addr, handle)
}

fn recv(tid: &UdpSocket, client: SocketAddr, log: &mut Log) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 70000];
    loop {
        let (n, from) = tid.recv_from(&mut buf).ok()?;
        if from == client {
            log.received.push(buf[..n].to_vec());
            return Some(buf[..n].to_vec());
        }
    }
}

fn serve_download(
    tid: &UdpSocket,
    client: SocketAddr,
    file: &[u8],
    blksize: usize,
    window: u64,
    faults: &Faults,
    log: &mut Log,
) {
    let mut blocks: Vec<&[u8]> = file.chunks(blksize).collect();
    if file.len() % blksize == 0 {
        blocks.push(&[]); // an exact multiple ends with an empty block
    }
    let total = blocks.len() as u64;
    if let Some(options) = &faults.oack {
        tid.send_to(&oack_bytes(options), client).unwrap();
        loop {
            let Some(p) = recv(tid, client, log) else { return };
            if p == ack(0) {
                break;
            }
            if p[1] == 5 {
                return;
            }
        }
    }
    let mut dropped = false;
    let mut acked: u64 = 0;
    let mut send_window = true;
    let mut quiet_spells = 0;
    // A timer of the fake's own: a window is resent only when it runs out or an ACK moves forward, never for a
    // duplicate ACK — and duplicates do not restart the timer.
    let rexmt = Duration::from_millis(200);
    let mut deadline = Instant::now() + rexmt;
    loop {
        if send_window {
            deadline = Instant::now() + rexmt;
            for k in acked + 1..=(acked + window).min(total) {
                if faults.error_at == Some(k) {
                    tid.send_to(&error(0, "fake failure"), client).unwrap();
                    return;
                }
                if faults.drop_once == Some(k) && !dropped {
                    dropped = true;
                    continue;
                }
                let packet = data(k, blocks[(k - 1) as usize]);
                tid.send_to(&packet, client).unwrap();
                if faults.duplicate {
                    tid.send_to(&packet, client).unwrap();
                }
                if faults.wrong_tid_after == Some(k) {
                    let bystander = UdpSocket::bind("127.0.0.1:0").unwrap();
                    bystander.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
                    bystander.send_to(&data(k + 1, b"intruder"), client).unwrap();
                    let mut b = [0u8; 600];
                    if let Ok((n, _)) = bystander.recv_from(&mut b) {
                        log.bystander_got.push(b[..n].to_vec());
                    }
                }
                if faults.stall_after == Some(k) {
                    // Hold the port open, answer nothing, until the client gives up with an ERROR.
                    tid.set_read_timeout(Some(PATIENCE)).unwrap();
                    while recv(tid, client, log).is_some_and(|p| p[1] != 5) {}
                    return;
                }
            }
        }
        send_window = false;
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        tid.set_read_timeout(Some(left)).unwrap();
        let Some(p) = recv(tid, client, log) else {
            quiet_spells += 1;
            if quiet_spells > 50 {
                return;
            }
            send_window = true;
            continue;
        };
        quiet_spells = 0;
        if p[1] == 5 {
            return;
        }
        if p[1] != 4 {
            continue;
        }
        let b = u16::from_be_bytes([p[2], p[3]]);
        let ahead = u64::from(b.wrapping_sub(acked as u16));
        if ahead > 0 && ahead <= window {
            acked += ahead;
            send_window = true;
        }
        if acked == total {
            return;
        }
    }
}

fn serve_upload(tid: &UdpSocket, client: SocketAddr, blksize: usize, window: u64, faults: &Faults, log: &mut Log) {
    let first = match &faults.oack {
        Some(options) => oack_bytes(options),
        None => ack(0),
    };
    tid.send_to(&first, client).unwrap();
    let mut expected: u64 = 1;
    let mut dropped = false;
    loop {
        let Some(p) = recv(tid, client, log) else { return };
        if p[1] == 5 {
            return;
        }
        if p[1] != 3 {
            continue;
        }
        let b = u16::from_be_bytes([p[2], p[3]]);
        if b != expected as u16 {
            tid.send_to(&ack(expected - 1), client).unwrap();
            continue;
        }
        let payload = &p[4..];
        log.file.extend_from_slice(payload);
        let last = payload.len() < blksize;
        if last || expected % window == 0 {
            if faults.drop_once == Some(expected) && !dropped {
                dropped = true;
                // Pretend the block was lost: drop what was logged of it and wait for the retransmission.
                log.file.truncate(log.file.len() - payload.len());
                continue;
            }
            tid.send_to(&ack(expected), client).unwrap();
            if faults.duplicate {
                tid.send_to(&ack(expected), client).unwrap();
            }
        }
        expected += 1;
        if last {
            // Dally: answer a repeated last block for a moment, as RFC 1350 suggests.
            tid.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
            while let Some(p) = recv(tid, client, log) {
                if p[1] == 3 {
                    tid.send_to(&ack(expected - 1), client).unwrap();
                }
            }
            return;
        }
    }
}

/// Deterministic test content of `len` bytes that is not all one value.
pub fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}
