//! The seed's TFTP read request (RFC 1350 §5: opcode 1, the file name, a zero byte, the mode, a zero byte), built
//! the seed's way with `struct.pack`, field by field — and what its `len(file)` does to a name that is not ASCII.
//!
//! ```text
//!  2 bytes    string    1 byte   string   1 byte
//! +--------+----------+--------+--------+--------+
//! | 00 01  | filename |   00   |  mode  |   00   |
//! +--------+----------+--------+--------+--------+
//! ```
//!
//! The seed writes `struct.pack("!H%dsb5sb" % len(file), 1, file, 0, b"octet", 0)`. In Python 3 `len` of a
//! `str` counts characters, but the `s` field holds bytes: `测试.txt` is 6 characters and 10 bytes in UTF-8, so
//! the format has room for 6 of them and the server is asked for another file.

use std::fmt::Write;

use crate::order::hex;
use crate::structfmt::{Value, pack};

/// The read request for `file` in `mode`, packed as the seed packs it, with the `s` fields sized in bytes.
pub fn read_request(file: &str, mode: &str) -> Vec<u8> {
    packed(file.len(), file, mode)
}

/// The read request the seed's `"!H%dsb5sb" % len(file)` builds: the name's field as long as its characters.
pub fn seed_read_request(file: &str) -> Vec<u8> {
    packed(file.chars().count(), file, "octet")
}

/// `!H{name_field}sb{mode}sb` with opcode 1; empty if it cannot be packed (a name past pack's 1 MiB).
fn packed(name_field: usize, file: &str, mode: &str) -> Vec<u8> {
    pack(
        &format!("!H{name_field}sb{}sb", mode.len()),
        &[
            Value::Int(1),
            Value::bytes(file.as_bytes()),
            Value::Int(0),
            Value::bytes(mode.as_bytes()),
            Value::Int(0),
        ],
    )
    .unwrap_or_default()
}

/// What `endian-demo rrq FILE MODE` prints: the request's fields with their offsets, a hexdump, the Python
/// literal, and, for a name that is not ASCII, what the seed's `len(file)` sends instead.
pub fn explain(file: &str, mode: &str) -> String {
    let name = file.as_bytes();
    let request = read_request(file, mode);
    let mut out = String::new();
    let _ = writeln!(out, "RRQ for {file:?} in {mode} mode: {} bytes", request.len());
    let _ = writeln!(out, "  offset  field     bytes");
    let _ = writeln!(
        out,
        "  0       opcode    00 01                (1 = read request, big endian)"
    );
    let _ = writeln!(out, "  2       filename  {}", hex(name));
    let _ = writeln!(out, "  {:<7} 0         00", 2 + name.len());
    let _ = writeln!(out, "  {:<7} mode      {}", 3 + name.len(), hex(mode.as_bytes()));
    let _ = writeln!(out, "  {:<7} 0         00", 3 + name.len() + mode.len());
    let _ = writeln!(out);
    out.push_str(&netlab::hexdump(&request));
    let _ = writeln!(out, "python: {}", netlab::bytes_literal(&request));
    let chars = file.chars().count();
    if chars != name.len() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "The seed builds the format with len(file) = {chars}: characters, not bytes. The name is {} bytes in \
             UTF-8,",
            name.len()
        );
        let _ = writeln!(
            out,
            "so \"!H{chars}sb5sb\" cuts it short, and the server is asked for a different file:"
        );
        let _ = writeln!(out, "python: {}", netlab::bytes_literal(&seed_read_request(file)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 1350's read request for `test.txt` in octet mode, the seed's example.
    const RRQ_BYTES: [u8; 17] = [
        0x00, 0x01, b't', b'e', b's', b't', b'.', b't', b'x', b't', 0x00, b'o', b'c', b't', b'e', b't', 0x00,
    ];

    #[test]
    fn the_seed_example_byte_for_byte() {
        assert_eq!(read_request("test.txt", "octet"), RRQ_BYTES);
        assert_eq!(seed_read_request("test.txt"), RRQ_BYTES, "ASCII: len counts bytes too");
    }

    #[test]
    fn len_of_a_chinese_name_cuts_it_short() {
        let name = "测试.txt"; // 6 characters, 10 bytes
        let whole = read_request(name, "octet");
        assert_eq!(whole.len(), 2 + 10 + 1 + 5 + 1);
        assert_eq!(&whole[2..12], name.as_bytes());
        let seed = seed_read_request(name);
        assert_eq!(
            &seed[2..8],
            &name.as_bytes()[..6],
            "only the first 6 bytes: 测 and 试, no .txt"
        );
        assert_eq!(seed[8], 0);
        let text = explain(name, "octet");
        assert!(text.contains("len(file) = 6: characters, not bytes. The name is 10 bytes in UTF-8,"));
        assert!(!explain("test.txt", "octet").contains("len(file)"));
    }
}
