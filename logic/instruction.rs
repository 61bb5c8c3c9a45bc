// SPDX-License-Identifier: GPL-2.0

//! Decoding of an intercepted instruction: its operation code and its operands, from the
//! SIE block's `ipa` (instruction bytes 0-1) and `ipb` (bytes 2-5) and the guest registers.
//!
//! Principles of Operation, chapter 5 ("Instruction Formats") for where the fields of the
//! S, RS, RSY, RRE and SSE formats sit, and "Address Generation" for how a base register
//! and a displacement become an operand address (wrapping, then truncated to the
//! addressing mode). Mainline keeps the same rules in `kvm-s390.h`
//! (`kvm_s390_get_base_disp_*`, `kvm_s390_get_regs_rre`) and splits the operation code
//! per first byte in `intercept.c`/`priv.c`.

use crate::logic::psw;

/// The operation code of an intercepted instruction, as one number: the first byte in
/// bits 8-15 and, for the first bytes whose formats extend the operation code by a whole
/// byte, that byte in bits 0-7 (0 otherwise). E.g. STIDP (B202) is `0xb202`, LCTLG (EB..2F)
/// is `0xeb2f`, DIAGNOSE (83) is `0x8300`.
pub fn opcode(ipa: u16, ipb: u32) -> u16 {
    let first = ipa >> 8;
    let second = match first {
        // The second byte of the instruction (formats E, RRE, RRF, S, SSE, ...).
        0x01 | 0xb2 | 0xb3 | 0xb9 | 0xe5 => ipa & 0xff,
        // The last byte of a 6-byte instruction (RSY, RXY, SIY, ...): `ipb` bits 24-31.
        0xe3 | 0xeb | 0xed => (ipb & 0xff) as u16,
        _ => 0,
    };
    (first << 8) | second
}

/// Base and displacement of an operand: the effective address is the base register's
/// content (none for register 0) plus the displacement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BaseDisp {
    /// The base register (0: no base), which is also the access register in AR mode.
    pub base: u8,
    /// The signed displacement (12 bits unsigned or 20 bits signed, by format).
    pub disp: i64,
}

impl BaseDisp {
    /// The operand's effective address in the addressing mode of `psw_mask`.
    pub fn address(self, gprs: &[u64; 16], psw_mask: u64) -> u64 {
        let base = match self.base {
            0 => 0,
            b => gprs[usize::from(b & 0xf)],
        };
        base.wrapping_add(self.disp as u64) & psw::address_mask(psw_mask)
    }
}

/// The second operand of an S-format instruction (and of the RS format): `ipb` bits 0-3
/// base, 4-15 displacement.
pub fn s_operand(ipb: u32) -> BaseDisp {
    BaseDisp {
        base: (ipb >> 28) as u8,
        disp: i64::from((ipb >> 16) & 0xfff),
    }
}

/// The second operand of an RSY-format instruction: base as in the S format, and a signed
/// 20-bit displacement of DL2 (`ipb` bits 4-15) and DH2 (bits 16-23).
pub fn rsy_operand(ipb: u32) -> BaseDisp {
    let low = (ipb >> 16) & 0xfff;
    let high = (ipb >> 8) & 0xff;
    // Sign-extend DH2: it is the high byte of a 20-bit two's complement number.
    let disp = (i64::from(high as u8 as i8) << 12) | i64::from(low);
    BaseDisp {
        base: (ipb >> 28) as u8,
        disp,
    }
}

/// Both operands of an SSE-format instruction (`ipb` bits 0-15 the first, 16-31 the
/// second).
pub fn sse_operands(ipb: u32) -> (BaseDisp, BaseDisp) {
    (
        BaseDisp {
            base: (ipb >> 28) as u8,
            disp: i64::from((ipb >> 16) & 0xfff),
        },
        BaseDisp {
            base: ((ipb >> 12) & 0xf) as u8,
            disp: i64::from(ipb & 0xfff),
        },
    )
}

/// The register fields R1 and R3 of an RS or RSY instruction (`ipa` bits 8-11, 12-15).
pub fn rs_registers(ipa: u16) -> (usize, usize) {
    (usize::from((ipa >> 4) & 0xf), usize::from(ipa & 0xf))
}

/// The register fields R1 and R2 of an RRE instruction (`ipb` bits 8-11 and 12-15 hold
/// instruction bits 24-31).
pub fn rre_registers(ipb: u32) -> (usize, usize) {
    (((ipb >> 20) & 0xf) as usize, ((ipb >> 16) & 0xf) as usize)
}

/// The registers R1 through R3 of LCTL/STCTL and their 64-bit forms, wrapping from 15
/// to 0, in order. Returns them with their count (1 to 16).
pub fn register_range(r1: usize, r3: usize) -> ([usize; 16], usize) {
    let count = (r3.wrapping_sub(r1) & 0xf) + 1;
    let mut regs = [0usize; 16];
    for (i, slot) in regs.iter_mut().enumerate().take(count) {
        *slot = (r1 + i) & 0xf;
    }
    (regs, count)
}
