//! `udp-impair` — put a bad network between a UDP client and server. Try it in three terminals:
//!
//! ```text
//! just tftp-server                                                          # 1: a server on 6969
//! cargo run -p udp-impair -- --listen 127.0.0.1:7070 --to 127.0.0.1:6969 --loss 20% -v     # 2: the relay
//! cargo run -p tftp-client -- get 127.0.0.1 hello.txt --port 7070 --trace --rexmt 200       # 3: see resends
//! ```
//!
//! Add `--pcap relay.pcapng` to the relay: every datagram goes into the file as it arrived and as it left, its fate
//! in the packet's comment (`just capture` shows one). The ports are not TFTP's 69, so tell Wireshark (tshark
//! takes the same `-d`): `wireshark -d udp.port==7070,tftp -d udp.port==6969,tftp -r relay.pcapng`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use clap::Parser;
// Like std's, but a closed standard output (`| head -1`) ends the program quietly, as `cat` ends.
use netlab::exit::{self, Failure};
use netlab::{print, println};
use udp_impair::{Config, Impairments, Relay, Tally, parse_percent};

const EXAMPLES: &str = "\
Examples:
  udp-impair --listen 127.0.0.1:7070 --to 127.0.0.1:6969 --loss 10% --dup 5% --reorder 5%
  udp-impair --listen 127.0.0.1:7070 --to 127.0.0.1:8080 --delay 50 --jitter 20 --seed 42
  udp-impair --listen [::1]:7070 --to [::1]:6969 --loss-down 30% -v
  udp-impair --listen 127.0.0.1:7070 --to 127.0.0.1:6969 --loss 20% --pcap relay.pcapng
    then: tshark -r relay.pcapng -d udp.port==7070,tftp -d udp.port==6969,tftp";

/// A UDP relay that drops, duplicates, reorders, delays and corrupts datagrams, repeatably for a given --seed.
///
/// "up" is client to server, "down" is server to client; a knob without a direction applies to both, and a
/// directional one overrides it.
#[derive(Debug, Parser)]
#[command(name = "udp-impair", version, after_help = EXAMPLES)]
struct Cli {
    /// Where clients send (port 0 picks a free one; the first line printed says which)
    #[arg(long, value_name = "ADDR:PORT")]
    listen: String,
    /// The server to relay to (not this relay's own --listen address)
    #[arg(long, value_name = "HOST:PORT")]
    to: String,
    /// Chance to drop a datagram, e.g. 10%
    #[arg(long, value_parser = parse_percent, default_value = "0")]
    loss: f64,
    #[arg(long, value_parser = parse_percent, hide_short_help = true)]
    loss_up: Option<f64>,
    #[arg(long, value_parser = parse_percent, hide_short_help = true)]
    loss_down: Option<f64>,
    /// Chance to send a datagram twice
    #[arg(long, value_parser = parse_percent, default_value = "0")]
    dup: f64,
    #[arg(long, value_parser = parse_percent, hide_short_help = true)]
    dup_up: Option<f64>,
    #[arg(long, value_parser = parse_percent, hide_short_help = true)]
    dup_down: Option<f64>,
    /// Chance to hold a datagram back 10 ms so later ones pass it
    #[arg(long, value_parser = parse_percent, default_value = "0")]
    reorder: f64,
    #[arg(long, value_parser = parse_percent, hide_short_help = true)]
    reorder_up: Option<f64>,
    #[arg(long, value_parser = parse_percent, hide_short_help = true)]
    reorder_down: Option<f64>,
    /// Chance to flip one bit of a datagram
    #[arg(long, value_parser = parse_percent, default_value = "0")]
    corrupt: f64,
    #[arg(long, value_parser = parse_percent, hide_short_help = true)]
    corrupt_up: Option<f64>,
    #[arg(long, value_parser = parse_percent, hide_short_help = true)]
    corrupt_down: Option<f64>,
    /// Delay every datagram by this many milliseconds, from 0 to 60000 (a minute)
    #[arg(long, default_value_t = 0, value_name = "MS", value_parser = delay_ms())]
    delay: u64,
    #[arg(long, value_name = "MS", hide_short_help = true, value_parser = delay_ms())]
    delay_up: Option<u64>,
    #[arg(long, value_name = "MS", hide_short_help = true, value_parser = delay_ms())]
    delay_down: Option<u64>,
    /// Add a random ± this many milliseconds to the delay, from 0 to 60000
    #[arg(long, default_value_t = 0, value_name = "MS", value_parser = delay_ms())]
    jitter: u64,
    #[arg(long, value_name = "MS", hide_short_help = true, value_parser = delay_ms())]
    jitter_up: Option<u64>,
    #[arg(long, value_name = "MS", hide_short_help = true, value_parser = delay_ms())]
    jitter_down: Option<u64>,
    /// Seed for the random choices: the same seed and traffic give the same faults
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Clients (source addresses) relayed at once, from 1 to 100000, each with a socket and a thread; datagrams
    /// from more are refused until one is forgotten
    #[arg(long, default_value_t = udp_impair::MAX_CLIENTS as u64, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    max_clients: u64,
    /// Forget a client silent for this many seconds, from 1 to 86400 (a day), making room for another
    #[arg(long, default_value_t = udp_impair::IDLE.as_secs(), value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    idle: u64,
    /// Print the tally every second while it changes
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Write every datagram, as it arrived and as it left, to this pcapng file for Wireshark, its fate in the
    /// packet's comment (dropped, duplicated, delayed, reordered, corrupted)
    #[arg(long, value_name = "FILE")]
    pcap: Option<PathBuf>,
}

