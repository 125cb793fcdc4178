//! Addresses as a person types them — seed §3.2.1 (`bind(('', 8080))`, `sendto(data, (host, port))`) and §3.2.2
//! (`'<broadcast>'`).
//!
//! Python's socket module gives a few strings special meaning, and students bring those habits with them:
//!
//! | typed          | means                                      |
//! |----------------|--------------------------------------------|
//! | `''`           | every local IPv4 address (`0.0.0.0`)       |
//! | `<broadcast>`  | the limited broadcast `255.255.255.255`    |
//! | `::`, `::1`    | IPv6 any / loopback                        |
//! | `[::1]:69`     | IPv6 with a port (brackets keep the colons apart) |
//! | `localhost`    | a host name, resolved by the system        |
//!
//! Anything made only of digits and dots is an IPv4 literal and is checked strictly, so a typo gives a message that
//! points at the wrong octet instead of a confusing "name not found".

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

/// What was wrong with an address, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrError {
    /// The text as the user typed it.
    pub input: String,
    /// Which part was wrong.
    pub kind: AddrErrorKind,
}

/// The ways an address can be wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddrErrorKind {
    /// An IPv4 literal without exactly four parts.
    OctetCount(usize),
    /// An empty part between dots (position counted from 1).
    EmptyOctet(usize),
    /// A part above 255.
    OctetOutOfRange(String),
    /// A part like `010`, which some tools read as octal.
    LeadingZero(String),
    /// Colons, but not an IPv6 address.
    BadIpv6,
    /// `host:port` where only a host is allowed (the port has an option of its own).
    PortNotAllowed,
    /// Not digits and dots, where only an IPv4 literal is allowed.
    NotIpv4,
    /// `[` without its `]`, or text after the `]` that is not `:port`.
    BadBrackets,
    /// A port that is not a number from 0 to 65535.
    BadPort(String),
    /// The system could not resolve the host name.
    Unresolved(String),
    /// The name resolved, but to no address at all.
    NoAddress,
}

impl fmt::Display for AddrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.input, self.kind)
    }
}

impl fmt::Display for AddrErrorKind {
    /// Why, without the input: `octet 256 is out of range (0-255)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddrErrorKind::OctetCount(n) => write!(f, "an IPv4 address has 4 dot-separated octets, this has {n}"),
            AddrErrorKind::EmptyOctet(i) => write!(f, "octet {i} is empty"),
            AddrErrorKind::OctetOutOfRange(o) => write!(f, "octet {o} is out of range (0-255)"),
            AddrErrorKind::LeadingZero(o) => {
                write!(
                    f,
                    "octet {o} has a leading zero (some tools read that as octal; write it without)"
                )
            }
            AddrErrorKind::BadIpv6 => write!(f, "not a valid IPv6 address"),
            AddrErrorKind::PortNotAllowed => {
                write!(f, "a host without a port is expected here (give the port on its own)")
            }
            AddrErrorKind::NotIpv4 => write!(f, "not an IPv4 address (four numbers 0-255 separated by dots)"),
            AddrErrorKind::BadBrackets => write!(f, "expected [IPv6] or [IPv6]:port"),
            AddrErrorKind::BadPort(p) => write!(f, "port {p:?} is not a number from 0 to 65535"),
            AddrErrorKind::Unresolved(why) => write!(f, "cannot resolve host name ({why})"),
            AddrErrorKind::NoAddress => write!(f, "host name has no address"),
        }
    }
}

impl std::error::Error for AddrError {}

fn error(input: &str, kind: AddrErrorKind) -> AddrError {
    AddrError {
        input: input.to_string(),
        kind,
    }
}

/// A host as typed, before any name is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host<'a> {
    /// An address written out: `''`, `<broadcast>`, a dotted quad, an IPv6 literal.
    Ip(IpAddr),
    /// A name for the system resolver, e.g. `localhost`.
    Name(&'a str),
}

