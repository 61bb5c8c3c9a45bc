// SPDX-License-Identifier: GPL-2.0

//! DIAGNOSE decoding and decisions (logic/diag.rs), the operation-exception intercept
//! (logic/operexc.rs), KVM_ENABLE_CAP (logic/enable_cap.rs) and ONE_REG ids
//! (logic/one_reg.rs).

use kvm_s390_host_tests::kvm_host::Psw;
use kvm_s390_host_tests::logic::capabilities::{self, Host};
use kvm_s390_host_tests::logic::diag::{self, reset, Function};
use kvm_s390_host_tests::logic::enable_cap::{self, Refusal, VcpuCap, VmCap};
use kvm_s390_host_tests::logic::one_reg::Reg;
use kvm_s390_host_tests::logic::operexc::{self, Action, Switches};
use kvm_s390_host_tests::logic::vcpu_limits::ScaKind;
use kvm_s390_host_tests::uapi_kvm::cap;

// ---------------------------------------------------------------------------------------
// DIAGNOSE

#[test]
fn diag_operands_come_from_ipa_and_ipb() {
    // diag %r2,%r5,0x308(%r7): 83 25 73 08
    let ops = diag::decode(0x8325, 0x7308_0000);
    assert_eq!(ops.rx, 2);
    assert_eq!(ops.ry, 5);
    assert_eq!(ops.base, 7);
    assert_eq!(ops.disp, 0x308);
    assert!(diag::is_diagnose(0x8325));
    assert!(!diag::is_diagnose(0xb220));
}

#[test]
fn diag_function_code_is_the_low_halfword_of_base_plus_displacement() {
    assert_eq!(diag::function_code(0, 0x44), 0x44);
    assert_eq!(diag::function_code(0x500, 0), 0x500);
    assert_eq!(diag::function_code(0xffff_ffff_0001_0300, 0x8), 0x308);
    // Wraps like an address computation, without panicking.
    assert_eq!(diag::function_code(u64::MAX, 0x45), 0x44);
}

#[test]
fn diag_functions() {
    assert_eq!(diag::function(0x10), Function::ReleasePages);
    assert_eq!(diag::function(0x44), Function::TimeSliceEnd);
    assert_eq!(diag::function(0x9c), Function::DirectedYield);
    assert_eq!(diag::function(0x258), Function::PageReference);
    assert_eq!(diag::function(0x308), Function::Ipl);
    assert_eq!(diag::function(0x500), Function::Virtio);
    assert_eq!(diag::function(0x501), Function::Other(0x501));
    assert_eq!(diag::function(0x318), Function::Other(0x318));
}

#[test]
fn diag_10_checks_the_range_like_mainline() {
    assert_eq!(
        diag::release_pages_range(0x2000, 0x2000),
        Some((0x2000, 0x3000))
    );
    assert_eq!(
        diag::release_pages_range(0x4000, 0x9000),
        Some((0x4000, 0xa000))
    );
    // Not page aligned.
    assert_eq!(diag::release_pages_range(0x2001, 0x3000), None);
    assert_eq!(diag::release_pages_range(0x2000, 0x3001), None);
    // Reversed.
    assert_eq!(diag::release_pages_range(0x5000, 0x3000), None);
    // The lowcore pages.
    assert_eq!(diag::release_pages_range(0x1000, 0x3000), None);
    assert_eq!(diag::release_pages_range(0, 0x3000), None);
    // The end wraps to 0: empty.
    assert_eq!(diag::release_pages_range(0x2000, u64::MAX - 0xfff), None);
}

#[test]
fn diag_308_re_ipl_subcodes_ask_for_resets() {
    let base = reset::SUBSYSTEM | reset::IPL | reset::CPU_INIT;
    assert_eq!(diag::ipl_reset_flags(3), Some(base | reset::CLEAR));
    assert_eq!(diag::ipl_reset_flags(4), Some(base));
    // Only bits 48-63 are the subcode.
    assert_eq!(diag::ipl_reset_flags(0xffff_0000_0000_0004), Some(base));
    for other in [0, 1, 2, 5, 6, 0x10, 0x3_0000] {
        assert_eq!(diag::ipl_reset_flags(other), None, "subcode {other:#x}");
    }
}

#[test]
fn diag_500_notifies_only_with_css_support() {
    assert!(diag::is_virtio_notification(true, 3));
    assert!(!diag::is_virtio_notification(false, 3));
    assert!(!diag::is_virtio_notification(true, 2));
    assert_eq!(diag::virtio_subchannel(0xdead_beef_0001_0002), 0x0001_0002);
}

// ---------------------------------------------------------------------------------------
// Operation exceptions

const SUPERVISOR_64: u64 = 0x0000_0001_8000_0000;
const PSTATE: u64 = 0x0001_0000_0000_0000;
const WAIT: u64 = 0x0002_0000_0000_0000;
const DAT: u64 = 0x0400_0000_0000_0000;

