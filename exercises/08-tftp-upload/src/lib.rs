//! Lab 8 — a TFTP upload loop (seed §3.3.2 `upload`), without the seed's bug. The seed packs every block with
//! `pack("!HH512s", ...)`, which pads the last block to 512 bytes with zeros: every upload grows to a multiple
//! of 512, and the server never sees a short block telling it the file has ended.
//! Replace the `todo!()`; `just lab 8` runs the tests.
//!
//! The rules (RFC 1350):
//! 1. Send the WRQ; the server answers ACK 0 from a new port (its TID). Send every DATA there.
//! 2. DATA n carries the next 512 bytes; the last carries what is left — fewer than 512. If the file is a multiple
//!    of 512 bytes (or empty), the last DATA is empty.
//! 3. ACK n: send DATA n+1. A repeated ACK (n again) is ignored — answering it would send every later block twice.
//! 4. Nothing within `timeout`: send your last packet again. Give up after 5 tries.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// Uploads `data` as `filename` to `server` (octet mode).
pub fn upload(
    socket: &UdpSocket,
    server: SocketAddr,
    filename: &str,
    data: &[u8],
    timeout: Duration,
) -> io::Result<()> {
    // TODO
    let _ = (socket, server, filename, data, timeout);
    todo!()
}
