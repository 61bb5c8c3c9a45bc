// SPDX-License-Identifier: GPL-2.0

//! KVM for s390 (IBM Z), written in Rust: the crate root of `kvm.ko`.
//!
//! Generic KVM (`virt/kvm`, linked into the same module) owns `/dev/kvm`, the file
//! descriptors, locking and memory slots; it calls the `kvm_arch_*` functions below for
//! everything s390-specific. This file is the one adapter between the two worlds: each
//! callback turns raw pointers into the backend's types, calls into the module that owns the
//! concern, and turns the `Result` into the C convention (0 or a negative errno) here and
//! nowhere else.
//!
//! Map of the backend:
//! - `kvm_host.rs`, `uapi_kvm.rs`: hardware structures and the user ABI (pure, layout-checked
//!   in `layout_checks.rs`);
//! - `logic/`: pure decisions, tested on the development host (`tests/host`);
//! - `machine.rs`: facts about the host machine; `host_mem.rs`: host address conversions;
//! - `vm.rs`, `vcpu.rs`: VM and vCPU lifecycle and state;
//! - `cpu_model.rs`: the guest's facility list and the CPU-model VM attributes;
//! - `crypto.rs`: the crypto control block and the crypto VM attributes;
//! - `migration.rs`: migration mode and its VM attributes;
//! - `gmap.rs`: guest memory (the DAT tables SIE translates guest addresses with);
//! - `run.rs` and `sie64a.S`: `KVM_RUN`, the SIE run loop and its world switch;
//! - `intercept.rs`: what is done with each exit from SIE (one `match`), calling into
//!   `instruction.rs` (the instruction table; handlers in `privileged.rs`, `css.rs`,
//!   `diag.rs`, `sigp.rs`, `tod.rs`), `interrupt.rs` (interruptions: pending state, injection,
//!   delivery, the wait state) and `gaccess.rs` (guest storage access);
//! - `operexc.rs` (operation-exception intercepts), `enable_cap.rs` (`KVM_ENABLE_CAP` and
//!   the per-VM switches), `one_reg.rs` (`KVM_{GET,SET}_ONE_REG`), `tod.rs` (guest TOD
//!   clock, SET CLOCK, memory limit), `vcpu_block.rs` (all vCPUs kept out of SIE while
//!   VM-wide state changes), `store_status.rs` (STORE STATUS), `mem_op.rs`
//!   (`KVM_S390_MEM_OP`, storage-key ioctls);
//! - `flic.rs`: the FLIC device (floating interruptions for user space), I/O adapters,
//!   adapter routes and irqfd;
//! - `pfault.rs`: asynchronous page faults (the pfault handshake with the guest);
//! - `stats.rs`: the binary statistics tables.
//!
//! What is not implemented yet answers with a defined errno, documented in
//! `Documentation/kvm_s390.rst`.
//!
//! Each callback's `# Safety` section says what generic KVM (`virt/kvm/kvm_main.c` and its
//! neighbours) guarantees for that call: which pointers are live and why, which locks the
//! caller holds, and whether it may sleep. The safety comments in the bodies rely on exactly
//! that.

use kernel::bindings;
use kernel::ffi::{c_int, c_long, c_uint, c_ulong};
use kernel::prelude::*;
use kernel::uaccess::{UserPtr, UserSlice};

/// Prints a warning at most a few times per call site and module load: for conditions a
/// guest or user space can trigger at will, which must not flood the host's log.
macro_rules! warn_limited {
    ($($arg:tt)*) => {{
        static PRINTED: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
        if PRINTED.fetch_add(1, core::sync::atomic::Ordering::Relaxed) < 5 {
            kernel::pr_warn!($($arg)*);
        }
    }};
}

pub mod cpu_model;
pub mod crypto;
pub mod css;
pub mod diag;
pub mod enable_cap;
pub mod flic;
pub mod gaccess;
pub mod gmap;
pub mod guestdbg;
pub mod host_mem;
pub mod instruction;
pub mod intercept;
pub mod interrupt;
pub mod ipte;
pub mod kvm_host;
mod layout_checks;
pub mod logic;
pub mod machine;
pub mod mem_op;
pub mod migration;
pub mod one_reg;
pub mod operexc;
pub mod pfault;
pub mod privileged;
pub mod run;
pub mod sigp;
pub mod stats;
pub mod store_status;
pub mod tod;
pub mod uapi_kvm;
pub mod vcpu;
pub mod vcpu_block;
pub mod vm;

use logic::capabilities;
use uapi_kvm::{KvmFpu, KvmRegs, KvmS390Psw, KvmSregs};
use vcpu::Vcpu;
use vm::Vm;

module! {
    type: KvmS390,
    name: "kvm",
    authors: ["kvm_s390 developers"],
    description: "Kernel-based Virtual Machine for s390 (Rust backend)",
    license: "GPL",
    alias: ["devname:kvm", "char-major-10-232"],
}

struct KvmS390;

impl kernel::Module for KvmS390 {
    fn init(module: &'static ThisModule) -> Result<Self> {
        if !machine::Machine::read().has_sie {
            // The same words as mainline: test beds and users look for them.
            pr_info!("SIE is not available\n");
            return Err(ENODEV);
        }
        // The machine's CPU features and subfunctions, before any VM can ask for them.
        cpu_model::probe_machine();
        // The FLIC device type exists before /dev/kvm does (mainline's `kvm_s390_init`).
        flic::register()?;
        let vcpu_size = core::mem::size_of::<bindings::kvm_vcpu>() as c_uint;
        // SAFETY: called once from module init; `module` is this module, alive until exit.
        kernel::error::to_result(unsafe { bindings::kvm_init(vcpu_size, 0, module.as_ptr()) })?;
        Ok(KvmS390)
    }
}

impl Drop for KvmS390 {
    fn drop(&mut self) {
        // SAFETY: `kvm_init` succeeded in `init`; module exit runs once, after every file of
        // /dev/kvm is closed (each holds a module reference).
        unsafe { bindings::kvm_exit() };
    }
}

