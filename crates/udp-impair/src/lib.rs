//! # udp-impair — a bad network on purpose
//!
//! Seed §3.1 says UDP may lose, duplicate and reorder datagrams — but on loopback nothing is ever lost, so a
//! student never sees it happen. This relay sits between a UDP client and server and does, on purpose and
//! repeatably (`--seed`), what a bad network does by accident: drop, duplicate, reorder, delay and corrupt.
//!
//! ```text
//! client  ──►  udp-impair --listen  ──►  server (--to)       each datagram: Fate::decide, then
//! client  ◄──  udp-impair           ◄──  server              drop / send now / later / twice / one bit flipped
//! ```
//!
//! What happens to one datagram is decided by a pure function, [`Fate::decide`], from the settings and a seeded
//! generator: the same seed and the same traffic give the same faults. The rest is plumbing: sockets and
//! threads that carry each fate out, and follow a TFTP server to its new port so that the client sees a new
//! transfer ID just as it would without the relay.
//!
//! ## Layout
//! - [`config`]: [`Impairments`] (what to do to datagrams going one way) and [`Config`] (where, and each way).
//! - [`fate`]: [`Fate::decide`], the pure decision — drop, or send: with one bit flipped, twice, delayed, held
//!   back — with byte-level tests. Start here.
//! - [`tally`]: [`Counts`] per direction and the [`Tally`] table printed every second with `-v` and at exit.
//! - [`capture`]: `--pcap FILE`: each datagram as it arrived and as it left, its fate in the packet's comment.
//! - `shared`: what the relay's threads share, and carrying a fate out (count it; send now, later, twice, never).
//! - `clients`: the threads, one per socket — the listen port, one upstream socket per client, one mirror per
//!   server transfer port — and forgetting silent clients. At most [`Config::max_clients`] at once; datagrams
//!   from further clients are refused (counted, not relayed).
//! - `later`: machinery: datagrams held back until they fall due, sent by a thread of their own.
//! - `ring`: machinery: the datagrams sent upstream lately, to know one that comes back through another relay.
//! - [`relay`]: [`Relay`], the running relay: start, tally, stop.
//! - [`rng`]: the seeded random number generator behind every fault (netlab's, re-exported).

pub use netlab::rng;

pub mod capture;
mod clients;
pub mod config;
pub mod fate;
mod later;
pub mod relay;
mod ring;
mod shared;
pub mod tally;

pub use config::{Config, IDLE, Impairments, MAX_CLIENTS, MAX_DELAY_MS, MAX_HELD, parse_percent};
pub use fate::{Delivery, Fate, Flip, REORDER_HOLD};
pub use relay::Relay;
pub use tally::{Counts, Tally};
