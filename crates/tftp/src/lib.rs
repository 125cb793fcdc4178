//! # tftp — the Trivial File Transfer Protocol, as a library
//!
//! Seed §3.3: TFTP moves a file over UDP in numbered blocks, each one acknowledged. This crate holds everything
//! both ends need — one codec, one transfer engine — and the `tftp-client` and `tftp-server` binaries are thin
//! layers over it.
//!
//! ## Layout
//! - [`packet`]: the six packets (RRQ, WRQ, DATA, ACK, ERROR, OACK) <-> bytes, byte order written out by hand;
//!   the values inside them that have names (mode, error code, download or upload) are in `fields.rs`.
//! - [`options`]: RFC 2347 negotiation of blksize, timeout, tsize and windowsize.
//! - [`netascii`]: the text mode's line-end translation, with its state carried across blocks.
//! - [`transfer`] (a folder): the send and receive loops — TID latching, retransmission, windows, block-number
//!   rollover — in lesson files of their own, and the machinery that makes them fast beside them.
//! - [`client`]: a whole download or upload from the client's side, used by `tftp-client`.
//!
//! ## RFCs
//! RFC 1350 (TFTP), RFC 1123 §4.2 (the Sorcerer's Apprentice fix), RFC 2347 (options), RFC 2348 (blksize),
//! RFC 2349 (timeout, tsize), RFC 7440 (windowsize).

pub mod client;
mod fields;
pub mod netascii;
pub mod options;
pub mod packet;
pub mod transfer;

pub use options::{Negotiated, OptionRequest};
pub use packet::{ErrorCode, Mode, Operation, Packet, Request};
pub use transfer::{Observer, Quiet, Stats, TransferError};
