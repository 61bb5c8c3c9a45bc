// SPDX-License-Identifier: GPL-2.0

//! The vector facility for guests (logic/vector.rs): the facilities it brings, and the FPR
//! view of the vector registers that KVM_GET_FPU, KVM_SET_FPU and the save areas use.

use kvm_s390_host_tests::logic::facilities;
use kvm_s390_host_tests::logic::vector::{self, Vrs};

fn pattern() -> Vrs {
    let mut vrs = [[0u64; 2]; 32];
    for (i, vr) in vrs.iter_mut().enumerate() {
        let i = i as u64;
        *vr = [0x1000 + i, 0x2000_0000_0000_0000 | i];
    }
    vrs
}

#[test]
fn fprs_are_the_leftmost_halves_of_vr0_to_vr15() {
    let vrs = pattern();
    let fprs = vector::fprs(&vrs);
    for (i, f) in fprs.iter().enumerate() {
        assert_eq!(*f, 0x1000 + i as u64);
    }
}

#[test]
fn setting_fprs_keeps_the_rightmost_halves_and_vr16_to_vr31() {
    let mut vrs = pattern();
    let fprs: [u64; 16] = core::array::from_fn(|i| 0xdead_0000 + i as u64);
    vector::set_fprs(&mut vrs, &fprs);
    let old = pattern();
    for i in 0..16 {
        assert_eq!(vrs[i][0], 0xdead_0000 + i as u64);
        assert_eq!(vrs[i][1], old[i][1]);
    }
    assert_eq!(vrs[16..], old[16..]);
    assert_eq!(vector::fprs(&vrs), fprs);
}

#[test]
fn the_save_area_is_vr0_to_vr31_big_endian() {
    let area = vector::save_area(&pattern());
    assert_eq!(area.len(), 512);
    assert_eq!(area[0..8], 0x1000u64.to_be_bytes());
    assert_eq!(area[8..16], 0x2000_0000_0000_0000u64.to_be_bytes());
    assert_eq!(area[31 * 16..31 * 16 + 8], (0x1000u64 + 31).to_be_bytes());
    assert_eq!(area[511], 31);
}

#[test]
fn the_extended_save_area_is_1k_aligned_and_optional() {
    assert_eq!(vector::mcesa_origin(0), None);
    assert_eq!(vector::mcesa_origin(0x3ff), None);
    assert_eq!(vector::mcesa_origin(0x1_2400), Some(0x1_2400));
    // The low bits (the length characteristic with guarded storage) are ignored.
    assert_eq!(vector::mcesa_origin(0x1_240b), Some(0x1_2400));
    assert_eq!(vector::MCIC_VR, 0x0000_0000_0002_0000);
}

#[test]
fn enabling_adds_129_and_only_the_extensions_the_host_has() {
    let mut host = [0u64; 4];
    facilities::set(&mut host, 129);
    facilities::set(&mut host, 135);
    facilities::set(&mut host, 198);
    facilities::set(&mut host, 76); // not a vector extension: never copied
    let mut list = [0u64; 4];
    let mut mask = [0u64; 4];
    vector::enable(&host, &mut list, &mut mask);
    for nr in 0..256 {
        let want = matches!(nr, 129 | 135 | 198);
        assert_eq!(facilities::test(&list, nr), want, "list {nr}");
        assert_eq!(facilities::test(&mask, nr), want, "mask {nr}");
    }
}

#[test]
fn enabling_keeps_what_the_lists_had() {
    let host = [0u64; 4];
    let mut list = [0u64; 4];
    let mut mask = [0u64; 4];
    facilities::set(&mut list, 7);
    facilities::set(&mut mask, 8);
    vector::enable(&host, &mut list, &mut mask);
    assert!(facilities::test(&list, 7) && facilities::test(&list, 129));
    assert!(facilities::test(&mask, 8) && facilities::test(&mask, 129));
    assert!(!facilities::test(&list, 134));
}
