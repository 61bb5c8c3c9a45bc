// SPDX-License-Identifier: GPL-2.0

//! The VM's CPU model: the facility list SIE shows the guest, and the VM attribute group
//! `KVM_S390_VM_CPU_MODEL` through which user space reads and sets it
//! (`Documentation/virt/kvm/devices/vm.rst`, section 2; mainline: `kvm_s390_get_processor`
//! and friends in `arch/s390/kvm/s390/s390.c`).
//!
//! The list lives in a page below 2 GiB (the SIE block's `fac` field is 31 bits), held in
//! `kvm->arch.sie_page2` with the list at its start, as mainline lays it out;
//! `kvm->arch.model` holds the mask, the CPU id and the IBC. Every vCPU's SIE block points
//! to the list, so STFLE in the guest never reads host memory. What goes in the list is
//! decided in `logic/facilities.rs`.
//!
//! The CPU features and the instruction subfunctions (`*_FEAT`, `*_SUBFUNC`) are found once at
//! module init ([`probe_machine`]) and copied into each new VM (`kvm->arch.cpu_feat` starts
//! empty, `kvm->arch.model.subfuncs` starts as the machine's, as in mainline); which
//! features and which queries is decided in `logic/cpu_model.rs`.

use kernel::bindings;
use kernel::prelude::*;
use kernel::uaccess::{UserPtr, UserSlice};

use core::cell::UnsafeCell;

use crate::logic::cpu_model::{
    self, HostFeatures, Query, FEAT_DWORDS, SUBFUNC_BLOCKS, SUBFUNC_SIZE,
};
use crate::logic::facilities::{self, HOST_DWORDS};
use crate::logic::vector;
use crate::machine::Machine;
use crate::uapi_kvm::{
    KvmDeviceAttr, KvmS390VmCpuMachine, KvmS390VmCpuProcessor, FAC_LIST_DWORDS,
    KVM_GET_DEVICE_ATTR, KVM_HAS_DEVICE_ATTR, KVM_S390_VM_CPU_MACHINE,
    KVM_S390_VM_CPU_MACHINE_FEAT, KVM_S390_VM_CPU_MACHINE_SUBFUNC,
    KVM_S390_VM_CPU_MACHINE_UV_FEAT_GUEST, KVM_S390_VM_CPU_MODEL, KVM_S390_VM_CPU_PROCESSOR,
    KVM_S390_VM_CPU_PROCESSOR_FEAT, KVM_S390_VM_CPU_PROCESSOR_SUBFUNC,
    KVM_S390_VM_CPU_PROCESSOR_UV_FEAT_GUEST, KVM_SET_DEVICE_ATTR,
};
use crate::vm::Vm;

// SAFETY: plain integers without padding: any bit pattern is valid.
unsafe impl kernel::transmute::FromBytes for KvmDeviceAttr {}
// SAFETY: as above (the padding bytes are explicit fields).
unsafe impl kernel::transmute::FromBytes for KvmS390VmCpuProcessor {}
// SAFETY: as above, and every field is initialised when written to user space.
unsafe impl kernel::transmute::AsBytes for KvmS390VmCpuProcessor {}
// SAFETY: as above.
unsafe impl kernel::transmute::AsBytes for KvmS390VmCpuMachine {}

/// The host's facility list as the kernel read it at boot (`stfle_fac_list`).
fn host_facilities() -> [u64; HOST_DWORDS] {
    let mut list = [0u64; HOST_DWORDS];
    // SAFETY: `stfle_fac_list` is written once during early boot and read-only after.
    let host = unsafe { &*core::ptr::addr_of!(bindings::stfle_fac_list) };
    for (dst, src) in list.iter_mut().zip(host.iter()) {
        *dst = *src;
    }
    list
}

/// Whether the host has the vector facility (mainline's `cpu_has_vx()`): the guest's FPRs
/// then live in its vector registers, which `kvm_run` carries as `vrs`.
pub(crate) fn host_has_vector() -> bool {
    // SAFETY: as in `host_facilities`.
    let host = unsafe { &*core::ptr::addr_of!(bindings::stfle_fac_list) };
    facilities::test(host, vector::VECTOR)
}