fn psw(mask: u64, addr: u64) -> Psw {
    Psw { mask, addr }
}

const NONE: Switches = Switches {
    user_operexec: false,
    user_instr0: false,
    sthyi: false,
};

#[test]
fn operexc_goes_to_the_guest_by_default() {
    let old = psw(SUPERVISOR_64, 0x10002);
    let new = psw(SUPERVISOR_64, 0x20000);
    assert_eq!(
        operexc::decide(0, NONE, old, new),
        Action::OperationException
    );
    assert_eq!(
        operexc::decide(0x0807, NONE, old, new),
        Action::OperationException
    );
}

#[test]
fn user_instr0_forwards_only_the_zero_instruction() {
    let sw = Switches {
        user_instr0: true,
        ..NONE
    };
    let old = psw(SUPERVISOR_64, 0x10002);
    let new = psw(SUPERVISOR_64, 0x20000);
    assert_eq!(operexc::decide(0, sw, old, new), Action::Forward);
    assert_eq!(
        operexc::decide(0x0807, sw, old, new),
        Action::OperationException
    );
}

#[test]
fn user_operexec_forwards_everything_but_sthyi() {
    let sw = Switches {
        user_operexec: true,
        ..NONE
    };
    let old = psw(SUPERVISOR_64, 0x10002);
    let new = psw(SUPERVISOR_64, 0x20000);
    assert_eq!(operexc::decide(0, sw, old, new), Action::Forward);
    assert_eq!(operexc::decide(0x0807, sw, old, new), Action::Forward);
    // STHYI without facility 74 is an operation exception whatever user space asked.
    assert_eq!(
        operexc::decide(operexc::IPA_STHYI, sw, old, new),
        Action::OperationException
    );
    let with_sthyi = Switches { sthyi: true, ..sw };
    assert_eq!(
        operexc::decide(operexc::IPA_STHYI, with_sthyi, old, new),
        Action::Forward
    );
}

#[test]
fn an_operexc_loop_goes_to_user_space() {
    // The new PSW points at the failing instruction (old PSW is past it).
    let old = psw(SUPERVISOR_64, 0x10002);
    assert!(operexc::would_loop(old, psw(SUPERVISOR_64, 0x10000)));
    assert_eq!(
        operexc::decide(0x0807, NONE, old, psw(SUPERVISOR_64, 0x10000)),
        Action::Forward
    );
    // 6 bytes before is still a loop, 7 is not; after the old PSW is not (no wrap).
    assert!(operexc::would_loop(old, psw(SUPERVISOR_64, 0x0fffc)));
    assert!(!operexc::would_loop(old, psw(SUPERVISOR_64, 0x0fffb)));
    assert!(!operexc::would_loop(old, psw(SUPERVISOR_64, 0x10004)));
    // A wait PSW, problem state, another DAT mode: no loop.
    assert!(!operexc::would_loop(
        old,
        psw(SUPERVISOR_64 | WAIT, 0x10000)
    ));
    assert!(!operexc::would_loop(
        psw(SUPERVISOR_64 | PSTATE, 0x10002),
        psw(SUPERVISOR_64, 0x10000)
    ));
    assert!(!operexc::would_loop(old, psw(SUPERVISOR_64 | DAT, 0x10000)));
}

// ---------------------------------------------------------------------------------------
// KVM_ENABLE_CAP

#[test]
fn enable_cap_vm_switches() {
    assert_eq!(
        enable_cap::vm(cap::S390_USER_SIGP, 0, false, false),
        Ok(VmCap::UserSigp)
    );
    assert_eq!(
        enable_cap::vm(cap::S390_USER_STSI, 0, true, false),
        Ok(VmCap::UserStsi)
    );
    assert_eq!(
        enable_cap::vm(cap::S390_USER_INSTR0, 0, true, false),
        Ok(VmCap::UserInstr0)
    );
    assert_eq!(
        enable_cap::vm(cap::S390_USER_OPEREXEC, 0, false, false),
        Ok(VmCap::UserOperexec)
    );
}

