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
//!
//! The code ends near line 300; the rest of the file is its tests — the client's answer to each kind of first
//! reply a server (or a stranger) can send, byte for byte.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use netlab::SocketBuilder;
use netlab::capture::{Capture, CapturedSocket};

use crate::netascii::{Counted, ModeReader, ModeWriter};
use crate::options::{self, Negotiated, OptionRequest};
use crate::packet::{ErrorCode, Mode, Operation, Packet, PrettyPrinter, Request, ack_bytes};
use crate::transfer::{self, Channel, Datagrams, MAX_DATAGRAM, Observer, ReceiveStart, Stats, TransferError};

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
    /// Where every datagram of the transfer is recorded (`--pcap FILE`), if anywhere: the request and each
    /// transfer's socket record into it.
    pub capture: Option<Arc<Capture>>,
}

impl ClientConfig {
    /// Defaults: octet, no options, 1 s timer, 5 retries, no capture.
    pub fn new(server: SocketAddr) -> Self {
        ClientConfig {
            server,
            mode: Mode::Octet,
            options: OptionRequest::default(),
            rexmt: Duration::from_secs(1),
            retries: 5,
            capture: None,
        }
    }
}

/// What a finished transfer reports.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// Counters from the engine; `stats.bytes` counts the bytes on the wire.
    pub stats: Stats,
    /// The file's own bytes: in netascii fewer than on the wire, where each line end travels as CR LF.
    pub file_bytes: u64,
    /// The options in force.
    pub negotiated: Negotiated,
    /// The server's TID (its transfer port).
    pub server_tid: SocketAddr,
    /// Wall time from request to last ACK.
    pub elapsed: Duration,
}

/// Opens the socket for one request: each request goes out from a new port, its TID. [`download`] and [`upload`]
/// open UDP sockets; a test or the fuzzer passes [`download_over`] and [`upload_over`] sockets of its own, such as
/// a [`MemorySocket`](crate::transfer::MemorySocket) that replays any reply.
pub type OpenSocket<'a> = dyn FnMut() -> io::Result<Box<dyn Datagrams>> + 'a;

/// A socket on an ephemeral port of the server's address family, with room for a full window of blocks: with
/// windowsize 16 and blksize 65464, a megabyte arrives in a burst, far more than a default 208 KiB buffer holds.
/// Sized for the window asked for; the server may grant less. It records into the config's capture, if any.
/// [`download`] and [`upload`] open one per request; a caller of [`download_over`] or [`upload_over`] may open it
/// itself to keep a clone (`try_clone`), to end the transfer with an ERROR from another thread.
pub fn udp_socket(cfg: &ClientConfig) -> io::Result<CapturedSocket> {
    let any: IpAddr = match cfg.server {
        SocketAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
        SocketAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
    };
    let blksize = cfg.options.blksize.map_or(512, usize::from);
    let want = options::socket_buffer_for(blksize, cfg.options.windowsize.unwrap_or(1));
    let socket = SocketBuilder::new()
        .recv_buffer(want)
        .send_buffer(want)
        .bind_udp(SocketAddr::new(any, 0))?;
    Ok(CapturedSocket::new(socket, cfg.capture.clone()))
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

/// A first reply that makes no sense for the request: the server is told with ERROR 4.
fn unexpected(ch: &mut Channel<'_>, op: Operation, bytes: &[u8]) -> TransferError {
    let request = match op {
        Operation::Download => "read request",
        Operation::Upload => "write request",
    };
    let why = format!("unexpected reply to the {request}: {}", PrettyPrinter::new(bytes));
    ch.send_error(ErrorCode::IllegalOperation, &why);
    TransferError::Protocol(why)
}

/// A channel to the server over a new socket, not latched yet: the server's first reply fixes its TID.
fn channel<'o>(
    open_socket: &mut OpenSocket<'_>,
    cfg: &ClientConfig,
    observer: &'o mut dyn Observer,
) -> io::Result<Channel<'o>> {
    Ok(Channel::new(
        open_socket()?,
        cfg.server,
        false,
        cfg.rexmt,
        cfg.retries,
        observer,
    ))
}

