// SPDX-License-Identifier: GPL-2.0

//! Compile-time proof that our hardware and ABI definitions (`kvm_host.rs`, `uapi_kvm.rs`)
//! match the C ones the rest of the kernel and user space use, as bindgen sees them.
//!
//! The SIE control block is opaque to bindgen (it is packed and 512-byte aligned, see
//! `patches/0002-*`); its field offsets come from `offsetof()` constants in `bindings_kvm.h`.

use core::mem::{align_of, offset_of, size_of};
use kernel::bindings;

use crate::kvm_host::{BscaBlock, SieBlock, SiePage};
use crate::uapi_kvm::{self, KvmFpu, KvmRegs, KvmS390Psw, KvmSregs};

macro_rules! same {
    ($a:expr, $b:expr) => {
        const _: () = assert!(($a) as usize == ($b) as usize);
    };
}

macro_rules! sie_offset {
    ($($field:ident => $c:ident),* $(,)?) => {
        $(same!(offset_of!(SieBlock, $field), bindings::$c);)*
    };
}

same!(size_of::<SieBlock>(), bindings::KVM_S390_SIE_BLOCK_SIZE);
same!(
    size_of::<SieBlock>(),
    size_of::<bindings::kvm_s390_sie_block>()
);
same!(align_of::<SieBlock>(), 512);
same!(size_of::<SiePage>(), bindings::KVM_S390_SIE_PAGE_SIZE);
same!(
    offset_of!(SiePage, mcck_info),
    bindings::KVM_S390_SIE_PAGE_OFF_mcck_info
);
same!(
    offset_of!(SiePage, itdb),
    bindings::KVM_S390_SIE_PAGE_OFF_itdb
);
same!(size_of::<BscaBlock>(), bindings::KVM_S390_BSCA_SIZE);
same!(offset_of!(BscaBlock, mcn), bindings::KVM_S390_BSCA_OFF_mcn);
same!(offset_of!(BscaBlock, cpu), bindings::KVM_S390_BSCA_OFF_cpu);
sie_offset!(
    cpuflags => KVM_S390_SIE_OFF_cpuflags, prog0c => KVM_S390_SIE_OFF_prog0c,
    prog20 => KVM_S390_SIE_OFF_prog20, cputm => KVM_S390_SIE_OFF_cputm,
    ckc => KVM_S390_SIE_OFF_ckc, epoch => KVM_S390_SIE_OFF_epoch,
    icpua => KVM_S390_SIE_OFF_icpua, ictl => KVM_S390_SIE_OFF_ictl,
    eca => KVM_S390_SIE_OFF_eca, icptcode => KVM_S390_SIE_OFF_icptcode,
    ipa => KVM_S390_SIE_OFF_ipa, ipb => KVM_S390_SIE_OFF_ipb,
    scaoh => KVM_S390_SIE_OFF_scaoh, ecb => KVM_S390_SIE_OFF_ecb,
    scaol => KVM_S390_SIE_OFF_scaol, todpr => KVM_S390_SIE_OFF_todpr,
    gd => KVM_S390_SIE_OFF_gd, mso => KVM_S390_SIE_OFF_mso,
    msl => KVM_S390_SIE_OFF_msl, gpsw => KVM_S390_SIE_OFF_gpsw,
    hpid => KVM_S390_SIE_OFF_hpid, crycbd => KVM_S390_SIE_OFF_crycbd,
    gcr => KVM_S390_SIE_OFF_gcr, gbea => KVM_S390_SIE_OFF_gbea,
    sdnxo => KVM_S390_SIE_OFF_sdnxo, fac => KVM_S390_SIE_OFF_fac,
    cbrlo => KVM_S390_SIE_OFF_cbrlo, ecd => KVM_S390_SIE_OFF_ecd,
    itdba => KVM_S390_SIE_OFF_itdba, riccbd => KVM_S390_SIE_OFF_riccbd,
    gvrd => KVM_S390_SIE_OFF_gvrd,
);
same!(SieBlock::PP_OFFSET, bindings::KVM_S390_SIE_OFF_pp);

