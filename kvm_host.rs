// SPDX-License-Identifier: GPL-2.0

//! Hardware structures that SIE reads and writes: the SIE control block, the page that holds
//! it, and the basic system control area (SCA).
//!
//! The layouts are fixed by the architecture (the SIE description that accompanies the
//! Principles of Operation) and, for the C code built into the kernel (`entry.S`, `nmi.c`,
//! `asm-offsets.c`), by `arch/s390/include/asm/kvm_host_s390_types.h`. Every offset is asserted
//! at compile time here; `layout_checks.rs` additionally compares them with the C definitions
//! through bindgen when building the module.
//!
//! This file is pure: it uses only `core` and is compiled unchanged into the host test crate.
//! Bit numbers in comments follow the Principles of Operation (bit 0 is the most significant).

use core::mem::{offset_of, size_of};

/// Size of a page on s390.
pub const PAGE_SIZE: usize = 4096;

/// `cpuflags` bits of the SIE control block (word at offset 0).
pub mod cpustat {
    /// The vCPU is stopped (no SIE entry until it is started).
    pub const STOPPED: u32 = 0x8000_0000;
    /// The vCPU is in the wait state.
    pub const WAIT: u32 = 0x1000_0000;
    /// An external call is pending.
    pub const ECALL_PEND: u32 = 0x0800_0000;
    /// A stop interruption is pending.
    pub const STOP_INT: u32 = 0x0400_0000;
    /// An I/O interruption is pending.
    pub const IO_INT: u32 = 0x0200_0000;
    /// An external interruption is pending.
    pub const EXT_INT: u32 = 0x0100_0000;
    /// The vCPU is loaded on a host CPU.
    pub const RUNNING: u32 = 0x0080_0000;
    /// The guest runs in z/Architecture mode.
    pub const ZARCH: u32 = 0x0000_0800;
    /// Storage management: the host handles storage-key and reference/change state.
    pub const SM: u32 = 0x0000_0080;
    /// Guest-enhanced DAT (EDAT-1) is enabled for the guest.
    pub const GED: u32 = 0x0000_0004;
    /// The guest runs with PER forced on (guest-PER enhancement; guest debugging).
    pub const P: u32 = 0x0000_0001;
}

/// `ecb` (execution control byte) bits.
pub mod ecb {
    /// Host protection interruption: DAT-protection in the guest mapping is reported to the host.
    pub const HOSTPROTINT: u8 = 0x02;
    /// PER-3 / speculative instruction interpretation.
    pub const SPECI: u8 = 0x08;
    /// Store-reverse interpretation (facility 9).
    pub const SRSI: u8 = 0x04;
}

/// `eca` (execution control A) bits.
pub mod eca {
    /// MVPG interpretation.
    pub const MVPGI: u32 = 0x0100_0000;
    /// Protection-exception interpretation.
    pub const PROTEXCI: u32 = 0x0000_2000;
    /// The guest may use the vector facility (facility 129 in its model).
    pub const VX: u32 = 0x0002_0000;
}

/// `ecd` (execution control D) bits.
pub mod ecd {
    /// Host register management: SIE leaves the registers the host switches (the vector
    /// registers among them) to the host, as mainline sets it together with [`super::eca::VX`].
    pub const HOSTREGMGMT: u32 = 0x2000_0000;
}

/// `ictl` (interception control) bits: which instructions always intercept.
pub mod ictl {
    /// Intercept operation exceptions (interception code 0x2c) instead of presenting them.
    pub const OPEREXC: u32 = 0x8000_0000;
    /// Intercept ISKE.
    pub const ISKE: u32 = 0x0000_4000;
    /// Intercept SSKE.
    pub const SSKE: u32 = 0x0000_2000;
    /// Intercept RRBE.
    pub const RRBE: u32 = 0x0000_1000;
}

/// `fpf` bit: branch-prediction blocking is active for the guest (facility 82).
pub const FPF_BPBC: u8 = 0x20;

/// Host program identifier stored in `hpid` for guests run by KVM.
pub const HPID_KVM: u8 = 0x4;

/// `ihcpu` value that names no host CPU. SIE keeps the guest's TLB entries only when it is
/// entered on the host CPU `ihcpu` names, so storing this makes it purge them at the next
/// entry: mainline's answer to `KVM_REQ_TLB_FLUSH` (`kvm_s390_handle_requests`).
pub const IHCPU_PURGE_TLB: u16 = 0xffff;

/// `msl` value that limits nothing: the highest main storage limit (bits 44-63 are ignored,
/// the limit counts 1 MiB units). Guest absolute addresses are bounded by our DAT tables
/// instead (see `gmap.rs`).
pub const MSL_NO_LIMIT: u64 = !0xf_ffff;

