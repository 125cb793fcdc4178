//! Lab 1 tests. They check every prefix (0 to 32) and every netmask, named non-masks, every netmask with one bit
//! flipped, 20,000 random 32-bit numbers as masks and 5,000 random networks; the random numbers come from a fixed
//! seed, so every run checks the same ones. The expected answers come from the `ipmask` crate (crates/ipmask),
//! whose math `just interop` checks against Python's `ipaddress`.
#[path = "../../support/timed.rs"]
mod timed;

use std::net::{IpAddr, Ipv4Addr};

use lab01_subnet_math::*;

/// Seconds a test may take. Each makes at most ~100,000 calls to plain arithmetic: well under a second even in a
/// debug build on a slow machine, so running out of time means a loop that never ends.
const LIMIT: u64 = 5;

fn ip(s: &str) -> u32 {
    u32::from(s.parse::<Ipv4Addr>().unwrap())
}

fn dotted(x: u32) -> String {
    Ipv4Addr::from(x).to_string()
}

/// The 32 bits, a dot between octets: the easiest way to see whether ones are contiguous.
fn bits(x: u32) -> String {
    let b = x.to_be_bytes();
    format!("{:08b}.{:08b}.{:08b}.{:08b}", b[0], b[1], b[2], b[3])
}

/// The expected answers.
fn reference_mask(prefix: u8) -> u32 {
    match ipmask::Net::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), prefix).netmask() {
        IpAddr::V4(m) => u32::from(m),
        IpAddr::V6(_) => unreachable!("an IPv4 network has an IPv4 mask"),
    }
}

fn reference_hosts(prefix: u8) -> u64 {
    let net = ipmask::Net::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), prefix);
    net.hosts().as_u64().expect("an IPv4 network counts in a u64")
}

/// Random 32-bit numbers from a fixed seed (xorshift64): the same numbers on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }
}

/// Checks `prefix_from_mask(mask)` against ipmask's answer, with a message that shows the bits.
fn check_prefix_from_mask(mask: u32, why_invalid: &str) {
    let want = ipmask::prefix_of_mask(mask);
    let got = prefix_from_mask(mask);
    match want {
        Some(prefix) => assert_eq!(
            got,
            want,
            "prefix_from_mask({}) should be Some({prefix}): its bits {} are {prefix} ones then only zeros",
            dotted(mask),
            bits(mask)
        ),
        None => assert_eq!(
            got,
            None,
            "prefix_from_mask({}) should be None, got {got:?}: its bits {} are not ones then zeros ({why_invalid}), \
             so it is not a netmask. Hint: after the leading ones, every bit must be zero.",
            dotted(mask),
            bits(mask)
        ),
    }
}

#[test]
fn the_seed_example() {
    timed::within(LIMIT, "the seed's example, 192.168.1.1 with 255.255.255.0", || {
        // 192.168.1.1 with 255.255.255.0 is the range 192.168.1.0 - 192.168.1.255.
        let (addr, mask) = (ip("192.168.1.1"), ip("255.255.255.0"));
        let got = Ipv4Addr::from(mask_from_prefix(24));
        assert_eq!(
            got,
            Ipv4Addr::from(mask),
            "mask_from_prefix(24) should be 255.255.255.0, got {got}"
        );
        let got = Ipv4Addr::from(network(addr, mask));
        assert_eq!(
            got,
            Ipv4Addr::new(192, 168, 1, 0),
            "network(192.168.1.1, 255.255.255.0) should be 192.168.1.0, got {got}: clear the host bits (ip & mask)"
        );
        let got = Ipv4Addr::from(broadcast(addr, mask));
        assert_eq!(
            got,
            Ipv4Addr::new(192, 168, 1, 255),
            "broadcast(192.168.1.1, 255.255.255.0) should be 192.168.1.255, got {got}: set the host bits (ip | !mask)"
        );
        let got = host_count(24);
        assert_eq!(
            got, 254,
            "host_count(24) should be 254 (256 addresses minus the network and broadcast addresses), got {got}"
        );
        let got = prefix_from_mask(ip("255.255.0.0"));
        assert_eq!(
            got,
            Some(16),
            "prefix_from_mask(255.255.0.0) should be Some(16), got {got:?}"
        );
    });
}

