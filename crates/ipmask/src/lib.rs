//! # ipmask — a subnet calculator that teaches (seed §1.2)
//!
//! A mask splits an IP address into a network part and a host part. This crate does that arithmetic from first
//! principles, for IPv4 and IPv6, and shows the bits so a student can see the split. The broadcast crate uses
//! [`directed_broadcast`] to find an interface's broadcast address, and [`prefix_of_mask`] to write its mask as
//! `/24`.
//!
//! ## Layout
//! Each module uses only those listed above it, so the crate reads top to bottom:
//! - [`error`]: [`Error`], the one error: which part of the input is wrong, and why.
//! - [`net`]: the math — [`Net`], [`net::mask`] and its inverse [`prefix_of_mask`], netmask, network,
//!   broadcast, hosts, [`Count`]s, [`directed_broadcast`].
//! - [`reverse`]: reverse-DNS names (`1.1.168.192.in-addr.arpa`) and a network's zone.
//! - [`class`]: classes A–E and what an address is for (private, loopback, documentation, ...).
//! - [`parse`](mod@parse): the input forms (`/24`, `255.255.255.0`, `0xffffff00`, wildcard `0.0.0.255`, bare
//!   address), ranges, and lists of networks one a line.
//! - [`ops`]: splitting, variable-length subnets (VLSM), aggregation, range to CIDR blocks, and "same subnet?".
//! - [`render`]: what each command prints — the report with coloured bits, the split and VLSM tables — and JSON.
//!
//! The program, `src/main.rs`, only reads its arguments (clap), calls these, and prints.

pub mod class;
pub mod error;
pub mod net;
pub mod ops;
pub mod parse;
pub mod render;
pub mod reverse;

pub use error::Error;
pub use net::{Count, Net, directed_broadcast, prefix_of_mask};
pub use parse::{MaskForm, Parsed, parse};
