// SPDX-License-Identifier: GPL-2.0

//! The s390 part of the KVM user ABI: the structures user space passes to our ioctls and the
//! numbers that name them.
//!
//! The facts are in `include/uapi/linux/kvm.h`, `arch/s390/include/uapi/asm/kvm.h` and
//! `Documentation/virt/kvm/api.rst`. This file is pure (only `core`): it is compiled into the
//! host test crate too. `layout_checks.rs` asserts, when building the module, that every
//! structure here has the size and field offsets of its C twin seen through bindgen, and that
//! every number equals the C macro.

use core::mem::{offset_of, size_of};

/// The ioctl "type" byte of KVM.
pub const KVMIO: u32 = 0xAE;

const IOC_NONE: u32 = 0;
const IOC_WRITE: u32 = 1;
const IOC_READ: u32 = 2;

/// Encodes an ioctl number as `_IOC(dir, type, nr, size)` does on s390 (the generic layout).
pub const fn ioc(dir: u32, nr: u32, size: usize) -> u32 {
    (dir << 30) | ((size as u32) << 16) | (KVMIO << 8) | nr
}

/// `_IO(KVMIO, nr)`.
pub const fn io(nr: u32) -> u32 {
    ioc(IOC_NONE, nr, 0)
}

/// `_IOW(KVMIO, nr, T)`.
pub const fn iow<T>(nr: u32) -> u32 {
    ioc(IOC_WRITE, nr, size_of::<T>())
}

/// `_IOWR(KVMIO, nr, T)`.
pub const fn iowr<T>(nr: u32) -> u32 {
    ioc(IOC_READ | IOC_WRITE, nr, size_of::<T>())
}

/// `_IOR(KVMIO, nr, T)`.
pub const fn ior<T>(nr: u32) -> u32 {
    ioc(IOC_READ, nr, size_of::<T>())
}

/// PSW as passed by `KVM_S390_SET_INITIAL_PSW` (`struct kvm_s390_psw`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KvmS390Psw {
    /// PSW mask (bits 0-63).
    pub mask: u64,
    /// PSW address (bits 64-127).
    pub addr: u64,
}

/// General registers (`struct kvm_regs`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KvmRegs {
    /// General registers 0-15.
    pub gprs: [u64; 16],
}

/// Access and control registers (`struct kvm_sregs`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KvmSregs {
    /// Access registers 0-15.
    pub acrs: [u32; 16],
    /// Control registers 0-15.
    pub crs: [u64; 16],
}

/// Floating-point registers (`struct kvm_fpu`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KvmFpu {
    /// Floating-point control register.
    pub fpc: u32,
    /// Floating-point registers 0-15.
    pub fprs: [u64; 16],
}

/// A device or VM attribute access (`struct kvm_device_attr`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KvmDeviceAttr {
    /// No flags are defined; mainline ignores the field for VM attributes.
    pub flags: u32,
    /// Attribute group (`KVM_S390_VM_*`).
    pub group: u32,
    /// Attribute within the group.
    pub attr: u64,
    /// User address of the attribute's value.
    pub addr: u64,
}

/// A program interruption as user space injects it (`KVM_S390_IRQ`, type
/// `KVM_S390_PROGRAM_INT`) and as the backend's own handlers present one to the guest
/// (`struct kvm_s390_pgm_info`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KvmS390PgmInfo {
    /// Translation-exception identification (stored at 0xa8 for DAT and protection
    /// exceptions).
    pub trans_exc_code: u64,
    /// Monitor code.
    pub mon_code: u64,
    /// PER address.
    pub per_address: u64,
    /// Data-exception code.
    pub data_exc_code: u32,
    /// Program-interruption code.
    pub code: u16,
    /// Monitor class number.
    pub mon_class_nr: u16,
    /// PER code.
    pub per_code: u8,
    /// PER ATMID.
    pub per_atmid: u8,
    /// Exception access identification.
    pub exc_access_id: u8,
    /// PER access identification.
    pub per_access_id: u8,
    /// Operand access identification.
    pub op_access_id: u8,
    /// `KVM_S390_PGM_FLAGS_*`.
    pub flags: u8,
    /// Padding.
    pub pad: [u8; 2],
}

