// SPDX-License-Identifier: GPL-2.0

//! SIGNAL PROCESSOR (opcode 0xae, intercepted by SIE): the orders performed in the kernel
//! through the interrupt core, and the ones that go to user space.
//!
//! Order rules and operand decoding are pure logic (`logic/sigp.rs`); this file applies
//! them to the vCPUs. Mainline: `arch/s390/kvm/s390/sigp.c`.
//!
//! In the kernel: SENSE, EXTERNAL CALL, EMERGENCY SIGNAL, CONDITIONAL EMERGENCY SIGNAL,
//! SENSE RUNNING STATUS, STOP, STOP AND STORE STATUS, STORE STATUS AT ADDRESS, SET PREFIX,
//! SET ARCHITECTURE, and the "busy" answer for any order (resets excepted) while a stop or
//! restart is pending at the addressed CPU. In user space (`KVM_EXIT_S390_SIEIC`), as
//! mainline: START, RESTART, the CPU resets and unknown orders, and, with
//! `KVM_CAP_S390_USER_SIGP` enabled, every order but the fast ones.

use core::ptr::{addr_of, read_volatile};
use core::sync::atomic::Ordering;

use kernel::bindings;
use kernel::prelude::*;

use crate::instruction::Insn;
use crate::intercept::Outcome;
use crate::interrupt;
use crate::kvm_host::cpustat;
use crate::logic::dat::PAGE_SHIFT;
use crate::logic::facilities;
use crate::logic::interrupt::LocalIrq;
use crate::logic::sie_exit::pgm;
use crate::logic::sigp::{self, cc, order, status, CondEmergencyTarget};
use crate::stats::count;
use crate::vcpu::Vcpu;

/// What an order came to.
enum Answer {
    /// Set this condition code and continue the guest.
    Cc(u8),
    /// Store this status in R1, condition code 1.
    Status(u32),
    /// Hand the intercept to user space.
    User,
}

/// Handles an intercepted SIGP (mainline's `kvm_s390_handle_sigp`; an entry of the
/// instruction table). Orders for user space go there as the instruction intercept.
/// Called with `kvm->srcu` held.
pub(crate) fn handle(insn: &mut Insn<'_>) -> Result<Outcome> {
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    let (vcpu, ipa, ipb) = (insn.vcpu, insn.ipa, insn.ipb);
    let gprs = &mut *insn.gprs;
    let ops = sigp::decode(ipa, ipb, gprs);
    if vcpu.vm().user_sigp() && sigp::forwarded_with_user_sigp(ops.order) {
        count_order(vcpu, ops.order);
        return Ok(insn.forward());
    }
    let answer = if ops.order == order::SET_ARCHITECTURE {
        count!(vcpu, instruction_sigp_arch);
        // With CZAM the guest is always in z/Architecture mode: the order is rejected.
        Answer::Status(status::INVALID_PARAMETER)
    } else {
        to_cpu(vcpu, &ops)?
    };
    let cc = match answer {
        Answer::User => return Ok(insn.forward()),
        Answer::Cc(cc) => cc,
        Answer::Status(s) => {
            // `r1` is a 4-bit field.
            if let Some(reg) = gprs.get_mut(ops.r1) {
                *reg = sigp::with_status(*reg, s);
            }
            cc::STATUS_STORED
        }
    };
    insn.set_cc(cc);
    Ok(Outcome::Continue)
}

/// Counts an order in mainline's statistic for it.
fn count_order(vcpu: &Vcpu, o: u8) {
    match o {
        order::SENSE => count!(vcpu, instruction_sigp_sense),
        order::EXTERNAL_CALL => count!(vcpu, instruction_sigp_external_call),
        order::EMERGENCY_SIGNAL => count!(vcpu, instruction_sigp_emergency),
        order::COND_EMERGENCY_SIGNAL => count!(vcpu, instruction_sigp_cond_emergency),
        order::SENSE_RUNNING => count!(vcpu, instruction_sigp_sense_running),
        order::STOP => count!(vcpu, instruction_sigp_stop),
        order::STOP_AND_STORE_STATUS => count!(vcpu, instruction_sigp_stop_store_status),
        order::STORE_STATUS_AT_ADDRESS => count!(vcpu, instruction_sigp_store_status),
        order::STORE_ADDITIONAL_STATUS => count!(vcpu, instruction_sigp_store_adtl_status),
        order::SET_PREFIX => count!(vcpu, instruction_sigp_prefix),
        order::START => count!(vcpu, instruction_sigp_start),
        order::RESTART => count!(vcpu, instruction_sigp_restart),
        order::INITIAL_CPU_RESET => count!(vcpu, instruction_sigp_init_cpu_reset),
        order::CPU_RESET => count!(vcpu, instruction_sigp_cpu_reset),
        order::SET_ARCHITECTURE => count!(vcpu, instruction_sigp_arch),
        _ => count!(vcpu, instruction_sigp_unknown),
    }
}