// SAFETY: `KvmS390Psw` is two `u64`s without padding (layout-checked in `layout_checks.rs`):
// every bit pattern is a valid value.
unsafe impl kernel::transmute::FromBytes for KvmS390Psw {}
// SAFETY: integers without padding (size asserted in `uapi_kvm.rs`): any bits are valid.
unsafe impl kernel::transmute::FromBytes for uapi_kvm::KvmS390Interrupt {}
// SAFETY: as above.
unsafe impl kernel::transmute::FromBytes for uapi_kvm::KvmS390Irq {}
// SAFETY: as above.
unsafe impl kernel::transmute::FromBytes for uapi_kvm::KvmS390IrqState {}

/// Reads a `T` from the user pointer `arg` (EFAULT if it cannot).
fn read_user<T: kernel::transmute::FromBytes>(arg: c_ulong) -> Result<T> {
    UserSlice::new(UserPtr::from_addr(arg), core::mem::size_of::<T>())
        .reader()
        .read::<T>()
}

/// Converts a result to the C convention: 0, or a negative errno.
fn ret(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// As [`ret`], for ioctls whose success value is not 0 (`KVM_S390_MEM_OP` returns a
/// program-interruption code).
fn ret_value(r: Result<i32>) -> c_int {
    match r {
        Ok(v) => v,
        Err(e) => e.to_errno(),
    }
}

// ---------------------------------------------------------------------------------------------
// System (/dev/kvm) and VM callbacks.

/// System ioctls generic KVM does not know: only the historical no-op `KVM_S390_ENABLE_SIE`.
///
/// # Safety
///
/// `filp` is an open `/dev/kvm` file (unused). Generic KVM calls this from `kvm_dev_ioctl` for
/// an ioctl it does not know, holding no lock, in process context (may sleep).
#[export]
pub unsafe extern "C" fn kvm_arch_dev_ioctl(
    _filp: *mut bindings::file,
    ioctl: c_uint,
    _arg: c_ulong,
) -> c_long {
    if ioctl == uapi_kvm::KVM_S390_ENABLE_SIE {
        0
    } else {
        EINVAL.to_errno() as c_long
    }
}

/// `KVM_CHECK_EXTENSION` for what generic KVM does not answer itself (`kvm` may be null).
///
/// # Safety
///
/// `kvm` is null (`KVM_CHECK_EXTENSION` on `/dev/kvm`) or a VM that a file descriptor keeps
/// alive; it is not used. Called from `kvm_vm_ioctl_check_extension_generic`, holding no lock,
/// in process context.
#[export]
pub unsafe extern "C" fn kvm_vm_ioctl_check_extension(
    _kvm: *mut bindings::kvm,
    ext: c_long,
) -> c_int {
    let host = capabilities::Host {
        online_cpus: machine::online_cpus(),
        sca: vm::SCA_KIND,
        guest_per: machine::Machine::read().has_gpere,
        vector: cpu_model::host_has_vector(),
    };
    capabilities::value(ext as i64, &host) as c_int
}

/// Creates the architecture part of a VM.
///
/// # Safety
///
/// `kvm` is the `struct kvm` `kvm_create_vm` is building: allocated by `kvm_arch_alloc_vm`,
/// zeroed in its `arch` part, not yet on `vm_list` nor behind a file, so no other thread can
/// reach it. No lock is held; process context (may sleep and allocate).
#[export]
pub unsafe extern "C" fn kvm_arch_init_vm(kvm: *mut bindings::kvm, type_: c_ulong) -> c_int {
    // SAFETY: the VM being created lives until `kvm_arch_free_vm`, after this call.
    let vm = unsafe { Vm::from_raw(kvm) };
    ret(vm.init(type_ as u64))
}

/// Destroys the vCPUs and the architecture part of a VM.
///
/// # Safety
///
/// `kvm` is a VM on which `kvm_arch_init_vm` succeeded and which nothing else can reach any
/// more: `kvm_destroy_vm` after the last reference went (or `kvm_create_vm` unwinding), with
/// the MMU notifier unregistered, so no vCPU ioctl or notifier runs concurrently. Called once,
/// holding no lock, in process context.
#[export]
pub unsafe extern "C" fn kvm_arch_destroy_vm(kvm: *mut bindings::kvm) {
    // SAFETY: the VM is freed only by `kvm_arch_free_vm`, after this call.
    let vm = unsafe { Vm::from_raw(kvm) };
    vm.destroy();
    flic::destroy_adapters(vm);
}

/// Frees `struct kvm` as the generic default does (s390 declares `__KVM_HAVE_ARCH_VM_FREE`).
///
/// # Safety
///
/// `kvm` was allocated by `kvm_arch_alloc_vm` (kvzalloc) and is not used after this call:
/// `kvm_destroy_vm` calls it last, and `kvm_create_vm` when it unwinds, possibly without
/// `kvm_arch_init_vm` having run (the arch fields are then still zero). Called once.
#[export]
pub unsafe extern "C" fn kvm_arch_free_vm(kvm: *mut bindings::kvm) {
    // SAFETY: generic KVM allocated `kvm` with kvzalloc (`kvm_arch_alloc_vm`) and calls this
    // once, last.
    unsafe { bindings::kvfree(kvm.cast()) };
}

/// VM ioctls of the s390 ABI: the VM attributes (CPU model, `cpu_model.rs`), absolute
/// guest memory access and storage keys (`mem_op.rs`).
///
/// # Safety
///
/// `filp` is a VM file whose `private_data` is its live `struct kvm` (the open file holds a
/// reference). Called from `kvm_vm_ioctl` for an ioctl it does not know, after checking that
/// the caller's mm is the VM's, holding no lock; process context (may sleep). `arg` is the
/// user's argument, not yet copied.
#[export]
pub unsafe extern "C" fn kvm_arch_vm_ioctl(
    filp: *mut bindings::file,
    ioctl: c_uint,
    arg: c_ulong,
) -> c_int {
    // SAFETY: `filp` is an open VM file (see # Safety), valid for the call.
    let kvm = unsafe { (*filp).private_data }.cast::<bindings::kvm>();
    // SAFETY: a VM file's `private_data` is its `struct kvm`, kept alive by the open file.
    let vm = unsafe { Vm::from_raw(kvm) };
    match ioctl {
        uapi_kvm::KVM_SET_DEVICE_ATTR
        | uapi_kvm::KVM_GET_DEVICE_ATTR
        | uapi_kvm::KVM_HAS_DEVICE_ATTR => ret(vm.attr_ioctl(ioctl, arg)),
        uapi_kvm::KVM_S390_INTERRUPT => ret(read_user::<uapi_kvm::KvmS390Interrupt>(arg)
            .and_then(|int| interrupt::inject_float(vm, &int))),
        uapi_kvm::KVM_S390_MEM_OP => ret_value(mem_op::vm_mem_op(vm, arg)),
        uapi_kvm::KVM_S390_GET_SKEYS => ret_value(mem_op::get_skeys(vm, arg)),
        uapi_kvm::KVM_S390_SET_SKEYS => ret_value(mem_op::set_skeys(vm, arg)),
        uapi_kvm::KVM_S390_KEYOP => ret_value(mem_op::keyop(vm, arg)),
        // Accepted once KVM_CAP_S390_IRQCHIP is enabled, as mainline; nothing to create.
        uapi_kvm::KVM_CREATE_IRQCHIP => {
            if vm.use_irqchip() {
                0
            } else {
                EINVAL.to_errno()
            }
        }
        _ => ENOTTY.to_errno(),
    }
}

/// `KVM_ENABLE_CAP` on a VM for a capability generic KVM does not handle itself
/// (`enable_cap.rs`).
///
/// # Safety
///
/// `kvm` is the live VM of the ioctl's file; `cap` is `kvm_vm_ioctl`'s kernel copy of the
/// user's argument, on its stack and valid for the call. Called from
/// `kvm_vm_ioctl_enable_cap_generic` holding no lock; process context (may sleep).
#[export]
pub unsafe extern "C" fn kvm_vm_ioctl_enable_cap(
    kvm: *mut bindings::kvm,
    cap: *mut bindings::kvm_enable_cap,
) -> c_int {
    // SAFETY: the VM of the ioctl's file is live for the call.
    let vm = unsafe { Vm::from_raw(kvm) };
    // SAFETY: `cap` is generic KVM's kernel copy, valid for reading.
    let (capability, flags) = unsafe { ((*cap).cap, (*cap).flags) };
    ret(vm.enable_cap(capability, flags))
}

/// The architecture's check of a memory slot change.
///
/// # Safety
///
/// `kvm` is a live VM; `old` is null (`KVM_MR_CREATE`) or the current slot, `new` is null
/// (`KVM_MR_DELETE`) or the slot about to be installed, both stable for the call. Called from
/// `kvm_prepare_memory_region` with `kvm->slots_lock` and `kvm->slots_arch_lock` held;
/// process context (may sleep).
#[export]
pub unsafe extern "C" fn kvm_arch_prepare_memory_region(
    kvm: *mut bindings::kvm,
    _old: *const bindings::kvm_memory_slot,
    new: *mut bindings::kvm_memory_slot,
    change: bindings::kvm_mr_change,
) -> c_int {
    // SAFETY: the VM is live for the call (see # Safety).
    let vm = unsafe { Vm::from_raw(kvm) };
    // SAFETY: `new` is null or the slot about to be installed, stable under `slots_lock`.
    ret(unsafe { vm.prepare_memory_region(new, change) })
}

/// After a slot change: the old range of a deleted or moved slot is unmapped.
///
/// # Safety
///
/// `kvm` is a live VM; `old` and `new` are null or the slots of the change (as in
/// `kvm_arch_prepare_memory_region`), `old` still allocated although no longer installed.
/// Called from `kvm_commit_memory_region` with `kvm->slots_lock` held (not `kvm->mmu_lock`);
/// process context (may sleep).
#[export]
pub unsafe extern "C" fn kvm_arch_commit_memory_region(
    kvm: *mut bindings::kvm,
    old: *mut bindings::kvm_memory_slot,
    new: *const bindings::kvm_memory_slot,
    change: bindings::kvm_mr_change,
) {
    // SAFETY: the VM is live for the call (see # Safety).
    let vm = unsafe { Vm::from_raw(kvm) };
    // SAFETY: `old` and `new` are null or the slots of the change; `slots_lock` is held.
    unsafe { vm.commit_memory_region(old, new, change) };
}

/// `KVM_GET_DIRTY_LOG`.
///
/// # Safety
///
/// `kvm` is the live VM of the ioctl's file; `log` is `kvm_vm_ioctl`'s kernel copy of the
/// user's argument, on its stack and valid for the call. No lock is held (our implementation
/// takes `kvm->slots_lock`); process context (may sleep).
#[export]
pub unsafe extern "C" fn kvm_vm_ioctl_get_dirty_log(
    kvm: *mut bindings::kvm,
    log: *mut bindings::kvm_dirty_log,
) -> c_int {
    // SAFETY: the VM of the ioctl's file is live for the call.
    let vm = unsafe { Vm::from_raw(kvm) };
    // SAFETY: `log` is `kvm_vm_ioctl`'s kernel copy of the argument, valid for the call.
    ret(unsafe { vm.get_dirty_log(log) })
}

/// Collects the guest's changes of a slot into its dirty bitmap (storage-key change bits).
///
/// # Safety
///
/// `kvm` is a live VM and `memslot` one of its installed slots with a dirty bitmap, which
/// stays installed because the caller holds `kvm->slots_lock` (generic KVM calls this from
/// `kvm_get_dirty_log` and its protect variants, which s390 does not use; our
/// `KVM_GET_DIRTY_LOG` calls the same code itself). Process context (may sleep).
#[export]
pub unsafe extern "C" fn kvm_arch_sync_dirty_log(
    kvm: *mut bindings::kvm,
    memslot: *mut bindings::kvm_memory_slot,
) {
    // SAFETY: the VM is live for the call (see # Safety).
    let vm = unsafe { Vm::from_raw(kvm) };
    // SAFETY: `memslot` is an installed slot of this VM with a dirty bitmap, kept
    // installed by `slots_lock`.
    unsafe { vm.sync_dirty_log(memslot) };
}

/// MMU notifier: unmaps a range of guest frames. IPTE has already purged every TLB, so
/// generic KVM never needs to flush (the result only says whether anything was mapped).
///
/// # Safety
///
/// `kvm` is a live VM and `range` a range of guest frames within the installed memslot
/// `range->slot`. Called from the MMU notifier's invalidation (`kvm_handle_hva_range`) with
/// `kvm->srcu` read-held and `kvm->mmu_lock` held for writing: must not sleep.
#[export]
pub unsafe extern "C" fn kvm_unmap_gfn_range(
    kvm: *mut bindings::kvm,
    range: *mut bindings::kvm_gfn_range,
) -> bool {
    // SAFETY: the VM is live for the call (see # Safety).
    let vm = unsafe { Vm::from_raw(kvm) };
    // SAFETY: `range` is the caller's, valid for the call.
    let (slot, start, end) = unsafe { ((*range).slot, (*range).start, (*range).end) };
    // SAFETY: `slot` is the installed slot the range lies in (kept by `kvm->srcu`), and
    // `kvm->mmu_lock` is held for writing.
    unsafe { vm.unmap_gfn_range(slot, start, end) };
    false
}

/// MMU notifier: page aging is not tracked (no accessed bits are harvested), so nothing
/// reports as accessed and the host ages guest pages by its own means.
///
/// # Safety
///
/// `kvm` is a live VM and `range` lies in an installed slot (both unused). With
/// `KVM_MMU_LOCKLESS_AGING`, the MMU notifier calls this holding only `kvm->srcu`, possibly in
/// a context that must not sleep.
#[export]
pub unsafe extern "C" fn kvm_age_gfn(
    _kvm: *mut bindings::kvm,
    _range: *mut bindings::kvm_gfn_range,
) -> bool {
    false
}

/// MMU notifier: see `kvm_age_gfn`.
///
/// # Safety
///
/// As for `kvm_age_gfn`: `kvm` and `range` are live and unused; only `kvm->srcu` is held;
/// must not sleep.
#[export]
pub unsafe extern "C" fn kvm_test_age_gfn(
    _kvm: *mut bindings::kvm,
    _range: *mut bindings::kvm_gfn_range,
) -> bool {
    false
}

/// The FLIC and adapter routes are the in-kernel interrupt controller; always present, as
/// on mainline (`KVM_SIGNAL_MSI` then reaches `kvm_set_msi`, which refuses it).
///
/// # Safety
///
/// `kvm` is a live VM (unused). Called from `kvm_send_userspace_msi` (`KVM_SIGNAL_MSI`)
/// holding no lock; process context.
#[export]
pub unsafe extern "C" fn kvm_arch_irqchip_in_kernel(_kvm: *mut bindings::kvm) -> bool {
    true
}

/// `KVM_IRQFD` is allowed: an irqfd on the GSI of an adapter route injects an adapter
/// interruption (`flic.rs`), in the eventfd's wake-up where the route's indicator pages
/// are mapped (`kvm_arch_set_irq_inatomic` below), else in generic KVM's irqfd worker.
///
/// # Safety
///
/// `kvm` is a live VM and `args` `kvm_irqfd`'s kernel copy of the argument (both unused).
/// Called from `kvm_irqfd_assign` holding no lock; process context.
#[export]
pub unsafe extern "C" fn kvm_arch_irqfd_allowed(
    _kvm: *mut bindings::kvm,
    _args: *mut bindings::kvm_irqfd,
) -> bool {
    true
}

/// `KVM_SET_GSI_ROUTING`: an entry of the new table; only adapter routes exist on s390
/// (`flic.rs`).
///
/// # Safety
///
/// `kvm` is a live VM; `e` the kernel entry being built and `ue` the user's entry, already
/// copied into the kernel. Called from `kvm_set_irq_routing` while it builds the new table,
/// before it takes `kvm->irq_lock`; process context.
#[export]
pub unsafe extern "C" fn kvm_set_routing_entry(
    kvm: *mut bindings::kvm,
    e: *mut bindings::kvm_kernel_irq_routing_entry,
    ue: *const bindings::kvm_irq_routing_entry,
) -> c_int {
    // SAFETY: as in # Safety, which is `flic::set_routing_entry`'s contract.
    ret(unsafe { flic::set_routing_entry(kvm, e, ue) })
}

/// An irqfd fired: the atomic fast path of its route, or `-EWOULDBLOCK` for generic KVM's
/// worker (`flic.rs`). Overrides generic KVM's weak default.
///
/// # Safety
///
/// `e` is a copy of the irqfd's routing entry and `kvm` its live VM. Called from
/// `irqfd_wakeup` with the eventfd's wait-queue lock held, interrupts disabled, and
/// `kvm->irq_srcu` held: it must not sleep.
#[export]
pub unsafe extern "C" fn kvm_arch_set_irq_inatomic(
    e: *mut bindings::kvm_kernel_irq_routing_entry,
    kvm: *mut bindings::kvm,
    _irq_source_id: c_int,
    level: c_int,
    _line_status: bool,
) -> c_int {
    // SAFETY: as in # Safety, which is `flic::set_irq_inatomic`'s contract.
    unsafe { flic::set_irq_inatomic(e, kvm, level) }
}

/// MSI injection does not exist on s390.
///
/// # Safety
///
/// `e` is a routing entry on the caller's stack and `kvm` a live VM (both unused). Reached
/// through `KVM_SIGNAL_MSI`; no MSI route can exist (`kvm_set_routing_entry`).
#[export]
pub unsafe extern "C" fn kvm_set_msi(
    _e: *mut bindings::kvm_kernel_irq_routing_entry,
    _kvm: *mut bindings::kvm,
    _irq_source_id: c_int,
    _level: c_int,
    _line_status: bool,
) -> c_int {
    EINVAL.to_errno()
}

// ---------------------------------------------------------------------------------------------
// vCPU callbacks. Generic KVM holds `vcpu->mutex` around the vCPU ioctls (except
// `kvm_arch_vcpu_unlocked_ioctl`); the lifecycle and scheduling callbacks say what they get
// instead.

/// Checks that a vCPU id has room in the VM's SCA.
///
/// # Safety
///
/// `kvm` is the live VM of `KVM_CREATE_VCPU` (unused; only `id` is checked). Called from
/// `kvm_vm_ioctl_create_vcpu` with `kvm->lock` held, before the vCPU is allocated; process
/// context.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_precreate(_kvm: *mut bindings::kvm, id: c_uint) -> c_int {
    ret(Vcpu::precreate(id))
}

