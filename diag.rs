// SPDX-License-Identifier: GPL-2.0

//! DIAGNOSE: the functions the backend handles in the kernel, and the hand-over of the rest
//! to user space (mainline: `arch/s390/kvm/s390/diag.c`).
//!
//! Decoding and the pure decisions are in `logic/diag.rs`. Handled here: 0x010 (release
//! pages: validated, then nothing to do, see below), 0x044 (time-slice end: yield), 0x09c
//! (directed yield), 0x258 subcodes 0 and 1 (the pfault handshake: token set-up and
//! cancel; the asynchronous faults themselves are `pfault.rs`'s), 0x308 subcodes 3 and 4
//! (re-IPL: `KVM_EXIT_S390_RESET`) and 0x500 (virtio-ccw notification through an
//! ioeventfd). Everything else goes to user space as an instruction intercept, as mainline
//! forwards what it does not handle. DIAGNOSE in problem state is a privileged-operation
//! exception.

use kernel::bindings;
use kernel::prelude::*;

use crate::gaccess;
use crate::instruction::Insn;
use crate::intercept::Outcome;
use crate::kvm_host::cpustat;
use crate::logic::diag::{self, Function, Operands, PageRef};
use crate::logic::prefix::{real_to_absolute, GuestReal};
use crate::logic::sie_exit::pgm;
use crate::stats::count;
use crate::uapi_kvm;
use crate::vcpu::Vcpu;

/// Handles an instruction intercept of DIAGNOSE (an entry of the instruction table).
/// Called with `kvm->srcu` held.
pub(crate) fn handle(insn: &mut Insn<'_>) -> Result<Outcome> {
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    let vcpu = insn.vcpu;
    let ops = diag::decode(insn.ipa, insn.ipb);
    let base = if ops.base == 0 {
        0
    } else {
        insn.gprs[ops.base & 15]
    };
    match diag::function(diag::function_code(base, ops.disp)) {
        Function::ReleasePages => release_pages(insn, ops),
        Function::TimeSliceEnd => {
            count!(vcpu, instruction_diagnose_44);
            // SAFETY: called on the vCPU's own thread, which holds its mutex and `kvm->srcu`
            // (as mainline's handler does); it may sleep.
            unsafe { bindings::kvm_vcpu_on_spin(vcpu.as_raw(), true) };
            Ok(Outcome::Continue)
        }
        Function::DirectedYield => directed_yield(vcpu, insn.gprs, ops),
        Function::PageReference => page_reference(insn, ops),
        Function::Ipl => ipl(insn, ops),
        Function::Virtio => virtio(insn),
        Function::Other(_) => {
            count!(vcpu, instruction_diagnose_other);
            Ok(insn.forward())
        }
    }
}

/// DIAGNOSE 0x010: the guest no longer needs the contents of a range of pages. The range is
/// checked as mainline checks it (specification exception); then nothing is done: the
/// contents after the function are unpredictable for the guest, so keeping them is correct,
/// and the host reclaims guest memory through its own means (the MMU notifier).
fn release_pages(insn: &Insn<'_>, ops: Operands) -> Result<Outcome> {
    count!(insn.vcpu, instruction_diagnose_10);
    match diag::release_pages_range(insn.gprs[ops.rx & 15], insn.gprs[ops.ry & 15]) {
        Some(_) => Ok(Outcome::Continue),
        None => insn.program(pgm::SPECIFICATION),
    }
}

/// DIAGNOSE 0x09c: give the rest of the time slice to the vCPU whose id is in Rx, if it is
/// another vCPU of this VM that is not running on a host CPU (mainline, with its default
/// `diag9c_forwarding_hz` of 0: no yield of the host CPU a running target is on).
fn directed_yield(vcpu: &Vcpu, gprs: &[u64; 16], ops: Operands) -> Result<Outcome> {
    count!(vcpu, instruction_diagnose_9c);
    // The id is the low word of Rx, as in mainline (an `int`).
    let tid = gprs[ops.rx & 15] as i32;
    let mut yielded = false;
    if tid != vcpu.id() {
        // SAFETY: the VM is live; `kvm_get_vcpu_by_id` walks `vcpu_array`, whose entries
        // generic KVM publishes under `kvm->lock` and removes only when it destroys the VM,
        // so it may be read without a lock (mainline's handler does the same).
        let target = unsafe { bindings::kvm_s390_rust_get_vcpu_by_id(vcpu.vm().as_raw(), tid) };
        if !target.is_null() {
            // SAFETY: vCPUs live until the VM is destroyed, which cannot happen while this
            // vCPU runs; `cpu` is changed by the target's thread, hence the volatile read.
            let cpu = unsafe { core::ptr::addr_of!((*target).cpu).read_volatile() };
            // SAFETY: as above; called on this vCPU's thread in process context.
            yielded = cpu < 0 && unsafe { bindings::kvm_vcpu_yield_to(target) } > 0;
        }
    }
    if !yielded {
        count!(vcpu, diag_9c_ignored);
    }
    Ok(Outcome::Continue)
}

