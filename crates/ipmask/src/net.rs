//! The arithmetic of seed §1.2: a mask splits an address into network bits and host bits.
//!
//! Both IPv4 (32 bits) and IPv6 (128 bits) are held as a `u128` with a width, so one piece of code does the
//! math for both. With prefix length `p` and width `w`:
//!
//! ```text
//! netmask   = p ones, then w-p zeros          255.255.255.0  for /24
//! hostmask  = the complement ("wildcard")     0.0.0.255
//! network   = address AND netmask             192.168.1.0    (host bits all 0)
//! broadcast = network OR hostmask             192.168.1.255  (host bits all 1; IPv4 only)
//! addresses = 2^(w-p)                         256
//! p         = the netmask's leading ones      24 for 255.255.255.0 (prefix_of_mask; none with a hole)
//! ```

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::Error;

/// A network: an address and a prefix length. The address keeps its host bits (what the user typed);
/// [`Net::network`] clears them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Net {
    /// The address as given.
    pub addr: IpAddr,
    /// Network bits: 0–32 for IPv4, 0–128 for IPv6.
    pub prefix: u8,
}

/// A count of addresses: exact, including the one value a `u128` cannot hold (2^128, all of IPv6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Fits in a u128.
    Exact(u128),
    /// 2^128.
    AllOfIpv6,
}

impl Count {
    /// 2^`exponent`, for exponents 0 to 128 (more saturates at 2^128, which is all there is to count).
    pub fn power_of_two(exponent: u32) -> Count {
        match 1u128.checked_shl(exponent) {
            Some(n) if exponent < 128 => Count::Exact(n),
            _ => Count::AllOfIpv6,
        }
    }

    /// This count less `n` (at most the count): how many are left after `n` of them.
    pub fn minus(self, n: u128) -> Count {
        match (self, n) {
            (Count::Exact(total), n) => Count::Exact(total.saturating_sub(n)),
            (Count::AllOfIpv6, 0) => Count::AllOfIpv6,
            // 2^128 - n = (2^128 - 1) - (n - 1), and 2^128 - 1 is u128::MAX.
            (Count::AllOfIpv6, n) => Count::Exact(u128::MAX - (n - 1)),
        }
    }

    /// The value if it fits in a u64 (JSON numbers), else `None`.
    pub fn as_u64(self) -> Option<u64> {
        match self {
            Count::Exact(n) => u64::try_from(n).ok(),
            Count::AllOfIpv6 => None,
        }
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Count::Exact(n) => write!(f, "{n}"),
            Count::AllOfIpv6 => f.write_str("340282366920938463463374607431768211456"),
        }
    }
}

/// An address as text. IPv6 is always written in hex groups with the longest run of zero groups shortened to
/// `::` (RFC 5952), never in the mixed `::ffff:1.2.3.4` form that Rust's `Display` uses for some addresses: a
/// hostmask such as `::ffff:ffff:ffff` is not an IPv4 address and should not look like one. (Python writes the
/// same.)
pub fn show(ip: IpAddr) -> String {
    let IpAddr::V6(v6) = ip else { return ip.to_string() };
    let groups = v6.segments();
    // The longest run of two or more zero groups, leftmost on a tie.
    let mut best: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < 8 {
        if groups[i] != 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < 8 && groups[i] == 0 {
            i += 1;
        }
        let len = i - start;
        if len >= 2 && best.is_none_or(|(_, longest)| len > longest) {
            best = Some((start, len));
        }
    }
    let hex = |gs: &[u16]| gs.iter().map(|g| format!("{g:x}")).collect::<Vec<_>>().join(":");
    match best {
        Some((start, len)) => format!("{}::{}", hex(&groups[..start]), hex(&groups[start + len..])),
        None => hex(&groups),
    }
}

/// The bits of an address, right-aligned in a u128.
pub fn bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// 32 for IPv4, 128 for IPv6.
pub fn width(ip: IpAddr) -> u32 {
    if ip.is_ipv4() { 32 } else { 128 }
}

/// An address of the same family as `like` from its bits.
pub fn from_bits(like: IpAddr, value: u128) -> IpAddr {
    match like {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from(value as u32)),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from(value)),
    }
}

