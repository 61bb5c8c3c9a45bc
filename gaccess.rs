// SPDX-License-Identifier: GPL-2.0

//! Guest storage access for the backend's own handlers: reads and writes of guest real and
//! absolute storage through the memslots, of logical operands as the guest CPU makes them
//! (address space, DAT, low-address, DAT and key-controlled protection: `logic/access.rs`),
//! and the guest address of the current instruction (through the guest's DAT tables,
//! `logic/guest_dat.rs`). Mainline: `gaccess.c`/`gaccess.h`.
//!
//! The rules (prefixing, the DAT walk, protection) are pure logic in `logic/`; this file is
//! the glue that applies them to a vCPU's memory. Every function is called with `kvm->srcu`
//! held (the run loop holds it while it handles an exit). Every walk of the guest's DAT
//! tables holds the IPTE interlock (`ipte.rs`), so that no guest CPU invalidates an entry
//! under it.

use kernel::bindings;
use kernel::prelude::*;

use crate::gmap::Faultin;
use crate::ipte;
use crate::kvm_host::Psw;
use crate::logic::access::{self, AccessError, Mode};
use crate::logic::dat::PAGE_SHIFT;
use crate::logic::facilities;
use crate::logic::guest_dat::{self, Controls, DatError, GuestMemory, MemoryError};
use crate::logic::prefix::{real_to_absolute, GuestReal};
use crate::logic::psw;
use crate::logic::skey;
use crate::vcpu::Vcpu;
use crate::vm::Vm;

/// The guest absolute address of the instruction the PSW designates.
pub(crate) fn instruction_address(
    vcpu: &Vcpu,
    gpsw: Psw,
    crs: &[u64; 16],
) -> core::result::Result<u64, DatError> {
    let prefix = vcpu.prefix();
    if gpsw.mask & psw::MASK_DAT == 0 {
        return Ok(real_to_absolute(prefix, GuestReal(gpsw.addr)).0);
    }
    let ctl = controls(vcpu.vm(), crs);
    let asce = guest_dat::instruction_asce(gpsw.mask, crs);
    let _interlock = ipte::lock(vcpu.vm());
    guest_dat::translate(&GuestAbsoluteMemory(vcpu), asce, gpsw.addr, prefix, ctl)
        .map(|t| t.absolute)
}

/// Reads guest real storage (prefixing applied) into `buf`. Called with `kvm->srcu` held.
pub(crate) fn read_real(vcpu: &Vcpu, real: GuestReal, buf: &mut [u8]) -> Result {
    read_absolute(vcpu, real_to_absolute(vcpu.prefix(), real).0, buf)
}

/// Reads guest absolute storage into `buf`. Called with `kvm->srcu` held.
pub(crate) fn read_absolute(vcpu: &Vcpu, abs: u64, buf: &mut [u8]) -> Result {
    // SAFETY: `kvm->srcu` is held by the run loop; `buf` is ours.
    let rc = unsafe {
        bindings::kvm_read_guest(vcpu.vm().as_raw(), abs, buf.as_mut_ptr().cast(), buf.len())
    };
    kernel::error::to_result(rc)
}

/// Writes `buf` to guest real storage (prefixing applied); the pages are marked dirty.
/// Called with `kvm->srcu` held.
pub(crate) fn write_real(vcpu: &Vcpu, real: GuestReal, buf: &[u8]) -> Result {
    let abs = real_to_absolute(vcpu.prefix(), real);
    // SAFETY: as in `read_real`.
    let rc = unsafe {
        bindings::kvm_write_guest(vcpu.vm().as_raw(), abs.0, buf.as_ptr().cast(), buf.len())
    };
    kernel::error::to_result(rc)
}

/// Guest absolute memory as the DAT walk reads it: the memslots, through the user mapping.
/// Used with `kvm->srcu` held (the run loop holds it while handling exits).
struct GuestAbsoluteMemory<'a>(&'a Vcpu);

impl GuestMemory for GuestAbsoluteMemory<'_> {
    fn read_u64(&self, addr: u64) -> core::result::Result<u64, MemoryError> {
        // The caller holds `kvm->srcu`, as the memslot lookup requires.
        if !exists(self.0, addr) {
            return Err(MemoryError::Addressing);
        }
        let mut bytes = [0u8; 8];
        read_absolute(self.0, addr, &mut bytes).map_err(|_| MemoryError::Host)?;
        Ok(u64::from_be_bytes(bytes))
    }
}