/// `flags` of [`KvmS390PgmInfo`]: the ILC below is valid (otherwise it is taken from the
/// intercepted instruction).
pub const KVM_S390_PGM_FLAGS_ILC_VALID: u8 = 0x01;
/// `flags` of [`KvmS390PgmInfo`]: the instruction length in bytes (0, 2, 4 or 6).
pub const KVM_S390_PGM_FLAGS_ILC_MASK: u8 = 0x06;
/// `flags` of [`KvmS390PgmInfo`]: do not step the PSW back for a nullifying exception.
pub const KVM_S390_PGM_FLAGS_NO_REWIND: u8 = 0x08;

/// Number of facility-list doublewords in the CPU-model attributes (2 KiB).
pub const FAC_LIST_DWORDS: usize = 256;

/// `KVM_S390_VM_CPU_PROCESSOR` (`struct kvm_s390_vm_cpu_processor`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct KvmS390VmCpuProcessor {
    /// CPU id the guest sees (STIDP).
    pub cpuid: u64,
    /// Instruction-blocking control.
    pub ibc: u16,
    /// Padding.
    pub pad: [u8; 6],
    /// Facility list the guest sees (STFLE).
    pub fac_list: [u64; FAC_LIST_DWORDS],
}

/// `KVM_S390_VM_CPU_MACHINE` (`struct kvm_s390_vm_cpu_machine`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct KvmS390VmCpuMachine {
    /// The host's CPU id.
    pub cpuid: u64,
    /// The machine's IBC field.
    pub ibc: u32,
    /// Padding.
    pub pad: [u8; 4],
    /// Facilities user space may enable for the guest.
    pub fac_mask: [u64; FAC_LIST_DWORDS],
    /// The host's facility list.
    pub fac_list: [u64; FAC_LIST_DWORDS],
}

/// VM attribute group of the CPU model.
pub const KVM_S390_VM_CPU_MODEL: u32 = 3;
/// CPU-model attribute: the guest's processor (read/write).
pub const KVM_S390_VM_CPU_PROCESSOR: u64 = 0;
/// CPU-model attribute: the host machine (read only).
pub const KVM_S390_VM_CPU_MACHINE: u64 = 1;
/// CPU-model attribute: the guest's CPU features (read/write, `struct kvm_s390_vm_cpu_feat`).
pub const KVM_S390_VM_CPU_PROCESSOR_FEAT: u64 = 2;
/// CPU-model attribute: the CPU features the backend offers (read only).
pub const KVM_S390_VM_CPU_MACHINE_FEAT: u64 = 3;
/// CPU-model attribute: the guest's subfunctions (read/write, `struct kvm_s390_vm_cpu_subfunc`).
pub const KVM_S390_VM_CPU_PROCESSOR_SUBFUNC: u64 = 4;
/// CPU-model attribute: the host's subfunctions (read only).
pub const KVM_S390_VM_CPU_MACHINE_SUBFUNC: u64 = 5;
/// CPU-model attribute: the ultravisor features of a protected guest (read/write, one `u64`).
pub const KVM_S390_VM_CPU_PROCESSOR_UV_FEAT_GUEST: u64 = 6;
/// CPU-model attribute: the ultravisor features the backend offers a protected guest.
pub const KVM_S390_VM_CPU_MACHINE_UV_FEAT_GUEST: u64 = 7;

const _: () = assert!(size_of::<KvmDeviceAttr>() == 24);
const _: () = assert!(size_of::<KvmS390VmCpuProcessor>() == 16 + 8 * FAC_LIST_DWORDS);
const _: () = assert!(offset_of!(KvmS390VmCpuMachine, fac_mask) == 16);
const _: () = assert!(size_of::<KvmS390Psw>() == 16);
const _: () = assert!(size_of::<KvmS390PgmInfo>() == 40);
const _: () = assert!(offset_of!(KvmS390PgmInfo, code) == 28);
const _: () = assert!(offset_of!(KvmS390PgmInfo, flags) == 37);
const _: () = assert!(size_of::<KvmRegs>() == 128);
const _: () = assert!(size_of::<KvmSregs>() == 192);
const _: () = assert!(offset_of!(KvmSregs, crs) == 64);
const _: () = assert!(size_of::<KvmFpu>() == 136);
const _: () = assert!(offset_of!(KvmFpu, fprs) == 8);

