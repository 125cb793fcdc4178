//! `echo-client` — "is the network OK?", measured: probes an echo server like ping. Try it against
//! `echo-server` (see its header), or through `udp-impair` to see loss.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use echo_server::probe::{self, Outcome, Summary};
// Like std's, but a closed standard output (`| head -1`) ends the program quietly, as `cat` ends.
use netlab::capture::{Capture, CapturedSocket};
use netlab::println;

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
    #[arg(long, short = 'p', default_value_t = 8080)]
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

fn fail(message: String) -> ExitCode {
    eprintln!("echo-client: {message}");
    ExitCode::from(1)
}

/// `code`, unless the capture could not be written whole: then that, in one line, and exit 1.
fn finish(capture: Option<&Arc<Capture>>, code: ExitCode) -> ExitCode {
    match capture.map(|c| c.finish()) {
        Some(Err(e)) => fail(e.to_string()),
        _ => code,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ip = match netlab::parse_host(&cli.host) {
        Ok(ip) => ip,
        Err(e)
            if matches!(
                e.kind,
                netlab::addr::AddrErrorKind::Unresolved(_) | netlab::addr::AddrErrorKind::NoAddress
            ) =>
        {
            return fail(e.to_string());
        }
        Err(e) => {
            eprintln!("echo-client: {e}");
            return ExitCode::from(2);
        }
    };
    let server = SocketAddr::new(ip, cli.port);
    let (size, timeout) = (cli.size as usize, Duration::from_millis(cli.timeout));
    if cli.tcp && size == 0 {
        eprintln!("echo-client: --size 0 sends nothing over TCP; use at least 1");
        return ExitCode::from(2);
    }
    let any: IpAddr = if ip.is_ipv4() {
        Ipv4Addr::UNSPECIFIED.into()
    } else {
        Ipv6Addr::UNSPECIFIED.into()
    };
    let proto = if cli.tcp { "tcp" } else { "udp" };
    let capture = match netlab::capture::open(cli.pcap.as_deref()) {
        Ok(capture) => capture,
        Err(e) => return fail(e.to_string()),
    };

    if let Some(window) = cli.window {
        if cli.tcp {
            eprintln!("echo-client: --window is for UDP");
            return ExitCode::from(2);
        }
        let socket = match netlab::SocketBuilder::new()
            .recv_buffer(4 << 20)
            .bind_udp(SocketAddr::new(any, 0))
        {
            Ok(s) => CapturedSocket::new(s, capture.clone()),
            Err(e) => return fail(format!("cannot open a socket: {e}")),
        };
        let deadline = Duration::from_secs(cli.deadline);
        let code = match probe::udp_load(&socket, server, cli.count, window, size, timeout, deadline) {
            Ok((replies, elapsed)) => {
                let pps = replies as f64 / elapsed.as_secs_f64().max(1e-9);
                println!(
                    "{} probes of {size} bytes to {server}, {window} in flight: {replies} replies in {:.3} s, {pps:.0} packets/s",
                    cli.count,
                    elapsed.as_secs_f64()
                );
                if replies == 0 {
                    ExitCode::from(1)
                } else {
                    ExitCode::SUCCESS
                }
            }
            Err(e) => fail(format!("{server}: {e}")),
        };
        return finish(capture.as_ref(), code);
    }

    let mut summary = Summary::default();
    let mut tcp_stream = None;
    let udp_socket = if cli.tcp {
        match TcpStream::connect_timeout(&server, timeout) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                tcp_stream = Some(s);
                None
            }
            Err(e) => return fail(format!("cannot connect to {server}: {e}")),
        }
    } else {
        match UdpSocket::bind(SocketAddr::new(any, 0)) {
            Ok(s) => Some(CapturedSocket::new(s, capture.clone())),
            Err(e) => return fail(format!("cannot open a socket: {e}")),
        }
    };
    if !cli.quiet {
        println!("ECHO {server} ({proto}): {size} bytes per probe");
    }
    let started = Instant::now();
    for seq in 0..cli.count {
        if seq > 0 && cli.interval > 0 {
            std::thread::sleep(Duration::from_millis(cli.interval));
        }
        let outcome = match (&udp_socket, tcp_stream.as_mut()) {
            (Some(s), _) => probe::udp_probe(s, server, seq, size, timeout),
            (None, Some(stream)) => probe::tcp_probe(stream, seq, size, timeout),
            (None, None) => return fail("no socket".into()),
        };
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => return fail(format!("{server}: {e}")),
        };
        if !cli.quiet {
            match outcome {
                Outcome::Reply(rtt) => println!(
                    "{size} bytes from {server}: seq={seq} time={:.3} ms",
                    rtt.as_secs_f64() * 1e3
                ),
                Outcome::Corrupted(rtt) => {
                    println!(
                        "{size} bytes from {server}: seq={seq} time={:.3} ms CORRUPTED",
                        rtt.as_secs_f64() * 1e3
                    )
                }
                Outcome::Lost => println!("no reply for seq={seq} within {} ms", cli.timeout),
            }
        }
        summary.add(outcome);
    }
    println!("--- {server} echo statistics ---");
    println!(
        "{} sent, {} received, {} corrupted, {:.1}% loss, time {} ms",
        summary.sent,
        summary.received,
        summary.corrupted,
        summary.loss_percent(),
        started.elapsed().as_millis()
    );
    if let Some((min, avg, max, sd)) = summary.rtt_stats() {
        println!("rtt min/avg/max/stddev = {min:.3}/{avg:.3}/{max:.3}/{sd:.3} ms");
    }
    let code = if summary.received == 0 && summary.corrupted == 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    finish(capture.as_ref(), code)
}
