// SPDX-License-Identifier: GPL-2.0

//! The guest DAT walk (logic/guest_dat.rs) over a test double of guest memory.

use kvm_s390_host_tests::logic::guest_dat::{
    self, Controls, DatError, GuestMemory, MemoryError, Translation,
};
use kvm_s390_host_tests::logic::sie_exit::pgm;

/// Guest memory as a byte vector: the test double of the memslots.
struct Memory(Vec<u8>);

impl Memory {
    fn new(size: usize) -> Self {
        Memory(vec![0; size])
    }
    fn write(&mut self, addr: u64, value: u64) {
        let a = addr as usize;
        self.0[a..a + 8].copy_from_slice(&value.to_be_bytes());
    }
    /// Fills a region or segment table with invalid entries of type `tt`.
    fn invalid_table(&mut self, origin: u64, tt: u64) {
        for i in 0..2048 {
            self.write(origin + i * 8, 0x20 | (tt << 2));
        }
    }
}

impl GuestMemory for Memory {
    fn read_u64(&self, addr: u64) -> Result<u64, MemoryError> {
        let a = usize::try_from(addr).map_err(|_| MemoryError::Addressing)?;
        let bytes = self
            .0
            .get(a..a.checked_add(8).ok_or(MemoryError::Addressing)?)
            .ok_or(MemoryError::Addressing)?;
        Ok(u64::from_be_bytes(bytes.try_into().unwrap()))
    }
}

const R3T: u64 = 0x10000; // region-third table
const STO: u64 = 0x14000; // segment table
const PTO: u64 = 0x18000; // page table

/// Region-third ASCE -> segment table -> page table mapping virtual 0x8000_0000 + 0x3000
/// (region-third index 1) to real 0x5000.
fn three_level() -> (Memory, u64) {
    let mut m = Memory::new(0x40000);
    m.invalid_table(R3T, 1);
    m.invalid_table(STO, 0);
    for i in 0..256 {
        m.write(PTO + i * 8, 0x400);
    }
    m.write(R3T + 8, STO | (1 << 2) | 3); // index 1: segment table, full length
    m.write(STO, PTO); // segment 0
    m.write(PTO + 3 * 8, 0x5000); // page 3
    (m, R3T | (1 << 2) | 3)
}

#[test]
fn walks_three_levels_to_a_page() {
    let (m, asce) = three_level();
    let t = guest_dat::translate(&m, asce, 0x8000_3abc, 0, Controls::default()).unwrap();
    assert_eq!(
        t,
        Translation {
            absolute: 0x5abc,
            protected: false
        }
    );
}

#[test]
fn page_frames_are_prefixed() {
    let (mut m, asce) = three_level();
    m.write(PTO + 3 * 8, 0x0000); // page 3 -> real 0: the prefix area
    let t = guest_dat::translate(&m, asce, 0x8000_3010, 0x20000, Controls::default()).unwrap();
    assert_eq!(t.absolute, 0x20010);
}

#[test]
fn invalid_entries_give_their_level_exception() {
    let (mut m, asce) = three_level();
    let ctl = Controls::default();
    assert_eq!(
        guest_dat::translate(&m, asce, 0x8000_4000, 0, ctl),
        Err(DatError::Program(pgm::PAGE_TRANSLATION))
    );
    assert_eq!(
        guest_dat::translate(&m, asce, 0x8010_0000, 0, ctl),
        Err(DatError::Program(pgm::SEGMENT_TRANSLATION))
    );
    assert_eq!(
        guest_dat::translate(&m, asce, 0x1_0000_0000, 0, ctl),
        Err(DatError::Program(pgm::REGION_THIRD_TRANSLATION))
    );
    // Beyond the region-third range of the ASCE: ASCE type.
    assert_eq!(
        guest_dat::translate(&m, asce, 1 << 42, 0, ctl),
        Err(DatError::Program(pgm::ASCE_TYPE))
    );
    // A page-table entry with bit 52 set is a translation-specification exception.
    m.write(PTO + 3 * 8, 0x5000 | 0x800);
    assert_eq!(
        guest_dat::translate(&m, asce, 0x8000_3000, 0, ctl),
        Err(DatError::Program(guest_dat::PGM_TRANSLATION_SPEC))
    );
}

#[test]
fn table_length_and_type_are_checked() {
    let (mut m, _) = three_level();
    // Table length 0 covers region-third indexes 0-511 only.
    let short = R3T | (1 << 2);
    assert_eq!(
        guest_dat::translate(&m, short, 512 << 31, 0, Controls::default()),
        Err(DatError::Program(pgm::REGION_THIRD_TRANSLATION))
    );
    // A segment-table entry claiming to be a region entry.
    m.write(STO, PTO | (1 << 2));
    assert_eq!(
        guest_dat::translate(&m, R3T | (1 << 2) | 3, 0x8000_3000, 0, Controls::default()),
        Err(DatError::Program(guest_dat::PGM_TRANSLATION_SPEC))
    );
}

#[test]
fn tables_outside_memory_are_addressing_exceptions() {
    let m = Memory::new(0x1000);
    let asce = 0x100_0000 | 3; // segment table beyond memory
    assert_eq!(
        guest_dat::translate(&m, asce, 0, 0, Controls::default()),
        Err(DatError::Program(pgm::ADDRESSING))
    );
}

#[test]
fn large_frames() {
    let (mut m, asce) = three_level();
    // An EDAT-1 segment frame at 0x300000 (absolute, not prefixed).
    m.write(STO + 8, 0x30_0000 | 0x400);
    let edat = Controls {
        edat1: true,
        edat2: false,
    };
    let t = guest_dat::translate(&m, asce, 0x8010_1234, 0x30_0000, edat).unwrap();
    assert_eq!(t.absolute, 0x30_1234);
    // Without EDAT-1 the same entry designates a page table at 0x300000, which lies
    // outside this guest's memory.
    assert_eq!(
        guest_dat::translate(&m, asce, 0x8010_1234, 0, Controls::default()),
        Err(DatError::Program(pgm::ADDRESSING))
    );
}

#[test]
fn real_space_asce_is_identity_with_prefixing() {
    let m = Memory::new(0x1000);
    let t = guest_dat::translate(&m, 0x20, 0x1234, 0x40000, Controls::default()).unwrap();
    assert_eq!(t.absolute, 0x41234);
}

#[test]
fn never_panics_on_any_table_content() {
    // Property: arbitrary memory and ASCEs end in Ok or a defined error, never a panic.
    let mut x = 0x1234_5678_9abc_def0u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut m = Memory::new(0x20000);
    for i in 0..(0x20000 / 8) {
        let v = next();
        // Keep origins mostly inside memory so the walk goes deep.
        m.write(
            i * 8,
            (v & 0x1_ffff) | (v & 0x3f) | (v & 0xf000_0000_0000_0000),
        );
    }
    for _ in 0..20_000 {
        let asce = next() & (0x1_ffff | 0x3f);
        let _ = guest_dat::translate(
            &m,
            asce,
            next(),
            (next() & 0x7fff_e000) as u32,
            Controls {
                edat1: true,
                edat2: true,
            },
        );
        let _ = guest_dat::translate(&m, next(), next(), 0, Controls::default());
    }
}
