//! The six TFTP packets as Rust values <-> bytes — seed §3.3.1 (the packet figure) and §3.3.2 (`struct.pack`);
//! RFC 1350 §5, RFC 2347 §2 (options, OACK).
//!
//! Every packet starts with a 2-byte opcode in network byte order (big endian). Byte offsets:
//!
//! ```text
//!          0      2                 n      n+1        m  m+1
//! RRQ/WRQ | 01/02 | filename (text) |  0  | mode text | 0 | [ option | 0 | value | 0 ] ...   (RFC 1350, 2347)
//!
//!          0      2         4
//! DATA    |  03   | block # | data: 0..blksize bytes (short = last)                           (RFC 1350)
//! ACK     |  04   | block # |                                                               (RFC 1350)
//! ERROR   |  05   |  code   | message (text) | 0 |                                           (RFC 1350)
//! OACK    |  06   | option | 0 | value | 0 | ...                                              (RFC 2347)
//! ```
//!
//! Decoding is a pure function over a byte slice that returns an error for short, truncated, unterminated or
//! unknown input — never a panic — so a server can be fed any datagram. Encoding appends to a `Vec<u8>`. A packet
//! displays as one line (`DATA block=2 len=512`), and [`PrettyPrinter`] shows any datagram that way, malformed or
//! not, for `--trace`. None of it touches a socket.
//!
//! The values inside packets that have names — [`Mode`], [`ErrorCode`], [`Operation`] — are in `fields.rs`. This
//! file is longer than most (about 500 lines of code and 300 of tests): the six packets both ways and their
//! byte-level tests are one idea, which smoltcp's `wire` modules keep in one file too.

use std::fmt;

pub use crate::fields::{ErrorCode, Mode, Operation};

/// The 2-byte operation code at the start of every packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum Opcode {
    /// Read request: the client wants a file (seed: `pack("!H...", 1, ...)`).
    Rrq = 1,
    /// Write request: the client will send a file.
    Wrq = 2,
    /// A block of file data.
    Data = 3,
    /// Acknowledges a block (or, as block 0, a write request or an OACK).
    Ack = 4,
    /// Ends the transfer with a code and a message.
    Error = 5,
    /// Option acknowledgement (RFC 2347): the options the server accepts.
    Oack = 6,
}

impl Opcode {
    /// The opcode for a wire value, if there is one.
    pub fn from_u16(value: u16) -> Option<Self> {
        Some(match value {
            1 => Opcode::Rrq,
            2 => Opcode::Wrq,
            3 => Opcode::Data,
            4 => Opcode::Ack,
            5 => Opcode::Error,
            6 => Opcode::Oack,
            _ => return None,
        })
    }

    /// The opcode a datagram starts with, without decoding the rest: a server uses it to tell a broken request
    /// (worth an ERROR that says what is wrong) from a packet that is no request at all (dropped unanswered).
    pub fn of(datagram: &[u8]) -> Option<Self> {
        match datagram {
            [hi, lo, ..] => Opcode::from_u16(u16::from_be_bytes([*hi, *lo])),
            _ => None,
        }
    }
}

impl fmt::Display for Opcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Opcode::Rrq => "RRQ",
            Opcode::Wrq => "WRQ",
            Opcode::Data => "DATA",
            Opcode::Ack => "ACK",
            Opcode::Error => "ERROR",
            Opcode::Oack => "OACK",
        })
    }
}

/// A read or write request: file name, mode and RFC 2347 options (name, value), in the order sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The file name as text. On the wire it is these exact UTF-8 bytes — not one byte per character, which is
    /// what the seed's `len(file)` assumes.
    pub filename: String,
    /// Transfer mode.
    pub mode: Mode,
    /// Options as sent; names compare case-insensitively.
    pub options: Vec<(String, String)>,
}