/// The machine's CPU features and subfunctions.
///
/// The subfunction blocks come first and the structure is doubleword aligned, because some
/// query instructions want their parameter block on a doubleword boundary (the offsets in
/// `SUBFUNC_BLOCKS` are multiples of 16).
#[repr(C, align(8))]
struct MachineModel {
    subfunc: [u8; SUBFUNC_SIZE],
    feat: [u64; FEAT_DWORDS],
}

struct MachineCell(UnsafeCell<MachineModel>);

// SAFETY: written only by `probe_machine`, during module init before /dev/kvm exists (no
// other thread can reach it yet); read only afterwards.
unsafe impl Sync for MachineCell {}

static MACHINE_MODEL: MachineCell = MachineCell(UnsafeCell::new(MachineModel {
    subfunc: [0; SUBFUNC_SIZE],
    feat: [0; FEAT_DWORDS],
}));

fn machine_model() -> &'static MachineModel {
    // SAFETY: read only after `probe_machine` (see `MachineCell`).
    unsafe { &*MACHINE_MODEL.0.get() }
}

/// Finds the machine's CPU features and subfunctions (mainline: `kvm_s390_cpu_feat_init`).
///
/// Must be called once from module init, before /dev/kvm exists.
pub fn probe_machine() {
    // SAFETY: module init, before `kvm_init`: nothing else can reach the static yet.
    let model = unsafe { &mut *MACHINE_MODEL.0.get() };
    let host = host_facilities();
    // SAFETY: no precondition.
    let esop = unsafe { bindings::kvm_s390_rust_machine_has_esop() };
    model.feat = cpu_model::machine_features(HostFeatures { esop });
    for b in SUBFUNC_BLOCKS.iter() {
        // A query of an instruction the host lacks would be an operation exception here.
        if b.facility.is_some_and(|f| !facilities::test(&host, f)) {
            continue;
        }
        let Some(block) = model.subfunc.get_mut(b.offset..b.offset + b.len) else {
            continue;
        };
        let ptr = block.as_mut_ptr();
        match b.query {
            Query::PloTestBits => {
                for nr in 0..=u8::MAX {
                    // SAFETY: PLO is installed on every z/Architecture machine; the "test
                    // bit" form touches no storage.
                    if unsafe { bindings::kvm_s390_rust_plo_test_bit(nr) } {
                        cpu_model::set_plo_bit(block, nr);
                    }
                }
            }
            // SAFETY: `ptr` points to the 16 writable, doubleword-aligned bytes of the
            // block; the guard above (facility 28) ensures PTFF is installed.
            Query::Ptff if b.len == 16 => unsafe { bindings::kvm_s390_rust_ptff_query(ptr) },
            // SAFETY: as above, 16 bytes; the guard is the instruction's MSA facility, and
            // `cpacf_query` checks it again.
            Query::Cpacf(op) if b.len == 16 => unsafe {
                bindings::kvm_s390_rust_cpacf_query(op, ptr)
            },
            // SAFETY: as above, 32 bytes; guarded by facility 150.
            Query::Sortl if b.len == 32 => unsafe { bindings::kvm_s390_rust_sortl_query(ptr) },
            // SAFETY: as above, 32 bytes; guarded by facility 151.
            Query::Dfltcc if b.len == 32 => unsafe { bindings::kvm_s390_rust_dfltcc_query(ptr) },
            // SAFETY: as above, 16 bytes; guarded by facility 201.
            Query::Pfcr if b.len == 16 => unsafe { bindings::kvm_s390_rust_pfcr_query(ptr) },
            _ => {}
        }
    }
}

impl Vm {
    fn model(&self) -> *mut bindings::kvm_s390_cpu_model {
        // SAFETY: `arch()` is valid; no reference is created.
        unsafe { core::ptr::addr_of_mut!((*self.arch()).model) }
    }

    /// The guest facility list (`FAC_LIST_DWORDS` doublewords in a DMA page).
    fn fac_list(&self) -> *mut u64 {
        // SAFETY: `model()` is valid; `fac_list` is set in `init_cpu_model`.
        unsafe { (*self.model()).fac_list.cast() }
    }

