/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM for guest-code selftests: three 1 MiB memslots (slot 0 at 0 with the
 * lowcore and code, slot 1 at 2 MiB, slot 2 at 4 GiB, so 1-2 MiB is a gap),
 * one vCPU in 64-bit mode with DAT off at CODE_GPA, and helpers to place
 * machine code and run to a DIAG 0x501 exit.  The test host is s390x, so
 * guest storage is accessed here with native (big-endian) loads and stores.
 */
#ifndef GUEST_UTIL_H
#define GUEST_UTIL_H

#include "guest_arch.h"
#include "kvm_util_min.h"

#define SLOT0_GPA	0x0UL
#define SLOT1_GPA	0x200000UL
#define SLOT2_GPA	0x100000000UL
#define SLOT_SIZE	SZ_1M
#define GAP_GPA		0x180000UL

#define CODE_GPA	0x10000UL
#define HANDLER_GPA	0x10100UL



FIXTURE(guest) {
	int kvm;
	int vm;
	int vcpu;
	struct kvm_run *run;
	uint8_t *mem[3];
	/*
	 * What a test changed outside its VM (a module parameter), undone by the
	 * teardown, which the harness runs when an assertion ends the test too.
	 */
	void (*undo)(void);
};

static inline uint8_t *host_addr(FIXTURE_DATA(guest) *self, uint64_t gpa)
{
	if (gpa < SLOT0_GPA + SLOT_SIZE)
		return self->mem[0] + (gpa - SLOT0_GPA);
	if (gpa >= SLOT1_GPA && gpa < SLOT1_GPA + SLOT_SIZE)
		return self->mem[1] + (gpa - SLOT1_GPA);
	return self->mem[2] + (gpa - SLOT2_GPA);
}

FIXTURE_SETUP(guest)
{
	static const uint64_t gpa[3] = { SLOT0_GPA, SLOT1_GPA, SLOT2_GPA };
	struct kvm_s390_psw psw = { .mask = PSW_MASK_64, .addr = CODE_GPA };
	int i;

	self->vm = -1;
	self->vcpu = -1;
	self->run = MAP_FAILED;
	self->undo = NULL;
	for (i = 0; i < 3; i++)
		self->mem[i] = MAP_FAILED;
	OPEN_KVM_OR_SKIP(self->kvm);
	ASSERT_FD(self->vm, kvm_create_vm(self->kvm));
	for (i = 0; i < 3; i++) {
		self->mem[i] = kvm_alloc_aligned(SLOT_SIZE, SZ_1M);
		ASSERT_NE(MAP_FAILED, self->mem[i]);
		ASSERT_OK(kvm_set_memslot(self->vm, i, 0, gpa[i], SLOT_SIZE,
					  (uintptr_t)self->mem[i]));
	}
	ASSERT_FD(self->vcpu, kvm_create_vcpu(self->vm, 0));
	self->run = kvm_map_run(self->kvm, self->vcpu);
	ASSERT_NE(MAP_FAILED, self->run);
	ASSERT_OK(ioctl(self->vcpu, KVM_S390_SET_INITIAL_PSW, &psw));
}

FIXTURE_TEARDOWN(guest)
{
	int i;

	if (self->undo)
		self->undo();
	if (self->run != MAP_FAILED)
		munmap(self->run, getpagesize());
	if (self->vcpu >= 0)
		close(self->vcpu);
	if (self->vm >= 0)
		close(self->vm);
	for (i = 0; i < 3; i++)
		if (self->mem[i] != MAP_FAILED)
			munmap(self->mem[i], SLOT_SIZE);
}

static inline void load_code(FIXTURE_DATA(guest) *self, uint64_t gpa,
		      const uint8_t *code, size_t len)
{
	memcpy(host_addr(self, gpa), code, len);
}

/* Guest data at @gpa (big-endian, as the host reads it natively). */
static inline uint64_t be64_at(FIXTURE_DATA(guest) *self, uint64_t gpa)
{
	return *(uint64_t *)host_addr(self, gpa);
}

static inline uint32_t be32_at(FIXTURE_DATA(guest) *self, uint64_t gpa)
{
	return *(uint32_t *)host_addr(self, gpa);
}

static inline uint16_t be16_at(FIXTURE_DATA(guest) *self, uint64_t gpa)
{
	return *(uint16_t *)host_addr(self, gpa);
}

/*
 * Points the new PSW at lowcore offset @lc to @handler, a guest routine that
 * exits with DIAG 0x501 and loops there: an interruption of that class ends
 * KVM_RUN at @handler + 4.
 */
static inline void set_new_psw(FIXTURE_DATA(guest) *self, uint64_t lc, uint64_t handler)
{
	static const uint8_t code[] = { DIAG_501, J_SELF };
	uint64_t *psw = (uint64_t *)host_addr(self, lc);

	psw[0] = PSW_MASK_64;
	psw[1] = handler;
	load_code(self, handler, code, sizeof(code));
}

/* A counter of the vCPU's binary statistics, by name (UINT64_MAX: not found). */
static inline uint64_t vcpu_stat(struct __test_metadata *_metadata, int vcpu, const char *name)
{
	int fd = ioctl(vcpu, KVM_GET_STATS_FD, NULL);
	struct kvm_stats_header h;
	uint64_t value = UINT64_MAX;
	size_t size;
	char *descs;
	unsigned int i;

	EXPECT_LE(0, fd);
	if (fd < 0)
		return value;
	EXPECT_EQ(sizeof(h), pread(fd, &h, sizeof(h), 0));
	size = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = calloc(h.num_desc, size);
	EXPECT_NE(NULL, descs);
	if (descs && pread(fd, descs, h.num_desc * size, h.desc_offset) ==
		     (ssize_t)(h.num_desc * size)) {
		for (i = 0; i < h.num_desc; i++) {
			struct kvm_stats_desc *d = (void *)(descs + i * size);

			if (strcmp(d->name, name))
				continue;
			EXPECT_EQ(sizeof(value), pread(fd, &value, sizeof(value),
						       h.data_offset + d->offset));
			break;
		}
	}
	free(descs);
	close(fd);
	return value;
}

/* Runs the vCPU and asserts a DIAG 0x501 exit with the PSW at @next_addr. */
#define RUN_TO_DIAG(next_addr) do {						\
	ASSERT_OK(ioctl(self->vcpu, KVM_RUN, 0));				\
	ASSERT_EQ(KVM_EXIT_S390_SIEIC, self->run->exit_reason);			\
	ASSERT_EQ(ICPT_INST, self->run->s390_sieic.icptcode);			\
	ASSERT_EQ(DIAG_501_IPA, self->run->s390_sieic.ipa);			\
	ASSERT_EQ(DIAG_501_IPB, self->run->s390_sieic.ipb);			\
	ASSERT_EQ((uint64_t)(next_addr), self->run->psw_addr);			\
} while (0)

#endif /* GUEST_UTIL_H */
