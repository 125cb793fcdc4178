//! # endian-demo — byte order made visible (seed §3.3.2, parts 1 and 2)
//!
//! A multi-byte number sits in memory as several bytes; which byte comes first is the machine's *byte order*.
//! Networks agree on one order — big endian, "network byte order" — so a program must convert. The seed builds
//! TFTP packets with Python's `struct.pack`; this crate speaks the same format language, so a student gets the
//! same bytes from Rust and can compare them with Python byte for byte.
//!
//! ## Layout
//! - [`structfmt`]: Python's format language in full, one file per concern:
//!   - `structfmt/format.rs`: a format read into byte order and items, sizes, [`calcsize`];
//!   - `structfmt/pack.rs`, `structfmt/unpack.rs`: [`pack`](fn@pack) and [`unpack`](fn@unpack) over [`Value`]s;
//!   - `structfmt/half.rs`: the 2-byte `e` float, by hand;
//!   - `structfmt/python.rs`: values as Python writes them ([`structfmt::python_tuple`]), and the command
//!     line's text read as the values a format wants.
//! - [`order`]: how a value's bytes sit in little- and big-endian memory: the tables, [`order::tour`] (the
//!   program with no command) and [`order::show`].
//! - [`rrq`]: the seed's TFTP read request built with `pack`, field by field, and its `len(file)` bug.
//!
//! The program, `src/main.rs`, only reads its arguments (clap), calls these, and prints.

pub mod order;
pub mod rrq;
pub mod structfmt;

pub use structfmt::{StructError, Value, calcsize, pack, unpack};