/// Creates the architecture part of a vCPU.
///
/// # Safety
///
/// `vcpu` is a zeroed `struct kvm_vcpu` that `kvm_vcpu_init` has filled in (`kvm`, `vcpu_id`,
/// and `run`, a zeroed page), not yet reachable by any other thread (it is put into
/// `kvm->vcpu_array` only after this returns). Called from `kvm_vm_ioctl_create_vcpu` with
/// `kvm->lock` held; process context (may sleep and allocate).
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_create(vcpu: *mut bindings::kvm_vcpu) -> c_int {
    // SAFETY: the vCPU is allocated until after `kvm_arch_vcpu_destroy`, and not yet
    // reachable by other threads.
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    ret(vcpu.create())
}

/// Makes a created vCPU known to the hardware (its SCA entry).
///
/// # Safety
///
/// `vcpu` is a vCPU that `kvm_arch_vcpu_create` set up and that is now published (its file
/// exists, `online_vcpus` counts it), so its own ioctls may already run. Called from
/// `kvm_vm_ioctl_create_vcpu` with `kvm->lock` held, which orders this against other vCPUs'
/// creation and `kvm_arch_vcpu_destroy`; process context.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_postcreate(vcpu: *mut bindings::kvm_vcpu) {
    // SAFETY: the vCPU is live (its file holds the VM, which destroys it); the reference
    // is used only for `postcreate`, which the invariant lets run beside the vCPU's ioctls.
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    vcpu.postcreate();
}

