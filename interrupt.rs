// SPDX-License-Identifier: GPL-2.0

//! Interruptions of the guest: pending state, injection, delivery, and the enabled wait.
//!
//! What may be delivered, in which order, and which SIE intercept requests a masked
//! interruption needs is pure logic (`logic/interrupt.rs`); this file keeps the state and
//! does the stores. Facts: Principles of Operation, chapter 6 ("Interruptions"); mainline:
//! `arch/s390/kvm/s390/interrupt.c`.
//!
//! State lives where mainline keeps it, in the C structs generic KVM embeds:
//! - per vCPU, `vcpu->arch.local_int`: the pending mask (`pending_irqs`, bits are
//!   [`Kind`]s), the payload of each local kind (`irq`), the emergency-signal senders, all
//!   under `local_int.lock` (a spinlock: injection may come from any thread);
//! - per VM, `kvm->arch.float_int`: the floating pending mask, the service-signal and
//!   machine-check payloads, and one list per I/O subclass plus one for virtio, whose entries
//!   ([`FloatNode`]) are allocated before the lock is taken; under `float_int.lock`, taken
//!   with interrupts disabled.
//!
//! The pending masks are also read without the lock (to decide whether to wake or to
//! deliver), so every change of them is atomic.
//!
//! The run loop calls [`deliver_pending`] before every SIE entry: it drops the intercept
//! requests, makes the clock comparator and CPU timer pending if due, delivers what the
//! guest can take in priority order, and arms SIE for what stays masked (cpuflags
//! `EXT_INT`/`IO_INT`/`STOP_INT`, `lctl`, `ictl`), so the guest leaves SIE (intercepts 0x10,
//! 0x18, 0x28, or the control-register load) when it can take one. Injection wakes a vCPU
//! that waits and sets an intercept request that makes a running one leave SIE.
//!
//! [`handle_wait`] is the enabled wait: it sleeps in generic KVM's `kvm_vcpu_halt` (halt
//! polling, [`has_irq`] as `kvm_arch_vcpu_runnable`), with an hrtimer for the clock
//! comparator and the CPU timer.

use core::marker::PhantomData;
use core::mem::offset_of;
use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use kernel::bindings;
use kernel::prelude::*;
use kernel::uaccess::{UserPtr, UserSlice};

use crate::gaccess;
use crate::intercept::Outcome;
use crate::kvm_host::cpustat;
use crate::logic::interrupt::{
    self as irq, ext_code, lc, ExternalStore, FloatIrq, Kind, LocalIrq, Masks,
};
use crate::logic::prefix::GuestReal;
use crate::logic::psw;
use crate::logic::sie_exit::{self, pgm};
use crate::logic::vector;
use crate::stats::{count, count_vm};
use crate::uapi_kvm::{self, KvmS390Interrupt, KvmS390PgmInfo};
use crate::vcpu::Vcpu;
use crate::vm::Vm;

/// Program-interruption code bit: a PER event is indicated with the program interruption.
const PGM_PER: u16 = 0x80;
/// Lowcore: exception access identification (byte).
const LC_EXC_ACCESS_ID: u64 = 0xa0;
/// Lowcore: operand access identification (byte).
const LC_OP_ACCESS_ID: u64 = 0xa2;
/// Lowcore: access-register mode identification (byte), set for machine checks.
const LC_AR_MODE_ID: u64 = 0xa3;
/// Lowcore: translation-exception identification (doubleword).
const LC_TRANS_EXC_CODE: u64 = 0xa8;
/// Lowcore: monitor class number (halfword).
const LC_MON_CLASS_NR: u64 = 0x94;
/// Lowcore: monitor code (doubleword).
const LC_MON_CODE: u64 = 0xb0;
/// Lowcore: data-exception code (word).
const LC_DATA_EXC_CODE: u64 = 0x90;
/// Lowcore: PER code and ATMID (bytes), PER address, PER access id.
const LC_PER_CODE: u64 = 0x96;
const LC_PER_ATMID: u64 = 0x97;
const LC_PER_ADDRESS: u64 = 0x98;
const LC_PER_ACCESS_ID: u64 = 0xa1;
/// Lowcore: machine-check register save areas.
const LC_FPREGS_SAVE_AREA: u64 = 0x1200;
const LC_GPREGS_SAVE_AREA: u64 = 0x1280;
const LC_FP_CREG_SAVE_AREA: u64 = 0x131c;
const LC_TOD_PROGREG_SAVE_AREA: u64 = 0x1324;
const LC_CPU_TIMER_SAVE_AREA: u64 = 0x1328;
const LC_CLOCK_COMP_SAVE_AREA: u64 = 0x1330;
const LC_AREGS_SAVE_AREA: u64 = 0x1340;
const LC_CREGS_SAVE_AREA: u64 = 0x1380;

/// `float_int.lists` index of the pfault-done list (after the eight I/O subclasses).
const FIRQ_LIST_PFAULT: usize = 8;
/// `float_int.lists` index of the virtio list.
const FIRQ_LIST_VIRTIO: usize = 9;
/// `float_int.counters` index of the I/O count.
const FIRQ_CNTR_IO: usize = 0;
/// `float_int.counters` index of the virtio count.
const FIRQ_CNTR_VIRTIO: usize = 2;
/// `float_int.counters` index of the pfault-done count.
const FIRQ_CNTR_PFAULT: usize = 3;
/// Most queued pfault completions: one per possible outstanding fault of every vCPU
/// (mainline's `ASYNC_PF_PER_VCPU * KVM_MAX_VCPUS`).
const MAX_PFAULT_IRQS: i32 = bindings::ASYNC_PF_PER_VCPU as i32 * bindings::KVM_MAX_VCPUS as i32;
/// Most queued floating I/O interruptions (`KVM_S390_MAX_FLOAT_IRQS`).
const MAX_FLOAT_IRQS: i32 = 266250;
/// Most queued virtio notifications (mainline's `KVM_S390_MAX_VIRTIO_IRQS`).
const MAX_VIRTIO_IRQS: i32 = 87381;

/// The machine-check payload as `struct kvm_s390_mchk_info` holds it.
type MchkInfo = bindings::kvm_s390_mchk_info;

/// One queued floating interruption: the list link (first, so a link pointer is a node
/// pointer) and the `struct kvm_s390_interrupt` it was injected with.
#[repr(C)]
struct FloatNode {
    link: bindings::list_head,
    int: KvmS390Interrupt,
}

// ---------------------------------------------------------------------------------------
// Locks.

/// `local_int.lock` held; released on drop.
struct LocalGuard<'a> {
    li: *mut bindings::kvm_s390_local_interrupt,
    _vcpu: PhantomData<&'a Vcpu>,
}

impl<'a> LocalGuard<'a> {
    fn new(vcpu: &'a Vcpu) -> Self {
        let li = local_int(vcpu);
        // SAFETY: the lock was initialised in `init_vcpu`; the vCPU is live for `'a`.
        unsafe { bindings::kvm_s390_rust_spin_lock(addr_of_mut!((*li).lock)) };
        LocalGuard {
            li,
            _vcpu: PhantomData,
        }
    }

    fn payload(&self) -> *mut bindings::kvm_s390_irq_payload {
        // SAFETY: `li` is valid while the guard lives.
        unsafe { addr_of_mut!((*self.li).irq) }
    }
}

impl Drop for LocalGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: taken in `new` by this thread.
        unsafe { bindings::kvm_s390_rust_spin_unlock(addr_of_mut!((*self.li).lock)) };
    }
}

/// `float_int.lock` held with interrupts disabled; released on drop.
struct FloatGuard<'a> {
    fi: *mut bindings::kvm_s390_float_interrupt,
    flags: usize,
    _vm: PhantomData<&'a Vm>,
}

impl<'a> FloatGuard<'a> {
    fn new(vm: &'a Vm) -> Self {
        let fi = float_int(vm);
        // SAFETY: initialised in `init_vm`; the VM is live for `'a`.
        let flags = unsafe { bindings::kvm_s390_rust_spin_lock_irqsave(addr_of_mut!((*fi).lock)) };
        FloatGuard {
            fi,
            flags: flags as usize,
            _vm: PhantomData,
        }
    }

    fn list(&self, idx: usize) -> *mut bindings::list_head {
        // SAFETY: `fi` is valid while the guard lives; callers pass indices below
        // `FIRQ_LIST_COUNT` (an I/O subclass or `FIRQ_LIST_VIRTIO`).
        unsafe { addr_of_mut!((*self.fi).lists[idx]) }
    }

    /// Takes the first entry of list `idx`, if any, and counts it off `counter`.
    fn pop(&self, idx: usize, counter: usize) -> Option<KBox<FloatNode>> {
        let head = self.list(idx);
        // SAFETY: the lists are initialised in `init_vm` and only changed under this lock.
        let first = unsafe { (*head).next };
        if first == head {
            return None;
        }
        // SAFETY: `first` is a linked entry: the link of a `FloatNode` made by
        // `KBox::into_raw` in `queue`; unlinking it under the lock makes it ours.
        unsafe {
            bindings::kvm_s390_rust_list_del(first);
            (*self.fi).counters[counter] -= 1;
            Some(KBox::from_raw(first.cast::<FloatNode>()))
        }
    }

    fn is_empty(&self, idx: usize) -> bool {
        let head = self.list(idx);
        // SAFETY: as in `pop`.
        unsafe { (*head).next == head }
    }

