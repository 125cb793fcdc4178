//! Lab 2 — reference solution. The conversions are written with shifts and masks on purpose: `to_be_bytes` and
//! `from_be_bytes` do the same, and the tests use them as the expected answers.

/// TFTP's opcode for a read request (RFC 1350).
const OPCODE_RRQ: u16 = 1;

/// 0x1122 -> [0x11, 0x22]: the high byte first, as the network wants ("htons").
pub fn hton16(value: u16) -> [u8; 2] {
    [(value >> 8) as u8, (value & 0xff) as u8]
}

/// [0x11, 0x22, 0x33, 0x44] -> 0x11223344: four network-order bytes back into a number ("ntohl").
pub fn ntoh32(bytes: [u8; 4]) -> u32 {
    // Widen each byte to u32 before shifting it: a u8 shifted left by 8 or more loses its bits.
    (u32::from(bytes[0]) << 24) | (u32::from(bytes[1]) << 16) | (u32::from(bytes[2]) << 8) | u32::from(bytes[3])
}

/// The seed's read request, `pack("!H%dsb5sb", 1, file, 0, b"octet", 0)`, for any file name and mode:
/// opcode 1 (two bytes, big endian), the name's UTF-8 bytes, a zero byte, the mode, a zero byte.
pub fn build_rrq(filename: &str, mode: &str) -> Vec<u8> {
    let mut packet = hton16(OPCODE_RRQ).to_vec();
    // The bytes, not the characters: "测试.txt" is 6 characters but 10 bytes. (The seed's `len(file)` counts
    // characters, so its format string is too short for such a name.)
    packet.extend_from_slice(filename.as_bytes());
    packet.push(0); // text fields end with a zero byte
    packet.extend_from_slice(mode.as_bytes());
    packet.push(0);
    packet
}
