//! Lab 7 — a TFTP download loop (seed §3.3.2 `download`), done right. The tests run it against a scripted
//! server that duplicates blocks, loses one, and has a stranger send a packet from another port.
//! Replace the `todo!()`; `just lab 7` runs the tests.
//!
//! The rules (RFC 1350):
//! 1. Send the RRQ to the server's port. Its first reply comes from a *new* port: the transfer ID (TID). Latch
//!    it, and send every ACK there.
//! 2. A packet from any other address or port is not part of this transfer: answer it with ERROR 5
//!    (`00 05 00 05 "unknown transfer ID" 00`) and carry on.
//! 3. DATA n, when n is the block you expect: keep its bytes, ACK n. A block shorter than 512 bytes is the last.
//! 4. DATA n again (your ACK was lost): ACK it again, keep nothing.
//! 5. Nothing within `timeout`: send your last packet again (the RRQ, or your last ACK). Give up after 5 tries.
//! 6. ERROR from the server: stop, and return an error with its message.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// Downloads `filename` from `server` (octet mode) and returns its bytes.
pub fn download(socket: &UdpSocket, server: SocketAddr, filename: &str, timeout: Duration) -> io::Result<Vec<u8>> {
    // TODO: build and send the RRQ (lab 2), then loop over the rules above.
    let _ = (socket, server, filename, timeout);
    todo!()
}
