//! `tftp-server` — a lab TFTP server. Try it with the client in two terminals:
//!
//! ```text
//! just tftp-server                                             # terminal 1: demo folder on port 6969
//! cargo run -p tftp-client -- get 127.0.0.1 hello.txt --port 6969
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use netlab::exit::{self, Failure};
// Like std's, but a closed standard output (`| head -1`) ends the program quietly, as `cat` ends.
use netlab::println;
use tftp_server::{Config, LogSink, Server};

const EXAMPLES: &str = "\
Examples:
  tftp-server --root ./files --port 6969
  tftp-server --root /srv/tftp --port 6969 --create --max-size 10000000 -v
  tftp-server --root . --bind :: --port 0        # IPv6 and IPv4, any free port (printed first)
  tftp-server --root ./files --port 6969 --pcap server.pcapng   # every datagram, for Wireshark";

/// The longest retransmission timer, in milliseconds: 255 s, the longest timeout a client may ask for (RFC 2349).
const MAX_REXMT_MS: u64 = 255_000;
/// The most retransmissions in a row: at the longest timer that is hours of waiting for one packet already.
const MAX_RETRIES: u32 = 100;
/// The most transfers at once: each is a thread and a socket.
const MAX_SESSIONS: u64 = 10_000;

/// A TFTP server for labs: serves one folder, read-only unless told otherwise, each transfer on its own port.
#[derive(Debug, Parser)]
#[command(name = "tftp-server", version, after_help = EXAMPLES)]
struct Cli {
    /// The folder to serve; nothing outside it is ever read or written
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Address to listen on ('' or 0.0.0.0: every IPv4 address; :: for IPv6 and IPv4)
    #[arg(long, default_value = "0.0.0.0")]
    bind: String,
    /// Request port, 0-65535 (69 is TFTP's and needs root; 0 picks a free one)
    #[arg(long, short = 'p', default_value_t = 69)]
    port: u16,
    /// Let uploads replace existing files
    #[arg(long)]
    writable: bool,
    /// Let uploads create new files (like tftpd-hpa's -c)
    #[arg(long)]
    create: bool,
    /// Largest upload accepted, in bytes, 0 or more (bigger ones get ERROR 3)
    #[arg(long, value_name = "BYTES")]
    max_size: Option<u64>,
    /// Transfers at once, from 1 to 10000 (a thread each); more are told the server is busy
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=MAX_SESSIONS))]
    max_sessions: u64,
    /// Retransmission timer in milliseconds, from 1 to 255000 (RFC 2349's 255 s), when the client negotiates none
    #[arg(long, value_name = "MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=MAX_REXMT_MS))]
    rexmt: u64,
    /// Retransmissions in a row before a transfer is given up, from 0 to 100 (0: at the first timeout)
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_RETRIES)))]
    retries: u32,
    /// Log every packet, not just one line per transfer
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Write every datagram received and sent (request port and every transfer's) to this pcapng file, for
    /// Wireshark
    #[arg(long, value_name = "FILE")]
    pcap: Option<PathBuf>,
}

fn main() -> ExitCode {
    exit::report("tftp-server", run(Cli::parse()))
}

fn run(cli: Cli) -> Result<(), Failure> {
    let ip = netlab::parse_host(&cli.bind).map_err(|e| Failure::usage(format!("--bind {e}")))?;
    let mut config =
        Config::new(&cli.root).map_err(|e| Failure::usage(format!("--root {}: {e}", cli.root.display())))?;
    config.writable = cli.writable;
    config.create = cli.create;
    config.max_size = cli.max_size;
    config.max_sessions = cli.max_sessions as usize;
    config.rexmt = Duration::from_millis(cli.rexmt);
    config.retries = cli.retries;
    config.verbose = cli.verbose;
    config.capture = netlab::capture::open(cli.pcap.as_deref()).map_err(Failure::runtime)?;
    let capture = config.capture.clone();
    let access = config.access();
    let root = config.root.display().to_string();
    let addr = SocketAddr::new(ip, cli.port);
    // The log goes to standard output; once nobody reads it (`| head -1`), the server ends quietly, as `cat` does.
    let sink: LogSink = Arc::new(Mutex::new(netlab::output::Stdout));
    let server =
        Server::bind(addr, config, sink).map_err(|e| Failure::runtime(netlab::explain_bind_error(addr, &e)))?;
    // Stopped by Ctrl-C, kill or a closed terminal, the server removes the files of unfinished uploads before it
    // goes (a server killed outright leaves them, and the next start removes them). Caught before the first line,
    // so whoever waits for that line may stop the server safely. The capture needs nothing: each record is
    // flushed as it is written.
    let uploads = server.uploads();
    if let Err(e) = ctrlc::set_handler(move || {
        let removed = uploads.abandon_all();
        eprintln!("tftp-server: stopped; unfinished uploads removed: {removed}");
        std::process::exit(0);
    }) {
        eprintln!("tftp-server: cannot catch Ctrl-C: {e}");
    }
    let bound = server.local_addr().map_err(Failure::runtime)?;
    println!("listening on {bound} (root {root}, {access})");
    let served = server.run().map_err(Failure::runtime);
    let recorded = capture.map_or(Ok(()), |c| c.finish()).map_err(Failure::runtime);
    served.and(recorded)
}
