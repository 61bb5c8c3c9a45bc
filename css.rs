// SPDX-License-Identifier: GPL-2.0

//! The channel-subsystem I/O instructions (B230-B23C, B25F, B274, B276; Principles of
//! Operation, chapter 14 "I/O Instructions"; mainline: `handle_io_inst`, `handle_tpi` and
//! `handle_tsch` in `priv.c`).
//!
//! Without `KVM_CAP_S390_CSS_SUPPORT` no channel subsystem exists: condition code 3 (no
//! such subchannel) keeps the guest from using channel I/O. With it, user space emulates
//! the subchannels, but the I/O interruptions are queued here (`interrupt.rs`), so the two
//! instructions that consume them are the kernel's: TEST PENDING INTERRUPTION takes one
//! and stores its code, and TEST SUBCHANNEL takes the one of its subchannel before user
//! space emulates the rest (`KVM_EXIT_S390_TSCH`, which says what was taken). A
//! subchannel's status and its pending interruption thus stay one condition: QEMU
//! refuses a TEST SUBCHANNEL that reaches it any other way.

use core::ptr::{addr_of_mut, write_volatile};

use kernel::bindings;
use kernel::prelude::*;

use crate::gaccess;
use crate::instruction::Insn;
use crate::intercept::Outcome;
use crate::interrupt;
use crate::logic::interrupt::lc;
use crate::logic::prefix::GuestReal;
use crate::logic::sie_exit::pgm;
use crate::stats::count;

const TEST_SUBCHANNEL: u16 = 0xb235;
const TEST_PENDING_INTERRUPTION: u16 = 0xb236;

/// Every channel-subsystem I/O instruction.
pub(crate) fn io(insn: &mut Insn<'_>) -> Result<Outcome> {
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    let vm = insn.vcpu.vm();
    // SAFETY: `arch()` is valid; `css_support` is an int written by KVM_ENABLE_CAP.
    let css = unsafe { core::ptr::read_volatile(addr_of_mut!((*vm.arch()).css_support)) } != 0;
    if !css {
        insn.set_cc(3);
        return Ok(Outcome::Continue);
    }
    match insn.ipa {
        TEST_PENDING_INTERRUPTION => tpi(insn),
        TEST_SUBCHANNEL => tsch(insn),
        _ => {
            count!(insn.vcpu, instruction_io_other);
            Ok(insn.forward())
        }
    }
}

/// TEST PENDING INTERRUPTION: takes the first pending I/O interruption the guest's CR6
/// enables and stores its code, two words at a nonzero operand address, three in the
/// lowcore otherwise; condition code 1, or 0 when none is pending. When the store fails
/// the instruction is suppressed and the interruption stays pending.
fn tpi(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_tpi);
    let (ga, ar) = insn.s_operand();
    if ga & 3 != 0 {
        return insn.program(pgm::SPECIFICATION);
    }
    let vm = insn.vcpu.vm();
    // SAFETY: the SIE block is ours while the guest is out.
    let cr6 = unsafe { (*insn.vcpu.sie_block()).gcr[6] } as u32;
    let Some(taken) = interrupt::take_io(vm, cr6, 0) else {
        insn.set_cc(0);
        return Ok(Outcome::Continue);
    };
    let code = taken.info.code();
    let stored = if ga != 0 {
        insn.write(ga, ar, &code[..8]).map_err(Some)
    } else {
        // The lowcore of a running guest is mapped; failing to store there is the host's
        // error, not the guest's (mainline: EFAULT).
        gaccess::write_real(insn.vcpu, GuestReal(lc::SUBCHANNEL_ID), &code).map_err(|_| None)
    };
    match stored {
        Ok(()) => {
            insn.set_cc(1);
            Ok(Outcome::Continue)
        }
        Err(e) => {
            interrupt::requeue_io(vm, taken)?;
            match e {
                Some(access) => insn.access_failed(access),
                None => Err(EFAULT),
            }
        }
    }
}

/// TEST SUBCHANNEL: takes the pending I/O interruption of the subchannel in general
/// register 1 (whatever its subclass), then hands the instruction to user space as
/// `KVM_EXIT_S390_TSCH`, saying whether one was taken and which, so that user space can
/// queue it again if the instruction ends in a program exception. A subchannel word of
/// 0 is never valid and takes nothing (mainline looks at all 64 bits of the register;
/// only bits 32-63 hold the operand).
fn tsch(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_tsch);
    let schid = insn.gprs[1] as u32;
    let taken = if schid != 0 {
        interrupt::take_io(insn.vcpu.vm(), interrupt::ALL_ISCS, schid)
    } else {
        None
    };
    let run = insn.vcpu.run();
    insn.vcpu.set_exit_reason(bindings::KVM_EXIT_S390_TSCH);
    // SAFETY: `kvm_run` is valid while the vCPU runs; the union member is the one
    // `exit_reason` selects. The interruption, if one was taken, is handed over here and
    // dropped from the kernel.
    unsafe {
        let t = addr_of_mut!((*run).__bindgen_anon_1.s390_tsch);
        let io = taken.as_ref().map(|t| t.info).unwrap_or_default();
        write_volatile(addr_of_mut!((*t).subchannel_id), io.subchannel_id);
        write_volatile(addr_of_mut!((*t).subchannel_nr), io.subchannel_nr);
        write_volatile(addr_of_mut!((*t).io_int_parm), io.io_int_parm);
        write_volatile(addr_of_mut!((*t).io_int_word), io.io_int_word);
        write_volatile(addr_of_mut!((*t).ipb), insn.ipb);
        write_volatile(addr_of_mut!((*t).dequeued), u8::from(taken.is_some()));
    }
    Ok(Outcome::UserExit)
}
