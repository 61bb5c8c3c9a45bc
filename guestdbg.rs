// SPDX-License-Identifier: GPL-2.0

//! Guest debugging: `KVM_SET_GUEST_DEBUG` (single-step, hardware breakpoints and
//! watchpoints) and `KVM_EXIT_DEBUG`.
//!
//! While debugging is on, the state description forces PER on for the guest (`cpustat::P`,
//! guest-PER enhancement) and the run loop swaps the guest's CR0 and CR9-CR11 for the
//! debugger's around every SIE entry ([`before_entry`], [`after_exit`]), with loads of
//! those registers, STORE CONTROL and every program interruption intercepted, so the guest
//! keeps its own values and its own PER events. A PER event the debugger asked for sets
//! `KVM_GUESTDBG_EXIT_PENDING` (in `vcpu->guest_debug`, as mainline); the run loop then
//! ends `KVM_RUN` with `KVM_EXIT_DEBUG` and only then fills `kvm_run.debug.arch`.
//! Single-stepping over a delivered interruption exits after the delivery, at the new PSW.
//! The decisions are pure (`logic/guestdbg.rs`); the facts are in mainline's
//! `arch/s390/kvm/s390/guestdbg.c`, `intercept.c` and `s390.c` and in the Principles of
//! Operation, "Program-Event Recording".
//!
//! Hardware breakpoints (instruction addresses, PER instruction-fetching events over a range
//! that also covers the instruction before each) and write watchpoints (PER
//! storage-alteration events, reported when the watched bytes differ from the copy taken at
//! `KVM_SET_GUEST_DEBUG`) come with `KVM_GUESTDBG_USE_HW_BP`; they live in a [`HwDebug`]
//! owned by the vCPU while debugging is on.

use core::ptr::{addr_of_mut, read_volatile, write_volatile};
use core::sync::atomic::{AtomicUsize, Ordering};

use kernel::bindings;
use kernel::prelude::*;
use kernel::uaccess::{UserPtr, UserSlice};

use crate::intercept::Outcome;
use crate::interrupt;
use crate::kvm_host::cpustat;
use crate::logic::guestdbg::{self as logic, HwBp, PerRegs};
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

/// A write watchpoint: the guest address reported, the absolute address watched and the
/// bytes there when it was set.
struct Wp {
    addr: u64,
    phys: u64,
    old: KVec<u8>,
}

/// The breakpoints and watchpoints of a vCPU, and the breakpoint exit due, if any.
pub(crate) struct HwDebug {
    bps: KVec<HwBp>,
    wps: KVec<Wp>,
    /// `(address, KVM_HW_BP or KVM_HW_WP_WRITE)` of the pending exit.
    exit: Option<(u64, u8)>,
}

/// The vCPU's [`HwDebug`], kept in `arch.guestdbg.hw_bp_info` (mainline's pointer to its
/// breakpoint array; this backend keeps both lists in one Rust object there, and
/// `hw_wp_info` stays null).
///
/// # Safety
///
/// The caller holds the vCPU mutex (or destroys the vCPU) and keeps no other reference to
/// the object.
#[expect(
    clippy::mut_from_ref,
    reason = "the object hangs off the C struct, not `Vcpu`: the contract makes the use exclusive"
)]
unsafe fn hw(vcpu: &Vcpu) -> Option<&mut HwDebug> {
    // SAFETY: the field is private to this file; non-null only as set by `set_hw`.
    let p = unsafe { (*vcpu.arch()).guestdbg.hw_bp_info }.cast::<HwDebug>();
    // SAFETY: `p` came from `KBox::into_raw` in `set_hw` and is exclusively ours (see the
    // function's contract).
    unsafe { p.as_mut() }
}

/// Replaces the vCPU's [`HwDebug`], freeing the old one.
///
/// # Safety
///
/// As for [`hw`].
unsafe fn set_hw(vcpu: &Vcpu, new: Option<KBox<HwDebug>>) {
    // SAFETY: see the contract.
    let slot = unsafe { addr_of_mut!((*vcpu.arch()).guestdbg.hw_bp_info) };
    // SAFETY: as in `hw`.
    let old = unsafe { *slot }.cast::<HwDebug>();
    if !old.is_null() {
        // SAFETY: `old` came from `KBox::into_raw` below and nothing else refers to it.
        drop(unsafe { KBox::from_raw(old) });
    }
    let raw = new.map_or(core::ptr::null_mut(), KBox::into_raw);
    // SAFETY: see the contract.
    unsafe { *slot = raw.cast() };
}

/// Frees the breakpoints when the vCPU goes (`kvm_arch_vcpu_destroy`).
pub(crate) fn destroy(vcpu: &Vcpu) {
    // SAFETY: nothing else can reach a vCPU being destroyed.
    unsafe { set_hw(vcpu, None) };
}

