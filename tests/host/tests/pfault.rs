// SPDX-License-Identifier: GPL-2.0

//! The pfault handshake: DIAGNOSE 0x258 (logic/diag.rs: the parameter block, mainline's
//! checks and return codes), when a fault may go asynchronous, and the pfault interruptions
//! in the injection ABI (logic/interrupt.rs).

use kvm_s390_host_tests::logic::diag::{self, PageRef, PageRefBlock, PFAULT_TOKEN_INVALID};
use kvm_s390_host_tests::logic::interrupt::{
    self as irq, irq_type, FloatIrq, Kind, LocalIrq, Masks,
};

const ZARCH: u64 = 0x8000_0000_0000_0000;
const PSTATE: u64 = 0x0001_0000_0000_0000;
const EXT: u64 = irq::PSW_MASK_EXT;
const SERVICE: u64 = irq::CR0_SERVICE_SIGNAL_SUBMASK;

fn establish(token_addr: u64, select: u64, compare: u64) -> PageRefBlock {
    PageRefBlock {
        code: 0x258,
        subcode: 0,
        len: 5,
        version: 2,
        token_addr,
        select,
        compare,
        zarch: ZARCH,
    }
}

fn cancel() -> PageRefBlock {
    PageRefBlock {
        code: 0x258,
        subcode: 1,
        len: 5,
        version: 2,
        ..Default::default()
    }
}

#[test]
fn block_decodes_big_endian() {
    let mut b = [0u8; diag::PAGE_REF_BLOCK_SIZE];
    b[0..2].copy_from_slice(&0x258u16.to_be_bytes());
    b[2..4].copy_from_slice(&1u16.to_be_bytes());
    b[4..6].copy_from_slice(&5u16.to_be_bytes());
    b[6..8].copy_from_slice(&2u16.to_be_bytes());
    b[8..16].copy_from_slice(&0x1122_3344_5566_7788u64.to_be_bytes());
    b[16..24].copy_from_slice(&PSTATE.to_be_bytes());
    b[24..32].copy_from_slice(&0x42u64.to_be_bytes());
    b[32..40].copy_from_slice(&ZARCH.to_be_bytes());
    let d = PageRefBlock::from_be_bytes(&b);
    assert_eq!(
        d,
        PageRefBlock {
            code: 0x258,
            subcode: 1,
            len: 5,
            version: 2,
            token_addr: 0x1122_3344_5566_7788,
            select: PSTATE,
            compare: 0x42,
            zarch: ZARCH,
        }
    );
}

#[test]
fn block_address_must_be_doubleword_aligned() {
    assert!(diag::page_ref_block_aligned(0x2000));
    assert!(!diag::page_ref_block_aligned(0x2004));
    assert!(!diag::page_ref_block_aligned(0x2001));
}

#[test]
fn header_checks_come_first() {
    let ok = establish(0x3000, PSTATE, PSTATE);
    for bad in [
        PageRefBlock { version: 1, ..ok },
        PageRefBlock { len: 4, ..ok },
        PageRefBlock { code: 0x259, ..ok },
    ] {
        // Even with a handshake established: the header is checked first.
        assert_eq!(
            diag::page_ref(&bad, PFAULT_TOKEN_INVALID),
            PageRef::Specification
        );
        assert_eq!(diag::page_ref(&bad, 0x3000), PageRef::Specification);
    }
    // A longer block is fine.
    assert!(matches!(
        diag::page_ref(&PageRefBlock { len: 6, ..ok }, PFAULT_TOKEN_INVALID),
        PageRef::Establish { .. }
    ));
}

#[test]
fn establish_checks_masks_alignment_and_mode() {
    let t = PFAULT_TOKEN_INVALID;
    assert_eq!(
        diag::page_ref(&establish(0x3000, PSTATE, PSTATE), t),
        PageRef::Establish {
            token_addr: 0x3000,
            select: PSTATE,
            compare: PSTATE
        }
    );
    assert!(matches!(
        diag::page_ref(&establish(0x3000, PSTATE, 0), t),
        PageRef::Establish { .. }
    ));
    // Compare bits outside the select mask.
    assert_eq!(
        diag::page_ref(&establish(0x3000, 0, PSTATE), t),
        PageRef::Specification
    );
    // Token not doubleword aligned.
    assert_eq!(
        diag::page_ref(&establish(0x3004, 0, 0), t),
        PageRef::Specification
    );
    // Not the z/Architecture doubleword.
    let esa = PageRefBlock {
        zarch: 0,
        ..establish(0x3000, 0, 0)
    };
    assert_eq!(diag::page_ref(&esa, t), PageRef::Specification);
}

