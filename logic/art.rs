// SPDX-License-Identifier: GPL-2.0

//! Access-register translation (ART): the address-space-control element (ASCE) an ALET
//! (access-list-entry token) in an access register designates, through the guest's access
//! list and ASN-second-table entry (ASTE) in guest real storage.
//!
//! Principles of Operation, chapter 5, "Access-Register Translation"; mainline's
//! `ar_translation` in `arch/s390/kvm/s390/gaccess.c` makes the same checks in the same
//! order, which decides which exception a guest sees when several structures are broken.
//! ALETs 0 and 1 (the primary and the secondary space) need no tables and are the
//! caller's (`access.rs`). No ART-lookaside buffer: every access walks the tables, as
//! mainline does.
//!
//! All structures are read at real addresses (prefixing applies) through the
//! [`GuestMemory`] doubleword reader the DAT walk uses; a structure outside guest memory is
//! an addressing exception. Bit numbers follow the Principles of Operation (bit 0 is the
//! most significant).

use crate::logic::access::Mode;
use crate::logic::guest_dat::{GuestMemory, MemoryError};
use crate::logic::prefix::{real_to_absolute, GuestReal};
use crate::logic::sie_exit::pgm;

/// ALET bits 0-6: must be zero.
const ALET_RESERVED: u32 = 0xfe00_0000;
/// ALET bit 7: primary-list bit (the primary space's access list, else the dispatchable
/// unit's).
const ALET_PRIMARY_LIST: u32 = 0x0100_0000;

/// CR2 bits 33-57 (dispatchable-unit-control-table origin) and CR5 bits 33-57
/// (primary-ASTE origin): both 64-byte aligned 31-bit real addresses.
const ORIGIN_31: u64 = 0x7fff_ffc0;
/// Offset of the access-list designation in the DUCT (the DUALD) and in the ASTE (the ALD).
const ALD_OFFSET: u64 = 16;

/// ALE word 0 bit 0: ALEN invalid.
const ALE_INVALID: u32 = 0x8000_0000;
/// ALE word 0 bit 6: fetch-only (access-list-controlled protection).
const ALE_FETCH_ONLY: u32 = 0x0200_0000;
/// ALE word 0 bit 7: private (the authorization check applies).
const ALE_PRIVATE: u32 = 0x0100_0000;

/// ASTE word 0 bit 0: ASX invalid.
const ASTE_INVALID: u32 = 0x8000_0000;

/// What access-register translation found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtError {
    /// A program exception with this code (ALET specification, ALEN translation, ALE
    /// sequence, ASTE validity, ASTE sequence, extended authority, addressing).
    Program(u16),
    /// A store to a space whose access-list entry is fetch-only: a protection exception
    /// of the access-list-controlled kind.
    FetchOnly,
    /// The host could not read guest memory that exists.
    Host,
}

impl From<MemoryError> for ArtError {
    fn from(e: MemoryError) -> Self {
        match e {
            MemoryError::Addressing => ArtError::Program(pgm::ADDRESSING),
            MemoryError::Host => ArtError::Host,
        }
    }
}

/// The guest real storage the tables live in: prefixing, then doubleword reads.
struct Real<'a, M: GuestMemory> {
    mem: &'a M,
    prefix: u32,
}

impl<M: GuestMemory> Real<'_, M> {
    /// The doubleword at the 8-byte aligned real address `addr`.
    fn u64(&self, addr: u64) -> Result<u64, ArtError> {
        let abs = real_to_absolute(self.prefix, GuestReal(addr)).0;
        Ok(self.mem.read_u64(abs)?)
    }

    /// The word at the 4-byte aligned real address `addr`.
    fn u32(&self, addr: u64) -> Result<u32, ArtError> {
        let dw = self.u64(addr & !7)?;
        Ok((dw >> (32 - (addr & 4) * 8)) as u32)
    }

    /// The byte at real address `addr`.
    fn u8(&self, addr: u64) -> Result<u8, ArtError> {
        let dw = self.u64(addr & !7)?;
        Ok((dw >> (56 - (addr & 7) * 8)) as u8)
    }
}