    /// Appends `node` to list `idx` unless `counter` reached `max` (EBUSY, as mainline).
    fn queue(&self, idx: usize, counter: usize, max: i32, node: KBox<FloatNode>) -> Result {
        // SAFETY: `fi` is valid and locked.
        unsafe {
            if (*self.fi).counters[counter] >= max {
                return Err(EBUSY);
            }
            (*self.fi).counters[counter] += 1;
            let node = KBox::into_raw(node);
            bindings::kvm_s390_rust_list_add_tail(addr_of_mut!((*node).link), self.list(idx));
        }
        Ok(())
    }
}

impl Drop for FloatGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: taken in `new` by this thread with these flags.
        unsafe {
            bindings::kvm_s390_rust_spin_unlock_irqrestore(
                addr_of_mut!((*self.fi).lock),
                self.flags,
            )
        };
    }
}

fn local_int(vcpu: &Vcpu) -> *mut bindings::kvm_s390_local_interrupt {
    // SAFETY: the vCPU is live; taking a field address creates no reference.
    unsafe { addr_of_mut!((*vcpu.arch()).local_int) }
}

fn float_int(vm: &Vm) -> *mut bindings::kvm_s390_float_interrupt {
    // SAFETY: the VM is live; taking a field address creates no reference.
    unsafe { addr_of_mut!((*vm.arch()).float_int) }
}

/// An atomic view of a pending mask (`unsigned long`, naturally aligned) that lives as
/// long as `'a` (the borrow of the vCPU or VM that holds it).
fn mask_of<'a>(ptr: *mut usize) -> &'a AtomicUsize {
    // SAFETY: the mask lives in a vCPU or VM borrowed for `'a` (the callers' signatures
    // tie the lifetimes); every access to it is atomic.
    unsafe { AtomicUsize::from_ptr(ptr) }
}

fn local_pending(vcpu: &Vcpu) -> &AtomicUsize {
    // SAFETY: taking a field address of the live vCPU creates no reference.
    mask_of(unsafe { addr_of_mut!((*local_int(vcpu)).pending_irqs) }.cast())
}

fn float_pending(vm: &Vm) -> &AtomicUsize {
    // SAFETY: taking a field address of the live VM creates no reference.
    mask_of(unsafe { addr_of_mut!((*float_int(vm)).pending_irqs) }.cast())
}

fn set_pending(mask: &AtomicUsize, kind: Kind) {
    mask.fetch_or(kind.bit() as usize, Ordering::SeqCst);
}

fn clear_pending(mask: &AtomicUsize, kind: Kind) {
    mask.fetch_and(!(kind.bit() as usize), Ordering::SeqCst);
}

