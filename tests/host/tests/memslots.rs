// SPDX-License-Identifier: GPL-2.0

//! The architecture's memory slot checks (logic/memslots.rs).

use kvm_s390_host_tests::logic::memslots::*;

#[test]
fn memory_limit_from_hamax() {
    // Hercules reports all ones: mainline's hamax + 1 wraps to 0 there.
    assert_eq!(vm_mem_limit(u64::MAX), MAX_GUEST_MEMORY);
    assert_eq!(vm_mem_limit((1 << 42) - 1), 1 << 42);
    assert_eq!(vm_mem_limit((1 << 60) - 1), MAX_GUEST_MEMORY);
}

#[test]
fn slots_must_end_below_the_limit() {
    let limit = 1u64 << 30;
    let fits = NewSlot {
        base_gfn: 0,
        npages: limit >> PAGE_SHIFT,
        userspace_addr: 0x10_0000,
    };
    assert_eq!(check_change(Change::Create, &fits, limit), Ok(()));
    let over = NewSlot {
        npages: fits.npages + 1,
        ..fits
    };
    assert_eq!(
        check_change(Change::Create, &over, limit),
        Err(SlotError::BeyondLimit)
    );
    assert_eq!(
        check_change(Change::Move, &over, limit),
        Err(SlotError::BeyondLimit)
    );
    // Deleting or changing flags never looks at the extent.
    assert_eq!(check_change(Change::Delete, &over, limit), Ok(()));
    assert_eq!(check_change(Change::FlagsOnly, &over, limit), Ok(()));
}

#[test]
fn overflowing_extents_are_refused_not_wrapped() {
    for (base_gfn, npages) in [(u64::MAX, 1), (1 << 52, 1 << 12), (u64::MAX >> 12, 1)] {
        let s = NewSlot {
            base_gfn,
            npages,
            userspace_addr: 0,
        };
        assert_eq!(
            check_change(Change::Create, &s, u64::MAX),
            Err(SlotError::BeyondLimit)
        );
    }
}

#[test]
fn user_address_must_be_page_aligned() {
    let s = NewSlot {
        base_gfn: 0,
        npages: 1,
        userspace_addr: 0x1001,
    };
    assert_eq!(
        check_change(Change::Create, &s, 1 << 30),
        Err(SlotError::Misaligned)
    );
}
