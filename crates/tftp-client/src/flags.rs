//! The flags every transfer shares — `--port`, `--mode`, the RFC 2347 options, the timer, `--trace`, `-q`,
//! `--pcap` — and the [`ClientConfig`] they make for the `tftp` crate.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use netlab::capture::Capture;
use tftp::client::ClientConfig;
use tftp::{Mode, OptionRequest};

/// The longest retransmission timer, in milliseconds: 255 s, the longest timeout RFC 2349 lets a peer ask for.
pub const MAX_REXMT_MS: u64 = 255_000;
/// The most retransmissions in a row: at the longest timer that is hours of waiting for one packet already.
pub const MAX_RETRIES: u32 = 100;

/// `--mode`: how a file travels (its values are described in `--mode`'s help, so they carry no doc comments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Octet,
    Netascii,
}

/// The flags every transfer shares.
#[derive(Debug, Args, Clone)]
pub struct TransferOpts {
    /// Server port for the request, 1-65535 (the transfer itself moves to a port the server picks)
    #[arg(long, short = 'p', default_value_t = 69, global = true, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,
    /// Transfer mode: octet sends bytes as they are; netascii turns line ends into CR LF on the wire
    #[arg(long, value_enum, default_value = "octet", global = true)]
    pub mode: ModeArg,
    /// Ask for this many bytes per block (RFC 2348, 8-65464)
    #[arg(long, global = true, value_parser = clap::value_parser!(u16).range(8..=65464))]
    pub blksize: Option<u16>,
    /// Ask for this many blocks in flight per ACK (RFC 7440, 1-65535)
    #[arg(long, global = true, value_parser = clap::value_parser!(u16).range(1..))]
    pub windowsize: Option<u16>,
    /// Ask the server to use this retransmission timeout, in seconds (RFC 2349, 1-255)
    #[arg(long, global = true, value_parser = clap::value_parser!(u8).range(1..))]
    pub timeout: Option<u8>,
    /// Ask for (download) or announce (upload) the file's size (RFC 2349)
    #[arg(long, global = true)]
    pub tsize: bool,
    /// Our own retransmission timer, in milliseconds, from 1 to 255000 (RFC 2349's 255 s)
    #[arg(long, value_name = "MS", default_value_t = 1000, global = true,
          value_parser = clap::value_parser!(u64).range(1..=MAX_REXMT_MS))]
    pub rexmt: u64,
    /// Retransmissions in a row before giving up, from 0 to 100 (0: at the first timeout)
    #[arg(long, default_value_t = 5, global = true,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_RETRIES)))]
    pub retries: u32,
    /// Print every packet sent and received, decoded
    #[arg(long, global = true)]
    pub trace: bool,
    /// Print nothing but errors
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Write every datagram sent and received (the request and every transfer's) to this pcapng file, for
    /// Wireshark
    #[arg(long, value_name = "FILE", global = true)]
    pub pcap: Option<PathBuf>,
    /// The capture `--pcap` opened, which every transfer records into (set by [`crate::run`], not a flag).
    #[arg(skip)]
    pub capture: Option<Arc<Capture>>,
}

impl TransferOpts {
    /// What the `tftp` crate needs for a transfer with `server`.
    pub fn config(&self, server: SocketAddr) -> ClientConfig {
        ClientConfig {
            server,
            mode: self.mode(),
            options: OptionRequest {
                blksize: self.blksize,
                timeout: self.timeout,
                tsize: self.tsize.then_some(0),
                windowsize: self.windowsize,
            },
            rexmt: Duration::from_millis(self.rexmt),
            retries: self.retries,
            capture: self.capture.clone(),
        }
    }

    /// The transfer mode.
    pub fn mode(&self) -> Mode {
        match self.mode {
            ModeArg::Octet => Mode::Octet,
            ModeArg::Netascii => Mode::Netascii,
        }
    }

    /// Refuses flags that each make sense alone but not together.
    pub fn check(&self) -> Result<()> {
        let blksize = usize::from(self.blksize.unwrap_or(512));
        let window = usize::from(self.windowsize.unwrap_or(1));
        // Every block of a window is kept until it is ACKed; keep that memory reasonable.
        if blksize * window > 256 << 20 {
            bail!("--blksize {blksize} × --windowsize {window} would keep over 256 MiB in flight; lower one of them");
        }
        Ok(())
    }
}
