//! # endian-demo — byte order made visible (seed §3.3.2, parts 1 and 2)
//!
//! A multi-byte number sits in memory as several bytes; which byte comes first is the machine's *byte order*.
//! Networks agree on one order — big endian, "network byte order" — so a program must convert. The seed builds
//! TFTP packets with Python's `struct.pack`; this crate speaks the same format language, so a student gets the
//! same bytes from Rust and can compare them with Python byte for byte.
//!
//! ## Layout
//! - [`structfmt`]: `pack`, `unpack` and `calcsize` over [`Value`], Python's format language in full.
//! - [`order`]: how a value's bytes sit in little- and big-endian memory, for the tables the program prints.

pub mod order;
pub mod structfmt;

pub use structfmt::{StructError, Value, calcsize, pack, unpack};