/// `struct kvm_s390_mem_op` (`KVM_S390_MEM_OP`), with the union's logical-access member
/// spelled out (`sida_offset` overlays `ar`, `key` and `pad1`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KvmS390MemOp {
    /// Guest address.
    pub gaddr: u64,
    /// `KVM_S390_MEMOP_F_*`.
    pub flags: u64,
    /// Number of bytes.
    pub size: u32,
    /// `KVM_S390_MEMOP_*`.
    pub op: u32,
    /// User buffer.
    pub buf: u64,
    /// Access register number (logical accesses).
    pub ar: u8,
    /// Access key (with `KVM_S390_MEMOP_F_SKEY_PROTECTION`).
    pub key: u8,
    /// Ignored.
    pub pad1: [u8; 6],
    /// Address of the old value (`KVM_S390_MEMOP_ABSOLUTE_CMPXCHG`).
    pub old_addr: u64,
    /// Ignored.
    pub reserved: [u8; 16],
}

/// `struct kvm_s390_skeys` (`KVM_S390_GET_SKEYS`, `KVM_S390_SET_SKEYS`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KvmS390Skeys {
    /// First guest frame number.
    pub start_gfn: u64,
    /// Number of keys.
    pub count: u64,
    /// User buffer of `count` key bytes.
    pub skeydata_addr: u64,
    /// Must be 0.
    pub flags: u32,
    /// Ignored.
    pub reserved: [u32; 9],
}

/// `struct kvm_s390_keyop` (`KVM_S390_KEYOP`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KvmS390Keyop {
    /// Guest absolute address of the page.
    pub guest_addr: u64,
    /// In: the key to set (SSKE); out: the key before (or its R and C bits, RRBE).
    pub key: u8,
    /// `KVM_S390_KEYOP_ISKE`, `_RRBE` or `_SSKE`.
    pub operation: u8,
    /// Ignored.
    pub pad: [u8; 6],
}

/// `KVM_S390_MEM_OP` operations.
pub mod memop {
    /// Read guest logical storage (vCPU).
    pub const LOGICAL_READ: u32 = 0;
    /// Write guest logical storage (vCPU).
    pub const LOGICAL_WRITE: u32 = 1;
    /// Read guest absolute storage (VM).
    pub const ABSOLUTE_READ: u32 = 4;
    /// Write guest absolute storage (VM).
    pub const ABSOLUTE_WRITE: u32 = 5;
    /// Compare and exchange guest absolute storage (VM).
    pub const ABSOLUTE_CMPXCHG: u32 = 6;
    /// Only check that the access would succeed.
    pub const F_CHECK_ONLY: u64 = 1 << 0;
    /// Present an access exception to the guest (vCPU).
    pub const F_INJECT_EXCEPTION: u64 = 1 << 1;
    /// Apply key-controlled protection with `key`.
    pub const F_SKEY_PROTECTION: u64 = 1 << 2;
    /// `KVM_CAP_S390_MEM_OP_EXTENSION`: the key-protection extension.
    pub const EXTENSION_CAP_BASE: i64 = 1 << 0;
    /// `KVM_CAP_S390_MEM_OP_EXTENSION`: `ABSOLUTE_CMPXCHG`.
    pub const EXTENSION_CAP_CMPXCHG: i64 = 1 << 1;
    /// Largest transfer (the `KVM_CAP_S390_MEM_OP` value).
    pub const MAX_SIZE: u32 = 65536;
}

/// `KVM_S390_GET_SKEYS` return value for a guest that never used storage keys.
pub const KVM_S390_GET_SKEYS_NONE: i32 = 1;
/// Most keys one `KVM_S390_GET_SKEYS`/`SET_SKEYS` moves.
pub const KVM_S390_SKEYS_MAX: u64 = 1_048_576;

