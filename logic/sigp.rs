// SPDX-License-Identifier: GPL-2.0

//! SIGNAL PROCESSOR (SIGP): operand decoding, the order codes, which orders the kernel
//! performs and which go to user space, and the answers that depend only on the addressed
//! CPU's state.
//!
//! Facts: Principles of Operation, chapter 4 ("Signal-Processor Orders", "Conditions
//! Determining Response", status bits) and chapter 10 (SIGNAL PROCESSOR); the split
//! between kernel and user space and the errno-free answers follow mainline's
//! `arch/s390/kvm/s390/sigp.c`, and QEMU's `target/s390x/sigp.c` for the conditional
//! emergency signal.

/// Order codes (the low 8 bits of the second-operand address).
pub mod order {
    /// Sense.
    pub const SENSE: u8 = 1;
    /// External call.
    pub const EXTERNAL_CALL: u8 = 2;
    /// Emergency signal.
    pub const EMERGENCY_SIGNAL: u8 = 3;
    /// Start.
    pub const START: u8 = 4;
    /// Stop.
    pub const STOP: u8 = 5;
    /// Restart.
    pub const RESTART: u8 = 6;
    /// Stop and store status.
    pub const STOP_AND_STORE_STATUS: u8 = 9;
    /// Initial CPU reset.
    pub const INITIAL_CPU_RESET: u8 = 11;
    /// CPU reset.
    pub const CPU_RESET: u8 = 12;
    /// Set prefix.
    pub const SET_PREFIX: u8 = 13;
    /// Store status at address.
    pub const STORE_STATUS_AT_ADDRESS: u8 = 14;
    /// Set architecture.
    pub const SET_ARCHITECTURE: u8 = 18;
    /// Conditional emergency signal.
    pub const COND_EMERGENCY_SIGNAL: u8 = 19;
    /// Sense running status.
    pub const SENSE_RUNNING: u8 = 21;
    /// Set multithreading.
    pub const SET_MULTI_THREADING: u8 = 22;
    /// Store additional status at address.
    pub const STORE_ADDITIONAL_STATUS: u8 = 23;
}

/// Condition codes of SIGP.
pub mod cc {
    /// Order code accepted.
    pub const ACCEPTED: u8 = 0;
    /// Status stored in the R1 register.
    pub const STATUS_STORED: u8 = 1;
    /// Busy.
    pub const BUSY: u8 = 2;
    /// Not operational (no such CPU).
    pub const NOT_OPERATIONAL: u8 = 3;
}

/// Status bits stored in the low word of the R1 register.
pub mod status {
    /// Invalid order.
    pub const INVALID_ORDER: u32 = 0x0000_0002;
    /// Stopped.
    pub const STOPPED: u32 = 0x0000_0040;
    /// External call pending.
    pub const EXT_CALL_PENDING: u32 = 0x0000_0080;
    /// Invalid parameter.
    pub const INVALID_PARAMETER: u32 = 0x0000_0100;
    /// Incorrect state.
    pub const INCORRECT_STATE: u32 = 0x0000_0200;
    /// Not running.
    pub const NOT_RUNNING: u32 = 0x0000_0400;
}

/// The operands of an intercepted SIGP (RS format: `ae r1 r3 b2 d2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operands {
    /// The order code.
    pub order: u8,
    /// The addressed CPU (bits 48-63 of the R3 register).
    pub cpu_addr: u16,
    /// The parameter: the R1 register if R1 is odd, else R1 + 1 (bits 32-63).
    pub parameter: u32,
    /// The R1 field (the status register).
    pub r1: usize,
}

