//! Option negotiation — RFC 2347 (the OACK), RFC 2348 (blksize), RFC 2349 (timeout, tsize), RFC 7440 (windowsize).
//!
//! The seed's client sends no options, so every transfer moves 512-byte blocks one at a time. Options let the two
//! sides agree on bigger blocks and on several blocks in flight before an ACK:
//!
//! ```text
//! client                                  server
//!   RRQ  file octet blksize 1428 tsize 0  ->
//!                                         <-  OACK blksize 1428 tsize 20000      (or DATA 1: options ignored)
//!   ACK 0                                 ->
//!                                         <-  DATA 1 ...
//! ```
//!
//! A server that ignores options answers with DATA 1 (or ACK 0 for a write) and the defaults apply. A server may
//! lower blksize and windowsize, never raise them; it must return timeout unchanged. Anything else in an OACK — an
//! option the client did not ask for, or a larger value — is refused with ERROR 8.

use std::fmt;

/// RFC 1350's block size, used when no blksize is negotiated.
pub const DEFAULT_BLKSIZE: u16 = 512;
/// RFC 2348's range for blksize.
pub const BLKSIZE_RANGE: std::ops::RangeInclusive<u16> = 8..=65464;
/// RFC 2349's range for timeout, in seconds.
pub const TIMEOUT_RANGE: std::ops::RangeInclusive<u8> = 1..=255;
/// RFC 7440's range for windowsize.
pub const WINDOWSIZE_RANGE: std::ops::RangeInclusive<u16> = 1..=65535;

/// The most bytes one window may put in flight (its DATA packets, headers included). A window leaves in one burst
/// and waits in the receiver's socket buffer until read, so the cap is counted in bytes, not blocks: 16 blocks of
/// 64 KiB (the window the benchmarks use), or 2032 of 512 bytes. Both ends ask for socket buffers that hold a
/// whole window (see [`socket_buffer_for`]). Linux grants a program at most `net.core.rmem_max` (208 KiB unless
/// raised); below a window, the receiver must read while the burst arrives, as it does on loopback or a LAN. A
/// sender also keeps a window in memory until it is ACKed: 1 MiB per transfer.
pub const MAX_WINDOW_BYTES: usize = 1 << 20;

/// What one datagram costs in a socket buffer beyond its TFTP bytes: the UDP and IP headers and the kernel's own
/// bookkeeping. Measured on Linux: a receive buffer asked for as 1 MiB holds 1638 DATA packets of 516 bytes (640
/// bytes each), so a buffer sized by the packets alone would drop the end of a window of small blocks.
pub const DATAGRAM_OVERHEAD: usize = 128;

/// Room in a socket buffer beyond one window: an early retransmission on top, ACKs, a stray packet.
const BUFFER_SLACK: usize = 128 << 10;

/// The largest socket buffer asked for, whatever the window.
const MAX_SOCKET_BUFFER: usize = 64 << 20;

/// The socket buffer size (SO_RCVBUF, SO_SNDBUF) that holds one window of `windowsize` DATA packets of `blksize`
/// bytes, for the side that receives them and the side that sends them.
pub fn socket_buffer_for(blksize: usize, windowsize: u16) -> usize {
    let packet = 4 + blksize + DATAGRAM_OVERHEAD;
    (usize::from(windowsize) * packet + BUFFER_SLACK).min(MAX_SOCKET_BUFFER)
}

/// The options a request carries. `None` means "not asked for".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OptionRequest {
    /// Bytes per DATA block (RFC 2348).
    pub blksize: Option<u16>,
    /// Retransmission timeout in seconds the server should use (RFC 2349).
    pub timeout: Option<u8>,
    /// Transfer size: 0 in an RRQ asks the server for the size; in a WRQ it announces the size (RFC 2349).
    pub tsize: Option<u64>,
    /// Blocks sent before waiting for an ACK (RFC 7440).
    pub windowsize: Option<u16>,
}

/// What both sides use once negotiation is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    /// Bytes per DATA block; a shorter block ends the transfer.
    pub blksize: usize,
    /// Blocks in flight before an ACK; 1 is RFC 1350's lock-step.
    pub windowsize: u16,
    /// The agreed timeout in seconds, if one was negotiated.
    pub timeout: Option<u8>,
    /// The transfer size, if the peer told it.
    pub tsize: Option<u64>,
}

impl Default for Negotiated {
    fn default() -> Self {
        Negotiated {
            blksize: DEFAULT_BLKSIZE as usize,
            windowsize: 1,
            timeout: None,
            tsize: None,
        }
    }
}

/// Why an OACK was refused; the client sends ERROR 8 with this text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OackRefused(pub String);

impl fmt::Display for OackRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OackRefused {}

impl OptionRequest {
    /// True when no option is asked for (the request then looks exactly like RFC 1350's).
    pub fn is_empty(&self) -> bool {
        *self == OptionRequest::default()
    }

