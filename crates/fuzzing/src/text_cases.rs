//! What users type: `struct` formats and values, networks and masks, addresses, chat lines.

use endian_demo::structfmt::{self, Value};
use netlab::Encoding;

/// A format and values made from the bytes: calcsize, pack and unpack never panic, and what packs unpacks again
/// to as many bytes as calcsize says.
pub fn struct_format(data: &[u8]) {
    let fields = crate::fields(data, 2);
    let format: String = fields[0].chars().take(64).collect();
    let values: Vec<Value> = fields[1]
        .as_bytes()
        .chunks(3)
        .take(32)
        .map(|c| match c[0] % 4 {
            0 => Value::Int(i128::from(i16::from_le_bytes([
                c.get(1).copied().unwrap_or(0),
                c.get(2).copied().unwrap_or(0),
            ]))),
            1 => Value::Bool(c.len() > 1),
            2 => Value::Float(f64::from(c.get(1).copied().unwrap_or(0)) / 7.0),
            _ => Value::Bytes(c[1..].to_vec()),
        })
        .collect();
    let size = structfmt::calcsize(&format);
    let _ = structfmt::unpack(&format, fields[1].as_bytes());
    if let Ok(bytes) = structfmt::pack(&format, &values) {
        assert_eq!(size.as_ref().ok(), Some(&bytes.len()), "{format:?}");
        let unpacked = structfmt::unpack(&format, &bytes).expect("what pack made, unpack reads");
        let _ = structfmt::python_tuple(&unpacked);
    }
}

/// A network as typed (one or two words), then every operation on it with small, bounded arguments.
pub fn ipmask_input(data: &[u8]) {
    let fields = crate::fields(data, 3);
    let words: Vec<&str> = fields[0].split_whitespace().take(3).collect();
    let Ok(parsed) = ipmask::parse(&words) else { return };
    let net = parsed.net;
    let _ = (
        net.network(),
        net.last(),
        net.broadcast(),
        net.hosts(),
        net.reverse_zone(),
    );
    let _ = (net.first_host(), net.last_host(), ipmask::net::expanded(net.network()));
    let extra = fields[1].bytes().next().unwrap_or(0) % 9;
    let _ = ipmask::ops::split(&net, net.prefix.saturating_add(extra), 16);
    let wanted: Vec<u128> = fields[2].bytes().take(6).map(|b| u128::from(b) * 3).collect();
    let _ = ipmask::ops::vlsm(&net, &wanted);
    let _ = ipmask::ops::aggregate(&[net, net.normalized()]);
    let _ = ipmask::ops::range(net.network(), net.last());
    let _ = ipmask::ops::same_subnet(net.network(), net.last(), net.prefix);
}

/// Addresses as users type them, read without any look-up (a name is never sent to a resolver).
pub fn netlab_address(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = netlab::read_host(&text);
    let port = u16::from(data.first().copied().unwrap_or(0));
    if let Ok((host, _)) = netlab::read_endpoint(&text, port) {
        let _ = host;
    }
    let _ = netlab::addr::parse_ipv4(&text);
    if let Err(e) = netlab::read_endpoint(&text, port) {
        let _ = e.to_string();
    }
}

/// A received chat message in each encoding: decoding never panics, and the line shown never holds a control
/// character that could move the terminal's cursor or start a line that looks like another peer's message, nor an
/// invisible format character that could reorder it or hide in it.
pub fn chat_line(data: &[u8]) {
    for encoding in [Encoding::Utf8, Encoding::Gbk] {
        let shown = encoding.decode_line(data);
        assert!(
            !shown
                .chars()
                .any(|c| c.is_control() || netlab::text::is_format_or_separator(c)),
            "{encoding:?} shows a control or format character, or a line or paragraph separator: {shown:?}"
        );
        // Encoding is the chat's sending side: what a user types, not what the network sends. Its check runs on a
        // short prefix: encoding_rs's GBK encoder searches its tables for every CJK character, and over whole 4 KB
        // inputs that search (instrumented for coverage) took most of the run: 380 executions a second.
        let _ = encoding.encode(&encoding.decode(&data[..data.len().min(ENCODED_PREFIX)]));
    }
}

/// Bytes of a chat fuzz input whose decoded text is also encoded again.
const ENCODED_PREFIX: usize = 64;
