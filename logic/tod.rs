// SPDX-License-Identifier: GPL-2.0

//! The guest's time-of-day (TOD) clock: the epoch difference SIE adds to the host clock,
//! the VM attribute group `KVM_S390_VM_TOD` (`Documentation/virt/kvm/devices/vm.rst`,
//! section 3) and SET CLOCK (SCK, opcode B204) in the guest.
//!
//! SIE shows the guest the host TOD clock plus the SIE block's `epoch` (modulo 2^64,
//! Principles of Operation, "Time-of-Day Clock"); setting the guest clock to `t` therefore
//! stores `t - host TOD` as the epoch of every vCPU of the VM. Mainline:
//! `kvm_s390_set_tod`/`kvm_s390_get_tod` and `__kvm_s390_set_tod_clock` in `s390.c`,
//! `handle_set_clock` in `priv.c`.

/// The epoch difference that makes the guest clock read `guest_tod` when the host clock
/// reads `host_tod`.
pub fn epoch(guest_tod: u64, host_tod: u64) -> u64 {
    guest_tod.wrapping_sub(host_tod)
}

/// The guest clock when the host clock reads `host_tod`.
pub fn guest_tod(host_tod: u64, epoch: u64) -> u64 {
    host_tod.wrapping_add(epoch)
}

/// The attributes of `KVM_S390_VM_TOD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attr {
    /// `KVM_S390_VM_TOD_LOW`: bits 0-63 of the clock (u64).
    Low = 0,
    /// `KVM_S390_VM_TOD_HIGH`: the epoch index (u8), 0 without the multiple-epoch facility.
    High = 1,
    /// `KVM_S390_VM_TOD_EXT`: both (`struct kvm_s390_vm_tod_clock`).
    Ext = 2,
}

impl Attr {
    /// The attribute `attr` names, `None` for an unknown one (ENXIO).
    pub fn from_raw(attr: u64) -> Option<Attr> {
        match attr {
            0 => Some(Attr::Low),
            1 => Some(Attr::High),
            2 => Some(Attr::Ext),
            _ => None,
        }
    }
}

/// Whether user space may set the epoch index to `epoch_idx`: only to 0, since this backend
/// does not enable the multiple-epoch facility (139) for its guests (EINVAL otherwise).
pub fn epoch_index_allowed(epoch_idx: u8) -> bool {
    epoch_idx == 0
}

/// The `ipa` of SET CLOCK.
pub const IPA_SCK: u16 = 0xb204;

/// The second-operand address of an S-format instruction, `D2(B2)` with `base_value` the
/// content of B2 (0 when B2 is 0), as an effective address in the PSW's addressing mode
/// (`psw_address_mask`).
pub fn s_operand(base_value: u64, disp: u16, psw_address_mask: u64) -> u64 {
    base_value.wrapping_add(u64::from(disp & 0xfff)) & psw_address_mask
}

/// Whether SCK's operand address is valid: the operand is a doubleword on a doubleword
/// boundary (specification exception otherwise).
pub fn sck_operand_aligned(addr: u64) -> bool {
    addr % 8 == 0
}

/// PSW bits 18-19: the condition code.
const PSW_MASK_CC: u64 = 0x0000_3000_0000_0000;

/// The PSW mask with condition code `cc` (0-3).
pub fn with_cc(mask: u64, cc: u8) -> u64 {
    (mask & !PSW_MASK_CC) | (u64::from(cc & 3) << 44)
}
