// SPDX-License-Identifier: GPL-2.0

//! Intercept dispatch: what the backend does with each way the guest left SIE.
//!
//! The exit is decoded once, in pure logic (`logic/sie_exit.rs`: icptcode, the host fault
//! code and TEID into an [`Exit`]); [`handle`] is the one `match` over it, and each arm
//! does the work or calls into the file of its concern: `gmap.rs` (guest memory faults),
//! `interrupt.rs` (delivery into the guest), `gaccess.rs` (guest storage). Mainline's
//! counterpart is `arch/s390/kvm/s390/intercept.c` with `vcpu_post_run` in `s390.c`.
//!
//! A handler has four outcomes: continue the guest, deliver a program interruption to it
//! (done here, then continue), stop for user space ([`Outcome::UserExit`], `kvm_run`
//! describes the exit), or a host error (`Err`, which ends `KVM_RUN` with that errno).
//! Instructions go to `instruction.rs`, whose one table names the handler of every
//! instruction emulated in the kernel (privileged instructions, DIAGNOSE, SIGNAL PROCESSOR,
//! SET CLOCK). Intercepts that mainline handles in the kernel but this backend does not
//! handle yet (the other instructions) go to user space as `KVM_EXIT_S390_SIEIC`, exactly
//! as mainline reports an intercept it forwards.

use core::ptr::{addr_of_mut, write_volatile};
use core::sync::atomic::Ordering;

use kernel::bindings;
use kernel::prelude::*;

use crate::gaccess;
use crate::gmap::Faultin;
use crate::instruction;
use crate::interrupt;
use crate::kvm_host::cpustat;
use crate::logic::guest_dat::DatError;
use crate::logic::interrupt::{intercepted_external, lc, STOP_FLAG_STORE_STATUS};
use crate::logic::prefix::GuestReal;
use crate::logic::psw;
use crate::logic::sie_exit::{self, icpt, Exit};
use crate::stats::count;
use crate::vcpu::Vcpu;

/// What the run loop does after an exit was handled.
pub(crate) enum Outcome {
    /// Enter the guest again.
    Continue,
    /// Return to user space: `kvm_run` describes the exit.
    UserExit,
}

/// The guest registers the run loop holds while the guest is out of SIE (it writes them
/// back to `kvm_run` when `KVM_RUN` returns, and loads them at the next entry).
pub(crate) struct Regs<'a> {
    /// General registers.
    pub(crate) gprs: &'a mut [u64; 16],
    /// Access registers.
    pub(crate) acrs: &'a [u32; 16],
}
// The floating-point registers stay in the CPU during `KVM_RUN`: a handler that needs them
// stores them to `kvm_run` first (`Vcpu::store_guest_fp`).

/// Handles one exit of `vcpu` from SIE. Called by the run loop with `kvm->srcu` held.
pub(crate) fn handle(vcpu: &Vcpu, exit: Exit, regs: &mut Regs<'_>) -> Result<Outcome> {
    let outcome = handle_exit(vcpu, exit, regs)?;
    // An instruction-fetching PER event of the intercepted instruction (guest debugging,
    // or the guest's own PER), as mainline's `kvm_handle_sie_intercept` ends.
    if let Exit::Intercept(
        icpt::INSTRUCTION | icpt::OPERATION_EXCEPTION | icpt::INT_ENABLE | icpt::MCHK_REQUEST,
    ) = exit
    {
        crate::guestdbg::after_instruction(vcpu, &outcome)?;
    }
    Ok(outcome)
}

