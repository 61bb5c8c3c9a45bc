// SPDX-License-Identifier: GPL-2.0

//! Interruptions: the kinds a vCPU can have pending, the one priority order, which of them
//! the guest's PSW and control registers let through, which SIE intercept requests a
//! pending-but-masked one needs, what each delivery stores in the prefix area, the guest
//! clock comparator and CPU timer conditions, and the validation of the injection ABI.
//!
//! Facts: Principles of Operation, chapter 6 ("Interruptions": priority, masking, the
//! assigned storage locations), chapter 4 ("Clock Comparator", "CPU Timer"), chapter 10
//! (external-interruption subclass masks in CR0, I/O-interruption subclass mask in CR6,
//! machine-check subclass masks in CR14). The lowcore offsets are those of
//! `arch/s390/include/asm/lowcore.h`; the pending-bit numbering, the intercept requests and
//! the ABI validation follow mainline's `arch/s390/kvm/s390/interrupt.c` (`enum irq_types`,
//! `deliverable_irqs`, `set_intercept_indicators`, `s390int_to_s390irq`, `do_inject_vcpu`,
//! `kvm_s390_inject_vm`), so that the same input gets the same answer.
//!
//! Control-register and PSW bits are given as 64-bit masks; the comments name the bit in
//! the Principles of Operation's numbering (bit 0 is the most significant).

use crate::kvm_host::cpustat;
use crate::uapi_kvm::KvmS390PgmInfo;

/// A kind of pending interruption; the value is its bit in a pending mask (mainline's
/// `enum irq_types`, which user space sees through `KVM_S390_GET_IRQ_STATE` only as
/// `struct kvm_s390_irq`, so the numbering is internal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// SIGP SET PREFIX of a stopped CPU (not an interruption: performed before entry).
    SetPrefix = 0,
    /// Restart interruption.
    Restart = 1,
    /// SIGP STOP (never delivered: it makes SIE intercept with code 0x28).
    Stop = 2,
    /// I/O interruption, subclass 7 (lowest I/O priority).
    IoIsc7 = 3,
    /// I/O, subclass 6.
    IoIsc6 = 4,
    /// I/O, subclass 5.
    IoIsc5 = 5,
    /// I/O, subclass 4.
    IoIsc4 = 6,
    /// I/O, subclass 3.
    IoIsc3 = 7,
    /// I/O, subclass 2.
    IoIsc2 = 8,
    /// I/O, subclass 1.
    IoIsc1 = 9,
    /// I/O, subclass 0 (highest I/O priority).
    IoIsc0 = 10,
    /// External: virtio notification (code 0x2603, parameter 0x0d00).
    Virtio = 11,
    /// External: pfault completion (code 0x2603, parameter 0x0680).
    PfaultDone = 12,
    /// External: pfault initialisation (code 0x2603, parameter 0x0600).
    PfaultInit = 13,
    /// External: host (not used).
    ExtHost = 14,
    /// External: service signal with an SCCB address.
    Service = 15,
    /// External: service signal for an event only.
    ServiceEvent = 16,
    /// External: timing alert (not used).
    Timing = 17,
    /// External: CPU timer.
    CpuTimer = 18,
    /// External: clock comparator.
    ClockComp = 19,
    /// External: external call.
    ExternalCall = 20,
    /// External: emergency signal.
    Emergency = 21,
    /// External: malfunction alert (not used).
    Malfunction = 22,
    /// External: interrupt key (not used).
    IrqKey = 23,
    /// Machine check, repressible conditions.
    MchkRepressible = 24,
    /// Program interruption.
    Program = 25,
    /// Supervisor call (SIE handles SVC itself; never pending here).
    Svc = 26,
    /// Machine check, exigent conditions.
    MchkExigent = 27,
}

/// Number of [`Kind`]s.
pub const KIND_COUNT: usize = 28;

/// The one priority order, highest first (Principles of Operation, "Priority of
/// Interruptions": exigent machine check, supervisor call, program, repressible machine
/// check, external, I/O, restart; within external, mainline's order of the subclasses).
/// Stop and set-prefix come last: they are not interruptions of the guest.
pub const PRIORITY: [Kind; KIND_COUNT] = [
    Kind::MchkExigent,
    Kind::Svc,
    Kind::Program,
    Kind::MchkRepressible,
    Kind::IrqKey,
    Kind::Malfunction,
    Kind::Emergency,
    Kind::ExternalCall,
    Kind::ClockComp,
    Kind::CpuTimer,
    Kind::Timing,
    Kind::ServiceEvent,
    Kind::Service,
    Kind::ExtHost,
    Kind::PfaultInit,
    Kind::PfaultDone,
    Kind::Virtio,
    Kind::IoIsc0,
    Kind::IoIsc1,
    Kind::IoIsc2,
    Kind::IoIsc3,
    Kind::IoIsc4,
    Kind::IoIsc5,
    Kind::IoIsc6,
    Kind::IoIsc7,
    Kind::Stop,
    Kind::Restart,
    Kind::SetPrefix,
];

