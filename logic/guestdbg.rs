// SPDX-License-Identifier: GPL-2.0

//! Guest debugging (`KVM_SET_GUEST_DEBUG`): the pure decisions.
//!
//! The debugger's events are program-event-recording (PER) events: while debugging is on,
//! the guest runs with the debugger's PER controls in control registers 9-11 (and PER
//! enforced by the state description, `CPUSTAT_P`, which needs the guest-PER enhancement
//! facility, GPERE), and every PER event ends up as a program interception or in the
//! `icptstatus` of an instruction interception. Which of those events are the debugger's,
//! which stay the guest's, the control-register values for single-step and for a set of
//! breakpoints and watchpoints, and the checks of the breakpoint array are decided here.
//!
//! Facts: Principles of Operation, "Program-Event Recording" (chapter 4: CR9 event and
//! control bits, the PER code in the lowcore, the address-range rule with wrap-around);
//! mainline's `arch/s390/kvm/s390/guestdbg.c` and `intercept.c` (`should_handle_per_event`,
//! `should_handle_per_ifetch`); `Documentation/virt/kvm/api.rst` (`KVM_SET_GUEST_DEBUG`,
//! `KVM_EXIT_DEBUG`).

/// `KVM_GUESTDBG_ENABLE`: debugging is on.
pub const GUESTDBG_ENABLE: u32 = 0x0000_0001;
/// `KVM_GUESTDBG_SINGLESTEP`: exit after every instruction and every interruption.
pub const GUESTDBG_SINGLESTEP: u32 = 0x0000_0002;
/// `KVM_GUESTDBG_USE_HW_BP` (s390): hardware breakpoints and watchpoints from `arch.hw_bp`.
pub const GUESTDBG_USE_HW_BP: u32 = 0x0001_0000;
/// `KVM_GUESTDBG_EXIT_PENDING` (s390, kernel-internal): a debug exit is due before the
/// guest runs again.
pub const GUESTDBG_EXIT_PENDING: u32 = 0x1000_0000;

/// The `control` flags this backend accepts.
pub const SUPPORTED_CONTROL: u32 = GUESTDBG_ENABLE | GUESTDBG_SINGLESTEP | GUESTDBG_USE_HW_BP;

/// The flags mainline accepts (`VALID_GUESTDBG_FLAGS`); anything else is EINVAL there too.
pub const KNOWN_CONTROL: u32 = GUESTDBG_ENABLE | GUESTDBG_SINGLESTEP | GUESTDBG_USE_HW_BP;

/// `kvm_debug_exit_arch.type` of a single-step exit (`KVM_SINGLESTEP`).
pub const EXIT_TYPE_SINGLESTEP: u8 = 4;

/// Why `KVM_SET_GUEST_DEBUG` refuses a `control` value (all EINVAL for user space).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// A flag outside [`KNOWN_CONTROL`].
    UnknownFlag,
    /// The host lacks the guest-PER enhancement (mainline: `!sclp.has_gpere`).
    NoGuestPer,
}

/// Checks a `KVM_SET_GUEST_DEBUG` control word in mainline's order: unknown flags first,
/// then the facility. Switching debugging off with `USE_HW_BP` still set is accepted, as
/// mainline only looks at the breakpoints when `ENABLE` is set.
pub fn check_control(control: u32, guest_per: bool) -> Result<(), Refused> {
    if control & !KNOWN_CONTROL != 0 {
        return Err(Refused::UnknownFlag);
    }
    if !guest_per {
        return Err(Refused::NoGuestPer);
    }
    Ok(())
}

/// `kvm_debug_exit_arch.type` of a hardware-breakpoint exit (`KVM_HW_BP`).
pub const EXIT_TYPE_HW_BP: u8 = 1;
/// `kvm_debug_exit_arch.type` of a write-watchpoint exit (`KVM_HW_WP_WRITE`).
pub const EXIT_TYPE_HW_WP_WRITE: u8 = 2;

/// At most this many entries in `arch.hw_bp` (mainline's `MAX_BP_COUNT`); more is EINVAL.
pub const MAX_HW_BP: u32 = 50;
/// A watchpoint covers at most this many bytes (mainline's `MAX_WP_SIZE`).
pub const MAX_WP_LEN: usize = 100;
/// The longest instruction: a breakpoint's range starts this much earlier, so that the
/// instruction before it reports an event too (mainline's `MAX_INST_SIZE`).
const MAX_INST_LEN: u64 = 6;

