//! Address classes (the seed's class figure) and what an address is for.
//!
//! Before CIDR (1993) the first bits of an IPv4 address fixed its mask:
//!
//! | class | leading bits | first octet | default mask   | used for            |
//! |-------|--------------|-------------|----------------|---------------------|
//! | A     | 0            | 0–127       | /8             | unicast, big nets   |
//! | B     | 10           | 128–191     | /16            | unicast             |
//! | C     | 110          | 192–223     | /24            | unicast, small nets |
//! | D     | 1110         | 224–239     | —              | multicast           |
//! | E     | 1111         | 240–255     | —              | reserved            |
//!
//! Today any prefix length goes, but the classes still explain the defaults tools pick for a bare address.

use std::net::{IpAddr, Ipv4Addr};

use crate::net::Net;

/// One IPv4 class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Class {
    /// A to E.
    pub letter: char,
    /// The bits that select it.
    pub leading_bits: &'static str,
    /// Its classful mask, if it has one.
    pub default_prefix: Option<u8>,
    /// Its first address.
    pub first: Ipv4Addr,
    /// Its last address.
    pub last: Ipv4Addr,
    /// What it is for.
    pub purpose: &'static str,
}

const CLASSES: [Class; 5] = [
    Class {
        letter: 'A',
        leading_bits: "0",
        default_prefix: Some(8),
        first: Ipv4Addr::new(0, 0, 0, 0),
        last: Ipv4Addr::new(127, 255, 255, 255),
        purpose: "unicast",
    },
    Class {
        letter: 'B',
        leading_bits: "10",
        default_prefix: Some(16),
        first: Ipv4Addr::new(128, 0, 0, 0),
        last: Ipv4Addr::new(191, 255, 255, 255),
        purpose: "unicast",
    },
    Class {
        letter: 'C',
        leading_bits: "110",
        default_prefix: Some(24),
        first: Ipv4Addr::new(192, 0, 0, 0),
        last: Ipv4Addr::new(223, 255, 255, 255),
        purpose: "unicast",
    },
    Class {
        letter: 'D',
        leading_bits: "1110",
        default_prefix: None,
        first: Ipv4Addr::new(224, 0, 0, 0),
        last: Ipv4Addr::new(239, 255, 255, 255),
        purpose: "multicast",
    },
    Class {
        letter: 'E',
        leading_bits: "1111",
        default_prefix: None,
        first: Ipv4Addr::new(240, 0, 0, 0),
        last: Ipv4Addr::new(255, 255, 255, 255),
        purpose: "reserved",
    },
];

impl Class {
    /// The class of an address: count its leading one bits (at most four matter).
    pub fn of(ip: Ipv4Addr) -> Class {
        let ones = ip.octets()[0].leading_ones().min(4) as usize;
        CLASSES[ones]
    }
}

/// Special-purpose blocks, most specific first (RFC 6890 and the RFCs named).
const V4_KINDS: &[(&str, u8, &str)] = &[
    ("255.255.255.255", 32, "limited broadcast"),
    ("0.0.0.0", 8, "this network (RFC 1122)"),
    ("10.0.0.0", 8, "private (RFC 1918)"),
    ("100.64.0.0", 10, "shared address space (RFC 6598, carrier-grade NAT)"),
    ("127.0.0.0", 8, "loopback"),
    ("169.254.0.0", 16, "link-local (RFC 3927)"),
    ("172.16.0.0", 12, "private (RFC 1918)"),
    ("192.0.0.0", 24, "IETF protocol assignments (RFC 6890)"),
    ("192.0.2.0", 24, "documentation (RFC 5737, TEST-NET-1)"),
    ("192.88.99.0", 24, "reserved (former 6to4 relay anycast)"),
    ("192.168.0.0", 16, "private (RFC 1918)"),
    ("198.18.0.0", 15, "benchmarking (RFC 2544)"),
    ("198.51.100.0", 24, "documentation (RFC 5737, TEST-NET-2)"),
    ("203.0.113.0", 24, "documentation (RFC 5737, TEST-NET-3)"),
    ("224.0.0.0", 4, "multicast"),
    ("240.0.0.0", 4, "reserved (class E)"),
];

