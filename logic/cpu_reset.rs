// SPDX-License-Identifier: GPL-2.0

//! The initial CPU reset (Principles of Operation, chapter 4, "CPU Reset" and "Initial CPU
//! Reset", figure "Manual Initiation of Resets"), as `KVM_S390_INITIAL_RESET` performs it.
//!
//! The reset is applied to a plain copy of the state it touches; the glue loads that copy from
//! the SIE control block and the `kvm_run` sync-register area and stores it back, so what the
//! reset does is decided, and tested, here. Like mainline (`arch/s390/kvm/s390/s390.c`), KVM
//! keeps the guest in z/Architecture mode; general, access and floating-point registers are
//! not changed.

use crate::kvm_host::Psw;

/// Control register 0 after an initial CPU reset: bits 56-58 (PoP numbering) set.
pub const CR0_INITIAL: u64 = 0xe0;
/// Control register 14 after an initial CPU reset: bits 32, 33 and 38 (PoP numbering) set.
pub const CR14_INITIAL: u64 = 0xc200_0000;
/// Breaking-event address after reset: 1, as the architecture specifies.
pub const GBEA_INITIAL: u64 = 1;

/// The part of a vCPU's state that an initial CPU reset defines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResettableState {
    /// The guest PSW.
    pub psw: Psw,
    /// The prefix register.
    pub prefix: u32,
    /// The CPU timer.
    pub cputm: u64,
    /// The clock comparator.
    pub ckc: u64,
    /// Control registers 0-15.
    pub crs: [u64; 16],
    /// The TOD programmable register.
    pub todpr: u32,
    /// The program parameter.
    pub pp: u64,
    /// The breaking-event address.
    pub gbea: u64,
    /// The floating-point control register.
    pub fpc: u32,
}

impl ResettableState {
    /// Applies the initial CPU reset.
    pub fn initial_reset(&mut self) {
        let mut crs = [0u64; 16];
        crs[0] = CR0_INITIAL;
        crs[14] = CR14_INITIAL;
        *self = ResettableState {
            psw: Psw::default(),
            prefix: 0,
            cputm: 0,
            ckc: 0,
            crs,
            todpr: 0,
            pp: 0,
            gbea: GBEA_INITIAL,
            fpc: 0,
        };
    }
}
