// SPDX-License-Identifier: GPL-2.0

//! The operation-exception interception (code 0x2c): whether an instruction the guest
//! cannot execute goes to user space or becomes an operation exception in the guest.
//!
//! SIE intercepts operation exceptions instead of presenting them only when the SIE block's
//! `ictl` asks it to (`ICTL_OPEREXC`), which the backend does once user space enabled
//! `KVM_CAP_S390_USER_INSTR0` or `KVM_CAP_S390_USER_OPEREXEC`
//! (`Documentation/virt/kvm/api.rst`, 7.10 and 7.45). Mainline: `handle_operexc` in
//! `arch/s390/kvm/s390/intercept.c`.

use crate::kvm_host::Psw;

/// PSW bit 14: wait state.
const MASK_WAIT: u64 = 0x0002_0000_0000_0000;
/// PSW bits 16-17: address-space control.
const MASK_ASC: u64 = 0x0000_c000_0000_0000;
/// PSW bit 5: DAT mode.
const MASK_DAT: u64 = 0x0400_0000_0000_0000;
/// PSW bit 15: problem state.
const MASK_PSTATE: u64 = 0x0001_0000_0000_0000;

/// `ipa` of STORE HYPERVISOR INFORMATION (STHYI, facility 74), which mainline emulates.
pub const IPA_STHYI: u16 = 0xb256;

/// The per-VM switches and model facts the decision depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Switches {
    /// `KVM_CAP_S390_USER_OPEREXEC` is enabled: every operation exception goes to user space.
    pub user_operexec: bool,
    /// `KVM_CAP_S390_USER_INSTR0` is enabled: the instruction 0x0000 goes to user space.
    pub user_instr0: bool,
    /// The guest's CPU model offers STHYI (facility 74).
    pub sthyi: bool,
}

/// What becomes of an intercepted operation exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Hand the intercept to user space (`KVM_EXIT_S390_SIEIC`).
    Forward,
    /// Present an operation exception to the guest.
    OperationException,
}

/// Whether the program new PSW would run straight into another operation exception: it
/// points at most 6 bytes before the failing instruction, in the same translation mode and
/// address space, and is not a wait PSW, while the failing instruction ran in supervisor
/// state. Then the guest would loop in the kernel forever; mainline hands such an exception
/// to user space instead, and so does this backend.
pub fn would_loop(old: Psw, new: Psw) -> bool {
    old.addr.wrapping_sub(new.addr) <= 6
        && new.mask & MASK_WAIT == 0
        && old.mask & MASK_PSTATE == 0
        && new.mask & MASK_ASC == old.mask & MASK_ASC
        && new.mask & MASK_DAT == old.mask & MASK_DAT
}

/// The fate of an operation exception on the instruction whose first halfword is `ipa`.
/// `old` is the guest PSW at the interception and `new` the program new PSW in the guest's
/// lowcore; STHYI is never forwarded (without facility 74 it is an operation exception, as
/// the architecture says).
pub fn decide(ipa: u16, sw: Switches, old: Psw, new: Psw) -> Action {
    if ipa == IPA_STHYI {
        return if sw.sthyi {
            // The model offers STHYI, which this backend does not emulate: user space may.
            Action::Forward
        } else {
            Action::OperationException
        };
    }
    if sw.user_operexec || (ipa == 0 && sw.user_instr0) || would_loop(old, new) {
        return Action::Forward;
    }
    Action::OperationException
}
