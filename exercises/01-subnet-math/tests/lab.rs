//! Lab 1 tests: the seed's examples, the edges, and 2,000 random networks checked against the ipmask crate.
use std::net::{IpAddr, Ipv4Addr};

use lab01_subnet_math::*;

fn ip(s: &str) -> u32 {
    u32::from(s.parse::<Ipv4Addr>().unwrap())
}

#[test]
fn the_seed_example() {
    // 192.168.1.1 with 255.255.255.0 is the range 192.168.1.0 - 192.168.1.255.
    let mask = mask_from_prefix(24);
    assert_eq!(mask, ip("255.255.255.0"));
    assert_eq!(network(ip("192.168.1.1"), mask), ip("192.168.1.0"));
    assert_eq!(broadcast(ip("192.168.1.1"), mask), ip("192.168.1.255"));
    assert_eq!(host_count(24), 254);
    assert_eq!(prefix_from_mask(ip("255.255.0.0")), Some(16));
}

#[test]
fn the_edges() {
    assert_eq!(mask_from_prefix(0), 0);
    assert_eq!(mask_from_prefix(32), u32::MAX);
    assert_eq!(prefix_from_mask(0), Some(0));
    assert_eq!(prefix_from_mask(u32::MAX), Some(32));
    assert_eq!(prefix_from_mask(ip("255.0.255.0")), None);
    assert_eq!(prefix_from_mask(ip("0.0.0.255")), None);
    assert_eq!(host_count(31), 2);
    assert_eq!(host_count(32), 1);
    assert_eq!(host_count(0), (1 << 32) - 2);
}

#[test]
fn two_thousand_random_networks_agree_with_ipmask() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let (addr, prefix) = (x as u32, (x >> 40) as u8 % 33);
        let net = ipmask::Net::new(IpAddr::V4(Ipv4Addr::from(addr)), prefix);
        let mask = mask_from_prefix(prefix);
        assert_eq!(IpAddr::V4(mask.into()), net.netmask(), "/{prefix}");
        assert_eq!(prefix_from_mask(mask), Some(prefix));
        assert_eq!(
            IpAddr::V4(network(addr, mask).into()),
            net.network(),
            "{addr:#x}/{prefix}"
        );
        assert_eq!(
            IpAddr::V4(broadcast(addr, mask).into()),
            net.last(),
            "{addr:#x}/{prefix}"
        );
        assert_eq!(Some(host_count(prefix)), net.hosts().as_u64(), "/{prefix}");
    }
}
