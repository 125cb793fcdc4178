//! `ipmask` — a subnet calculator that shows the bits (seed §1.2). Try:
//!
//! ```text
//! cargo run -p ipmask -- 192.168.1.1 255.255.255.0
//! cargo run -p ipmask -- 192.168.1.1/24 --split 26
//! cargo run -p ipmask -- same-subnet 192.168.1.10 192.168.2.20 --mask 255.255.0.0
//! ```

use std::io::BufRead;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ipmask::net::show;
use ipmask::render::{Style, count_json, report, to_json};
use ipmask::{Net, ParseError, ops, parse};
// Like std's, but a closed standard output (`ipmask ... | head -1`) ends the program quietly, as `cat` ends.
use netlab::{print, println};
use serde_json::json;

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
    /// Merge networks into the fewest blocks (reads standard input when none are given)
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

fn print_nets(nets: &[Net], json: bool) {
    for n in nets {
        if json {
            println!("{}", to_json(n));
        } else {
            println!("{n}");
        }
    }
}

fn parse_net(text: &str) -> Result<Net, ParseError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    parse(&words).map(|p| p.net)
}

/// Why ipmask stopped without an answer.
#[derive(Debug)]
enum Failure {
    /// Bad input: exit code 2.
    Input(String),
    /// Standard input could not be read: exit code 1.
    Read(std::io::Error),
}

impl From<ParseError> for Failure {
    fn from(e: ParseError) -> Self {
        Failure::Input(e.to_string())
    }
}

/// Bytes of a bad line shown in an error: enough to recognise it, and the error stays one short line.
const SHOWN_OF_A_BAD_LINE: usize = 60;

