// SPDX-License-Identifier: GPL-2.0

//! STORE SYSTEM INFORMATION in a guest: which requests are answered, and the level-3
//! block (3.2.2) with the VM inserted as the innermost level-3 configuration.
//!
//! Principles of Operation, chapter 10, "STORE SYSTEM INFORMATION" (function codes,
//! reserved register bits, the 3.2.2 layout); mainline: `handle_stsi` and
//! `handle_stsi_3_2_2` in `priv.c`, whose answers the backend gives.

/// A decoded STSI request (from general registers 0 and 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// Function code (GR0 bits 32-35).
    pub fc: u8,
    /// Selector 1 (GR0 bits 56-63).
    pub sel1: u8,
    /// Selector 2 (GR1 bits 48-63).
    pub sel2: u16,
    gr0: u64,
    gr1: u64,
}

/// What the backend does with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Condition code 3: the level is not available.
    NotAvailable,
    /// A reserved bit of GR0 or GR1 is set.
    Specification,
    /// Function code 0: GR0 gets the current level (3: a virtual machine), cc 0.
    CurrentLevel,
    /// Store the requested block at the second operand.
    Store,
}

impl Request {
    /// Decodes GR0 and GR1.
    pub fn decode(gr0: u64, gr1: u64) -> Self {
        Request {
            fc: ((gr0 >> 28) & 0xf) as u8,
            sel1: gr0 as u8,
            sel2: gr1 as u16,
            gr0,
            gr1,
        }
    }

    /// The checks before the operand is touched, in mainline's order: function codes
    /// beyond 3 are unavailable except 15 (topology, which needs facility 11 and user
    /// space handling STSI), then the reserved bits.
    pub fn check(&self, topology_facility: bool, user_stsi: bool) -> Check {
        if self.fc > 3 && self.fc != 15 {
            return Check::NotAvailable;
        }
        if self.fc == 15 && (!topology_facility || !user_stsi) {
            return Check::NotAvailable;
        }
        if self.gr0 & 0x0fff_ff00 != 0 || self.gr1 & 0xffff_0000 != 0 {
            return Check::Specification;
        }
        if self.fc == 0 {
            return Check::CurrentLevel;
        }
        Check::Store
    }
}

/// Offset of the 3.2.2 block's count byte (low four bits).
const COUNT: usize = 31;
/// Offset of the first VM description; each is 64 bytes.
const VM0: usize = 32;
const VM_SIZE: usize = 64;
const VM_MAX: usize = 8;
/// "KVMguest" in EBCDIC.
const NAME: [u8; 8] = [0xd2, 0xe5, 0xd4, 0x87, 0xa4, 0x85, 0xa2, 0xa3];
/// "KVM/Linux       " in EBCDIC.
const CPI: [u8; 16] = [
    0xd2, 0xe5, 0xd4, 0x61, 0xd3, 0x89, 0x95, 0xa4, 0xa7, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40,
];

/// Inserts this VM as the first (innermost) description of a 3.2.2 block the host stored
/// (or a zeroed one): the others move down one, at most 8 remain. `page` is 4 KiB.
pub fn insert_vm_3_2_2(page: &mut [u8], cpus: u16) {
    if page.len() < VM0 + VM_MAX * VM_SIZE {
        return;
    }
    let mut count = usize::from(page[COUNT] & 0xf).min(VM_MAX);
    if count < VM_MAX {
        count += 1;
    }
    page[COUNT] = (page[COUNT] & 0xf0) | count as u8;
    page.copy_within(VM0..VM0 + (count - 1) * VM_SIZE, VM0 + VM_SIZE);
    let vm = &mut page[VM0..VM0 + VM_SIZE];
    vm.fill(0);
    vm[4..6].copy_from_slice(&cpus.to_be_bytes()); // total
    vm[6..8].copy_from_slice(&cpus.to_be_bytes()); // configured
    vm[12..20].copy_from_slice(&NAME);
    vm[20..24].copy_from_slice(&1000u32.to_be_bytes()); // capability adjustment factor
    vm[24..40].copy_from_slice(&CPI);
}
