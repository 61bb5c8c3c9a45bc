// SPDX-License-Identifier: GPL-2.0

//! The guest's storage keys, and how they share the host frame's key with dirty logging.
//!
//! A storage key (Principles of Operation, chapter 3, "Storage Key") is ACC (bits 0-3), F
//! (fetch protection, bit 4), R (reference, bit 5), C (change, bit 6). The guest's view of
//! a page's key is kept in two places, as mainline does (`gmap/dat.c`:
//! `dat_set_storage_key`, `dat_get_storage_key`, `__dat_ptep_xchg`):
//!
//! - the real key of the host frame while the page is mapped holds the guest's ACC and F,
//!   so that SIE's key-controlled protection applies them to the guest's own accesses, and
//!   the R and C bits the hardware sets from then on;
//! - the page's PGSTE (page-status-table extension, next to the page-table entry) holds
//!   ACC and F while the page is not mapped, and the guest's R and C bits (GR, GC) that are
//!   not in the real key: those the guest set with SSKE, those saved when the frame was
//!   unmapped, and a C that dirty logging reset in the real key.
//!
//! Dirty logging owns the real C bit: it reads it and resets it (`gmap.rs`,
//! `harvest_dirty`). When it resets a set C, the guest's C moves to GC first. When the
//! guest's SSKE resets a set real C, the host's dirty information moves to HC (host
//! change), which the next harvest reports. So neither side loses the other's bit.
//!
//! PGSTE bits (mainline's layout, `gmap/dat.h` `union pgste`) number from the left.

/// Storage-key bits (of the key byte as ISKE/SSKE show it).
pub mod key {
    /// Access-control bits.
    pub const ACC: u8 = 0xf0;
    /// Fetch protection.
    pub const F: u8 = 0x08;
    /// Reference.
    pub const R: u8 = 0x04;
    /// Change.
    pub const C: u8 = 0x02;
}

/// PGSTE bits 0-3: access-control bits of the key while the page is not mapped.
pub const PGSTE_ACC: u64 = 0xf000_0000_0000_0000;
/// PGSTE bit 4: fetch-protection bit of the key while the page is not mapped.
pub const PGSTE_FP: u64 = 0x0800_0000_0000_0000;
/// PGSTE bit 10: host change (a change of the page dirty logging has not seen yet).
pub const PGSTE_HC: u64 = 0x0020_0000_0000_0000;
/// PGSTE bit 13: guest reference.
pub const PGSTE_GR: u64 = 0x0004_0000_0000_0000;
/// PGSTE bit 14: guest change.
pub const PGSTE_GC: u64 = 0x0002_0000_0000_0000;

const KEY_SHIFT: u32 = 56; // ACC and F of the key byte land in PGSTE bits 0-4

fn pgste_acc_fp(pgste: u64) -> u8 {
    ((pgste & (PGSTE_ACC | PGSTE_FP)) >> KEY_SHIFT) as u8
}

fn with_acc_fp(pgste: u64, k: u8) -> u64 {
    (pgste & !(PGSTE_ACC | PGSTE_FP)) | (u64::from(k & (key::ACC | key::F)) << KEY_SHIFT)
}

/// The guest's view of a page's storage key: the real key of the mapped frame (`real`),
/// or ACC and F from the PGSTE; R and C also from the PGSTE's guest bits.
pub fn guest_key(real: Option<u8>, pgste: u64) -> u8 {
    let base = match real {
        Some(k) => k & (key::ACC | key::F | key::R | key::C),
        None => pgste_acc_fp(pgste),
    };
    let r = if pgste & PGSTE_GR != 0 { key::R } else { 0 };
    let c = if pgste & PGSTE_GC != 0 { key::C } else { 0 };
    base | r | c
}

/// A new state of a page's key: the real key to set (when mapped) and the PGSTE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyState {
    /// The real key of the host frame (`None`: not mapped).
    pub real: Option<u8>,
    /// The PGSTE.
    pub pgste: u64,
}

/// The guest sets the key to `new` (SSKE, PFMF, `KVM_S390_SET_SKEYS`): ACC and F go to the
/// real key (R and C reset there) and to the PGSTE, R and C to GR and GC; a change the
/// host had not harvested moves to HC.
pub fn set(real: Option<u8>, pgste: u64, new: u8) -> KeyState {
    let mut p = with_acc_fp(pgste, new) & !(PGSTE_GR | PGSTE_GC);
    if new & key::R != 0 {
        p |= PGSTE_GR;
    }
    if new & key::C != 0 {
        p |= PGSTE_GC;
    }
    if matches!(real, Some(k) if k & key::C != 0) {
        p |= PGSTE_HC;
    }
    KeyState {
        real: real.map(|_| new & (key::ACC | key::F)),
        pgste: p,
    }
}