/// Sends the request and waits for the first reply, which also fixes the server's TID. A server that answers
/// options with ERROR 8 is asked once more without them from a fresh port (tftpd-hpa, for one, refuses tsize on a
/// netascii read): RFC 2347 lets it refuse, and the plain RFC 1350 transfer still works. Returns the channel, the
/// options finally asked for, and the reply's length in `buf`.
fn open<'o>(
    open_socket: &mut OpenSocket<'_>,
    cfg: &ClientConfig,
    op: Operation,
    remote: &str,
    options: OptionRequest,
    buf: &mut [u8],
    observer: &'o mut dyn Observer,
) -> Result<(Channel<'o>, OptionRequest, usize), TransferError> {
    let request = |options: &OptionRequest| {
        let request = Request {
            filename: remote.to_string(),
            mode: cfg.mode,
            options: options.to_pairs(),
        };
        Packet::request(op, request).to_bytes()
    };
    let mut ch = channel(open_socket, cfg, observer)?;
    let n = ch.request(&request(&options), buf)?;
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
    let plain = OptionRequest::default();
    let mut ch = channel(open_socket, cfg, ch.into_observer())?;
    let n = ch.request(&request(&plain), buf)?;
    Ok((ch, plain, n))
}

/// Downloads `remote` into `sink`. The caller decides where `sink` writes; `tftp-client` gives it a temporary file
/// that is renamed into place only after this returns `Ok`.
pub fn download(
    cfg: &ClientConfig,
    remote: &str,
    sink: &mut dyn Write,
    observer: &mut dyn Observer,
) -> Result<Outcome, TransferError> {
    download_over(&mut || udp_socket(cfg).map(Into::into), cfg, remote, sink, observer)
}

/// [`download`] over sockets that `open_socket` opens.
// ANCHOR: download
pub fn download_over(
    open_socket: &mut OpenSocket<'_>,
    cfg: &ClientConfig,
    remote: &str,
    sink: &mut dyn Write,
    observer: &mut dyn Observer,
) -> Result<Outcome, TransferError> {
    let started = Instant::now();
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let op = Operation::Download;
    let (mut ch, asked, n) = open(open_socket, cfg, op, remote, cfg.options, &mut buf, observer)?;
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
        _ => return Err(unexpected(&mut ch, op, reply)),
    };
    ch.negotiated(&negotiated);
    let mut counted = Counted::new(sink);
    let mut file = ModeWriter::new(cfg.mode, &mut counted);
    let last = transfer::receive(&mut ch, &mut file, &negotiated, start)?;
    // A failure here (netascii's last CR, a flush) is told to the server, which is waiting for the final ACK.
    file.finish().map_err(|e| ch.file_failed(e))?;
    let file_bytes = counted.total();
    // The caller renames its temporary file only after this returns; the server needs no more than the ACK.
    let stats = last.acknowledge(&mut ch)?;
    Ok(Outcome {
        stats,
        file_bytes,
        negotiated,
        server_tid: ch.peer(),
        elapsed: started.elapsed(),
    })
}
// ANCHOR_END: download

/// Uploads what `source` yields as `remote`. `size`, if known, is announced as tsize when tsize was asked for.
pub fn upload(
    cfg: &ClientConfig,
    remote: &str,
    source: &mut dyn Read,
    size: Option<u64>,
    observer: &mut dyn Observer,
) -> Result<Outcome, TransferError> {
    upload_over(
        &mut || udp_socket(cfg).map(Into::into),
        cfg,
        remote,
        source,
        size,
        observer,
    )
}

/// [`upload`] over sockets that `open_socket` opens.
// ANCHOR: upload
pub fn upload_over(
    open_socket: &mut OpenSocket<'_>,
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
    let op = Operation::Upload;
    let (mut ch, asked, n) = open(open_socket, cfg, op, remote, options, &mut buf, observer)?;
    let reply = &buf[..n];
    let negotiated = match Packet::decode(reply) {
        Ok(Packet::Oack { options }) if !asked.is_empty() => accept_oack(&mut ch, &asked, &options)?,
        Ok(Packet::Ack { block: 0 }) => Negotiated::default(),
        Ok(Packet::Error { code, message }) => return Err(TransferError::Peer { code, message }),
        _ => return Err(unexpected(&mut ch, op, reply)),
    };
    ch.negotiated(&Negotiated {
        tsize: size,
        ..negotiated
    });
    let mut counted = Counted::new(source);
    let stats = transfer::send(&mut ch, &mut ModeReader::new(cfg.mode, &mut counted), &negotiated, None)?;
    Ok(Outcome {
        stats,
        file_bytes: counted.total(),
        negotiated,
        server_tid: ch.peer(),
        elapsed: started.elapsed(),
    })
}
// ANCHOR_END: upload

