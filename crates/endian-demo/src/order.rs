//! Byte order (seed §3.3.2 part 1): the same number, two ways to lay out its bytes.
//!
//! ```text
//! 0x11223344          address:  +0  +1  +2  +3
//! little endian (x86, ARM)      44  33  22  11    the low byte at the low address
//! big endian (network order)    11  22  33  44    the high byte first, as written
//! ```

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
}
