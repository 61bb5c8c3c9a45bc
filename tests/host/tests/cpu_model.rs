// SPDX-License-Identifier: GPL-2.0

//! The CPU model's features and subfunctions (`logic/cpu_model.rs`).

use kvm_s390_host_tests::logic::cpu_model::{
    self, HostFeatures, Query, FEAT_DWORDS, SUBFUNC_BLOCKS, SUBFUNC_SIZE,
};

#[test]
fn only_esop_is_offered_and_only_with_the_machine() {
    let with = cpu_model::machine_features(HostFeatures { esop: true });
    let without = cpu_model::machine_features(HostFeatures { esop: false });
    // Feature 0 is the most significant bit of the first doubleword (uapi numbering).
    assert_eq!(with[0], 1u64 << 63);
    assert!(with[1..].iter().all(|w| *w == 0));
    assert_eq!(without, [0u64; FEAT_DWORDS]);
    // Nothing that needs vSIE (features 1-8, 13, 14) nor SKEY/CMMA/PFMFI/SIGPIF (9-12).
    for nr in 1..1024usize {
        assert_eq!(with[nr / 64] & (1u64 << (63 - nr % 64)), 0, "feature {nr}");
    }
}

#[test]
fn a_vm_gets_only_a_subset_of_the_machine_features() {
    let machine = cpu_model::machine_features(HostFeatures { esop: true });
    assert!(cpu_model::is_subset(&[0; FEAT_DWORDS], &machine));
    assert!(cpu_model::is_subset(&machine, &machine));
    let mut sief2 = [0u64; FEAT_DWORDS];
    sief2[0] = 1 << (63 - cpu_model::FEAT_SIEF2);
    assert!(!cpu_model::is_subset(&sief2, &machine));
    // The last bit of the 1024 counts too.
    let mut last = [0u64; FEAT_DWORDS];
    last[15] = 1;
    assert!(!cpu_model::is_subset(&last, &machine));
    // A shorter machine list means no features beyond it.
    assert!(!cpu_model::is_subset(&last, &machine[..1]));
    assert!(!cpu_model::is_subset(&machine, &[0; FEAT_DWORDS]));
}

#[test]
fn subfunc_blocks_tile_the_uapi_structure() {
    // In the order of struct kvm_s390_vm_cpu_subfunc, without gaps; the 1712 reserved
    // bytes follow.
    let mut offset = 0;
    for b in SUBFUNC_BLOCKS.iter() {
        assert_eq!(b.offset, offset, "{:?}", b.query);
        assert!(b.len == 16 || b.len == 32);
        offset += b.len;
    }
    assert_eq!(offset + 1712, SUBFUNC_SIZE);
    assert_eq!(SUBFUNC_BLOCKS[0].query, Query::PloTestBits);
    assert_eq!(SUBFUNC_BLOCKS[0].facility, None);
    assert_eq!(SUBFUNC_BLOCKS[0].len, 32);
}

#[test]
fn subfunc_queries_are_guarded_by_their_facility() {
    let guard = |q: Query| {
        SUBFUNC_BLOCKS
            .iter()
            .find(|b| b.query == q)
            .map(|b| b.facility)
            .unwrap()
    };
    assert_eq!(guard(Query::Ptff), Some(28));
    for op in [0xb91e, 0xb92f, 0xb92e, 0xb93e, 0xb93f] {
        assert_eq!(guard(Query::Cpacf(op)), Some(17), "{op:#x}");
    }
    assert_eq!(guard(Query::Cpacf(0xb928)), Some(76));
    for op in [0xb92d, 0xb92a, 0xb92b, 0xb92c] {
        assert_eq!(guard(Query::Cpacf(op)), Some(77), "{op:#x}");
    }
    assert_eq!(guard(Query::Cpacf(0xb93c)), Some(57));
    assert_eq!(guard(Query::Cpacf(0xb929)), Some(146));
    assert_eq!(guard(Query::Cpacf(0xb93a)), Some(155));
    assert_eq!(guard(Query::Sortl), Some(150));
    assert_eq!(guard(Query::Dfltcc), Some(151));
    assert_eq!(guard(Query::Pfcr), Some(201));
}

#[test]
fn plo_bits_count_from_the_leftmost_bit() {
    let mut plo = [0u8; 32];
    cpu_model::set_plo_bit(&mut plo, 0);
    cpu_model::set_plo_bit(&mut plo, 9);
    cpu_model::set_plo_bit(&mut plo, 255);
    assert_eq!(plo[0], 0x80);
    assert_eq!(plo[1], 0x40);
    assert_eq!(plo[31], 0x01);
    assert_eq!(plo.iter().map(|b| b.count_ones()).sum::<u32>(), 3);
    // A short buffer is not written beyond its end.
    let mut short = [0u8; 1];
    cpu_model::set_plo_bit(&mut short, 8);
    assert_eq!(short, [0]);
}
