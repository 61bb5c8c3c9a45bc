// SPDX-License-Identifier: GPL-2.0

//! The binary statistics descriptors of VMs and vCPUs (`KVM_GET_STATS_FD`).
//!
//! Generic KVM (`virt/kvm/binary_stats.c`) serves the statistics; the architecture provides
//! the tables that name them. The names, types and order are user ABI and equal mainline's
//! (`arch/s390/kvm/s390/s390.c`); the counters live in `struct kvm_vm_stat` and
//! `struct kvm_vcpu_stat` of `asm/kvm_host_s390.h`. A counter the backend does not
//! increment yet reads 0.

use core::mem::{offset_of, size_of};
use kernel::bindings;

const NAME_SIZE: usize = bindings::KVM_STATS_NAME_SIZE as usize;
const HIST_COUNT: u16 = bindings::HALT_POLL_HIST_COUNT as u16;

const fn name(s: &str) -> [u8; NAME_SIZE] {
    let b = s.as_bytes();
    // Leaves room for the terminating NUL; fails the build for a too long name.
    assert!(b.len() < NAME_SIZE);
    let mut out = [0u8; NAME_SIZE];
    let mut i = 0;
    while i < b.len() {
        out[i] = b[i];
        i += 1;
    }
    out
}

#[derive(Clone, Copy)]
enum Kind {
    /// Cumulative counter without unit.
    Counter,
    /// Cumulative time in nanoseconds.
    TimeNsec,
    /// Logarithmic histogram of times in nanoseconds.
    LogHistNsec,
    /// Instantaneous boolean.
    InstantBool,
}

const fn desc(kind: Kind, offset: usize, stat: &str) -> bindings::kvm_stats_desc {
    let (ty, unit, exponent, size) = match kind {
        Kind::Counter => (
            bindings::KVM_STATS_TYPE_CUMULATIVE,
            bindings::KVM_STATS_UNIT_NONE,
            0,
            1,
        ),
        Kind::TimeNsec => (
            bindings::KVM_STATS_TYPE_CUMULATIVE,
            bindings::KVM_STATS_UNIT_SECONDS,
            -9,
            1,
        ),
        Kind::LogHistNsec => (
            bindings::KVM_STATS_TYPE_LOG_HIST,
            bindings::KVM_STATS_UNIT_SECONDS,
            -9,
            HIST_COUNT,
        ),
        Kind::InstantBool => (
            bindings::KVM_STATS_TYPE_INSTANT,
            bindings::KVM_STATS_UNIT_BOOLEAN,
            0,
            1,
        ),
    };
    let raw = name(stat);
    let mut name = [0; NAME_SIZE];
    let mut i = 0;
    while i < NAME_SIZE {
        name[i] = raw[i] as kernel::ffi::c_char;
        i += 1;
    }
    bindings::kvm_stats_desc {
        flags: ty | unit | bindings::KVM_STATS_BASE_POW10,
        exponent,
        size,
        offset: offset as u32,
        bucket_size: 0,
        name,
    }
}

macro_rules! table {
    ($stat:ty; generic: [$(($gkind:ident, $gfield:ident)),* $(,)?]; counters: [$($field:ident),* $(,)?]) => {
        [
            $(desc(Kind::$gkind, offset_of!($stat, generic.$gfield), stringify!($gfield)),)*
            $(desc(Kind::Counter, offset_of!($stat, $field), stringify!($field)),)*
        ]
    };
}

const VM_DESC: [bindings::kvm_stats_desc; 21] = table!(bindings::kvm_vm_stat;
generic: [(Counter, remote_tlb_flush), (Counter, remote_tlb_flush_requests)];
counters: [
    inject_io, io_390_adapter_map, io_390_adapter_unmap, io_390_inatomic,
    io_flic_inject_airq, io_set_adapter_int, io_390_inatomic_no_inject, inject_float_mchk,
    inject_pfault_done, inject_service_signal, inject_virtio, aen_forward,
    gmap_shadow_reuse, gmap_shadow_create, gmap_shadow_r1_entry, gmap_shadow_r2_entry,
    gmap_shadow_r3_entry, gmap_shadow_sg_entry, gmap_shadow_pg_entry,
]);

