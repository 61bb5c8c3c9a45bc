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
//!    signal handled first), classify the exit (`logic/sie_exit.rs`) and handle it, until
//!    something needs user space;
//! 4. store the guest state back into `kvm_run` and undo step 1.
//!
//! A signal ends the run with `KVM_EXIT_INTR` and EINTR; an intercept the backend does not
//! handle ends it with `KVM_EXIT_S390_SIEIC` and 0, exactly as mainline reports it.

use core::mem::MaybeUninit;
use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};
use core::sync::atomic::Ordering;

use kernel::bindings;
use kernel::prelude::*;

use crate::gaccess::{self, GuestReal};
use crate::gmap::Faultin;
use crate::kvm_host::{cpustat, Psw};
use crate::logic::guest_dat::{self, Controls, DatError, GuestMemory, MemoryError};
use crate::logic::psw;
use crate::logic::sie_exit::{self, icpt, Exit};
use crate::vcpu::Vcpu;

/// Adds one to a counter of the vCPU's binary statistics (mainline's names). Only the
/// vCPU's own thread writes them; readers of the statistics file read them racily by
/// design, as in C, so no reference is formed.
macro_rules! count {
    ($vcpu:expr, $field:ident) => {{
        // SAFETY: the vCPU is live; its thread holds `vcpu->mutex` (the only writer).
        unsafe {
            let counter = addr_of_mut!((*$vcpu.as_raw()).stat.$field);
            counter.write_volatile(counter.read_volatile().wrapping_add(1));
        }
    }};
}

/// Why the loop stopped without an error.
enum Stop {
    /// `kvm_run` describes an exit for user space.
    UserExit,
}

/// Mainline's `SIE64_RETURN_MCCK`: a machine check interrupted SIE.
const SIE64_RETURN_MCCK: i32 = 1;

impl Vcpu {
    /// `KVM_RUN`.
    pub fn run_ioctl(&self) -> Result {
        let vcpu = self.as_raw();
        let run = self.run();
        // SAFETY: the vCPU is live and its mutex held (type invariant).
        if !unsafe { (*vcpu).wants_to_run } {
            return Err(EINTR);
        }
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

        // SAFETY: as above; paired with `vcpu_put` and `kvm_sigset_deactivate` below.
        unsafe {
            bindings::vcpu_load(vcpu);
            bindings::kvm_sigset_activate(vcpu);
        }
        // Without user-controlled CPU state, KVM_RUN starts a stopped vCPU (as mainline).
        self.cpuflags()
            .fetch_and(!cpustat::STOPPED, Ordering::SeqCst);

        let mut fpu = MaybeUninit::<bindings::kernel_fpu_32>::uninit();
        // SAFETY: `fpu` lives until the matching `kvm_s390_rust_fpu_end` below.
        unsafe { bindings::kvm_s390_rust_fpu_begin(fpu.as_mut_ptr()) };
        let mut area = self.sync_regs_in(dirty);
        let mut gprs = self.gprs_in();

        // An exit for user space wins over a signal that arrived meanwhile: the guest has
        // already moved past the intercepted instruction, so reporting EINTR instead would
        // lose the exit (mainline behaves the same). The signal is delivered on return to
        // user space and the next KVM_RUN sees it.
        let result = self.run_loop(&mut area, &mut gprs).map(|Stop::UserExit| ());

        self.gprs_out(&gprs);
        self.sync_regs_out(&area);
        count!(self, exit_userspace);
        // SAFETY: begun above with the same state.
        unsafe { bindings::kvm_s390_rust_fpu_end(fpu.as_mut_ptr()) };
        // SAFETY: paired with the calls above.
        unsafe {
            bindings::kvm_sigset_deactivate(vcpu);
            bindings::vcpu_put(vcpu);
        }
        result
    }