impl Kind {
    /// Its bit in a pending mask.
    pub const fn bit(self) -> u64 {
        1 << (self as u8)
    }

    /// The I/O kind of interruption subclass `isc` (0-7; higher values are masked to 3 bits).
    pub const fn io(isc: u8) -> Kind {
        match isc & 7 {
            0 => Kind::IoIsc0,
            1 => Kind::IoIsc1,
            2 => Kind::IoIsc2,
            3 => Kind::IoIsc3,
            4 => Kind::IoIsc4,
            5 => Kind::IoIsc5,
            6 => Kind::IoIsc6,
            _ => Kind::IoIsc7,
        }
    }

    /// The interruption subclass of an I/O kind.
    pub const fn isc(self) -> Option<u8> {
        let b = self as u8;
        if b >= Kind::IoIsc7 as u8 && b <= Kind::IoIsc0 as u8 {
            Some(Kind::IoIsc0 as u8 - b)
        } else {
            None
        }
    }
}

/// The external-interruption kinds (masked by PSW bit 7).
pub const EXT_MASK: u64 = Kind::IrqKey.bit()
    | Kind::ClockComp.bit()
    | Kind::CpuTimer.bit()
    | Kind::Malfunction.bit()
    | Kind::Emergency.bit()
    | Kind::ExternalCall.bit()
    | Kind::Timing.bit()
    | Kind::ExtHost.bit()
    | Kind::Service.bit()
    | Kind::ServiceEvent.bit()
    | Kind::Virtio.bit()
    | Kind::PfaultInit.bit()
    | Kind::PfaultDone.bit();

/// The I/O kinds (masked by PSW bit 6 and the CR6 subclass mask).
pub const IO_MASK: u64 = Kind::IoIsc0.bit()
    | Kind::IoIsc1.bit()
    | Kind::IoIsc2.bit()
    | Kind::IoIsc3.bit()
    | Kind::IoIsc4.bit()
    | Kind::IoIsc5.bit()
    | Kind::IoIsc6.bit()
    | Kind::IoIsc7.bit();

/// The machine-check kinds (masked by PSW bit 13).
pub const MCHK_MASK: u64 = Kind::MchkRepressible.bit() | Kind::MchkExigent.bit();

/// PSW bit 6: I/O mask.
pub const PSW_MASK_IO: u64 = 0x0200_0000_0000_0000;
/// PSW bit 7: external mask.
pub const PSW_MASK_EXT: u64 = 0x0100_0000_0000_0000;
/// PSW bit 13: machine-check mask.
pub const PSW_MASK_MCHECK: u64 = 0x0004_0000_0000_0000;
/// PSW bit 14: wait state.
pub const PSW_MASK_WAIT: u64 = 0x0002_0000_0000_0000;

/// CR0 bit 10: clock-comparator sign control (compare as signed values).
pub const CR0_CLOCK_COMPARATOR_SIGN: u64 = 1 << (63 - 10);
/// CR0 bit 48: malfunction-alert subclass mask.
pub const CR0_MALFUNCTION_SUBMASK: u64 = 1 << (63 - 48);
/// CR0 bit 49: emergency-signal subclass mask.
pub const CR0_EMERGENCY_SIGNAL_SUBMASK: u64 = 1 << (63 - 49);
/// CR0 bit 50: external-call subclass mask.
pub const CR0_EXTERNAL_CALL_SUBMASK: u64 = 1 << (63 - 50);
/// CR0 bit 52: clock-comparator subclass mask.
pub const CR0_CLOCK_COMPARATOR_SUBMASK: u64 = 1 << (63 - 52);
/// CR0 bit 53: CPU-timer subclass mask.
pub const CR0_CPU_TIMER_SUBMASK: u64 = 1 << (63 - 53);
/// CR0 bit 54: service-signal subclass mask.
pub const CR0_SERVICE_SIGNAL_SUBMASK: u64 = 1 << (63 - 54);

/// The CR6 bit that enables I/O interruption subclass `isc` (bits 32-39).
pub const fn cr6_isc_bit(isc: u8) -> u64 {
    (0x80u64 >> (isc & 7)) << 24
}

/// The I/O kinds that CR6 enables. CR6 bits 32-39 enable subclasses 0-7 and the kinds
/// `IoIsc7`..`IoIsc0` are consecutive bits in the opposite order, so the subclass byte
/// maps onto them bit for bit: one shift instead of a test per subclass (this runs on
/// every check of a waiting vCPU).
pub const fn io_enabled(cr6: u64) -> u64 {
    ((cr6 >> 24) & 0xff) << (Kind::IoIsc7 as u8)
}

const _: () = assert!(io_enabled(cr6_isc_bit(0)) == Kind::IoIsc0.bit());
const _: () = assert!(io_enabled(cr6_isc_bit(7)) == Kind::IoIsc7.bit());
const _: () = assert!(io_enabled(u64::MAX) == IO_MASK);

