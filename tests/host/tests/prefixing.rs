// SPDX-License-Identifier: GPL-2.0

//! Prefixing (logic/prefix.rs) and the prefix field of the SIE control block (kvm_host.rs).

use kvm_s390_host_tests::kvm_host::{prefix_of, with_ibc, with_prefix};
use kvm_s390_host_tests::logic::prefix::{real_to_absolute, GuestAbsolute, GuestReal};

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
fn low_core_maps_to_prefix_and_back() {
    let prefix = 0x0004_0000;
    assert_eq!(
        real_to_absolute(prefix, GuestReal(0)),
        GuestAbsolute(0x40000)
    );
    assert_eq!(
        real_to_absolute(prefix, GuestReal(0x1fff)),
        GuestAbsolute(0x41fff)
    );
    assert_eq!(
        real_to_absolute(prefix, GuestReal(0x40000)),
        GuestAbsolute(0)
    );
    assert_eq!(
        real_to_absolute(prefix, GuestReal(0x42000)),
        GuestAbsolute(0x42000)
    );
    assert_eq!(
        real_to_absolute(prefix, GuestReal(0x2000)),
        GuestAbsolute(0x2000)
    );
}

#[test]
fn prefix_zero_is_identity() {
    let mut rng = XorShift(0x1234_5678);
    for _ in 0..10_000 {
        let a = rng.next();
        assert_eq!(real_to_absolute(0, GuestReal(a)), GuestAbsolute(a));
    }
}

#[test]
fn prefixing_is_an_involution() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..100_000 {
        let prefix = (rng.next() as u32) & 0x7fff_e000;
        let mut addr = rng.next();
        // Hit the interesting areas often.
        match addr % 4 {
            0 => addr %= 8192,
            1 => addr = u64::from(prefix) + addr % 8192,
            _ => {}
        }
        let abs = real_to_absolute(prefix, GuestReal(addr));
        // Prefixing is its own inverse.
        assert_eq!(real_to_absolute(prefix, GuestReal(abs.0)).0, addr);
    }
}

#[test]
fn sie_prefix_field_round_trips_and_keeps_ibc() {
    let mut rng = XorShift(42);
    for _ in 0..100_000 {
        let word = rng.next() as u32;
        let prefix = (rng.next() as u32) & 0x7fff_e000;
        let new = with_prefix(word, prefix);
        assert_eq!(prefix_of(new), prefix);
        // Bit 0 and the 12 IBC bits are not touched.
        assert_eq!(new & 0x8000_0fff, word & 0x8000_0fff);
    }
}

#[test]
fn sie_prefix_field_matches_the_c_bitfield() {
    // C: `__u32 : 1; __u32 prefix : 19; __u32 ibc : 12;` on big-endian s390, and
    // kvm_s390_set_prefix() stores (prefix >> 12) & 0x7fffe into the 19-bit field, whose
    // lowest bit is bit 19 of the word: the word holds the prefix address in place. (An
    // earlier encoding with a shift of 13 round-tripped here but made SIE use half the
    // prefix; the Hercules selftest prefix_moves_the_lowcore caught it.)
    assert_eq!(with_prefix(0, 0x7fff_e000), 0x7fff_e000);
    assert_eq!(with_prefix(0, 0x2000), 0x2000);
    assert_eq!(with_prefix(0, 0x40000), 0x40000);
    assert_eq!(with_prefix(0xfff, 0x1234_5678), 0x1234_4fff);
    assert_eq!(prefix_of(0x0004_0123), 0x40000);
}

#[test]
fn sie_ibc_field_round_trips_and_keeps_the_prefix() {
    let mut rng = XorShift(7);
    for _ in 0..100_000 {
        let word = rng.next() as u32;
        let ibc = rng.next() as u16;
        let new = with_ibc(word, ibc);
        assert_eq!(new & 0xfff, u32::from(ibc & 0xfff));
        // Bit 0 and the prefix field are not touched.
        assert_eq!(new & 0xffff_f000, word & 0xffff_f000);
        assert_eq!(prefix_of(new), prefix_of(word));
    }
    // C: `ibc : 12` is the last field of the word: its low 12 bits.
    assert_eq!(with_ibc(0x7fff_e000, 0x0123), 0x7fff_e123);
}