/// Milliseconds of `--delay` or `--jitter`: from 0 to [`udp_impair::MAX_DELAY_MS`].
fn delay_ms() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(0..=udp_impair::MAX_DELAY_MS)
}

impl Cli {
    fn direction(&self, up: bool) -> Impairments {
        let pick = |both: f64, up_v: Option<f64>, down_v: Option<f64>| if up { up_v } else { down_v }.unwrap_or(both);
        let pick_ms = |both: u64, up_v: Option<u64>, down_v: Option<u64>| {
            Duration::from_millis(if up { up_v } else { down_v }.unwrap_or(both))
        };
        Impairments {
            loss: pick(self.loss, self.loss_up, self.loss_down),
            dup: pick(self.dup, self.dup_up, self.dup_down),
            reorder: pick(self.reorder, self.reorder_up, self.reorder_down),
            corrupt: pick(self.corrupt, self.corrupt_up, self.corrupt_down),
            delay: pick_ms(self.delay, self.delay_up, self.delay_down),
            jitter: pick_ms(self.jitter, self.jitter_up, self.jitter_down),
        }
    }

    /// The relay's settings, or the one line that says which argument is wrong.
    fn config(&self) -> Result<Config, String> {
        let endpoint = |flag: &str, text: &str| netlab::parse_endpoint(text, 0).map_err(|e| format!("--{flag} {e}"));
        Ok(Config {
            up: self.direction(true),
            down: self.direction(false),
            seed: self.seed,
            idle: Duration::from_secs(self.idle),
            max_clients: self.max_clients as usize,
            ..Config::new(endpoint("listen", &self.listen)?, endpoint("to", &self.to)?)
        })
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let config = cli.config().map_err(Failure::usage)?;
    let capture = netlab::capture::open(cli.pcap.as_deref()).map_err(Failure::runtime)?;
    let config = udp_impair::Config {
        capture: capture.clone(),
        ..config
    };
    let (listen, to, up, down) = (config.listen, config.to, config.up, config.down);
    let relay = Relay::start(config).map_err(|e| Failure::runtime(netlab::explain_bind_error(listen, &e)))?;
    if udp_impair::relay::leads_back(relay.local_addr(), to) {
        return Err(Failure::usage(format!(
            "--to {to} is this relay's own --listen address: every datagram would come back to the relay"
        )));
    }
    // Catch Ctrl-C before the ready lines, so whoever waits for them can interrupt us safely.
    let (stop_tx, stop_rx) = mpsc::channel();
    if let Err(e) = ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    }) {
        eprintln!("udp-impair: cannot catch Ctrl-C: {e}");
    }
    println!("relaying {} <-> {to}", relay.local_addr());
    println!("  client->server: {up}");
    println!("  server->client: {down}");
    // Start from zero, not from a snapshot: datagrams may already have arrived by now, and they count as news.
    let mut shown = Tally::default();
    while let Err(RecvTimeoutError::Timeout) = stop_rx.recv_timeout(Duration::from_secs(1)) {
        if cli.verbose {
            let now = relay.tally();
            print!("{}", now.news_since(&shown, cli.max_clients as usize));
            shown = now;
        }
    }
    print!("{}", relay.stop());
    match capture.map(|c| c.finish()) {
        Some(Err(e)) => Err(Failure::runtime(e)),
        _ => Ok(()),
    }
}

fn main() -> ExitCode {
    exit::report("udp-impair", run(Cli::parse()))
}
