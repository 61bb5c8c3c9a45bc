// SPDX-License-Identifier: GPL-2.0

//! SIGP operand decoding and order rules.

use kvm_s390_host_tests::logic::sigp::*;

#[test]
fn decode_operands() {
    let mut gprs = [0u64; 16];
    gprs[6] = 0xffff_0000_0000_0001; // cpu address 1 (low halfword)
    gprs[5] = 0x1234_5678_0002_0000; // parameter (low word) for even r1 = 4
    gprs[9] = 0x100;
    // sigp %r4,%r6,0x0d(%r9): order = low byte of 0x100 + 0x0d.
    let ops = decode(0xae46, 0x900d_0000, &gprs);
    assert_eq!(
        ops,
        Operands {
            order: order::SET_PREFIX,
            cpu_addr: 1,
            parameter: 0x0002_0000,
            r1: 4
        }
    );
    // Odd r1 holds the parameter itself; r1 = 15 stays in range.
    gprs[15] = 7;
    assert_eq!(decode(0xaef6, 0x0001_0000, &gprs).parameter, 7);
    assert_eq!(decode(0xaef6, 0x0001_0000, &gprs).order, 1);
    // r1 = 14 takes r15.
    assert_eq!(decode(0xaee6, 0x0001_0000, &gprs).parameter, 7);
}

#[test]
fn sense_and_status() {
    assert_eq!(sense(false, false), None);
    assert_eq!(sense(true, false), Some(status::STOPPED));
    assert_eq!(
        sense(true, true),
        Some(status::STOPPED | status::EXT_CALL_PENDING)
    );
    assert_eq!(with_status(u64::MAX, 0x40), 0xffff_ffff_0000_0040);
}

#[test]
fn forwarding_and_busy() {
    for o in [order::SENSE, order::EXTERNAL_CALL, order::EMERGENCY_SIGNAL] {
        assert!(!forwarded_with_user_sigp(o));
    }
    for o in [order::STOP, order::RESTART, order::SET_PREFIX, 0xff] {
        assert!(forwarded_with_user_sigp(o));
    }
    assert!(!busy_while_stop_or_restart(order::CPU_RESET));
    assert!(!busy_while_stop_or_restart(order::INITIAL_CPU_RESET));
    assert!(busy_while_stop_or_restart(order::SENSE));
}

#[test]
fn conditional_emergency() {
    let enabled = 0x0300_0000_0000_0000;
    let stopped = CondEmergencyTarget {
        stopped: true,
        psw_mask: enabled,
        primary_asn: 5,
        secondary_asn: 6,
        ..Default::default()
    };
    // Operating CPUs always get it.
    assert!(cond_emergency_generates(
        &CondEmergencyTarget {
            stopped: false,
            ..stopped
        },
        0
    ));
    // Stopped, enabled, not waiting, other ASN: incorrect state.
    assert!(!cond_emergency_generates(&stopped, 1));
    assert!(cond_emergency_generates(&stopped, 5));
    assert!(cond_emergency_generates(&stopped, 6));
    assert!(cond_emergency_generates(
        &CondEmergencyTarget {
            psw_mask: 0x0100_0000_0000_0000,
            ..stopped
        },
        1
    ));
    let waiting = CondEmergencyTarget {
        waiting: true,
        ..stopped
    };
    assert!(!cond_emergency_generates(&waiting, 5));
    assert!(cond_emergency_generates(
        &CondEmergencyTarget {
            psw_addr: 0x1000,
            ..waiting
        },
        1
    ));
}

#[test]
fn prefix_and_cc() {
    assert_eq!(prefix_of_parameter(0xffff_ffff), 0x7fff_e000);
    assert_eq!(psw_with_cc(0x0000_3000_0000_0000, 1), 0x0000_1000_0000_0000);
    assert_eq!(psw_with_cc(0, 3) >> 44, 3);
}
