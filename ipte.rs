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

use core::ptr::{addr_of, addr_of_mut};
use core::sync::atomic::{AtomicU64, Ordering};

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

/// Runs `f` on the basic format's host holder count, under `kvm->arch.ipte_mutex`.
fn with_count<R>(vm: &Vm, f: impl FnOnce(&mut i32) -> R) -> R {
    let arch = vm.arch();
    // SAFETY: `ipte_mutex` was initialised in `init` before the VM was shared; no caller
    // holds it (this file takes it only here, and `f` does not re-enter).
    unsafe { bindings::mutex_lock(addr_of_mut!((*arch).ipte_mutex)) };
    // SAFETY: `ipte_lock_count` is written only under `ipte_mutex`, held now; `held` reads
    // it without the mutex, by value.
    let r = f(unsafe { &mut *addr_of_mut!((*arch).ipte_lock_count) });
    // SAFETY: taken above.
    unsafe { bindings::mutex_unlock(addr_of_mut!((*arch).ipte_mutex)) };
    r
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
        Format::Basic => with_count(vm, |count| {
            *count += 1;
            if *count == 1 {
                update(vm, |w| ipte::acquire(Format::Basic, w));
            }
        }),
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
            Format::Basic => with_count(vm, |count| {
                *count -= 1;
                if *count == 0 {
                    update(vm, |w| Some(ipte::release(Format::Basic, w).0));
                }
                *count == 0
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
        Format::Basic => {
            // SAFETY: an aligned int of the live VM's arch; a racy read by value, as in C.
            let count = unsafe { addr_of!((*vm.arch()).ipte_lock_count).read_volatile() };
            count != 0
        }
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
