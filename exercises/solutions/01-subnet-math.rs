//! Lab 1 — reference solution. Addresses and masks are `u32`: 192.168.1.1 is 0xC0A8_0101.

/// Bits in an IPv4 address.
const ADDRESS_BITS: u32 = 32;

/// The netmask of a `/prefix` network: `prefix` one bits, then zeros.
pub fn mask_from_prefix(prefix: u8) -> u32 {
    // All ones shifted left by the number of host bits. /0 has 32 host bits, and Rust (like the CPU) does not allow
    // a shift by the full width, so /0 is its own case.
    match u32::from(prefix) {
        0 => 0,
        p => u32::MAX << (ADDRESS_BITS - p),
    }
}

/// The prefix length of a netmask, or `None` if its one bits are not contiguous (255.0.255.0 is not a mask).
pub fn prefix_from_mask(mask: u32) -> Option<u8> {
    // A netmask is entirely determined by its number of leading ones: rebuild it from that count and compare.
    let ones = mask.leading_ones() as u8;
    (mask_from_prefix(ones) == mask).then_some(ones)
}

/// The network address: the host bits cleared.
pub fn network(ip: u32, mask: u32) -> u32 {
    ip & mask
}

/// The broadcast address: the host bits all set. (`!mask` is the wildcard mask: ones where the host bits are.)
pub fn broadcast(ip: u32, mask: u32) -> u32 {
    ip | !mask
}

/// Usable hosts in a `/prefix` network: all addresses minus the network and broadcast addresses — except /31
/// (two hosts, RFC 3021) and /32 (one host).
pub fn host_count(prefix: u8) -> u64 {
    match prefix {
        32 => 1,
        31 => 2,
        // In u64: a /0 has 2^32 addresses, one more than a u32 holds.
        p => (1u64 << (ADDRESS_BITS - u32::from(p))) - 2,
    }
}
