// SPDX-License-Identifier: GPL-2.0

//! Store status (`KVM_S390_STORE_STATUS`, SIGP STOP AND STORE STATUS and STORE STATUS AT
//! ADDRESS; mainline's `kvm_s390_store_status_unloaded`). Where the status goes and its layout are pure logic
//! (`logic/store_status.rs`); this file gathers the registers and writes guest memory.
//!
//! Outside `KVM_RUN` the registers live where the register ioctls keep them: general,
//! access and floating-point registers, the FPC and the PSW in `kvm_run`, the rest in the
//! SIE control block (`vcpu.rs`).

use core::ptr::{addr_of, read_volatile};

use kernel::bindings;
use kernel::prelude::*;

use crate::intercept::Regs;
use crate::logic::store_status::{self, CpuStatus};
use crate::vcpu::Vcpu;

/// Stores the status of `vcpu` as `KVM_S390_STORE_STATUS` with argument `arg` asks,
/// for a vCPU outside `KVM_RUN` (its registers are in `kvm_run`). EFAULT when guest
/// memory cannot be written. Called with `kvm->srcu` held, and with the vCPU mutex or,
/// for a stopped vCPU addressed by SIGP or injection, without it (as mainline; a stopped
/// vCPU does not run, so its registers do not change meanwhile).
pub(crate) fn store_status_unloaded(vcpu: &Vcpu, arg: u64) -> Result {
    let sie = vcpu.sie_block();
    let run = vcpu.run();
    // SAFETY: the SIE block and `kvm_run` are valid; the guest does not run (see above);
    // what user space shares is read volatile, the SIE block racily as mainline does.
    let st = unsafe {
        let regs = addr_of!((*run).s.regs);
        CpuStatus {
            fprs: vcpu.fprs(),
            gprs: read_volatile(addr_of!((*regs).gprs)),
            psw: [
                read_volatile(addr_of!((*run).psw_mask)),
                read_volatile(addr_of!((*run).psw_addr)),
            ],
            prefix: vcpu.prefix(),
            fpc: read_volatile(addr_of!((*regs).fpc)),
            todpr: read_volatile(addr_of!((*sie).todpr)),
            cputm: read_volatile(addr_of!((*sie).cputm)),
            ckc: read_volatile(addr_of!((*sie).ckc)),
            acrs: read_volatile(addr_of!((*regs).acrs)),
            crs: read_volatile(addr_of!((*sie).gcr)),
        }
    };
    store(vcpu, arg, &st)
}

/// Stores the status of `vcpu` from inside its own `KVM_RUN` (a SIGP STOP AND STORE
/// STATUS it performs): the general and access registers come from the run loop, the
/// floating-point ones from the CPU (through `kvm_run`, as mainline). Called with
/// `kvm->srcu` held.
pub(crate) fn store_status_loaded(vcpu: &Vcpu, arg: u64, regs: &Regs<'_>) -> Result {
    let sie = vcpu.sie_block();
    vcpu.store_guest_fp();
    // SAFETY: the SIE block is ours while the guest is out.
    let st = unsafe {
        CpuStatus {
            fprs: vcpu.fprs(),
            gprs: *regs.gprs,
            psw: [(*sie).gpsw.mask, (*sie).gpsw.addr],
            prefix: vcpu.prefix(),
            fpc: vcpu.fpc(),
            todpr: (*sie).todpr,
            cputm: (*sie).cputm,
            ckc: (*sie).ckc,
            acrs: *regs.acrs,
            crs: (*sie).gcr,
        }
    };
    store(vcpu, arg, &st)
}

fn store(vcpu: &Vcpu, arg: u64, st: &CpuStatus) -> Result {
    let target = store_status::target(arg, vcpu.prefix());
    if let Some(at) = target.arch_mode {
        write_absolute(vcpu, at, &[1])?;
    }
    let image = store_status::image(st);
    for (off, len) in store_status::FIELDS {
        let gpa = target.image.wrapping_add(off as u64);
        write_absolute(vcpu, gpa, &image[off..off + len])?;
    }
    Ok(())
}

fn write_absolute(vcpu: &Vcpu, gpa: u64, bytes: &[u8]) -> Result {
    // SAFETY: the caller holds `kvm->srcu`; `bytes` is ours.
    let rc = unsafe {
        bindings::kvm_write_guest(vcpu.vm().as_raw(), gpa, bytes.as_ptr().cast(), bytes.len())
    };
    kernel::error::to_result(rc).map_err(|_| EFAULT)
}
