// SPDX-License-Identifier: GPL-2.0

//! How many vCPUs a VM may have and which ids they may use.
//!
//! The SIE control block of every vCPU is entered in the VM's system control area (SCA) so
//! that SIE can interpret SIGP and maintain the IPTE interlock. This backend uses the basic
//! SCA of the original s390 port on every machine: 64 entries, origin below 2 GiB, which
//! works without the extended-SCA and 64-bit-SCA-origin facilities (Hercules has neither).
//! Mainline 7.3 always allocates an extended SCA and, where SIGP is not interpreted, leaves its
//! entries unused and allows 255 vCPUs; see Documentation/kvm_s390.rst.

use crate::kvm_host::BSCA_CPU_SLOTS;

/// The kind of SCA a VM uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScaKind {
    /// The basic SCA: 64 entries.
    Basic,
}

impl ScaKind {
    /// Number of vCPU entries, which bounds both the vCPU count and the vCPU ids.
    pub const fn slots(self) -> usize {
        match self {
            ScaKind::Basic => BSCA_CPU_SLOTS,
        }
    }

    /// Whether a vCPU with this id can be entered in the SCA.
    pub const fn can_add_vcpu(self, id: u32) -> bool {
        (id as usize) < self.slots()
    }
}
