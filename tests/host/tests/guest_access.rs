// SPDX-License-Identifier: GPL-2.0

//! Logical guest access (logic/access.rs): address spaces, DAT and its protection,
//! low-address and key-controlled protection, the TEID stored, and that a failing access
//! moves nothing; over a byte-vector test double of guest memory.

use std::cell::RefCell;

use kvm_s390_host_tests::logic::access::{
    self, AccessError, Cpu, Exception, Fragment, Mode, Storage, CR0_FPO, CR0_LAP, CR0_SPO,
};
use kvm_s390_host_tests::logic::guest_dat::{Controls, GuestMemory, MemoryError};
use kvm_s390_host_tests::logic::psw;
use kvm_s390_host_tests::logic::sie_exit::pgm;

const SIZE: usize = 0x40000;
const STO: u64 = 0x20000; // segment table (2 KiB... one page used)
const PTO: u64 = 0x24000; // page table
const MODE64: u64 = psw::MASK_EA | psw::MASK_BA;

/// Guest memory and storage keys (one per 4 KiB page).
struct Memory {
    bytes: RefCell<Vec<u8>>,
    keys: Vec<u8>,
}

impl Memory {
    fn new() -> Self {
        Memory {
            bytes: RefCell::new(vec![0; SIZE]),
            keys: vec![0; SIZE / 4096],
        }
    }
    fn write_u64(&self, addr: u64, value: u64) {
        let a = addr as usize;
        self.bytes.borrow_mut()[a..a + 8].copy_from_slice(&value.to_be_bytes());
    }
    /// A segment-table ASCE (tl 3) with segment 0 through a page table where virtual page
    /// `v` maps to real page `frame[v]` (or is invalid).
    fn dat(&self, frames: &[(u64, u64, bool)]) -> u64 {
        for i in 0..2048 {
            self.write_u64(STO + i * 8, 0x20); // invalid segment
        }
        self.write_u64(STO, PTO);
        for i in 0..256 {
            self.write_u64(PTO + i * 8, 0x400); // invalid page
        }
        for &(v, frame, protect) in frames {
            self.write_u64(PTO + v * 8, frame | if protect { 0x200 } else { 0 });
        }
        STO | 3
    }
    /// Moves the bytes of one fragment (the access's `each`).
    fn store(&self, f: Fragment, data: &[u8]) -> Result<(), MemoryError> {
        let a = f.abs as usize;
        self.bytes.borrow_mut()[a..a + f.len].copy_from_slice(&data[f.offset..f.offset + f.len]);
        Ok(())
    }
}

