// SPDX-License-Identifier: GPL-2.0

//! Guest storage access for the backend's own handlers: reads and writes of guest real and
//! absolute storage through the memslots, and the guest address of the current instruction
//! (through the guest's DAT tables, `logic/guest_dat.rs`). Mainline: `gaccess.c`/`gaccess.h`.
//!
//! The rules (prefixing, the DAT walk) are pure logic in `logic/`; this file is the glue
//! that applies them to a vCPU's memory. Every function is called with `kvm->srcu` held
//! (the run loop holds it while it handles an exit).

use kernel::bindings;
use kernel::prelude::*;

use crate::kvm_host::Psw;
use crate::logic::dat::PAGE_SHIFT;
use crate::logic::facilities;
use crate::logic::guest_dat::{self, Controls, DatError, GuestMemory, MemoryError};
use crate::logic::prefix::{real_to_absolute, GuestReal};
use crate::logic::psw;
use crate::vcpu::Vcpu;

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
    let vm = vcpu.vm();
    let ctl = Controls {
        edat1: crs[0] & guest_dat::CR0_EDAT != 0 && vm.has_facility(facilities::EDAT1),
        edat2: crs[0] & guest_dat::CR0_EDAT != 0
            && vm.has_facility(facilities::EDAT1)
            && vm.has_facility(facilities::EDAT2),
    };
    let asce = guest_dat::instruction_asce(gpsw.mask, crs);
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
        // SAFETY: the caller holds `kvm->srcu`, as the memslot lookup requires.
        if unsafe { bindings::kvm_vcpu_gfn_to_memslot(self.0.as_raw(), addr >> PAGE_SHIFT) }
            .is_null()
        {
            return Err(MemoryError::Addressing);
        }
        let mut bytes = [0u8; 8];
        read_absolute(self.0, addr, &mut bytes).map_err(|_| MemoryError::Host)?;
        Ok(u64::from_be_bytes(bytes))
    }
}