    /// Whether the guest's facility list has facility `nr`.
    pub fn has_facility(&self, nr: usize) -> bool {
        if nr >= HOST_DWORDS * 64 {
            return false;
        }
        // SAFETY: the list has `FAC_LIST_DWORDS` (> `HOST_DWORDS`) doublewords; a racing
        // `KVM_S390_VM_CPU_PROCESSOR` write (before any vCPU exists) cannot happen while a
        // vCPU runs.
        let word = unsafe { self.fac_list().add(nr / 64).read() };
        facilities::test(&[word], nr % 64)
    }

    /// Whether facility `nr` is both in the guest's list and in the mask of what KVM may
    /// offer (mainline's `test_kvm_facility`): a list user space set may name more.
    pub fn has_kvm_facility(&self, nr: usize) -> bool {
        // SAFETY: `model()` is valid; `fac_mask` is written only at VM creation.
        let mask = unsafe { &(*self.model()).fac_mask };
        facilities::test(mask, nr) && self.has_facility(nr)
    }

    /// Whether PCKMO function `nr` is both in the VM's subfunctions and the machine's
    /// (mainline's `kvm_has_pckmo_subfunc`). The caller holds `kvm->lock`, under which the
    /// VM's subfunctions change.
    pub fn has_pckmo_subfunc(&self, nr: usize) -> bool {
        let Some(pckmo) = SUBFUNC_BLOCKS
            .iter()
            .find(|b| b.query == Query::Cpacf(crate::logic::crypto::PCKMO_OPCODE))
        else {
            return false;
        };
        let mut vm = [0u8; 16];
        if pckmo.len != vm.len() {
            return false;
        }
        // SAFETY: the model is valid; `pckmo.offset + 16` lies within the `SUBFUNC_SIZE`
        // bytes of `subfuncs` (the table's blocks do); `kvm->lock` is held.
        unsafe {
            core::ptr::copy_nonoverlapping(
                core::ptr::addr_of!((*self.model()).subfuncs)
                    .cast::<u8>()
                    .add(pckmo.offset),
                vm.as_mut_ptr(),
                vm.len(),
            )
        };
        let machine = machine_model()
            .subfunc
            .get(pckmo.offset..pckmo.offset + pckmo.len)
            .unwrap_or(&[]);
        crate::logic::crypto::query_bit(&vm, nr) && crate::logic::crypto::query_bit(machine, nr)
    }

    /// The CPU id the guest's STIDP stores (`KVM_S390_VM_CPU_PROCESSOR`).
    pub fn model_cpuid(&self) -> u64 {
        // SAFETY: `model()` is valid; the id is written only before the first vCPU exists.
        unsafe { (*self.model()).cpuid }
    }

    /// Doubleword `index` of the guest facility list (0 past the list's end).
    pub fn facility_dword(&self, index: usize) -> u64 {
        if index >= HOST_DWORDS {
            return 0;
        }
        // SAFETY: as in `has_facility`.
        unsafe { self.fac_list().add(index).read() }
    }

    /// The instruction-blocking control of the guest CPU model.
    pub fn model_ibc(&self) -> u16 {
        // SAFETY: `model()` is valid; the IBC is written only before the first vCPU exists.
        unsafe { (*self.model()).ibc }
    }

    /// Physical address of the facility list, for the SIE block's `fac` field (below 2 GiB).
    pub fn fac_list_phys(&self) -> u32 {
        crate::host_mem::virt_to_phys(self.fac_list()) as u32
    }