const _: () = assert!(size_of::<KvmS390MemOp>() == 64);
const _: () = assert!(offset_of!(KvmS390MemOp, ar) == 32);
const _: () = assert!(offset_of!(KvmS390MemOp, old_addr) == 40);
const _: () = assert!(size_of::<KvmS390Skeys>() == 64);

/// The `KVM_GET_API_VERSION` value.
pub const KVM_API_VERSION: i32 = 12;

/// `KVM_S390_SET_INITIAL_PSW`: set the PSW the vCPU starts with (vCPU must be stopped).
pub const KVM_S390_SET_INITIAL_PSW: u32 = iow::<KvmS390Psw>(0x96);
/// `KVM_S390_INITIAL_RESET`: the architecture's initial CPU reset.
pub const KVM_S390_INITIAL_RESET: u32 = io(0x97);
/// `KVM_S390_NORMAL_RESET`: the normal CPU reset.
pub const KVM_S390_NORMAL_RESET: u32 = io(0xc3);
/// `KVM_S390_CLEAR_RESET`: the clear reset.
pub const KVM_S390_CLEAR_RESET: u32 = io(0xc4);
/// `KVM_S390_STORE_STATUS`: store the vCPU's status at the address given as argument.
pub const KVM_S390_STORE_STATUS: u32 = iow::<u64>(0x95);
/// `KVM_S390_STORE_STATUS_NOADDR`: store at absolute 0x1200 (and the architecture mode
/// byte at absolute 163).
pub const KVM_S390_STORE_STATUS_NOADDR: u64 = u64::MAX;
/// `KVM_S390_STORE_STATUS_PREFIXED`: store into the prefix area.
pub const KVM_S390_STORE_STATUS_PREFIXED: u64 = u64::MAX - 1;

/// `KVM_S390_ENABLE_SIE`: a no-op kept for old user space (system ioctl).
pub const KVM_S390_ENABLE_SIE: u32 = io(0x06);
/// `KVM_GET_REGS`, handled by generic KVM, named here for the documentation tests.
pub const KVM_GET_REGS: u32 = ior::<KvmRegs>(0x81);
/// `KVM_SET_DEVICE_ATTR`.
pub const KVM_SET_DEVICE_ATTR: u32 = iow::<KvmDeviceAttr>(0xe1);
/// `KVM_GET_DEVICE_ATTR`.
pub const KVM_GET_DEVICE_ATTR: u32 = iow::<KvmDeviceAttr>(0xe2);
/// `KVM_HAS_DEVICE_ATTR`.
pub const KVM_HAS_DEVICE_ATTR: u32 = iow::<KvmDeviceAttr>(0xe3);

/// `struct kvm_s390_interrupt`: the older injection ABI (`KVM_S390_INTERRUPT` on the VM and
/// on a vCPU).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KvmS390Interrupt {
    /// `KVM_S390_*` interruption type.
    pub type_: u32,
    /// Type-specific parameter.
    pub parm: u32,
    /// Type-specific 64-bit parameter.
    pub parm64: u64,
}

/// `struct kvm_s390_irq`: the injection ABI of `KVM_S390_IRQ` and the irq-state buffers. The
/// union `u` is kept as bytes in host byte order; `logic/interrupt.rs` reads its members.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KvmS390Irq {
    /// `KVM_S390_*` interruption type.
    pub type_: u64,
    /// The type's payload (`struct kvm_s390_pgm_info`, `..._mchk_info`, ...).
    pub u: [u8; 64],
}

/// `struct kvm_s390_irq_state`: a user buffer of `struct kvm_s390_irq` for
/// `KVM_S390_GET_IRQ_STATE` / `KVM_S390_SET_IRQ_STATE`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KvmS390IrqState {
    /// User address of the buffer.
    pub buf: u64,
    /// Unused (ignored, as mainline: old user space leaves garbage there).
    pub flags: u32,
    /// Length of the buffer in bytes.
    pub len: u32,
    /// Unused.
    pub reserved: [u32; 4],
}

