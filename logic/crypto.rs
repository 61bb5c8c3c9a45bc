// SPDX-License-Identifier: GPL-2.0

//! The guest's cryptographic controls: the crypto control block (CRYCB) format, the SIE
//! execution controls that enable protected-key functions, and the VM attribute group
//! `KVM_S390_VM_CRYPTO` (`Documentation/virt/kvm/devices/vm.rst`, section 4).
//!
//! PERFORM CRYPTOGRAPHIC KEY MANAGEMENT OPERATION (PCKMO, message-security-assist extension 3,
//! facility 76) turns a clear key into a protected key, encrypted with a wrapping key the
//! program never sees. Under SIE the wrapping-key masks of the CRYCB, which the SIE block's
//! `crycbd` designates, make each VM's wrapping keys its own; ECB3 bits enable the AES and
//! DEA functions. The CRYCB format (the low bits of `crycbd`) says which facilities shape
//! the block: format 0 without MSA3, format 1 with MSA3, format 2 with MSA3 and the AP
//! extended-addressing facility (APXA). Mainline: `kvm_s390_set_crycb_format`,
//! `kvm_s390_crypto_init`, `kvm_s390_vcpu_crypto_setup` and `kvm_s390_vm_set_crypto` in
//! `s390.c`.

/// `crycbd` low bits: the CRYCB format.
pub mod format {
    /// The mask of the format bits.
    pub const MASK: u32 = 0x3;
    /// Format 0: neither MSA3 nor APXA.
    pub const F0: u32 = 0x0;
    /// Format 1: MSA3 without APXA.
    pub const F1: u32 = 0x1;
    /// Format 2: MSA3 and APXA.
    pub const F2: u32 = 0x3;
}

/// The message-security-assist extension 3 facility (PCKMO, protected keys).
pub const FACILITY_MSA3: usize = 76;

/// The CRYCB designation for a block at physical address `phys` (below 2 GiB, doubleword
/// aligned) in the VM that has MSA3 as `msa3` on a host with APXA as `apxa`.
pub fn crycbd(phys: u32, msa3: bool, apxa: bool) -> u32 {
    let fmt = match (msa3, apxa) {
        (false, _) => format::F0,
        (true, false) => format::F1,
        (true, true) => format::F2,
    };
    (phys & !format::MASK) | fmt
}

/// The VM-wide crypto state each vCPU's SIE block follows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VmCrypto {
    /// The VM has MSA3 (facility 76 in its list and its mask).
    pub msa3: bool,
    /// AP instructions are interpreted (`KVM_S390_VM_CRYPTO_ENABLE_APIE`).
    pub apie: bool,
    /// AES protected-key functions are enabled (a wrapping-key mask is set).
    pub aes_kw: bool,
    /// DEA protected-key functions are enabled.
    pub dea_kw: bool,
    /// The VM's model and the machine both have a PCKMO ECC function.
    pub pckmo_ecc: bool,
    /// The VM's model and the machine both have a PCKMO HMAC function.
    pub pckmo_hmac: bool,
}

/// `ecb3` bit: DEA protected-key functions.
pub const ECB3_DEA: u8 = 0x08;
/// `ecb3` bit: AES protected-key functions.
pub const ECB3_AES: u8 = 0x04;
/// `eca` bit: AP instructions interpreted.
pub const ECA_APIE: u32 = 0x0000_0008;
/// `ecd` bit: ECC protected-key functions.
pub const ECD_ECC: u32 = 0x0020_0000;
/// `ecd` bit: HMAC protected-key functions.
pub const ECD_HMAC: u32 = 0x0000_4000;

/// The crypto fields of one SIE block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SieCrypto {
    /// `crycbd`.
    pub crycbd: u32,
    /// `ecb3`.
    pub ecb3: u8,
    /// `eca`.
    pub eca: u32,
    /// `ecd`.
    pub ecd: u32,
}