/// How many `struct kvm_hw_breakpoint` to read from `arch.hw_bp`: none when the count or
/// the pointer is 0 (breakpoints off, not an error), EINVAL above [`MAX_HW_BP`].
pub fn hw_bp_count(nr_hw_bp: u32, hw_bp: u64) -> Option<usize> {
    if nr_hw_bp == 0 || hw_bp == 0 {
        return Some(0);
    }
    if nr_hw_bp > MAX_HW_BP {
        return None;
    }
    Some(nr_hw_bp as usize)
}

/// The length of a watchpoint from the user's 64-bit `len`, which mainline keeps in an
/// `int`: the low 32 bits, signed, must be 0 to [`MAX_WP_LEN`]; otherwise EINVAL.
pub fn wp_len(len: u64) -> Option<usize> {
    let l = len as u32 as i32;
    if (0..=MAX_WP_LEN as i32).contains(&l) {
        Some(l as usize)
    } else {
        None
    }
}

/// A hardware breakpoint: an instruction address and a length (mainline keeps the length
/// in an `int`: the user's low 32 bits, signed; 0 or less is the address alone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HwBp {
    /// Guest logical address of the instruction.
    pub addr: u64,
    /// Length of the range from `addr`.
    pub len: i32,
}

/// Grows the PER range `start..=stop` (0..=0: not set yet) to include `len` bytes from
/// `estart`, keeping it as small as possible when it wraps (mainline's
/// `extend_address_range`). All arithmetic wraps, as addresses do.
pub fn extend_range(start: &mut u64, stop: &mut u64, estart: u64, len: i64) {
    let len = if len > 0 { len - 1 } else { 0 };
    let estop = estart.wrapping_add(len as u64);
    if *start == 0 && *stop == 0 {
        *start = estart;
        *stop = estop;
    } else if *start <= *stop {
        if estart < *start {
            *start = estart;
        }
        if estop > *stop {
            *stop = estop;
        }
    } else if estart <= *stop {
        if estop > *stop {
            *stop = estop;
        }
    } else if estop > *start {
        if estart < *start {
            *start = estart;
        }
    } else if estop.wrapping_sub(*stop) < (*start).wrapping_sub(estart) {
        *stop = estop;
    } else {
        *start = estart;
    }
}

/// Adds the breakpoints' instruction-fetching (and branching) events to `r`, CR10-CR11
/// covering each breakpoint and the instruction before it (mainline's `enable_all_hw_bp`).
/// Branching events are limited to the range unless the guest wants them everywhere.
pub fn patch_hw_bp(r: &mut PerRegs, bps: &[HwBp]) {
    if bps.is_empty() {
        return;
    }
    if r.cr9 & CR9_BRANCH == 0 {
        r.cr9 |= CR9_BRANCH_ADDRESS;
    }
    r.cr9 |= CR9_IFETCH | CR9_BRANCH;
    for bp in bps {
        let (start, len) = if bp.addr < MAX_INST_LEN {
            (0, i64::from(bp.len) + bp.addr as i64)
        } else {
            (
                bp.addr - MAX_INST_LEN,
                i64::from(bp.len) + MAX_INST_LEN as i64,
            )
        };
        extend_range(&mut r.cr10, &mut r.cr11, start, len);
    }
}

/// CR9 bit 42: storage-alteration space control.
pub const CR9_ALTERATION: u64 = 0x0020_0000;

/// Adds the watchpoints' storage-alteration events (`(addr, len)`) to `r` (mainline's
/// `enable_all_hw_wp`); if the guest itself watches alterations per address space, all
/// of storage is watched.
pub fn patch_hw_wp(r: &mut PerRegs, wps: impl Iterator<Item = (u64, usize)>) {
    let mut wps = wps.peekable();
    if wps.peek().is_none() {
        return;
    }
    if r.cr9 & CR9_STORE != 0 && r.cr9 & CR9_ALTERATION != 0 {
        r.cr9 &= !CR9_ALTERATION;
        r.cr10 = 0;
        r.cr11 = u64::MAX;
    } else {
        r.cr9 &= !CR9_ALTERATION;
        r.cr9 |= CR9_STORE;
        for (addr, len) in wps {
            extend_range(&mut r.cr10, &mut r.cr11, addr, len as i64);
        }
    }
}

/// The breakpoint `addr` hits: its start, or inside its range (mainline's `find_hw_bp`).
pub fn find_hw_bp(bps: &[HwBp], addr: u64) -> Option<HwBp> {
    bps.iter().copied().find(|bp| {
        addr == bp.addr
            || (bp.len > 0
                && in_addr_range(
                    addr,
                    bp.addr,
                    bp.addr.wrapping_add(bp.len as u64).wrapping_sub(1),
                ))
    })
}

/// PER code: storage alteration.
pub const PER_CODE_STORE: u8 = (CR9_STORE >> 24) as u8;
/// PER code: store using real address.
pub const PER_CODE_STORE_REAL: u8 = (CR9_STORE_REAL >> 24) as u8;

