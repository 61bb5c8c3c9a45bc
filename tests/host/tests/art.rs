// SPDX-License-Identifier: GPL-2.0

//! Access-register translation (logic/art.rs) through the logical access of
//! logic/access.rs: the good paths (dispatchable-unit and primary-space access lists,
//! authorization), every exception with the code, TEID and exception access id mainline's
//! `ar_translation`/`trans_exc_ending` give, the order of the checks, prefixing of the
//! table reads, and what the translated space's ASCE then governs.

use std::cell::RefCell;

use kvm_s390_host_tests::logic::access::{
    self, AccessError, Cpu, Exception, Mode, Storage, ASCE_PRIVATE, CR0_LAP,
};
use kvm_s390_host_tests::logic::guest_dat::{Controls, GuestMemory, MemoryError};
use kvm_s390_host_tests::logic::psw;
use kvm_s390_host_tests::logic::sie_exit::pgm;

const SIZE: usize = 0x40000;
const PREFIX: u32 = 0x10000;
const MODE64: u64 = psw::MASK_EA | psw::MASK_BA;
/// PSW bits 16-17 = 01: access-register mode.
const AR_MODE: u64 = 1 << 46;

const STO1: u64 = 0x20000; // primary space: segment table
const PTO1: u64 = 0x22000; // and page table (page 3 -> 0x5000)
const STO2: u64 = 0x24000; // space A: page 3 -> 0x6000
const PTO2: u64 = 0x26000;
const DUCT: u64 = 0x30000; // CR2
const PASTE: u64 = 0x30040; // CR5
const DU_LIST: u64 = 0x31000;
const P_LIST: u64 = 0x31800;
const ASTE_A: u64 = 0x32000;
const ASTE_B: u64 = 0x32040;
const AUTH_TABLE: u64 = 0x34000;
const ASTESN_A: u32 = 0x1234_5678;
const ASTESN_B: u32 = 0x0bad_cafe;
/// ASCE of space B: a real-space designation (bit 58), so 0x3000 is absolute 0x3000.
const ASCE_B: u64 = 0x20;

/// ALET of space A: dispatchable-unit list, ALESN 5, ALEN 2.
const ALET_A: u32 = 0x0005_0002;
/// ALET of space B: primary-space list (bit 7), ALESN 0, ALEN 3.
const ALET_B: u32 = 0x0100_0003;
/// The access register the tests use.
const AR: u8 = 6;

/// ALE word 0 bits (Principles of Operation numbering).
const ALE_INVALID: u32 = 0x8000_0000;
const ALE_FETCH_ONLY: u32 = 0x0200_0000;
const ALE_PRIVATE: u32 = 0x0100_0000;

struct Memory {
    bytes: RefCell<Vec<u8>>,
}

impl Memory {
    fn write_u64(&self, addr: u64, value: u64) {
        let a = addr as usize;
        self.bytes.borrow_mut()[a..a + 8].copy_from_slice(&value.to_be_bytes());
    }
    fn write_u32(&self, addr: u64, value: u32) {
        let a = addr as usize;
        self.bytes.borrow_mut()[a..a + 4].copy_from_slice(&value.to_be_bytes());
    }
    fn write_u8(&self, addr: u64, value: u8) {
        self.bytes.borrow_mut()[addr as usize] = value;
    }
    /// A segment-table ASCE whose page 3 maps to `frame`.
    fn space(&self, sto: u64, pto: u64, frame: u64) -> u64 {
        for i in 0..2048 {
            self.write_u64(sto + i * 8, 0x20);
        }
        self.write_u64(sto, pto);
        for i in 0..256 {
            self.write_u64(pto + i * 8, 0x400);
        }
        self.write_u64(pto + 3 * 8, frame);
        sto | 3
    }
    /// The access-list entry `alen` of the list at `list`.
    fn ale(&self, list: u64, alen: u64, w0: u32, aste: u64, astesn: u32) {
        let a = list + alen * 16;
        self.write_u32(a, w0);
        self.write_u32(a + 4, 0);
        self.write_u32(a + 8, aste as u32);
        self.write_u32(a + 12, astesn);
    }
    /// An ASTE: authority table at `ato` with length `atl`, the ASCE, the sequence number.
    fn aste(&self, at: u64, w0_flags: u32, ato: u64, atl: u32, asce: u64, astesn: u32) {
        self.write_u32(at, w0_flags | ato as u32);
        self.write_u32(at + 4, atl << 4);
        self.write_u64(at + 8, asce);
        self.write_u32(at + 16, 0);
        self.write_u32(at + 20, astesn);
    }
    /// The dispatchable-unit access-list designation: list origin and length.
    fn du_list(&self, list: u64, all: u32) {
        self.write_u32(DUCT + 16, list as u32 | all);
    }
}