#[test]
fn second_establish_returns_8_before_checking_the_block() {
    let bad = establish(0x3004, 0, PSTATE);
    assert_eq!(diag::page_ref(&bad, 0x3000), PageRef::ReturnCode(8));
    assert_eq!(
        diag::page_ref(&establish(0x4000, 0, 0), 0x3000),
        PageRef::ReturnCode(8)
    );
}

#[test]
fn cancel_wants_zero_fields_and_returns_4_without_handshake() {
    assert_eq!(diag::page_ref(&cancel(), 0x3000), PageRef::Cancel);
    assert_eq!(
        diag::page_ref(&cancel(), PFAULT_TOKEN_INVALID),
        PageRef::ReturnCode(4)
    );
    for bad in [
        PageRefBlock {
            token_addr: 8,
            ..cancel()
        },
        PageRefBlock {
            select: 1,
            ..cancel()
        },
        PageRefBlock {
            compare: 1,
            ..cancel()
        },
        PageRefBlock {
            zarch: ZARCH,
            ..cancel()
        },
    ] {
        assert_eq!(diag::page_ref(&bad, 0x3000), PageRef::Specification);
        assert_eq!(
            diag::page_ref(&bad, PFAULT_TOKEN_INVALID),
            PageRef::Specification
        );
    }
}

#[test]
fn other_subcodes_are_user_space_s() {
    for sub in [2u16, 3, 0xffff] {
        let b = PageRefBlock {
            subcode: sub,
            ..cancel()
        };
        assert_eq!(
            diag::page_ref(&b, PFAULT_TOKEN_INVALID),
            PageRef::Unsupported
        );
    }
}

#[test]
fn async_needs_token_mask_match_ext_enabled_service_subclass_and_nothing_pending() {
    let psw = EXT | 0x1_8000_0000;
    assert!(diag::async_allowed(0x3000, PSTATE, 0, psw, SERVICE, false));
    assert!(!diag::async_allowed(
        PFAULT_TOKEN_INVALID,
        0,
        0,
        psw,
        SERVICE,
        false
    ));
    // Problem state selected, supervisor state running: no match.
    assert!(!diag::async_allowed(
        0x3000, PSTATE, PSTATE, psw, SERVICE, false
    ));
    assert!(diag::async_allowed(
        0x3000,
        PSTATE,
        PSTATE,
        psw | PSTATE,
        SERVICE,
        false
    ));
    assert!(!diag::async_allowed(
        0x3000,
        0,
        0,
        psw & !EXT,
        SERVICE,
        false
    ));
    assert!(!diag::async_allowed(0x3000, 0, 0, psw, 0, false));
    assert!(!diag::async_allowed(0x3000, 0, 0, psw, SERVICE, true));
}

#[test]
fn pfault_init_from_both_injection_abis() {
    assert_eq!(
        irq::interrupt_to_irq(irq_type::PFAULT_INIT as u32, 7, 0xabcd),
        Ok(LocalIrq::PfaultInit {
            params: 7,
            token: 0xabcd
        })
    );
    let mut u = [0u8; 64];
    u[0..4].copy_from_slice(&9u32.to_ne_bytes());
    u[8..16].copy_from_slice(&0x1234u64.to_ne_bytes());
    assert_eq!(
        irq::local_from_irq(irq_type::PFAULT_INIT, &u),
        Ok(LocalIrq::PfaultInit {
            params: 9,
            token: 0x1234
        })
    );
    assert_eq!(
        irq::irq_type_of(Kind::PfaultInit),
        Some(irq_type::PFAULT_INIT)
    );
}

#[test]
fn pfault_done_is_floating_with_parm64_as_token() {
    assert_eq!(
        irq::float_from_interrupt(irq_type::PFAULT_DONE as u32, 0, 0x5555),
        Ok(FloatIrq::PfaultDone { token: 0x5555 })
    );
    // pfault init is local only.
    assert!(irq::float_from_interrupt(irq_type::PFAULT_INIT as u32, 0, 1).is_err());
}

#[test]
fn pfault_kinds_are_external_and_not_cr0_masked() {
    let pending = Kind::PfaultInit.bit() | Kind::PfaultDone.bit();
    let on = Masks {
        psw: EXT,
        ..Default::default()
    };
    // Mainline masks them with the PSW only (not with the service-signal subclass).
    assert_eq!(irq::deliverable(pending, &on, 0), pending);
    assert_eq!(irq::deliverable(pending, &Masks::default(), 0), 0);
    // Init before done (mainline's order).
    assert_eq!(irq::highest(pending), Some(Kind::PfaultInit));
}
