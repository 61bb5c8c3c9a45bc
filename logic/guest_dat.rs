// SPDX-License-Identifier: GPL-2.0

//! The guest's own dynamic address translation: a guest virtual address to a guest
//! absolute address, through the guest's DAT tables in guest memory.
//!
//! Principles of Operation, chapter 3, "Translation Process"; mainline's
//! `guest_translate_gva` in `arch/s390/kvm/s390/gaccess.c` applies the same rules. Table
//! entries are fetched at absolute addresses; a page frame real address is prefixed to give
//! the absolute address; large frames (EDAT-1 segments, EDAT-2 regions) are absolute.
//! Memory is read through [`GuestMemory`], so the walk is tested here with a byte vector and
//! used by the module over the memslots. Bit numbers follow the Principles of Operation.

use crate::logic::prefix::{real_to_absolute, GuestReal};
use crate::logic::sie_exit::pgm;

/// Translation-specification exception.
pub const PGM_TRANSLATION_SPEC: u16 = 0x12;

/// Why guest memory could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryError {
    /// No memory at the address: an addressing exception for the guest.
    Addressing,
    /// The host could not read memory that exists (an errno for user space).
    Host,
}

/// Guest absolute memory, read a doubleword at a time (big-endian, as the guest sees it).
pub trait GuestMemory {
    /// Reads the doubleword at the 8-byte aligned guest absolute address `addr`.
    fn read_u64(&self, addr: u64) -> Result<u64, MemoryError>;
}

/// Why a translation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatError {
    /// A program interruption for the guest, with this code.
    Program(u16),
    /// The host could not read guest memory.
    Host,
}

/// Translation controls the guest enabled (from CR0 and its facility list).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Controls {
    /// Enhanced-DAT facility 1 (1 MiB segment frames, DAT protection in table entries).
    pub edat1: bool,
    /// Enhanced-DAT facility 2 (2 GiB region frames).
    pub edat2: bool,
}

/// A successful translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Translation {
    /// The guest absolute address.
    pub absolute: u64,
    /// Whether a DAT-protection bit on the way forbids stores (table entries' bit 54:
    /// the page-protection bit always, the segment-protection bit of a segment-table
    /// entry always, the region entries' only with EDAT-1, as the architecture says).
    pub protected: bool,
}

/// CR0 bit 40: enhanced-DAT enablement.
pub const CR0_EDAT: u64 = 0x0080_0000;

/// The ASCE an instruction fetch uses: the home space in home-space mode, the primary
/// space otherwise (PSW bits 16-17).
pub fn instruction_asce(psw_mask: u64, crs: &[u64; 16]) -> u64 {
    if (psw_mask >> 46) & 3 == 3 {
        crs[13]
    } else {
        crs[1]
    }
}

const INVALID: u64 = 0x20; // bit 58 of region and segment entries
const PROTECT: u64 = 0x200; // bit 54 of region, segment and page-table entries
const PTE_INVALID: u64 = 0x400; // bit 53
const PTE_ZERO: u64 = 0x800; // bit 52: must be zero
const FORMAT_CONTROL: u64 = 0x400; // bit 53 of region-third and segment entries
const COMMON: u64 = 0x10; // bit 59: common segment / common region
const ASCE_PRIVATE: u64 = 0x100; // bit 55
const ASCE_REAL: u64 = 0x20; // bit 58

fn table_type(entry: u64) -> u64 {
    (entry >> 2) & 3
}

fn table_length(entry: u64) -> u64 {
    entry & 3
}

fn table_offset(entry: u64) -> u64 {
    (entry >> 6) & 3
}

/// The 11-bit index of a region or segment table for `vaddr`; `shift` from the right.
fn index(vaddr: u64, shift: u32) -> u64 {
    (vaddr >> shift) & 0x7ff
}

