// SPDX-License-Identifier: GPL-2.0

//! Guest debugging: control validation, the patched PER registers, and which PER events
//! are the debugger's and which the guest's.

use kvm_s390_host_tests::logic::guestdbg::*;

#[test]
fn control_is_checked_like_mainline() {
    assert_eq!(check_control(0, true), Ok(()));
    assert_eq!(check_control(GUESTDBG_ENABLE, true), Ok(()));
    assert_eq!(
        check_control(GUESTDBG_ENABLE | GUESTDBG_SINGLESTEP, true),
        Ok(())
    );
    // Unknown flags (including the kernel-internal EXIT_PENDING and SW_BP, which s390
    // does not have) come first, before the facility.
    for bad in [0x4, 0x8000_0000, GUESTDBG_EXIT_PENDING, 0x0002_0000] {
        assert_eq!(
            check_control(GUESTDBG_ENABLE | bad, false),
            Err(Refused::UnknownFlag)
        );
    }
    assert_eq!(check_control(0, false), Err(Refused::NoGuestPer));
    assert_eq!(
        check_control(GUESTDBG_ENABLE | GUESTDBG_USE_HW_BP, true),
        Ok(())
    );
    assert_eq!(check_control(GUESTDBG_USE_HW_BP, true), Ok(()));
}

#[test]
fn singlestep_patches_ifetch_over_everything() {
    let guest = PerRegs {
        cr0: 0x0000_0000_0000_0a00,
        cr9: CR9_STORE | CR9_NULLIFICATION,
        cr10: 0x1000,
        cr11: 0x2000,
    };
    let p = patched(guest, GUESTDBG_ENABLE | GUESTDBG_SINGLESTEP);
    assert_eq!(p.cr0, 0x0000_0000_0000_0200, "clock comparator masked");
    assert_eq!(p.cr9, CR9_STORE | CR9_IFETCH);
    assert_eq!((p.cr10, p.cr11), (0, u64::MAX));
    // Without single-step only nullification goes.
    let q = patched(guest, GUESTDBG_ENABLE);
    assert_eq!(q.cr0, guest.cr0);
    assert_eq!(q.cr9, CR9_STORE);
    assert_eq!((q.cr10, q.cr11), (0x1000, 0x2000));
}

#[test]
fn ranges_wrap() {
    assert!(in_addr_range(5, 5, 5));
    assert!(!in_addr_range(6, 5, 5));
    assert!(in_addr_range(0, 0, u64::MAX));
    assert!(in_addr_range(u64::MAX, 0, u64::MAX));
    // Wrapping range: from 0xf000 over the top to 0x10.
    assert!(in_addr_range(u64::MAX, 0xf000, 0x10));
    assert!(in_addr_range(0x10, 0xf000, 0x10));
    assert!(!in_addr_range(0x11, 0xf000, 0x10));
    assert!(!in_addr_range(0xefff, 0xf000, 0x10));
}

#[test]
fn which_events_end_a_step() {
    let ss = GUESTDBG_ENABLE | GUESTDBG_SINGLESTEP;
    assert!(singlestep_event(ss, PER_CODE_IFETCH));
    assert!(singlestep_event(ss, PER_CODE_BRANCH));
    assert!(!singlestep_event(ss, 0x20), "a store event is not a step");
    assert!(!singlestep_event(GUESTDBG_ENABLE, PER_CODE_IFETCH));
    assert!(!singlestep_event(GUESTDBG_SINGLESTEP, PER_CODE_IFETCH));

    assert!(per_event_is_debuggers(ss, PGM_PER));
    // PER with another condition: the delivery of that condition ends the step.
    assert!(!per_event_is_debuggers(ss, PGM_PER | 0x06));
    assert!(per_event_is_debuggers(GUESTDBG_ENABLE, PGM_PER | 0x06));
    assert!(!per_event_is_debuggers(ss, 0x06));
    assert!(!per_event_is_debuggers(0, PGM_PER));
}