/// The program status word as SIE stores it: two doublewords.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Psw {
    /// PSW bits 0-63: masks, key, addressing mode, condition code.
    pub mask: u64,
    /// PSW bits 64-127: the instruction address.
    pub addr: u64,
}

/// The SIE control block (state description), 512 bytes, 512-byte aligned.
///
/// Fields the backend does not use yet are kept as reserved byte ranges; their offsets come
/// from `kvm_host_s390_types.h`.
#[repr(C, align(512))]
pub struct SieBlock {
    /// 0x000: CPU state flags ([`cpustat`]). Changed concurrently by other vCPU threads.
    pub cpuflags: u32,
    /// 0x004: bit 1-19 prefix (bits 13-31 of the prefix value), bits 20-31 IBC.
    pub prefix_ibc: u32,
    _reserved08: [u8; 4],
    /// 0x00c: set by `__sie64a` while this block is in SIE.
    pub prog0c: u32,
    _reserved10: [u8; 16],
    /// 0x020: PROG_BLOCK_SIE / PROG_REQUEST: keep this vCPU out of SIE.
    pub prog20: u32,
    _reserved24: [u8; 4],
    /// 0x028: guest CPU timer.
    pub cputm: u64,
    /// 0x030: guest clock comparator.
    pub ckc: u64,
    /// 0x038: TOD epoch difference.
    pub epoch: u64,
    /// 0x040: SVC interception control.
    pub svcc: u32,
    /// 0x044: LCTL interception mask.
    pub lctl: u16,
    /// 0x046: guest CPU address.
    pub icpua: i16,
    /// 0x048: interception controls ([`ictl`]).
    pub ictl: u32,
    /// 0x04c: execution control A ([`eca`]).
    pub eca: u32,
    /// 0x050: interception code.
    pub icptcode: u8,
    /// 0x051: interception status.
    pub icptstatus: u8,
    /// 0x052: host CPU address of the interception.
    pub ihcpu: u16,
    _reserved54: u8,
    /// 0x055: interruption-injection control.
    pub iictl: u8,
    /// 0x056: instruction parameter A (first halfword of the intercepted instruction).
    pub ipa: u16,
    /// 0x058: instruction parameter B (bytes 2-5 of the intercepted instruction).
    pub ipb: u32,
    /// 0x05c: SCA origin, high word.
    pub scaoh: u32,
    /// 0x060: facility bits (FPF_BPBC, ...).
    pub fpf: u8,
    /// 0x061: execution control byte ([`ecb`]).
    pub ecb: u8,
    /// 0x062: execution control byte 2.
    pub ecb2: u8,
    /// 0x063: execution control byte 3.
    pub ecb3: u8,
    /// 0x064: SCA origin, low word.
    pub scaol: u32,
    _reserved68: [u8; 4],
    /// 0x06c: TOD programmable register.
    pub todpr: u32,
    /// 0x070: GISA designation.
    pub gd: u32,
    _reserved74: [u8; 12],
    /// 0x080: main storage origin.
    pub mso: u64,
    /// 0x088: main storage limit.
    pub msl: u64,
    /// 0x090: the guest PSW.
    pub gpsw: Psw,
    /// 0x0a0: guest general register 14.
    pub gg14: u64,
    /// 0x0a8: guest general register 15.
    pub gg15: u64,
    _reservedb0: [u8; 8],
    /// 0x0b8: host program identifier.
    pub hpid: u8,
    _reservedb9: [u8; 7],
    /// 0x0c0: external interruption parameters / machine-check interruption code.
    pub eiparams_mcic: u64,
    _reservedc8: [u8; 4],
    /// 0x0cc: program interruption ILC and code.
    pub pgmilc_iprcc: u32,
    /// 0x0d0: data exception code / failing storage address.
    pub faddr: u64,
    /// 0x0d8: PER address.
    pub peraddr: u64,
    /// 0x0e0: exception access id (high byte) and PER access id (low byte).
    pub eai_peraid: u16,
    /// 0x0e2: operand access id.
    pub oai: u8,
    _reservede3: [u8; 5],
    /// 0x0e8: translation-exception code / I/O interruption data.
    pub tecmc: u64,
    _reservedf0: [u8; 12],
    /// 0x0fc: crypto control block designation.
    pub crycbd: u32,
    /// 0x100: guest control registers 0-15.
    pub gcr: [u64; 16],
    /// 0x180: guest breaking-event address.
    pub gbea: u64,
    _reserved188: [u8; 8],
    /// 0x190: state description extension origin.
    pub sdnxo: u64,
    _reserved198: [u8; 8],
    /// 0x1a0: facility list designation.
    pub fac: u32,
    _reserved1a4: [u8; 20],
    /// 0x1b8: CMMA buffer origin.
    pub cbrlo: u64,
    _reserved1c0: [u8; 8],
    /// 0x1c8: execution control D.
    pub ecd: u32,
    _reserved1cc: [u8; 18],
    // 0x1de: the program parameter is not naturally aligned; kept as bytes.
    pp: [u8; 8],
    _reserved1e6: [u8; 2],
    /// 0x1e8: interception TDB address.
    pub itdba: u64,
    /// 0x1f0: runtime-instrumentation control block designation.
    pub riccbd: u64,
    /// 0x1f8: guest vector register save area designation.
    pub gvrd: u64,
}

