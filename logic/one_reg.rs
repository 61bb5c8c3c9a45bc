// SPDX-License-Identifier: GPL-2.0

//! `KVM_GET_ONE_REG`/`KVM_SET_ONE_REG`: the s390 registers and their sizes
//! (`Documentation/virt/kvm/api.rst`, 4.68, "s390 registers"; ids from `asm/kvm.h`;
//! mainline: `kvm_arch_vcpu_ioctl_{get,set}_one_reg` in `arch/s390/kvm/s390/s390.c`).
//!
//! An id names the architecture (`KVM_REG_S390`), the size and the register; only the exact
//! ids below exist, any other is EINVAL, as in mainline.

/// `KVM_REG_S390`: the architecture part of a register id.
const REG_S390: u64 = 0x5000_0000_0000_0000;
/// `KVM_REG_SIZE_U32`.
const SIZE_U32: u64 = 0x0020_0000_0000_0000;
/// `KVM_REG_SIZE_U64`.
const SIZE_U64: u64 = 0x0030_0000_0000_0000;

/// The registers `KVM_{GET,SET}_ONE_REG` reach on s390.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reg {
    /// TOD programmable register (32 bits).
    Todpr,
    /// The vCPU's epoch difference: guest TOD minus host TOD.
    EpochDiff,
    /// CPU timer.
    CpuTimer,
    /// Clock comparator.
    ClockComp,
    /// pfault token (`KVM_S390_PFAULT_TOKEN_INVALID` when no handshake took place).
    PfToken,
    /// pfault compare mask.
    PfCompare,
    /// pfault select mask.
    PfSelect,
    /// Program parameter.
    Pp,
    /// Guest breaking-event address.
    Gbea,
}

impl Reg {
    /// The register an id names, `None` for an id that does not exist (EINVAL).
    pub fn from_id(id: u64) -> Option<Reg> {
        let reg = match id {
            x if x == REG_S390 | SIZE_U32 | 0x1 => Reg::Todpr,
            x if x == REG_S390 | SIZE_U64 | 0x2 => Reg::EpochDiff,
            x if x == REG_S390 | SIZE_U64 | 0x3 => Reg::CpuTimer,
            x if x == REG_S390 | SIZE_U64 | 0x4 => Reg::ClockComp,
            x if x == REG_S390 | SIZE_U64 | 0x5 => Reg::PfToken,
            x if x == REG_S390 | SIZE_U64 | 0x6 => Reg::PfCompare,
            x if x == REG_S390 | SIZE_U64 | 0x7 => Reg::PfSelect,
            x if x == REG_S390 | SIZE_U64 | 0x8 => Reg::Pp,
            x if x == REG_S390 | SIZE_U64 | 0x9 => Reg::Gbea,
            _ => return None,
        };
        Some(reg)
    }

    /// The size of the register in user memory, in bytes (what its id says).
    pub fn size(self) -> usize {
        match self {
            Reg::Todpr => 4,
            _ => 8,
        }
    }
}
