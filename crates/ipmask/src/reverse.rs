//! Reverse DNS: the name a PTR record for an address lives under, and the zone that holds a network's records
//! (RFC 1035 §3.5 for `in-addr.arpa`, RFC 3596 §2.5 for `ip6.arpa`), as `dig -x` asks and `ipcalc-ng --reverse-dns`
//! prints. The labels are the address's octets (IPv4) or hex nibbles (IPv6), least significant first, so that
//! DNS, which delegates from the right, can hand out a network's addresses in one zone.

use std::net::IpAddr;

use crate::net::Net;

/// The labels of an address's reverse-DNS name, most specific first: IPv4's four octets, or IPv6's 32 hex
/// nibbles, in reverse order.
fn reverse_labels(ip: IpAddr) -> Vec<String> {
    match ip {
        IpAddr::V4(v4) => v4.octets().iter().rev().map(u8::to_string).collect(),
        IpAddr::V6(v6) => {
            let value = u128::from(v6);
            (0..32).map(|i| format!("{:x}", (value >> (4 * i)) & 0xf)).collect()
        }
    }
}

fn reverse_suffix(ip: IpAddr) -> &'static str {
    if ip.is_ipv4() { "in-addr.arpa" } else { "ip6.arpa" }
}

/// The name a PTR record for `ip` lives under (`1.1.168.192.in-addr.arpa` for 192.168.1.1), as `dig -x` asks.
pub fn reverse_pointer(ip: IpAddr) -> String {
    format!("{}.{}", reverse_labels(ip).join("."), reverse_suffix(ip))
}

impl Net {
    /// The reverse-DNS zone that holds this network's PTR records: the network's whole octets (IPv4) or nibbles
    /// (IPv6), reversed — `1.168.192.in-addr.arpa` for 192.168.1.0/24. A prefix between boundaries is rounded
    /// down (192.168.1.0/26 is inside the /24's zone; 192.168.0.0/22 inside `168.192.in-addr.arpa`), as
    /// ipcalc-ng's `--reverse-dns` does.
    pub fn reverse_zone(&self) -> String {
        let per_label = if self.is_ipv4() { 8 } else { 4 };
        let whole = usize::from(self.prefix) / per_label;
        let labels = reverse_labels(self.network());
        let kept = &labels[labels.len() - whole..];
        let suffix = reverse_suffix(self.addr);
        if kept.is_empty() {
            suffix.to_string()
        } else {
            format!("{}.{suffix}", kept.join("."))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> Net {
        let (a, p) = text.split_once('/').unwrap();
        Net::new(a.parse().unwrap(), p.parse().unwrap())
    }

    #[test]
    fn reverse_dns_names_and_zones() {
        let ip = |t: &str| t.parse::<IpAddr>().unwrap();
        assert_eq!(reverse_pointer(ip("192.168.1.1")), "1.1.168.192.in-addr.arpa");
        assert_eq!(net("192.168.1.1/24").reverse_zone(), "1.168.192.in-addr.arpa");
        assert_eq!(net("192.168.1.77/26").reverse_zone(), "1.168.192.in-addr.arpa");
        assert_eq!(net("192.168.3.1/22").reverse_zone(), "168.192.in-addr.arpa");
        assert_eq!(net("10.1.2.3/8").reverse_zone(), "10.in-addr.arpa");
        assert_eq!(net("10.1.2.3/0").reverse_zone(), "in-addr.arpa");
        assert_eq!(net("10.1.2.3/32").reverse_zone(), "3.2.1.10.in-addr.arpa");
        assert_eq!(net("2001:db8::1/32").reverse_zone(), "8.b.d.0.1.0.0.2.ip6.arpa");
        // /63 is between nibbles: the zone is the /60, 15 nibbles of 2001:0db8:abcd:001.
        assert_eq!(
            net("2001:db8:abcd:12::/63").reverse_zone(),
            "1.0.0.d.c.b.a.8.b.d.0.1.0.0.2.ip6.arpa"
        );
        assert_eq!(
            reverse_pointer(ip("2001:db8::1")),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
    }
}