#[test]
fn a_mask_for_every_prefix() {
    timed::within(LIMIT, "mask_from_prefix for every prefix 0..=32", || {
        for prefix in 0..=32u8 {
            let want = reference_mask(prefix);
            let got = mask_from_prefix(prefix);
            let hint = match prefix {
                0 => " /0 has no network bits at all, so its mask is 0.0.0.0; note that `x << 32` is not allowed",
                32 => " /32 is all ones",
                _ => "",
            };
            assert_eq!(
                Ipv4Addr::from(got),
                Ipv4Addr::from(want),
                "mask_from_prefix({prefix}) should be {} ({}), got {} ({}):{hint}",
                dotted(want),
                bits(want),
                dotted(got),
                bits(got)
            );
        }
    });
}

#[test]
fn every_netmask_gives_back_its_prefix() {
    timed::within(LIMIT, "prefix_from_mask for the 33 netmasks", || {
        for prefix in 0..=32u8 {
            check_prefix_from_mask(reference_mask(prefix), "");
        }
    });
}

#[test]
fn named_non_masks_are_refused() {
    timed::within(LIMIT, "prefix_from_mask for masks that are not contiguous", || {
        for (mask, why) in [
            ("255.0.255.0", "ones, zeros, then ones again"),
            ("0.0.0.255", "zeros first"),
            (
                "255.192.192.0",
                "each octet alone is a valid mask octet, but 192 follows 192",
            ),
            ("255.255.255.253", "one zero in the middle of the ones"),
            ("127.255.255.255", "a zero before the ones"),
            ("128.0.0.1", "a lone one bit at the end"),
            ("255.255.0.255", "ones after the zeros"),
        ] {
            check_prefix_from_mask(ip(mask), why);
        }
    });
}

#[test]
fn every_netmask_with_one_bit_flipped_agrees_with_ipmask() {
    // 33 masks x 32 bits: flipping the bit at the border gives another netmask, every other flip a non-mask.
    timed::within(LIMIT, "prefix_from_mask for every netmask with one bit flipped", || {
        for prefix in 0..=32u8 {
            for bit in 0..32 {
                check_prefix_from_mask(reference_mask(prefix) ^ (1 << bit), "one bit flipped from a netmask");
            }
        }
    });
}

#[test]
fn twenty_thousand_random_masks_agree_with_ipmask() {
    timed::within(LIMIT, "prefix_from_mask for 20,000 random numbers", || {
        let mut random = Random(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            // Half plain random numbers (almost never masks), half a netmask with random host bits set.
            let r = random.next();
            let mask = if r & 1 == 0 {
                random.next()
            } else {
                let m = reference_mask((r >> 1) as u8 % 33);
                m | (random.next() & random.next() & !m)
            };
            check_prefix_from_mask(mask, "a random number");
        }
    });
}

#[test]
fn five_thousand_random_networks_agree_with_ipmask() {
    timed::within(LIMIT, "network and broadcast of 5,000 random networks", || {
        let mut random = Random(0x0123_4567_89AB_CDEF);
        for _ in 0..5000 {
            let (addr, prefix) = (random.next(), (random.next() % 33) as u8);
            let net = ipmask::Net::new(IpAddr::V4(Ipv4Addr::from(addr)), prefix);
            let mask = reference_mask(prefix);
            let (want_network, want_broadcast) = (net.network(), net.last());
            let got = IpAddr::V4(network(addr, mask).into());
            assert_eq!(
                got,
                want_network,
                "network({}, {}) for {}/{prefix} should be {want_network}, got {got}: clear the host bits (ip & mask)",
                dotted(addr),
                dotted(mask),
                dotted(addr)
            );
            let got = IpAddr::V4(broadcast(addr, mask).into());
            assert_eq!(
                got,
                want_broadcast,
                "broadcast({}, {}) for {}/{prefix} should be {want_broadcast}, got {got}: set every host bit \
                 (ip | !mask), whatever it was before",
                dotted(addr),
                dotted(mask),
                dotted(addr)
            );
        }
    });
}

#[test]
fn a_host_count_for_every_prefix() {
    timed::within(LIMIT, "host_count for every prefix 0..=32", || {
        for prefix in 0..=32u8 {
            let want = reference_hosts(prefix);
            let got = host_count(prefix);
            let hint = match prefix {
                31 => " a /31 is a point-to-point link (RFC 3021): both addresses are hosts",
                32 => " a /32 is one host",
                0 => " all 2^32 addresses minus the network and broadcast addresses (2^32 needs a u64)",
                _ => " all 2^(32 - prefix) addresses minus the network and broadcast addresses",
            };
            assert_eq!(got, want, "host_count({prefix}) should be {want}, got {got}:{hint}");
        }
    });
}
