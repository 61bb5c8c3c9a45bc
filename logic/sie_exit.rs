// SPDX-License-Identifier: GPL-2.0

//! Why SIE returned: the classification of an exit from the guest, before any handling.
//!
//! SIE ends in one of three ways (mainline: `vcpu_post_run` in `arch/s390/kvm/s390/s390.c`):
//! an interception, described by the SIE block's `icptcode` (SIE description, "Interception
//! codes"); a host program interruption while SIE translated a guest address through our DAT
//! tables, which the host's program-check handler records in `current->thread.gmap_int_code`
//! and `gmap_teid` (`arch/s390/kernel/traps.c`); or nothing at all, when a host interruption
//! (I/O, external, machine check) or a kick made the CPU leave SIE. This file turns those raw
//! values into an [`Exit`]; the run loop (`run.rs`) has one `match` over it.

/// Program-interruption codes (Principles of Operation, "Program-Interruption
/// Conditions"): those of host DAT faults that the gmap resolves, and those the backend
/// presents to the guest.
pub mod pgm {
    /// Operation.
    pub const OPERATION: u16 = 0x01;
    /// Privileged operation.
    pub const PRIVILEGED_OP: u16 = 0x02;
    /// Execute.
    pub const EXECUTE: u16 = 0x03;
    /// Specification.
    pub const SPECIFICATION: u16 = 0x06;
    /// Data.
    pub const DATA: u16 = 0x07;
    /// Translation specification.
    pub const TRANSLATION_SPEC: u16 = 0x12;
    /// Special operation.
    pub const SPECIAL_OPERATION: u16 = 0x13;
    /// Protection.
    pub const PROTECTION: u16 = 0x04;
    /// Addressing.
    pub const ADDRESSING: u16 = 0x05;
    /// Segment translation.
    pub const SEGMENT_TRANSLATION: u16 = 0x10;
    /// Page translation.
    pub const PAGE_TRANSLATION: u16 = 0x11;
    /// ASCE type.
    pub const ASCE_TYPE: u16 = 0x38;
    /// Region-first translation.
    pub const REGION_FIRST_TRANSLATION: u16 = 0x39;
    /// Region-second translation.
    pub const REGION_SECOND_TRANSLATION: u16 = 0x3a;
    /// Region-third translation.
    pub const REGION_THIRD_TRANSLATION: u16 = 0x3b;
    /// ALET specification.
    pub const ALET_SPECIFICATION: u16 = 0x28;
    /// ALEN translation.
    pub const ALEN_TRANSLATION: u16 = 0x29;
    /// ALE sequence.
    pub const ALE_SEQUENCE: u16 = 0x2a;
    /// ASTE validity.
    pub const ASTE_VALIDITY: u16 = 0x2b;
    /// ASTE sequence.
    pub const ASTE_SEQUENCE: u16 = 0x2c;
    /// Extended authority.
    pub const EXTENDED_AUTHORITY: u16 = 0x2d;
    /// ASTE instance.
    pub const ASTE_INSTANCE: u16 = 0x2f;
    /// The interruption code without the PER and transaction bits.
    pub const CODE_MASK: u16 = 0x7f;

    /// Whether this is a DAT exception of an operand access (ASCE type, region, segment or
    /// page translation).
    pub const fn dat_exception(code: u16) -> bool {
        matches!(
            code & CODE_MASK,
            SEGMENT_TRANSLATION
                | PAGE_TRANSLATION
                | ASCE_TYPE
                | REGION_FIRST_TRANSLATION
                | REGION_SECOND_TRANSLATION
                | REGION_THIRD_TRANSLATION
        )
    }

    /// Whether this is an access-register-translation exception that stores the exception
    /// access identification (ALET specification does not, as in mainline's
    /// `__deliver_prog`).
    pub const fn art_exception(code: u16) -> bool {
        matches!(
            code & CODE_MASK,
            ALEN_TRANSLATION
                | ALE_SEQUENCE
                | ASTE_VALIDITY
                | ASTE_SEQUENCE
                | ASTE_INSTANCE
                | EXTENDED_AUTHORITY
        )
    }

    /// Whether an exception of this code nullifies the instruction (the old PSW points at
    /// it) rather than suppressing or completing it (the old PSW points past it): the DAT
    /// and access-register-translation exceptions of an operand access. Mainline:
    /// `__deliver_prog`.
    pub const fn nullifies(code: u16) -> bool {
        dat_exception(code) || art_exception(code)
    }

    /// Whether an exception of this code stores a translation-exception identification
    /// (and the access identifications) in the prefix area: the DAT exceptions and
    /// protection.
    pub const fn stores_teid(code: u16) -> bool {
        dat_exception(code) || code & CODE_MASK == PROTECTION
    }

    /// Whether an exception of this code stores the exception access identification (the
    /// access register of the operand): those that store a TEID and the
    /// access-register-translation exceptions.
    pub const fn stores_exc_access_id(code: u16) -> bool {
        stores_teid(code) || art_exception(code)
    }
}

