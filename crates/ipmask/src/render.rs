//! Output: what each command prints, as aligned text with the bits shown (coloured on a terminal) or as JSON,
//! one object a line. Each function returns the text (or its lines), and the program prints it.

use std::fmt::Write;
use std::net::IpAddr;

use serde_json::{Value, json};

use crate::class::{Class, class_letter, kind};
use crate::net::{Count, Net, bits, expanded, show};
use crate::ops::{Verdict, Vlsm};
use crate::parse::{MaskForm, Parsed};
use crate::reverse::reverse_pointer;

/// Colours for the network and host bits, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Use ANSI colours.
    pub colour: bool,
}

impl Style {
    /// Colour only on a terminal, and never when `NO_COLOR` is set (<https://no-color.org>).
    pub fn detect() -> Self {
        use std::io::IsTerminal;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            colour: !no_color && std::io::stdout().is_terminal(),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// An address's bits in groups (8 for IPv4, 16 for IPv6) with a `|` where the network part ends.
pub fn bit_string(ip: IpAddr, prefix: u8, style: Style) -> String {
    let (w, group, sep) = if ip.is_ipv4() {
        (32u32, 8u32, '.')
    } else {
        (128, 16, ':')
    };
    let value = bits(ip);
    let (mut net_part, mut host_part) = (String::new(), String::new());
    for i in 0..w {
        // A separator that falls exactly at the split stays on the network side: `00000001.|00000001`.
        if i > 0 && i % group == 0 {
            if i <= u32::from(prefix) {
                &mut net_part
            } else {
                &mut host_part
            }
            .push(sep);
        }
        let part = if i < u32::from(prefix) {
            &mut net_part
        } else {
            &mut host_part
        };
        part.push(if (value >> (w - 1 - i)) & 1 == 1 { '1' } else { '0' });
    }
    format!("{}|{}", style.paint("32", &net_part), style.paint("33", &host_part))
}

fn describe_form(form: MaskForm, net: &Net) -> &'static str {
    match form {
        MaskForm::Prefix => "",
        MaskForm::Dotted => " (given as a dotted mask)",
        MaskForm::Hex => " (given in hex)",
        MaskForm::Wildcard => " (given as a wildcard mask: its 1 bits were the host bits)",
        MaskForm::Classful if net.is_ipv4() && net.prefix < 32 => " (no mask given: the classful default)",
        MaskForm::Classful => " (no mask given: a single address)",
    }
}

/// The netmask as hex, IPv4 only.
fn hex_mask(net: &Net) -> Option<String> {
    net.is_ipv4().then(|| format!("0x{:08x}", bits(net.netmask()) as u32))
}

/// The full report for one network.
pub fn report(parsed: &Parsed, style: Style) -> String {
    let net = &parsed.net;
    let mut out = String::new();
    let mut line = |label: &str, value: String| {
        let _ = writeln!(out, "{label:<11} {value}");
    };
    line("address", show(net.addr));
    if !net.is_ipv4() {
        line("expanded", expanded(net.addr));
    }
    let hex = hex_mask(net).map(|h| format!(" = {h}")).unwrap_or_default();
    line(
        "netmask",
        format!(
            "{} = /{}{hex}{}",
            show(net.netmask()),
            net.prefix,
            describe_form(parsed.form, net)
        ),
    );
    line("wildcard", show(net.hostmask()));
    line("network", net.to_string());
    match (net.broadcast(), net.is_ipv4(), net.prefix) {
        (Some(b), _, _) => line("broadcast", show(b)),
        (None, true, 31) => line(
            "broadcast",
            "none: /31 is a point-to-point link, both addresses usable (RFC 3021)".into(),
        ),
        (None, true, _) => line("broadcast", "none: /32 is a single host (a host route)".into()),
        (None, false, _) => line("broadcast", "none: IPv6 has no broadcast (it uses multicast)".into()),
    }
    line(
        "hosts",
        format!("{} to {}", show(net.first_host()), show(net.last_host())),
    );
    let usable = match (net.hosts(), net.addresses()) {
        (h, a) if net.is_ipv4() && net.prefix <= 30 => {
            format!("{h} usable of {a} addresses (the network and broadcast addresses are not hosts)")
        }
        (h, a) if !net.is_ipv4() && net.prefix <= 126 => {
            format!("{h} usable of {a} addresses (the first is the subnet-router anycast address)")
        }
        (h, a) => format!("{h} usable of {a} addresses"),
    };
    line("count", usable);
    if let IpAddr::V4(v4) = net.addr {
        let c = Class::of(v4);
        let default = c.default_prefix.map_or("none".to_string(), |p| format!("/{p}"));
        line(
            "class",
            format!(
                "{} (leading bits {}, {} to {}, default mask {default}, {})",
                c.letter, c.leading_bits, c.first, c.last, c.purpose
            ),
        );
    }
    line("kind", kind(net.addr).to_string());
    line(
        "reverse",
        format!("{} (zone {})", reverse_pointer(net.addr), net.reverse_zone()),
    );
    out.push('\n');
    let pad = |label: &str| format!("{label:<11} ");
    let _ = writeln!(out, "{}{}", pad("address"), bit_string(net.addr, net.prefix, style));
    let _ = writeln!(
        out,
        "{}{}",
        pad("netmask"),
        bit_string(net.netmask(), net.prefix, style)
    );
    let host_bits = net.width() - u32::from(net.prefix);
    let _ = writeln!(out, "{}{} network bits | {host_bits} host bits", pad(""), net.prefix);
    out
}

/// A count as JSON: a number when it fits in a u64, else a string of digits.
pub fn count_json(count: Count) -> Value {
    match count.as_u64() {
        Some(n) => json!(n),
        None => json!(count.to_string()),
    }
}

/// One network as a JSON object.
pub fn to_json(net: &Net) -> Value {
    json!({
        "address": show(net.addr),
        "prefix": net.prefix,
        "netmask": show(net.netmask()),
        "hostmask": show(net.hostmask()),
        "network": show(net.network()),
        "broadcast": net.broadcast().map(show),
        "first_host": show(net.first_host()),
        "last_host": show(net.last_host()),
        "hosts": count_json(net.hosts()),
        "addresses": count_json(net.addresses()),
        "class": class_letter(net.addr).map(|c| c.to_string()),
        "kind": kind(net.addr),
        "expanded": expanded(net.addr),
        "reverse_pointer": reverse_pointer(net.addr),
        "reverse_zone": net.reverse_zone(),
    })
}

/// Networks one a line, `10.0.0.0/8`, or with `json` one object a line: what `agg` and `range` print.
pub fn net_lines(nets: &[Net], json: bool) -> impl Iterator<Item = String> + '_ {
    nets.iter()
        .map(move |n| if json { to_json(n).to_string() } else { n.to_string() })
}

