// SPDX-License-Identifier: GPL-2.0

//! The guest's storage keys next to dirty logging (logic/skey.rs): whatever order the guest's
//! key instructions, unmapping, mapping and harvesting come in, the guest sees the key it
//! set plus the R and C bits of its accesses, and dirty logging sees every change.

use kvm_s390_host_tests::logic::skey::{self, key, KeyState};

/// A page: the real key of its frame when mapped, and its PGSTE.
#[derive(Clone, Copy, Debug)]
struct Page {
    real: Option<u8>,
    pgste: u64,
}

impl Page {
    fn new() -> Self {
        Page {
            real: None,
            pgste: 0,
        }
    }
    fn view(&self) -> u8 {
        skey::guest_key(self.real, self.pgste)
    }
    fn apply(&mut self, s: KeyState) {
        self.real = s.real;
        self.pgste = s.pgste;
    }
    fn map(&mut self) {
        self.real = Some(skey::key_on_map(self.pgste));
    }
    fn unmap(&mut self) -> bool {
        let (p, changed) = skey::save_on_unmap(self.real.unwrap(), self.pgste);
        self.pgste = p;
        self.real = None;
        changed
    }
    /// The guest stores: the hardware sets R and C of the mapped frame.
    fn store(&mut self) {
        self.real = Some(self.real.unwrap() | key::R | key::C);
    }
    fn harvest(&mut self) -> bool {
        match skey::harvest(self.real.unwrap(), self.pgste) {
            Some(s) => {
                self.apply(s);
                true
            }
            None => false,
        }
    }
}

#[test]
fn a_key_set_while_mapped_is_seen_and_applied_by_the_frame() {
    let mut p = Page::new();
    p.map();
    assert_eq!(p.view(), 0);
    let s = skey::set(p.real, p.pgste, 0x98);
    p.apply(s);
    assert_eq!(p.view(), 0x98);
    assert_eq!(p.real, Some(0x98), "ACC and F are in the real key for SIE");
}

#[test]
fn keys_survive_unmap_and_map() {
    let mut p = Page::new();
    p.map();
    p.apply(skey::set(p.real, p.pgste, 0x30));
    p.store();
    assert_eq!(p.view(), 0x36);
    p.unmap();
    assert_eq!(p.view(), 0x36, "unmapped: the PGSTE holds it all");
    p.map();
    assert_eq!(
        p.real,
        Some(0x30),
        "a new frame gets ACC and F, R and C clear"
    );
    assert_eq!(p.view(), 0x36);
}

#[test]
fn a_key_set_while_unmapped_reaches_the_next_frame() {
    let mut p = Page::new();
    p.map();
    p.unmap();
    p.apply(skey::set(p.real, p.pgste, 0x18));
    assert_eq!(p.view(), 0x18);
    p.map();
    assert_eq!(p.real, Some(0x18));
}

#[test]
fn harvesting_keeps_the_guests_change_bit() {
    let mut p = Page::new();
    p.map();
    p.apply(skey::set(p.real, p.pgste, 0x20));
    p.store();
    assert!(p.harvest());
    assert_eq!(
        p.real.unwrap() & key::C,
        0,
        "dirty logging reset the real C"
    );
    assert_eq!(p.view() & key::C, key::C, "the guest still sees its change");
    assert!(!p.harvest(), "nothing new");
    assert_eq!(p.view() & 0xf8, 0x20);
}

#[test]
fn the_guest_resetting_c_does_not_hide_a_store_from_dirty_logging() {
    let mut p = Page::new();
    p.map();
    p.store();
    // SSKE with C = 0 before dirty logging looked at the page.
    p.apply(skey::set(p.real, p.pgste, 0x10));
    assert_eq!(p.view() & key::C, 0, "the guest sees its reset");
    assert!(p.harvest(), "the host still sees the store (HC)");
    assert!(!p.harvest());
    assert_eq!(p.view() & key::C, 0, "and the guest's C stays reset");
}