/// Interception codes (`icptcode`) the backend distinguishes.
pub mod icpt {
    /// Instruction interception.
    pub const INSTRUCTION: u8 = 0x04;
    /// Program interruption interception.
    pub const PROGRAM: u8 = 0x08;
    /// Instruction and program interruption interception.
    pub const INSTRUCTION_PROGRAM: u8 = 0x0c;
    /// External interruption request (an interruption became deliverable).
    pub const EXTERNAL_REQUEST: u8 = 0x10;
    /// External interruption: SIE met one it did not present to the guest.
    pub const EXTERNAL_INTERRUPT: u8 = 0x14;
    /// I/O interruption request.
    pub const IO_REQUEST: u8 = 0x18;
    /// The guest loaded a wait PSW.
    pub const WAIT: u8 = 0x1c;
    /// Validity: the SIE block or the guest state is unusable.
    pub const VALIDITY: u8 = 0x20;
    /// Stop request (`CPUSTAT_STOP_INT`): used to kick the vCPU out of SIE.
    pub const STOP: u8 = 0x28;
    /// Operation exception.
    pub const OPERATION_EXCEPTION: u8 = 0x2c;
    /// Partial execution.
    pub const PARTIAL_EXECUTION: u8 = 0x38;
    /// I/O instruction (SIE with I/O assists).
    pub const IO_INSTRUCTION: u8 = 0x40;
    /// Machine-check request: PSW bit 13 or CR14 changed with a machine check pending.
    pub const MCHK_REQUEST: u8 = 0x60;
    /// Interruption enablement: the PSW masks or CR0/CR6/CR14 changed with an
    /// interruption pending.
    pub const INT_ENABLE: u8 = 0x64;
}

/// Validity-intercept reason (`ipb` bits 0-15) for guest prefix pages that are not mapped.
pub const VIR_PREFIX_NOT_MAPPED: u16 = 0x0037;

/// The validity-intercept reason a validity intercept stores in `ipb` bits 0-15.
pub const fn validity_reason(ipb: u32) -> u16 {
    (ipb >> 16) as u16
}

/// What the run loop must do after SIE returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Nothing to handle: a host interruption or a kick ended SIE; re-enter after checking
    /// for signals and requests.
    Interrupted,
    /// SIE intercepted with this `icptcode`.
    Intercept(u8),
    /// A host DAT fault on this guest absolute address: map it and re-enter. Whether the
    /// access was a fetch or a store is not classified: every fault is resolved as a write,
    /// because machines without ESOP (and emulated ones) do not indicate it, and a
    /// DAT-protection exception in our tables may not even reach the host.
    GmapFault {
        /// The guest absolute address of the page (4 KiB aligned).
        gaddr: u64,
    },
    /// A host program interruption the backend cannot resolve (a bug or a hardware
    /// problem): the run ends with an error.
    UnexpectedFault {
        /// The program-interruption code.
        code: u16,
        /// The translation-exception identification.
        teid: u64,
    },
}

/// TEID bits 62-63 (address-space identifier): 0 means primary space, i.e. our gmap.
const TEID_AS_MASK: u64 = 0x3;
/// TEID bits 0-51: the failing page.
const TEID_ADDR_MASK: u64 = !0xfff;

/// Classifies an exit from SIE.
///
/// `icptcode` comes from the SIE block, `int_code` and `teid` from the thread's gmap fault
/// record (cleared before every entry). An interception takes precedence: the host records
/// a fault only when it took the program interruption instead of SIE intercepting.
pub fn classify(icptcode: u8, int_code: u32, teid: u64) -> Exit {
    if icptcode != 0 {
        return Exit::Intercept(icptcode);
    }
    let code = (int_code as u16) & pgm::CODE_MASK;
    match code {
        0 => Exit::Interrupted,
        pgm::PROTECTION
        | pgm::SEGMENT_TRANSLATION
        | pgm::PAGE_TRANSLATION
        | pgm::ASCE_TYPE
        | pgm::REGION_FIRST_TRANSLATION
        | pgm::REGION_SECOND_TRANSLATION
        | pgm::REGION_THIRD_TRANSLATION
            if teid & TEID_AS_MASK == 0 =>
        {
            Exit::GmapFault {
                gaddr: teid & TEID_ADDR_MASK,
            }
        }
        _ => Exit::UnexpectedFault { code, teid },
    }
}

/// Length in bytes of the instruction whose first byte is `opcode` (Principles of
/// Operation, "Instruction Formats": bits 0-1 of the operation code).
pub fn instruction_length(opcode: u8) -> u8 {
    match opcode >> 6 {
        0 => 2,
        1 | 2 => 4,
        _ => 6,
    }
}

/// Length of the instruction an interception reported, for the ILC of a program
/// interruption the backend presents for it (mainline: `kvm_s390_get_ilen`). SIE stores the
/// instruction (`ipa`) only for instruction-type interceptions, with the length of an
/// EXECUTE in `icptstatus` when the intercepted instruction was its target; a program
/// interception stores the ILC in `pgmilc`. Any other exit has no instruction: 0.
pub fn intercepted_ilen(icptcode: u8, ipa: u16, icptstatus: u8, pgmilc: u16) -> u8 {
    match icptcode {
        icpt::INSTRUCTION
        | icpt::INSTRUCTION_PROGRAM
        | icpt::OPERATION_EXCEPTION
        | icpt::PARTIAL_EXECUTION
        | icpt::IO_INSTRUCTION => {
            if icptstatus & 1 != 0 {
                match (icptstatus >> 4) & 0x6 {
                    0 => 4,
                    len => len,
                }
            } else {
                instruction_length((ipa >> 8) as u8)
            }
        }
        icpt::PROGRAM => (pgmilc & 0x6) as u8,
        _ => 0,
    }
}