    /// Creates the CPU model of a new VM (part of `kvm_arch_init_vm`).
    pub fn init_cpu_model(&self) -> Result {
        // The facility list must lie below 2 GiB (the SIE block's `fac` field is 31 bits):
        // GFP_DMA, which the kernel crate's `Page` does not offer, hence by hand.
        // SAFETY: allocating a page has no precondition.
        let page = unsafe { bindings::get_zeroed_page_noprof(bindings::KVM_S390_GFP_SCA) };
        if page == 0 {
            return Err(ENOMEM);
        }
        let list = page as *mut u64;
        let mut base = [0u64; HOST_DWORDS];
        let mut cpumodel = [0u64; HOST_DWORDS];
        // SAFETY: both arrays have `HOST_DWORDS` elements.
        unsafe {
            bindings::kvm_s390_rust_kvm_facilities(
                base.as_mut_ptr(),
                cpumodel.as_mut_ptr(),
                HOST_DWORDS as u32,
            )
        };
        let machine = Machine::read();
        let model = self.model();
        let mut initial = [0u64; HOST_DWORDS];
        // SAFETY: the VM is not visible to anyone yet; `fac_mask` is an array in `model`.
        let mask = unsafe { &mut (*model).fac_mask };
        let mut mask_words = [0u64; HOST_DWORDS];
        facilities::initial(
            &host_facilities(),
            &base,
            &cpumodel,
            machine.hmfai,
            &mut initial,
            &mut mask_words,
        );
        for (i, m) in mask.iter_mut().enumerate() {
            *m = mask_words.get(i).copied().unwrap_or(0);
        }
        // SAFETY: as above; the page has room for `FAC_LIST_DWORDS` doublewords (2 KiB).
        unsafe {
            for (i, word) in initial.iter().enumerate() {
                list.add(i).write(*word);
            }
            (*self.arch()).sie_page2 = page as *mut bindings::sie_page2;
            (*model).fac_list = list.cast();
            (*model).cpuid = facilities::guest_cpuid(bindings::kvm_s390_rust_host_cpuid());
            (*model).ibc = facilities::initial_ibc(machine.ibc);
            // A new VM offers every subfunction of the machine and no CPU feature until
            // user space asks (`cpu_feat` is zero in the zeroed `struct kvm`).
            core::ptr::copy_nonoverlapping(
                machine_model().subfunc.as_ptr(),
                core::ptr::addr_of_mut!((*model).subfuncs).cast::<u8>(),
                SUBFUNC_SIZE,
            );
        }
        Ok(())
    }

    /// Frees the CPU model (part of `kvm_arch_destroy_vm`, after the vCPUs).
    pub fn free_cpu_model(&self) {
        // SAFETY: the VM is being destroyed; the page was allocated in `init_cpu_model`.
        unsafe {
            let page = (*self.arch()).sie_page2;
            if !page.is_null() {
                bindings::free_pages(page as usize, 0);
                (*self.arch()).sie_page2 = core::ptr::null_mut();
                (*self.model()).fac_list = core::ptr::null_mut();
            }
        }
    }

    /// `KVM_{SET,GET,HAS}_DEVICE_ATTR` on the VM file.
    pub fn attr_ioctl(&self, ioctl: u32, arg: usize) -> Result {
        let attr: KvmDeviceAttr = UserSlice::new(
            UserPtr::from_addr(arg),
            core::mem::size_of::<KvmDeviceAttr>(),
        )
        .reader()
        .read()?;
        match (ioctl, attr.group, attr.attr) {
            (_, KVM_S390_VM_CPU_MODEL, _) => self.cpu_model_attr(ioctl, attr.attr, attr.addr),
            (_, crate::uapi_kvm::KVM_S390_VM_TOD, _) => self.tod_attr(ioctl, &attr),
            (_, crate::uapi_kvm::KVM_S390_VM_MEM_CTRL, _) => self.mem_ctrl_attr(ioctl, &attr),
            (_, crate::uapi_kvm::KVM_S390_VM_CRYPTO, _) => self.crypto_attr(ioctl, &attr),
            (_, crate::uapi_kvm::KVM_S390_VM_MIGRATION, _) => self.migration_attr(ioctl, &attr),
            // Unknown groups (mainline: ENXIO).
            _ => Err(ENXIO),
        }
    }

