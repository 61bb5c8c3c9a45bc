// SPDX-License-Identifier: GPL-2.0

//! Asynchronous page faults ("pfault"): the host tells the guest that a page it touched is
//! being brought in, so that the guest can run something else meanwhile, and tells it again
//! when the page is there.
//!
//! The handshake is z/VM's (DIAGNOSE 0x258, "CP Programming Services", SC24-6084), which
//! Linux guests use: the guest names a token doubleword with DIAGNOSE 0x258 (`diag.rs`);
//! user space enables the mechanism for the VM with the FLIC's `KVM_DEV_FLIC_APF_ENABLE`.
//! Then a host fault on guest memory that would need I/O (the page is not resident and the
//! fault cannot be resolved without sleeping) is handed to generic KVM's async-fault worker
//! (`virt/kvm/async_pf.c`) if the guest can take the notification now; the guest gets a
//! "pfault init" external interruption (code 0x2603, parameter 0x0600, its token as the
//! second parameter) right away and, once the worker has faulted the page in, a floating
//! "pfault done" (parameter 0x0680, same token). Otherwise the fault is resolved
//! synchronously, as without pfault.
//!
//! Mainline: `kvm_arch_setup_async_pf`, `__kvm_inject_pfault_token` and the
//! `kvm_arch_async_page_*` callbacks in `arch/s390/kvm/s390/s390.c`, the `FOLL_NOWAIT`
//! attempt in `gmap/faultin.c`, the FLIC's APF groups in `interrupt.c`.
//!
//! The per-VM switch lives in the gmap (mainline's `GMAP_FLAG_PFAULT_ENABLED`): with pfault
//! off, the fault path pays one flag test for it.

use kernel::bindings;
use kernel::prelude::*;

use crate::gaccess;
use crate::interrupt;
use crate::logic::diag;
use crate::logic::interrupt::LocalIrq;
use crate::logic::prefix::GuestReal;
use crate::uapi_kvm::KvmS390Interrupt;
use crate::vcpu::Vcpu;
use crate::vm::Vm;

/// Tries to hand the fault on guest absolute address `gaddr` to the async-fault worker
/// (mainline's `kvm_arch_setup_async_pf`). Returns whether it did: the guest has a pfault
/// init pending then and is re-entered without the page; else the caller resolves the
/// fault synchronously. Called on the vCPU's thread with `kvm->srcu` held, only when pfault
/// is enabled for the VM.
pub(crate) fn setup_async(vcpu: &Vcpu, gaddr: u64) -> bool {
    let arch = vcpu.arch();
    let sie = vcpu.sie_block();
    // SAFETY: the pfault fields are the vCPU thread's (it holds the vCPU mutex); the SIE
    // block is ours while the guest is out of SIE.
    let (token_addr, select, compare, psw, cr0) = unsafe {
        (
            (*arch).pfault_token as u64,
            (*arch).pfault_select as u64,
            (*arch).pfault_compare as u64,
            (*sie).gpsw.mask,
            (*sie).gcr[0],
        )
    };
    // The pending check last: it is the expensive one.
    if !diag::async_allowed(token_addr, select, compare, psw, cr0, false)
        || interrupt::has_irq(vcpu, false)
    {
        return false;
    }
    let gfn = gaddr >> crate::logic::dat::PAGE_SHIFT;
    // SAFETY: the caller holds `kvm->srcu`, as the memslot lookup requires.
    let hva = unsafe { bindings::gfn_to_hva(vcpu.vm().as_raw(), gfn) };
    let mut token = [0u8; 8];
    // The token doubleword is in guest real storage (the guest named it so).
    if gaccess::read_real(vcpu, GuestReal(token_addr), &mut token).is_err() {
        return false;
    }
    let mut work = bindings::kvm_arch_async_pf {
        pfault_token: u64::from_be_bytes(token) as usize,
    };
    // SAFETY: on the vCPU's own thread with its mutex and `kvm->srcu` held, as generic
    // KVM requires; `work` is copied into the new work item. An invalid `hva` (no memslot)
    // makes it refuse.
    unsafe { bindings::kvm_setup_async_pf(vcpu.as_raw(), gaddr, hva as usize, &mut work) }
}

/// The token a work item carries.
///
/// # Safety
///
/// `work` is a live work item of generic KVM's async-fault code.
unsafe fn token_of(work: *mut bindings::kvm_async_pf) -> u64 {
    // SAFETY: per the contract; `arch` was set by `kvm_setup_async_pf` and not changed since.
    unsafe { (*work).arch.pfault_token as u64 }
}

/// `kvm_arch_async_page_not_present`: the fault was handed to the worker; the guest gets
/// pfault init with its token. Returns whether it was injected (always: the vCPU's local
/// interruption cannot fail for this kind).
///
/// # Safety
///
/// Called by `kvm_setup_async_pf` on the vCPU's thread (from [`setup_async`]); `work` is
/// the new, live work item.
pub(crate) unsafe fn not_present(vcpu: &Vcpu, work: *mut bindings::kvm_async_pf) -> bool {
    // SAFETY: per the contract.
    let token = unsafe { token_of(work) };
    let r = interrupt::inject_local(vcpu, LocalIrq::PfaultInit { params: 0, token }, None);
    if r.is_err() {
        warn_limited!("vcpu {}: pfault init not injected\n", vcpu.id());
    }
    r.is_ok()
}

