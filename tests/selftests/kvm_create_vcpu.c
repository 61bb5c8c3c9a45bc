// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CREATE_VCPU: ids, duplicates, the id limit and the vCPU limit, as
 * kvm_vm_ioctl_create_vcpu (kvm_main.c) and s390's kvm_arch_vcpu_precreate
 * decide them.  Mainline 7.3 reports KVM_CAP_MAX_VCPUS == KVM_CAP_MAX_VCPU_ID:
 * KVM_S390_ESCA_CPU_SLOTS (248) when SCA entries are used (SIGP
 * interpretation and the extended SCA), else KVM_MAX_VCPUS (255) as on
 * Hercules.  A backend that only has the basic SCA reports 64.  The tests
 * use whatever the backend reports.
 */
#include <limits.h>

#include "kvm_util_min.h"

FIXTURE(vcpu_ids) {
	int kvm;
	int vm;
	int max_vcpus;
	int max_vcpu_id;
};

FIXTURE_SETUP(vcpu_ids)
{
	self->vm = -1;
	OPEN_KVM_OR_SKIP(self->kvm);
	ASSERT_FD(self->vm, kvm_create_vm(self->kvm));
	self->max_vcpus = kvm_check_cap(self->vm, KVM_CAP_MAX_VCPUS);
	self->max_vcpu_id = kvm_check_cap(self->vm, KVM_CAP_MAX_VCPU_ID);
	ASSERT_LE(1, self->max_vcpus);
	ASSERT_LE(self->max_vcpus, self->max_vcpu_id);
}

FIXTURE_TEARDOWN(vcpu_ids)
{
	if (self->vm >= 0)
		close(self->vm);
}

TEST_F(vcpu_ids, first_ids)
{
	char name[64], want[64];
	int fd[4], i;

	for (i = 0; i < 4 && i < self->max_vcpus; i++) {
		ASSERT_FD(fd[i], kvm_create_vcpu(self->vm, i));
		/* create_vcpu_fd: anon inode "kvm-vcpu:<id>", O_CLOEXEC. */
		snprintf(want, sizeof(want), "anon_inode:kvm-vcpu:%d", i);
		ASSERT_LT(0, kvm_fd_name(fd[i], name, sizeof(name)));
		EXPECT_STREQ(want, name);
		EXPECT_EQ(FD_CLOEXEC, fcntl(fd[i], F_GETFD) & FD_CLOEXEC);
	}
	while (i--) {
		EXPECT_OK(close(fd[i]));
	}
}

TEST_F(vcpu_ids, duplicate_id)
{
	int a, b;

	ASSERT_FD(a, kvm_create_vcpu(self->vm, 0));
	/* kvm_vm_ioctl_create_vcpu: kvm_get_vcpu_by_id() finds it: -EEXIST. */
	EXPECT_ERRNO(EEXIST, kvm_create_vcpu(self->vm, 0));

	/* Closing the fd does not free the id: the vCPU lives with the VM. */
	ASSERT_OK(close(a));
	EXPECT_ERRNO(EEXIST, kvm_create_vcpu(self->vm, 0));

	ASSERT_FD(b, kvm_create_vcpu(self->vm, 1));
	EXPECT_ERRNO(EEXIST, kvm_create_vcpu(self->vm, 1));
	close(b);
}

TEST_F(vcpu_ids, id_limit)
{
	int fd;

	/* The highest id, alone: ids need not be dense. */
	ASSERT_FD(fd, kvm_create_vcpu(self->vm, self->max_vcpu_id - 1));
	close(fd);

	/*
	 * kvm_vm_ioctl_create_vcpu (id >= KVM_MAX_VCPU_IDS) or
	 * kvm_arch_vcpu_precreate (sca_can_add_vcpu): an id at or above
	 * KVM_CAP_MAX_VCPU_ID is -EINVAL.
	 */
	EXPECT_ERRNO(EINVAL, kvm_create_vcpu(self->vm, self->max_vcpu_id));
	EXPECT_ERRNO(EINVAL, kvm_create_vcpu(self->vm, S390_KVM_MAX_VCPUS));
	EXPECT_ERRNO(EINVAL, kvm_create_vcpu(self->vm, INT_MAX));
	EXPECT_ERRNO(EINVAL, kvm_create_vcpu(self->vm, 1UL << 32));
	EXPECT_ERRNO(EINVAL, kvm_create_vcpu(self->vm, ~0UL));

	/* Nothing was created by the failures, the VM is still usable. */
	ASSERT_FD(fd, kvm_create_vcpu(self->vm, 0));
	close(fd);
}

/* Up to 255 vCPUs: a few seconds on real hardware, longer on Hercules. */
TEST_F_TIMEOUT(vcpu_ids, max_vcpus, 300)
{
	int *fds, i, n = self->max_vcpus;

	fds = calloc(n, sizeof(*fds));
	ASSERT_NE(NULL, fds);

	/* Every id below KVM_CAP_MAX_VCPUS, all at once. */
	for (i = 0; i < n; i++) {
		fds[i] = kvm_create_vcpu(self->vm, i);
		ASSERT_LE(0, fds[i])
			TH_LOG("vCPU %d of %d: %s", i, n, strerror(errno));
	}

	/*
	 * kvm_vm_ioctl_create_vcpu / kvm_arch_vcpu_precreate: the next id is
	 * -EINVAL (KVM_CAP_MAX_VCPU_ID == KVM_CAP_MAX_VCPUS on s390).
	 */
	if (self->max_vcpu_id == n) {
		EXPECT_ERRNO(EINVAL, kvm_create_vcpu(self->vm, n));
	}
	EXPECT_ERRNO(EINVAL, kvm_create_vcpu(self->vm, self->max_vcpu_id));

	/* All of them answer. */
	for (i = 0; i < n; i++) {
		struct kvm_regs regs;

		EXPECT_OK(ioctl(fds[i], KVM_GET_REGS, &regs));
	}
	for (i = 0; i < n; i++) {
		EXPECT_OK(close(fds[i]));
	}
	free(fds);
}

TEST_HARNESS_MAIN