// The user ABI.
same!(size_of::<KvmRegs>(), size_of::<bindings::kvm_regs>());
same!(size_of::<KvmSregs>(), size_of::<bindings::kvm_sregs>());
same!(
    offset_of!(KvmSregs, crs),
    offset_of!(bindings::kvm_sregs, crs)
);
same!(size_of::<KvmFpu>(), size_of::<bindings::kvm_fpu>());
same!(
    offset_of!(KvmFpu, fprs),
    offset_of!(bindings::kvm_fpu, fprs)
);
same!(size_of::<KvmS390Psw>(), size_of::<bindings::kvm_s390_psw>());
same!(
    size_of::<uapi_kvm::KvmS390MemOp>(),
    size_of::<bindings::kvm_s390_mem_op>()
);
same!(
    size_of::<uapi_kvm::KvmS390Skeys>(),
    size_of::<bindings::kvm_s390_skeys>()
);
same!(
    size_of::<uapi_kvm::KvmS390Keyop>(),
    size_of::<bindings::kvm_s390_keyop>()
);
same!(
    offset_of!(uapi_kvm::KvmS390Keyop, operation),
    offset_of!(bindings::kvm_s390_keyop, operation)
);
same!(
    offset_of!(uapi_kvm::KvmS390MemOp, buf),
    offset_of!(bindings::kvm_s390_mem_op, buf)
);
same!(
    size_of::<uapi_kvm::KvmS390PgmInfo>(),
    size_of::<bindings::kvm_s390_pgm_info>()
);
same!(
    offset_of!(uapi_kvm::KvmS390PgmInfo, code),
    offset_of!(bindings::kvm_s390_pgm_info, code)
);
same!(
    offset_of!(uapi_kvm::KvmS390PgmInfo, op_access_id),
    offset_of!(bindings::kvm_s390_pgm_info, op_access_id)
);
same!(
    offset_of!(uapi_kvm::KvmS390PgmInfo, flags),
    offset_of!(bindings::kvm_s390_pgm_info, flags)
);
same!(
    uapi_kvm::KVM_S390_PGM_FLAGS_ILC_VALID,
    bindings::KVM_S390_PGM_FLAGS_ILC_VALID
);
same!(
    uapi_kvm::KVM_S390_PGM_FLAGS_ILC_MASK,
    bindings::KVM_S390_PGM_FLAGS_ILC_MASK
);
same!(
    uapi_kvm::KVM_S390_PGM_FLAGS_NO_REWIND,
    bindings::KVM_S390_PGM_FLAGS_NO_REWIND
);
same!(uapi_kvm::KVM_API_VERSION, bindings::KVM_API_VERSION);
same!(uapi_kvm::cap::NR_VCPUS, bindings::KVM_CAP_NR_VCPUS);
same!(uapi_kvm::cap::S390_PSW, bindings::KVM_CAP_S390_PSW);
same!(uapi_kvm::cap::MAX_VCPUS, bindings::KVM_CAP_MAX_VCPUS);
same!(uapi_kvm::cap::MAX_VCPU_ID, bindings::KVM_CAP_MAX_VCPU_ID);
same!(
    uapi_kvm::cap::IMMEDIATE_EXIT,
    bindings::KVM_CAP_IMMEDIATE_EXIT
);
same!(uapi_kvm::cap::SYNC_REGS, bindings::KVM_CAP_SYNC_REGS);
same!(
    uapi_kvm::cap::VM_ATTRIBUTES,
    bindings::KVM_CAP_VM_ATTRIBUTES
);
same!(
    uapi_kvm::cap::PRE_FAULT_MEMORY,
    bindings::KVM_CAP_PRE_FAULT_MEMORY
);
same!(
    uapi_kvm::KVM_VM_S390_UCONTROL,
    bindings::KVM_VM_S390_UCONTROL
);
same!(
    uapi_kvm::KVM_S390_PFAULT_TOKEN_INVALID,
    bindings::KVM_S390_PFAULT_TOKEN_INVALID
);
same!(
    uapi_kvm::KVM_S390_VM_CPU_MODEL,
    bindings::KVM_S390_VM_CPU_MODEL
);
same!(
    uapi_kvm::KVM_S390_VM_CPU_PROCESSOR,
    bindings::KVM_S390_VM_CPU_PROCESSOR
);
same!(
    uapi_kvm::KVM_S390_VM_CPU_MACHINE,
    bindings::KVM_S390_VM_CPU_MACHINE
);

// Ioctl numbers (the C macros expanded in `bindings_kvm.h`).
same!(
    uapi_kvm::KVM_S390_SET_INITIAL_PSW,
    bindings::KVM_S390_RUST_IOC_SET_INITIAL_PSW
);
same!(
    uapi_kvm::KVM_S390_INITIAL_RESET,
    bindings::KVM_S390_RUST_IOC_INITIAL_RESET
);
same!(
    uapi_kvm::KVM_S390_ENABLE_SIE,
    bindings::KVM_S390_RUST_IOC_ENABLE_SIE
);
same!(uapi_kvm::KVM_GET_REGS, bindings::KVM_S390_RUST_IOC_GET_REGS);
same!(
    uapi_kvm::KVM_SET_DEVICE_ATTR,
    bindings::KVM_S390_RUST_IOC_SET_DEVICE_ATTR
);
same!(
    uapi_kvm::KVM_GET_DEVICE_ATTR,
    bindings::KVM_S390_RUST_IOC_GET_DEVICE_ATTR
);
same!(
    uapi_kvm::KVM_HAS_DEVICE_ATTR,
    bindings::KVM_S390_RUST_IOC_HAS_DEVICE_ATTR
);

