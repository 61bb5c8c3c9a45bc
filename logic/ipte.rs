// SPDX-License-Identifier: GPL-2.0

//! The IPTE interlock word in the SCA (doubleword 0): how the host takes and releases it.
//!
//! A guest DAT table entry must not be invalidated (IPTE, IDTE, CRDTE, CSP, CSPG by another
//! guest CPU) while the host walks the guest's tables to emulate an access. The machine and
//! the host share one word for that: while the host holds the interlock, SIE intercepts
//! those instructions instead of executing them, and the host runs them again once it is
//! released (mainline: `ipte_lock` in `gaccess.c`, `handle_ipte_interlock` in `priv.c`).
//!
//! Two formats, as the machine reports (SCLP `siif`, the SIE interlock interpretation
//! facility):
//!
//! - **Basic**: bit 0 (`K`) alone. The machine sets it while a guest CPU performs one of
//!   the instructions; the host sets it while it walks, and counts its own holders itself.
//! - **SIIF**: `K` plus two counts, `KH` (bits 1-31, host holders) and `KG` (bits 32-63,
//!   guest CPUs inside the instructions). The host waits for `KG` to be zero, sets `K` and
//!   adds to `KH`; the last host holder clears `K`.
//!
//! The functions below compute the next word from the current one; the caller stores it
//! with a compare-and-swap and starts over when the word changed meanwhile.

/// The interlock bit (bit 0).
pub const K: u64 = 1 << 63;
const KH_SHIFT: u32 = 32;
const KH_MASK: u64 = 0x7fff_ffff << KH_SHIFT;
const KG_MASK: u64 = 0xffff_ffff;

/// The interlock format the machine uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `K` only (no SIIF).
    Basic,
    /// `K`, `KH` and `KG` (SIIF).
    Siif,
}

/// The host holders counted in a SIIF word.
pub fn host_holders(word: u64) -> u32 {
    ((word & KH_MASK) >> KH_SHIFT) as u32
}

/// The guest CPUs counted in a SIIF word.
pub fn guest_holders(word: u64) -> u32 {
    (word & KG_MASK) as u32
}

/// The word once the host holds the interlock, or `None` while a guest CPU holds it (read
/// the word again and retry: the machine holds it only for one instruction).
///
/// In the basic format the host counts its own holders, so this is called for the first
/// one only; in the SIIF format every holder adds itself to `KH`.
pub fn acquire(format: Format, word: u64) -> Option<u64> {
    match format {
        Format::Basic if word & K != 0 => None,
        Format::Basic => Some(word | K),
        Format::Siif if guest_holders(word) != 0 => None,
        Format::Siif => {
            // `KH` counts threads of one VM, far below 2^31: it cannot reach into `K`.
            let kh = (host_holders(word) + 1) & (KH_MASK >> KH_SHIFT) as u32;
            Some((word & !KH_MASK) | K | (u64::from(kh) << KH_SHIFT))
        }
    }
}

/// The word once one host holder released the interlock (in the basic format, the last
/// one), and whether it is now free for the guest.
pub fn release(format: Format, word: u64) -> (u64, bool) {
    match format {
        Format::Basic => (word & !K, true),
        Format::Siif => {
            // A release without a holder would be a bug of the caller; it leaves `KG` alone.
            let kh = host_holders(word).saturating_sub(1);
            let mut new = (word & !KH_MASK) | (u64::from(kh) << KH_SHIFT);
            if kh == 0 {
                new &= !K;
            }
            (new, kh == 0)
        }
    }
}
