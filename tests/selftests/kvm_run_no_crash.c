// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN on a vCPU of a VM without memory.  What the call does differs
 * between backends (mainline enters SIE and the guest faults on its first
 * instruction fetch; a backend that cannot run guests yet returns
 * -EOPNOTSUPP), so this asserts only that the call returns, with -1 and an
 * errno or with 0 and a known exit reason, and that the host still works
 * afterwards.  A SIGALRM after one second interrupts a KVM_RUN that keeps
 * the vCPU in the kernel; the harness's timeout catches one that ignores
 * signals.
 */
#include <signal.h>

#include "kvm_util_min.h"

static void on_alarm(int sig)
{
	(void)sig;
}

/* Runs the vCPU once, interrupted after a second at the latest. */
static void run_once(struct __test_metadata *_metadata, int vcpu,
		     struct kvm_run *run)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	long ret;
	int err;

	ASSERT_OK(sigaction(SIGALRM, &sa, NULL));
	alarm(1);
	errno = 0;
	ret = ioctl(vcpu, KVM_RUN, 0);
	err = errno;
	alarm(0);

	if (ret < 0) {
		TH_LOG("KVM_RUN: -1, errno %d (%s)", err, strerror(err));
		ASSERT_EQ(-1, ret);
		ASSERT_NE(0, err);
	} else if (ret == 0) {
		TH_LOG("KVM_RUN: 0, exit_reason %u", run->exit_reason);
		/* include/uapi/linux/kvm.h: KVM_EXIT_UNKNOWN .. KVM_EXIT_SNP_REQ_CERTS. */
		ASSERT_GE(KVM_EXIT_SNP_REQ_CERTS, run->exit_reason);
	} else {
		/*
		 * api.rst (4.10 KVM_RUN) allows only 0 or -1, but mainline 7.3
		 * returns a positive program-interruption code here: with no
		 * memory behind the guest's lowcore, delivering the addressing
		 * exception fails in __deliver_prog with PGM_ADDRESSING (5),
		 * which kvm_s390_deliver_pending_interrupts, vcpu_pre_run and
		 * __vcpu_run hand back as KVM_RUN's result.  The call did
		 * return, which is all this test asserts.
		 */
		TH_LOG("KVM_RUN: %ld (not 0 or -1: contradicts api.rst), exit_reason %u",
		       ret, run->exit_reason);
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
};

FIXTURE_SETUP(run)
{
	self->vm = -1;
	self->vcpu = -1;
	self->run = MAP_FAILED;
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
}

TEST_F(run, no_memory)
{
	run_once(_metadata, self->vcpu, self->run);
	/* Twice: a second entry after whatever the first one left behind. */
	run_once(_metadata, self->vcpu, self->run);

	ASSERT_OK(close(self->vcpu));
	self->vcpu = -1;
	ASSERT_OK(close(self->vm));
	self->vm = -1;
	host_still_fine(_metadata, self->kvm);
}

TEST_F(run, no_memory_64bit_psw)
{
	struct kvm_s390_psw psw = { .mask = 0x0000000180000000UL, .addr = 0x10000 };

	ASSERT_OK(ioctl(self->vcpu, KVM_S390_SET_INITIAL_PSW, &psw));
	run_once(_metadata, self->vcpu, self->run);

	ASSERT_OK(close(self->vcpu));
	self->vcpu = -1;
	ASSERT_OK(close(self->vm));
	self->vm = -1;
	host_still_fine(_metadata, self->kvm);
}

/*
 * KVM_SET_FPU accepts an fpc with reserved bits (kvm_arch_vcpu_ioctl_set_fpu
 * in 7.3 does not check it); loading it for the guest must not take the
 * host down (mainline loads it with fpu_lfpc_safe()).
 */
TEST_F(run, invalid_fpc)
{
	struct kvm_fpu fpu = { .fpc = 0xffffffff };

	if (ioctl(self->vcpu, KVM_SET_FPU, &fpu))
		SKIP(return, "KVM_SET_FPU refused fpc 0xffffffff: %s", strerror(errno));
	run_once(_metadata, self->vcpu, self->run);

	ASSERT_OK(close(self->vcpu));
	self->vcpu = -1;
	ASSERT_OK(close(self->vm));
	self->vm = -1;
	host_still_fine(_metadata, self->kvm);
}

TEST_HARNESS_MAIN