/// DIAGNOSE 0x258, page-reference services (z/VM's pfault handshake, SC24-6084): Rx holds
/// the guest real address of a parameter block; subcode 0 establishes the token the guest
/// gets with every asynchronous fault notification, subcode 1 cancels it; the return
/// code goes to Ry. Other subcodes are user space's, as in mainline.
fn page_reference(insn: &mut Insn<'_>, ops: Operands) -> Result<Outcome> {
    let vcpu = insn.vcpu;
    count!(vcpu, instruction_diagnose_258);
    let block_addr = insn.gprs[ops.rx & 15];
    if !diag::page_ref_block_aligned(block_addr) {
        return insn.program(pgm::SPECIFICATION);
    }
    let mut raw = [0u8; diag::PAGE_REF_BLOCK_SIZE];
    let last = block_addr.wrapping_add(diag::PAGE_REF_BLOCK_SIZE as u64 - 1);
    for real in [block_addr, last] {
        if !gaccess::exists(vcpu, real_to_absolute(vcpu.prefix(), GuestReal(real)).0) {
            return insn.program(pgm::ADDRESSING);
        }
    }
    gaccess::read_real(vcpu, GuestReal(block_addr), &mut raw)?;
    let block = diag::PageRefBlock::from_be_bytes(&raw);
    let arch = vcpu.arch();
    // SAFETY: the pfault fields are the vCPU thread's, which holds the vCPU mutex.
    let token = unsafe { (*arch).pfault_token } as u64;
    let rc = match diag::page_ref(&block, token) {
        PageRef::Specification => return insn.program(pgm::SPECIFICATION),
        PageRef::Unsupported => return Ok(insn.forward()),
        PageRef::ReturnCode(rc) => rc,
        PageRef::Establish {
            token_addr,
            select,
            compare,
        } => {
            // Mainline checks the address as an absolute one, without prefixing.
            if !gaccess::exists(vcpu, token_addr) {
                return insn.program(pgm::ADDRESSING);
            }
            // SAFETY: as above.
            unsafe {
                (*arch).pfault_token = token_addr as usize;
                (*arch).pfault_select = select as usize;
                (*arch).pfault_compare = compare as usize;
            }
            0
        }
        PageRef::Cancel => {
            // Faults already reported keep their completion: the architecture lets
            // pending tokens survive a cancel (mainline does the same).
            // SAFETY: as above.
            unsafe { (*arch).pfault_token = diag::PFAULT_TOKEN_INVALID as usize };
            0
        }
    };
    insn.gprs[ops.ry & 15] = rc;
    Ok(Outcome::Continue)
}

/// DIAGNOSE 0x308: the re-IPL subcodes stop the vCPU and ask user space for the resets of
/// an IPL (`KVM_EXIT_S390_RESET` with mainline's flags); the others are user space's.
fn ipl(insn: &Insn<'_>, ops: Operands) -> Result<Outcome> {
    let vcpu = insn.vcpu;
    count!(vcpu, instruction_diagnose_308);
    let Some(flags) = diag::ipl_reset_flags(insn.gprs[ops.ry & 15]) else {
        return Ok(insn.forward());
    };
    // Without user-controlled CPU state the kernel stops the vCPU, as mainline does; user
    // space then resets it and sets its initial PSW (allowed only while stopped).
    vcpu.cpuflags()
        .fetch_or(cpustat::STOPPED, core::sync::atomic::Ordering::SeqCst);
    let run = vcpu.run();
    // SAFETY: `kvm_run` is valid; the union member is the one `exit_reason` selects.
    unsafe {
        core::ptr::addr_of_mut!((*run).__bindgen_anon_1.s390_reset_flags).write_volatile(flags)
    };
    vcpu.set_exit_reason(uapi_kvm::KVM_EXIT_S390_RESET);
    Ok(Outcome::UserExit)
}

/// DIAGNOSE 0x500, virtio-ccw notification: general register 2 names the subchannel, 3 the
/// virtqueue, 4 a cookie (the index of the matching device on the bus, from the last
/// call). An ioeventfd registered for the subchannel and queue on
/// `KVM_VIRTIO_CCW_NOTIFY_BUS` is signalled and the new cookie returned in register 2;
/// without one (or without CSS support, or for another subfunction) user space handles it.
fn virtio(insn: &mut Insn<'_>) -> Result<Outcome> {
    let vcpu = insn.vcpu;
    count!(vcpu, instruction_diagnose_500);
    if !diag::is_virtio_notification(vcpu.vm().css_support(), insn.gprs[1]) {
        return Ok(insn.forward());
    }
    let gprs = &*insn.gprs;
    let queue = gprs[3];
    // SAFETY: the run loop holds `kvm->srcu`, under which the bus is looked up; `queue`
    // outlives the call, which compares its 8 bytes with the ioeventfds' datamatch.
    let ret = unsafe {
        bindings::kvm_io_bus_write_cookie(
            vcpu.as_raw(),
            bindings::kvm_bus_KVM_VIRTIO_CCW_NOTIFY_BUS,
            diag::virtio_subchannel(gprs[2]),
            8,
            core::ptr::from_ref(&queue).cast(),
            gprs[4] as kernel::ffi::c_long,
        )
    };
    if ret == EOPNOTSUPP.to_errno() {
        // No ioeventfd matches.
        return Ok(insn.forward());
    }
    insn.gprs[2] = i64::from(ret) as u64;
    if ret < 0 {
        return Err(Error::from_errno(ret));
    }
    Ok(Outcome::Continue)
}
