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
// Like std's, but a closed standard output (`| head -1`) ends the program quietly, as `cat` ends.
use netlab::println;
use tftp_server::{Config, LogSink, Server};

const EXAMPLES: &str = "\
Examples:
  tftp-server --root ./files --port 6969
  tftp-server --root /srv/tftp --port 6969 --create --max-size 10000000 -v
  tftp-server --root . --bind :: --port 0        # IPv6 and IPv4, any free port (printed first)";

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
    /// Request port (69 is TFTP's and needs root; 0 picks a free one)
    #[arg(long, short = 'p', default_value_t = 69)]
    port: u16,
    /// Let uploads replace existing files
    #[arg(long)]
    writable: bool,
    /// Let uploads create new files (like tftpd-hpa's -c)
    #[arg(long)]
    create: bool,
    /// Largest upload accepted, in bytes (bigger ones get ERROR 3)
    #[arg(long, value_name = "BYTES")]
    max_size: Option<u64>,
    /// Transfers at once
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    max_sessions: u64,
    /// Retransmission timer in milliseconds, when the client negotiates no timeout
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    rexmt: u64,
    /// Retransmissions in a row before a transfer is given up
    #[arg(long, default_value_t = 5)]
    retries: u32,
    /// Log every packet, not just one line per transfer
    #[arg(long, short = 'v')]
    verbose: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ip = match netlab::parse_host(&cli.bind) {
        Ok(ip) => ip,
        Err(e) => {
            eprintln!("tftp-server: --bind {e}");
            return ExitCode::from(2);
        }
    };
    let mut config = match Config::new(&cli.root) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tftp-server: --root {}: {e}", cli.root.display());
            return ExitCode::from(2);
        }
    };
    config.writable = cli.writable;
    config.create = cli.create;
    config.max_size = cli.max_size;
    config.max_sessions = cli.max_sessions as usize;
    config.rexmt = Duration::from_millis(cli.rexmt);
    config.retries = cli.retries;
    config.verbose = cli.verbose;
    let access = config.access();
    let root = config.root.display().to_string();
    let addr = SocketAddr::new(ip, cli.port);
    // The log goes to standard output; once nobody reads it (`| head -1`), the server ends quietly, as `cat` does.
    let sink: LogSink = Arc::new(Mutex::new(netlab::output::Stdout));
    let server = match Server::bind(addr, config, sink) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tftp-server: {}", netlab::explain_bind_error(addr, &e));
            return ExitCode::from(1);
        }
    };
    // Stopped by Ctrl-C, kill or a closed terminal, the server removes the files of unfinished uploads before it
    // goes (a server killed outright leaves them, and the next start removes them). Caught before the first line,
    // so whoever waits for that line may stop the server safely.
    let uploads = server.uploads();
    if let Err(e) = ctrlc::set_handler(move || {
        let removed = uploads.abandon_all();
        eprintln!("tftp-server: stopped; unfinished uploads removed: {removed}");
        std::process::exit(0);
    }) {
        eprintln!("tftp-server: cannot catch Ctrl-C: {e}");
    }
    match server.local_addr() {
        Ok(bound) => println!("listening on {bound} (root {root}, {access})"),
        Err(e) => {
            eprintln!("tftp-server: {e}");
            return ExitCode::from(1);
        }
    }
    match server.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tftp-server: {e}");
            ExitCode::from(1)
        }
    }
}