#[test]
fn guest_keeps_only_its_own_events() {
    let own = PerRegs {
        cr0: 0,
        cr9: CR9_IFETCH,
        cr10: 0x1000,
        cr11: 0x1fff,
    };
    let ifetch = PER_CODE_IFETCH;
    // PER off in the PSW: nothing for the guest.
    assert_eq!(guest_per_code(ifetch, 0, 0x1000, own, Some(0x1000)), 0);
    // In range: kept; outside or unknown: dropped.
    assert_eq!(
        guest_per_code(ifetch, PSW_MASK_PER, 0x1004, own, Some(0x1000)),
        ifetch
    );
    assert_eq!(
        guest_per_code(ifetch, PSW_MASK_PER, 0x2004, own, Some(0x2000)),
        0
    );
    assert_eq!(guest_per_code(ifetch, PSW_MASK_PER, 0x1004, own, None), 0);
    // Events the guest did not enable in CR9 are dropped.
    assert_eq!(
        guest_per_code(PER_CODE_BRANCH, PSW_MASK_PER, 0x1004, own, Some(0x1000)),
        0
    );
    // Branching with the branch-address control: only into the range.
    let br = PerRegs {
        cr9: CR9_BRANCH | CR9_BRANCH_ADDRESS,
        ..own
    };
    assert_eq!(
        guest_per_code(PER_CODE_BRANCH, PSW_MASK_PER, 0x1800, br, None),
        PER_CODE_BRANCH
    );
    assert_eq!(
        guest_per_code(PER_CODE_BRANCH, PSW_MASK_PER, 0x3000, br, None),
        0
    );
}

#[test]
fn program_code_after_filtering() {
    // The debugger's PER part goes; the other condition stays.
    assert_eq!(guest_iprcc(PGM_PER | 0x06, 0, 0, 0, 0, 0), 0x06);
    assert_eq!(guest_iprcc(PGM_PER, 0, 0, 0, 0, 0), 0);
    assert_eq!(
        guest_iprcc(PGM_PER | 0x06, PER_CODE_IFETCH, 0, 0, 0, 0),
        PGM_PER | 0x06
    );
    // A space-switch event forced by PER: dropped without the guest's controls ...
    let home_psw = 3u64 << (63 - 17);
    assert_eq!(
        guest_iprcc(PGM_SPACE_SWITCH | PGM_PER, 0, home_psw, 0, 0, 1),
        0
    );
    // ... kept when the guest's primary space-switch control asks for it.
    assert_eq!(
        guest_iprcc(PGM_SPACE_SWITCH | PGM_PER, 0, home_psw, 0x40, 0, 1),
        PGM_SPACE_SWITCH
    );
}

#[test]
fn capability_follows_the_facility() {
    use kvm_s390_host_tests::logic::capabilities::{value, Host};
    use kvm_s390_host_tests::logic::vcpu_limits::ScaKind;
    use kvm_s390_host_tests::uapi_kvm::cap;
    let mut host = Host {
        online_cpus: 1,
        sca: ScaKind::Basic,
        guest_per: true,
        vector: false,
    };
    assert_eq!(value(cap::SET_GUEST_DEBUG, &host), 1);
    assert_eq!(
        value(cap::SET_GUEST_DEBUG2, &host),
        i64::from(GUESTDBG_ENABLE | GUESTDBG_SINGLESTEP | GUESTDBG_USE_HW_BP)
    );
    host.guest_per = false;
    assert_eq!(value(cap::SET_GUEST_DEBUG, &host), 0);
    assert_eq!(value(cap::SET_GUEST_DEBUG2, &host), 0);
}

#[test]
fn breakpoint_array_limits() {
    assert_eq!(hw_bp_count(0, 0x1000), Some(0));
    assert_eq!(hw_bp_count(5, 0), Some(0));
    assert_eq!(hw_bp_count(50, 0x1000), Some(50));
    assert_eq!(hw_bp_count(51, 0x1000), None);
    assert_eq!(hw_bp_count(u32::MAX, 0x1000), None);
    assert_eq!(wp_len(0), Some(0));
    assert_eq!(wp_len(100), Some(100));
    assert_eq!(wp_len(101), None);
    assert_eq!(wp_len(0xffff_ffff), None, "-1 as an int");
    // Mainline keeps the low 32 bits.
    assert_eq!(wp_len(0x1_0000_0008), Some(8));
}