/// `--split PREFIX`: a heading (not in JSON), the `shown` subnets of `net` (from [`crate::ops::split`], which
/// also gives the `exponent`: there are `2^exponent` in all), then how many were left out. Lines are made as
/// they are printed: a split can show 65,536 subnets.
pub fn split_lines<'a>(
    net: &Net,
    prefix: u8,
    shown: &'a [Net],
    exponent: u32,
    json: bool,
) -> impl Iterator<Item = String> + 'a {
    let total = Count::power_of_two(exponent);
    let heading = (!json).then(|| format!("{net} in /{prefix} subnets: 2^{exponent} = {total}"));
    let left = total.minus(shown.len() as u128);
    let left_out = (left != Count::Exact(0)).then(|| {
        if json {
            json!({ "left_out": count_json(left) }).to_string()
        } else {
            format!("... and {left} more")
        }
    });
    heading.into_iter().chain(net_lines(shown, json)).chain(left_out)
}

/// `vlsm`: a table of the subnets carved out of `net`, largest first, with the hosts each was wanted for, then
/// the blocks left free. In JSON, each subnet's object gains `wanted_hosts`, and a last object lists `free`.
pub fn vlsm_lines(net: &Net, vlsm: &Vlsm, json: bool) -> Vec<String> {
    if json {
        return vlsm_json(vlsm);
    }
    let Vlsm { subnets, free } = vlsm;
    let plural = if subnets.len() == 1 { "" } else { "s" };
    let mut lines = vec![
        format!(
            "{} in {} subnet{plural}, largest first",
            net.normalized(),
            subnets.len()
        ),
        format!("{:>8}  {:<22} {:>8}  hosts", "wanted", "subnet", "usable"),
    ];
    for (wanted, sub) in subnets {
        lines.push(format!(
            "{wanted:>8}  {:<22} {:>8}  {} to {}",
            sub.to_string(),
            sub.hosts().to_string(),
            show(sub.first_host()),
            show(sub.last_host())
        ));
    }
    let free: Vec<String> = free.iter().map(ToString::to_string).collect();
    let free = if free.is_empty() {
        "nothing".to_string()
    } else {
        free.join(", ")
    };
    lines.push(format!("free: {free}"));
    lines
}