fn handle_exit(vcpu: &Vcpu, exit: Exit, regs: &mut Regs<'_>) -> Result<Outcome> {
    let sie = vcpu.sie_block();
    count_exit(vcpu, exit);
    match exit {
        Exit::Interrupted => Ok(Outcome::Continue),
        Exit::GmapFault { gaddr } => {
            // Every access is resolved as a write (see `Gmap::fault_in`); with pfault, maybe
            // asynchronously (`Gmap::fault_in_guest`).
            // SAFETY: the gmap is this vCPU's VM's; the run loop holds srcu, not mmu_lock,
            // on the vCPU's thread.
            match unsafe { vcpu.vm().gmap().fault_in_guest(vcpu, gaddr) }? {
                Faultin::Mapped | Faultin::Retry | Faultin::SlotChanging => Ok(Outcome::Continue),
                Faultin::Addressing => addressing_exception(vcpu).map(|()| Outcome::Continue),
            }
        }
        Exit::Intercept(icpt::STOP) => handle_stop(vcpu, regs),
        // An interruption became deliverable: the run loop delivers it before re-entry.
        Exit::Intercept(
            icpt::EXTERNAL_REQUEST | icpt::IO_REQUEST | icpt::MCHK_REQUEST | icpt::INT_ENABLE,
        ) => Ok(Outcome::Continue),
        Exit::Intercept(icpt::EXTERNAL_INTERRUPT) => handle_external_interrupt(vcpu),
        Exit::Intercept(icpt::WAIT) => match interrupt::handle_wait(vcpu)? {
            Outcome::UserExit => {
                // A disabled wait: only user space can end it.
                sieic_exit(vcpu, icpt::WAIT);
                Ok(Outcome::UserExit)
            }
            o => Ok(o),
        },
        Exit::Intercept(icpt::PROGRAM) => handle_prog(vcpu),
        Exit::Intercept(icpt::VALIDITY) => {
            // SAFETY: the SIE block is ours while the guest is out.
            let (ipb, gpsw) = unsafe { ((*sie).ipb, (*sie).gpsw) };
            let vir = sie_exit::validity_reason(ipb);
            if vir == sie_exit::VIR_PREFIX_NOT_MAPPED {
                // An invalidation unmapped a prefix page: map it again and retry.
                return Ok(Outcome::Continue);
            }
            warn_limited!(
                "vcpu {}: validity intercept 0x{:04x}, psw {:016x} {:016x}\n",
                vcpu.id(),
                vir,
                gpsw.mask,
                gpsw.addr
            );
            Err(EINVAL)
        }
        Exit::Intercept(icpt::INSTRUCTION) => instruction::handle(vcpu, regs),
        Exit::Intercept(icpt::OPERATION_EXCEPTION) => crate::operexc::handle(vcpu),
        Exit::Intercept(code) => {
            sieic_exit(vcpu, code);
            Ok(Outcome::UserExit)
        }
        Exit::UnexpectedFault { code, teid } => {
            warn_limited!(
                "vcpu {}: unexpected host program interruption 0x{:x} in SIE, teid {:016x}\n",
                vcpu.id(),
                code,
                teid
            );
            Err(EFAULT)
        }
    }
}

/// Counts an exit in the counter mainline counts it in.
fn count_exit(vcpu: &Vcpu, exit: Exit) {
    match exit {
        Exit::Interrupted => count!(vcpu, exit_null),
        Exit::Intercept(icpt::INSTRUCTION) => count!(vcpu, exit_instruction),
        Exit::Intercept(icpt::PROGRAM) => count!(vcpu, exit_program_interruption),
        Exit::Intercept(icpt::INSTRUCTION_PROGRAM) => count!(vcpu, exit_instr_and_program),
        Exit::Intercept(icpt::EXTERNAL_REQUEST) => count!(vcpu, exit_external_request),
        Exit::Intercept(icpt::IO_REQUEST) => count!(vcpu, exit_io_request),
        Exit::Intercept(icpt::EXTERNAL_INTERRUPT) => count!(vcpu, exit_external_interrupt),
        Exit::Intercept(icpt::VALIDITY) => count!(vcpu, exit_validity),
        Exit::Intercept(icpt::STOP) => count!(vcpu, exit_stop_request),
        Exit::Intercept(icpt::OPERATION_EXCEPTION) => count!(vcpu, exit_operation_exception),
        Exit::Intercept(icpt::WAIT) => count!(vcpu, exit_wait_state),
        Exit::Intercept(_) | Exit::GmapFault { .. } | Exit::UnexpectedFault { .. } => {}
    }
}