/// `lctl` bit: intercept LCTL/LCTLG that load CR0.
pub const LCTL_CR0: u16 = 0x8000;
/// `lctl` bit: intercept loads of CR6.
pub const LCTL_CR6: u16 = 0x0200;
/// `lctl` bit: intercept loads of CR14.
pub const LCTL_CR14: u16 = 0x0002;
/// `ictl` bit: intercept LPSW/LPSWE.
pub const ICTL_LPSW: u32 = 0x0040_0000;

/// The guest state that decides which pending interruptions may be delivered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Masks {
    /// The PSW mask (first doubleword).
    pub psw: u64,
    /// Control register 0 (external subclasses).
    pub cr0: u64,
    /// Control register 6 (I/O subclasses).
    pub cr6: u64,
    /// Control register 14 (machine-check subclasses).
    pub cr14: u64,
}

/// The pending interruptions of `pending` the guest can take now. `mchk_cr14` is the
/// union of the CR14 subclass bits the pending repressible machine checks belong to.
/// Stop is never "deliverable": it is performed through the stop intercept.
pub fn deliverable(pending: u64, m: &Masks, mchk_cr14: u64) -> u64 {
    let mut active = pending;
    if m.psw & PSW_MASK_EXT == 0 {
        active &= !EXT_MASK;
    }
    if m.psw & PSW_MASK_IO == 0 {
        active &= !IO_MASK;
    } else {
        active &= !IO_MASK | io_enabled(m.cr6);
    }
    let subclasses = [
        (CR0_EXTERNAL_CALL_SUBMASK, Kind::ExternalCall.bit()),
        (CR0_EMERGENCY_SIGNAL_SUBMASK, Kind::Emergency.bit()),
        (CR0_CLOCK_COMPARATOR_SUBMASK, Kind::ClockComp.bit()),
        (CR0_CPU_TIMER_SUBMASK, Kind::CpuTimer.bit()),
        (
            CR0_SERVICE_SIGNAL_SUBMASK,
            Kind::Service.bit() | Kind::ServiceEvent.bit(),
        ),
    ];
    for (cr0_bit, kinds) in subclasses {
        if m.cr0 & cr0_bit == 0 {
            active &= !kinds;
        }
    }
    if m.psw & PSW_MASK_MCHECK == 0 {
        active &= !MCHK_MASK;
    }
    if m.cr14 & mchk_cr14 == 0 {
        active &= !Kind::MchkRepressible.bit();
    }
    active & !Kind::Stop.bit()
}

/// The interruption of highest priority in `mask`.
pub fn highest(mask: u64) -> Option<Kind> {
    PRIORITY.iter().copied().find(|k| mask & k.bit() != 0)
}

/// The SIE intercept requests that make a masked pending interruption leave SIE as soon as
/// the guest could take it (mainline's `set_intercept_indicators`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Indicators {
    /// `cpuflags` bits to set (`EXT_INT`, `IO_INT`, `STOP_INT`).
    pub cpuflags: u32,
    /// `lctl` bits to set.
    pub lctl: u16,
    /// `ictl` bits to set.
    pub ictl: u32,
}

/// Which intercept requests `pending` needs under PSW mask `psw`: a class the PSW disables
/// waits for the guest to enable it (SIE's interruption requests, codes 0x10/0x18, or an
/// LPSW intercept for machine checks); a class the PSW enables but a control register masks
/// waits for the guest to load that control register.
pub fn indicators(pending: u64, psw: u64) -> Indicators {
    let mut ind = Indicators::default();
    if pending & IO_MASK != 0 {
        if psw & PSW_MASK_IO == 0 {
            ind.cpuflags |= cpustat::IO_INT;
        } else {
            ind.lctl |= LCTL_CR6;
        }
    }
    if pending & EXT_MASK != 0 {
        if psw & PSW_MASK_EXT == 0 {
            ind.cpuflags |= cpustat::EXT_INT;
        } else {
            ind.lctl |= LCTL_CR0;
        }
    }
    if pending & MCHK_MASK != 0 {
        if psw & PSW_MASK_MCHECK == 0 {
            ind.ictl |= ICTL_LPSW;
        } else {
            ind.lctl |= LCTL_CR14;
        }
    }
    if pending & Kind::Stop.bit() != 0 {
        ind.cpuflags |= cpustat::STOP_INT;
    }
    ind
}

/// Whether the PSW disables all of external, I/O and machine-check interruptions: a wait
/// in this state can only end through user space (a "disabled wait").
pub fn all_disabled(psw: u64) -> bool {
    psw & (PSW_MASK_EXT | PSW_MASK_IO | PSW_MASK_MCHECK) == 0
}

