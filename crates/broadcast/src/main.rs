//! `broadcast` — seed §3.2.2: UDP broadcast. Try it on this machine, where 127.255.255.255 reaches every
//! listener:
//!
//! ```text
//! cargo run -p broadcast -- listen --port 8080                        # terminal 1 (and 2: they share the port)
//! cargo run -p broadcast -- send "hello, everyone" --to 127.255.255.255 --port 8080
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use broadcast::presence::{Announcement, Change, Roster};
use clap::{Parser, Subcommand};
// Like std's, but a closed standard output (`| head -1`) ends the program quietly, as `cat` ends.
use netlab::println;

const EXAMPLES: &str = "\
Examples:
  broadcast listen --port 8080
  broadcast send 'hello, everyone' --to 127.255.255.255       on this machine only
  broadcast send 'hello, LAN' --iface eth0                     the directed broadcast of eth0's network
  broadcast presence --name alice --to 127.255.255.255 --interval 1";

/// UDP broadcast: send to every host on a network, listen for it, and keep a roster of peers (seed 3.2.2).
#[derive(Debug, Parser)]
#[command(name = "broadcast", version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Send one message to a broadcast address
    Send {
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
    /// Print every datagram that arrives on the port, with its sender (several listeners may share the port)
    Listen {
        #[arg(long, short = 'p', default_value_t = 8080)]
        port: u16,
        /// Stop after this many messages
        #[arg(long)]
        count: Option<u64>,
    },
    /// Announce NAME online now and every interval, offline on exit, and print the roster of peers
    Presence {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "<broadcast>")]
        to: String,
        #[arg(long)]
        iface: Option<String>,
        #[arg(long, short = 'p', default_value_t = 8080)]
        port: u16,
        /// Seconds between announcements; peers silent for three of them are dropped
        #[arg(long, default_value_t = 5.0)]
        interval: f64,
        /// Leave after this many seconds (announcing offline)
        #[arg(long)]
        duration: Option<f64>,
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

fn main() -> ExitCode {
    match Cli::parse().command {
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
            let socket = match broadcast::sender(!without_so_broadcast) {
                Ok(s) => s,
                Err(e) => return fail((format!("cannot open a socket: {e}"), 1)),
            };
            match socket.send_to(message.as_bytes(), target) {
                Ok(n) => {
                    println!("sent {n} bytes to {target}, {}", broadcast::reason(ip, iface.as_ref()));
                    ExitCode::SUCCESS
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
            println!(
                "listening on {}",
                socket.local_addr().map(|a| a.to_string()).unwrap_or_default()
            );
            let mut buf = vec![0u8; 65_536];
            let mut seen = 0u64;
            while count.is_none_or(|c| seen < c) {
                match socket.recv_from(&mut buf) {
                    Ok((n, from)) => {
                        println!("{from} {}", netlab::Encoding::Utf8.decode(&buf[..n]));
                        seen += 1;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return fail((format!("receive failed: {e}"), 1)),
                }
            }
            ExitCode::SUCCESS
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
            presence(&name, SocketAddr::new(ip.into(), port), iface, interval, duration)
        }
    }
}

fn presence(
    name: &str,
    target: SocketAddr,
    iface: Option<broadcast::Interface>,
    interval: f64,
    duration: Option<f64>,
) -> ExitCode {
    if !(interval > 0.0 && interval.is_finite()) {
        return fail(("--interval must be a positive number of seconds".into(), 2));
    }
    let socket = match broadcast::listener(target.port()) {
        Ok(s) => s,
        Err(e) => {
            return fail((
                netlab::explain_bind_error(SocketAddr::from(([0, 0, 0, 0], target.port())), &e),
                1,
            ));
        }
    };
    let every = Duration::from_secs_f64(interval);
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
    let end = duration.map(|d| started + Duration::from_secs_f64(d.max(0.0)));
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
            match change {
                Change::Joined(peer, from) => println!("{peer} is online ({})", from.ip()),
                Change::Left(peer) => println!("{peer} went offline"),
                Change::Expired(peer) => println!("{peer} fell silent and was dropped"),
            }
        }
        if !changes.is_empty() {
            println!("{}", roster.line());
        }
    }
    announce(Announcement::Offline(name.to_string()));
    println!("{name} offline");
    ExitCode::SUCCESS
}
