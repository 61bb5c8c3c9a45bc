// SPDX-License-Identifier: GPL-2.0

//! The instruction intercept (icptcode 0x04): one table from operation code to handler.
//!
//! The operation code comes from `ipa`/`ipb` (`logic/instruction.rs`); [`TABLE`] names the
//! handler of each instruction the backend emulates in the kernel (mainline splits the same
//! set over `handle_instruction` in `intercept.c` and the `kvm_s390_handle_*` functions of
//! `priv.c`). Whatever is not in the table goes to user space as `KVM_EXIT_S390_SIEIC`,
//! exactly as before. Adding an instruction is one line in [`TABLE`].
//!
//! A handler gets an [`Insn`]: the vCPU, the guest registers the run loop holds, and the
//! intercepted instruction, with the helpers every handler needs (operand addresses, guest
//! access through `gaccess.rs`, the condition code, presenting a program exception).

use core::ptr::{addr_of, addr_of_mut};

use kernel::prelude::*;

use crate::css;
use crate::diag;
use crate::gaccess;
use crate::intercept::{self, Outcome, Regs};
use crate::interrupt;
use crate::kvm_host::Psw;
use crate::logic::access::{self, AccessError};
use crate::logic::instruction::{self as decode, BaseDisp};
use crate::logic::psw;
use crate::logic::sie_exit::icpt;
use crate::privileged;
use crate::sigp;
use crate::tod;
use crate::uapi_kvm::KvmS390PgmInfo;
use crate::vcpu::Vcpu;

/// An instruction handler.
type Handler = fn(&mut Insn<'_>) -> Result<Outcome>;

/// Operation code to handler (see [`decode::opcode`] for how the code is formed).
const TABLE: &[(u16, Handler)] = &[
    (0x0104, privileged::ptff),
    (0x0107, privileged::sckpf),
    (0x8200, privileged::lpsw),
    (0x8300, diag::handle),
    (0xaa00, privileged::ri),
    (0xae00, sigp::handle),
    (0xb202, privileged::stidp),
    (0xb204, tod::handle_sck),
    (0xb210, privileged::spx),
    (0xb211, privileged::stpx),
    (0xb212, privileged::stap),
    (0xb221, privileged::ipte_interlock),
    (0xb229, privileged::iske),
    (0xb22a, privileged::rrbe),
    (0xb22b, privileged::sske),
    (0xb22c, privileged::tb),
    (0xb230, css::io),
    (0xb231, css::io),
    (0xb232, css::io),
    (0xb233, css::io),
    (0xb234, css::io),
    (0xb235, css::io),
    (0xb236, css::io),
    (0xb237, css::io),
    (0xb238, css::io),
    (0xb239, css::io),
    (0xb23a, css::io),
    (0xb23b, css::io),
    (0xb23c, css::io),
    (0xb250, privileged::ipte_interlock),
    (0xb25f, css::io),
    (0xb274, css::io),
    (0xb276, css::io),
    (0xb27d, privileged::stsi),
    (0xb2b1, privileged::stfl),
    (0xb2b2, privileged::lpswe),
    (0xb600, privileged::stctl),
    (0xb700, privileged::lctl),
    (0xb98a, privileged::ipte_interlock),
    (0xb98d, privileged::epsw),
    (0xb98e, privileged::ipte_interlock),
    (0xb98f, privileged::ipte_interlock),
    (0xb9af, privileged::pfmf),
    (0xe349, privileged::gs),
    (0xe34d, privileged::gs),
    (0xe501, privileged::tprot),
    (0xeb25, privileged::stctg),
    (0xeb2f, privileged::lctlg),
    (0xeb71, privileged::lpswey),
];

/// Handles an instruction intercept. Called by the intercept dispatch with `kvm->srcu`
/// held.
pub(crate) fn handle(vcpu: &Vcpu, regs: &mut Regs<'_>) -> Result<Outcome> {
    let sie = vcpu.sie_block();
    // SAFETY: the SIE block is ours while the guest is out.
    let (ipa, ipb) = unsafe { ((*sie).ipa, (*sie).ipb) };
    let code = decode::opcode(ipa, ipb);
    let mut insn = Insn {
        vcpu,
        gprs: regs.gprs,
        acrs: regs.acrs,
        ipa,
        ipb,
    };
    match TABLE.iter().find(|(op, _)| *op == code) {
        Some((_, handler)) => handler(&mut insn),
        None => Ok(insn.forward()),
    }
}

/// An intercepted instruction being handled.
pub(crate) struct Insn<'a> {
    /// The vCPU.
    pub(crate) vcpu: &'a Vcpu,
    /// The guest general registers (written back to `kvm_run` when `KVM_RUN` returns).
    pub(crate) gprs: &'a mut [u64; 16],
    /// The guest access registers.
    pub(crate) acrs: &'a [u32; 16],
    /// Instruction bytes 0-1.
    pub(crate) ipa: u16,
    /// Instruction bytes 2-5.
    pub(crate) ipb: u32,
}

