// SPDX-License-Identifier: GPL-2.0

//! Access to guest storage by logical address, as the guest CPU would make it: the address
//! space from the PSW (primary, secondary, home, access-register mode), DAT through the
//! guest's tables (`guest_dat.rs`) or prefixing alone, and the protection rules
//! (low-address, DAT, key-controlled with fetch protection and its overrides).
//!
//! Principles of Operation, chapter 3 ("Storage Protection", "Address Spaces", "Translation
//! Exception Identification") and chapter 6 ("Access Exceptions"); mainline's
//! `guest_range_to_gpas`, `trans_exc_ending` and `vcpu_check_access_key_gpa` in
//! `gaccess.c` apply the same rules, with the TEID and exception access id stored as there.
//!
//! An access is checked in full before any byte moves ([`check_range`] covers every page
//! of the operand), so a faulting operand changes nothing, as for the CPU's own accesses of
//! a suppressed or nullified instruction. In access-register mode ALET 0 and 1 select the
//! primary and the secondary space, any other ALET goes through access-register translation
//! (`art.rs`), once per operand, before any other check (mainline's `get_vcpu_asce`).

use crate::logic::art::{self, ArtError};
use crate::logic::guest_dat::{self, Controls, DatError, GuestMemory, MemoryError};
use crate::logic::prefix::{real_to_absolute, GuestReal};
use crate::logic::psw;
use crate::logic::sie_exit::pgm;

/// CR0 bit 35: low-address protection.
pub const CR0_LAP: u64 = 1 << (63 - 35);
/// CR0 bit 38: fetch-protection override.
pub const CR0_FPO: u64 = 1 << (63 - 38);
/// CR0 bit 39: storage-protection override.
pub const CR0_SPO: u64 = 1 << (63 - 39);
/// ASCE bit 55: private space (no low-address protection, no fetch-protection override).
pub const ASCE_PRIVATE: u64 = 0x100;
/// The access key storage-protection override lets pass.
pub const SPO_KEY: u8 = 9;
/// Page size of the guest.
pub const PAGE_SIZE: u64 = 4096;

/// Storage key byte: access-control bits 0-3, fetch-protection bit 4 (bit numbers of the
/// key as SSKE/ISKE name them).
pub mod skey {
    /// The access-control bits.
    pub const ACC: u8 = 0xf0;
    /// Fetch protection.
    pub const FP: u8 = 0x08;
    /// Reference.
    pub const R: u8 = 0x04;
    /// Change.
    pub const C: u8 = 0x02;
}

/// TEID bits 52-53 (fetch/store indication): store.
const TEID_FSI_STORE: u64 = 1 << 10;
/// TEID bits 52-53: fetch.
const TEID_FSI_FETCH: u64 = 2 << 10;
/// TEID bit 56: low-address protection (with bit 61 clear).
const TEID_B56: u64 = 1 << 7;
/// TEID bit 60: key-controlled protection (with bit 61 clear).
const TEID_B60: u64 = 1 << 3;
/// TEID bit 61: DAT protection (with bit 60 clear); with bit 60 set, access-list-controlled
/// protection.
const TEID_B61: u64 = 1 << 2;

/// Kind of access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// An operand fetch.
    Fetch,
    /// An operand store.
    Store,
}

/// Which protection mechanism refused an access (selects the TEID bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prot {
    LowAddress,
    Key,
    Dat,
    AccessList,
}

/// A program exception for the guest, with what the CPU stores for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exception {
    /// Program-interruption code.
    pub code: u16,
    /// Translation-exception identification (stored for protection and DAT exceptions).
    pub teid: u64,
    /// Exception access identification: the access register number of the operand (for
    /// the exceptions that store it, else 0).
    pub exc_access_id: u8,
}

/// Why an access was not made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessError {
    /// A program interruption for the guest.
    Program(Exception),
    /// The host could not read or write guest memory that exists.
    Host,
}

/// Guest absolute storage as an access needs it: table reads for DAT, whether a page
/// exists, and its storage key.
pub trait Storage: GuestMemory {
    /// Whether the guest absolute address lies in guest memory (a memslot).
    fn exists(&self, abs: u64) -> bool;
    /// The guest's storage key of the page holding `abs` (ACC, F, R, C as in [`skey`]).
    fn key(&self, abs: u64) -> Result<u8, MemoryError>;
}

