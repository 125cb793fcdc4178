//! What the relay is told (seed §3.1): where to listen, where to relay, and what to do to datagrams each way.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use netlab::capture::Capture;

/// Clients relayed at once unless told otherwise. Each costs a socket and a thread (more with a TFTP server's
/// transfer ports), and any datagram from a new source port makes a new client: without a limit, a burst from
/// 8,000 ports made 8,000 threads. A lab runs a handful of clients; 256 leaves plenty of room.
pub const MAX_CLIENTS: usize = 256;
/// How long a silent client is remembered unless told otherwise: longer than any TFTP timeout and retry run.
pub const IDLE: Duration = Duration::from_secs(60);
/// The longest `--delay` and `--jitter` the program takes, in milliseconds: a minute, longer than any TFTP timeout
/// and retry run. Longer would show nothing new, and only keep datagrams in memory longer.
pub const MAX_DELAY_MS: u64 = 60_000;
/// How many bytes of datagrams may wait to be sent later (delayed, jittered, reordered) unless told otherwise;
/// one more is dropped instead. Each waits in memory: with no limit, 15,000 datagrams of 60 KB held for a day made
/// the relay 883 MB. 64 MiB holds a minute's delay of a TFTP transfer at 1 MB/s, more than a lab sends.
pub const MAX_HELD: usize = 64 << 20;

/// What happens to datagrams going one way. Probabilities are fractions (0.1 = 10%).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Impairments {
    /// Chance that a datagram is dropped.
    pub loss: f64,
    /// Chance that a datagram is sent twice.
    pub dup: f64,
    /// Chance that a datagram is held back [`REORDER_HOLD`](crate::REORDER_HOLD) so that later ones pass it.
    pub reorder: f64,
    /// Chance that one bit of a datagram is flipped.
    pub corrupt: f64,
    /// Fixed delay added to every datagram.
    pub delay: Duration,
    /// Random extra delay, uniform in ±jitter (never below zero); it reorders too when larger than the gaps.
    pub jitter: Duration,
}

impl fmt::Display for Impairments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "loss {}%, dup {}%, reorder {}%, corrupt {}%, delay {} ms ± {} ms",
            self.loss * 100.0,
            self.dup * 100.0,
            self.reorder * 100.0,
            self.corrupt * 100.0,
            self.delay.as_millis(),
            self.jitter.as_millis()
        )
    }
}

/// Where to listen, where to relay, and what to do each way.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address clients send to (port 0 picks one; see [`Relay::local_addr`](crate::Relay::local_addr)).
    pub listen: SocketAddr,
    /// The server.
    pub to: SocketAddr,
    /// Client to server.
    pub up: Impairments,
    /// Server to client.
    pub down: Impairments,
    /// Seed for every random decision.
    pub seed: u64,
    /// A client silent this long is forgotten and its upstream socket closed.
    pub idle: Duration,
    /// Clients relayed at once; a datagram from any other source is refused until one is forgotten.
    pub max_clients: usize,
    /// Bytes of datagrams held to be sent later, at most, each counted with 128 bytes more for its bookkeeping: a
    /// datagram to be held that would go past it is dropped (counted as dropped, and said so in the capture).
    pub max_held: usize,
    /// `--pcap FILE`: every datagram as it arrived and as it left, its fate in the comment (see
    /// [`crate::capture`]).
    pub capture: Option<Arc<Capture>>,
}

impl Config {
    /// A relay that passes everything unchanged.
    pub fn new(listen: SocketAddr, to: SocketAddr) -> Self {
        Config {
            listen,
            to,
            up: Impairments::default(),
            down: Impairments::default(),
            seed: 1,
            idle: IDLE,
            max_clients: MAX_CLIENTS,
            max_held: MAX_HELD,
            capture: None,
        }
    }
}

/// Reads a percentage: `10%`, `10` or `0.5%`; returns a fraction.
pub fn parse_percent(text: &str) -> Result<f64, String> {
    let number = text.trim().trim_end_matches('%');
    let value: f64 = number.parse().map_err(|_| format!("{text:?} is not a percentage"))?;
    if !(0.0..=100.0).contains(&value) {
        return Err(format!("{text:?} is not between 0% and 100%"));
    }
    Ok(value / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("10%"), Ok(0.1));
        assert_eq!(parse_percent("2.5"), Ok(0.025));
        assert!(parse_percent("101%").unwrap_err().contains("between 0% and 100%"));
        assert!(parse_percent("x").unwrap_err().contains("not a percentage"));
    }

    #[test]
    fn impairments_read_as_the_ready_lines_print_them() {
        let knobs = Impairments {
            loss: 0.1,
            dup: 0.05,
            delay: Duration::from_millis(50),
            jitter: Duration::from_millis(20),
            ..Default::default()
        };
        assert_eq!(
            knobs.to_string(),
            "loss 10%, dup 5%, reorder 0%, corrupt 0%, delay 50 ms ± 20 ms"
        );
    }
}