/// The client's handling of whatever answers its request, one scripted datagram at a time: every byte it sends back.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::testing::{OTHER_HOST, PEER, RRQ, SERVER, addr, sent, to};
    use crate::transfer::{MemorySocket, Quiet};

    const RRQ_BLKSIZE: &[u8] = b"\0\x01f\0octet\0blksize\x001024\0";
    const WRQ: &[u8] = b"\0\x02f\0octet\0";
    const ACK_0: &[u8] = &[0, 4, 0, 0];
    const ACK_1: &[u8] = &[0, 4, 0, 1];

    fn config(blksize: Option<u16>) -> ClientConfig {
        ClientConfig {
            options: OptionRequest {
                blksize,
                ..OptionRequest::default()
            },
            rexmt: Duration::from_secs(3600),
            retries: 1,
            ..ClientConfig::new(addr(SERVER))
        }
    }

    fn script(replies: &[(&str, &[u8])]) -> MemorySocket {
        let socket = MemorySocket::new();
        for (from, datagram) in replies {
            socket.deliver(addr(from), datagram);
        }
        socket
    }

    fn download(cfg: &ClientConfig, socket: &MemorySocket) -> (Result<Outcome, TransferError>, Vec<u8>) {
        let mut file = Vec::new();
        let mut open = || Ok(socket.clone().into());
        let result = download_over(&mut open, cfg, "f", &mut file, &mut Quiet);
        (result, file)
    }

    fn upload(cfg: &ClientConfig, socket: &MemorySocket, file: &[u8]) -> Result<Outcome, TransferError> {
        let mut open = || Ok(socket.clone().into());
        upload_over(&mut open, cfg, "f", &mut &file[..], Some(file.len() as u64), &mut Quiet)
    }

    #[test]
    fn data_1_from_a_new_port_latches_it_and_is_acked_there() {
        let socket = script(&[(PEER, b"\0\x03\0\x01hi")]);
        let (result, file) = download(&config(None), &socket);
        assert_eq!(result.unwrap().server_tid, addr(PEER));
        assert_eq!(file, b"hi");
        assert_eq!(sent(&socket), [to(SERVER, &[RRQ]), to(PEER, &[ACK_1])].concat());
    }

    #[test]
    fn an_oack_is_acked_with_block_0_and_its_options_are_used() {
        let oack: &[u8] = b"\0\x06blksize\x008\0";
        let socket = script(&[(PEER, oack), (PEER, b"\0\x03\0\x01abcdefgh"), (PEER, b"\0\x03\0\x02!")]);
        let (result, file) = download(&config(Some(1024)), &socket);
        assert_eq!(result.unwrap().negotiated.blksize, 8);
        assert_eq!(file, b"abcdefgh!");
        assert_eq!(
            sent(&socket),
            [to(SERVER, &[RRQ_BLKSIZE]), to(PEER, &[ACK_0, ACK_1, &[0, 4, 0, 2]])].concat()
        );
    }

    #[test]
    fn an_oack_granting_more_than_was_asked_is_refused_with_error_8() {
        let socket = script(&[(PEER, b"\0\x06blksize\x002048\0")]);
        let (result, _) = download(&config(Some(1024)), &socket);
        assert_eq!(
            result.unwrap_err().to_string(),
            "protocol error: server's OACK refused: option blksize=2048: asked for at most 1024"
        );
        let error_8: &[u8] = b"\0\x05\0\x08option blksize=2048: asked for at most 1024\0";
        assert_eq!(
            sent(&socket),
            [to(SERVER, &[RRQ_BLKSIZE]), to(PEER, &[error_8])].concat()
        );
    }

    #[test]
    fn error_8_makes_the_client_ask_again_without_options() {
        let second_tid = "127.0.0.1:50124";
        let socket = script(&[(PEER, b"\0\x05\0\x08no options\0"), (second_tid, b"\0\x03\0\x01x")]);
        let (result, file) = download(&config(Some(1024)), &socket);
        assert_eq!(
            result.unwrap().server_tid,
            addr(second_tid),
            "the second request's server port"
        );
        assert_eq!(file, b"x");
        assert_eq!(
            sent(&socket),
            [to(SERVER, &[RRQ_BLKSIZE, RRQ]), to(second_tid, &[ACK_1])].concat()
        );
    }

    #[test]
    fn an_error_reply_ends_the_download_unanswered() {
        let socket = script(&[(PEER, b"\0\x05\0\x01no such file\0")]);
        let (result, _) = download(&config(None), &socket);
        assert_eq!(
            result.unwrap_err().to_string(),
            "peer sent ERROR 1 (file not found): \"no such file\""
        );
        assert_eq!(sent(&socket), to(SERVER, &[RRQ]));
    }

    #[test]
    fn garbage_or_the_wrong_packet_as_a_first_reply_gets_error_4() {
        for (reply, why) in [
            (&b"\0\x09"[..], "malformed (unknown opcode 9), 2 bytes"),
            (ACK_1, "ACK block=1"),
            (b"\0\x03\0\x02x", "DATA block=2 len=1"),
        ] {
            let socket = script(&[(PEER, reply)]);
            let (result, _) = download(&config(None), &socket);
            let why = format!("unexpected reply to the read request: {why}");
            assert_eq!(result.unwrap_err().to_string(), format!("protocol error: {why}"));
            let error_4 = [&b"\0\x05\0\x04"[..], why.as_bytes(), b"\0"].concat();
            assert_eq!(sent(&socket), [to(SERVER, &[RRQ]), to(PEER, &[&error_4])].concat());
        }
    }

    #[test]
    fn a_reply_from_another_host_is_a_strangers_and_the_request_is_repeated() {
        let socket = script(&[(OTHER_HOST, b"\0\x03\0\x01x")]);
        let (result, _) = download(&config(None), &socket);
        assert_eq!(
            result.unwrap_err().to_string(),
            "timed out waiting for the server's first reply after 1 retransmissions"
        );
        let error_5: &[u8] = b"\0\x05\0\x05unknown transfer ID\0";
        assert_eq!(
            sent(&socket),
            [to(SERVER, &[RRQ]), to(OTHER_HOST, &[error_5]), to(SERVER, &[RRQ])].concat()
        );
    }

    /// A file that holds `room` bytes, then refuses more: the disk is full.
    struct FullAfter(usize);

    impl Write for FullAfter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if buf.len() > self.0 {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            self.0 -= buf.len();
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// The last block of a netascii text ends in a CR, which is written only when the file is finished; that write
    /// fails. The server, waiting for the final ACK, is told with an ERROR instead of being left to time out.
    #[test]
    fn a_write_that_fails_as_the_file_is_finished_is_told_to_the_server() {
        let socket = script(&[(PEER, b"\0\x03\0\x01ab\r")]);
        let cfg = ClientConfig {
            mode: Mode::Netascii,
            ..config(None)
        };
        let mut open = || Ok(socket.clone().into());
        let result = download_over(&mut open, &cfg, "f", &mut FullAfter(2), &mut Quiet);
        assert_eq!(result.unwrap_err().to_string(), "file error: disk full");
        let error_3: &[u8] = b"\0\x05\0\x03disk full\0";
        let rrq: &[u8] = b"\0\x01f\0netascii\0";
        assert_eq!(sent(&socket), [to(SERVER, &[rrq]), to(PEER, &[error_3])].concat());
    }

    #[test]
    fn an_upload_starts_on_ack_0_and_refuses_data_as_a_reply() {
        let socket = script(&[(PEER, ACK_0), (PEER, ACK_1)]);
        assert_eq!(upload(&config(None), &socket, b"up").unwrap().stats.bytes, 2);
        assert_eq!(
            sent(&socket),
            [to(SERVER, &[WRQ]), to(PEER, &[b"\0\x03\0\x01up"])].concat()
        );

        let socket = script(&[(PEER, b"\0\x03\0\x01x")]);
        let err = upload(&config(None), &socket, b"up").unwrap_err();
        assert_eq!(
            err.to_string(),
            "protocol error: unexpected reply to the write request: DATA block=1 len=1"
        );
    }
}