// Copy-on-write guest memory (gmap.rs).
same!(uapi_kvm::cap::S390_COW, bindings::KVM_CAP_S390_COW);

// KVM_ENABLE_CAP, ONE_REG, DIAGNOSE (enable_cap.rs, one_reg.rs, diag.rs).
same!(uapi_kvm::cap::IOEVENTFD, bindings::KVM_CAP_IOEVENTFD);
same!(uapi_kvm::cap::ENABLE_CAP, bindings::KVM_CAP_ENABLE_CAP);
same!(uapi_kvm::cap::ONE_REG, bindings::KVM_CAP_ONE_REG);
same!(
    uapi_kvm::cap::S390_CSS_SUPPORT,
    bindings::KVM_CAP_S390_CSS_SUPPORT
);
same!(
    uapi_kvm::cap::S390_USER_SIGP,
    bindings::KVM_CAP_S390_USER_SIGP
);
same!(
    uapi_kvm::cap::S390_VECTOR_REGISTERS,
    bindings::KVM_CAP_S390_VECTOR_REGISTERS
);
same!(
    uapi_kvm::cap::S390_USER_STSI,
    bindings::KVM_CAP_S390_USER_STSI
);
same!(uapi_kvm::cap::S390_RI, bindings::KVM_CAP_S390_RI);
same!(
    uapi_kvm::cap::S390_USER_INSTR0,
    bindings::KVM_CAP_S390_USER_INSTR0
);
same!(uapi_kvm::cap::S390_GS, bindings::KVM_CAP_S390_GS);
same!(uapi_kvm::cap::S390_AIS, bindings::KVM_CAP_S390_AIS);
same!(
    uapi_kvm::cap::S390_HPAGE_1M,
    bindings::KVM_CAP_S390_HPAGE_1M
);
same!(
    uapi_kvm::cap::S390_CPU_TOPOLOGY,
    bindings::KVM_CAP_S390_CPU_TOPOLOGY
);
same!(
    uapi_kvm::cap::S390_USER_OPEREXEC,
    bindings::KVM_CAP_S390_USER_OPEREXEC
);
same!(
    uapi_kvm::cap::S390_HPAGE_2G,
    bindings::KVM_CAP_S390_HPAGE_2G
);
same!(
    size_of::<uapi_kvm::KvmEnableCap>(),
    size_of::<bindings::kvm_enable_cap>()
);
same!(
    offset_of!(uapi_kvm::KvmEnableCap, flags),
    offset_of!(bindings::kvm_enable_cap, flags)
);
same!(
    size_of::<uapi_kvm::KvmOneReg>(),
    size_of::<bindings::kvm_one_reg>()
);
same!(
    offset_of!(uapi_kvm::KvmOneReg, addr),
    offset_of!(bindings::kvm_one_reg, addr)
);
same!(
    uapi_kvm::KVM_ENABLE_CAP,
    bindings::KVM_S390_RUST_IOC_ENABLE_CAP
);
same!(
    uapi_kvm::KVM_GET_ONE_REG,
    bindings::KVM_S390_RUST_IOC_GET_ONE_REG
);
same!(
    uapi_kvm::KVM_SET_ONE_REG,
    bindings::KVM_S390_RUST_IOC_SET_ONE_REG
);
same!(uapi_kvm::KVM_EXIT_S390_RESET, bindings::KVM_EXIT_S390_RESET);
same!(
    crate::logic::diag::reset::CLEAR,
    bindings::KVM_S390_RESET_CLEAR
);
same!(
    crate::logic::diag::reset::SUBSYSTEM,
    bindings::KVM_S390_RESET_SUBSYSTEM
);
same!(
    crate::logic::diag::reset::CPU_INIT,
    bindings::KVM_S390_RESET_CPU_INIT
);
same!(crate::logic::diag::reset::IPL, bindings::KVM_S390_RESET_IPL);
same!(crate::kvm_host::ictl::OPEREXC, bindings::ICTL_OPEREXC);

