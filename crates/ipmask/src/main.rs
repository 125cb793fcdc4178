//! `ipmask` — a subnet calculator that shows the bits (seed §1.2). Try:
//!
//! ```text
//! cargo run -p ipmask -- 192.168.1.1 255.255.255.0
//! cargo run -p ipmask -- 192.168.1.1/24 --split 26
//! cargo run -p ipmask -- same-subnet 192.168.1.10 192.168.2.20 --mask 255.255.0.0
//! ```

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ipmask::parse::{parse_address, parse_lines, parse_net, parse_range};
use ipmask::render::{self, Style};
use ipmask::{ops, parse};
use netlab::exit::{self, Failure};
// Like std's, but a closed standard output (`ipmask ... | head -1`) ends the program quietly, as `cat` ends.
use netlab::{print, println};

const EXAMPLES: &str = "\
Examples:
  ipmask 192.168.1.1 255.255.255.0          the seed's example: 192.168.1.0 - 192.168.1.255
  ipmask 10.0.0.0/8 --split 10 --json       the four /10 subnets, as JSON lines
  ipmask range 10.0.0.1-10.0.0.6            the fewest CIDR blocks that cover the range
  ipmask vlsm 192.168.1.0/24 100 50 20 2    a subnet for 100 hosts, one for 50, one for 20, one for 2";

/// A subnet calculator: network, broadcast, hosts, class and kind of an address and mask, with the bits shown.
#[derive(Debug, Parser)]
#[command(name = "ipmask", version, after_help = EXAMPLES, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// ADDRESS/MASK, ADDRESS MASK or ADDRESS; MASK as /24, 255.255.255.0, 0xffffff00 or wildcard 0.0.0.255
    #[arg(num_args = 1..=2, value_name = "ADDRESS [MASK]")]
    network: Vec<String>,
    /// List the subnets of this prefix length inside the network: from its own prefix to 32 (128 for IPv6). The
    /// first 32 are listed (65536 with --json), then how many are left
    #[arg(long, value_name = "PREFIX")]
    split: Option<u8>,
    /// Print JSON, one object per line
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Merge networks into the fewest blocks (reads standard input when none are given: one network a line, each
    /// line at most 4096 bytes)
    Agg {
        /// Networks such as 192.168.0.0/24
        networks: Vec<String>,
    },
    /// The fewest CIDR blocks that cover exactly the addresses FIRST to LAST
    Range {
        /// FIRST-LAST, or FIRST LAST
        #[arg(num_args = 1..=2, required = true)]
        ends: Vec<String>,
    },
    /// Variable-length subnets: the smallest subnet for each count of hosts, carved out largest first
    Vlsm {
        /// The network to divide, such as 192.168.1.0/24
        network: String,
        /// How many hosts each subnet must hold, 1 or more, such as 100 50 20 2
        #[arg(required = true, value_name = "HOSTS")]
        hosts: Vec<u128>,
    },
    /// Whether two hosts are on one subnet with a mask, and what a wrong mask does (seed §1.2)
    SameSubnet {
        host1: String,
        host2: String,
        /// The mask: /24 or 255.255.255.0
        #[arg(long)]
        mask: String,
    },
}

/// Lines of a split shown before the rest are counted instead.
const SHOWN: usize = 32;
/// With --json, up to this many subnets are printed.
const SHOWN_JSON: usize = 65_536;

fn print_lines(lines: impl IntoIterator<Item = String>) {
    for line in lines {
        println!("{line}");
    }
}

/// Runs one command. Every `ipmask::Error` is bad input (exit 2): ipmask computes, it touches no network.
fn run(cli: Cli) -> Result<(), Failure> {
    let json = cli.json;
    match cli.command {
        Some(Command::Agg { networks }) => {
            let nets = if networks.is_empty() {
                parse_lines(std::io::stdin().lock())
                    .map_err(|e| Failure::runtime(format!("cannot read standard input: {e}")))?
            } else {
                networks.iter().map(|t| parse_net(t)).collect()
            }
            .map_err(Failure::usage)?;
            print_lines(render::net_lines(&ops::aggregate(&nets), json));
        }
        Some(Command::Range { ends }) => {
            let ends: Vec<&str> = ends.iter().map(String::as_str).collect();
            let (first, last) = parse_range(&ends).map_err(Failure::usage)?;
            let blocks = ops::range(first, last).map_err(Failure::usage)?;
            print_lines(render::net_lines(&blocks, json));
        }
        Some(Command::Vlsm { network, hosts }) => {
            let net = parse_net(&network).map_err(Failure::usage)?;
            let vlsm = ops::vlsm(&net, &hosts).map_err(Failure::usage)?;
            print_lines(render::vlsm_lines(&net, &vlsm, json));
        }
        Some(Command::SameSubnet { host1, host2, mask }) => {
            let a = parse_address(&host1).map_err(Failure::usage)?;
            let b = parse_address(&host2).map_err(Failure::usage)?;
            // The mask is read with the first host, whose family says whether 255.255.255.0 or /64 makes sense.
            let prefix = parse(&[&host1, &mask]).map_err(Failure::usage)?.net.prefix;
            let verdict = ops::same_subnet(a, b, prefix).map_err(Failure::usage)?;
            print_lines(render::same_subnet_lines(
                [&host1, &host2],
                [a, b],
                prefix,
                &verdict,
                json,
            ));
        }
        None => {
            let words: Vec<&str> = cli.network.iter().map(String::as_str).collect();
            if words.is_empty() {
                let hint = ipmask::Error::new("", "give an address, such as 192.168.1.1/24 (see --help)");
                return Err(Failure::usage(hint));
            }
            let parsed = parse(&words).map_err(Failure::usage)?;
            match cli.split {
                Some(prefix) => {
                    let limit = if json { SHOWN_JSON } else { SHOWN };
                    let (shown, exponent) = ops::split(&parsed.net, prefix, limit).map_err(Failure::usage)?;
                    print_lines(render::split_lines(&parsed.net, prefix, &shown, exponent, json));
                }
                None if json => println!("{}", render::to_json(&parsed.net)),
                None => print!("{}", render::report(&parsed, Style::detect())),
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    exit::report("ipmask", run(Cli::parse()))
}
