// SPDX-License-Identifier: GPL-2.0

//! Interruption priorities, masking, intercept requests, clocks and ABI validation.

use kvm_s390_host_tests::kvm_host::cpustat;
use kvm_s390_host_tests::logic::interrupt::*;

const ALL_ENABLED: Masks = Masks {
    psw: PSW_MASK_EXT | PSW_MASK_IO | PSW_MASK_MCHECK,
    cr0: CR0_EMERGENCY_SIGNAL_SUBMASK
        | CR0_EXTERNAL_CALL_SUBMASK
        | CR0_CLOCK_COMPARATOR_SUBMASK
        | CR0_CPU_TIMER_SUBMASK
        | CR0_SERVICE_SIGNAL_SUBMASK,
    cr6: 0xff00_0000,
    cr14: CR14_CHANNEL_REPORT_SUBMASK,
};

#[test]
fn priority_list_is_a_permutation_of_all_kinds() {
    let mut seen = 0u64;
    for k in PRIORITY {
        assert_eq!(seen & k.bit(), 0, "{k:?} twice");
        seen |= k.bit();
    }
    assert_eq!(seen, (1u64 << KIND_COUNT) - 1);
}

#[test]
fn architecture_priority_order() {
    let pos = |k: Kind| PRIORITY.iter().position(|&p| p == k).unwrap();
    assert!(pos(Kind::MchkExigent) < pos(Kind::Program));
    assert!(pos(Kind::Program) < pos(Kind::MchkRepressible));
    assert!(pos(Kind::MchkRepressible) < pos(Kind::Emergency));
    assert!(pos(Kind::Emergency) < pos(Kind::ExternalCall));
    assert!(pos(Kind::ExternalCall) < pos(Kind::ClockComp));
    assert!(pos(Kind::ClockComp) < pos(Kind::CpuTimer));
    assert!(pos(Kind::CpuTimer) < pos(Kind::Service));
    assert!(pos(Kind::Service) < pos(Kind::Virtio));
    assert!(pos(Kind::Virtio) < pos(Kind::IoIsc0));
    assert!(pos(Kind::IoIsc0) < pos(Kind::IoIsc7));
    assert!(pos(Kind::IoIsc7) < pos(Kind::Restart));
}

#[test]
fn highest_picks_by_priority_not_by_bit() {
    let m = Kind::IoIsc3.bit() | Kind::ClockComp.bit() | Kind::Restart.bit();
    assert_eq!(highest(m), Some(Kind::ClockComp));
    assert_eq!(
        highest(Kind::Restart.bit() | Kind::Program.bit()),
        Some(Kind::Program)
    );
    assert_eq!(highest(0), None);
}

#[test]
fn psw_masks_gate_classes() {
    let all = (1u64 << KIND_COUNT) - 1;
    let mut m = ALL_ENABLED;
    m.psw = 0;
    let d = deliverable(all, &m, CR14_CHANNEL_REPORT_SUBMASK);
    assert_eq!(d & (EXT_MASK | IO_MASK | MCHK_MASK), 0);
    // Program, restart and set prefix are not maskable; stop is never delivered.
    assert_ne!(d & Kind::Program.bit(), 0);
    assert_ne!(d & Kind::Restart.bit(), 0);
    assert_eq!(d & Kind::Stop.bit(), 0);
    let d = deliverable(all, &ALL_ENABLED, CR14_CHANNEL_REPORT_SUBMASK);
    assert_ne!(d & Kind::Emergency.bit(), 0);
    assert_ne!(d & Kind::IoIsc7.bit(), 0);
    assert_ne!(d & Kind::MchkRepressible.bit(), 0);
}

#[test]
fn cr0_subclasses_gate_external_kinds() {
    for (bit, kinds) in [
        (CR0_EMERGENCY_SIGNAL_SUBMASK, Kind::Emergency.bit()),
        (CR0_EXTERNAL_CALL_SUBMASK, Kind::ExternalCall.bit()),
        (CR0_CLOCK_COMPARATOR_SUBMASK, Kind::ClockComp.bit()),
        (CR0_CPU_TIMER_SUBMASK, Kind::CpuTimer.bit()),
        (
            CR0_SERVICE_SIGNAL_SUBMASK,
            Kind::Service.bit() | Kind::ServiceEvent.bit(),
        ),
    ] {
        let mut m = ALL_ENABLED;
        assert_eq!(deliverable(kinds, &m, 0), kinds);
        m.cr0 &= !bit;
        assert_eq!(deliverable(kinds, &m, 0), 0, "cr0 bit {bit:#x}");
    }
    // Virtio has no subclass mask of its own.
    let mut m = ALL_ENABLED;
    m.cr0 = 0;
    assert_eq!(deliverable(Kind::Virtio.bit(), &m, 0), Kind::Virtio.bit());
}