/// Translates `alet` (an ALET other than 0 and 1, from an access register other than 0)
/// for an access of kind `mode`: the ASCE of the space it designates, or the exception.
///
/// `crs` are the CPU's control registers: CR2 (DUCT origin), CR5 (primary-ASTE origin) and
/// CR8 (extended authorization index, bits 32-47) take part; `prefix` is the CPU's prefix.
pub fn translate(
    mem: &impl GuestMemory,
    crs: &[u64; 16],
    prefix: u32,
    alet: u32,
    mode: Mode,
) -> Result<u64, ArtError> {
    let real = Real { mem, prefix };
    if alet & ALET_RESERVED != 0 {
        return Err(ArtError::Program(pgm::ALET_SPECIFICATION));
    }
    let alesn = (alet >> 16) & 0xff;
    let alen = u64::from(alet & 0xffff);

    // The access-list designation: of the primary ASTE (CR5) or of the DUCT (CR2).
    let designation = if alet & ALET_PRIMARY_LIST != 0 {
        crs[5]
    } else {
        crs[2]
    } & ORIGIN_31;
    let ald = real.u32(designation + ALD_OFFSET)?;
    // ALD bits 1-24: access-list origin (128-byte units); bits 25-31: access-list length
    // (in units of 8 entries, minus one).
    let alo = u64::from((ald >> 7) & 0xff_ffff) * 128;
    let all = u64::from(ald & 0x7f);
    if alen / 8 > all {
        return Err(ArtError::Program(pgm::ALEN_TRANSLATION));
    }
    // The entry must lie in 31-bit real storage (mainline checks this before it reads).
    if 0x7fff_ffff - alo < alen * 16 {
        return Err(ArtError::Program(pgm::ADDRESSING));
    }

    // The access-list entry (16 bytes).
    let ale_addr = alo + alen * 16;
    let ale0 = real.u64(ale_addr)?;
    let ale1 = real.u64(ale_addr + 8)?;
    let ale_w0 = (ale0 >> 32) as u32;
    if ale_w0 & ALE_INVALID != 0 {
        return Err(ArtError::Program(pgm::ALEN_TRANSLATION));
    }
    if (ale_w0 >> 16) & 0xff != alesn {
        return Err(ArtError::Program(pgm::ALE_SEQUENCE));
    }
    let aleax = ale_w0 & 0xffff;
    // Word 2 bits 1-25: ASTE origin (64-byte units); word 3: ASTE sequence number.
    let aste_addr = (ale1 >> 32) & ORIGIN_31;
    let ale_astesn = ale1 as u32;

    // The ASN-second-table entry (the first 24 bytes).
    let aste0 = real.u64(aste_addr)?;
    let asce = real.u64(aste_addr + 8)?;
    let aste2 = real.u64(aste_addr + 16)?;
    let aste_w0 = (aste0 >> 32) as u32;
    if aste_w0 & ASTE_INVALID != 0 {
        return Err(ArtError::Program(pgm::ASTE_VALIDITY));
    }
    if aste2 as u32 != ale_astesn {
        return Err(ArtError::Program(pgm::ASTE_SEQUENCE));
    }

    // Authorization: a private entry admits only the matching EAX or one the space's
    // authority table grants secondary authority.
    if ale_w0 & ALE_PRIVATE != 0 {
        let eax = ((crs[8] >> 16) & 0xffff) as u32;
        if aleax != eax {
            // ASTE word 0 bits 1-29: authority-table origin (4-byte units); word 1 bits
            // 16-27: authority-table length (in units of 16 entries, minus one).
            let ato = u64::from(aste_w0 & 0x7fff_fffc);
            let atl = (aste0 >> 4) & 0xfff;
            if u64::from(eax / 16) > atl {
                return Err(ArtError::Program(pgm::EXTENDED_AUTHORITY));
            }
            // Two bits per entry (primary, secondary authority): the secondary one counts.
            let entry = real.u8(ato + u64::from(eax / 4))?;
            if entry & (0x40 >> ((eax & 3) * 2)) == 0 {
                return Err(ArtError::Program(pgm::EXTENDED_AUTHORITY));
            }
        }
    }

    if ale_w0 & ALE_FETCH_ONLY != 0 && mode == Mode::Store {
        return Err(ArtError::FetchOnly);
    }
    Ok(asce)
}
