// SPDX-License-Identifier: GPL-2.0

//! Geometry and entry formats of the guest DAT tables (logic/dat.rs).

use kvm_s390_host_tests::logic::dat::{self, Level};

const LEVELS: [Level; 5] = [
    Level::Region1,
    Level::Region2,
    Level::Region3,
    Level::Segment,
    Level::Page,
];

/// A small deterministic generator, so property tests need no dependency.
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn indexes_rebuild_the_page_address() {
    // The five indexes (11+11+11+11+8 bits) and the 12-bit byte index cover 64 bits
    // exactly: recombining them gives the address back.
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..10_000 {
        let addr = rng.next();
        let mut rebuilt = addr & 0xfff;
        for level in LEVELS {
            rebuilt |= (level.index(addr) as u64) << level.shift();
            assert!(level.index(addr) < level.entries());
        }
        assert_eq!(rebuilt, addr);
    }
}

#[test]
fn known_addresses_land_where_the_architecture_says() {
    // 4 GiB: region-third index 2, everything else 0.
    let a = 0x1_0000_0000;
    assert_eq!(Level::Region2.index(a), 0);
    assert_eq!(Level::Region3.index(a), 2);
    assert_eq!(Level::Segment.index(a), 0);
    assert_eq!(Level::Page.index(a), 0);
    // 2 MiB + 7 pages: segment 2, page 7.
    let b = 0x20_7000;
    assert_eq!(Level::Segment.index(b), 2);
    assert_eq!(Level::Page.index(b), 7);
}

#[test]
fn top_level_is_the_smallest_that_covers_the_limit() {
    assert_eq!(dat::top_level(1 << 20), Level::Segment);
    assert_eq!(dat::top_level(1 << 31), Level::Segment);
    assert_eq!(dat::top_level((1 << 31) + 1), Level::Region3);
    assert_eq!(dat::top_level(1 << 42), Level::Region3);
    assert_eq!(dat::top_level(1 << 53), Level::Region2);
    assert_eq!(dat::top_level(u64::MAX), Level::Region1);
    for limit in [1u64 << 20, 1 << 31, 1 << 40, 1 << 42, 1 << 50, 1 << 53] {
        let top = dat::top_level(limit);
        // A top-level table of `top` spans 2048 of its entries.
        assert!(top.entry_span() * 2048 >= limit);
    }
}

#[test]
fn asce_and_entries_carry_type_and_length() {
    let origin = 0x1234_5000;
    // Region-second ASCE: designation type 10 (bits 60-61), table length 11.
    assert_eq!(dat::asce(origin, Level::Region2), 0x1234_5000 | 0x8 | 0x3);
    assert_eq!(dat::asce(origin, Level::Segment), 0x1234_5000 | 0x3);
    // A region-third entry pointing to a segment table: type 01, full length.
    assert_eq!(Level::Region3.table_entry(origin), 0x1234_5000 | 0x4 | 0x3);
    // A segment-table entry is just the page-table origin when valid.
    assert_eq!(Level::Segment.table_entry(origin), 0x1234_5000);
    for level in [
        Level::Region1,
        Level::Region2,
        Level::Region3,
        Level::Segment,
    ] {
        assert!(!dat::table_entry_valid(level.invalid_entry()));
        assert!(dat::table_entry_valid(level.table_entry(origin)));
    }
    assert!(!dat::pte_valid(Level::Page.invalid_entry()));
}

#[test]
fn ptes_round_trip_frames() {
    let mut rng = XorShift(42);
    for _ in 0..1000 {
        let pfn = rng.next() >> 12;
        let rw = dat::pte(pfn, true);
        let ro = dat::pte(pfn, false);
        assert!(dat::pte_valid(rw) && dat::pte_valid(ro));
        assert_eq!(dat::pte_pfn(rw), pfn);
        assert_eq!(dat::pte_pfn(ro), pfn);
        assert_eq!(rw & dat::PTE_PROTECT, 0);
        assert_ne!(ro & dat::PTE_PROTECT, 0);
    }
}

#[test]
fn range_walk_steps_never_go_backwards() {
    for level in LEVELS {
        let span = level.entry_span();
        assert_eq!(dat::next_entry_start(level, 0), Some(span));
        assert_eq!(dat::next_entry_start(level, span - 1), Some(span));
        assert_eq!(dat::next_entry_start(level, span + 1), Some(2 * span));
        assert_eq!(dat::next_entry_start(level, u64::MAX), None);
    }
}
