// SPDX-License-Identifier: GPL-2.0

//! The IPTE interlock, host side: held while the backend walks a guest's DAT tables for an
//! access it emulates (`gaccess.rs`), and waited for by a vCPU whose guest executed IPTE,
//! IDTE, CRDTE, CSP or CSPG meanwhile (mainline: `ipte_lock`/`ipte_unlock` in `gaccess.c`,
//! `handle_ipte_interlock` in `priv.c`). The word in the SCA and its two formats are in
//! `logic/ipte.rs`.
//!
//! A holder may sleep (the walk reads guest memory, which may fault), so the interlock is
//! the bit in the SCA plus a count of host holders, never a lock a CPU spins on for long:
//! in the basic format `kvm->arch.ipte_mutex` serialises the count
//! `kvm->arch.ipte_lock_count`, and the first and the last holder set and clear the bit; in
//! the SIIF format the count is in the word itself. Waiting vCPUs sleep on
//! `kvm->arch.ipte_wq` until the last holder is gone. Unlike mainline, a signal ends the
//! wait too: the guest then executes the instruction again after `KVM_RUN` returned EINTR.

use core::ptr::addr_of_mut;
use core::sync::atomic::{AtomicI32, AtomicU64, Ordering};

use kernel::bindings;

use crate::logic::access;
use crate::logic::ipte::{self, Format};
use crate::machine::Machine;
use crate::vcpu::Vcpu;
use crate::vm::Vm;

fn format() -> Format {
    if Machine::read().has_siif {
        Format::Siif
    } else {
        Format::Basic
    }
}

/// The interlock word, doubleword 0 of the VM's SCA.
fn word(vm: &Vm) -> &AtomicU64 {
    // SAFETY: the SCA page lives as long as the VM (freed in `destroy`) and is 8-byte
    // aligned; its first doubleword is changed only by the machine (interlocked, as the
    // architecture requires) and by this file, always atomically.
    unsafe { AtomicU64::from_ptr(addr_of_mut!((*vm.sca()).ipte_control)) }
}

/// Replaces the word with what `next` makes of it, by compare-and-swap; `next` returns
/// `None` while the machine holds the interlock for a guest CPU, for one instruction.
fn update(vm: &Vm, mut next: impl FnMut(u64) -> Option<u64>) -> u64 {
    let word = word(vm);
    let mut old = word.load(Ordering::Relaxed);
    loop {
        let Some(new) = next(old) else {
            core::hint::spin_loop();
            old = word.load(Ordering::Relaxed);
            continue;
        };
        match word.compare_exchange_weak(old, new, Ordering::SeqCst, Ordering::Relaxed) {
            Ok(_) => return new,
            Err(now) => old = now,
        }
    }
}

/// The basic format's count of host holders, `kvm->arch.ipte_lock_count`: changed only
/// under `kvm->arch.ipte_mutex`, read without it by [`kvm_s390_ipte_held`].
fn count(vm: &Vm) -> &AtomicI32 {
    // SAFETY: an aligned int of the live VM's arch; every access goes through this view.
    unsafe { AtomicI32::from_ptr(addr_of_mut!((*vm.arch()).ipte_lock_count)) }
}

/// Adds `delta` to the basic format's holder count under `kvm->arch.ipte_mutex` and runs
/// `edge` with the mutex still held when the count went from 0 to 1 or from 1 to 0.
/// Whether `edge` ran.
fn change_count(vm: &Vm, delta: i32, edge: impl FnOnce()) -> bool {
    let arch = vm.arch();
    // SAFETY: `ipte_mutex` was initialised in `init` before the VM was shared; no caller
    // holds it (this file takes it only here, and `edge` does not re-enter).
    unsafe { bindings::mutex_lock(addr_of_mut!((*arch).ipte_mutex)) };
    let count = count(vm);
    let old = count.load(Ordering::Relaxed);
    count.store(old + delta, Ordering::Relaxed);
    let at_edge = if delta > 0 { old == 0 } else { old + delta == 0 };
    if at_edge {
        edge();
    }
    // SAFETY: taken above.
    unsafe { bindings::mutex_unlock(addr_of_mut!((*arch).ipte_mutex)) };
    at_edge
}

/// The host holds the IPTE interlock for as long as this lives.
pub(crate) struct IpteGuard<'a> {
    vm: &'a Vm,
    format: Format,
}

/// Takes the IPTE interlock for a host walk of the guest's DAT tables.
pub(crate) fn lock(vm: &Vm) -> IpteGuard<'_> {
    let format = format();
    match format {
        Format::Basic => {
            change_count(vm, 1, || {
                update(vm, |w| ipte::acquire(Format::Basic, w));
            });
        }
        Format::Siif => {
            update(vm, |w| ipte::acquire(Format::Siif, w));
        }
    }
    IpteGuard { vm, format }
}

/// Takes the IPTE interlock if an access of a CPU in state `cpu` walks the guest's DAT
/// tables.
pub(crate) fn lock_for<'a>(vm: &'a Vm, cpu: &access::Cpu) -> Option<IpteGuard<'a>> {
    cpu.walks_dat().then(|| lock(vm))
}

impl Drop for IpteGuard<'_> {
    fn drop(&mut self) {
        let vm = self.vm;
        let released = match self.format {
            Format::Basic => change_count(vm, -1, || {
                update(vm, |w| Some(ipte::release(Format::Basic, w).0));
            }),
            Format::Siif => {
                ipte::host_holders(update(vm, |w| Some(ipte::release(Format::Siif, w).0))) == 0
            }
        };
        if released {
            // SAFETY: `ipte_wq` was initialised in `init`; the VM is live.
            unsafe { bindings::kvm_s390_rust_ipte_wake(vm.as_raw()) };
        }
    }
}

/// Whether the host holds the IPTE interlock of `kvm` now (read without a lock: the waiter
/// in `wait_released` reads it again after each wake-up). Called from `helpers.c`.
///
/// # Safety
///
/// `kvm` is a live VM.
#[no_mangle]
pub unsafe extern "C" fn kvm_s390_ipte_held(kvm: *mut bindings::kvm) -> bool {
    // SAFETY: live, by the caller's contract.
    let vm = unsafe { Vm::from_raw(kvm) };
    match format() {
        Format::Basic => count(vm).load(Ordering::SeqCst) != 0,
        Format::Siif => ipte::host_holders(word(vm).load(Ordering::SeqCst)) != 0,
    }
}

/// Sleeps until the host no longer holds the IPTE interlock of the vCPU's VM, or a signal
/// arrives; `kvm->srcu` is released meanwhile, so that a memslot change is not held up.
/// Called with the vCPU's `kvm->srcu` read lock held.
pub(crate) fn wait_released(vcpu: &Vcpu) {
    // SAFETY: the caller holds the vCPU's srcu read lock; nothing borrowed from the
    // memslots lives across the wait.
    unsafe { bindings::kvm_s390_rust_vcpu_srcu_read_unlock(vcpu.as_raw()) };
    // SAFETY: the VM is live while its vCPU runs; the wait queue was initialised in `init`.
    // Its result (interrupted or not) changes nothing: the guest executes the instruction
    // again either way, after the signal was delivered if there is one.
    let _ = unsafe { bindings::kvm_s390_rust_ipte_wait(vcpu.vm().as_raw()) };
    // SAFETY: re-taken, as the caller expects.
    unsafe { bindings::kvm_s390_rust_vcpu_srcu_read_lock(vcpu.as_raw()) };
}
