// SPDX-License-Identifier: GPL-2.0
/*
 * The binary statistics of a VM and a vCPU (KVM_GET_STATS_FD) carry
 * mainline's names, in mainline's order, with mainline's types, units and
 * sizes, on both backends.  kvm_binary_stats_test checks only the format;
 * this checks the content against mainline 7.3's descriptor tables, copied
 * here: KVM_GENERIC_VM_STATS / KVM_GENERIC_VCPU_STATS of
 * include/linux/kvm_host.h, then kvm_vm_stats_desc / kvm_vcpu_stats_desc of
 * arch/s390/kvm/s390/s390.c.  Statistics are user ABI (tools such as
 * kvm_stat read them by name), so there is no difference by design.
 */
#include "kvm_util_min.h"

/* include/linux/kvm_host.h and include/linux/kvm_types.h (kernel only). */
#define HALT_POLL_HIST_COUNT	32
#define KVM_STATS_NAME_SIZE	48

enum kind { COUNTER, TIME_NSEC, LOGHIST_NSEC, IBOOLEAN };

struct want {
	const char *name;
	enum kind kind;
};

#define C(n)	{ n, COUNTER }

static const struct want vm_stats[] = {
	/* KVM_GENERIC_VM_STATS() */
	C("remote_tlb_flush"), C("remote_tlb_flush_requests"),
	/* arch/s390/kvm/s390/s390.c: kvm_vm_stats_desc */
	C("inject_io"), C("io_390_adapter_map"), C("io_390_adapter_unmap"),
	C("io_390_inatomic"), C("io_flic_inject_airq"), C("io_set_adapter_int"),
	C("io_390_inatomic_no_inject"), C("inject_float_mchk"),
	C("inject_pfault_done"), C("inject_service_signal"), C("inject_virtio"),
	C("aen_forward"), C("gmap_shadow_reuse"), C("gmap_shadow_create"),
	C("gmap_shadow_r1_entry"), C("gmap_shadow_r2_entry"),
	C("gmap_shadow_r3_entry"), C("gmap_shadow_sg_entry"),
	C("gmap_shadow_pg_entry"),
};

static const struct want vcpu_stats[] = {
	/* KVM_GENERIC_VCPU_STATS() */
	C("halt_successful_poll"), C("halt_attempted_poll"),
	C("halt_poll_invalid"), C("halt_wakeup"),
	{ "halt_poll_success_ns", TIME_NSEC }, { "halt_poll_fail_ns", TIME_NSEC },
	{ "halt_wait_ns", TIME_NSEC },
	{ "halt_poll_success_hist", LOGHIST_NSEC },
	{ "halt_poll_fail_hist", LOGHIST_NSEC },
	{ "halt_wait_hist", LOGHIST_NSEC },
	{ "blocking", IBOOLEAN },
	/* arch/s390/kvm/s390/s390.c: kvm_vcpu_stats_desc */
	C("exit_userspace"), C("exit_null"), C("exit_external_request"),
	C("exit_io_request"), C("exit_external_interrupt"), C("exit_stop_request"),
	C("exit_validity"), C("exit_instruction"), C("exit_pei"),
	C("halt_no_poll_steal"), C("instruction_lctl"), C("instruction_lctlg"),
	C("instruction_stctl"), C("instruction_stctg"),
	C("exit_program_interruption"), C("exit_instr_and_program"),
	C("exit_operation_exception"), C("deliver_ckc"), C("deliver_cputm"),
	C("deliver_external_call"), C("deliver_emergency_signal"),
	C("deliver_service_signal"), C("deliver_virtio"), C("deliver_stop_signal"),
	C("deliver_prefix_signal"), C("deliver_restart_signal"), C("deliver_program"),
	C("deliver_io"), C("deliver_machine_check"), C("exit_wait_state"),
	C("inject_ckc"), C("inject_cputm"), C("inject_external_call"),
	C("inject_emergency_signal"), C("inject_mchk"), C("inject_pfault_init"),
	C("inject_program"), C("inject_restart"), C("inject_set_prefix"),
	C("inject_stop_signal"), C("instruction_epsw"), C("instruction_gs"),
	C("instruction_io_other"), C("instruction_lpsw"), C("instruction_lpswe"),
	C("instruction_lpswey"), C("instruction_pfmf"), C("instruction_ptff"),
	C("instruction_sck"), C("instruction_sckpf"), C("instruction_stidp"),
	C("instruction_spx"), C("instruction_stpx"), C("instruction_stap"),
	C("instruction_iske"), C("instruction_ri"), C("instruction_rrbe"),
	C("instruction_sske"), C("instruction_ipte_interlock"), C("instruction_stsi"),
	C("instruction_stfl"), C("instruction_tb"), C("instruction_tpi"),
	C("instruction_tprot"), C("instruction_tsch"), C("instruction_sie"),
	C("instruction_essa"), C("instruction_sthyi"), C("instruction_sigp_sense"),
	C("instruction_sigp_sense_running"), C("instruction_sigp_external_call"),
	C("instruction_sigp_emergency"), C("instruction_sigp_cond_emergency"),
	C("instruction_sigp_start"), C("instruction_sigp_stop"),
	C("instruction_sigp_stop_store_status"), C("instruction_sigp_store_status"),
	C("instruction_sigp_store_adtl_status"), C("instruction_sigp_arch"),
	C("instruction_sigp_prefix"), C("instruction_sigp_restart"),
	C("instruction_sigp_init_cpu_reset"), C("instruction_sigp_cpu_reset"),
	C("instruction_sigp_unknown"), C("instruction_diagnose_10"),
	C("instruction_diagnose_44"), C("instruction_diagnose_9c"),
	C("diag_9c_ignored"), C("diag_9c_forward"), C("instruction_diagnose_258"),
	C("instruction_diagnose_308"), C("instruction_diagnose_500"),
	C("instruction_diagnose_other"), C("pfault_sync"), C("signal_exits"),
};