impl GuestMemory for Memory {
    fn read_u64(&self, addr: u64) -> Result<u64, MemoryError> {
        assert_eq!(addr & 7, 0, "table reads are doubleword aligned");
        let a = addr as usize;
        let b = self.bytes.borrow();
        let s = b.get(a..a + 8).ok_or(MemoryError::Addressing)?;
        Ok(u64::from_be_bytes(s.try_into().unwrap()))
    }
}

impl Storage for Memory {
    fn exists(&self, abs: u64) -> bool {
        abs < SIZE as u64
    }
    fn key(&self, _abs: u64) -> Result<u8, MemoryError> {
        Ok(0)
    }
}

/// Guest memory with two spaces reachable through ALETs (A through the dispatchable-unit
/// list, B through the primary-space list) and a CPU in access-register mode with
/// `alet` in access register [`AR`].
fn setup(alet: u32) -> (Memory, Cpu) {
    let m = Memory {
        bytes: RefCell::new(vec![0; SIZE]),
    };
    let mut crs = [0u64; 16];
    crs[1] = m.space(STO1, PTO1, 0x5000);
    let asce_a = m.space(STO2, PTO2, 0x6000);
    crs[2] = DUCT;
    crs[5] = PASTE;
    m.du_list(DU_LIST, 0);
    m.write_u32(PASTE + 16, P_LIST as u32);
    m.ale(DU_LIST, 2, 5 << 16, ASTE_A, ASTESN_A);
    m.ale(P_LIST, 3, 0, ASTE_B, ASTESN_B);
    m.aste(ASTE_A, 0, AUTH_TABLE, 0, asce_a, ASTESN_A);
    m.aste(ASTE_B, 0, 0, 0, ASCE_B, ASTESN_B);
    let mut acrs = [0u32; 16];
    acrs[usize::from(AR)] = alet;
    let c = Cpu {
        psw_mask: MODE64 | psw::MASK_DAT | AR_MODE,
        crs,
        acrs,
        prefix: PREFIX,
        ctl: Controls::default(),
    };
    (m, c)
}

fn access(m: &Memory, c: &Cpu, mode: Mode) -> Result<u64, AccessError> {
    access::translate(m, c, 0x3000, AR, 1, mode, 0)
}

fn fetch(m: &Memory, c: &Cpu) -> Result<u64, AccessError> {
    access(m, c, Mode::Fetch)
}

/// The exception of a failing access, as (code, TEID, exception access id).
fn exception(r: Result<u64, AccessError>) -> (u16, u64, u8) {
    match r {
        Err(AccessError::Program(Exception {
            code,
            teid,
            exc_access_id,
        })) => (code, teid, exc_access_id),
        other => panic!("expected a program exception, got {other:?}"),
    }
}

#[test]
fn each_alet_selects_its_space() {
    let (m, mut c) = setup(ALET_A);
    assert_eq!(fetch(&m, &c), Ok(0x6000));
    assert_eq!(access(&m, &c, Mode::Store), Ok(0x6000));
    c.acrs[usize::from(AR)] = ALET_B;
    assert_eq!(fetch(&m, &c), Ok(0x3000));
    c.acrs[usize::from(AR)] = 0;
    assert_eq!(fetch(&m, &c), Ok(0x5000));
    // Access register 0 means the primary space whatever it holds.
    c.acrs[0] = ALET_A;
    assert_eq!(
        access::translate(&m, &c, 0x3000, 0, 1, Mode::Fetch, 0),
        Ok(0x5000)
    );
}

#[test]
fn a_store_lands_in_the_translated_space() {
    let (m, c) = setup(ALET_A);
    access::access_range(&m, &c, 0x3ffe, AR, 2, Mode::Store, 0, |m, f| {
        m.write_u8(f.abs, 0xaa);
        m.write_u8(f.abs + 1, 0xbb);
        Ok(())
    })
    .unwrap();
    assert_eq!(&m.bytes.borrow()[0x6ffe..0x7000], &[0xaa, 0xbb]);
    assert_eq!(&m.bytes.borrow()[0x5ffe..0x6000], &[0, 0]);
}

#[test]
fn dat_off_ignores_the_alet() {
    let (m, mut c) = setup(0xffff_ffff);
    c.psw_mask &= !psw::MASK_DAT;
    assert_eq!(fetch(&m, &c), Ok(0x3000));
}