/// Translates `vaddr` with `asce` for a CPU whose prefix is `prefix`.
pub fn translate(
    mem: &impl GuestMemory,
    asce: u64,
    vaddr: u64,
    prefix: u32,
    ctl: Controls,
) -> Result<Translation, DatError> {
    let fetch = |addr: u64| {
        mem.read_u64(addr).map_err(|e| match e {
            MemoryError::Addressing => DatError::Program(pgm::ADDRESSING),
            MemoryError::Host => DatError::Host,
        })
    };
    let real = |r: u64, protected: bool| {
        Ok(Translation {
            absolute: real_to_absolute(prefix, GuestReal(r)).0,
            protected,
        })
    };
    if asce & ASCE_REAL != 0 {
        return real(vaddr, false);
    }
    let mut protected = false;
    let (rfx, rsx, rtx, sx) = (
        index(vaddr, 53),
        index(vaddr, 42),
        index(vaddr, 31),
        index(vaddr, 20),
    );
    let px = (vaddr >> 12) & 0xff;
    let asce_tl = table_length(asce);
    let origin = asce & !0xfff;

    // The table the ASCE designates: the address must lie in its range, and its first
    // two index bits within the table length.
    let dt = table_type(asce);
    let (mut level, mut ptr) = match dt {
        3 => {
            if rfx >> 9 > asce_tl {
                return Err(DatError::Program(pgm::REGION_FIRST_TRANSLATION));
            }
            (3, origin.wrapping_add(rfx * 8))
        }
        2 => {
            if rfx != 0 {
                return Err(DatError::Program(pgm::ASCE_TYPE));
            }
            if rsx >> 9 > asce_tl {
                return Err(DatError::Program(pgm::REGION_SECOND_TRANSLATION));
            }
            (2, origin.wrapping_add(rsx * 8))
        }
        1 => {
            if rfx != 0 || rsx != 0 {
                return Err(DatError::Program(pgm::ASCE_TYPE));
            }
            if rtx >> 9 > asce_tl {
                return Err(DatError::Program(pgm::REGION_THIRD_TRANSLATION));
            }
            (1, origin.wrapping_add(rtx * 8))
        }
        _ => {
            if rfx != 0 || rsx != 0 || rtx != 0 {
                return Err(DatError::Program(pgm::ASCE_TYPE));
            }
            if sx >> 9 > asce_tl {
                return Err(DatError::Program(pgm::SEGMENT_TRANSLATION));
            }
            (0, origin.wrapping_add(sx * 8))
        }
    };

    // Region tables, top down: level 3 = first, 2 = second, 1 = third.
    while level > 0 {
        let entry = fetch(ptr)?;
        let (own_exception, next_index, next_exception) = match level {
            3 => (
                pgm::REGION_FIRST_TRANSLATION,
                rsx,
                pgm::REGION_SECOND_TRANSLATION,
            ),
            2 => (
                pgm::REGION_SECOND_TRANSLATION,
                rtx,
                pgm::REGION_THIRD_TRANSLATION,
            ),
            _ => (pgm::REGION_THIRD_TRANSLATION, sx, pgm::SEGMENT_TRANSLATION),
        };
        if entry & INVALID != 0 {
            return Err(DatError::Program(own_exception));
        }
        if table_type(entry) != level {
            return Err(DatError::Program(PGM_TRANSLATION_SPEC));
        }
        if level == 1 {
            if entry & COMMON != 0 && asce & ASCE_PRIVATE != 0 && ctl.edat2 {
                return Err(DatError::Program(PGM_TRANSLATION_SPEC));
            }
            if entry & FORMAT_CONTROL != 0 && ctl.edat2 {
                // A 2 GiB region frame (absolute).
                let absolute = (entry & !0x7fff_ffff) | (vaddr & 0x7fff_ffff);
                return Ok(Translation {
                    absolute,
                    protected: protected || entry & PROTECT != 0,
                });
            }
        }
        if ctl.edat1 {
            protected |= entry & PROTECT != 0;
        }
        let first_bits = next_index >> 9;
        if first_bits < table_offset(entry) || first_bits > table_length(entry) {
            return Err(DatError::Program(next_exception));
        }
        ptr = (entry & !0xfff).wrapping_add(next_index * 8);
        level -= 1;
    }

    // Segment table.
    let entry = fetch(ptr)?;
    if entry & INVALID != 0 {
        return Err(DatError::Program(pgm::SEGMENT_TRANSLATION));
    }
    if table_type(entry) != 0 {
        return Err(DatError::Program(PGM_TRANSLATION_SPEC));
    }
    if entry & COMMON != 0 && asce & ASCE_PRIVATE != 0 {
        return Err(DatError::Program(PGM_TRANSLATION_SPEC));
    }
    protected |= entry & PROTECT != 0;
    if entry & FORMAT_CONTROL != 0 && ctl.edat1 {
        // A 1 MiB segment frame (absolute).
        let absolute = (entry & !0xf_ffff) | (vaddr & 0xf_ffff);
        return Ok(Translation {
            absolute,
            protected,
        });
    }
    let pte = fetch((entry & !0x7ff).wrapping_add(px * 8))?;
    if pte & PTE_INVALID != 0 {
        return Err(DatError::Program(pgm::PAGE_TRANSLATION));
    }
    if pte & PTE_ZERO != 0 {
        return Err(DatError::Program(PGM_TRANSLATION_SPEC));
    }
    real(
        (pte & !0xfff) | (vaddr & 0xfff),
        protected || pte & PROTECT != 0,
    )
}