/// Reads a host — no port — the way Python's socket module does.
///
/// ```
/// use std::net::{IpAddr, Ipv4Addr};
/// assert_eq!(netlab::parse_host("").unwrap(), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
/// assert_eq!(netlab::parse_host("<broadcast>").unwrap(), IpAddr::V4(Ipv4Addr::BROADCAST));
/// assert_eq!(netlab::parse_host("256.1.1.1").unwrap_err().to_string(),
///            "\"256.1.1.1\": octet 256 is out of range (0-255)");
/// ```
pub fn parse_host(input: &str) -> Result<IpAddr, AddrError> {
    match read_host(input)? {
        Host::Ip(ip) => Ok(ip),
        Host::Name(name) => resolve(input, name),
    }
}

/// [`parse_host`] without the look-up: what the text says, and nothing sent anywhere (the fuzzers use this).
pub fn read_host(input: &str) -> Result<Host<'_>, AddrError> {
    let host = input.trim();
    if host.is_empty() {
        return Ok(Host::Ip(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
    }
    if host == "<broadcast>" {
        return Ok(Host::Ip(IpAddr::V4(Ipv4Addr::BROADCAST)));
    }
    if let Some(inner) = host.strip_prefix('[') {
        let inner = inner
            .strip_suffix(']')
            .ok_or_else(|| error(input, AddrErrorKind::BadBrackets))?;
        return parse_ipv6(input, inner).map(Host::Ip);
    }
    if host.contains(':') {
        // One colon: not IPv6 (which has at least two), but host:port typed where only a host goes.
        let kind = match host.matches(':').count() {
            1 => AddrErrorKind::PortNotAllowed,
            _ => AddrErrorKind::BadIpv6,
        };
        return parse_ipv6(input, host).map(Host::Ip).map_err(|_| error(input, kind));
    }
    if host.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return parse_ipv4_in(input, host).map(|ip| Host::Ip(IpAddr::V4(ip)));
    }
    Ok(Host::Name(host))
}

/// Reads `host`, `host:port`, `[v6]:port` or a bare IPv6 literal; `default_port` fills in a missing port.
///
/// ```
/// let a = netlab::parse_endpoint("[::1]:69", 6969).unwrap();
/// assert_eq!(a.to_string(), "[::1]:69");
/// let b = netlab::parse_endpoint("127.0.0.1", 8080).unwrap();
/// assert_eq!(b.to_string(), "127.0.0.1:8080");
/// ```
pub fn parse_endpoint(input: &str, default_port: u16) -> Result<SocketAddr, AddrError> {
    let (host, port) = read_endpoint(input, default_port)?;
    let ip = match host {
        Host::Ip(ip) => ip,
        Host::Name(name) => resolve(input, name)?,
    };
    Ok(SocketAddr::new(ip, port))
}

/// [`parse_endpoint`] without the look-up.
pub fn read_endpoint(input: &str, default_port: u16) -> Result<(Host<'_>, u16), AddrError> {
    let text = input.trim();
    if let Some(rest) = text.strip_prefix('[') {
        let (inner, after) = rest
            .split_once(']')
            .ok_or_else(|| error(input, AddrErrorKind::BadBrackets))?;
        let ip = parse_ipv6(input, inner)?;
        let port = match after {
            "" => default_port,
            _ => {
                let port = after
                    .strip_prefix(':')
                    .ok_or_else(|| error(input, AddrErrorKind::BadBrackets))?;
                parse_port(input, port)?
            }
        };
        return Ok((Host::Ip(ip), port));
    }
    // Two or more colons and no brackets: an IPv6 literal with no port (`::1`, `fe80::1`).
    if text.matches(':').count() >= 2 {
        return Ok((Host::Ip(parse_ipv6(input, text)?), default_port));
    }
    match text.rsplit_once(':') {
        Some((host, port)) => {
            let port = parse_port(input, port)?;
            let host = read_host(host).map_err(|e| error(input, e.kind))?;
            Ok((host, port))
        }
        None => Ok((read_host(text)?, default_port)),
    }
}

fn parse_port(input: &str, port: &str) -> Result<u16, AddrError> {
    port.parse::<u16>()
        .map_err(|_| error(input, AddrErrorKind::BadPort(port.to_string())))
}

fn parse_ipv6(input: &str, text: &str) -> Result<IpAddr, AddrError> {
    text.parse::<Ipv6Addr>()
        .map(IpAddr::V6)
        .map_err(|_| error(input, AddrErrorKind::BadIpv6))
}