/// Destroys the architecture part of a vCPU.
///
/// # Safety
///
/// `vcpu` is a vCPU whose `kvm_arch_vcpu_create` succeeded and which nothing can reach any more:
/// either `kvm_destroy_vcpus` from our `kvm_arch_destroy_vm` (no file refers to the VM or the
/// vCPU), or `kvm_vm_ioctl_create_vcpu` unwinding under `kvm->lock` before the vCPU was
/// published (then `kvm_arch_vcpu_postcreate` has not run). Called once; process context.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_destroy(vcpu: *mut bindings::kvm_vcpu) {
    // SAFETY: generic KVM frees the vCPU only after this call, and nothing else can reach
    // it any more (see # Safety).
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    guestdbg::destroy(vcpu);
    vcpu.destroy();
}

/// The vCPU's thread runs on a host CPU now.
///
/// # Safety
///
/// `vcpu` is a live vCPU and the current thread its user: `vcpu_load` (from an ioctl holding
/// `vcpu->mutex`) or the preemption notifier's sched-in of that thread. Preemption is
/// disabled: must not sleep.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_load(vcpu: *mut bindings::kvm_vcpu, _cpu: c_int) {
    // SAFETY: the vCPU is live, and its thread, which runs this, holds `vcpu->mutex`
    // (`vcpu_load` is called from the ioctls, the notifier only between `vcpu_load` and
    // `vcpu_put`).
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    vcpu.set_loaded(true);
}