/// One TFTP packet. `Data` borrows its payload from the datagram it was decoded from, so receiving a block copies
/// nothing until it is written to the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet<'a> {
    /// Read request.
    Rrq(Request),
    /// Write request.
    Wrq(Request),
    /// A numbered block of data.
    Data {
        /// Block number, from 1; wraps from 65535 to 0 on long transfers.
        block: u16,
        /// The payload: `blksize` bytes, or fewer in the last block.
        data: &'a [u8],
    },
    /// Acknowledges a block number.
    Ack {
        /// The block acknowledged.
        block: u16,
    },
    /// Ends the transfer.
    Error {
        /// What went wrong.
        code: ErrorCode,
        /// Said for a person.
        message: String,
    },
    /// Option acknowledgement.
    Oack {
        /// The options accepted, with their final values.
        options: Vec<(String, String)>,
    },
}

/// Why a datagram is not a valid TFTP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer bytes than the packet's fixed part needs.
    TooShort {
        /// The smallest valid length.
        need: usize,
        /// What arrived.
        got: usize,
    },
    /// An opcode outside 1–6.
    UnknownOpcode(u16),
    /// A text field without its terminating zero byte.
    Unterminated(&'static str),
    /// A text field that is not UTF-8.
    NotText(&'static str),
    /// A request with a mode other than netascii, octet or mail.
    UnknownMode(String),
    /// An option name with no value after it.
    OptionWithoutValue(String),
    /// A request whose file name is empty.
    EmptyFilename,
    /// An ACK with bytes after the block number.
    TrailingBytes(usize),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::TooShort { need, got } => write!(f, "packet too short: {got} bytes, need at least {need}"),
            DecodeError::UnknownOpcode(op) => write!(f, "unknown opcode {op}"),
            DecodeError::Unterminated(field) => write!(f, "{field} is not terminated by a zero byte"),
            DecodeError::NotText(field) => write!(f, "{field} is not valid UTF-8 text"),
            DecodeError::UnknownMode(mode) => write!(f, "unknown transfer mode {mode:?}"),
            DecodeError::OptionWithoutValue(name) => write!(f, "option {name:?} has no value"),
            DecodeError::EmptyFilename => write!(f, "empty file name"),
            DecodeError::TrailingBytes(n) => write!(f, "{n} unexpected bytes after the block number"),
        }
    }
}

impl std::error::Error for DecodeError {}

// ANCHOR: byte_order
/// Reads the big-endian u16 at `at`: the high byte comes first on the wire ("network byte order", seed §3.3.2).
fn be_u16(bytes: &[u8], at: usize) -> u16 {
    (u16::from(bytes[at]) << 8) | u16::from(bytes[at + 1])
}

/// Appends `value` as two bytes, high byte first.
fn push_be_u16(out: &mut Vec<u8>, value: u16) {
    out.push((value >> 8) as u8);
    out.push((value & 0xff) as u8);
}
// ANCHOR_END: byte_order

/// Splits off one zero-terminated text field.
fn take_text<'a>(bytes: &'a [u8], field: &'static str) -> Result<(&'a str, &'a [u8]), DecodeError> {
    let end = bytes
        .iter()
        .position(|&b| b == 0)
        .ok_or(DecodeError::Unterminated(field))?;
    let text = std::str::from_utf8(&bytes[..end]).map_err(|_| DecodeError::NotText(field))?;
    Ok((text, &bytes[end + 1..]))
}

/// How strictly a request's option list is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Options {
    /// Every option complete, or the packet is malformed.
    Strict,
    /// What tftpd-hpa serves: an option cut short at the end of the packet (a name with no value, a name or value
    /// without its zero) is ignored, and so is anything after an empty name (zero padding); an option that is not
    /// UTF-8 text is skipped, as a server skips any option it does not know.
    Lenient,
}

/// Reads `name 0 value 0` pairs to the end of the packet (RFC 2347).
fn take_options(mut bytes: &[u8], how: Options) -> Result<Vec<(String, String)>, DecodeError> {
    let mut options = Vec::new();
    while !bytes.is_empty() {
        if how == Options::Lenient && bytes[0] == 0 {
            break;
        }
        let pair = take_text(bytes, "option name").and_then(|(name, rest)| {
            if rest.is_empty() {
                return Err(DecodeError::OptionWithoutValue(name.to_string()));
            }
            let (value, rest) = take_text(rest, "option value")?;
            Ok(((name, value), rest))
        });
        match (pair, how) {
            (Ok(((name, value), rest)), _) => {
                options.push((name.to_string(), value.to_string()));
                bytes = rest;
            }
            (Err(e), Options::Strict) => return Err(e),
            (Err(DecodeError::NotText(_)), Options::Lenient) => match skip_pair(bytes) {
                Some(rest) => bytes = rest,
                None => break,
            },
            // Cut short: nothing complete follows.
            (Err(_), Options::Lenient) => break,
        }
    }
    Ok(options)
}

