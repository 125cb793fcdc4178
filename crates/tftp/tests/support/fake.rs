//! A scripted TFTP server for tests: it answers one request from a new port, like a real server, and can
//! misbehave on cue (duplicate, drop, lose, send from a wrong port, refuse, stall). It speaks raw bytes, written
//! out here, so it does not share the code it is testing.
//!
//! Two ways to run it: [`spawn`] serves one transfer and ends on its own (the tftp crate's tests); [`start`] does
//! the same but ends when the test calls [`Fake::finish`] after the client has returned, so it can count exactly
//! how many times a client repeated itself, and never keeps a test waiting for a client that stopped early (the
//! labs' tests).
#![allow(dead_code, clippy::unwrap_used)]
// The labs' workspace (exercises/) sets no minimum Rust version, so clippy there suggests `is_multiple_of`, which
// the main workspace's minimum version does not have.
#![allow(clippy::manual_is_multiple_of)]

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long the fake waits for anything before it gives up (a safety net; tests normally finish far sooner).
pub const PATIENCE: Duration = Duration::from_secs(10);

/// After [`Fake::finish`], how long the fake keeps reading what the client sent before it returned: datagrams
/// sent on loopback arrive within microseconds, so this only bounds the wait for the last of them.
const DRAIN: Duration = Duration::from_millis(200);

/// What the fake saw during the transfer.
#[derive(Debug, Default, Clone)]
pub struct Log {
    /// The request's raw bytes.
    pub request: Vec<u8>,
    /// Every packet received from the client on the transfer port, raw (those lost on purpose included).
    pub received: Vec<Vec<u8>>,
    /// Requests received on the request port: lost ones, the one served, and a silent fake's repeats.
    pub requests_seen: usize,
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
    /// A bystander sends the client a packet from another port: downloads, DATA k+1 right after DATA k; uploads,
    /// ACK k after DATA k arrives, before the fake's own ACK k. It waits for a reply on a thread of its own, so a
    /// client that ignores it (rightly or not) is not held up.
    pub wrong_tid_after: Option<u64>,
    /// Send ERROR 0 instead of this block (downloads).
    pub error_at: Option<u64>,
    /// Stop answering after this block — the client must time out. Downloads: after sending it; uploads: after
    /// receiving it, without an ACK.
    pub stall_after: Option<u64>,
    /// Never answer the request at all.
    pub silent: bool,
    /// Ignore the first this many requests, as if they were lost; answer the next.
    pub lose_requests: usize,
    /// Lose the first copy of the client's packet for each of these blocks (downloads: its ACK; uploads: its
    /// DATA): the fake acts as if it never arrived, so only the client's retransmission moves the transfer on.
    pub lose_from_client: Vec<u64>,
    /// Never resend on a timer of the fake's own (downloads): the transfer moves on only when the client sends
    /// something, so a client that does not retransmit on its timeout is stuck.
    pub no_timer: bool,
    /// Answer a request that carries options with ERROR 8, then serve the next request.
    pub refuse_options: bool,
}

impl Faults {
    /// Whether these faults lose a packet on purpose, so that the client's timer must run out. Tests give such a
    /// client a short timer to stay quick, and every other one a long timer, which a busy machine cannot make run
    /// out and so add a packet to the counts the tests check.
    pub fn lose_packets(&self) -> bool {
        self.drop_once.is_some()
            || self.stall_after.is_some()
            || self.silent
            || self.lose_requests > 0
            || !self.lose_from_client.is_empty()
    }
}

/// What the test and the fake's thread share: the test's word that the client has returned, and where to wake
/// the fake up.
#[derive(Debug, Default)]
struct Control {
    hung_up: AtomicBool,
    /// The fake's transfer port, once it has one.
    tid: Mutex<Option<SocketAddr>>,
}

impl Control {
    fn hung_up(&self) -> bool {
        self.hung_up.load(Ordering::SeqCst)
    }
}