impl SieBlock {
    /// Offset of the program parameter.
    pub const PP_OFFSET: usize = offset_of!(SieBlock, pp);

    /// Address of the program parameter, which is not naturally aligned (offset 0x1de):
    /// write it with `write_unaligned`.
    pub fn pp_ptr(this: *mut SieBlock) -> *mut u64 {
        this.cast::<u8>()
            .wrapping_add(Self::PP_OFFSET)
            .cast::<u64>()
    }
}

/// Machine-check information saved for a machine check taken while in SIE (24 bytes).
#[repr(C)]
pub struct McckVolatileInfo {
    /// Machine-check interruption code.
    pub mcic: u64,
    /// Failing storage address.
    pub failing_storage_address: u64,
    /// External damage code.
    pub ext_damage_code: u32,
    _reserved: u32,
}

/// The page that holds a vCPU's SIE control block; `nmi.c` finds `mcck_info` behind it.
#[repr(C, align(4096))]
pub struct SiePage {
    /// The SIE control block.
    pub sie_block: SieBlock,
    /// 0x200: machine-check information (written by the host's machine-check handler).
    pub mcck_info: McckVolatileInfo,
    _reserved218: [u8; 360],
    /// 0x380: general registers of protected guests.
    pub pv_grregs: [u64; 16],
    _reserved400: [u8; 512],
    /// 0x600: interception transaction diagnostic block.
    pub itdb: [u8; 256],
    _reserved700: [u8; 2304],
}

/// Number of vCPU entries in the basic SCA.
pub const BSCA_CPU_SLOTS: usize = 64;

/// One vCPU entry of the basic SCA (32 bytes).
#[repr(C)]
pub struct BscaEntry {
    _reserved0: u8,
    /// SIGP control: bit 0 "interruption pending", bits 2-7 the sender.
    pub sigp_ctrl: u8,
    _reserved2: [u16; 3],
    /// State description address of this vCPU.
    pub sda: u64,
    _reserved10: [u64; 2],
}

/// The basic system control area: shared by the vCPUs of a VM, must lie below 2 GiB on
/// machines without the 64-bit-SCA-origin facility, 64-byte aligned.
#[repr(C)]
pub struct BscaBlock {
    /// IPTE interlock control.
    pub ipte_control: u64,
    _reserved08: [u64; 5],
    /// Bit mask of valid entries (bit 0 = vCPU 0, PoP numbering).
    pub mcn: u64,
    /// SCA utility (bit 0: multithreading).
    pub utility: u32,
    _reserved3c: [u8; 4],
    /// The vCPU entries.
    pub cpu: [BscaEntry; BSCA_CPU_SLOTS],
}

/// The bit of vCPU `id` in the SCA's `mcn` (bit `id` in the Principles of Operation's
/// numbering, from the most significant end; mainline's `set_bit_inv`). `id` must be below
/// [`BSCA_CPU_SLOTS`].
pub const fn mcn_bit(id: usize) -> u64 {
    1 << (BSCA_CPU_SLOTS - 1 - id)
}

/// Low bits of the SCA origin that must be zero (64-byte alignment).
pub const SCA_ORIGIN_ALIGN_MASK: u64 = 0x3f;

macro_rules! assert_offset {
    ($t:ty, $f:ident, $off:expr) => {
        const _: () = assert!(offset_of!($t, $f) == $off);
    };
}