/// Size of `struct kvm_hw_breakpoint` in the user's array.
const HW_BP_SIZE: usize = core::mem::size_of::<bindings::kvm_hw_breakpoint>();

/// Reads `arch.hw_bp` (mainline's `kvm_s390_import_bp_data`): EINVAL for too many entries
/// or a watchpoint longer than 100 bytes, EFAULT for an unreadable array or watched
/// storage outside guest memory; entries of other types are ignored, as mainline does.
fn import(vcpu: &Vcpu, arch: &bindings::kvm_guest_debug_arch) -> Result<Option<KBox<HwDebug>>> {
    let hw_bp = arch.hw_bp as u64;
    let nr = logic::hw_bp_count(arch.nr_hw_bp, hw_bp).ok_or(EINVAL)?;
    if nr == 0 {
        return Ok(None);
    }
    let mut reader = UserSlice::new(UserPtr::from_addr(hw_bp as usize), nr * HW_BP_SIZE).reader();
    let mut hw = HwDebug {
        bps: KVec::new(),
        wps: KVec::new(),
        exit: None,
    };
    for _ in 0..nr {
        let mut raw = [0u8; HW_BP_SIZE];
        reader.read_slice(&mut raw)?;
        // Native (big-endian) u64 fields addr, phys_addr, len, then the type byte.
        let field = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&raw[i * 8..i * 8 + 8]);
            u64::from_ne_bytes(b)
        };
        let (addr, phys, len, ty) = (field(0), field(1), field(2), raw[24]);
        match ty {
            logic::EXIT_TYPE_HW_WP_WRITE => {
                let len = logic::wp_len(len).ok_or(EINVAL)?;
                let mut old = KVec::with_capacity(len, GFP_KERNEL_ACCOUNT)?;
                old.resize(len, 0, GFP_KERNEL_ACCOUNT)?;
                crate::gaccess::read_absolute(vcpu, phys, &mut old)?;
                hw.wps.push(Wp { addr, phys, old }, GFP_KERNEL_ACCOUNT)?;
            }
            logic::EXIT_TYPE_HW_BP => hw.bps.push(
                HwBp {
                    addr,
                    len: len as u32 as i32,
                },
                GFP_KERNEL_ACCOUNT,
            )?,
            _ => {}
        }
    }
    Ok(Some(KBox::new(hw, GFP_KERNEL_ACCOUNT)?))
}

