// SPDX-License-Identifier: GPL-2.0
/*
 * Guest vector registers (KVM_CAP_S390_VECTOR_REGISTERS, api.rst 7.3 and
 * 5 "kvm_sync_regs"; mainline s390.c kvm_vm_ioctl_enable_cap).
 *
 * The capability is reported exactly where the host has the vector facility
 * (129, read from /proc/cpuinfo, not from KVM); enabling it is EINVAL
 * without the facility and EBUSY once a vCPU exists; kvm_run carries the
 * floating-point registers as vector registers (KVM_SYNC_VRS) on such a
 * host and as FPRs (KVM_SYNC_FPRS) otherwise.  With the facility enabled, a
 * guest sees the vector registers user space set and its changes come back
 * in kvm_run, and KVM_GET_FPU shows the leftmost halves of VR0-VR15.
 *
 * The Hercules bed (a z196) has no vector facility, so there the guest part
 * skips and the rest checks that nothing is offered.
 */
#include "kvm_util_min.h"
#include "guest_arch.h"

#define MEM_SIZE	SZ_1M
#define CODE		0x10000UL
#define CR0_VX		0x0000000000020000UL	/* CR0 bit 46: vector enablement */

/* Whether the host's facility list in /proc/cpuinfo has facility @nr; -1 if unreadable. */
static int host_facility(int nr)
{
	char line[4096], *tok, *save;
	FILE *f = fopen("/proc/cpuinfo", "r");
	int found = -1;

	if (!f)
		return -1;
	while (found < 0 && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "facilities", 10))
			continue;
		found = 0;
		tok = strchr(line, ':');
		for (tok = tok ? strtok_r(tok + 1, " \n", &save) : NULL; tok;
		     tok = strtok_r(NULL, " \n", &save))
			if (atoi(tok) == nr)
				found = 1;
	}
	fclose(f);
	return found;
}

static int enable_vector(int vm)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_S390_VECTOR_REGISTERS };

	return ioctl(vm, KVM_ENABLE_CAP, &cap);
}

static bool model_has(int vm, int nr)
{
	struct kvm_s390_vm_cpu_processor *proc = calloc(1, sizeof(*proc));
	struct kvm_device_attr attr = {
		.group = KVM_S390_VM_CPU_MODEL,
		.attr = KVM_S390_VM_CPU_PROCESSOR,
		.addr = (uintptr_t)proc,
	};
	bool has = false;

	if (proc && !ioctl(vm, KVM_GET_DEVICE_ATTR, &attr))
		has = proc->fac_list[nr / 64] & (1UL << (63 - nr % 64));
	free(proc);
	return has;
}

FIXTURE(vector) {
	int kvm;
	int vm;
	int vx;
};

FIXTURE_SETUP(vector)
{
	self->vm = -1;
	OPEN_KVM_OR_SKIP(self->kvm);
	self->vx = host_facility(129);
	ASSERT_LE(0, self->vx) TH_LOG("no facilities line in /proc/cpuinfo");
	ASSERT_FD(self->vm, kvm_create_vm(self->kvm));
}

FIXTURE_TEARDOWN(vector)
{
	if (self->vm >= 0)
		close(self->vm);
	close(self->kvm);
}

/* The capability, the enable errnos and the sync-register format follow the host. */
TEST_F(vector, follows_the_host_facility)
{
	struct kvm_run *run;
	int vcpu;

	EXPECT_EQ(self->vx, kvm_check_cap(self->kvm, KVM_CAP_S390_VECTOR_REGISTERS));
	EXPECT_FALSE(model_has(self->vm, 129));
	if (self->vx) {
		EXPECT_OK(enable_vector(self->vm));
		EXPECT_TRUE(model_has(self->vm, 129));
	} else {
		EXPECT_ERRNO(EINVAL, enable_vector(self->vm));
		EXPECT_FALSE(model_has(self->vm, 129));
	}
	ASSERT_FD(vcpu, kvm_create_vcpu(self->vm, 0));
	EXPECT_ERRNO(EBUSY, enable_vector(self->vm));
	run = kvm_map_run(self->kvm, vcpu);
	ASSERT_NE(MAP_FAILED, run);
	EXPECT_EQ(self->vx ? KVM_SYNC_VRS : KVM_SYNC_FPRS,
		  run->kvm_valid_regs & (KVM_SYNC_VRS | KVM_SYNC_FPRS));
	munmap(run, getpagesize());
	close(vcpu);
}

