//! TFTP over a bad network: our client and server through the relay with 10% loss, 5% duplication and 5%
//! reordering each way. Every transfer must end, and every file must arrive byte for byte.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tftp::client::{self, ClientConfig};
use tftp::{Mode, OptionRequest, Quiet, Stats};
use tftp_server::{Config as ServerConfig, Server};
use udp_impair::{Config, Impairments, Relay, rng::Rng};

/// Short timers on both sides keep the suite fast; many retries keep a run of bad luck from failing a transfer.
const REXMT: Duration = Duration::from_millis(40);
const RETRIES: u32 = 30;
const WORKERS: usize = 8;

fn bad_network() -> Impairments {
    Impairments {
        loss: 0.10,
        dup: 0.05,
        reorder: 0.05,
        ..Default::default()
    }
}

struct Lab {
    root: tempfile::TempDir,
    relay: Relay,
    stop: tftp_server::Stopper,
    server: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.stop.stop();
        if let Some(t) = self.server.take() {
            let _ = t.join();
        }
    }
}

fn lab(seed: u64) -> Lab {
    let root = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new(root.path()).unwrap();
    config.create = true;
    config.rexmt = REXMT;
    config.retries = RETRIES;
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        config,
        Arc::new(Mutex::new(std::io::sink())),
    )
    .unwrap();
    let addr = server.local_addr().unwrap();
    let stop = server.stopper().unwrap();
    let thread = std::thread::spawn(move || server.run().unwrap());
    let relay_config = Config {
        up: bad_network(),
        down: bad_network(),
        seed,
        ..Config::new("127.0.0.1:0".parse().unwrap(), addr)
    };
    let relay = Relay::start(relay_config).unwrap();
    Lab {
        root,
        relay,
        stop,
        server: Some(thread),
    }
}

/// Random sizes from 0 to `largest`, every fourth an exact multiple of the block size.
fn sizes(count: usize, seed: u64, largest: usize, blksize: usize) -> Vec<usize> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|i| {
            let n = rng.below(largest as u64 + 1) as usize;
            if i % 4 == 0 { n / blksize * blksize } else { n }
        })
        .collect()
}

fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    (0..len).map(|_| rng.next_u64() as u8).collect()
}

#[derive(Default)]
struct Totals {
    transfers: AtomicUsize,
    retransmits: AtomicUsize,
    timeouts: AtomicUsize,
}

impl Totals {
    fn add(&self, s: &Stats) {
        self.transfers.fetch_add(1, Ordering::Relaxed);
        self.retransmits.fetch_add(s.retransmits as usize, Ordering::Relaxed);
        self.timeouts.fetch_add(s.timeouts as usize, Ordering::Relaxed);
    }
}

/// Runs `jobs` on a few threads at once.
fn in_parallel(jobs: Vec<Box<dyn FnOnce() + Send + '_>>) {
    let queue = Mutex::new(jobs);
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| {
                loop {
                    let job = queue.lock().unwrap().pop();
                    match job {
                        Some(job) => job(),
                        None => return,
                    }
                }
            });
        }
    });
}

fn run_suite(name: &str, count: usize, largest: usize, options: OptionRequest, seed: u64) {
    let started = Instant::now();
    let lab = lab(seed);
    let relay_addr: SocketAddr = lab.relay.local_addr();
    let cfg = ClientConfig {
        rexmt: REXMT,
        retries: RETRIES,
        options,
        mode: Mode::Octet,
        ..ClientConfig::new(relay_addr)
    };
    let sizes = sizes(count, seed, largest, options.blksize.map_or(512, usize::from));
    // Files to download are put in place directly; files to upload go through the relay.
    for (i, &len) in sizes.iter().enumerate() {
        std::fs::write(lab.root.path().join(format!("down{i}")), content(len, i as u64)).unwrap();
    }
    let totals = Totals::default();
    let mut jobs: Vec<Box<dyn FnOnce() + Send + '_>> = Vec::new();
    for (i, &len) in sizes.iter().enumerate() {
        let (down_cfg, totals) = (cfg.clone(), &totals);
        jobs.push(Box::new(move || {
            let mut got = Vec::new();
            let out = client::download(&down_cfg, &format!("down{i}"), &mut got, &mut Quiet)
                .unwrap_or_else(|e| panic!("download {i} ({len} bytes) failed: {e}"));
            assert!(got == content(len, i as u64), "download {i} ({len} bytes) differs");
            totals.add(&out.stats);
        }));
        let up_cfg = cfg.clone();
        jobs.push(Box::new(move || {
            let data = content(len, 1000 + i as u64);
            let out = client::upload(
                &up_cfg,
                &format!("up{i}"),
                &mut data.as_slice(),
                Some(len as u64),
                &mut Quiet,
            )
            .unwrap_or_else(|e| panic!("upload {i} ({len} bytes) failed: {e}"));
            totals.add(&out.stats);
        }));
    }
    in_parallel(jobs);
    // The server saves an upload before it sends the final ACK, so every upload is on disk now.
    for (i, &len) in sizes.iter().enumerate() {
        let stored = std::fs::read(lab.root.path().join(format!("up{i}"))).unwrap();
        assert!(
            stored == content(len, 1000 + i as u64),
            "upload {i} ({len} bytes) differs on the server"
        );
    }
    let tally = lab.relay.tally();
    assert!(tally.up.dropped > 0 && tally.down.dropped > 0 && tally.up.duplicated > 0 && tally.down.reordered > 0);
    println!(
        "{name}: {} transfers ({count} downloads + {count} uploads) byte-identical in {:.1} s; client retransmissions {}, \
         timeouts {}\n{tally}",
        totals.transfers.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64(),
        totals.retransmits.load(Ordering::Relaxed),
        totals.timeouts.load(Ordering::Relaxed),
    );
    assert_eq!(totals.transfers.load(Ordering::Relaxed), 2 * count);
}

#[test]
fn fifty_downloads_and_fifty_uploads_through_a_lossy_network() {
    run_suite(
        "lock-step, 512-byte blocks",
        50,
        256 << 10,
        OptionRequest::default(),
        2024,
    );
}

#[test]
fn windowed_transfers_through_a_lossy_network() {
    let options = OptionRequest {
        blksize: Some(1428),
        windowsize: Some(16),
        ..Default::default()
    };
    run_suite("blksize 1428, windowsize 16", 12, 256 << 10, options, 7440);
}

/// The biggest blocks and windows: the server's downloads read the file on a second thread
/// (`tftp::transfer::send_file`), and lost blocks must be resent from the packets kept in flight.
#[test]
fn big_windows_through_a_lossy_network() {
    let options = OptionRequest {
        blksize: Some(65464),
        windowsize: Some(16),
        ..Default::default()
    };
    run_suite("blksize 65464, windowsize 16", 6, 4 << 20, options, 2348);
}