#[test]
fn cr6_gates_each_isc() {
    for isc in 0..8u8 {
        let mut m = ALL_ENABLED;
        m.cr6 = cr6_isc_bit(isc);
        assert_eq!(deliverable(IO_MASK, &m, 0), Kind::io(isc).bit());
        assert_eq!(Kind::io(isc).isc(), Some(isc));
    }
    assert_eq!(cr6_isc_bit(0), 0x8000_0000);
    assert_eq!(cr6_isc_bit(7), 0x0100_0000);
}

#[test]
fn cr6_gates_every_combination_of_iscs() {
    // Every subclass byte, with noise in the CR6 bits outside it: exactly the I/O kinds
    // whose subclass bit is on are deliverable, and nothing else is touched.
    for byte in 0..=0xffu64 {
        let mut m = ALL_ENABLED;
        m.cr6 = 0xffff_ffff_00ff_ffff | byte << 24;
        let want = (0..8u8)
            .filter(|&isc| m.cr6 & cr6_isc_bit(isc) != 0)
            .fold(0, |acc, isc| acc | Kind::io(isc).bit());
        assert_eq!(deliverable(IO_MASK, &m, 0), want, "cr6 byte {byte:#04x}");
        assert_eq!(deliverable(!IO_MASK & EXT_MASK, &m, 0), !IO_MASK & EXT_MASK);
    }
}

#[test]
fn cr14_gates_repressible_machine_checks_only() {
    let mut m = ALL_ENABLED;
    m.cr14 = 0;
    assert_eq!(
        deliverable(Kind::MchkRepressible.bit(), &m, CR14_CHANNEL_REPORT_SUBMASK),
        0
    );
    assert_eq!(
        deliverable(Kind::MchkExigent.bit(), &m, 0),
        Kind::MchkExigent.bit()
    );
}

#[test]
fn indicators_wait_for_the_guest_to_enable() {
    // Disabled by the PSW: interruption requests.
    let i = indicators(Kind::Emergency.bit() | Kind::IoIsc2.bit(), 0);
    assert_eq!(i.cpuflags, cpustat::EXT_INT | cpustat::IO_INT);
    assert_eq!(i.lctl, 0);
    // Enabled by the PSW (so masked by a control register): intercept loads of it.
    let i = indicators(
        Kind::Emergency.bit() | Kind::IoIsc2.bit() | Kind::MchkRepressible.bit(),
        PSW_MASK_EXT | PSW_MASK_IO | PSW_MASK_MCHECK,
    );
    assert_eq!(i.cpuflags, 0);
    assert_eq!(i.lctl, LCTL_CR0 | LCTL_CR6 | LCTL_CR14);
    let i = indicators(Kind::MchkExigent.bit(), 0);
    assert_eq!(i.ictl, ICTL_LPSW);
    assert_eq!(indicators(Kind::Stop.bit(), 0).cpuflags, cpustat::STOP_INT);
    assert_eq!(
        indicators(Kind::Program.bit() | Kind::Restart.bit(), 0),
        Indicators::default()
    );
}

#[test]
fn clocks() {
    assert_eq!(tod_to_ns(4096), 1000);
    assert_eq!(tod_to_ns(4096 * 1_000_000), 1_000_000_000);
    assert_eq!(
        tod_to_ns(u64::MAX),
        (u64::MAX >> 9) * 125 + ((511 * 125) >> 9)
    );
    assert!(ckc_condition(10, 5, 0));
    assert!(!ckc_condition(5, 5, 0));
    // Unsigned: a "negative" comparator is huge; signed: it is in the past.
    assert!(!ckc_condition(10, u64::MAX, 0));
    assert!(ckc_condition(10, u64::MAX, CR0_CLOCK_COMPARATOR_SIGN));
    assert!(cputm_condition(1 << 63));
    assert!(!cputm_condition(1));
}

