//! The TCP server's places under pressure, on 127.0.0.1 with port 0: clients that stop taking part (sending
//! nothing, or never reading their echo) lose their place after `--idle`, and refused clients read the "busy"
//! line even while they are still sending.
#![allow(clippy::unwrap_used)]

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use labbench::lines::Lines;

/// A TCP server process with `-q` (it still prints refusals and dropped clients), killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    lines: Lines,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tcp_server(args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_echo-server"))
        .args(["--tcp", "--bind", "127.0.0.1", "--port", "0", "-q"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::of(child.stdout.take().unwrap());
    let addr = lines.next().split_whitespace().nth(2).unwrap().parse().unwrap();
    Server { child, addr, lines }
}

/// A client served now: its first byte has come back, so the server counts it.
fn served(addr: SocketAddr) -> TcpStream {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c.write_all(b"x").unwrap();
    let mut one = [0u8; 1];
    c.read_exact(&mut one).unwrap();
    c
}

/// Sends without ever reading, until the server gives up on it (the write fails) or 30 s or 1 GiB have gone by;
/// returns the bytes sent and whether the server gave up.
fn never_read(mut hog: TcpStream) -> (u64, bool) {
    // A short write timeout only so that the time limit is checked; a timeout is not the end.
    hog.set_write_timeout(Some(Duration::from_millis(200))).unwrap();
    let chunk = vec![b'm'; 64 * 1024];
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut sent = 0u64;
    while Instant::now() < deadline && sent < 1 << 30 {
        match hog.write(&chunk) {
            Ok(n) => sent += n as u64,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            Err(_) => return (sent, true),
        }
    }
    (sent, false)
}

#[test]
fn clients_that_stop_reading_or_sending_lose_their_place() {
    // The case, smaller: every place held by a client that sends megabytes and never reads its echo, or
    // by one that says nothing. Before, only the silent one was dropped; the other held its place for ever.
    let s = tcp_server(&["--max-clients", "2", "--idle", "1"]);
    let hog = served(s.addr);
    let hog_addr = hog.local_addr().unwrap();
    let pushing = std::thread::spawn(move || never_read(hog));
    let silent = served(s.addr);
    let silent_addr = silent.local_addr().unwrap();
    let mut dropped = [s.lines.wait_for("dropped"), s.lines.wait_for("dropped")];
    dropped.sort_by_key(|line| !line.starts_with(&hog_addr.to_string()));
    assert_eq!(
        dropped[0],
        format!("{hog_addr} dropped: did not read its echo for --idle seconds")
    );
    assert_eq!(
        dropped[1],
        format!("{silent_addr} dropped: sent nothing for --idle seconds")
    );
    let (sent, gave_up) = pushing.join().unwrap();
    assert!(
        gave_up,
        "the server still holds the client that never reads, after {sent} bytes"
    );
    // The places are free again (they were freed before the lines were printed): both new clients are served.
    for _ in 0..2 {
        let mut c = served(s.addr);
        c.write_all(b"after").unwrap();
        let mut back = [0u8; 5];
        c.read_exact(&mut back).unwrap();
        assert_eq!(&back, b"after");
    }
}

#[test]
fn refused_clients_read_the_busy_line_even_while_sending() {
    // A refused client that sends first and reads after, as most do. Before, the server closed at once: the
    // client's data then drew a reset, its send failed with "broken pipe", and it never got to read the line.
    // 8 MiB is more than the socket buffers hold without the server reading (about 4 MiB on Linux), so the
    // client is still sending when the server is done with it.
    let s = tcp_server(&["--max-clients", "1"]);
    let _held = served(s.addr);
    for i in 0..5 {
        let mut c = TcpStream::connect(s.addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        c.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
        let request = vec![b'r'; 8 << 20];
        c.write_all(&request)
            .unwrap_or_else(|e| panic!("refused client {i}: sending failed: {e}"));
        c.shutdown(Shutdown::Write)
            .unwrap_or_else(|e| panic!("refused client {i}: closing its side failed: {e}"));
        let mut answer = String::new();
        c.read_to_string(&mut answer)
            .unwrap_or_else(|e| panic!("refused client {i}: reading failed: {e}"));
        assert_eq!(answer, "echo-server: busy (1 clients), try again later\n", "client {i}");
        assert!(s.lines.next().ends_with("refused: too many clients"));
    }
}
