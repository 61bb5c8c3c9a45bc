// SPDX-License-Identifier: GPL-2.0

//! The FLIC device's validation, conversions, suppression and indicator bits.

use kvm_s390_host_tests::logic::flic::*;
use kvm_s390_host_tests::logic::interrupt::irq_type;

#[test]
fn attribute_groups() {
    for g in 1..=11 {
        assert!(has_attr(g), "group {g}");
    }
    assert!(!has_attr(0));
    assert!(!has_attr(12));
}

#[test]
fn buffer_lengths() {
    assert!(get_all_capacity(0).is_err());
    assert!(get_all_capacity(MAX_BUFFER + 1).is_err());
    assert_eq!(get_all_capacity(71), Ok(0));
    assert_eq!(get_all_capacity(72 * 3 + 5), Ok(3));
    assert_eq!(enqueue_count(0), Ok(0));
    assert_eq!(enqueue_count(144), Ok(2));
    assert!(enqueue_count(73).is_err());
    assert!(enqueue_count(MAX_BUFFER + 72).is_err());
    // The length is a C int: the upper half of the attribute is ignored.
    assert_eq!(enqueue_count(0x1_0000_0048), Ok(1));
    assert!(enqueue_count(0xffff_ffb8).is_err());
}

#[test]
fn clear_io_irq_checks() {
    assert!(clear_io_irq_valid(0, 4));
    assert!(!clear_io_irq_valid(1, 4));
    assert!(!clear_io_irq_valid(0, 8));
}

#[test]
fn enqueue_types() {
    assert_eq!(enqueue_payload(irq_type::SERVICE), Ok(Payload::Ext));
    assert_eq!(enqueue_payload(irq_type::VIRTIO), Ok(Payload::Ext));
    assert_eq!(enqueue_payload(irq_type::PFAULT_DONE), Ok(Payload::Ext));
    assert_eq!(enqueue_payload(0), Ok(Payload::Io));
    assert_eq!(enqueue_payload(irq_type::IO_MAX), Ok(Payload::Io));
    assert_eq!(enqueue_payload(irq_type::MCHK), Ok(Payload::Mchk));
    assert!(enqueue_payload(irq_type::SIGP_STOP).is_err());
    assert!(enqueue_payload(1 << 32).is_err());
}

#[test]
fn io_payload_round_trip() {
    let mut u = [0u8; 64];
    u[0..2].copy_from_slice(&0x0001u16.to_ne_bytes());
    u[2..4].copy_from_slice(&0x0042u16.to_ne_bytes());
    u[4..8].copy_from_slice(&0xdead_beefu32.to_ne_bytes());
    u[8..12].copy_from_slice(&0x1800_0000u32.to_ne_bytes());
    let (t, parm, parm64) = irq_to_interrupt(0x0001_0042, &u).unwrap();
    assert_eq!(
        (t, parm, parm64),
        (0x0001_0042, 0x0001_0042, 0xdead_beef_1800_0000)
    );
    assert_eq!(interrupt_to_irq(t, parm, parm64), u);
}

#[test]
fn ext_payload_round_trip() {
    let mut u = [0u8; 64];
    u[0..4].copy_from_slice(&7u32.to_ne_bytes());
    u[8..16].copy_from_slice(&0x1234_5678_9abc_def0u64.to_ne_bytes());
    let v = irq_to_interrupt(irq_type::VIRTIO, &u).unwrap();
    assert_eq!(v, (irq_type::VIRTIO as u32, 7, 0x1234_5678_9abc_def0));
    assert_eq!(interrupt_to_irq(v.0, v.1, v.2), u);
}

#[test]
fn adapter_interruption_code() {
    assert_eq!(isc_to_int_word(3), 0x9800_0000);
    assert_eq!(ADAPTER_IO_TYPE, 0x0400_0000);
}

#[test]
fn ais_modes() {
    assert_eq!(ais_mask(0), 0x80);
    assert_eq!(ais_mask(7), 0x01);
    assert_eq!(ais_mask(8), 0);
    assert_eq!(ais_modify(0, 0, 2, AIS_MODE_SINGLE), Ok((0x20, 0)));
    assert_eq!(ais_modify(0x20, 0x20, 2, AIS_MODE_SINGLE), Ok((0x20, 0)));
    assert_eq!(ais_modify(0x20, 0x20, 2, AIS_MODE_ALL), Ok((0, 0)));
    assert!(ais_modify(0, 0, 8, AIS_MODE_ALL).is_err());
    assert!(ais_modify(0, 0, 1, 2).is_err());
}

#[test]
fn suppression() {
    assert_eq!(
        airq(false, true, 0xff, 0xff, 1),
        Airq::Inject { single: false }
    );
    assert_eq!(
        airq(true, false, 0xff, 0xff, 1),
        Airq::Inject { single: false }
    );
    assert_eq!(airq(true, true, 0x40, 0x40, 1), Airq::Suppressed);
    assert_eq!(airq(true, true, 0x40, 0, 1), Airq::Inject { single: true });
    assert_eq!(airq(true, true, 0, 0, 1), Airq::Inject { single: false });
}

#[test]
fn route_bounds_as_the_kselftest() {
    let mem = 0x2a000;
    assert!(!adapter_route_valid(mem, 4096 * 8, mem, 0));
    assert!(adapter_route_valid(mem, 4096 * 8 - 4, mem, 0));
    assert!(!adapter_route_valid(mem, 0, mem, 4096 * 8));
    assert!(adapter_route_valid(mem, 0, mem, 4096 * 8 - 4));
    assert!(!adapter_route_valid(mem + 4095, 8, mem, 0));
    // Wrapping sums as mainline: not refused here (the memslot lookup fails later).
    assert!(adapter_route_valid(0, 0, 0xffff_ffff_ffff_0000, u64::MAX));
    assert!(!adapter_route_valid(0, 0, u64::MAX, 0));
}

#[test]
fn indicator_bits() {
    // Host numbering: bit 0 is the rightmost bit of the first doubleword.
    assert_eq!(indicator_byte(0x1000, 0, false), Some((7, 0x01)));
    assert_eq!(indicator_byte(0x1000, 63, false), Some((0, 0x80)));
    assert_eq!(indicator_byte(0x1000, 64, false), Some((15, 0x01)));
    // Swapped: architecture numbering from the left.
    assert_eq!(indicator_byte(0x1000, 0, true), Some((0, 0x80)));
    assert_eq!(indicator_byte(0x1000, 9, true), Some((1, 0x40)));
    // The address's page offset counts.
    assert_eq!(indicator_byte(0x1008, 0, true), Some((8, 0x80)));
    assert_eq!(indicator_byte(0x1fff, 7, true), Some((4095, 0x01)));
    assert_eq!(indicator_byte(0x1fff, 8, true), None);
    assert_eq!(indicator_byte(0x1000, u64::MAX, false), None);
}
