//! `broadcast` — seed §3.2.2: UDP broadcast, and multicast beyond it. Try it on this machine, where
//! 127.255.255.255 reaches every listener:
//!
//! ```text
//! cargo run -p broadcast -- listen --port 8080                        # terminal 1 (and 2: they share the port)
//! cargo run -p broadcast -- send "hello, everyone" --to 127.255.255.255 --port 8080
//! ```
//!
//! and a multicast group, kept on this machine by sending through `lo` with TTL 1:
//!
//! ```text
//! cargo run -p broadcast -- multicast listen --iface lo --port 8080   # terminal 1: joins 239.255.70.77 on lo
//! cargo run -p broadcast -- multicast send hello --iface lo --port 8080
//! ```
//!
//! This file only reads the command line; what each subcommand does is in `broadcast::commands`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use broadcast::commands::{self, Group, Peer};
use broadcast::listen::Until;
use broadcast::multicast;
use clap::{Args, Parser, Subcommand};
use netlab::exit::{self, Failure};
// Standard output as a writer that ends the program quietly when its reader goes (`| head -1`), as `cat` ends.
use netlab::output::Stdout;

const EXAMPLES: &str = "\
Examples:
  broadcast listen --port 8080
  broadcast send 'hello, everyone' --to 127.255.255.255       on this machine only
  broadcast send 'hello, LAN' --iface eth0                     the directed broadcast of eth0's network
  broadcast presence --name alice --to 127.255.255.255 --interval 1
  broadcast listen --port 8080 --pcap heard.pcapng             every datagram in a file Wireshark opens
  broadcast multicast listen --iface lo                        join 239.255.70.77 on lo (see: multicast --help)";

const MULTICAST_EXAMPLES: &str = "\
Examples:
  broadcast multicast listen --iface lo --port 8080             joins 239.255.70.77 on lo
  broadcast multicast send hello --iface lo --port 8080         TTL 1: no router passes it on
  broadcast multicast listen --group ff15::7077 --iface eth0 --leave-after 1 --duration 10
  broadcast multicast presence --name alice --iface eth0 --interval 1";

/// The limits of `presence`'s seconds, shown in --help. An announcement more often than every 0.1 s floods the
/// network for nothing; less often than hourly, peers wait three hours to notice one has gone.
const INTERVAL_MIN: f64 = 0.1;
const INTERVAL_MAX: f64 = 3600.0;
/// Past a day, leave --duration out: the program then runs until Ctrl-C.
const DURATION_MIN: f64 = 0.1;
const DURATION_MAX: f64 = 86_400.0;

fn interval(text: &str) -> Result<Duration, String> {
    netlab::args::seconds(text, INTERVAL_MIN, INTERVAL_MAX)
}

fn duration(text: &str) -> Result<Duration, String> {
    netlab::args::seconds(text, DURATION_MIN, DURATION_MAX)
}

/// UDP broadcast: send to every host on a network, listen for it, and keep a roster of peers (seed 3.2.2);
/// and multicast, to the hosts that joined a group.
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
        /// The port to send to (1-65535: no datagram can be sent to port 0)
        #[arg(long, short = 'p', default_value_t = 8080, value_parser = clap::value_parser!(u16).range(1..))]
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
        #[command(flatten)]
        peer: PeerArgs,
        #[arg(long, default_value = "<broadcast>")]
        to: String,
        #[arg(long)]
        iface: Option<String>,
        /// The port every peer listens and announces on (1-65535)
        #[arg(long, short = 'p', default_value_t = 8080, value_parser = clap::value_parser!(u16).range(1..))]
        port: u16,
    },
    /// Multicast: send to a group, listen as a member, leave it, or keep a roster over it (beyond the seed)
    #[command(subcommand, after_help = MULTICAST_EXAMPLES)]
    Multicast(Multicast),
}

#[derive(Debug, Subcommand)]
enum Multicast {
    /// Send one message to a group
    Send {
        /// The message: at most 65507 bytes, what one UDP datagram holds
        message: String,
        #[command(flatten)]
        group: GroupArgs,
        #[command(flatten)]
        sending: SendArgs,
    },
    /// Join the group and print every datagram sent to it, with its sender. Control characters are shown
    /// escaped (\t, \n, \x1b), bytes that are not UTF-8 as \xNN
    // A listener may take port 0: the system picks a free port, the first line says which, and later members
    // and senders name it (the book's 3.2.3 starts its listeners so). Only sending needs a real port.
    #[command(mut_arg("port", |port| port
        .value_parser(clap::value_parser!(u16))
        .help("The group's port (0-65535: 0 lets the system pick a free one, which the first line shows)")))]
    Listen {
        #[command(flatten)]
        group: GroupArgs,
        /// Stop after this many messages (1 or more; without it, listen until --duration or Ctrl-C)
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        count: Option<u64>,
        /// Stop after this many seconds, from 0.1 to 86400
        #[arg(long, value_name = "SECONDS", value_parser = duration)]
        duration: Option<Duration>,
        /// Leave the group after this many messages (1 or more) and go on listening: nothing more should come
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        leave_after: Option<u64>,
        /// Listen on the group's port without joining, to see that nothing arrives then
        #[arg(long, conflicts_with = "leave_after")]
        no_join: bool,
    },
    /// Announce NAME online to the group now and every interval, offline on exit, and print the roster of peers
    Presence {
        #[command(flatten)]
        peer: PeerArgs,
        #[command(flatten)]
        group: GroupArgs,
        #[command(flatten)]
        sending: SendArgs,
    },
}