/// A strict dotted-quad IPv4 literal — four decimal octets, each 0–255, no leading zeros — and nothing else
/// (no host names). Errors name the bad octet.
///
/// ```
/// assert_eq!(netlab::addr::parse_ipv4("10.0.0.1").unwrap().octets(), [10, 0, 0, 1]);
/// assert!(netlab::addr::parse_ipv4("localhost").is_err());
/// ```
pub fn parse_ipv4(text: &str) -> Result<Ipv4Addr, AddrError> {
    let trimmed = text.trim();
    if !trimmed.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(error(text, AddrErrorKind::NotIpv4));
    }
    parse_ipv4_in(text, trimmed)
}

/// Strict dotted-quad: four decimal octets, each 0–255, no leading zeros.
fn parse_ipv4_in(input: &str, text: &str) -> Result<Ipv4Addr, AddrError> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return Err(error(input, AddrErrorKind::OctetCount(parts.len())));
    }
    let mut octets = [0u8; 4];
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            return Err(error(input, AddrErrorKind::EmptyOctet(i + 1)));
        }
        // More than three digits can never fit, and may not fit in any integer type either.
        let value = if part.len() > 3 { None } else { part.parse::<u16>().ok() };
        octets[i] = match value {
            Some(v) if v <= 255 => v as u8,
            _ => return Err(error(input, AddrErrorKind::OctetOutOfRange(part.to_string()))),
        };
        if part.len() > 1 && part.starts_with('0') {
            return Err(error(input, AddrErrorKind::LeadingZero(part.to_string())));
        }
    }
    Ok(Ipv4Addr::from(octets))
}