/// Lowcore (prefix area) locations stored by interruptions.
pub mod lc {
    /// External-interruption parameter (word).
    pub const EXT_PARAMS: u64 = 0x80;
    /// External: CPU address of the source (halfword).
    pub const EXT_CPU_ADDR: u64 = 0x84;
    /// External-interruption code (halfword).
    pub const EXT_INT_CODE: u64 = 0x86;
    /// Subsystem-identification word: subchannel id (halfword).
    pub const SUBCHANNEL_ID: u64 = 0xb8;
    /// Subchannel number (halfword).
    pub const SUBCHANNEL_NR: u64 = 0xba;
    /// I/O-interruption parameter (word).
    pub const IO_INT_PARM: u64 = 0xbc;
    /// I/O-interruption identification word.
    pub const IO_INT_WORD: u64 = 0xc0;
    /// Machine-check interruption code (doubleword).
    pub const MCCK_CODE: u64 = 0xe8;
    /// External-damage code (word).
    pub const EXT_DAMAGE_CODE: u64 = 0xf4;
    /// Failing-storage address (doubleword).
    pub const MCCK_FAIL_STOR_ADDR: u64 = 0xf8;
    /// Breaking-event address of the last program interruption.
    pub const PGM_LAST_BREAK: u64 = 0x110;
    /// Restart old PSW.
    pub const RESTART_OLD_PSW: u64 = 0x120;
    /// External old PSW.
    pub const EXT_OLD_PSW: u64 = 0x130;
    /// Machine-check old PSW.
    pub const MCK_OLD_PSW: u64 = 0x160;
    /// I/O old PSW.
    pub const IO_OLD_PSW: u64 = 0x170;
    /// Restart new PSW.
    pub const RESTART_NEW_PSW: u64 = 0x1a0;
    /// External new PSW.
    pub const EXT_NEW_PSW: u64 = 0x1b0;
    /// Machine-check new PSW.
    pub const MCK_NEW_PSW: u64 = 0x1e0;
    /// I/O new PSW.
    pub const IO_NEW_PSW: u64 = 0x1f0;
    /// External-interruption parameter, second doubleword (virtio, pfault).
    pub const EXT_PARAMS2: u64 = 0x11b8;
}

/// External-interruption codes (stored at [`lc::EXT_INT_CODE`]).
pub mod ext_code {
    /// Clock comparator.
    pub const CLOCK_COMP: u16 = 0x1004;
    /// CPU timer.
    pub const CPU_TIMER: u16 = 0x1005;
    /// Emergency signal.
    pub const EMERGENCY: u16 = 0x1201;
    /// External call.
    pub const EXTERNAL_CALL: u16 = 0x1202;
    /// Service signal.
    pub const SERVICE_SIGNAL: u16 = 0x2401;
    /// CP service (virtio, pfault).
    pub const CP_SERVICE: u16 = 0x2603;
}

/// The value stored at [`lc::EXT_CPU_ADDR`] for a virtio notification.
pub const VIRTIO_PARAM: u16 = 0x0d00;
/// The value stored at [`lc::EXT_CPU_ADDR`] for pfault init (a fault is being resolved).
pub const PFAULT_INIT_PARAM: u16 = 0x0600;
/// The value stored at [`lc::EXT_CPU_ADDR`] for pfault done (the fault is resolved).
pub const PFAULT_DONE_PARAM: u16 = 0x0680;

/// The SCCB-address part of a service-signal parameter.
pub const SCCB_MASK: u32 = 0xffff_fff8;
/// The event-pending part of a service-signal parameter.
pub const SCCB_EVENT_PENDING: u32 = 0x3;

/// What the lowcore receives for one external interruption: the code, the CPU-address
/// halfword, and the parameters if the kind has them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExternalStore {
    /// Stored at [`lc::EXT_INT_CODE`].
    pub code: u16,
    /// Stored at [`lc::EXT_CPU_ADDR`].
    pub cpu_addr: u16,
    /// Stored at [`lc::EXT_PARAMS`] when present.
    pub params: Option<u32>,
    /// Stored at [`lc::EXT_PARAMS2`] when present.
    pub params2: Option<u64>,
}

// The parameter, the CPU address and the code are adjacent: one store covers them.
const _: () = assert!(lc::EXT_CPU_ADDR == lc::EXT_PARAMS + 4);
const _: () = assert!(lc::EXT_INT_CODE == lc::EXT_CPU_ADDR + 2);

impl ExternalStore {
    /// The contiguous part of the store, as one guest access: from [`lc::EXT_PARAMS`]
    /// with the parameter, else from [`lc::EXT_CPU_ADDR`] (the parameter word keeps what
    /// the guest had there). Returns the lowcore address, the bytes and their number.
    pub fn head(&self) -> (u64, [u8; 8], usize) {
        let mut bytes = [0u8; 8];
        bytes[4..6].copy_from_slice(&self.cpu_addr.to_be_bytes());
        bytes[6..8].copy_from_slice(&self.code.to_be_bytes());
        match self.params {
            Some(p) => {
                bytes[..4].copy_from_slice(&p.to_be_bytes());
                (lc::EXT_PARAMS, bytes, 8)
            }
            None => {
                bytes.copy_within(4..8, 0);
                (lc::EXT_CPU_ADDR, bytes, 4)
            }
        }
    }
}

