// SPDX-License-Identifier: GPL-2.0
/*
 * A guest reaches its memslots and nothing else:
 * - probes across the whole 64-bit guest address space read exactly what
 *   the slots hold, and everything outside them is an addressing
 *   exception, never host data;
 * - a guest that writes every doubleword of its memory changes its slots
 *   and nothing else of the process: guard areas around each slot's host
 *   memory and an unrelated buffer stay as they were;
 * - two VMs with memory at the same guest addresses see only their own.
 */
#include "guest_arch.h"
#include "kvm_util_min.h"

#define NR_SLOTS	3
#define SLOT_SIZE	SZ_1M
#define GUARD		(64 * 1024UL)
#define CODE_GPA	0x10000UL
#define HANDLER_GPA	0x10800UL
#define DATA0_GPA	0x11000UL	/* slot 0 below this: lowcore and code */
#define PATTERN_A	0x5a5a000000000000UL
#define PATTERN_B	0xa5a5000000000000UL
#define UNRELATED_BYTE	0x3c	/* fills a buffer no VM maps */

static const uint64_t slot_gpa[NR_SLOTS] = { 0, 0x200000UL, 0x100000000UL };

/* r2 = 0(r3), then DIAG 0x501. */
static const uint8_t load_code[] = {
	0xe3, 0x20, 0x30, 0x00, 0x00, 0x04,	/* +0  lg %r2,0(%r3) */
	DIAG_501,				/* +6  diag 0x501 */
	J_SELF,					/* +10 j . */
};

/* Every doubleword in [r3, r4) becomes its address ^ r2; then DIAG 0x501. */
static const uint8_t fill_code[] = {
	0xb9, 0x04, 0x00, 0x13,			/* +0  loop: lgr %r1,%r3 */
	0xb9, 0x82, 0x00, 0x12,			/* +4  xgr %r1,%r2 */
	0xe3, 0x10, 0x30, 0x00, 0x00, 0x24,	/* +8  stg %r1,0(%r3) */
	0xa7, 0x3b, 0x00, 0x08,			/* +14 aghi %r3,8 */
	0xb9, 0x21, 0x00, 0x34,			/* +18 clgr %r3,%r4 */
	0xa7, 0x44, 0xff, 0xf5,			/* +22 jl loop */
	DIAG_501,				/* +26 diag 0x501 */
	J_SELF,					/* +30 j . */
};

/* r7 += the doublewords in [r3, r4) that are not address ^ r2; DIAG 0x501. */
static const uint8_t check_code[] = {
	0xb9, 0x04, 0x00, 0x13,			/* +0  loop: lgr %r1,%r3 */
	0xb9, 0x82, 0x00, 0x12,			/* +4  xgr %r1,%r2 */
	0xe3, 0x10, 0x30, 0x00, 0x00, 0x20,	/* +8  cg %r1,0(%r3) */
	0xa7, 0x84, 0x00, 0x04,			/* +14 je +8 */
	0xa7, 0x7b, 0x00, 0x01,			/* +18 aghi %r7,1 */
	0xa7, 0x3b, 0x00, 0x08,			/* +22 aghi %r3,8 */
	0xb9, 0x21, 0x00, 0x34,			/* +26 clgr %r3,%r4 */
	0xa7, 0x44, 0xff, 0xf1,			/* +30 jl loop */
	DIAG_501,				/* +34 diag 0x501 */
	J_SELF,					/* +38 j . */
};

/* Program interruptions: DIAG 0x501 at HANDLER_GPA, so the host sees them. */
static const uint8_t handler_code[] = PGM_HANDLER_CODE;

struct vm {
	int vm, vcpu;
	struct kvm_run *run;
	uint8_t *area[NR_SLOTS];	/* guard, slot, guard */
	uint8_t *mem[NR_SLOTS];
};

FIXTURE(isolation) {
	int kvm;
	struct vm a, b;
	uint8_t *unrelated;
};

static int vm_setup(struct __test_metadata *_metadata, int kvm, struct vm *v)
{
	uint64_t *new_psw;
	int i;

	v->vm = kvm_create_vm(kvm);
	ASSERT_LE(0, v->vm);
	for (i = 0; i < NR_SLOTS; i++) {
		v->area[i] = mmap(NULL, SLOT_SIZE + 2 * GUARD, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, v->area[i]);
		memset(v->area[i], 0xa5, SLOT_SIZE + 2 * GUARD);
		v->mem[i] = v->area[i] + GUARD;
		memset(v->mem[i], 0, SLOT_SIZE);
		ASSERT_OK(kvm_set_memslot(v->vm, i, 0, slot_gpa[i], SLOT_SIZE,
					  (uintptr_t)v->mem[i]));
	}
	memcpy(v->mem[0] + HANDLER_GPA, handler_code, sizeof(handler_code));
	new_psw = (uint64_t *)(v->mem[0] + LC_PGM_NEW_PSW);
	new_psw[0] = PSW_MASK_64;
	new_psw[1] = HANDLER_GPA;
	v->vcpu = kvm_create_vcpu(v->vm, 0);
	ASSERT_LE(0, v->vcpu);
	v->run = kvm_map_run(kvm, v->vcpu);
	ASSERT_NE(MAP_FAILED, v->run);
	return 0;
}

