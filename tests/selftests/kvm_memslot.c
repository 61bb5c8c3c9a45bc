// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_USER_MEMORY_REGION: mainline's validation in kvm_main.c
 * (kvm_vm_ioctl, kvm_vm_ioctl_set_memory_region, kvm_set_memory_region,
 * check_memory_region_flags) and in s390's kvm_arch_prepare_memory_region
 * (s390_kvm_mmu_prepare_memory_region in arch/s390/kvm/gmap/kvm_mmu.c),
 * and the memory limit of the VM (KVM_S390_VM_MEM_LIMIT_SIZE,
 * kvm_s390_get_mem_control / kvm_s390_set_mem_control).
 *
 * In 7.3 s390 requires only page alignment of guest_phys_addr,
 * memory_size and userspace_addr (older kernels wanted 1 MiB segments);
 * the valid slots here are 1 MiB aligned anyway, as QEMU's are.
 */
#include "kvm_util_min.h"

#define MEM_SIZE	(4 * SZ_1M)

FIXTURE(memslot) {
	int kvm;
	int vm;
	int nr_slots;
	uint64_t mem;	/* MEM_SIZE bytes, 1 MiB aligned */
};

FIXTURE_SETUP(memslot)
{
	void *m;

	self->vm = -1;
	self->mem = 0;
	OPEN_KVM_OR_SKIP(self->kvm);
	ASSERT_FD(self->vm, kvm_create_vm(self->kvm));
	self->nr_slots = kvm_check_cap(self->kvm, KVM_CAP_NR_MEMSLOTS);
	ASSERT_LT(0, self->nr_slots);
	m = kvm_alloc_aligned(MEM_SIZE, SZ_1M);
	ASSERT_NE(MAP_FAILED, m);
	self->mem = (uintptr_t)m;
}

FIXTURE_TEARDOWN(memslot)
{
	if (self->vm >= 0)
		close(self->vm);
	if (self->mem)
		munmap((void *)(uintptr_t)self->mem, MEM_SIZE);
}

TEST_F(memslot, create_delete)
{
	/* A plain slot and a second one right after it. */
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, SZ_1M, self->mem));
	ASSERT_OK(kvm_set_memslot(self->vm, 1, 0, SZ_1M, SZ_1M, self->mem + SZ_1M));

	/* memory_size 0 deletes (kvm_set_memory_region, KVM_MR_DELETE). */
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, 0, 0));
	/* ... so the range and the slot id are free again. */
	ASSERT_OK(kvm_set_memslot(self->vm, 2, 0, 0, SZ_1M, self->mem));
	ASSERT_OK(kvm_set_memslot(self->vm, 2, 0, 0, 0, 0));
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, SZ_1M, self->mem));

	/* kvm_set_memory_region: deleting a slot that does not exist: -EINVAL. */
	ASSERT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 5, 0, 0, 0, 0));
	ASSERT_OK(kvm_set_memslot(self->vm, 1, 0, 0, 0, 0));
	ASSERT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 1, 0, 0, 0, 0));
}

TEST_F(memslot, page_granular_slot)
{
	/*
	 * s390_kvm_mmu_prepare_memory_region (7.3) checks userspace_addr
	 * against PAGE_MASK only; kvm_set_memory_region wants page alignment
	 * of all three.  A 12 KiB slot at 4 KiB is fine.
	 */
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, SZ_4K, 3 * SZ_4K,
				  self->mem + SZ_4K));
	ASSERT_OK(kvm_set_memslot(self->vm, 1, 0, SZ_1M + 5 * SZ_4K, SZ_4K,
				  self->mem + 9 * SZ_4K));
}

TEST_F(memslot, misaligned)
{
	/* kvm_set_memory_region: memory_size not a multiple of PAGE_SIZE. */
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 0, 0, 0, SZ_1M + 0x800, self->mem));
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 0, 0, 0, 0x800, self->mem));
	/* kvm_set_memory_region: guest_phys_addr not page aligned. */
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 0, 0, 0x800, SZ_1M, self->mem));
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 0, 0, SZ_1M + 8, SZ_1M, self->mem));
	/* kvm_set_memory_region: userspace_addr not page aligned. */
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 0, 0, 0, SZ_1M, self->mem + 0x800));
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 0, 0, 0, SZ_1M, self->mem + 1));

	/* None of them created anything. */
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, SZ_1M, self->mem));
}