#[test]
fn sleep_time() {
    let psw = PSW_MASK_EXT;
    let ckc = CR0_CLOCK_COMPARATOR_SUBMASK;
    let cpt = CR0_CPU_TIMER_SUBMASK;
    assert_eq!(sleep_ns(0, 4096, 0, psw, 0), None);
    assert_eq!(sleep_ns(0, 4096, 0, psw, ckc), Some(1000));
    assert_eq!(sleep_ns(8192, 4096, 0, psw, ckc), Some(0));
    assert_eq!(sleep_ns(0, 4096 * 10, 4096 * 3, psw, ckc | cpt), Some(3000));
    assert_eq!(sleep_ns(0, 4096, 1 << 63, psw, cpt), Some(0));
    assert_eq!(sleep_ns(0, 4096, 4096, 0, ckc | cpt), None);
    // Signed comparison across zero does not overflow.
    assert_eq!(
        sleep_ns(u64::MAX, 1, 0, psw, ckc | CR0_CLOCK_COMPARATOR_SIGN),
        Some(0)
    );
    assert_eq!(
        sleep_ns(u64::MAX, 4095, 0, psw, ckc | CR0_CLOCK_COMPARATOR_SIGN),
        Some(1000)
    );
    assert!(all_disabled(PSW_MASK_WAIT));
    assert!(!all_disabled(PSW_MASK_WAIT | PSW_MASK_IO));
}

#[test]
fn interrupt_abi_validation() {
    assert_eq!(
        interrupt_to_irq(irq_type::PROGRAM_INT as u32, 0x10000, 0),
        Err(Invalid)
    );
    assert_eq!(
        interrupt_to_irq(irq_type::PROGRAM_INT as u32, 5, 0),
        Ok(LocalIrq::Program { code: 5 })
    );
    assert_eq!(
        interrupt_to_irq(irq_type::EMERGENCY as u32, 0x1_0001, 0),
        Err(Invalid)
    );
    assert_eq!(
        interrupt_to_irq(irq_type::EXTERNAL_CALL as u32, 0x1_0001, 0),
        Err(Invalid)
    );
    // Floating types are not for a vCPU.
    assert_eq!(
        interrupt_to_irq(irq_type::SERVICE as u32, 0, 0),
        Err(Invalid)
    );
    assert_eq!(interrupt_to_irq(0, 0, 0), Err(Invalid));
    assert_eq!(interrupt_to_irq(0xffff_ffff, 0, 0), Err(Invalid));
    // And local types are not for the VM.
    assert_eq!(
        float_from_interrupt(irq_type::RESTART as u32, 0, 0),
        Err(Invalid)
    );
    assert_eq!(
        float_from_interrupt(irq_type::EMERGENCY as u32, 0, 0),
        Err(Invalid)
    );
    assert_eq!(
        float_from_interrupt(0x0001_0000, 0x0001_0002, 0x1111_2222_8800_0000),
        Ok(FloatIrq::Io(IoInfo {
            subchannel_id: 1,
            subchannel_nr: 2,
            io_int_parm: 0x1111_2222,
            io_int_word: 0x8800_0000
        }))
    );
    assert_eq!(isc_of_int_word(0x8800_0000), 1);
    assert_eq!(
        float_from_interrupt(irq_type::SERVICE as u32, 0x1234_5678, 0),
        Ok(FloatIrq::Service { parm: 0x1234_5678 })
    );
}

#[test]
fn irq_payload_decoding() {
    let mut u = [0u8; 64];
    u[0..2].copy_from_slice(&7u16.to_ne_bytes());
    assert_eq!(
        local_from_irq(irq_type::EMERGENCY, &u),
        Ok(LocalIrq::Emergency { code: 7 })
    );
    u[28..30].copy_from_slice(&0x11u16.to_ne_bytes());
    u[37] = 0x05;
    let pgm = pgm_from_payload(&u);
    assert_eq!((pgm.code, pgm.flags), (0x11, 0x05));
    assert_eq!(local_from_irq(irq_type::IO_MAX, &u), Err(Invalid));
    assert_eq!(local_from_irq(irq_type::VIRTIO, &u), Err(Invalid));
    assert!(stop_flags_valid(STOP_FLAG_STORE_STATUS));
    assert!(!stop_flags_valid(2));
    assert_eq!(mchk_kind(1 << 63), Some(Kind::MchkExigent));
    assert_eq!(mchk_kind(1 << 56), Some(Kind::MchkRepressible));
    assert_eq!(mchk_kind(1), None);
}