/// The guest CPU state an access depends on.
#[derive(Clone, Copy, Debug)]
pub struct Cpu {
    /// PSW mask (DAT, address-space control, key, addressing mode).
    pub psw_mask: u64,
    /// Control registers.
    pub crs: [u64; 16],
    /// Access registers.
    pub acrs: [u32; 16],
    /// Prefix.
    pub prefix: u32,
    /// Enhanced-DAT controls (CR0 and the facility list).
    pub ctl: Controls,
}

impl Cpu {
    /// The PSW key: the access key of the CPU's own accesses (PSW bits 8-11).
    pub fn psw_key(&self) -> u8 {
        ((self.psw_mask >> 52) & 0xf) as u8
    }

    fn dat(&self) -> bool {
        self.psw_mask & psw::MASK_DAT != 0
    }

    /// Whether a logical access may walk the guest's DAT tables, so that the IPTE
    /// interlock must be held around it (`logic/ipte.rs`): with DAT on. Mainline also
    /// leaves out a real-space designation, which is known only once the ASCE is chosen;
    /// holding the interlock for it is merely unneeded.
    pub fn walks_dat(&self) -> bool {
        self.dat()
    }

    /// PSW bits 16-17: 0 primary, 1 access register, 2 secondary, 3 home.
    fn address_space(&self) -> u64 {
        (self.psw_mask >> 46) & 3
    }
}

/// The effective address of a logical address in the CPU's addressing mode.
pub fn effective(cpu: &Cpu, ga: u64) -> u64 {
    ga & psw::address_mask(cpu.psw_mask)
}

/// Builds the exception for `code` at `ga`, as the CPU stores it (mainline:
/// `trans_exc_ending`): the TEID for protection and DAT exceptions, the access register
/// number for those and the access-register-translation exceptions (0 for the others, such
/// as addressing and ALET specification, where mainline leaves it 0 too).
fn exception(cpu: &Cpu, code: u16, ga: u64, ar: u8, mode: Mode, prot: Option<Prot>) -> AccessError {
    let mut teid = 0;
    if code == pgm::PROTECTION {
        teid |= match prot {
            Some(Prot::LowAddress) => TEID_B56,
            Some(Prot::Key) => TEID_B60,
            Some(Prot::Dat) => TEID_B61,
            Some(Prot::AccessList) => TEID_B60 | TEID_B61,
            None => 0,
        };
    }
    if pgm::stores_teid(code) {
        teid |= (ga & !(PAGE_SIZE - 1))
            | match mode {
                Mode::Store => TEID_FSI_STORE,
                Mode::Fetch => TEID_FSI_FETCH,
            }
            | cpu.address_space();
    }
    AccessError::Program(Exception {
        code,
        teid,
        exc_access_id: if pgm::stores_exc_access_id(code) {
            ar
        } else {
            0
        },
    })
}

/// The address space an operand access of kind `mode` at effective address `ea` uses:
/// `None` for DAT off (real addresses), else the ASCE. In access-register mode the ALET in
/// access register `ar` selects it (access register 0 always means ALET 0); the exceptions
/// of access-register translation are reported for `ea`.
fn asce(
    mem: &impl GuestMemory,
    cpu: &Cpu,
    ar: u8,
    ea: u64,
    mode: Mode,
) -> Result<Option<u64>, AccessError> {
    if !cpu.dat() {
        return Ok(None);
    }
    Ok(Some(match cpu.address_space() {
        0 => cpu.crs[1],
        2 => cpu.crs[7],
        3 => cpu.crs[13],
        _ => {
            let alet = match ar {
                0 => 0,
                _ => cpu.acrs[usize::from(ar & 0xf)],
            };
            match alet {
                0 => cpu.crs[1],
                1 => cpu.crs[7],
                _ => match art::translate(mem, &cpu.crs, cpu.prefix, alet, mode) {
                    Ok(asce) => asce,
                    Err(ArtError::Program(code)) => {
                        return Err(exception(cpu, code, ea, ar, mode, None))
                    }
                    Err(ArtError::FetchOnly) => {
                        return Err(exception(
                            cpu,
                            pgm::PROTECTION,
                            ea,
                            ar,
                            mode,
                            Some(Prot::AccessList),
                        ))
                    }
                    Err(ArtError::Host) => return Err(AccessError::Host),
                },
            }
        }
    }))
}