#[test]
fn alet_bits_0_to_6_must_be_zero() {
    for bit in 0..7 {
        let (m, c) = setup(ALET_A | (0x8000_0000 >> bit));
        // No TEID, no exception access id (mainline's trans_exc_ending stores none).
        assert_eq!(
            exception(fetch(&m, &c)),
            (pgm::ALET_SPECIFICATION, 0, 0),
            "bit {bit}"
        );
    }
}

#[test]
fn alen_beyond_the_access_list_length() {
    // Length 0: entries 0-7.
    let (m, mut c) = setup(0x0000_0007);
    m.ale(DU_LIST, 7, 0, ASTE_A, ASTESN_A);
    assert_eq!(fetch(&m, &c), Ok(0x6000));
    c.acrs[usize::from(AR)] = 0x0000_0008;
    assert_eq!(exception(fetch(&m, &c)), (pgm::ALEN_TRANSLATION, 0, AR));
    // Length 1: entries 0-15.
    m.du_list(DU_LIST, 1);
    m.ale(DU_LIST, 8, 0, ASTE_A, ASTESN_A);
    assert_eq!(fetch(&m, &c), Ok(0x6000));
}

#[test]
fn the_alen_invalid_bit() {
    let (m, c) = setup(ALET_A);
    m.ale(DU_LIST, 2, ALE_INVALID | 5 << 16, ASTE_A, ASTESN_A);
    assert_eq!(exception(fetch(&m, &c)), (pgm::ALEN_TRANSLATION, 0, AR));
}

#[test]
fn the_ale_sequence_number() {
    let (m, c) = setup(0x0004_0002);
    assert_eq!(exception(fetch(&m, &c)), (pgm::ALE_SEQUENCE, 0, AR));
    // The primary-space list's entry has ALESN 0.
    let (m, c) = setup(ALET_B | 0x0001_0000);
    assert_eq!(exception(fetch(&m, &c)), (pgm::ALE_SEQUENCE, 0, AR));
}

#[test]
fn the_aste_invalid_bit_and_sequence_number() {
    let (m, c) = setup(ALET_A);
    m.write_u32(ASTE_A, 0x8000_0000 | AUTH_TABLE as u32);
    assert_eq!(exception(fetch(&m, &c)), (pgm::ASTE_VALIDITY, 0, AR));
    let (m, c) = setup(ALET_A);
    m.write_u32(ASTE_A + 20, ASTESN_A + 1);
    assert_eq!(exception(fetch(&m, &c)), (pgm::ASTE_SEQUENCE, 0, AR));
}

#[test]
fn the_checks_come_in_mainlines_order() {
    // An invalid ALE wins over a wrong sequence number and over a broken ASTE.
    let (m, c) = setup(0x0004_0002);
    m.ale(DU_LIST, 2, ALE_INVALID | 5 << 16, ASTE_A, ASTESN_A + 1);
    m.write_u32(ASTE_A, 0x8000_0000);
    assert_eq!(exception(fetch(&m, &c)).0, pgm::ALEN_TRANSLATION);
    // ALE sequence before the ASTE's checks.
    let (m, c) = setup(0x0004_0002);
    m.write_u32(ASTE_A, 0x8000_0000);
    assert_eq!(exception(fetch(&m, &c)).0, pgm::ALE_SEQUENCE);
    // ASTE validity before ASTE sequence.
    let (m, c) = setup(ALET_A);
    m.write_u32(ASTE_A, 0x8000_0000);
    m.write_u32(ASTE_A + 20, 0);
    assert_eq!(exception(fetch(&m, &c)).0, pgm::ASTE_VALIDITY);
    // Authorization before fetch-only.
    let (m, mut c) = setup(ALET_A);
    m.ale(
        DU_LIST,
        2,
        ALE_PRIVATE | ALE_FETCH_ONLY | 5 << 16 | 0x10,
        ASTE_A,
        ASTESN_A,
    );
    c.crs[8] = 0x11 << 16;
    assert_eq!(
        exception(access(&m, &c, Mode::Store)).0,
        pgm::EXTENDED_AUTHORITY
    );
}