/// What a PER event means to the debugger with breakpoints (mainline's
/// `debug_exit_required`, breakpoint part): `(exit address, new last_bp)` of a breakpoint
/// exit, if any. `addr` is the PSW address after the event, `peraddr` the PER address.
/// An exit at `addr` is not repeated for the event of that same instruction (`addr ==
/// peraddr`); a breakpoint the PSW jumped over is reported at the PER address, once.
pub fn hw_bp_exit(
    bps: &[HwBp],
    perc: u8,
    addr: u64,
    peraddr: u64,
    last_bp: u64,
) -> Option<(u64, u64)> {
    if perc & (PER_CODE_IFETCH | PER_CODE_BRANCH) == 0 || bps.is_empty() {
        return None;
    }
    if find_hw_bp(bps, addr).is_some() && addr != peraddr {
        return Some((addr, addr));
    }
    if find_hw_bp(bps, peraddr).is_some() && last_bp != peraddr {
        return Some((peraddr, last_bp));
    }
    None
}

/// CR9 bit (bit 32 of the 64-bit register, PoP numbering): successful-branching event.
pub const CR9_BRANCH: u64 = 0x8000_0000;
/// CR9 bit 33: instruction-fetching event.
pub const CR9_IFETCH: u64 = 0x4000_0000;
/// CR9 bit 34: storage-alteration event.
pub const CR9_STORE: u64 = 0x2000_0000;
/// CR9 bit 36: store-using-real-address event.
pub const CR9_STORE_REAL: u64 = 0x0800_0000;
/// CR9 bit 39: instruction-fetching nullification.
pub const CR9_NULLIFICATION: u64 = 0x0100_0000;
/// CR9 bit 40: branch-address control (branch events only into the CR10-CR11 range).
pub const CR9_BRANCH_ADDRESS: u64 = 0x0080_0000;
/// The CR9 event bits that have a bit in the PER code (bits 32-39, as a mask).
pub const CR9_EVENT_MASK: u64 = 0xeb00_0000;

/// PER code (lowcore byte 0x96, the CR9 event bits shifted down by 24): branching.
pub const PER_CODE_BRANCH: u8 = (CR9_BRANCH >> 24) as u8;
/// PER code: instruction fetching.
pub const PER_CODE_IFETCH: u8 = (CR9_IFETCH >> 24) as u8;
/// PER code: all events.
pub const PER_CODE_MASK: u8 = (CR9_EVENT_MASK >> 24) as u8;

/// Program-interruption code bit 8 (value 0x80): a PER event is indicated.
pub const PGM_PER: u16 = 0x80;
/// Program-interruption code of a space-switch event.
pub const PGM_SPACE_SWITCH: u16 = 0x1c;

/// CR0 bit 52: clock-comparator subclass mask.
const CR0_CLOCK_COMPARATOR: u64 = 1 << (63 - 52);

/// PSW bit 1: PER mask.
pub const PSW_MASK_PER: u64 = 0x4000_0000_0000_0000;

/// `icptstatus` bit: the intercepted instruction caused an instruction-fetching PER event.
pub const ICPTSTATUS_PER_IFETCH: u8 = 0x02;

/// `lctl` bits while debugging: loads of CR0 and CR9-CR11 intercept, so that the guest's
/// own values land in the state description (between entries), not in the debugger's.
pub const DEBUG_LCTL: u16 = 0x8000 | 0x0040 | 0x0020 | 0x0010;
/// `ictl` bit: STORE CONTROL (STCTL, STCTG) intercepts, so the guest reads its own CR9-11.
pub const ICTL_STCTL: u32 = 0x0004_0000;
/// `ictl` bit: every program interruption intercepts, so PER events can be sorted.
pub const ICTL_PINT: u32 = 0x2000_0000;
/// The `ictl` bits set while debugging.
pub const DEBUG_ICTL: u32 = ICTL_STCTL | ICTL_PINT;

/// The control registers the debugger patches: CR0 (clock-comparator mask), CR9-CR11 (PER).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PerRegs {
    /// CR0.
    pub cr0: u64,
    /// CR9: PER event and control bits.
    pub cr9: u64,
    /// CR10: PER starting address.
    pub cr10: u64,
    /// CR11: PER ending address.
    pub cr11: u64,
}

