// SPDX-License-Identifier: GPL-2.0

//! Program status word (PSW) arithmetic and the lowcore locations of program interruptions.
//!
//! Principles of Operation, chapter 4 ("Program Status Word") and chapter 6
//! ("Interruptions"): the instruction address wraps in the current addressing mode, and a
//! program interruption stores the old PSW and the interruption code in the prefix area and
//! loads the new PSW from it. Mask constants number bits from the most significant end.

use crate::kvm_host::Psw;

/// PSW bit 5: dynamic address translation.
pub const MASK_DAT: u64 = 0x0400_0000_0000_0000;
/// PSW bit 24: runtime-instrumentation control.
pub const MASK_RI: u64 = 0x0000_0080_0000_0000;
/// PSW bit 15: problem state (clear: supervisor state).
pub const MASK_PSTATE: u64 = 0x0001_0000_0000_0000;
/// PSW bit 31: extended addressing mode (64-bit with bit 32).
pub const MASK_EA: u64 = 0x0000_0001_0000_0000;
/// PSW bit 32: basic addressing mode (31-bit alone).
pub const MASK_BA: u64 = 0x0000_0000_8000_0000;

/// Lowcore: instruction-length code of the last program interruption (halfword).
pub const LC_PGM_ILC: u64 = 0x8c;
/// Lowcore: code of the last program interruption (halfword).
pub const LC_PGM_CODE: u64 = 0x8e;
/// Lowcore: program old PSW.
pub const LC_PGM_OLD_PSW: u64 = 0x150;
/// Lowcore: program new PSW.
pub const LC_PGM_NEW_PSW: u64 = 0x1d0;

/// The mask of instruction addresses in the PSW's addressing mode (24, 31 or 64 bits).
pub fn address_mask(mask: u64) -> u64 {
    match (mask & MASK_EA != 0, mask & MASK_BA != 0) {
        (true, true) => u64::MAX,
        (false, true) => 0x7fff_ffff,
        // 24-bit mode; "EA without BA" is invalid and never reaches here (SIE refuses it).
        _ => 0x00ff_ffff,
    }
}

/// The PSW after stepping over an instruction of `ilen` bytes, wrapping in its mode.
pub fn forward(psw: Psw, ilen: u8) -> Psw {
    Psw {
        mask: psw.mask,
        addr: psw.addr.wrapping_add(u64::from(ilen)) & address_mask(psw.mask),
    }
}

/// The PSW before an instruction of `ilen` bytes that it has stepped over, wrapping in its
/// mode (to point a nullified instruction's old PSW back at it).
pub fn backward(psw: Psw, ilen: u8) -> Psw {
    Psw {
        mask: psw.mask,
        addr: psw.addr.wrapping_sub(u64::from(ilen)) & address_mask(psw.mask),
    }
}

/// The interruption-code halfwords stored at [`LC_PGM_ILC`]: the instruction length in
/// bytes (the ILC occupies bits 13-14 of the halfword, so the value equals the length), then
/// the program-interruption code.
pub fn program_interruption_code(ilen: u8, code: u16) -> [u8; 4] {
    let ilc = u16::from(ilen & 0x6).to_be_bytes();
    let code = code.to_be_bytes();
    [ilc[0], ilc[1], code[0], code[1]]
}

/// A PSW as it is stored in storage (big-endian).
pub fn psw_bytes(psw: Psw) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&psw.mask.to_be_bytes());
    out[8..].copy_from_slice(&psw.addr.to_be_bytes());
    out
}

/// A PSW loaded from storage (big-endian).
pub fn psw_from_bytes(bytes: [u8; 16]) -> Psw {
    let mut mask = [0u8; 8];
    let mut addr = [0u8; 8];
    mask.copy_from_slice(&bytes[..8]);
    addr.copy_from_slice(&bytes[8..]);
    Psw {
        mask: u64::from_be_bytes(mask),
        addr: u64::from_be_bytes(addr),
    }
}

/// PSW mask bits that must be zero (mainline's `PSW_MASK_UNASSIGNED`): bits 0, 2-4, 12
/// (which only the short format has), 24-30 and 33-63.
const MASK_UNASSIGNED: u64 = 0xb808_00fe_7fff_ffff;

/// Whether a PSW is valid to load (Principles of Operation, "Exceptions Associated with
/// the PSW"; mainline: `is_valid_psw`): no unassigned bit set, a valid addressing mode,
/// an instruction address within it, and even.
pub fn is_valid(psw: Psw) -> bool {
    if psw.mask & MASK_UNASSIGNED != 0 {
        return false;
    }
    match (psw.mask & MASK_EA != 0, psw.mask & MASK_BA != 0) {
        (true, false) => return false,
        (false, true) if psw.addr & !0x7fff_ffff != 0 => return false,
        (false, false) if psw.addr & !0x00ff_ffff != 0 => return false,
        _ => {}
    }
    psw.addr & 1 == 0
}

/// The PSW a short (ESA/390-format, 8-byte) PSW stands for, as LOAD PSW loads it: `None`
/// when bit 12 is zero, which makes the short format invalid. The addressing-mode bit 32
/// moves into the mask; the mask's high half takes bits 0-31 without bit 12.
pub fn from_short(bytes: [u8; 8]) -> Option<Psw> {
    const SHORT_BIT12: u32 = 0x0008_0000;
    let mask = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let addr = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    if mask & SHORT_BIT12 == 0 {
        return None;
    }
    Some(Psw {
        mask: (u64::from(mask & !SHORT_BIT12) << 32) | u64::from(addr & 0x8000_0000),
        addr: u64::from(addr & 0x7fff_ffff),
    })
}
