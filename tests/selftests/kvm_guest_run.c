// SPDX-License-Identifier: GPL-2.0
/*
 * Guest execution under real SIE: small guests in s390 machine code, run
 * with DAT off in 64-bit mode, that compute, load and store across pages
 * and memslots (including pages the host never wrote), exit through DIAG
 * 0x501 (the selftests' ucall instruction), are re-entered and continue,
 * touch a gap between memslots, and are interrupted by a signal or kicked
 * from another thread.
 *
 * Guest memory: slot 0 at 0 (lowcore and code), slot 1 at 2 MiB, slot 2 at
 * 4 GiB (another region-third entry of the guest mapping); 1 MiB each, so
 * 1-2 MiB is a gap.  The test host is s390x too, so guest storage is read
 * and written here with native (big-endian) accesses.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include "kvm_util_min.h"

#define SLOT0_GPA	0x0UL
#define SLOT1_GPA	0x200000UL
#define SLOT2_GPA	0x100000000UL
#define SLOT_SIZE	SZ_1M
#define GAP_GPA		0x180000UL

#define CODE_GPA	0x10000UL
#define HANDLER_GPA	0x10100UL
#define PSW_MASK_64	0x0000000180000000UL	/* EA + BA, DAT and interrupts off */
#define CR0_AFP		0x0000000000040000UL	/* CR0 bit 45: AFP-register control */

/* Lowcore (z/Architecture prefix area) offsets. */
#define LC_PGM_ILC	0x8c
#define LC_PGM_CODE	0x8e
#define LC_PGM_OLD_PSW	0x150
#define LC_PGM_NEW_PSW	0x1d0

#define ICPT_INST	0x04
#define DIAG_501_IPA	0x8300
#define DIAG_501_IPB	0x05010000
#define DIAG_501	0x83, 0x00, 0x05, 0x01
#define J_SELF		0xa7, 0xf4, 0x00, 0x00

FIXTURE(guest) {
	int kvm;
	int vm;
	int vcpu;
	struct kvm_run *run;
	uint8_t *mem[3];
};

static uint8_t *host_addr(FIXTURE_DATA(guest) *self, uint64_t gpa)
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

