// SPDX-License-Identifier: GPL-2.0

//! Guest storage addressing: the address types of the guest and prefixing.
//!
//! The Principles of Operation (chapter 3, "Storage Addressing") distinguish real addresses,
//! which a CPU uses after DAT, from absolute addresses, which name main storage. Each CPU maps
//! real 0-8191 to the 8 KiB block at its prefix and the prefix block back to real 0 (prefixing).
//! Keeping the two kinds of address apart as types makes it impossible to index guest memory
//! with a real address by mistake. Mainline keeps the same rules in `gaccess.h`.
//!
//! This part is pure; guest memory itself is accessed by the glue (`gaccess.rs`).

/// Size of the prefix area (the lowcore): 8 KiB.
pub const PREFIX_AREA_SIZE: u64 = 8192;

/// A guest real address (after DAT, before prefixing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GuestReal(pub u64);

/// A guest absolute address: an offset into the guest's main storage (memslots).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GuestAbsolute(pub u64);

/// Applies prefixing with the given prefix value (8 KiB aligned).
///
/// Prefixing is an involution: applying it twice with the same prefix gives the input back.
pub fn real_to_absolute(prefix: u32, real: GuestReal) -> GuestAbsolute {
    GuestAbsolute(swap_prefix(u64::from(prefix), real.0))
}

fn swap_prefix(prefix: u64, addr: u64) -> u64 {
    let prefix = prefix & !(PREFIX_AREA_SIZE - 1);
    if addr < PREFIX_AREA_SIZE {
        addr + prefix
    } else if addr >= prefix && addr - prefix < PREFIX_AREA_SIZE {
        addr - prefix
    } else {
        addr
    }
}
