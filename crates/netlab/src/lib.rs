//! # netlab — the pieces every Socket Labs program shares
//!
//! The seed tutorial's programs each repeat the same chores: read an address typed by a person, make a socket with
//! the right options, print bytes so a student can see them, turn text into bytes and back, and stamp messages with
//! `time.ctime()`. This crate does each chore once, so the lab crates can stay about their own lesson.
//!
//! ## Layout
//! - [`addr`]: addresses the way the seed's Python reads them — `''`, `<broadcast>`, IPv4, IPv6, host names,
//!   `host:port` — with errors that name the bad part.
//! - [`capture`]: `--pcap FILE`: each datagram wrapped in the IPv4/IPv6 and UDP headers the kernel would add
//!   (written by hand: seed §1.1), in a pcapng file Wireshark opens.
//! - [`args`]: numbers typed on the command line, with the limits `--help` states ([`args::seconds`]).
//! - [`exit`]: exit codes, one convention for every program — 0 success, 1 runtime failure, 2 bad usage or bad
//!   input — as [`exit::Failure`] and the [`exit::report`] that ends each `main`.
//! - [`sock`]: [`SocketBuilder`], socket options through socket2 (reuse, broadcast, buffer sizes, timeouts,
//!   dual-stack) handing back plain `std::net` sockets; [`explain_bind_error`] for one-line bind failures;
//!   the datagram sizes [`MAX_UDP_PAYLOAD`] (the most one can carry) and [`MAX_DATAGRAM`] (a receive buffer).
//! - [`hexdump`](mod@hexdump): `offset | hex | ASCII` dumps and Python `b'...'` literals, for teaching output.
//! - [`text`]: UTF-8 and GBK encode/decode; undecodable bytes are shown as `\xNN`, never a failure; text from the
//!   network printed with its control characters escaped (`\x1b`, `\n`).
//! - [`lines`]: [`lines::LineReader`], lines of input with a limit on their length, so that input with no
//!   newline (`< /dev/zero`) is one clear error instead of all the memory.
//! - [`ctime`](mod@ctime): a local timestamp in the shape of Python's `time.ctime()` (`Wed Nov 25 03:16:51 2026`).
//! - [`rng`]: a seeded random number generator, for repeatable faults (udp-impair) and test cases (the oracles).
//! - [`output`]: [`println!`] and [`print!`] that end the program quietly when standard output is a closed pipe
//!   (`| head -1`), as `cat` does, instead of panicking; [`output::Stdout`] as a writer that does the same.

pub mod addr;
pub mod args;
pub mod capture;
pub mod ctime;
pub mod exit;
pub mod hexdump;
pub mod lines;
pub mod output;
pub mod rng;
pub mod sock;
pub mod text;

pub use addr::{AddrError, Host, parse_endpoint, parse_host, read_endpoint, read_host};
pub use ctime::{ctime, ctime_now};
pub use hexdump::{bytes_literal, hexdump};
pub use sock::{MAX_DATAGRAM, MAX_UDP_PAYLOAD, SocketBuilder, explain_bind_error, recv_buffer_size};
pub use text::{Encoding, Unencodable};
