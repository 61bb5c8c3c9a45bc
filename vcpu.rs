// SPDX-License-Identifier: GPL-2.0

//! vCPU lifecycle and register state: the SIE control block, its SCA entry, and the
//! register ioctls generic KVM forwards to the architecture.
//!
//! Where the state lives, as in mainline (`arch/s390/kvm/s390/s390.c`) because user space
//! sees it there: general and access registers, the floating-point registers and FPC in the
//! sync-register area of `kvm_run`; control registers and the PSW in the SIE control block,
//! the PSW also in `kvm_run` (`psw_mask`/`psw_addr`) until the first `KVM_RUN`.
//!
//! Both the SIE control block (hardware, other vCPUs) and `kvm_run` (mmapped by user space)
//! can change under us: they are only accessed through raw pointers, volatile or atomic.
//! Generic KVM holds `vcpu->mutex` around every vCPU ioctl and around create/destroy.

use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use kernel::bindings;
use kernel::prelude::*;
use kernel::types::Opaque;

use crate::host_mem::virt_to_phys;
use crate::kvm_host::{self, cpustat, eca, ecb, ictl, Psw, SieBlock, SiePage};
use crate::logic::cpu_reset::ResettableState;
use crate::logic::facilities;
use crate::logic::psw;
use crate::logic::vector;
use crate::uapi_kvm::{KvmFpu, KvmRegs, KvmS390Psw, KvmSregs, SYNC_REGS_BPBC_BIT};
use crate::vm::{Vm, SCA_KIND};

/// Sync-register sets `kvm_run` carries for this backend (`kvm_valid_regs`): exactly the
/// ones `sync_regs_in`/`sync_regs_out` switch, which are mainline's set on a machine
/// without the runtime-instrumentation, guarded-storage, BPB and etoken facilities
/// (`kvm_arch_vcpu_create`), plus [`FP_SYNC_REGS`].
const VALID_SYNC_REGS: u64 = (bindings::KVM_SYNC_PREFIX
    | bindings::KVM_SYNC_GPRS
    | bindings::KVM_SYNC_ACRS
    | bindings::KVM_SYNC_CRS
    | bindings::KVM_SYNC_ARCH0
    | bindings::KVM_SYNC_PFAULT
    | bindings::KVM_SYNC_DIAG318) as u64;

/// The floating-point registers' set: as mainline, the vector registers (whose leftmost
/// halves are the FPRs) on a host with the vector facility, whether or not the guest's
/// model has it, else the FPRs.
fn fp_sync_regs(host_vector: bool) -> u64 {
    u64::from(if host_vector {
        bindings::KVM_SYNC_VRS
    } else {
        bindings::KVM_SYNC_FPRS
    })
}

/// A vCPU: generic KVM's `struct kvm_vcpu`, of which the architecture owns `arch`.
///
/// Handed out only as `&Vcpu` (from [`Vcpu::from_raw`]), never owned: generic KVM
/// allocates and frees the `struct kvm_vcpu`. Its fields, the SIE block and `kvm_run` can
/// change behind the reference (other vCPUs, the hardware, user space), so they are only
/// reached through raw pointers, volatile or atomic.
///
/// # Invariants
///
/// A `&Vcpu` refers to a live `struct kvm_vcpu` for as long as the reference lives, and
/// while it is used for anything but [`Vcpu::in_kernel`] and [`Vcpu::postcreate`], no
/// other thread runs a vCPU ioctl or lifecycle callback on the vCPU: generic KVM holds
/// `vcpu->mutex` for the holder of the reference, or the vCPU is not reachable by other
/// threads.
#[repr(transparent)]
pub struct Vcpu {
    inner: Opaque<bindings::kvm_vcpu>,
}

