// SPDX-License-Identifier: GPL-2.0

//! The IPTE interlock word (logic/ipte.rs): taking and releasing it in the basic and the
//! SIIF format, against the bit layout of mainline's `union ipte_control` (k: bit 0,
//! kh: bits 1-31, kg: bits 32-63).

use kvm_s390_host_tests::logic::ipte::{self, Format, K};

fn siif_word(k: bool, kh: u32, kg: u32) -> u64 {
    (u64::from(k) << 63) | (u64::from(kh) << 32) | u64::from(kg)
}

#[test]
fn basic_takes_the_free_bit_and_waits_for_the_machine() {
    assert_eq!(Some(K), ipte::acquire(Format::Basic, 0));
    // The machine holds it for a guest IPTE: the host tries again.
    assert_eq!(None, ipte::acquire(Format::Basic, K));
    // Other bits of the word are not the host's to change.
    assert_eq!(Some(K | 0x1234), ipte::acquire(Format::Basic, 0x1234));
    assert_eq!((0x1234, true), ipte::release(Format::Basic, K | 0x1234));
}

#[test]
fn siif_counts_host_holders_and_waits_for_guest_holders() {
    let one = ipte::acquire(Format::Siif, 0).unwrap();
    assert_eq!(siif_word(true, 1, 0), one);
    let two = ipte::acquire(Format::Siif, one).unwrap();
    assert_eq!(siif_word(true, 2, 0), two);
    assert_eq!(2, ipte::host_holders(two));
    // A guest CPU inside IPTE: no new host holder until it is out.
    assert_eq!(None, ipte::acquire(Format::Siif, siif_word(false, 0, 1)));
    assert_eq!(None, ipte::acquire(Format::Siif, siif_word(true, 3, 2)));

    let (after_one, free) = ipte::release(Format::Siif, two);
    assert_eq!((siif_word(true, 1, 0), false), (after_one, free));
    assert_eq!((0, true), ipte::release(Format::Siif, after_one));
}

#[test]
fn siif_release_never_touches_the_guest_count() {
    // An unbalanced release (a caller's bug) must not borrow from KG.
    let (w, free) = ipte::release(Format::Siif, siif_word(false, 0, 7));
    assert_eq!(siif_word(false, 0, 7), w);
    assert!(free);
    assert_eq!(7, ipte::guest_holders(w));
}

#[test]
fn siif_host_count_stays_in_its_field() {
    let full = siif_word(true, 0x7fff_fffe, 0);
    let w = ipte::acquire(Format::Siif, full).unwrap();
    assert_eq!(0x7fff_ffff, ipte::host_holders(w));
    assert_eq!(0, ipte::guest_holders(w));
    assert_ne!(0, w & K);
}