/*
 * A guest copies VR17 to VR2 and VR3 to VR18: both halves of each, set by
 * user space in kvm_run, reach the guest, and its results come back.
 */
TEST_F(vector, guest_uses_vector_registers)
{
	static const uint8_t code[] = {
		0xe7, 0x21, 0x00, 0x00, 0x04, 0x56,	/* vlr %v2,%v17 */
		0xe7, 0x23, 0x00, 0x00, 0x08, 0x56,	/* vlr %v18,%v3 */
		DIAG_501,
	};
	struct kvm_s390_psw psw = { .mask = PSW_MASK_64, .addr = CODE };
	struct kvm_run *run;
	struct kvm_fpu fpu;
	uint8_t *mem;
	int vcpu;

	if (!self->vx)
		SKIP(return, "test bed: the host has no vector facility (129)");
	ASSERT_OK(enable_vector(self->vm));
	mem = kvm_alloc_aligned(MEM_SIZE, SZ_1M);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, MEM_SIZE, (uintptr_t)mem));
	memcpy(mem + CODE, code, sizeof(code));
	ASSERT_FD(vcpu, kvm_create_vcpu(self->vm, 0));
	run = kvm_map_run(self->kvm, vcpu);
	ASSERT_NE(MAP_FAILED, run);
	ASSERT_OK(ioctl(vcpu, KVM_S390_SET_INITIAL_PSW, &psw));
	run->s.regs.crs[0] |= CR0_AFP | CR0_VX;
	run->kvm_dirty_regs = KVM_SYNC_CRS;
	run->s.regs.vrs[17][0] = 0x1717171717171717UL;
	run->s.regs.vrs[17][1] = 0x7171717171717171UL;
	run->s.regs.vrs[3][0] = 0x0303030303030303UL;
	run->s.regs.vrs[3][1] = 0x3030303030303030UL;

	ASSERT_OK(ioctl(vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_S390_SIEIC, run->exit_reason);
	EXPECT_EQ(ICPT_INST, run->s390_sieic.icptcode);
	EXPECT_EQ(DIAG_501_IPA, run->s390_sieic.ipa);
	EXPECT_EQ(0x1717171717171717UL, run->s.regs.vrs[2][0]);
	EXPECT_EQ(0x7171717171717171UL, run->s.regs.vrs[2][1]);
	EXPECT_EQ(0x0303030303030303UL, run->s.regs.vrs[18][0]);
	EXPECT_EQ(0x3030303030303030UL, run->s.regs.vrs[18][1]);

	/* KVM_GET_FPU: FPR 2 is the leftmost half of VR2. */
	ASSERT_OK(ioctl(vcpu, KVM_GET_FPU, &fpu));
	EXPECT_EQ(0x1717171717171717UL, fpu.fprs[2]);
	/* KVM_SET_FPU changes the leftmost half only. */
	fpu.fprs[3] = 0x4444444444444444UL;
	ASSERT_OK(ioctl(vcpu, KVM_SET_FPU, &fpu));
	EXPECT_EQ(0x4444444444444444UL, run->s.regs.vrs[3][0]);
	EXPECT_EQ(0x3030303030303030UL, run->s.regs.vrs[3][1]);

	munmap(run, getpagesize());
	close(vcpu);
	munmap(mem, MEM_SIZE);
}

TEST_HARNESS_MAIN
