// SPDX-License-Identifier: GPL-2.0

//! The guest TOD clock and the guest memory limit as VM attributes, and SET CLOCK in the
//! guest (`Documentation/virt/kvm/devices/vm.rst`, sections 1.3 and 3; mainline:
//! `kvm_s390_{set,get}_tod`, `kvm_s390_{set,get}_mem_control`, `kvm_s390_vm_has_attr` and
//! `__kvm_s390_set_tod_clock` in `s390.c`, `handle_set_clock` in `priv.c`).
//!
//! The guest clock is the host clock plus an epoch difference in every vCPU's SIE block;
//! the VM's value is `kvm->arch.epoch`, which new vCPUs start with. Changing it changes
//! every vCPU's epoch while none of them is in SIE (`vcpu_block.rs`). The decisions are in `logic/tod.rs` and
//! `logic/mem_limit.rs`.

use core::ptr::addr_of_mut;
use core::sync::atomic::{AtomicU64, Ordering};

use kernel::bindings;
use kernel::prelude::*;
use kernel::uaccess::{UserPtr, UserSlice};

use crate::gmap::Gmap;
use crate::instruction::Insn;
use crate::intercept::Outcome;
use crate::logic::mem_limit::{self, LimitError};
use crate::logic::psw;
use crate::logic::sie_exit::pgm;
use crate::logic::tod::{self, Attr};
use crate::stats::count;
use crate::uapi_kvm::{self, KvmDeviceAttr, KvmS390VmTodClock};
use crate::vm::Vm;

// SAFETY: integers and explicit padding bytes: any bit pattern is valid.
unsafe impl kernel::transmute::FromBytes for KvmS390VmTodClock {}
// SAFETY: as above; the padding is a field, so every byte is initialised.
unsafe impl kernel::transmute::AsBytes for KvmS390VmTodClock {}

/// The host TOD clock, bits 0-63 (unsteered: what SIE adds the epoch to).
fn host_tod() -> u64 {
    // SAFETY: STORE CLOCK EXTENDED has no precondition.
    unsafe { bindings::kvm_s390_rust_host_tod() }
}

impl Vm {
    fn epoch_field(&self) -> &AtomicU64 {
        // SAFETY: `arch()` points into the live `struct kvm`; `epoch` is a naturally aligned
        // u64 only accessed atomically after VM creation.
        unsafe { AtomicU64::from_ptr(addr_of_mut!((*self.arch()).epoch)) }
    }

