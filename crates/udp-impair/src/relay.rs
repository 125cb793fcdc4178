//! The running relay as a program or a test holds it: [`Relay::start`] binds the listen port and starts the
//! threads, [`Relay::tally`] reads the counts, [`Relay::stop`] (or dropping it) ends every thread.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::clients::listen_loop;
use crate::config::Config;
use crate::later::{self, Later};
use crate::ring::SentUp;
use crate::shared::{Shared, TICK, relay_socket};
use crate::tally::{Counters, Tally};

/// A running relay. Dropping it stops it.
#[derive(Debug)]
pub struct Relay {
    shared: Arc<Shared>,
    local: SocketAddr,
    /// The listen thread and the thread that sends held datagrams.
    threads: Vec<JoinHandle<()>>,
}

/// Whether `--to` is the relay's own listen address `local`, so that every datagram would come back to it (as a new
/// client each time, until `--max-clients` of them fill the relay).
///
/// Addresses are compared in their canonical form: `::ffff:127.0.0.1` (also written `0:0:0:0:0:ffff:7f00:1`) is
/// IPv4's 127.0.0.1 reached through an IPv6 socket. A wildcard listen address hears the loopback — `[::]` both
/// IPv6's and, dual stack, IPv4's — and a datagram sent to a wildcard address goes to the loopback.
pub fn leads_back(local: SocketAddr, to: SocketAddr) -> bool {
    let here = local.ip().to_canonical();
    let there = match to.ip().to_canonical() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    // An IPv4 wildcard hears only IPv4; an IPv6 one (dual stack, as Linux and macOS make it) hears both.
    let wildcard_hears = here.is_unspecified() && there.is_loopback() && (here.is_ipv6() || there.is_ipv4());
    to.port() == local.port() && (here == there || wildcard_hears)
}

impl Relay {
    /// Binds the listen port and starts relaying.
    pub fn start(config: Config) -> io::Result<Relay> {
        let listen = relay_socket(config.listen)?;
        let local = listen.local_addr()?;
        let (later, held) = Later::new();
        let shared = Arc::new(Shared {
            config,
            listen,
            stop: AtomicBool::new(false),
            up: Counters::default(),
            down: Counters::default(),
            sessions: Mutex::new(HashMap::new()),
            clients: AtomicUsize::new(0),
            later,
            held: AtomicUsize::new(0),
            arrivals: AtomicU64::new(0),
            threads: Mutex::new(Vec::new()),
            sent_up: Mutex::new(SentUp::default()),
        });
        let mut threads = Vec::new();
        let s = Arc::clone(&shared);
        threads.push(
            std::thread::Builder::new()
                .name("impair-listen".into())
                .spawn(move || listen_loop(&s))?,
        );
        let s = Arc::clone(&shared);
        threads.push(
            std::thread::Builder::new()
                .name("impair-later".into())
                .spawn(move || later::run(&held, &s.stop, TICK, |out| s.deliver_held(out)))?,
        );
        Ok(Relay { shared, local, threads })
    }

    /// The listen address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The counts so far.
    pub fn tally(&self) -> Tally {
        Tally {
            up: self.shared.up.snapshot(),
            down: self.shared.down.snapshot(),
        }
    }

    /// Clients relayed now, each with a socket and a thread of its own; never more than [`Config::max_clients`].
    pub fn clients(&self) -> usize {
        self.shared.clients.load(Ordering::SeqCst)
    }

    /// The relay's threads still running: one for the listen port, one for delayed sends, one per client and one
    /// per mirrored server port.
    pub fn threads(&self) -> usize {
        let running = |threads: &[JoinHandle<()>]| threads.iter().filter(|t| !t.is_finished()).count();
        running(&self.threads) + self.shared.threads.lock().map(|t| running(&t)).unwrap_or(0)
    }

    /// Stops every thread and returns the final counts.
    pub fn stop(mut self) -> Tally {
        self.shutdown();
        self.tally()
    }

    fn shutdown(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        let others: Vec<JoinHandle<()>> = self
            .shared
            .threads
            .lock()
            .map(|mut t| t.drain(..).collect())
            .unwrap_or_default();
        for t in others {
            let _ = t.join();
        }
        if let Ok(mut sessions) = self.shared.sessions.lock() {
            sessions.clear();
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relay_leads_back_to_itself_only_through_its_own_address_and_port() {
        let addr = |text: &str| text.parse::<SocketAddr>().unwrap();
        assert!(leads_back(addr("127.0.0.1:4000"), addr("127.0.0.1:4000")));
        assert!(
            leads_back(addr("0.0.0.0:4000"), addr("127.0.0.2:4000")),
            "a wildcard hears loopback"
        );
        assert!(leads_back(addr("[::]:4000"), addr("[::1]:4000")));
        assert!(!leads_back(addr("127.0.0.1:4000"), addr("127.0.0.1:4001")));
        assert!(
            !leads_back(addr("127.0.0.1:4000"), addr("127.0.0.2:4000")),
            "another address's port"
        );
    }

    #[test]
    fn an_ipv4_mapped_address_is_the_ipv4_address_it_maps() {
        let addr = |text: &str| text.parse::<SocketAddr>().unwrap();
        for to in [
            "[::ffff:127.0.0.1]:4000",
            "[::ffff:127.0.0.2]:4000",
            "[0:0:0:0:0:ffff:7f00:1]:4000",
        ] {
            assert!(leads_back(addr("[::]:4000"), addr(to)), "[::] hears IPv4 too: {to}");
            assert!(leads_back(addr("0.0.0.0:4000"), addr(to)), "{to}");
        }
        assert!(leads_back(addr("127.0.0.1:4000"), addr("[::ffff:127.0.0.1]:4000")));
        assert!(leads_back(addr("[::ffff:127.0.0.1]:4000"), addr("127.0.0.1:4000")));
        assert!(!leads_back(addr("127.0.0.1:4000"), addr("[::ffff:127.0.0.2]:4000")));
    }

    #[test]
    fn a_wildcard_destination_is_the_loopback() {
        let addr = |text: &str| text.parse::<SocketAddr>().unwrap();
        assert!(leads_back(addr("127.0.0.1:4000"), addr("0.0.0.0:4000")));
        assert!(leads_back(addr("[::1]:4000"), addr("[::]:4000")));
        assert!(leads_back(addr("[::]:4000"), addr("[::ffff:0.0.0.0]:4000")));
        assert!(
            !leads_back(addr("0.0.0.0:4000"), addr("[::1]:4000")),
            "an IPv4 wildcard does not hear IPv6"
        );
    }
}
