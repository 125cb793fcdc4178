//! `echo-client` — "is the network OK?", measured: probes an echo server like ping. Try it against
//! `echo-server` (see its header), or through `udp-impair` to see loss.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use echo_server::ping;
use echo_server::probe::{self, Link};
use netlab::capture::Capture;
use netlab::exit::{self, Failure, Kind};
// Like std's, but a closed standard output (`| head -1`) ends the program quietly, as `cat` ends.
use netlab::{print, println};

const EXAMPLES: &str = "\
Examples:
  echo-client 127.0.0.1 --count 5                   five probes, one a second, like ping
  echo-client ::1 --port 7007 --tcp --size 1024 --interval 0
  echo-client 127.0.0.1 --window 32 --count 100000 --size 64   load mode: packets per second
  echo-client 127.0.0.1 --count 3 --pcap probes.pcapng        every datagram in a file Wireshark opens";

/// Probes an echo server (RFC 862) like ping: a line per reply, then sent, received, loss and round-trip times.
/// Exits 1 when every probe was lost.
#[derive(Debug, Parser)]
#[command(name = "echo-client", version, after_help = EXAMPLES)]
struct Cli {
    /// The server: a name or address
    host: String,
    /// The server's port (1-65535: no datagram can be sent to port 0)
    #[arg(long, short = 'p', default_value_t = 8080, value_parser = clap::value_parser!(u16).range(1..))]
    port: u16,
    /// Use TCP instead of UDP
    #[arg(long)]
    tcp: bool,
    /// Probes to send, from 1 to 100000000
    #[arg(long, short = 'c', default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    count: u64,
    /// Milliseconds between probes, from 0 to 60000 (a minute)
    #[arg(long, short = 'i', value_name = "MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    interval: u64,
    /// Bytes per probe, from 0 to 65507 (one UDP datagram); the first 8 carry the sequence number
    #[arg(long, short = 's', default_value_t = 64, value_parser = clap::value_parser!(u64).range(0..=netlab::MAX_UDP_PAYLOAD as u64))]
    size: u64,
    /// Milliseconds to wait for each reply, from 1 to 600000 (ten minutes)
    #[arg(long, short = 'W', value_name = "MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    timeout: u64,
    /// Load mode (UDP): keep this many probes in flight, from 1 to 100000, and report packets per second
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    window: Option<u64>,
    /// Load mode: stop after this many seconds whatever happens, from 1 to 3600
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    deadline: u64,
    /// Only the summary
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Write every datagram sent and received to this pcapng file, for Wireshark (UDP only)
    #[arg(long, value_name = "FILE", conflicts_with = "tcp")]
    pcap: Option<PathBuf>,
}

fn run(cli: Cli) -> Result<(), Failure> {
    // A typo, or a name that resolves to nothing, is bad input (exit 2): the command has to change.
    let ip = netlab::parse_host(&cli.host).map_err(Failure::usage)?;
    let server = SocketAddr::new(ip, cli.port);
    if cli.tcp && cli.size == 0 {
        return Err(Failure::usage("--size 0 sends nothing over TCP; use at least 1"));
    }
    if cli.tcp && cli.window.is_some() {
        return Err(Failure::usage("--window is for UDP"));
    }
    let capture = netlab::capture::open(cli.pcap.as_deref()).map_err(Failure::runtime)?;
    let result = match cli.window {
        Some(window) => load(&cli, server, window, capture.clone()),
        None => ping(&cli, server, capture.clone()),
    };
    // The capture is finished whatever happened, and its failure said unless something else already was.
    match (capture.map(|c| c.finish()), result) {
        (Some(Err(e)), Ok(())) => Err(Failure::runtime(e)),
        (Some(Err(e)), Err(f)) if f.message().is_none() => Err(Failure::runtime(e)),
        (_, result) => result,
    }
}

/// Probes one after another, a line each unless `--quiet`, then the totals; exit 1 when all were lost.
fn ping(cli: &Cli, server: SocketAddr, capture: Option<Arc<Capture>>) -> Result<(), Failure> {
    let (size, timeout) = (cli.size as usize, Duration::from_millis(cli.timeout));
    let mut link = Link::open(server, cli.tcp, timeout, capture).map_err(Failure::runtime)?;
    if !cli.quiet {
        let proto = if cli.tcp { "tcp" } else { "udp" };
        println!("ECHO {server} ({proto}): {size} bytes per probe");
    }
    let interval = Duration::from_millis(cli.interval);
    let (summary, elapsed) = ping::ping(&mut link, cli.count, interval, size, timeout, |seq, outcome| {
        if !cli.quiet {
            println!("{}", ping::probe_line(server, seq, size, outcome, timeout));
        }
    })
    .map_err(|e| Failure::runtime(format!("{server}: {e}")))?;
    print!("{}", summary.report(server, elapsed));
    if summary.all_lost() {
        return Err(Failure::quiet(Kind::Runtime)); // the totals just said so: 100% loss
    }
    Ok(())
}

/// Load mode: `window` probes in flight, then one line with packets per second; exit 1 when none came back.
fn load(cli: &Cli, server: SocketAddr, window: u64, capture: Option<Arc<Capture>>) -> Result<(), Failure> {
    let (size, timeout) = (cli.size as usize, Duration::from_millis(cli.timeout));
    let socket = probe::load_socket(server, capture).map_err(Failure::runtime)?;
    let deadline = Duration::from_secs(cli.deadline);
    let (replies, elapsed) = probe::udp_load(&socket, server, cli.count, window, size, timeout, deadline)
        .map_err(|e| Failure::runtime(format!("{server}: {e}")))?;
    let pps = replies as f64 / elapsed.as_secs_f64().max(1e-9);
    println!(
        "{} probes of {size} bytes to {server}, {window} in flight: {replies} replies in {:.3} s, {pps:.0} packets/s",
        cli.count,
        elapsed.as_secs_f64()
    );
    if replies == 0 {
        return Err(Failure::quiet(Kind::Runtime)); // the line just said so: 0 replies
    }
    Ok(())
}

fn main() -> ExitCode {
    exit::report("echo-client", run(Cli::parse()))
}