/* The flags, exponent and size a descriptor of @kind has in mainline. */
static void expected_format(enum kind kind, uint32_t *flags, int16_t *exponent,
			    uint16_t *size)
{
	*flags = KVM_STATS_BASE_POW10;
	*exponent = 0;
	*size = 1;
	switch (kind) {
	case COUNTER:
		*flags |= KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_NONE;
		break;
	case TIME_NSEC:
		*flags |= KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_SECONDS;
		*exponent = -9;
		break;
	case LOGHIST_NSEC:
		*flags |= KVM_STATS_TYPE_LOG_HIST | KVM_STATS_UNIT_SECONDS;
		*exponent = -9;
		*size = HALT_POLL_HIST_COUNT;
		break;
	case IBOOLEAN:
		*flags |= KVM_STATS_TYPE_INSTANT | KVM_STATS_UNIT_BOOLEAN;
		break;
	}
}

/*
 * Reads the header and descriptors of the stats fd of @fd and compares them,
 * one by one and in order, with @want.  Every difference is reported.
 */
static void check_stats(struct __test_metadata *_metadata, int fd,
			const struct want *want, size_t n_want, const char *what)
{
	struct kvm_stats_header hdr;
	struct kvm_stats_desc *d;
	size_t desc_size, i, n;
	char *descs;
	uint64_t *data;
	ssize_t len;
	int stats;

	ASSERT_FD(stats, ioctl(fd, KVM_GET_STATS_FD, NULL));
	ASSERT_EQ(sizeof(hdr), pread(stats, &hdr, sizeof(hdr), 0));
	ASSERT_EQ(KVM_STATS_NAME_SIZE, hdr.name_size);
	desc_size = sizeof(*d) + hdr.name_size;
	n = hdr.num_desc;
	EXPECT_EQ(n_want, n) TH_LOG("%s: %zu descriptors, mainline has %zu", what, n, n_want);

	descs = calloc(n, desc_size);
	ASSERT_NE(NULL, descs);
	len = pread(stats, descs, n * desc_size, hdr.desc_offset);
	ASSERT_EQ((ssize_t)(n * desc_size), len);

	for (i = 0; i < n || i < n_want; i++) {
		uint32_t flags;
		int16_t exponent;
		uint16_t size;

		if (i >= n) {
			EXPECT_TRUE(0) TH_LOG("%s: mainline's %s is missing", what, want[i].name);
			continue;
		}
		d = (struct kvm_stats_desc *)(descs + i * desc_size);
		if (i >= n_want) {
			EXPECT_TRUE(0) TH_LOG("%s: %s is not one of mainline's", what, d->name);
			continue;
		}
		EXPECT_STREQ(want[i].name, d->name) TH_LOG("%s: descriptor %zu", what, i);
		expected_format(want[i].kind, &flags, &exponent, &size);
		EXPECT_EQ(flags, d->flags) TH_LOG("%s: %s flags", what, d->name);
		EXPECT_EQ(exponent, d->exponent) TH_LOG("%s: %s exponent", what, d->name);
		EXPECT_EQ(size, d->size) TH_LOG("%s: %s size", what, d->name);
	}

	/* The values are readable: one u64 per descriptor element. */
	for (i = 0, len = 0; i < n; i++) {
		d = (struct kvm_stats_desc *)(descs + i * desc_size);
		len = d->offset + d->size * sizeof(uint64_t) > (size_t)len ?
		      (ssize_t)(d->offset + d->size * sizeof(uint64_t)) : len;
	}
	data = calloc(1, len ? len : 1);
	ASSERT_NE(NULL, data);
	EXPECT_EQ(len, pread(stats, data, len, hdr.data_offset));

	free(data);
	free(descs);
	close(stats);
}

TEST(vm_and_vcpu_stats_are_mainlines)
{
	int kvm, vm, vcpu;

	OPEN_KVM_OR_SKIP(kvm);
	ASSERT_EQ(1, kvm_check_cap(kvm, KVM_CAP_BINARY_STATS_FD));
	ASSERT_FD(vm, kvm_create_vm(kvm));
	ASSERT_FD(vcpu, kvm_create_vcpu(vm, 0));

	check_stats(_metadata, vm, vm_stats, ARRAY_SIZE(vm_stats), "VM");
	check_stats(_metadata, vcpu, vcpu_stats, ARRAY_SIZE(vcpu_stats), "vCPU");

	close(vcpu);
	close(vm);
	close(kvm);
}

TEST_HARNESS_MAIN