const _: () = assert!(size_of::<KvmS390IrqState>() == 32);
const _: () = assert!(size_of::<KvmS390Interrupt>() == 16);
const _: () = assert!(size_of::<KvmS390Irq>() == 72);

/// `KVM_S390_INTERRUPT`: inject a floating (VM) or local (vCPU) interruption.
pub const KVM_S390_INTERRUPT: u32 = iow::<KvmS390Interrupt>(0x94);
/// `KVM_CREATE_IRQCHIP`: on s390, accepted once `KVM_CAP_S390_IRQCHIP` is enabled.
pub const KVM_CREATE_IRQCHIP: u32 = io(0x60);
/// `KVM_S390_IRQ`: inject a local interruption into a vCPU.
pub const KVM_S390_IRQ: u32 = iow::<KvmS390Irq>(0xb4);

/// `KVM_S390_SET_IRQ_STATE`: load the vCPU's pending local interruptions.
pub const KVM_S390_SET_IRQ_STATE: u32 = iow::<KvmS390IrqState>(0xb5);
/// `KVM_S390_GET_IRQ_STATE`: store the vCPU's pending local interruptions.
pub const KVM_S390_GET_IRQ_STATE: u32 = iow::<KvmS390IrqState>(0xb6);

/// `KVM_MP_STATE_STOPPED`.
pub const KVM_MP_STATE_STOPPED: u32 = 5;
/// `KVM_MP_STATE_CHECK_STOP`.
pub const KVM_MP_STATE_CHECK_STOP: u32 = 6;
/// `KVM_MP_STATE_OPERATING`.
pub const KVM_MP_STATE_OPERATING: u32 = 7;
/// `KVM_MP_STATE_LOAD`.
pub const KVM_MP_STATE_LOAD: u32 = 8;
/// `KVM_S390_MEM_OP` (vCPU and VM).
pub const KVM_S390_MEM_OP: u32 = iow::<KvmS390MemOp>(0xb1);
/// `KVM_S390_GET_SKEYS` (VM).
pub const KVM_S390_GET_SKEYS: u32 = iow::<KvmS390Skeys>(0xb2);
/// `KVM_S390_SET_SKEYS` (VM).
pub const KVM_S390_SET_SKEYS: u32 = iow::<KvmS390Skeys>(0xb3);
/// `KVM_S390_KEYOP` (VM).
pub const KVM_S390_KEYOP: u32 = iowr::<KvmS390Keyop>(0x53);
/// `KVM_S390_VCPU_FAULT` (vCPU; the argument is the guest address itself).
pub const KVM_S390_VCPU_FAULT: u32 = iow::<u64>(0x52);

/// The pfault token value meaning "no pfault handshake" (`KVM_S390_PFAULT_TOKEN_INVALID`).
pub const KVM_S390_PFAULT_TOKEN_INVALID: u64 = u64::MAX;

/// The bit of `kvm_sync_regs.bpbc` in its byte: the byte's first bit field, which GCC
/// allocates from the most significant bit on big-endian s390 (the KUnit suite checks it
/// against bindgen's accessor).
pub const SYNC_REGS_BPBC_BIT: u8 = 0x80;

/// `vm_type` bit that asks for a user-controlled VM.
pub const KVM_VM_S390_UCONTROL: u64 = 1;