/// Whether a conditional SSKE (with the MR and MC controls) sets the key: not when ACC and
/// F are equal and R and C are equal or their comparison is masked (Principles of
/// Operation, "SET STORAGE KEY EXTENDED", conditional-SSKE facility).
pub fn conditional_set_needed(old: u8, new: u8, mr: bool, mc: bool) -> bool {
    let acc_f = key::ACC | key::F;
    !((old & acc_f) == (new & acc_f)
        && (mr || (old & key::R) == (new & key::R))
        && (mc || (old & key::C) == (new & key::C)))
}

/// The guest resets the reference bit (RRBE): the condition code from the R and C bits
/// before, and the new state (R reset in the real key and in GR).
pub fn reset_reference(real: Option<u8>, pgste: u64) -> (u8, KeyState) {
    let before = guest_key(real, pgste);
    let cc = (before >> 1) & 3;
    (
        cc,
        KeyState {
            real: real.map(|k| k & !key::R),
            pgste: pgste & !PGSTE_GR,
        },
    )
}

/// The frame is unmapped: its key's ACC and F and the guest's R and C go to the PGSTE.
/// Returns the PGSTE and whether the page changed since dirty logging last looked (real C
/// or HC), which clears HC.
pub fn save_on_unmap(real: u8, pgste: u64) -> (u64, bool) {
    let mut p = with_acc_fp(pgste, real);
    if real & key::R != 0 {
        p |= PGSTE_GR;
    }
    if real & key::C != 0 {
        p |= PGSTE_GC;
    }
    let changed = real & key::C != 0 || pgste & PGSTE_HC != 0;
    (p & !PGSTE_HC, changed)
}

/// The real key a frame gets when it is mapped for the page: ACC and F from the PGSTE, R
/// and C clear (the guest's R and C stay in GR and GC).
pub fn key_on_map(pgste: u64) -> u8 {
    pgste_acc_fp(pgste)
}

/// Dirty logging harvests the page: whether it changed (real C or HC), and the new state
/// with the real C reset, the guest's C kept in GC and HC cleared. `None` when nothing
/// changed (nothing to write).
pub fn harvest(real: u8, pgste: u64) -> Option<KeyState> {
    if real & key::C == 0 && pgste & PGSTE_HC == 0 {
        return None;
    }
    let mut p = pgste & !PGSTE_HC;
    if real & key::C != 0 {
        p |= PGSTE_GC;
    }
    Some(KeyState {
        real: Some(real & !key::C),
        pgste: p,
    })
}

/// The operations of `KVM_S390_KEYOP` (user space on one guest page, api.rst 4.144).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserKeyOp {
    /// `KVM_S390_KEYOP_ISKE`: read the key.
    Iske,
    /// `KVM_S390_KEYOP_RRBE`: reset the reference bit.
    Rrbe,
    /// `KVM_S390_KEYOP_SSKE`: set the key.
    Sske,
}

impl UserKeyOp {
    /// The operation of the ioctl's `operation` byte; `None` (EINVAL) for another value.
    pub fn from_uapi(op: u8) -> Option<Self> {
        match op {
            1 => Some(UserKeyOp::Iske),
            2 => Some(UserKeyOp::Rrbe),
            3 => Some(UserKeyOp::Sske),
            _ => None,
        }
    }

    /// Whether the operation changes the key (and so needs the page's table).
    pub fn modifies(self) -> bool {
        self != UserKeyOp::Iske
    }
}

/// Applies a `KVM_S390_KEYOP` to a page's key (`real`, `pgste` as for [`guest_key`]): the new
/// state, and the byte the ioctl returns in `key` (mainline's `kvm_s390_keyop`):
/// - ISKE: the key, unchanged;
/// - RRBE: R reset; the R and C bits of the key before, the rest 0;
/// - SSKE: the key before; the new key `new` (bit 7 ignored) is set unless it equals the
///   old one in every bit, as a conditional SSKE with neither MR nor MC does.
pub fn user_keyop(op: UserKeyOp, real: Option<u8>, pgste: u64, new: u8) -> (KeyState, u8) {
    let before = guest_key(real, pgste);
    let same = KeyState { real, pgste };
    match op {
        UserKeyOp::Iske => (same, before),
        UserKeyOp::Rrbe => (reset_reference(real, pgste).1, before & (key::R | key::C)),
        UserKeyOp::Sske => {
            if conditional_set_needed(before, new, false, false) {
                (set(real, pgste, new), before)
            } else {
                (same, before)
            }
        }
    }
}
