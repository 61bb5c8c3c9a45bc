// SPDX-License-Identifier: GPL-2.0

//! Store status of a vCPU that is not running (`KVM_S390_STORE_STATUS`; mainline's
//! `kvm_s390_store_status_unloaded`). Where the status goes and its layout are pure logic
//! (`logic/store_status.rs`); this file gathers the registers and writes guest memory.
//!
//! Outside `KVM_RUN` the registers live where the register ioctls keep them: general,
//! access and floating-point registers, the FPC and the PSW in `kvm_run`, the rest in the
//! SIE control block (`vcpu.rs`).

use core::ptr::{addr_of, read_volatile};

use kernel::bindings;
use kernel::prelude::*;

use crate::logic::store_status::{self, CpuStatus};
use crate::vcpu::Vcpu;

/// Stores the status of `vcpu` as `KVM_S390_STORE_STATUS` with argument `arg` asks.
/// EFAULT when guest memory cannot be written. Called with the vCPU mutex and
/// `kvm->srcu` held.
pub(crate) fn store_status_unloaded(vcpu: &Vcpu, arg: u64) -> Result {
    let sie = vcpu.sie_block();
    let run = vcpu.run();
    // SAFETY: the SIE block and `kvm_run` are valid; the guest does not run while the vCPU
    // mutex is held; what user space shares is read volatile.
    let st = unsafe {
        let regs = addr_of!((*run).s.regs);
        CpuStatus {
            fprs: read_volatile(addr_of!((*regs).__bindgen_anon_1.fprs)),
            gprs: read_volatile(addr_of!((*regs).gprs)),
            psw: [
                read_volatile(addr_of!((*run).psw_mask)),
                read_volatile(addr_of!((*run).psw_addr)),
            ],
            prefix: vcpu.prefix(),
            fpc: read_volatile(addr_of!((*regs).fpc)),
            todpr: (*sie).todpr,
            cputm: (*sie).cputm,
            ckc: (*sie).ckc,
            acrs: read_volatile(addr_of!((*regs).acrs)),
            crs: (*sie).gcr,
        }
    };
    let target = store_status::target(arg, vcpu.prefix());
    if let Some(at) = target.arch_mode {
        write_absolute(vcpu, at, &[1])?;
    }
    let image = store_status::image(&st);
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