// ANCHOR: mask
/// `prefix` one bits followed by zeros, in a field of `width` bits. Written to avoid shifting by the full
/// width, which Rust (like the CPU) does not allow: /0 is zero and /32 (/128) is all ones.
pub fn mask(prefix: u8, width: u32) -> u128 {
    let all = if width == 128 { u128::MAX } else { (1u128 << width) - 1 };
    let host_bits = width - u32::from(prefix);
    if host_bits >= 128 {
        0
    } else {
        all & !((1u128 << host_bits).wrapping_sub(1)) & all
    }
}

// ANCHOR_END: mask

/// The prefix length of a contiguous IPv4 netmask (ones, then zeros), or `None` when its one bits have a hole:
/// `0xffff_fe00` is /23, `0xff00_ff00` is no mask at all. The inverse of [`mask`].
pub fn prefix_of_mask(mask: u32) -> Option<u8> {
    let ones = mask.leading_ones();
    // Shifting the ones out must leave nothing; `checked_shl` because /32 shifts by the full width.
    (mask.checked_shl(ones).unwrap_or(0) == 0).then_some(ones as u8)
}

impl Net {
    /// A network; `prefix` must fit the family (checked by the parser).
    pub fn new(addr: IpAddr, prefix: u8) -> Self {
        Net { addr, prefix }
    }

    /// 32 or 128.
    pub fn width(&self) -> u32 {
        width(self.addr)
    }

    /// True for IPv4.
    pub fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    fn mask_bits(&self) -> u128 {
        mask(self.prefix, self.width())
    }

    fn host_bits(&self) -> u128 {
        let all = if self.width() == 128 {
            u128::MAX
        } else {
            (1u128 << self.width()) - 1
        };
        all & !self.mask_bits()
    }

    /// The netmask: network bits 1, host bits 0.
    pub fn netmask(&self) -> IpAddr {
        from_bits(self.addr, self.mask_bits())
    }

    /// The hostmask, also called the wildcard mask: the netmask's complement.
    pub fn hostmask(&self) -> IpAddr {
        from_bits(self.addr, self.host_bits())
    }

    /// The network address: host bits all zero.
    pub fn network(&self) -> IpAddr {
        from_bits(self.addr, bits(self.addr) & self.mask_bits())
    }

    /// The last address: host bits all one.
    pub fn last(&self) -> IpAddr {
        from_bits(self.addr, bits(self.addr) | self.host_bits())
    }

    /// The broadcast address: IPv4 only, and not for /31 (RFC 3021 point-to-point links) or /32 (one host).
    pub fn broadcast(&self) -> Option<IpAddr> {
        (self.is_ipv4() && self.prefix <= 30).then(|| self.last())
    }

    /// Every address in the network, usable or not.
    pub fn addresses(&self) -> Count {
        let host_bits = self.width() - u32::from(self.prefix);
        if host_bits == 128 {
            Count::AllOfIpv6
        } else {
            Count::Exact(1u128 << host_bits)
        }
    }

    /// Usable host addresses. IPv4 loses the network and broadcast addresses except on /31 and /32; IPv6 has
    /// no broadcast but reserves the network address as the subnet-router anycast address, except on /127 and
    /// /128 (the rules Python's `ipaddress` follows too).
    pub fn hosts(&self) -> Count {
        let host_bits = self.width() - u32::from(self.prefix);
        match (self.is_ipv4(), host_bits) {
            (_, 0) => Count::Exact(1),
            (_, 1) => Count::Exact(2),
            (true, n) => Count::Exact((1u128 << n) - 2),
            (false, 128) => Count::Exact(u128::MAX),
            (false, n) => Count::Exact((1u128 << n) - 1),
        }
    }

    /// The first usable host.
    pub fn first_host(&self) -> IpAddr {
        let network = bits(self.network());
        if self.width() - u32::from(self.prefix) <= 1 {
            from_bits(self.addr, network)
        } else {
            from_bits(self.addr, network + 1)
        }
    }

    /// The last usable host.
    pub fn last_host(&self) -> IpAddr {
        let last = bits(self.last());
        let host_bits = self.width() - u32::from(self.prefix);
        if self.is_ipv4() && host_bits > 1 {
            from_bits(self.addr, last - 1)
        } else {
            from_bits(self.addr, last)
        }
    }

