// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_S390_KEYOP (VM ioctl, api.rst 4.144; mainline s390.c kvm_s390_keyop)
 * and KVM_S390_VCPU_FAULT on a VM that is not user-controlled.
 *
 * Mainline's kselftest s390/keyop exercises KEYOP too, but requires
 * KVM_CAP_S390_UCONTROL, which neither backend reports on the bed; this
 * test checks the same semantics without it: ISKE returns the key, RRBE
 * returns only R and C of the key before and resets R, SSKE returns the key
 * before and sets the new one (bit 7 ignored), an unknown operation is
 * EINVAL, an address no memslot backs is EFAULT, and KEYOP alone does not
 * switch the VM to storage keys (KVM_S390_GET_SKEYS still reports none).
 */
#include "kvm_util_min.h"

#define PAGES		16
#define MEM_SIZE	SZ_1M

FIXTURE(keyop) {
	int kvm;
	int vm;
	int vcpu;
	uint64_t mem;
};

FIXTURE_SETUP(keyop)
{
	void *m;

	self->vm = -1;
	self->vcpu = -1;
	self->mem = 0;
	OPEN_KVM_OR_SKIP(self->kvm);
	if (kvm_check_cap(self->kvm, KVM_CAP_S390_KEYOP) <= 0)
		SKIP(return, "KVM_CAP_S390_KEYOP not reported");
	ASSERT_FD(self->vm, kvm_create_vm(self->kvm));
	m = kvm_alloc_aligned(MEM_SIZE, SZ_1M);
	ASSERT_NE(MAP_FAILED, m);
	self->mem = (uintptr_t)m;
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, MEM_SIZE, self->mem));
	ASSERT_FD(self->vcpu, kvm_create_vcpu(self->vm, 0));
}

FIXTURE_TEARDOWN(keyop)
{
	if (self->vcpu >= 0)
		close(self->vcpu);
	if (self->vm >= 0)
		close(self->vm);
	if (self->mem)
		munmap((void *)(uintptr_t)self->mem, MEM_SIZE);
}

/* The key KEYOP returns, or -errno. */
static int keyop(int vm, int op, uint64_t addr, uint8_t key)
{
	struct kvm_s390_keyop k = {
		.guest_addr = addr,
		.key = key,
		.operation = op,
	};

	if (ioctl(vm, KVM_S390_KEYOP, &k))
		return -errno;
	return k.key;
}

static int set_keys(int vm, const uint8_t *keys)
{
	struct kvm_s390_skeys sk = {
		.start_gfn = 0,
		.count = PAGES,
		.skeydata_addr = (uintptr_t)keys,
	};

	return ioctl(vm, KVM_S390_SET_SKEYS, &sk);
}

static int get_keys(int vm, uint8_t *keys)
{
	struct kvm_s390_skeys sk = {
		.start_gfn = 0,
		.count = PAGES,
		.skeydata_addr = (uintptr_t)keys,
	};

	return ioctl(vm, KVM_S390_GET_SKEYS, &sk);
}

/* ISKE reads, and changes nothing; the page offset does not matter. */
TEST_F(keyop, iske)
{
	uint8_t keys[PAGES], got[PAGES];
	int i;

	for (i = 0; i < PAGES; i++)
		keys[i] = (uint8_t)(0x10 * i + 0x06 + (i & 1) * 0x08);
	ASSERT_OK(set_keys(self->vm, keys));
	for (i = 0; i < PAGES; i++)
		EXPECT_EQ(keys[i], keyop(self->vm, KVM_S390_KEYOP_ISKE,
					 i * SZ_4K + 0x123, 0xff));
	ASSERT_OK(get_keys(self->vm, got));
	EXPECT_EQ(0, memcmp(keys, got, PAGES));
}