/// A fake started with [`start`].
#[derive(Debug)]
pub struct Fake {
    /// The request port: send the RRQ or WRQ here.
    pub addr: SocketAddr,
    control: Arc<Control>,
    thread: JoinHandle<Log>,
}

impl Fake {
    /// Call once the client has returned: the fake reads what is still on its way, stops, and returns what it saw.
    /// A fake still waiting for a client that stopped early stops too, so this never hangs.
    pub fn finish(self) -> Log {
        self.control.hung_up.store(true, Ordering::SeqCst);
        // Wake the fake wherever it waits: any datagram from an address other than the client's will do.
        let waker = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tid = *self.control.tid.lock().unwrap();
        for to in [Some(self.addr), tid].into_iter().flatten() {
            let _ = waker.send_to(b"", to);
        }
        self.thread.join().unwrap()
    }
}

/// Like [`spawn`], but the fake ends when the test calls [`Fake::finish`]: a silent fake counts the client's
/// repeats until then, not until a quiet spell.
pub fn start(file: Vec<u8>, blksize: usize, window: u64, faults: Faults) -> Fake {
    let control = Arc::new(Control::default());
    let (addr, thread) = run(file, blksize, window, faults, Arc::clone(&control), true);
    Fake { addr, control, thread }
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
    run(file, blksize, window, faults, Arc::new(Control::default()), false)
}

/// Receives on `socket` until a datagram from `client` (any sender when `client` is `None`) arrives, and returns
/// it, or `None` when the socket's read timeout runs out or the test has hung up. After the hang-up it drains: it
/// logs what the client had already sent, via `keep`, until nothing more comes for [`DRAIN`].
fn receive_from(
    socket: &UdpSocket,
    client: Option<SocketAddr>,
    control: &Control,
    mut keep: impl FnMut(&[u8]),
) -> Option<(Vec<u8>, SocketAddr)> {
    let mut buf = vec![0u8; 70000];
    loop {
        let (n, from) = socket.recv_from(&mut buf).ok()?;
        if control.hung_up() {
            if client.is_none_or(|c| from == c) {
                keep(&buf[..n]);
            }
            socket.set_read_timeout(Some(DRAIN)).unwrap();
            while let Ok((n, from)) = socket.recv_from(&mut buf) {
                if client.is_none_or(|c| from == c) {
                    keep(&buf[..n]);
                }
            }
            return None;
        }
        if client.is_none_or(|c| from == c) {
            return Some((buf[..n].to_vec(), from));
        }
    }
}