/// I/O-interruption word of subclass `isc` for an adapter interruption.
pub const fn isc_of_int_word(word: u32) -> u8 {
    ((word & 0x3800_0000) >> 27) as u8
}

// ---------------------------------------------------------------------------------------
// The guest's clocks.

/// Nanoseconds of a TOD-clock difference (bit 51 is one microsecond: 4096 units).
pub const fn tod_to_ns(tod: u64) -> u64 {
    // tod * 1000 / 4096 == tod * 125 / 512, split so nothing overflows.
    (tod >> 9) * 125 + (((tod & 0x1ff) * 125) >> 9)
}

/// Whether the clock comparator condition holds at guest TOD `now` (Principles of
/// Operation: "the TOD clock is greater than the clock comparator", compared signed when
/// CR0 bit 10 is one).
pub fn ckc_condition(now: u64, ckc: u64, cr0: u64) -> bool {
    if cr0 & CR0_CLOCK_COMPARATOR_SIGN != 0 {
        (ckc as i64) < (now as i64)
    } else {
        ckc < now
    }
}

/// Whether a clock-comparator interruption can be taken (PSW and CR0 enable it).
pub fn ckc_enabled(psw: u64, cr0: u64) -> bool {
    psw & PSW_MASK_EXT != 0 && cr0 & CR0_CLOCK_COMPARATOR_SUBMASK != 0
}

/// Whether a CPU-timer interruption can be taken.
pub fn cputm_enabled(psw: u64, cr0: u64) -> bool {
    psw & PSW_MASK_EXT != 0 && cr0 & CR0_CPU_TIMER_SUBMASK != 0
}

/// Whether the CPU timer condition holds (the timer is negative).
pub const fn cputm_condition(cputm: u64) -> bool {
    cputm >> 63 != 0
}