impl GuestMemory for Memory {
    fn read_u64(&self, addr: u64) -> Result<u64, MemoryError> {
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
    fn key(&self, abs: u64) -> Result<u8, MemoryError> {
        self.keys
            .get((abs / 4096) as usize)
            .copied()
            .ok_or(MemoryError::Addressing)
    }
}

fn cpu(psw_mask: u64) -> Cpu {
    Cpu {
        psw_mask: psw_mask | MODE64,
        crs: [0; 16],
        acrs: [0; 16],
        prefix: 0x10000,
        ctl: Controls::default(),
    }
}

fn write(m: &Memory, c: &Cpu, ga: u64, ar: u8, data: &[u8]) -> Result<(), AccessError> {
    access::access_range(
        m,
        c,
        ga,
        ar,
        data.len(),
        Mode::Store,
        c.psw_key(),
        |m, f| m.store(f, data),
    )
}

fn program(e: Result<(), AccessError>) -> Exception {
    match e {
        Err(AccessError::Program(x)) => x,
        other => panic!("expected a program exception, got {other:?}"),
    }
}

#[test]
fn real_mode_applies_prefixing() {
    let m = Memory::new();
    let c = cpu(0);
    write(&m, &c, 0x100, 0, &[1, 2]).unwrap();
    assert_eq!(&m.bytes.borrow()[0x10100..0x10102], &[1, 2]);
    write(&m, &c, 0x10000, 0, &[3]).unwrap();
    assert_eq!(m.bytes.borrow()[0], 3);
}

#[test]
fn outside_memory_is_an_addressing_exception_without_teid() {
    let m = Memory::new();
    let x = program(write(&m, &cpu(0), SIZE as u64, 0, &[1]));
    assert_eq!((x.code, x.teid), (pgm::ADDRESSING, 0));
}

#[test]
fn a_store_crossing_into_a_bad_page_changes_nothing() {
    let m = Memory::new();
    let c = cpu(0);
    let ga = SIZE as u64 - 2;
    let x = program(write(&m, &c, ga, 0, &[9, 9, 9, 9]));
    assert_eq!(x.code, pgm::ADDRESSING);
    assert_eq!(&m.bytes.borrow()[SIZE - 2..], &[0, 0]);
}

#[test]
fn dat_translates_each_page_and_crosses_pages() {
    let m = Memory::new();
    let mut c = cpu(psw::MASK_DAT);
    c.crs[1] = m.dat(&[(3, 0x5000, false), (4, 0x9000, false)]);
    write(&m, &c, 0x3ffe, 0, &[1, 2, 3, 4]).unwrap();
    let b = m.bytes.borrow();
    assert_eq!(&b[0x5ffe..0x6000], &[1, 2]);
    assert_eq!(&b[0x9000..0x9002], &[3, 4]);
}

#[test]
fn page_translation_exception_has_teid_with_address_store_and_space() {
    let m = Memory::new();
    let mut c = cpu(psw::MASK_DAT | (2 << 46)); // secondary-space mode
    c.crs[7] = m.dat(&[(3, 0x5000, false)]);
    let x = program(write(&m, &c, 0x3ffe, 5, &[1, 2, 3, 4]));
    assert_eq!(x.code, pgm::PAGE_TRANSLATION);
    // Page 0x4000, bits 52-53 = 01 (store), bits 62-63 = 10 (secondary).
    assert_eq!(x.teid, 0x4000 | 0x400 | 2);
    assert_eq!(x.exc_access_id, 5);
    assert_eq!(
        m.bytes.borrow()[0x5ffe],
        0,
        "the first page must stay untouched"
    );
}

#[test]
fn dat_protection_refuses_stores_not_fetches() {
    let m = Memory::new();
    let mut c = cpu(psw::MASK_DAT);
    c.crs[1] = m.dat(&[(3, 0x5000, true)]);
    let x = program(write(&m, &c, 0x3000, 0, &[1]));
    assert_eq!(x.code, pgm::PROTECTION);
    assert_eq!(x.teid, 0x3000 | 0x400 | 0x4); // bit 61
    assert_eq!(
        access::translate(&m, &c, 0x3000, 0, 1, Mode::Fetch, 0),
        Ok(0x5000)
    );
}

#[test]
fn low_address_protection_covers_0_511_and_4096_4607() {
    let m = Memory::new();
    let mut c = cpu(0);
    c.crs[0] = CR0_LAP;
    for ga in [0u64, 0x1ff, 0x1000, 0x11ff] {
        let x = program(write(&m, &c, ga, 0, &[1]));
        assert_eq!(x.code, pgm::PROTECTION);
        assert_eq!(x.teid & 0xfff, 0x400 | 0x80, "store + bit 56");
    }
    write(&m, &c, 0x200, 0, &[1]).unwrap();
    write(&m, &c, 0x1200, 0, &[1]).unwrap();
    // Fetches are not affected.
    assert!(access::translate(&m, &c, 0, 0, 1, Mode::Fetch, 0).is_ok());
    // A private address space is exempt.
    let mut c = cpu(psw::MASK_DAT);
    c.crs[0] = CR0_LAP;
    c.crs[1] = m.dat(&[(0, 0x8000, false)]) | access::ASCE_PRIVATE;
    write(&m, &c, 0x10, 0, &[1]).unwrap();
}

#[test]
fn key_controlled_protection() {
    let mut m = Memory::new();
    m.keys[0x30] = 0x30; // page 0x30000: key 3, no fetch protection
    m.keys[0x31] = 0x38; // page 0x31000: key 3, fetch protected
    m.keys[0x32] = 0x90; // key 9
    let key = |k: u64| cpu(k << 52);
    // Key 0 may do anything; the matching key too.
    write(&m, &key(0), 0x31000, 0, &[1]).unwrap();
    write(&m, &key(3), 0x31000, 0, &[1]).unwrap();
    // Another key may fetch unless fetch protected, and never store.
    let x = program(write(&m, &key(4), 0x30000, 0, &[1]));
    assert_eq!((x.code, x.teid & 0xfff), (pgm::PROTECTION, 0x400 | 0x8)); // bit 60
    assert!(access::translate(&m, &key(4), 0x30000, 0, 1, Mode::Fetch, 4).is_ok());
    assert!(access::translate(&m, &key(4), 0x31000, 0, 1, Mode::Fetch, 4).is_err());
    // Storage-protection override lets any key use key-9 pages.
    let mut c = key(4);
    assert!(write(&m, &c, 0x32000, 0, &[1]).is_err());
    c.crs[0] = CR0_SPO;
    write(&m, &c, 0x32000, 0, &[1]).unwrap();
}

#[test]
fn fetch_protection_override_covers_the_first_2048_bytes() {
    let mut m = Memory::new();
    m.keys[0x10] = 0x38; // the prefix page (real 0 is absolute 0x10000)
    let mut c = cpu(4 << 52);
    assert!(access::translate(&m, &c, 0x10, 0, 8, Mode::Fetch, 4).is_err());
    c.crs[0] = CR0_FPO;
    assert!(access::translate(&m, &c, 0x10, 0, 8, Mode::Fetch, 4).is_ok());
    assert!(access::translate(&m, &c, 0x7fc, 0, 8, Mode::Fetch, 4).is_err());
    assert!(access::translate(&m, &c, 0x800, 0, 8, Mode::Fetch, 4).is_err());
}

#[test]
fn access_register_mode_resolves_alet_0_and_1_without_tables() {
    let m = Memory::new();
    let mut c = cpu(psw::MASK_DAT | (1 << 46));
    c.crs[1] = m.dat(&[(3, 0x5000, false)]);
    c.crs[7] = c.crs[1]; // which space ALET 1 selects: alet_1_selects_the_secondary_space
    c.acrs[2] = 1;
    c.acrs[4] = 0x0200_0000; // bits 0-6 not zero: ALET specification (art.rs tests the rest)
    assert_eq!(
        access::translate(&m, &c, 0x3000, 0, 1, Mode::Fetch, 0),
        Ok(0x5000)
    );
    assert_eq!(
        access::translate(&m, &c, 0x3000, 2, 1, Mode::Fetch, 0),
        Ok(0x5000)
    );
    assert_eq!(
        access::translate(&m, &c, 0x3000, 4, 1, Mode::Fetch, 0),
        Err(AccessError::Program(Exception {
            code: pgm::ALET_SPECIFICATION,
            teid: 0,
            exc_access_id: 0,
        }))
    );
    // Access register 0 always means ALET 0, whatever it holds.
    c.acrs[0] = 7;
    assert_eq!(
        access::translate(&m, &c, 0x3000, 0, 1, Mode::Fetch, 0),
        Ok(0x5000)
    );
}

#[test]
fn alet_1_selects_the_secondary_space() {
    let m = Memory::new();
    let mut c = cpu(psw::MASK_DAT | (1 << 46));
    c.crs[1] = 0x3f000 | 0x20; // a real-space ASCE: identity
    c.crs[7] = m.dat(&[(3, 0x6000, false)]);
    c.acrs[2] = 1;
    assert_eq!(
        access::translate(&m, &c, 0x3000, 0, 1, Mode::Fetch, 0),
        Ok(0x3000)
    );
    assert_eq!(
        access::translate(&m, &c, 0x3000, 2, 1, Mode::Fetch, 0),
        Ok(0x6000)
    );
}

#[test]
fn test_protection_condition_codes() {
    let mut m = Memory::new();
    m.keys[0x6] = 0x38;
    let mut c = cpu(psw::MASK_DAT);
    c.crs[1] = m.dat(&[(1, 0x5000, false), (2, 0x5000, true), (3, 0x6000, false)]);
    let tprot =
        |c: &Cpu, ga, key, writable: bool| access::test_protection(&m, c, ga, 0, key, |_| writable);
    assert_eq!(tprot(&c, 0x1000, 0, true), Ok(0));
    assert_eq!(tprot(&c, 0x1000, 0, false), Ok(1)); // read-only memslot
    assert_eq!(tprot(&c, 0x2000, 0, true), Ok(1)); // DAT protected
    assert_eq!(tprot(&c, 0x3000, 4, true), Ok(2)); // fetch protected, other key
    assert_eq!(tprot(&c, 0x3000, 3, true), Ok(0));
    assert_eq!(tprot(&c, 0x4000, 0, true), Ok(3)); // page invalid
                                                   // Translation specification is presented, not a condition code.
    m.write_u64(PTO + 5 * 8, 0x5800); // bit 52 set
    assert_eq!(
        tprot(&c, 0x5000, 0, true).map_err(|e| match e {
            AccessError::Program(x) => x.code,
            _ => 0,
        }),
        Err(pgm::TRANSLATION_SPEC)
    );
    // So is addressing (a page outside memory).
    m.write_u64(PTO + 6 * 8, 0x80_0000);
    assert!(matches!(
        tprot(&c, 0x6000, 0, true),
        Err(AccessError::Program(Exception {
            code: pgm::ADDRESSING,
            ..
        }))
    ));
}

#[test]
fn a_store_key_protected_on_a_later_page_is_terminated() {
    let mut m = Memory::new();
    m.keys[0x30] = 0x10; // matches access key 1
    m.keys[0x31] = 0x30;
    let c = cpu(0);
    let key = 1;
    let store = |ga| access::access_range(&m, &c, ga, 0, 16, Mode::Store, key, |_, _| Ok(()));
    // Protected on the first page: suppressed, TEID bit 60.
    let x = program(store(0x31000));
    assert_eq!((x.code, x.teid & 0x8c), (pgm::PROTECTION, 0x8));
    // Protected on the second page: terminated, no protection code in the TEID.
    let x = program(store(0x30ff8));
    assert_eq!((x.code, x.teid & 0x8c), (pgm::PROTECTION, 0));
    assert_eq!(x.teid & !0xfff, 0x31000);
}
