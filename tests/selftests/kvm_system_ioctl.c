// SPDX-License-Identifier: GPL-2.0
/*
 * System ioctls on /dev/kvm: API version, capabilities, vCPU mmap size,
 * and the errno of ioctls /dev/kvm does not know.
 *
 * Only capabilities mainline 7.3 reports on every s390 machine and that do
 * not depend on running a guest or on an optional facility are asserted
 * present.
 */
#include "kvm_util_min.h"

TEST(api_version)
{
	int kvm;

	OPEN_KVM_OR_SKIP(kvm);

	/* kvm_dev_ioctl: KVM_GET_API_VERSION returns KVM_API_VERSION. */
	ASSERT_EQ(12, KVM_API_VERSION);
	ASSERT_EQ(12, ioctl(kvm, KVM_GET_API_VERSION, 0));

	/* kvm_dev_ioctl: a non-zero argument is refused with -EINVAL. */
	ASSERT_ERRNO(EINVAL, ioctl(kvm, KVM_GET_API_VERSION, 1));

	close(kvm);
}

TEST(vcpu_mmap_size)
{
	int kvm;

	OPEN_KVM_OR_SKIP(kvm);

	/*
	 * kvm_dev_ioctl: PAGE_SIZE for struct kvm_run; the PIO page is x86
	 * only and s390 does not select CONFIG_KVM_MMIO (no coalesced MMIO
	 * ring page), so exactly one page.
	 */
	ASSERT_EQ(getpagesize(), ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0));

	/* kvm_dev_ioctl: a non-zero argument is refused with -EINVAL. */
	ASSERT_ERRNO(EINVAL, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 1));

	close(kvm);
}

TEST(always_present_capabilities)
{
	int kvm;

	OPEN_KVM_OR_SKIP(kvm);

	/* kvm_vm_ioctl_check_extension_generic: 1, on every architecture. */
	EXPECT_EQ(1, kvm_check_cap(kvm, KVM_CAP_USER_MEMORY));
	EXPECT_EQ(1, kvm_check_cap(kvm, KVM_CAP_DESTROY_MEMORY_REGION_WORKS));
	EXPECT_EQ(1, kvm_check_cap(kvm, KVM_CAP_JOIN_MEMORY_REGIONS_WORKS));
	EXPECT_EQ(1, kvm_check_cap(kvm, KVM_CAP_CHECK_EXTENSION_VM));
	/* kvm_vm_ioctl_check_extension: 1 on every s390 machine. */
	EXPECT_EQ(1, kvm_check_cap(kvm, KVM_CAP_S390_PSW));
	/* kvm_vm_ioctl_check_extension_generic: KVM_USER_MEM_SLOTS. */
	EXPECT_LT(0, kvm_check_cap(kvm, KVM_CAP_NR_MEMSLOTS));

	close(kvm);
}

TEST(vcpu_limit_capabilities)
{
	int kvm, nr, max, max_id;
	long online;

	OPEN_KVM_OR_SKIP(kvm);

	nr = kvm_check_cap(kvm, KVM_CAP_NR_VCPUS);
	max = kvm_check_cap(kvm, KVM_CAP_MAX_VCPUS);
	max_id = kvm_check_cap(kvm, KVM_CAP_MAX_VCPU_ID);
	TH_LOG("NR_VCPUS %d MAX_VCPUS %d MAX_VCPU_ID %d", nr, max, max_id);

	/*
	 * kvm_vm_ioctl_check_extension: MAX_VCPUS is the number of SCA
	 * entries (248 with the extended SCA) or KVM_MAX_VCPUS (255) when SCA
	 * entries are not used; generic KVM never lets a VM hold more than
	 * KVM_MAX_VCPUS (kvm_vm_ioctl_create_vcpu), so no backend may report
	 * more.
	 */
	ASSERT_LE(1, max);
	ASSERT_GE(S390_KVM_MAX_VCPUS, max);

	/*
	 * kvm_vm_ioctl_check_extension: "Return the same value for
	 * KVM_CAP_MAX_VCPUS and KVM_CAP_MAX_VCPU_ID".
	 */
	ASSERT_EQ(max, max_id);

	/* kvm_vm_ioctl_check_extension: NR_VCPUS = min(online CPUs, MAX). */
	ASSERT_LE(1, nr);
	ASSERT_GE(max, nr);
	online = sysconf(_SC_NPROCESSORS_ONLN);
	if (online > 0) {
		ASSERT_EQ(online < max ? online : max, nr);
	}

	close(kvm);
}