#[test]
fn enable_cap_vm_refusals() {
    // Flags are EINVAL before anything else.
    assert_eq!(
        enable_cap::vm(cap::S390_USER_SIGP, 1, false, false),
        Err(Refusal::Invalid)
    );
    assert_eq!(
        enable_cap::vm(cap::S390_RI, 1, true, false),
        Err(Refusal::Invalid)
    );
    // Unknown capabilities.
    assert_eq!(
        enable_cap::vm(0x7fff_ffff, 0, false, false),
        Err(Refusal::Invalid)
    );
    assert_eq!(
        enable_cap::vm(cap::ONE_REG, 0, false, false),
        Err(Refusal::Invalid)
    );
    assert_eq!(
        enable_cap::vm(cap::S390_IRQCHIP, 0, true, false),
        Ok(VmCap::Irqchip)
    );
    assert_eq!(
        enable_cap::vm(cap::S390_IRQCHIP, 1, false, false),
        Err(Refusal::Invalid)
    );
    // Model-changing capabilities: EBUSY once vCPUs exist, else not offered.
    for c in [
        cap::S390_VECTOR_REGISTERS,
        cap::S390_RI,
        cap::S390_GS,
        cap::S390_AIS,
        cap::S390_HPAGE_1M,
        cap::S390_HPAGE_2G,
        cap::S390_CPU_TOPOLOGY,
    ] {
        assert_eq!(
            enable_cap::vm(c, 0, true, false),
            Err(Refusal::Busy),
            "cap {c}"
        );
        assert_eq!(
            enable_cap::vm(c, 0, false, false),
            Err(Refusal::Invalid),
            "cap {c}"
        );
    }
}

#[test]
fn enable_cap_vector_registers_needs_the_host_facility_and_no_vcpu() {
    let v = cap::S390_VECTOR_REGISTERS;
    assert_eq!(
        enable_cap::vm(v, 0, false, true),
        Ok(VmCap::VectorRegisters)
    );
    // Mainline's order: EBUSY once a vCPU exists, before it looks at the machine.
    assert_eq!(enable_cap::vm(v, 0, true, true), Err(Refusal::Busy));
    assert_eq!(enable_cap::vm(v, 0, true, false), Err(Refusal::Busy));
    assert_eq!(enable_cap::vm(v, 0, false, false), Err(Refusal::Invalid));
    assert_eq!(enable_cap::vm(v, 1, false, true), Err(Refusal::Invalid));
    // The host's vector facility enables nothing else.
    assert_eq!(
        enable_cap::vm(cap::S390_RI, 0, false, true),
        Err(Refusal::Invalid)
    );
}

#[test]
fn enable_cap_vcpu() {
    assert_eq!(
        enable_cap::vcpu(cap::S390_CSS_SUPPORT, 0),
        Ok(VcpuCap::CssSupport)
    );
    assert_eq!(
        enable_cap::vcpu(cap::S390_CSS_SUPPORT, 1),
        Err(Refusal::Invalid)
    );
    assert_eq!(
        enable_cap::vcpu(cap::S390_USER_SIGP, 0),
        Err(Refusal::Invalid)
    );
}

#[test]
fn the_switches_are_reported() {
    let host = Host {
        online_cpus: 2,
        sca: ScaKind::Basic,
        guest_per: true,
        vector: false,
    };
    for c in [
        cap::ENABLE_CAP,
        cap::S390_CSS_SUPPORT,
        cap::S390_USER_SIGP,
        cap::S390_USER_STSI,
        cap::S390_USER_INSTR0,
        cap::S390_USER_OPEREXEC,
        cap::ONE_REG,
        cap::IOEVENTFD,
        cap::S390_COW,
        cap::S390_IRQCHIP,
    ] {
        assert_eq!(capabilities::value(c, &host), 1, "cap {c}");
    }
    for c in [cap::S390_RI, cap::S390_AIS, cap::S390_CPU_TOPOLOGY] {
        assert_eq!(capabilities::value(c, &host), 0, "cap {c}");
    }
}

#[test]
fn vector_registers_are_reported_only_with_the_host_facility() {
    let mut host = Host {
        online_cpus: 2,
        sca: ScaKind::Basic,
        guest_per: true,
        vector: false,
    };
    assert_eq!(capabilities::value(cap::S390_VECTOR_REGISTERS, &host), 0);
    host.vector = true;
    assert_eq!(capabilities::value(cap::S390_VECTOR_REGISTERS, &host), 1);
}

// ---------------------------------------------------------------------------------------
// ONE_REG

#[test]
fn one_reg_ids_and_sizes() {
    const S390: u64 = 0x5000_0000_0000_0000;
    const U32: u64 = 0x0020_0000_0000_0000;
    const U64: u64 = 0x0030_0000_0000_0000;
    assert_eq!(Reg::from_id(S390 | U32 | 1), Some(Reg::Todpr));
    assert_eq!(Reg::Todpr.size(), 4);
    let all = [
        Reg::EpochDiff,
        Reg::CpuTimer,
        Reg::ClockComp,
        Reg::PfToken,
        Reg::PfCompare,
        Reg::PfSelect,
        Reg::Pp,
        Reg::Gbea,
    ];
    for (i, reg) in all.iter().enumerate() {
        assert_eq!(Reg::from_id(S390 | U64 | (i as u64 + 2)), Some(*reg));
        assert_eq!(reg.size(), 8);
    }
    // The wrong size, another architecture, an unknown number: EINVAL.
    assert_eq!(Reg::from_id(S390 | U64 | 1), None);
    assert_eq!(Reg::from_id(S390 | U32 | 4), None);
    assert_eq!(Reg::from_id(0x6000_0000_0000_0000 | U64 | 4), None);
    assert_eq!(Reg::from_id(S390 | U64 | 0x7ff), None);
    assert_eq!(Reg::from_id(S390 | U64), None);
}

