// SPDX-License-Identifier: GPL-2.0

//! `KVM_ENABLE_CAP` on a VM and on a vCPU: which capabilities can be enabled and the errno
//! of each refusal (`Documentation/virt/kvm/api.rst`, section 7; mainline:
//! `kvm_vm_ioctl_enable_cap` and `kvm_vcpu_ioctl_enable_cap` in
//! `arch/s390/kvm/s390/s390.c`).
//!
//! Generic KVM handles its own VM capabilities (`KVM_CAP_HALT_POLL` and the like) before it
//! asks the architecture; what arrives here is s390's.

use crate::uapi_kvm::cap;

/// A VM capability this backend enables: each sets a per-VM switch in `struct kvm_arch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmCap {
    /// `KVM_CAP_S390_USER_SIGP` (`kvm->arch.user_sigp`).
    UserSigp,
    /// `KVM_CAP_S390_USER_STSI` (`kvm->arch.user_stsi`).
    UserStsi,
    /// `KVM_CAP_S390_USER_INSTR0` (`kvm->arch.user_instr0`).
    UserInstr0,
    /// `KVM_CAP_S390_USER_OPEREXEC` (`kvm->arch.user_operexec`).
    UserOperexec,
    /// `KVM_CAP_S390_IRQCHIP` (`kvm->arch.use_irqchip`: `KVM_CREATE_IRQCHIP` succeeds).
    Irqchip,
    /// `KVM_CAP_S390_VECTOR_REGISTERS`: the vector facility joins the CPU model
    /// (`logic/vector.rs`); the caller applies it under `kvm->lock`, checking again that
    /// no vCPU exists.
    VectorRegisters,
}

/// A vCPU capability this backend enables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VcpuCap {
    /// `KVM_CAP_S390_CSS_SUPPORT`: user space handles the channel subsystem
    /// (`kvm->arch.css_support`, a VM-wide switch although enabled on a vCPU).
    CssSupport,
}

/// Why `KVM_ENABLE_CAP` is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// EINVAL: flags set, an unknown capability, or one this backend cannot offer.
    Invalid,
    /// EBUSY: a capability that changes the CPU model, asked for after a vCPU exists.
    Busy,
}

/// VM capabilities mainline enables only while no vCPU exists, because they change the
/// CPU model or the guest mapping; this backend offers the vector registers where the host
/// has the vector facility and none of the others (the machine lacks the facility, or the
/// backend the support), but answers EBUSY once vCPUs exist like mainline does, before it
/// looks at the machine.
fn model_changing(capability: i64) -> bool {
    matches!(
        capability,
        cap::S390_VECTOR_REGISTERS
            | cap::S390_RI
            | cap::S390_GS
            | cap::S390_AIS
            | cap::S390_HPAGE_1M
            | cap::S390_HPAGE_2G
            | cap::S390_CPU_TOPOLOGY
    )
}

/// The answer to `KVM_ENABLE_CAP` on a VM, for `flags` (must be 0), whether vCPUs have
/// been created and whether the host has the vector facility.
pub fn vm(
    capability: i64,
    flags: u32,
    vcpus_created: bool,
    host_vector: bool,
) -> Result<VmCap, Refusal> {
    if flags != 0 {
        return Err(Refusal::Invalid);
    }
    match capability {
        cap::S390_USER_SIGP => Ok(VmCap::UserSigp),
        cap::S390_USER_STSI => Ok(VmCap::UserStsi),
        cap::S390_USER_INSTR0 => Ok(VmCap::UserInstr0),
        cap::S390_USER_OPEREXEC => Ok(VmCap::UserOperexec),
        cap::S390_IRQCHIP => Ok(VmCap::Irqchip),
        c if model_changing(c) && vcpus_created => Err(Refusal::Busy),
        cap::S390_VECTOR_REGISTERS if host_vector => Ok(VmCap::VectorRegisters),
        _ => Err(Refusal::Invalid),
    }
}

/// The answer to `KVM_ENABLE_CAP` on a vCPU.
pub fn vcpu(capability: i64, flags: u32) -> Result<VcpuCap, Refusal> {
    if flags != 0 {
        return Err(Refusal::Invalid);
    }
    match capability {
        cap::S390_CSS_SUPPORT => Ok(VcpuCap::CssSupport),
        _ => Err(Refusal::Invalid),
    }
}