/// Makes `kind`'s bit say `on`, writing (an atomic read-modify-write) only when it does not.
fn sync_pending(mask: &AtomicUsize, kind: Kind, on: bool) {
    if (mask.load(Ordering::SeqCst) as u64 & kind.bit() != 0) != on {
        if on {
            set_pending(mask, kind);
        } else {
            clear_pending(mask, kind);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Set-up and tear-down.

/// Initialises the VM's floating state (`kvm_arch_init_vm`, before the VM is published).
pub(crate) fn init_vm(vm: &Vm) {
    let fi = float_int(vm);
    // SAFETY: the VM is not yet reachable by other threads; the fields are zeroed.
    unsafe {
        bindings::kvm_s390_rust_init_float_int_lock(addr_of_mut!((*fi).lock));
        bindings::kvm_s390_rust_init_ais_lock(addr_of_mut!((*fi).ais_lock));
        for i in 0..(*fi).lists.len() {
            bindings::kvm_s390_rust_init_list_head(addr_of_mut!((*fi).lists[i]));
        }
    }
}

/// Frees queued floating interruptions (`kvm_arch_destroy_vm`, after the vCPUs are gone).
pub(crate) fn destroy_vm(vm: &Vm) {
    // SAFETY: `init_vm` ran if `lists[0]` is linked (a zeroed head has a null `next`).
    if unsafe { (*float_int(vm)).lists[0].next }.is_null() {
        return;
    }
    let g = FloatGuard::new(vm);
    for isc in 0..8u8 {
        while g.pop(usize::from(isc), FIRQ_CNTR_IO).is_some() {}
    }
    while g.pop(FIRQ_LIST_PFAULT, FIRQ_CNTR_PFAULT).is_some() {}
    while g.pop(FIRQ_LIST_VIRTIO, FIRQ_CNTR_VIRTIO).is_some() {}
    float_pending(vm).store(0, Ordering::SeqCst);
}

/// Drops every pending floating interruption (the FLIC's `KVM_DEV_FLIC_CLEAR_IRQS`;
/// mainline's `kvm_s390_clear_float_irqs`).
pub(crate) fn clear_float(vm: &Vm) {
    let g = FloatGuard::new(vm);
    for isc in 0..8u8 {
        while g.pop(usize::from(isc), FIRQ_CNTR_IO).is_some() {}
    }
    while g.pop(FIRQ_LIST_PFAULT, FIRQ_CNTR_PFAULT).is_some() {}
    while g.pop(FIRQ_LIST_VIRTIO, FIRQ_CNTR_VIRTIO).is_some() {}
    float_pending(vm).store(0, Ordering::SeqCst);
    // SAFETY: the payloads are only used under the lock, which we hold.
    unsafe {
        (*g.fi).srv_signal = Default::default();
        (*g.fi).mchk = Default::default();
    }
}

/// A floating I/O interruption taken off its queue by TEST PENDING INTERRUPTION or TEST
/// SUBCHANNEL; [`requeue_io`] puts it back when the instruction cannot complete.
pub(crate) struct TakenIo {
    node: KBox<FloatNode>,
    /// What the interruption identifies.
    pub(crate) info: irq::IoInfo,
}

/// Takes the first pending I/O interruption of a subclass enabled in `isc_mask` (CR6
/// format: subclass 0 is bit `0x8000_0000`), looking at the subclasses in priority
/// order, and of subchannel `schid` (subchannel id and number) unless it is 0
/// (mainline's `kvm_s390_get_io_int`).
pub(crate) fn take_io(vm: &Vm, isc_mask: u32, schid: u32) -> Option<TakenIo> {
    let g = FloatGuard::new(vm);
    for isc in 0..8usize {
        if isc_mask & (0x8000_0000 >> isc) == 0 {
            continue;
        }
        let head = g.list(isc);
        // SAFETY: the list is only changed under the lock, which we hold; each entry is
        // the link of a `FloatNode` (see `FloatGuard::queue`).
        let node = unsafe {
            let mut cur = (*head).next;
            let mut found = None;
            while cur != head {
                if schid == 0 || (*cur.cast::<FloatNode>()).int.parm == schid {
                    bindings::kvm_s390_rust_list_del(cur);
                    (*g.fi).counters[FIRQ_CNTR_IO] -= 1;
                    found = Some(KBox::from_raw(cur.cast::<FloatNode>()));
                    break;
                }
                cur = (*cur).next;
            }
            found
        };
        let Some(node) = node else {
            continue;
        };
        if g.is_empty(isc) {
            clear_pending(float_pending(vm), Kind::io(isc as u8));
        }
        let int = node.int;
        let info = match irq::float_from_interrupt(int.type_, int.parm, int.parm64) {
            Ok(FloatIrq::Io(io)) => io,
            // Only I/O interruptions are queued by subclass.
            _ => irq::IoInfo::default(),
        };
        return Some(TakenIo { node, info });
    }
    None
}

/// Queues an I/O interruption [`take_io`] took back at the end of its subclass (mainline's
/// `kvm_s390_reinject_io_int`: the order within the subclass may change, the priority
/// does not).
pub(crate) fn requeue_io(vm: &Vm, taken: TakenIo) -> Result {
    let isc = irq::isc_of_int_word(taken.info.io_int_word);
    {
        let g = FloatGuard::new(vm);
        g.queue(usize::from(isc), FIRQ_CNTR_IO, MAX_FLOAT_IRQS, taken.node)?;
        set_pending(float_pending(vm), Kind::io(isc));
    }
    floating_kick(vm, cpustat::IO_INT);
    Ok(())
}

/// Drops the first pending I/O interruption of subchannel `schid` (subchannel id and
/// number), looking at the subclasses in priority order (the FLIC's
/// `KVM_DEV_FLIC_CLEAR_IO_IRQ`).
pub(crate) fn clear_io(vm: &Vm, schid: u32) {
    drop(take_io(vm, ALL_ISCS, schid));
}

/// Every I/O-interruption subclass, in CR6 format.
pub(crate) const ALL_ISCS: u32 = 0xff00_0000;

/// Stores every pending floating interruption as `struct kvm_s390_irq` records into
/// `out` (at most `max` of them, ENOMEM if there are more, as mainline signals "retry with
/// a bigger buffer"): the I/O interruptions by subclass, the pfault completions, the
/// virtio ones, then the service signal and the floating machine check (the FLIC's
/// `KVM_DEV_FLIC_GET_ALL_IRQS`; mainline's `get_all_floating_irqs`). `out` has room for
/// `max` records (no allocation under the lock). Returns the number of records.
pub(crate) fn float_irqs(vm: &Vm, max: usize, out: &mut KVVec<u8>) -> Result<usize> {
    let mut n = 0usize;
    let mut emit = |type_: u64, u: &[u8; 64]| -> Result {
        if n == max {
            return Err(ENOMEM);
        }
        out.extend_from_slice(&type_.to_ne_bytes(), GFP_ATOMIC)?;
        out.extend_from_slice(u, GFP_ATOMIC)?;
        n += 1;
        Ok(())
    };
    let g = FloatGuard::new(vm);
    for idx in [0, 1, 2, 3, 4, 5, 6, 7, FIRQ_LIST_PFAULT, FIRQ_LIST_VIRTIO] {
        let head = g.list(idx);
        // SAFETY: as in `clear_io`: the lists are ours under the lock.
        let mut cur = unsafe { (*head).next };
        while cur != head {
            // SAFETY: `cur` is the link of a queued `FloatNode`, alive under the lock.
            let int = unsafe { (*cur.cast::<FloatNode>()).int };
            emit(
                u64::from(int.type_),
                &crate::logic::flic::interrupt_to_irq(int.type_, int.parm, int.parm64),
            )?;
            // SAFETY: as above.
            cur = unsafe { (*cur).next };
        }
    }
    let pending = float_pending(vm).load(Ordering::SeqCst) as u64;
    if pending & (Kind::Service.bit() | Kind::ServiceEvent.bit()) != 0 {
        let mut u = [0u8; 64];
        // SAFETY: `srv_signal` is only used under the lock, which we hold.
        member_bytes(unsafe { &(*g.fi).srv_signal }, &mut u);
        emit(irq::irq_type::SERVICE, &u)?;
    }
    if pending & Kind::MchkRepressible.bit() != 0 {
        let mut u = [0u8; 64];
        // SAFETY: `mchk` is only used under the lock, which we hold.
        member_bytes(unsafe { &(*g.fi).mchk }, &mut u);
        emit(irq::irq_type::MCHK, &u)?;
    }
    Ok(n)
}

/// Initialises the vCPU's local state and wake-up timer (`kvm_arch_vcpu_create`).
pub(crate) fn init_vcpu(vcpu: &Vcpu) {
    let li = local_int(vcpu);
    // SAFETY: the vCPU is not yet reachable by other threads; the fields are zeroed.
    unsafe {
        bindings::kvm_s390_rust_init_local_int_lock(addr_of_mut!((*li).lock));
        bindings::kvm_s390_rust_hrtimer_setup(
            addr_of_mut!((*vcpu.arch()).ckc_timer),
            Some(ckc_timer_expired),
        );
    }
}

/// Stops the wake-up timer (`kvm_arch_vcpu_destroy`).
pub(crate) fn destroy_vcpu(vcpu: &Vcpu) {
    // SAFETY: set up in `init_vcpu`; cancelling an inactive timer is fine.
    unsafe { bindings::hrtimer_cancel(addr_of_mut!((*vcpu.arch()).ckc_timer)) };
}

/// Drops every pending local interruption (the resets; mainline's
/// `kvm_s390_clear_local_irqs`).
pub(crate) fn clear_local(vcpu: &Vcpu) {
    let g = LocalGuard::new(vcpu);
    local_pending(vcpu).store(0, Ordering::SeqCst);
    // SAFETY: the payload and the bitmap are only used under the lock, which we hold.
    unsafe {
        core::ptr::write_bytes(g.payload(), 0, 1);
        let emerg = addr_of_mut!((*g.li).sigp_emerg_pending);
        core::ptr::write_bytes(emerg, 0, 1);
    }
    vcpu.cpuflags()
        .fetch_and(!cpustat::ECALL_PEND, Ordering::SeqCst);
}

// ---------------------------------------------------------------------------------------
// Clocks.

/// The guest's TOD clock: the host's plus the epoch difference SIE applies.
fn guest_tod(vcpu: &Vcpu) -> u64 {
    // SAFETY: reading the TOD clock has no precondition.
    let host = unsafe { bindings::kvm_s390_rust_host_tod() };
    // SAFETY: the SIE block is valid; the epoch only changes by user space ioctls.
    host.wrapping_add(unsafe { read_volatile(addr_of!((*vcpu.sie_block()).epoch)) })
}

/// Whether the CPU timer is being counted down by software (the vCPU waits outside SIE).
fn cputm_running(vcpu: &Vcpu) -> &AtomicBool {
    // SAFETY: `cputm_enabled` lives as long as the vCPU; every access to it is atomic.
    unsafe { AtomicBool::from_ptr(addr_of_mut!((*vcpu.arch()).cputm_enabled)) }
}

/// The guest CPU timer now: SIE counts it while the guest runs; during an enabled wait
/// this file counts it from `cputm_start`.
fn cpu_timer(vcpu: &Vcpu) -> u64 {
    // SAFETY: the SIE block and the vCPU are valid; `cputm` is written only by the vCPU's
    // own thread, `cputm_start` before `cputm_enabled` is set.
    let cputm = unsafe { read_volatile(addr_of!((*vcpu.sie_block()).cputm)) };
    if cputm_running(vcpu).load(Ordering::Acquire) {
        // SAFETY: as above.
        let start = unsafe { read_volatile(addr_of!((*vcpu.arch()).cputm_start)) };
        // SAFETY: reading the TOD clock has no precondition.
        let now = unsafe { bindings::kvm_s390_rust_host_tod() };
        cputm.wrapping_sub(now.wrapping_sub(start))
    } else {
        cputm
    }
}

struct Guest {
    psw: u64,
    cr0: u64,
    ckc: u64,
}

fn guest(vcpu: &Vcpu) -> Guest {
    let sie = vcpu.sie_block();
    // SAFETY: the SIE block is valid; these reads may race with the vCPU's own thread only
    // from the wake-up timer and from other threads' injections, which tolerate a stale value.
    unsafe {
        Guest {
            psw: read_volatile(addr_of!((*sie).gpsw.mask)),
            cr0: read_volatile(addr_of!((*sie).gcr[0])),
            ckc: read_volatile(addr_of!((*sie).ckc)),
        }
    }
}

fn ckc_pending(vcpu: &Vcpu) -> bool {
    let g = guest(vcpu);
    // No clock-comparator interruptions while single-stepping (mainline's
    // `ckc_interrupts_enabled`): every step would end in the timer handler.
    irq::ckc_enabled(g.psw, g.cr0)
        && irq::ckc_condition(guest_tod(vcpu), g.ckc, g.cr0)
        && !crate::guestdbg::singlestepping(vcpu)
}

fn cputm_pending(vcpu: &Vcpu) -> bool {
    let g = guest(vcpu);
    irq::cputm_enabled(g.psw, g.cr0) && irq::cputm_condition(cpu_timer(vcpu))
}

/// `kvm_cpu_has_pending_timer`: the clock comparator or the CPU timer is due and enabled.
pub(crate) fn pending_timer(vcpu: &Vcpu) -> bool {
    ckc_pending(vcpu) || cputm_pending(vcpu)
}

fn masks(vcpu: &Vcpu) -> Masks {
    let sie = vcpu.sie_block();
    // SAFETY: as in `guest`.
    unsafe {
        Masks {
            psw: read_volatile(addr_of!((*sie).gpsw.mask)),
            cr0: read_volatile(addr_of!((*sie).gcr[0])),
            cr6: read_volatile(addr_of!((*sie).gcr[6])),
            cr14: read_volatile(addr_of!((*sie).gcr[14])),
        }
    }
}

fn mchk_cr14(vcpu: &Vcpu) -> u64 {
    // SAFETY: racy reads of plain integers, used as a hint outside the locks and exactly
    // under them in `deliver_pending`.
    unsafe {
        read_volatile(addr_of!((*float_int(vcpu.vm())).mchk.cr14))
            | read_volatile(addr_of!((*local_int(vcpu)).irq.mchk.cr14))
    }
}

fn pending(vcpu: &Vcpu) -> u64 {
    let vm = vcpu.vm();
    // SAFETY: racy read of a plain integer (see `mchk_cr14`).
    let masked = unsafe { read_volatile(addr_of!((*float_int(vm)).masked_irqs)) } as u64;
    (local_pending(vcpu).load(Ordering::SeqCst) as u64
        | float_pending(vm).load(Ordering::SeqCst) as u64)
        & !masked
}

fn deliverable(vcpu: &Vcpu) -> u64 {
    let pending = pending(vcpu);
    // Nothing pending is the usual answer to a waiting vCPU's every check: the masks
    // could only take bits away.
    if pending == 0 {
        return 0;
    }
    irq::deliverable(pending, &masks(vcpu), mchk_cr14(vcpu))
}

/// Whether the vCPU has something to do (`kvm_arch_vcpu_runnable`, mainline's
/// `kvm_s390_vcpu_has_irq`): a deliverable interruption, a due timer, or (unless
/// `exclude_stop`) a pending stop.
pub(crate) fn has_irq(vcpu: &Vcpu, exclude_stop: bool) -> bool {
    deliverable(vcpu) != 0 || pending_timer(vcpu) || (!exclude_stop && stop_pending(vcpu))
}

/// Whether a local interruption is pending (mainline's `local_int.pending_irqs != 0`).
pub(crate) fn local_pending_any(vcpu: &Vcpu) -> bool {
    local_pending(vcpu).load(Ordering::SeqCst) != 0
}

/// Whether a SIGP STOP is pending.
pub(crate) fn stop_pending(vcpu: &Vcpu) -> bool {
    local_pending(vcpu).load(Ordering::SeqCst) as u64 & Kind::Stop.bit() != 0
}

/// Whether a restart is pending (SIGP answers busy meanwhile).
pub(crate) fn restart_pending(vcpu: &Vcpu) -> bool {
    local_pending(vcpu).load(Ordering::SeqCst) as u64 & Kind::Restart.bit() != 0
}

/// Whether an external call is pending, deliverable or not (SIGP SENSE reports it).
pub(crate) fn ext_call_pending(vcpu: &Vcpu) -> bool {
    local_pending(vcpu).load(Ordering::SeqCst) as u64 & Kind::ExternalCall.bit() != 0
}

/// Takes the pending stop and its flags.
pub(crate) fn take_stop(vcpu: &Vcpu) -> Option<u32> {
    let g = LocalGuard::new(vcpu);
    if !stop_pending(vcpu) {
        return None;
    }
    // SAFETY: the payload is ours under the lock.
    let flags = unsafe {
        let f = (*g.payload()).stop.flags;
        (*g.payload()).stop.flags = 0;
        f
    };
    clear_pending(local_pending(vcpu), Kind::Stop);
    Some(flags)
}

// ---------------------------------------------------------------------------------------
// Waking.

/// Wakes the vCPU if it waits (mainline's `kvm_s390_vcpu_wakeup`). May be called from any
/// context, hard interrupts included.
pub(crate) fn wakeup(vcpu: &Vcpu) {
    // SAFETY: the vCPU is live; `valid_wakeup` is a plain flag generic KVM reads after
    // the wait, and `kvm_vcpu_wake_up` may be called from any context.
    unsafe {
        write_volatile(addr_of_mut!((*vcpu.as_raw()).valid_wakeup), true);
        bindings::kvm_vcpu_wake_up(vcpu.as_raw());
    }
}

/// Makes a vCPU that runs the guest leave SIE soon (`request` is the intercept request
/// that will bring it out when the guest can take the interruption), and wakes it if it
/// waits.
fn kick(vcpu: &Vcpu, request: u32) {
    vcpu.cpuflags().fetch_or(request, Ordering::SeqCst);
    wakeup(vcpu);
}

/// The hrtimer of an enabled wait expired: wake the vCPU unless the host clock ran ahead
/// of the TOD clock, in which case sleep on (mainline's `kvm_s390_idle_wakeup`).
///
/// # Safety
///
/// Called by the hrtimer core, in hard-interrupt context, for the `ckc_timer` of a live
/// vCPU (the timer is cancelled in `destroy_vcpu` before the vCPU goes).
unsafe extern "C" fn ckc_timer_expired(timer: *mut bindings::hrtimer) -> bindings::hrtimer_restart {
    let off = offset_of!(bindings::kvm_vcpu, arch) + offset_of!(bindings::kvm_vcpu_arch, ckc_timer);
    // SAFETY: `timer` is the `arch.ckc_timer` field of a live `struct kvm_vcpu` (see
    // # Safety); only `in_kernel`-like racy reads and the wake-up are done through it.
    let vcpu = unsafe { Vcpu::from_raw(timer.cast::<u8>().sub(off).cast()) };
    if let Some(ns) = sleep_ns(vcpu) {
        // SAFETY: `timer` is the running timer, which the callback may forward.
        if ns != 0 && unsafe { bindings::kvm_s390_rust_hrtimer_forward_now_ns(timer, ns) } != 0 {
            return bindings::hrtimer_restart::HRTIMER_RESTART;
        }
    }
    wakeup(vcpu);
    bindings::hrtimer_restart::HRTIMER_NORESTART
}

fn sleep_ns(vcpu: &Vcpu) -> Option<u64> {
    let g = guest(vcpu);
    // A wait that no timer can end (waiting for I/O or a signal from another CPU) needs
    // no clock reading.
    if !irq::ckc_enabled(g.psw, g.cr0) && !irq::cputm_enabled(g.psw, g.cr0) {
        return None;
    }
    irq::sleep_ns(guest_tod(vcpu), g.ckc, cpu_timer(vcpu), g.psw, g.cr0)
}

// ---------------------------------------------------------------------------------------
// Injection.

/// Injects a local interruption into `vcpu` (`KVM_S390_IRQ`, `KVM_S390_INTERRUPT` on a
/// vCPU, SIGP; mainline's `kvm_s390_inject_vcpu`). `pgm` carries the details of a program
/// interruption. Any thread, without the vCPU mutex.
pub(crate) fn inject_local(vcpu: &Vcpu, req: LocalIrq, pgm: Option<KvmS390PgmInfo>) -> Result {
    let done = {
        let g = LocalGuard::new(vcpu);
        inject_locked(vcpu, &g, req, pgm)?
    };
    if done.store_status {
        return store_status_of_stopped(vcpu);
    }
    kick(vcpu, done.request);
    Ok(())
}

/// What an injection under the lock came to.
struct Injected {
    /// The intercept request that makes a running vCPU look at it.
    request: u32,
    /// A stop-and-store-status of a stopped vCPU: only the status is to be stored, after
    /// the lock is dropped (mainline's `-EWOULDBLOCK` with `storestatus`).
    store_status: bool,
}

impl Injected {
    fn request(request: u32) -> Self {
        Injected {
            request,
            store_status: false,
        }
    }
}

/// Stores the status of a stopped vCPU (SIGP STOP AND STORE STATUS or its injection on a
/// vCPU that is stopped already), under `kvm->srcu` taken here (nesting in the run
/// loop's is fine).
fn store_status_of_stopped(vcpu: &Vcpu) -> Result {
    let kvm = vcpu.vm().as_raw();
    // SAFETY: the VM is live; the read side is released below.
    let idx = unsafe { bindings::kvm_s390_rust_srcu_read_lock(kvm) };
    let r =
        crate::store_status::store_status_unloaded(vcpu, uapi_kvm::KVM_S390_STORE_STATUS_NOADDR);
    // SAFETY: taken above with this index.
    unsafe { bindings::kvm_s390_rust_srcu_read_unlock(kvm, idx) };
    r
}

/// The injection itself, under `local_int.lock`; returns the intercept request that makes
/// a running vCPU look at it.
fn inject_locked(
    vcpu: &Vcpu,
    g: &LocalGuard<'_>,
    req: LocalIrq,
    pgm: Option<KvmS390PgmInfo>,
) -> Result<Injected> {
    let li = local_pending(vcpu);
    let p = g.payload();
    // SAFETY (for the payload accesses below): the payload is only used under the lock.
    match req {
        LocalIrq::Program { code } => {
            let mut new = pgm.unwrap_or_default();
            new.code = code;
            if new.flags & uapi_kvm::KVM_S390_PGM_FLAGS_ILC_VALID == 0 {
                new.flags &= !uapi_kvm::KVM_S390_PGM_FLAGS_ILC_MASK;
                new.flags |= intercepted_ilen(vcpu) | uapi_kvm::KVM_S390_PGM_FLAGS_ILC_VALID;
            }
            // The inject_* counters are written only here, under `local_int.lock`.
            count!(vcpu, inject_program);
            // SAFETY: see above; `kvm_s390_pgm_info` and `KvmS390PgmInfo` are layout-checked.
            let cur = unsafe { &mut *addr_of_mut!((*p).pgm).cast::<KvmS390PgmInfo>() };
            // A PER event merges with a pending exception and vice versa (mainline's
            // `__inject_prog`).
            if new.code == PGM_PER {
                cur.code |= PGM_PER;
                cur.flags = new.flags;
                cur.per_address = new.per_address;
                cur.per_code = new.per_code;
                cur.per_atmid = new.per_atmid;
                cur.per_access_id = new.per_access_id;
            } else if new.code & PGM_PER == 0 {
                cur.code = (cur.code & PGM_PER) | new.code;
                cur.flags = new.flags;
                cur.trans_exc_code = new.trans_exc_code;
                cur.mon_code = new.mon_code;
                cur.data_exc_code = new.data_exc_code;
                cur.mon_class_nr = new.mon_class_nr;
                cur.exc_access_id = new.exc_access_id;
                cur.op_access_id = new.op_access_id;
            } else {
                *cur = new;
            }
            set_pending(li, Kind::Program);
            Ok(Injected::request(cpustat::STOP_INT))
        }
        LocalIrq::SetPrefix { address } => {
            count!(vcpu, inject_set_prefix);
            if !vcpu.is_stopped() {
                return Err(EBUSY);
            }
            // SAFETY: see above.
            unsafe { (*p).prefix.address = address };
            set_pending(li, Kind::SetPrefix);
            Ok(Injected::request(0))
        }
        LocalIrq::Stop { flags } => {
            count!(vcpu, inject_stop_signal);
            if !irq::stop_flags_valid(flags) {
                return Err(EINVAL);
            }
            if vcpu.is_stopped() {
                // Nothing to stop; only the status is stored, if asked for.
                return Ok(Injected {
                    request: 0,
                    store_status: flags & irq::STOP_FLAG_STORE_STATUS != 0,
                });
            }
            if li.fetch_or(Kind::Stop.bit() as usize, Ordering::SeqCst) as u64 & Kind::Stop.bit()
                != 0
            {
                return Err(EBUSY);
            }
            // SAFETY: see above.
            unsafe { (*p).stop.flags = flags };
            Ok(Injected::request(cpustat::STOP_INT))
        }
        LocalIrq::Restart => {
            count!(vcpu, inject_restart);
            set_pending(li, Kind::Restart);
            Ok(Injected::request(cpustat::STOP_INT))
        }
        LocalIrq::ClockComp => {
            count!(vcpu, inject_ckc);
            set_pending(li, Kind::ClockComp);
            Ok(Injected::request(cpustat::EXT_INT))
        }
        LocalIrq::CpuTimer => {
            count!(vcpu, inject_cputm);
            set_pending(li, Kind::CpuTimer);
            Ok(Injected::request(cpustat::EXT_INT))
        }
        LocalIrq::ExternalCall { code } => {
            count!(vcpu, inject_external_call);
            if !vcpu_exists(vcpu.vm(), code) {
                return Err(EINVAL);
            }
            if li.fetch_or(Kind::ExternalCall.bit() as usize, Ordering::SeqCst) as u64
                & Kind::ExternalCall.bit()
                != 0
            {
                return Err(EBUSY);
            }
            // SAFETY: see above.
            unsafe { (*p).extcall.code = code };
            Ok(Injected::request(cpustat::EXT_INT))
        }
        LocalIrq::Emergency { code } => {
            count!(vcpu, inject_emergency_signal);
            if !vcpu_exists(vcpu.vm(), code) {
                return Err(EINVAL);
            }
            // SAFETY: see above; `code` names an existing vCPU id, which is below the
            // bitmap's `KVM_MAX_VCPUS` bits.
            unsafe {
                let bits = &mut (*g.li).sigp_emerg_pending;
                let word = usize::from(code) / usize::BITS as usize;
                if let Some(w) = bits.get_mut(word) {
                    *w |= 1 << (usize::from(code) % usize::BITS as usize);
                }
            }
            set_pending(li, Kind::Emergency);
            Ok(Injected::request(cpustat::EXT_INT))
        }
        LocalIrq::Mchk {
            cr14,
            mcic,
            fsa,
            edc,
        } => {
            count!(vcpu, inject_mchk);
            // Repressible conditions may be indicated together with exigent ones: merge.
            // SAFETY: see above.
            unsafe {
                let m = &mut (*p).mchk;
                m.cr14 |= cr14;
                m.mcic |= mcic;
                m.ext_damage_code |= edc;
                m.failing_storage_address = fsa;
                if let Some(kind) = irq::mchk_kind(m.mcic) {
                    set_pending(li, kind);
                }
            }
            Ok(Injected::request(cpustat::STOP_INT))
        }
        LocalIrq::PfaultInit { params, token } => {
            count!(vcpu, inject_pfault_init);
            // SAFETY: see above.
            unsafe {
                (*p).ext.ext_params = params;
                (*p).ext.ext_params2 = token;
            }
            set_pending(li, Kind::PfaultInit);
            Ok(Injected::request(cpustat::EXT_INT))
        }
    }
}

fn vcpu_exists(vm: &Vm, id: u16) -> bool {
    // SAFETY: the VM is live; the lookup walks the vCPU array under RCU-like rules that
    // `kvm_get_vcpu_by_id` documents as safe from any thread.
    !unsafe { bindings::kvm_s390_rust_get_vcpu_by_id(vm.as_raw(), i32::from(id)) }.is_null()
}

/// The length of the instruction SIE last intercepted (for a program interruption whose
/// injector did not give one, mainline's `kvm_s390_get_ilen`).
fn intercepted_ilen(vcpu: &Vcpu) -> u8 {
    let sie = vcpu.sie_block();
    // SAFETY: plain reads of the SIE block; for an injection from user space they may be
    // stale, as in mainline.
    let (icptcode, ipa, icptstatus, pgmilc) = unsafe {
        (
            read_volatile(addr_of!((*sie).icptcode)),
            read_volatile(addr_of!((*sie).ipa)),
            read_volatile(addr_of!((*sie).icptstatus)),
            (read_volatile(addr_of!((*sie).pgmilc_iprcc)) >> 16) as u16,
        )
    };
    sie_exit::intercepted_ilen(icptcode, ipa, icptstatus, pgmilc)
}

/// Injects a floating interruption (`KVM_S390_INTERRUPT` on the VM; mainline's
/// `kvm_s390_inject_vm`) and kicks a vCPU that can take it.
pub(crate) fn inject_float(vm: &Vm, int: &KvmS390Interrupt) -> Result {
    queue_float(vm, prepare_float(int, GFP_KERNEL_ACCOUNT)?)
}

/// A floating interruption checked and with its list entry allocated, ready to be queued
/// where no allocation is allowed (under a spinlock: the FLIC's adapter-interruption
/// suppression decides and queues under `float_int.ais_lock`).
pub(crate) struct PreparedFloat {
    req: FloatIrq,
    node: Option<KBox<FloatNode>>,
}

/// Checks a floating interruption (EINVAL) and allocates its list entry with `gfp` (which
/// says whether it may sleep).
pub(crate) fn prepare_float(
    int: &KvmS390Interrupt,
    gfp: kernel::alloc::Flags,
) -> Result<PreparedFloat> {
    let req = irq::float_from_interrupt(int.type_, int.parm, int.parm64).map_err(|_| EINVAL)?;
    // The list entry is allocated before the lock (no allocation under a spinlock).
    let node = match req {
        FloatIrq::Io(_) | FloatIrq::Virtio { .. } | FloatIrq::PfaultDone { .. } => Some(KBox::new(
            FloatNode {
                link: bindings::list_head {
                    next: core::ptr::null_mut(),
                    prev: core::ptr::null_mut(),
                },
                int: *int,
            },
            gfp,
        )?),
        _ => None,
    };
    Ok(PreparedFloat { req, node })
}

/// Queues a prepared floating interruption and kicks a vCPU; does not sleep.
pub(crate) fn queue_float(vm: &Vm, prepared: PreparedFloat) -> Result {
    let PreparedFloat { req, node } = prepared;
    let fpend = float_pending(vm);
    let request = {
        let g = FloatGuard::new(vm);
        let fi = g.fi;
        match (req, node) {
            (FloatIrq::Io(io), Some(node)) => {
                count_vm!(vm, inject_io);
                let isc = irq::isc_of_int_word(io.io_int_word);
                g.queue(usize::from(isc), FIRQ_CNTR_IO, MAX_FLOAT_IRQS, node)?;
                set_pending(fpend, Kind::io(isc));
                cpustat::IO_INT
            }
            (FloatIrq::Virtio { .. }, Some(node)) => {
                count_vm!(vm, inject_virtio);
                g.queue(FIRQ_LIST_VIRTIO, FIRQ_CNTR_VIRTIO, MAX_VIRTIO_IRQS, node)?;
                set_pending(fpend, Kind::Virtio);
                cpustat::EXT_INT
            }
            (FloatIrq::Service { parm }, _) => {
                count_vm!(vm, inject_service_signal);
                // SAFETY: `srv_signal` is only used under the lock, which we hold.
                unsafe {
                    let s = &mut (*fi).srv_signal.ext_params;
                    *s |= parm & irq::SCCB_EVENT_PENDING;
                    if *s & irq::SCCB_EVENT_PENDING != 0 {
                        set_pending(fpend, Kind::ServiceEvent);
                    }
                    // A second SCCB while one is pending is ignored, as mainline does.
                    if *s & irq::SCCB_MASK == 0 {
                        *s |= parm & irq::SCCB_MASK;
                        set_pending(fpend, Kind::Service);
                    }
                }
                cpustat::EXT_INT
            }
            (FloatIrq::Mchk { cr14, mcic }, _) => {
                count_vm!(vm, inject_float_mchk);
                // SAFETY: `mchk` is only used under the lock, which we hold.
                unsafe {
                    (*fi).mchk.cr14 |= cr14 & irq::CR14_CHANNEL_REPORT_SUBMASK;
                    (*fi).mchk.mcic |= mcic;
                }
                set_pending(fpend, Kind::MchkRepressible);
                cpustat::STOP_INT
            }
            (FloatIrq::PfaultDone { .. }, Some(node)) => {
                count_vm!(vm, inject_pfault_done);
                g.queue(FIRQ_LIST_PFAULT, FIRQ_CNTR_PFAULT, MAX_PFAULT_IRQS, node)?;
                set_pending(fpend, Kind::PfaultDone);
                cpustat::EXT_INT
            }
            // Every kind that is queued got its entry in `prepare_float`.
            (_, None) => return Err(EINVAL),
        }
    };
    floating_kick(vm, request);
    Ok(())
}

/// Kicks one vCPU that is not stopped for a new floating interruption, starting with the
/// one that went to sleep last (mainline's `__floating_irq_kick`).
fn floating_kick(vm: &Vm, request: u32) {
    // SAFETY: the VM is live; reading the count of published vCPUs is always allowed.
    let online = unsafe { bindings::kvm_s390_rust_online_vcpus(vm.as_raw()) };
    if online <= 0 {
        return;
    }
    // SAFETY: racy read of a plain integer, a hint only.
    let start = unsafe { read_volatile(addr_of!((*float_int(vm)).last_sleep_cpu)) };
    for n in 0..online {
        let idx = (start.wrapping_add(n)).rem_euclid(online);
        // SAFETY: `idx` is below `online_vcpus`; published vCPUs live as long as the VM.
        let raw = unsafe { bindings::kvm_s390_rust_get_vcpu(vm.as_raw(), idx) };
        if raw.is_null() {
            continue;
        }
        // SAFETY: a published vCPU of a live VM; only the atomic cpuflags and the wake-up
        // are used, which any thread may do.
        let vcpu = unsafe { Vcpu::from_raw(raw) };
        if !vcpu.is_stopped() {
            kick(vcpu, request);
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------
// The irq-state ABI (migration of pending local interruptions).

/// Copies the bytes of a payload member into a `struct kvm_s390_irq` union (host byte
/// order, as the C struct).
fn member_bytes<T: Copy>(member: &T, u: &mut [u8; 64]) {
    let n = core::mem::size_of::<T>().min(u.len());
    // SAFETY: `member` is a plain C struct of at least `n` bytes; `u` has room for `n`.
    unsafe {
        core::ptr::copy_nonoverlapping(core::ptr::from_ref(member).cast::<u8>(), u.as_mut_ptr(), n)
    };
}

/// `KVM_S390_GET_IRQ_STATE` (mainline's `kvm_s390_get_irq_state`): stores one
/// `struct kvm_s390_irq` per pending local interruption (an emergency signal once per
/// source) into the user buffer `buf` of `len` bytes; returns the bytes stored. ENOBUFS
/// when they do not fit, EFAULT when the buffer cannot be written. Called with the vCPU
/// mutex held.
pub(crate) fn get_irq_state(vcpu: &Vcpu, buf: u64, len: u32) -> Result<usize> {
    let (pending, emerg, payload) = {
        let g = LocalGuard::new(vcpu);
        // SAFETY: the payload and the bitmap are ours under the lock; both are plain data.
        unsafe {
            (
                local_pending(vcpu).load(Ordering::SeqCst) as u64,
                (*g.li).sigp_emerg_pending,
                *g.payload(),
            )
        }
    };
    let len = len as usize;
    let mut w = UserSlice::new(UserPtr::from_addr(buf as usize), len).writer();
    let mut n = 0usize;
    let mut emit = |type_: u64, u: &[u8; 64]| -> Result {
        if n + irq::IRQ_SIZE > len {
            return Err(ENOBUFS);
        }
        let mut bytes = [0u8; irq::IRQ_SIZE];
        bytes[..8].copy_from_slice(&type_.to_ne_bytes());
        bytes[8..].copy_from_slice(u);
        w.write_slice(&bytes)?;
        n += irq::IRQ_SIZE;
        Ok(())
    };
    for kind in irq::kinds_by_bit() {
        if pending & kind.bit() == 0 || kind == Kind::Emergency {
            continue;
        }
        let mut u = [0u8; 64];
        match kind {
            Kind::MchkExigent | Kind::MchkRepressible => member_bytes(&payload.mchk, &mut u),
            Kind::Program => member_bytes(&payload.pgm, &mut u),
            Kind::PfaultInit => member_bytes(&payload.ext, &mut u),
            Kind::ExternalCall => member_bytes(&payload.extcall, &mut u),
            Kind::Stop => member_bytes(&payload.stop, &mut u),
            Kind::SetPrefix => member_bytes(&payload.prefix, &mut u),
            _ => {}
        }
        // Kinds without an ABI type are never local; mainline stores them with type 0.
        emit(irq::irq_type_of(kind).unwrap_or(0), &u)?;
    }
    if pending & Kind::Emergency.bit() != 0 {
        for (i, word) in emerg.iter().enumerate() {
            for b in 0..usize::BITS as usize {
                if *word & (1 << b) == 0 {
                    continue;
                }
                let mut u = [0u8; 64];
                let code = (i * usize::BITS as usize + b) as u16;
                u[..2].copy_from_slice(&code.to_ne_bytes());
                emit(irq::irq_type::EMERGENCY, &u)?;
            }
        }
    }
    Ok(n)
}

/// `KVM_S390_SET_IRQ_STATE` (mainline's `kvm_s390_set_irq_state`): injects each
/// `struct kvm_s390_irq` of the user buffer, as `KVM_S390_IRQ` would, until one fails;
/// EBUSY if local interruptions are pending already. The caller checked `len`.
pub(crate) fn set_irq_state(vcpu: &Vcpu, buf: u64, len: u32) -> Result {
    let mut data = KVec::<u8>::with_capacity(len as usize, GFP_KERNEL)?;
    UserSlice::new(UserPtr::from_addr(buf as usize), len as usize)
        .reader()
        .read_all(&mut data, GFP_KERNEL)?;
    let mut request = 0;
    let mut store_status = false;
    let result = {
        let g = LocalGuard::new(vcpu);
        if local_pending(vcpu).load(Ordering::SeqCst) != 0 {
            Err(EBUSY)
        } else {
            let mut r = Ok(());
            for chunk in data.chunks_exact(irq::IRQ_SIZE) {
                let mut t = [0u8; 8];
                let mut u = [0u8; 64];
                t.copy_from_slice(&chunk[..8]);
                u.copy_from_slice(&chunk[8..]);
                let type_ = u64::from_ne_bytes(t);
                r = irq::local_from_irq(type_, &u)
                    .map_err(|_| EINVAL)
                    .and_then(|req| inject_locked(vcpu, &g, req, Some(irq::pgm_from_payload(&u))))
                    .map(|done| {
                        request |= done.request;
                        store_status |= done.store_status;
                    });
                if r.is_err() {
                    break;
                }
            }
            r
        }
    };
    kick(vcpu, request);
    if store_status {
        let stored = store_status_of_stopped(vcpu);
        return result.and(stored);
    }
    result
}

/// Presents a program exception to the guest for the instruction SIE last intercepted,
/// as mainline's `kvm_s390_inject_prog_irq`: the instruction length comes from `info` if
/// it says so (`KVM_S390_PGM_FLAGS_ILC_VALID`), else from the interception; for a
/// nullifying exception the PSW, which SIE already moved past the instruction, is moved
/// back onto it at delivery (unless `KVM_S390_PGM_FLAGS_NO_REWIND`). The interruption is
/// queued and delivered before the next entry. Handlers call this and go on with
/// [`crate::intercept::Outcome::Continue`].
pub(crate) fn inject_program(vcpu: &Vcpu, info: &KvmS390PgmInfo) -> Result {
    inject_local(vcpu, LocalIrq::Program { code: info.code }, Some(*info))
}

// ---------------------------------------------------------------------------------------
// Delivery.

/// The guest registers the run loop keeps outside the SIE block, for the machine-check
/// save areas (the floating-point ones are in the CPU: `Vcpu::store_guest_fp`).
pub(crate) struct RegsView<'a> {
    /// General registers.
    pub gprs: &'a [u64; 16],
    /// Access registers.
    pub area: &'a bindings::kvm_s390_rust_switch_area,
}

/// Stores the vector registers into the machine-check extended save area, if the guest's
/// model has the vector facility and its lowcore designates an area it can write; whether
/// it did.
fn store_vector_save_area(vcpu: &Vcpu) -> bool {
    if !vcpu.vm().has_facility(vector::VECTOR) {
        return false;
    }
    let mut mcesad = [0u8; 8];
    if gaccess::read_real(vcpu, GuestReal(vector::LC_MCESAD), &mut mcesad).is_err() {
        return false;
    }
    vector::mcesa_origin(u64::from_be_bytes(mcesad)).is_some_and(|origin| {
        gaccess::write_absolute(vcpu, origin, &vector::save_area(&vcpu.vrs())).is_ok()
    })
}

fn put(vcpu: &Vcpu, off: u64, bytes: &[u8]) -> Result {
    gaccess::write_real(vcpu, GuestReal(off), bytes)
}

/// Stores the current PSW at `old` and loads the one at `new` (the PSW swap).
fn swap_psw(vcpu: &Vcpu, old: u64, new: u64) -> Result {
    let sie = vcpu.sie_block();
    // SAFETY: the SIE block is ours while the guest is out.
    let cur = unsafe { (*sie).gpsw };
    put(vcpu, old, &psw::psw_bytes(cur))?;
    let mut n = [0u8; 16];
    gaccess::read_real(vcpu, GuestReal(new), &mut n)?;
    // SAFETY: as above.
    unsafe { (*sie).gpsw = psw::psw_from_bytes(n) };
    Ok(())
}

fn deliver_external(vcpu: &Vcpu, s: ExternalStore) -> Result {
    // One guest access for the adjacent fields: every timer tick of a guest comes here.
    let (at, bytes, len) = s.head();
    put(vcpu, at, &bytes[..len])?;
    if let Some(p) = s.params2 {
        put(vcpu, lc::EXT_PARAMS2, &p.to_be_bytes())?;
    }
    swap_psw(vcpu, lc::EXT_OLD_PSW, lc::EXT_NEW_PSW)
}

/// Delivers what the guest can take, in priority order, then arms SIE for what stays
/// masked (mainline's `kvm_s390_deliver_pending_interrupts`). Called by the run loop
/// before every SIE entry, with `kvm->srcu` held.
pub(crate) fn deliver_pending(vcpu: &Vcpu, regs: &RegsView<'_>) -> Result {
    let sie = vcpu.sie_block();
    let li = local_pending(vcpu);
    // Timer conditions may have gone (the guest changed the comparator) or come.
    sync_pending(li, Kind::ClockComp, ckc_pending(vcpu));
    sync_pending(li, Kind::CpuTimer, cputm_pending(vcpu));
    let armed = cpustat::IO_INT | cpustat::EXT_INT | cpustat::STOP_INT;
    // Nothing pending and no intercept request left from an earlier round: the steps
    // below would deliver nothing and leave the same state, so skip them (the common
    // case, before every entry). An injection racing with this sets its pending bit
    // before it kicks, so it is either seen here or kicks SIE out after the entry.
    // SAFETY: the SIE block is ours while the guest is out.
    let no_request_left = unsafe { (*sie).lctl == 0 && (*sie).ictl & irq::ICTL_LPSW == 0 };
    if pending(vcpu) == 0 && no_request_left && vcpu.cpuflags().load(Ordering::SeqCst) & armed == 0
    {
        return Ok(());
    }
    // SAFETY: the SIE block is ours while the guest is out; cpuflags is atomic.
    unsafe {
        (*sie).lctl = 0;
        (*sie).ictl &= !irq::ICTL_LPSW;
    }
    vcpu.cpuflags().fetch_and(!armed, Ordering::SeqCst);
    let mut result = Ok(());
    let mut delivered = false;
    // Each delivery loads a new PSW, which usually disables further ones; at most one
    // round per kind and pending entry, bounded to keep a misbehaving guest finite.
    for _ in 0..64 {
        let Some(kind) = irq::highest(deliverable(vcpu)) else {
            break;
        };
        result = deliver_one(vcpu, kind, regs);
        if result.is_err() {
            break;
        }
        delivered = true;
    }
    if delivered {
        // A single-step ends at the new PSW.
        crate::guestdbg::delivered(vcpu);
    }
    let ind = irq::indicators(pending(vcpu), masks(vcpu).psw);
    // SAFETY: as above.
    unsafe {
        (*sie).lctl |= ind.lctl;
        (*sie).ictl |= ind.ictl;
    }
    vcpu.cpuflags().fetch_or(ind.cpuflags, Ordering::SeqCst);
    result
}

fn deliver_one(vcpu: &Vcpu, kind: Kind, regs: &RegsView<'_>) -> Result {
    let li = local_pending(vcpu);
    match kind {
        Kind::Program => deliver_prog(vcpu),
        Kind::Restart => {
            count!(vcpu, deliver_restart_signal);
            clear_pending(li, Kind::Restart);
            swap_psw(vcpu, lc::RESTART_OLD_PSW, lc::RESTART_NEW_PSW)
        }
        Kind::SetPrefix => {
            let address = {
                let g = LocalGuard::new(vcpu);
                clear_pending(li, Kind::SetPrefix);
                // SAFETY: the payload is ours under the lock.
                unsafe {
                    let a = (*g.payload()).prefix.address;
                    (*g.payload()).prefix.address = 0;
                    a
                }
            };
            count!(vcpu, deliver_prefix_signal);
            vcpu.set_prefix(address);
            Ok(())
        }
        Kind::ClockComp => {
            count!(vcpu, deliver_ckc);
            clear_pending(li, Kind::ClockComp);
            deliver_external(vcpu, simple_ext(ext_code::CLOCK_COMP, 0))
        }
        Kind::CpuTimer => {
            count!(vcpu, deliver_cputm);
            clear_pending(li, Kind::CpuTimer);
            deliver_external(vcpu, simple_ext(ext_code::CPU_TIMER, 0))
        }
        Kind::ExternalCall => {
            let code = {
                let g = LocalGuard::new(vcpu);
                clear_pending(li, Kind::ExternalCall);
                // SAFETY: the payload is ours under the lock.
                unsafe {
                    let c = (*g.payload()).extcall.code;
                    (*g.payload()).extcall.code = 0;
                    c
                }
            };
            count!(vcpu, deliver_external_call);
            deliver_external(vcpu, simple_ext(ext_code::EXTERNAL_CALL, code))
        }
        Kind::Emergency => {
            let from = {
                let g = LocalGuard::new(vcpu);
                // SAFETY: the bitmap is ours under the lock.
                let bits = unsafe { &mut (*g.li).sigp_emerg_pending };
                let mut from = None;
                for (i, w) in bits.iter_mut().enumerate() {
                    if *w != 0 {
                        let b = w.trailing_zeros() as usize;
                        *w &= !(1 << b);
                        from = Some((i * usize::BITS as usize + b) as u16);
                        break;
                    }
                }
                if bits.iter().all(|w| *w == 0) {
                    clear_pending(li, Kind::Emergency);
                }
                from
            };
            match from {
                Some(cpu) => {
                    count!(vcpu, deliver_emergency_signal);
                    deliver_external(vcpu, simple_ext(ext_code::EMERGENCY, cpu))
                }
                None => Ok(()),
            }
        }
        Kind::Service | Kind::ServiceEvent => deliver_service(vcpu, kind),
        Kind::Virtio => {
            match take_float(vcpu.vm(), FIRQ_LIST_VIRTIO, FIRQ_CNTR_VIRTIO, Kind::Virtio) {
                Some(n) => {
                    count!(vcpu, deliver_virtio);
                    deliver_external(
                        vcpu,
                        ExternalStore {
                            code: ext_code::CP_SERVICE,
                            cpu_addr: irq::VIRTIO_PARAM,
                            params: Some(n.int.parm),
                            params2: Some(n.int.parm64),
                        },
                    )
                }
                None => Ok(()),
            }
        }
        Kind::PfaultInit => {
            let token = {
                let g = LocalGuard::new(vcpu);
                clear_pending(li, Kind::PfaultInit);
                // SAFETY: the payload is ours under the lock.
                unsafe {
                    let t = (*g.payload()).ext.ext_params2;
                    (*g.payload()).ext.ext_params2 = 0;
                    t
                }
            };
            deliver_external(vcpu, pfault_ext(irq::PFAULT_INIT_PARAM, token))
        }
        Kind::PfaultDone => {
            match take_float(
                vcpu.vm(),
                FIRQ_LIST_PFAULT,
                FIRQ_CNTR_PFAULT,
                Kind::PfaultDone,
            ) {
                Some(n) => deliver_external(vcpu, pfault_ext(irq::PFAULT_DONE_PARAM, n.int.parm64)),
                None => Ok(()),
            }
        }
        Kind::MchkExigent | Kind::MchkRepressible => deliver_mchk(vcpu, regs),
        k => match k.isc() {
            Some(isc) => deliver_io(vcpu, isc),
            None => {
                // Kinds nothing makes pending (SVC, host, timing, key, malfunction).
                clear_pending(li, k);
                clear_pending(float_pending(vcpu.vm()), k);
                Ok(())
            }
        },
    }
}

/// A pfault interruption: CP service with the pfault parameter and the guest's token as
/// the second parameter (mainline's `__deliver_pfault_init`/`__deliver_pfault_done`).
fn pfault_ext(cpu_addr: u16, token: u64) -> ExternalStore {
    ExternalStore {
        code: ext_code::CP_SERVICE,
        cpu_addr,
        params: None,
        params2: Some(token),
    }
}

fn simple_ext(code: u16, cpu_addr: u16) -> ExternalStore {
    ExternalStore {
        code,
        cpu_addr,
        params: None,
        params2: None,
    }
}

fn deliver_prog(vcpu: &Vcpu) -> Result {
    let info = {
        let g = LocalGuard::new(vcpu);
        clear_pending(local_pending(vcpu), Kind::Program);
        // SAFETY: the payload is ours under the lock; the types are layout-checked.
        unsafe {
            let p = addr_of_mut!((*g.payload()).pgm).cast::<KvmS390PgmInfo>();
            let info = *p;
            *p = KvmS390PgmInfo::default();
            info
        }
    };
    count!(vcpu, deliver_program);
    let ilen = info.flags & uapi_kvm::KVM_S390_PGM_FLAGS_ILC_MASK;
    let code = info.code & !PGM_PER;
    if pgm::stores_teid(code) {
        put(vcpu, LC_TRANS_EXC_CODE, &info.trans_exc_code.to_be_bytes())?;
        put(vcpu, LC_EXC_ACCESS_ID, &[info.exc_access_id])?;
        if pgm::dat_exception(code) {
            put(vcpu, LC_OP_ACCESS_ID, &[info.op_access_id])?;
        }
    } else if pgm::art_exception(code) {
        put(vcpu, LC_EXC_ACCESS_ID, &[info.exc_access_id])?;
    }
    match code {
        0x40 => {
            // Monitor event.
            put(vcpu, LC_MON_CLASS_NR, &info.mon_class_nr.to_be_bytes())?;
            put(vcpu, LC_MON_CODE, &info.mon_code.to_be_bytes())?;
        }
        pgm::DATA | 0x1b => put(vcpu, LC_DATA_EXC_CODE, &info.data_exc_code.to_be_bytes())?,
        _ => {}
    }
    if info.code & PGM_PER != 0 {
        put(vcpu, LC_PER_CODE, &[info.per_code])?;
        put(vcpu, LC_PER_ATMID, &[info.per_atmid])?;
        put(vcpu, LC_PER_ADDRESS, &info.per_address.to_be_bytes())?;
        put(vcpu, LC_PER_ACCESS_ID, &[info.per_access_id])?;
    }
    let sie = vcpu.sie_block();
    if pgm::nullifies(code) && info.flags & uapi_kvm::KVM_S390_PGM_FLAGS_NO_REWIND == 0 {
        // SAFETY: the SIE block is ours while the guest is out.
        unsafe { (*sie).gpsw = psw::backward((*sie).gpsw, ilen) };
    }
    // SAFETY: as above.
    let gbea = unsafe { (*sie).gbea };
    put(
        vcpu,
        psw::LC_PGM_ILC,
        &psw::program_interruption_code(ilen, info.code),
    )?;
    put(vcpu, lc::PGM_LAST_BREAK, &gbea.to_be_bytes())?;
    swap_psw(vcpu, psw::LC_PGM_OLD_PSW, psw::LC_PGM_NEW_PSW)
}

fn deliver_service(vcpu: &Vcpu, kind: Kind) -> Result {
    let vm = vcpu.vm();
    let fpend = float_pending(vm);
    let parm = {
        let g = FloatGuard::new(vm);
        // SAFETY: `srv_signal` is only used under the lock, which we hold.
        unsafe {
            let s = &mut (*g.fi).srv_signal.ext_params;
            let all = *s;
            if kind == Kind::Service {
                *s = 0;
                clear_pending(fpend, Kind::Service);
                clear_pending(fpend, Kind::ServiceEvent);
                all
            } else {
                *s &= !irq::SCCB_EVENT_PENDING;
                clear_pending(fpend, Kind::ServiceEvent);
                all & irq::SCCB_EVENT_PENDING
            }
        }
    };
    if parm == 0 {
        return Ok(());
    }
    count!(vcpu, deliver_service_signal);
    deliver_external(
        vcpu,
        ExternalStore {
            code: ext_code::SERVICE_SIGNAL,
            cpu_addr: 0,
            params: Some(parm),
            params2: None,
        },
    )
}

/// Takes the first interruption of floating list `idx` (counted in `counter`) for delivery,
/// and clears `kind`'s pending bit when that empties the list.
fn take_float(vm: &Vm, idx: usize, counter: usize, kind: Kind) -> Option<KBox<FloatNode>> {
    let g = FloatGuard::new(vm);
    let node = g.pop(idx, counter);
    if g.is_empty(idx) {
        clear_pending(float_pending(vm), kind);
    }
    node
}

fn deliver_io(vcpu: &Vcpu, isc: u8) -> Result {
    let vm = vcpu.vm();
    let Some(node) = take_float(vm, usize::from(isc), FIRQ_CNTR_IO, Kind::io(isc)) else {
        return Ok(());
    };
    let Ok(FloatIrq::Io(io)) =
        irq::float_from_interrupt(node.int.type_, node.int.parm, node.int.parm64)
    else {
        return Ok(());
    };
    count!(vcpu, deliver_io);
    put(vcpu, lc::SUBCHANNEL_ID, &io.code())?;
    swap_psw(vcpu, lc::IO_OLD_PSW, lc::IO_NEW_PSW)
}

fn deliver_mchk(vcpu: &Vcpu, regs: &RegsView<'_>) -> Result {
    let vm = vcpu.vm();
    let mut m: MchkInfo = {
        let g = FloatGuard::new(vm);
        let lg = LocalGuard::new(vcpu);
        let li = local_pending(vcpu);
        let mut m: MchkInfo = Default::default();
        let lbits = li.load(Ordering::SeqCst) as u64;
        if lbits & irq::MCHK_MASK != 0 {
            // SAFETY: the payload is ours under the local lock.
            unsafe {
                m = (*lg.payload()).mchk;
                (*lg.payload()).mchk = Default::default();
            }
            clear_pending(li, Kind::MchkExigent);
            clear_pending(li, Kind::MchkRepressible);
        }
        let fpend = float_pending(vm);
        if fpend.fetch_and(!(Kind::MchkRepressible.bit() as usize), Ordering::SeqCst) as u64
            & Kind::MchkRepressible.bit()
            != 0
        {
            // SAFETY: the floating payload is ours under the floating lock.
            unsafe {
                m.mcic |= (*g.fi).mchk.mcic;
                m.cr14 |= (*g.fi).mchk.cr14;
                (*g.fi).mchk = Default::default();
            }
        }
        drop(lg);
        m
    };
    count!(vcpu, deliver_machine_check);
    let sie = vcpu.sie_block();
    // Register contents the guest's handler finds in the save areas. Guarded storage is not
    // offered, so its validity bit (MCIC bit 36) is cleared; the vector registers' bit
    // stays only if they reach the guest's extended save area, as mainline.
    m.mcic &= !(1 << (63 - 36));
    // The floating-point registers live in the CPU during `KVM_RUN`: into `kvm_run` first.
    vcpu.store_guest_fp();
    if m.mcic & vector::MCIC_VR != 0 && !store_vector_save_area(vcpu) {
        m.mcic &= !vector::MCIC_VR;
    }
    put(vcpu, LC_AR_MODE_ID, &[1])?;
    swap_psw(vcpu, lc::MCK_OLD_PSW, lc::MCK_NEW_PSW)?;
    put(vcpu, lc::MCCK_CODE, &m.mcic.to_be_bytes())?;
    let mut buf = [0u8; 128];
    for (i, r) in vcpu.fprs().iter().enumerate() {
        buf[i * 8..i * 8 + 8].copy_from_slice(&r.to_be_bytes());
    }
    put(vcpu, LC_FPREGS_SAVE_AREA, &buf)?;
    for (i, r) in regs.gprs.iter().enumerate() {
        buf[i * 8..i * 8 + 8].copy_from_slice(&r.to_be_bytes());
    }
    put(vcpu, LC_GPREGS_SAVE_AREA, &buf)?;
    put(vcpu, LC_FP_CREG_SAVE_AREA, &vcpu.fpc().to_be_bytes())?;
    // SAFETY: the SIE block is ours while the guest is out.
    let (todpr, ckc, crs) = unsafe { ((*sie).todpr, (*sie).ckc, (*sie).gcr) };
    put(vcpu, LC_TOD_PROGREG_SAVE_AREA, &todpr.to_be_bytes())?;
    put(vcpu, LC_CPU_TIMER_SAVE_AREA, &cpu_timer(vcpu).to_be_bytes())?;
    put(vcpu, LC_CLOCK_COMP_SAVE_AREA, &(ckc >> 8).to_be_bytes())?;
    let mut ar = [0u8; 64];
    for (i, r) in regs.area.guest_acrs.iter().enumerate() {
        ar[i * 4..i * 4 + 4].copy_from_slice(&r.to_be_bytes());
    }
    put(vcpu, LC_AREGS_SAVE_AREA, &ar)?;
    for (i, r) in crs.iter().enumerate() {
        buf[i * 8..i * 8 + 8].copy_from_slice(&r.to_be_bytes());
    }
    put(vcpu, LC_CREGS_SAVE_AREA, &buf)?;
    put(vcpu, lc::EXT_DAMAGE_CODE, &m.ext_damage_code.to_be_bytes())?;
    put(
        vcpu,
        lc::MCCK_FAIL_STOR_ADDR,
        &m.failing_storage_address.to_be_bytes(),
    )
}

// ---------------------------------------------------------------------------------------
// The wait state.

/// The guest loaded a wait PSW (intercept 0x1c; mainline's `kvm_s390_handle_wait`). An
/// enabled wait sleeps here until an interruption can be delivered, the clock comparator
/// or CPU timer is due, a signal arrives, or the vCPU is kicked; a disabled wait goes to
/// user space. Called by the run loop with `kvm->srcu` held, which is released around the
/// sleep.
pub(crate) fn handle_wait(vcpu: &Vcpu) -> Result<Outcome> {
    if has_irq(vcpu, false) {
        return Ok(Outcome::Continue);
    }
    if irq::all_disabled(guest(vcpu).psw) {
        return Ok(Outcome::UserExit);
    }
    let sleep = sleep_ns(vcpu);
    if sleep == Some(0) {
        return Ok(Outcome::Continue);
    }
    let arch = vcpu.arch();
    // SAFETY: the vCPU thread owns `cputm_start`; it is written before the flag that makes
    // other readers use it.
    unsafe {
        write_volatile(
            addr_of_mut!((*arch).cputm_start),
            bindings::kvm_s390_rust_host_tod(),
        )
    };
    cputm_running(vcpu).store(true, Ordering::Release);
    vcpu.cpuflags().fetch_or(cpustat::WAIT, Ordering::SeqCst);
    let timer = {
        // SAFETY: taking the field address of the live vCPU's timer.
        unsafe { addr_of_mut!((*arch).ckc_timer) }
    };
    if let Some(ns) = sleep {
        // SAFETY: the timer was set up in `init_vcpu`; only this thread starts it.
        unsafe { bindings::kvm_s390_rust_hrtimer_start_ns(timer, ns) };
    }
    // SAFETY: racy store of a hint read by `floating_kick`.
    unsafe {
        write_volatile(
            addr_of_mut!((*float_int(vcpu.vm())).last_sleep_cpu),
            vcpu.idx(),
        )
    };
    // SAFETY: the run loop holds srcu (released for the sleep and taken back) and the vCPU
    // mutex, as `kvm_vcpu_halt` requires; it may sleep.
    unsafe {
        bindings::kvm_s390_rust_vcpu_srcu_read_unlock(vcpu.as_raw());
        bindings::kvm_vcpu_halt(vcpu.as_raw());
        write_volatile(addr_of_mut!((*vcpu.as_raw()).valid_wakeup), false);
    }
    vcpu.cpuflags().fetch_and(!cpustat::WAIT, Ordering::SeqCst);
    // SAFETY: re-taken for the run loop; the timer is ours to cancel.
    unsafe {
        bindings::kvm_s390_rust_vcpu_srcu_read_lock(vcpu.as_raw());
        bindings::hrtimer_cancel(timer);
    }
    // The CPU timer went on while the vCPU waited: charge the time to it.
    let now = cpu_timer(vcpu);
    cputm_running(vcpu).store(false, Ordering::Release);
    // SAFETY: the SIE block is ours while the guest is out.
    unsafe { write_volatile(addr_of_mut!((*vcpu.sie_block()).cputm), now) };
    Ok(Outcome::Continue)
}
