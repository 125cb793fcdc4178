//! Lab 8 — a TFTP upload loop (seed §3.3.2 `upload`), without the seed's bugs. The seed packs every block with
//! `pack("!HH512s", ...)`, which pads the last block to 512 bytes with zeros: every upload grows to a multiple
//! of 512, and the server never sees a short block telling it the file has ended.
//! Replace the `todo!()`; `just lab 8` runs the tests.
//!
//! The rules (RFC 1350):
//! 1. Build the WRQ by hand — `00 02`, the file name's UTF-8 bytes, `00`, `octet`, `00` — and send it to
//!    `server`. The server answers ACK 0 from a *new* port: its transfer ID (TID). Latch it, and send every DATA
//!    there.
//! 2. A packet from any other address or port is not part of this transfer: answer it with ERROR 5
//!    (`00 05 00 05 "unknown transfer ID" 00`), and carry on as if it had not come.
//! 3. ACK n, when n is the block you sent last (0 for the WRQ): send DATA n+1 (after 65535 comes 0) with the next
//!    512 bytes — or what is left, fewer than 512. If the file's size is a multiple of 512 (or 0), the last DATA
//!    is empty. The ACK of that last, short block ends the upload: return `Ok(())`.
//! 4. Any other ACK (a repeated one) is ignored — answering it would send every later block twice.
//! 5. Wait at most `timeout` for each packet. When nothing comes, send your last packet again (the WRQ to
//!    `server`, or your last DATA to the TID) — at most 5 times in a row. If the wait after the 5th resend runs
//!    out too, return an error of kind `io::ErrorKind::TimedOut`. A new ACK starts the count again.
//! 6. An ERROR from the server ends the transfer: return an error whose message contains the server's message.

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
    // TODO: set the socket's read timeout, build and send the WRQ, then loop over the rules above.
    let _ = (socket, server, filename, data, timeout);
    todo!()
}
