// SPDX-License-Identifier: GPL-2.0

//! DIAGNOSE (opcode 0x83): decoding of the intercepted instruction and the decisions of the
//! functions the backend handles in the kernel.
//!
//! DIAGNOSE is model dependent; the functions a KVM guest uses are those of z/VM ("CP
//! Programming Services", SC24-6084) and KVM's own virtio-ccw notification. The instruction
//! has the RS format `83 R1R3 B2D2`: SIE stores the first halfword in `ipa` and `B2D2` in
//! the high halfword of `ipb`; the function code is bits 48-63 of `D2(B2)`, computed like
//! an address but not used as one. The register fields are called Rx (R1) and Ry (R3) in
//! the z/VM descriptions. Mainline: `arch/s390/kvm/s390/diag.c` (`kvm_s390_handle_diag`).

/// The operation code of DIAGNOSE (the first byte of `ipa`).
pub const OPCODE: u8 = 0x83;

/// Page size the release-pages function works in.
const PAGE_SIZE: u64 = 4096;

/// The operands of an intercepted DIAGNOSE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operands {
    /// Rx (the R1 field): the first register operand.
    pub rx: usize,
    /// Ry (the R3 field): the second register operand.
    pub ry: usize,
    /// B2: the base register of the function code (0: none).
    pub base: usize,
    /// D2: the 12-bit displacement of the function code.
    pub disp: u16,
}

/// Decodes the operands of DIAGNOSE from the interception parameters.
pub fn decode(ipa: u16, ipb: u32) -> Operands {
    Operands {
        rx: usize::from((ipa >> 4) as u8 & 0xf),
        ry: usize::from(ipa as u8 & 0xf),
        base: (ipb >> 28) as usize,
        disp: ((ipb >> 16) & 0xfff) as u16,
    }
}

/// Whether an interception's `ipa` is that of DIAGNOSE.
pub fn is_diagnose(ipa: u16) -> bool {
    (ipa >> 8) as u8 == OPCODE
}

/// The function code: bits 48-63 of the second-operand address `D2(B2)`, where
/// `base_value` is the content of the base register (0 when B2 is 0). Like an address
/// computation it wraps; unlike one, no addressing mode applies (only 16 bits are used).
pub fn function_code(base_value: u64, disp: u16) -> u16 {
    base_value.wrapping_add(u64::from(disp)) as u16
}

/// The DIAGNOSE functions the backend distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    /// 0x010: release pages.
    ReleasePages,
    /// 0x044: voluntary time-slice end.
    TimeSliceEnd,
    /// 0x09c: voluntary time-slice end, directed to another CPU.
    DirectedYield,
    /// 0x258: page-reference services (pfault).
    PageReference,
    /// 0x308: IPL functions.
    Ipl,
    /// 0x500: KVM hypercalls (virtio-ccw notification).
    Virtio,
    /// Any other function code.
    Other(u16),
}

/// The function a function code selects.
pub fn function(code: u16) -> Function {
    match code {
        0x010 => Function::ReleasePages,
        0x044 => Function::TimeSliceEnd,
        0x09c => Function::DirectedYield,
        0x258 => Function::PageReference,
        0x308 => Function::Ipl,
        0x500 => Function::Virtio,
        other => Function::Other(other),
    }
}

/// The guest real range `[start, end)` DIAGNOSE 0x10 releases, from the contents of Rx
/// (first page) and Ry (last page): `None` is a specification exception (either address
/// not on a page boundary, an empty or reversed range, or a range starting in the first
/// two pages, which hold the lowcore). The end wraps, as in mainline.
pub fn release_pages_range(rx_value: u64, ry_value: u64) -> Option<(u64, u64)> {
    let start = rx_value;
    let end = ry_value.wrapping_add(PAGE_SIZE);
    if start % PAGE_SIZE != 0 || end % PAGE_SIZE != 0 || start >= end || start < 2 * PAGE_SIZE {
        return None;
    }
    Some((start, end))
}

/// The pfault token value meaning "no handshake" (`KVM_S390_PFAULT_TOKEN_INVALID`).
pub const PFAULT_TOKEN_INVALID: u64 = u64::MAX;

/// Size of the DIAGNOSE 0x258 parameter block (z/VM's page-reference services block, as
/// far as a z/Architecture guest fills it): the function code, the subcode, the block
/// length in doublewords, the version, the token address, the select and compare masks
/// of the PSW, and the z/Architecture doubleword.
pub const PAGE_REF_BLOCK_SIZE: usize = 40;

/// The DIAGNOSE 0x258 parameter block (big-endian in guest storage).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageRefBlock {
    /// Function code: 0x258.
    pub code: u16,
    /// 0: establish the token, 1: cancel.
    pub subcode: u16,
    /// Length of the block in doublewords (at least 5).
    pub len: u16,
    /// Version: 2.
    pub version: u16,
    /// Guest real address of the doubleword holding the token.
    pub token_addr: u64,
    /// Which PSW bits decide whether a fault is reported asynchronously.
    pub select: u64,
    /// The value the selected PSW bits must have.
    pub compare: u64,
    /// 0x8000_0000_0000_0000 for a z/Architecture guest.
    pub zarch: u64,
}