/// Reports an intercept to user space as `KVM_EXIT_S390_SIEIC`.
pub(crate) fn sieic_exit(vcpu: &Vcpu, code: u8) {
    let sie = vcpu.sie_block();
    let run = vcpu.run();
    vcpu.set_exit_reason(bindings::KVM_EXIT_S390_SIEIC);
    // SAFETY: `kvm_run` and the SIE block are valid; the union member is the one
    // `exit_reason` selects.
    unsafe {
        let sieic = addr_of_mut!((*run).__bindgen_anon_1.s390_sieic);
        write_volatile(addr_of_mut!((*sieic).icptcode), code);
        write_volatile(addr_of_mut!((*sieic).ipa), (*sie).ipa);
        write_volatile(addr_of_mut!((*sieic).ipb), (*sie).ipb);
    }
}

/// A stop request (intercept 0x28, mainline's `handle_stop`): a pending SIGP STOP stops
/// the vCPU, unless user space controls the CPU state, and is reported to user space as
/// `KVM_EXIT_S390_SIEIC`; other stop intercepts were only kicks. The stop waits while
/// another interruption is deliverable, so that it is delivered first.
fn handle_stop(vcpu: &Vcpu, regs: &Regs<'_>) -> Result<Outcome> {
    if interrupt::has_irq(vcpu, true) {
        return Ok(Outcome::Continue);
    }
    let Some(flags) = interrupt::take_stop(vcpu) else {
        return Ok(Outcome::Continue);
    };
    if flags & STOP_FLAG_STORE_STATUS != 0 {
        crate::store_status::store_status_loaded(
            vcpu,
            crate::uapi_kvm::KVM_S390_STORE_STATUS_NOADDR,
            regs,
        )?;
    }
    if !vcpu.vm().user_cpu_state_ctrl() {
        vcpu.cpuflags().fetch_or(cpustat::STOPPED, Ordering::SeqCst);
    }
    sieic_exit(vcpu, icpt::STOP);
    Ok(Outcome::UserExit)
}

/// An external interruption SIE did not present itself (intercept 0x14): queued for
/// delivery before the next entry, or sent to user space when it cannot be delivered
/// without a loop (`logic::interrupt::intercepted_external`).
fn handle_external_interrupt(vcpu: &Vcpu) -> Result<Outcome> {
    let sie = vcpu.sie_block();
    // SAFETY: the SIE block is ours while the guest is out.
    let params = unsafe { (*sie).eiparams_mcic };
    let (extcpuaddr, eic) = ((params >> 16) as u16, params as u16);
    let mut new_psw = [0u8; 16];
    gaccess::read_real(vcpu, GuestReal(lc::EXT_NEW_PSW), &mut new_psw)?;
    let mask = psw::psw_from_bytes(new_psw).mask;
    let Some(irq) = intercepted_external(eic, extcpuaddr, mask) else {
        sieic_exit(vcpu, icpt::EXTERNAL_INTERRUPT);
        return Ok(Outcome::UserExit);
    };
    match interrupt::inject_local(vcpu, irq, None) {
        // An external call is pending already: this one is the same condition.
        Err(e) if e == EBUSY => Ok(Outcome::Continue),
        r => r.map(|()| Outcome::Continue),
    }
}

