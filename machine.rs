// SPDX-License-Identifier: GPL-2.0

//! What the host machine offers, read once from the SCLP information the kernel collected at
//! boot (`arch/s390/include/asm/sclp.h`).

use kernel::bindings;

/// The host facts the backend depends on.
#[derive(Clone, Copy, Debug)]
pub struct Machine {
    /// The SIE facility (SIEF2) is installed: without it there is no KVM.
    pub has_sie: bool,
    /// Highest host absolute address (all ones when the machine reports none, as Hercules).
    pub hamax: u64,
    /// Instruction-blocking control levels (bits 4-15 lowest, bits 20-31 unblocked).
    pub ibc: u32,
    /// Facilities that are not hypervisor-managed, as 2-bit fields per doubleword.
    pub hmfai: u32,
    /// The guest-PER enhancement (GPERE): SIE can force PER on for a guest (`CPUSTAT_P`),
    /// which guest debugging is built on.
    pub has_gpere: bool,
    /// The SIE interlock interpretation facility (SIIF): the IPTE interlock word counts
    /// host and guest holders (`logic/ipte.rs`).
    pub has_siif: bool,
}

impl Machine {
    /// Reads the facts from the kernel's `sclp` information.
    pub fn read() -> Self {
        // SAFETY: `sclp` is filled in by early boot code and only read afterwards; reading
        // through a raw pointer never creates a reference to the mutable static.
        let sclp = unsafe { &*core::ptr::addr_of!(bindings::sclp) };
        Machine {
            has_sie: sclp.has_sief2() != 0,
            hamax: sclp.hamax as u64,
            ibc: sclp.ibc,
            hmfai: sclp.hmfai,
            has_gpere: sclp.has_gpere() != 0,
            has_siif: sclp.has_siif() != 0,
        }
    }
}

/// Number of online host CPUs.
pub fn online_cpus() -> u32 {
    // `num_online_cpus()` is a C inline function reading this counter.
    // SAFETY: `__num_online_cpus` is a static atomic counter; a volatile read of its value is
    // what `atomic_read()` does.
    let n = unsafe {
        core::ptr::read_volatile(core::ptr::addr_of!(bindings::__num_online_cpus.counter))
    };
    u32::try_from(n).unwrap_or(1)
}