/// Addresses 0-511 and 4096-4607: the ones low-address protection covers.
pub fn is_low_address(ea: u64) -> bool {
    ea & !0x11ff == 0
}

/// Whether low-address protection applies to stores with this address space.
fn low_address_protection(cpu: &Cpu, asce: Option<u64>) -> bool {
    cpu.crs[0] & CR0_LAP != 0 && !matches!(asce, Some(a) if a & ASCE_PRIVATE != 0)
}

/// Key-controlled protection (with fetch protection and the two overrides) for an access
/// of `len` bytes at effective address `ea` of a page with storage key `key`.
pub fn key_permits(
    cpu: &Cpu,
    asce: Option<u64>,
    access_key: u8,
    key: u8,
    mode: Mode,
    ea: u64,
    len: u64,
) -> bool {
    if access_key == 0 || key >> 4 == access_key {
        return true;
    }
    if mode == Mode::Fetch {
        if key & skey::FP == 0 {
            return true;
        }
        let private = matches!(asce, Some(a) if a & ASCE_PRIVATE != 0);
        if cpu.crs[0] & CR0_FPO != 0 && !private && ea < 2048 && ea + len <= 2048 {
            return true;
        }
    }
    cpu.crs[0] & CR0_SPO != 0 && key >> 4 == SPO_KEY
}

/// Key-controlled protection of an absolute access (no CPU, so no overrides): access key
/// 0 and a matching key may do anything, others may fetch unless fetch protected.
/// Mainline: `vm_check_access_key_gpa`.
pub fn key_permits_absolute(access_key: u8, key: u8, mode: Mode) -> bool {
    access_key == 0 || key >> 4 == access_key || (mode == Mode::Fetch && key & skey::FP == 0)
}

/// Translates the operand byte at logical address `ga` for an access of `len` bytes (all in
/// one page) and checks its protection: the guest absolute address, or why not.
pub fn translate(
    mem: &impl Storage,
    cpu: &Cpu,
    ga: u64,
    ar: u8,
    len: u64,
    mode: Mode,
    access_key: u8,
) -> Result<u64, AccessError> {
    let ea = effective(cpu, ga);
    let asce = asce(mem, cpu, ar, ea, mode)?;
    translate_in(mem, cpu, asce, ea, ar, len, mode, access_key)
}

#[expect(clippy::too_many_arguments)]
fn translate_in(
    mem: &impl Storage,
    cpu: &Cpu,
    asce: Option<u64>,
    ea: u64,
    ar: u8,
    len: u64,
    mode: Mode,
    access_key: u8,
) -> Result<u64, AccessError> {
    if mode == Mode::Store && low_address_protection(cpu, asce) && is_low_address(ea) {
        return Err(exception(
            cpu,
            pgm::PROTECTION,
            ea,
            ar,
            mode,
            Some(Prot::LowAddress),
        ));
    }
    let abs = match asce {
        None => real_to_absolute(cpu.prefix, GuestReal(ea)).0,
        Some(asce) => match guest_dat::translate(mem, asce, ea, cpu.prefix, cpu.ctl) {
            Ok(t) => {
                if mode == Mode::Store && t.protected {
                    return Err(exception(
                        cpu,
                        pgm::PROTECTION,
                        ea,
                        ar,
                        mode,
                        Some(Prot::Dat),
                    ));
                }
                t.absolute
            }
            Err(DatError::Program(code)) => return Err(exception(cpu, code, ea, ar, mode, None)),
            Err(DatError::Host) => return Err(AccessError::Host),
        },
    };
    if !mem.exists(abs) {
        return Err(exception(cpu, pgm::ADDRESSING, ea, ar, mode, None));
    }
    let key = mem.key(abs).map_err(|_| AccessError::Host)?;
    if !key_permits(cpu, asce, access_key, key, mode, ea, len) {
        return Err(exception(
            cpu,
            pgm::PROTECTION,
            ea,
            ar,
            mode,
            Some(Prot::Key),
        ));
    }
    Ok(abs)
}

/// One page's part of an operand: where it is in guest absolute storage and which bytes
/// of the operand it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fragment {
    /// Guest absolute address of the first byte.
    pub abs: u64,
    /// Offset of the first byte within the operand.
    pub offset: usize,
    /// Number of bytes.
    pub len: usize,
}

