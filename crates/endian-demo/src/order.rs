//! Byte order (seed §3.3.2 part 1): the same number, two ways to lay out its bytes.
//!
//! ```text
//! 0x11223344          address:  +0  +1  +2  +3
//! little endian (x86, ARM)      44  33  22  11    the low byte at the low address
//! big endian (network order)    11  22  33  44    the high byte first, as written
//! ```
//!
//! [`tour`] is what `endian-demo` prints with no command; [`show`] is `endian-demo show VALUE --type TYPE`.

use std::fmt::Write;

use crate::structfmt::python::{float_from_text, int_from_text};

/// This machine's byte order, in words.
pub fn host_order() -> &'static str {
    if cfg!(target_endian = "little") {
        "little endian"
    } else {
        "big endian"
    }
}

/// The low `size` bytes of `value`, little-endian order (lowest address first).
pub fn little(value: u64, size: usize) -> Vec<u8> {
    value.to_le_bytes()[..size].to_vec()
}

/// The low `size` bytes of `value`, big-endian order (network order).
pub fn big(value: u64, size: usize) -> Vec<u8> {
    let mut v = little(value, size);
    v.reverse();
    v
}

/// Bytes as `11 22 33 44`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

/// A table of where each byte of `value` (of `size` bytes) sits in memory, in both orders.
pub fn table(value: u64, size: usize) -> String {
    let offsets: Vec<String> = (0..size).map(|i| format!("+{i:<2}")).collect();
    let cells = |bytes: Vec<u8>| bytes.iter().map(|b| format!("{b:02x} ")).collect::<Vec<_>>().join("");
    format!(
        "  {:<24} {}\n  {:<24} {}\n  {:<24} {}\n",
        format!("0x{value:0width$x} at address", width = size * 2),
        offsets.join(""),
        "little endian",
        cells(little(value, size)),
        "big endian (network)",
        cells(big(value, size)),
    )
}

/// The number types `show` lays out, named as Rust names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Type {
    U16,
    U32,
    U64,
    I16,
    I32,
    I64,
    F32,
    F64,
}

impl Type {
    /// `u16`, `f64`: the name as typed.
    fn name(self) -> String {
        format!("{self:?}").to_lowercase()
    }
}

/// The bytes of `value` read as a `ty`, in both orders, and what goes on the wire; or why `value` is not one.
pub fn show(value: &str, ty: Type) -> Result<String, String> {
    let (bits, size): (u64, usize) = match ty {
        Type::F32 => (u64::from((float_from_text(value)? as f32).to_bits()), 4),
        Type::F64 => (float_from_text(value)?.to_bits(), 8),
        _ => {
            let n = int_from_text(value)?;
            let (size, min, max) = match ty {
                Type::U16 => (2, 0, i128::from(u16::MAX)),
                Type::U32 => (4, 0, i128::from(u32::MAX)),
                Type::U64 => (8, 0, i128::from(u64::MAX)),
                Type::I16 => (2, i128::from(i16::MIN), i128::from(i16::MAX)),
                Type::I32 => (4, i128::from(i32::MIN), i128::from(i32::MAX)),
                _ => (8, i128::from(i64::MIN), i128::from(i64::MAX)),
            };
            if n < min || n > max {
                return Err(format!("{value} does not fit in {} ({min} to {max})", ty.name()).to_lowercase());
            }
            // Two's complement: a negative number's low `size` bytes.
            (n as u64 & (u64::MAX >> (64 - size * 8)), size)
        }
    };
    let mut out = format!("{value} as {} ({size} bytes)\n", ty.name());
    out.push_str(&table(bits, size));
    let _ = writeln!(out, "  on the wire: {}", hex(&big(bits, size)));
    Ok(out)
}

/// This machine's byte order, two values laid out both ways, and Rust's conversions: what `endian-demo` prints.
pub fn tour() -> String {
    let mut out = String::new();
    let _ = writeln!(out, "This machine is {}.", host_order());
    let _ = writeln!(out);
    let _ = writeln!(out, "How 0x1122 sits in memory (2 bytes):");
    out.push_str(&table(0x1122, 2));
    let _ = writeln!(out);
    let _ = writeln!(out, "How 0x11223344 sits in memory (4 bytes):");
    out.push_str(&table(0x1122_3344, 4));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Networks send the big-endian bytes (\"network byte order\", seed 3.3.2). In Rust:"
    );
    let _ = writeln!(
        out,
        "  0x1122u16.to_be_bytes()  = [{}]   what goes on the wire, on any machine",
        hex(&0x1122u16.to_be_bytes())
    );
    let _ = writeln!(out, "  0x1122u16.to_le_bytes()  = [{}]", hex(&0x1122u16.to_le_bytes()));
    let _ = writeln!(
        out,
        "  0x1122u16.to_be()        = 0x{:04x}   htons(): swapped here; unchanged on a big-endian machine",
        0x1122u16.to_be()
    );
    let _ = writeln!(
        out,
        "  u16::from_be_bytes([0x11, 0x22]) = 0x{:04x}   ntohs(): wire bytes back to a number",
        u16::from_be_bytes([0x11, 0x22])
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_orders() {
        assert_eq!(little(0x1122, 2), [0x22, 0x11]);
        assert_eq!(big(0x1122, 2), [0x11, 0x22]);
        assert_eq!(big(0x11223344, 4), [0x11, 0x22, 0x33, 0x44]);
        assert_eq!(hex(&little(0x11223344, 4)), "44 33 22 11");
    }

    #[test]
    fn the_table_lines_up() {
        let t = table(0x1122, 2);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "  0x1122 at address        +0 +1 ");
        assert_eq!(lines[1], "  little endian            22 11 ");
        assert_eq!(lines[2], "  big endian (network)     11 22 ");
    }

    #[test]
    fn a_value_shown_by_type_or_refused() {
        assert_eq!(
            show("-2", Type::I16).unwrap(),
            "-2 as i16 (2 bytes)\n  0xfffe at address        +0 +1 \n  little endian            fe ff \n  \
             big endian (network)     ff fe \n  on the wire: ff fe\n"
        );
        assert!(show("1.0", Type::F32).unwrap().ends_with("on the wire: 3f 80 00 00\n"));
        assert_eq!(
            show("70000", Type::U16),
            Err("70000 does not fit in u16 (0 to 65535)".to_string())
        );
        assert_eq!(show("x", Type::F64), Err("\"x\" is not a number".to_string()));
    }
}