    fn run_loop(
        &self,
        area: &mut bindings::kvm_s390_rust_switch_area,
        gprs: &mut [u64; 16],
    ) -> Result<Stop> {
        let vcpu = self.as_raw();
        let sie = self.sie_block();
        let vm = self.vm();
        let gmap = vm.gmap();
        // SAFETY: `kvm->srcu` protects memslot lookups; released around SIE (a guest can run
        // for a long time and must not block memslot updates).
        unsafe { bindings::kvm_s390_rust_vcpu_srcu_read_lock(vcpu) };
        let result = loop {
            if let Err(e) = self.handle_requests() {
                break Err(e);
            }
            if let Err(e) = self.map_prefix_pages() {
                break Err(e);
            }
            // SAFETY: the SIE block is valid and the guest is not running.
            unsafe {
                (*sie).gg14 = gprs[14];
                (*sie).gg15 = gprs[15];
                (*sie).icptcode = 0;
                bindings::kvm_s390_rust_clear_gmap_fault();
                bindings::kvm_s390_rust_vcpu_srcu_read_unlock(vcpu);
            }
            // SAFETY: the SIE block, `gprs` and `area` stay valid during the call; the gmap
            // lives as long as the VM.
            let ret = unsafe {
                bindings::kvm_s390_rust_enter_guest(
                    sie.cast(),
                    gprs.as_mut_ptr(),
                    gmap.asce() as usize,
                    area,
                )
            };
            if ret == EAGAIN.to_errno() {
                // A signal or a reschedule is pending; EINTR (with KVM_EXIT_INTR set) if a
                // signal must be delivered.
                // SAFETY: the vCPU is loaded; no lock is held.
                let rc = unsafe { bindings::kvm_s390_rust_handle_guest_work(vcpu) };
                // SAFETY: re-taken for the next round.
                unsafe { bindings::kvm_s390_rust_vcpu_srcu_read_lock(vcpu) };
                if rc != 0 {
                    break Err(EINTR);
                }
                continue;
            }
            // SAFETY: as above.
            unsafe { bindings::kvm_s390_rust_vcpu_srcu_read_lock(vcpu) };
            // SAFETY: the guest has left SIE; the SIE block is ours again.
            unsafe {
                gprs[14] = (*sie).gg14;
                gprs[15] = (*sie).gg15;
            }
            if ret == SIE64_RETURN_MCCK {
                // The host survived the machine check; the guest is not told yet (machine
                // checks are not reinjected until interrupt delivery exists).
                continue;
            }
            // SAFETY: as above; no-argument accessors of the current thread.
            let exit = unsafe {
                sie_exit::classify(
                    (*sie).icptcode,
                    bindings::kvm_s390_rust_gmap_int_code(),
                    bindings::kvm_s390_rust_gmap_teid() as u64,
                )
            };
            match self.handle_exit(exit) {
                Ok(None) => continue,
                Ok(Some(stop)) => break Ok(stop),
                Err(e) => break Err(e),
            }
        };
        // SAFETY: taken above.
        unsafe { bindings::kvm_s390_rust_vcpu_srcu_read_unlock(vcpu) };
        result
    }

    /// Handles one exit; `Some` ends the run. Called with `kvm->srcu` held.
    fn handle_exit(&self, exit: Exit) -> Result<Option<Stop>> {
        let sie = self.sie_block();
        self.count_exit(exit);
        match exit {
            Exit::Interrupted => Ok(None),
            Exit::GmapFault { gaddr } => {
                // Every access is resolved as a write (see `Gmap::fault_in`).
                // SAFETY: the vCPU belongs to this VM; srcu held, mmu_lock not held.
                match unsafe {
                    self.vm()
                        .gmap()
                        .fault_in(self.vm().as_raw(), self.as_raw(), gaddr)
                }? {
                    Faultin::Mapped | Faultin::Retry => Ok(None),
                    Faultin::Addressing => self.addressing_exception().map(|()| None),
                }
            }
            Exit::Intercept(icpt::STOP) => {
                self.cpuflags()
                    .fetch_and(!cpustat::STOP_INT, Ordering::SeqCst);
                Ok(None)
            }
            // Nothing in the backend makes interruptions pending yet.
            Exit::Intercept(icpt::EXTERNAL_REQUEST | icpt::IO_REQUEST) => Ok(None),
            Exit::Intercept(icpt::VALIDITY) => {
                // SAFETY: the SIE block is ours while the guest is out.
                let (vir, gpsw) = unsafe { (((*sie).ipb >> 16) as u16, (*sie).gpsw) };
                if vir == sie_exit::VIR_PREFIX_NOT_MAPPED {
                    // An invalidation unmapped a prefix page: map it again and retry.
                    return Ok(None);
                }
                warn_limited!(
                    "vcpu {}: validity intercept 0x{:04x}, psw {:016x} {:016x}\n",
                    self.id(),
                    vir,
                    gpsw.mask,
                    gpsw.addr
                );
                Err(EINVAL)
            }
            Exit::Intercept(code) => {
                self.sieic_exit(code);
                Ok(Some(Stop::UserExit))
            }
            Exit::UnexpectedFault { code, teid } => {
                warn_limited!(
                    "vcpu {}: unexpected host program interruption 0x{:x} in SIE, teid {:016x}\n",
                    self.id(),
                    code,
                    teid
                );
                Err(EFAULT)
            }
        }
    }