/// A program interruption SIE did not present itself (intercept 0x08, mainline's
/// `handle_prog`/`inject_prog_on_prog_intercept`): presented to the guest with the
/// interruption data SIE stored in the state description.
fn handle_prog(vcpu: &Vcpu) -> Result<Outcome> {
    let sie = vcpu.sie_block();
    // SAFETY: the SIE block is ours while the guest is out.
    let (ilc_code, tecmc, dxc) = unsafe { ((*sie).pgmilc_iprcc, (*sie).tecmc, (*sie).faddr) };
    // Guest debugging takes its PER events out (mainline's `should_handle_per_event`).
    let code = crate::guestdbg::per_event(vcpu, ilc_code as u16);
    if code == 0 {
        return Ok(Outcome::Continue);
    }
    let ilen = ((ilc_code >> 16) as u8) & crate::uapi_kvm::KVM_S390_PGM_FLAGS_ILC_MASK;
    // SIE has already placed the PSW as the exception demands: no rewind at delivery
    // (mainline's `KVM_S390_PGM_FLAGS_NO_REWIND`). While guest debugging intercepts
    // every program interruption, this is the path of all of them.
    let mut info = crate::uapi_kvm::KvmS390PgmInfo {
        code,
        flags: ilen
            | crate::uapi_kvm::KVM_S390_PGM_FLAGS_ILC_VALID
            | crate::uapi_kvm::KVM_S390_PGM_FLAGS_NO_REWIND,
        ..Default::default()
    };
    // SAFETY: as above.
    let (faddr, peraddr, eai_peraid, oai) =
        unsafe { ((*sie).faddr, (*sie).peraddr, (*sie).eai_peraid, (*sie).oai) };
    if sie_exit::pgm::stores_teid(code) {
        info.trans_exc_code = tecmc;
        info.exc_access_id = (eai_peraid >> 8) as u8;
        info.op_access_id = oai;
    } else if sie_exit::pgm::art_exception(code) {
        info.exc_access_id = (eai_peraid >> 8) as u8;
    }
    match code & sie_exit::pgm::CODE_MASK {
        sie_exit::pgm::DATA => info.data_exc_code = (dxc >> 32) as u32,
        // Monitor event: the class number is the halfword at 0xd4, the code in `tecmc`.
        0x40 => {
            info.mon_class_nr = (faddr >> 16) as u16;
            info.mon_code = tecmc;
        }
        _ => {}
    }
    if code & crate::logic::guestdbg::PGM_PER != 0 {
        // `perc` and `peratmid` are bytes 0xd6 and 0xd7 (`per_event` may have changed
        // `perc`).
        info.per_code = (faddr >> 8) as u8;
        info.per_atmid = faddr as u8;
        info.per_address = peraddr;
        info.per_access_id = eai_peraid as u8;
    }
    interrupt::inject_program(vcpu, &info)?;
    Ok(Outcome::Continue)
}

/// Delivers an addressing exception for the instruction at the guest PSW, the way the
/// CPU does for an operand outside main storage: the exception suppresses, so the old
/// PSW points past the instruction, whose length is read from guest memory (through
/// the guest's DAT tables when DAT is on, as mainline's
/// `vcpu_post_run_addressing_exception`).
fn addressing_exception(vcpu: &Vcpu) -> Result {
    let sie = vcpu.sie_block();
    // SAFETY: the SIE block is ours while the guest is out.
    let (gpsw, crs) = unsafe { ((*sie).gpsw, (*sie).gcr) };
    let mut opcode = [0u8; 1];
    let fetched = match gaccess::instruction_address(vcpu, gpsw, &crs) {
        Ok(abs) => gaccess::read_absolute(vcpu, abs, &mut opcode).is_ok(),
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
    // Suppression: the old PSW points past the instruction; queued like every program
    // interruption and delivered before the next entry.
    // SAFETY: the SIE block is ours while the guest is out.
    unsafe { (*sie).gpsw = psw::forward(gpsw, ilen) };
    let info = crate::uapi_kvm::KvmS390PgmInfo {
        code: sie_exit::pgm::ADDRESSING,
        flags: ilen.max(2) | crate::uapi_kvm::KVM_S390_PGM_FLAGS_ILC_VALID,
        ..Default::default()
    };
    interrupt::inject_program(vcpu, &info)
}