/// Counterpart of `kvm_arch_vcpu_load`.
///
/// # Safety
///
/// As for `kvm_arch_vcpu_load`: `vcpu_put` or the sched-out notifier of the vCPU's thread, with
/// preemption disabled; must not sleep.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_put(vcpu: *mut bindings::kvm_vcpu) {
    // SAFETY: as in `kvm_arch_vcpu_load`.
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    vcpu.set_loaded(false);
}

/// `KVM_RUN`: runs the guest until something needs user space (`run.rs`).
///
/// # Safety
///
/// `vcpu` is the live vCPU of the ioctl's file, and the current thread holds `vcpu->mutex`
/// (`kvm_vcpu_ioctl`, `KVM_RUN`), so no other ioctl of this vCPU runs; the vCPU is not loaded
/// yet. Process context (may sleep).
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_ioctl_run(vcpu: *mut bindings::kvm_vcpu) -> c_int {
    // SAFETY: the vCPU of the ioctl's file is live and `vcpu->mutex` is held.
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    match vcpu.run_ioctl() {
        Ok(()) => 0,
        // The most frequent error, spelled out: `to_errno` is a call into the kernel crate.
        Err(e) if e == EINTR => -(bindings::EINTR as c_int),
        Err(e) => e.to_errno(),
    }
}

/// `KVM_GET_REGS`: the general registers.
///
/// # Safety
///
/// `vcpu` is live and the caller holds `vcpu->mutex` (`kvm_vcpu_ioctl`); `regs` is a
/// `struct kvm_regs` that `kvm_vcpu_ioctl` allocated (kzalloc) and copies to user space after
/// the call, valid for writing. Process context.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_ioctl_get_regs(
    vcpu: *mut bindings::kvm_vcpu,
    regs: *mut bindings::kvm_regs,
) -> c_int {
    // SAFETY: the vCPU of the ioctl's file is live and `vcpu->mutex` is held.
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    // SAFETY: `regs` is generic KVM's allocation, valid for writing; `KvmRegs` is
    // layout-checked against `struct kvm_regs`.
    unsafe { regs.cast::<KvmRegs>().write(vcpu.get_regs()) };
    0
}

/// `KVM_SET_REGS`.
///
/// # Safety
///
/// `vcpu` is live and the caller holds `vcpu->mutex`; `regs` is `kvm_vcpu_ioctl`'s kernel
/// copy of the user's argument (memdup_user), valid for reading. Process context.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_ioctl_set_regs(
    vcpu: *mut bindings::kvm_vcpu,
    regs: *mut bindings::kvm_regs,
) -> c_int {
    // SAFETY: the vCPU of the ioctl's file is live and `vcpu->mutex` is held.
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    // SAFETY: `regs` is generic KVM's kernel copy, valid for reading; `KvmRegs` is
    // layout-checked against `struct kvm_regs`, and any bits are valid.
    let regs = unsafe { regs.cast::<KvmRegs>().read() };
    vcpu.set_regs(&regs);
    0
}

/// `KVM_GET_SREGS`: access and control registers.
///
/// # Safety
///
/// `vcpu` is live and the caller holds `vcpu->mutex`; `sregs` is a `struct kvm_sregs` that
/// `kvm_vcpu_ioctl` allocated, valid for writing. Process context.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_ioctl_get_sregs(
    vcpu: *mut bindings::kvm_vcpu,
    sregs: *mut bindings::kvm_sregs,
) -> c_int {
    // SAFETY: the vCPU of the ioctl's file is live and `vcpu->mutex` is held.
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    // SAFETY: `sregs` is generic KVM's allocation, valid for writing; `KvmSregs` is
    // layout-checked against `struct kvm_sregs`.
    unsafe { sregs.cast::<KvmSregs>().write(vcpu.get_sregs()) };
    0
}

