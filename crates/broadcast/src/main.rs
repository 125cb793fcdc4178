//! `broadcast` — seed §3.2.2: UDP broadcast. Try it on this machine, where 127.255.255.255 reaches every
//! listener:
//!
//! ```text
//! cargo run -p broadcast -- listen --port 8080                        # terminal 1 (and 2: they share the port)
//! cargo run -p broadcast -- send "hello, everyone" --to 127.255.255.255 --port 8080
//! ```

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use broadcast::presence::{Announcement, Change, Roster};
use clap::{Parser, Subcommand};
// Like std's, but a closed standard output (`| head -1`) ends the program quietly, as `cat` ends.
use netlab::capture::CapturedSocket;
use netlab::println;
use netlab::text::escape_controls;

const EXAMPLES: &str = "\
Examples:
  broadcast listen --port 8080
  broadcast send 'hello, everyone' --to 127.255.255.255       on this machine only
  broadcast send 'hello, LAN' --iface eth0                     the directed broadcast of eth0's network
  broadcast presence --name alice --to 127.255.255.255 --interval 1
  broadcast listen --port 8080 --pcap heard.pcapng             every datagram in a file Wireshark opens";

/// The limits of `presence`'s seconds, shown in --help. An announcement more often than every 0.1 s floods the
/// network for nothing; less often than hourly, peers wait three hours to notice one has gone.
const INTERVAL_MIN: f64 = 0.1;
const INTERVAL_MAX: f64 = 3600.0;
/// Past a day, leave --duration out: presence then runs until Ctrl-C.
const DURATION_MIN: f64 = 0.1;
const DURATION_MAX: f64 = 86_400.0;
/// A name is sent as `offline NAME` in one datagram.
const NAME_MAX: usize = netlab::MAX_UDP_PAYLOAD - "offline ".len();

fn interval(text: &str) -> Result<Duration, String> {
    netlab::args::seconds(text, INTERVAL_MIN, INTERVAL_MAX)
}

fn duration(text: &str) -> Result<Duration, String> {
    netlab::args::seconds(text, DURATION_MIN, DURATION_MAX)
}

/// A name as a peer will read it back: not empty, no spaces around it (they are trimmed on arrival, and our own
/// announcements would come back as a stranger's), and short enough for one datagram.
fn name(text: &str) -> Result<String, String> {
    if text.trim().is_empty() || text.trim() != text {
        return Err("a name is not empty and has no spaces around it".into());
    }
    if text.len() > NAME_MAX {
        return Err(format!(
            "{} bytes is longer than a name can be ({NAME_MAX})",
            text.len()
        ));
    }
    Ok(text.to_string())
}

/// UDP broadcast: send to every host on a network, listen for it, and keep a roster of peers (seed 3.2.2).
#[derive(Debug, Parser)]
#[command(name = "broadcast", version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Write every datagram sent and received to this pcapng file, for Wireshark
    #[arg(long, value_name = "FILE", global = true)]
    pcap: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Send one message to a broadcast address
    Send {
        /// The message: at most 65507 bytes, what one UDP datagram holds
        message: String,
        /// Where: '<broadcast>' (255.255.255.255), a directed broadcast such as 192.168.0.255, or 127.255.255.255
        #[arg(long, default_value = "<broadcast>")]
        to: String,
        /// Send to this interface's directed broadcast address instead (computed from its address and mask)
        #[arg(long)]
        iface: Option<String>,
        #[arg(long, short = 'p', default_value_t = 8080)]
        port: u16,
        /// Leave SO_BROADCAST off, to see the kernel refuse
        #[arg(long)]
        without_so_broadcast: bool,
    },
    /// Print every datagram that arrives on the port, with its sender (several listeners may share the port).
    /// Control characters are shown escaped (\t, \n, \x1b), bytes that are not UTF-8 as \xNN
    Listen {
        #[arg(long, short = 'p', default_value_t = 8080)]
        port: u16,
        /// Stop after this many messages (1 or more; without it, listen until Ctrl-C)
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        count: Option<u64>,
    },
    /// Announce NAME online now and every interval, offline on exit, and print the roster of peers
    Presence {
        /// The name others see: not empty, no spaces around it, at most 65499 bytes
        #[arg(long, value_parser = name)]
        name: String,
        #[arg(long, default_value = "<broadcast>")]
        to: String,
        #[arg(long)]
        iface: Option<String>,
        #[arg(long, short = 'p', default_value_t = 8080)]
        port: u16,
        /// Seconds between announcements, from 0.1 to 3600; peers silent for three of them are dropped
        #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = interval)]
        interval: Duration,
        /// Leave after this many seconds, from 0.1 to 86400, announcing offline (without it: at Ctrl-C)
        #[arg(long, value_name = "SECONDS", value_parser = duration)]
        duration: Option<Duration>,
    },
}

/// The broadcast address to use, and the interface it came from.
fn destination(to: &str, iface: Option<&str>) -> Result<(Ipv4Addr, Option<broadcast::Interface>), (String, u8)> {
    if let Some(name) = iface {
        let i = broadcast::interface(name).map_err(|e| (e, 1))?;
        return Ok((i.broadcast, Some(i)));
    }
    match netlab::parse_host(to) {
        Ok(std::net::IpAddr::V4(v4)) => Ok((v4, None)),
        Ok(v6) => Err((format!("{v6}: IPv6 has no broadcast; use multicast instead"), 2)),
        Err(e) => Err((e.to_string(), 2)),
    }
}

fn fail((message, code): (String, u8)) -> ExitCode {
    eprintln!("broadcast: {message}");
    ExitCode::from(code)
}

