//! The ways people write a network (seed §1.2 uses the first two):
//!
//! | form                          | example                          |
//! |-------------------------------|----------------------------------|
//! | address/prefix                | `192.168.1.1/24`, `2001:db8::1/64` |
//! | address and dotted mask       | `192.168.1.1 255.255.255.0`, `192.168.1.1/255.255.255.0` |
//! | hex mask                      | `192.168.1.1 0xffffff00`         |
//! | wildcard (Cisco ACL) mask     | `192.168.1.1 0.0.0.255`          |
//! | bare address                  | `10.1.2.3` (the old classful default: class A is /8) |
//!
//! Every error names the part that is wrong.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use crate::class::Class;
use crate::net::Net;

/// How the mask was written, for the output to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskForm {
    /// `/24`
    Prefix,
    /// `255.255.255.0`
    Dotted,
    /// `0xffffff00`
    Hex,
    /// `0.0.0.255`: ones mark host bits, as in Cisco access lists.
    Wildcard,
    /// No mask given: the classful default of the address's class (or the whole address for classes D and E
    /// and IPv6).
    Classful,
}

/// A network as typed, with the form its mask took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    /// The network.
    pub net: Net,
    /// How its mask was written.
    pub form: MaskForm,
}

/// What was wrong with the input, and which part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The part at fault.
    pub part: String,
    /// Why.
    pub reason: String,
}

impl ParseError {
    /// An error about `part`.
    pub fn new(part: &str, reason: &str) -> Self {
        ParseError {
            part: part.to_string(),
            reason: reason.to_string(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.part, self.reason)
    }
}

impl std::error::Error for ParseError {}

/// An address literal, IPv4 (strict: four octets 0–255) or IPv6.
pub fn parse_address(text: &str) -> Result<IpAddr, ParseError> {
    let text = text.trim();
    if text.contains(':') {
        return text
            .parse::<Ipv6Addr>()
            .map(IpAddr::V6)
            .map_err(|_| ParseError::new(text, "not a valid IPv6 address"));
    }
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(ParseError::new(text, "not an IPv4 or IPv6 address"));
    }
    netlab::addr::parse_ipv4(text)
        .map(IpAddr::V4)
        .map_err(|e| ParseError::new(text, &e.kind.to_string()))
}

/// The prefix length of a contiguous netmask (ones then zeros), or `None`.
pub fn prefix_of_mask(mask: u32) -> Option<u8> {
    let ones = mask.leading_ones();
    (mask.checked_shl(ones).unwrap_or(0) == 0).then_some(ones as u8)
}

fn prefix(text: &str, ip: IpAddr) -> Result<u8, ParseError> {
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let family = if ip.is_ipv4() { "IPv4" } else { "IPv6" };
    let n: u32 = text
        .parse()
        .map_err(|_| ParseError::new(text, "not a prefix length or mask"))?;
    if n > max {
        return Err(ParseError::new(
            &format!("/{text}"),
            &format!("prefix {n} is out of range for {family} (0-{max})"),
        ));
    }
    Ok(n as u8)
}

/// Reads an IPv4 mask in any of its forms.
fn ipv4_mask(text: &str) -> Result<(u8, MaskForm), ParseError> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        let value =
            u32::from_str_radix(hex, 16).map_err(|_| ParseError::new(text, "not a hex mask (up to 8 hex digits)"))?;
        return prefix_of_mask(value)
            .map(|p| (p, MaskForm::Hex))
            .ok_or_else(|| ParseError::new(text, "not a valid mask: its 1 bits are not contiguous"));
    }
    let value = u32::from(
        netlab::addr::parse_ipv4(text).map_err(|e| ParseError::new(text, &format!("not a mask: {}", e.kind)))?,
    );
    if let Some(p) = prefix_of_mask(value) {
        return Ok((p, MaskForm::Dotted));
    }
    // Zeros then ones: a wildcard mask, whose ones mark the host bits.
    if let Some(p) = prefix_of_mask(!value) {
        return Ok((p, MaskForm::Wildcard));
    }
    Err(ParseError::new(text, "not a valid mask: its 1 bits are not contiguous"))
}

