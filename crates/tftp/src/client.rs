//! A whole download or upload, from the client's side — seed §3.3.2 (`download(file)`, `upload(file)`).
//!
//! ```text
//! download                                   upload
//!   RRQ ->          (to port 69)               WRQ ->          (to port 69)
//!       <- DATA 1   (from a new port: TID)         <- ACK 0    (from a new port: TID)
//!   ACK 1 ->                                   DATA 1 ->
//!       <- DATA 2 ...                              <- ACK 1 ...
//!       <- DATA n  (short: the end)            DATA n (short, maybe empty) ->
//!   ACK n ->                                       <- ACK n
//! ```
//!
//! With options, the first reply may be an OACK instead; a download then ACKs block 0 before DATA 1 comes, and an
//! upload takes the OACK as its ACK 0.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use netlab::SocketBuilder;

use crate::netascii::{NetasciiReader, NetasciiWriter};
use crate::options::{self, Negotiated, OptionRequest};
use crate::packet::{ErrorCode, Mode, Packet, Request, ack_bytes};
use crate::transfer::{self, Channel, MAX_DATAGRAM, Observer, ReceiveStart, Stats, TransferError};

/// How to reach the server and what to ask of it.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The server's address; its port (69 by default) only receives the request.
    pub server: SocketAddr,
    /// octet or netascii.
    pub mode: Mode,
    /// Options to ask for; empty sends a plain RFC 1350 request.
    pub options: OptionRequest,
    /// Local retransmission timer.
    pub rexmt: Duration,
    /// Retransmissions in a row before giving up.
    pub retries: u32,
}

impl ClientConfig {
    /// Defaults: octet, no options, 1 s timer, 5 retries.
    pub fn new(server: SocketAddr) -> Self {
        ClientConfig {
            server,
            mode: Mode::Octet,
            options: OptionRequest::default(),
            rexmt: Duration::from_secs(1),
            retries: 5,
        }
    }
}

/// What a finished transfer reports.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// Counters from the engine.
    pub stats: Stats,
    /// The options in force.
    pub negotiated: Negotiated,
    /// The server's TID (its transfer port).
    pub server_tid: SocketAddr,
    /// Wall time from request to last ACK.
    pub elapsed: Duration,
}

/// A socket on an ephemeral port of the server's address family, with room for a full window of blocks: with
/// windowsize 16 and blksize 65464, a megabyte arrives in a burst, far more than a default 208 KiB buffer holds.
/// Sized for the window asked for; the server may grant less.
fn client_socket(cfg: &ClientConfig) -> std::io::Result<std::net::UdpSocket> {
    let any: IpAddr = match cfg.server {
        SocketAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
        SocketAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
    };
    let blksize = cfg.options.blksize.map_or(512, usize::from);
    let want = options::socket_buffer_for(blksize, cfg.options.windowsize.unwrap_or(1));
    SocketBuilder::new()
        .recv_buffer(want)
        .send_buffer(want)
        .bind_udp(SocketAddr::new(any, 0))
}

fn request_bytes(cfg: &ClientConfig, filename: &str, options: &OptionRequest, write: bool) -> Vec<u8> {
    let req = Request {
        filename: filename.to_string(),
        mode: cfg.mode,
        options: options.to_pairs(),
    };
    if write { Packet::Wrq(req) } else { Packet::Rrq(req) }.to_bytes()
}

/// Checks the server's OACK; a bad one is answered with ERROR 8 and ends the transfer.
fn accept_oack(
    ch: &mut Channel<'_>,
    asked: &OptionRequest,
    options: &[(String, String)],
) -> Result<Negotiated, TransferError> {
    match asked.accept_oack(options) {
        Ok(agreed) => Ok(agreed),
        Err(refused) => {
            ch.send_error(ErrorCode::OptionRefused, &refused.0);
            Err(TransferError::Protocol(format!("server's OACK refused: {refused}")))
        }
    }
}

fn unexpected(ch: &mut Channel<'_>, what: &str, bytes: &[u8]) -> TransferError {
    let why = format!("unexpected reply to the {what}: {}", crate::packet::describe(bytes));
    ch.send_error(ErrorCode::IllegalOperation, &why);
    TransferError::Protocol(why)
}

