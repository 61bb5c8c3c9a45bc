// SPDX-License-Identifier: GPL-2.0

//! Guest memory: the DAT tables that map guest absolute addresses to host frames.
//!
//! SIE translates guest absolute addresses through the ASCE the host passes to `__sie64a`.
//! This file owns those tables (the role mainline's `arch/s390/kvm/gmap/` plays; geometry
//! and entry formats in `logic/dat.rs`):
//!
//! - a page is mapped when the guest first touches it: SIE exits with a host DAT fault, and
//!   [`Gmap::fault_in`] asks generic KVM for the frame behind the memslot
//!   (`__kvm_faultin_pfn`) and links it. Writable memslots are mapped writable at the first
//!   fault (see `Documentation/kvm_s390.rst`, "Guest memory");
//! - generic KVM's MMU notifier invalidates ranges ([`Gmap::unmap_range`]), as does the
//!   deletion or move of a memslot;
//! - tables are freed only with the VM, so a lockless lookup never reads freed memory.
//!
//! Locking: every change of a table entry happens under `kvm->mmu_lock` held for writing
//! (generic KVM holds it so around the MMU-notifier callbacks); the fault path takes it
//! itself and uses `mmu_invalidate_seq` to detect an invalidation that raced with it.
//! Entries are read and written atomically because SIE reads them concurrently.

use core::sync::atomic::{AtomicU64, Ordering};

use kernel::bindings;
use kernel::prelude::*;

use crate::host_mem::{phys_to_virt, virt_to_phys};
use crate::logic::dat::{self, Level};
use crate::logic::skey;
use crate::stats::count;
use crate::vcpu::Vcpu;

/// The guest mapping of one VM.
///
/// # Invariants
///
/// `top` is a table of level `top_level` allocated by [`alloc_table`]; every valid region or
/// segment entry reachable from it points to a table of the next level allocated the same
/// way. Tables are freed only in `Drop`, when no vCPU runs and no notifier can be called.
pub struct Gmap {
    top: *mut u64,
    top_level: Level,
    asce: u64,
    /// Whether the guest (or user space) ever set or read storage keys: until then,
    /// `KVM_S390_GET_SKEYS` reports that there are none (mainline's `uses_skeys`).
    uses_skeys: core::sync::atomic::AtomicBool,
    /// Whether user space enabled asynchronous page faults for the VM (the FLIC's
    /// `APF_ENABLE`; mainline's `GMAP_FLAG_PFAULT_ENABLED`, see `pfault.rs`).
    pfault: core::sync::atomic::AtomicBool,
}

// SAFETY: the tables are plain memory; concurrent access is synchronised by `kvm->mmu_lock`
// and atomic entry accesses as described in the module documentation.
unsafe impl Send for Gmap {}
// SAFETY: as for `Send`.
unsafe impl Sync for Gmap {}

/// Outcome of resolving a guest fault.
pub enum Faultin {
    /// The page is mapped; re-enter the guest.
    Mapped,
    /// No memslot backs the address: an addressing exception for the guest.
    Addressing,
    /// The memslot is being deleted or moved: re-enter and fault again. The change
    /// completes only after every reader of `kvm->srcu` let go, so do not wait for it
    /// while holding it.
    SlotChanging,
    /// An MMU-notifier invalidation raced with the fault: fault again.
    Retry,
}

/// Allocates a table of `level` with every entry invalid.
///
/// Region and segment tables are 16 KiB (order 2); the kernel crate's owning `Page` type
/// covers single pages only, so the tables are allocated and freed here, with the
/// ownership rules of the `Gmap` invariant.
fn alloc_table(level: Level) -> Result<*mut u64> {
    // SAFETY: allocating pages has no precondition.
    let addr = unsafe {
        bindings::get_free_pages_noprof(bindings::KVM_S390_GFP_DAT_TABLE, level.table_order())
    };
    if addr == 0 {
        return Err(ENOMEM);
    }
    let table = addr as *mut u64;
    for i in 0..level.entries() {
        // SAFETY: the table has `entries()` entries (plus PGSTEs, already zero); it is ours.
        unsafe { table.add(i).write(level.invalid_entry()) };
    }
    Ok(table)
}