#[test]
fn unmapping_reports_changes_once() {
    let mut p = Page::new();
    p.map();
    assert!(!p.unmap());
    p.map();
    p.store();
    assert!(p.unmap());
    p.map();
    assert!(!p.unmap());
}

#[test]
fn rrbe_reports_and_resets_the_reference_bit() {
    let mut p = Page::new();
    p.map();
    p.store();
    let (cc, s) = skey::reset_reference(p.real, p.pgste);
    assert_eq!(cc, 3);
    p.apply(s);
    assert_eq!(p.view() & (key::R | key::C), key::C);
    let (cc, _) = skey::reset_reference(p.real, p.pgste);
    assert_eq!(cc, 1);
}

#[test]
fn conditional_sske() {
    assert!(!skey::conditional_set_needed(0x36, 0x36, false, false));
    assert!(skey::conditional_set_needed(0x36, 0x30, false, false));
    assert!(!skey::conditional_set_needed(0x36, 0x30, true, true));
    assert!(skey::conditional_set_needed(0x36, 0x40, true, true));
    assert!(
        skey::conditional_set_needed(0x36, 0x3e, true, true),
        "F differs"
    );
}

/// KVM_S390_KEYOP (user_keyop): ISKE reads without changing, RRBE returns R and C before
/// and clears R, SSKE returns the key before, ignores bit 7 and leaves the host's change
/// information for dirty logging; an unknown operation is refused.
#[test]
fn user_keyop_iske_rrbe_sske() {
    use skey::UserKeyOp;
    assert_eq!(UserKeyOp::from_uapi(0), None);
    assert_eq!(UserKeyOp::from_uapi(4), None);
    assert_eq!(UserKeyOp::from_uapi(1), Some(UserKeyOp::Iske));
    assert_eq!(UserKeyOp::from_uapi(2), Some(UserKeyOp::Rrbe));
    assert_eq!(UserKeyOp::from_uapi(3), Some(UserKeyOp::Sske));
    assert!(!UserKeyOp::Iske.modifies());
    assert!(UserKeyOp::Rrbe.modifies() && UserKeyOp::Sske.modifies());

    for mapped in [false, true] {
        let mut p = Page::new();
        if mapped {
            p.map();
        }
        // SSKE: old key back, new key (bit 7 dropped) in place.
        let (s, old) = skey::user_keyop(UserKeyOp::Sske, p.real, p.pgste, 0xf6 | 1);
        assert_eq!(old, 0);
        p.apply(s);
        assert_eq!(p.view(), 0xf6, "mapped {mapped}");
        // ISKE: the key, nothing changes.
        let (s, k) = skey::user_keyop(UserKeyOp::Iske, p.real, p.pgste, 0xff);
        assert_eq!(k, 0xf6);
        assert_eq!((s.real, s.pgste), (p.real, p.pgste));
        // RRBE: only R and C before, R reset afterwards.
        let (s, k) = skey::user_keyop(UserKeyOp::Rrbe, p.real, p.pgste, 0xff);
        assert_eq!(k, key::R | key::C);
        p.apply(s);
        assert_eq!(p.view(), 0xf2);
        let (_, k) = skey::user_keyop(UserKeyOp::Rrbe, p.real, p.pgste, 0);
        assert_eq!(k, key::C);
        // SSKE to the same key: nothing changes, the old key comes back.
        let (s, old) = skey::user_keyop(UserKeyOp::Sske, p.real, p.pgste, 0xf2);
        assert_eq!(old, 0xf2);
        assert_eq!((s.real, s.pgste), (p.real, p.pgste));
    }

    // SSKE on a mapped page whose frame the host changed: the change stays for dirty logging.
    let mut p = Page::new();
    p.map();
    p.real = Some(key::C);
    let (s, old) = skey::user_keyop(UserKeyOp::Sske, p.real, p.pgste, 0x10);
    assert_eq!(old, key::C);
    assert_eq!(s.real, Some(0x10));
    assert_ne!(s.pgste & skey::PGSTE_HC, 0);
}
