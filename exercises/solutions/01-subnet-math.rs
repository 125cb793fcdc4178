//! Lab 1 — reference solution.

pub fn mask_from_prefix(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    }
}

pub fn prefix_from_mask(mask: u32) -> Option<u8> {
    let ones = mask.leading_ones();
    (mask_from_prefix(ones as u8) == mask).then_some(ones as u8)
}

pub fn network(ip: u32, mask: u32) -> u32 {
    ip & mask
}

pub fn broadcast(ip: u32, mask: u32) -> u32 {
    ip | !mask
}

pub fn host_count(prefix: u8) -> u64 {
    match prefix {
        32 => 1,
        31 => 2,
        p => (1u64 << (32 - p)) - 2,
    }
}