impl Vcpu {
    /// Borrows a vCPU pointer received from generic KVM for `'a`.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a `struct kvm_vcpu` that stays alive for `'a`, and, unless the
    /// reference is only used for [`Vcpu::in_kernel`] or [`Vcpu::postcreate`], no other
    /// thread may run a vCPU ioctl or lifecycle callback on it during `'a` (generic KVM
    /// holds `vcpu->mutex`, or has not published the vCPU yet, or no longer can reach it).
    /// The callbacks' `# Safety` sections in `kvm_s390.rs` say which case applies to each.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::kvm_vcpu) -> &'a Self {
        // SAFETY: the caller guarantees that `ptr` is valid for `'a`; `Vcpu` is
        // `repr(transparent)` over `Opaque<bindings::kvm_vcpu>`, which has the layout of
        // `bindings::kvm_vcpu` and allows the C side to change it behind the reference.
        //
        // INVARIANT: liveness and exclusion for `'a` are the caller's guarantee.
        unsafe { &*ptr.cast::<Self>() }
    }

    /// The raw pointer, for calls into C.
    pub fn as_raw(&self) -> *mut bindings::kvm_vcpu {
        self.inner.get()
    }

    pub(crate) fn arch(&self) -> *mut bindings::kvm_vcpu_arch {
        // SAFETY: the `struct kvm_vcpu` is live (type invariant); taking a field's address
        // creates no reference.
        unsafe { addr_of_mut!((*self.as_raw()).arch) }
    }

    pub(crate) fn id(&self) -> i32 {
        // SAFETY: live (type invariant); `vcpu_id` is set by `kvm_vcpu_init` before
        // `kvm_arch_vcpu_create` and never changes.
        unsafe { (*self.as_raw()).vcpu_id }
    }

    /// The VM this vCPU belongs to, borrowed for as long as the vCPU.
    pub(crate) fn vm(&self) -> &Vm {
        // SAFETY: `kvm` is set by `kvm_vcpu_init` and never changes; the VM outlives its
        // vCPUs (they are destroyed from `kvm_arch_destroy_vm`, before `kvm_arch_free_vm`),
        // so it is live for as long as `self` is borrowed.
        unsafe { Vm::from_raw((*self.as_raw()).kvm) }
    }

    pub(crate) fn sie_block(&self) -> *mut SieBlock {
        // SAFETY: `arch()` is valid; `sie_block` is set in `create` and cleared in `destroy`.
        unsafe { (*self.arch()).sie_block.cast::<SieBlock>() }
    }

    pub(crate) fn run(&self) -> *mut bindings::kvm_run {
        // SAFETY: live (type invariant); `run` is allocated by generic KVM before
        // `kvm_arch_vcpu_create`, freed after `kvm_arch_vcpu_destroy`, and never changes.
        unsafe { (*self.as_raw()).run }
    }

    fn sync_regs(&self) -> *mut bindings::kvm_sync_regs {
        // SAFETY: `run()` is valid; taking a field address through the union creates no
        // reference.
        unsafe { addr_of_mut!((*self.run()).s.regs) }
    }

    pub(crate) fn cpuflags(&self) -> &AtomicU32 {
        // SAFETY: the SIE block lives as long as the vCPU; `cpuflags` is 4-byte aligned and
        // every access to it, by other vCPU threads too, is atomic.
        unsafe { AtomicU32::from_ptr(addr_of_mut!((*self.sie_block()).cpuflags)) }
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.cpuflags().load(Ordering::Relaxed) & cpustat::STOPPED != 0
    }

    /// `kvm_arch_vcpu_precreate`: the id must have a slot in the VM's SCA.
    pub fn precreate(id: u32) -> Result {
        if SCA_KIND.can_add_vcpu(id) {
            Ok(())
        } else {
            Err(EINVAL)
        }
    }

    /// `kvm_arch_vcpu_create`: allocates and fills in the SIE control block.
    pub fn create(&self) -> Result {
        // The page is owned through `vcpu->arch.sie_block`, which generic KVM and the
        // machine-check and interrupt paths of the kernel read (C), and freed in `destroy`;
        // a kernel-crate `Page` would have to be taken apart into that pointer and rebuilt
        // from it there, with no check gained.
        // SAFETY: allocating a page has no precondition.
        let page = unsafe { bindings::get_zeroed_page_noprof(bindings::KVM_S390_GFP_SIE_PAGE) };
        if page == 0 {
            return Err(ENOMEM);
        }
        let sie_page = page as *mut SiePage;
        let sie = sie_page.cast::<SieBlock>();
        // SAFETY: the page is ours and zeroed; the vCPU is not visible to anyone yet.
        unsafe {
            (*self.arch()).sie_block = sie.cast();
            (*sie).itdba = virt_to_phys(addr_of!((*sie_page).itdb));
            // Guest absolute addresses are translated by our DAT tables, not offset/limit.
            (*sie).mso = 0;
            (*sie).msl = kvm_host::MSL_NO_LIMIT;
            (*sie).icpua = self.id() as i16;
            (*sie).cpuflags = cpustat::ZARCH | cpustat::SM | cpustat::STOPPED;
            // Storage keys are handled by the host: always intercept the key instructions.
            (*sie).ictl = ictl::ISKE | ictl::SSKE | ictl::RRBE;
            (*sie).ecb = ecb::SPECI;
            (*sie).eca = eca::MVPGI | eca::PROTEXCI;
            (*sie).hpid = kvm_host::HPID_KVM;
            (*sie).gbea = 1;
            // The VM's clock (`tod.rs`); `kvm->lock`, held, orders it against changes.
            (*sie).epoch = self.vm().epoch();
            // The SCA origin before the vCPU's file exists (see `postcreate`); the basic
            // SCA lies below 2 GiB, the high half is 0 on machines without 64BSCAO.
            let sca_phys = virt_to_phys(self.vm().sca());
            (*sie).scaoh = (sca_phys >> 32) as u32;
            (*sie).scaol = sca_phys as u32;
            // The guest TLB content is unknown: SIE purges it at the first entry.
            (*sie).ihcpu = kvm_host::IHCPU_PURGE_TLB;
            (*sie).gcr[0] = crate::logic::cpu_reset::CR0_INITIAL;
            (*sie).gcr[14] = crate::logic::cpu_reset::CR14_INITIAL;
            write_volatile(
                addr_of_mut!((*self.run()).kvm_valid_regs),
                VALID_SYNC_REGS | fp_sync_regs(crate::cpu_model::host_has_vector()),
            );
            // No pfault handshake has happened: the token is invalid, as after a reset. The
            // vCPU's own copy is what `sync_regs_out` reports after every `KVM_RUN`.
            (*self.arch()).pfault_token = crate::uapi_kvm::KVM_S390_PFAULT_TOKEN_INVALID as usize;
            write_volatile(
                addr_of_mut!((*self.sync_regs()).pft),
                crate::uapi_kvm::KVM_S390_PFAULT_TOKEN_INVALID,
            );
        }
        self.setup_model();
        self.setup_crypto();
        crate::interrupt::init_vcpu(self);
        Ok(())
    }

    /// Gives the SIE block the VM's CPU model (mainline's `kvm_s390_vcpu_setup_model`): the
    /// instruction-blocking control, and the facility list STFLE in the guest reads (below
    /// 2 GiB) when the model offers STFLE. The CPU id has no SIE field: it is what STIDP
    /// stores, an instruction SIE intercepts.
    fn setup_model(&self) {
        let vm = self.vm();
        let sie = self.sie_block();
        // SAFETY: the SIE block is ours and not yet in the SCA, so no SIE uses it; the model
        // does not change once a vCPU exists (`KVM_S390_VM_CPU_PROCESSOR` is EBUSY then, and
        // generic KVM holds `kvm->lock` around vCPU creation).
        unsafe {
            (*sie).prefix_ibc = kvm_host::with_ibc((*sie).prefix_ibc, vm.model_ibc());
            if vm.has_facility(facilities::STFLE) {
                (*sie).fac = vm.fac_list_phys();
            }
            // Only after KVM_CAP_S390_VECTOR_REGISTERS, which needs the host's facility.
            if vm.has_facility(crate::logic::vector::VECTOR) {
                (*sie).eca |= eca::VX;
                (*sie).ecd |= kvm_host::ecd::HOSTREGMGMT;
            }
        }
    }

    /// `kvm_arch_vcpu_postcreate`: enters the vCPU in the SCA, now that creation succeeded.
    ///
    /// Generic KVM calls this after it published the vCPU and released `vcpu->mutex`, so
    /// an ioctl on the new file (`KVM_RUN` included) can already run. That is why the SIE
    /// block's SCA origin is set in [`Vcpu::create`], before the file exists: SIE never
    /// sees an SCA origin of 0 (which would make it use host absolute page 0). The entry
    /// written here only serves SIGP interpretation, which this backend does not enable;
    /// it is written volatile and atomically.
    pub fn postcreate(&self) {
        let sca = self.vm().sca();
        let sie = self.sie_block();
        let id = self.id() as usize;
        // SAFETY: `precreate` checked that `id` indexes the SCA; the SCA outlives all vCPUs of
        // the VM; `kvm->lock` is held by generic KVM around postcreate, so no other vCPU is
        // being added concurrently. `mcn` is read by hardware, so it is updated atomically.
        unsafe {
            write_volatile(addr_of_mut!((*sca).cpu[id].sda), virt_to_phys(sie));
            AtomicU64::from_ptr(addr_of_mut!((*sca).mcn))
                .fetch_or(kvm_host::mcn_bit(id), Ordering::SeqCst);
        }
    }

    /// `kvm_arch_vcpu_destroy`: removes the SCA entry and frees the SIE control block.
    pub fn destroy(&self) {
        let sie = self.sie_block();
        if sie.is_null() {
            return;
        }
        crate::interrupt::destroy_vcpu(self);
        crate::pfault::clear_completions(self);
        let sca = self.vm().sca();
        let id = self.id() as usize;
        // SAFETY: the vCPU is not running and no file refers to it; its SCA entry was set in
        // `postcreate` (clearing one that was not set is harmless); the page was allocated in
        // `create`.
        unsafe {
            if !sca.is_null() && id < kvm_host::BSCA_CPU_SLOTS {
                AtomicU64::from_ptr(addr_of_mut!((*sca).mcn))
                    .fetch_and(!kvm_host::mcn_bit(id), Ordering::SeqCst);
                write_volatile(addr_of_mut!((*sca).cpu[id].sda), 0);
            }
            bindings::free_pages(sie as usize, 0);
            (*self.arch()).sie_block = core::ptr::null_mut();
        }
    }

    /// `KVM_GET_REGS`.
    pub fn get_regs(&self) -> KvmRegs {
        // SAFETY: the sync-register area is valid; user space may write it concurrently, so
        // it is read volatile.
        let gprs = unsafe { read_volatile(addr_of!((*self.sync_regs()).gprs)) };
        KvmRegs { gprs }
    }

    /// `KVM_SET_REGS`.
    pub fn set_regs(&self, regs: &KvmRegs) {
        // SAFETY: as in `get_regs`.
        unsafe { write_volatile(addr_of_mut!((*self.sync_regs()).gprs), regs.gprs) }
    }

    /// `KVM_GET_SREGS`.
    pub fn get_sregs(&self) -> KvmSregs {
        // SAFETY: the sync-register area and the SIE block are valid; the guest does not run
        // while we hold the vCPU mutex.
        unsafe {
            KvmSregs {
                acrs: read_volatile(addr_of!((*self.sync_regs()).acrs)),
                crs: read_volatile(addr_of!((*self.sie_block()).gcr)),
            }
        }
    }

    /// `KVM_SET_SREGS`.
    pub fn set_sregs(&self, sregs: &KvmSregs) {
        // SAFETY: as in `get_sregs`.
        unsafe {
            write_volatile(addr_of_mut!((*self.sync_regs()).acrs), sregs.acrs);
            write_volatile(addr_of_mut!((*self.sie_block()).gcr), sregs.crs);
        }
    }

    /// `KVM_GET_FPU`.
    pub fn get_fpu(&self) -> KvmFpu {
        KvmFpu {
            fpc: self.fpc(),
            fprs: self.fprs(),
        }
    }

    /// `KVM_SET_FPU`. Like mainline, the FPC is stored as given.
    pub fn set_fpu(&self, fpu: &KvmFpu) {
        // SAFETY: the sync-register area is valid.
        unsafe { write_volatile(addr_of_mut!((*self.sync_regs()).fpc), fpu.fpc) };
        self.set_fprs(&fpu.fprs);
    }

    /// The floating-point registers in `kvm_run`: on a host with the vector facility the
    /// leftmost halves of VR0-VR15 there (`logic/vector.rs`).
    pub(crate) fn fprs(&self) -> [u64; 16] {
        let regs = self.sync_regs();
        // SAFETY: the sync-register area is valid; `fprs` shares a union with `vrs`, both
        // plain integers, so reading either view is defined.
        unsafe {
            if crate::cpu_model::host_has_vector() {
                vector::fprs(&read_volatile(addr_of!((*regs).__bindgen_anon_1.vrs)))
            } else {
                read_volatile(addr_of!((*regs).__bindgen_anon_1.fprs))
            }
        }
    }

    /// The vector registers in `kvm_run` (meaningful on a host with the vector facility).
    pub(crate) fn vrs(&self) -> vector::Vrs {
        // SAFETY: as in `fprs`.
        unsafe { read_volatile(addr_of!((*self.sync_regs()).__bindgen_anon_1.vrs)) }
    }

    /// The floating-point control register in `kvm_run`.
    pub(crate) fn fpc(&self) -> u32 {
        // SAFETY: the sync-register area is valid.
        unsafe { read_volatile(addr_of!((*self.sync_regs()).fpc)) }
    }

    fn set_fprs(&self, fprs: &[u64; 16]) {
        let regs = self.sync_regs();
        // SAFETY: as in `fprs`.
        unsafe {
            if crate::cpu_model::host_has_vector() {
                let vrs = addr_of_mut!((*regs).__bindgen_anon_1.vrs);
                let mut v = read_volatile(vrs);
                vector::set_fprs(&mut v, fprs);
                write_volatile(vrs, v);
            } else {
                write_volatile(addr_of_mut!((*regs).__bindgen_anon_1.fprs), *fprs);
            }
        }
    }

    /// `KVM_S390_SET_INITIAL_PSW`: only while the vCPU is stopped (EBUSY otherwise).
    pub fn set_initial_psw(&self, psw: &KvmS390Psw) -> Result {
        if !self.is_stopped() {
            return Err(EBUSY);
        }
        let run = self.run();
        // SAFETY: `kvm_run` is valid for the vCPU's lifetime.
        unsafe {
            write_volatile(addr_of_mut!((*run).psw_mask), psw.mask);
            write_volatile(addr_of_mut!((*run).psw_addr), psw.addr);
        }
        Ok(())
    }

    /// `KVM_S390_NORMAL_RESET` (mainline's `kvm_arch_vcpu_ioctl_normal_reset`): the PSW's
    /// runtime-instrumentation bit goes, the pfault handshake is undone, pending local
    /// interruptions are dropped, and the vCPU is stopped unless user space controls the
    /// CPU state. Like mainline, the `kvm_run` copy of the pfault token follows at the next
    /// exit from `KVM_RUN`.
    pub fn normal_reset(&self) {
        let run = self.run();
        // SAFETY: `kvm_run` and the vCPU are valid; the guest does not run while we hold the
        // vCPU mutex; the PSW user space shares is accessed volatile.
        unsafe {
            let mask = read_volatile(addr_of!((*run).psw_mask));
            write_volatile(addr_of_mut!((*run).psw_mask), mask & !psw::MASK_RI);
            (*self.arch()).pfault_token = crate::uapi_kvm::KVM_S390_PFAULT_TOKEN_INVALID as usize;
        }
        crate::pfault::clear_completions(self);
        if !self.vm().user_cpu_state_ctrl() {
            self.cpuflags().fetch_or(cpustat::STOPPED, Ordering::SeqCst);
        }
        crate::interrupt::clear_local(self);
    }

    /// `KVM_S390_CLEAR_RESET`: the initial reset, and the general, access and
    /// floating-point registers become 0 (mainline's `kvm_arch_vcpu_ioctl_clear_reset`).
    pub fn clear_reset(&self) {
        self.initial_reset();
        let regs = self.sync_regs();
        // SAFETY: the sync-register area is valid; user space may write it concurrently,
        // hence volatile.
        unsafe {
            write_volatile(addr_of_mut!((*regs).gprs), [0; 16]);
            write_volatile(addr_of_mut!((*regs).acrs), [0; 16]);
            // All of the union, as mainline: the vector registers, or the FPRs and what
            // follows them.
            write_volatile(addr_of_mut!((*regs).__bindgen_anon_1.vrs), [[0; 2]; 32]);
        }
    }

    /// `KVM_S390_INITIAL_RESET`: the normal reset, then the initial CPU reset.
    pub fn initial_reset(&self) {
        self.normal_reset();
        let sie = self.sie_block();
        let run = self.run();
        let regs = self.sync_regs();
        // SAFETY: the SIE block and `kvm_run` are valid; the guest does not run while we hold
        // the vCPU mutex. Fields user space shares are accessed volatile.
        unsafe {
            let mut state = ResettableState {
                psw: Psw {
                    mask: read_volatile(addr_of!((*run).psw_mask)),
                    addr: read_volatile(addr_of!((*run).psw_addr)),
                },
                prefix: kvm_host::prefix_of((*sie).prefix_ibc),
                cputm: (*sie).cputm,
                ckc: (*sie).ckc,
                crs: (*sie).gcr,
                todpr: (*sie).todpr,
                pp: 0,
                gbea: (*sie).gbea,
                fpc: read_volatile(addr_of!((*regs).fpc)),
            };
            state.initial_reset();
            (*sie).gpsw = state.psw;
            (*sie).prefix_ibc = kvm_host::with_prefix((*sie).prefix_ibc, state.prefix);
            (*sie).cputm = state.cputm;
            (*sie).ckc = state.ckc;
            (*sie).gcr = state.crs;
            (*sie).todpr = state.todpr;
            (*sie).gbea = state.gbea;
            (*sie).fpf &= !kvm_host::FPF_BPBC;
            write_volatile(addr_of_mut!((*run).psw_mask), state.psw.mask);
            write_volatile(addr_of_mut!((*run).psw_addr), state.psw.addr);
            write_volatile(addr_of_mut!((*regs).prefix), u64::from(state.prefix));
            write_volatile(addr_of_mut!((*regs).crs), state.crs);
            write_volatile(addr_of_mut!((*regs).cputm), state.cputm);
            write_volatile(addr_of_mut!((*regs).ckc), state.ckc);
            write_volatile(addr_of_mut!((*regs).todpr), u64::from(state.todpr));
            write_volatile(addr_of_mut!((*regs).pp), state.pp);
            write_volatile(addr_of_mut!((*regs).gbea), state.gbea);
            write_volatile(addr_of_mut!((*regs).fpc), state.fpc);
        }
        self.sie_pp_clear();
    }

    /// Sets the guest prefix (SIGP SET PREFIX of a stopped vCPU, `KVM_S390_SIGP_SET_PREFIX`);
    /// the guest TLB is purged at the next entry. Called on the vCPU's own thread.
    pub(crate) fn set_prefix(&self, prefix: u32) {
        let sie = self.sie_block();
        // SAFETY: the SIE block is valid; the guest does not run while its thread is here.
        unsafe {
            (*sie).prefix_ibc = kvm_host::with_prefix((*sie).prefix_ibc, prefix);
            (*sie).ihcpu = kvm_host::IHCPU_PURGE_TLB;
        }
    }

    /// `KVM_GET_MP_STATE`: stopped or operating (load and check-stop are not modelled).
    pub fn mp_state(&self) -> u32 {
        if self.is_stopped() {
            crate::uapi_kvm::KVM_MP_STATE_STOPPED
        } else {
            crate::uapi_kvm::KVM_MP_STATE_OPERATING
        }
    }

    /// `KVM_SET_MP_STATE`: user space controls the stopped state from now on (as mainline);
    /// stopping drops a pending SIGP STOP, starting purges the guest TLB. Load (protected
    /// guests) and check-stop are ENXIO, as in mainline.
    pub fn set_mp_state(&self, state: u32) -> Result {
        self.vm().set_user_cpu_state_ctrl();
        match state {
            crate::uapi_kvm::KVM_MP_STATE_STOPPED => {
                self.cpuflags().fetch_or(cpustat::STOPPED, Ordering::SeqCst);
                let _ = crate::interrupt::take_stop(self);
                Ok(())
            }
            crate::uapi_kvm::KVM_MP_STATE_OPERATING => {
                if self
                    .cpuflags()
                    .fetch_and(!cpustat::STOPPED, Ordering::SeqCst)
                    & cpustat::STOPPED
                    != 0
                {
                    // SAFETY: the SIE block is valid; the vCPU mutex is held, so the
                    // guest does not run.
                    unsafe { (*self.sie_block()).ihcpu = kvm_host::IHCPU_PURGE_TLB };
                }
                Ok(())
            }
            _ => Err(ENXIO),
        }
    }

    /// The vCPU's index in the VM (`vcpu_idx`, the order of creation).
    pub(crate) fn idx(&self) -> i32 {
        // SAFETY: live (type invariant); `vcpu_idx` is set before the vCPU is published and
        // never changes.
        unsafe { (*self.as_raw()).vcpu_idx }
    }

    /// The guest prefix (8 KiB aligned guest absolute address of the lowcore).
    pub(crate) fn prefix(&self) -> u32 {
        // SAFETY: the SIE block is valid; the guest does not run while we hold the mutex.
        kvm_host::prefix_of(unsafe { (*self.sie_block()).prefix_ibc })
    }

    /// Takes the guest state from `kvm_run` at the start of `KVM_RUN` (mainline's
    /// `sync_regs`): the PSW always, the sets flagged in `dirty` into the SIE block and the
    /// vCPU, and the access registers `sie64a.S` switches into the returned area (the
    /// floating-point registers are loaded by `run.rs` itself).
    pub(crate) fn sync_regs_in(&self, dirty: u64) -> bindings::kvm_s390_rust_switch_area {
        let sie = self.sie_block();
        let run = self.run();
        let regs = self.sync_regs();
        let arch = self.arch();
        let dirty = |set: u32| dirty & u64::from(set) != 0;
        // SAFETY: `kvm_run`, the SIE block and the vCPU are valid; the guest does not run;
        // fields user space shares are read volatile.
        unsafe {
            (*sie).gpsw = Psw {
                mask: read_volatile(addr_of!((*run).psw_mask)),
                addr: read_volatile(addr_of!((*run).psw_addr)),
            };
            if dirty(bindings::KVM_SYNC_PREFIX) {
                let prefix = read_volatile(addr_of!((*regs).prefix)) as u32;
                (*sie).prefix_ibc = kvm_host::with_prefix((*sie).prefix_ibc, prefix);
                (*sie).ihcpu = kvm_host::IHCPU_PURGE_TLB;
            }
            if dirty(bindings::KVM_SYNC_CRS) {
                (*sie).gcr = read_volatile(addr_of!((*regs).crs));
                // Control registers steer translation: the guest TLB must be purged.
                (*sie).ihcpu = kvm_host::IHCPU_PURGE_TLB;
            }
            if dirty(bindings::KVM_SYNC_ARCH0) {
                (*sie).cputm = read_volatile(addr_of!((*regs).cputm));
                (*sie).ckc = read_volatile(addr_of!((*regs).ckc));
                (*sie).todpr = read_volatile(addr_of!((*regs).todpr)) as u32;
                core::ptr::write_unaligned(
                    SieBlock::pp_ptr(sie),
                    read_volatile(addr_of!((*regs).pp)),
                );
                (*sie).gbea = read_volatile(addr_of!((*regs).gbea));
            }
            if dirty(bindings::KVM_SYNC_DIAG318) {
                // Kept for user space (migration); the guest is not offered DIAG 0x318.
                (*arch).diag318_info.val = read_volatile(addr_of!((*regs).diag318)) as usize;
            }
            if dirty(bindings::KVM_SYNC_PFAULT) {
                (*arch).pfault_token = read_volatile(addr_of!((*regs).pft)) as usize;
                (*arch).pfault_select = read_volatile(addr_of!((*regs).pfs)) as usize;
                (*arch).pfault_compare = read_volatile(addr_of!((*regs).pfc)) as usize;
                if (*arch).pfault_token as u64 == crate::uapi_kvm::KVM_S390_PFAULT_TOKEN_INVALID {
                    // The handshake ends (mainline).
                    crate::pfault::clear_completions(self);
                }
            }
            write_volatile(addr_of_mut!((*run).kvm_dirty_regs), 0);
            let mut area = bindings::kvm_s390_rust_switch_area {
                guest_acrs: [0; 16],
                host_acrs: [0; 16],
            };
            copy_shared::<64>(
                area.guest_acrs.as_mut_ptr().cast(),
                addr_of!((*regs).acrs).cast(),
            );
            area
        }
    }

    /// Stores the guest's FPC and floating-point (or vector) registers from the CPU into
    /// `kvm_run`, before an in-kernel user of them (store status, machine-check delivery)
    /// reads them there. Only inside `KVM_RUN`, where `run.rs` has loaded them into the
    /// CPU (`kvm_s390_rust_fpu_enter_guest`; `kvm_s390_rust_fpu_leave_guest` stores them
    /// at the end).
    pub(crate) fn store_guest_fp(&self) {
        // SAFETY: `kvm_run` is valid; the caller is inside this vCPU's `KVM_RUN`, after
        // the guest's registers were loaded, so the registers hold the guest's values.
        unsafe { bindings::kvm_s390_rust_store_guest_fp(self.run()) };
    }

    /// Stores the guest state back into `kvm_run` at the end of `KVM_RUN` (mainline's
    /// `store_regs`).
    pub(crate) fn sync_regs_out(&self, area: &bindings::kvm_s390_rust_switch_area) {
        let sie = self.sie_block();
        let run = self.run();
        let regs = self.sync_regs();
        let arch = self.arch();
        // SAFETY: as in `sync_regs_in`.
        unsafe {
            let gpsw = (*sie).gpsw;
            write_volatile(addr_of_mut!((*run).psw_mask), gpsw.mask);
            write_volatile(addr_of_mut!((*run).psw_addr), gpsw.addr);
            write_volatile(addr_of_mut!((*regs).prefix), u64::from(self.prefix()));
            copy_shared::<128>(
                addr_of_mut!((*regs).crs).cast(),
                addr_of!((*sie).gcr).cast(),
            );
            write_volatile(addr_of_mut!((*regs).cputm), (*sie).cputm);
            write_volatile(addr_of_mut!((*regs).ckc), (*sie).ckc);
            write_volatile(addr_of_mut!((*regs).todpr), u64::from((*sie).todpr));
            write_volatile(
                addr_of_mut!((*regs).pp),
                core::ptr::read_unaligned(SieBlock::pp_ptr(sie)),
            );
            write_volatile(addr_of_mut!((*regs).gbea), (*sie).gbea);
            write_volatile(addr_of_mut!((*regs).pft), (*arch).pfault_token as u64);
            write_volatile(addr_of_mut!((*regs).pfs), (*arch).pfault_select as u64);
            write_volatile(addr_of_mut!((*regs).pfc), (*arch).pfault_compare as u64);
            write_volatile(
                addr_of_mut!((*regs).diag318),
                (*arch).diag318_info.val as u64,
            );
            // `bpbc` is a one-bit field: its byte is read and written whole, with byte
            // operations. bindgen's accessor would reverse the byte's bits on this
            // big-endian target with a dozen rotate-and-insert instructions, each of them
            // slow on Hercules: 0.3 us of an 11 us exit round trip.
            let byte = addr_of_mut!((*regs)._bitfield_1).cast::<u8>();
            let others = read_volatile(byte) & !SYNC_REGS_BPBC_BIT;
            let bpbc = if (*sie).fpf & kvm_host::FPF_BPBC != 0 {
                SYNC_REGS_BPBC_BIT
            } else {
                0
            };
            write_volatile(byte, others | bpbc);
            copy_shared::<64>(
                addr_of_mut!((*regs).acrs).cast(),
                area.guest_acrs.as_ptr().cast(),
            );
        }
    }

    /// The guest general registers from `kvm_run`, into a kernel-private copy: SIE must
    /// not load from memory user space can change while the guest runs.
    pub(crate) fn gprs_in(&self) -> [u64; 16] {
        let mut gprs = [0u64; 16];
        // SAFETY: the sync-register area is valid; `gprs` is ours; 128 bytes each.
        unsafe {
            copy_shared::<128>(
                gprs.as_mut_ptr().cast(),
                addr_of!((*self.sync_regs()).gprs).cast(),
            )
        };
        gprs
    }

    /// The guest access registers from `kvm_run` (where they are while the vCPU is out of
    /// `KVM_RUN`).
    pub(crate) fn acrs(&self) -> [u32; 16] {
        // SAFETY: the sync-register area is valid; user space may write it concurrently.
        unsafe { read_volatile(addr_of!((*self.sync_regs()).acrs)) }
    }

    /// Stores the guest general registers back into `kvm_run`.
    pub(crate) fn gprs_out(&self, gprs: &[u64; 16]) {
        // SAFETY: the sync-register area is valid; 128 bytes each, apart.
        unsafe {
            copy_shared::<128>(
                addr_of_mut!((*self.sync_regs()).gprs).cast(),
                gprs.as_ptr().cast(),
            )
        }
    }

    /// `kvm_arch_vcpu_load`/`put`: tells SIE whether the vCPU is loaded on a host CPU.
    pub fn set_loaded(&self, loaded: bool) {
        if loaded {
            self.cpuflags().fetch_or(cpustat::RUNNING, Ordering::SeqCst);
        } else {
            self.cpuflags()
                .fetch_and(!cpustat::RUNNING, Ordering::SeqCst);
        }
    }

    /// Whether the guest runs in supervisor state (for generic KVM's yield heuristics).
    ///
    /// May be called from any thread without `vcpu->mutex`, also in interrupt context
    /// (see the type invariant): it only reads the guest PSW once, volatile, and the answer
    /// may be stale.
    pub fn in_kernel(&self) -> bool {
        // SAFETY: the SIE block is valid; a racy read is fine for a heuristic.
        let mask = unsafe { read_volatile(addr_of!((*self.sie_block()).gpsw.mask)) };
        mask & psw::MASK_PSTATE == 0
    }

    fn sie_pp_clear(&self) {
        // The program parameter is not naturally aligned in the SIE block (offset 0x1de).
        // SAFETY: the SIE block is valid; unaligned write of 8 bytes within it.
        unsafe { core::ptr::write_unaligned(kvm_host::SieBlock::pp_ptr(self.sie_block()), 0u64) }
    }
}

/// Copies `N` bytes (1 to 256) between `kvm_run` and kernel memory with one MVC, as C's
/// `memcpy` of a constant size compiles. Like a volatile access, an `asm!` block is
/// opaque to the compiler, so user space may access the `kvm_run` side meanwhile; unlike a
/// volatile array access, which compiles to a call of `memcpy` or to a load and a store
/// per element, it is one instruction (three such calls cost 0.8 us of a 36 us exit round
/// trip on the Hercules bed: README, Benchmarks).
///
/// # Safety
///
/// `dst` and `src` are valid for `N` bytes and do not overlap.
#[inline(always)]
unsafe fn copy_shared<const N: usize>(dst: *mut u8, src: *const u8) {
    const { assert!(N >= 1 && N <= 256) };
    // SAFETY: per the contract; MVC moves `N` bytes from `src` to `dst` and touches nothing
    // else: no other memory, register or condition code.
    unsafe {
        core::arch::asm!(
            "mvc 0({len},{dst}),0({src})",
            len = const N,
            dst = in(reg_addr) dst,
            src = in(reg_addr) src,
            options(nostack, preserves_flags),
        )
    }
}