/// The group, the port and the interface: what every multicast subcommand needs.
#[derive(Debug, Args)]
struct GroupArgs {
    /// The group: IPv4 224.0.0.0/4 or IPv6 ff00::/8. The default, in 239.255.0.0/16, never leaves a site
    #[arg(long, default_value_t = multicast::GROUP_V4.to_string())]
    group: String,
    /// The group's port (1-65535: members must agree on one, so port 0 means nothing here)
    #[arg(long, short = 'p', default_value_t = 8080, value_parser = clap::value_parser!(u16).range(1..))]
    port: u16,
    /// The interface to join on and send by (lo, eth0); without it, the one the routing table picks
    #[arg(long)]
    iface: Option<String>,
}

/// How a datagram to a group leaves.
#[derive(Debug, Args)]
struct SendArgs {
    /// TTL (IPv6: hop limit), from 0 to 255: 0 this host only, 1 this link, each more one more router
    #[arg(long, default_value_t = multicast::TTL,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(multicast::TTL_MAX)))]
    ttl: u32,
    /// Multicast loopback off: listeners on this host do not get the message (over lo they still do)
    #[arg(long)]
    no_loop: bool,
}

/// A presence peer's name and timing.
#[derive(Debug, Args)]
struct PeerArgs {
    /// The name others see: not empty, no spaces around it, at most 65499 bytes
    #[arg(long, value_parser = broadcast::presence::check_name)]
    name: String,
    /// Seconds between announcements, from 0.1 to 3600; peers silent for three of them are dropped
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = interval)]
    interval: Duration,
    /// Leave after this many seconds, from 0.1 to 86400, announcing offline (without it: at Ctrl-C)
    #[arg(long, value_name = "SECONDS", value_parser = duration)]
    duration: Option<Duration>,
}

impl PeerArgs {
    fn peer(self) -> Peer {
        Peer {
            name: self.name,
            every: self.interval,
            duration: self.duration,
        }
    }
}

impl GroupArgs {
    fn group(&self) -> Result<Group, broadcast::Error> {
        Group::new(&self.group, self.port, self.iface.as_deref())
    }
}

/// A flag that Ctrl-C sets, so that presence can announce offline before it ends.
fn ctrl_c() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    // Without a handler (one was set already) Ctrl-C ends the program at once: no offline, nothing worse.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    stop
}

fn run(cli: Cli) -> Result<(), Failure> {
    let capture = netlab::capture::open(cli.pcap.as_deref()).map_err(Failure::runtime)?;
    let capture = capture.as_ref();
    let out = &mut Stdout;
    match cli.command {
        Command::Send {
            message,
            to,
            iface,
            port,
            without_so_broadcast,
        } => {
            let (to, iface) = broadcast::destination(&to, iface.as_deref())?;
            commands::send(&message, to, iface.as_ref(), port, !without_so_broadcast, capture, out)?;
        }
        Command::Listen { port, count } => {
            commands::listen(port, Until::new(count, None), capture, out)?;
        }
        Command::Presence { peer, to, iface, port } => {
            let (to, iface) = broadcast::destination(&to, iface.as_deref())?;
            commands::presence(&peer.peer(), to, iface.as_ref(), port, &ctrl_c(), capture, out)?;
        }
        Command::Multicast(Multicast::Send {
            message,
            group,
            sending,
        }) => {
            commands::multicast_send(&group.group()?, &message, sending.ttl, !sending.no_loop, capture, out)?;
        }
        Command::Multicast(Multicast::Listen {
            group,
            count,
            duration,
            leave_after,
            no_join,
        }) => {
            let until = Until::new(count, duration);
            commands::multicast_listen(&group.group()?, !no_join, until, leave_after, capture, out)?;
        }
        Command::Multicast(Multicast::Presence { peer, group, sending }) => {
            let group = group.group()?;
            let (ttl, loopback) = (sending.ttl, !sending.no_loop);
            commands::multicast_presence(&group, &peer.peer(), ttl, loopback, &ctrl_c(), capture, out)?;
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    exit::report("broadcast", run(Cli::parse()))
}