const _: () = assert!(size_of::<SieBlock>() == 512);
const _: () = assert!(size_of::<SiePage>() == PAGE_SIZE);
const _: () = assert!(size_of::<BscaEntry>() == 32);
const _: () = assert!(size_of::<BscaBlock>() == 0x40 + 32 * BSCA_CPU_SLOTS);
const _: () = assert!(size_of::<BscaBlock>() <= PAGE_SIZE);
const _: () = assert!(size_of::<McckVolatileInfo>() == 24);
assert_offset!(SieBlock, cpuflags, 0x000);
assert_offset!(SieBlock, prefix_ibc, 0x004);
assert_offset!(SieBlock, prog0c, 0x00c);
assert_offset!(SieBlock, prog20, 0x020);
assert_offset!(SieBlock, cputm, 0x028);
assert_offset!(SieBlock, ckc, 0x030);
assert_offset!(SieBlock, epoch, 0x038);
assert_offset!(SieBlock, lctl, 0x044);
assert_offset!(SieBlock, icpua, 0x046);
assert_offset!(SieBlock, ictl, 0x048);
assert_offset!(SieBlock, eca, 0x04c);
assert_offset!(SieBlock, icptcode, 0x050);
assert_offset!(SieBlock, ipa, 0x056);
assert_offset!(SieBlock, ipb, 0x058);
assert_offset!(SieBlock, scaoh, 0x05c);
assert_offset!(SieBlock, ecb, 0x061);
assert_offset!(SieBlock, scaol, 0x064);
assert_offset!(SieBlock, todpr, 0x06c);
assert_offset!(SieBlock, gd, 0x070);
assert_offset!(SieBlock, mso, 0x080);
assert_offset!(SieBlock, msl, 0x088);
assert_offset!(SieBlock, gpsw, 0x090);
assert_offset!(SieBlock, gg14, 0x0a0);
assert_offset!(SieBlock, hpid, 0x0b8);
assert_offset!(SieBlock, eiparams_mcic, 0x0c0);
assert_offset!(SieBlock, pgmilc_iprcc, 0x0cc);
assert_offset!(SieBlock, faddr, 0x0d0);
assert_offset!(SieBlock, tecmc, 0x0e8);
assert_offset!(SieBlock, crycbd, 0x0fc);
assert_offset!(SieBlock, gcr, 0x100);
assert_offset!(SieBlock, gbea, 0x180);
assert_offset!(SieBlock, sdnxo, 0x190);
assert_offset!(SieBlock, fac, 0x1a0);
assert_offset!(SieBlock, cbrlo, 0x1b8);
assert_offset!(SieBlock, ecd, 0x1c8);
assert_offset!(SieBlock, pp, 0x1de);
assert_offset!(SieBlock, itdba, 0x1e8);
assert_offset!(SieBlock, riccbd, 0x1f0);
assert_offset!(SieBlock, gvrd, 0x1f8);
assert_offset!(SiePage, mcck_info, 0x200);
assert_offset!(SiePage, pv_grregs, 0x380);
assert_offset!(SiePage, itdb, 0x600);
assert_offset!(BscaBlock, mcn, 0x30);
assert_offset!(BscaBlock, cpu, 0x40);
assert_offset!(BscaEntry, sda, 0x08);

/// The prefix field occupies bits 1-19 of the word at offset 4 (mainline: `prefix : 19`
/// after one unused bit), so it holds bits 1-19 of the prefix value in place: the word is
/// the prefix address itself with the IBC in bits 20-31.
const PREFIX_FIELD_POS: u32 = 12;
/// Width mask of the 19-bit prefix field.
const PREFIX_FIELD_BITS: u32 = 0x7_ffff;
/// The field's significant bits in z/Architecture: the prefix is 8 KiB aligned, so the
/// field's lowest bit (address bit 19) stays 0 (mainline: `GUEST_PREFIX_MASK_ZARCH`).
const PREFIX_FIELD_ZARCH: u32 = 0x7_fffe;

/// Encodes a guest prefix value into the `prefix_ibc` word, keeping bit 0 and the IBC bits.
///
/// Only bits 33-50 of a 64-bit prefix register value are significant (8 KiB aligned, below
/// 2 GiB); the others are dropped, as SET PREFIX drops them.
pub const fn with_prefix(prefix_ibc: u32, prefix: u32) -> u32 {
    let field = (prefix >> PREFIX_FIELD_POS) & PREFIX_FIELD_ZARCH;
    (prefix_ibc & !(PREFIX_FIELD_BITS << PREFIX_FIELD_POS)) | (field << PREFIX_FIELD_POS)
}

/// Extracts the guest prefix value from the `prefix_ibc` word.
pub const fn prefix_of(prefix_ibc: u32) -> u32 {
    ((prefix_ibc >> PREFIX_FIELD_POS) & PREFIX_FIELD_ZARCH) << PREFIX_FIELD_POS
}

/// Width mask of the instruction-blocking control (IBC) field: bits 20-31 of the word at
/// offset 4 (mainline: `ibc : 12`), the word's low 12 bits.
const IBC_FIELD_BITS: u32 = 0xfff;

/// Encodes an instruction-blocking control value into the `prefix_ibc` word, keeping the
/// prefix. Only the low 12 bits of `ibc` are significant.
pub const fn with_ibc(prefix_ibc: u32, ibc: u16) -> u32 {
    (prefix_ibc & !IBC_FIELD_BITS) | (ibc as u32 & IBC_FIELD_BITS)
}
