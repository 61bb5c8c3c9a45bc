// SPDX-License-Identifier: GPL-2.0

//! Initial CPU reset, capabilities and vCPU limits.

use kvm_s390_host_tests::kvm_host::Psw;
use kvm_s390_host_tests::logic::capabilities::{value, Host};
use kvm_s390_host_tests::logic::cpu_reset::{ResettableState, CR0_INITIAL, CR14_INITIAL};
use kvm_s390_host_tests::logic::vcpu_limits::ScaKind;
use kvm_s390_host_tests::uapi_kvm::cap;

#[test]
fn initial_reset_sets_architected_values() {
    let mut s = ResettableState {
        psw: Psw {
            mask: 0x0706_0001_8000_0000,
            addr: 0x1234,
        },
        prefix: 0x40000,
        cputm: 5,
        ckc: 6,
        crs: [0xffff_ffff_ffff_ffff; 16],
        todpr: 7,
        pp: 8,
        gbea: 9,
        fpc: 0x8800_0000,
    };
    s.initial_reset();
    assert_eq!(s.psw, Psw::default());
    assert_eq!(s.prefix, 0);
    assert_eq!((s.cputm, s.ckc, s.todpr, s.pp, s.fpc), (0, 0, 0, 0, 0));
    assert_eq!(s.gbea, 1);
    for (i, cr) in s.crs.iter().enumerate() {
        let want = match i {
            0 => CR0_INITIAL,
            14 => CR14_INITIAL,
            _ => 0,
        };
        assert_eq!(*cr, want, "cr{i}");
    }
    assert_eq!(CR0_INITIAL, 0xe0);
    assert_eq!(CR14_INITIAL, 0xc200_0000);
}

#[test]
fn basic_sca_bounds_vcpu_ids() {
    assert_eq!(ScaKind::Basic.slots(), 64);
    assert!(ScaKind::Basic.can_add_vcpu(0));
    assert!(ScaKind::Basic.can_add_vcpu(63));
    assert!(!ScaKind::Basic.can_add_vcpu(64));
    assert!(!ScaKind::Basic.can_add_vcpu(u32::MAX));
}

#[test]
fn capabilities_are_consistent() {
    let host = Host {
        online_cpus: 2,
        sca: ScaKind::Basic,
        guest_per: true,
        vector: false,
    };
    assert_eq!(value(cap::S390_PSW, &host), 1);
    assert_eq!(value(cap::MAX_VCPUS, &host), 64);
    assert_eq!(value(cap::MAX_VCPU_ID, &host), value(cap::MAX_VCPUS, &host));
    assert_eq!(value(cap::NR_VCPUS, &host), 2);
    let big = Host {
        online_cpus: 1000,
        sca: ScaKind::Basic,
        guest_per: true,
        vector: false,
    };
    assert_eq!(value(cap::NR_VCPUS, &big), 64);
    // Unknown and not-yet-working capabilities are 0.
    for c in [-1, 0, 1, 0x7fff_ffff, i64::MIN, i64::MAX] {
        assert_eq!(value(c, &host), 0, "cap {c}");
    }
}