// ---------------------------------------------------------------------------------------
// TOD clock and memory limit

use kvm_s390_host_tests::logic::mem_limit::{self, LimitError};
use kvm_s390_host_tests::logic::tod::{self, Attr};

#[test]
fn the_epoch_is_guest_minus_host_modulo_2_64() {
    assert_eq!(tod::epoch(100, 40), 60);
    // A guest clock behind the host's: a negative epoch, wrapping.
    assert_eq!(tod::epoch(40, 100), (-60i64) as u64);
    for (guest, host) in [(0, u64::MAX), (u64::MAX, 0), (0x1234, 0x1234), (7, 1 << 63)] {
        assert_eq!(tod::guest_tod(host, tod::epoch(guest, host)), guest);
    }
}

#[test]
fn tod_attributes() {
    assert_eq!(Attr::from_raw(0), Some(Attr::Low));
    assert_eq!(Attr::from_raw(1), Some(Attr::High));
    assert_eq!(Attr::from_raw(2), Some(Attr::Ext));
    assert_eq!(Attr::from_raw(3), None);
    assert!(tod::epoch_index_allowed(0));
    assert!(!tod::epoch_index_allowed(1));
}

#[test]
fn sck_operand_and_condition_code() {
    let mask64 = u64::MAX;
    let mask31 = 0x7fff_ffff;
    assert_eq!(tod::s_operand(0x1000, 0x008, mask64), 0x1008);
    assert_eq!(tod::s_operand(0xffff_ffff_8000_0000, 0x10, mask31), 0x10);
    // Only 12 bits of displacement.
    assert_eq!(tod::s_operand(0, 0xf123, mask64), 0x123);
    assert!(tod::sck_operand_aligned(0x1008));
    assert!(!tod::sck_operand_aligned(0x1004));
    let mask = 0x0000_3001_8000_0000u64;
    assert_eq!(tod::with_cc(mask, 0), 0x0000_0001_8000_0000);
    assert_eq!(
        tod::with_cc(0x0000_0001_8000_0000, 2),
        0x0000_2001_8000_0000
    );
}

#[test]
fn memory_limit_checks_in_mainline_order() {
    const G: u64 = mem_limit::GRANULE;
    let current = 1u64 << 53;
    assert_eq!(
        mem_limit::new_limit(1 << 30, current, false, 0),
        Ok(1 << 30)
    );
    // Rounded up to 1 MiB.
    assert_eq!(mem_limit::new_limit(G + 1, current, false, 0), Ok(2 * G));
    // Above the current limit: E2BIG, before anything else.
    assert_eq!(
        mem_limit::new_limit(current + 1, current, true, 0),
        Err(LimitError::TooBig)
    );
    // Unlimited VMs accept anything; a value that wraps is 0.
    assert_eq!(
        mem_limit::new_limit(u64::MAX, mem_limit::NO_LIMIT, false, 0),
        Err(LimitError::Zero)
    );
    assert_eq!(
        mem_limit::new_limit(0, current, false, 0),
        Err(LimitError::Zero)
    );
    assert_eq!(
        mem_limit::new_limit(u64::MAX - 5, current, false, 0),
        Err(LimitError::Zero)
    );
    // vCPUs, or a slot beyond: EBUSY.
    assert_eq!(
        mem_limit::new_limit(G, current, true, 0),
        Err(LimitError::Busy)
    );
    assert_eq!(
        mem_limit::new_limit(G, current, false, G + 4096),
        Err(LimitError::Busy)
    );
    assert_eq!(mem_limit::new_limit(G, current, false, G), Ok(G));
}

#[test]
fn memory_limit_rounds_up_to_the_table_levels() {
    let machine = 1u64 << 53;
    assert_eq!(mem_limit::effective_limit(16 << 20, machine), 1 << 31);
    assert_eq!(mem_limit::effective_limit(1 << 31, machine), 1 << 31);
    assert_eq!(
        mem_limit::effective_limit((1 << 31) + (1 << 20), machine),
        1 << 42
    );
    assert_eq!(mem_limit::effective_limit(1 << 53, machine), 1 << 53);
    // Never above the previous limit; without one, up to the region-first range.
    assert_eq!(mem_limit::effective_limit(3 << 30, 3 << 30), 3 << 30);
    assert_eq!(
        mem_limit::effective_limit((1 << 53) + (1 << 20), mem_limit::NO_LIMIT),
        mem_limit::NO_LIMIT
    );
}