#[test]
fn tables_outside_memory_are_addressing_exceptions() {
    // The access-list designation.
    let (m, mut c) = setup(ALET_A);
    c.crs[2] = 0x0100_0000;
    assert_eq!(exception(fetch(&m, &c)), (pgm::ADDRESSING, 0, 0));
    // The access-list entry.
    let (m, c) = setup(ALET_A);
    m.du_list(0x0010_0000, 0);
    assert_eq!(exception(fetch(&m, &c)), (pgm::ADDRESSING, 0, 0));
    // The ASTE.
    let (m, c) = setup(ALET_A);
    m.ale(DU_LIST, 2, 5 << 16, 0x0020_0000, ASTESN_A);
    assert_eq!(exception(fetch(&m, &c)), (pgm::ADDRESSING, 0, 0));
    // The authority table.
    let (m, mut c) = setup(ALET_A);
    m.ale(DU_LIST, 2, ALE_PRIVATE | 5 << 16 | 0x10, ASTE_A, ASTESN_A);
    m.write_u32(ASTE_A, 0x7fff_0000);
    m.write_u32(ASTE_A + 4, 1 << 4);
    c.crs[8] = 0x11 << 16;
    assert_eq!(exception(fetch(&m, &c)), (pgm::ADDRESSING, 0, 0));
}

#[test]
fn an_entry_beyond_31_bit_storage_is_an_addressing_exception() {
    // List origin 0x7fffff80, length 1 (16 entries): entry 8 would end past 2 GiB. The
    // check comes before any read (that memory does not exist here either way).
    let (m, c) = setup(0x0000_0008);
    m.du_list(0x7fff_ff80, 1);
    assert_eq!(exception(fetch(&m, &c)), (pgm::ADDRESSING, 0, 0));
    // Entry 7 of that list passes the check and is then read: outside memory, too.
    let (m, c) = setup(0x0000_0007);
    m.du_list(0x7fff_ff80, 1);
    assert_eq!(exception(fetch(&m, &c)), (pgm::ADDRESSING, 0, 0));
}

#[test]
fn a_private_entry_needs_the_eax_or_secondary_authority() {
    let (m, mut c) = setup(ALET_A);
    m.ale(DU_LIST, 2, ALE_PRIVATE | 5 << 16 | 0x10, ASTE_A, ASTESN_A);
    // The entry's authorization index is the EAX (CR8 bits 32-47).
    c.crs[8] = 0x10 << 16;
    assert_eq!(fetch(&m, &c), Ok(0x6000));
    // EAX 0x11: beyond the authority table (length 0: EAX 0-15).
    c.crs[8] = 0x11 << 16;
    assert_eq!(exception(fetch(&m, &c)), (pgm::EXTENDED_AUTHORITY, 0, AR));
    // Within the table (length 1): entry 0x11 is byte 4, bits 2-3 (P, S).
    m.write_u32(ASTE_A + 4, 1 << 4);
    assert_eq!(exception(fetch(&m, &c)), (pgm::EXTENDED_AUTHORITY, 0, AR));
    m.write_u8(AUTH_TABLE + 4, 0x20); // primary authority only
    assert_eq!(exception(fetch(&m, &c)), (pgm::EXTENDED_AUTHORITY, 0, AR));
    m.write_u8(AUTH_TABLE + 4, 0xcf); // every bit but entry 0x11's
    assert_eq!(exception(fetch(&m, &c)), (pgm::EXTENDED_AUTHORITY, 0, AR));
    m.write_u8(AUTH_TABLE + 4, 0x10); // secondary authority
    assert_eq!(fetch(&m, &c), Ok(0x6000));
    // A public entry needs no authority.
    m.write_u8(AUTH_TABLE + 4, 0);
    m.ale(DU_LIST, 2, 5 << 16 | 0x10, ASTE_A, ASTESN_A);
    assert_eq!(fetch(&m, &c), Ok(0x6000));
}

#[test]
fn a_fetch_only_entry_refuses_stores() {
    let (m, c) = setup(ALET_A);
    m.ale(DU_LIST, 2, ALE_FETCH_ONLY | 5 << 16, ASTE_A, ASTESN_A);
    assert_eq!(fetch(&m, &c), Ok(0x6000));
    // Access-list-controlled protection: TEID bits 60 and 61, the page, store (bits
    // 52-53 = 01), access-register mode (bits 62-63 = 01).
    assert_eq!(
        exception(access(&m, &c, Mode::Store)),
        (pgm::PROTECTION, 0x3000 | 0x400 | 0x8 | 0x4 | 1, AR)
    );
    // Reported for the first byte of the operand, before any page is checked.
    let r = access::access_range(&m, &c, 0x3ffe, AR, 4, Mode::Store, 0, |_, _| {
        panic!("nothing may move")
    });
    assert!(matches!(
        r,
        Err(AccessError::Program(Exception { code: pgm::PROTECTION, teid, .. }))
            if teid & !0xfff == 0x3000
    ));
}