/// Capability numbers this backend answers (`KVM_CAP_*` in `include/uapi/linux/kvm.h`).
pub mod cap {
    /// `KVM_CAP_NR_VCPUS`: recommended maximum number of vCPUs.
    pub const NR_VCPUS: i64 = 9;
    /// `KVM_CAP_S390_PSW`: `KVM_S390_SET_INITIAL_PSW` and the PSW in `kvm_run`.
    pub const S390_PSW: i64 = 42;
    /// `KVM_CAP_MAX_VCPUS`: maximum number of vCPUs.
    pub const MAX_VCPUS: i64 = 66;
    /// `KVM_CAP_MAX_VCPU_ID`: one above the highest vCPU id.
    pub const MAX_VCPU_ID: i64 = 128;
    /// `KVM_CAP_IMMEDIATE_EXIT`: `KVM_RUN` returns EINTR at once when `immediate_exit` is set.
    pub const IMMEDIATE_EXIT: i64 = 136;
    /// `KVM_CAP_SYNC_REGS`.
    pub const SYNC_REGS: i64 = 74;
    /// `KVM_CAP_VM_ATTRIBUTES`.
    pub const VM_ATTRIBUTES: i64 = 101;
    /// `KVM_CAP_PRE_FAULT_MEMORY`.
    pub const PRE_FAULT_MEMORY: i64 = 236;
    /// `KVM_CAP_IOEVENTFD`: `KVM_IOEVENTFD` (on s390: virtio-ccw notifications, DIAG 0x500).
    pub const IOEVENTFD: i64 = 36;
    /// `KVM_CAP_ENABLE_CAP`: `KVM_ENABLE_CAP` on a vCPU.
    pub const ENABLE_CAP: i64 = 54;
    /// `KVM_CAP_ONE_REG`: `KVM_{GET,SET}_ONE_REG`.
    pub const ONE_REG: i64 = 70;
    /// `KVM_CAP_S390_COW`: guest memory may be copy-on-write in user space.
    pub const S390_COW: i64 = 79;
    /// `KVM_CAP_ASYNC_PF`: asynchronous page faults (on s390 the pfault handshake).
    pub const ASYNC_PF: i64 = 59;
    /// `KVM_CAP_S390_CSS_SUPPORT`: user space handles the channel subsystem.
    pub const S390_CSS_SUPPORT: i64 = 85;
    /// `KVM_CAP_S390_USER_SIGP`: SIGP orders beyond the fast ones go to user space.
    pub const S390_USER_SIGP: i64 = 106;
    /// `KVM_CAP_S390_VECTOR_REGISTERS`.
    pub const S390_VECTOR_REGISTERS: i64 = 107;
    /// `KVM_CAP_S390_USER_STSI`: STSI is also reported to user space.
    pub const S390_USER_STSI: i64 = 109;
    /// `KVM_CAP_S390_RI`: runtime instrumentation.
    pub const S390_RI: i64 = 124;
    /// `KVM_CAP_S390_USER_INSTR0`: the instruction 0x0000 goes to user space.
    pub const S390_USER_INSTR0: i64 = 130;
    /// `KVM_CAP_S390_GS`: guarded storage.
    pub const S390_GS: i64 = 140;
    /// `KVM_CAP_S390_AIS`: adapter-interruption suppression.
    pub const S390_AIS: i64 = 141;
    /// `KVM_CAP_S390_IRQCHIP`: adapter routes and irqfd (the in-kernel irqchip).
    pub const S390_IRQCHIP: i64 = 99;
    /// `KVM_CAP_S390_HPAGE_1M`.
    pub const S390_HPAGE_1M: i64 = 156;
    /// `KVM_CAP_S390_CPU_TOPOLOGY`.
    pub const S390_CPU_TOPOLOGY: i64 = 222;
    /// `KVM_CAP_S390_USER_OPEREXEC`: every operation exception goes to user space.
    pub const S390_USER_OPEREXEC: i64 = 246;
    /// `KVM_CAP_S390_HPAGE_2G`.
    pub const S390_HPAGE_2G: i64 = 249;
    /// `KVM_CAP_MP_STATE`: `KVM_GET_MP_STATE`/`KVM_SET_MP_STATE`.
    pub const MP_STATE: i64 = 14;
    /// `KVM_CAP_S390_INJECT_IRQ`: `KVM_S390_IRQ`.
    pub const S390_INJECT_IRQ: i64 = 113;
    /// `KVM_CAP_S390_IRQ_STATE`: `KVM_S390_{GET,SET}_IRQ_STATE`.
    pub const S390_IRQ_STATE: i64 = 114;
    /// `KVM_CAP_S390_VCPU_RESETS`: `KVM_S390_NORMAL_RESET` and `KVM_S390_CLEAR_RESET`.
    pub const S390_VCPU_RESETS: i64 = 179;
    /// `KVM_CAP_S390_MEM_OP`: `KVM_S390_MEM_OP` on a vCPU; the value is the largest size.
    pub const S390_MEM_OP: i64 = 108;
    /// `KVM_CAP_S390_SKEYS`: `KVM_S390_GET_SKEYS`/`SET_SKEYS`.
    pub const S390_SKEYS: i64 = 110;
    /// `KVM_CAP_S390_KEYOP`: `KVM_S390_KEYOP`.
    pub const S390_KEYOP: i64 = 247;
    /// `KVM_CAP_SET_GUEST_DEBUG`: `KVM_SET_GUEST_DEBUG` on a vCPU.
    pub const SET_GUEST_DEBUG: i64 = 23;
    /// `KVM_CAP_SET_GUEST_DEBUG2`: the `KVM_GUESTDBG_*` flags `KVM_SET_GUEST_DEBUG` accepts.
    pub const SET_GUEST_DEBUG2: i64 = 195;
    /// `KVM_CAP_S390_MEM_OP_EXTENSION`: key protection and absolute accesses (flag bits).
    pub const S390_MEM_OP_EXTENSION: i64 = 211;
}

