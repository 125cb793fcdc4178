//! `udp-chat` — the seed's two-way chat. Try it in two terminals:
//!
//! ```text
//! cargo run -p udp-chat -- --port 8080 127.0.0.1 8081      # terminal 1
//! cargo run -p udp-chat -- --port 8081 127.0.0.1 8080      # terminal 2
//! ```
//!
//! Type a line and press Enter to send it; `/quit` or Ctrl-D ends the chat.

use std::io::{self, BufRead, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
// Like std's, but a closed standard output (`| head -1`) ends the program quietly, as `cat` ends.
use netlab::capture::CapturedSocket;
use netlab::{Encoding, SocketBuilder, print, println};

const EXAMPLES: &str = "\
Examples:
  udp-chat                                 asks for the peer, like the seed (target ip, then target port)
  udp-chat --port 8081 127.0.0.1 8080      talk to a chat on port 8080 of this machine
  udp-chat --encoding gbk 192.0.2.7 8080   talk to a tool that sends GBK
  udp-chat --pcap chat.pcapng 127.0.0.1 8080   every message in a file Wireshark opens";

/// Two-way UDP chat in the seed's line format: `host:port <ctime>\t<text>` for every message received.
///
/// Each line typed (or piped in) is sent as one datagram of at most 65,507 bytes, in the chosen encoding. A line
/// that is not UTF-8, such as a line of a GBK file, is sent as its bytes, unchanged.
///
/// In a message received, bytes that do not decode are shown as \xNN, and control characters escaped: \t, \n,
/// \r, and \xNN for the others (ESC is \x1b). One newline at its very end, as nc sends, is not shown.
#[derive(Debug, Parser)]
#[command(name = "udp-chat", version, after_help = EXAMPLES)]
struct Cli {
    /// The peer's address; asked for when missing
    peer_host: Option<String>,
    /// The peer's port; asked for when missing
    peer_port: Option<u16>,
    /// Address to listen on (default: every address, IPv6 and IPv4; 0.0.0.0: every IPv4 address)
    #[arg(long, default_value = "")]
    bind: String,
    /// Port to listen on (0 picks a free one; the first line printed says which)
    #[arg(long, short = 'p', default_value_t = 8080)]
    port: u16,
    /// Text encoding for both directions: utf-8 or gbk (gb2312, cp936)
    #[arg(long, default_value = "utf-8", value_parser = clap::value_parser!(Encoding))]
    encoding: Encoding,
    /// Write every datagram sent and received to this pcapng file, for Wireshark
    #[arg(long, value_name = "FILE")]
    pcap: Option<PathBuf>,
}

/// A line as typed: without its `\n` or `\r\n`.
fn line_without_ending(line: &[u8]) -> &[u8] {
    let end = line.iter().rposition(|b| !matches!(b, b'\n' | b'\r'));
    &line[..end.map_or(0, |i| i + 1)]
}

/// Asks a question on stdout and reads the answer; `None` at end of input. An answer that is not UTF-8 is kept
/// (with U+FFFD for the bad bytes), so that it is refused as an address or port, never taken for the end.
fn ask(prompt: &str, input: &mut dyn BufRead) -> Option<String> {
    print!("{prompt}");
    let _ = netlab::output::Stdout.flush();
    let mut line = Vec::new();
    match input.read_until(b'\n', &mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(String::from_utf8_lossy(&line).trim().to_string()),
    }
}

/// Binds the chat's socket. With no `--bind`, `[::]` with dual stack, so the peer may be IPv4 or IPv6; where
/// IPv6 is missing, `0.0.0.0`.
fn bind(bind: &str, port: u16) -> Result<std::net::UdpSocket, (String, u8)> {
    if bind.is_empty() {
        let dual = SocketAddr::new(std::net::Ipv6Addr::UNSPECIFIED.into(), port);
        if let Ok(s) = SocketBuilder::new().v6_only(false).bind_udp(dual) {
            return Ok(s);
        }
        let v4 = SocketAddr::new(std::net::Ipv4Addr::UNSPECIFIED.into(), port);
        return SocketBuilder::new()
            .bind_udp(v4)
            .map_err(|e| (netlab::explain_bind_error(v4, &e), 1));
    }
    let ip = netlab::parse_host(bind).map_err(|e| (format!("--bind {e}"), 2))?;
    let local = SocketAddr::new(ip, port);
    let builder = if local.is_ipv6() {
        SocketBuilder::new().v6_only(false)
    } else {
        SocketBuilder::new()
    };
    builder
        .bind_udp(local)
        .map_err(|e| (netlab::explain_bind_error(local, &e), 1))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Ctrl-C leaves quietly with exit code 0. Installed before the first line is printed, so anyone who waits
    // for that line (a test, a script) can send SIGINT and be sure it is handled.
    let _ = ctrlc::set_handler(|| {
        let _ = io::stdout().flush();
        std::process::exit(0);
    });
    // Like the seed: bind first, then ask whom to talk to.
    let socket = match bind(&cli.bind, cli.port) {
        Ok(s) => s,
        Err((message, code)) => {
            eprintln!("udp-chat: {message}");
            return ExitCode::from(code);
        }
    };
    let capture = match netlab::capture::open(cli.pcap.as_deref()) {
        Ok(capture) => capture,
        Err(e) => {
            eprintln!("udp-chat: {e}");
            return ExitCode::from(1);
        }
    };
    let socket = CapturedSocket::new(socket, capture.clone());
    let bound = socket.local_addr().map(|a| a.to_string()).unwrap_or_default();
    println!("udp-chat on {bound} ({}); type /quit or Ctrl-D to leave", cli.encoding);
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let (host, port) = match (cli.peer_host, cli.peer_port) {
        (Some(h), Some(p)) => (h, p),
        (host, _) => {
            let host = match host.or_else(|| ask("target ip:", &mut input)) {
                Some(h) => h,
                None => return ExitCode::SUCCESS,
            };
            let port = loop {
                match ask("target port:", &mut input).map(|p| p.parse::<u16>()) {
                    Some(Ok(p)) => break p,
                    Some(Err(_)) => eprintln!("a port is a number from 0 to 65535"),
                    None => return ExitCode::SUCCESS,
                }
            };
            (host, port)
        }
    };
    let peer = match netlab::parse_host(&host) {
        Ok(ip) => SocketAddr::new(ip, port),
        Err(e) => {
            eprintln!("udp-chat: {e}");
            return ExitCode::from(if matches!(e.kind, netlab::addr::AddrErrorKind::Unresolved(_)) {
                1
            } else {
                2
            });
        }
    };
    // A dual-stack socket reaches an IPv4 peer at its IPv4-mapped address.
    let peer = match (peer, socket.local_addr()) {
        (SocketAddr::V4(v4), Ok(SocketAddr::V6(_))) => SocketAddr::new(v4.ip().to_ipv6_mapped().into(), v4.port()),
        _ => peer,
    };
    println!("talking to {host}:{port}");
    let receiver = match socket.try_clone() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("udp-chat: {e}");
            return ExitCode::from(1);
        }
    };
    let encoding = cli.encoding;
    std::thread::spawn(move || {
        // `Stdout`, not a held `StdoutLock`: the lock is taken per line, so the main thread can still print
        // and flush (holding it here would block the program's exit). netlab's, so that once nobody reads our
        // output (`| head -1`) the chat ends quietly, as `cat` does.
        if let Err(e) = udp_chat::receive_loop(&receiver, encoding, &mut netlab::output::Stdout) {
            eprintln!("udp-chat: cannot receive any more: {e}");
        }
    });
    // Lines are read as bytes, not as UTF-8 text: a line in another encoding is still a line to send.
    let mut line = Vec::new();
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) => break, // end of input: leave quietly
            Ok(_) => {}
            Err(e) => {
                eprintln!("udp-chat: cannot read standard input: {e}");
                return ExitCode::from(1);
            }
        }
        let typed = line_without_ending(&line);
        if typed == b"/quit" {
            break;
        }
        match udp_chat::outgoing(typed, encoding) {
            Ok(bytes) => {
                if let Err(e) = socket.send_to(&bytes, peer) {
                    eprintln!("not sent: {e}");
                }
            }
            Err(why) => eprintln!("not sent: {why}"),
        }
    }
    let _ = io::stdout().flush();
    if let Some(Err(e)) = capture.map(|c| c.finish()) {
        eprintln!("udp-chat: {e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
