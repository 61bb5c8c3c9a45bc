// SPDX-License-Identifier: GPL-2.0

//! The VM's crypto controls and their VM attribute group `KVM_S390_VM_CRYPTO`
//! (`Documentation/virt/kvm/devices/vm.rst`, section 4; mainline: `kvm_s390_crypto_init`,
//! `kvm_s390_vcpu_crypto_setup`, `kvm_s390_vm_set_crypto` and `kvm_s390_vm_has_attr` in
//! `s390.c`).
//!
//! The crypto control block (CRYCB) lies in the VM's `sie_page2`, after the facility list
//! (`cpu_model.rs` allocates the page below 2 GiB, as `crycbd` is 31 bits); the VM's state
//! is `kvm->arch.crypto` (`crycb`, `crycbd`, `aes_kw`, `dea_kw`, `apie`), changed under
//! `kvm->lock`, and each vCPU's SIE block follows it (`crycbd`, `ecb3`, `eca`, `ecd`), set
//! at creation and again for every vCPU, kept out of SIE (`vcpu_block.rs`), after a change.
//! The decisions are in `logic/crypto.rs`.

use core::ptr::addr_of_mut;

use kernel::bindings;
use kernel::prelude::*;

use crate::kvm_host::SieBlock;
use crate::logic::crypto::{
    self, CryptoAttr, CryptoRefusal, SieCrypto, VmCrypto, FACILITY_MSA3, PCKMO_ECC_FUNCTIONS,
    PCKMO_HMAC_FUNCTIONS,
};
use crate::uapi_kvm::{KvmDeviceAttr, KVM_GET_DEVICE_ATTR, KVM_HAS_DEVICE_ATTR};
use crate::vcpu::Vcpu;
use crate::vm::Vm;

/// Whether the host has AP instructions.
fn host_ap() -> bool {
    // SAFETY: no precondition (the helper catches the operation exception of a host
    // without AP).
    unsafe { bindings::kvm_s390_rust_ap_instructions_available() }
}

/// The size of what `_p` points to, without forming a reference to it (hardware reads the
/// wrapping-key masks).
fn pointee_size<T>(_p: *mut T) -> usize {
    core::mem::size_of::<T>()
}

/// Reads the crypto fields of a SIE block.
///
/// # Safety
///
/// `sie` is a live SIE block whose vCPU is not in SIE and whose crypto fields no other
/// thread writes now.
unsafe fn read_sie(sie: *mut SieBlock) -> SieCrypto {
    // SAFETY: as the caller guarantees.
    unsafe {
        SieCrypto {
            crycbd: addr_of_mut!((*sie).crycbd).read_volatile(),
            ecb3: addr_of_mut!((*sie).ecb3).read_volatile(),
            eca: addr_of_mut!((*sie).eca).read_volatile(),
            ecd: addr_of_mut!((*sie).ecd).read_volatile(),
        }
    }
}

/// Writes the crypto fields of a SIE block.
///
/// # Safety
///
/// As for [`read_sie`].
unsafe fn write_sie(sie: *mut SieBlock, v: SieCrypto) {
    // SAFETY: as the caller guarantees.
    unsafe {
        addr_of_mut!((*sie).crycbd).write_volatile(v.crycbd);
        addr_of_mut!((*sie).ecb3).write_volatile(v.ecb3);
        addr_of_mut!((*sie).eca).write_volatile(v.eca);
        addr_of_mut!((*sie).ecd).write_volatile(v.ecd);
    }
}

impl Vm {
    fn crypto(&self) -> *mut bindings::kvm_s390_crypto {
        // SAFETY: `arch()` is valid; no reference is created.
        unsafe { addr_of_mut!((*self.arch()).crypto) }
    }

    /// Sets up the crypto control block of a new VM (part of `kvm_arch_init_vm`, after the
    /// CPU model, whose facility list decides the format): with MSA3, AES and DEA key
    /// wrapping start enabled with random wrapping-key masks, as in mainline.
    pub fn init_crypto(&self) {
        let crypto = self.crypto();
        // SAFETY: the VM is not visible to other threads yet; `sie_page2` was allocated (one
        // zeroed page, below 2 GiB) by `init_cpu_model`, and `crycb` lies in it.
        unsafe {
            let crycb = addr_of_mut!((*(*self.arch()).sie_page2).crycb);
            (*crypto).crycb = crycb;
            let msa3 = self.has_kvm_facility(FACILITY_MSA3);
            let apxa = bindings::kvm_s390_rust_apxa_installed();
            (*crypto).crycbd =
                crypto::crycbd(crate::host_mem::virt_to_phys(crycb) as u32, msa3, apxa);
            if msa3 {
                (*crypto).aes_kw = 1;
                (*crypto).dea_kw = 1;
                self.new_aes_mask();
                self.new_dea_mask();
            }
        }
    }

    /// The VM-wide crypto state. The caller holds `kvm->lock` (or the VM is not shared).
    fn crypto_state(&self) -> VmCrypto {
        let crypto = self.crypto();
        // SAFETY: `crypto` is valid; its flags change only under `kvm->lock`.
        let (apie, aes_kw, dea_kw) = unsafe {
            (
                (*crypto).apie != 0,
                (*crypto).aes_kw != 0,
                (*crypto).dea_kw != 0,
            )
        };
        VmCrypto {
            msa3: self.has_kvm_facility(FACILITY_MSA3),
            apie,
            aes_kw,
            dea_kw,
            pckmo_ecc: PCKMO_ECC_FUNCTIONS
                .iter()
                .any(|&nr| self.has_pckmo_subfunc(nr)),
            pckmo_hmac: PCKMO_HMAC_FUNCTIONS
                .iter()
                .any(|&nr| self.has_pckmo_subfunc(nr)),
        }
    }

