//! Bytes made visible — seed §3.3.2 ("packets are bytes, not strings").
//!
//! Two views of the same bytes: [`hexdump`], the classic `offset | hex | ASCII` table that `hexdump -C` and
//! Wireshark print, and [`bytes_literal`], the `b'...'` form Python's `repr()` prints, so a student can compare our
//! output with their Python byte for byte.

use std::fmt::Write;

/// Sixteen bytes a row: offset, hex in two groups of eight, then the printable ASCII (`.` for anything else).
///
/// ```
/// let dump = netlab::hexdump(b"\x00\x01test.txt\x00octet\x00");
/// assert_eq!(dump, "\
/// 00000000  00 01 74 65 73 74 2e 74  78 74 00 6f 63 74 65 74  |..test.txt.octet|
/// 00000010  00                                                |.|
/// ");
/// ```
pub fn hexdump(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() / 16 * 78 + 78);
    for (row, chunk) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "{:08x} ", row * 16);
        for i in 0..16 {
            if i == 8 {
                out.push(' ');
            }
            match chunk.get(i) {
                Some(b) => {
                    let _ = write!(out, " {b:02x}");
                }
                None => out.push_str("   "),
            }
        }
        out.push_str("  |");
        out.extend(chunk.iter().map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        }));
        out.push_str("|\n");
    }
    out
}

/// The bytes as Python's `repr(bytes)` writes them: `b'\x00\x01test.txt\x00octet\x00'`.
///
/// Printable ASCII stays as it is, `\t \n \r` and the backslash are escaped, everything else is `\xNN`. Like
/// Python, it quotes with `'` unless the bytes contain `'` and no `"`.
pub fn bytes_literal(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(bytes.len() + 3);
    out.push('b');
    out.push(quote);
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if b as char == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_prints_nothing() {
        assert_eq!(hexdump(b""), "");
    }

    #[test]
    fn one_full_row_has_offset_two_groups_and_ascii() {
        let line = hexdump(b"0123456789abcdef");
        assert_eq!(
            line,
            "00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n"
        );
    }

    #[test]
    fn short_last_row_keeps_the_ascii_column_aligned() {
        let dump = hexdump(&[0x41; 20]);
        let lines: Vec<&str> = dump.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[1],
            "00000010  41 41 41 41                                       |AAAA|"
        );
        assert_eq!(lines[0].find('|'), lines[1].find('|'));
    }

    #[test]
    fn non_printable_bytes_show_as_dots() {
        assert!(hexdump(&[0x00, 0x7f, 0xff, b' ', b'~']).ends_with("|... ~|\n"));
    }

    #[test]
    fn offsets_count_in_hex() {
        let dump = hexdump(&[0u8; 40]);
        let offsets: Vec<&str> = dump.lines().map(|l| &l[..8]).collect();
        assert_eq!(offsets, ["00000000", "00000010", "00000020"]);
    }

    #[test]
    fn python_literal_of_the_seed_read_request() {
        assert_eq!(
            bytes_literal(b"\x00\x01test.txt\x00octet\x00"),
            r"b'\x00\x01test.txt\x00octet\x00'"
        );
    }

    #[test]
    fn python_literal_escapes_like_repr() {
        assert_eq!(bytes_literal(b"a\\b\t\n\r\x7f\x80"), r"b'a\\b\t\n\r\x7f\x80'");
        assert_eq!(bytes_literal(b"it's"), r#"b"it's""#);
        assert_eq!(bytes_literal(b"'\""), r#"b'\'"'"#);
        assert_eq!(bytes_literal(b""), "b''");
    }
}
