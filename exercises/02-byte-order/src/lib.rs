//! Lab 2 — byte order and packing (seed §3.3.2). Write the conversions with shifts and masks, by hand: the
//! point is to see where each byte goes. (`to_be_bytes` and friends would do it for you — afterwards, compare.)
//! Replace every `todo!()`; `just lab 2` runs the tests.

/// 0x1122 -> [0x11, 0x22]: the high byte first, as the network wants ("htons").
pub fn hton16(value: u16) -> [u8; 2] {
    // TODO: the high byte is value >> 8; the low byte is value & 0xff.
    let _ = value;
    todo!()
}

/// [0x11, 0x22, 0x33, 0x44] -> 0x11223344: four network-order bytes back into a number ("ntohl").
pub fn ntoh32(bytes: [u8; 4]) -> u32 {
    // TODO: shift each byte into its place and OR them together.
    let _ = bytes;
    todo!()
}

/// The seed's read request, `pack("!H%dsb5sb", 1, file, 0, b"octet", 0)`, for any file name and mode:
/// opcode 1 (two bytes, big endian), the name's UTF-8 bytes, a zero byte, the mode, a zero byte.
pub fn build_rrq(filename: &str, mode: &str) -> Vec<u8> {
    // TODO: careful with names like "测试.txt": the seed's len(file) counts characters, but the packet needs bytes.
    let _ = (filename, mode);
    todo!()
}