    /// The same network with its host bits cleared.
    pub fn normalized(&self) -> Net {
        Net::new(self.network(), self.prefix)
    }

    /// Whether `ip` lies inside this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.is_ipv4() && (bits(ip) & self.mask_bits()) == (bits(self.addr) & self.mask_bits())
    }
}

impl fmt::Display for Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", show(self.network()), self.prefix)
    }
}

/// An address written out in full: IPv6 with all eight groups of four hex digits (`2001:0db8:0000:...`), as
/// sipcalc's "expanded address" and Python's `exploded`; IPv4 as it is.
pub fn expanded(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => v6.segments().map(|g| format!("{g:04x}")).join(":"),
    }
}

/// The directed broadcast address of the network that `ip` is on with `netmask` (seed §3.2.2: "host bits all
/// one is the network's broadcast"). Fails if the netmask's one bits are not contiguous.
///
/// ```
/// use std::net::Ipv4Addr;
/// let b = ipmask::directed_broadcast(Ipv4Addr::new(192, 168, 0, 23), Ipv4Addr::new(255, 255, 255, 0)).unwrap();
/// assert_eq!(b, Ipv4Addr::new(192, 168, 0, 255));
/// ```
pub fn directed_broadcast(ip: Ipv4Addr, netmask: Ipv4Addr) -> Result<Ipv4Addr, Error> {
    let prefix = prefix_of_mask(u32::from(netmask))
        .ok_or_else(|| Error::new(&netmask.to_string(), "not a valid mask: its 1 bits are not contiguous"))?;
    Ok(Ipv4Addr::from(u32::from(ip) | !(mask(prefix, 32) as u32)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_up_to_all_of_ipv6() {
        assert_eq!(Count::power_of_two(0), Count::Exact(1));
        assert_eq!(Count::power_of_two(127), Count::Exact(1 << 127));
        assert_eq!(Count::power_of_two(128), Count::AllOfIpv6);
        assert_eq!(Count::AllOfIpv6.minus(0), Count::AllOfIpv6);
        assert_eq!(Count::AllOfIpv6.minus(1), Count::Exact(u128::MAX));
        assert_eq!(
            Count::AllOfIpv6.minus(32).to_string(),
            "340282366920938463463374607431768211424"
        );
        assert_eq!(Count::Exact(65_536).minus(32), Count::Exact(65_504));
    }

    fn net(text: &str) -> Net {
        let (a, p) = text.split_once('/').unwrap();
        Net::new(a.parse().unwrap(), p.parse().unwrap())
    }

    #[test]
    fn masks_at_the_edges() {
        assert_eq!(mask(0, 32), 0);
        assert_eq!(mask(32, 32), 0xffff_ffff);
        assert_eq!(mask(24, 32), 0xffff_ff00);
        assert_eq!(mask(0, 128), 0);
        assert_eq!(mask(128, 128), u128::MAX);
        assert_eq!(mask(1, 128), 1u128 << 127);
    }

    #[test]
    fn prefixes_of_masks() {
        assert_eq!(prefix_of_mask(0), Some(0));
        assert_eq!(prefix_of_mask(u32::MAX), Some(32));
        assert_eq!(prefix_of_mask(0xffff_fe00), Some(23));
        assert_eq!(prefix_of_mask(0xff00_ff00), None);
        for prefix in 0..=32 {
            assert_eq!(
                prefix_of_mask(mask(prefix, 32) as u32),
                Some(prefix),
                "the inverse of mask"
            );
        }
    }

    #[test]
    fn the_seed_example() {
        // 192.168.1.1 with 255.255.255.0 is the range 192.168.1.0 - 192.168.1.255.
        let n = net("192.168.1.1/24");
        assert_eq!(n.network().to_string(), "192.168.1.0");
        assert_eq!(n.broadcast().unwrap().to_string(), "192.168.1.255");
        assert_eq!(n.netmask().to_string(), "255.255.255.0");
        assert_eq!(n.hostmask().to_string(), "0.0.0.255");
        assert_eq!(
            (n.first_host().to_string(), n.last_host().to_string()),
            ("192.168.1.1".into(), "192.168.1.254".into())
        );
        assert_eq!((n.hosts(), n.addresses()), (Count::Exact(254), Count::Exact(256)));
    }

    #[test]
    fn the_seed_campus_example() {
        // "a university with 1500 computers can use 255.255.0.0".
        let n = net("172.16.5.9/16");
        assert_eq!(n.to_string(), "172.16.0.0/16");
        assert_eq!(n.hosts(), Count::Exact(65_534));
        assert!(matches!(n.hosts(), Count::Exact(h) if h >= 1500));
    }

    #[test]
    fn slash_0_31_32() {
        let all = net("10.1.2.3/0");
        assert_eq!(all.to_string(), "0.0.0.0/0");
        assert_eq!(all.addresses(), Count::Exact(1 << 32));
        assert_eq!(all.broadcast().unwrap().to_string(), "255.255.255.255");
        let p2p = net("10.0.0.1/31");
        assert_eq!(p2p.broadcast(), None);
        assert_eq!(p2p.hosts(), Count::Exact(2));
        assert_eq!(
            (p2p.first_host().to_string(), p2p.last_host().to_string()),
            ("10.0.0.0".into(), "10.0.0.1".into())
        );
        let host = net("10.0.0.7/32");
        assert_eq!((host.hosts(), host.broadcast()), (Count::Exact(1), None));
        assert_eq!(host.first_host(), host.last_host());
    }

    #[test]
    fn ipv6() {
        let n = net("2001:db8::1/64");
        assert_eq!(n.to_string(), "2001:db8::/64");
        assert_eq!(n.broadcast(), None);
        assert_eq!(n.first_host().to_string(), "2001:db8::1");
        assert_eq!(n.last_host().to_string(), "2001:db8::ffff:ffff:ffff:ffff");
        assert_eq!(n.hosts(), Count::Exact((1 << 64) - 1));
        let p = net("2001:db8::1/127");
        assert_eq!(
            (p.hosts(), p.first_host().to_string()),
            (Count::Exact(2), "2001:db8::".into())
        );
        assert_eq!(net("::/0").addresses(), Count::AllOfIpv6);
        assert_eq!(
            net("::/0").addresses().to_string(),
            "340282366920938463463374607431768211456"
        );
        assert_eq!(net("::/0").hosts(), Count::Exact(u128::MAX));
    }

    #[test]
    fn ipv6_text_never_mixes_in_dotted_quads() {
        let s = |t: &str| show(t.parse().unwrap());
        assert_eq!(s("::ffff:ffff:ffff"), "::ffff:ffff:ffff");
        assert_eq!(s("::ffff:1.2.3.4"), "::ffff:102:304");
        assert_eq!(s("2001:db8::1"), "2001:db8::1");
        assert_eq!(s("::"), "::");
        assert_eq!(s("::1"), "::1");
        assert_eq!(s("1::"), "1::");
        assert_eq!(s("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
        assert_eq!(s("1:0:0:2:0:0:3:4"), "1::2:0:0:3:4");
        assert_eq!(s("1:0:2:3:4:5:6:7"), "1:0:2:3:4:5:6:7");
        assert_eq!(s("10.0.0.1"), "10.0.0.1");
        let ip = |t: &str| t.parse::<IpAddr>().unwrap();
        assert_eq!(expanded(ip("2001:db8::1")), "2001:0db8:0000:0000:0000:0000:0000:0001");
        assert_eq!(expanded(ip("10.0.0.1")), "10.0.0.1");
    }

    #[test]
    fn directed_broadcasts() {
        let b = |ip: [u8; 4], m: [u8; 4]| directed_broadcast(ip.into(), m.into()).map(|a| a.to_string());
        assert_eq!(b([192, 168, 0, 23], [255, 255, 255, 0]).unwrap(), "192.168.0.255");
        assert_eq!(b([192, 168, 3, 23], [255, 255, 0, 0]).unwrap(), "192.168.255.255");
        assert_eq!(b([127, 0, 0, 1], [255, 0, 0, 0]).unwrap(), "127.255.255.255");
        assert!(b([10, 0, 0, 1], [255, 0, 255, 0]).is_err());
    }
}
