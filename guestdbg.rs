// SPDX-License-Identifier: GPL-2.0

//! Guest debugging: `KVM_SET_GUEST_DEBUG` with single-step, and `KVM_EXIT_DEBUG`.
//!
//! While debugging is on, the state description forces PER on for the guest (`cpustat::P`,
//! guest-PER enhancement) and the run loop swaps the guest's CR0 and CR9-CR11 for the
//! debugger's around every SIE entry ([`before_entry`], [`after_exit`]), with loads of
//! those registers, STORE CONTROL and every program interruption intercepted, so the guest
//! keeps its own values and its own PER events. A PER event the debugger asked for sets
//! `KVM_GUESTDBG_EXIT_PENDING` (in `vcpu->guest_debug`, as mainline) with the
//! `kvm_run.debug.arch` data; the run loop then ends `KVM_RUN` with `KVM_EXIT_DEBUG`.
//! Single-stepping over a delivered interruption exits after the delivery, at the new PSW.
//! The decisions are pure (`logic/guestdbg.rs`); the facts are in mainline's
//! `arch/s390/kvm/s390/guestdbg.c`, `intercept.c` and `s390.c` and in the Principles of
//! Operation, "Program-Event Recording".
//!
//! Hardware breakpoints and watchpoints (`KVM_GUESTDBG_USE_HW_BP`) are not implemented.

use core::ptr::{addr_of_mut, read_volatile, write_volatile};
use core::sync::atomic::{AtomicUsize, Ordering};

use kernel::bindings;
use kernel::prelude::*;

use crate::intercept::Outcome;
use crate::interrupt;
use crate::kvm_host::cpustat;
use crate::logic::guestdbg::{self as logic, PerRegs};
use crate::logic::psw;
use crate::logic::sie_exit;
use crate::uapi_kvm::KvmS390PgmInfo;
use crate::vcpu::Vcpu;

/// `vcpu->guest_debug`, which the vCPU's thread changes and `KVM_S390_IRQ` (without the
/// vCPU mutex) clears the exit-pending bit of: all accesses are atomic.
fn flags(vcpu: &Vcpu) -> &AtomicUsize {
    // SAFETY: the vCPU is live (type invariant of `Vcpu`); `guest_debug` is an aligned
    // `unsigned long` that only this file accesses, always atomically (generic KVM only
    // passes the ioctl argument to us and never touches the field).
    unsafe { AtomicUsize::from_ptr(addr_of_mut!((*vcpu.as_raw()).guest_debug).cast()) }
}

/// The debug control word (`KVM_GUESTDBG_*`, with the internal exit-pending bit).
pub(crate) fn control(vcpu: &Vcpu) -> u32 {
    flags(vcpu).load(Ordering::Relaxed) as u32
}

/// Whether debugging is on: the run loop's one check per round.
#[inline]
pub(crate) fn enabled(vcpu: &Vcpu) -> bool {
    control(vcpu) & logic::GUESTDBG_ENABLE != 0
}

/// `KVM_SET_GUEST_DEBUG` (mainline's `kvm_arch_vcpu_ioctl_set_guest_debug`): any call
/// first switches debugging off; a refused control word leaves it off. Called with the
/// vCPU mutex held, the guest not running.
pub(crate) fn set_guest_debug(vcpu: &Vcpu, control: u32) -> Result {
    let f = flags(vcpu);
    f.store(0, Ordering::SeqCst);
    let gpere = crate::machine::Machine::read().has_gpere;
    if logic::check_control(control, gpere).is_err() {
        // Mainline leaves `cpustat::P` as it was here; off is what "debugging off" means.
        vcpu.cpuflags().fetch_and(!cpustat::P, Ordering::SeqCst);
        return Err(EINVAL);
    }
    if control & logic::GUESTDBG_ENABLE != 0 {
        f.store(control as usize, Ordering::SeqCst);
        vcpu.cpuflags().fetch_or(cpustat::P, Ordering::SeqCst);
    } else {
        vcpu.cpuflags().fetch_and(!cpustat::P, Ordering::SeqCst);
        // SAFETY: the vCPU mutex is held (caller), so nothing else uses `arch.guestdbg`.
        unsafe { (*vcpu.arch()).guestdbg.last_bp = 0 };
    }
    Ok(())
}

/// Whether a debug exit is due before the guest runs again.
pub(crate) fn exit_pending(vcpu: &Vcpu) -> bool {
    let c = control(vcpu);
    c & logic::GUESTDBG_ENABLE != 0 && c & logic::GUESTDBG_EXIT_PENDING != 0
}

