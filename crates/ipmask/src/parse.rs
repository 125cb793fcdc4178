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

use std::io::{self, BufRead};
use std::net::{IpAddr, Ipv6Addr};

use netlab::lines::{LineError, LineReader};

use crate::class::Class;
use crate::error::Error;
use crate::net::{Net, prefix_of_mask};

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

/// An address literal, IPv4 (strict: four octets 0–255) or IPv6.
pub fn parse_address(text: &str) -> Result<IpAddr, Error> {
    let text = text.trim();
    if text.contains(':') {
        return text
            .parse::<Ipv6Addr>()
            .map(IpAddr::V6)
            .map_err(|_| Error::new(text, "not a valid IPv6 address"));
    }
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(Error::new(text, "not an IPv4 or IPv6 address"));
    }
    netlab::addr::parse_ipv4(text)
        .map(IpAddr::V4)
        .map_err(|e| Error::new(text, &e.kind.to_string()))
}

fn prefix(text: &str, ip: IpAddr) -> Result<u8, Error> {
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let family = if ip.is_ipv4() { "IPv4" } else { "IPv6" };
    let n: u32 = text
        .parse()
        .map_err(|_| Error::new(text, "not a prefix length or mask"))?;
    if n > max {
        return Err(Error::new(
            &format!("/{text}"),
            &format!("prefix {n} is out of range for {family} (0-{max})"),
        ));
    }
    Ok(n as u8)
}

/// Reads an IPv4 mask in any of its forms.
fn ipv4_mask(text: &str) -> Result<(u8, MaskForm), Error> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        let value =
            u32::from_str_radix(hex, 16).map_err(|_| Error::new(text, "not a hex mask (up to 8 hex digits)"))?;
        return prefix_of_mask(value)
            .map(|p| (p, MaskForm::Hex))
            .ok_or_else(|| Error::new(text, "not a valid mask: its 1 bits are not contiguous"));
    }
    let value =
        u32::from(netlab::addr::parse_ipv4(text).map_err(|e| Error::new(text, &format!("not a mask: {}", e.kind)))?);
    if let Some(p) = prefix_of_mask(value) {
        return Ok((p, MaskForm::Dotted));
    }
    // Zeros then ones: a wildcard mask, whose ones mark the host bits.
    if let Some(p) = prefix_of_mask(!value) {
        return Ok((p, MaskForm::Wildcard));
    }
    Err(Error::new(text, "not a valid mask: its 1 bits are not contiguous"))
}

