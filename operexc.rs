// SPDX-License-Identifier: GPL-2.0

//! The operation-exception interception (code 0x2c): forwarded to user space when it asked
//! for it (`KVM_CAP_S390_USER_INSTR0`, `KVM_CAP_S390_USER_OPEREXEC`), else presented to the
//! guest as the operation exception SIE would have presented itself. The decision is pure
//! logic (`logic/operexc.rs`); mainline: `handle_operexc` in `arch/s390/kvm/s390/intercept.c`.

use kernel::prelude::*;

use crate::gaccess;
use crate::intercept::{sieic_exit, Outcome};
use crate::interrupt;
use crate::logic::facilities;
use crate::logic::operexc::{self, Action, Switches};
use crate::logic::prefix::GuestReal;
use crate::logic::psw;
use crate::logic::sie_exit::{icpt, pgm};
use crate::uapi_kvm::KvmS390PgmInfo;
use crate::vcpu::Vcpu;

/// Handles an operation-exception interception. Called by the intercept dispatch with
/// `kvm->srcu` held.
pub(crate) fn handle(vcpu: &Vcpu) -> Result<Outcome> {
    let sie = vcpu.sie_block();
    // SAFETY: the SIE block is ours while the guest is out.
    let (ipa, old) = unsafe { ((*sie).ipa, (*sie).gpsw) };
    let mut new = [0u8; 16];
    gaccess::read_real(vcpu, GuestReal(psw::LC_PGM_NEW_PSW), &mut new)?;
    let vm = vcpu.vm();
    let switches = Switches {
        user_operexec: vm.user_operexec(),
        user_instr0: vm.user_instr0(),
        sthyi: vm.has_facility(facilities::STHYI),
    };
    match operexc::decide(ipa, switches, old, psw::psw_from_bytes(new)) {
        Action::Forward => {
            sieic_exit(vcpu, icpt::OPERATION_EXCEPTION);
            Ok(Outcome::UserExit)
        }
        Action::OperationException => {
            let info = KvmS390PgmInfo {
                code: pgm::OPERATION,
                ..Default::default()
            };
            interrupt::inject_program(vcpu, &info)?;
            Ok(Outcome::Continue)
        }
    }
}