/// The bytes after one `name 0 value 0` pair, if the pair is complete.
fn skip_pair(bytes: &[u8]) -> Option<&[u8]> {
    let mut fields = bytes.splitn(3, |&b| b == 0);
    let (_name, _value, rest) = (fields.next()?, fields.next()?, fields.next()?);
    Some(rest)
}

fn push_text(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
    out.push(0);
}

impl<'a> Packet<'a> {
    /// Parses one datagram, strictly: any field cut short, anywhere, is an error.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        Self::decode_with(bytes, Options::Strict)
    }

    /// Parses one datagram as a server should read a request — liberal in what it accepts, as tftpd-hpa is: an
    /// option left incomplete at the end of an RRQ or WRQ (`...octet\0timeout\0`, or a value without its zero),
    /// zero padding after the last option, and an option that is not text are ignored, and the request is served.
    /// Everything else, the file name and mode included, is read as strictly as [`Packet::decode`] reads it.
    pub fn decode_lenient(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        Self::decode_with(bytes, Options::Lenient)
    }

    fn decode_with(bytes: &'a [u8], options: Options) -> Result<Self, DecodeError> {
        if bytes.len() < 2 {
            return Err(DecodeError::TooShort {
                need: 2,
                got: bytes.len(),
            });
        }
        let op = be_u16(bytes, 0);
        let opcode = Opcode::from_u16(op).ok_or(DecodeError::UnknownOpcode(op))?;
        let body = &bytes[2..];
        match opcode {
            Opcode::Rrq | Opcode::Wrq => {
                let (filename, rest) = take_text(body, "file name")?;
                let (mode, rest) = take_text(rest, "mode")?;
                if filename.is_empty() {
                    return Err(DecodeError::EmptyFilename);
                }
                let mode = Mode::parse(mode).ok_or_else(|| DecodeError::UnknownMode(mode.to_string()))?;
                let request = Request {
                    filename: filename.to_string(),
                    mode,
                    options: take_options(rest, options)?,
                };
                Ok(if opcode == Opcode::Rrq {
                    Packet::Rrq(request)
                } else {
                    Packet::Wrq(request)
                })
            }
            // ANCHOR: decode_data
            Opcode::Data => {
                if bytes.len() < 4 {
                    return Err(DecodeError::TooShort {
                        need: 4,
                        got: bytes.len(),
                    });
                }
                Ok(Packet::Data {
                    block: be_u16(bytes, 2),
                    data: &bytes[4..],
                })
            }
            // ANCHOR_END: decode_data
            Opcode::Ack => {
                if bytes.len() < 4 {
                    return Err(DecodeError::TooShort {
                        need: 4,
                        got: bytes.len(),
                    });
                }
                if bytes.len() > 4 {
                    return Err(DecodeError::TrailingBytes(bytes.len() - 4));
                }
                Ok(Packet::Ack {
                    block: be_u16(bytes, 2),
                })
            }
            Opcode::Error => {
                if bytes.len() < 4 {
                    return Err(DecodeError::TooShort {
                        need: 4,
                        got: bytes.len(),
                    });
                }
                // The message is for a person: a peer that forgets the final zero or sends another encoding still
                // gets its message shown rather than being called malformed.
                let text = &bytes[4..];
                let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
                let message = String::from_utf8_lossy(&text[..end]).into_owned();
                Ok(Packet::Error {
                    code: ErrorCode::from_u16(be_u16(bytes, 2)),
                    message,
                })
            }
            // A server's answer: the client checks every option of it (RFC 2347), so it must be whole.
            Opcode::Oack => Ok(Packet::Oack {
                options: take_options(body, Options::Strict)?,
            }),
        }
    }

    /// The request for `op`: an RRQ to download the file, a WRQ to upload it.
    pub fn request(op: Operation, request: Request) -> Packet<'static> {
        match op {
            Operation::Download => Packet::Rrq(request),
            Operation::Upload => Packet::Wrq(request),
        }
    }

    /// The packet's opcode.
    pub fn opcode(&self) -> Opcode {
        match self {
            Packet::Rrq(_) => Opcode::Rrq,
            Packet::Wrq(_) => Opcode::Wrq,
            Packet::Data { .. } => Opcode::Data,
            Packet::Ack { .. } => Opcode::Ack,
            Packet::Error { .. } => Opcode::Error,
            Packet::Oack { .. } => Opcode::Oack,
        }
    }

    // ANCHOR: encode
    /// Appends the packet's bytes to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        push_be_u16(out, self.opcode() as u16);
        match self {
            Packet::Rrq(req) | Packet::Wrq(req) => {
                push_text(out, &req.filename);
                push_text(out, req.mode.as_str());
                for (name, value) in &req.options {
                    push_text(out, name);
                    push_text(out, value);
                }
            }
            Packet::Data { block, data } => {
                push_be_u16(out, *block);
                out.extend_from_slice(data);
            }
            Packet::Ack { block } => push_be_u16(out, *block),
            Packet::Error { code, message } => {
                push_be_u16(out, code.to_u16());
                // A zero byte inside the message would end it early on the wire.
                out.extend(message.bytes().filter(|&b| b != 0));
                out.push(0);
            }
            Packet::Oack { options } => {
                for (name, value) in options {
                    push_text(out, name);
                    push_text(out, value);
                }
            }
        }
    }
    // ANCHOR_END: encode

    /// The packet as a new byte vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