/// `struct kvm_enable_cap` (`KVM_ENABLE_CAP`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KvmEnableCap {
    /// The capability.
    pub cap: u32,
    /// Must be 0.
    pub flags: u32,
    /// Arguments (none of the s390 capabilities uses them).
    pub args: [u64; 4],
    /// Reserved.
    pub pad: [u8; 64],
}

/// `struct kvm_one_reg` (`KVM_{GET,SET}_ONE_REG`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KvmOneReg {
    /// Register id (`KVM_REG_S390_*`).
    pub id: u64,
    /// User address of the value.
    pub addr: u64,
}

const _: () = assert!(size_of::<KvmEnableCap>() == 104);
const _: () = assert!(size_of::<KvmOneReg>() == 16);

/// `KVM_ENABLE_CAP` (VM and vCPU).
pub const KVM_ENABLE_CAP: u32 = iow::<KvmEnableCap>(0xa3);
/// `KVM_GET_ONE_REG`.
pub const KVM_GET_ONE_REG: u32 = iow::<KvmOneReg>(0xab);
/// `KVM_SET_ONE_REG`.
pub const KVM_SET_ONE_REG: u32 = iow::<KvmOneReg>(0xac);

/// `KVM_S390_VM_MEM_CTRL`: the VM attribute group of guest memory controls.
pub const KVM_S390_VM_MEM_CTRL: u32 = 0;
/// `KVM_S390_VM_MEM_ENABLE_CMMA`.
pub const KVM_S390_VM_MEM_ENABLE_CMMA: u64 = 0;
/// `KVM_S390_VM_MEM_CLR_CMMA`.
pub const KVM_S390_VM_MEM_CLR_CMMA: u64 = 1;
/// `KVM_S390_VM_MEM_LIMIT_SIZE`: the limit of guest absolute addresses (u64).
pub const KVM_S390_VM_MEM_LIMIT_SIZE: u64 = 2;
/// `KVM_S390_VM_TOD`: the VM attribute group of the guest TOD clock.
pub const KVM_S390_VM_TOD: u32 = 1;
/// `KVM_S390_VM_CRYPTO`: the VM attribute group of the crypto controls (`logic/crypto.rs`).
pub const KVM_S390_VM_CRYPTO: u32 = 2;
/// `KVM_S390_VM_MIGRATION`: the VM attribute group of migration mode.
pub const KVM_S390_VM_MIGRATION: u32 = 4;

/// `struct kvm_s390_vm_tod_clock` (`KVM_S390_VM_TOD_EXT`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KvmS390VmTodClock {
    /// Epoch index (TOD clock extension).
    pub epoch_idx: u8,
    /// Padding.
    pub pad: [u8; 7],
    /// Bits 0-63 of the TOD clock.
    pub tod: u64,
}

const _: () = assert!(size_of::<KvmS390VmTodClock>() == 16);

/// `KVM_EXIT_S390_RESET`: user space is asked to perform the resets in `s390_reset_flags`.
pub const KVM_EXIT_S390_RESET: u32 = 14;
