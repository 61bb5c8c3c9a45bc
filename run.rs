// SPDX-License-Identifier: GPL-2.0

//! `KVM_RUN`: the loop that enters the guest with SIE and handles what comes back.
//!
//! The shape follows mainline's `kvm_arch_vcpu_ioctl_run` and `__vcpu_run`
//! (`arch/s390/kvm/s390/s390.c`):
//!
//! 1. validate `kvm_run` (invalid sync-register bits are EINVAL), load the vCPU, activate
//!    the signal mask, start the vCPU, save the host's floating-point state;
//! 2. take the guest state from `kvm_run` ("sync regs", with mainline's `kvm_dirty_regs`
//!    semantics) into the SIE block and a kernel-private switch area;
//! 3. loop: handle generic KVM's requests, make the prefix pages present, leave
//!    `kvm->srcu`, enter SIE through `sie64a.S` (interrupts off, pending work such as a
//!    signal handled first), classify the exit (`logic/sie_exit.rs`) and handle it
//!    (`intercept.rs`), until something needs user space;
//! 4. store the guest state back into `kvm_run` and undo step 1.
//!
//! A signal ends the run with `KVM_EXIT_INTR` and EINTR; an intercept the backend does not
//! handle ends it with `KVM_EXIT_S390_SIEIC` and 0, exactly as mainline reports it.
//!
//! These are methods of [`Vcpu`] kept apart from `vcpu.rs` (the vCPU's state and
//! lifecycle) because the run loop is a concern of its own, the one the intercept
//! handlers hang off; the handlers themselves are free functions in their files.

use core::mem::MaybeUninit;
use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};
use core::sync::atomic::Ordering;

use kernel::bindings;
use kernel::prelude::*;

use crate::gmap::Faultin;
use crate::guestdbg;
use crate::intercept::{self, Outcome};
use crate::interrupt;
use crate::kvm_host::{self, cpustat};
use crate::logic::dat::{PAGE_OFFSET_MASK, PAGE_SIZE};
use crate::logic::sie_exit;
use crate::stats::count;
use crate::vcpu::Vcpu;

impl Vcpu {
    /// `KVM_RUN`. Every EINTR comes with `KVM_EXIT_INTR` in `kvm_run->exit_reason`, as
    /// api.rst pairs them, whichever path gave it (a signal before or during the run,
    /// `immediate_exit`, a signal while faulting in guest memory): user space never
    /// sees the previous exit's reason again.
    ///
    /// Inlined into the callback, so that `immediate_exit` (generic KVM's `wants_to_run`)
    /// costs no more than in mainline: a test and the return, before anything is loaded.
    #[inline]
    pub fn run_ioctl(&self) -> Result {
        // SAFETY: the vCPU is live and its mutex held (type invariant).
        let result = if unsafe { (*self.as_raw()).wants_to_run } {
            self.run_once()
        } else {
            Err(EINTR)
        };
        if result == Err(EINTR) {
            self.set_exit_reason(bindings::KVM_EXIT_INTR);
        }
        result
    }