    /// `KVM_PRE_FAULT_MEMORY` for the page at `gpa`: the bytes mapped (one page), ENOENT
    /// outside the memslots (mainline's errno), EAGAIN while the slot is being changed.
    /// Called with `kvm->srcu` held.
    pub fn pre_fault(&self, gpa: u64) -> Result<u64> {
        let vm = self.vm();
        // SAFETY: the vCPU belongs to this VM; the caller holds srcu and not mmu_lock.
        match unsafe { vm.gmap().fault_in(vm.as_raw(), self.as_raw(), gpa & !0xfff) }? {
            Faultin::Mapped => Ok(4096 - (gpa & 0xfff)),
            Faultin::Addressing => Err(ENOENT),
            Faultin::Retry => Err(EAGAIN),
        }
    }

    /// Counts an exit in the counter mainline counts it in.
    fn count_exit(&self, exit: Exit) {
        match exit {
            Exit::Interrupted => count!(self, exit_null),
            Exit::Intercept(icpt::INSTRUCTION) => count!(self, exit_instruction),
            Exit::Intercept(icpt::PROGRAM) => count!(self, exit_program_interruption),
            Exit::Intercept(icpt::INSTRUCTION_PROGRAM) => count!(self, exit_instr_and_program),
            Exit::Intercept(icpt::EXTERNAL_REQUEST) => count!(self, exit_external_request),
            Exit::Intercept(icpt::IO_REQUEST) => count!(self, exit_io_request),
            Exit::Intercept(icpt::VALIDITY) => count!(self, exit_validity),
            Exit::Intercept(icpt::STOP) => count!(self, exit_stop_request),
            Exit::Intercept(icpt::OPERATION_EXCEPTION) => count!(self, exit_operation_exception),
            Exit::Intercept(icpt::WAIT) => count!(self, exit_wait_state),
            Exit::Intercept(_) | Exit::GmapFault { .. } | Exit::UnexpectedFault { .. } => {}
        }
    }

    /// Reports an intercept to user space as `KVM_EXIT_S390_SIEIC`.
    fn sieic_exit(&self, code: u8) {
        let sie = self.sie_block();
        let run = self.run();
        self.set_exit_reason(bindings::KVM_EXIT_S390_SIEIC);
        // SAFETY: `kvm_run` and the SIE block are valid; the union member is the one
        // `exit_reason` selects.
        unsafe {
            let sieic = addr_of_mut!((*run).__bindgen_anon_1.s390_sieic);
            write_volatile(addr_of_mut!((*sieic).icptcode), code);
            write_volatile(addr_of_mut!((*sieic).ipa), (*sie).ipa);
            write_volatile(addr_of_mut!((*sieic).ipb), (*sie).ipb);
        }
    }

    fn set_exit_reason(&self, reason: u32) {
        // SAFETY: `kvm_run` is valid.
        unsafe { write_volatile(addr_of_mut!((*self.run()).exit_reason), reason) };
    }

    /// Generic KVM's requests to this vCPU, before each entry: a dead VM (a `KVM_BUG_ON`)
    /// ends the run with EIO, as generic KVM refuses the next ioctl; a TLB flush makes
    /// SIE purge the guest's translations. The gmap itself needs no flush request: IPTE
    /// purges every CPU's TLB when an entry goes.
    fn handle_requests(&self) -> Result {
        // SAFETY: the vCPU is live; `requests` is an atomic bitmap.
        if unsafe { bindings::kvm_s390_rust_vm_dead_requested(self.as_raw()) } {
            return Err(EIO);
        }
        // SAFETY: as above.
        if unsafe { bindings::kvm_s390_rust_check_tlb_flush_request(self.as_raw()) } {
            // SAFETY: the SIE block is ours while the guest is out.
            unsafe { (*self.sie_block()).ihcpu = 0xffff };
        }
        Ok(())
    }