/// Decodes SIGP from `ipa`/`ipb` and the general registers.
pub fn decode(ipa: u16, ipb: u32, gprs: &[u64; 16]) -> Operands {
    let r1 = usize::from((ipa >> 4) & 0xf);
    let r3 = usize::from(ipa & 0xf);
    let b2 = (ipb >> 28) as usize;
    let d2 = u64::from((ipb >> 16) & 0xfff);
    let base = if b2 == 0 { 0 } else { gprs[b2] };
    // Only the low 8 bits of the address matter, whatever the addressing mode.
    let order = base.wrapping_add(d2) as u8;
    let param_reg = if r1 % 2 == 1 { r1 } else { r1 + 1 };
    Operands {
        order,
        cpu_addr: gprs[r3] as u16,
        parameter: gprs[param_reg] as u32,
        r1,
    }
}

/// Whether the order goes to user space before anything else, with user-space SIGP on
/// (`KVM_CAP_S390_USER_SIGP`; mainline's `handle_sigp_order_in_user_space`): all but the
/// orders that must be fast.
pub const fn forwarded_with_user_sigp(order: u8) -> bool {
    !matches!(
        order,
        order::SENSE
            | order::EXTERNAL_CALL
            | order::EMERGENCY_SIGNAL
            | order::COND_EMERGENCY_SIGNAL
            | order::SENSE_RUNNING
    )
}

/// Whether a pending stop or restart at the addressed CPU makes this order busy (every
/// order but the resets, which must get through).
pub const fn busy_while_stop_or_restart(order: u8) -> bool {
    !matches!(order, order::INITIAL_CPU_RESET | order::CPU_RESET)
}

/// The R1 register with `status` stored in its low word.
pub const fn with_status(reg: u64, status: u32) -> u64 {
    (reg & 0xffff_ffff_0000_0000) | status as u64
}

/// SIGP SENSE: `None` (condition code 0) when the CPU is operating without an external
/// call pending, else the status to store.
pub const fn sense(stopped: bool, ext_call_pending: bool) -> Option<u32> {
    if !stopped && !ext_call_pending {
        return None;
    }
    let mut s = 0;
    if ext_call_pending {
        s |= status::EXT_CALL_PENDING;
    }
    if stopped {
        s |= status::STOPPED;
    }
    Some(s)
}

/// The addressed CPU's state that a conditional emergency signal looks at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CondEmergencyTarget {
    /// The CPU is stopped.
    pub stopped: bool,
    /// The CPU is in the wait state.
    pub waiting: bool,
    /// Its PSW mask.
    pub psw_mask: u64,
    /// Its PSW instruction address.
    pub psw_addr: u64,
    /// Its primary ASN (CR4 bits 48-63).
    pub primary_asn: u16,
    /// Its secondary ASN (CR3 bits 48-63).
    pub secondary_asn: u16,
}

/// PSW bits 6 and 7: I/O and external masks.
const PSW_IO_EXT: u64 = 0x0300_0000_0000_0000;

/// SIGP CONDITIONAL EMERGENCY SIGNAL with parameter `asn`: whether the emergency signal
/// is generated (else the incorrect-state status is stored). The addressed CPU's state
/// decides; the state of the others is only used when it is stopped.
pub fn cond_emergency_generates(t: &CondEmergencyTarget, asn: u16) -> bool {
    !t.stopped
        || t.psw_mask & PSW_IO_EXT != PSW_IO_EXT
        || (t.waiting && t.psw_addr != 0)
        || (!t.waiting && (asn == t.primary_asn || asn == t.secondary_asn))
}

/// The prefix a SET PREFIX parameter designates (bits 33-50: 8 KiB aligned, below 2 GiB).
pub const fn prefix_of_parameter(parameter: u32) -> u32 {
    parameter & 0x7fff_e000
}

/// The address a STORE STATUS AT ADDRESS parameter designates (bits 33-54: 512-byte
/// aligned, below 2 GiB).
pub const fn store_status_address(parameter: u32) -> u32 {
    parameter & 0x7fff_fe00
}

/// The PSW mask with condition code `cc` (PSW bits 18-19).
pub const fn psw_with_cc(mask: u64, cc: u8) -> u64 {
    (mask & !(3 << 44)) | ((cc as u64 & 3) << 44)
}
