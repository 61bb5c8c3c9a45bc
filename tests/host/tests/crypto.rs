// SPDX-License-Identifier: GPL-2.0

//! The crypto controls and the crypto and migration VM attributes (logic/crypto.rs,
//! logic/migration.rs).

use kvm_s390_host_tests::logic::crypto::{
    self, format, CryptoAttr, CryptoRefusal, SieCrypto, VmCrypto, ECA_APIE, ECB3_AES, ECB3_DEA,
    ECD_ECC, ECD_HMAC,
};
use kvm_s390_host_tests::logic::migration::{self, MigrationAttr};

#[test]
fn crycb_format_follows_msa3_and_apxa() {
    let phys = 0x1234_5800;
    assert_eq!(crypto::crycbd(phys, false, false), phys | format::F0);
    assert_eq!(crypto::crycbd(phys, false, true), phys | format::F0);
    assert_eq!(crypto::crycbd(phys, true, false), phys | format::F1);
    assert_eq!(crypto::crycbd(phys, true, true), phys | format::F2);
    // Stray low bits of the address never leak into the format.
    assert_eq!(
        crypto::crycbd(phys | 3, false, false) & format::MASK,
        format::F0
    );
}

const OTHER: SieCrypto = SieCrypto {
    crycbd: 0,
    // Bits of other concerns that must survive: RI in ecb3, others in eca and ecd.
    ecb3: 0x01,
    eca: 0x1000_0000,
    ecd: 0x8000_0000,
};

#[test]
fn vcpu_without_msa3_or_apie_is_left_alone() {
    let vm = VmCrypto {
        aes_kw: true,
        dea_kw: true,
        ..Default::default()
    };
    let old = SieCrypto {
        ecb3: OTHER.ecb3 | ECB3_AES,
        ..OTHER
    };
    assert_eq!(crypto::vcpu_controls(&vm, 0x800, old), old);
}

#[test]
fn vcpu_gets_the_key_wrapping_bits_of_the_vm() {
    let both = VmCrypto {
        msa3: true,
        aes_kw: true,
        dea_kw: true,
        ..Default::default()
    };
    let new = crypto::vcpu_controls(&both, 0x801, OTHER);
    assert_eq!(new.crycbd, 0x801);
    assert_eq!(new.ecb3, OTHER.ecb3 | ECB3_AES | ECB3_DEA);
    assert_eq!(new.eca, OTHER.eca);
    assert_eq!(new.ecd, OTHER.ecd);

    // Disabling clears only its own bit.
    let aes_only = VmCrypto {
        dea_kw: false,
        ..both
    };
    let new = crypto::vcpu_controls(&aes_only, 0x801, new);
    assert_eq!(new.ecb3, OTHER.ecb3 | ECB3_AES);
    let none = VmCrypto {
        aes_kw: false,
        ..aes_only
    };
    let new = crypto::vcpu_controls(&none, 0x801, new);
    assert_eq!(new.ecb3, OTHER.ecb3);
}

#[test]
fn ecc_and_hmac_need_aes_wrapping() {
    let vm = VmCrypto {
        msa3: true,
        aes_kw: true,
        pckmo_ecc: true,
        pckmo_hmac: true,
        ..Default::default()
    };
    let new = crypto::vcpu_controls(&vm, 1, OTHER);
    assert_eq!(new.ecd, OTHER.ecd | ECD_ECC | ECD_HMAC);
    let no_aes = VmCrypto {
        aes_kw: false,
        ..vm
    };
    let new = crypto::vcpu_controls(&no_aes, 1, new);
    assert_eq!(new.ecd, OTHER.ecd);
}

#[test]
fn apie_sets_eca() {
    let vm = VmCrypto {
        apie: true,
        ..Default::default()
    };
    let new = crypto::vcpu_controls(&vm, 1, OTHER);
    assert_eq!(new.eca, OTHER.eca | ECA_APIE);
    assert_eq!(new.ecb3, OTHER.ecb3);
    let off = crypto::vcpu_controls(
        &VmCrypto {
            msa3: true,
            ..Default::default()
        },
        1,
        new,
    );
    assert_eq!(off.eca, OTHER.eca);
}