    /// The epoch difference of the VM's clock, which new vCPUs start with.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch_field().load(Ordering::Relaxed)
    }

    /// Sets the guest clock to `guest_tod` now: the VM's epoch and every vCPU's. The caller
    /// holds `kvm->lock`, which orders this against vCPU creation (new vCPUs take the VM's
    /// epoch under it).
    fn set_guest_tod(&self, guest_tod: u64) {
        let epoch = tod::epoch(guest_tod, host_tod());
        self.epoch_field().store(epoch, Ordering::Relaxed);
        self.with_vcpus_out_of_sie(|sie| {
            // SAFETY: the SIE block is live and its vCPU out of SIE, so SIE does not use
            // the epoch now.
            unsafe { addr_of_mut!((*sie).epoch).write_volatile(epoch) };
        });
    }

    /// `KVM_{SET,GET,HAS}_DEVICE_ATTR` of the group `KVM_S390_VM_TOD`.
    pub fn tod_attr(&self, ioctl: u32, attr: &KvmDeviceAttr) -> Result {
        // Flags are checked first for GET and SET, never for HAS (as mainline).
        if ioctl != uapi_kvm::KVM_HAS_DEVICE_ATTR && attr.flags != 0 {
            return Err(EINVAL);
        }
        let which = Attr::from_raw(attr.attr).ok_or(ENXIO)?;
        if ioctl == uapi_kvm::KVM_HAS_DEVICE_ATTR {
            // Every attribute that GET and SET accept exists (mainline answers ENXIO for
            // EXT here, see Documentation/kvm_s390.rst).
            return Ok(());
        }
        let user = |size| UserSlice::new(UserPtr::from_addr(attr.addr as usize), size);
        if ioctl == uapi_kvm::KVM_GET_DEVICE_ATTR {
            let now = tod::guest_tod(host_tod(), self.epoch());
            return match which {
                Attr::Low => user(8).writer().write(&now),
                Attr::High => user(1).writer().write(&0u8),
                Attr::Ext => user(16).writer().write(&KvmS390VmTodClock {
                    epoch_idx: 0,
                    pad: [0; 7],
                    tod: now,
                }),
            };
        }
        // SET: the value is read before `kvm->lock` is taken (mainline reads under it; the
        // errnos are the same).
        let guest = match which {
            Attr::Low => Some(user(8).reader().read::<u64>()?),
            Attr::High => {
                if !tod::epoch_index_allowed(user(1).reader().read::<u8>()?) {
                    return Err(EINVAL);
                }
                None
            }
            Attr::Ext => {
                let clock: KvmS390VmTodClock = user(16).reader().read()?;
                if !tod::epoch_index_allowed(clock.epoch_idx) {
                    return Err(EINVAL);
                }
                Some(clock.tod)
            }
        };
        if let Some(guest) = guest {
            // SAFETY: the VM is live; no lock is held.
            unsafe { bindings::kvm_s390_rust_kvm_lock(self.as_raw()) };
            self.set_guest_tod(guest);
            // SAFETY: taken above.
            unsafe { bindings::kvm_s390_rust_kvm_unlock(self.as_raw()) };
        }
        Ok(())
    }

    /// `KVM_{SET,GET,HAS}_DEVICE_ATTR` of the group `KVM_S390_VM_MEM_CTRL`: only the
    /// memory limit (CMMA is not offered: ENXIO, as mainline on a machine without it).
    pub fn mem_ctrl_attr(&self, ioctl: u32, attr: &KvmDeviceAttr) -> Result {
        if attr.attr != uapi_kvm::KVM_S390_VM_MEM_LIMIT_SIZE {
            return Err(ENXIO);
        }
        let user = UserSlice::new(UserPtr::from_addr(attr.addr as usize), 8);
        match ioctl {
            uapi_kvm::KVM_HAS_DEVICE_ATTR => Ok(()),
            uapi_kvm::KVM_GET_DEVICE_ATTR => user.writer().write(&self.mem_limit()),
            _ => {
                let requested = user.reader().read::<u64>()?;
                self.set_mem_limit(requested)
            }
        }
    }

    /// Sets a new memory limit: checked as mainline checks it, rounded up to what the
    /// guest mapping's top-level table covers (at most the old limit), then stored (the
    /// limit memory slots are checked against) with a new, empty guest mapping of that
    /// depth. Nothing is mapped yet, because no vCPU exists.
    fn set_mem_limit(&self, requested: u64) -> Result {
        let kvm = self.as_raw();
        // SAFETY: the VM is live; no lock is held. `kvm->lock` is taken outside
        // `slots_lock`, as everywhere in KVM.
        unsafe { bindings::kvm_s390_rust_kvm_lock(kvm) };
        // SAFETY: as above.
        unsafe { bindings::kvm_s390_rust_slots_lock(kvm) };
        let result = (|| {
            // SAFETY: `created_vcpus` is protected by `kvm->lock`, and the memslots by
            // `slots_lock`, both held.
            let (vcpus, slots_end) = unsafe {
                (
                    (*kvm).created_vcpus != 0,
                    bindings::kvm_s390_rust_memslots_end(kvm),
                )
            };
            let current = self.mem_limit();
            let requested = mem_limit::new_limit(requested, current, vcpus, slots_end).map_err(
                |e| match e {
                    LimitError::TooBig => E2BIG,
                    LimitError::Zero => EINVAL,
                    LimitError::Busy => EBUSY,
                },
            )?;
            let limit = mem_limit::effective_limit(requested, current);
            let gmap = Gmap::new(limit)?;
            // The MMU notifier reaches the gmap under `mmu_lock`; the fault paths need a
            // vCPU, which does not exist (and cannot while `kvm->lock` is held).
            // SAFETY: the VM is live; `mmu_lock` is not held.
            unsafe { bindings::kvm_s390_rust_mmu_write_lock(kvm) };
            let arch = self.arch();
            // SAFETY: `gmap` and `mem_limit` are only changed here (and at creation), with
            // `kvm->lock`, `slots_lock` and `mmu_lock` held; their readers hold `slots_lock`
            // (slot changes, dirty log) or `mmu_lock` (MMU notifier), or are vCPUs, of
            // which none exists.
            let old = unsafe {
                let old = (*arch).gmap.cast::<Gmap>();
                (*arch).gmap = KBox::into_raw(gmap).cast();
                (*arch).mem_limit = limit as usize;
                old
            };
            // SAFETY: taken above.
            unsafe { bindings::kvm_s390_rust_mmu_write_unlock(kvm) };
            if !old.is_null() {
                // SAFETY: allocated as a `KBox<Gmap>` (`Vm::init` or here) and no longer
                // reachable: the pointer was replaced under all the locks its users hold.
                drop(unsafe { KBox::from_raw(old) });
            }
            Ok(())
        })();
        // SAFETY: taken above, in this order.
        unsafe { bindings::kvm_s390_rust_slots_unlock(kvm) };
        // SAFETY: as above.
        unsafe { bindings::kvm_s390_rust_kvm_unlock(kvm) };
        result
    }
}

/// SET CLOCK (SCK, an entry of the instruction table): sets the guest clock of the whole VM
/// from the doubleword operand, a logical address. Called with `kvm->srcu` held.
pub(crate) fn handle_sck(insn: &mut Insn<'_>) -> Result<Outcome> {
    let vcpu = insn.vcpu;
    count!(vcpu, instruction_sck);
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    let (addr, ar) = insn.s_operand();
    if !tod::sck_operand_aligned(addr) {
        return insn.program(pgm::SPECIFICATION);
    }
    let mut operand = [0u8; 8];
    if let Err(e) = insn.read(addr, ar, &mut operand) {
        return insn.access_failed(e);
    }
    let vm = vcpu.vm();
    // The usual order is `kvm->lock` before `vcpu->mutex`, which this thread holds: only a
    // try. When it fails the instruction is executed again later (the PSW goes back onto
    // it), as in mainline.
    // SAFETY: the VM is live.
    if !unsafe { bindings::kvm_s390_rust_kvm_trylock(vm.as_raw()) } {
        let gpsw = insn.psw();
        insn.set_psw(psw::backward(gpsw, 4));
        return Ok(Outcome::Continue);
    }
    vm.set_guest_tod(u64::from_be_bytes(operand));
    // SAFETY: taken above.
    unsafe { bindings::kvm_s390_rust_kvm_unlock(vm.as_raw()) };
    insn.set_cc(0);
    Ok(Outcome::Continue)
}