static void load_code(FIXTURE_DATA(guest) *self, uint64_t gpa,
		      const uint8_t *code, size_t len)
{
	memcpy(host_addr(self, gpa), code, len);
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

/*
 * Counts to 1000, stores the count to a page of slot 1 the host never
 * wrote, loads a value the host put into slot 2, exits; after re-entry
 * counts once more and exits again.
 */
TEST_F(guest, compute_load_store_reenter)
{
	static const uint8_t code[] = {
		0xa7, 0x29, 0x00, 0x00,			/* +0  lghi %r2,0 */
		0xa7, 0x2b, 0x00, 0x01,			/* +4  aghi %r2,1 */
		0xa7, 0x2f, 0x03, 0xe8,			/* +8  cghi %r2,1000 */
		0xa7, 0x74, 0xff, 0xfc,			/* +12 jne  +4 */
		0xe3, 0x20, 0x40, 0x00, 0x00, 0x24,	/* +16 stg  %r2,0(%r4) */
		0xe3, 0x60, 0x50, 0x00, 0x00, 0x04,	/* +22 lg   %r6,0(%r5) */
		DIAG_501,				/* +28 */
		0xa7, 0x2b, 0x00, 0x01,			/* +32 aghi %r2,1 */
		DIAG_501,				/* +36 */
		J_SELF,					/* +40 */
	};
	const uint64_t store_gpa = SLOT1_GPA + 0x7100, load_gpa = SLOT2_GPA + 0x800;

	load_code(self, CODE_GPA, code, sizeof(code));
	*(uint64_t *)host_addr(self, load_gpa) = 0xfeedfacecafebeefUL;
	self->run->s.regs.gprs[4] = store_gpa;
	self->run->s.regs.gprs[5] = load_gpa;

	RUN_TO_DIAG(CODE_GPA + 32);
	EXPECT_EQ(1000, self->run->s.regs.gprs[2]);
	EXPECT_EQ(0xfeedfacecafebeefUL, self->run->s.regs.gprs[6]);
	EXPECT_EQ(1000, *(uint64_t *)host_addr(self, store_gpa));

	RUN_TO_DIAG(CODE_GPA + 40);
	EXPECT_EQ(1001, self->run->s.regs.gprs[2]);
}

/* Stores to each of the 256 pages of slot 1, all fresh, in a BRCTG loop. */
TEST_F(guest, store_every_page)
{
	static const uint8_t code[] = {
		0xa7, 0x39, 0x01, 0x00,			/* +0  lghi  %r3,256 */
		0xe3, 0x30, 0x40, 0x00, 0x00, 0x24,	/* +4  stg   %r3,0(%r4) */
		0xa7, 0x4b, 0x10, 0x00,			/* +10 aghi  %r4,4096 */
		0xa7, 0x37, 0xff, 0xfb,			/* +14 brctg %r3,+4 */
		DIAG_501,				/* +18 */
		J_SELF,					/* +22 */
	};
	unsigned int i;

	load_code(self, CODE_GPA, code, sizeof(code));
	self->run->s.regs.gprs[4] = SLOT1_GPA;
	RUN_TO_DIAG(CODE_GPA + 22);
	EXPECT_EQ(0, self->run->s.regs.gprs[3]);
	EXPECT_EQ(SLOT1_GPA + SLOT_SIZE, self->run->s.regs.gprs[4]);
	for (i = 0; i < 256; i++)
		ASSERT_EQ(256 - i, *(uint64_t *)host_addr(self, SLOT1_GPA + i * 4096UL))
			TH_LOG("page %u", i);
}

/*
 * General, access and floating-point registers and the FPC go in and come
 * out: the guest copies %r2 into %a3 and %f3; nothing else changes.
 */
TEST_F(guest, registers_survive)
{
	static const uint8_t code[] = {
		0xb2, 0x4e, 0x00, 0x32,			/* +0 sar  %a3,%r2 */
		0xb3, 0xc1, 0x00, 0x32,			/* +4 ldgr %f3,%r2 */
		DIAG_501,				/* +8 */
		J_SELF,					/* +12 */
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_fpu fpu;
	int i;

	load_code(self, CODE_GPA, code, sizeof(code));
	/* Registers f1, f3, f5, f7 and f8-f15 need the AFP-register control. */
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	sregs.crs[0] |= CR0_AFP;
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_SREGS, &sregs));
	for (i = 0; i < 16; i++)
		regs.gprs[i] = 0x1111111111111111UL * (i + 1);
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_REGS, &regs));
	for (i = 0; i < 16; i++) {
		self->run->s.regs.acrs[i] = 0x100 + i;
		fpu.fprs[i] = 0x4000000000000000UL + i;
	}
	fpu.fpc = 0x00000001;	/* rounding mode: toward 0 */
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_FPU, &fpu));

	RUN_TO_DIAG(CODE_GPA + 12);
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_REGS, &regs));
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_FPU, &fpu));
	for (i = 0; i < 16; i++) {
		EXPECT_EQ(0x1111111111111111UL * (i + 1), regs.gprs[i]) TH_LOG("r%d", i);
		if (i == 3) {
			EXPECT_EQ((uint32_t)regs.gprs[2], self->run->s.regs.acrs[i]);
			EXPECT_EQ(regs.gprs[2], fpu.fprs[i]);
		} else {
			EXPECT_EQ(0x100 + i, self->run->s.regs.acrs[i]) TH_LOG("a%d", i);
			EXPECT_EQ(0x4000000000000000UL + i, fpu.fprs[i]) TH_LOG("f%d", i);
		}
	}
	EXPECT_EQ(0x00000001, fpu.fpc);
}

/*
 * A load from the gap between slots 0 and 1 is an addressing exception for
 * the guest: the program old PSW points past the LG (the exception
 * suppresses), the code is 5 with ILC 6, and the program new PSW leads to a
 * handler that exits.
 */
TEST_F(guest, gap_is_addressing_exception)
{
	static const uint8_t code[] = {
		0xe3, 0x60, 0x70, 0x00, 0x00, 0x04,	/* +0 lg %r6,0(%r7) */
		J_SELF,					/* +6 */
	};
	static const uint8_t handler[] = { DIAG_501, J_SELF };
	uint64_t *new_psw = (uint64_t *)host_addr(self, LC_PGM_NEW_PSW);
	uint64_t *old_psw = (uint64_t *)host_addr(self, LC_PGM_OLD_PSW);

	load_code(self, CODE_GPA, code, sizeof(code));
	load_code(self, HANDLER_GPA, handler, sizeof(handler));
	new_psw[0] = PSW_MASK_64;
	new_psw[1] = HANDLER_GPA;
	self->run->s.regs.gprs[6] = 0x6666;
	self->run->s.regs.gprs[7] = GAP_GPA;

	RUN_TO_DIAG(HANDLER_GPA + 4);
	EXPECT_EQ(5, *(uint16_t *)host_addr(self, LC_PGM_CODE));
	EXPECT_EQ(6, *(uint16_t *)host_addr(self, LC_PGM_ILC));
	EXPECT_EQ(PSW_MASK_64, old_psw[0]);
	EXPECT_EQ(CODE_GPA + 6, old_psw[1]);
	EXPECT_EQ(0x6666, self->run->s.regs.gprs[6]);
}