#[test]
fn table_reads_are_real_addresses() {
    // The DUCT at real 0x1000 is at absolute prefix + 0x1000.
    let (m, mut c) = setup(ALET_A);
    c.crs[2] = 0x1000;
    m.write_u32(u64::from(PREFIX) + 0x1010, DU_LIST as u32);
    assert_eq!(fetch(&m, &c), Ok(0x6000));
    // Absolute 0x1010 (which would admit entry 8) is not read.
    c.acrs[usize::from(AR)] = 0x0000_0008;
    m.ale(DU_LIST, 8, 0, ASTE_A, ASTESN_A);
    m.write_u32(0x1010, DU_LIST as u32 | 1);
    assert_eq!(exception(fetch(&m, &c)), (pgm::ALEN_TRANSLATION, 0, AR));
    c.acrs[usize::from(AR)] = ALET_A;
    // Only bits 33-57 of CR2 make the origin.
    c.crs[2] = 0xffff_ffff_8000_103f;
    m.write_u32(u64::from(PREFIX) + 0x1010, DU_LIST as u32);
    assert_eq!(fetch(&m, &c), Ok(0x6000));
}

#[test]
fn the_translated_asce_decides_low_address_protection() {
    let (m, mut c) = setup(ALET_B);
    c.crs[0] = CR0_LAP;
    let store = |c: &Cpu| access::translate(&m, c, 0x100, AR, 1, Mode::Store, 0);
    assert_eq!(exception(store(&c)).0, pgm::PROTECTION);
    m.write_u64(ASTE_B + 8, ASCE_B | ASCE_PRIVATE);
    assert_eq!(store(&c), Ok(0x100 + u64::from(PREFIX)));
    c.acrs[usize::from(AR)] = 0;
    c.crs[1] = ASCE_B;
    assert_eq!(exception(store(&c)).0, pgm::PROTECTION);
}

#[test]
fn test_protection_with_alets() {
    let tprot = |m: &Memory, c: &Cpu| access::test_protection(m, c, 0x3000, AR, 0, |_| true);
    let (m, c) = setup(ALET_A);
    assert_eq!(tprot(&m, &c), Ok(0));
    // Fetch-only: fetching permitted, storing not.
    m.ale(DU_LIST, 2, ALE_FETCH_ONLY | 5 << 16, ASTE_A, ASTESN_A);
    assert_eq!(tprot(&m, &c), Ok(1));
    // Translation not available: condition code 3 (mainline's handle_tprot).
    m.ale(DU_LIST, 2, ALE_INVALID, ASTE_A, ASTESN_A);
    assert_eq!(tprot(&m, &c), Ok(3));
    let (m, c) = setup(0x0200_0000);
    assert_eq!(tprot(&m, &c), Ok(3));
    // An addressing exception is presented.
    let (m, c) = setup(ALET_A);
    m.ale(DU_LIST, 2, 5 << 16, 0x0020_0000, ASTESN_A);
    assert!(matches!(
        tprot(&m, &c),
        Err(AccessError::Program(Exception {
            code: pgm::ADDRESSING,
            ..
        }))
    ));
}

#[test]
fn what_the_art_exceptions_store_and_whether_they_nullify() {
    for code in [
        pgm::ALEN_TRANSLATION,
        pgm::ALE_SEQUENCE,
        pgm::ASTE_VALIDITY,
        pgm::ASTE_SEQUENCE,
        pgm::ASTE_INSTANCE,
        pgm::EXTENDED_AUTHORITY,
    ] {
        assert!(pgm::art_exception(code), "{code:#x}");
        assert!(pgm::nullifies(code), "{code:#x}");
        assert!(pgm::stores_exc_access_id(code), "{code:#x}");
        assert!(!pgm::stores_teid(code), "{code:#x}");
        assert!(!pgm::dat_exception(code), "{code:#x}");
    }
    for code in [pgm::ALET_SPECIFICATION, pgm::ADDRESSING] {
        assert!(!pgm::nullifies(code) && !pgm::stores_exc_access_id(code));
    }
    assert!(pgm::stores_exc_access_id(pgm::PROTECTION) && !pgm::nullifies(pgm::PROTECTION));
    assert!(pgm::dat_exception(pgm::PAGE_TRANSLATION) && pgm::stores_teid(pgm::ASCE_TYPE));
}
