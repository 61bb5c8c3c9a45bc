// SPDX-License-Identifier: GPL-2.0

//! VM lifecycle: creation with its system control area (SCA), destruction, and the
//! architecture's part of memory slot changes.
//!
//! Generic KVM allocates `struct kvm` (with `struct kvm_arch` inside, defined in
//! `asm/kvm_host_s390.h`) and calls us under its own locking: `kvm_arch_init_vm` before the VM
//! is visible to anyone else, `kvm_arch_destroy_vm` after its last reference is gone. The
//! `kvm_arch` fields used here are `sca` (our basic SCA page, see `logic/vcpu_limits.rs`) and
//! `mem_limit`.

use core::sync::atomic::{AtomicUsize, Ordering};

use kernel::bindings;
use kernel::prelude::*;
use kernel::types::Opaque;
use kernel::uaccess::{UserPtr, UserSlice};

use crate::gmap::Gmap;
use crate::kvm_host::BscaBlock;
use crate::logic::dat;
use crate::logic::memslots::{self, Change, NewSlot};
use crate::logic::vcpu_limits::ScaKind;
use crate::machine::Machine;

/// The SCA format VMs are created with on this host.
pub const SCA_KIND: ScaKind = ScaKind::Basic;

/// Steps of a dirty-log harvest per hold of `kvm->mmu_lock` (`Gmap::for_each_mapped`):
/// one fully mapped segment, or 256 segments without a page table.
const HARVEST_BATCH: usize = 256;

/// A VM: generic KVM's `struct kvm`, of which the architecture owns `arch`.
///
/// Handed out only as `&Vm` (from [`Vm::from_raw`] or `Vcpu::vm`), never owned: generic
/// KVM allocates and frees the `struct kvm`. Its fields are changed by generic KVM and other
/// threads under their own locks, so they are only reached through raw pointers (the
/// `Opaque`), never through Rust references.
///
/// # Invariants
///
/// A `&Vm` refers to a live `struct kvm` (not yet freed by `kvm_arch_free_vm`) for as long
/// as the reference lives.
#[repr(transparent)]
pub struct Vm {
    inner: Opaque<bindings::kvm>,
}

