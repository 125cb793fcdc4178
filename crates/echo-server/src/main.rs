//! `echo-server` — seed §3.2.1's echo server as RFC 862 describes it. Try it in two terminals:
//!
//! ```text
//! cargo run -p echo-server -- --port 8080                  # terminal 1
//! cargo run -p echo-server --bin echo-client -- 127.0.0.1 --count 3    # terminal 2
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use echo_server::tcp::Event;
use echo_server::{echoed_line, tcp, udp};
use netlab::capture::CapturedSocket;
use netlab::exit::{self, Failure};

const EXAMPLES: &str = "\
Examples:
  echo-server                        UDP on 0.0.0.0:8080, like the seed
  echo-server --tcp --port 7007 -q   TCP, no line per message
  echo-server --bind :: --port 0     IPv6 and IPv4, any free port (printed first)
  echo-server --pcap echo.pcapng     every datagram in a file Wireshark opens";

/// An echo server (RFC 862): every UDP datagram, or every byte on a TCP connection, goes back to its sender.
#[derive(Debug, Parser)]
#[command(name = "echo-server", version, after_help = EXAMPLES)]
struct Cli {
    /// Address to listen on ('' or 0.0.0.0: every IPv4 address; :: for IPv6 and IPv4)
    #[arg(long, default_value = "0.0.0.0")]
    bind: String,
    /// Port (0 picks a free one)
    #[arg(long, short = 'p', default_value_t = 8080)]
    port: u16,
    /// Echo over TCP instead of UDP
    #[arg(long)]
    tcp: bool,
    /// TCP clients at once, from 1 to 100000 (a thread each); more are told the server is busy
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    max_clients: u64,
    /// Drop a TCP client that sends nothing, or reads none of its echo, for this many seconds, from 1 to 86400
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    idle: u64,
    /// No line per message
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Write every datagram received and sent to this pcapng file, for Wireshark (UDP only)
    #[arg(long, value_name = "FILE", conflicts_with = "tcp")]
    pcap: Option<PathBuf>,
}

/// One log line. Through netlab's `println!`: once nobody reads the log (`| head -1`), the server ends quietly,
/// as `cat` does, instead of serving on with its output going nowhere.
fn say(line: &str) {
    netlab::println!("{line}");
}

fn run(cli: Cli) -> Result<(), Failure> {
    let ip = netlab::parse_host(&cli.bind).map_err(|e| Failure::usage(format!("--bind {e}")))?;
    let addr = SocketAddr::new(ip, cli.port);
    let bind_failed = |e| Failure::runtime(netlab::explain_bind_error(addr, &e));
    let quiet = cli.quiet;
    if cli.tcp {
        let listener = tcp::listen(addr).map_err(bind_failed)?;
        say(&format!("listening on {} (tcp)", local(listener.local_addr())));
        let on_event: Arc<dyn Fn(Event) + Send + Sync> = Arc::new(move |event| {
            if let Some(line) = tcp::log_line(&event, quiet) {
                say(&line);
            }
        });
        let (max_clients, idle) = (cli.max_clients as usize, Duration::from_secs(cli.idle));
        tcp::serve(&listener, max_clients, idle, on_event).map_err(Failure::runtime)
    } else {
        let socket = udp::bind(addr).map_err(bind_failed)?;
        let capture = netlab::capture::open(cli.pcap.as_deref()).map_err(Failure::runtime)?;
        let socket = CapturedSocket::new(socket, capture);
        say(&format!("listening on {} (udp)", local(socket.local_addr())));
        let mut not_echoed_log = udp::NotEchoedLog::default();
        udp::serve(&socket, |peer, bytes, reply| {
            let why = match reply {
                udp::Reply::Echoed if !quiet => return say(&echoed_line(peer, bytes)),
                udp::Reply::Echoed => return,
                udp::Reply::LoopPaused if quiet => return,
                udp::Reply::LoopPaused => "a repeat from an echo loop".to_string(),
                udp::Reply::Refused => format!(
                    "port {} may answer everything (a service below 1024, or an echo server on this server's port), \
                     and the two would echo each other for ever",
                    peer.port()
                ),
                udp::Reply::LoopFound => format!(
                    "{peer} has sent back our own echoes {} times in a row, as another echo server would; the two \
                     would answer each other for ever, so its repeats get no echo for {} s",
                    udp::LOOP_REPEATS,
                    udp::LOOP_PAUSE.as_secs()
                ),
            };
            // Said even with --quiet (the sender gets no answer, and the log must say why), but at most once a
            // second: a flood of refused datagrams is not a flood of lines.
            if let Some(held_back) = not_echoed_log.may_say(std::time::Instant::now()) {
                let more = match held_back {
                    0 => String::new(),
                    n => format!(" ({n} more not echoed since the last such line)"),
                };
                say(&format!("{} not echoed: {why}{more}", echoed_line(peer, bytes)));
            }
        })
        .map_err(Failure::runtime)
    }
}

/// The address a socket is bound to, for the first line (which tests read to learn the port).
fn local(addr: std::io::Result<SocketAddr>) -> String {
    addr.map(|a| a.to_string()).unwrap_or_default()
}

fn main() -> ExitCode {
    exit::report("echo-server", run(Cli::parse()))
}