/// `KVM_SET_SREGS`.
///
/// # Safety
///
/// `vcpu` is live and the caller holds `vcpu->mutex`; `sregs` is `kvm_vcpu_ioctl`'s kernel copy
/// of the user's argument, valid for reading. Process context.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_ioctl_set_sregs(
    vcpu: *mut bindings::kvm_vcpu,
    sregs: *mut bindings::kvm_sregs,
) -> c_int {
    // SAFETY: the vCPU of the ioctl's file is live and `vcpu->mutex` is held.
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    // SAFETY: `sregs` is generic KVM's kernel copy, valid for reading; `KvmSregs` is
    // layout-checked against `struct kvm_sregs`, and any bits are valid.
    let sregs = unsafe { sregs.cast::<KvmSregs>().read() };
    vcpu.set_sregs(&sregs);
    0
}

/// `KVM_GET_FPU`: floating-point registers and FPC.
///
/// # Safety
///
/// `vcpu` is live and the caller holds `vcpu->mutex`; `fpu` is a `struct kvm_fpu` that
/// `kvm_vcpu_ioctl` allocated, valid for writing. Process context.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_ioctl_get_fpu(
    vcpu: *mut bindings::kvm_vcpu,
    fpu: *mut bindings::kvm_fpu,
) -> c_int {
    // SAFETY: the vCPU of the ioctl's file is live and `vcpu->mutex` is held.
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    // SAFETY: `fpu` is generic KVM's allocation, valid for writing; `KvmFpu` is
    // layout-checked against `struct kvm_fpu`.
    unsafe { fpu.cast::<KvmFpu>().write(vcpu.get_fpu()) };
    0
}

/// `KVM_SET_FPU`.
///
/// # Safety
///
/// `vcpu` is live and the caller holds `vcpu->mutex`; `fpu` is `kvm_vcpu_ioctl`'s kernel copy of
/// the user's argument, valid for reading. Process context.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_ioctl_set_fpu(
    vcpu: *mut bindings::kvm_vcpu,
    fpu: *mut bindings::kvm_fpu,
) -> c_int {
    // SAFETY: the vCPU of the ioctl's file is live and `vcpu->mutex` is held.
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    // SAFETY: `fpu` is generic KVM's kernel copy, valid for reading; `KvmFpu` is
    // layout-checked against `struct kvm_fpu`, and any bits are valid.
    let fpu = unsafe { fpu.cast::<KvmFpu>().read() };
    vcpu.set_fpu(&fpu);
    0
}

/// `KVM_GET_MP_STATE`: stopped or operating, stored in `mp_state` with the result 0, as
/// api.rst specifies. Mainline 7.3 returns the state as the ioctl's result instead and
/// leaves the struct alone (Documentation/kvm_s390.rst).
///
/// # Safety
///
/// `vcpu` is live and the caller holds `vcpu->mutex`; `mp_state` is on `kvm_vcpu_ioctl`'s
/// stack, valid for writing, and copied to user space after the call.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_ioctl_get_mpstate(
    vcpu: *mut bindings::kvm_vcpu,
    mp_state: *mut bindings::kvm_mp_state,
) -> c_int {
    // SAFETY: the vCPU of the ioctl's file is live and `vcpu->mutex` is held.
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    // SAFETY: `mp_state` is generic KVM's kernel struct, valid for writing.
    unsafe { (*mp_state).mp_state = vcpu.mp_state() };
    0
}

/// `KVM_SET_MP_STATE`: stops or starts the vCPU; from now on user space controls the
/// stopped state of the VM's vCPUs.
///
/// # Safety
///
/// `vcpu` is live and the caller holds `vcpu->mutex`; `mp_state` is `kvm_vcpu_ioctl`'s copy of
/// the argument, on its stack.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_ioctl_set_mpstate(
    vcpu: *mut bindings::kvm_vcpu,
    mp_state: *mut bindings::kvm_mp_state,
) -> c_int {
    // SAFETY: the vCPU of the ioctl's file is live and `vcpu->mutex` is held.
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    // SAFETY: `mp_state` is generic KVM's kernel copy, valid for reading.
    let state = unsafe { (*mp_state).mp_state };
    ret(vcpu.set_mp_state(state))
}

/// `KVM_SET_GUEST_DEBUG`: single-step and hardware-breakpoint debugging on or off
/// (guestdbg.rs).
///
/// # Safety
///
/// `vcpu` is live and the caller holds `vcpu->mutex`; `dbg` is `kvm_vcpu_ioctl`'s copy of the
/// argument, on its stack.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_ioctl_set_guest_debug(
    vcpu: *mut bindings::kvm_vcpu,
    dbg: *mut bindings::kvm_guest_debug,
) -> c_int {
    // SAFETY: the vCPU of the ioctl's file is live and `vcpu->mutex` is held.
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    // SAFETY: `dbg` is generic KVM's kernel copy, valid for reading.
    ret(guestdbg::set_guest_debug(vcpu, unsafe { &*dbg }))
}

/// `KVM_TRANSLATE` does not exist on s390 (mainline: EINVAL).
///
/// # Safety
///
/// `vcpu` is live and the caller holds `vcpu->mutex`; `tr` is `kvm_vcpu_ioctl`'s copy of the
/// argument, on its stack (both unused).
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_ioctl_translate(
    _vcpu: *mut bindings::kvm_vcpu,
    _tr: *mut bindings::kvm_translation,
) -> c_int {
    EINVAL.to_errno()
}