static uint64_t dirty_bits(struct __test_metadata *_metadata, int vm, int slot)
{
	uint64_t bitmap[SLOT_SIZE / 4096 / 64];
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };
	uint64_t pages = 0;
	unsigned int i;

	memset(bitmap, 0xa5, sizeof(bitmap));
	EXPECT_OK(ioctl(vm, KVM_GET_DIRTY_LOG, &log));
	/* Only pages 0-63 are stored to below; the rest must read clean. */
	for (i = 1; i < sizeof(bitmap) / sizeof(bitmap[0]); i++)
		EXPECT_EQ(0, bitmap[i]) TH_LOG("bitmap word %u", i);
	/* Bit n of the little-endian bitmap is page n; return it with bit n = page n. */
	for (i = 0; i < 64; i++)
		if (((uint8_t *)bitmap)[i / 8] & (1 << (i % 8)))
			pages |= 1UL << i;
	return pages;
}

/*
 * KVM_GET_DIRTY_LOG reports the pages the guest stored to, once: enabled on
 * slot 1 by a flags-only change, the guest stores to pages 3, 7 and 60,
 * then (re-entered) to page 7 again.
 */
TEST_F(guest, dirty_log)
{
	static const uint8_t code[] = {
		0xe3, 0x20, 0x40, 0x00, 0x00, 0x24,	/* +0  stg %r2,0(%r4) */
		0xe3, 0x20, 0x50, 0x00, 0x00, 0x24,	/* +6  stg %r2,0(%r5) */
		0xe3, 0x20, 0x60, 0x00, 0x00, 0x24,	/* +12 stg %r2,0(%r6) */
		DIAG_501,				/* +18 */
		0xe3, 0x20, 0x50, 0x00, 0x00, 0x24,	/* +22 stg %r2,0(%r5) */
		DIAG_501,				/* +28 */
		J_SELF,					/* +32 */
	};

	load_code(self, CODE_GPA, code, sizeof(code));
	ASSERT_OK(kvm_set_memslot(self->vm, 1, KVM_MEM_LOG_DIRTY_PAGES, SLOT1_GPA,
				  SLOT_SIZE, (uintptr_t)self->mem[1]));
	/* Slot 0 does not log: asking for its log is ENOENT (kvm_get_dirty_log). */
	{
		uint64_t bitmap[SLOT_SIZE / 4096 / 64];
		struct kvm_dirty_log log = { .slot = 0, .dirty_bitmap = bitmap };

		EXPECT_ERRNO(ENOENT, ioctl(self->vm, KVM_GET_DIRTY_LOG, &log));
		log.slot = 32767;	/* >= KVM_USER_MEM_SLOTS: EINVAL */
		EXPECT_ERRNO(EINVAL, ioctl(self->vm, KVM_GET_DIRTY_LOG, &log));
	}
	self->run->s.regs.gprs[2] = 0x5555;
	self->run->s.regs.gprs[4] = SLOT1_GPA + 3 * 4096;
	self->run->s.regs.gprs[5] = SLOT1_GPA + 7 * 4096 + 8;
	self->run->s.regs.gprs[6] = SLOT1_GPA + 60 * 4096 + 4088;

	RUN_TO_DIAG(CODE_GPA + 22);
	EXPECT_EQ((1UL << 3) | (1UL << 7) | (1UL << 60), dirty_bits(_metadata, self->vm, 1));
	/* Read and cleared: nothing new without guest stores. */
	EXPECT_EQ(0, dirty_bits(_metadata, self->vm, 1));

	RUN_TO_DIAG(CODE_GPA + 32);
	EXPECT_EQ(1UL << 7, dirty_bits(_metadata, self->vm, 1));
	EXPECT_EQ(0x5555, *(uint64_t *)host_addr(self, SLOT1_GPA + 60 * 4096 + 4088));
}

/*
 * A deleted memslot is unmapped: the guest's second store to the same
 * address is an addressing exception, not a store into the old memory.
 */