/// Host names go to the system resolver. IPv4 is preferred, as the seed's `AF_INET` sockets would need.
fn resolve(input: &str, host: &str) -> Result<IpAddr, AddrError> {
    let addrs: Vec<SocketAddr> = (host, 0)
        .to_socket_addrs()
        .map_err(|e| error(input, AddrErrorKind::Unresolved(e.to_string())))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .map(|a| a.ip())
        .ok_or_else(|| error(input, AddrErrorKind::NoAddress))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    }

    #[test]
    fn empty_and_zero_mean_every_local_ipv4_address() {
        assert_eq!(parse_host("").unwrap(), v4(0, 0, 0, 0));
        assert_eq!(parse_host("0.0.0.0").unwrap(), v4(0, 0, 0, 0));
    }

    #[test]
    fn broadcast_keyword_is_the_limited_broadcast() {
        assert_eq!(parse_host("<broadcast>").unwrap(), v4(255, 255, 255, 255));
    }

    #[test]
    fn dotted_quads() {
        assert_eq!(parse_host("192.168.0.200").unwrap(), v4(192, 168, 0, 200));
        assert_eq!(parse_host(" 127.0.0.1 ").unwrap(), v4(127, 0, 0, 1));
    }

    #[test]
    fn ipv6_literals_bare_and_bracketed() {
        assert_eq!(parse_host("::").unwrap(), IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        assert_eq!(parse_host("::1").unwrap(), IpAddr::V6(Ipv6Addr::LOCALHOST));
        assert_eq!(parse_host("[::1]").unwrap(), IpAddr::V6(Ipv6Addr::LOCALHOST));
    }

    #[test]
    fn reading_without_looking_up() {
        assert_eq!(read_host(" localhost ").unwrap(), Host::Name("localhost"));
        assert_eq!(read_host("[::1]").unwrap(), Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)));
        assert_eq!(read_endpoint("example:69", 1).unwrap(), (Host::Name("example"), 69));
        assert_eq!(read_endpoint("10.0.0.1", 7).unwrap(), (Host::Ip(v4(10, 0, 0, 1)), 7));
        assert_eq!(
            read_endpoint("1.2.3:9", 1).unwrap_err().to_string(),
            "\"1.2.3:9\": an IPv4 address has 4 dot-separated octets, this has 3"
        );
    }

    #[test]
    fn host_names_resolve() {
        assert!(parse_host("localhost").unwrap().is_loopback());
    }

    #[test]
    fn octet_out_of_range_names_the_octet() {
        let e = parse_host("256.1.1.1").unwrap_err();
        assert_eq!(e.kind, AddrErrorKind::OctetOutOfRange("256".into()));
        assert_eq!(e.to_string(), "\"256.1.1.1\": octet 256 is out of range (0-255)");
        let e = parse_host("1.2.3.99999999999999999999").unwrap_err();
        assert_eq!(e.kind, AddrErrorKind::OctetOutOfRange("99999999999999999999".into()));
    }

    #[test]
    fn wrong_number_of_octets() {
        assert_eq!(parse_host("10.0.1").unwrap_err().kind, AddrErrorKind::OctetCount(3));
        assert_eq!(parse_host("1.2.3.4.5").unwrap_err().kind, AddrErrorKind::OctetCount(5));
        assert_eq!(parse_host("12345").unwrap_err().kind, AddrErrorKind::OctetCount(1));
    }

    #[test]
    fn empty_octet_and_leading_zero() {
        assert_eq!(parse_host("1..2.3").unwrap_err().kind, AddrErrorKind::EmptyOctet(2));
        assert_eq!(
            parse_host("10.0.0.010").unwrap_err().kind,
            AddrErrorKind::LeadingZero("010".into())
        );
    }

    #[test]
    fn bad_ipv6_and_brackets() {
        assert_eq!(parse_host("1:2:3:::4").unwrap_err().kind, AddrErrorKind::BadIpv6);
        assert_eq!(parse_host("[::1").unwrap_err().kind, AddrErrorKind::BadBrackets);
        for host_and_port in ["127.0.0.1:0", "localhost:69"] {
            assert_eq!(
                parse_host(host_and_port).unwrap_err().kind,
                AddrErrorKind::PortNotAllowed,
                "{host_and_port}"
            );
        }
        assert_eq!(
            parse_endpoint("[::1]69", 1).unwrap_err().kind,
            AddrErrorKind::BadBrackets
        );
    }

    #[test]
    fn unresolvable_names_are_errors_not_panics() {
        // An empty label: the resolver refuses it without asking a DNS server, so the test sends nothing off this
        // machine (a real-looking name such as no-such-host.invalid would be sent to the configured DNS server).
        let e = parse_host("no-such-host..invalid").unwrap_err();
        assert!(matches!(e.kind, AddrErrorKind::Unresolved(_)), "{e:?}");
        assert!(
            e.to_string()
                .starts_with("\"no-such-host..invalid\": cannot resolve host name")
        );
    }

    #[test]
    fn endpoints_with_and_without_ports() {
        assert_eq!(
            parse_endpoint("127.0.0.1:69", 1).unwrap(),
            "127.0.0.1:69".parse().unwrap()
        );
        assert_eq!(
            parse_endpoint("127.0.0.1", 8080).unwrap(),
            "127.0.0.1:8080".parse().unwrap()
        );
        assert_eq!(parse_endpoint("[::1]:69", 1).unwrap(), "[::1]:69".parse().unwrap());
        assert_eq!(parse_endpoint("[::1]", 6969).unwrap(), "[::1]:6969".parse().unwrap());
        assert_eq!(parse_endpoint("::1", 6969).unwrap(), "[::1]:6969".parse().unwrap());
        assert_eq!(parse_endpoint(":8080", 1).unwrap(), "0.0.0.0:8080".parse().unwrap());
        assert_eq!(
            parse_endpoint("<broadcast>:8080", 1).unwrap(),
            "255.255.255.255:8080".parse().unwrap()
        );
        assert!(parse_endpoint("localhost:69", 1).unwrap().ip().is_loopback());
    }

    #[test]
    fn bad_ports_are_named() {
        let e = parse_endpoint("127.0.0.1:65536", 1).unwrap_err();
        assert_eq!(e.kind, AddrErrorKind::BadPort("65536".into()));
        assert_eq!(
            e.to_string(),
            "\"127.0.0.1:65536\": port \"65536\" is not a number from 0 to 65535"
        );
        assert_eq!(
            parse_endpoint("[::1]:x", 1).unwrap_err().kind,
            AddrErrorKind::BadPort("x".into())
        );
    }

    #[test]
    fn errors_in_the_host_part_of_an_endpoint_quote_the_whole_input() {
        let e = parse_endpoint("256.0.0.1:69", 1).unwrap_err();
        assert_eq!(e.to_string(), "\"256.0.0.1:69\": octet 256 is out of range (0-255)");
    }
}