/// `KVM_PRE_FAULT_MEMORY`: maps the first page of the range as a guest access would; the
/// generic caller loops over the rest.
///
/// # Safety
///
/// `vcpu` is live, the caller holds `vcpu->mutex`, has loaded the vCPU (`vcpu_load`) and
/// holds `kvm->srcu` for reading, not `kvm->mmu_lock`; `range` is
/// `kvm_vcpu_pre_fault_memory`'s kernel copy of the argument, its `gpa` page aligned.
/// Process context (may sleep).
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_pre_fault_memory(
    vcpu: *mut bindings::kvm_vcpu,
    range: *mut bindings::kvm_pre_fault_memory,
) -> c_long {
    // SAFETY: the vCPU of the ioctl's file is live and `vcpu->mutex` is held.
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    // SAFETY: `range` is generic KVM's kernel copy of the argument, valid for the call.
    let gpa = unsafe { (*range).gpa };
    // `pre_fault` relies on `kvm->srcu` being held and `kvm->mmu_lock` not: see # Safety.
    match vcpu.pre_fault(gpa) {
        Ok(bytes) => bytes as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

/// The s390 vCPU ioctls that take the vCPU mutex.
///
/// # Safety
///
/// `filp` is a vCPU file whose `private_data` is its live `struct kvm_vcpu` (the open file
/// holds a reference on the VM); the caller (`kvm_vcpu_ioctl`, after checking that the
/// caller's mm is the VM's) holds `vcpu->mutex`. `arg` is the user's argument, not yet
/// copied. Process context (may sleep).
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_ioctl(
    filp: *mut bindings::file,
    ioctl: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: `filp` is an open vCPU file (see # Safety), valid for the call.
    let vcpu = unsafe { (*filp).private_data }.cast::<bindings::kvm_vcpu>();
    // SAFETY: a vCPU file's `private_data` is its `struct kvm_vcpu`, live while the file is
    // open (the file holds the VM, which destroys its vCPUs); `vcpu->mutex` is held.
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    let r = match ioctl {
        uapi_kvm::KVM_S390_SET_INITIAL_PSW => {
            let mut reader =
                UserSlice::new(UserPtr::from_addr(arg), core::mem::size_of::<KvmS390Psw>())
                    .reader();
            reader
                .read::<KvmS390Psw>()
                .and_then(|psw| vcpu.set_initial_psw(&psw))
        }
        uapi_kvm::KVM_S390_INITIAL_RESET => {
            vcpu.initial_reset();
            Ok(())
        }
        uapi_kvm::KVM_ENABLE_CAP => vcpu.enable_cap_ioctl(arg),
        uapi_kvm::KVM_GET_ONE_REG | uapi_kvm::KVM_SET_ONE_REG => vcpu.one_reg_ioctl(ioctl, arg),
        uapi_kvm::KVM_S390_NORMAL_RESET => {
            vcpu.normal_reset();
            Ok(())
        }
        uapi_kvm::KVM_S390_CLEAR_RESET => {
            vcpu.clear_reset();
            Ok(())
        }
        uapi_kvm::KVM_S390_STORE_STATUS => {
            // SAFETY: this thread holds the vCPU mutex, so it may take the vCPU's srcu
            // read side (released below), which guest memory access needs.
            unsafe { bindings::kvm_s390_rust_vcpu_srcu_read_lock(vcpu.as_raw()) };
            let r = store_status::store_status_unloaded(vcpu, arg as u64);
            // SAFETY: taken above.
            unsafe { bindings::kvm_s390_rust_vcpu_srcu_read_unlock(vcpu.as_raw()) };
            r
        }
        uapi_kvm::KVM_S390_SET_IRQ_STATE => {
            read_user::<uapi_kvm::KvmS390IrqState>(arg).and_then(|st| {
                // `flags` is ignored: old user space leaves garbage there (mainline).
                if !logic::interrupt::set_irq_state_len_valid(st.len) {
                    return Err(EINVAL);
                }
                interrupt::set_irq_state(vcpu, st.buf, st.len)
            })
        }
        uapi_kvm::KVM_S390_GET_IRQ_STATE => {
            return match read_user::<uapi_kvm::KvmS390IrqState>(arg).and_then(|st| {
                if st.len == 0 {
                    return Err(EINVAL);
                }
                interrupt::get_irq_state(vcpu, st.buf, st.len)
            }) {
                Ok(n) => n as c_long,
                Err(e) => e.to_errno() as c_long,
            };
        }
        uapi_kvm::KVM_S390_MEM_OP => {
            return ret_value(mem_op::vcpu_mem_op(vcpu, arg)) as c_long;
        }
        uapi_kvm::KVM_S390_VCPU_FAULT => mem_op::vcpu_fault(vcpu, arg),
        _ => Err(ENOTTY),
    };
    ret(r) as c_long
}

/// The s390 vCPU ioctls that must not wait for the vCPU mutex: interrupt injection
/// (`KVM_S390_IRQ`, `KVM_S390_INTERRUPT`), as mainline's async ioctls. Others go on to
/// `kvm_arch_vcpu_ioctl`.
///
/// # Safety
///
/// `filp` is a vCPU file of a live vCPU. Called from `kvm_vcpu_ioctl` *without*
/// `vcpu->mutex`, concurrently with any ioctl of the vCPU, including `KVM_RUN`; process
/// context.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_unlocked_ioctl(
    filp: *mut bindings::file,
    ioctl: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: `filp` is an open vCPU file (see # Safety), valid for the call.
    let raw = unsafe { (*filp).private_data }.cast::<bindings::kvm_vcpu>();
    // SAFETY: the vCPU is live while its file is open. The mutex is NOT held: the reference
    // is only used for injection (`interrupt::inject_local`), which takes the vCPU's
    // interrupt lock and touches only atomic or lock-protected state.
    let vcpu = unsafe { Vcpu::from_raw(raw) };
    let r = match ioctl {
        uapi_kvm::KVM_S390_IRQ => read_user::<uapi_kvm::KvmS390Irq>(arg).and_then(|irq| {
            let req = logic::interrupt::local_from_irq(irq.type_, &irq.u).map_err(|_| EINVAL)?;
            let pgm = logic::interrupt::pgm_from_payload(&irq.u);
            interrupt::inject_local(vcpu, req, Some(pgm))
        }),
        uapi_kvm::KVM_S390_INTERRUPT => {
            read_user::<uapi_kvm::KvmS390Interrupt>(arg).and_then(|int| {
                let req = logic::interrupt::interrupt_to_irq(int.type_, int.parm, int.parm64)
                    .map_err(|_| EINVAL)?;
                interrupt::inject_local(vcpu, req, None)
            })
        }
        _ => return -(bindings::ENOIOCTLCMD as c_long),
    };
    if r.is_ok() {
        guestdbg::injected_from_user(vcpu);
    }
    ret(r) as c_long
}

/// No page of the vCPU file is mappable besides `kvm_run`, which generic KVM maps itself.
///
/// # Safety
///
/// `vcpu` is the live vCPU of a mapped vCPU file and `vmf` the fault being handled (both
/// unused). Called from the page-fault handler of that mapping (`kvm_vcpu_fault`) with the
/// mm's `mmap_lock` held for reading, without `vcpu->mutex`.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_fault(
    _vcpu: *mut bindings::kvm_vcpu,
    _vmf: *mut bindings::vm_fault,
) -> bindings::vm_fault_t {
    bindings::vm_fault_reason_VM_FAULT_SIGBUS
}

/// Whether the vCPU has an interruption to take, a due timer or a pending stop (mainline:
/// `kvm_s390_vcpu_has_irq(vcpu, 0)`).
///
/// # Safety
///
/// `vcpu` is a live vCPU. Asked by its own thread blocking in `kvm_vcpu_halt` (with
/// `vcpu->mutex` held), and by `kvm_vcpu_on_spin` on another vCPU's thread (without this
/// vCPU's mutex); only atomic and racy reads are done, which both tolerate.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_runnable(vcpu: *mut bindings::kvm_vcpu) -> c_int {
    // SAFETY: the vCPU is live; `has_irq` only reads atomics and plain fields racily.
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    c_int::from(interrupt::has_irq(vcpu, false))
}

/// Whether the clock comparator or the CPU timer is due and enabled.
///
/// # Safety
///
/// `vcpu` is a live vCPU, asked by its own thread blocking in `kvm_vcpu_halt`
/// (`kvm_vcpu_check_block`, with `vcpu->mutex` held).
#[export]
pub unsafe extern "C" fn kvm_cpu_has_pending_timer(vcpu: *mut bindings::kvm_vcpu) -> c_int {
    // SAFETY: as above.
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    c_int::from(interrupt::pending_timer(vcpu))
}

/// Whether the guest is in supervisor state (generic KVM's directed-yield heuristics).
///
/// # Safety
///
/// `vcpu` is a live vCPU, but not necessarily the caller's: `kvm_vcpu_on_spin` asks about
/// other vCPUs of the VM, and the perf guest callbacks ask in interrupt context. No lock of
/// the vCPU is held and its guest may be running: must not sleep, and every read may race.
#[export]
pub unsafe extern "C" fn kvm_arch_vcpu_in_kernel(vcpu: *mut bindings::kvm_vcpu) -> bool {
    // SAFETY: the vCPU is live (see # Safety); the reference is used only for `in_kernel`,
    // which the invariant lets run without `vcpu->mutex` (its read may race, as a
    // heuristic's may).
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    vcpu.in_kernel()
}

/// Whether the halt that follows skips polling: it does while this CPU's steal time
/// reaches the `halt_poll_max_steal` parameter (mainline's rule, counted in
/// `halt_no_poll_steal`).
///
/// # Safety
///
/// `vcpu` is the live vCPU whose own thread is about to halt in `kvm_vcpu_halt` (from
/// `interrupt::handle_wait`), holding `vcpu->mutex`, preemptible.
#[export]
pub unsafe extern "C" fn kvm_arch_no_poll(vcpu: *mut bindings::kvm_vcpu) -> bool {
    // SAFETY: reads a module parameter; no precondition.
    let max = unsafe { bindings::kvm_s390_rust_halt_poll_max_steal() };
    // SAFETY: reads this CPU's lowcore; a migration to another CPU in between only makes
    // the figure older, as in mainline.
    let steal = unsafe { bindings::kvm_s390_rust_steal_percent() };
    if steal < u64::from(max) {
        return false;
    }
    // SAFETY: the vCPU is live and its thread holds the mutex (see # Safety).
    let vcpu = unsafe { Vcpu::from_raw(vcpu) };
    stats::count!(vcpu, halt_no_poll_steal);
    true
}

// Asynchronous page faults (pfault, `pfault.rs`): generic KVM's worker calls these.

/// A fault was handed to the async-fault worker: the guest gets pfault init with its token.
///
/// # Safety
///
/// `vcpu` is the live vCPU whose thread calls this from `kvm_setup_async_pf` (reached only
/// through `pfault::setup_async`, with the vCPU mutex and `kvm->srcu` held); `work` is the
/// new, live work item.
#[export]
pub unsafe extern "C" fn kvm_arch_async_page_not_present(
    vcpu: *mut bindings::kvm_vcpu,
    work: *mut bindings::kvm_async_pf,
) -> bool {
    // SAFETY: as above.
    unsafe { pfault::not_present(Vcpu::from_raw(vcpu), work) }
}

/// The worker has faulted the page in: the VM gets pfault done with the token.
///
/// # Safety
///
/// Called by the async-fault worker (`async_pf_execute`, process context) for a live work
/// item of a live vCPU: generic KVM flushes the work before the vCPU or the VM goes. No
/// lock of the vCPU is held, so only its thread-safe parts (injection) are used.
#[export]
pub unsafe extern "C" fn kvm_arch_async_page_present(
    vcpu: *mut bindings::kvm_vcpu,
    work: *mut bindings::kvm_async_pf,
) {
    // SAFETY: as above.
    unsafe { pfault::present(vcpu, work) }
}

/// Nothing to do when a completed fault is dequeued: the guest was told by
/// `kvm_arch_async_page_present` already (as in mainline).
///
/// # Safety
///
/// `vcpu` and `work` are live (both unused), from `kvm_check_async_pf_completion` on the
/// vCPU's thread.
#[export]
pub unsafe extern "C" fn kvm_arch_async_page_ready(
    _vcpu: *mut bindings::kvm_vcpu,
    _work: *mut bindings::kvm_async_pf,
) {
}

/// Completed async faults may always be dequeued.
///
/// # Safety
///
/// `vcpu` is a live vCPU (unused), the current thread's, from
/// `kvm_check_async_pf_completion` (`pfault::before_entry`).
#[export]
pub unsafe extern "C" fn kvm_arch_can_dequeue_async_page_present(
    _vcpu: *mut bindings::kvm_vcpu,
) -> bool {
    true
}
