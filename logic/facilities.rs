// SPDX-License-Identifier: GPL-2.0

//! The facility list a guest sees (what STFLE stores for it) and the CPU-model facts user
//! space reads through the VM attribute `KVM_S390_VM_CPU_MODEL` (`devices/vm.rst`).
//!
//! As in mainline (`kvm_arch_init_vm` in `arch/s390/kvm/s390/s390.c`): a new VM offers the
//! host's facilities that KVM may pass through (the build-time list `FACILITIES_KVM` of
//! `arch/s390/tools/gen_facilities.c`, plus the facilities the machine reports as not
//! hypervisor-managed through the SCLP's HMFAI field), and always indicates facility 138
//! (configuration-z/Architecture mode). The mask of what user space may enable adds the
//! facilities of `FACILITIES_KVM_CPUMODEL`. Facility numbers count from the most
//! significant bit of the first doubleword.

/// Doublewords of the facility bits the host kernel knows (`stfle_fac_list`).
pub const HOST_DWORDS: usize = 16;

/// Facility 7: store-facility-list-extended (STFLE).
pub const STFLE: usize = 7;
/// Facility 8: enhanced-DAT facility 1 (segment-table entries may map 1 MiB frames).
pub const EDAT1: usize = 8;
/// Facility 9: sense-running-status (SIGP SENSE RUNNING STATUS).
pub const SENSE_RUNNING: usize = 9;
/// Facility 78: enhanced-DAT facility 2 (region-third-table entries may map 2 GiB frames).
pub const EDAT2: usize = 78;
/// Facility 74: STORE HYPERVISOR INFORMATION (STHYI).
pub const STHYI: usize = 74;

/// Facility 138: configuration-z/Architecture mode (ESA/390 is not available).
pub const CZAM: usize = 138;

/// Facilities the machine reports as not hypervisor-managed in doubleword `i` (the 2-bit
/// field `i` of the SCLP's HMFAI: 0 = bits 16-63 of the doubleword, each step 16 fewer).
pub fn not_hypervisor_managed(hmfai: u32, i: usize) -> u64 {
    if i >= HOST_DWORDS {
        return 0;
    }
    let fai = (hmfai << (i * 2)) >> 30;
    0x0000_ffff_ffff_ffff_u64 >> (fai << 4)
}

/// Sets facility `nr` in a list of doublewords (ignored beyond its end).
pub fn set(list: &mut [u64], nr: usize) {
    if let Some(dword) = list.get_mut(nr / 64) {
        *dword |= 1u64 << (63 - nr % 64);
    }
}

/// Whether facility `nr` is in the list.
pub fn test(list: &[u64], nr: usize) -> bool {
    list.get(nr / 64)
        .is_some_and(|dword| dword & (1u64 << (63 - nr % 64)) != 0)
}

/// The facility list of a new VM and the mask of facilities user space may enable.
///
/// `host` is the host's STFLE list, `kvm_base` and `kvm_cpumodel` the build-time lists;
/// `list` and `mask` are filled (both are at least [`HOST_DWORDS`] long in practice; words
/// beyond what the inputs cover are cleared).
pub fn initial(
    host: &[u64],
    kvm_base: &[u64],
    kvm_cpumodel: &[u64],
    hmfai: u32,
    list: &mut [u64],
    mask: &mut [u64],
) {
    let word = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    for (i, (l, m)) in list.iter_mut().zip(mask.iter_mut()).enumerate() {
        let base = word(kvm_base, i) | not_hypervisor_managed(hmfai, i);
        *l = word(host, i) & base;
        *m = *l | (word(host, i) & word(kvm_cpumodel, i));
    }
    set(list, CZAM);
    set(mask, CZAM);
}

/// The CPU id a new VM reports: the host's with version code 0xff (bits 0-7), which
/// tells the guest it runs under a hypervisor.
pub fn guest_cpuid(host_cpuid: u64) -> u64 {
    host_cpuid | 0xff00_0000_0000_0000
}

/// The instruction-blocking control of a new VM: the machine's unblocked level (the low
/// 12 bits of the SCLP's IBC field), as mainline does.
pub fn initial_ibc(sclp_ibc: u32) -> u16 {
    (sclp_ibc & 0xfff) as u16
}

/// The IBC a `KVM_S390_VM_CPU_PROCESSOR` write results in: requests are clamped to what
/// the machine can emulate; without IBC support (lowest level 0), or for a request of 0,
/// the current value stays (mainline's `kvm_s390_set_processor`).
pub fn requested_ibc(sclp_ibc: u32, current: u16, requested: u16) -> u16 {
    let lowest = ((sclp_ibc >> 16) & 0xfff) as u16;
    let unblocked = (sclp_ibc & 0xfff) as u16;
    if lowest == 0 || requested == 0 {
        current
    } else if requested > unblocked {
        unblocked
    } else if requested < lowest {
        lowest
    } else {
        requested
    }
}