/// Reads one network from one or two words: `ADDR/MASK`, `ADDR MASK`, or `ADDR`.
pub fn parse(words: &[&str]) -> Result<Parsed, Error> {
    let (addr_text, mask_text) = match words {
        [one] => match one.split_once('/') {
            Some((a, m)) => (a, Some(m)),
            None => (*one, None),
        },
        [a, m] => (*a, Some(m.strip_prefix('/').unwrap_or(m))),
        _ => {
            return Err(Error::new(
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
            return Err(Error::new(m, "an IPv6 mask is written as a prefix length, like /64"));
        }
    };
    Ok(Parsed {
        net: Net::new(ip, prefix),
        form,
    })
}

/// One network from one string, its words split at spaces: `10.0.0.0/8` or `10.0.0.0 255.0.0.0`.
pub fn parse_net(text: &str) -> Result<Net, Error> {
    let words: Vec<&str> = text.split_whitespace().collect();
    parse(&words).map(|p| p.net)
}

/// The two ends of an address range, from `FIRST-LAST` in one word or `FIRST LAST` in two.
pub fn parse_range(words: &[&str]) -> Result<(IpAddr, IpAddr), Error> {
    let (first, last) = match words {
        [one] => one
            .split_once('-')
            .ok_or_else(|| Error::new(one, "expected FIRST-LAST"))?,
        [first, last] => (*first, *last),
        _ => return Err(Error::new(&words.join(" "), "expected FIRST-LAST")),
    };
    Ok((parse_address(first)?, parse_address(last)?))
}

/// Bytes of a bad line shown in an error: enough to recognise it, and the error stays one short line.
const SHOWN_OF_A_BAD_LINE: usize = 60;

/// The longest line of a list of networks. The longest network written out,
/// `ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128`, has 49 characters: 4096 bytes leave room for any spacing,
/// and input with no newline at all (`< /dev/zero`) stops here instead of filling the memory.
pub const MAX_LINE: usize = 4096;

/// The networks in a list, one a line (what `ipmask agg` reads from standard input); blank lines are skipped. A
/// line that is not UTF-8 text, not a network, or longer than [`MAX_LINE`] is an error that names its line
/// number: stopping there quietly would aggregate only part of the list. Reading stops at the first bad line.
/// The outer error is the input that could not be read at all.
pub fn parse_lines(input: impl BufRead) -> io::Result<Result<Vec<Net>, Error>> {
    let mut input = LineReader::new(input);
    let mut nets = Vec::new();
    loop {
        let bytes = match input.read_line(MAX_LINE) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Ok(Ok(nets)),
            Err(LineError::TooLong { line, limit }) => return Ok(Err(Error::LineTooLong { line, limit })),
            Err(LineError::Io(e)) => return Err(e),
        };
        let line = input.lines_read();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            let start = &bytes[..bytes.len().min(SHOWN_OF_A_BAD_LINE)];
            let mut shown = netlab::Encoding::Utf8.decode(start.trim_ascii());
            if start.len() < bytes.trim_ascii_end().len() {
                shown.push('…'); // cut short, as `netlab::text::quote_short` marks it
            }
            return Ok(Err(Error::NotText { line, shown }));
        };
        if text.trim().is_empty() {
            continue;
        }
        match parse_net(text) {
            Ok(net) => nets.push(net),
            Err(e) => return Ok(Err(e.on_line(line))),
        }
    }
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
    fn nets_parse_from_one_string() {
        assert_eq!(parse_net("10.0.0.0 255.0.0.0").unwrap().to_string(), "10.0.0.0/8");
        assert!(parse_net("10.0.0.0/40").is_err());
    }

    #[test]
    fn ranges_in_one_word_or_two() {
        let ends = |words: &[&str]| parse_range(words).map(|(a, b)| (a.to_string(), b.to_string()));
        let want = Ok(("10.0.0.1".to_string(), "10.0.0.6".to_string()));
        assert_eq!(ends(&["10.0.0.1-10.0.0.6"]), want);
        assert_eq!(ends(&["10.0.0.1", "10.0.0.6"]), want);
        assert_eq!(
            ends(&["10.0.0.1"]).unwrap_err().to_string(),
            "\"10.0.0.1\": expected FIRST-LAST"
        );
        assert_eq!(
            ends(&["10.0.0.1-x"]).unwrap_err().to_string(),
            "\"x\": not an IPv4 or IPv6 address"
        );
    }

    #[test]
    fn lines_of_input_are_read_to_the_end_or_refused_with_their_number() {
        let lines = |input: &[u8]| parse_lines(input).unwrap();
        let nets = lines(b"10.0.0.0/8\r\n\n  \n11.0.0.0 255.0.0.0").unwrap();
        assert_eq!(nets.len(), 2);
        assert_eq!(
            lines(b"10.0.0.0/8\n\n\xffoo\n11.0.0.0/8\n").unwrap_err().to_string(),
            "line 3 of standard input is not UTF-8 text: \\xffoo",
            "a line that is not UTF-8 is refused"
        );
        assert_eq!(
            lines(&[0xff; 100]).unwrap_err().to_string(),
            format!("line 1 of standard input is not UTF-8 text: {}…", "\\xff".repeat(60)),
            "its first 60 bytes, and … for the rest"
        );
        let message = lines(b"10.0.0.0/8\nnonsense\n").unwrap_err().to_string();
        assert!(
            message.starts_with("line 2 of standard input: \"nonsense\""),
            "{message}"
        );
    }

    #[test]
    fn a_line_longer_than_any_network_is_refused_at_the_limit() {
        let mut input = b"10.0.0.0/8\n".to_vec();
        input.extend_from_slice(&[b' '; MAX_LINE]); // spaces only: a blank line, at the limit
        input.extend_from_slice(b"\n11.0.0.0/8\n");
        assert_eq!(parse_lines(&input[..]).unwrap().unwrap().len(), 2);
        let mut input = b"10.0.0.0/8\n".to_vec();
        input.extend_from_slice(&[b'a'; 100_000]); // no newline for 100 KB, then a good line
        input.extend_from_slice(b"\n11.0.0.0/8\n");
        assert_eq!(
            parse_lines(&input[..]).unwrap().unwrap_err(),
            Error::LineTooLong {
                line: 2,
                limit: MAX_LINE
            }
        );
    }
}
