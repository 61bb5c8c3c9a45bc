// SPDX-License-Identifier: GPL-2.0

//! Instruction decoding (logic/instruction.rs), PSW validity (logic/psw.rs) and the STSI
//! rules (logic/stsi.rs).

use kvm_s390_host_tests::kvm_host::Psw;
use kvm_s390_host_tests::logic::instruction::{self as decode, BaseDisp};
use kvm_s390_host_tests::logic::psw;
use kvm_s390_host_tests::logic::stsi::{self, Check, Request};

const MODE64: u64 = psw::MASK_EA | psw::MASK_BA;

#[test]
fn opcodes_take_the_second_byte_where_the_format_says() {
    // STIDP 0(%r2): b202 2000 -> ipa 0xb202, ipb 0x2000_0000.
    assert_eq!(decode::opcode(0xb202, 0x2000_0000), 0xb202);
    // LCTLG %c0,%c15,8(%r3): eb0f 3008 002f -> ipa 0xeb0f, ipb 0x3008_002f.
    assert_eq!(decode::opcode(0xeb0f, 0x3008_002f), 0xeb2f);
    // LCTL %c1,%c2,0(%r4): b712 4000: one-byte opcode, the rest is operands.
    assert_eq!(decode::opcode(0xb712, 0x4000_0000), 0xb700);
    // DIAGNOSE and SIGP keep their first byte only.
    assert_eq!(decode::opcode(0x8312, 0x0500_0000), 0x8300);
    assert_eq!(decode::opcode(0xae12, 0x0000_0000), 0xae00);
    // TPROT (SSE) and EPSW (RRE).
    assert_eq!(decode::opcode(0xe501, 0x1000_2000), 0xe501);
    assert_eq!(decode::opcode(0xb98d, 0x0012_0000), 0xb98d);
    assert_eq!(decode::opcode(0x0107, 0), 0x0107);
}

#[test]
fn s_operand_adds_base_and_displacement_and_wraps_in_the_mode() {
    let mut gprs = [0u64; 16];
    gprs[2] = 0x1000;
    let op = decode::s_operand(0x2ffe_0000);
    assert_eq!(
        op,
        BaseDisp {
            base: 2,
            disp: 0xffe
        }
    );
    assert_eq!(op.address(&gprs, MODE64), 0x1ffe);
    // Base register 0 means no base, whatever r0 holds.
    gprs[0] = 0x5000;
    assert_eq!(decode::s_operand(0x0010_0000).address(&gprs, MODE64), 0x10);
    // 31-bit and 24-bit modes truncate the sum.
    gprs[2] = 0xffff_ffff_ffff_f800;
    assert_eq!(op.address(&gprs, MODE64), 0x7fe);
    gprs[2] = 0x7fff_f800; // + 0xffe = 0x8000_07fe
    assert_eq!(op.address(&gprs, psw::MASK_BA), 0x7fe);
    gprs[2] = 0x12ff_f800;
    assert_eq!(op.address(&gprs, 0), 0x7fe);
}

#[test]
fn rsy_displacement_is_signed_20_bits() {
    let mut gprs = [0u64; 16];
    gprs[3] = 0x10000;
    // DL2 = 0x008, DH2 = 0x00.
    assert_eq!(
        decode::rsy_operand(0x3008_002f).address(&gprs, MODE64),
        0x10008
    );
    // DH2 = 0x01: + 0x1000.
    assert_eq!(
        decode::rsy_operand(0x3008_012f).address(&gprs, MODE64),
        0x11008
    );
    // DH2 = 0xff, DL2 = 0xff8: -8.
    let op = decode::rsy_operand(0x3ff8_ff2f);
    assert_eq!(op.disp, -8);
    assert_eq!(op.address(&gprs, MODE64), 0xfff8);
    // Negative past zero wraps.
    gprs[3] = 0;
    assert_eq!(op.address(&gprs, MODE64), u64::MAX - 7);
    assert_eq!(op.address(&gprs, psw::MASK_BA), 0x7fff_fff8);
}

#[test]
fn register_fields() {
    assert_eq!(decode::rs_registers(0xb7ab), (0xa, 0xb));
    assert_eq!(decode::rre_registers(0x0012_0000), (1, 2));
    let (d1, d2) = decode::sse_operands(0x1234_5678);
    assert_eq!((d1.base, d1.disp, d2.base, d2.disp), (1, 0x234, 5, 0x678));
}