/// Turns the pending debug exit into `KVM_EXIT_DEBUG` (mainline's
/// `kvm_s390_prepare_debug_exit`), with `kvm_run.debug.arch` filled only now: it shares
/// the union with `s390_sieic`, which a step into user space reports first. A single-step
/// exit's address is where the guest resumes, the PSW in the state description, which
/// nothing changes between the event and this exit.
pub(crate) fn debug_exit(vcpu: &Vcpu) {
    let run = vcpu.run();
    // SAFETY: the SIE block is ours while the guest is out.
    let addr = unsafe { read_volatile(addr_of_mut!((*vcpu.sie_block()).gpsw.addr)) };
    // SAFETY: `kvm_run` is valid; user space may read it concurrently, hence volatile.
    // The union member is the one `KVM_EXIT_DEBUG` selects.
    unsafe {
        let arch = addr_of_mut!((*run).__bindgen_anon_1.debug.arch);
        write_volatile(addr_of_mut!((*arch).addr), addr);
        write_volatile(addr_of_mut!((*arch).type_), logic::EXIT_TYPE_SINGLESTEP);
    }
    vcpu.set_exit_reason(bindings::KVM_EXIT_DEBUG);
    flags(vcpu).fetch_and(!(logic::GUESTDBG_EXIT_PENDING as usize), Ordering::SeqCst);
}

/// An interruption injected from user space (`KVM_S390_IRQ`, `KVM_S390_INTERRUPT`)
/// cancels a pending debug exit, so that the exit comes after its delivery: user space
/// that emulated a stepped instruction (`KVM_EXIT_S390_SIEIC`) and injects an exception
/// for it sees the step end in the exception's handler (mainline does the same).
pub(crate) fn injected_from_user(vcpu: &Vcpu) {
    let f = flags(vcpu);
    if f.load(Ordering::Relaxed) & logic::GUESTDBG_EXIT_PENDING as usize != 0 {
        f.fetch_and(!(logic::GUESTDBG_EXIT_PENDING as usize), Ordering::SeqCst);
    }
}

/// Records that a single-step exit is due (reported by [`debug_exit`]).
fn singlestep_exit(vcpu: &Vcpu) {
    flags(vcpu).fetch_or(logic::GUESTDBG_EXIT_PENDING as usize, Ordering::SeqCst);
}

/// Whether debugging with single-step is on.
pub(crate) fn singlestepping(vcpu: &Vcpu) -> bool {
    let c = control(vcpu);
    c & logic::GUESTDBG_ENABLE != 0 && c & logic::GUESTDBG_SINGLESTEP != 0
}

/// After interruptions were delivered: a step ends at the new PSW (mainline's end of
/// `kvm_s390_deliver_pending_interrupts`).
pub(crate) fn delivered(vcpu: &Vcpu) {
    if singlestepping(vcpu) {
        singlestep_exit(vcpu);
    }
}

/// Before a SIE entry with debugging on: saves the guest's CR0 and CR9-CR11 in
/// `arch.guestdbg` and installs the debugger's; makes the instructions that would see or
/// change them intercept, and every program interruption.
pub(crate) fn before_entry(vcpu: &Vcpu) {
    let sie = vcpu.sie_block();
    let control = control(vcpu);
    // SAFETY: the SIE block is ours while the guest is out; `arch.guestdbg` belongs to
    // the vCPU's thread, which holds the vCPU mutex in `KVM_RUN`.
    unsafe {
        let g = PerRegs {
            cr0: (*sie).gcr[0],
            cr9: (*sie).gcr[9],
            cr10: (*sie).gcr[10],
            cr11: (*sie).gcr[11],
        };
        let save = addr_of_mut!((*vcpu.arch()).guestdbg);
        (*save).cr0 = g.cr0 as _;
        (*save).cr9 = g.cr9 as _;
        (*save).cr10 = g.cr10 as _;
        (*save).cr11 = g.cr11 as _;
        let p = logic::patched(g, control);
        (*sie).gcr[0] = p.cr0;
        (*sie).gcr[9] = p.cr9;
        (*sie).gcr[10] = p.cr10;
        (*sie).gcr[11] = p.cr11;
        (*sie).lctl |= logic::DEBUG_LCTL;
        (*sie).ictl |= logic::DEBUG_ICTL;
    }
}

/// After SIE returned (or the entry was abandoned) with debugging on: the guest's own
/// registers back, before any intercept handler sees them. The `lctl` bits stay until
/// interruption delivery recomputes them (they only cost an intercept).
pub(crate) fn after_exit(vcpu: &Vcpu) {
    let sie = vcpu.sie_block();
    // SAFETY: as in `before_entry`.
    unsafe {
        let save = addr_of_mut!((*vcpu.arch()).guestdbg);
        (*sie).gcr[0] = (*save).cr0 as u64;
        (*sie).gcr[9] = (*save).cr9 as u64;
        (*sie).gcr[10] = (*save).cr10 as u64;
        (*sie).gcr[11] = (*save).cr11 as u64;
        (*sie).ictl &= !logic::DEBUG_ICTL;
    }
}

