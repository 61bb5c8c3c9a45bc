// SPDX-License-Identifier: GPL-2.0

//! The CPU features and instruction subfunctions of the CPU model
//! (`KVM_S390_VM_CPU_{MACHINE,PROCESSOR}_{FEAT,SUBFUNC}`, `devices/vm.rst` section 2; the
//! layouts are `struct kvm_s390_vm_cpu_feat` and `struct kvm_s390_vm_cpu_subfunc` of
//! `arch/s390/include/uapi/asm/kvm.h`; mainline: `kvm_s390_cpu_feat_init` in `s390.c`).
//!
//! CPU features are things the hypervisor, not STFLE, tells about: a bitmap of 1024 bits
//! numbered from the most significant bit of the first doubleword, like facilities. The
//! machine's set is what this backend really provides; user space may give a VM any subset
//! of it. Subfunctions are the raw answers of the query forms of PLO, PTFF, the CPACF
//! instructions, SORTL, DFLTCC and PFCR on the host, each asked only when the host has the
//! facility that installs the instruction (a query of an absent instruction is an
//! operation exception in the host).

/// Doublewords of a CPU-feature bitmap (`KVM_S390_VM_CPU_FEAT_NR_BITS` / 64).
pub const FEAT_DWORDS: usize = 16;

/// Feature 0: enhanced-suppression-on-protection (the TEID of a protection exception tells
/// what was protected).
pub const FEAT_ESOP: usize = 0;
/// Feature 1: the SIE interpretation facility for the guest (vSIE).
pub const FEAT_SIEF2: usize = 1;
/// Feature 2: 64-bit SCA origin for the guest's SIE.
pub const FEAT_64BSCAO: usize = 2;
/// Feature 3: SIE intercept-suppression facility for the guest's SIE.
pub const FEAT_SIIF: usize = 3;
/// Feature 4: guest-PER enhancement for the guest's SIE.
pub const FEAT_GPERE: usize = 4;
/// Feature 5: guest-storage-limit suppression for the guest's SIE.
pub const FEAT_GSLS: usize = 5;
/// Feature 6: intervention bypass for the guest's SIE.
pub const FEAT_IB: usize = 6;
/// Feature 7: conditional-external-interception for the guest's SIE.
pub const FEAT_CEI: usize = 7;
/// Feature 8: interlock-and-broadcast suppression for the guest's SIE.
pub const FEAT_IBS: usize = 8;
/// Feature 9: storage-key interpretation for the guest's SIE.
pub const FEAT_SKEY: usize = 9;
/// Feature 10: CMMA interpretation for the guest's SIE.
pub const FEAT_CMMA: usize = 10;
/// Feature 11: PFMF interpretation for the guest's SIE.
pub const FEAT_PFMFI: usize = 11;
/// Feature 12: SIGP interpretation for the guest's SIE.
pub const FEAT_SIGPIF: usize = 12;
/// Feature 13: keyless-subset for the guest's SIE.
pub const FEAT_KSS: usize = 13;
/// Feature 14: alternate STFLE interpretive-execution format 2 for the guest's SIE.
pub const FEAT_ASTFLEIE2: usize = 14;

/// What the host offers that the CPU features depend on.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostFeatures {
    /// The machine has ESOP (SCLP).
    pub esop: bool,
}

/// The CPU features this backend offers a VM (`KVM_S390_VM_CPU_MACHINE_FEAT`).
///
/// Feature by feature:
/// - ESOP: offered when the machine has it, as mainline. SIE itself presents the guest's
///   DAT-protection exceptions with the machine's ESOP information, and the accesses the
///   backend performs for the guest (`access.rs`) store the TEID in the ESOP form, so the
///   guest's view is consistent. No SIE-block bit depends on it outside vSIE.
/// - SIEF2, 64BSCAO, SIIF, GPERE, GSLS, IB, CEI, IBS, KSS, ASTFLEIE2: these describe the
///   SIE a guest hypervisor would see. The backend has no vSIE (the guest's SIE
///   instruction is not interpreted), so none is offered. Mainline offers them only with
///   its `nested` module parameter, which is off by default: on a default mainline the
///   set is the same.
/// - SKEY, CMMA, PFMFI, SIGPIF: mainline never offers them (they cannot be shadowed for a
///   nested guest); neither do we.
pub fn machine_features(host: HostFeatures) -> [u64; FEAT_DWORDS] {
    let mut feat = [0u64; FEAT_DWORDS];
    if host.esop {
        super::facilities::set(&mut feat, FEAT_ESOP);
    }
    feat
}

