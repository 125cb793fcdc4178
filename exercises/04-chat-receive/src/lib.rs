//! Lab 4 — the chat's receive step (seed §3.2.1-2): the receiving thread's loop body and the line it prints.
//! Replace every `todo!()`; `just lab 4` runs the tests.

use std::io;
use std::net::{SocketAddr, UdpSocket};

use netlab::Encoding;

/// The seed's line, `"%s:%d %s\t%s" % (host, port, ctime(), text)`: for example
/// `192.168.0.200:8080 Wed Nov 25 03:16:51 2026\t你好`. An IPv6 host is written in brackets: `[::1]:8080 ...`.
/// The text is kept exactly as given.
pub fn chat_line(from: SocketAddr, stamp: &str, text: &str) -> String {
    // TODO: host, ':', port, ' ', stamp, a TAB, the text.
    let _ = (from, stamp, text);
    todo!()
}

/// Receives one message on `socket` and returns its line. The bytes are decoded with `encoding`
/// (`Encoding::decode` never fails: bad bytes show as \xNN). Up to 65,507 bytes must arrive whole.
pub fn receive_line(socket: &UdpSocket, encoding: Encoding, stamp: &str) -> io::Result<String> {
    // TODO: recv_from into a big enough buffer, decode, then chat_line.
    let _ = (socket, encoding, stamp);
    todo!()
}