    /// The `KVM_S390_VM_CPU_MODEL` group (mainline: `kvm_s390_{get,set}_cpu_model`).
    fn cpu_model_attr(&self, ioctl: u32, attr: u64, addr: u64) -> Result {
        let addr = addr as usize;
        match (ioctl, attr) {
            (
                KVM_HAS_DEVICE_ATTR,
                KVM_S390_VM_CPU_PROCESSOR
                | KVM_S390_VM_CPU_MACHINE
                | KVM_S390_VM_CPU_PROCESSOR_FEAT
                | KVM_S390_VM_CPU_MACHINE_FEAT
                | KVM_S390_VM_CPU_PROCESSOR_SUBFUNC
                | KVM_S390_VM_CPU_MACHINE_SUBFUNC
                | KVM_S390_VM_CPU_PROCESSOR_UV_FEAT_GUEST
                | KVM_S390_VM_CPU_MACHINE_UV_FEAT_GUEST,
            ) => Ok(()),
            (KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR) => self.get_processor(addr),
            (KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_MACHINE) => self.get_machine(addr),
            (KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_FEAT) => {
                // SAFETY: `cpu_feat` is written only under `kvm->lock` before the first
                // vCPU; a racing SET can only make the copy inconsistent, as in mainline.
                let feat = unsafe { (*self.arch()).cpu_feat };
                write_u64s(addr, &feat.map(|w| w as u64))
            }
            (KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_MACHINE_FEAT) => {
                write_u64s(addr, &machine_model().feat)
            }
            (KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_SUBFUNC) => {
                let mut copy = KBox::new([0u8; SUBFUNC_SIZE], GFP_KERNEL)?;
                // SAFETY: the model is valid for the VM's life; a racing SET (under
                // `kvm->lock`, before the first vCPU) can only make the copy inconsistent.
                unsafe {
                    core::ptr::copy_nonoverlapping(
                        core::ptr::addr_of!((*self.model()).subfuncs).cast::<u8>(),
                        copy.as_mut_ptr(),
                        SUBFUNC_SIZE,
                    )
                };
                UserSlice::new(UserPtr::from_addr(addr), SUBFUNC_SIZE)
                    .writer()
                    .write_slice(&copy[..])
            }
            (KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_MACHINE_SUBFUNC) => {
                UserSlice::new(UserPtr::from_addr(addr), SUBFUNC_SIZE)
                    .writer()
                    .write_slice(&machine_model().subfunc)
            }
            // The machine offers no ultravisor feature, so a VM's set can only be empty: it
            // is not stored, and reads as what it must be.
            (
                KVM_GET_DEVICE_ATTR,
                KVM_S390_VM_CPU_PROCESSOR_UV_FEAT_GUEST | KVM_S390_VM_CPU_MACHINE_UV_FEAT_GUEST,
            ) => write_u64s(addr, &[cpu_model::MACHINE_UV_FEAT_GUEST]),
            (KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_UV_FEAT_GUEST) => {
                self.set_processor_uv_feat(addr)
            }
            (KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR) => self.set_processor(addr),
            (KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_FEAT) => self.set_processor_feat(addr),
            (KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_SUBFUNC) => {
                self.set_processor_subfunc(addr)
            }
            // Unknown attributes, and writes to the read-only ones (mainline: ENXIO).
            _ => Err(ENXIO),
        }
    }

    /// Sets the guest's CPU features: a subset of the machine's (EINVAL otherwise), before
    /// the first vCPU (EBUSY after). As mainline, the value is read and checked before the
    /// VM is looked at, so a bad value is EINVAL even after the first vCPU.
    fn set_processor_feat(&self, addr: usize) -> Result {
        let mut feat = [0u64; FEAT_DWORDS];
        let mut reader = UserSlice::new(UserPtr::from_addr(addr), 8 * FEAT_DWORDS).reader();
        for word in feat.iter_mut() {
            *word = reader.read::<u64>()?;
        }
        if !cpu_model::is_subset(&feat, &machine_model().feat) {
            return Err(EINVAL);
        }
        self.with_no_vcpus(|| {
            // SAFETY: `kvm->lock` is held and no vCPU exists, so nothing reads the bitmap.
            unsafe { (*self.arch()).cpu_feat = feat.map(|w| w as usize) };
            Ok(())
        })
    }

    /// Sets the ultravisor features of a protected guest: a subset of the machine's (none:
    /// EINVAL for any), before the first vCPU (EBUSY after), checked in mainline's order.
    fn set_processor_uv_feat(&self, addr: usize) -> Result {
        let feat: u64 = UserSlice::new(UserPtr::from_addr(addr), 8)
            .reader()
            .read()?;
        if !cpu_model::is_subset(&[feat], &[cpu_model::MACHINE_UV_FEAT_GUEST]) {
            return Err(EINVAL);
        }
        self.with_no_vcpus(|| Ok(()))
    }

