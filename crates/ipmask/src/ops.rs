//! Working with several networks: splitting one into subnets (equal, or sized for groups of hosts: VLSM), merging
//! a list (aggregation), covering an address range with the fewest blocks, and asking whether two hosts share a
//! subnet (seed §1.2's last paragraph).

use std::net::IpAddr;

use crate::error::Error;
use crate::net::{Count, Net, bits, from_bits, width};

/// The subnets of prefix `new_prefix` inside `net`, the first `limit` of them, and how many there are in all
/// (as a power of two: `2^(new_prefix - prefix)`).
pub fn split(net: &Net, new_prefix: u8, limit: usize) -> Result<(Vec<Net>, u32), Error> {
    let w = net.width();
    if new_prefix < net.prefix || u32::from(new_prefix) > w {
        let why = format!("a subnet of /{} needs a prefix from {} to {w}", net.prefix, net.prefix);
        return Err(Error::new(&format!("/{new_prefix}"), &why));
    }
    let exponent = u32::from(new_prefix - net.prefix);
    let count_fits = exponent < 64;
    let total = if count_fits { 1u128 << exponent } else { u128::MAX };
    let step_bits = w - u32::from(new_prefix);
    let base = bits(net.network());
    let shown = (limit as u128).min(total) as usize;
    let subnets = (0..shown)
        .map(|i| {
            let offset = if step_bits >= 128 { 0 } else { (i as u128) << step_bits };
            Net::new(from_bits(net.addr, base + offset), new_prefix)
        })
        .collect();
    Ok((subnets, exponent))
}

/// The largest aligned block that starts at `start` and ends no later than `end`.
fn largest_block(start: u128, end: u128, w: u32) -> u32 {
    // Alignment: the block size cannot exceed the lowest set bit of the start address.
    let align = if start == 0 { w } else { start.trailing_zeros().min(w) };
    // Size: the block cannot run past `end`. (end - start + 1) may be 2^128 only for the whole IPv6 space.
    let span_bits = match (end - start).checked_add(1) {
        Some(n) => 127 - n.leading_zeros(),
        None => 128,
    };
    align.min(span_bits)
}

/// The fewest CIDR blocks that cover exactly `first..=last` (Python's `summarize_address_range`).
pub fn range(first: IpAddr, last: IpAddr) -> Result<Vec<Net>, Error> {
    if first.is_ipv4() != last.is_ipv4() {
        return Err(Error::new(
            &format!("{first}-{last}"),
            "the two ends are of different families",
        ));
    }
    let (mut start, end) = (bits(first), bits(last));
    if start > end {
        return Err(Error::new(
            &format!("{first}-{last}"),
            "the range ends before it starts",
        ));
    }
    let w = width(first);
    let mut out = Vec::new();
    loop {
        let size_bits = largest_block(start, end, w);
        out.push(Net::new(from_bits(first, start), (w - size_bits) as u8));
        let next = if size_bits >= 128 {
            None
        } else {
            start.checked_add(1u128 << size_bits)
        };
        match next {
            Some(n) if n <= end && n != 0 => start = n,
            _ => return Ok(out),
        }
    }
}

/// Merges overlapping and adjacent networks into the fewest blocks (Python's `collapse_addresses`), IPv4 ones
/// first, then IPv6.
pub fn aggregate(nets: &[Net]) -> Vec<Net> {
    let mut out = Vec::new();
    for v4 in [true, false] {
        // Each network as an inclusive range of its addresses, sorted, with overlaps and neighbours merged...
        let mut spans: Vec<(u128, u128, IpAddr)> = nets
            .iter()
            .filter(|n| n.is_ipv4() == v4)
            .map(|n| (bits(n.network()), bits(n.last()), n.addr))
            .collect();
        spans.sort();
        let mut merged: Vec<(u128, u128, IpAddr)> = Vec::new();
        for (start, end, like) in spans {
            match merged.last_mut() {
                Some(last) if start <= last.1.saturating_add(1) => last.1 = last.1.max(end),
                _ => merged.push((start, end, like)),
            }
        }
        // ... and each merged range cut into CIDR blocks.
        for (start, end, like) in merged {
            if let Ok(blocks) = range(from_bits(like, start), from_bits(like, end)) {
                out.extend(blocks);
            }
        }
    }
    out
}

