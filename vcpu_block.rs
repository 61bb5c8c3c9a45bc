// SPDX-License-Identifier: GPL-2.0

//! Keeping every vCPU of a VM out of SIE while VM-wide state changes that SIE reads from
//! their SIE blocks, or that they apply at their next entry (mainline:
//! `kvm_s390_vcpu_block_all`, `kvm_s390_vcpu_unblock_all` and `exit_sie` in `s390.c`).
//!
//! A vCPU is kept out by `PROG_BLOCK_SIE` in its SIE block's `prog20`, which the kernel's
//! `__sie64a` checks right before it enters SIE (it then returns at once, and the run loop
//! goes round again), and driven out by `CPUSTAT_STOP_INT`, which makes SIE intercept with a
//! stop request that the backend only clears. `PROG_IN_SIE` in `prog0c`, kept by `__sie64a`,
//! says when it is out.

use core::ptr::addr_of_mut;
use core::sync::atomic::{AtomicU32, Ordering};

use kernel::bindings;

use crate::kvm_host::{cpustat, SieBlock};
use crate::vm::Vm;

/// `prog20` bit: keep the vCPU out of SIE (`PROG_BLOCK_SIE`).
const PROG_BLOCK_SIE: u32 = 1;
/// `prog0c` bit: the vCPU is in (or entering) SIE (`PROG_IN_SIE`).
const PROG_IN_SIE: u32 = 1;

/// The SIE block of a published vCPU of a live VM (it has one until the VM is destroyed).
/// Only its fields that other threads may touch are used, atomically or while the vCPU is
/// kept out of SIE, so no `Vcpu` (which stands for exclusive use) is formed.
fn sie_block_of(vcpu: *mut bindings::kvm_vcpu) -> *mut SieBlock {
    // SAFETY: the caller passes a published vCPU of a live VM; `sie_block` is set at its
    // creation and cleared only when the VM destroys it.
    unsafe { (*vcpu).arch.sie_block.cast::<SieBlock>() }
}

/// The atomic view of a 4-byte aligned word of a live SIE block.
///
/// # Safety
///
/// `word` points into a live SIE block, to a word that every thread accesses atomically.
unsafe fn word<'a>(word: *mut u32) -> &'a AtomicU32 {
    // SAFETY: as the caller guarantees.
    unsafe { AtomicU32::from_ptr(word) }
}

impl Vm {
    /// Calls `f` on the SIE block of every vCPU of the VM.
    fn for_each_sie_block(&self, mut f: impl FnMut(*mut SieBlock)) {
        // SAFETY: the VM is live.
        let online = unsafe { bindings::kvm_s390_rust_online_vcpus(self.as_raw()) };
        for i in 0..online {
            // SAFETY: as above; `i` is below `online_vcpus`, so the vCPU is published and
            // lives until the VM is destroyed.
            let vcpu = unsafe { bindings::kvm_s390_rust_get_vcpu(self.as_raw(), i) };
            if !vcpu.is_null() {
                f(sie_block_of(vcpu));
            }
        }
    }

    /// Drives every vCPU out of SIE and keeps it out while `f` runs on each SIE block,
    /// then lets them enter again. The caller holds `kvm->lock`: it serialises the users
    /// of the one blocking bit, and vCPU creation (a vCPU created meanwhile takes the
    /// VM-wide state under it). Process context; waits by spinning, for as long as a vCPU
    /// takes to leave SIE after a stop request.
    pub(crate) fn with_vcpus_out_of_sie(&self, mut f: impl FnMut(*mut SieBlock)) {
        self.for_each_sie_block(|sie| {
            // SAFETY: `prog20`, `cpuflags` and `prog0c` are words of the live SIE block that
            // the kernel's entry code, SIE and other CPUs access atomically.
            unsafe {
                word(addr_of_mut!((*sie).prog20)).fetch_or(PROG_BLOCK_SIE, Ordering::SeqCst);
                word(addr_of_mut!((*sie).cpuflags)).fetch_or(cpustat::STOP_INT, Ordering::SeqCst);
            }
        });
        self.for_each_sie_block(|sie| {
            // SAFETY: as above.
            let in_sie = unsafe { word(addr_of_mut!((*sie).prog0c)) };
            while in_sie.load(Ordering::SeqCst) & PROG_IN_SIE != 0 {
                core::hint::spin_loop();
            }
        });
        self.for_each_sie_block(&mut f);
        self.for_each_sie_block(|sie| {
            // SAFETY: as above.
            unsafe {
                word(addr_of_mut!((*sie).prog20)).fetch_and(!PROG_BLOCK_SIE, Ordering::SeqCst)
            };
        });
    }
}