    /// Sets the guest's subfunctions, taken as given (as in mainline, KVM does not limit
    /// them: the guest's instructions run on the machine), before the first vCPU (EBUSY
    /// after, checked first as in mainline). A bad address leaves the old value.
    fn set_processor_subfunc(&self, addr: usize) -> Result {
        self.with_no_vcpus(|| {
            let mut copy = KBox::new([0u8; SUBFUNC_SIZE], GFP_KERNEL)?;
            UserSlice::new(UserPtr::from_addr(addr), SUBFUNC_SIZE)
                .reader()
                .read_slice(&mut copy[..])?;
            // SAFETY: `kvm->lock` is held and no vCPU exists, so nothing reads the model.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    copy.as_ptr(),
                    core::ptr::addr_of_mut!((*self.model()).subfuncs).cast::<u8>(),
                    SUBFUNC_SIZE,
                )
            };
            Ok(())
        })
    }

    /// `KVM_ENABLE_CAP` of `KVM_CAP_S390_VECTOR_REGISTERS` (the caller checked that the host
    /// has the vector facility): facility 129 and the host's vector extensions join the
    /// VM's facility list and mask (`logic/vector.rs`). EBUSY once a vCPU exists.
    pub(crate) fn enable_vector(&self) -> Result {
        self.with_no_vcpus(|| {
            let model = self.model();
            let list_ptr = self.fac_list();
            let mut list = [0u64; HOST_DWORDS];
            let mut mask = [0u64; HOST_DWORDS];
            // SAFETY: `kvm->lock` is held and no vCPU exists, so the only other accesses are
            // the unlocked reads of `KVM_S390_VM_CPU_MACHINE` and `_PROCESSOR`; both lists
            // have at least `HOST_DWORDS` doublewords; everything is accessed volatile.
            unsafe {
                let mask_ptr = core::ptr::addr_of_mut!((*model).fac_mask).cast::<u64>();
                for (i, (l, m)) in list.iter_mut().zip(mask.iter_mut()).enumerate() {
                    *l = list_ptr.add(i).read_volatile();
                    *m = mask_ptr.add(i).read_volatile();
                }
                vector::enable(&host_facilities(), &mut list, &mut mask);
                for (i, (l, m)) in list.iter().zip(mask.iter()).enumerate() {
                    list_ptr.add(i).write_volatile(*l);
                    mask_ptr.add(i).write_volatile(*m);
                }
            }
            Ok(())
        })
    }

    /// Runs `f` under `kvm->lock` if no vCPU was created yet; EBUSY otherwise.
    fn with_no_vcpus(&self, f: impl FnOnce() -> Result) -> Result {
        let kvm = self.as_raw();
        // SAFETY: the VM is live; `kvm->lock` orders this against vCPU creation.
        unsafe { bindings::kvm_s390_rust_kvm_lock(kvm) };
        // SAFETY: `created_vcpus` is protected by `kvm->lock`, held.
        let result = if unsafe { (*kvm).created_vcpus } != 0 {
            Err(EBUSY)
        } else {
            f()
        };
        // SAFETY: taken above.
        unsafe { bindings::kvm_s390_rust_kvm_unlock(kvm) };
        result
    }

    fn get_processor(&self, addr: usize) -> Result {
        let model = self.model();
        let mut proc = KBox::new(
            KvmS390VmCpuProcessor {
                cpuid: 0,
                ibc: 0,
                pad: [0; 6],
                fac_list: [0; FAC_LIST_DWORDS],
            },
            GFP_KERNEL,
        )?;
        // SAFETY: the model is valid for the VM's life; a concurrent SET (under `kvm->lock`)
        // can only make the copy inconsistent, as in mainline.
        unsafe {
            proc.cpuid = (*model).cpuid;
            proc.ibc = (*model).ibc;
            core::ptr::copy_nonoverlapping(
                self.fac_list(),
                proc.fac_list.as_mut_ptr(),
                FAC_LIST_DWORDS,
            );
        }
        UserSlice::new(
            UserPtr::from_addr(addr),
            core::mem::size_of::<KvmS390VmCpuProcessor>(),
        )
        .writer()
        .write(&*proc)
    }

    fn get_machine(&self, addr: usize) -> Result {
        let machine = Machine::read();
        let mut mach = KBox::new(
            KvmS390VmCpuMachine {
                cpuid: 0,
                ibc: machine.ibc,
                pad: [0; 4],
                fac_mask: [0; FAC_LIST_DWORDS],
                fac_list: [0; FAC_LIST_DWORDS],
            },
            GFP_KERNEL,
        )?;
        // SAFETY: no precondition.
        mach.cpuid = unsafe { bindings::kvm_s390_rust_host_cpuid() };
        // SAFETY: the model is valid; `fac_mask` is written at VM creation and, under
        // `kvm->lock` before any vCPU exists, by `enable_vector`, hence read volatile (a
        // racing enable makes the copy either old or new per doubleword, as in mainline).
        unsafe {
            let mask = core::ptr::addr_of!((*self.model()).fac_mask).cast::<u64>();
            for (i, dst) in mach.fac_mask.iter_mut().enumerate().take(HOST_DWORDS) {
                *dst = mask.add(i).read_volatile();
            }
        }
        for (dst, src) in mach.fac_list.iter_mut().zip(host_facilities().iter()) {
            *dst = *src;
        }
        UserSlice::new(
            UserPtr::from_addr(addr),
            core::mem::size_of::<KvmS390VmCpuMachine>(),
        )
        .writer()
        .write(&*mach)
    }

    /// Sets the guest processor: only before the first vCPU exists (EBUSY after), taken
    /// as given except the IBC, which is clamped to what the machine supports. As
    /// `devices/vm.rst` says, KVM does not limit the model.
    fn set_processor(&self, addr: usize) -> Result {
        let kvm = self.as_raw();
        // SAFETY: the VM is live; `kvm->lock` orders this against vCPU creation.
        unsafe { bindings::kvm_s390_rust_kvm_lock(kvm) };
        let result = (|| {
            // SAFETY: `created_vcpus` is protected by `kvm->lock`, held.
            if unsafe { (*kvm).created_vcpus } != 0 {
                return Err(EBUSY);
            }
            let mut proc = KBox::new(
                KvmS390VmCpuProcessor {
                    cpuid: 0,
                    ibc: 0,
                    pad: [0; 6],
                    fac_list: [0; FAC_LIST_DWORDS],
                },
                GFP_KERNEL,
            )?;
            let size = core::mem::size_of::<KvmS390VmCpuProcessor>();
            // SAFETY: the box holds `size` bytes; any bytes are a valid value (`FromBytes`).
            let bytes = unsafe {
                core::slice::from_raw_parts_mut(
                    core::ptr::from_mut::<KvmS390VmCpuProcessor>(&mut proc).cast::<u8>(),
                    size,
                )
            };
            UserSlice::new(UserPtr::from_addr(addr), size)
                .reader()
                .read_slice(bytes)?;
            let model = self.model();
            let machine = Machine::read();
            // SAFETY: `kvm->lock` is held and no vCPU exists, so nothing reads the model.
            unsafe {
                (*model).cpuid = proc.cpuid;
                (*model).ibc = facilities::requested_ibc(machine.ibc, (*model).ibc, proc.ibc);
                core::ptr::copy_nonoverlapping(
                    proc.fac_list.as_ptr(),
                    self.fac_list(),
                    FAC_LIST_DWORDS,
                );
            }
            Ok(())
        })();
        // SAFETY: taken above.
        unsafe { bindings::kvm_s390_rust_kvm_unlock(kvm) };
        result
    }
}

/// Writes doublewords to user space (a CPU-feature bitmap).
fn write_u64s(addr: usize, words: &[u64]) -> Result {
    let mut writer = UserSlice::new(UserPtr::from_addr(addr), 8 * words.len()).writer();
    for word in words {
        writer.write(word)?;
    }
    Ok(())
}