/// How long an enabled wait may sleep before the clock comparator or the CPU timer can
/// end it, in nanoseconds: `Some(0)` if one of them is due already, `None` if neither is
/// enabled (sleep until something is injected). Mainline: `__calculate_sltime`.
pub fn sleep_ns(now: u64, ckc: u64, cputm: u64, psw: u64, cr0: u64) -> Option<u64> {
    let ckc_ns = if ckc_enabled(psw, cr0) {
        if ckc_condition(now, ckc, cr0) {
            return Some(0);
        }
        Some(if cr0 & CR0_CLOCK_COMPARATOR_SIGN != 0 {
            // The signed difference fits in 64 unsigned bits: it is positive here.
            tod_to_ns((i128::from(ckc as i64) - i128::from(now as i64)) as u64)
        } else {
            tod_to_ns(ckc - now)
        })
    } else {
        None
    };
    let cputm_ns = if cputm_enabled(psw, cr0) {
        if cputm_condition(cputm) {
            return Some(0);
        }
        Some(tod_to_ns(cputm))
    } else {
        None
    };
    match (ckc_ns, cputm_ns) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

// ---------------------------------------------------------------------------------------
// The injection ABI (`struct kvm_s390_interrupt`, `struct kvm_s390_irq`).

/// `type` values of the injection ABI (`arch/s390/include/uapi/asm/kvm.h`).
pub mod irq_type {
    /// SIGP STOP.
    pub const SIGP_STOP: u64 = 0xfffe_0000;
    /// Program interruption.
    pub const PROGRAM_INT: u64 = 0xfffe_0001;
    /// SIGP SET PREFIX.
    pub const SIGP_SET_PREFIX: u64 = 0xfffe_0002;
    /// Restart.
    pub const RESTART: u64 = 0xfffe_0003;
    /// pfault init.
    pub const PFAULT_INIT: u64 = 0xfffe_0004;
    /// pfault done.
    pub const PFAULT_DONE: u64 = 0xfffe_0005;
    /// Machine check.
    pub const MCHK: u64 = 0xfffe_1000;
    /// Clock comparator.
    pub const CLOCK_COMP: u64 = 0xffff_1004;
    /// CPU timer.
    pub const CPU_TIMER: u64 = 0xffff_1005;
    /// Virtio.
    pub const VIRTIO: u64 = 0xffff_2603;
    /// Service signal.
    pub const SERVICE: u64 = 0xffff_2401;
    /// Emergency signal.
    pub const EMERGENCY: u64 = 0xffff_1201;
    /// External call.
    pub const EXTERNAL_CALL: u64 = 0xffff_1202;
    /// Highest I/O type (I/O types are 0 to this).
    pub const IO_MAX: u64 = 0xfffd_ffff;
    /// I/O type bit: adapter interruption.
    pub const IO_AI_MASK: u64 = 0x0400_0000;
}

/// `KVM_S390_STOP_FLAG_STORE_STATUS`: store the status when the vCPU has stopped.
pub const STOP_FLAG_STORE_STATUS: u32 = 0x01;

/// The invalid-input answer of the ABI (EINVAL in every case mainline rejects).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invalid;

/// A `struct kvm_s390_interrupt` given to `KVM_S390_INTERRUPT` on a vCPU, converted to
/// the `struct kvm_s390_irq` fields it stands for (mainline's `s390int_to_s390irq`).
/// Returns the type and the payload as a `kvm_s390_irq` union in host byte order: the
/// words are placed where the union's members have them.
pub fn interrupt_to_irq(type_: u32, parm: u32, parm64: u64) -> Result<LocalIrq, Invalid> {
    let t = u64::from(type_);
    let halfword = |p: u32| {
        if p & 0xffff_0000 != 0 {
            Err(Invalid)
        } else {
            Ok(p as u16)
        }
    };
    Ok(match t {
        irq_type::PROGRAM_INT => LocalIrq::Program {
            code: halfword(parm)?,
        },
        irq_type::SIGP_SET_PREFIX => LocalIrq::SetPrefix { address: parm },
        irq_type::SIGP_STOP => LocalIrq::Stop { flags: parm },
        irq_type::EXTERNAL_CALL => LocalIrq::ExternalCall {
            code: halfword(parm)?,
        },
        irq_type::EMERGENCY => LocalIrq::Emergency {
            code: halfword(parm)?,
        },
        irq_type::MCHK => LocalIrq::Mchk {
            cr14: 0,
            mcic: parm64,
            fsa: 0,
            edc: 0,
        },
        irq_type::PFAULT_INIT => LocalIrq::PfaultInit {
            params: parm,
            token: parm64,
        },
        irq_type::RESTART => LocalIrq::Restart,
        irq_type::CLOCK_COMP => LocalIrq::ClockComp,
        irq_type::CPU_TIMER => LocalIrq::CpuTimer,
        _ => return Err(Invalid),
    })
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

/// The program-interruption details in a `struct kvm_s390_irq` payload.
pub fn pgm_from_payload(u: &[u8; 64]) -> KvmS390PgmInfo {
    KvmS390PgmInfo {
        trans_exc_code: ne_u64(u, 0),
        mon_code: ne_u64(u, 8),
        per_address: ne_u64(u, 16),
        data_exc_code: ne_u32(u, 24),
        code: ne_u16(u, 28),
        mon_class_nr: ne_u16(u, 30),
        per_code: u[32],
        per_atmid: u[33],
        exc_access_id: u[34],
        per_access_id: u[35],
        op_access_id: u[36],
        flags: u[37],
        pad: [0; 2],
    }
}

/// Decodes a `struct kvm_s390_irq` for a vCPU (mainline's `do_inject_vcpu`): floating
/// types and unknown types are invalid. The user ABI is in host byte order.
pub fn local_from_irq(type_: u64, u: &[u8; 64]) -> Result<LocalIrq, Invalid> {
    Ok(match type_ {
        irq_type::PROGRAM_INT => LocalIrq::Program {
            code: ne_u16(u, 28),
        },
        irq_type::SIGP_SET_PREFIX => LocalIrq::SetPrefix {
            address: ne_u32(u, 0),
        },
        irq_type::SIGP_STOP => LocalIrq::Stop {
            flags: ne_u32(u, 0),
        },
        irq_type::RESTART => LocalIrq::Restart,
        irq_type::CLOCK_COMP => LocalIrq::ClockComp,
        irq_type::CPU_TIMER => LocalIrq::CpuTimer,
        irq_type::EXTERNAL_CALL => LocalIrq::ExternalCall { code: ne_u16(u, 0) },
        irq_type::EMERGENCY => LocalIrq::Emergency { code: ne_u16(u, 0) },
        irq_type::MCHK => LocalIrq::Mchk {
            cr14: ne_u64(u, 0),
            mcic: ne_u64(u, 8),
            fsa: ne_u64(u, 16),
            edc: ne_u32(u, 24),
        },
        irq_type::PFAULT_INIT => LocalIrq::PfaultInit {
            params: ne_u32(u, 0),
            token: ne_u64(u, 8),
        },
        _ => return Err(Invalid),
    })
}

/// Most bytes `KVM_S390_SET_IRQ_STATE` takes: one `struct kvm_s390_irq` per possible
/// emergency-signal source and 32 more (mainline's `VCPU_IRQS_MAX_BUF`).
pub const IRQ_STATE_MAX_LEN: usize = 72 * (255 + 32);

/// Size of a `struct kvm_s390_irq`.
pub const IRQ_SIZE: usize = 72;

/// Checks the length of a `KVM_S390_SET_IRQ_STATE` buffer: not empty, not above
/// [`IRQ_STATE_MAX_LEN`], whole `struct kvm_s390_irq`s.
pub const fn set_irq_state_len_valid(len: u32) -> bool {
    let len = len as usize;
    len != 0 && len <= IRQ_STATE_MAX_LEN && len % IRQ_SIZE == 0
}

/// The ABI type under which `KVM_S390_GET_IRQ_STATE` reports a pending local kind
/// (mainline's `store_local_irq`); `None` for kinds it does not report this way (the
/// emergency signal is reported once per source).
pub const fn irq_type_of(kind: Kind) -> Option<u64> {
    Some(match kind {
        Kind::MchkExigent | Kind::MchkRepressible => irq_type::MCHK,
        Kind::Program => irq_type::PROGRAM_INT,
        Kind::PfaultInit => irq_type::PFAULT_INIT,
        Kind::ExternalCall => irq_type::EXTERNAL_CALL,
        Kind::ClockComp => irq_type::CLOCK_COMP,
        Kind::CpuTimer => irq_type::CPU_TIMER,
        Kind::Stop => irq_type::SIGP_STOP,
        Kind::Restart => irq_type::RESTART,
        Kind::SetPrefix => irq_type::SIGP_SET_PREFIX,
        _ => return None,
    })
}

/// The interruption behind an external-interruption intercept (0x14): SIE met an
/// external interruption it did not present itself, and left its code (`eic`) and, for
/// an external call, the sender (`extcpuaddr`) in the state description. The backend
/// queues it like an injected one (mainline's `handle_external_interrupt`). `None` sends
/// the intercept to user space: an unknown code, or a clock comparator or CPU timer
/// whose external new PSW enables external interruptions again, which would deliver
/// the same condition forever.
pub fn intercepted_external(eic: u16, extcpuaddr: u16, ext_new_psw_mask: u64) -> Option<LocalIrq> {
    let loops = ext_new_psw_mask & PSW_MASK_EXT != 0;
    match eic {
        ext_code::CLOCK_COMP | ext_code::CPU_TIMER if loops => None,
        ext_code::CLOCK_COMP => Some(LocalIrq::ClockComp),
        ext_code::CPU_TIMER => Some(LocalIrq::CpuTimer),
        ext_code::EXTERNAL_CALL => Some(LocalIrq::ExternalCall { code: extcpuaddr }),
        _ => None,
    }
}

/// The kinds in ascending bit order, as `KVM_S390_GET_IRQ_STATE` lists them.
pub fn kinds_by_bit() -> impl Iterator<Item = Kind> {
    (0..KIND_COUNT as u8).filter_map(|b| PRIORITY.iter().copied().find(|k| *k as u8 == b))
}

/// Whether SIGP STOP flags are valid (only `KVM_S390_STOP_FLAG_STORE_STATUS` exists).
pub const fn stop_flags_valid(flags: u32) -> bool {
    flags & !STOP_FLAG_STORE_STATUS == 0
}

/// A vCPU-local injection request, decoded (the program interruption's details travel
/// separately, as `struct kvm_s390_pgm_info`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalIrq {
    /// Program interruption with this code (details in the pgm info).
    Program {
        /// Program-interruption code.
        code: u16,
    },
    /// SIGP SET PREFIX.
    SetPrefix {
        /// The new prefix.
        address: u32,
    },
    /// SIGP STOP.
    Stop {
        /// `KVM_S390_STOP_FLAG_*`.
        flags: u32,
    },
    /// Restart.
    Restart,
    /// Clock comparator.
    ClockComp,
    /// CPU timer.
    CpuTimer,
    /// External call from CPU `code`.
    ExternalCall {
        /// The sending CPU's address.
        code: u16,
    },
    /// Emergency signal from CPU `code`.
    Emergency {
        /// The sending CPU's address.
        code: u16,
    },
    /// Machine check.
    Mchk {
        /// CR14 subclass bits of the condition.
        cr14: u64,
        /// Machine-check interruption code.
        mcic: u64,
        /// Failing-storage address.
        fsa: u64,
        /// External-damage code.
        edc: u32,
    },
    /// pfault init: the guest's token for a fault the host resolves asynchronously.
    PfaultInit {
        /// External-interruption parameter (kept, not delivered, as mainline).
        params: u32,
        /// The token, delivered as the second external-interruption parameter.
        token: u64,
    },
}

/// Exigent machine-check conditions: system damage (MCIC bit 0) and instruction-processing
/// damage (bit 1).
pub const MCIC_EXIGENT: u64 = (1 << 63) | (1 << 62);
/// Repressible machine-check conditions: degradation (bit 5), warning (bit 8), external
/// damage (bit 7)... as mainline's `MCHK_REP_MASK` (bits 55, 56, 58 in its LSB numbering).
pub const MCIC_REPRESSIBLE: u64 = (1 << 56) | (1 << 58) | (1 << 55);

/// Which machine-check kind an MCIC makes pending, if any (mainline: exigent wins, a code
/// with neither class is accepted and ignored).
pub fn mchk_kind(mcic: u64) -> Option<Kind> {
    if mcic & MCIC_EXIGENT != 0 {
        Some(Kind::MchkExigent)
    } else if mcic & MCIC_REPRESSIBLE != 0 {
        Some(Kind::MchkRepressible)
    } else {
        None
    }
}

/// CR14 subclass mask of system-recovery conditions.
pub const CR14_RECOVERY_SUBMASK: u64 = 1 << (63 - 36);
/// CR14 subclass mask of degradation conditions.
pub const CR14_DEGRADATION_SUBMASK: u64 = 1 << (63 - 37);
/// CR14 subclass mask of warning conditions.
pub const CR14_WARNING_SUBMASK: u64 = 1 << (63 - 39);

/// The injection that hands the guest a machine check the host took while the guest
/// ran in SIE (the host's handler leaves its code, failing-storage address and external-
/// damage code in the SIE page; mainline's `kvm_s390_reinject_machine_check`): the
/// CR14 subclasses that may present it follow from its system-recovery (MCIC bit 2),
/// degradation (bit 7) and warning (bit 8) conditions.
pub fn reinjected_mchk(mcic: u64, fsa: u64, edc: u32) -> LocalIrq {
    let bit = |n: u32| mcic & (1u64 << (63 - n)) != 0;
    let mut cr14 = 0;
    if bit(2) {
        cr14 |= CR14_RECOVERY_SUBMASK;
    }
    if bit(7) {
        cr14 |= CR14_DEGRADATION_SUBMASK;
    }
    if bit(8) {
        cr14 |= CR14_WARNING_SUBMASK;
    }
    LocalIrq::Mchk {
        cr14,
        mcic,
        fsa,
        edc,
    }
}

/// A floating (VM-wide) injection request from `KVM_S390_INTERRUPT` on the VM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatIrq {
    /// Service signal.
    Service {
        /// SCCB address and event bits.
        parm: u32,
    },
    /// Virtio notification.
    Virtio {
        /// Parameter word.
        parm: u32,
        /// Parameter doubleword.
        parm64: u64,
    },
    /// Floating machine check (channel report pending).
    Mchk {
        /// CR14 subclass bits.
        cr14: u64,
        /// Machine-check interruption code.
        mcic: u64,
    },
    /// I/O interruption.
    Io(IoInfo),
    /// pfault done: the fault reported with this token is resolved.
    PfaultDone {
        /// The token, delivered as the second external-interruption parameter.
        token: u64,
    },
}

