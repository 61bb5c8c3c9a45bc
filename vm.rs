// SPDX-License-Identifier: GPL-2.0

//! VM lifecycle: creation with its system control area (SCA), destruction, and the
//! architecture's part of memory slot changes.
//!
//! Generic KVM allocates `struct kvm` (with `struct kvm_arch` inside, defined in
//! `asm/kvm_host_s390.h`) and calls us under its own locking: `kvm_arch_init_vm` before the VM
//! is visible to anyone else, `kvm_arch_destroy_vm` after its last reference is gone. The
//! `kvm_arch` fields used here are `sca` (our basic SCA page, see `logic/vcpu_limits.rs`) and
//! `mem_limit`.

use kernel::bindings;
use kernel::prelude::*;

use crate::gmap::Gmap;
use crate::kvm_host::BscaBlock;
use crate::logic::memslots::{self, Change, NewSlot};
use crate::logic::vcpu_limits::ScaKind;
use crate::machine::Machine;

/// The SCA format VMs are created with on this host.
pub const SCA_KIND: ScaKind = ScaKind::Basic;

/// A VM, as generic KVM hands it to the architecture.
///
/// # Invariants
///
/// `self.0` points to a live `struct kvm` for the lifetime of the reference.
pub struct Vm(*mut bindings::kvm);

impl Vm {
    /// Wraps a VM pointer received from generic KVM.
    ///
    /// # Safety
    ///
    /// `kvm` must point to a `struct kvm` that stays alive while the returned value is used.
    pub unsafe fn from_raw(kvm: *mut bindings::kvm) -> Self {
        // INVARIANT: guaranteed by the caller.
        Vm(kvm)
    }

    /// The raw pointer, for calls into generic KVM.
    pub fn as_raw(&self) -> *mut bindings::kvm {
        self.0
    }

    pub(crate) fn arch(&self) -> *mut bindings::kvm_arch {
        // SAFETY: `self.0` is valid by the type invariant; no reference is created.
        unsafe { core::ptr::addr_of_mut!((*self.0).arch) }
    }

    /// The VM's basic SCA.
    pub fn sca(&self) -> *mut BscaBlock {
        // SAFETY: `arch()` is valid; `sca` is written once in `init` before the VM is shared.
        unsafe { (*self.arch()).sca.cast::<BscaBlock>() }
    }

    /// The guest mapping.
    pub fn gmap(&self) -> &Gmap {
        // SAFETY: `gmap` is set in `init` (which must succeed before anything else is
        // called) to a leaked `KBox<Gmap>` and freed only in `destroy`, after the last vCPU.
        unsafe { &*(*self.arch()).gmap.cast::<Gmap>() }
    }

    /// MMU notifier: unmaps the guest frames `[start_gfn, end_gfn)` of `slot`, first
    /// recording which of them the guest changed if the slot logs dirty pages (the change
    /// bits are lost with the mapping). The caller holds `kvm->mmu_lock` for writing.
    ///
    /// # Safety
    ///
    /// `slot` is null or the live memslot the range belongs to.
    pub unsafe fn unmap_gfn_range(
        &self,
        slot: *const bindings::kvm_memory_slot,
        start_gfn: u64,
        end_gfn: u64,
    ) {
        let (start, end) = (start_gfn.saturating_mul(4096), end_gfn.saturating_mul(4096));
        // SAFETY: `slot` is valid per the contract.
        if !slot.is_null() && !unsafe { (*slot).dirty_bitmap }.is_null() {
            self.gmap().harvest_dirty(start, end, |gaddr| {
                // SAFETY: the VM and the slot are live; `gaddr` lies in the slot.
                unsafe { bindings::mark_page_dirty_in_slot(self.0, slot, gaddr >> 12) }
            });
        }
        self.gmap().unmap_range(start, end);
    }

    fn slot_range(slot: *const bindings::kvm_memory_slot) -> (u64, u64) {
        // SAFETY: callers pass a live memslot.
        let (base, npages) = unsafe { ((*slot).base_gfn, (*slot).npages as u64) };
        (
            base.saturating_mul(4096),
            base.saturating_add(npages).saturating_mul(4096),
        )
    }