fn run(
    file: Vec<u8>,
    blksize: usize,
    window: u64,
    faults: Faults,
    control: Arc<Control>,
    until_hang_up: bool,
) -> (SocketAddr, JoinHandle<Log>) {
    let listen = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = listen.local_addr().unwrap();
    let handle = thread::spawn(move || {
        listen.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut log = Log::default();
        let Some((request, mut client)) = receive_from(&listen, None, &control, |_| {}) else {
            return log;
        };
        let (mut buf, mut n) = (request.clone(), request.len());
        log.requests_seen += 1;
        // Lost requests: the client must send its request again.
        for _ in 0..faults.lose_requests {
            let Some((request, from)) = receive_from(&listen, Some(client), &control, |_| {}) else {
                return log;
            };
            log.requests_seen += 1;
            (buf, n, client) = (request.clone(), request.len(), from);
        }
        // filename NUL mode NUL: two zero bytes after the opcode; any more text means options.
        while faults.refuse_options && buf[2..n].iter().filter(|&&b| b == 0).count() > 2 {
            log.received.push(buf[..n].to_vec());
            let tid = UdpSocket::bind("127.0.0.1:0").unwrap();
            tid.send_to(&error(8, "Unsupported option(s) requested"), client)
                .unwrap();
            let Some((next, from)) = receive_from(&listen, None, &control, |_| {}) else {
                return log;
            };
            (buf, n, client) = (next.clone(), next.len(), from);
        }
        log.request = buf[..n].to_vec();
        if faults.silent {
            // Keep listening so the retransmissions can be counted: until the test hangs up, or else until a
            // quiet spell.
            if !until_hang_up {
                listen.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
            }
            let deadline = Instant::now() + PATIENCE;
            let mut repeats = Vec::new();
            while Instant::now() < deadline {
                let Some((p, _)) = receive_from(&listen, Some(client), &control, |p| repeats.push(p.to_vec())) else {
                    break;
                };
                repeats.push(p);
            }
            log.requests_seen += repeats.len();
            log.received.extend(repeats);
            return log;
        }
        let tid = UdpSocket::bind("127.0.0.1:0").unwrap();
        tid.set_read_timeout(Some(PATIENCE)).unwrap();
        *control.tid.lock().unwrap() = Some(tid.local_addr().unwrap());
        if let Some((code, msg)) = &faults.error {
            tid.send_to(&error(*code, msg), client).unwrap();
            return log;
        }
        let is_write = buf[1] == 2;
        let mut transfer = Transfer {
            tid: &tid,
            client,
            faults: &faults,
            control: &control,
            log: &mut log,
            bystanders: Vec::new(),
        };
        if is_write {
            serve_upload(&mut transfer, blksize, window);
        } else {
            serve_download(&mut transfer, &file, blksize, window);
        }
        for bystander in std::mem::take(&mut transfer.bystanders) {
            transfer.log.bystander_got.extend(bystander.join().unwrap());
        }
        log
    });
    (addr, handle)
}

/// One transfer, on the fake's transfer port.
struct Transfer<'a> {
    tid: &'a UdpSocket,
    client: SocketAddr,
    faults: &'a Faults,
    control: &'a Control,
    log: &'a mut Log,
    /// Bystanders waiting for the client's reply: what each got, if anything.
    bystanders: Vec<JoinHandle<Option<Vec<u8>>>>,
}

impl Transfer<'_> {
    /// The client's next packet on the transfer port (logged), or `None` on timeout or hang-up.
    fn recv(&mut self) -> Option<Vec<u8>> {
        let log = &mut *self.log;
        let (p, _) = receive_from(self.tid, Some(self.client), self.control, |p| {
            log.received.push(p.to_vec())
        })?;
        log.received.push(p.clone());
        Some(p)
    }

    fn send(&self, packet: &[u8]) {
        self.tid.send_to(packet, self.client).unwrap();
    }

    /// A bystander on another port sends `packet` to the client and, on a thread of its own, waits up to 2 s for
    /// the client's reply.
    fn bystander_sends(&mut self, packet: Vec<u8>) {
        let bystander = UdpSocket::bind("127.0.0.1:0").unwrap();
        bystander.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        bystander.send_to(&packet, self.client).unwrap();
        self.bystanders.push(thread::spawn(move || {
            let mut b = [0u8; 600];
            let (n, _) = bystander.recv_from(&mut b).ok()?;
            Some(b[..n].to_vec())
        }));
    }

    /// Whether to lose this packet from the client (block `block`): only its first copy, only if asked to.
    fn lose(&self, block: u64, lost: &mut Vec<u64>) -> bool {
        if self.faults.lose_from_client.contains(&block) && !lost.contains(&block) {
            lost.push(block);
            return true;
        }
        false
    }
}

