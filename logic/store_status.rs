// SPDX-License-Identifier: GPL-2.0

//! Store status: where the status of a CPU goes and what it looks like (Principles of
//! Operation, chapter 4, "Store Status"; the save areas of the z/Architecture lowcore at
//! 0x1200-0x13ff, `arch/s390/include/asm/lowcore.h`; mainline's
//! `kvm_s390_store_status_unloaded`).

/// The status of a CPU, as store status saves it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuStatus {
    /// Floating-point registers 0-15.
    pub fprs: [u64; 16],
    /// General registers 0-15.
    pub gprs: [u64; 16],
    /// The PSW (mask, address).
    pub psw: [u64; 2],
    /// The prefix register.
    pub prefix: u32,
    /// The floating-point control register.
    pub fpc: u32,
    /// The TOD programmable register.
    pub todpr: u32,
    /// The CPU timer.
    pub cputm: u64,
    /// The clock comparator (stored shifted right by 8 bits, bits 0-55).
    pub ckc: u64,
    /// Access registers 0-15.
    pub acrs: [u32; 16],
    /// Control registers 0-15.
    pub crs: [u64; 16],
}

/// Offset of the save areas in the lowcore; the image below starts there.
pub const SAVE_AREA: u64 = 0x1200;
/// Size of the image.
pub const IMAGE_SIZE: usize = 0x200;

/// The fields store status writes, as (offset in the image, length); the gaps between
/// them are not written.
pub const FIELDS: [(usize, usize); 10] = [
    (0x000, 128), // floating-point registers
    (0x080, 128), // general registers
    (0x100, 16),  // PSW
    (0x118, 4),   // prefix
    (0x11c, 4),   // floating-point control
    (0x124, 4),   // TOD programmable register
    (0x128, 8),   // CPU timer
    (0x130, 8),   // clock comparator, bits 0-55
    (0x140, 64),  // access registers
    (0x180, 128), // control registers
];

/// Absolute address of the architectural-mode identification byte (byte 163), written
/// with 1 (z/Architecture) by a store status without address.
pub const ARCH_MODE_ID: u64 = 163;

/// Where a `KVM_S390_STORE_STATUS` argument sends the status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    /// Guest absolute address the image starts at ([`SAVE_AREA`] of the lowcore used).
    pub image: u64,
    /// Guest absolute address of the architectural-mode byte to set, if any.
    pub arch_mode: Option<u64>,
}

/// The target of `KVM_S390_STORE_STATUS` with argument `arg`: `NOADDR` (all ones) is
/// absolute page 0 with the mode byte, `PREFIXED` (all ones but the last bit) the prefix
/// area with the mode byte, anything else the address of the image itself (wrapping, as
/// guest addresses do).
pub fn target(arg: u64, prefix: u32) -> Target {
    match arg {
        u64::MAX => Target {
            image: SAVE_AREA,
            arch_mode: Some(ARCH_MODE_ID),
        },
        a if a == u64::MAX - 1 => Target {
            image: u64::from(prefix) + SAVE_AREA,
            arch_mode: Some(u64::from(prefix) + ARCH_MODE_ID),
        },
        a => Target {
            image: a,
            arch_mode: None,
        },
    }
}

/// The image of the save areas (big-endian, as the guest sees them).
pub fn image(st: &CpuStatus) -> [u8; IMAGE_SIZE] {
    let mut out = [0u8; IMAGE_SIZE];
    let mut put = |off: usize, bytes: &[u8]| out[off..off + bytes.len()].copy_from_slice(bytes);
    for i in 0..16 {
        put(i * 8, &st.fprs[i].to_be_bytes());
        put(0x80 + i * 8, &st.gprs[i].to_be_bytes());
        put(0x140 + i * 4, &st.acrs[i].to_be_bytes());
        put(0x180 + i * 8, &st.crs[i].to_be_bytes());
    }
    put(0x100, &st.psw[0].to_be_bytes());
    put(0x108, &st.psw[1].to_be_bytes());
    put(0x118, &st.prefix.to_be_bytes());
    put(0x11c, &st.fpc.to_be_bytes());
    put(0x124, &st.todpr.to_be_bytes());
    put(0x128, &st.cputm.to_be_bytes());
    put(0x130, &(st.ckc >> 8).to_be_bytes());
    out
}
