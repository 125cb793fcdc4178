//! Lab 1 — subnet math (seed §1.2). Addresses and masks are `u32` here: 192.168.1.1 is 0xC0A8_0101.
//! Replace every `todo!()`; `just lab 1` runs the tests.

/// The netmask of a `/prefix` network: `prefix` one bits, then zeros. `mask_from_prefix(24)` is 0xFFFF_FF00.
pub fn mask_from_prefix(prefix: u8) -> u32 {
    // TODO: shift a run of ones into place. Careful: `x << 32` is not allowed in Rust, so /0 needs its own case.
    let _ = prefix;
    todo!()
}

/// The prefix length of a netmask, or `None` if its one bits are not contiguous: 255.0.255.0, 255.192.192.0 and
/// 0.0.0.1 are not masks.
pub fn prefix_from_mask(mask: u32) -> Option<u8> {
    // TODO: count the leading ones, then check that nothing but zeros follows them.
    let _ = mask;
    todo!()
}

/// The network address: the host bits cleared.
pub fn network(ip: u32, mask: u32) -> u32 {
    // TODO
    let _ = (ip, mask);
    todo!()
}

/// The broadcast address: the host bits all set.
pub fn broadcast(ip: u32, mask: u32) -> u32 {
    // TODO
    let _ = (ip, mask);
    todo!()
}

/// Usable hosts in a `/prefix` network: all addresses minus the network and broadcast addresses — except /31
/// (two hosts, RFC 3021) and /32 (one host).
pub fn host_count(prefix: u8) -> u64 {
    // TODO
    let _ = prefix;
    todo!()
}