#[test]
fn ranges_grow_minimally() {
    let (mut a, mut b) = (0u64, 0u64);
    extend_range(&mut a, &mut b, 0x1000, 4);
    assert_eq!((a, b), (0x1000, 0x1003));
    extend_range(&mut a, &mut b, 0x2000, 1);
    assert_eq!((a, b), (0x1000, 0x2000));
    extend_range(&mut a, &mut b, 0x800, 0);
    assert_eq!((a, b), (0x800, 0x2000));
    // A wrapping range grows on the nearer side.
    let (mut a, mut b) = (0xffff_ffff_ffff_f000u64, 0x100u64);
    extend_range(&mut a, &mut b, 0x200, 0x10);
    assert_eq!((a, b), (0xffff_ffff_ffff_f000, 0x20f));
    extend_range(&mut a, &mut b, 0xffff_ffff_ffff_e000, 1);
    assert_eq!((a, b), (0xffff_ffff_ffff_e000, 0x20f));
    // Extreme values wrap instead of overflowing.
    let (mut a, mut b) = (0u64, 0u64);
    extend_range(&mut a, &mut b, u64::MAX, i64::MAX);
    assert_eq!(a, u64::MAX);
}

#[test]
fn breakpoints_patch_and_hit() {
    let mut r = PerRegs::default();
    let bps = [
        HwBp {
            addr: 0x10008,
            len: 0,
        },
        HwBp { addr: 2, len: 1 },
    ];
    patch_hw_bp(&mut r, &bps);
    assert_eq!(r.cr9, CR9_IFETCH | CR9_BRANCH | CR9_BRANCH_ADDRESS);
    // Each range starts up to 6 bytes before its breakpoint (0 at the bottom).
    assert_eq!((r.cr10, r.cr11), (0, 0x10007));
    let mut r = PerRegs {
        cr9: CR9_BRANCH,
        ..Default::default()
    };
    patch_hw_bp(&mut r, &bps[..1]);
    assert_eq!(
        r.cr9,
        CR9_IFETCH | CR9_BRANCH,
        "the guest's own branch events stay global"
    );
    assert_eq!((r.cr10, r.cr11), (0x10002, 0x10007));

    assert_eq!(find_hw_bp(&bps, 0x10008), Some(bps[0]));
    assert_eq!(find_hw_bp(&bps, 0x1000a), None);
    let ranged = [HwBp {
        addr: 0x2000,
        len: 0x10,
    }];
    assert!(find_hw_bp(&ranged, 0x200f).is_some());
    assert!(find_hw_bp(&ranged, 0x2010).is_none());

    let ifetch = PER_CODE_IFETCH;
    // The instruction before the breakpoint completed: stop at the breakpoint.
    assert_eq!(
        hw_bp_exit(&bps, ifetch, 0x10008, 0x10004, 0),
        Some((0x10008, 0x10008))
    );
    // Resuming at the breakpoint: its own fetch event is not a second stop.
    assert_eq!(hw_bp_exit(&bps, ifetch, 0x1000c, 0x10008, 0x10008), None);
    // Jumped onto it from elsewhere without stopping: reported at the PER address.
    assert_eq!(
        hw_bp_exit(&bps, ifetch, 0x1000c, 0x10008, 0),
        Some((0x10008, 0))
    );
    // Store events and an empty list never stop here.
    assert_eq!(hw_bp_exit(&bps, PER_CODE_STORE, 0x10008, 0x10004, 0), None);
    assert_eq!(hw_bp_exit(&[], ifetch, 0x10008, 0x10004, 0), None);
}

#[test]
fn watchpoints_patch() {
    let mut r = PerRegs {
        cr9: CR9_ALTERATION,
        ..Default::default()
    };
    patch_hw_wp(&mut r, [(0x3000u64, 8usize), (0x3100, 1)].into_iter());
    assert_eq!(r.cr9, CR9_STORE);
    assert_eq!((r.cr10, r.cr11), (0x3000, 0x3100));
    // The guest watches per address space itself: everything, for everyone.
    let mut r = PerRegs {
        cr9: CR9_STORE | CR9_ALTERATION,
        cr10: 0x5000,
        cr11: 0x6000,
        ..Default::default()
    };
    patch_hw_wp(&mut r, [(0x3000u64, 8usize)].into_iter());
    assert_eq!((r.cr9, r.cr10, r.cr11), (CR9_STORE, 0, u64::MAX));
    // No watchpoints: unchanged.
    let mut r = PerRegs::default();
    patch_hw_wp(&mut r, core::iter::empty());
    assert_eq!(r, PerRegs::default());
}