/// The 4-byte header of a DATA packet, for the send loop, which reads file bytes straight in after it.
pub fn data_header(block: u16) -> [u8; 4] {
    let [hi, lo] = block.to_be_bytes();
    [0, Opcode::Data as u8, hi, lo]
}

/// An ACK's 4 bytes.
pub fn ack_bytes(block: u16) -> [u8; 4] {
    let [hi, lo] = block.to_be_bytes();
    [0, Opcode::Ack as u8, hi, lo]
}

/// An ERROR packet's bytes.
pub fn error_bytes(code: ErrorCode, message: &str) -> Vec<u8> {
    Packet::Error {
        code,
        message: message.to_string(),
    }
    .to_bytes()
}

/// One line for a packet, as `--trace` and `-v` print it: opcode, block, length, options, error.
impl fmt::Display for Packet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Packet::Rrq(r) | Packet::Wrq(r) => {
                write!(f, "{} {:?} {}", self.opcode(), r.filename, r.mode)?;
                r.options.iter().try_for_each(|(n, v)| write!(f, " {n}={v}"))
            }
            Packet::Data { block, data } => write!(f, "DATA block={block} len={}", data.len()),
            Packet::Ack { block } => write!(f, "ACK block={block}"),
            Packet::Error { code, message } => write!(f, "ERROR code={code} message={message:?}"),
            Packet::Oack { options } => {
                write!(f, "OACK")?;
                if options.is_empty() {
                    return write!(f, " ");
                }
                options.iter().try_for_each(|(n, v)| write!(f, " {n}={v}"))
            }
        }
    }
}

/// A datagram shown as one line, whatever it holds (smoltcp's name for the same idea): the packet, or why it is
/// not one. A request is read as a server reads it ([`Packet::decode_lenient`]), so what a server serves is not
/// shown as malformed.
#[derive(Debug, Clone, Copy)]
pub struct PrettyPrinter<'a> {
    datagram: &'a [u8],
}

impl<'a> PrettyPrinter<'a> {
    /// Shows `datagram`.
    pub fn new(datagram: &'a [u8]) -> Self {
        PrettyPrinter { datagram }
    }
}

impl fmt::Display for PrettyPrinter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Packet::decode_lenient(self.datagram) {
            Ok(packet) => write!(f, "{packet}"),
            Err(e) => write!(f, "malformed ({e}), {} bytes", self.datagram.len()),
        }
    }
}