/// Frees a table of `level` and every table below it.
///
/// # Safety
///
/// `table` was allocated by [`alloc_table`] for `level` and nothing uses it any more.
unsafe fn free_table(table: *mut u64, level: Level) {
    if let Some(next) = level.next() {
        for i in 0..level.entries() {
            // SAFETY: in bounds of the table; nothing else accesses it.
            let entry = unsafe { table.add(i).read() };
            if dat::table_entry_valid(entry) {
                let child = phys_to_virt(entry & dat::ENTRY_ORIGIN);
                // SAFETY: by the `Gmap` invariant, a valid entry points to a table of `next`.
                unsafe { free_table(child, next) };
            }
        }
    }
    // SAFETY: allocated with this order by `alloc_table`.
    unsafe { bindings::free_pages(table as usize, level.table_order()) };
}

/// Atomic view of a table entry.
///
/// # Safety
///
/// `entry` points into a live table of the gmap.
unsafe fn entry<'a>(entry: *mut u64) -> &'a AtomicU64 {
    // SAFETY: aligned, live for as long as the gmap (tables are never freed before it), and
    // only ever accessed atomically.
    unsafe { AtomicU64::from_ptr(entry) }
}

/// The storage key of the host frame at `frame`.
///
/// # Safety
///
/// `frame` is the address of a host frame that stays allocated during the call.
unsafe fn frame_key(frame: u64) -> u8 {
    // SAFETY: per the contract.
    unsafe { bindings::kvm_s390_rust_get_storage_key(frame as usize) }
}

/// Sets the storage key of the host frame at `frame`.
///
/// # Safety
///
/// `frame` is the address of a host frame that stays allocated during the call, and no
/// access through the guest mapping can use it concurrently (not mapped yet, or quiesced
/// by IPTE), so no R or C bit the guest sets meanwhile is lost.
unsafe fn set_frame_key(frame: u64, key: u8) {
    // SAFETY: per the contract.
    unsafe { bindings::kvm_s390_rust_set_storage_key(frame as usize, key) }
}

/// The PGSTE of the page-table entry at `pte`: a page table is 256 entries followed by
/// their 256 PGSTEs.
///
/// # Safety
///
/// `pte` is a page-table entry of a live page table of the gmap.
unsafe fn pgste<'a>(pte: *mut u64) -> &'a AtomicU64 {
    // SAFETY: the PGSTE lies in the same page as the entry (see `logic/dat.rs`).
    unsafe { entry(pte.add(Level::Page.entries())) }
}

/// Replaces the software part of a PGSTE (the key bits) with `value`'s; the caller holds
/// `kvm->mmu_lock` for writing, the only writer of these bits, but the word is updated
/// atomically because SIE may set its own bits (the PCL lock) in it.
fn update_pgste(p: &AtomicU64, value: u64) {
    const OURS: u64 =
        skey::PGSTE_ACC | skey::PGSTE_FP | skey::PGSTE_HC | skey::PGSTE_GR | skey::PGSTE_GC;
    let _ = p.fetch_update(Ordering::AcqRel, Ordering::Acquire, |old| {
        Some((old & !OURS) | (value & OURS))
    });
}

/// Where a walk towards a page-table entry ended.
enum Walk {
    /// The page-table entry for the address.
    Pte(*mut u64),
    /// The entry at this address of a table of `Level` is invalid: a table of the next
    /// level is missing.
    Missing(*mut u64, Level),
}