static void vm_teardown(struct vm *v)
{
	int i;

	if (v->run && v->run != MAP_FAILED)
		munmap(v->run, getpagesize());
	if (v->vcpu > 0)
		close(v->vcpu);
	if (v->vm > 0)
		close(v->vm);
	for (i = 0; i < NR_SLOTS; i++)
		if (v->area[i] && v->area[i] != MAP_FAILED)
			munmap(v->area[i], SLOT_SIZE + 2 * GUARD);
}

/*
 * The subtests that write and check all of a VM's memory: about a second on
 * the plain kernel, but over 30 s (the harness' default) on the KASAN kernel
 * when other emulators share the machine.
 */
#define ISOLATION_TIMEOUT	180

FIXTURE_SETUP(isolation)
{
	memset(&self->a, 0, sizeof(self->a));
	memset(&self->b, 0, sizeof(self->b));
	self->unrelated = MAP_FAILED;
	OPEN_KVM_OR_SKIP(self->kvm);
	vm_setup(_metadata, self->kvm, &self->a);
	self->unrelated = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->unrelated);
	memset(self->unrelated, UNRELATED_BYTE, SLOT_SIZE);
}

FIXTURE_TEARDOWN(isolation)
{
	vm_teardown(&self->a);
	vm_teardown(&self->b);
	if (self->unrelated != MAP_FAILED)
		munmap(self->unrelated, SLOT_SIZE);
	if (self->kvm >= 0)
		close(self->kvm);
}

/* Runs @code at CODE_GPA; returns 0 at its DIAG, the program code if the handler ran. */
static int run_code(struct __test_metadata *_metadata, struct vm *v,
		    const uint8_t *code, size_t len, uint64_t diag_addr)
{
	struct kvm_s390_psw psw = { .mask = PSW_MASK_64, .addr = CODE_GPA };

	memcpy(v->mem[0] + CODE_GPA, code, len);
	v->run->psw_mask = psw.mask;
	v->run->psw_addr = psw.addr;
	v->run->kvm_dirty_regs |= KVM_SYNC_GPRS;
	if (ioctl(v->vcpu, KVM_RUN, 0)) {
		TH_LOG("KVM_RUN: errno %d (%s)", errno, strerror(errno));
		return -1;
	}
	if (v->run->exit_reason != KVM_EXIT_S390_SIEIC ||
	    v->run->s390_sieic.icptcode != ICPT_INST ||
	    v->run->s390_sieic.ipa != DIAG_501_IPA) {
		TH_LOG("unexpected exit %u", v->run->exit_reason);
		return -1;
	}
	if (v->run->psw_addr == diag_addr)
		return 0;
	if (v->run->psw_addr == HANDLER_GPA + 4)
		return *(uint16_t *)(v->mem[0] + LC_PGM_CODE);
	TH_LOG("DIAG at an unexpected address %#llx", (unsigned long long)v->run->psw_addr);
	return -1;
}

/* The slot and offset of a guest address, or -1. */
static int slot_of(uint64_t gpa, uint64_t *off)
{
	int i;

	for (i = 0; i < NR_SLOTS; i++) {
		if (gpa >= slot_gpa[i] && gpa - slot_gpa[i] < SLOT_SIZE) {
			*off = gpa - slot_gpa[i];
			return i;
		}
	}
	return -1;
}

/* Offset in slot @i where the tests' data starts: slot 0 holds lowcore and code below. */
static uint64_t data_start(int i)
{
	return i ? 0 : DATA0_GPA;
}

/* Runs @code over the data of slot @i with r2 = @pattern (r3, r4: the range). */
static int run_on_slot(struct __test_metadata *_metadata, struct vm *v, int i,
		       uint64_t pattern, const uint8_t *code, size_t len, uint64_t diag_addr)
{
	v->run->s.regs.gprs[2] = pattern;
	v->run->s.regs.gprs[3] = slot_gpa[i] + data_start(i);
	v->run->s.regs.gprs[4] = slot_gpa[i] + SLOT_SIZE;
	return run_code(_metadata, v, code, len, diag_addr);
}

/* Whether the buffer no VM maps still holds what the fixture put there. */
static int unrelated_intact(const uint8_t *buf)
{
	size_t off;

	for (off = 0; off < SLOT_SIZE; off++)
		if (buf[off] != UNRELATED_BYTE)
			return 0;
	return 1;
}

static int guards_intact(struct vm *v)
{
	int i;
	size_t j;

	for (i = 0; i < NR_SLOTS; i++) {
		for (j = 0; j < GUARD; j++) {
			if (v->area[i][j] != 0xa5 || v->area[i][GUARD + SLOT_SIZE + j] != 0xa5)
				return 0;
		}
	}
	return 1;
}

/*
 * Loads from probes across the 64-bit address space: inside a slot the
 * guest reads the slot's content, anywhere else it takes an addressing
 * exception.  Afterwards no slot, guard or other mapping has changed.
 */