impl PageRefBlock {
    /// Decodes the block from guest storage.
    pub fn from_be_bytes(b: &[u8; PAGE_REF_BLOCK_SIZE]) -> Self {
        let h = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        let d = |i: usize| {
            let mut x = [0u8; 8];
            x.copy_from_slice(&b[i..i + 8]);
            u64::from_be_bytes(x)
        };
        PageRefBlock {
            code: h(0),
            subcode: h(2),
            len: h(4),
            version: h(6),
            token_addr: d(8),
            select: d(16),
            compare: d(24),
            zarch: d(32),
        }
    }
}

/// What DIAGNOSE 0x258 does (mainline's `__diag_page_ref_service`, after SC24-6084).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageRef {
    /// A specification exception.
    Specification,
    /// Establish the handshake with this token address and masks, once the token address
    /// is known to be in guest memory (else an addressing exception); Ry gets 0.
    Establish {
        /// Guest real address of the token.
        token_addr: u64,
        /// PSW select mask.
        select: u64,
        /// PSW compare mask.
        compare: u64,
    },
    /// Cancel the handshake; Ry gets 0.
    Cancel,
    /// Nothing changes; Ry gets this return code (8: a handshake is established already;
    /// 4: cancel without a handshake).
    ReturnCode(u64),
    /// A subcode the kernel does not handle: user space's.
    Unsupported,
}

/// Whether the parameter-block address in Rx is acceptable (doubleword aligned).
pub const fn page_ref_block_aligned(rx_value: u64) -> bool {
    rx_value & 7 == 0
}

/// The decision of DIAGNOSE 0x258 for parameter block `b` while the vCPU's token is
/// `current_token`. The order of the checks is mainline's: a second establish answers 8
/// before its block is looked at further.
pub fn page_ref(b: &PageRefBlock, current_token: u64) -> PageRef {
    if b.version != 2 || b.len < 5 || b.code != 0x258 {
        return PageRef::Specification;
    }
    match b.subcode {
        0 => {
            if current_token != PFAULT_TOKEN_INVALID {
                return PageRef::ReturnCode(8);
            }
            if b.compare & b.select != b.compare
                || b.token_addr & 7 != 0
                || b.zarch != 0x8000_0000_0000_0000
            {
                return PageRef::Specification;
            }
            PageRef::Establish {
                token_addr: b.token_addr,
                select: b.select,
                compare: b.compare,
            }
        }
        1 => {
            if b.token_addr != 0 || b.select != 0 || b.compare != 0 || b.zarch != 0 {
                return PageRef::Specification;
            }
            if current_token == PFAULT_TOKEN_INVALID {
                PageRef::ReturnCode(4)
            } else {
                PageRef::Cancel
            }
        }
        _ => PageRef::Unsupported,
    }
}

/// Whether a fault may be reported to the guest asynchronously (mainline's
/// `kvm_arch_setup_async_pf`, its conditions on the guest): a handshake is established,
/// the PSW's selected bits equal the compare mask, the PSW enables external interruptions,
/// nothing is pending for the vCPU (`irq_pending`), and CR0 enables the service-signal
/// subclass, under which the 0x2603 interruptions are taken.
pub fn async_allowed(
    token: u64,
    select: u64,
    compare: u64,
    psw_mask: u64,
    cr0: u64,
    irq_pending: bool,
) -> bool {
    token != PFAULT_TOKEN_INVALID
        && psw_mask & select == compare
        && psw_mask & crate::logic::interrupt::PSW_MASK_EXT != 0
        && !irq_pending
        && cr0 & crate::logic::interrupt::CR0_SERVICE_SIGNAL_SUBMASK != 0
}

/// `kvm_run.s390_reset_flags` bits (`KVM_S390_RESET_*` of `asm/kvm.h`).
pub mod reset {
    /// Clear reset: storage is cleared too.
    pub const CLEAR: u64 = 2;
    /// Subsystem reset.
    pub const SUBSYSTEM: u64 = 4;
    /// Initial CPU reset of every CPU.
    pub const CPU_INIT: u64 = 8;
    /// IPL from the re-IPL device.
    pub const IPL: u64 = 16;
}

/// The reset flags user space is asked to perform for DIAGNOSE 0x308 with `ry_value` in
/// Ry: its subcode (bits 48-63) 3 is a re-IPL with a clear reset, 4 one without; `None`
/// for every other subcode (set or store IPL parameters and the like), which user space
/// handles as a plain intercept.
pub fn ipl_reset_flags(ry_value: u64) -> Option<u64> {
    let base = reset::SUBSYSTEM | reset::IPL | reset::CPU_INIT;
    match ry_value & 0xffff {
        3 => Some(base | reset::CLEAR),
        4 => Some(base),
        _ => None,
    }
}

/// The subfunction code (in general register 1) of a virtio-ccw queue notification through
/// DIAGNOSE 0x500 (`KVM_S390_VIRTIO_CCW_NOTIFY` of `asm/virtio-ccw.h`).
pub const VIRTIO_CCW_NOTIFY: u64 = 3;

/// Whether DIAGNOSE 0x500 is a virtio-ccw notification the kernel may deliver through an
/// ioeventfd: only once user space enabled channel-subsystem support
/// (`KVM_CAP_S390_CSS_SUPPORT`), which is what makes subchannels user space's.
pub fn is_virtio_notification(css_support: bool, gpr1: u64) -> bool {
    css_support && gpr1 == VIRTIO_CCW_NOTIFY
}

/// The subchannel id a virtio-ccw notification names (general register 2, bits 32-63): the
/// address on `KVM_VIRTIO_CCW_NOTIFY_BUS`.
pub fn virtio_subchannel(gpr2: u64) -> u64 {
    gpr2 & 0xffff_ffff
}