/// `socket`, recording into `--pcap`'s file when there is one.
fn captured(socket: UdpSocket, pcap: Option<&Path>) -> Result<CapturedSocket, (String, u8)> {
    let capture = netlab::capture::open(pcap).map_err(|e| (e.to_string(), 1))?;
    Ok(CapturedSocket::new(socket, capture))
}

/// Success, unless the capture could not be written whole.
fn finished(socket: &CapturedSocket) -> ExitCode {
    match socket.capture().map(|c| c.finish()) {
        Some(Err(e)) => fail((e.to_string(), 1)),
        _ => ExitCode::SUCCESS,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let pcap = cli.pcap.as_deref();
    match cli.command {
        Command::Send {
            message,
            to,
            iface,
            port,
            without_so_broadcast,
        } => {
            let (ip, iface) = match destination(&to, iface.as_deref()) {
                Ok(d) => d,
                Err(e) => return fail(e),
            };
            let target = SocketAddr::new(ip.into(), port);
            if message.len() > netlab::MAX_UDP_PAYLOAD {
                return fail((
                    format!(
                        "the message is {} bytes, more than a UDP datagram holds ({})",
                        message.len(),
                        netlab::MAX_UDP_PAYLOAD
                    ),
                    2,
                ));
            }
            let socket = match broadcast::sender(!without_so_broadcast) {
                Ok(s) => s,
                Err(e) => return fail((format!("cannot open a socket: {e}"), 1)),
            };
            let socket = match captured(socket, pcap) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            match socket.send_to(message.as_bytes(), target) {
                Ok(n) => {
                    println!("sent {n} bytes to {target}, {}", broadcast::reason(ip, iface.as_ref()));
                    finished(&socket)
                }
                Err(e) => fail((broadcast::explain_send_error(target, &e), 1)),
            }
        }
        Command::Listen { port, count } => {
            let socket = match broadcast::listener(port) {
                Ok(s) => s,
                Err(e) => {
                    return fail((
                        netlab::explain_bind_error(SocketAddr::from(([0, 0, 0, 0], port)), &e),
                        1,
                    ));
                }
            };
            let socket = match captured(socket, pcap) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            println!(
                "listening on {}",
                socket.local_addr().map(|a| a.to_string()).unwrap_or_default()
            );
            let mut buf = vec![0u8; 65_536];
            let mut seen = 0u64;
            while count.is_none_or(|c| seen < c) {
                match socket.recv_from(&mut buf) {
                    Ok((n, from)) => {
                        // Escaped: a datagram must not command the terminal or fake a line of its own.
                        println!("{from} {}", netlab::Encoding::Utf8.decode_line(&buf[..n]));
                        seen += 1;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return fail((format!("receive failed: {e}"), 1)),
                }
            }
            finished(&socket)
        }
        Command::Presence {
            name,
            to,
            iface,
            port,
            interval,
            duration,
        } => {
            let (ip, iface) = match destination(&to, iface.as_deref()) {
                Ok(d) => d,
                Err(e) => return fail(e),
            };
            presence(&name, SocketAddr::new(ip.into(), port), iface, interval, duration, pcap)
        }
    }
}

fn presence(
    name: &str,
    target: SocketAddr,
    iface: Option<broadcast::Interface>,
    every: Duration,
    duration: Option<Duration>,
    pcap: Option<&Path>,
) -> ExitCode {
    let socket = match broadcast::listener(target.port()) {
        Ok(s) => s,
        Err(e) => {
            return fail((
                netlab::explain_bind_error(SocketAddr::from(([0, 0, 0, 0], target.port())), &e),
                1,
            ));
        }
    };
    let socket = match captured(socket, pcap) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    // Wake at least every 100 ms, so that Ctrl-C and expiry are noticed promptly whatever the interval.
    let _ = socket.set_read_timeout(Some(
        (every / 4).clamp(Duration::from_millis(20), Duration::from_millis(100)),
    ));
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    let ip = match target.ip() {
        std::net::IpAddr::V4(v4) => v4,
        std::net::IpAddr::V6(_) => Ipv4Addr::BROADCAST,
    };
    println!(
        "{name} announcing to {target}, {}",
        broadcast::reason(ip, iface.as_ref())
    );
    let announce = |what: Announcement| {
        if let Err(e) = socket.send_to(&what.encode(), target) {
            eprintln!("broadcast: {}", broadcast::explain_send_error(target, &e));
        }
    };
    let started = Instant::now();
    let end = duration.map(|d| started + d);
    let mut roster = Roster::new(name, every * 3);
    let mut next_announcement = started;
    let mut buf = vec![0u8; 65_536];
    while !stop.load(Ordering::SeqCst) && end.is_none_or(|e| Instant::now() < e) {
        let now = Instant::now();
        if now >= next_announcement {
            announce(Announcement::Online(name.to_string()));
            next_announcement = now + every;
        }
        let mut changes = roster.expire(now);
        if let Ok((n, from)) = socket.recv_from(&mut buf)
            && let Some(what) = Announcement::parse(&buf[..n])
            && let Some(change) = roster.hear(from, what, Instant::now())
        {
            changes.push(change);
        }
        for change in &changes {
            // Names come from the network: escaped, like every text from it.
            match change {
                Change::Joined(peer, from) => println!("{} is online ({})", escape_controls(peer), from.ip()),
                Change::Left(peer) => println!("{} went offline", escape_controls(peer)),
                Change::Expired(peer) => println!("{} fell silent and was dropped", escape_controls(peer)),
            }
        }
        if !changes.is_empty() {
            println!("{}", escape_controls(&roster.line()));
        }
    }
    announce(Announcement::Offline(name.to_string()));
    println!("{name} offline");
    finished(&socket)
}