    /// Makes sure both pages of the guest's prefix area are mapped: SIE refuses to run
    /// (validity intercept) otherwise. Called with `kvm->srcu` held.
    fn map_prefix_pages(&self) -> Result {
        let vm = self.vm();
        let gmap = vm.gmap();
        let prefix = u64::from(self.prefix());
        for page in [prefix, prefix + 4096] {
            if gmap.is_mapped(page) {
                continue;
            }
            // SAFETY: as in `handle_exit`.
            match unsafe { gmap.fault_in(vm.as_raw(), self.as_raw(), page) }? {
                Faultin::Mapped | Faultin::Retry => {}
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
        Ok(())
    }

    /// Delivers an addressing exception for the instruction at the guest PSW, the way the
    /// CPU does for an operand outside main storage: the exception suppresses, so the old
    /// PSW points past the instruction, whose length is read from guest memory (through
    /// the guest's DAT tables when DAT is on, as mainline's
    /// `vcpu_post_run_addressing_exception`).
    fn addressing_exception(&self) -> Result {
        let sie = self.sie_block();
        // SAFETY: the SIE block is ours while the guest is out.
        let (gpsw, crs) = unsafe { ((*sie).gpsw, (*sie).gcr) };
        let mut opcode = [0u8; 1];
        let fetched = match self.instruction_address(gpsw, &crs) {
            Ok(abs) => self.read_absolute(abs, &mut opcode).is_ok(),
            Err(DatError::Host) => return Err(EFAULT),
            Err(DatError::Program(_)) => false,
        };
        // When the instruction itself cannot be fetched, the exception nullifies: the PSW
        // stays on it (the ILC is then unpredictable; 2 is as good as any).
        let ilen = if fetched {
            sie_exit::instruction_length(opcode[0])
        } else {
            0
        };
        self.program_interruption(
            psw::forward(gpsw, ilen),
            ilen.max(2),
            sie_exit::pgm::ADDRESSING,
        )
    }

    /// The guest absolute address of the instruction the PSW designates.
    fn instruction_address(
        &self,
        gpsw: Psw,
        crs: &[u64; 16],
    ) -> core::result::Result<u64, DatError> {
        let prefix = self.prefix();
        if gpsw.mask & psw::MASK_DAT == 0 {
            return Ok(gaccess::real_to_absolute(prefix, GuestReal(gpsw.addr)).0);
        }
        let vm = self.vm();
        let ctl = Controls {
            edat1: crs[0] & guest_dat::CR0_EDAT != 0 && vm.has_facility(8),
            edat2: crs[0] & guest_dat::CR0_EDAT != 0 && vm.has_facility(8) && vm.has_facility(78),
        };
        let asce = guest_dat::instruction_asce(gpsw.mask, crs);
        guest_dat::translate(&GuestAbsoluteMemory(self), asce, gpsw.addr, prefix, ctl)
            .map(|t| t.absolute)
    }

    /// Performs a program interruption of the guest: stores `old` and the code in the
    /// prefix area and loads the program new PSW.
    fn program_interruption(&self, old: Psw, ilen: u8, code: u16) -> Result {
        let sie = self.sie_block();
        count!(self, deliver_program);
        self.write_real(
            GuestReal(psw::LC_PGM_ILC),
            &psw::program_interruption_code(ilen, code),
        )?;
        self.write_real(GuestReal(psw::LC_PGM_OLD_PSW), &psw::psw_bytes(old))?;
        let mut new = [0u8; 16];
        self.read_real(GuestReal(psw::LC_PGM_NEW_PSW), &mut new)?;
        // SAFETY: the SIE block is ours while the guest is out.
        unsafe { (*sie).gpsw = psw::psw_from_bytes(new) };
        Ok(())
    }

    fn read_real(&self, real: GuestReal, buf: &mut [u8]) -> Result {
        self.read_absolute(gaccess::real_to_absolute(self.prefix(), real).0, buf)
    }

    fn read_absolute(&self, abs: u64, buf: &mut [u8]) -> Result {
        // SAFETY: `kvm->srcu` is held by the run loop; `buf` is ours.
        let rc = unsafe {
            bindings::kvm_read_guest(self.vm().as_raw(), abs, buf.as_mut_ptr().cast(), buf.len())
        };
        kernel::error::to_result(rc)
    }

    fn write_real(&self, real: GuestReal, buf: &[u8]) -> Result {
        let abs = gaccess::real_to_absolute(self.prefix(), real);
        // SAFETY: as in `read_real`.
        let rc = unsafe {
            bindings::kvm_write_guest(self.vm().as_raw(), abs.0, buf.as_ptr().cast(), buf.len())
        };
        kernel::error::to_result(rc)
    }
}

/// Guest absolute memory as the DAT walk reads it: the memslots, through the user mapping.
/// Used with `kvm->srcu` held (the run loop holds it while handling exits).
struct GuestAbsoluteMemory<'a>(&'a Vcpu);

impl GuestMemory for GuestAbsoluteMemory<'_> {
    fn read_u64(&self, addr: u64) -> core::result::Result<u64, MemoryError> {
        // SAFETY: the caller holds `kvm->srcu`, as the memslot lookup requires.
        if unsafe { bindings::kvm_vcpu_gfn_to_memslot(self.0.as_raw(), addr >> 12) }.is_null() {
            return Err(MemoryError::Addressing);
        }
        let mut bytes = [0u8; 8];
        self.0
            .read_absolute(addr, &mut bytes)
            .map_err(|_| MemoryError::Host)?;
        Ok(u64::from_be_bytes(bytes))
    }
}
