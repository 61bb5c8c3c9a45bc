// SPDX-License-Identifier: GPL-2.0

//! Migration mode and its VM attribute group `KVM_S390_VM_MIGRATION`
//! (`Documentation/virt/kvm/devices/vm.rst`, section 5; mainline:
//! `kvm_s390_vm_{start,stop,set,get}_migration` and `kvm_s390_vm_has_attr` in `s390.c`).
//!
//! Migration mode is `kvm->arch.migration_mode`. Without CMMA, which this backend does not
//! offer, it is only a flag user space sets and reads: no ESSA is tracked. The decisions
//! are in `logic/migration.rs`.

use core::ptr::addr_of_mut;
use core::sync::atomic::{AtomicI32, Ordering};

use kernel::bindings;
use kernel::prelude::*;
use kernel::uaccess::{UserPtr, UserSlice};

use crate::logic::migration::{self, MigrationAttr};
use crate::uapi_kvm::{KvmDeviceAttr, KVM_GET_DEVICE_ATTR, KVM_HAS_DEVICE_ATTR};
use crate::vm::Vm;

impl Vm {
    fn migration_mode(&self) -> &AtomicI32 {
        // SAFETY: `arch()` is valid; `migration_mode` is an aligned int only accessed
        // atomically.
        unsafe { AtomicI32::from_ptr(addr_of_mut!((*self.arch()).migration_mode)) }
    }

    /// `KVM_{SET,GET,HAS}_DEVICE_ATTR` of the group `KVM_S390_VM_MIGRATION`.
    ///
    /// As in mainline, HAS reports every attribute number of the group, and SET of STATUS
    /// or GET of START and STOP are ENXIO.
    pub fn migration_attr(&self, ioctl: u32, attr: &KvmDeviceAttr) -> Result {
        let which = MigrationAttr::from_raw(attr.attr);
        match (ioctl, which) {
            (KVM_HAS_DEVICE_ATTR, _) => Ok(()),
            (KVM_GET_DEVICE_ATTR, Some(MigrationAttr::Status)) => {
                let mode = u64::from(self.migration_mode().load(Ordering::Relaxed) != 0);
                UserSlice::new(UserPtr::from_addr(attr.addr as usize), 8)
                    .writer()
                    .write(&mode)
            }
            (KVM_GET_DEVICE_ATTR, _) => Err(ENXIO),
            (_, Some(MigrationAttr::Start | MigrationAttr::Stop)) => {
                // SAFETY: the VM is live; no lock is held. `slots_arch_lock` serialises
                // the mode changes against each other and against memslot installation.
                unsafe { bindings::kvm_s390_rust_slots_arch_lock(self.as_raw()) };
                let result = if which == Some(MigrationAttr::Start) {
                    let on = self.migration_mode().load(Ordering::Relaxed) != 0;
                    // SAFETY: the VM is live.
                    let has_slots =
                        !unsafe { bindings::kvm_s390_rust_memslots_empty(self.as_raw()) };
                    migration::start(on, has_slots).ok_or(EINVAL)
                } else {
                    Ok(false)
                };
                if let Ok(on) = result {
                    self.migration_mode()
                        .store(i32::from(on), Ordering::Relaxed);
                }
                // SAFETY: taken above.
                unsafe { bindings::kvm_s390_rust_slots_arch_unlock(self.as_raw()) };
                result.map(|_| ())
            }
            _ => Err(ENXIO),
        }
    }
}