/// The networks on `input`, one a line; blank lines are skipped. A line that is not UTF-8 text, or not a
/// network, is an error that names its line number: stopping there quietly would aggregate only part of the list.
fn nets_from_lines(mut input: impl BufRead) -> Result<Vec<Net>, Failure> {
    let mut nets = Vec::new();
    let mut line = Vec::new();
    for number in 1.. {
        line.clear();
        if input.read_until(b'\n', &mut line).map_err(Failure::Read)? == 0 {
            break;
        }
        let Ok(text) = std::str::from_utf8(&line) else {
            let shown = &line[..line.len().min(SHOWN_OF_A_BAD_LINE)];
            return Err(Failure::Input(format!(
                "line {number} of standard input is not UTF-8 text: {}",
                netlab::Encoding::Utf8.decode(shown.trim_ascii())
            )));
        };
        if text.trim().is_empty() {
            continue;
        }
        let net = parse_net(text).map_err(|e| Failure::Input(format!("line {number} of standard input: {e}")))?;
        nets.push(net);
    }
    Ok(nets)
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Some(Command::Agg { networks }) => {
            let nets = if networks.is_empty() {
                nets_from_lines(std::io::stdin().lock())?
            } else {
                networks.iter().map(|t| parse_net(t)).collect::<Result<Vec<_>, _>>()?
            };
            print_nets(&ops::aggregate(&nets), cli.json);
        }
        Some(Command::Range { ends }) => {
            let (first, last) = match ends.as_slice() {
                [one] => one
                    .split_once('-')
                    .ok_or_else(|| ParseError::new(one, "expected FIRST-LAST"))?,
                [a, b] => (a.as_str(), b.as_str()),
                _ => return Err(ParseError::new(&ends.join(" "), "expected FIRST-LAST").into()),
            };
            let blocks = ops::range(
                ipmask::parse::parse_address(first)?,
                ipmask::parse::parse_address(last)?,
            )?;
            print_nets(&blocks, cli.json);
        }
        Some(Command::Vlsm { network, hosts }) => {
            let net = parse_net(&network)?;
            let ops::Vlsm { subnets, free } = ops::vlsm(&net, &hosts)?;
            if cli.json {
                for (wanted, sub) in &subnets {
                    let mut obj = to_json(sub);
                    obj["wanted_hosts"] = count_json(ipmask::Count::Exact(*wanted));
                    println!("{obj}");
                }
                println!(
                    "{}",
                    json!({ "free": free.iter().map(ToString::to_string).collect::<Vec<_>>() })
                );
            } else {
                let net = Net::new(net.network(), net.prefix);
                let plural = if subnets.len() == 1 { "" } else { "s" };
                println!("{net} in {} subnet{plural}, largest first", subnets.len());
                println!("{:>8}  {:<22} {:>8}  hosts", "wanted", "subnet", "usable");
                for (wanted, sub) in &subnets {
                    println!(
                        "{wanted:>8}  {:<22} {:>8}  {} to {}",
                        sub.to_string(),
                        sub.hosts().to_string(),
                        show(sub.first_host()),
                        show(sub.last_host())
                    );
                }
                let free: Vec<String> = free.iter().map(ToString::to_string).collect();
                println!(
                    "free: {}",
                    if free.is_empty() {
                        "nothing".to_string()
                    } else {
                        free.join(", ")
                    }
                );
            }
        }
        Some(Command::SameSubnet { host1, host2, mask }) => {
            let a = ipmask::parse::parse_address(&host1)?;
            let b = ipmask::parse::parse_address(&host2)?;
            let prefix = parse(&[&host1, &mask])?.net.prefix;
            let v = ops::same_subnet(a, b, prefix)?;
            if cli.json {
                let out = json!({
                    "host1": to_json(&Net::new(a, prefix)),
                    "host2": to_json(&Net::new(b, prefix)),
                    "on_link": v.on_link,
                    "common_prefix": v.common_prefix,
                    "explanation": v.explanation,
                });
                println!("{out}");
            } else {
                let verdict = if v.on_link {
                    "same subnet (on-link)"
                } else {
                    "different subnets (via the gateway)"
                };
                println!("{host1} and {host2} with /{prefix}: {verdict}");
                println!("{}", v.explanation);
            }
        }
        None => {
            let words: Vec<&str> = cli.network.iter().map(String::as_str).collect();
            if words.is_empty() {
                return Err(ParseError::new("", "give an address, such as 192.168.1.1/24 (see --help)").into());
            }
            let parsed = parse(&words)?;
            match cli.split {
                Some(prefix) => {
                    let limit = if cli.json { SHOWN_JSON } else { SHOWN };
                    let (subnets, exponent) = ops::split(&parsed.net, prefix, limit)?;
                    let total = ipmask::Count::power_of_two(exponent);
                    if !cli.json {
                        println!("{} in /{prefix} subnets: 2^{exponent} = {total}", parsed.net);
                    }
                    print_nets(&subnets, cli.json);
                    let left = total.minus(subnets.len() as u128);
                    if left != ipmask::Count::Exact(0) {
                        if cli.json {
                            println!("{}", json!({ "left_out": count_json(left) }));
                        } else {
                            println!("... and {left} more");
                        }
                    }
                }
                None if cli.json => println!("{}", to_json(&parsed.net)),
                None => print!("{}", report(&parsed, Style::detect())),
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("ipmask: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Read(e)) => {
            eprintln!("ipmask: cannot read standard input: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_input_are_read_to_the_end_or_refused_with_their_number() {
        let nets = nets_from_lines(&b"10.0.0.0/8\r\n\n  \n11.0.0.0 255.0.0.0"[..]).unwrap();
        assert_eq!(nets.len(), 2);
        let Err(Failure::Input(message)) = nets_from_lines(&b"10.0.0.0/8\n\n\xffoo\n11.0.0.0/8\n"[..]) else {
            panic!("a line that is not UTF-8 is refused");
        };
        assert_eq!(message, "line 3 of standard input is not UTF-8 text: \\xffoo");
        let Err(Failure::Input(message)) = nets_from_lines(&b"10.0.0.0/8\nnonsense\n"[..]) else {
            panic!("a line that is not a network is refused");
        };
        assert!(
            message.starts_with("line 2 of standard input: \"nonsense\""),
            "{message}"
        );
    }

    #[test]
    fn nets_parse_from_one_string() {
        assert_eq!(parse_net("10.0.0.0 255.0.0.0").unwrap().to_string(), "10.0.0.0/8");
        assert!(parse_net("10.0.0.0/40").is_err());
    }
}