    /// The options as `(name, value)` pairs for a request, in a fixed order.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        if let Some(v) = self.blksize {
            pairs.push(("blksize".to_string(), v.to_string()));
        }
        if let Some(v) = self.timeout {
            pairs.push(("timeout".to_string(), v.to_string()));
        }
        if let Some(v) = self.tsize {
            pairs.push(("tsize".to_string(), v.to_string()));
        }
        if let Some(v) = self.windowsize {
            pairs.push(("windowsize".to_string(), v.to_string()));
        }
        pairs
    }

    /// Reads the options a client sent (server side). Unknown options and values out of range are left out, as RFC
    /// 2347 says a server must ignore what it does not support. A blksize above the maximum is clamped, not dropped
    /// (RFC 2348 lets the server answer with a smaller size).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut req = OptionRequest::default();
        for (name, value) in pairs {
            let Ok(n) = value.trim().parse::<u64>() else { continue };
            match name.to_ascii_lowercase().as_str() {
                "blksize" if n >= u64::from(*BLKSIZE_RANGE.start()) => {
                    req.blksize = Some(n.min(u64::from(*BLKSIZE_RANGE.end())) as u16);
                }
                "timeout" if (1..=255).contains(&n) => req.timeout = Some(n as u8),
                "tsize" => req.tsize = Some(n),
                "windowsize" if n >= 1 => req.windowsize = Some(n.min(65535) as u16),
                _ => {}
            }
        }
        req
    }

    /// Checks a server's OACK against what was asked (client side), RFC 2347 §4.
    pub fn accept_oack(&self, oack: &[(String, String)]) -> Result<Negotiated, OackRefused> {
        let mut agreed = Negotiated::default();
        for (name, value) in oack {
            let refuse = |why: &str| OackRefused(format!("option {name}={value}: {why}"));
            let n: u64 = value.trim().parse().map_err(|_| refuse("not a number"))?;
            match name.to_ascii_lowercase().as_str() {
                "blksize" => {
                    let asked = self.blksize.ok_or_else(|| refuse("not requested"))?;
                    if n > u64::from(asked) || n < u64::from(*BLKSIZE_RANGE.start()) {
                        return Err(refuse(&format!("asked for at most {asked}")));
                    }
                    agreed.blksize = n as usize;
                }
                "timeout" => {
                    let asked = self.timeout.ok_or_else(|| refuse("not requested"))?;
                    if n != u64::from(asked) {
                        return Err(refuse(&format!("asked for {asked}")));
                    }
                    agreed.timeout = Some(asked);
                }
                "tsize" => {
                    self.tsize.ok_or_else(|| refuse("not requested"))?;
                    agreed.tsize = Some(n);
                }
                "windowsize" => {
                    let asked = self.windowsize.ok_or_else(|| refuse("not requested"))?;
                    if n > u64::from(asked) || n == 0 {
                        return Err(refuse(&format!("asked for at most {asked}")));
                    }
                    agreed.windowsize = n as u16;
                }
                _ => return Err(refuse("not requested")),
            }
        }
        Ok(agreed)
    }
}

/// A server's limits for what it will accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// Largest blksize granted.
    pub max_blksize: u16,
    /// Largest windowsize granted, in blocks; by default none but RFC 7440's, as `max_window_bytes` decides.
    pub max_windowsize: u16,
    /// Most bytes a window may put in flight, (4 + blksize) × windowsize; windowsize is lowered to fit.
    pub max_window_bytes: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_blksize: *BLKSIZE_RANGE.end(),
            max_windowsize: *WINDOWSIZE_RANGE.end(),
            max_window_bytes: MAX_WINDOW_BYTES,
        }
    }
}

