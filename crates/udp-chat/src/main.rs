//! `udp-chat` — the seed's two-way chat. Try it in two terminals:
//!
//! ```text
//! cargo run -p udp-chat -- --port 8080 127.0.0.1 8081      # terminal 1
//! cargo run -p udp-chat -- --port 8081 127.0.0.1 8080      # terminal 2
//! ```
//!
//! Type a line and press Enter to send it; `/quit` or Ctrl-D ends the chat.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use netlab::Encoding;
use netlab::capture::CapturedSocket;
use netlab::exit::{self, Failure};
use netlab::lines::LineReader;
// Like std's, but a closed standard output (`| head -1`) ends the program quietly, as `cat` ends.
use netlab::println;

const EXAMPLES: &str = "\
Examples:
  udp-chat                                 asks for the peer, like the seed (target ip, then target port)
  udp-chat --port 8081 127.0.0.1 8080      talk to a chat on port 8080 of this machine
  udp-chat --encoding gbk 192.0.2.7 8080   talk to a tool that sends GBK
  udp-chat --pcap chat.pcapng 127.0.0.1 8080   every message in a file Wireshark opens";

/// Two-way UDP chat in the seed's line format: `host:port <ctime>\t<text>` for every message received.
///
/// Each line typed (or piped in) is sent as one datagram of at most 65,507 bytes, in the chosen encoding; a longer
/// line is not sent, the chat says which and goes on. A line that is not UTF-8, such as a line of a GBK file, is
/// sent as its bytes, unchanged.
///
/// In a message received, bytes that do not decode are shown as \xNN, and control characters escaped: \t, \n,
/// \r, and \xNN for the others (ESC is \x1b); so are invisible format characters, as Python's repr shows them
/// (\u200b, \u202e). One newline at its very end, as nc sends, is not shown.
#[derive(Debug, Parser)]
#[command(name = "udp-chat", version, after_help = EXAMPLES)]
struct Cli {
    /// The peer's address; asked for when missing
    peer_host: Option<String>,
    /// The peer's port, 1-65535; asked for when missing
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

fn run(cli: Cli) -> Result<(), Failure> {
    // Ctrl-C leaves quietly with exit code 0. Installed before the first line is printed, so anyone who waits
    // for that line (a test, a script) can send SIGINT and be sure it is handled.
    let _ = ctrlc::set_handler(|| {
        let _ = io::stdout().flush();
        std::process::exit(0);
    });
    // A peer's port 0 is refused before anything else: every datagram to it would fail.
    cli.peer_port
        .map(udp_chat::peer_port)
        .transpose()
        .map_err(Failure::usage)?;
    // Like the seed: bind first, then ask whom to talk to.
    let local = match cli.bind.as_str() {
        "" => None,
        typed => Some(netlab::parse_host(typed).map_err(|e| Failure::usage(format!("--bind {e}")))?),
    };
    let socket = udp_chat::bind(local, cli.port).map_err(Failure::runtime)?;
    let capture = netlab::capture::open(cli.pcap.as_deref()).map_err(Failure::runtime)?;
    let socket = CapturedSocket::new(socket, capture.clone());
    let bound = socket.local_addr().map(|a| a.to_string()).unwrap_or_default();
    println!("udp-chat on {bound} ({}); type /quit or Ctrl-D to leave", cli.encoding);
    // Lines of at most a set length (see `udp_chat::longest_line`): input with no newline cannot fill the memory.
    let mut input = LineReader::new(io::stdin().lock());
    let Some((host, port)) = udp_chat::ask_peer(cli.peer_host, cli.peer_port, &mut input).map_err(Failure::usage)?
    else {
        return Ok(()); // the input ended before the peer was known: the user left
    };
    // A typo, or a name that resolves to nothing, is bad input (exit 2) whether typed or asked for.
    let ip = netlab::parse_host(&host).map_err(Failure::usage)?;
    let peer = udp_chat::reachable(&socket, SocketAddr::new(ip, port));
    println!("talking to {host}:{port}");
    let receiver = socket.try_clone().map_err(Failure::runtime)?;
    let encoding = cli.encoding;
    std::thread::spawn(move || {
        // `Stdout`, not a held `StdoutLock`: the lock is taken per line, so the main thread can still print
        // and flush (holding it here would block the program's exit). netlab's, so that once nobody reads our
        // output (`| head -1`) the chat ends quietly, as `cat` does.
        if let Err(e) = udp_chat::receive_loop(&receiver, encoding, &mut netlab::output::Stdout) {
            eprintln!("udp-chat: cannot receive any more: {e}");
        }
    });
    udp_chat::send_loop(&mut input, &socket, peer, encoding)
        .map_err(|e| Failure::runtime(format!("cannot read standard input: {e}")))?;
    let _ = io::stdout().flush();
    match capture.map(|c| c.finish()) {
        Some(Err(e)) => Err(Failure::runtime(e)),
        _ => Ok(()),
    }
}

fn main() -> ExitCode {
    exit::report("udp-chat", run(Cli::parse()))
}