/* RRBE: R and C of the key before, the rest 0; only R is reset. */
TEST_F(keyop, rrbe)
{
	uint8_t keys[PAGES], got[PAGES];
	int i;

	for (i = 0; i < PAGES; i++)
		keys[i] = (uint8_t)(i << 1);
	ASSERT_OK(set_keys(self->vm, keys));
	for (i = 0; i < PAGES; i++)
		EXPECT_EQ(keys[i] & 0x06, keyop(self->vm, KVM_S390_KEYOP_RRBE,
						i * SZ_4K, 0xff));
	ASSERT_OK(get_keys(self->vm, got));
	for (i = 0; i < PAGES; i++)
		EXPECT_EQ(keys[i] & ~0x04, got[i]);
}

/* SSKE: the key before back, the new key (bit 7 ignored) in place. */
TEST_F(keyop, sske)
{
	uint8_t keys[PAGES], got[PAGES];
	int i;

	for (i = 0; i < PAGES; i++)
		keys[i] = (uint8_t)(i << 4);
	ASSERT_OK(set_keys(self->vm, keys));
	for (i = 0; i < PAGES; i++)
		EXPECT_EQ(keys[i], keyop(self->vm, KVM_S390_KEYOP_SSKE, i * SZ_4K,
					 (uint8_t)(~keys[i] & 0xfe) | 1));
	ASSERT_OK(get_keys(self->vm, got));
	for (i = 0; i < PAGES; i++)
		EXPECT_EQ((uint8_t)(~keys[i] & 0xfe), got[i]);
}

/*
 * KEYOP on pages the guest never touched, before any other storage-key
 * use: SSKE sets the key there, and the VM still has no storage keys to
 * get (mainline's kvm_s390_keyop does not enable them).
 */
TEST_F(keyop, fresh_pages_and_skeys_none)
{
	uint8_t got[PAGES];

	EXPECT_EQ(0, keyop(self->vm, KVM_S390_KEYOP_ISKE, 3 * SZ_4K, 0));
	EXPECT_EQ(0, keyop(self->vm, KVM_S390_KEYOP_SSKE, 3 * SZ_4K, 0x38));
	EXPECT_EQ(0x38, keyop(self->vm, KVM_S390_KEYOP_ISKE, 3 * SZ_4K, 0));
	EXPECT_EQ(0, keyop(self->vm, KVM_S390_KEYOP_RRBE, 3 * SZ_4K, 0));
	EXPECT_EQ(KVM_S390_GET_SKEYS_NONE, get_keys(self->vm, got));
}

/* Unknown operations: EINVAL; no memslot at the address: EFAULT. */
TEST_F(keyop, errors)
{
	EXPECT_EQ(-EINVAL, keyop(self->vm, 0, 0, 0));
	EXPECT_EQ(-EINVAL, keyop(self->vm, 4, 0, 0));
	EXPECT_EQ(-EINVAL, keyop(self->vm, 0xff, 0, 0));
	EXPECT_EQ(-EFAULT, keyop(self->vm, KVM_S390_KEYOP_ISKE, 1UL << 40, 0));
	EXPECT_EQ(-EFAULT, keyop(self->vm, KVM_S390_KEYOP_SSKE, 1UL << 40, 0x10));
	EXPECT_ERRNO(EFAULT, ioctl(self->vm, KVM_S390_KEYOP, NULL));
}

/*
 * KVM_S390_VCPU_FAULT maps a guest page: 0 inside the memslot (keys set
 * before survive it), EFAULT where no memslot is.
 */
TEST_F(keyop, vcpu_fault)
{
	uint8_t keys[PAGES] = { 0 }, got[PAGES];
	int i;

	keys[5] = 0x50;
	ASSERT_OK(set_keys(self->vm, keys));
	for (i = 0; i < PAGES; i++)
		EXPECT_OK(ioctl(self->vcpu, KVM_S390_VCPU_FAULT,
				(unsigned long)(i * SZ_4K)));
	EXPECT_OK(ioctl(self->vcpu, KVM_S390_VCPU_FAULT, MEM_SIZE - SZ_4K + 8));
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu, KVM_S390_VCPU_FAULT, MEM_SIZE));
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu, KVM_S390_VCPU_FAULT, 1UL << 40));
	ASSERT_OK(get_keys(self->vm, got));
	EXPECT_EQ(0, memcmp(keys, got, PAGES));
}

TEST_HARNESS_MAIN
