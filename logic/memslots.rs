// SPDX-License-Identifier: GPL-2.0

//! The s390-specific checks of a memory slot change (`KVM_SET_USER_MEMORY_REGION`).
//!
//! Generic KVM has already checked alignment, flags, overlaps and the slot number; the
//! architecture adds the VM's memory limit. Mainline does the same in
//! `s390_kvm_mmu_prepare_memory_region()` (`arch/s390/kvm/gmap/kvm_mmu.c`), with EINVAL.

pub use super::dat::PAGE_SHIFT;

/// What a memory slot change does, as generic KVM classifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A new slot.
    Create,
    /// A slot removed.
    Delete,
    /// A slot moved to another guest address.
    Move,
    /// Only the flags of a slot change.
    FlagsOnly,
}

/// Why a memory slot change is refused; every reason is EINVAL for user space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotError {
    /// The slot ends above the VM's memory limit (or its end overflows).
    BeyondLimit,
    /// The user-space address is not page aligned.
    Misaligned,
}

/// The new extent of a slot.
#[derive(Clone, Copy, Debug)]
pub struct NewSlot {
    /// First guest frame number.
    pub base_gfn: u64,
    /// Number of pages.
    pub npages: u64,
    /// Host virtual address of the first byte.
    pub userspace_addr: u64,
}

/// Checks a memory slot change against the VM's memory limit (in bytes, exclusive).
pub fn check_change(change: Change, new: &NewSlot, mem_limit: u64) -> Result<(), SlotError> {
    match change {
        Change::Delete | Change::FlagsOnly => Ok(()),
        Change::Create | Change::Move => {
            if new.userspace_addr & ((1 << PAGE_SHIFT) - 1) != 0 {
                return Err(SlotError::Misaligned);
            }
            let end = new
                .base_gfn
                .checked_add(new.npages)
                .and_then(|frames| frames.checked_mul(1 << PAGE_SHIFT))
                .ok_or(SlotError::BeyondLimit)?;
            if end > mem_limit {
                return Err(SlotError::BeyondLimit);
            }
            Ok(())
        }
    }
}

/// The largest guest absolute address range this backend maps: 2^53 bytes (what a
/// region-second table translates). Chosen when the machine reports no maximum host address.
pub const MAX_GUEST_MEMORY: u64 = 1 << 53;

/// The memory limit of a new VM, from the machine's highest host absolute address.
///
/// Mainline uses `hamax + 1`, which wraps to 0 when a machine reports all ones (Hercules) and
/// then refuses every memory slot; here such a machine gets [`MAX_GUEST_MEMORY`].
pub fn vm_mem_limit(hamax: u64) -> u64 {
    match hamax.checked_add(1) {
        Some(limit) => core::cmp::min(limit, MAX_GUEST_MEMORY),
        None => MAX_GUEST_MEMORY,
    }
}