/// What [`vlsm`] carved out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vlsm {
    /// Each subnet, largest first, with the count of hosts it was made for.
    pub subnets: Vec<(u128, Net)>,
    /// The blocks left over at the end, as few as possible.
    pub free: Vec<Net>,
}

/// Variable-length subnetting (VLSM): for each count of hosts, the smallest subnet that holds them, carved out of
/// `net` largest first so that every subnet starts on its own boundary.
///
/// A subnet holds its hosts plus the addresses that are not hosts: IPv4's network and broadcast addresses, IPv6's
/// subnet-router anycast address — so 2 hosts take an IPv4 /30, as textbooks and `ipcalc -s` count.
pub fn vlsm(net: &Net, wanted: &[u128]) -> Result<Vlsm, Error> {
    let w = net.width();
    let reserved: u128 = if net.is_ipv4() { 2 } else { 1 };
    let mut order: Vec<u128> = wanted.to_vec();
    order.sort_unstable_by(|a, b| b.cmp(a));
    let end = bits(net.last());
    let mut next = Some(bits(net.network()));
    let mut out = Vec::new();
    let mut needed_bits: Vec<u32> = Vec::new();
    for &hosts in &order {
        if hosts == 0 {
            return Err(Error::new("0", "a subnet is for at least one host"));
        }
        // The fewest host bits with 2^bits >= hosts + reserved.
        let size_bits = match hosts.checked_add(reserved).and_then(u128::checked_next_power_of_two) {
            Some(size) => size.trailing_zeros(),
            None => 128,
        };
        needed_bits.push(size_bits);
        let fits = size_bits <= w - u32::from(net.prefix)
            && next.is_some_and(|start| size_bits >= 128 || end - start >= (1u128 << size_bits) - 1);
        let Some(start) = next.filter(|_| fits) else {
            let total = sum_of_powers_of_two(&needed_bits);
            return Err(Error::new(
                &net.to_string(),
                &format!(
                    "too small: it has 2^{} addresses, and subnets for the {} largest requests need {total} \
                     (each a power of two, including the addresses that are not hosts)",
                    w - u32::from(net.prefix),
                    needed_bits.len()
                ),
            ));
        };
        out.push((hosts, Net::new(from_bits(net.addr, start), (w - size_bits) as u8)));
        // Sizes only shrink, so the next subnet starts on its own boundary without a gap.
        next = if size_bits >= 128 {
            None
        } else {
            start.checked_add(1u128 << size_bits).filter(|&n| n <= end)
        };
    }
    let free = match next {
        Some(start) => range(from_bits(net.addr, start), from_bits(net.addr, end))?,
        None => Vec::new(),
    };
    Ok(Vlsm { subnets: out, free })
}

/// The exact sum of `2^bits` for each of `bits` (each at most 128), in decimal. Sizes of subnets asked for can
/// add up past 2^128 (two requests for half of IPv6 and more), which no `u128` holds, so past that the digits
/// are added the way it is done by hand. (A float would round: 2^64 + 4 would read 18446744073709552000.)
fn sum_of_powers_of_two(bits: &[u32]) -> String {
    let (mut low, mut overflows) = (0u128, 0u32);
    for &b in bits {
        let (sum, carried) = match 1u128.checked_shl(b).filter(|_| b < 128) {
            Some(size) => low.overflowing_add(size),
            None => (low, true), // 2^128 itself: one whole carry
        };
        low = sum;
        overflows += u32::from(carried);
    }
    let mut total = low.to_string();
    for _ in 0..overflows {
        total = add_decimal(&total, &Count::AllOfIpv6.to_string());
    }
    total
}

/// `a + b` for two numbers written in decimal digits.
fn add_decimal(a: &str, b: &str) -> String {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut digits = Vec::with_capacity(a.len().max(b.len()) + 1);
    let mut carry = 0;
    for i in 0..a.len().max(b.len()) {
        let digit = |n: &[u8]| n.len().checked_sub(i + 1).map_or(0, |at| n[at] - b'0');
        let sum = digit(a) + digit(b) + carry;
        digits.push(b'0' + sum % 10);
        carry = sum / 10;
    }
    if carry > 0 {
        digits.push(b'0' + carry);
    }
    digits.iter().rev().map(|&d| char::from(d)).collect()
}

/// How two hosts relate under a mask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// True when both are on the same subnet for the given prefix: the sender delivers directly (ARP).
    pub on_link: bool,
    /// The longest prefix for which they share a subnet.
    pub common_prefix: u8,
    /// The seed's too-large / too-small mask paragraph, applied to these two hosts.
    pub explanation: String,
}