/// Reads one network from one or two words: `ADDR/MASK`, `ADDR MASK`, or `ADDR`.
pub fn parse(words: &[&str]) -> Result<Parsed, ParseError> {
    let (addr_text, mask_text) = match words {
        [one] => match one.split_once('/') {
            Some((a, m)) => (a, Some(m)),
            None => (*one, None),
        },
        [a, m] => (*a, Some(m.strip_prefix('/').unwrap_or(m))),
        _ => {
            return Err(ParseError::new(
                &words.join(" "),
                "expected ADDRESS/MASK, ADDRESS MASK or ADDRESS",
            ));
        }
    };
    let ip = parse_address(addr_text)?;
    let (prefix, form) = match (mask_text, ip) {
        (None, IpAddr::V4(v4)) => (Class::of(v4).default_prefix.unwrap_or(32), MaskForm::Classful),
        (None, IpAddr::V6(_)) => (128, MaskForm::Classful),
        (Some(m), _) if !m.is_empty() && m.chars().all(|c| c.is_ascii_digit()) => (prefix(m, ip)?, MaskForm::Prefix),
        (Some(m), IpAddr::V4(_)) => ipv4_mask(m)?,
        (Some(m), IpAddr::V6(_)) => {
            return Err(ParseError::new(
                m,
                "an IPv6 mask is written as a prefix length, like /64",
            ));
        }
    };
    Ok(Parsed {
        net: Net::new(ip, prefix),
        form,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(words: &[&str]) -> (String, u8, MaskForm) {
        let p = parse(words).unwrap();
        (p.net.addr.to_string(), p.net.prefix, p.form)
    }

    #[test]
    fn every_input_form() {
        assert_eq!(ok(&["192.168.1.1/24"]), ("192.168.1.1".into(), 24, MaskForm::Prefix));
        assert_eq!(
            ok(&["192.168.1.1", "255.255.255.0"]),
            ("192.168.1.1".into(), 24, MaskForm::Dotted)
        );
        assert_eq!(
            ok(&["192.168.1.1/255.255.255.0"]),
            ("192.168.1.1".into(), 24, MaskForm::Dotted)
        );
        assert_eq!(
            ok(&["192.168.1.1", "0xffffff00"]),
            ("192.168.1.1".into(), 24, MaskForm::Hex)
        );
        assert_eq!(
            ok(&["192.168.1.1", "0.0.0.255"]),
            ("192.168.1.1".into(), 24, MaskForm::Wildcard)
        );
        assert_eq!(
            ok(&["192.168.1.1", "/24"]),
            ("192.168.1.1".into(), 24, MaskForm::Prefix)
        );
        assert_eq!(ok(&["10.1.2.3"]), ("10.1.2.3".into(), 8, MaskForm::Classful));
        assert_eq!(ok(&["172.16.0.1"]), ("172.16.0.1".into(), 16, MaskForm::Classful));
        assert_eq!(ok(&["224.0.0.1"]), ("224.0.0.1".into(), 32, MaskForm::Classful));
        assert_eq!(ok(&["2001:db8::1/64"]), ("2001:db8::1".into(), 64, MaskForm::Prefix));
        assert_eq!(ok(&["0.0.0.0/0"]), ("0.0.0.0".into(), 0, MaskForm::Prefix));
        // 0.0.0.0 and 255.255.255.255 read as netmasks (/0 and /32), not wildcards.
        assert_eq!(ok(&["10.0.0.1", "0.0.0.0"]).1, 0);
        assert_eq!(ok(&["10.0.0.1", "255.255.255.255"]).1, 32);
    }

    #[test]
    fn bad_input_names_the_bad_part() {
        let err = |words: &[&str]| parse(words).unwrap_err().to_string();
        assert_eq!(
            err(&["10.0.0.1", "255.0.255.0"]),
            "\"255.0.255.0\": not a valid mask: its 1 bits are not contiguous"
        );
        assert_eq!(
            err(&["256.1.1.1/24"]),
            "\"256.1.1.1\": octet 256 is out of range (0-255)"
        );
        assert_eq!(
            err(&["10.0.0.1/33"]),
            "\"/33\": prefix 33 is out of range for IPv4 (0-32)"
        );
        assert_eq!(
            err(&["2001:db8::/129"]),
            "\"/129\": prefix 129 is out of range for IPv6 (0-128)"
        );
        assert_eq!(err(&["hello"]), "\"hello\": not an IPv4 or IPv6 address");
        assert_eq!(
            err(&["10.0.0.1/x"]),
            "\"x\": not a mask: not an IPv4 address (four numbers 0-255 separated by dots)"
        );
        assert_eq!(
            err(&["10.0.0.1", "0xfff0ff00"]),
            "\"0xfff0ff00\": not a valid mask: its 1 bits are not contiguous"
        );
        assert_eq!(
            err(&["2001:db8::", "ffff::"]),
            "\"ffff::\": an IPv6 mask is written as a prefix length, like /64"
        );
        assert_eq!(err(&["1:2:3"]), "\"1:2:3\": not a valid IPv6 address");
    }

    #[test]
    fn prefixes_of_masks() {
        assert_eq!(prefix_of_mask(0), Some(0));
        assert_eq!(prefix_of_mask(u32::MAX), Some(32));
        assert_eq!(prefix_of_mask(0xffff_fe00), Some(23));
        assert_eq!(prefix_of_mask(0xff00_ff00), None);
    }
}