#[test]
fn register_ranges_wrap_from_15_to_0() {
    let (regs, n) = decode::register_range(14, 1);
    assert_eq!(&regs[..n], &[14, 15, 0, 1]);
    let (regs, n) = decode::register_range(3, 3);
    assert_eq!(&regs[..n], &[3]);
    let (_, n) = decode::register_range(1, 0);
    assert_eq!(n, 16);
}

#[test]
fn psw_validity_follows_the_architecture() {
    let ok = |mask, addr| psw::is_valid(Psw { mask, addr });
    assert!(ok(MODE64, 0x1000));
    assert!(ok(psw::MASK_BA, 0x7fff_fffe));
    assert!(!ok(psw::MASK_BA, 0x8000_0000));
    assert!(ok(0, 0xff_fffe));
    assert!(!ok(0, 0x100_0000));
    // EA without BA is invalid; so is an odd address; so are unassigned bits.
    assert!(!ok(psw::MASK_EA, 0));
    assert!(!ok(MODE64, 0x1001));
    assert!(!ok(MODE64 | 0x8000_0000_0000_0000, 0));
    assert!(!ok(MODE64 | 0x0008_0000_0000_0000, 0)); // bit 12
    assert!(!ok(MODE64 | 1, 0));
}

#[test]
fn short_psw_needs_bit_12_and_moves_the_addressing_mode() {
    assert_eq!(psw::from_short([0, 0, 0, 0, 0, 0, 0x10, 0]), None);
    let p = psw::from_short([0x04, 0x0c, 0x00, 0x00, 0x80, 0x00, 0x10, 0x00]).unwrap();
    assert_eq!(
        p,
        Psw {
            mask: 0x0404_0000_8000_0000,
            addr: 0x1000
        }
    );
    assert!(psw::is_valid(p));
}

#[test]
fn stsi_checks_in_mainlines_order() {
    assert_eq!(
        Request::decode(0, 0).check(false, false),
        Check::CurrentLevel
    );
    assert_eq!(
        Request::decode(1 << 28 | 1, 1).check(false, false),
        Check::Store
    );
    assert_eq!(
        Request::decode(4 << 28, 0).check(true, true),
        Check::NotAvailable
    );
    assert_eq!(
        Request::decode(15 << 28 | 2, 1).check(true, false),
        Check::NotAvailable
    );
    assert_eq!(
        Request::decode(15 << 28 | 2, 1).check(true, true),
        Check::Store
    );
    // Reserved bits of GR0 (36-55) and GR1 (32-47).
    assert_eq!(
        Request::decode(1 << 28 | 0x100, 1).check(false, false),
        Check::Specification
    );
    assert_eq!(
        Request::decode(1 << 28, 0x1_0000).check(false, false),
        Check::Specification
    );
    // Bits 0-31 of the registers are ignored.
    assert_eq!(
        Request::decode(0xffff_ffff_0000_0000 | 2 << 28 | 2, 0xffff_ffff_0000_0002)
            .check(false, false),
        Check::Store
    );
}

#[test]
fn stsi_3_2_2_inserts_the_vm_first() {
    let mut page = vec![0u8; 4096];
    stsi::insert_vm_3_2_2(&mut page, 2);
    assert_eq!(page[31] & 0xf, 1);
    assert_eq!(&page[32 + 4..32 + 8], &[0, 2, 0, 2]);
    assert_eq!(
        &page[32 + 12..32 + 20],
        &[0xd2, 0xe5, 0xd4, 0x87, 0xa4, 0x85, 0xa2, 0xa3]
    );
    assert_eq!(&page[32 + 20..32 + 24], &1000u32.to_be_bytes());
    // A host block with 8 levels keeps 8: the outermost goes.
    let mut page = vec![0u8; 4096];
    page[31] = 8;
    for i in 0..8 {
        page[32 + i * 64] = i as u8 + 1;
    }
    stsi::insert_vm_3_2_2(&mut page, 1);
    assert_eq!(page[31] & 0xf, 8);
    assert_eq!(page[32], 0);
    assert_eq!(page[32 + 64], 1);
    assert_eq!(page[32 + 7 * 64], 7);
}