TEST_F(memslot, slot_ids)
{
	int last = self->nr_slots - 1;

	/* The highest user slot id is KVM_CAP_NR_MEMSLOTS - 1. */
	ASSERT_OK(kvm_set_memslot(self->vm, last, 0, 0, SZ_1M, self->mem));

	/*
	 * kvm_vm_ioctl_set_memory_region: (u16)slot >= KVM_USER_MEM_SLOTS
	 * (the id reported as KVM_CAP_NR_MEMSLOTS) is -EINVAL; the ids above
	 * are KVM-internal.
	 */
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, self->nr_slots, 0, SZ_1M,
					     SZ_1M, self->mem + SZ_1M));
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 0xffff, 0, SZ_1M,
					     SZ_1M, self->mem + SZ_1M));
	/*
	 * kvm_set_memory_region: the upper 16 bits select an address space;
	 * s390 has one (as_id >= kvm_arch_nr_memslot_as_ids is -EINVAL).
	 */
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 1U << 16, 0, SZ_1M,
					     SZ_1M, self->mem + SZ_1M));
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 0xffffffffU, 0, SZ_1M,
					     SZ_1M, self->mem + SZ_1M));

	ASSERT_OK(kvm_set_memslot(self->vm, last, 0, 0, 0, 0));
}

TEST_F(memslot, flags)
{
	/* check_memory_region_flags: dirty logging is valid on s390. */
	ASSERT_OK(kvm_set_memslot(self->vm, 0, KVM_MEM_LOG_DIRTY_PAGES, 0,
				  SZ_1M, self->mem));

	/*
	 * check_memory_region_flags: s390 does not select
	 * HAVE_KVM_READONLY_MEM, so KVM_MEM_READONLY is -EINVAL (and
	 * KVM_CAP_READONLY_MEM is not reported).
	 */
	EXPECT_EQ(0, kvm_check_cap(self->kvm, KVM_CAP_READONLY_MEM));
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 1, KVM_MEM_READONLY,
					     SZ_1M, SZ_1M, self->mem + SZ_1M));
	/*
	 * kvm_vm_ioctl: the v1 ioctl accepts only
	 * KVM_SET_USER_MEMORY_REGION_V1_FLAGS (no KVM_MEM_GUEST_MEMFD).
	 */
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 1, KVM_MEM_GUEST_MEMFD,
					     SZ_1M, SZ_1M, self->mem + SZ_1M));
	/* kvm_vm_ioctl / check_memory_region_flags: unknown flag bits. */
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 1, 1U << 3,
					     SZ_1M, SZ_1M, self->mem + SZ_1M));
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 1, 1U << 31,
					     SZ_1M, SZ_1M, self->mem + SZ_1M));

	/* None of them created slot 1. */
	ASSERT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 1, 0, 0, 0, 0));
}

TEST_F(memslot, address_wrap)
{
	/* kvm_set_memory_region: guest_phys_addr + memory_size wraps. */
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 0, 0, -SZ_1M, 2 * SZ_1M,
					     self->mem));
	/*
	 * No assertion about a user range that wraps: kvm_set_memory_region's
	 * access_ok() is always true on s390 (CONFIG_ALTERNATE_USER_ADDRESS_SPACE),
	 * so mainline accepts it and faults when the guest touches it.
	 */
}

TEST_F(memslot, overlap)
{
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, SZ_1M, SZ_1M, self->mem));

	/*
	 * kvm_set_memory_region: a new slot intersecting an existing one is
	 * -EEXIST (kvm_check_memslot_overlap), whatever the host memory.
	 */
	EXPECT_ERRNO(EEXIST, kvm_set_memslot(self->vm, 1, 0, SZ_1M, SZ_1M,
					     self->mem + SZ_1M));
	EXPECT_ERRNO(EEXIST, kvm_set_memslot(self->vm, 1, 0, SZ_1M / 2, SZ_1M,
					     self->mem + SZ_1M));
	EXPECT_ERRNO(EEXIST, kvm_set_memslot(self->vm, 1, 0, 2 * SZ_1M - SZ_4K,
					     SZ_1M, self->mem + SZ_1M));
	EXPECT_ERRNO(EEXIST, kvm_set_memslot(self->vm, 1, 0, 0, 4 * SZ_1M,
					     self->mem));
	EXPECT_ERRNO(EEXIST, kvm_set_memslot(self->vm, 1, 0, SZ_1M + SZ_4K, SZ_4K,
					     self->mem + SZ_1M));

	/* Touching is not overlapping. */
	ASSERT_OK(kvm_set_memslot(self->vm, 1, 0, 0, SZ_1M, self->mem + SZ_1M));
	ASSERT_OK(kvm_set_memslot(self->vm, 2, 0, 2 * SZ_1M, SZ_1M,
				  self->mem + 2 * SZ_1M));
	/* The same host memory in two slots is allowed. */
	ASSERT_OK(kvm_set_memslot(self->vm, 3, 0, 3 * SZ_1M, SZ_1M, self->mem));
}