/// A program interception that indicates PER (mainline's `kvm_s390_handle_per_event`):
/// a single-step event becomes a pending debug exit, and the PER part the guest did not
/// ask for is taken out of the interruption (`perc` and the code in the SIE block).
/// Returns the program-interruption code left for the guest (0: nothing to present).
pub(crate) fn per_event(vcpu: &Vcpu, iprcc: u16) -> u16 {
    let control = control(vcpu);
    if control & logic::GUESTDBG_ENABLE == 0 || iprcc & logic::PGM_PER == 0 {
        return iprcc;
    }
    let sie = vcpu.sie_block();
    // SAFETY: the SIE block is ours while the guest is out; the control registers are the
    // guest's own again (`after_exit` ran).
    let (faddr, peraddr, gpsw, gcr, tecmc) = unsafe {
        (
            (*sie).faddr,
            (*sie).peraddr,
            (*sie).gpsw,
            (*sie).gcr,
            (*sie).tecmc,
        )
    };
    // `perc` is byte 0xd6 of the state description: bits 8-15 of the doubleword at 0xd0.
    let perc = (faddr >> 8) as u8;
    if logic::per_event_is_debuggers(control, iprcc) && logic::singlestep_event(control, perc) {
        singlestep_exit(vcpu);
    }
    let own = PerRegs {
        cr0: gcr[0],
        cr9: gcr[9],
        cr10: gcr[10],
        cr11: gcr[11],
    };
    // The PER address is the fetched instruction's (an EXECUTE's target is not looked up).
    let guest_perc = logic::guest_per_code(perc, gpsw.mask, gpsw.addr, own, Some(peraddr));
    let code = logic::guest_iprcc(iprcc, guest_perc, gpsw.mask, gcr[1], gcr[13], tecmc);
    // SAFETY: as above.
    unsafe {
        (*sie).faddr = (faddr & !0xff00) | (u64::from(guest_perc) << 8);
        (*sie).pgmilc_iprcc = ((*sie).pgmilc_iprcc & !0xffff) | u32::from(code);
    }
    code
}

/// After an instruction-type interception whose instruction caused an
/// instruction-fetching PER event (`icptstatus`), handled in the kernel (`Continue`) or
/// forwarded as `KVM_EXIT_S390_SIEIC` (mainline's `should_handle_per_ifetch` and
/// `kvm_s390_handle_per_ifetch_icpt`): a single-step exit becomes pending, and the guest
/// gets the event if it asked for it. While single-stepping with a local interruption
/// pending (the handler injected one), the delivery ends the step instead.
pub(crate) fn after_instruction(vcpu: &Vcpu, outcome: &Outcome) -> Result {
    let sie = vcpu.sie_block();
    // SAFETY: the SIE block is ours while the guest is out.
    let (icptcode, icptstatus, ipa, ilc_code, gpsw, gcr) = unsafe {
        (
            (*sie).icptcode,
            (*sie).icptstatus,
            (*sie).ipa,
            (*sie).pgmilc_iprcc,
            (*sie).gpsw,
            (*sie).gcr,
        )
    };
    if icptstatus & logic::ICPTSTATUS_PER_IFETCH == 0 {
        return Ok(());
    }
    if let Outcome::UserExit = outcome {
        // SAFETY: `kvm_run` is valid; read back what the handler set.
        let reason = unsafe { read_volatile(addr_of_mut!((*vcpu.run()).exit_reason)) };
        if reason != bindings::KVM_EXIT_S390_SIEIC {
            return Ok(());
        }
    }
    let control = control(vcpu);
    let ilen = sie_exit::intercepted_ilen(icptcode, ipa, icptstatus, (ilc_code >> 16) as u16);
    // The PSW is past the instruction: the event is for the one before it.
    let per_address = psw::backward(gpsw, ilen).addr;
    let info = KvmS390PgmInfo {
        code: logic::PGM_PER,
        per_code: logic::PER_CODE_IFETCH,
        per_address,
        ..Default::default()
    };
    if control & logic::GUESTDBG_ENABLE == 0 {
        return interrupt::inject_program(vcpu, &info);
    }
    if control & logic::GUESTDBG_SINGLESTEP != 0 && interrupt::local_pending_any(vcpu) {
        return Ok(());
    }
    if logic::singlestep_event(control, logic::PER_CODE_IFETCH) {
        singlestep_exit(vcpu);
    }
    if gpsw.mask & logic::PSW_MASK_PER == 0
        || gcr[9] & logic::CR9_IFETCH == 0
        || !logic::in_addr_range(per_address, gcr[10], gcr[11])
    {
        return Ok(());
    }
    interrupt::inject_program(vcpu, &info)
}
