// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CREATE_VM: the machine types s390 accepts, the VM file descriptor,
 * many VMs at once, and the ioctls a VM file refuses.
 */
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kvm_util_min.h"

#define NR_VMS	16

TEST(create_vm_type_0)
{
	char name[64];
	int kvm, vm;

	OPEN_KVM_OR_SKIP(kvm);
	ASSERT_FD(vm, ioctl(kvm, KVM_CREATE_VM, 0UL));

	/* kvm_dev_ioctl_create_vm: an anon inode "kvm-vm", O_CLOEXEC. */
	ASSERT_LT(0, kvm_fd_name(vm, name, sizeof(name)));
	EXPECT_STREQ("anon_inode:kvm-vm", name);
	EXPECT_EQ(FD_CLOEXEC, fcntl(vm, F_GETFD) & FD_CLOEXEC);

	/* The descriptor answers VM ioctls. */
	EXPECT_EQ(1, kvm_check_cap(vm, KVM_CAP_S390_PSW));

	ASSERT_OK(close(vm));
	close(kvm);
}

/* Drops CAP_SYS_ADMIN from the effective set of this (forked) test process. */
static int drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
	return syscall(SYS_capset, &hdr, data);
}

TEST(create_vm_bad_types)
{
	static const unsigned long bad[] = {
		2, 3, 4, 0x80, 0x100, 1UL << 31, 1UL << 32, 1UL << 63, ~0UL,
	};
	unsigned int i;
	int kvm, vm;

	OPEN_KVM_OR_SKIP(kvm);

	/*
	 * kvm_arch_init_vm: any type bit other than KVM_VM_S390_UCONTROL is
	 * -EINVAL, with and without CONFIG_KVM_S390_UCONTROL.
	 */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_ERRNO(EINVAL, ioctl(kvm, KVM_CREATE_VM, bad[i]));
	}

	if (!kvm_check_cap(kvm, KVM_CAP_S390_UCONTROL)) {
		/*
		 * kvm_arch_init_vm: without CONFIG_KVM_S390_UCONTROL (which is
		 * also when KVM_CAP_S390_UCONTROL is not reported) every
		 * non-zero type is -EINVAL.
		 */
		ASSERT_ERRNO(EINVAL, ioctl(kvm, KVM_CREATE_VM, KVM_VM_S390_UCONTROL));
	} else {
		/* kvm_arch_init_vm: user-controlled VMs need CAP_SYS_ADMIN. */
		vm = ioctl(kvm, KVM_CREATE_VM, KVM_VM_S390_UCONTROL);
		if (vm >= 0) {
			close(vm);
		} else {
			ASSERT_EQ(EINVAL, errno);
			TH_LOG("not CAP_SYS_ADMIN: UCONTROL refused as expected");
		}
		ASSERT_OK(drop_sys_admin());
		ASSERT_ERRNO(EINVAL, ioctl(kvm, KVM_CREATE_VM, KVM_VM_S390_UCONTROL));
	}

	/* A failed attempt leaves /dev/kvm usable. */
	ASSERT_FD(vm, kvm_create_vm(kvm));
	close(vm);
	close(kvm);
}

TEST(many_vms_at_once)
{
	int vms[NR_VMS], vcpus[NR_VMS];
	int kvm, i, j;

	OPEN_KVM_OR_SKIP(kvm);

	for (i = 0; i < NR_VMS; i++) {
		ASSERT_FD(vms[i], kvm_create_vm(kvm));
		for (j = 0; j < i; j++) {
			ASSERT_NE(vms[j], vms[i]);
		}
		ASSERT_FD(vcpus[i], kvm_create_vcpu(vms[i], 0));
	}
	/* Every VM is its own: vCPU id 0 exists in each of them. */
	for (i = 0; i < NR_VMS; i++) {
		/* kvm_vm_ioctl_create_vcpu: -EEXIST for an id already used. */
		EXPECT_ERRNO(EEXIST, kvm_create_vcpu(vms[i], 0));
		EXPECT_EQ(1, kvm_check_cap(vms[i], KVM_CAP_USER_MEMORY));
	}
	for (i = 0; i < NR_VMS; i++) {
		EXPECT_OK(close(vcpus[i]));
		EXPECT_OK(close(vms[i]));
	}
	close(kvm);
}

/*
 * Runs @req on @fd in a child process (another mm) and returns the child's
 * errno, or 0 if the ioctl succeeded, or -1 if the child failed otherwise.
 */
static int errno_in_child(int fd, unsigned long req, unsigned long arg)
{
	int status, p[2], err = -1;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int e = 0;

		if (ioctl(fd, req, arg) < 0)
			e = errno;
		if (write(p[1], &e, sizeof(e)) != sizeof(e))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &err, sizeof(err)) != sizeof(err))
		err = -1;
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		err = -1;
	return err;
}

TEST(vm_ioctl_from_other_mm)
{
	int kvm, vm, vcpu;

	OPEN_KVM_OR_SKIP(kvm);
	ASSERT_FD(vm, kvm_create_vm(kvm));
	ASSERT_FD(vcpu, kvm_create_vcpu(vm, 0));

	/* kvm_vm_ioctl: -EIO unless kvm->mm == current->mm. */
	EXPECT_EQ(EIO, errno_in_child(vm, KVM_CREATE_VCPU, 1));
	EXPECT_EQ(EIO, errno_in_child(vm, KVM_CHECK_EXTENSION, KVM_CAP_S390_PSW));
	/* kvm_vcpu_ioctl: the same rule for vCPU ioctls. */
	EXPECT_EQ(EIO, errno_in_child(vcpu, KVM_S390_INITIAL_RESET, 0));

	/* The owner still can. */
	ASSERT_FD(vcpu, kvm_create_vcpu(vm, 1));
	close(vcpu);
	close(vm);
	close(kvm);
}

TEST(unknown_vm_ioctl)
{
	struct kvm_regs regs;
	int kvm, vm;

	OPEN_KVM_OR_SKIP(kvm);
	ASSERT_FD(vm, kvm_create_vm(kvm));

	/*
	 * kvm_vm_ioctl passes what it does not know to kvm_arch_vm_ioctl,
	 * whose default is -ENOTTY: unknown numbers, system and vCPU ioctls,
	 * and non-KVM ioctls (kvm_vm_ioctl does not check the ioctl type).
	 */
	EXPECT_ERRNO(ENOTTY, ioctl(vm, _IO(KVMIO, 0xfe), 0));
	EXPECT_ERRNO(ENOTTY, ioctl(vm, KVM_GET_API_VERSION, 0));
	EXPECT_ERRNO(ENOTTY, ioctl(vm, KVM_GET_REGS, &regs));
	EXPECT_ERRNO(ENOTTY, ioctl(vm, _IO('T', 0x01), 0));

	close(vm);
	close(kvm);
}

TEST_HARNESS_MAIN