impl Vm {
    /// Borrows a VM pointer received from generic KVM for `'a`.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a `struct kvm` that stays alive for `'a`; the callbacks'
    /// `# Safety` sections in `kvm_s390.rs` say why each of them may assume that.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::kvm) -> &'a Self {
        // SAFETY: the caller guarantees that `ptr` is valid for `'a`; `Vm` is
        // `repr(transparent)` over `Opaque<bindings::kvm>`, which has the layout of
        // `bindings::kvm` and allows the C side to change it behind the reference.
        //
        // INVARIANT: the `struct kvm` is live for `'a`, by the caller's guarantee.
        unsafe { &*ptr.cast::<Self>() }
    }

    /// The raw pointer, for calls into C.
    pub fn as_raw(&self) -> *mut bindings::kvm {
        self.inner.get()
    }

    pub(crate) fn arch(&self) -> *mut bindings::kvm_arch {
        // SAFETY: the `struct kvm` is live (type invariant); taking a field's address
        // creates no reference.
        unsafe { core::ptr::addr_of_mut!((*self.as_raw()).arch) }
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

    /// MMU notifier: unmaps the guest frames `[start_gfn, end_gfn)` of `slot`, recording
    /// which of them the guest changed if the slot logs dirty pages (the change bits are
    /// lost with the mapping). The caller holds `kvm->mmu_lock` for writing.
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
        let (start, end) = (
            start_gfn.saturating_mul(dat::PAGE_SIZE),
            end_gfn.saturating_mul(dat::PAGE_SIZE),
        );
        // SAFETY: `slot` is valid per the contract.
        if !slot.is_null() && !unsafe { (*slot).dirty_bitmap }.is_null() {
            let mut mark = |gaddr: u64| {
                // SAFETY: the VM and the slot are live; `gaddr` lies in the slot.
                unsafe {
                    bindings::mark_page_dirty_in_slot(self.as_raw(), slot, gaddr >> dat::PAGE_SHIFT)
                }
            };
            self.gmap().unmap_range(start, end, Some(&mut mark));
        } else {
            self.gmap().unmap_range(start, end, None);
        }
    }

    fn slot_range(slot: *const bindings::kvm_memory_slot) -> (u64, u64) {
        // SAFETY: callers pass a live memslot.
        let (base, npages) = unsafe { ((*slot).base_gfn, (*slot).npages as u64) };
        (
            base.saturating_mul(dat::PAGE_SIZE),
            base.saturating_add(npages).saturating_mul(dat::PAGE_SIZE),
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
        unsafe { bindings::kvm_s390_rust_mmu_write_lock(self.as_raw()) };
        match change {
            bindings::kvm_mr_change_KVM_MR_DELETE | bindings::kvm_mr_change_KVM_MR_MOVE
                if !old.is_null() =>
            {
                let (start, end) = Self::slot_range(old);
                self.gmap().unmap_range(start, end, None);
            }
            _ => {}
        }
        // SAFETY: taken above.
        unsafe { bindings::kvm_s390_rust_mmu_write_unlock(self.as_raw()) };
        if change == bindings::kvm_mr_change_KVM_MR_FLAGS_ONLY && log_dirty(new) && !log_dirty(old)
        {
            // Logging starts from clean change bits.
            self.harvest_slot(new, |_| {});
        }
    }

    /// Moves the change bits of `slot`'s mapped frames into `dirty`, releasing
    /// `kvm->mmu_lock` (with a chance to reschedule) after every [`HARVEST_BATCH`] steps of
    /// the walk: a large slot must not keep the lock, and the vCPUs' faults, for long. A
    /// step is a page-table entry or the span of a missing table, so a slot the guest
    /// never touched costs one step per missing table at the highest level that is missing
    /// (a clean 1 GiB slot took longer than mainline's walk when it cost one per segment).
    ///
    /// Called without `kvm->mmu_lock`; `slot` is live (generic KVM holds `slots_lock`).
    fn harvest_slot(&self, slot: *const bindings::kvm_memory_slot, mut dirty: impl FnMut(u64)) {
        let (start, end) = Self::slot_range(slot);
        let mut from = start;
        while from < end {
            // SAFETY: the VM is live; we do not hold the lock.
            unsafe { bindings::kvm_s390_rust_mmu_write_lock(self.as_raw()) };
            from = self
                .gmap()
                .harvest_dirty(from, end, HARVEST_BATCH, &mut dirty);
            // SAFETY: taken above.
            unsafe { bindings::kvm_s390_rust_mmu_write_unlock(self.as_raw()) };
            // SAFETY: no lock is held; process context (an ioctl or a memslot update).
            unsafe { bindings::kvm_s390_rust_cond_resched() };
        }
    }

    /// `kvm_arch_sync_dirty_log`: moves the change bits of the slot's mapped frames into
    /// its dirty bitmap.
    ///
    /// # Safety
    ///
    /// `slot` is a live memslot of this VM with a dirty bitmap; generic KVM holds
    /// `slots_lock`.
    pub unsafe fn sync_dirty_log(&self, slot: *mut bindings::kvm_memory_slot) {
        self.harvest_slot(slot, |gaddr| {
            // SAFETY: the VM and the slot are live; `gaddr` lies in the slot.
            unsafe {
                bindings::mark_page_dirty_in_slot(self.as_raw(), slot, gaddr >> dat::PAGE_SHIFT)
            }
        });
    }

    /// `KVM_GET_DIRTY_LOG`: reports the slot's dirty pages to user space and clears them,
    /// with mainline's checks and errnos (`kvm_vm_ioctl_get_dirty_log` in `s390.c` and
    /// `kvm_get_dirty_log` in `kvm_main.c`).
    ///
    /// The MMU notifier and the fault path mark pages in the bitmap concurrently, without
    /// `slots_lock`. So the bitmap is not copied and then cleared (a mark in between would
    /// be lost): each word is exchanged with zero into the slot's second bitmap, which is
    /// what is copied out. A mark after the exchange stays for the next call. If the copy
    /// fails, the words go back, so nothing is lost with the EFAULT.
    ///
    /// # Safety
    ///
    /// `log` points to generic KVM's kernel copy of the argument.
    pub unsafe fn get_dirty_log(&self, log: *mut bindings::kvm_dirty_log) -> Result {
        // SAFETY: `log` is valid per the contract.
        let (id, user) = unsafe { ((*log).slot, (*log).__bindgen_anon_1.dirty_bitmap) };
        // One address space on s390: the upper half of `slot` (the address-space id)
        // must be 0.
        if id >= bindings::KVM_S390_USER_MEM_SLOTS {
            return Err(EINVAL);
        }
        // SAFETY: the VM is live.
        unsafe { bindings::kvm_s390_rust_slots_lock(self.as_raw()) };
        let result = (|| {
            // SAFETY: `slots_lock` is held, so the slot stays while we use it.
            let slot = unsafe { bindings::kvm_s390_rust_id_to_memslot(self.as_raw(), id) };
            // SAFETY: a non-null slot is live (above).
            if slot.is_null() || unsafe { (*slot).dirty_bitmap }.is_null() {
                return Err(ENOENT);
            }
            // SAFETY: as above.
            unsafe { self.sync_dirty_log(slot) };
            // SAFETY: as above; the bitmap is twice this size (`kvm_alloc_dirty_bitmap`).
            let bytes = unsafe { bindings::kvm_s390_rust_dirty_bitmap_bytes(slot) } as usize;
            let words = bytes / core::mem::size_of::<usize>();
            // SAFETY: as above.
            let live = unsafe { (*slot).dirty_bitmap }.cast::<usize>();
            // SAFETY: the second half of the allocation; only this ioctl uses it, and
            // `slots_lock` serialises it.
            let out = unsafe { live.add(words) };
            // A clean word needs no exchange (most of a large slot's are): a mark after its
            // load stays for the next call, as one after the exchange does. So the copy
            // starts out clean, and only words found marked are exchanged into it, looked
            // at four at a time: on a large clean bitmap this loop is much of the call.
            // SAFETY: the second bitmap holds `words` words, and only we use it.
            unsafe { core::ptr::write_bytes(out, 0, words) };
            // SAFETY: `i` is below `words`; the words are only changed atomically
            // (`set_bit_le`) by others.
            let live_word = |i: usize| unsafe { AtomicUsize::from_ptr(live.add(i)) };
            let load = |k: usize| live_word(k).load(Ordering::Acquire);
            let exchange = |from: usize, to: usize| {
                for k in from..to {
                    let word = live_word(k).swap(0, Ordering::AcqRel);
                    // SAFETY: `k` is below `words`, in the second bitmap.
                    unsafe { out.add(k).write(word) };
                }
            };
            let whole = words - words % 4;
            for i in (0..whole).step_by(4) {
                if load(i) | load(i + 1) | load(i + 2) | load(i + 3) != 0 {
                    exchange(i, i + 4);
                }
            }
            if (whole..words).fold(0, |any, k| any | load(k)) != 0 {
                exchange(whole, words);
            }
            // SAFETY: `out` holds `bytes` bytes we own while `slots_lock` is held.
            let copied = unsafe {
                UserSlice::new(UserPtr::from_ptr(user), bytes)
                    .writer()
                    .write_slice(core::slice::from_raw_parts(out.cast::<u8>(), bytes))
            };
            if copied.is_err() {
                for i in 0..words {
                    // SAFETY: as above.
                    let word = unsafe { out.add(i).read() };
                    // SAFETY: as above.
                    unsafe { AtomicUsize::from_ptr(live.add(i)) }.fetch_or(word, Ordering::AcqRel);
                }
                return Err(EFAULT);
            }
            Ok(())
        })();
        // SAFETY: taken above.
        unsafe { bindings::kvm_s390_rust_slots_unlock(self.as_raw()) };
        result
    }

    /// Whether user space controls the vCPUs' stopped state (set for good by the first
    /// `KVM_SET_MP_STATE`, as mainline's `kvm_s390_set_user_cpu_state_ctrl`).
    pub(crate) fn user_cpu_state_ctrl(&self) -> bool {
        // SAFETY: `arch()` is valid; the flag is an int written atomically once.
        unsafe {
            core::sync::atomic::AtomicI32::from_ptr(core::ptr::addr_of_mut!(
                (*self.arch()).user_cpu_state_ctrl
            ))
        }
        .load(core::sync::atomic::Ordering::SeqCst)
            != 0
    }

    /// Hands the vCPUs' stopped state to user space.
    pub(crate) fn set_user_cpu_state_ctrl(&self) {
        // SAFETY: as in `user_cpu_state_ctrl`.
        unsafe {
            core::sync::atomic::AtomicI32::from_ptr(core::ptr::addr_of_mut!(
                (*self.arch()).user_cpu_state_ctrl
            ))
        }
        .store(1, core::sync::atomic::Ordering::SeqCst);
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
        // fits the 31-bit field SIE uses without the 64-bit-SCA-origin facility. The
        // kernel crate's `Page` offers no GFP_DMA, hence the allocation by hand; the page
        // is owned by `kvm->arch.sca` and freed in `destroy`.
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
        self.init_crypto();
        let arch = self.arch();
        // SAFETY: the VM is not yet visible to other threads (generic KVM calls us before
        // publishing it), so plain writes to its arch fields cannot race.
        unsafe {
            (*arch).sca = sca as *mut bindings::esca_block;
            (*arch).mem_limit = mem_limit as usize;
            (*arch).gmap = KBox::into_raw(gmap).cast();
        }
        // SAFETY: the VM is not yet shared; its arch fields are ours to initialise.
        unsafe { bindings::kvm_s390_rust_init_ipte(self.as_raw()) };
        crate::interrupt::init_vm(self);
        Ok(())
    }

    /// `kvm_arch_destroy_vm`: destroys the vCPUs, then frees the per-VM state.
    pub fn destroy(&self) {
        // SAFETY: generic KVM calls `kvm_arch_destroy_vm` once, when no file refers to the VM
        // any more; destroying the vCPUs there is the architecture's job.
        unsafe { bindings::kvm_destroy_vcpus(self.as_raw()) };
        crate::interrupt::destroy_vm(self);
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
