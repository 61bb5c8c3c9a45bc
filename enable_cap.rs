// SPDX-License-Identifier: GPL-2.0

//! `KVM_ENABLE_CAP` on a VM and on a vCPU, and the per-VM switches it sets, which the
//! intercept handlers consult exactly where mainline splits the work between the kernel and
//! user space (`Documentation/virt/kvm/api.rst`, section 7; mainline:
//! `kvm_vm_ioctl_enable_cap` and `kvm_vcpu_ioctl_enable_cap` in `arch/s390/kvm/s390/s390.c`).
//!
//! The switches are mainline's `struct kvm_arch` fields (`user_sigp`, `user_stsi`,
//! `user_instr0`, `user_operexec`, `css_support`): set once, never cleared, read by every
//! vCPU thread while others may set them, hence atomic. Which capability is accepted, and
//! the errno of each refusal, is decided in `logic/enable_cap.rs`.

use core::ptr::addr_of_mut;
use core::sync::atomic::{AtomicI32, Ordering};

use kernel::bindings;
use kernel::prelude::*;
use kernel::uaccess::{UserPtr, UserSlice};

use crate::kvm_host::ictl;
use crate::logic::enable_cap::{self, Refusal, VcpuCap, VmCap};
use crate::uapi_kvm::KvmEnableCap;
use crate::vcpu::Vcpu;
use crate::vm::Vm;

// SAFETY: plain integers and bytes without padding: any bit pattern is valid.
unsafe impl kernel::transmute::FromBytes for KvmEnableCap {}

/// The atomic view of an `int` switch of `struct kvm_arch`.
macro_rules! switch {
    ($vm:expr, $field:ident) => {
        // SAFETY: `arch()` points into the live `struct kvm`; the `int` is 4-byte aligned and
        // every access to it after VM creation is atomic (this macro is the only access).
        unsafe { AtomicI32::from_ptr(addr_of_mut!((*$vm.arch()).$field)) }
    };
}

fn errno(refusal: Refusal) -> Error {
    match refusal {
        Refusal::Invalid => EINVAL,
        Refusal::Busy => EBUSY,
    }
}

impl Vm {
    /// `KVM_CAP_S390_USER_SIGP` is enabled: SIGP orders other than the fast ones go to
    /// user space.
    pub(crate) fn user_sigp(&self) -> bool {
        switch!(self, user_sigp).load(Ordering::Relaxed) != 0
    }

    /// `KVM_CAP_S390_USER_STSI` is enabled: STSI is reported to user space too.
    #[expect(
        dead_code,
        reason = "read by the SIGP and STSI handlers of the other branches"
    )]
    pub(crate) fn user_stsi(&self) -> bool {
        switch!(self, user_stsi).load(Ordering::Relaxed) != 0
    }

    /// `KVM_CAP_S390_USER_INSTR0` is enabled: the instruction 0x0000 goes to user space.
    pub(crate) fn user_instr0(&self) -> bool {
        switch!(self, user_instr0).load(Ordering::SeqCst) != 0
    }

    /// `KVM_CAP_S390_USER_OPEREXEC` is enabled: operation exceptions go to user space.
    pub(crate) fn user_operexec(&self) -> bool {
        switch!(self, user_operexec).load(Ordering::SeqCst) != 0
    }

    /// `KVM_CAP_S390_CSS_SUPPORT` is enabled: user space handles the channel subsystem.
    pub(crate) fn css_support(&self) -> bool {
        switch!(self, css_support).load(Ordering::Relaxed) != 0
    }

    /// `KVM_CAP_S390_IRQCHIP` is enabled: `KVM_CREATE_IRQCHIP` succeeds (mainline's
    /// `use_irqchip`; the FLIC, routes and irqfd work either way, as on mainline).
    pub(crate) fn use_irqchip(&self) -> bool {
        switch!(self, use_irqchip).load(Ordering::Relaxed) != 0
    }

    /// Whether created vCPUs exist (under `kvm->lock`, which orders it against creation).
    fn vcpus_created(&self) -> bool {
        let kvm = self.as_raw();
        // SAFETY: the VM is live; no lock is held by the caller.
        unsafe { bindings::kvm_s390_rust_kvm_lock(kvm) };
        // SAFETY: `created_vcpus` is protected by `kvm->lock`, held.
        let created = unsafe { (*kvm).created_vcpus } != 0;
        // SAFETY: taken above.
        unsafe { bindings::kvm_s390_rust_kvm_unlock(kvm) };
        created
    }

    /// `KVM_ENABLE_CAP` on the VM for an s390 capability (generic KVM handled its own).
    pub fn enable_cap(&self, capability: u32, flags: u32) -> Result {
        let decision = enable_cap::vm(
            i64::from(capability),
            flags,
            self.vcpus_created(),
            crate::cpu_model::host_has_vector(),
        );
        match decision.map_err(errno)? {
            VmCap::UserSigp => switch!(self, user_sigp).store(1, Ordering::Relaxed),
            VmCap::UserStsi => switch!(self, user_stsi).store(1, Ordering::Relaxed),
            VmCap::UserInstr0 => {
                switch!(self, user_instr0).store(1, Ordering::SeqCst);
                self.resync_vcpus();
            }
            VmCap::UserOperexec => {
                switch!(self, user_operexec).store(1, Ordering::SeqCst);
                self.resync_vcpus();
            }
            VmCap::Irqchip => switch!(self, use_irqchip).store(1, Ordering::Relaxed),
            // Checks again, under `kvm->lock`, that no vCPU exists (EBUSY otherwise).
            VmCap::VectorRegisters => self.enable_vector()?,
        }
        Ok(())
    }
}

impl Vm {
    /// Makes every vCPU leave SIE once, so that all of them enter it again through
    /// `Vcpu::apply_vm_switches`, which sees the switch just set: when `KVM_ENABLE_CAP`
    /// returns, no vCPU runs with the old interception controls (mainline:
    /// `kvm_s390_sync_request(KVM_REQ_ICPT_OPEREXC)` on every vCPU).
    fn resync_vcpus(&self) {
        // SAFETY: the VM is live; no lock is held by the caller.
        unsafe { bindings::kvm_s390_rust_kvm_lock(self.as_raw()) };
        self.with_vcpus_out_of_sie(|_| {});
        // SAFETY: taken above.
        unsafe { bindings::kvm_s390_rust_kvm_unlock(self.as_raw()) };
    }
}

impl Vcpu {
    /// `KVM_ENABLE_CAP` on the vCPU: `arg` is the user's `struct kvm_enable_cap`.
    pub fn enable_cap_ioctl(&self, arg: usize) -> Result {
        let cap: KvmEnableCap = UserSlice::new(
            UserPtr::from_addr(arg),
            core::mem::size_of::<KvmEnableCap>(),
        )
        .reader()
        .read()?;
        match enable_cap::vcpu(i64::from(cap.cap), cap.flags).map_err(errno)? {
            VcpuCap::CssSupport => switch!(self.vm(), css_support).store(1, Ordering::Relaxed),
        }
        Ok(())
    }

    /// Makes the SIE block follow the VM's switches before an entry: operation exceptions
    /// intercept once user space wants some of them (mainline sets `ICTL_OPEREXC` at vCPU
    /// setup and through `KVM_REQ_ICPT_OPEREXC`).
    pub(crate) fn apply_vm_switches(&self) {
        let vm = self.vm();
        if vm.user_instr0() || vm.user_operexec() {
            // SAFETY: the SIE block is ours while the guest is out (called before entry).
            unsafe { (*self.sie_block()).ictl |= ictl::OPEREXC };
        }
    }
}