TEST_F(guest, deleted_slot_is_gone)
{
	static const uint8_t code[] = {
		0xe3, 0x20, 0x40, 0x00, 0x00, 0x24,	/* +0 stg %r2,0(%r4) */
		DIAG_501,				/* +6 */
		0xe3, 0x20, 0x40, 0x00, 0x00, 0x24,	/* +10 stg %r2,0(%r4) */
		J_SELF,					/* +16 */
	};
	static const uint8_t handler[] = { DIAG_501, J_SELF };
	uint64_t *new_psw = (uint64_t *)host_addr(self, LC_PGM_NEW_PSW);
	uint64_t *stored = (uint64_t *)host_addr(self, SLOT1_GPA + 0x5000);

	load_code(self, CODE_GPA, code, sizeof(code));
	load_code(self, HANDLER_GPA, handler, sizeof(handler));
	new_psw[0] = PSW_MASK_64;
	new_psw[1] = HANDLER_GPA;
	self->run->s.regs.gprs[2] = 0x1111;
	self->run->s.regs.gprs[4] = SLOT1_GPA + 0x5000;

	RUN_TO_DIAG(CODE_GPA + 10);
	EXPECT_EQ(0x1111, *stored);
	ASSERT_OK(kvm_set_memslot(self->vm, 1, 0, SLOT1_GPA, 0, 0));
	self->run->s.regs.gprs[2] = 0x2222;
	RUN_TO_DIAG(HANDLER_GPA + 4);
	EXPECT_EQ(5, *(uint16_t *)host_addr(self, LC_PGM_CODE));
	EXPECT_EQ(0x1111, *stored);
}

static void on_signal(int sig)
{
	(void)sig;
}

static void catch_signal(struct __test_metadata *_metadata, int sig)
{
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */

	ASSERT_OK(sigaction(sig, &sa, NULL));
}

/* Runs a spinning guest and asserts that KVM_RUN ends with EINTR/KVM_EXIT_INTR. */
#define RUN_EXPECT_EINTR() do {							\
	ASSERT_ERRNO(EINTR, ioctl(self->vcpu, KVM_RUN, 0));			\
	ASSERT_EQ(KVM_EXIT_INTR, self->run->exit_reason);			\
	ASSERT_EQ(CODE_GPA, self->run->psw_addr);				\
} while (0)

/* A timer signal gets the vCPU thread out of a guest that spins forever. */
TEST_F(guest, signal_interrupts_run)
{
	static const uint8_t code[] = { J_SELF };
	struct itimerval t = { .it_value = { .tv_usec = 200000 } };
	int round;

	load_code(self, CODE_GPA, code, sizeof(code));
	catch_signal(_metadata, SIGALRM);
	for (round = 0; round < 2; round++) {
		ASSERT_OK(setitimer(ITIMER_REAL, &t, NULL));
		RUN_EXPECT_EINTR();
	}
}

struct kicker {
	pthread_t target;
	struct kvm_run *run;
};

static void *kick(void *arg)
{
	struct kicker *k = arg;

	usleep(200000);
	/* What a VMM does to take a vCPU thread out of KVM_RUN. */
	__atomic_store_n(&k->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(k->target, SIGUSR1);
	return NULL;
}

/* Another thread kicks the vCPU out of the guest; immediate_exit then holds it out. */
TEST_F(guest, kick_from_other_thread)
{
	static const uint8_t code[] = { J_SELF };
	struct kicker k = { .target = pthread_self(), .run = self->run };
	pthread_t thread;

	load_code(self, CODE_GPA, code, sizeof(code));
	catch_signal(_metadata, SIGUSR1);
	ASSERT_OK(pthread_create(&thread, NULL, kick, &k));
	RUN_EXPECT_EINTR();
	ASSERT_OK(pthread_join(thread, NULL));
	/* immediate_exit is still set: KVM_RUN returns at once. */
	ASSERT_ERRNO(EINTR, ioctl(self->vcpu, KVM_RUN, 0));
	self->run->immediate_exit = 0;
}

/* Unknown bits in kvm_valid_regs or kvm_dirty_regs are EINVAL (kvm_arch_vcpu_ioctl_run). */
TEST_F(guest, invalid_sync_reg_bits)
{
	self->run->kvm_valid_regs |= 1UL << 40;
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu, KVM_RUN, 0));
	self->run->kvm_valid_regs &= ~(1UL << 40);
	self->run->kvm_dirty_regs = 1UL << 40;
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu, KVM_RUN, 0));
	self->run->kvm_dirty_regs = 0;
}

TEST_HARNESS_MAIN
