// SPDX-License-Identifier: GPL-2.0

//! ioctl numbers against the values the C macros produce on s390 (computed by hand from
//! `_IOC`: dir << 30 | size << 16 | 0xAE << 8 | nr).

use kvm_s390_host_tests::uapi_kvm::*;

#[test]
fn ioctl_numbers() {
    assert_eq!(KVM_S390_SET_INITIAL_PSW, 0x4010_ae96);
    assert_eq!(KVM_S390_INITIAL_RESET, 0x0000_ae97);
    assert_eq!(KVM_S390_ENABLE_SIE, 0x0000_ae06);
    assert_eq!(KVM_GET_REGS, 0x8080_ae81);
}
