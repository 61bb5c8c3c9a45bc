// SPDX-License-Identifier: GPL-2.0

//! The vector facility (facility 129) for guests: which facilities come with it, and how
//! the floating-point registers sit inside the vector registers.
//!
//! Floating-point registers 0-15 are the leftmost 64 bits of vector registers 0-15 (PoP,
//! "Vector Overview": the FPRs overlay the VRs). On a host with the vector facility the
//! user ABI carries the guest's registers as `kvm_run.s.regs.vrs` (`KVM_SYNC_VRS`), and
//! `KVM_GET_FPU`/`KVM_SET_FPU` and the store-status save areas see the FPR view of them
//! (mainline: `convert_vx_to_fp`/`convert_fp_to_vx` of `asm/fpu.h`, used in
//! `arch/s390/kvm/s390/s390.c`).

use super::facilities;

/// Vector registers, each as two doublewords, leftmost first (`kvm_sync_regs.vrs`).
pub type Vrs = [[u64; 2]; 32];

/// The vector facility for z/Architecture.
pub const VECTOR: usize = 129;

/// Facilities that extend the vector facility and come with `KVM_CAP_S390_VECTOR_REGISTERS`
/// where the host has them (mainline's `kvm_vm_ioctl_enable_cap`): vector-packed-decimal
/// (134), vector enhancements 1 (135) and 2 (148), vector-packed-decimal enhancement (152)
/// and its enhancements 2 and 3 (192, 199), vector enhancements 3 (198).
pub const VECTOR_EXTENSIONS: [usize; 7] = [134, 135, 148, 152, 192, 198, 199];

/// Adds the vector facility, and those of its extensions the host has, to a VM's facility
/// list and to the mask of facilities user space may enable (`KVM_ENABLE_CAP` of
/// `KVM_CAP_S390_VECTOR_REGISTERS`; the caller has checked that the host has facility 129).
pub fn enable(host: &[u64], list: &mut [u64], mask: &mut [u64]) {
    facilities::set(list, VECTOR);
    facilities::set(mask, VECTOR);
    for nr in VECTOR_EXTENSIONS {
        if facilities::test(host, nr) {
            facilities::set(list, nr);
            facilities::set(mask, nr);
        }
    }
}

/// The floating-point registers: the leftmost halves of vector registers 0-15.
pub fn fprs(vrs: &Vrs) -> [u64; 16] {
    let mut fprs = [0u64; 16];
    for (fpr, vr) in fprs.iter_mut().zip(vrs.iter()) {
        *fpr = vr[0];
    }
    fprs
}

/// Sets the floating-point registers into vector registers 0-15; the rightmost halves and
/// vector registers 16-31 keep their contents, as writing an FPR does on the machine.
pub fn set_fprs(vrs: &mut Vrs, fprs: &[u64; 16]) {
    for (vr, fpr) in vrs.iter_mut().zip(fprs.iter()) {
        vr[0] = *fpr;
    }
}

/// Machine-check interruption code bit 46: the vector registers in the machine-check
/// extended save area are valid.
pub const MCIC_VR: u64 = 1 << (63 - 46);

/// Lowcore offset of the machine-check extended save area designation (MCESAD).
pub const LC_MCESAD: u64 = 0x11b0;

/// Where a machine check stores the vector registers, from the guest's MCESAD: for a guest
/// without guarded storage (never offered here) the designation is 1 KiB aligned and its
/// low bits are ignored; `None` when no area is designated (mainline's
/// `__write_machine_check`).
pub fn mcesa_origin(mcesad: u64) -> Option<u64> {
    let origin = mcesad & !0x3ff;
    (origin != 0).then_some(origin)
}

/// The vector registers as the 512 bytes of a machine-check extended save area (PoP,
/// "Machine-Check Extended Save Area": VR0-VR31 at offsets 0-511, big-endian).
pub fn save_area(vrs: &Vrs) -> [u8; 512] {
    let mut out = [0u8; 512];
    for (chunk, vr) in out.chunks_exact_mut(16).zip(vrs.iter()) {
        chunk[..8].copy_from_slice(&vr[0].to_be_bytes());
        chunk[8..].copy_from_slice(&vr[1].to_be_bytes());
    }
    out
}
