//! Lab 7 — a TFTP download loop (seed §3.3.2 `download`), done right. The tests run it against a scripted
//! server that sends blocks twice, loses your packets, goes silent, and has a stranger send a packet from another
//! port. Replace the `todo!()`; `just lab 7` runs the tests.
//!
//! The rules (RFC 1350):
//! 1. Build the RRQ by hand — `00 01`, the file name's UTF-8 bytes, `00`, `octet`, `00` — and send it to
//!    `server`. The server's first reply comes from a *new* port: its transfer ID (TID). Latch it, and send every
//!    ACK there.
//! 2. A packet from any other address or port is not part of this transfer: answer it with ERROR 5
//!    (`00 05 00 05 "unknown transfer ID" 00`), keep nothing of it, and carry on.
//! 3. DATA n, when n is the block you expect (1, 2, 3, ...; after 65535 comes 0): keep its data, ACK n. A block
//!    with fewer than 512 bytes of data (maybe none) is the last: ACK it, then return the file.
//! 4. The block before again (the server did not get your ACK and sent it once more): ACK it again, keep nothing.
//! 5. Wait at most `timeout` for each packet. When nothing comes, send your last packet again (the RRQ to
//!    `server`, or your last ACK to the TID) — at most 5 times in a row. If the wait after the 5th resend runs
//!    out too, return an error of kind `io::ErrorKind::TimedOut`. A new block starts the count again.
//! 6. An ERROR from the server ends the transfer: return an error whose message contains the server's message.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// Downloads `filename` from `server` (octet mode) and returns its bytes.
pub fn download(socket: &UdpSocket, server: SocketAddr, filename: &str, timeout: Duration) -> io::Result<Vec<u8>> {
    // TODO: set the socket's read timeout, build and send the RRQ, then loop over the rules above. Receive into a
    // buffer big enough for any datagram.
    let _ = (socket, server, filename, timeout);
    todo!()
}
