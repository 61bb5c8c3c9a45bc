// SPDX-License-Identifier: GPL-2.0

//! Migration mode: the VM attribute group `KVM_S390_VM_MIGRATION`
//! (`Documentation/virt/kvm/devices/vm.rst`, section 5; mainline:
//! `kvm_s390_vm_{start,stop,set,get}_migration` in `s390.c`). Without CMMA, which this
//! backend does not offer, the mode is a flag user space sets and reads.

/// The attributes of `KVM_S390_VM_MIGRATION`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MigrationAttr {
    /// Leaves migration mode (write-only).
    Stop,
    /// Enters migration mode (write-only).
    Start,
    /// Reads whether migration mode is on, as a u64 0 or 1 (read-only).
    Status,
}

impl MigrationAttr {
    /// The attribute `attr` names (`KVM_S390_VM_MIGRATION_*`), `None` for an unknown one.
    pub fn from_raw(attr: u64) -> Option<Self> {
        match attr {
            0 => Some(Self::Stop),
            1 => Some(Self::Start),
            2 => Some(Self::Status),
            _ => None,
        }
    }
}

/// Migration mode after START: unchanged if already on; refused (EINVAL) for a VM without
/// memory. Without CMMA, which this backend does not offer, there is nothing else to
/// prepare, so dirty logging is not required of the slots (mainline checks it only for
/// CMMA).
pub fn start(on: bool, has_memslots: bool) -> Option<bool> {
    if on {
        Some(true)
    } else if !has_memslots {
        None
    } else {
        Some(true)
    }
}