/// The server's side of negotiation: what it will use, and the OACK options to send (empty: send no OACK).
/// `tsize` is the file's size for a read request; for a write request pass the size the client announced.
pub fn negotiate(
    asked: &OptionRequest,
    limits: &ServerLimits,
    tsize: Option<u64>,
) -> (Negotiated, Vec<(String, String)>) {
    let mut agreed = Negotiated::default();
    let mut reply = Vec::new();
    if let Some(b) = asked.blksize {
        let b = b.min(limits.max_blksize).max(*BLKSIZE_RANGE.start());
        agreed.blksize = b as usize;
        reply.push(("blksize".to_string(), b.to_string()));
    }
    if let Some(t) = asked.timeout {
        agreed.timeout = Some(t);
        reply.push(("timeout".to_string(), t.to_string()));
    }
    if let (Some(_), Some(size)) = (asked.tsize, tsize) {
        agreed.tsize = Some(size);
        reply.push(("tsize".to_string(), size.to_string()));
    }
    if let Some(w) = asked.windowsize {
        let fit = (limits.max_window_bytes / (4 + agreed.blksize)).max(1);
        let w = w.min(limits.max_windowsize).min(fit.min(65535) as u16).max(1);
        agreed.windowsize = w;
        reply.push(("windowsize".to_string(), w.to_string()));
    }
    (agreed, reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }

    #[test]
    fn request_pairs_in_order() {
        let req = OptionRequest {
            blksize: Some(1428),
            timeout: Some(3),
            tsize: Some(0),
            windowsize: Some(16),
        };
        assert_eq!(
            req.to_pairs(),
            pairs(&[
                ("blksize", "1428"),
                ("timeout", "3"),
                ("tsize", "0"),
                ("windowsize", "16")
            ])
        );
        assert!(OptionRequest::default().is_empty());
        assert!(OptionRequest::default().to_pairs().is_empty());
    }

    #[test]
    fn an_oack_may_lower_blksize_and_windowsize() {
        let req = OptionRequest {
            blksize: Some(65464),
            windowsize: Some(16),
            ..Default::default()
        };
        let got = req
            .accept_oack(&pairs(&[("BLKSIZE", "1024"), ("windowsize", "4")]))
            .unwrap();
        assert_eq!((got.blksize, got.windowsize), (1024, 4));
    }

    #[test]
    fn options_the_server_ignores_fall_back_to_defaults() {
        let req = OptionRequest {
            blksize: Some(1428),
            tsize: Some(0),
            windowsize: Some(8),
            timeout: Some(2),
        };
        assert_eq!(
            req.accept_oack(&pairs(&[("tsize", "99")])).unwrap(),
            Negotiated {
                tsize: Some(99),
                ..Default::default()
            }
        );
    }

    #[test]
    fn an_oack_is_refused_for_unasked_or_larger_values() {
        let req = OptionRequest {
            blksize: Some(1024),
            timeout: Some(2),
            ..Default::default()
        };
        let refused = |oack: &[(&str, &str)]| req.accept_oack(&pairs(oack)).unwrap_err().0;
        assert_eq!(refused(&[("windowsize", "4")]), "option windowsize=4: not requested");
        assert_eq!(refused(&[("tsize", "4")]), "option tsize=4: not requested");
        assert_eq!(
            refused(&[("blksize", "2048")]),
            "option blksize=2048: asked for at most 1024"
        );
        assert_eq!(refused(&[("blksize", "7")]), "option blksize=7: asked for at most 1024");
        assert_eq!(refused(&[("timeout", "3")]), "option timeout=3: asked for 2");
        assert_eq!(refused(&[("blksize", "x")]), "option blksize=x: not a number");
        assert_eq!(refused(&[("multicast", "1")]), "option multicast=1: not requested");
    }

    #[test]
    fn server_reads_options_ignoring_what_it_cannot_use() {
        let req = OptionRequest::from_pairs(&pairs(&[
            ("blksize", "70000"),
            ("timeout", "0"),
            ("TSIZE", "0"),
            ("windowsize", "x"),
            ("rollover", "0"),
        ]));
        assert_eq!(
            req,
            OptionRequest {
                blksize: Some(65464),
                timeout: None,
                tsize: Some(0),
                windowsize: None
            }
        );
        assert_eq!(OptionRequest::from_pairs(&pairs(&[("blksize", "7")])).blksize, None);
    }

    #[test]
    fn small_blocks_get_big_windows_big_blocks_small_ones() {
        let limits = ServerLimits::default();
        let window = |blksize: Option<u16>, windowsize: u16| {
            let asked = OptionRequest {
                blksize,
                windowsize: Some(windowsize),
                ..Default::default()
            };
            negotiate(&asked, &limits, None).0.windowsize
        };
        assert_eq!(window(None, 1234), 1234, "1234 blocks of 512 bytes are 637 KiB");
        assert_eq!(window(None, 65535), 2032, "1 MiB of 516-byte packets");
        assert_eq!(
            window(Some(8), 65535),
            65535,
            "RFC 7440's largest window of the smallest blocks"
        );
        assert_eq!(window(Some(1428), 4096), 732);
        assert_eq!(window(Some(65464), 64), 16);
        assert_eq!(window(Some(65464), 3), 3);
        assert!(
            socket_buffer_for(512, 2032) >= 2032 * 640,
            "a window of small blocks fits its buffer"
        );
    }

    #[test]
    fn server_caps_blksize_times_windowsize() {
        let limits = ServerLimits {
            max_blksize: 65464,
            max_windowsize: 64,
            max_window_bytes: 1 << 20,
        };
        let asked = OptionRequest {
            blksize: Some(65464),
            windowsize: Some(64),
            tsize: Some(0),
            timeout: None,
        };
        let (agreed, reply) = negotiate(&asked, &limits, Some(1234));
        assert_eq!(
            (agreed.blksize, agreed.windowsize, agreed.tsize),
            (65464, 16, Some(1234))
        );
        assert_eq!(
            reply,
            pairs(&[("blksize", "65464"), ("tsize", "1234"), ("windowsize", "16")])
        );
        let (agreed, reply) = negotiate(&OptionRequest::default(), &limits, Some(5));
        assert_eq!(agreed, Negotiated::default());
        assert!(reply.is_empty());
    }
}