    /// `kvm_arch_commit_memory_region`: a deleted or moved slot's old range is unmapped,
    /// now that no new fault can find it; a slot that starts logging dirty pages starts
    /// from clean change bits.
    ///
    /// # Safety
    ///
    /// `old` and `new` are null or point to the slots of the change; generic KVM holds
    /// `slots_lock`.
    pub unsafe fn commit_memory_region(
        &self,
        old: *const bindings::kvm_memory_slot,
        new: *const bindings::kvm_memory_slot,
        change: bindings::kvm_mr_change,
    ) {
        let log_dirty = |slot: *const bindings::kvm_memory_slot| {
            // SAFETY: non-null slots passed in are valid per the contract.
            !slot.is_null() && unsafe { (*slot).flags } & bindings::KVM_MEM_LOG_DIRTY_PAGES != 0
        };
        // SAFETY: the VM is live; we do not hold the lock.
        unsafe { bindings::kvm_s390_rust_mmu_write_lock(self.0) };
        match change {
            bindings::kvm_mr_change_KVM_MR_DELETE | bindings::kvm_mr_change_KVM_MR_MOVE
                if !old.is_null() =>
            {
                let (start, end) = Self::slot_range(old);
                self.gmap().unmap_range(start, end);
            }
            bindings::kvm_mr_change_KVM_MR_FLAGS_ONLY if log_dirty(new) && !log_dirty(old) => {
                let (start, end) = Self::slot_range(new);
                self.gmap().harvest_dirty(start, end, |_| {});
            }
            _ => {}
        }
        // SAFETY: taken above.
        unsafe { bindings::kvm_s390_rust_mmu_write_unlock(self.0) };
    }

    /// `kvm_arch_sync_dirty_log`: moves the change bits of the slot's mapped frames into
    /// its dirty bitmap.
    ///
    /// # Safety
    ///
    /// `slot` is a live memslot of this VM with a dirty bitmap; generic KVM holds
    /// `slots_lock`.
    pub unsafe fn sync_dirty_log(&self, slot: *mut bindings::kvm_memory_slot) {
        let (start, end) = Self::slot_range(slot);
        // SAFETY: the VM is live; we do not hold the lock.
        unsafe { bindings::kvm_s390_rust_mmu_write_lock(self.0) };
        self.gmap().harvest_dirty(start, end, |gaddr| {
            // SAFETY: the VM and the slot are live; `gaddr` lies in the slot.
            unsafe { bindings::mark_page_dirty_in_slot(self.0, slot, gaddr >> 12) }
        });
        // SAFETY: taken above.
        unsafe { bindings::kvm_s390_rust_mmu_write_unlock(self.0) };
    }

    /// `KVM_GET_DIRTY_LOG`: copies the slot's dirty bitmap to user space and clears it,
    /// with mainline's checks (`kvm_vm_ioctl_get_dirty_log` in `s390.c`).
    ///
    /// # Safety
    ///
    /// `log` points to generic KVM's kernel copy of the argument.
    pub unsafe fn get_dirty_log(&self, log: *mut bindings::kvm_dirty_log) -> Result {
        // SAFETY: the VM is live.
        unsafe { bindings::kvm_s390_rust_slots_lock(self.0) };
        let result = (|| {
            // SAFETY: `log` is valid per the contract.
            if unsafe { (*log).slot } >= bindings::KVM_S390_USER_MEM_SLOTS {
                return Err(EINVAL);
            }
            let mut is_dirty = 0;
            let mut slot: *mut bindings::kvm_memory_slot = core::ptr::null_mut();
            // SAFETY: `slots_lock` is held, as `kvm_get_dirty_log` requires.
            kernel::error::to_result(unsafe {
                bindings::kvm_get_dirty_log(self.0, log, &mut is_dirty, &mut slot)
            })?;
            if is_dirty != 0 {
                // SAFETY: `kvm_get_dirty_log` succeeded, so `slot` has a bitmap of this size;
                // `slots_lock` keeps it.
                unsafe {
                    let bytes = bindings::kvm_s390_rust_dirty_bitmap_bytes(slot);
                    core::ptr::write_bytes((*slot).dirty_bitmap.cast::<u8>(), 0, bytes as usize);
                }
            }
            Ok(())
        })();
        // SAFETY: taken above.
        unsafe { bindings::kvm_s390_rust_slots_unlock(self.0) };
        result
    }

    /// The exclusive upper bound of guest absolute addresses of this VM.
    pub fn mem_limit(&self) -> u64 {
        // SAFETY: `arch()` is valid; `mem_limit` is written once in `init`.
        unsafe { (*self.arch()).mem_limit as u64 }
    }