/// The registers the guest runs with while debugging, from its own (`guest`): for
/// single-step, instruction-fetching events over all of storage and no clock-comparator
/// interruptions (a step would otherwise always land in the timer handler). Nullification
/// is never left on (mainline does not support it either: the debugger would see a
/// nullified instruction as stepped).
pub fn patched(guest: PerRegs, control: u32) -> PerRegs {
    let mut r = guest;
    if control & GUESTDBG_SINGLESTEP != 0 {
        r.cr0 &= !CR0_CLOCK_COMPARATOR;
        r.cr9 |= CR9_IFETCH;
        r.cr10 = 0;
        r.cr11 = u64::MAX;
    }
    r.cr9 &= !CR9_NULLIFICATION;
    r
}

/// Whether `addr` lies in the PER range `start..=end`, which wraps around when
/// `start > end` (PoP: "the range wraps around from the maximum address to zero").
pub fn in_addr_range(addr: u64, start: u64, end: u64) -> bool {
    if start <= end {
        addr >= start && addr <= end
    } else {
        addr >= start || addr <= end
    }
}

/// Whether a PER event with code `perc` is a single-step event for the debugger
/// (mainline's `debug_exit_required` without breakpoints): an instruction-fetching or
/// branching event while single-stepping.
pub fn singlestep_event(control: u32, perc: u8) -> bool {
    control & GUESTDBG_ENABLE != 0
        && control & GUESTDBG_SINGLESTEP != 0
        && perc & (PER_CODE_IFETCH | PER_CODE_BRANCH) != 0
}

/// Whether a program interception's PER indication goes to the debugger
/// (`should_handle_per_event`): while single-stepping, a PER event that comes with another
/// program condition is not an exit by itself, because delivering that interruption ends
/// the step anyway (after the delivery, at its new PSW).
pub fn per_event_is_debuggers(control: u32, iprcc: u16) -> bool {
    if control & GUESTDBG_ENABLE == 0 || iprcc & PGM_PER == 0 {
        return false;
    }
    !(control & GUESTDBG_SINGLESTEP != 0 && iprcc != PGM_PER)
}

/// The guest's own view of a PER event (mainline's `filter_guest_per_event`): the PER code
/// bits the guest asked for in its CR9 and enabled in its PSW, minus a branching event to
/// outside its range (with the branch-address control) and an instruction-fetching event
/// for an instruction outside its range (`fetched`: the address of the instruction, `None`
/// when it is not known, which drops the event, as mainline does on an access exception).
/// `psw_addr` is the PSW address after the event (the branch target).
pub fn guest_per_code(
    perc: u8,
    psw_mask: u64,
    psw_addr: u64,
    guest: PerRegs,
    fetched: Option<u64>,
) -> u8 {
    if psw_mask & PSW_MASK_PER == 0 {
        return 0;
    }
    let mut code = perc & ((guest.cr9 >> 24) as u8) & PER_CODE_MASK;
    if code & PER_CODE_BRANCH != 0
        && guest.cr9 & CR9_BRANCH_ADDRESS != 0
        && !in_addr_range(psw_addr, guest.cr10, guest.cr11)
    {
        code &= !PER_CODE_BRANCH;
    }
    if code & PER_CODE_IFETCH != 0 {
        match fetched {
            Some(a) if in_addr_range(a, guest.cr10, guest.cr11) => {}
            _ => code &= !PER_CODE_IFETCH,
        }
    }
    code
}

/// The program-interruption code left for the guest after the PER part was filtered to
/// `guest_perc`. A lone space-switch event was forced by PER on RP, SAC, SACF, PT, PTI, PR
/// and PC; it stays only where the guest's own space-switch controls ask for it (mainline's
/// rules in `kvm_s390_handle_per_event`): a change from or to the home space with the
/// primary (CR1 bit 57) or home (CR13 bit 57) space-switch-event control, or a change to
/// the primary space from a non-home one with the primary control now or before (`tecmc`
/// bit 32 is the old control, its low halfword the old address-space number: 0 for home).
pub fn guest_iprcc(
    iprcc: u16,
    guest_perc: u8,
    psw_mask: u64,
    cr1: u64,
    cr13: u64,
    tecmc: u64,
) -> u16 {
    let mut code = if guest_perc == 0 {
        iprcc & !PGM_PER
    } else {
        iprcc
    };
    if code == PGM_SPACE_SWITCH {
        const SPACE_SWITCH: u64 = 0x40;
        let new_as = (psw_mask >> (63 - 17)) & 3;
        let (primary, home) = (0, 3);
        let old_is_home = tecmc & 0xffff == 0;
        let old_ssec = (tecmc >> 31) & 1 != 0;
        let pssec = cr1 & SPACE_SWITCH != 0;
        let hssec = cr13 & SPACE_SWITCH != 0;
        let keep = (((new_as == home) != old_is_home) && (pssec || hssec))
            || (new_as == primary && !old_is_home && (pssec || old_ssec));
        if !keep {
            code = 0;
        }
    }
    code
}
