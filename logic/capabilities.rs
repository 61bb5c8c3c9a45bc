// SPDX-License-Identifier: GPL-2.0

//! Answers to `KVM_CHECK_EXTENSION` for the s390-specific capabilities.
//!
//! A capability is reported only when what it announces works in this backend; the meaning of
//! each value is the one `Documentation/virt/kvm/api.rst` gives. Generic capabilities are
//! answered by `virt/kvm/kvm_main.c` before it asks us.

use crate::logic::vcpu_limits::ScaKind;
use crate::uapi_kvm::cap;

/// Facts about the host and the VM that capability answers depend on.
#[derive(Clone, Copy, Debug)]
pub struct Host {
    /// Number of online host CPUs.
    pub online_cpus: u32,
    /// The SCA format VMs are created with.
    pub sca: ScaKind,
    /// The host has the guest-PER enhancement (SCLP `has_gpere`), which guest debugging
    /// needs.
    pub guest_per: bool,
    /// The host has the vector facility (129), which the guest's vector registers need.
    pub vector: bool,
}

/// The value `KVM_CHECK_EXTENSION` returns for `cap` (0: not supported).
pub fn value(capability: i64, host: &Host) -> i64 {
    let max_vcpus = host.sca.slots() as i64;
    match capability {
        cap::S390_PSW => 1,
        // KVM_RUN honours kvm_run.immediate_exit (vcpu.rs).
        cap::IMMEDIATE_EXIT => 1,
        // kvm_run carries the registers in and out of KVM_RUN with kvm_valid_regs and
        // kvm_dirty_regs (run.rs, vcpu.rs).
        cap::SYNC_REGS => 1,
        // Guest memory may be copy-on-write: a writable memslot is mapped writable at the
        // first fault, with FOLL_WRITE, which breaks a copy-on-write share there, and the MMU
        // notifier unmaps a page user space write-protects (fork) (gmap.rs). QEMU requires it.
        cap::S390_COW => 1,
        // The pfault handshake: DIAG 0x258 (diag.rs), the FLIC's APF groups and asynchronous
        // faults with pfault init/done (pfault.rs). QEMU reads it.
        cap::ASYNC_PF => 1,
        // KVM_{SET,GET,HAS}_DEVICE_ATTR on the VM (the CPU-model group, cpu_model.rs).
        cap::VM_ATTRIBUTES => 1,
        // KVM_PRE_FAULT_MEMORY maps guest pages ahead of the guest (gmap.rs).
        cap::PRE_FAULT_MEMORY => 1,
        // KVM_ENABLE_CAP on a vCPU (S390_CSS_SUPPORT) and the per-VM switches that hand
        // intercepts to user space (enable_cap.rs); ONE_REG (one_reg.rs).
        cap::ENABLE_CAP
        | cap::S390_CSS_SUPPORT
        | cap::S390_USER_SIGP
        | cap::S390_USER_STSI
        | cap::S390_USER_INSTR0
        | cap::S390_USER_OPEREXEC
        | cap::ONE_REG => 1,
        // DIAG 0x500 signals the ioeventfds of the virtio-ccw notification bus (diag.rs).
        cap::IOEVENTFD => 1,
        // KVM_GET_MP_STATE/KVM_SET_MP_STATE with user-controlled CPU state (vcpu.rs).
        cap::MP_STATE => 1,
        // KVM_S390_IRQ injects every local interruption type (interrupt.rs).
        cap::S390_INJECT_IRQ => 1,
        // KVM_S390_{GET,SET}_IRQ_STATE of the local interruptions (interrupt.rs).
        cap::S390_IRQ_STATE => 1,
        // KVM_S390_NORMAL_RESET and KVM_S390_CLEAR_RESET (vcpu.rs).
        cap::S390_VCPU_RESETS => 1,
        // The FLIC device, adapter routes and irqfd (flic.rs): KVM_ENABLE_CAP of it and
        // KVM_CREATE_IRQCHIP are accepted (enable_cap.rs).
        cap::S390_IRQCHIP => 1,
        // MAX_VCPU_ID equals MAX_VCPUS, as api.rst asks: ids index the SCA.
        cap::MAX_VCPUS | cap::MAX_VCPU_ID => max_vcpus,
        cap::NR_VCPUS => core::cmp::min(i64::from(host.online_cpus), max_vcpus),
        // KVM_S390_MEM_OP on vCPUs (logical) and VMs (absolute, cmpxchg), with key
        // protection (mem_op.rs); storage keys get and set (logic/skey.rs).
        cap::S390_MEM_OP => i64::from(crate::uapi_kvm::memop::MAX_SIZE),
        cap::S390_MEM_OP_EXTENSION => {
            crate::uapi_kvm::memop::EXTENSION_CAP_BASE
                | crate::uapi_kvm::memop::EXTENSION_CAP_CMPXCHG
        }
        cap::S390_SKEYS => 1,
        // KVM_S390_KEYOP: ISKE, RRBE, SSKE on one page from user space (mem_op.rs).
        cap::S390_KEYOP => 1,
        // KVM_SET_GUEST_DEBUG with single-step and hardware breakpoints and watchpoints
        // (guestdbg.rs), where the host has the guest-PER enhancement it is built on.
        // SET_GUEST_DEBUG2 names the flags user space may pass (mainline adds its
        // kernel-internal EXIT_PENDING, which the ioctl refuses).
        cap::SET_GUEST_DEBUG if host.guest_per => 1,
        // Guest vector registers in kvm_run (KVM_SYNC_VRS), switched around SIE with the
        // FPRs (sie64a.S), where the host has the vector facility (logic/vector.rs).
        cap::S390_VECTOR_REGISTERS => i64::from(host.vector),
        cap::SET_GUEST_DEBUG2 if host.guest_per => i64::from(super::guestdbg::SUPPORTED_CONTROL),
        _ => 0,
    }
}