// The TOD and memory-control VM attributes (tod.rs).
same!(
    size_of::<uapi_kvm::KvmS390VmTodClock>(),
    size_of::<bindings::kvm_s390_vm_tod_clock>()
);
same!(
    offset_of!(uapi_kvm::KvmS390VmTodClock, tod),
    offset_of!(bindings::kvm_s390_vm_tod_clock, tod)
);
same!(uapi_kvm::KVM_S390_VM_TOD, bindings::KVM_S390_VM_TOD);
same!(
    uapi_kvm::KVM_S390_VM_MEM_CTRL,
    bindings::KVM_S390_VM_MEM_CTRL
);
same!(
    uapi_kvm::KVM_S390_VM_MEM_LIMIT_SIZE,
    bindings::KVM_S390_VM_MEM_LIMIT_SIZE
);
same!(
    uapi_kvm::KVM_S390_VM_MEM_ENABLE_CMMA,
    bindings::KVM_S390_VM_MEM_ENABLE_CMMA
);
same!(
    uapi_kvm::KVM_S390_VM_MEM_CLR_CMMA,
    bindings::KVM_S390_VM_MEM_CLR_CMMA
);
same!(
    crate::logic::tod::Attr::Low as u32,
    bindings::KVM_S390_VM_TOD_LOW
);
same!(
    crate::logic::tod::Attr::High as u32,
    bindings::KVM_S390_VM_TOD_HIGH
);
same!(
    crate::logic::tod::Attr::Ext as u32,
    bindings::KVM_S390_VM_TOD_EXT
);

// The switch area `sie64a.S` addresses with fixed offsets (AREA_* there).
same!(
    offset_of!(bindings::kvm_s390_rust_switch_area, guest_acrs),
    0x00
);
same!(
    offset_of!(bindings::kvm_s390_rust_switch_area, host_acrs),
    0x40
);
same!(size_of::<bindings::kvm_s390_rust_switch_area>(), 0x80);

// VM attributes of the CPU model.
same!(
    size_of::<uapi_kvm::KvmDeviceAttr>(),
    size_of::<bindings::kvm_device_attr>()
);
same!(
    offset_of!(uapi_kvm::KvmDeviceAttr, addr),
    offset_of!(bindings::kvm_device_attr, addr)
);
same!(
    size_of::<uapi_kvm::KvmS390VmCpuProcessor>(),
    size_of::<bindings::kvm_s390_vm_cpu_processor>()
);
same!(
    offset_of!(uapi_kvm::KvmS390VmCpuProcessor, fac_list),
    offset_of!(bindings::kvm_s390_vm_cpu_processor, fac_list)
);
same!(
    size_of::<uapi_kvm::KvmS390VmCpuMachine>(),
    size_of::<bindings::kvm_s390_vm_cpu_machine>()
);
same!(
    offset_of!(uapi_kvm::KvmS390VmCpuMachine, fac_list),
    offset_of!(bindings::kvm_s390_vm_cpu_machine, fac_list)
);

// The CPU model's features and subfunctions (`logic/cpu_model.rs`).
same!(
    size_of::<bindings::kvm_s390_vm_cpu_subfunc>(),
    crate::logic::cpu_model::SUBFUNC_SIZE
);
same!(
    size_of::<bindings::kvm_s390_vm_cpu_feat>(),
    8 * crate::logic::cpu_model::FEAT_DWORDS
);
same!(
    uapi_kvm::KVM_S390_VM_CPU_PROCESSOR_FEAT,
    bindings::KVM_S390_VM_CPU_PROCESSOR_FEAT
);
same!(
    uapi_kvm::KVM_S390_VM_CPU_MACHINE_SUBFUNC,
    bindings::KVM_S390_VM_CPU_MACHINE_SUBFUNC
);
// The crypto and migration groups and the crypto controls of the SIE block (crypto.rs,
// migration.rs).
same!(uapi_kvm::KVM_S390_VM_CRYPTO, bindings::KVM_S390_VM_CRYPTO);
same!(
    uapi_kvm::KVM_S390_VM_MIGRATION,
    bindings::KVM_S390_VM_MIGRATION
);
same!(crate::logic::crypto::ECB3_AES, bindings::ECB3_AES);
same!(crate::logic::crypto::ECB3_DEA, bindings::ECB3_DEA);
same!(crate::logic::crypto::ECA_APIE, bindings::ECA_APIE);
same!(crate::logic::crypto::ECD_ECC, bindings::ECD_ECC);
same!(crate::logic::crypto::ECD_HMAC, bindings::ECD_HMAC);
same!(crate::logic::crypto::format::F1, bindings::CRYCB_FORMAT1);
same!(crate::logic::crypto::format::F2, bindings::CRYCB_FORMAT2);
same!(offset_of!(bindings::sie_page2, crycb), 0x800);