const V6_KINDS: &[(&str, u8, &str)] = &[
    ("::", 128, "unspecified"),
    ("::1", 128, "loopback"),
    ("::ffff:0:0", 96, "IPv4-mapped"),
    ("64:ff9b::", 96, "IPv4/IPv6 translation (RFC 6052)"),
    ("100::", 64, "discard-only (RFC 6666)"),
    ("2001:db8::", 32, "documentation (RFC 3849)"),
    ("2002::", 16, "6to4"),
    ("2001::", 23, "IETF protocol assignments (RFC 2928)"),
    ("2000::", 3, "public (global unicast)"),
    ("fc00::", 7, "private (unique local, RFC 4193)"),
    ("fe80::", 10, "link-local"),
    ("ff00::", 8, "multicast"),
];

/// What an address is for: private, loopback, link-local, multicast, documentation, shared, reserved, public.
pub fn kind(ip: IpAddr) -> &'static str {
    let table = if ip.is_ipv4() { V4_KINDS } else { V6_KINDS };
    for (block, prefix, name) in table {
        let Ok(base) = block.parse::<IpAddr>() else { continue };
        if Net::new(base, *prefix).contains(ip) {
            return name;
        }
    }
    if ip.is_ipv4() { "public" } else { "reserved" }
}

/// The class letter of an IPv4 address, `None` for IPv6.
pub fn class_letter(ip: IpAddr) -> Option<char> {
    match ip {
        IpAddr::V4(v4) => Some(Class::of(v4).letter),
        IpAddr::V6(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_by_leading_bits() {
        let class = |s: &str| Class::of(s.parse().unwrap());
        assert_eq!(class("10.1.1.1").letter, 'A');
        assert_eq!(class("127.0.0.1").letter, 'A');
        assert_eq!(class("128.0.0.1").letter, 'B');
        assert_eq!(class("191.255.0.1").letter, 'B');
        assert_eq!(class("192.168.1.1").letter, 'C');
        assert_eq!(class("224.0.0.251").letter, 'D');
        assert_eq!(class("255.255.255.255").letter, 'E');
        assert_eq!(class("192.168.1.1").default_prefix, Some(24));
        assert_eq!(class("239.1.1.1").default_prefix, None);
    }

    #[test]
    fn kinds() {
        let k = |s: &str| kind(s.parse().unwrap());
        assert_eq!(k("192.168.1.1"), "private (RFC 1918)");
        assert_eq!(k("172.31.255.255"), "private (RFC 1918)");
        assert_eq!(k("172.32.0.1"), "public");
        assert_eq!(k("100.64.1.1"), "shared address space (RFC 6598, carrier-grade NAT)");
        assert_eq!(k("127.0.0.1"), "loopback");
        assert_eq!(k("169.254.1.1"), "link-local (RFC 3927)");
        assert_eq!(k("224.0.0.1"), "multicast");
        assert_eq!(k("198.51.100.7"), "documentation (RFC 5737, TEST-NET-2)");
        assert_eq!(k("250.1.1.1"), "reserved (class E)");
        assert_eq!(k("255.255.255.255"), "limited broadcast");
        assert_eq!(k("8.8.8.8"), "public");
        assert_eq!(k("fe80::1"), "link-local");
        assert_eq!(k("fd00::1"), "private (unique local, RFC 4193)");
        assert_eq!(k("2001:db8::1"), "documentation (RFC 3849)");
        assert_eq!(k("2606:4700::1111"), "public (global unicast)");
        assert_eq!(k("::1"), "loopback");
        assert_eq!(k("ff02::1"), "multicast");
    }
}
