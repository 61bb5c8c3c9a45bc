// SPDX-License-Identifier: GPL-2.0

//! Host addresses: conversions between kernel virtual addresses of the identity mapping and
//! the physical addresses that hardware structures hold (SIE block, SCA, DAT tables).
//!
//! A leaf module: the files that build those structures (`vcpu.rs`, `vm.rs`, `gmap.rs`,
//! `cpu_model.rs`) use it without depending on each other.

use kernel::bindings;

/// Physical address of a kernel virtual address in the identity mapping.
pub fn virt_to_phys<T>(p: *const T) -> u64 {
    // SAFETY: pure address arithmetic, valid for any address of the identity mapping.
    unsafe { bindings::kvm_s390_rust_virt_to_phys(p.cast()) as u64 }
}

/// Kernel virtual address (identity mapping) of a physical address.
pub fn phys_to_virt<T>(phys: u64) -> *mut T {
    // SAFETY: pure address arithmetic on the identity mapping.
    unsafe { bindings::kvm_s390_rust_phys_to_virt(phys as usize).cast() }
}