/// `kvm_arch_async_page_present`: the worker has faulted the page in (or failed to; the
/// guest then faults again and is resolved synchronously): the VM gets pfault done with
/// the token, floating like mainline's.
///
/// # Safety
///
/// Called by the async-fault worker (process context, may sleep) for a live work item of
/// the live vCPU `vcpu` (generic KVM flushes the work before the vCPU or the VM goes). The
/// worker holds no lock of the vCPU, so only its VM is used.
pub(crate) unsafe fn present(vcpu: *mut bindings::kvm_vcpu, work: *mut bindings::kvm_async_pf) {
    // SAFETY: per the contract.
    let token = unsafe { token_of(work) };
    // SAFETY: the vCPU is live, so its VM is; `kvm` never changes.
    let vm = unsafe { Vm::from_raw((*vcpu).kvm) };
    let int = KvmS390Interrupt {
        type_: crate::logic::interrupt::irq_type::PFAULT_DONE as u32,
        parm: 0,
        parm64: token,
    };
    if interrupt::inject_float(vm, &int).is_err() {
        warn_limited!("pfault done not injected\n");
    }
}

/// Generic KVM's housekeeping of completed faults before each entry (mainline's
/// `vcpu_pre_run`): the guest was told already, so this only frees the work items. A
/// plain read of the vCPU's count of outstanding faults when there are none.
pub(crate) fn before_entry(vcpu: &Vcpu) {
    // SAFETY: `queued` is changed only under the vCPU mutex, which this thread holds (the
    // vCPU's own thread, and the FLIC's APF_DISABLE_WAIT).
    if unsafe { (*vcpu.as_raw()).async_pf.queued } == 0 {
        return;
    }
    // SAFETY: on the vCPU's own thread with its mutex held.
    unsafe { bindings::kvm_check_async_pf_completion(vcpu.as_raw()) };
}

/// Waits for the vCPU's outstanding async faults and frees them (`kvm_arch_vcpu_destroy`,
/// the resets, an invalidated token; mainline calls `kvm_clear_async_pf_completion_queue`
/// at the same places).
pub(crate) fn clear_completions(vcpu: &Vcpu) {
    // SAFETY: the `&Vcpu` says the vCPU mutex is held or the vCPU is being destroyed; the
    // list heads were initialised by generic KVM's `kvm_vcpu_init`. May sleep.
    unsafe { bindings::kvm_clear_async_pf_completion_queue(vcpu.as_raw()) };
}

/// The FLIC's `KVM_DEV_FLIC_APF_ENABLE`.
pub(crate) fn enable(vm: &Vm) {
    vm.gmap().set_pfault(true);
}

/// The FLIC's `KVM_DEV_FLIC_APF_DISABLE_WAIT`: no new async fault after this; the ones in
/// flight finish (a fault that passed the flag test holds `kvm->srcu`, which is waited for)
/// and every vCPU's completions are freed. Each vCPU's queue is cleared under that vCPU's
/// mutex, so the call waits for a vCPU that is in `KVM_RUN` to return: the vCPU's thread
/// changes the same lists without a lock. (Mainline clears them without the mutex, which
/// races with a running vCPU; QEMU calls this only with its vCPUs stopped.) EINTR if the
/// caller gets a fatal signal meanwhile.
pub(crate) fn disable_wait(vm: &Vm) -> Result {
    vm.gmap().set_pfault(false);
    // SAFETY: the VM is live; the FLIC ioctl holds no `kvm->srcu` read side.
    unsafe { bindings::synchronize_srcu(core::ptr::addr_of_mut!((*vm.as_raw()).srcu)) };
    // SAFETY: as above; reading the count of published vCPUs is always allowed.
    let online = unsafe { bindings::kvm_s390_rust_online_vcpus(vm.as_raw()) };
    for idx in 0..online.max(0) {
        // SAFETY: `idx` is below `online_vcpus`; published vCPUs live as long as the VM.
        let raw = unsafe { bindings::kvm_s390_rust_get_vcpu(vm.as_raw(), idx) };
        if raw.is_null() {
            continue;
        }
        // SAFETY: a published vCPU of a live VM; the FLIC ioctl holds no vCPU mutex.
        if unsafe { bindings::kvm_s390_rust_vcpu_mutex_lock_killable(raw) } != 0 {
            return Err(EINTR);
        }
        // SAFETY: the vCPU's mutex is held, so its thread is not changing the lists.
        unsafe { bindings::kvm_clear_async_pf_completion_queue(raw) };
        // SAFETY: taken above.
        unsafe { bindings::mutex_unlock(core::ptr::addr_of_mut!((*raw).mutex)) };
    }
    Ok(())
}
