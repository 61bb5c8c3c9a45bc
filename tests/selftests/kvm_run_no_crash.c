// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN on a vCPU of a VM without memory, and with an FPC that has
 * reserved bits set.  The two backends answer differently by design, and
 * each case states what it expects from each (Documentation/kvm_s390.rst,
 * "KVM_RUN"):
 *
 * - ours: the guest's prefix area lies outside guest memory, so KVM_RUN
 *   never enters SIE and fails with EFAULT, every time;
 * - mainline 7.3: the guest's first instruction fetch is an addressing
 *   exception, whose delivery fails on the missing lowcore in
 *   __deliver_prog; KVM_RUN then returns the program-interruption code
 *   PGM_ADDRESSING (5) as a positive value, which api.rst (4.10 KVM_RUN)
 *   does not allow.
 *
 * Afterwards the host must still work.  A SIGALRM after one second
 * interrupts a KVM_RUN that keeps the vCPU in the kernel (which would be a
 * failure: neither backend may wait here).
 */
#include <signal.h>

#include "kvm_util_min.h"

#define PGM_ADDRESSING	5
#define CODE_GPA	0x10000UL
#define PSW_MASK_64	0x0000000180000000UL	/* EA + BA, DAT and interrupts off */

static void on_alarm(int sig)
{
	(void)sig;
}

/* Runs the vCPU once, interrupted after a second at the latest. */
static long run_once(struct __test_metadata *_metadata, int vcpu,
		     struct kvm_run *run, int *err)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	long ret;

	EXPECT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	alarm(1);
	errno = 0;
	ret = ioctl(vcpu, KVM_RUN, 0);
	*err = errno;
	alarm(0);
	TH_LOG("KVM_RUN: %ld, errno %d (%s), exit_reason %u", ret, *err,
	       strerror(*err), run->exit_reason);
	return ret;
}

/* KVM_RUN without guest memory: the per-backend result described above. */
static void run_without_memory(struct __test_metadata *_metadata,
			       enum kvm_backend backend, int vcpu,
			       struct kvm_run *run)
{
	int err;
	long ret = run_once(_metadata, vcpu, run, &err);

	if (backend == BACKEND_OURS) {
		ASSERT_EQ(-1, ret);
		ASSERT_EQ(EFAULT, err);
	} else {
		ASSERT_EQ(PGM_ADDRESSING, ret);
	}
}

/* A new VM with a vCPU whose registers round-trip: the host is fine. */
static void host_still_fine(struct __test_metadata *_metadata, int kvm)
{
	struct kvm_regs set = { .gprs = { 1, 2, 3 } }, get;
	int vm, vcpu;

	ASSERT_FD(vm, kvm_create_vm(kvm));
	ASSERT_FD(vcpu, kvm_create_vcpu(vm, 0));
	ASSERT_OK(ioctl(vcpu, KVM_SET_REGS, &set));
	ASSERT_OK(ioctl(vcpu, KVM_GET_REGS, &get));
	ASSERT_EQ(0, memcmp(&set, &get, sizeof(set)));
	ASSERT_OK(close(vcpu));
	ASSERT_OK(close(vm));
}

FIXTURE(run) {
	int kvm;
	int vm;
	int vcpu;
	struct kvm_run *run;
	enum kvm_backend backend;
	uint8_t *mem;
};

FIXTURE_SETUP(run)
{
	self->vm = -1;
	self->vcpu = -1;
	self->run = MAP_FAILED;
	self->mem = MAP_FAILED;
	BACKEND_OR_SKIP(self->backend);
	OPEN_KVM_OR_SKIP(self->kvm);
	ASSERT_FD(self->vm, kvm_create_vm(self->kvm));
	ASSERT_FD(self->vcpu, kvm_create_vcpu(self->vm, 0));
	self->run = kvm_map_run(self->kvm, self->vcpu);
	ASSERT_NE(MAP_FAILED, self->run);
}

FIXTURE_TEARDOWN(run)
{
	if (self->run != MAP_FAILED)
		munmap(self->run, getpagesize());
	if (self->vcpu >= 0)
		close(self->vcpu);
	if (self->vm >= 0)
		close(self->vm);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, SZ_1M);
}

TEST_F(run, no_memory)
{
	run_without_memory(_metadata, self->backend, self->vcpu, self->run);
	/* Twice: a second entry after whatever the first one left behind. */
	run_without_memory(_metadata, self->backend, self->vcpu, self->run);

	ASSERT_OK(close(self->vcpu));
	self->vcpu = -1;
	ASSERT_OK(close(self->vm));
	self->vm = -1;
	host_still_fine(_metadata, self->kvm);
}

TEST_F(run, no_memory_64bit_psw)
{
	struct kvm_s390_psw psw = { .mask = PSW_MASK_64, .addr = CODE_GPA };

	ASSERT_OK(ioctl(self->vcpu, KVM_S390_SET_INITIAL_PSW, &psw));
	run_without_memory(_metadata, self->backend, self->vcpu, self->run);

	ASSERT_OK(close(self->vcpu));
	self->vcpu = -1;
	ASSERT_OK(close(self->vm));
	self->vm = -1;
	host_still_fine(_metadata, self->kvm);
}

/*
 * KVM_SET_FPU accepts an fpc with reserved bits on both backends
 * (kvm_arch_vcpu_ioctl_set_fpu in 7.3 does not check it).  Loading it for
 * the guest must not take the host down: both load it as 0 (mainline with
 * fpu_lfpc_safe()), so a guest that exits at once through DIAG 0x501
 * returns fpc 0 in kvm_run.
 */
TEST_F(run, invalid_fpc)
{
	static const uint8_t diag_501[] = { 0x83, 0x00, 0x05, 0x01 };
	struct kvm_s390_psw psw = { .mask = PSW_MASK_64, .addr = CODE_GPA };
	struct kvm_fpu fpu = { .fpc = 0xffffffff };
	int err;

	self->mem = kvm_alloc_aligned(SZ_1M, SZ_1M);
	ASSERT_NE(MAP_FAILED, self->mem);
	memcpy(self->mem + CODE_GPA, diag_501, sizeof(diag_501));
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, SZ_1M, (uintptr_t)self->mem));
	ASSERT_OK(ioctl(self->vcpu, KVM_S390_SET_INITIAL_PSW, &psw));
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_FPU, &fpu));

	ASSERT_EQ(0, run_once(_metadata, self->vcpu, self->run, &err));
	ASSERT_EQ(KVM_EXIT_S390_SIEIC, self->run->exit_reason);
	EXPECT_EQ(0x8300, self->run->s390_sieic.ipa);
	EXPECT_EQ(CODE_GPA + 4, self->run->psw_addr);
	EXPECT_EQ(0, self->run->s.regs.fpc);

	ASSERT_OK(close(self->vcpu));
	self->vcpu = -1;
	ASSERT_OK(close(self->vm));
	self->vm = -1;
	host_still_fine(_metadata, self->kvm);
}

TEST_HARNESS_MAIN