TEST_F(isolation, address_space_scan)
{
	uint64_t probes[160];
	int n = 0, i, inside = 0, outside = 0;
	uint64_t a, off;

	/* Every slot's doubleword holds its guest address ^ PATTERN_A. */
	for (i = 0; i < NR_SLOTS; i++)
		for (off = data_start(i); off < SLOT_SIZE; off += 8)
			*(uint64_t *)(self->a.mem[i] + off) = (slot_gpa[i] + off) ^ PATTERN_A;
	/* The first 8 MiB in 256 KiB steps, the edges of each slot, then powers of two. */
	for (a = DATA0_GPA; a < 8 * SZ_1M; a += 256 * 1024)
		probes[n++] = a;
	for (i = 0; i < NR_SLOTS; i++) {
		probes[n++] = slot_gpa[i] + SLOT_SIZE - 8;
		probes[n++] = slot_gpa[i] + SLOT_SIZE;
		if (slot_gpa[i] >= 8)
			probes[n++] = slot_gpa[i] - 8;
	}
	for (i = 23; i < 64; i++)
		probes[n++] = 1UL << i;
	probes[n++] = ~7UL;

	for (i = 0; i < n; i++) {
		int slot = slot_of(probes[i], &off);
		int rc;

		self->a.run->s.regs.gprs[2] = 0;
		self->a.run->s.regs.gprs[3] = probes[i];
		rc = run_code(_metadata, &self->a, load_code, sizeof(load_code), CODE_GPA + 10);
		if (slot >= 0 && !(slot == 0 && off < DATA0_GPA)) {
			EXPECT_EQ(0, rc) TH_LOG("probe %#lx inside slot %d", probes[i], slot);
			EXPECT_EQ(probes[i] ^ PATTERN_A, self->a.run->s.regs.gprs[2])
				TH_LOG("probe %#lx", probes[i]);
			inside++;
		} else if (slot < 0) {
			EXPECT_EQ(PGM_ADDRESSING, rc) TH_LOG("probe %#lx outside every slot", probes[i]);
			EXPECT_EQ(0, self->a.run->s.regs.gprs[2]) TH_LOG("probe %#lx", probes[i]);
			outside++;
		}
	}
	EXPECT_LE(10, inside);
	EXPECT_LT(40, outside);
	EXPECT_TRUE(guards_intact(&self->a));
	EXPECT_TRUE(unrelated_intact(self->unrelated));
}

/*
 * The guest writes every doubleword of its memory (slot 0 above its code):
 * exactly its slots change, nothing around them or elsewhere.
 */
TEST_F_TIMEOUT(isolation, guest_writes_all_its_memory, ISOLATION_TIMEOUT)
{
	uint64_t off;
	int i;

	for (i = 0; i < NR_SLOTS; i++)
		ASSERT_EQ(0, run_on_slot(_metadata, &self->a, i, PATTERN_A, fill_code,
					 sizeof(fill_code), CODE_GPA + 30));
	for (i = 0; i < NR_SLOTS; i++) {
		for (off = data_start(i); off < SLOT_SIZE; off += 8) {
			uint64_t want = (slot_gpa[i] + off) ^ PATTERN_A;

			if (*(uint64_t *)(self->a.mem[i] + off) != want)
				break;
		}
		EXPECT_EQ(SLOT_SIZE, off) TH_LOG("slot %d differs at offset %#lx", i, off);
	}
	EXPECT_TRUE(guards_intact(&self->a));
	EXPECT_TRUE(unrelated_intact(self->unrelated));
}

/*
 * Two VMs with memory at the same guest addresses: each writes its own
 * pattern, then each checks all of its memory and sees only its own.
 */
TEST_F_TIMEOUT(isolation, two_vms_see_only_their_own_memory, ISOLATION_TIMEOUT)
{
	struct vm *v[2] = { &self->a, &self->b };
	uint64_t pattern[2] = { PATTERN_A, PATTERN_B };
	uint64_t off;
	int i, k;

	vm_setup(_metadata, self->kvm, &self->b);
	for (k = 0; k < 2; k++)
		for (i = 0; i < NR_SLOTS; i++)
			ASSERT_EQ(0, run_on_slot(_metadata, v[k], i, pattern[k], fill_code,
						 sizeof(fill_code), CODE_GPA + 30));
	for (k = 0; k < 2; k++) {
		for (i = 0; i < NR_SLOTS; i++) {
			v[k]->run->s.regs.gprs[7] = 0;
			ASSERT_EQ(0, run_on_slot(_metadata, v[k], i, pattern[k], check_code,
						 sizeof(check_code), CODE_GPA + 38));
			EXPECT_EQ(0, v[k]->run->s.regs.gprs[7])
				TH_LOG("VM %d slot %d: doublewords not its own", k, i);
			off = data_start(i);
			EXPECT_EQ((slot_gpa[i] + off) ^ pattern[k],
				  *(uint64_t *)(v[k]->mem[i] + off));
		}
		EXPECT_TRUE(guards_intact(v[k]));
	}
}

TEST_HARNESS_MAIN