/// Whether every feature of `requested` is in `available` (a VM may get only those).
pub fn is_subset(requested: &[u64], available: &[u64]) -> bool {
    requested
        .iter()
        .enumerate()
        .all(|(i, r)| r & !available.get(i).copied().unwrap_or(0) == 0)
}

/// The ultravisor features a protected guest may be given
/// (`KVM_S390_VM_CPU_MACHINE_UV_FEAT_GUEST`, `struct kvm_s390_vm_cpu_uv_feat`): none, because
/// the backend has no protected virtualization (`KVM_S390_PV_COMMAND` is not implemented),
/// and the features (AP and AP interruptions in a secure guest) mean nothing without it.
/// Mainline reports the ultravisor's, which a machine without one (Hercules) has none of.
pub const MACHINE_UV_FEAT_GUEST: u64 = 0;

/// Size of `struct kvm_s390_vm_cpu_subfunc` in bytes (the 1712 reserved bytes included).
pub const SUBFUNC_SIZE: usize = 2048;

/// How the host is asked for one block of subfunctions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Query {
    /// PERFORM LOCKED OPERATION, "test bit" form: one bit per function code 0-255.
    PloTestBits,
    /// PERFORM TIMING FACILITY FUNCTION, query available functions.
    Ptff,
    /// A CPACF instruction's query function; the value is the opcode (`CPACF_KM`...).
    Cpacf(u32),
    /// SORT LISTS, query.
    Sortl,
    /// DEFLATE CONVERSION CALL, query.
    Dfltcc,
    /// PERFORM FUNCTION WITH CONCURRENT RESULTS, query.
    Pfcr,
}

/// One block of `struct kvm_s390_vm_cpu_subfunc`.
#[derive(Clone, Copy, Debug)]
pub struct SubfuncBlock {
    /// How the host is asked.
    pub query: Query,
    /// The facility that installs the instruction (`None`: always installed).
    pub facility: Option<usize>,
    /// Offset of the block in the structure.
    pub offset: usize,
    /// Length of the block in bytes.
    pub len: usize,
}

const fn block(query: Query, facility: Option<usize>, offset: usize, len: usize) -> SubfuncBlock {
    SubfuncBlock {
        query,
        facility,
        offset,
        len,
    }
}

/// The blocks in the order of the structure, with the facility that guards each query:
/// 28 TOD-clock steering, 17 MSA, 76 MSA3, 77 MSA4, 57 MSA5, 146 MSA8, 155 MSA9,
/// 150 SORTL, 151 DFLTCC, 201 PFCR.
pub const SUBFUNC_BLOCKS: [SubfuncBlock; 18] = [
    block(Query::PloTestBits, None, 0, 32),
    block(Query::Ptff, Some(28), 32, 16),
    block(Query::Cpacf(0xb91e), Some(17), 48, 16), // KMAC
    block(Query::Cpacf(0xb92f), Some(17), 64, 16), // KMC
    block(Query::Cpacf(0xb92e), Some(17), 80, 16), // KM
    block(Query::Cpacf(0xb93e), Some(17), 96, 16), // KIMD
    block(Query::Cpacf(0xb93f), Some(17), 112, 16), // KLMD
    block(Query::Cpacf(0xb928), Some(76), 128, 16), // PCKMO
    block(Query::Cpacf(0xb92d), Some(77), 144, 16), // KMCTR
    block(Query::Cpacf(0xb92a), Some(77), 160, 16), // KMF
    block(Query::Cpacf(0xb92b), Some(77), 176, 16), // KMO
    block(Query::Cpacf(0xb92c), Some(77), 192, 16), // PCC
    block(Query::Cpacf(0xb93c), Some(57), 208, 16), // PPNO (PRNO)
    block(Query::Cpacf(0xb929), Some(146), 224, 16), // KMA
    block(Query::Cpacf(0xb93a), Some(155), 240, 16), // KDSA
    block(Query::Sortl, Some(150), 256, 32),
    block(Query::Dfltcc, Some(151), 288, 32),
    block(Query::Pfcr, Some(201), 320, 16),
];

/// Records that PLO function code `nr` is installed (bit `nr` from the most significant bit
/// of the first byte of `plo`).
pub fn set_plo_bit(plo: &mut [u8], nr: u8) {
    if let Some(byte) = plo.get_mut(usize::from(nr) / 8) {
        *byte |= 0x80 >> (nr % 8);
    }
}
