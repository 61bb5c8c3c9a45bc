// SPDX-License-Identifier: GPL-2.0

//! Interruption delivery into the guest: the old/new PSW swap and the stores into the
//! guest's prefix area (Principles of Operation, "Interruptions"; mainline:
//! `arch/s390/kvm/s390/interrupt.c`).
//!
//! Only the program interruption exists so far, delivered for exceptions the backend
//! itself recognises (an addressing exception outside the memslots). The interrupt core
//! (pending state, priorities, injection ioctls) grows here.

use kernel::prelude::*;

use crate::gaccess;
use crate::kvm_host::Psw;
use crate::logic::prefix::GuestReal;
use crate::logic::psw;
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
