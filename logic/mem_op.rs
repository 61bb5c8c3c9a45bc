// SPDX-License-Identifier: GPL-2.0

//! Validation of `KVM_S390_MEM_OP` requests, and the key check of absolute accesses.
//!
//! `Documentation/virt/kvm/api.rst`, "KVM_S390_MEM_OP"; mainline: `mem_op_validate_common`,
//! `kvm_s390_vcpu_mem_op`, `kvm_s390_vm_mem_op*` in `s390.c` and `vm_check_access_key_gpa`
//! in `gaccess.c`, whose errno for each bad input the backend returns.

use crate::logic::access::{key_permits_absolute, Mode};
use crate::logic::sie_exit::pgm;
use crate::uapi_kvm::{memop, KvmS390MemOp};

/// Why a request is refused (the errno user space gets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// `EINVAL`.
    Inval,
    /// `E2BIG`: larger than `KVM_CAP_S390_MEM_OP` says.
    TooBig,
}

/// The checks every operation makes: only `supported` flags, a size of 1 to the maximum,
/// a key of 0-15 with key protection. Returns the access key to use (0 without key
/// protection: every key matches).
pub fn validate_common(mop: &KvmS390MemOp, supported: u64) -> Result<u8, Invalid> {
    if mop.flags & !supported != 0 || mop.size == 0 {
        return Err(Invalid::Inval);
    }
    if mop.size > memop::MAX_SIZE {
        return Err(Invalid::TooBig);
    }
    if mop.flags & memop::F_SKEY_PROTECTION != 0 {
        if mop.key > 0xf {
            return Err(Invalid::Inval);
        }
        return Ok(mop.key);
    }
    Ok(0)
}

/// A vCPU request (logical read or write): the access key and the kind of access.
pub fn validate_vcpu(mop: &KvmS390MemOp) -> Result<(u8, Mode), Invalid> {
    let mode = match mop.op {
        memop::LOGICAL_READ => Mode::Fetch,
        memop::LOGICAL_WRITE => Mode::Store,
        // SIDA operations are for protected guests, which this backend does not run.
        _ => return Err(Invalid::Inval),
    };
    let key = validate_common(
        mop,
        memop::F_INJECT_EXCEPTION | memop::F_CHECK_ONLY | memop::F_SKEY_PROTECTION,
    )?;
    if mop.ar >= 16 {
        return Err(Invalid::Inval);
    }
    Ok((key, mode))
}

/// A VM request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmOp {
    /// Absolute read or write (or check), with this access key.
    Access(Mode, u8),
    /// Compare and exchange of `size` bytes, with this access key.
    Cmpxchg(u8),
}

/// Validates a VM request (absolute read, write, cmpxchg).
pub fn validate_vm(mop: &KvmS390MemOp) -> Result<VmOp, Invalid> {
    match mop.op {
        memop::ABSOLUTE_READ | memop::ABSOLUTE_WRITE => {
            let key = validate_common(mop, memop::F_SKEY_PROTECTION | memop::F_CHECK_ONLY)?;
            let mode = if mop.op == memop::ABSOLUTE_READ {
                Mode::Fetch
            } else {
                Mode::Store
            };
            Ok(VmOp::Access(mode, key))
        }
        memop::ABSOLUTE_CMPXCHG => {
            let key = validate_common(mop, memop::F_SKEY_PROTECTION)?;
            // A power of two up to 16, aligned to itself.
            if mop.size > 16 || !mop.size.is_power_of_two() {
                return Err(Invalid::Inval);
            }
            if mop.gaddr & u64::from(mop.size - 1) != 0 {
                return Err(Invalid::Inval);
            }
            Ok(VmOp::Cmpxchg(key))
        }
        _ => Err(Invalid::Inval),
    }
}

/// The program-interruption code of an absolute access to one page with storage key
/// `key` (`None`: no memory there), or 0 when it may be made.
pub fn absolute_page_check(key: Option<u8>, access_key: u8, mode: Mode) -> u16 {
    match key {
        None => pgm::ADDRESSING,
        Some(k) if key_permits_absolute(access_key, k, mode) => 0,
        Some(_) => pgm::PROTECTION,
    }
}