/// Sends the request and waits for the first reply, which also fixes the server's TID. A server that answers
/// options with ERROR 8 is asked once more without them from a fresh port (tftpd-hpa, for one, refuses tsize on a
/// netascii read): RFC 2347 lets it refuse, and the plain RFC 1350 transfer still works. Returns the channel, the
/// options finally asked for, and the reply's length in `buf`.
fn open<'o>(
    cfg: &ClientConfig,
    remote: &str,
    options: OptionRequest,
    write: bool,
    buf: &mut [u8],
    observer: &'o mut dyn Observer,
) -> Result<(Channel<'o>, OptionRequest, usize), TransferError> {
    let mut ch = Channel::new(client_socket(cfg)?, cfg.server, false, cfg.rexmt, cfg.retries, observer);
    let n = ch.request(
        &request_bytes(cfg, remote, &options, write),
        buf,
        "the server's first reply",
    )?;
    let refused = matches!(
        Packet::decode(&buf[..n]),
        Ok(Packet::Error {
            code: ErrorCode::OptionRefused,
            ..
        })
    );
    if !refused || options.is_empty() {
        return Ok((ch, options, n));
    }
    let observer = ch.into_observer();
    let plain = OptionRequest::default();
    let mut ch = Channel::new(client_socket(cfg)?, cfg.server, false, cfg.rexmt, cfg.retries, observer);
    let n = ch.request(
        &request_bytes(cfg, remote, &plain, write),
        buf,
        "the server's first reply",
    )?;
    Ok((ch, plain, n))
}

/// Downloads `remote` into `sink`. The caller decides where `sink` writes; `tftp-client` gives it a temporary file
/// that is renamed into place only after this returns `Ok`.
// ANCHOR: download
pub fn download(
    cfg: &ClientConfig,
    remote: &str,
    sink: &mut dyn Write,
    observer: &mut dyn Observer,
) -> Result<Outcome, TransferError> {
    let started = Instant::now();
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let (mut ch, asked, n) = open(cfg, remote, cfg.options, false, &mut buf, observer)?;
    let reply = &buf[..n];
    let (negotiated, start_ack);
    let start = match Packet::decode(reply) {
        Ok(Packet::Oack { options }) if !asked.is_empty() => {
            negotiated = accept_oack(&mut ch, &asked, &options)?;
            start_ack = ack_bytes(0);
            ch.send(&start_ack, false)?;
            ReceiveStart::Sent(&start_ack)
        }
        // No OACK: the server ignored our options (or we sent none), so RFC 1350's defaults apply.
        Ok(Packet::Data { block: 1, .. }) => {
            negotiated = Negotiated::default();
            ReceiveStart::FirstData(reply)
        }
        Ok(Packet::Error { code, message }) => return Err(TransferError::Peer { code, message }),
        _ => return Err(unexpected(&mut ch, "read request", reply)),
    };
    ch.negotiated(&negotiated);
    let last = if cfg.mode == Mode::Netascii {
        let mut text = NetasciiWriter::new(&mut *sink);
        let last = transfer::receive(&mut ch, &mut text, &negotiated, start)?;
        text.finish().map_err(TransferError::File)?;
        last
    } else {
        transfer::receive(&mut ch, sink, &negotiated, start)?
    };
    // The caller renames its temporary file only after this returns; the server needs no more than the ACK.
    let stats = last.acknowledge(&mut ch)?;
    Ok(Outcome {
        stats,
        negotiated,
        server_tid: ch.peer(),
        elapsed: started.elapsed(),
    })
}
// ANCHOR_END: download

/// Uploads what `source` yields as `remote`. `size`, if known, is announced as tsize when tsize was asked for.
// ANCHOR: upload
pub fn upload(
    cfg: &ClientConfig,
    remote: &str,
    source: &mut dyn Read,
    size: Option<u64>,
    observer: &mut dyn Observer,
) -> Result<Outcome, TransferError> {
    let started = Instant::now();
    let mut options = cfg.options;
    if options.tsize.is_some() {
        // In a write request tsize announces the size, so the server can refuse a file that will not fit.
        options.tsize = size;
    }
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let (mut ch, asked, n) = open(cfg, remote, options, true, &mut buf, observer)?;
    let reply = &buf[..n];
    let negotiated = match Packet::decode(reply) {
        Ok(Packet::Oack { options }) if !asked.is_empty() => accept_oack(&mut ch, &asked, &options)?,
        Ok(Packet::Ack { block: 0 }) => Negotiated::default(),
        Ok(Packet::Error { code, message }) => return Err(TransferError::Peer { code, message }),
        _ => return Err(unexpected(&mut ch, "write request", reply)),
    };
    ch.negotiated(&Negotiated {
        tsize: size,
        ..negotiated
    });
    let stats = if cfg.mode == Mode::Netascii {
        transfer::send(&mut ch, &mut NetasciiReader::new(source), &negotiated, None)?
    } else {
        transfer::send(&mut ch, source, &negotiated, None)?
    };
    Ok(Outcome {
        stats,
        negotiated,
        server_tid: ch.peer(),
        elapsed: started.elapsed(),
    })
}
// ANCHOR_END: upload