    #[inline(never)]
    fn run_once(&self) -> Result {
        let vcpu = self.as_raw();
        let run = self.run();
        // SAFETY: `kvm_run` is valid; user space may change it at any time, hence volatile.
        let (valid, dirty) = unsafe {
            (
                read_volatile(addr_of!((*run).kvm_valid_regs)),
                read_volatile(addr_of!((*run).kvm_dirty_regs)),
            )
        };
        let known = u64::from(bindings::KVM_SYNC_S390_VALID_FIELDS);
        if valid & !known != 0 || dirty & !known != 0 {
            return Err(EINVAL);
        }
        // A step that ended in user space (an instruction it emulates) is reported now,
        // before the guest moves on; the registers in `kvm_run` stay as they are (mainline).
        if guestdbg::exit_pending(self) {
            guestdbg::debug_exit(self);
            return Ok(());
        }

        // SAFETY: the vCPU is live and this thread holds its mutex, as `vcpu_load` requires;
        // paired with `vcpu_put` below.
        unsafe { bindings::vcpu_load(vcpu) };
        // SAFETY: as above, on the vCPU's own thread; paired with `kvm_sigset_deactivate`.
        unsafe { bindings::kvm_sigset_activate(vcpu) };
        // Without user-controlled CPU state, KVM_RUN starts a stopped vCPU; with it (after
        // KVM_SET_MP_STATE), a stopped vCPU does not run: EINVAL (as mainline).
        if !self.vm().user_cpu_state_ctrl() {
            self.cpuflags()
                .fetch_and(!cpustat::STOPPED, Ordering::SeqCst);
        } else if self.is_stopped() {
            warn_limited!("can't run stopped vcpu {}\n", self.id());
            // SAFETY: activated above by this thread, which still holds the vCPU mutex.
            unsafe { bindings::kvm_sigset_deactivate(vcpu) };
            // SAFETY: loaded above by this thread, which still holds the vCPU mutex.
            unsafe { bindings::vcpu_put(vcpu) };
            return Err(EINVAL);
        }

        let mut fpu = MaybeUninit::<bindings::kernel_fpu_32>::uninit();
        let mut area = self.sync_regs_in(dirty);
        // SAFETY: `fpu` lives until the matching `kvm_s390_rust_fpu_leave_guest` below;
        // `kvm_run` is valid. From here on the CPU's floating-point (or vector) registers
        // are the guest's (helpers.c says why that is safe).
        unsafe { bindings::kvm_s390_rust_fpu_enter_guest(fpu.as_mut_ptr(), self.run()) };
        let mut gprs = self.gprs_in();

        // An exit for user space wins over a signal that arrived meanwhile: the guest has
        // already moved past the intercepted instruction, so reporting EINTR instead would
        // lose the exit (mainline behaves the same). The signal is delivered on return to
        // user space and the next KVM_RUN sees it.
        let result = self.run_loop(&mut area, &mut gprs);

        self.gprs_out(&gprs);
        self.sync_regs_out(&area);
        count!(self, exit_userspace);
        // SAFETY: entered above with the same state; stores the guest's registers into
        // `kvm_run` and gives the host's back.
        unsafe { bindings::kvm_s390_rust_fpu_leave_guest(fpu.as_mut_ptr(), self.run()) };
        // SAFETY: activated above by this thread, which still holds the vCPU mutex.
        unsafe { bindings::kvm_sigset_deactivate(vcpu) };
        // SAFETY: loaded above by this thread, which still holds the vCPU mutex.
        unsafe { bindings::vcpu_put(vcpu) };
        result
    }