/// The SIE block's crypto fields after applying the VM's state to `old`; the other bits of
/// `ecb3`, `eca` and `ecd` are kept. Without MSA3 and without AP interpretation nothing
/// is touched (the block stays as it was, as in mainline).
pub fn vcpu_controls(vm: &VmCrypto, vm_crycbd: u32, old: SieCrypto) -> SieCrypto {
    if !vm.apie && !vm.msa3 {
        return old;
    }
    let mut new = SieCrypto {
        crycbd: vm_crycbd,
        ecb3: old.ecb3 & !(ECB3_AES | ECB3_DEA),
        eca: old.eca & !ECA_APIE,
        ecd: old.ecd & !(ECD_ECC | ECD_HMAC),
    };
    if vm.apie {
        new.eca |= ECA_APIE;
    }
    if vm.aes_kw {
        new.ecb3 |= ECB3_AES;
        // ECC and HMAC keys are wrapped with the AES wrapping key.
        if vm.pckmo_ecc {
            new.ecd |= ECD_ECC;
        }
        if vm.pckmo_hmac {
            new.ecd |= ECD_HMAC;
        }
    }
    if vm.dea_kw {
        new.ecb3 |= ECB3_DEA;
    }
    new
}

/// The opcode of PCKMO, as the CPU-model subfunction table names its query.
pub const PCKMO_OPCODE: u32 = 0xb928;

/// PCKMO function codes (bit numbers of the query block) whose keys are ECC keys.
pub const PCKMO_ECC_FUNCTIONS: [usize; 5] = [32, 33, 34, 40, 41];
/// PCKMO function codes whose keys are HMAC keys.
pub const PCKMO_HMAC_FUNCTIONS: [usize; 2] = [118, 122];

/// Whether bit `nr` (0 = leftmost) of a 16-byte query block is set.
pub fn query_bit(block: &[u8], nr: usize) -> bool {
    block
        .get(nr / 8)
        .is_some_and(|b| b & (0x80 >> (nr % 8)) != 0)
}

/// The attributes of `KVM_S390_VM_CRYPTO` (all write-only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CryptoAttr {
    /// Enables AES key wrapping with a new random wrapping-key mask.
    EnableAesKw,
    /// Enables DEA key wrapping with a new random wrapping-key mask.
    EnableDeaKw,
    /// Disables AES key wrapping and clears its mask.
    DisableAesKw,
    /// Disables DEA key wrapping and clears its mask.
    DisableDeaKw,
    /// Enables the interpretation of AP instructions.
    EnableApie,
    /// Disables the interpretation of AP instructions.
    DisableApie,
}

impl CryptoAttr {
    /// The attribute `attr` names (`KVM_S390_VM_CRYPTO_*`), `None` for an unknown one.
    pub fn from_raw(attr: u64) -> Option<Self> {
        match attr {
            0 => Some(Self::EnableAesKw),
            1 => Some(Self::EnableDeaKw),
            2 => Some(Self::DisableAesKw),
            3 => Some(Self::DisableDeaKw),
            4 => Some(Self::EnableApie),
            5 => Some(Self::DisableApie),
            _ => None,
        }
    }

    /// Whether `KVM_HAS_DEVICE_ATTR` reports the attribute: the key-wrapping ones always,
    /// the AP ones only where the host has AP instructions.
    pub fn exists(self, host_ap: bool) -> bool {
        match self {
            Self::EnableApie | Self::DisableApie => host_ap,
            _ => true,
        }
    }
}

/// Why a `KVM_S390_VM_CRYPTO` write is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CryptoRefusal {
    /// Key wrapping without MSA3 in the VM (EINVAL).
    NoMsa3,
    /// AP interpretation on a host without AP instructions (EOPNOTSUPP).
    NoAp,
}

/// The new state after writing `attr`, or why it is refused. The wrapping-key masks
/// follow the flags: a new random mask on enable, zeros on disable.
pub fn set(attr: CryptoAttr, old: VmCrypto, host_ap: bool) -> Result<VmCrypto, CryptoRefusal> {
    let mut new = old;
    match attr {
        CryptoAttr::EnableAesKw
        | CryptoAttr::EnableDeaKw
        | CryptoAttr::DisableAesKw
        | CryptoAttr::DisableDeaKw
            if !old.msa3 =>
        {
            return Err(CryptoRefusal::NoMsa3)
        }
        CryptoAttr::EnableApie | CryptoAttr::DisableApie if !host_ap => {
            return Err(CryptoRefusal::NoAp)
        }
        CryptoAttr::EnableAesKw => new.aes_kw = true,
        CryptoAttr::EnableDeaKw => new.dea_kw = true,
        CryptoAttr::DisableAesKw => new.aes_kw = false,
        CryptoAttr::DisableDeaKw => new.dea_kw = false,
        CryptoAttr::EnableApie => new.apie = true,
        CryptoAttr::DisableApie => new.apie = false,
    }
    Ok(new)
}
