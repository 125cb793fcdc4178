//! Lab 2 — reference solution.

pub fn hton16(value: u16) -> [u8; 2] {
    [(value >> 8) as u8, (value & 0xff) as u8]
}

pub fn ntoh32(bytes: [u8; 4]) -> u32 {
    (u32::from(bytes[0]) << 24) | (u32::from(bytes[1]) << 16) | (u32::from(bytes[2]) << 8) | u32::from(bytes[3])
}

pub fn build_rrq(filename: &str, mode: &str) -> Vec<u8> {
    let mut out = hton16(1).to_vec();
    out.extend_from_slice(filename.as_bytes());
    out.push(0);
    out.extend_from_slice(mode.as_bytes());
    out.push(0);
    out
}
