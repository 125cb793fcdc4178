//! `labbench` — side-by-side benchmarks for `just bench`. Each prints the medians of alternating runs and the
//! ratios between programs measured in the same run; nothing here passes or fails on time.
//!
//! ```text
//! just bench                                  # everything
//! cargo run --release -p labbench -- tftp-client --size-mib 16 --rounds 3
//! ```

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use labbench::bench;
use netlab::exit::{self, Failure};

/// Rounds of alternating runs: at least one, or there is no median to print (0 used to panic).
fn rounds() -> clap::builder::RangedU64ValueParser {
    clap::value_parser!(u64).range(1..=1000)
}

#[derive(Debug, Parser)]
#[command(
    name = "labbench",
    about = "Side-by-side benchmarks of the Socket Labs programs against their peers"
)]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// Download a file from tftpd-hpa with tftp-client, tftp-hpa's tftp and curl; print medians, ratios, floors
    TftpClient {
        /// File size in MiB
        #[arg(long, default_value_t = 64)]
        size_mib: u64,
        /// Alternating rounds (each program runs once per round), from 1 to 1000
        #[arg(long, default_value_t = 3, value_parser = rounds())]
        rounds: u64,
    },
    /// echo-client load mode against echo-server, a minimal C echo server and a Python one: packets per second
    Echo {
        /// Datagrams per run
        #[arg(long, default_value_t = 200_000)]
        count: u64,
        /// Datagrams in flight
        #[arg(long, default_value_t = 32)]
        window: u64,
        /// Alternating rounds, from 1 to 1000
        #[arg(long, default_value_t = 3, value_parser = rounds())]
        rounds: u64,
    },
    /// curl against tftp-server and tftpd-hpa; then tftp-client -> tftp-server with big windows beside the
    /// loopback ceiling
    TftpServer {
        /// File size in MiB for the curl comparison
        #[arg(long, default_value_t = 64)]
        size_mib: u64,
        /// File size in MiB for the windowed transfer
        #[arg(long, default_value_t = 256)]
        window_mib: u64,
        /// Alternating rounds, from 1 to 1000
        #[arg(long, default_value_t = 3, value_parser = rounds())]
        rounds: u64,
    },
}

/// Runs one benchmark. Everything that can fail past clap is a runtime failure (exit 1): a peer not installed,
/// a binary not built, a download that differs.
fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.bench {
        Bench::TftpClient { size_mib, rounds } => bench::tftp_client::run(size_mib, rounds as usize),
        Bench::TftpServer {
            size_mib,
            window_mib,
            rounds,
        } => bench::tftp_server::run(size_mib, window_mib, rounds as usize),
        Bench::Echo { count, window, rounds } => bench::echo::run(count, window, rounds as usize),
    }
}

fn main() -> ExitCode {
    // `{:#}`: the error with its causes, on one line ("cannot start tftp: No such file or directory").
    exit::report(
        "labbench",
        run(Cli::parse()).map_err(|e| Failure::runtime(format!("{e:#}"))),
    )
}
