// SPDX-License-Identifier: GPL-2.0

//! The floating interrupt controller (FLIC) device and adapter interrupts: validation of
//! the device attributes and of adapter routes, the conversions between `struct
//! kvm_s390_irq` and the floating queue, adapter-interruption suppression, and where an
//! indicator bit lies in guest memory.
//!
//! Facts: `Documentation/virt/kvm/devices/s390_flic.rst`, `api.rst` (`KVM_SET_GSI_ROUTING`,
//! `KVM_IRQ_ROUTING_S390_ADAPTER`), Principles of Operation chapter 6 (I/O interruption
//! code, adapter-interruption indicator); mainline: `flic_*`, `set_adapter_int`,
//! `kvm_set_routing_entry` in `arch/s390/kvm/s390/interrupt.c`.

use crate::logic::interrupt::{irq_type, Invalid, IRQ_SIZE};

/// `KVM_DEV_FLIC_*`: the attribute groups of the FLIC device.
pub mod group {
    /// Copy every pending floating interruption to a user buffer (get).
    pub const GET_ALL_IRQS: u32 = 1;
    /// Inject the `struct kvm_s390_irq` array of a user buffer (set).
    pub const ENQUEUE: u32 = 2;
    /// Drop every pending floating interruption (set).
    pub const CLEAR_IRQS: u32 = 3;
    /// Enable the pfault handshake (set).
    pub const APF_ENABLE: u32 = 4;
    /// Disable the pfault handshake and wait for outstanding completions (set).
    pub const APF_DISABLE_WAIT: u32 = 5;
    /// Register an I/O adapter (set).
    pub const ADAPTER_REGISTER: u32 = 6;
    /// Mask, map or unmap an I/O adapter (set).
    pub const ADAPTER_MODIFY: u32 = 7;
    /// Drop the pending I/O interruption of a subchannel (set).
    pub const CLEAR_IO_IRQ: u32 = 8;
    /// Set the suppression mode of one interruption subclass (set).
    pub const AISM: u32 = 9;
    /// Inject an adapter interruption for an adapter (set).
    pub const AIRQ_INJECT: u32 = 10;
    /// The suppression modes of all subclasses (get and set).
    pub const AISM_ALL: u32 = 11;
}

/// `KVM_S390_FLIC_MAX_BUFFER`: the largest buffer of `GET_ALL_IRQS` and `ENQUEUE`.
pub const MAX_BUFFER: u64 = 0x200_0000;
/// `MAX_S390_IO_ADAPTERS`: adapter ids are below this (eight per subclass).
pub const MAX_IO_ADAPTERS: u32 = 64;
/// `MAX_S390_ADAPTER_MAPS`: most mapped indicator pages per adapter.
pub const MAX_ADAPTER_MAPS: u32 = 256;
/// `KVM_S390_ADAPTER_SUPPRESSIBLE`: the adapter's interruptions obey the AIS mode.
pub const ADAPTER_SUPPRESSIBLE: u8 = 0x01;
/// `KVM_S390_IO_ADAPTER_{MASK,MAP,UNMAP}`: the `ADAPTER_MODIFY` requests.
pub mod adapter_op {
    /// Mask or unmask the adapter.
    pub const MASK: u8 = 1;
    /// Register an indicator page.
    pub const MAP: u8 = 2;
    /// Forget an indicator page.
    pub const UNMAP: u8 = 3;
}
/// `KVM_S390_AIS_MODE_ALL`: every adapter interruption of the subclass is presented.
pub const AIS_MODE_ALL: u16 = 0;
/// `KVM_S390_AIS_MODE_SINGLE`: after one is presented, the next ones are suppressed.
pub const AIS_MODE_SINGLE: u16 = 1;
/// Facility 72: adapter-interruption suppression (the AIS groups need it).
pub const FACILITY_AIS: usize = 72;
/// The greatest interruption subclass.
pub const MAX_ISC: u8 = 7;
/// `KVM_IRQ_ROUTING_S390_ADAPTER`: the routing-entry type of adapter interruptions.
pub const ROUTING_S390_ADAPTER: u32 = 3;

const PAGE_SIZE: u64 = 4096;

/// Whether the device has attribute group `group` (`KVM_HAS_DEVICE_ATTR`; ENXIO if not).
pub fn has_attr(group: u32) -> bool {
    (group::GET_ALL_IRQS..=group::AISM_ALL).contains(&group)
}