    /// `kvm_arch_init_vm`: checks the VM type and allocates the per-VM hardware state.
    pub fn init(&self, vm_type: u64) -> Result {
        // Only the default type; user-controlled VMs (KVM_VM_S390_UCONTROL) are not built.
        if vm_type != 0 {
            return Err(EINVAL);
        }
        let machine = Machine::read();
        // The basic SCA is below 2 GiB, whatever the machine (GFP_DMA), so that its origin
        // fits the 31-bit field SIE uses without the 64-bit-SCA-origin facility.
        // SAFETY: allocating a page has no precondition.
        let sca = unsafe { bindings::get_zeroed_page_noprof(bindings::KVM_S390_GFP_SCA) };
        if sca == 0 {
            return Err(ENOMEM);
        }
        let mem_limit = memslots::vm_mem_limit(machine.hamax);
        let gmap = match Gmap::new(mem_limit) {
            Ok(gmap) => gmap,
            Err(e) => {
                // SAFETY: allocated above, not shared.
                unsafe { bindings::free_pages(sca as usize, 0) };
                return Err(e);
            }
        };
        if let Err(e) = self.init_cpu_model() {
            // SAFETY: allocated above, not shared.
            unsafe { bindings::free_pages(sca as usize, 0) };
            return Err(e);
        }
        let arch = self.arch();
        // SAFETY: the VM is not yet visible to other threads (generic KVM calls us before
        // publishing it), so plain writes to its arch fields cannot race.
        unsafe {
            (*arch).sca = sca as *mut bindings::esca_block;
            (*arch).mem_limit = mem_limit as usize;
            (*arch).gmap = KBox::into_raw(gmap).cast();
        }
        Ok(())
    }

    /// `kvm_arch_destroy_vm`: destroys the vCPUs, then frees the per-VM state.
    pub fn destroy(&self) {
        // SAFETY: generic KVM calls `kvm_arch_destroy_vm` once, when no file refers to the VM
        // any more; destroying the vCPUs there is the architecture's job.
        unsafe { bindings::kvm_destroy_vcpus(self.0) };
        self.free_cpu_model();
        let arch = self.arch();
        // SAFETY: as above, nothing else uses the VM; `sca` was allocated in `init` as one page.
        unsafe {
            let sca = (*arch).sca;
            if !sca.is_null() {
                bindings::free_pages(sca as usize, 0);
                (*arch).sca = core::ptr::null_mut();
            }
            let gmap = (*arch).gmap.cast::<Gmap>();
            if !gmap.is_null() {
                // The MMU notifier is unregistered before `kvm_arch_destroy_vm`.
                drop(KBox::from_raw(gmap));
                (*arch).gmap = core::ptr::null_mut();
            }
        }
    }

    /// `kvm_arch_prepare_memory_region`: the architecture's check of a slot change.
    ///
    /// # Safety
    ///
    /// `new` must be null or point to the slot generic KVM is about to install.
    pub unsafe fn prepare_memory_region(
        &self,
        new: *const bindings::kvm_memory_slot,
        change: bindings::kvm_mr_change,
    ) -> Result {
        let change = match change {
            bindings::kvm_mr_change_KVM_MR_CREATE => Change::Create,
            bindings::kvm_mr_change_KVM_MR_DELETE => Change::Delete,
            bindings::kvm_mr_change_KVM_MR_MOVE => Change::Move,
            bindings::kvm_mr_change_KVM_MR_FLAGS_ONLY => Change::FlagsOnly,
            _ => return Err(EINVAL),
        };
        let slot = if new.is_null() {
            NewSlot {
                base_gfn: 0,
                npages: 0,
                userspace_addr: 0,
            }
        } else {
            // SAFETY: `new` is valid per the function's contract; generic KVM holds
            // `slots_lock`, so the slot does not change while we read it.
            unsafe {
                NewSlot {
                    base_gfn: (*new).base_gfn,
                    npages: (*new).npages as u64,
                    userspace_addr: (*new).userspace_addr as u64,
                }
            }
        };
        if new.is_null() && change != Change::Delete {
            return Err(EINVAL);
        }
        memslots::check_change(change, &slot, self.mem_limit()).map_err(|_| EINVAL)
    }
}