impl Insn<'_> {
    /// The guest PSW (already past the instruction).
    pub(crate) fn psw(&self) -> Psw {
        // SAFETY: the SIE block is ours while the guest is out.
        unsafe { *addr_of!((*self.vcpu.sie_block()).gpsw) }
    }

    /// Replaces the guest PSW.
    pub(crate) fn set_psw(&self, new: Psw) {
        // SAFETY: as in `psw`.
        unsafe { *addr_of_mut!((*self.vcpu.sie_block()).gpsw) = new };
    }

    /// Whether the guest is in problem state (privileged instructions then fail).
    pub(crate) fn problem_state(&self) -> bool {
        self.psw().mask & psw::MASK_PSTATE != 0
    }

    /// Sets the condition code (PSW bits 18-19).
    pub(crate) fn set_cc(&self, cc: u8) {
        let mut p = self.psw();
        p.mask = (p.mask & !(3 << 44)) | (u64::from(cc & 3) << 44);
        self.set_psw(p);
    }

    /// The effective address of an operand, and its access register number.
    pub(crate) fn address(&self, op: BaseDisp) -> (u64, u8) {
        (op.address(self.gprs, self.psw().mask), op.base)
    }

    /// The second operand of an S- or RS-format instruction.
    pub(crate) fn s_operand(&self) -> (u64, u8) {
        self.address(decode::s_operand(self.ipb))
    }

    /// The second operand of an RSY-format instruction.
    pub(crate) fn rsy_operand(&self) -> (u64, u8) {
        self.address(decode::rsy_operand(self.ipb))
    }

    /// The guest CPU state guest accesses depend on.
    pub(crate) fn cpu(&self) -> access::Cpu {
        gaccess::cpu_state(self.vcpu, self.acrs)
    }

    /// Reads an operand at logical address `ga` (access register `ar`) with the PSW key.
    pub(crate) fn read(
        &self,
        ga: u64,
        ar: u8,
        buf: &mut [u8],
    ) -> core::result::Result<(), AccessError> {
        let cpu = self.cpu();
        gaccess::read_logical(self.vcpu, &cpu, ga, ar, cpu.psw_key(), buf)
    }

    /// Writes an operand at logical address `ga` (access register `ar`) with the PSW key.
    pub(crate) fn write(
        &self,
        ga: u64,
        ar: u8,
        buf: &[u8],
    ) -> core::result::Result<(), AccessError> {
        let cpu = self.cpu();
        gaccess::write_logical(self.vcpu, &cpu, ga, ar, cpu.psw_key(), buf)
    }

    /// Presents program exception `code` for this instruction, and continues the guest.
    pub(crate) fn program(&self, code: u16) -> Result<Outcome> {
        self.program_info(&KvmS390PgmInfo {
            code,
            ..Default::default()
        })
    }

    fn program_info(&self, info: &KvmS390PgmInfo) -> Result<Outcome> {
        interrupt::inject_program(self.vcpu, info)?;
        Ok(Outcome::Continue)
    }

    /// What a failed guest access makes of the instruction: the access exception for the
    /// guest or a host error.
    pub(crate) fn access_failed(&self, e: AccessError) -> Result<Outcome> {
        match e {
            AccessError::Program(x) => self.program_info(&KvmS390PgmInfo {
                code: x.code,
                trans_exc_code: x.teid,
                exc_access_id: x.exc_access_id,
                ..Default::default()
            }),
            AccessError::Host => Err(EFAULT),
        }
    }

    /// Hands the instruction to user space as `KVM_EXIT_S390_SIEIC`; nothing must have
    /// changed in the guest yet.
    pub(crate) fn forward(&self) -> Outcome {
        intercept::sieic_exit(self.vcpu, icpt::INSTRUCTION);
        Outcome::UserExit
    }
}