TEST(unknown_capability)
{
	int kvm;

	OPEN_KVM_OR_SKIP(kvm);

	/* kvm_vm_ioctl_check_extension: default case returns 0. */
	EXPECT_EQ(0, kvm_check_cap(kvm, 0x7fffffff));
	EXPECT_EQ(0, kvm_check_cap(kvm, -1));
	/* Not for s390: it has no read-only memslots (HAVE_KVM_READONLY_MEM). */
	EXPECT_EQ(0, kvm_check_cap(kvm, KVM_CAP_READONLY_MEM));

	close(kvm);
}

TEST(vm_check_extension_matches_system)
{
	static const long caps[] = {
		KVM_CAP_USER_MEMORY, KVM_CAP_DESTROY_MEMORY_REGION_WORKS,
		KVM_CAP_JOIN_MEMORY_REGIONS_WORKS, KVM_CAP_NR_VCPUS,
		KVM_CAP_MAX_VCPUS, KVM_CAP_MAX_VCPU_ID, KVM_CAP_NR_MEMSLOTS,
		KVM_CAP_S390_PSW, KVM_CAP_S390_GMAP, KVM_CAP_SYNC_REGS,
		KVM_CAP_ONE_REG, KVM_CAP_MP_STATE, KVM_CAP_VM_ATTRIBUTES,
		KVM_CAP_S390_UCONTROL, 0x7fffffff,
	};
	unsigned int i;
	int kvm, vm;

	OPEN_KVM_OR_SKIP(kvm);
	ASSERT_FD(vm, kvm_create_vm(kvm));

	/*
	 * kvm_vm_ioctl and kvm_dev_ioctl both end in
	 * kvm_vm_ioctl_check_extension_generic; on s390 only the huge page
	 * capabilities look at the VM (and they are not in this list).
	 */
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		EXPECT_EQ(kvm_check_cap(kvm, caps[i]), kvm_check_cap(vm, caps[i]))
			TH_LOG("capability %ld", caps[i]);
	}

	close(vm);
	close(kvm);
}

TEST(enable_sie)
{
	int kvm;

	OPEN_KVM_OR_SKIP(kvm);

	/* kvm_arch_dev_ioctl: KVM_S390_ENABLE_SIE is kept as a no-op. */
	ASSERT_EQ(0, ioctl(kvm, KVM_S390_ENABLE_SIE, 0));

	close(kvm);
}

TEST(unknown_system_ioctl)
{
	struct kvm_regs regs;
	int kvm;

	OPEN_KVM_OR_SKIP(kvm);

	/*
	 * kvm_dev_ioctl passes what it does not know to kvm_arch_dev_ioctl,
	 * which refuses everything but KVM_S390_ENABLE_SIE with -EINVAL:
	 * unknown numbers, VM and vCPU ioctls and non-KVM ioctls alike.
	 */
	EXPECT_ERRNO(EINVAL, ioctl(kvm, _IO(KVMIO, 0xfe), 0));
	EXPECT_ERRNO(EINVAL, ioctl(kvm, KVM_CREATE_VCPU, 0));
	EXPECT_ERRNO(EINVAL, ioctl(kvm, KVM_GET_REGS, &regs));
	EXPECT_ERRNO(EINVAL, ioctl(kvm, _IO('T', 0x01), 0));

	close(kvm);
}

TEST_HARNESS_MAIN