/// Checks an operand of `len` bytes at logical address `ga` page by page, in order, and
/// then hands each page's [`Fragment`] to `each` (which moves the bytes): `each` runs only
/// when every page is accessible, so a failing access changes nothing. The address wraps
/// in the addressing mode from page to page, as the CPU's does.
#[expect(clippy::too_many_arguments)]
pub fn access_range<M: Storage>(
    mem: &M,
    cpu: &Cpu,
    ga: u64,
    ar: u8,
    len: usize,
    mode: Mode,
    access_key: u8,
    mut each: impl FnMut(&M, Fragment) -> Result<(), MemoryError>,
) -> Result<(), AccessError> {
    if len == 0 {
        return Ok(());
    }
    let asce = asce(mem, cpu, ar, effective(cpu, ga), mode)?;
    for pass in 0..2 {
        let mut ea = effective(cpu, ga);
        let mut offset = 0usize;
        while offset < len {
            let in_page = (PAGE_SIZE - (ea & (PAGE_SIZE - 1))) as usize;
            let chunk = in_page.min(len - offset);
            let abs = translate_in(mem, cpu, asce, ea, ar, chunk as u64, mode, access_key)
                .map_err(|e| terminate_if_later_page(e, mode, offset))?;
            if pass == 1 {
                each(
                    mem,
                    Fragment {
                        abs,
                        offset,
                        len: chunk,
                    },
                )
                .map_err(|e| match e {
                    MemoryError::Addressing => exception(cpu, pgm::ADDRESSING, ea, ar, mode, None),
                    MemoryError::Host => AccessError::Host,
                })?;
            }
            offset += chunk;
            ea = effective(cpu, ea.wrapping_add(chunk as u64));
        }
    }
    Ok(())
}

/// A store whose operand is key protected on a page after the first is terminated, not
/// suppressed (the architecture allows either; mainline's `access_guest_with_key`
/// terminates): the TEID's protection code (bits 56, 60, 61) is then 0.
fn terminate_if_later_page(e: AccessError, mode: Mode, offset: usize) -> AccessError {
    match e {
        AccessError::Program(mut x)
            if mode == Mode::Store
                && offset > 0
                && x.code == pgm::PROTECTION
                && x.teid & (TEID_B56 | TEID_B60 | TEID_B61) == TEID_B60 =>
        {
            x.teid &= !(TEID_B56 | TEID_B60 | TEID_B61);
            AccessError::Program(x)
        }
        e => e,
    }
}

/// Low-address protection of a store to guest real address `real` (for instructions that
/// store by real address, such as TEST BLOCK): the exception, if it applies.
pub fn check_low_address_real(cpu: &Cpu, real: u64) -> Result<(), AccessError> {
    if cpu.crs[0] & CR0_LAP != 0 && is_low_address(real) {
        return Err(exception(
            cpu,
            pgm::PROTECTION,
            real,
            0,
            Mode::Store,
            Some(Prot::LowAddress),
        ));
    }
    Ok(())
}

/// The outcome of TEST PROTECTION for one logical address: the condition code, or a
/// program exception (addressing and translation specification are presented, the other
/// translation exceptions give condition code 3). `store_ok` says whether the host lets
/// the guest store to the page (a read-only memslot does not). Mainline: `handle_tprot`.
pub fn test_protection(
    mem: &impl Storage,
    cpu: &Cpu,
    ga: u64,
    ar: u8,
    access_key: u8,
    store_ok: impl Fn(u64) -> bool,
) -> Result<u8, AccessError> {
    let fetch = match translate(mem, cpu, ga, ar, 1, Mode::Store, access_key) {
        Ok(abs) => return Ok(if store_ok(abs) { 0 } else { 1 }),
        Err(AccessError::Program(e)) if e.code == pgm::PROTECTION => {
            translate(mem, cpu, ga, ar, 1, Mode::Fetch, access_key)
        }
        Err(e) => Err(e),
    };
    match fetch {
        Ok(_) => Ok(1),
        Err(AccessError::Program(e)) => match e.code {
            pgm::PROTECTION => Ok(2),
            pgm::ADDRESSING | pgm::TRANSLATION_SPEC => Err(AccessError::Program(e)),
            _ => Ok(3),
        },
        Err(e) => Err(e),
    }
}
