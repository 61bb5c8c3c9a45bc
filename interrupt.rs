// SPDX-License-Identifier: GPL-2.0

//! Interruption delivery into the guest: the old/new PSW swap and the stores into the
//! guest's prefix area (Principles of Operation, "Interruptions"; mainline:
//! `arch/s390/kvm/s390/interrupt.c`).
//!
//! Only the program interruption exists so far: [`inject_program`] is how every handler
//! presents a program exception to the guest (delivered at once for now), and
//! [`deliver_program`] the PSW swap itself. The interrupt core (pending state, priorities,
//! injection ioctls) grows here; `inject_program` then queues instead of delivering.

use kernel::prelude::*;

use crate::gaccess;
use crate::kvm_host::Psw;
use crate::logic::prefix::GuestReal;
use crate::logic::psw;
use crate::logic::sie_exit::{self, pgm};
use crate::uapi_kvm::{self, KvmS390PgmInfo};
use crate::stats::count;
use crate::vcpu::Vcpu;

/// Performs a program interruption of the guest: stores `old` and the code in the
/// prefix area and loads the program new PSW.
pub(crate) fn deliver_program(vcpu: &Vcpu, old: Psw, ilen: u8, code: u16) -> Result {
    let sie = vcpu.sie_block();
    count!(vcpu, deliver_program);
    gaccess::write_real(
        vcpu,
        GuestReal(psw::LC_PGM_ILC),
        &psw::program_interruption_code(ilen, code),
    )?;
    gaccess::write_real(vcpu, GuestReal(psw::LC_PGM_OLD_PSW), &psw::psw_bytes(old))?;
    let mut new = [0u8; 16];
    gaccess::read_real(vcpu, GuestReal(psw::LC_PGM_NEW_PSW), &mut new)?;
    // SAFETY: the SIE block is ours while the guest is out.
    unsafe { (*sie).gpsw = psw::psw_from_bytes(new) };
    Ok(())
}

/// Lowcore: exception access identification (byte).
const LC_EXC_ACCESS_ID: u64 = 0xa0;
/// Lowcore: operand access identification (byte).
const LC_OP_ACCESS_ID: u64 = 0xa2;
/// Lowcore: translation-exception identification (doubleword).
const LC_TRANS_EXC_CODE: u64 = 0xa8;

/// Presents a program exception to the guest for the instruction SIE last intercepted,
/// as mainline's `kvm_s390_inject_prog_irq`: the instruction length comes from `pgm` if
/// it says so (`KVM_S390_PGM_FLAGS_ILC_VALID`), else from the interception; for a
/// nullifying exception the PSW, which SIE already moved past the instruction, is moved
/// back onto it (unless `KVM_S390_PGM_FLAGS_NO_REWIND`). Handlers call this and go on with
/// [`crate::intercept::Outcome::Continue`]. Called with `kvm->srcu` held.
pub(crate) fn inject_program(vcpu: &Vcpu, info: &KvmS390PgmInfo) -> Result {
    let sie = vcpu.sie_block();
    // SAFETY: the SIE block is ours while the guest is out.
    let (gpsw, icptcode, ipa, icptstatus, pgmilc) = unsafe {
        (
            (*sie).gpsw,
            (*sie).icptcode,
            (*sie).ipa,
            (*sie).icptstatus,
            ((*sie).pgmilc_iprcc >> 16) as u16,
        )
    };
    let ilen = if info.flags & uapi_kvm::KVM_S390_PGM_FLAGS_ILC_VALID != 0 {
        info.flags & uapi_kvm::KVM_S390_PGM_FLAGS_ILC_MASK
    } else {
        sie_exit::intercepted_ilen(icptcode, ipa, icptstatus, pgmilc)
    };
    let old = if pgm::nullifies(info.code)
        && info.flags & uapi_kvm::KVM_S390_PGM_FLAGS_NO_REWIND == 0
    {
        psw::backward(gpsw, ilen)
    } else {
        gpsw
    };
    if pgm::stores_teid(info.code) {
        gaccess::write_real(
            vcpu,
            GuestReal(LC_TRANS_EXC_CODE),
            &info.trans_exc_code.to_be_bytes(),
        )?;
        gaccess::write_real(vcpu, GuestReal(LC_EXC_ACCESS_ID), &[info.exc_access_id])?;
        gaccess::write_real(vcpu, GuestReal(LC_OP_ACCESS_ID), &[info.op_access_id])?;
    }
    deliver_program(vcpu, old, ilen, info.code)
}