const VCPU_DESC: [bindings::kvm_stats_desc; 106] = table!(bindings::kvm_vcpu_stat;
generic: [
    (Counter, halt_successful_poll), (Counter, halt_attempted_poll),
    (Counter, halt_poll_invalid), (Counter, halt_wakeup),
    (TimeNsec, halt_poll_success_ns), (TimeNsec, halt_poll_fail_ns),
    (TimeNsec, halt_wait_ns), (LogHistNsec, halt_poll_success_hist),
    (LogHistNsec, halt_poll_fail_hist), (LogHistNsec, halt_wait_hist),
    (InstantBool, blocking),
];
counters: [
    exit_userspace, exit_null, exit_external_request, exit_io_request,
    exit_external_interrupt, exit_stop_request, exit_validity, exit_instruction,
    exit_pei, halt_no_poll_steal, instruction_lctl, instruction_lctlg,
    instruction_stctl, instruction_stctg, exit_program_interruption,
    exit_instr_and_program, exit_operation_exception, deliver_ckc, deliver_cputm,
    deliver_external_call, deliver_emergency_signal, deliver_service_signal,
    deliver_virtio, deliver_stop_signal, deliver_prefix_signal, deliver_restart_signal,
    deliver_program, deliver_io, deliver_machine_check, exit_wait_state, inject_ckc,
    inject_cputm, inject_external_call, inject_emergency_signal, inject_mchk,
    inject_pfault_init, inject_program, inject_restart, inject_set_prefix,
    inject_stop_signal, instruction_epsw, instruction_gs, instruction_io_other,
    instruction_lpsw, instruction_lpswe, instruction_lpswey, instruction_pfmf,
    instruction_ptff, instruction_sck, instruction_sckpf, instruction_stidp,
    instruction_spx, instruction_stpx, instruction_stap, instruction_iske,
    instruction_ri, instruction_rrbe, instruction_sske, instruction_ipte_interlock,
    instruction_stsi, instruction_stfl, instruction_tb, instruction_tpi,
    instruction_tprot, instruction_tsch, instruction_sie, instruction_essa,
    instruction_sthyi, instruction_sigp_sense, instruction_sigp_sense_running,
    instruction_sigp_external_call, instruction_sigp_emergency,
    instruction_sigp_cond_emergency, instruction_sigp_start, instruction_sigp_stop,
    instruction_sigp_stop_store_status, instruction_sigp_store_status,
    instruction_sigp_store_adtl_status, instruction_sigp_arch, instruction_sigp_prefix,
    instruction_sigp_restart, instruction_sigp_init_cpu_reset,
    instruction_sigp_cpu_reset, instruction_sigp_unknown, instruction_diagnose_10,
    instruction_diagnose_44, instruction_diagnose_9c, diag_9c_ignored, diag_9c_forward,
    instruction_diagnose_258, instruction_diagnose_308, instruction_diagnose_500,
    instruction_diagnose_other, pfault_sync, signal_exits,
]);

const fn header(num_desc: usize) -> bindings::kvm_stats_header {
    let hdr = size_of::<bindings::kvm_stats_header>();
    bindings::kvm_stats_header {
        flags: 0,
        name_size: NAME_SIZE as u32,
        num_desc: num_desc as u32,
        id_offset: hdr as u32,
        desc_offset: (hdr + NAME_SIZE) as u32,
        data_offset: (hdr + NAME_SIZE + num_desc * size_of::<bindings::kvm_stats_desc>()) as u32,
    }
}

/// VM statistics descriptors, read by `virt/kvm/kvm_main.c`.
#[no_mangle]
pub static kvm_vm_stats_desc: [bindings::kvm_stats_desc; VM_DESC.len()] = VM_DESC;
/// VM statistics header.
#[no_mangle]
pub static kvm_vm_stats_header: bindings::kvm_stats_header = header(VM_DESC.len());
/// vCPU statistics descriptors, read by `virt/kvm/kvm_main.c`.
#[no_mangle]
pub static kvm_vcpu_stats_desc: [bindings::kvm_stats_desc; VCPU_DESC.len()] = VCPU_DESC;
/// vCPU statistics header.
#[no_mangle]
pub static kvm_vcpu_stats_header: bindings::kvm_stats_header = header(VCPU_DESC.len());

/// Adds one to a counter of the vCPU's binary statistics (mainline's names). Only the
/// vCPU's own thread writes them; readers of the statistics file read them racily by
/// design, as in C, so no reference is formed.
macro_rules! count {
    ($vcpu:expr, $field:ident) => {{
        // SAFETY: the vCPU is live; its thread holds `vcpu->mutex` (the only writer).
        unsafe {
            let counter = core::ptr::addr_of_mut!((*$vcpu.as_raw()).stat.$field);
            counter.write_volatile(counter.read_volatile().wrapping_add(1));
        }
    }};
}
pub(crate) use count;

/// Adds one to a counter of the VM's binary statistics; callers hold the lock that orders
/// the writers of that counter (`float_int.lock` for the injection counters).
macro_rules! count_vm {
    ($vm:expr, $field:ident) => {{
        // SAFETY: the VM is live; the caller holds the lock of this counter's writers.
        unsafe {
            let counter = core::ptr::addr_of_mut!((*$vm.as_raw()).stat.$field);
            counter.write_volatile(counter.read_volatile().wrapping_add(1));
        }
    }};
}
pub(crate) use count_vm;