/// Whether `a` and `b` are on one subnet with a `/prefix` mask, and what goes wrong if the mask is wrong.
pub fn same_subnet(a: IpAddr, b: IpAddr, prefix: u8) -> Result<Verdict, Error> {
    if a.is_ipv4() != b.is_ipv4() {
        return Err(Error::new(
            &format!("{a} {b}"),
            "the two hosts are of different families",
        ));
    }
    let w = width(a);
    if u32::from(prefix) > w {
        return Err(Error::new(
            &format!("/{prefix}"),
            &format!("prefix {prefix} is out of range (0-{w})"),
        ));
    }
    let differing = bits(a) ^ bits(b);
    let common = if differing == 0 {
        w
    } else {
        differing.leading_zeros() - (128 - w)
    };
    let on_link = u32::from(prefix) <= common;
    let net_a = Net::new(a, prefix).normalized();
    let explanation = if on_link {
        format!(
            "With /{prefix}, {a} sees {b} on its own subnet ({net_a}) and sends to it directly (ARP, then the \
             frame). They stay on one subnet for any mask up to /{common}. If a router really separates them, \
             this mask is too large: {a} would wait for an ARP reply that never comes, and its packets to {b} \
             would be lost instead of going to the gateway."
        )
    } else {
        let net_b = Net::new(b, prefix).normalized();
        format!(
            "With /{prefix}, {a} is on {net_a} and {b} on {net_b}: {a} hands every packet for {b} to its default \
             gateway. They would share a subnet only with a mask of /{common} or shorter. If they really are on \
             one LAN, this mask is too small: traffic that could go directly makes a detour through the \
             gateway and loads it."
        )
    };
    Ok(Verdict {
        on_link,
        common_prefix: common as u8,
        explanation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> Net {
        let (a, p) = text.split_once('/').unwrap();
        Net::new(a.parse().unwrap(), p.parse().unwrap())
    }

    fn strings(nets: &[Net]) -> Vec<String> {
        nets.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn vlsm_carves_the_largest_first_and_lists_what_is_left() {
        let Vlsm { subnets, free } = vlsm(&net("192.168.1.0/24"), &[20, 100, 2, 50]).unwrap();
        let got: Vec<(u128, String)> = subnets.iter().map(|(h, n)| (*h, n.to_string())).collect();
        assert_eq!(
            got,
            [
                (100, "192.168.1.0/25".to_string()),
                (50, "192.168.1.128/26".to_string()),
                (20, "192.168.1.192/27".to_string()),
                (2, "192.168.1.224/30".to_string()),
            ]
        );
        assert_eq!(
            strings(&free),
            ["192.168.1.228/30", "192.168.1.232/29", "192.168.1.240/28"]
        );
        // 126 hosts fill a /25 exactly (with network and broadcast); 127 need a /24.
        assert_eq!(
            vlsm(&net("10.0.0.0/24"), &[126]).unwrap().subnets[0].1.to_string(),
            "10.0.0.0/25"
        );
        assert_eq!(
            vlsm(&net("10.0.0.0/24"), &[127]).unwrap().subnets[0].1.to_string(),
            "10.0.0.0/24"
        );
        let Vlsm { subnets: whole, free } = vlsm(&net("10.0.0.0/24"), &[254]).unwrap();
        assert_eq!((whole[0].1.to_string(), free.len()), ("10.0.0.0/24".to_string(), 0));
        // IPv6 keeps one address back (the subnet-router anycast address): 1023 hosts fit in 2^10.
        assert_eq!(
            vlsm(&net("2001:db8::/64"), &[1023]).unwrap().subnets[0].1.to_string(),
            "2001:db8::/118"
        );
        assert_eq!(
            vlsm(&net("::/0"), &[u128::MAX]).unwrap().subnets[0].1.to_string(),
            "::/0"
        );
    }

    #[test]
    fn vlsm_says_when_the_network_is_too_small() {
        let err = vlsm(&net("192.168.1.0/24"), &[200, 100]).unwrap_err().to_string();
        assert!(err.contains("too small") && err.contains("need 384"), "{err}");
        assert!(vlsm(&net("10.0.0.0/30"), &[3]).is_err(), "3 hosts + 2 need a /29");
        // Exact past what a float holds, and past 2^128.
        let err = vlsm(&net("2001:db8::/64"), &[1 << 63, 2]).unwrap_err().to_string();
        assert!(err.contains("need 18446744073709551620 "), "{err}");
        let err = vlsm(&net("::/0"), &[1 << 127, 1 << 127]).unwrap_err().to_string();
        assert!(err.contains("need 680564733841876926926749214863536422912 "), "{err}");
        assert!(vlsm(&net("10.0.0.0/24"), &[0]).is_err());
    }

    #[test]
    fn sums_of_subnet_sizes_are_exact() {
        assert_eq!(sum_of_powers_of_two(&[]), "0");
        assert_eq!(sum_of_powers_of_two(&[8, 7]), "384");
        assert_eq!(sum_of_powers_of_two(&[128]), "340282366920938463463374607431768211456");
        assert_eq!(
            sum_of_powers_of_two(&[127, 127, 1]),
            "340282366920938463463374607431768211458"
        );
        assert_eq!(add_decimal("999", "1"), "1000");
        assert_eq!(
            add_decimal("5", "340282366920938463463374607431768211456"),
            "340282366920938463463374607431768211461"
        );
    }

    #[test]
    fn splitting() {
        let (subnets, exponent) = split(&net("192.168.1.77/24"), 26, 100).unwrap();
        assert_eq!(exponent, 2);
        assert_eq!(
            strings(&subnets),
            [
                "192.168.1.0/26",
                "192.168.1.64/26",
                "192.168.1.128/26",
                "192.168.1.192/26"
            ]
        );
        let (first, exponent) = split(&net("10.0.0.0/8"), 30, 3).unwrap();
        assert_eq!(exponent, 22);
        assert_eq!(strings(&first), ["10.0.0.0/30", "10.0.0.4/30", "10.0.0.8/30"]);
        assert_eq!(split(&net("::/0"), 128, 1).unwrap().1, 128);
        assert!(split(&net("10.0.0.0/16"), 8, 1).is_err());
    }

    #[test]
    fn ranges() {
        let r = |a: &str, b: &str| strings(&range(a.parse().unwrap(), b.parse().unwrap()).unwrap());
        assert_eq!(r("192.168.1.0", "192.168.1.255"), ["192.168.1.0/24"]);
        assert_eq!(
            r("10.0.0.1", "10.0.0.6"),
            ["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"]
        );
        assert_eq!(r("0.0.0.0", "255.255.255.255"), ["0.0.0.0/0"]);
        assert_eq!(r("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), ["::/0"]);
        assert_eq!(r("255.255.255.255", "255.255.255.255"), ["255.255.255.255/32"]);
        assert!(range("10.0.0.9".parse().unwrap(), "10.0.0.1".parse().unwrap()).is_err());
    }

    #[test]
    fn aggregation() {
        let nets: Vec<Net> = [
            "192.168.0.0/24",
            "192.168.1.0/24",
            "192.168.1.128/25",
            "10.0.0.0/8",
            "2001:db8::/33",
            "2001:db8:8000::/33",
        ]
        .iter()
        .map(|s| net(s))
        .collect();
        assert_eq!(
            strings(&aggregate(&nets)),
            ["10.0.0.0/8", "192.168.0.0/23", "2001:db8::/32"]
        );
        assert_eq!(
            strings(&aggregate(&[net("10.0.0.1/32"), net("10.0.0.2/32")])),
            ["10.0.0.1/32", "10.0.0.2/32"]
        );
    }

    #[test]
    fn same_subnet_explains_the_seed_paragraph() {
        let v = same_subnet("192.168.1.10".parse().unwrap(), "192.168.2.20".parse().unwrap(), 16).unwrap();
        assert!(v.on_link);
        assert_eq!(v.common_prefix, 22);
        assert!(v.explanation.contains("too large"), "{}", v.explanation);
        let v = same_subnet("192.168.1.10".parse().unwrap(), "192.168.2.20".parse().unwrap(), 24).unwrap();
        assert!(!v.on_link);
        assert!(
            v.explanation
                .contains("192.168.1.0/24 and 192.168.2.20 on 192.168.2.0/24"),
            "{}",
            v.explanation
        );
        assert!(v.explanation.contains("too small"), "{}", v.explanation);
        let same = same_subnet("10.0.0.1".parse().unwrap(), "10.0.0.1".parse().unwrap(), 32).unwrap();
        assert_eq!((same.on_link, same.common_prefix), (true, 32));
    }
}
