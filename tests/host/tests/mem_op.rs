// SPDX-License-Identifier: GPL-2.0

//! Validation of KVM_S390_MEM_OP (logic/mem_op.rs) with mainline's errno for each bad
//! input, and the termination rule of a logical store whose later page is key protected.

use kvm_s390_host_tests::logic::access::Mode;
use kvm_s390_host_tests::logic::mem_op::{self, Invalid, VmOp};
use kvm_s390_host_tests::logic::sie_exit::pgm;
use kvm_s390_host_tests::uapi_kvm::{memop, KvmS390MemOp};

fn mop(op: u32, size: u32, flags: u64) -> KvmS390MemOp {
    KvmS390MemOp {
        op,
        size,
        flags,
        ..Default::default()
    }
}

#[test]
fn sizes_flags_and_keys() {
    assert_eq!(
        mem_op::validate_vcpu(&mop(memop::LOGICAL_READ, 8, 0)),
        Ok((0, Mode::Fetch))
    );
    assert_eq!(
        mem_op::validate_vcpu(&mop(memop::LOGICAL_WRITE, 0, 0)),
        Err(Invalid::Inval)
    );
    assert_eq!(
        mem_op::validate_vcpu(&mop(memop::LOGICAL_WRITE, 65537, 0)),
        Err(Invalid::TooBig)
    );
    assert_eq!(
        mem_op::validate_vcpu(&mop(memop::LOGICAL_WRITE, u32::MAX, 0)),
        Err(Invalid::TooBig)
    );
    assert_eq!(
        mem_op::validate_vcpu(&mop(memop::LOGICAL_WRITE, 8, u64::MAX)),
        Err(Invalid::Inval)
    );
    let mut m = mop(memop::LOGICAL_WRITE, 8, memop::F_SKEY_PROTECTION);
    m.key = 17;
    assert_eq!(mem_op::validate_vcpu(&m), Err(Invalid::Inval));
    m.key = 9;
    assert_eq!(mem_op::validate_vcpu(&m), Ok((9, Mode::Store)));
    // Without key protection the key is ignored: every key matches.
    m.flags = 0;
    m.key = 200;
    assert_eq!(mem_op::validate_vcpu(&m), Ok((0, Mode::Store)));
    m.ar = 16;
    assert_eq!(mem_op::validate_vcpu(&m), Err(Invalid::Inval));
    // SIDA and absolute operations are not vCPU operations here.
    assert_eq!(mem_op::validate_vcpu(&mop(2, 8, 0)), Err(Invalid::Inval));
    assert_eq!(
        mem_op::validate_vcpu(&mop(memop::ABSOLUTE_READ, 8, 0)),
        Err(Invalid::Inval)
    );
}

#[test]
fn vm_operations() {
    assert_eq!(
        mem_op::validate_vm(&mop(memop::ABSOLUTE_WRITE, 8, memop::F_CHECK_ONLY)),
        Ok(VmOp::Access(Mode::Store, 0))
    );
    // INJECT_EXCEPTION is a vCPU flag.
    assert_eq!(
        mem_op::validate_vm(&mop(memop::ABSOLUTE_READ, 8, memop::F_INJECT_EXCEPTION)),
        Err(Invalid::Inval)
    );
    assert_eq!(
        mem_op::validate_vm(&mop(memop::LOGICAL_READ, 8, 0)),
        Err(Invalid::Inval)
    );
    for size in 0..32u32 {
        let ok = matches!(size, 1 | 2 | 4 | 8 | 16);
        assert_eq!(
            mem_op::validate_vm(&mop(memop::ABSOLUTE_CMPXCHG, size, 0)).is_ok(),
            ok,
            "size {size}"
        );
    }
    let mut m = mop(memop::ABSOLUTE_CMPXCHG, 8, 0);
    m.gaddr = 4;
    assert_eq!(mem_op::validate_vm(&m), Err(Invalid::Inval));
    m.gaddr = 8;
    assert_eq!(mem_op::validate_vm(&m), Ok(VmOp::Cmpxchg(0)));
    // CHECK_ONLY does not apply to cmpxchg.
    m.flags = memop::F_CHECK_ONLY;
    assert_eq!(mem_op::validate_vm(&m), Err(Invalid::Inval));
}

#[test]
fn absolute_key_checks() {
    assert_eq!(
        mem_op::absolute_page_check(None, 0, Mode::Fetch),
        pgm::ADDRESSING
    );
    assert_eq!(mem_op::absolute_page_check(Some(0x30), 0, Mode::Store), 0);
    assert_eq!(mem_op::absolute_page_check(Some(0x30), 3, Mode::Store), 0);
    assert_eq!(
        mem_op::absolute_page_check(Some(0x30), 4, Mode::Store),
        pgm::PROTECTION
    );
    assert_eq!(mem_op::absolute_page_check(Some(0x30), 4, Mode::Fetch), 0);
    assert_eq!(
        mem_op::absolute_page_check(Some(0x38), 4, Mode::Fetch),
        pgm::PROTECTION
    );
    // No storage-protection override without a CPU.
    assert_eq!(
        mem_op::absolute_page_check(Some(0x90), 4, Mode::Store),
        pgm::PROTECTION
    );
}