/// `KVM_DEV_FLIC_GET_ALL_IRQS`: how many `struct kvm_s390_irq` fit the buffer of `attr`
/// bytes, which must be neither empty nor above [`MAX_BUFFER`] (EINVAL).
pub fn get_all_capacity(attr: u64) -> Result<usize, Invalid> {
    if attr == 0 || attr > MAX_BUFFER {
        return Err(Invalid);
    }
    Ok(attr as usize / IRQ_SIZE)
}

/// `KVM_DEV_FLIC_ENQUEUE`: how many `struct kvm_s390_irq` the buffer of `attr` bytes holds.
/// Mainline takes the length as a C `int`: a multiple of the record size up to
/// [`MAX_BUFFER`], else EINVAL. A length that is negative as an `int` but passes
/// mainline's unsigned modulo would make it inject until a copy fails; it is refused
/// here (EINVAL) instead.
pub fn enqueue_count(attr: u64) -> Result<usize, Invalid> {
    let len = attr as u32 as i32;
    if len < 0 || len as u64 % IRQ_SIZE as u64 != 0 || len as u64 > MAX_BUFFER {
        return Err(Invalid);
    }
    Ok(len as usize / IRQ_SIZE)
}

/// `KVM_DEV_FLIC_CLEAR_IO_IRQ`: the attribute carries a 4-byte subchannel id and no
/// flags (EINVAL otherwise).
pub fn clear_io_irq_valid(flags: u32, attr: u64) -> bool {
    flags == 0 && attr == 4
}

/// Which member of the `struct kvm_s390_irq` payload `ENQUEUE` copies for a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    /// `struct kvm_s390_ext_info` (16 bytes).
    Ext,
    /// `struct kvm_s390_io_info` (12 bytes).
    Io,
    /// `struct kvm_s390_mchk_info` (40 bytes).
    Mchk,
}

impl Payload {
    /// Size of the member in bytes.
    pub const fn size(self) -> usize {
        match self {
            Payload::Ext => 16,
            Payload::Io => 12,
            Payload::Mchk => 40,
        }
    }
}

/// The payload member of an `ENQUEUE`d type, or EINVAL for a type that is not floating
/// (mainline's `copy_irq_from_user`, which checks the type before it copies the payload).
pub fn enqueue_payload(type_: u64) -> Result<Payload, Invalid> {
    match type_ {
        irq_type::PFAULT_INIT | irq_type::PFAULT_DONE | irq_type::VIRTIO | irq_type::SERVICE => {
            Ok(Payload::Ext)
        }
        0..=irq_type::IO_MAX => Ok(Payload::Io),
        irq_type::MCHK => Ok(Payload::Mchk),
        _ => Err(Invalid),
    }
}

fn ne_u16(u: &[u8; 64], at: usize) -> u16 {
    u16::from_ne_bytes([u[at], u[at + 1]])
}

fn ne_u32(u: &[u8; 64], at: usize) -> u32 {
    u32::from_ne_bytes([u[at], u[at + 1], u[at + 2], u[at + 3]])
}

fn ne_u64(u: &[u8; 64], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&u[at..at + 8]);
    u64::from_ne_bytes(b)
}

/// An `ENQUEUE`d interruption as the `(type, parm, parm64)` of `struct
/// kvm_s390_interrupt`, which the floating queue keeps. `u` is the payload in host byte
/// order (the C union); the type was accepted by [`enqueue_payload`] (else EINVAL).
pub fn irq_to_interrupt(type_: u64, u: &[u8; 64]) -> Result<(u32, u32, u64), Invalid> {
    let t = u32::try_from(type_).map_err(|_| Invalid)?;
    Ok(match enqueue_payload(type_)? {
        // ext_params (u32 at 0), ext_params2 (u64 at 8).
        Payload::Ext => (t, ne_u32(u, 0), ne_u64(u, 8)),
        // subchannel id and number (u16 at 0 and 2), parameter (u32 at 4), word (at 8).
        Payload::Io => (
            t,
            u32::from(ne_u16(u, 0)) << 16 | u32::from(ne_u16(u, 2)),
            u64::from(ne_u32(u, 4)) << 32 | u64::from(ne_u32(u, 8)),
        ),
        // cr14 (u64 at 0; only the channel-report bit 28 is kept), mcic (u64 at 8).
        Payload::Mchk => (t, ne_u64(u, 0) as u32, ne_u64(u, 8)),
    })
}