/// `KVM_SET_GUEST_DEBUG` (mainline's `kvm_arch_vcpu_ioctl_set_guest_debug`): any call
/// first switches debugging off and drops the breakpoints; a refused control word or
/// breakpoint array leaves it off. Called with the vCPU mutex held, the guest not running.
pub(crate) fn set_guest_debug(vcpu: &Vcpu, dbg: &bindings::kvm_guest_debug) -> Result {
    let control = dbg.control;
    let f = flags(vcpu);
    f.store(0, Ordering::SeqCst);
    // SAFETY: the vCPU mutex is held (caller).
    unsafe { set_hw(vcpu, None) };
    let gpere = crate::machine::Machine::read().has_gpere;
    if logic::check_control(control, gpere).is_err() {
        // Mainline leaves `CPUSTAT_P` as it was here; off is what "debugging off" means.
        vcpu.cpuflags().fetch_and(!cpustat::P, Ordering::SeqCst);
        return Err(EINVAL);
    }
    if control & logic::GUESTDBG_ENABLE == 0 {
        vcpu.cpuflags().fetch_and(!cpustat::P, Ordering::SeqCst);
        // SAFETY: the vCPU mutex is held (caller), so nothing else uses `arch.guestdbg`.
        unsafe { (*vcpu.arch()).guestdbg.last_bp = 0 };
        return Ok(());
    }
    if control & logic::GUESTDBG_USE_HW_BP != 0 {
        // SAFETY: `kvm->srcu` guards the memslots the watchpoints' bytes are read from;
        // taken and released here, in process context.
        unsafe { bindings::kvm_s390_rust_vcpu_srcu_read_lock(vcpu.as_raw()) };
        let imported = import(vcpu, &dbg.arch);
        // SAFETY: taken above.
        unsafe { bindings::kvm_s390_rust_vcpu_srcu_read_unlock(vcpu.as_raw()) };
        match imported {
            // SAFETY: the vCPU mutex is held (caller).
            Ok(hw) => unsafe { set_hw(vcpu, hw) },
            Err(e) => {
                vcpu.cpuflags().fetch_and(!cpustat::P, Ordering::SeqCst);
                return Err(e);
            }
        }
    }
    f.store(control as usize, Ordering::SeqCst);
    vcpu.cpuflags().fetch_or(cpustat::P, Ordering::SeqCst);
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
    // SAFETY: the vCPU mutex is held by `KVM_RUN`.
    let pending = unsafe { hw(vcpu) }.and_then(|h| h.exit.take());
    // SAFETY: the SIE block is ours while the guest is out.
    let pc = unsafe { read_volatile(addr_of_mut!((*vcpu.sie_block()).gpsw.addr)) };
    let (addr, ty) = pending.unwrap_or((pc, logic::EXIT_TYPE_SINGLESTEP));
    // SAFETY: `kvm_run` is valid; user space may read it concurrently, hence volatile.
    // The union member is the one `KVM_EXIT_DEBUG` selects.
    unsafe {
        let arch = addr_of_mut!((*run).__bindgen_anon_1.debug.arch);
        write_volatile(addr_of_mut!((*arch).addr), addr);
        write_volatile(addr_of_mut!((*arch).type_), ty);
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

/// Records that a single-step exit is due (reported by [`debug_exit`]); it replaces a
/// breakpoint exit due before.
fn singlestep_exit(vcpu: &Vcpu) {
    // SAFETY: the vCPU mutex is held by `KVM_RUN`.
    if let Some(h) = unsafe { hw(vcpu) } {
        h.exit = None;
    }
    flags(vcpu).fetch_or(logic::GUESTDBG_EXIT_PENDING as usize, Ordering::SeqCst);
}

/// Whether a watched area's bytes differ from the copy (mainline's `any_wp_changed`);
/// an area that cannot be read does not count.
fn changed_wp(vcpu: &Vcpu, hw: &HwDebug) -> Option<u64> {
    let mut now = [0u8; logic::MAX_WP_LEN];
    for wp in hw.wps.iter() {
        let len = wp.old.len();
        if len == 0 {
            continue;
        }
        let buf = now.get_mut(..len)?;
        if crate::gaccess::read_absolute(vcpu, wp.phys, buf).is_ok() && buf[..] != wp.old[..] {
            return Some(wp.addr);
        }
    }
    None
}

/// Decides whether the PER event `perc` (PSW now at `addr`, PER address `peraddr`) ends
/// the run for the debugger (mainline's `debug_exit_required`): a changed watchpoint, a
/// breakpoint reached, or a single step. Called by the run loop's thread with `kvm->srcu`
/// held.
fn debug_exit_required(vcpu: &Vcpu, control: u32, perc: u8, addr: u64, peraddr: u64) {
    if control & logic::GUESTDBG_USE_HW_BP != 0 {
        // SAFETY: the vCPU mutex is held by `KVM_RUN`.
        if let Some(h) = unsafe { hw(vcpu) } {
            let store = logic::PER_CODE_STORE | logic::PER_CODE_STORE_REAL;
            if perc & store != 0 && !h.wps.is_empty() {
                if let Some(wp) = changed_wp(vcpu, h) {
                    h.exit = Some((wp, logic::EXIT_TYPE_HW_WP_WRITE));
                    flags(vcpu).fetch_or(logic::GUESTDBG_EXIT_PENDING as usize, Ordering::SeqCst);
                    return;
                }
            }
            // SAFETY: the vCPU mutex is held.
            let last_bp = unsafe { (*vcpu.arch()).guestdbg.last_bp } as u64;
            if let Some((at, last)) = logic::hw_bp_exit(&h.bps, perc, addr, peraddr, last_bp) {
                // SAFETY: as above.
                unsafe { (*vcpu.arch()).guestdbg.last_bp = last as usize };
                h.exit = Some((at, logic::EXIT_TYPE_HW_BP));
                flags(vcpu).fetch_or(logic::GUESTDBG_EXIT_PENDING as usize, Ordering::SeqCst);
                return;
            }
        }
    }
    if logic::singlestep_event(control, perc) {
        singlestep_exit(vcpu);
    }
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
        (*save).cr0 = g.cr0 as usize;
        (*save).cr9 = g.cr9 as usize;
        (*save).cr10 = g.cr10 as usize;
        (*save).cr11 = g.cr11 as usize;
        let mut p = logic::patched(g, control);
        if control & logic::GUESTDBG_USE_HW_BP != 0 {
            if let Some(h) = hw(vcpu) {
                logic::patch_hw_bp(&mut p, &h.bps);
                logic::patch_hw_wp(&mut p, h.wps.iter().map(|w| (w.addr, w.old.len())));
            }
        }
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
    if logic::per_event_is_debuggers(control, iprcc) {
        debug_exit_required(vcpu, control, perc, gpsw.addr, peraddr);
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
    debug_exit_required(
        vcpu,
        control,
        logic::PER_CODE_IFETCH,
        gpsw.addr,
        per_address,
    );
    if gpsw.mask & logic::PSW_MASK_PER == 0
        || gcr[9] & logic::CR9_IFETCH == 0
        || !logic::in_addr_range(per_address, gcr[10], gcr[11])
    {
        return Ok(());
    }
    interrupt::inject_program(vcpu, &info)
}