/// [`PrettyPrinter`]'s line as a `String`.
pub fn describe(datagram: &[u8]) -> String {
    PrettyPrinter::new(datagram).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's example: `pack("!H8sb5sb", 1, "test.txt", 0, "octet", 0)`.
    const RRQ_SEED: [u8; 17] = [
        0x00, 0x01, b't', b'e', b's', b't', b'.', b't', b'x', b't', 0x00, b'o', b'c', b't', b'e', b't', 0x00,
    ];
    /// WRQ for "a" in netascii with blksize 1428 and tsize 0.
    const WRQ_OPTS: [u8; 33] = [
        0x00, 0x02, b'a', 0x00, b'n', b'e', b't', b'a', b's', b'c', b'i', b'i', 0x00, b'b', b'l', b'k', b's', b'i',
        b'z', b'e', 0x00, b'1', b'4', b'2', b'8', 0x00, b't', b's', b'i', b'z', b'e', 0x00, b'0',
    ];
    const DATA_258: [u8; 7] = [0x00, 0x03, 0x01, 0x02, 0xde, 0xad, 0x00];
    const ACK_65535: [u8; 4] = [0x00, 0x04, 0xff, 0xff];
    const ERROR_1: [u8; 15] = [
        0x00, 0x05, 0x00, 0x01, b'n', b'o', b' ', b's', b'u', b'c', b'h', b' ', b'f', b'x', 0,
    ];
    const OACK_WS: [u8; 15] = [
        0x00, 0x06, b'w', b'i', b'n', b'd', b'o', b'w', b's', b'i', b'z', b'e', 0, b'8', 0,
    ];

    fn request(name: &str, mode: Mode, options: &[(&str, &str)]) -> Request {
        Request {
            filename: name.into(),
            mode,
            options: options.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn seed_read_request_both_ways() {
        let rrq = Packet::Rrq(request("test.txt", Mode::Octet, &[]));
        assert_eq!(rrq.to_bytes(), RRQ_SEED);
        assert_eq!(Packet::decode(&RRQ_SEED).unwrap(), rrq);
    }

    #[test]
    fn write_request_with_options_both_ways() {
        let mut bytes = WRQ_OPTS.to_vec();
        bytes.push(0);
        let wrq = Packet::Wrq(request("a", Mode::Netascii, &[("blksize", "1428"), ("tsize", "0")]));
        assert_eq!(wrq.to_bytes(), bytes);
        assert_eq!(Packet::decode(&bytes).unwrap(), wrq);
    }

    #[test]
    fn data_ack_error_oack_both_ways() {
        let data = Packet::Data {
            block: 258,
            data: &[0xde, 0xad, 0x00],
        };
        assert_eq!(data.to_bytes(), DATA_258);
        assert_eq!(Packet::decode(&DATA_258).unwrap(), data);

        let ack = Packet::Ack { block: 65535 };
        assert_eq!(ack.to_bytes(), ACK_65535);
        assert_eq!(Packet::decode(&ACK_65535).unwrap(), ack);
        assert_eq!(ack_bytes(65535), ACK_65535);

        let err = Packet::Error {
            code: ErrorCode::FileNotFound,
            message: "no such fx".into(),
        };
        assert_eq!(err.to_bytes(), ERROR_1);
        assert_eq!(Packet::decode(&ERROR_1).unwrap(), err);

        let oack = Packet::Oack {
            options: vec![("windowsize".into(), "8".into())],
        };
        assert_eq!(oack.to_bytes(), OACK_WS);
        assert_eq!(Packet::decode(&OACK_WS).unwrap(), oack);
    }

    #[test]
    fn empty_data_block_is_the_end_marker() {
        assert_eq!(
            Packet::decode(&[0, 3, 0, 9]).unwrap(),
            Packet::Data { block: 9, data: &[] }
        );
        assert_eq!(data_header(0x0102), [0, 3, 1, 2]);
    }

    #[test]
    fn utf8_file_names_travel_as_their_bytes() {
        let bytes = Packet::Rrq(request("测试.txt", Mode::Octet, &[])).to_bytes();
        // 2 (opcode) + 10 (two 3-byte characters and ".txt") + 1 + 5 + 1; the seed's len(file) would say 6.
        assert_eq!(bytes.len(), 19);
        assert_eq!(&bytes[2..8], "测试".as_bytes());
    }

    #[test]
    fn mode_and_option_names_are_case_insensitive_where_the_rfc_says() {
        let bytes = b"\x00\x01f\x00OCTET\x00BLKSIZE\x001024\x00";
        let Packet::Rrq(req) = Packet::decode(bytes).unwrap() else {
            panic!("not an RRQ")
        };
        assert_eq!(req.mode, Mode::Octet);
        assert_eq!(req.options, vec![("BLKSIZE".to_string(), "1024".to_string())]);
    }

    #[test]
    fn malformed_input_is_an_error() {
        use DecodeError::*;
        let cases: &[(&[u8], DecodeError)] = &[
            (b"", TooShort { need: 2, got: 0 }),
            (b"\x00", TooShort { need: 2, got: 1 }),
            (b"\x00\x07", UnknownOpcode(7)),
            (b"\x00\x00\x00\x00", UnknownOpcode(0)),
            (b"\x00\x03\x00", TooShort { need: 4, got: 3 }),
            (b"\x00\x04\x00", TooShort { need: 4, got: 3 }),
            (b"\x00\x04\x00\x01\x00", TrailingBytes(1)),
            (b"\x00\x05\x00", TooShort { need: 4, got: 3 }),
            (b"\x00\x01test.txt", Unterminated("file name")),
            (b"\x00\x01test.txt\x00octet", Unterminated("mode")),
            (b"\x00\x01\x00octet\x00", EmptyFilename),
            (b"\x00\x01f\x00binary\x00", UnknownMode("binary".into())),
            (
                b"\x00\x01f\x00octet\x00blksize\x00",
                OptionWithoutValue("blksize".into()),
            ),
            (b"\x00\x01f\x00octet\x00blksize\x00512", Unterminated("option value")),
            (b"\x00\x01\xff\x00octet\x00", NotText("file name")),
            (b"\x00\x06tsize", Unterminated("option name")),
        ];
        for (bytes, want) in cases {
            assert_eq!(Packet::decode(bytes).as_ref(), Err(want), "input {bytes:?}");
        }
    }

    #[test]
    fn the_opcode_is_read_without_decoding_the_rest() {
        assert_eq!(Opcode::of(b"\x00\x01no terminator"), Some(Opcode::Rrq));
        assert_eq!(Opcode::of(&ERROR_1), Some(Opcode::Error));
        assert_eq!(
            Opcode::of(b"\x01\x00"),
            None,
            "an RRQ in the wrong byte order is opcode 256"
        );
        assert_eq!(Opcode::of(b"\x00"), None);
    }

    #[test]
    fn a_server_reads_a_request_with_an_incomplete_option_list_as_tftpd_hpa_does() {
        let served = |bytes: &[u8]| match Packet::decode_lenient(bytes) {
            Ok(Packet::Rrq(req) | Packet::Wrq(req)) => (req.filename, req.options),
            other => panic!("{bytes:?} not served: {other:?}"),
        };
        let opts = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
        };
        for (bytes, options) in [
            (&b"\x00\x01f\x00octet\x00timeout\x00"[..], opts(&[])),
            (
                b"\x00\x02f\x00octet\x00blksize\x001024\x00timeout\x00",
                opts(&[("blksize", "1024")]),
            ),
            (b"\x00\x01f\x00octet\x00blksize\x00512", opts(&[])),
            (
                b"\x00\x01f\x00octet\x00blksize\x00512\x00tsi",
                opts(&[("blksize", "512")]),
            ),
            (b"\x00\x01f\x00octet\x00\x00\x00\x00", opts(&[])),
            (b"\x00\x01f\x00octet\x00tsize\x000\x00\x00", opts(&[("tsize", "0")])),
            (
                b"\x00\x01f\x00octet\x00\xff\x001\x00tsize\x000\x00",
                opts(&[("tsize", "0")]),
            ),
        ] {
            assert_eq!(served(bytes), ("f".to_string(), options), "{bytes:?}");
            // The strict reading still refuses every one of them.
            assert!(Packet::decode(bytes).is_err(), "strict: {bytes:?}");
        }
        // The file name and mode stay strict.
        for bytes in [&b"\x00\x01f\x00octet"[..], b"\x00\x01f", b"\x00\x01\x00octet\x00"] {
            assert!(Packet::decode_lenient(bytes).is_err(), "{bytes:?}");
        }
        // An OACK is a server's answer, checked option by option: it stays strict.
        assert!(Packet::decode_lenient(b"\x00\x06tsize\x00").is_err());
        assert_eq!(describe(b"\x00\x01f\x00octet\x00timeout\x00"), "RRQ \"f\" octet");
    }

    #[test]
    fn error_messages_are_shown_even_when_sloppy() {
        let pkt = Packet::decode(b"\x00\x05\x00\x09no zero").unwrap();
        assert_eq!(
            pkt,
            Packet::Error {
                code: ErrorCode::Other(9),
                message: "no zero".into()
            }
        );
        let named: Vec<String> = (0..=8).map(|c| ErrorCode::from_u16(c).to_string()).collect();
        assert_eq!(named[5], "5 (unknown transfer ID)");
        assert_eq!(named[8], "8 (option negotiation refused)");
        assert!(named.iter().all(|n| !n.contains("unknown error")));
    }

    #[test]
    fn describe_is_one_line_per_packet() {
        assert_eq!(describe(&RRQ_SEED), "RRQ \"test.txt\" octet");
        assert_eq!(describe(&DATA_258), "DATA block=258 len=3");
        assert_eq!(describe(&OACK_WS), "OACK windowsize=8");
        assert_eq!(
            describe(&ERROR_1),
            "ERROR code=1 (file not found) message=\"no such fx\""
        );
        assert_eq!(describe(b"\x00\x09"), "malformed (unknown opcode 9), 2 bytes");
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn text() -> impl Strategy<Value = String> {
            "[^\u{0}]{1,40}"
        }

        fn options() -> impl Strategy<Value = Vec<(String, String)>> {
            proptest::collection::vec((text(), text()), 0..5)
        }

        fn packet() -> impl Strategy<Value = Packet<'static>> {
            let mode = prop_oneof![Just(Mode::Octet), Just(Mode::Netascii), Just(Mode::Mail)];
            prop_oneof![
                (text(), mode.clone(), options()).prop_map(|(filename, mode, options)| Packet::Rrq(Request {
                    filename,
                    mode,
                    options
                })),
                (text(), mode, options()).prop_map(|(filename, mode, options)| Packet::Wrq(Request {
                    filename,
                    mode,
                    options
                })),
                (any::<u16>(), proptest::collection::vec(any::<u8>(), 0..600)).prop_map(|(block, data)| {
                    Packet::Data {
                        block,
                        data: Box::leak(data.into_boxed_slice()),
                    }
                }),
                any::<u16>().prop_map(|block| Packet::Ack { block }),
                (any::<u16>(), "[^\u{0}]{0,40}").prop_map(|(c, message)| Packet::Error {
                    code: ErrorCode::from_u16(c),
                    message
                }),
                options().prop_map(|options| Packet::Oack { options }),
            ]
        }

        proptest! {
            #[test]
            fn encode_then_decode_round_trips(p in packet()) {
                let bytes = p.to_bytes();
                prop_assert_eq!(Packet::decode_lenient(&bytes).unwrap(), p.clone());
                prop_assert_eq!(Packet::decode(&bytes).unwrap(), p);
            }

            #[test]
            fn decoding_random_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
                let _ = Packet::decode(&bytes);
                let _ = Packet::decode_lenient(&bytes);
                let _ = describe(&bytes);
            }

            #[test]
            fn decoding_random_bytes_behind_a_valid_opcode_never_panics(
                op in 1u16..=6, body in proptest::collection::vec(any::<u8>(), 0..64)
            ) {
                let mut bytes = op.to_be_bytes().to_vec();
                bytes.extend(body);
                let _ = Packet::decode(&bytes);
                let _ = Packet::decode_lenient(&bytes);
            }
        }
    }
}