/// A queued I/O or virtio interruption, kept as `(type, parm, parm64)`, as the
/// `struct kvm_s390_irq` payload `GET_ALL_IRQS` stores (host byte order).
pub fn interrupt_to_irq(type_: u32, parm: u32, parm64: u64) -> [u8; 64] {
    let mut u = [0u8; 64];
    if u64::from(type_) <= irq_type::IO_MAX {
        u[0..2].copy_from_slice(&((parm >> 16) as u16).to_ne_bytes());
        u[2..4].copy_from_slice(&(parm as u16).to_ne_bytes());
        u[4..8].copy_from_slice(&((parm64 >> 32) as u32).to_ne_bytes());
        u[8..12].copy_from_slice(&(parm64 as u32).to_ne_bytes());
    } else {
        u[0..4].copy_from_slice(&parm.to_ne_bytes());
        u[8..16].copy_from_slice(&parm64.to_ne_bytes());
    }
    u
}

/// The I/O interruption word of an adapter interruption for subclass `isc`: the
/// adapter-interruption bit and the subclass (mainline's `isc_to_int_word`, which does not
/// limit the subclass either).
pub const fn isc_to_int_word(isc: u8) -> u32 {
    ((isc as u32) << 27) | 0x8000_0000
}

/// `KVM_S390_INT_IO(1, 0, 0, 0)`: the type of an adapter interruption.
pub const ADAPTER_IO_TYPE: u32 = irq_type::IO_AI_MASK as u32;

/// The AIS-mode bit of subclass `isc` in `simm`/`nimm` (0 for a subclass above 7).
pub fn ais_mask(isc: u8) -> u8 {
    0x80u8.checked_shr(u32::from(isc)).unwrap_or(0)
}

/// `KVM_DEV_FLIC_AISM`: the new `(simm, nimm)` for `mode` of subclass `isc` (EINVAL for
/// a subclass above 7 or an unknown mode).
pub fn ais_modify(simm: u8, nimm: u8, isc: u8, mode: u16) -> Result<(u8, u8), Invalid> {
    if isc > MAX_ISC {
        return Err(Invalid);
    }
    let m = ais_mask(isc);
    match mode {
        AIS_MODE_ALL => Ok((simm & !m, nimm & !m)),
        AIS_MODE_SINGLE => Ok((simm | m, nimm & !m)),
        _ => Err(Invalid),
    }
}

/// What becomes of an adapter interruption under adapter-interruption suppression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Airq {
    /// Queue it; with `single`, the subclass is in single mode and suppresses the next
    /// ones once this one is queued (`nimm` gets the subclass bit).
    Inject {
        /// The subclass is in single mode.
        single: bool,
    },
    /// Drop it: the subclass is in single mode and one was presented already.
    Suppressed,
}

/// Mainline's `kvm_s390_inject_airq`: suppression applies only with facility 72 and a
/// suppressible adapter.
pub fn airq(ais_facility: bool, suppressible: bool, simm: u8, nimm: u8, isc: u8) -> Airq {
    if !ais_facility || !suppressible {
        return Airq::Inject { single: false };
    }
    let m = ais_mask(isc);
    if nimm & m != 0 {
        return Airq::Suppressed;
    }
    Airq::Inject {
        single: simm & m != 0,
    }
}

/// `KVM_SET_GSI_ROUTING` of a `KVM_IRQ_ROUTING_S390_ADAPTER` entry: both indicator bits
/// must lie in the page of their address (EINVAL otherwise). The sums wrap as mainline's
/// do; such an address then fails its memslot lookup (EFAULT).
pub fn adapter_route_valid(
    summary_addr: u64,
    summary_offset: u32,
    ind_addr: u64,
    ind_offset: u64,
) -> bool {
    let in_page = |addr: u64, offset: u64| {
        addr.wrapping_add(offset / 8) < (addr & !(PAGE_SIZE - 1)).wrapping_add(PAGE_SIZE)
    };
    in_page(summary_addr, u64::from(summary_offset)) && in_page(ind_addr, ind_offset)
}

/// Where indicator bit `bit_nr` counted from address `addr` lies: the byte offset from the
/// start of `addr`'s page and the bit's mask in that byte. The bits are numbered as the
/// host's `set_bit` numbers them in big-endian doublewords (bit 0 is the rightmost bit of
/// the first doubleword), or, with `swap`, from the left as the architecture does (bit 0
/// is the leftmost bit of the first byte). None when the bit is outside the page (routes
/// are checked against that when they are set).
pub fn indicator_byte(addr: u64, bit_nr: u64, swap: bool) -> Option<(usize, u8)> {
    let bit = bit_nr.checked_add((addr % PAGE_SIZE) * 8)?;
    if bit >= PAGE_SIZE * 8 {
        return None;
    }
    let bit = if swap { bit ^ 63 } else { bit };
    let in_dword = bit % 64;
    let byte = (bit / 64) * 8 + 7 - in_dword / 8;
    Some((byte as usize, 1u8 << (in_dword % 8)))
}