fn vlsm_json(vlsm: &Vlsm) -> Vec<String> {
    let mut lines: Vec<String> = vlsm
        .subnets
        .iter()
        .map(|(wanted, sub)| {
            let mut obj = to_json(sub);
            obj["wanted_hosts"] = count_json(Count::Exact(*wanted));
            obj.to_string()
        })
        .collect();
    let free: Vec<String> = vlsm.free.iter().map(ToString::to_string).collect();
    lines.push(json!({ "free": free }).to_string());
    lines
}

/// `same-subnet`: the verdict for two hosts (as typed, and as read) under a `/prefix` mask, and the seed's
/// paragraph on masks too large or too small, applied to them.
pub fn same_subnet_lines(
    typed: [&str; 2],
    hosts: [IpAddr; 2],
    prefix: u8,
    verdict: &Verdict,
    json: bool,
) -> Vec<String> {
    if json {
        let out = json!({
            "host1": to_json(&Net::new(hosts[0], prefix)),
            "host2": to_json(&Net::new(hosts[1], prefix)),
            "on_link": verdict.on_link,
            "common_prefix": verdict.common_prefix,
            "explanation": verdict.explanation,
        });
        return vec![out.to_string()];
    }
    let said = if verdict.on_link {
        "same subnet (on-link)"
    } else {
        "different subnets (via the gateway)"
    };
    vec![
        format!("{} and {} with /{prefix}: {said}", typed[0], typed[1]),
        verdict.explanation.clone(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> Style {
        Style { colour: false }
    }

    #[test]
    fn bits_with_the_split_marked() {
        let ip = "192.168.1.1".parse().unwrap();
        assert_eq!(bit_string(ip, 24, plain()), "11000000.10101000.00000001.|00000001");
        assert_eq!(bit_string(ip, 20, plain()), "11000000.10101000.0000|0001.00000001");
        assert_eq!(bit_string(ip, 0, plain()), "|11000000.10101000.00000001.00000001");
        assert_eq!(bit_string(ip, 32, plain()), "11000000.10101000.00000001.00000001|");
        let coloured = bit_string(ip, 24, Style { colour: true });
        assert!(coloured.starts_with("\x1b[32m11000000") && coloured.contains("|\x1b[33m00000001"));
    }

    #[test]
    fn json_fields() {
        let net = Net::new("192.168.1.1".parse().unwrap(), 31);
        let v = to_json(&net);
        assert_eq!(v["network"], "192.168.1.0");
        assert_eq!(v["broadcast"], Value::Null);
        assert_eq!(v["hosts"], 2);
        assert_eq!(v["class"], "C");
        let all6 = to_json(&Net::new("::".parse().unwrap(), 0));
        assert_eq!(all6["addresses"], "340282366920938463463374607431768211456");
        assert_eq!(all6["hosts"], "340282366920938463463374607431768211455");
        assert_eq!(all6["class"], Value::Null);
        let v6 = to_json(&Net::new("2001:db8::1".parse().unwrap(), 64));
        assert_eq!(v6["addresses"], "18446744073709551616");
        assert_eq!(v6["hosts"], 18446744073709551615u64);
    }
}