fn serve_download(t: &mut Transfer, file: &[u8], blksize: usize, window: u64) {
    let faults = t.faults;
    let mut blocks: Vec<&[u8]> = file.chunks(blksize).collect();
    if file.len() % blksize == 0 {
        blocks.push(&[]); // an exact multiple ends with an empty block
    }
    let total = blocks.len() as u64;
    if let Some(options) = &faults.oack {
        t.send(&oack_bytes(options));
        loop {
            let Some(p) = t.recv() else { return };
            if p == ack(0) {
                break;
            }
            if p[1] == 5 {
                return;
            }
        }
    }
    let mut dropped = false;
    let mut lost = Vec::new();
    let mut acked: u64 = 0;
    let mut send_window = true;
    let mut quiet_spells = 0;
    // A timer of the fake's own: a window is resent only when it runs out or an ACK moves forward, never for a
    // duplicate ACK — and duplicates do not restart the timer. Without a timer, only the client moves it on.
    let rexmt = if faults.no_timer {
        PATIENCE
    } else {
        Duration::from_millis(200)
    };
    let mut deadline = Instant::now() + rexmt;
    loop {
        if send_window {
            deadline = Instant::now() + rexmt;
            for k in acked + 1..=(acked + window).min(total) {
                if faults.error_at == Some(k) {
                    t.send(&error(0, "fake failure"));
                    return;
                }
                if faults.drop_once == Some(k) && !dropped {
                    dropped = true;
                    continue;
                }
                let packet = data(k, blocks[(k - 1) as usize]);
                t.send(&packet);
                if faults.duplicate {
                    t.send(&packet);
                }
                if faults.wrong_tid_after == Some(k) {
                    t.bystander_sends(data(k + 1, b"intruder"));
                }
                if faults.stall_after == Some(k) {
                    // Hold the port open, answer nothing, until the client gives up with an ERROR (or the test
                    // hangs up).
                    t.tid.set_read_timeout(Some(PATIENCE)).unwrap();
                    while t.recv().is_some_and(|p| p[1] != 5) {}
                    return;
                }
            }
        }
        send_window = false;
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        t.tid.set_read_timeout(Some(left)).unwrap();
        let Some(p) = t.recv() else {
            quiet_spells += 1;
            if quiet_spells > 50 || faults.no_timer || t.control.hung_up() {
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
            if t.lose(acked + ahead, &mut lost) {
                continue;
            }
            acked += ahead;
            send_window = true;
        }
        if acked == total {
            return;
        }
    }
}

fn serve_upload(t: &mut Transfer, blksize: usize, window: u64) {
    let faults = t.faults;
    let first = match &faults.oack {
        Some(options) => oack_bytes(options),
        None => ack(0),
    };
    t.send(&first);
    let mut expected: u64 = 1;
    let mut dropped = false;
    let mut lost = Vec::new();
    loop {
        let Some(p) = t.recv() else { return };
        if p[1] == 5 {
            return;
        }
        if p[1] != 3 {
            continue;
        }
        let b = u16::from_be_bytes([p[2], p[3]]);
        if b != expected as u16 {
            t.send(&ack(expected - 1));
            continue;
        }
        if t.lose(expected, &mut lost) {
            continue;
        }
        let payload = &p[4..];
        t.log.file.extend_from_slice(payload);
        if faults.stall_after == Some(expected) {
            // Hold the port open, answer nothing, until the client gives up with an ERROR (or the test hangs up).
            t.tid.set_read_timeout(Some(PATIENCE)).unwrap();
            while t.recv().is_some_and(|p| p[1] != 5) {}
            return;
        }
        let last = payload.len() < blksize;
        if last || expected % window == 0 {
            if faults.drop_once == Some(expected) && !dropped {
                dropped = true;
                // Pretend the block was lost: drop what was logged of it and wait for the retransmission.
                t.log.file.truncate(t.log.file.len() - payload.len());
                continue;
            }
            if faults.wrong_tid_after == Some(expected) {
                // Before the real ACK, a bystander sends the same ACK from another port.
                t.bystander_sends(ack(expected));
            }
            t.send(&ack(expected));
            if faults.duplicate {
                t.send(&ack(expected));
            }
        }
        expected += 1;
        if last {
            // Dally: answer a repeated last block for a moment, as RFC 1350 suggests.
            t.tid.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
            while let Some(p) = t.recv() {
                if p[1] == 3 {
                    t.send(&ack(expected - 1));
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