/// The guest CPU state a logical access depends on (`logic/access.rs`), from the SIE
/// block and the access registers the run loop holds.
pub(crate) fn cpu_state(vcpu: &Vcpu, acrs: &[u32; 16]) -> access::Cpu {
    let sie = vcpu.sie_block();
    // SAFETY: the SIE block is ours while the guest is out.
    let (gpsw, crs) = unsafe { ((*sie).gpsw, (*sie).gcr) };
    access::Cpu {
        psw_mask: gpsw.mask,
        crs,
        acrs: *acrs,
        prefix: vcpu.prefix(),
        ctl: controls(vcpu.vm(), &crs),
    }
}

/// The enhanced-DAT controls the guest enabled in CR0 and has in its facility list.
fn controls(vm: &Vm, crs: &[u64; 16]) -> Controls {
    let edat = crs[0] & guest_dat::CR0_EDAT != 0 && vm.has_facility(facilities::EDAT1);
    Controls {
        edat1: edat,
        edat2: edat && vm.has_facility(facilities::EDAT2),
    }
}

/// Reads `buf.len()` bytes at logical address `ga` (access register `ar`) with access key
/// `key`, checking every page before the first byte moves. Called with `kvm->srcu` held.
pub(crate) fn read_logical(
    vcpu: &Vcpu,
    cpu: &access::Cpu,
    ga: u64,
    ar: u8,
    key: u8,
    buf: &mut [u8],
) -> core::result::Result<(), AccessError> {
    let len = buf.len();
    let _interlock = ipte::lock_for(vcpu.vm(), cpu);
    access::access_range(
        &GuestAbsoluteMemory(vcpu),
        cpu,
        ga,
        ar,
        len,
        Mode::Fetch,
        key,
        |_, f| {
            let part = buf
                .get_mut(f.offset..f.offset + f.len)
                .ok_or(MemoryError::Host)?;
            read_absolute(vcpu, f.abs, part).map_err(|_| MemoryError::Host)
        },
    )
}

/// Writes `buf` at logical address `ga` (access register `ar`) with access key `key`,
/// checking every page before the first byte moves; the pages are marked dirty. Called
/// with `kvm->srcu` held.
pub(crate) fn write_logical(
    vcpu: &Vcpu,
    cpu: &access::Cpu,
    ga: u64,
    ar: u8,
    key: u8,
    buf: &[u8],
) -> core::result::Result<(), AccessError> {
    let _interlock = ipte::lock_for(vcpu.vm(), cpu);
    access::access_range(
        &GuestAbsoluteMemory(vcpu),
        cpu,
        ga,
        ar,
        buf.len(),
        Mode::Store,
        key,
        |_, f| {
            let part = buf
                .get(f.offset..f.offset + f.len)
                .ok_or(MemoryError::Host)?;
            write_absolute(vcpu, f.abs, part).map_err(|_| MemoryError::Host)
        },
    )
}

/// Writes `buf` to guest absolute storage; the pages are marked dirty. Called with
/// `kvm->srcu` held.
pub(crate) fn write_absolute(vcpu: &Vcpu, abs: u64, buf: &[u8]) -> Result {
    // SAFETY: `kvm->srcu` is held by the caller; `buf` is ours.
    let rc = unsafe {
        bindings::kvm_write_guest(vcpu.vm().as_raw(), abs, buf.as_ptr().cast(), buf.len())
    };
    kernel::error::to_result(rc)
}

/// Whether a memslot backs the guest absolute address. Called with `kvm->srcu` held.
pub(crate) fn exists(vcpu: &Vcpu, abs: u64) -> bool {
    // SAFETY: the caller holds `kvm->srcu`, as the memslot lookup requires.
    !unsafe { bindings::kvm_vcpu_gfn_to_memslot(vcpu.as_raw(), abs >> PAGE_SHIFT) }.is_null()
}

/// Whether the guest may store to the guest absolute address (its memslot is not
/// read-only). Called with `kvm->srcu` held.
pub(crate) fn writable(vcpu: &Vcpu, abs: u64) -> bool {
    // SAFETY: the caller holds `kvm->srcu`, as the memslot lookup requires.
    let slot = unsafe { bindings::kvm_vcpu_gfn_to_memslot(vcpu.as_raw(), abs >> PAGE_SHIFT) };
    if slot.is_null() {
        return false;
    }
    // SAFETY: memslots stay valid while `kvm->srcu` is held.
    unsafe { (*slot).flags & bindings::KVM_MEM_READONLY == 0 }
}

impl access::Storage for GuestAbsoluteMemory<'_> {
    fn exists(&self, abs: u64) -> bool {
        exists(self.0, abs)
    }

    fn key(&self, abs: u64) -> core::result::Result<u8, MemoryError> {
        match guest_key(self.0.vm(), abs) {
            Ok(Some(k)) => Ok(k),
            Ok(None) => Err(MemoryError::Addressing),
            Err(_) => Err(MemoryError::Host),
        }
    }
}

