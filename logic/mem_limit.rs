// SPDX-License-Identifier: GPL-2.0

//! `KVM_S390_VM_MEM_LIMIT_SIZE` (`Documentation/virt/kvm/devices/vm.rst`, 1.3): the checks
//! of a new limit for the guest's absolute addresses, in mainline's order
//! (`kvm_s390_set_mem_control` in `arch/s390/kvm/s390/s390.c`), and the limit that results:
//! rounded up to what the guest mapping's top-level table covers (2 GiB, 4 TiB, 8 PiB), as
//! vm.rst says, and never above the previous limit.

use super::dat::{self, Level};

/// Granularity the requested limit is rounded up to (mainline: `HPAGE_SIZE`, 1 MiB).
pub const GRANULE: u64 = 1 << 20;

/// "No limit" (`KVM_S390_NO_MEM_LIMIT`).
pub const NO_LIMIT: u64 = u64::MAX;

/// Why a new limit is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitError {
    /// E2BIG: above the current limit.
    TooBig,
    /// EINVAL: 0 (also what a request that rounds beyond 2^64 becomes).
    Zero,
    /// EBUSY: vCPUs exist, or a memory slot reaches beyond the new limit.
    Busy,
}

/// The new limit for a request of `requested` bytes, given the current limit, whether vCPUs
/// exist and the end (exclusive guest address) of the highest memory slot (0: none).
pub fn new_limit(
    requested: u64,
    current: u64,
    vcpus_created: bool,
    slots_end: u64,
) -> Result<u64, LimitError> {
    // Rounded up to the granule; like mainline's ALIGN, a value that wraps becomes 0.
    let limit = requested.wrapping_add(GRANULE - 1) & !(GRANULE - 1);
    if current != NO_LIMIT && limit > current {
        return Err(LimitError::TooBig);
    }
    if limit == 0 {
        return Err(LimitError::Zero);
    }
    if vcpus_created || slots_end > limit {
        return Err(LimitError::Busy);
    }
    Ok(limit)
}

/// The limit a VM has after a successful request for `requested` (the value [`new_limit`]
/// returned): what a guest mapping deep enough for it covers, at most `current`. This is
/// also what mainline enforces for memory slots (its old limit and its mapping's range).
pub fn effective_limit(requested: u64, current: u64) -> u64 {
    let covered = match dat::top_level(requested) {
        Level::Segment => 1 << 31,
        Level::Region3 => 1 << 42,
        Level::Region2 => 1 << 53,
        Level::Region1 | Level::Page => NO_LIMIT,
    };
    core::cmp::min(covered, current)
}