/// The I/O interruption identification.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IoInfo {
    /// Subchannel id halfword.
    pub subchannel_id: u16,
    /// Subchannel number.
    pub subchannel_nr: u16,
    /// I/O-interruption parameter.
    pub io_int_parm: u32,
    /// I/O-interruption word (its bits 2-4 hold the subclass).
    pub io_int_word: u32,
}

impl IoInfo {
    /// The I/O-interruption code as the lowcore holds it from [`lc::SUBCHANNEL_ID`]
    /// on, and as TEST PENDING INTERRUPTION stores it (its first 8 bytes at an operand
    /// address): subchannel id, subchannel number, interruption parameter, interruption
    /// word, big-endian.
    pub fn code(&self) -> [u8; 12] {
        let mut b = [0u8; 12];
        b[0..2].copy_from_slice(&self.subchannel_id.to_be_bytes());
        b[2..4].copy_from_slice(&self.subchannel_nr.to_be_bytes());
        b[4..8].copy_from_slice(&self.io_int_parm.to_be_bytes());
        b[8..12].copy_from_slice(&self.io_int_word.to_be_bytes());
        b
    }
}

/// Decodes `struct kvm_s390_interrupt` for the VM ioctl (mainline's `kvm_s390_inject_vm`).
pub fn float_from_interrupt(type_: u32, parm: u32, parm64: u64) -> Result<FloatIrq, Invalid> {
    let t = u64::from(type_);
    Ok(match t {
        irq_type::VIRTIO => FloatIrq::Virtio { parm, parm64 },
        irq_type::SERVICE => FloatIrq::Service { parm },
        irq_type::PFAULT_DONE => FloatIrq::PfaultDone { token: parm64 },
        irq_type::MCHK => FloatIrq::Mchk {
            cr14: u64::from(parm),
            mcic: parm64,
        },
        0..=irq_type::IO_MAX => FloatIrq::Io(IoInfo {
            subchannel_id: (parm >> 16) as u16,
            subchannel_nr: parm as u16,
            io_int_parm: (parm64 >> 32) as u32,
            io_int_word: parm64 as u32,
        }),
        _ => return Err(Invalid),
    })
}

/// The CR14 bit of the channel-report-pending subclass (bit 35): the only subclass a
/// floating machine check keeps (mainline's `CR_PENDING_SUBCLASS`, 28 in LSB numbering).
pub const CR14_CHANNEL_REPORT_SUBMASK: u64 = 1 << 28;