#[test]
fn irq_state_abi() {
    assert!(!set_irq_state_len_valid(0));
    assert!(set_irq_state_len_valid(72));
    assert!(!set_irq_state_len_valid(73));
    assert!(set_irq_state_len_valid((IRQ_STATE_MAX_LEN) as u32));
    assert!(!set_irq_state_len_valid((IRQ_STATE_MAX_LEN + 72) as u32));
    let order: Vec<u8> = kinds_by_bit().map(|k| k as u8).collect();
    assert_eq!(order, (0..KIND_COUNT as u8).collect::<Vec<_>>());
    assert_eq!(irq_type_of(Kind::Restart), Some(irq_type::RESTART));
    assert_eq!(irq_type_of(Kind::MchkRepressible), Some(irq_type::MCHK));
    assert_eq!(irq_type_of(Kind::Emergency), None);
    assert_eq!(irq_type_of(Kind::IoIsc0), None);
}

#[test]
fn external_interrupt_intercepts_become_injections() {
    assert_eq!(
        intercepted_external(ext_code::CLOCK_COMP, 0, 0),
        Some(LocalIrq::ClockComp)
    );
    assert_eq!(
        intercepted_external(ext_code::CPU_TIMER, 0, PSW_MASK_IO),
        Some(LocalIrq::CpuTimer)
    );
    assert_eq!(
        intercepted_external(ext_code::EXTERNAL_CALL, 3, PSW_MASK_EXT),
        Some(LocalIrq::ExternalCall { code: 3 })
    );
    // A timer condition whose new PSW enables it again would loop: user space decides.
    assert_eq!(intercepted_external(ext_code::CLOCK_COMP, 0, PSW_MASK_EXT), None);
    assert_eq!(intercepted_external(ext_code::CPU_TIMER, 0, PSW_MASK_EXT), None);
    // Codes SIE does not intercept this way.
    assert_eq!(intercepted_external(ext_code::SERVICE_SIGNAL, 0, 0), None);
    assert_eq!(intercepted_external(ext_code::EMERGENCY, 1, 0), None);
}

#[test]
fn io_interruption_code_layout() {
    let io = IoInfo {
        subchannel_id: 0x0001,
        subchannel_nr: 0x0203,
        io_int_parm: 0x0405_0607,
        io_int_word: 0x8800_0000,
    };
    assert_eq!(
        io.code(),
        [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x88, 0x00, 0x00, 0x00]
    );
    // The subclass of the word above.
    assert_eq!(isc_of_int_word(io.io_int_word), 1);
}

#[test]
fn reinjected_machine_checks_take_their_cr14_subclasses() {
    let bit = |n: u32| 1u64 << (63 - n);
    // System recovery, degradation, warning.
    for (mcic, cr14) in [
        (bit(2), CR14_RECOVERY_SUBMASK),
        (bit(7), CR14_DEGRADATION_SUBMASK),
        (bit(8), CR14_WARNING_SUBMASK),
        (bit(2) | bit(8), CR14_RECOVERY_SUBMASK | CR14_WARNING_SUBMASK),
        // System damage is exigent: no subclass gates it.
        (bit(0), 0),
    ] {
        assert_eq!(
            reinjected_mchk(mcic, 0x1000, 7),
            LocalIrq::Mchk {
                cr14,
                mcic,
                fsa: 0x1000,
                edc: 7
            },
            "mcic {mcic:#x}"
        );
    }
    assert_eq!(CR14_RECOVERY_SUBMASK, 1 << 27);
}

#[test]
fn external_store_head_is_one_contiguous_store() {
    // With a parameter: parameter, CPU address and code from 0x80, big-endian.
    let with = ExternalStore {
        code: 0x2603,
        cpu_addr: 0x0d00,
        params: Some(0x1234_5678),
        params2: Some(9),
    };
    let (at, bytes, len) = with.head();
    assert_eq!((at, len), (lc::EXT_PARAMS, 8));
    assert_eq!(bytes, [0x12, 0x34, 0x56, 0x78, 0x0d, 0x00, 0x26, 0x03]);
    // Without one: the parameter word is not touched.
    let without = ExternalStore {
        code: ext_code::EMERGENCY,
        cpu_addr: 3,
        params: None,
        params2: None,
    };
    let (at, bytes, len) = without.head();
    assert_eq!((at, len), (lc::EXT_CPU_ADDR, 4));
    assert_eq!(bytes[..4], [0x00, 0x03, 0x12, 0x01]);
}