/// Test protection of logical address `ga` with `access_key` (TPROT): the condition code or
/// why not. Called with `kvm->srcu` held.
pub(crate) fn test_protection(
    vcpu: &Vcpu,
    cpu: &access::Cpu,
    ga: u64,
    ar: u8,
    access_key: u8,
) -> core::result::Result<u8, AccessError> {
    let _interlock = ipte::lock_for(vcpu.vm(), cpu);
    access::test_protection(&GuestAbsoluteMemory(vcpu), cpu, ga, ar, access_key, |abs| {
        writable(vcpu, abs)
    })
}

/// The outcome of a storage-key operation on a guest page.
pub(crate) enum KeyOp<R> {
    /// Done, with the operation's result.
    Done(R),
    /// No memory at the address: an addressing exception for the guest.
    Addressing,
    /// The memslot is changing or an invalidation raced: execute the instruction again.
    Retry,
}

/// Runs a storage-key operation (`logic/skey.rs`) on the page at guest absolute `abs`:
/// `op` gets the real key of the mapped frame (`None` if not mapped) and the PGSTE, and
/// returns the new state (used when `modify`) and a result. A page that has no page table
/// yet has key 0; to change its key, it is mapped first. Called with `kvm->srcu` held,
/// not `kvm->mmu_lock`.
pub(crate) fn with_key<R>(
    vm: &Vm,
    abs: u64,
    modify: bool,
    mut op: impl FnMut(Option<u8>, u64) -> (skey::KeyState, R),
) -> Result<KeyOp<R>> {
    if !exists_in(vm, abs) {
        return Ok(KeyOp::Addressing);
    }
    // SAFETY: the VM is live; we do not hold the lock, and `with_key` does not sleep.
    unsafe { bindings::kvm_s390_rust_mmu_write_lock(vm.as_raw()) };
    let done = vm.gmap().with_key(abs, modify, &mut op);
    // SAFETY: taken above.
    unsafe { bindings::kvm_s390_rust_mmu_write_unlock(vm.as_raw()) };
    if let Some(r) = done {
        return Ok(KeyOp::Done(r));
    }
    if !modify {
        return Ok(KeyOp::Done(op(None, 0).1));
    }
    // SAFETY: the gmap is the VM's; srcu is held, mmu_lock is not.
    match unsafe { vm.gmap().fault_in_vm(vm, abs & !((1 << PAGE_SHIFT) - 1)) }? {
        Faultin::Addressing => Ok(KeyOp::Addressing),
        // Mapped (or about to be): the instruction runs again and finds the table.
        Faultin::Mapped | Faultin::Retry | Faultin::SlotChanging => Ok(KeyOp::Retry),
    }
}

/// The guest's storage key of the page at guest absolute `abs` (`None`: no memory there).
/// Called with `kvm->srcu` held, not `kvm->mmu_lock`.
pub(crate) fn guest_key(vm: &Vm, abs: u64) -> Result<Option<u8>> {
    let read = |real: Option<u8>, pgste: u64| {
        (skey::KeyState { real, pgste }, skey::guest_key(real, pgste))
    };
    Ok(match with_key(vm, abs, false, read)? {
        KeyOp::Done(k) => Some(k),
        KeyOp::Addressing | KeyOp::Retry => None,
    })
}

/// Whether a memslot backs the guest absolute address (without a vCPU). Called with
/// `kvm->srcu` held.
pub(crate) fn exists_in(vm: &Vm, abs: u64) -> bool {
    // SAFETY: the caller holds `kvm->srcu`, as the memslot lookup requires.
    !unsafe { bindings::gfn_to_memslot(vm.as_raw(), abs >> PAGE_SHIFT) }.is_null()
}

/// Checks an access of `len` bytes at logical address `ga` without making it
/// (`KVM_S390_MEMOP_F_CHECK_ONLY`). Called with `kvm->srcu` held.
pub(crate) fn check_logical(
    vcpu: &Vcpu,
    cpu: &access::Cpu,
    ga: u64,
    ar: u8,
    len: usize,
    mode: Mode,
    key: u8,
) -> core::result::Result<(), AccessError> {
    let _interlock = ipte::lock_for(vcpu.vm(), cpu);
    access::access_range(
        &GuestAbsoluteMemory(vcpu),
        cpu,
        ga,
        ar,
        len,
        mode,
        key,
        |_, _| Ok(()),
    )
}