TEST_F(memslot, modify)
{
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, SZ_1M, self->mem));

	/* kvm_set_memory_region: nothing to change is 0. */
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, SZ_1M, self->mem));
	/* KVM_MR_FLAGS_ONLY: toggling dirty logging. */
	ASSERT_OK(kvm_set_memslot(self->vm, 0, KVM_MEM_LOG_DIRTY_PAGES, 0, SZ_1M,
				  self->mem));
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, SZ_1M, self->mem));

	/*
	 * kvm_set_memory_region: an existing slot's userspace_addr and size
	 * cannot change: -EINVAL.
	 */
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 0, 0, 0, 2 * SZ_1M,
					     self->mem));
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 0, 0, 0, SZ_1M,
					     self->mem + SZ_1M));

	/* KVM_MR_MOVE: a new guest_phys_addr frees the old range. */
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 8 * SZ_1M, SZ_1M, self->mem));
	ASSERT_OK(kvm_set_memslot(self->vm, 1, 0, 0, SZ_1M, self->mem + SZ_1M));

	/* kvm_set_memory_region: a move onto another slot is -EEXIST. */
	EXPECT_ERRNO(EEXIST, kvm_set_memslot(self->vm, 0, 0, 0, SZ_1M, self->mem));
	EXPECT_ERRNO(EEXIST, kvm_set_memslot(self->vm, 0, 0, SZ_1M / 2, SZ_1M,
					     self->mem));
	/* ... and left slot 0 where it was: its old range is still taken. */
	EXPECT_ERRNO(EEXIST, kvm_set_memslot(self->vm, 2, 0, 8 * SZ_1M, SZ_4K,
					     self->mem + 2 * SZ_1M));
}

TEST_F(memslot, unmapped_userspace_addr)
{
	void *hole = kvm_alloc_aligned(SZ_1M, SZ_1M);

	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_OK(munmap(hole, SZ_1M));

	/*
	 * kvm_set_memory_region checks only alignment and access_ok() of
	 * userspace_addr; whether anything is mapped there matters only when
	 * the guest touches the memory.
	 */
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, SZ_1M, (uintptr_t)hole));
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, 0, 0));
}

TEST_F(memslot, bad_pointer)
{
	/* kvm_vm_ioctl: copy_from_user of the region fails: -EFAULT. */
	ASSERT_ERRNO(EFAULT, ioctl(self->vm, KVM_SET_USER_MEMORY_REGION, NULL));
}

static int mem_limit_attr(int vm, unsigned long ioctl_nr, uint64_t *limit)
{
	struct kvm_device_attr attr = {
		.group = KVM_S390_VM_MEM_CTRL,
		.attr = KVM_S390_VM_MEM_LIMIT_SIZE,
		.addr = (uintptr_t)limit,
	};

	return ioctl(vm, ioctl_nr, &attr);
}

/*
 * The VM's memory limit, through the VM attribute KVM_S390_VM_MEM_LIMIT_SIZE
 * (both backends).  On the Hercules bed ours has 2^53 (hamax is all ones).
 */
#define GET_MEM_LIMIT(limit) do {						\
	enum kvm_backend __b;							\
										\
	BACKEND_OR_SKIP(__b);							\
	ASSERT_EQ(1, kvm_check_cap(self->kvm, KVM_CAP_VM_ATTRIBUTES));		\
	ASSERT_OK(mem_limit_attr(self->vm, KVM_HAS_DEVICE_ATTR, NULL));		\
	ASSERT_OK(mem_limit_attr(self->vm, KVM_GET_DEVICE_ATTR, &(limit)));	\
	if (__b == BACKEND_OURS && kvm_on_hercules()) {				\
		EXPECT_EQ(1ULL << 53, (limit));					\
	}									\
	TH_LOG("memory limit 0x%llx", (unsigned long long)(limit));		\
} while (0)

