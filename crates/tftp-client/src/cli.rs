//! The command line: `tftp-client get|put ...`, or no subcommand for the seed's menu.

use std::io;
use std::path::PathBuf;

use anyhow::{Result, anyhow};
use clap::{Parser, Subcommand};
use tftp::Operation;

use crate::flags::TransferOpts;
use crate::url::{host_target, local_name_for, parse_url};
use crate::watch::{summary, tsize_warning};
use crate::{local, menu, usage};

const EXAMPLES: &str = "\
Examples:
  tftp-client get 127.0.0.1 hello.txt --port 6969
  tftp-client put 127.0.0.1 notes.txt backup/notes.txt --port 6969 --blksize 1428 --windowsize 16
  tftp-client get tftp://127.0.0.1:6969/big.bin --tsize --trace
  tftp-client get 127.0.0.1 hello.txt --port 6969 --pcap get.pcapng     # every datagram, for Wireshark";

/// A TFTP client (RFC 1350 with the option extensions of RFCs 2347, 2348, 2349 and 7440).
///
/// With no subcommand it runs the seed tutorial's menu: it asks for the server, then offers
/// 1 download / 2 upload / 3 quit.
#[derive(Debug, Parser)]
#[command(name = "tftp-client", version, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    opts: TransferOpts,
}

/// The subcommands, named as every TFTP client names a download and an upload (see `tftp::Operation::command`).
#[derive(Debug, Subcommand)]
enum Command {
    /// Download: get HOST REMOTE [LOCAL], or get tftp://HOST[:PORT]/REMOTE [LOCAL]. LOCAL `-` writes to stdout.
    Get {
        /// HOST REMOTE [LOCAL] or URL [LOCAL]
        #[arg(num_args = 1..=3, required = true, value_name = "ARGS")]
        args: Vec<String>,
    },
    /// Upload: put HOST LOCAL [REMOTE], or put tftp://HOST[:PORT]/REMOTE LOCAL.
    Put {
        /// HOST LOCAL [REMOTE] or URL LOCAL
        #[arg(num_args = 2..=3, required = true, value_name = "ARGS")]
        args: Vec<String>,
    },
}

/// Runs what the command line asks: a download, an upload, or the menu. An error that is a [`crate::Usage`] is
/// bad usage (exit 2); any other is a failed transfer (exit 1).
pub fn run(cli: &Cli) -> Result<()> {
    cli.opts.check().map_err(|e| usage(&e.to_string()))?;
    // One capture for the whole run: every transfer's sockets record into it.
    let mut opts = cli.opts.clone();
    opts.capture = netlab::capture::open(opts.pcap.as_deref())?;
    let done = match &cli.command {
        Some(Command::Get { args }) => get(&opts, args),
        Some(Command::Put { args }) => put(&opts, args),
        None => menu::menu(&opts, &mut io::stdin().lock(), &mut netlab::output::Stdout)
            .and_then(|ok| if ok { Ok(()) } else { Err(anyhow!("a transfer failed")) }),
    };
    // A transfer's own failure says more than an incomplete capture; either fails the run.
    let recorded = opts.capture.map_or(Ok(()), |c| c.finish());
    done.and(recorded.map_err(anyhow::Error::from))
}

/// One download for `get`'s arguments.
fn get(opts: &TransferOpts, args: &[String]) -> Result<()> {
    let (target, local) = match args {
        [url] if url.starts_with("tftp://") => (parse_url(url, opts.port)?, None),
        [url, local] if url.starts_with("tftp://") => (parse_url(url, opts.port)?, Some(local)),
        [host, remote] => (host_target(host, remote, opts.port)?, None),
        [host, remote, local] => (host_target(host, remote, opts.port)?, Some(local)),
        _ => {
            return Err(usage(
                "get takes HOST REMOTE [LOCAL] or tftp://HOST[:PORT]/REMOTE [LOCAL]",
            ));
        }
    };
    let local = match local {
        Some(l) => PathBuf::from(l),
        None => local_name_for(&target.remote).map_err(|e| usage(&e.to_string()))?,
    };
    let outcome = local::download(opts, &target, &local)?;
    if !opts.quiet {
        if let Some(warning) = tsize_warning(opts, &outcome) {
            eprintln!("tftp-client: {warning}");
        }
        eprintln!("{}", summary(Operation::Download, &target, &outcome));
    }
    Ok(())
}

/// One upload for `put`'s arguments.
fn put(opts: &TransferOpts, args: &[String]) -> Result<()> {
    let (target, local) = match args {
        [url, local] if url.starts_with("tftp://") => (parse_url(url, opts.port)?, PathBuf::from(local)),
        [host, local] => {
            let remote = local_name_for(local).map_err(|e| usage(&e.to_string()))?;
            (
                host_target(host, &remote.to_string_lossy(), opts.port)?,
                PathBuf::from(local),
            )
        }
        [host, local, remote] => (host_target(host, remote, opts.port)?, PathBuf::from(local)),
        _ => {
            return Err(usage(
                "put takes HOST LOCAL [REMOTE] or tftp://HOST[:PORT]/REMOTE LOCAL",
            ));
        }
    };
    let outcome = local::upload(opts, &target, &local)?;
    if !opts.quiet {
        eprintln!("{}", summary(Operation::Upload, &target, &outcome));
    }
    Ok(())
}
