//! # ipmask — a subnet calculator that teaches (seed §1.2)
//!
//! A mask splits an IP address into a network part and a host part. This crate does that arithmetic from first
//! principles, for IPv4 and IPv6, and shows the bits so a student can see the split. The broadcast crate uses
//! [`directed_broadcast`] to find an interface's broadcast address.
//!
//! ## Layout
//! - [`net`]: the math — [`Net`], netmask, network, broadcast, hosts, counts, reverse-DNS names.
//! - [`parse`](mod@parse): the input forms (`/24`, `255.255.255.0`, `0xffffff00`, wildcard `0.0.0.255`, bare address).
//! - [`class`]: classes A–E and what an address is for (private, loopback, documentation, ...).
//! - [`ops`]: splitting, variable-length subnets (VLSM), aggregation, range to CIDR blocks, and "same subnet?".
//! - [`render`]: the report with coloured bits, and JSON.

pub mod class;
pub mod net;
pub mod ops;
pub mod parse;
pub mod render;

pub use net::{Count, Net, directed_broadcast};
pub use parse::{MaskForm, ParseError, Parsed, parse};