TEST_F(memslot, memory_limit)
{
	uint64_t limit, top, beyond;

	GET_MEM_LIMIT(limit);

	/*
	 * kvm_arch_init_vm: sclp.hamax + 1, the host's memory size.  A limit
	 * below 1 MiB (e.g. 0 where hamax + 1 wraps) leaves no room for a
	 * guest.
	 */
	ASSERT_LE(SZ_1M, limit);
	if (limit == KVM_S390_NO_MEM_LIMIT) {
		/*
		 * devices/vm.rst: KVM_S390_NO_MEM_LIMIT means no limit, so a
		 * slot far above any real memory size is fine
		 * (s390_kvm_mmu_prepare_memory_region: the gmap was created
		 * with a region-first table).
		 */
		ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 1ULL << 62, SZ_1M, self->mem));
		ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, 0, 0));
		return;
	}

	/* A slot that ends at the limit is fine ... */
	top = (limit & ~(SZ_1M - 1)) - SZ_1M;
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, top, SZ_1M, self->mem));
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, 0, 0));

	/*
	 * s390_kvm_mmu_prepare_memory_region: ... one that ends beyond it is
	 * -EINVAL (if the end wraps, kvm_set_memory_region says -EINVAL
	 * first).
	 */
	beyond = (limit + SZ_4K - 1) & ~(SZ_4K - 1);
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 0, 0, beyond, SZ_4K,
					     self->mem));
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 0, 0,
					     beyond - SZ_1M + SZ_4K, SZ_1M,
					     self->mem));
}

TEST_F(memslot, set_memory_limit)
{
	enum kvm_backend backend;
	uint64_t limit, v;
	int vcpu;

	BACKEND_OR_SKIP(backend);
	GET_MEM_LIMIT(limit);
	ASSERT_LE(SZ_1M, limit);

	/* kvm_s390_set_mem_control: a zero limit is -EINVAL. */
	v = 0;
	EXPECT_ERRNO(EINVAL, mem_limit_attr(self->vm, KVM_SET_DEVICE_ATTR, &v));

	/* kvm_s390_set_mem_control: more than the current limit is -E2BIG. */
	if (limit != KVM_S390_NO_MEM_LIMIT && limit < (1ULL << 62)) {
		v = limit + 2 * SZ_1M;
		EXPECT_ERRNO(E2BIG, mem_limit_attr(self->vm, KVM_SET_DEVICE_ATTR, &v));
	}

	/* kvm_s390_set_mem_control: a memslot above the new limit: -EBUSY. */
	if (limit >= 2 * SZ_1M) {
		ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, SZ_1M, SZ_1M, self->mem));
		v = SZ_1M;
		EXPECT_ERRNO(EBUSY, mem_limit_attr(self->vm, KVM_SET_DEVICE_ATTR, &v));
		ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, 0, 0));
	}

	v = 16 * SZ_1M;
	ASSERT_OK(mem_limit_attr(self->vm, KVM_SET_DEVICE_ATTR, &v));
	/*
	 * vm.rst: "query the actual limit": ours reports the rounded limit
	 * below; mainline 7.3 keeps reporting the old one
	 * (Documentation/kvm_s390.rst).
	 */
	ASSERT_OK(mem_limit_attr(self->vm, KVM_GET_DEVICE_ATTR, &v));
	if (backend == BACKEND_OURS) {
		EXPECT_EQ(limit >= SZ_2G ? SZ_2G : limit, v);
	} else {
		EXPECT_EQ(limit, v);
	}

	/*
	 * Documentation/virt/kvm/devices/vm.rst: "The limit will be rounded
	 * up to 2048 MB, 4096 GB, 8192 TB respectively"; mainline's
	 * gmap_set_limit picks the smallest table type for the limit, here a
	 * segment table for 2 GiB.  Only if the machine's own limit allows.
	 */
	if (limit >= SZ_2G) {
		ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, SZ_2G - SZ_1M, SZ_1M,
					  self->mem));
		ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, 0, 0));
	}
	/*
	 * s390_kvm_mmu_prepare_memory_region: beyond the (rounded) limit the
	 * guest address space cannot map it (asce_contains_gfn): -EINVAL.
	 */
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 0, 0, SZ_2G, SZ_1M, self->mem));
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(self->vm, 0, 0, SZ_2G - SZ_4K, SZ_1M,
					     self->mem));

	/* kvm_s390_set_mem_control: no changes once a vCPU exists: -EBUSY. */
	ASSERT_FD(vcpu, kvm_create_vcpu(self->vm, 0));
	v = 16 * SZ_1M;
	EXPECT_ERRNO(EBUSY, mem_limit_attr(self->vm, KVM_SET_DEVICE_ATTR, &v));
	close(vcpu);
}

TEST_HARNESS_MAIN