#[test]
fn crypto_attributes_decode_and_exist() {
    for (raw, a) in [
        (0, CryptoAttr::EnableAesKw),
        (1, CryptoAttr::EnableDeaKw),
        (2, CryptoAttr::DisableAesKw),
        (3, CryptoAttr::DisableDeaKw),
        (4, CryptoAttr::EnableApie),
        (5, CryptoAttr::DisableApie),
    ] {
        assert_eq!(CryptoAttr::from_raw(raw), Some(a));
    }
    assert_eq!(CryptoAttr::from_raw(6), None);
    assert_eq!(CryptoAttr::from_raw(u64::MAX), None);
    assert!(CryptoAttr::EnableAesKw.exists(false));
    assert!(!CryptoAttr::EnableApie.exists(false));
    assert!(!CryptoAttr::DisableApie.exists(false));
    assert!(CryptoAttr::DisableApie.exists(true));
}

#[test]
fn crypto_writes_follow_mainline() {
    let no_msa3 = VmCrypto::default();
    for a in [
        CryptoAttr::EnableAesKw,
        CryptoAttr::EnableDeaKw,
        CryptoAttr::DisableAesKw,
        CryptoAttr::DisableDeaKw,
    ] {
        assert_eq!(crypto::set(a, no_msa3, true), Err(CryptoRefusal::NoMsa3));
    }
    assert_eq!(
        crypto::set(CryptoAttr::EnableApie, no_msa3, false),
        Err(CryptoRefusal::NoAp)
    );
    // APIE does not need MSA3.
    assert!(crypto::set(CryptoAttr::EnableApie, no_msa3, true).is_ok_and(|s| s.apie));

    let msa3 = VmCrypto {
        msa3: true,
        ..Default::default()
    };
    let s = crypto::set(CryptoAttr::EnableAesKw, msa3, false).unwrap();
    assert!(s.aes_kw && !s.dea_kw);
    let s = crypto::set(CryptoAttr::EnableDeaKw, s, false).unwrap();
    assert!(s.aes_kw && s.dea_kw);
    let s = crypto::set(CryptoAttr::DisableAesKw, s, false).unwrap();
    assert!(!s.aes_kw && s.dea_kw);
    let s = crypto::set(CryptoAttr::DisableDeaKw, s, false).unwrap();
    assert!(!s.aes_kw && !s.dea_kw);
    assert_eq!(
        crypto::set(CryptoAttr::DisableApie, s, false),
        Err(CryptoRefusal::NoAp)
    );
}

#[test]
fn pckmo_query_bits_count_from_the_left() {
    let mut block = [0u8; 16];
    block[4] = 0x80; // function 32
    block[15] = 0x01; // function 127
    assert!(crypto::query_bit(&block, 32));
    assert!(!crypto::query_bit(&block, 33));
    assert!(crypto::query_bit(&block, 127));
    assert!(!crypto::query_bit(&block, 128));
    assert!(!crypto::query_bit(&[], 0));
}

#[test]
fn migration_start_and_attributes() {
    assert_eq!(MigrationAttr::from_raw(0), Some(MigrationAttr::Stop));
    assert_eq!(MigrationAttr::from_raw(1), Some(MigrationAttr::Start));
    assert_eq!(MigrationAttr::from_raw(2), Some(MigrationAttr::Status));
    assert_eq!(MigrationAttr::from_raw(3), None);
    // No memory: EINVAL, unless the mode is on already (then START changes nothing).
    assert_eq!(migration::start(false, false), None);
    assert_eq!(migration::start(true, false), Some(true));
    assert_eq!(migration::start(false, true), Some(true));
    assert_eq!(migration::start(true, true), Some(true));
}
