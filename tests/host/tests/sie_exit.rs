// SPDX-License-Identifier: GPL-2.0

//! Classification of SIE exits (logic/sie_exit.rs) and PSW arithmetic (logic/psw.rs).

use kvm_s390_host_tests::kvm_host::Psw;
use kvm_s390_host_tests::logic::psw;
use kvm_s390_host_tests::logic::sie_exit::{self, icpt, pgm, Exit};

#[test]
fn an_intercept_wins_over_a_stale_fault_record() {
    assert_eq!(
        sie_exit::classify(icpt::INSTRUCTION, 0x11, 0x1000),
        Exit::Intercept(icpt::INSTRUCTION)
    );
}

#[test]
fn no_intercept_no_fault_is_an_interruption() {
    assert_eq!(sie_exit::classify(0, 0, 0), Exit::Interrupted);
}

#[test]
fn dat_faults_carry_the_page() {
    // TEID bits 52-53: 01 store, 10 fetch, 00 unknown.
    let store = 0x2000_1000 | (1 << 10);
    let fetch = 0x2000_1000 | (2 << 10);
    let unknown = 0x2000_1abc & !0xc00;
    assert_eq!(
        sie_exit::classify(0, pgm::PAGE_TRANSLATION as u32, store),
        Exit::GmapFault { gaddr: 0x2000_1000 }
    );
    assert_eq!(
        sie_exit::classify(0, pgm::SEGMENT_TRANSLATION as u32, fetch),
        Exit::GmapFault { gaddr: 0x2000_1000 }
    );
    assert_eq!(
        sie_exit::classify(0, pgm::REGION_THIRD_TRANSLATION as u32, unknown),
        Exit::GmapFault { gaddr: 0x2000_1000 }
    );
    // A protection fault needs the write mapping whatever the TEID says.
    assert_eq!(
        sie_exit::classify(0, pgm::PROTECTION as u32, fetch),
        Exit::GmapFault { gaddr: 0x2000_1000 }
    );
    // The PER bit (0x80) of the interruption code does not change the class.
    assert!(matches!(
        sie_exit::classify(0, 0x80 | pgm::PAGE_TRANSLATION as u32, store),
        Exit::GmapFault { .. }
    ));
}

#[test]
fn faults_outside_the_primary_space_or_of_other_kinds_are_unexpected() {
    // Address-space identifier 01 (secondary) in TEID bits 62-63.
    assert_eq!(
        sie_exit::classify(0, pgm::PAGE_TRANSLATION as u32, 0x1000 | 1),
        Exit::UnexpectedFault {
            code: pgm::PAGE_TRANSLATION,
            teid: 0x1000 | 1
        }
    );
    assert_eq!(
        sie_exit::classify(0, pgm::ADDRESSING as u32, 0x1000),
        Exit::UnexpectedFault {
            code: pgm::ADDRESSING,
            teid: 0x1000
        }
    );
}

#[test]
fn instruction_lengths_follow_the_first_two_opcode_bits() {
    assert_eq!(sie_exit::instruction_length(0x07), 2); // BCR
    assert_eq!(sie_exit::instruction_length(0x58), 4); // L
    assert_eq!(sie_exit::instruction_length(0x83), 4); // DIAG
    assert_eq!(sie_exit::instruction_length(0xa7), 4); // RI formats
    assert_eq!(sie_exit::instruction_length(0xe3), 6); // RXY formats
}

#[test]
fn psw_forward_wraps_in_the_addressing_mode() {
    let m64 = psw::MASK_EA | psw::MASK_BA;
    let m31 = psw::MASK_BA;
    let f = |mask, addr, ilen| psw::forward(Psw { mask, addr }, ilen).addr;
    assert_eq!(f(m64, 0x1000, 4), 0x1004);
    assert_eq!(f(m64, u64::MAX - 1, 4), 2);
    assert_eq!(f(m31, 0x7fff_fffe, 4), 2);
    assert_eq!(f(0, 0x00ff_fffe, 6), 4);
    assert_eq!(psw::forward(Psw { mask: m64, addr: 8 }, 2).mask, m64);
}

#[test]
fn lowcore_values_are_big_endian() {
    assert_eq!(psw::program_interruption_code(6, 5), [0, 6, 0, 5]);
    let p = Psw {
        mask: 0x0000_0001_8000_0000,
        addr: 0x1_0006,
    };
    let bytes = psw::psw_bytes(p);
    assert_eq!(&bytes[..8], &[0, 0, 0, 1, 0x80, 0, 0, 0]);
    assert_eq!(psw::psw_from_bytes(bytes), p);
}