    /// The CRYCB designation every vCPU gets.
    fn crycbd(&self) -> u32 {
        // SAFETY: `crypto` is valid; `crycbd` is written once at VM creation.
        unsafe { (*self.crypto()).crycbd }
    }

    fn new_aes_mask(&self) {
        // SAFETY: `crycb` points into the VM's `sie_page2`; the caller holds `kvm->lock`
        // (or the VM is not shared yet), which serialises the writers of the masks.
        unsafe {
            let mask = addr_of_mut!((*(*self.crypto()).crycb).aes_wrapping_key_mask);
            bindings::get_random_bytes(mask.cast(), pointee_size(mask));
        }
    }

    fn new_dea_mask(&self) {
        // SAFETY: as in `new_aes_mask`.
        unsafe {
            let mask = addr_of_mut!((*(*self.crypto()).crycb).dea_wrapping_key_mask);
            bindings::get_random_bytes(mask.cast(), pointee_size(mask));
        }
    }

    fn clear_masks(&self, aes: bool, dea: bool) {
        // SAFETY: as in `new_aes_mask`.
        unsafe {
            let crycb = (*self.crypto()).crycb;
            if aes {
                addr_of_mut!((*crycb).aes_wrapping_key_mask).write_volatile([0; 32]);
            }
            if dea {
                addr_of_mut!((*crycb).dea_wrapping_key_mask).write_volatile([0; 24]);
            }
        }
    }

    /// `KVM_{SET,GET,HAS}_DEVICE_ATTR` of the group `KVM_S390_VM_CRYPTO`: write-only
    /// attributes (GET is ENXIO, as in mainline), the AP ones only on a host with AP.
    pub fn crypto_attr(&self, ioctl: u32, attr: &KvmDeviceAttr) -> Result {
        let which = CryptoAttr::from_raw(attr.attr);
        match ioctl {
            KVM_HAS_DEVICE_ATTR => match which {
                Some(a) if a.exists(host_ap()) => Ok(()),
                _ => Err(ENXIO),
            },
            KVM_GET_DEVICE_ATTR => Err(ENXIO),
            _ => {
                let which = which.ok_or(ENXIO)?;
                // SAFETY: the VM is live; no lock is held.
                unsafe { bindings::kvm_s390_rust_kvm_lock(self.as_raw()) };
                let result = self.set_crypto(which);
                // SAFETY: taken above.
                unsafe { bindings::kvm_s390_rust_kvm_unlock(self.as_raw()) };
                result
            }
        }
    }

    /// Applies a crypto attribute write; `kvm->lock` is held.
    fn set_crypto(&self, which: CryptoAttr) -> Result {
        let old = self.crypto_state();
        let new = crypto::set(which, old, host_ap()).map_err(|r| match r {
            CryptoRefusal::NoMsa3 => EINVAL,
            CryptoRefusal::NoAp => EOPNOTSUPP,
        })?;
        // The masks change while vCPUs may be in SIE, as in mainline: a PCKMO meanwhile
        // wraps with the old or the new mask, and the guest cannot tell.
        match which {
            CryptoAttr::EnableAesKw => self.new_aes_mask(),
            CryptoAttr::EnableDeaKw => self.new_dea_mask(),
            CryptoAttr::DisableAesKw => self.clear_masks(true, false),
            CryptoAttr::DisableDeaKw => self.clear_masks(false, true),
            CryptoAttr::EnableApie | CryptoAttr::DisableApie => {}
        }
        let crypto = self.crypto();
        // SAFETY: `crypto` is valid; `kvm->lock` is held, which serialises the writers.
        unsafe {
            (*crypto).aes_kw = u8::from(new.aes_kw);
            (*crypto).dea_kw = u8::from(new.dea_kw);
            (*crypto).apie = u8::from(new.apie);
        }
        let crycbd = self.crycbd();
        self.with_vcpus_out_of_sie(|sie| {
            // SAFETY: the SIE block is live and its vCPU kept out of SIE; the crypto fields
            // are written only here and at vCPU creation, both under `kvm->lock`.
            unsafe { write_sie(sie, crypto::vcpu_controls(&new, crycbd, read_sie(sie))) };
        });
        Ok(())
    }
}

impl Vcpu {
    /// Gives a new vCPU's SIE block the VM's crypto controls (part of
    /// `kvm_arch_vcpu_create`; generic KVM holds `kvm->lock`, so the VM's state cannot
    /// change meanwhile).
    pub(crate) fn setup_crypto(&self) {
        let vm = self.vm();
        let state = vm.crypto_state();
        let crycbd = vm.crycbd();
        let sie = self.sie_block();
        // SAFETY: the SIE block is ours and not yet in the SCA: no SIE and no other thread
        // uses it.
        unsafe { write_sie(sie, crypto::vcpu_controls(&state, crycbd, read_sie(sie))) };
    }
}