    fn run_loop(
        &self,
        area: &mut bindings::kvm_s390_rust_switch_area,
        gprs: &mut [u64; 16],
    ) -> Result {
        let vcpu = self.as_raw();
        let sie = self.sie_block();
        let vm = self.vm();
        let gmap = vm.gmap();
        // SAFETY: `kvm->srcu` protects memslot lookups; released around SIE (a guest can run
        // for a long time and must not block memslot updates).
        unsafe { bindings::kvm_s390_rust_vcpu_srcu_read_lock(vcpu) };
        let result = loop {
            // Completed async faults are freed (the guest was told by the worker).
            crate::pfault::before_entry(self);
            if let Err(e) = self.handle_requests() {
                break Err(e);
            }
            // Interruptions are delivered before the prefix pages are mapped: a SET PREFIX
            // may move them.
            let regs = interrupt::RegsView {
                gprs: &*gprs,
                area: &*area,
            };
            if let Err(e) = interrupt::deliver_pending(self, &regs) {
                break Err(e);
            }
            // Guest debugging: the one check per round while it is off.
            let debugging = guestdbg::enabled(self);
            if debugging {
                if guestdbg::exit_pending(self) {
                    guestdbg::debug_exit(self);
                    break Ok(());
                }
                guestdbg::before_entry(self);
            }
            // The walk is skipped while the prefix is the one last found mapped: an
            // invalidation that unmaps it since makes SIE refuse the entry (validity
            // intercept), which forgets it below, and the next round maps it again.
            let prefix = self.prefix();
            if self.prefix_known_mapped() != Some(prefix) {
                match self.map_prefix_pages() {
                    Ok(true) => self.set_prefix_known_mapped(Some(prefix)),
                    Ok(false) => {}
                    Err(e) => break Err(e),
                }
            }
            // SAFETY: the SIE block is valid and the guest is not running, so these plain
            // stores cannot race with SIE.
            unsafe {
                (*sie).gg14 = gprs[14];
                (*sie).gg15 = gprs[15];
                (*sie).icptcode = 0;
            }
            let mut fault = bindings::kvm_s390_rust_host_fault {
                int_code: 0,
                teid: 0,
            };
            // SAFETY: the SIE block, `gprs` and `area` stay valid during the call; the gmap
            // lives as long as the VM; `kvm->srcu` is held (taken before the loop or in the
            // previous round), as the call requires, and held again when it returns.
            let ret = unsafe {
                bindings::kvm_s390_rust_run_guest(
                    vcpu,
                    sie.cast(),
                    gprs.as_mut_ptr(),
                    gmap.asce() as usize,
                    area,
                    &mut fault,
                )
            };
            if debugging {
                guestdbg::after_exit(self);
            }
            if ret == -(bindings::EAGAIN as i32) {
                // Work was pending (a reschedule): handled, nothing entered.
                continue;
            }
            if ret == -(bindings::EINTR as i32) {
                // A signal for user space.
                break Err(EINTR);
            }
            // SAFETY: the guest has left SIE; the SIE block is ours again.
            unsafe {
                gprs[14] = (*sie).gg14;
                gprs[15] = (*sie).gg15;
            }
            if ret == bindings::SIE64_RETURN_MCCK as i32 {
                // The host took a machine check while the guest ran, survived it, and left
                // what the guest must see of it in the SIE page: the guest gets it as its
                // own, delivered before it runs again.
                if let Err(e) = self.reinject_machine_check() {
                    break Err(e);
                }
                continue;
            }
            // SAFETY: the guest has left SIE; the SIE block is ours again.
            let icptcode = unsafe { (*sie).icptcode };
            let exit = sie_exit::classify(icptcode, fault.int_code, fault.teid as u64);
            if exit == sie_exit::Exit::Intercept(sie_exit::icpt::VALIDITY) {
                self.set_prefix_known_mapped(None);
            }
            let mut regs = intercept::Regs {
                gprs: &mut *gprs,
                acrs: &area.guest_acrs,
            };
            match intercept::handle(self, exit, &mut regs) {
                Ok(Outcome::Continue) => {
                    if debugging && guestdbg::exit_pending(self) {
                        guestdbg::debug_exit(self);
                        break Ok(());
                    }
                    continue;
                }
                Ok(Outcome::UserExit) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        // SAFETY: taken above.
        unsafe { bindings::kvm_s390_rust_vcpu_srcu_read_unlock(vcpu) };
        result
    }

    /// Queues the machine check the host's handler recorded in this vCPU's SIE page
    /// (`mcck_info`, written by `s390_do_machine_check` for a machine check during SIE).
    fn reinject_machine_check(&self) -> Result {
        let page = self.sie_block().cast::<kvm_host::SiePage>();
        // SAFETY: the SIE block is the start of the vCPU's SIE page (`vcpu.rs`); the
        // handler wrote `mcck_info` before SIE returned, and nothing writes it while the
        // guest is out of SIE.
        let info = unsafe { read_volatile(addr_of!((*page).mcck_info)) };
        let irq = crate::logic::interrupt::reinjected_mchk(
            info.mcic,
            info.failing_storage_address,
            info.ext_damage_code,
        );
        interrupt::inject_local(self, irq, None)
    }

    /// `KVM_PRE_FAULT_MEMORY` for the page at `gpa`: the bytes mapped (one page), ENOENT
    /// outside the memslots (mainline's errno), EAGAIN while the slot is being changed. A
    /// fault that raced with an MMU-notifier invalidation is retried here, with a
    /// reschedule in between; a signal ends the wait with EINTR. Called with `kvm->srcu`
    /// held.
    pub fn pre_fault(&self, gpa: u64) -> Result<u64> {
        let vm = self.vm();
        loop {
            if kernel::current!().signal_pending() {
                return Err(EINTR);
            }
            // SAFETY: the gmap is this vCPU's VM's; the caller holds srcu and not mmu_lock.
            match unsafe { vm.gmap().fault_in(self, gpa & !PAGE_OFFSET_MASK) }? {
                Faultin::Mapped => return Ok(PAGE_SIZE - (gpa & PAGE_OFFSET_MASK)),
                Faultin::Addressing => return Err(ENOENT),
                // User space retries; the change cannot finish while we hold srcu.
                Faultin::SlotChanging => return Err(EAGAIN),
                // SAFETY: no lock is held but srcu, which may be held across a reschedule.
                Faultin::Retry => unsafe { bindings::kvm_s390_rust_cond_resched() },
            }
        }
    }

    /// Sets `kvm_run->exit_reason`.
    pub(crate) fn set_exit_reason(&self, reason: u32) {
        // SAFETY: `kvm_run` is valid.
        unsafe { write_volatile(addr_of_mut!((*self.run()).exit_reason), reason) };
    }

    /// Generic KVM's requests to this vCPU, before each entry: a dead VM (a `KVM_BUG_ON`)
    /// ends the run with EIO, as generic KVM refuses the next ioctl; a TLB flush makes
    /// SIE purge the guest's translations. The gmap itself needs no flush request: IPTE
    /// purges every CPU's TLB when an entry goes.
    fn handle_requests(&self) -> Result {
        self.apply_vm_switches();
        // SAFETY: the vCPU is live; `requests` is a bitmap that other threads change only
        // atomically, so one racy read tells whether any request is there (generic KVM's
        // `kvm_request_pending`); one made after the read waits for the next round, as it
        // would after the checks below.
        if unsafe { read_volatile(addr_of!((*self.as_raw()).requests)) } == 0 {
            return Ok(());
        }
        // SAFETY: the vCPU is live; `requests` is an atomic bitmap.
        if unsafe { bindings::kvm_s390_rust_vm_dead_requested(self.as_raw()) } {
            return Err(EIO);
        }
        // SAFETY: as above.
        if unsafe { bindings::kvm_s390_rust_check_tlb_flush_request(self.as_raw()) } {
            // SAFETY: the SIE block is ours while the guest is out.
            unsafe { (*self.sie_block()).ihcpu = kvm_host::IHCPU_PURGE_TLB };
        }
        Ok(())
    }

    /// The prefix whose two pages the run loop last found mapped, if any. Kept across
    /// `KVM_RUN`s in `vcpu->arch.host_acrs[0]`, a field this backend has no other use for
    /// (the switch area holds the host's access registers), as the prefix plus one: a
    /// prefix is 8 KiB aligned, and 0 means none. Only the vCPU's thread, holding
    /// `vcpu->mutex`, reads or writes it.
    fn prefix_known_mapped(&self) -> Option<u32> {
        // SAFETY: the vCPU is live and its mutex held (type invariant).
        let v = unsafe { (*self.arch()).host_acrs[0] };
        v.checked_sub(1)
    }

    fn set_prefix_known_mapped(&self, prefix: Option<u32>) {
        // SAFETY: as in `prefix_known_mapped`.
        unsafe { (*self.arch()).host_acrs[0] = prefix.map_or(0, |p| p | 1) };
    }

    /// Makes sure both pages of the guest's prefix area are mapped: SIE refuses to run
    /// (validity intercept) otherwise. Returns whether both are mapped now (not when a
    /// fault must be retried). Called with `kvm->srcu` held.
    fn map_prefix_pages(&self) -> Result<bool> {
        let vm = self.vm();
        let gmap = vm.gmap();
        let prefix = u64::from(self.prefix());
        let mut mapped = true;
        for page in [prefix, prefix + PAGE_SIZE] {
            if gmap.is_mapped(page) {
                continue;
            }
            // SAFETY: the gmap is this vCPU's VM's; srcu held, mmu_lock not held.
            match unsafe { gmap.fault_in(self, page) }? {
                Faultin::Mapped => {}
                Faultin::Retry | Faultin::SlotChanging => mapped = false,
                Faultin::Addressing => {
                    warn_limited!(
                        "vcpu {}: prefix {:#x} is outside guest memory\n",
                        self.id(),
                        prefix
                    );
                    return Err(EFAULT);
                }
            }
        }
        Ok(mapped)
    }
}