/// An order addressed to a CPU (mainline's `handle_sigp_dst`).
fn to_cpu(vcpu: &Vcpu, ops: &sigp::Operands) -> Result<Answer> {
    let vm = vcpu.vm();
    // SAFETY: the VM is live; the lookup is safe from any thread.
    let raw =
        unsafe { bindings::kvm_s390_rust_get_vcpu_by_id(vm.as_raw(), i32::from(ops.cpu_addr)) };
    if raw.is_null() {
        return Ok(Answer::Cc(cc::NOT_OPERATIONAL));
    }
    // SAFETY: a published vCPU of this VM lives as long as the VM. Its mutex is not held
    // (it may be running): only atomic flags, racy reads of its SIE block and the
    // interrupt core's locked injection are used through this reference.
    let dst = unsafe { Vcpu::from_raw(raw) };
    count_order(vcpu, ops.order);
    // Stop and restart are performed asynchronously: until the addressed vCPU has done
    // them, other orders are busy, so that e.g. a SENSE after a STOP cannot see it running.
    if sigp::busy_while_stop_or_restart(ops.order)
        && (interrupt::stop_pending(dst) || interrupt::restart_pending(dst))
    {
        return Ok(Answer::Cc(cc::BUSY));
    }
    let from = vcpu.id() as u16;
    Ok(match ops.order {
        order::SENSE => match sigp::sense(dst.is_stopped(), interrupt::ext_call_pending(dst)) {
            None => Answer::Cc(cc::ACCEPTED),
            Some(s) => Answer::Status(s),
        },
        order::EXTERNAL_CALL => {
            match interrupt::inject_local(dst, LocalIrq::ExternalCall { code: from }, None) {
                Ok(()) => Answer::Cc(cc::ACCEPTED),
                Err(e) if e == EBUSY => Answer::Status(status::EXT_CALL_PENDING),
                Err(e) => return Err(e),
            }
        }
        order::EMERGENCY_SIGNAL => {
            interrupt::inject_local(dst, LocalIrq::Emergency { code: from }, None)?;
            Answer::Cc(cc::ACCEPTED)
        }
        order::COND_EMERGENCY_SIGNAL => {
            let target = cond_emergency_target(dst);
            if sigp::cond_emergency_generates(&target, ops.parameter as u16) {
                interrupt::inject_local(dst, LocalIrq::Emergency { code: from }, None)?;
                Answer::Cc(cc::ACCEPTED)
            } else {
                Answer::Status(status::INCORRECT_STATE)
            }
        }
        order::SENSE_RUNNING => {
            if !vm.has_facility(facilities::SENSE_RUNNING) {
                Answer::Status(status::INVALID_ORDER)
            } else if dst.cpuflags().load(Ordering::SeqCst) & cpustat::RUNNING != 0 {
                Answer::Cc(cc::ACCEPTED)
            } else {
                Answer::Status(status::NOT_RUNNING)
            }
        }
        order::STOP => match interrupt::inject_local(dst, LocalIrq::Stop { flags: 0 }, None) {
            Ok(()) => Answer::Cc(cc::ACCEPTED),
            Err(e) if e == EBUSY => Answer::Cc(cc::BUSY),
            Err(e) => return Err(e),
        },
        order::SET_PREFIX => {
            let prefix = sigp::prefix_of_parameter(ops.parameter);
            if !in_memslot(vcpu, u64::from(prefix)) {
                Answer::Status(status::INVALID_PARAMETER)
            } else {
                match interrupt::inject_local(dst, LocalIrq::SetPrefix { address: prefix }, None) {
                    Ok(()) => Answer::Cc(cc::ACCEPTED),
                    Err(e) if e == EBUSY => Answer::Status(status::INCORRECT_STATE),
                    Err(e) => return Err(e),
                }
            }
        }
        order::STOP_AND_STORE_STATUS => {
            let stop = LocalIrq::Stop {
                flags: crate::logic::interrupt::STOP_FLAG_STORE_STATUS,
            };
            match interrupt::inject_local(dst, stop, None) {
                Ok(()) => Answer::Cc(cc::ACCEPTED),
                Err(e) if e == EBUSY => Answer::Cc(cc::BUSY),
                Err(e) => return Err(e),
            }
        }
        order::STORE_STATUS_AT_ADDRESS => {
            if !dst.is_stopped() {
                Answer::Status(status::INCORRECT_STATE)
            } else {
                let addr = sigp::store_status_address(ops.parameter);
                match crate::store_status::store_status_unloaded(dst, u64::from(addr)) {
                    Ok(()) => Answer::Cc(cc::ACCEPTED),
                    Err(e) if e == EFAULT => Answer::Status(status::INVALID_PARAMETER),
                    Err(e) => return Err(e),
                }
            }
        }
        // START and RESTART are user space's (mainline), the busy case handled above;
        // the resets and unknown orders too.
        _ => Answer::User,
    })
}

fn cond_emergency_target(dst: &Vcpu) -> CondEmergencyTarget {
    let sie = dst.sie_block();
    // SAFETY: racy reads of the addressed vCPU's SIE block, as mainline does; SIGP gives
    // no stronger guarantee about a CPU that keeps running.
    unsafe {
        CondEmergencyTarget {
            stopped: dst.is_stopped(),
            waiting: dst.cpuflags().load(Ordering::SeqCst) & cpustat::WAIT != 0,
            psw_mask: read_volatile(addr_of!((*sie).gpsw.mask)),
            psw_addr: read_volatile(addr_of!((*sie).gpsw.addr)),
            primary_asn: read_volatile(addr_of!((*sie).gcr[4])) as u16,
            secondary_asn: read_volatile(addr_of!((*sie).gcr[3])) as u16,
        }
    }
}

/// Whether a guest absolute address is in a memslot. Called with `kvm->srcu` held.
fn in_memslot(vcpu: &Vcpu, gpa: u64) -> bool {
    // SAFETY: the run loop holds `kvm->srcu`, as the memslot lookup requires.
    !unsafe { bindings::kvm_vcpu_gfn_to_memslot(vcpu.as_raw(), gpa >> PAGE_SHIFT) }.is_null()
}