impl Gmap {
    /// Creates the empty mapping for guest absolute addresses below `limit`.
    pub fn new(limit: u64) -> Result<KBox<Gmap>> {
        let top_level = dat::top_level(limit);
        let top = alloc_table(top_level)?;
        let asce = dat::asce(virt_to_phys(top), top_level);
        // INVARIANT: `top` was just allocated for `top_level` and holds only invalid entries.
        Ok(KBox::new(
            Gmap {
                top,
                top_level,
                asce,
                uses_skeys: core::sync::atomic::AtomicBool::new(false),
                pfault: core::sync::atomic::AtomicBool::new(false),
            },
            GFP_KERNEL,
        )
        .inspect_err(|_| {
            // SAFETY: just allocated, not shared.
            unsafe { free_table(top, top_level) }
        })?)
    }

    /// Whether storage keys were ever used in the VM (see the field).
    pub fn uses_skeys(&self) -> bool {
        self.uses_skeys.load(Ordering::Relaxed)
    }

    /// Records that storage keys are used in the VM, the first time after disabling the
    /// sharing of pages between guest frames in the VM's mm (KSM and the shared zero page,
    /// mainline's `gmap_helper_disable_cow_sharing`): a storage key belongs to a host frame,
    /// so a key the guest sets on one shared frame would show in every page that shares it.
    ///
    /// Called from the VM's own process (a vCPU or VM ioctl: generic KVM refuses those from
    /// another mm) holding no spinlock, as it takes the mm's `mmap_lock`. An error (ENOMEM
    /// from the unsharing) leaves storage keys disabled, as in mainline.
    pub fn enable_skeys(&self, vm: &crate::vm::Vm) -> Result {
        if self.uses_skeys() {
            return Ok(());
        }
        // SAFETY: `vm` is live; the caller runs in the VM's process and holds no spinlock
        // (see above). Racing callers are serialised by the mmap lock the helper takes, and
        // the second finds sharing already disabled.
        let rc = unsafe { bindings::kvm_s390_rust_disable_cow_sharing(vm.as_raw()) };
        if rc != 0 {
            return Err(Error::from_errno(rc));
        }
        self.uses_skeys.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// Whether asynchronous page faults are enabled for the VM.
    pub fn pfault_enabled(&self) -> bool {
        self.pfault.load(Ordering::Relaxed)
    }

    /// Enables or disables asynchronous page faults for the VM (`pfault.rs`).
    pub fn set_pfault(&self, on: bool) {
        self.pfault.store(on, Ordering::SeqCst);
    }

    /// The ASCE SIE translates guest absolute addresses with.
    pub fn asce(&self) -> u64 {
        self.asce
    }

    fn walk(&self, gaddr: u64) -> Walk {
        let mut table = self.top;
        let mut level = self.top_level;
        loop {
            // SAFETY: `index` is below `entries()` of the table at this level.
            let slot = unsafe { table.add(level.index(gaddr)) };
            let Some(next) = level.next() else {
                return Walk::Pte(slot);
            };
            // SAFETY: `slot` is in a live table.
            let value = unsafe { entry(slot) }.load(Ordering::Acquire);
            if !dat::table_entry_valid(value) {
                return Walk::Missing(slot, level);
            }
            table = phys_to_virt(value & dat::ENTRY_ORIGIN);
            level = next;
        }
    }

    /// Whether `gaddr` is mapped (lockless: tables are never freed while the VM lives).
    pub fn is_mapped(&self, gaddr: u64) -> bool {
        match self.walk(gaddr) {
            // SAFETY: `pte` is in a live table.
            Walk::Pte(pte) => dat::pte_valid(unsafe { entry(pte) }.load(Ordering::Acquire)),
            Walk::Missing(..) => false,
        }
    }

    /// Maps `gaddr` to the host frame `pfn`, or says which table is missing. The caller
    /// holds `kvm->mmu_lock` for writing.
    fn link(&self, gaddr: u64, pfn: u64, writable: bool) -> Option<Level> {
        match self.walk(gaddr) {
            Walk::Pte(pte) => {
                // SAFETY: `pte` is in a live table; the lock excludes other writers.
                let pte_ref = unsafe { entry(pte) };
                let old = pte_ref.load(Ordering::Relaxed);
                let new = dat::pte(pfn, writable);
                if old != new {
                    // SAFETY: `pte` is an entry of a live page table.
                    let pgste = unsafe { pgste(pte) };
                    let same_frame = dat::pte_valid(old) && dat::pte_pfn(old) == pfn;
                    if dat::pte_valid(old) {
                        // SIE may hold a translation of the old entry: purge it first.
                        // SAFETY: `pte` is a page-table entry of a live table; the lock is held.
                        unsafe { bindings::kvm_s390_rust_ipte(gaddr as usize, pte) };
                        if !same_frame {
                            // The old frame's key goes to the PGSTE, its change to HC.
                            let frame = dat::pte_pfn(old) << dat::PAGE_SHIFT;
                            // SAFETY: the frame was mapped until the IPTE; the lock keeps
                            // it allocated.
                            let (p, changed) = skey::save_on_unmap(
                                unsafe { frame_key(frame) },
                                pgste.load(Ordering::Acquire),
                            );
                            update_pgste(pgste, if changed { p | skey::PGSTE_HC } else { p });
                        }
                    }
                    if !same_frame {
                        // The new frame gets the guest's ACC and F: SIE applies them.
                        // SAFETY: the frame is not mapped for the guest yet.
                        unsafe {
                            set_frame_key(
                                pfn << dat::PAGE_SHIFT,
                                skey::key_on_map(pgste.load(Ordering::Acquire)),
                            )
                        };
                    }
                    pte_ref.store(new, Ordering::Release);
                }
                None
            }
            Walk::Missing(_, level) => level.next(),
        }
    }

    /// Installs `table` (of `level`) for `gaddr` if the entry is still missing; returns
    /// whether it was used. The caller holds `kvm->mmu_lock` for writing.
    fn install(&self, gaddr: u64, level: Level, table: *mut u64) -> bool {
        match self.walk(gaddr) {
            Walk::Missing(slot, parent) if parent.next() == Some(level) => {
                // The table is fully initialised before it becomes reachable.
                // SAFETY: `slot` is in a live table; the lock excludes other writers.
                unsafe { entry(slot) }
                    .store(parent.table_entry(virt_to_phys(table)), Ordering::Release);
                true
            }
            _ => false,
        }
    }

    /// Calls `f` with the guest address and the entry of every valid page-table entry in
    /// `[start, end)`, in at most `steps` steps: a page-table entry, valid or not, is one,
    /// and so is the whole span of a missing table at any level. Returns where it stopped:
    /// `end`, or the address to go on from. The caller holds `kvm->mmu_lock` for writing.
    fn for_each_mapped(
        &self,
        start: u64,
        end: u64,
        mut steps: usize,
        mut f: impl FnMut(u64, &AtomicU64),
    ) -> u64 {
        let mut addr = start;
        while addr < end {
            if steps == 0 {
                return addr;
            }
            steps -= 1;
            let next = match self.walk(addr) {
                Walk::Pte(pte) => {
                    // SAFETY: `pte` is in a live table; the lock excludes other writers.
                    let pte_ref = unsafe { entry(pte) };
                    if dat::pte_valid(pte_ref.load(Ordering::Relaxed)) {
                        f(addr, pte_ref);
                    }
                    dat::next_entry_start(Level::Page, addr)
                }
                // Nothing is mapped below a missing table: skip all of its span.
                Walk::Missing(_, level) => dat::next_entry_start(level, addr),
            };
            match next {
                Some(next) => addr = next,
                None => break,
            }
        }
        end
    }

    /// Invalidates every mapping of guest absolute addresses in `[start, end)`; returns
    /// whether anything was mapped. With `changed`, reports every page whose host frame
    /// the guest changed since its change bit was last reset: read after the IPTE, when no
    /// store through the guest mapping can still be in flight. The caller holds
    /// `kvm->mmu_lock` for writing.
    pub fn unmap_range(
        &self,
        start: u64,
        end: u64,
        mut changed: Option<&mut dyn FnMut(u64)>,
    ) -> bool {
        let mut any = false;
        self.for_each_mapped(start, end, usize::MAX, |addr, pte| {
            let frame = dat::pte_pfn(pte.load(Ordering::Relaxed)) << dat::PAGE_SHIFT;
            // IPTE invalidates the entry and purges it from every CPU's TLB.
            // SAFETY: `pte` is a page-table entry of a live table; the lock is held.
            unsafe { bindings::kvm_s390_rust_ipte(addr as usize, pte.as_ptr()) };
            pte.store(Level::Page.invalid_entry(), Ordering::Release);
            // The guest's key survives in the PGSTE (`logic/skey.rs`).
            // SAFETY: `pte` is an entry of a live page table.
            let pgste = unsafe { pgste(pte.as_ptr()) };
            // SAFETY: the frame was mapped until just now and the caller's notifier
            // range keeps it allocated until we return.
            let key = unsafe { frame_key(frame) };
            let (p, was_changed) = skey::save_on_unmap(key, pgste.load(Ordering::Acquire));
            update_pgste(pgste, p);
            if let Some(report) = changed.as_mut() {
                if was_changed {
                    report(addr);
                }
            }
            any = true;
        });
        any
    }

    /// Reports (through `dirty`) every mapped page in `[start, end)` whose host frame was
    /// changed since the last call, and resets the frame's change bit: dirty tracking
    /// without write protection. The caller holds `kvm->mmu_lock` for writing, so no
    /// frame is unmapped (and reused) meanwhile.
    ///
    /// Reading and resetting the change bit are two instructions (ISKE, SSKE), and nothing
    /// orders the reset against a store that another CPU has begun through its translation
    /// of the page: were the bit reset under such a store, the page could change after
    /// user space copied it without being reported again. So a changed page is quiesced
    /// first, the architecture's way: IPTE takes the mapping away, and it completes only
    /// when every CPU has purged the translation and finished the accesses that used it.
    /// The bit is then reset while no store through the guest mapping can happen, and the
    /// entry is put back. A store before the IPTE is reported now (user space copies the page after
    /// this report); a store after it faults until the entry is back (the fault path waits
    /// for `mmu_lock`), then sets the bit anew through a fresh translation and is reported
    /// next time.
    ///
    /// Takes at most `steps` steps of [`Gmap::for_each_mapped`], so that the caller can
    /// bound its hold of the lock, and returns where it stopped (`end` when done).
    pub fn harvest_dirty(
        &self,
        start: u64,
        end: u64,
        steps: usize,
        mut dirty: impl FnMut(u64),
    ) -> u64 {
        self.for_each_mapped(start, end, steps, |addr, pte| {
            let entry = pte.load(Ordering::Relaxed);
            let frame = dat::pte_pfn(entry) << dat::PAGE_SHIFT;
            // SAFETY: `pte` is an entry of a live page table.
            let pgste = unsafe { pgste(pte.as_ptr()) };
            // SAFETY: `frame` is a host frame mapped by a valid entry, kept alive by the
            // mapping while the lock is held.
            let key = unsafe { frame_key(frame) };
            if skey::harvest(key, pgste.load(Ordering::Acquire)).is_none() {
                // Unchanged since the last reset: a store from now on sets the bit.
                return;
            }
            // SAFETY: `pte` is a page-table entry of a live table; the lock is held.
            unsafe { bindings::kvm_s390_rust_ipte(addr as usize, pte.as_ptr()) };
            // Read again now that no store can be in flight, so that the guest's C moves
            // to GC with every store before the IPTE (`logic/skey.rs`).
            // SAFETY: as above.
            let key = unsafe { frame_key(frame) };
            if let Some(state) = skey::harvest(key, pgste.load(Ordering::Acquire)) {
                if let Some(real) = state.real {
                    // SAFETY: as above; the frame stays mapped by us (only the entry is
                    // invalid), and the IPTE quiesced the guest's accesses.
                    unsafe { set_frame_key(frame, real) };
                }
                update_pgste(pgste, state.pgste);
            }
            // The same frame, writable as before: no other writer (the lock is held).
            pte.store(entry, Ordering::Release);
            dirty(addr);
        })
    }

    /// Reads and, with `modify`, changes the guest's storage key of the page at `gaddr`:
    /// `op` gets the real key of the mapped frame (`None` when not mapped) and the PGSTE,
    /// and returns the new state and a result. `None` when the page has no page table yet
    /// (it was never mapped: its key is 0 and the caller maps it to change it). A mapped
    /// frame whose key changes is quiesced first (IPTE), as in [`Gmap::harvest_dirty`],
    /// so that no R or C bit a concurrent access sets is lost. The caller holds
    /// `kvm->mmu_lock` for writing.
    pub fn with_key<R>(
        &self,
        gaddr: u64,
        modify: bool,
        op: impl FnOnce(Option<u8>, u64) -> (skey::KeyState, R),
    ) -> Option<R> {
        let Walk::Pte(pte) = self.walk(gaddr) else {
            return None;
        };
        // SAFETY: `pte` is in a live table; the lock excludes other writers.
        let pte_ref = unsafe { entry(pte) };
        // SAFETY: as above.
        let pgste = unsafe { pgste(pte) };
        let entry = pte_ref.load(Ordering::Relaxed);
        let frame = dat::pte_valid(entry).then(|| dat::pte_pfn(entry) << dat::PAGE_SHIFT);
        if modify && frame.is_some() {
            // SAFETY: `pte` is a page-table entry of a live table; the lock is held.
            unsafe { bindings::kvm_s390_rust_ipte(gaddr as usize, pte) };
        }
        // SAFETY: a frame mapped by a valid entry stays allocated while the lock is held.
        let real = frame.map(|f| unsafe { frame_key(f) });
        let (state, result) = op(real, pgste.load(Ordering::Acquire));
        if modify {
            if let (Some(f), Some(k)) = (frame, state.real) {
                if Some(k) != real {
                    // SAFETY: as above; quiesced by the IPTE.
                    unsafe { set_frame_key(f, k) };
                }
            }
            update_pgste(pgste, state.pgste);
            if frame.is_some() {
                // The same frame, as before: no other writer (the lock is held).
                pte_ref.store(entry, Ordering::Release);
            }
        }
        Some(result)
    }

    /// Runs `op` on the host frame that maps `gaddr` writable (its kernel address) with the
    /// guest's storage key of the page, as [`Gmap::with_key`] reads it; `None` if no valid
    /// writable entry maps `gaddr`. The caller holds `kvm->mmu_lock` for writing, which
    /// keeps the frame: unmapping it (an invalidation, a memslot going) takes that lock.
    pub fn with_writable_frame<R>(
        &self,
        gaddr: u64,
        op: impl FnOnce(*mut u8, u8) -> R,
    ) -> Option<R> {
        let Walk::Pte(pte) = self.walk(gaddr) else {
            return None;
        };
        // SAFETY: `pte` is in a live table; the lock excludes other writers.
        let entry = unsafe { entry(pte) }.load(Ordering::Relaxed);
        if !dat::pte_valid(entry) || entry & dat::PTE_PROTECT != 0 {
            return None;
        }
        let frame = dat::pte_pfn(entry) << dat::PAGE_SHIFT;
        // SAFETY: as above; the frame stays allocated while the lock is held.
        let (real, pgste) = unsafe { (frame_key(frame), pgste(pte).load(Ordering::Acquire)) };
        Some(op(phys_to_virt(frame), skey::guest_key(Some(real), pgste)))
    }

    /// Resolves a guest fault on `gaddr` by mapping the frame of the memslot behind it.
    ///
    /// Never waits for an invalidation of generic KVM's MMU notifier: while one is in
    /// progress (or one ran since the frame was looked up) this returns
    /// [`Faultin::Retry`], and the caller re-enters the guest through the run loop, which
    /// reschedules and handles signals, and faults again.
    ///
    /// A page of a slot that logs dirty pages is marked dirty here: every fault is
    /// resolved as a write (see `Documentation/kvm_s390.rst`, "Guest memory"), so the
    /// guest is about to store to it.
    ///
    /// # Safety
    ///
    /// `self` is `vcpu.vm().gmap()`; the caller holds the VM's `kvm->srcu` for reading
    /// (memslot lookup) and not `kvm->mmu_lock`; may sleep.
    pub unsafe fn fault_in(&self, vcpu: &Vcpu, gaddr: u64) -> Result<Faultin> {
        // SAFETY: per the contract.
        unsafe { self.fault_in_vm(vcpu.vm(), gaddr) }
    }

    /// [`Gmap::fault_in`] for a host fault the guest took in SIE: with pfault enabled for
    /// the VM, a page that needs I/O is first offered to the async-fault worker
    /// (`pfault.rs`); when the guest is told, this returns [`Faultin::Retry`] without the
    /// page (the guest takes its pfault init before it runs again), else the fault is
    /// resolved synchronously and counted as `pfault_sync`. With pfault off this costs one
    /// flag test.
    ///
    /// # Safety
    ///
    /// As for [`Gmap::fault_in`]; on the vCPU's own thread.
    pub unsafe fn fault_in_guest(&self, vcpu: &Vcpu, gaddr: u64) -> Result<Faultin> {
        let pfault = if self.pfault_enabled() {
            Some(vcpu)
        } else {
            None
        };
        // SAFETY: per the contract.
        unsafe { self.fault_in_inner(vcpu.vm(), gaddr, pfault) }
    }

    /// [`Gmap::fault_in`] for a VM-wide operation without a vCPU (`KVM_S390_SET_SKEYS`,
    /// `KVM_S390_MEM_OP` on the VM).
    ///
    /// # Safety
    ///
    /// `self` is `vm.gmap()`; the caller holds `kvm->srcu` for reading and not
    /// `kvm->mmu_lock`; may sleep.
    pub unsafe fn fault_in_vm(&self, vm: &crate::vm::Vm, gaddr: u64) -> Result<Faultin> {
        // SAFETY: per the contract.
        unsafe { self.fault_in_inner(vm, gaddr, None) }
    }

    /// The fault path; with `pfault`, the vCPU whose fault may go asynchronous.
    ///
    /// # Safety
    ///
    /// As for [`Gmap::fault_in_vm`]; `pfault` is a vCPU of `vm` on its own thread.
    unsafe fn fault_in_inner(
        &self,
        vm: &crate::vm::Vm,
        gaddr: u64,
        pfault: Option<&Vcpu>,
    ) -> Result<Faultin> {
        let kvm = vm.as_raw();
        let gfn = gaddr >> dat::PAGE_SHIFT;
        // SAFETY: `kvm` is live.
        let seq = unsafe { bindings::kvm_s390_rust_mmu_invalidate_seq(kvm) };
        // SAFETY: the caller holds `kvm->srcu`.
        let slot = unsafe { bindings::gfn_to_memslot(kvm, gfn) };
        if slot.is_null() {
            return Ok(Faultin::Addressing);
        }
        // SAFETY: memslots stay valid while `kvm->srcu` is held.
        if unsafe { (*slot).flags } & bindings::KVM_MEMSLOT_INVALID != 0 {
            return Ok(Faultin::SlotChanging);
        }
        let mut writable = false;
        let mut page: *mut bindings::page = core::ptr::null_mut();
        // Writable slots are mapped writable at the first fault, whatever the access.
        // With pfault, first without waiting for I/O.
        let nowait = if pfault.is_some() {
            bindings::FOLL_NOWAIT
        } else {
            0
        };
        // SAFETY: `slot` is valid (above); the out-parameters are ours.
        let mut pfn = unsafe {
            bindings::__kvm_faultin_pfn(
                slot,
                gfn,
                bindings::FOLL_WRITE | nowait,
                &mut writable,
                &mut page,
            )
        };
        if let Some(vcpu) = pfault {
            if pfn == bindings::KVM_PFN_ERR_NEEDS_IO {
                if crate::pfault::setup_async(vcpu, gaddr) {
                    return Ok(Faultin::Retry);
                }
                count!(vcpu, pfault_sync);
                // SAFETY: as above.
                pfn = unsafe {
                    bindings::__kvm_faultin_pfn(
                        slot,
                        gfn,
                        bindings::FOLL_WRITE,
                        &mut writable,
                        &mut page,
                    )
                };
            }
        }
        // SAFETY: pure tests of the value (`include/linux/kvm_host.h`).
        unsafe {
            if bindings::kvm_s390_rust_is_noslot_pfn(pfn) {
                return Ok(Faultin::Addressing);
            }
            if bindings::kvm_s390_rust_is_sigpending_pfn(pfn) {
                return Err(EINTR);
            }
            if bindings::kvm_s390_rust_is_error_noslot_pfn(pfn) {
                return Err(EFAULT);
            }
        }
        // At most one table per level is missing: the walk ends after that many rounds.
        let mut spare: Option<(*mut u64, Level)> = None;
        let outcome = loop {
            // SAFETY: `kvm` is live; we do not hold the lock.
            unsafe { bindings::kvm_s390_rust_mmu_write_lock(kvm) };
            if let Some((table, level)) = spare.take() {
                if !self.install(gaddr, level, table) {
                    // Another vCPU installed the same table meanwhile.
                    // SAFETY: allocated below and never made reachable.
                    unsafe { free_table(table, level) };
                }
            }
            // SAFETY: the lock is held, as `mmu_invalidate_retry_gfn` requires.
            let stale = unsafe { bindings::kvm_s390_rust_mmu_invalidate_retry_gfn(kvm, seq, gfn) };
            let missing = if stale {
                None
            } else {
                self.link(gaddr, pfn, writable)
            };
            let used = !stale && missing.is_none();
            if missing.is_none() {
                // SAFETY: `page` came from `__kvm_faultin_pfn`; the lock is held.
                unsafe { bindings::kvm_s390_rust_release_faultin_page(kvm, page, !used, writable) };
            }
            // SAFETY: taken above.
            unsafe { bindings::kvm_s390_rust_mmu_write_unlock(kvm) };
            match missing {
                None if used => break Faultin::Mapped,
                None => break Faultin::Retry,
                Some(level) => match alloc_table(level) {
                    Ok(table) => spare = Some((table, level)),
                    Err(e) => {
                        // SAFETY: as above; the page was not used.
                        unsafe {
                            bindings::kvm_s390_rust_mmu_write_lock(kvm);
                            bindings::kvm_s390_rust_release_faultin_page(kvm, page, true, false);
                            bindings::kvm_s390_rust_mmu_write_unlock(kvm);
                        }
                        return Err(e);
                    }
                },
            }
        };
        if matches!(outcome, Faultin::Mapped) && writable {
            // SAFETY: `slot` is valid (srcu held); `gfn` lies in it. A no-op unless the
            // slot logs dirty pages.
            unsafe { bindings::mark_page_dirty_in_slot(kvm, slot, gfn) };
        }
        Ok(outcome)
    }
}

impl Drop for Gmap {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the tree is ours; the VM is being destroyed, so no
        // vCPU runs and no notifier walks the tables.
        unsafe { free_table(self.top, self.top_level) };
        // CPUs that ran the guest may still cache translations tagged with this ASCE.
        // SAFETY: no precondition.
        unsafe { bindings::kvm_s390_rust_tlb_flush_global() };
    }
}
