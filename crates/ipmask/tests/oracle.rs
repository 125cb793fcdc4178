//! Oracle: at least 10,000 random IPv4 and IPv6 networks, with subnets, collapses and range summaries, checked
//! field by field against Python's `ipaddress`. Run by `just interop` (needs python3).
#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipmask::render::to_json;
use ipmask::{Net, ops};
use netlab::rng::Rng;
use serde_json::json;

/// A random address of either family (the generator is seeded, so a failure can be replayed).
fn address(rng: &mut Rng, v4: bool) -> IpAddr {
    if v4 {
        IpAddr::V4(Ipv4Addr::from(rng.next_u64() as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(
            (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64()),
        ))
    }
}

/// A random network: any address, any prefix of its family.
fn random_net(rng: &mut Rng, v4: bool) -> Net {
    let width = if v4 { 33 } else { 129 };
    Net::new(address(rng, v4), rng.below(width) as u8)
}

fn cases(count: usize) -> Vec<String> {
    let mut rng = Rng::new(0x1234_5678_9abc_def1);
    let mut lines = Vec::new();
    for i in 0..count {
        let v4 = i % 5 < 3;
        let net = random_net(&mut rng, v4);
        let mut subnets = serde_json::Map::new();
        let width = net.width() as u8;
        for d in 1..=2u8 {
            if net.prefix + d <= width {
                let (list, _) = ops::split(&net, net.prefix + d, 4).unwrap();
                subnets.insert(
                    d.to_string(),
                    json!(list.iter().map(ToString::to_string).collect::<Vec<_>>()),
                );
            }
        }
        lines.push(
            json!({"case": "net", "address": net.addr.to_string(), "prefix": net.prefix, "ours": to_json(&net), "subnets": subnets})
                .to_string(),
        );
        if i % 4 == 0 {
            // A few networks near each other, so that some merge.
            let base = random_net(&mut rng, v4);
            let input: Vec<Net> = (0..1 + rng.below(6))
                .map(|_| {
                    let prefix = (base.prefix + rng.below(4) as u8).min(width);
                    let shift = u32::from(width - prefix).min(127);
                    let offset = if shift >= 127 {
                        0
                    } else {
                        u128::from(rng.below(4)) << shift
                    };
                    let start = ipmask::net::bits(base.network()).wrapping_add(offset)
                        & ipmask::net::mask(prefix, u32::from(width));
                    Net::new(ipmask::net::from_bits(base.addr, start), prefix)
                })
                .collect();
            let ours: Vec<String> = ops::aggregate(&input).iter().map(ToString::to_string).collect();
            let input: Vec<String> = input.iter().map(ToString::to_string).collect();
            lines.push(json!({"case": "collapse", "input": input, "ours": ours}).to_string());
        }
        if i % 4 == 1 {
            let a = ipmask::net::bits(address(&mut rng, v4));
            let span = u128::from(rng.next_u64() >> rng.below(64));
            let top = if v4 { u128::from(u32::MAX) } else { u128::MAX };
            let b = a.saturating_add(span).min(top);
            let (first, last) = (ipmask::net::from_bits(net.addr, a), ipmask::net::from_bits(net.addr, b));
            let ours: Vec<String> = ops::range(first, last)
                .unwrap()
                .iter()
                .map(ToString::to_string)
                .collect();
            lines.push(
                json!({"case": "summarize", "first": first.to_string(), "last": last.to_string(), "ours": ours})
                    .to_string(),
            );
        }
        if i % 4 == 2 {
            // VLSM: a few host counts, small enough to fit often and large enough to overflow sometimes.
            let room = net.width() - u32::from(net.prefix);
            let wanted: Vec<u128> = (0..1 + rng.below(5))
                .map(|_| 1 + (u128::from(rng.next_u64()) >> (128 - room.clamp(1, 64))) / 3)
                .collect();
            let (ours, free) = match ops::vlsm(&net, &wanted) {
                Ok(ops::Vlsm { subnets, free }) => (
                    json!(
                        subnets
                            .iter()
                            .map(|(h, n)| (h.to_string(), n.to_string()))
                            .collect::<Vec<_>>()
                    ),
                    json!(free.iter().map(ToString::to_string).collect::<Vec<_>>()),
                ),
                Err(_) => (json!(null), json!(null)),
            };
            let network = Net::new(net.network(), net.prefix).to_string();
            let wanted: Vec<String> = wanted.iter().map(ToString::to_string).collect();
            lines.push(
                json!({"case": "vlsm", "network": network, "wanted": wanted, "ours": ours, "free": free}).to_string(),
            );
        }
    }
    lines
}

#[test]
#[ignore = "oracle: needs python3 (run by `just interop`)"]
fn ten_thousand_networks_agree_with_python_ipaddress() {
    let lines = cases(10_000);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle.py");
    let report = labbench::peers::python_oracle(std::path::Path::new(script), &lines).unwrap();
    let summary = report.lines().next().unwrap_or_default();
    println!("ipmask oracle: {summary} {}", report.lines().nth(1).unwrap_or_default());
    assert_eq!(summary, format!("{} cases, 0 mismatches", lines.len()), "\n{report}");
    assert!(lines.len() >= 10_000);
}
