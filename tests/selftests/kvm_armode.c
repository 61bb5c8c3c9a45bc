// SPDX-License-Identifier: GPL-2.0
/*
 * Access-register mode through KVM_S390_MEM_OP (mainline: gaccess.c,
 * ar_translation): the guest's DAT maps three address spaces (the primary
 * space, space A reached through the dispatchable-unit access list, space B
 * through the primary-space access list) whose page at 0x80000 holds
 * different bytes.  A small guest runs once in access-register mode to a
 * DIAG 0x501 exit, so the vCPU's PSW is the AR-mode one; then logical reads
 * and writes with an access register show that each ALET reaches its space,
 * and each broken structure (ALET, access-list designation, ALE, ASTE,
 * authority table, fetch-only entry) gives mainline's program-interruption
 * code, as the return value of MEM_OP and, with INJECT_EXCEPTION, in the
 * guest's lowcore (code, TEID, exception access id, old PSW).  The whole
 * translation is software in both backends: they must agree exactly.
 */
#include "guest_util.h"

#define PSW_DAT		0x0400000000000000UL	/* bit 5 */
#define PSW_AS_AR	0x0000400000000000UL	/* bits 16-17 = 01 */
#define PSW_AR_MODE	(PSW_MASK_64 | PSW_DAT | PSW_AS_AR)

#define LC_EXC_ACCESS_ID 0xa0
#define LC_TEID		0xa8

#define PGM_PROTECTION		0x04
#define PGM_ALET_SPEC		0x28
#define PGM_ALEN_TRANS		0x29
#define PGM_ALE_SEQ		0x2a
#define PGM_ASTE_VALIDITY	0x2b
#define PGM_ASTE_SEQ		0x2c
#define PGM_EXT_AUTH		0x2d

/* Guest DAT: three segment tables (2048 entries) and their page tables. */
#define STO_P		0x20000UL
#define STO_A		0x24000UL
#define STO_B		0x28000UL
#define PTO_P		0x2c000UL
#define PTO_A		0x2c800UL
#define PTO_B		0x2d000UL
/* Access-register translation tables. */
#define DUCT		0x30000UL	/* CR2 */
#define PASTE		0x30040UL	/* CR5 */
#define DU_LIST		0x31000UL
#define P_LIST		0x31800UL
#define ASTE_A		0x32000UL
#define ASTE_B		0x32040UL
#define AUTH_TABLE	0x34000UL
#define ASTESN_A	0x12345678U
#define ASTESN_B	0x0badcafeU

/* The page each space maps at virtual PAGE_VA, and where. */
#define PAGE_VA		0x80000UL
#define FRAME_P		0x80000UL
#define FRAME_A		0x90000UL
#define FRAME_B		0xa0000UL

#define ALET_A		0x00050002U	/* DU list, ALESN 5, ALEN 2 */
#define ALET_B		0x01000003U	/* primary list, ALESN 0, ALEN 3 */
#define AR		6

#define ALE_INVALID	0x80000000U
#define ALE_FETCH_ONLY	0x02000000U
#define ALE_PRIVATE	0x01000000U

static void put32(FIXTURE_DATA(guest) *self, uint64_t gpa, uint32_t v)
{
	*(uint32_t *)host_addr(self, gpa) = v;
}

static void put64(FIXTURE_DATA(guest) *self, uint64_t gpa, uint64_t v)
{
	*(uint64_t *)host_addr(self, gpa) = v;
}

static uint64_t get64(FIXTURE_DATA(guest) *self, uint64_t gpa)
{
	return *(uint64_t *)host_addr(self, gpa);
}

/* A segment table mapping the first MiB one to one, except PAGE_VA -> @frame. */
static uint64_t space(FIXTURE_DATA(guest) *self, uint64_t sto, uint64_t pto, uint64_t frame)
{
	int i;

	for (i = 0; i < 2048; i++)
		put64(self, sto + i * 8, 0x20);		/* invalid segment */
	put64(self, sto, pto);
	for (i = 0; i < 256; i++)
		put64(self, pto + i * 8, i * 4096UL);
	put64(self, pto + (PAGE_VA >> 12) * 8, frame);
	return sto | 3;
}

static void ale(FIXTURE_DATA(guest) *self, uint64_t list, uint32_t alen, uint32_t w0,
		uint64_t aste, uint32_t astesn)
{
	uint64_t a = list + alen * 16;

	put32(self, a, w0);
	put32(self, a + 4, 0);
	put32(self, a + 8, (uint32_t)aste);
	put32(self, a + 12, astesn);
}

static void aste(FIXTURE_DATA(guest) *self, uint64_t at, uint32_t w0, uint32_t atl,
		 uint64_t asce, uint32_t astesn)
{
	put32(self, at, w0);
	put32(self, at + 4, atl << 4);
	put64(self, at + 8, asce);
	put32(self, at + 16, 0);
	put32(self, at + 20, astesn);
}

/* Sets the access registers (AR AR = @alet) and control registers. */
static int set_regs(FIXTURE_DATA(guest) *self, uint32_t alet, uint64_t cr2, uint64_t cr8)
{
	struct kvm_sregs sregs;

	if (ioctl(self->vcpu, KVM_GET_SREGS, &sregs))
		return -1;
	memset(sregs.acrs, 0, sizeof(sregs.acrs));
	sregs.acrs[AR] = alet;
	sregs.acrs[7] = ALET_B;
	sregs.acrs[8] = 0;
	sregs.acrs[9] = 1;
	sregs.acrs[0] = ALET_A;		/* access register 0 means ALET 0 */
	sregs.crs[1] = STO_P | 3;
	sregs.crs[2] = cr2;
	sregs.crs[5] = PASTE;
	sregs.crs[7] = STO_B | 3;	/* ALET 1: the secondary space */
	sregs.crs[8] = cr8;
	return ioctl(self->vcpu, KVM_SET_SREGS, &sregs);
}

static int memop(FIXTURE_DATA(guest) *self, uint32_t op, uint8_t ar, uint64_t ga,
		 void *buf, uint32_t size, uint64_t flags)
{
	struct kvm_s390_mem_op mop = {
		.gaddr = ga,
		.size = size,
		.op = op,
		.buf = (uintptr_t)buf,
		.ar = ar,
		.flags = flags,
	};

	return ioctl(self->vcpu, KVM_S390_MEM_OP, &mop);
}

static int read_ar(FIXTURE_DATA(guest) *self, uint8_t ar, uint64_t *val, uint64_t flags)
{
	return memop(self, KVM_S390_MEMOP_LOGICAL_READ, ar, PAGE_VA + 8, val, 8, flags);
}

static int write_ar(FIXTURE_DATA(guest) *self, uint8_t ar, uint64_t val, uint64_t flags)
{
	return memop(self, KVM_S390_MEMOP_LOGICAL_WRITE, ar, PAGE_VA + 8, &val, 8, flags);
}

/*
 * The spaces, the tables (every structure valid), the program handler, and
 * one run in access-register mode to DIAG 0x501 at CODE_GPA.
 */
static void setup_armode(struct __test_metadata *_metadata, FIXTURE_DATA(guest) *self)
{
	static const uint8_t code[] = { DIAG_501, J_SELF };
	static const uint8_t handler[] = PGM_HANDLER_CODE;

	space(self, STO_P, PTO_P, FRAME_P);
	aste(self, ASTE_A, AUTH_TABLE, 0, space(self, STO_A, PTO_A, FRAME_A), ASTESN_A);
	aste(self, ASTE_B, 0, 0, space(self, STO_B, PTO_B, FRAME_B), ASTESN_B);
	put32(self, DUCT + 16, DU_LIST);	/* DUALD: list origin, length 0 */
	put32(self, PASTE + 16, P_LIST);	/* ALD */
	ale(self, DU_LIST, 2, 5 << 16, ASTE_A, ASTESN_A);
	ale(self, P_LIST, 3, 0, ASTE_B, ASTESN_B);
	put64(self, FRAME_P + 8, 0x5050505050505050UL);
	put64(self, FRAME_A + 8, 0xa0a0a0a0a0a0a0a0UL);
	put64(self, FRAME_B + 8, 0xb0b0b0b0b0b0b0b0UL);

	load_code(self, CODE_GPA, code, sizeof(code));
	load_code(self, HANDLER_GPA, handler, sizeof(handler));
	put64(self, LC_PGM_NEW_PSW, PSW_MASK_64);
	put64(self, LC_PGM_NEW_PSW + 8, HANDLER_GPA);
	ASSERT_OK(set_regs(self, ALET_A, DUCT, 0));
	self->run->psw_mask = PSW_AR_MODE;
	self->run->psw_addr = CODE_GPA;
	RUN_TO_DIAG(CODE_GPA + 4);
	ASSERT_EQ(PSW_AR_MODE, self->run->psw_mask);
}

TEST_F(guest, each_alet_reads_its_space)
{
	uint64_t v;

	setup_armode(_metadata, self);
	EXPECT_EQ(0, read_ar(self, AR, &v, 0));
	EXPECT_EQ(0xa0a0a0a0a0a0a0a0UL, v);
	EXPECT_EQ(0, read_ar(self, 7, &v, 0));
	EXPECT_EQ(0xb0b0b0b0b0b0b0b0UL, v);
	EXPECT_EQ(0, read_ar(self, 8, &v, 0));	/* ALET 0: primary */
	EXPECT_EQ(0x5050505050505050UL, v);
	EXPECT_EQ(0, read_ar(self, 9, &v, 0));	/* ALET 1: secondary (CR7) */
	EXPECT_EQ(0xb0b0b0b0b0b0b0b0UL, v);
	EXPECT_EQ(0, read_ar(self, 0, &v, 0));	/* AR 0 holds ALET_A: primary */
	EXPECT_EQ(0x5050505050505050UL, v);
	EXPECT_EQ(0, read_ar(self, AR, NULL, KVM_S390_MEMOP_F_CHECK_ONLY));
}

TEST_F(guest, a_write_lands_in_the_alets_space)
{
	setup_armode(_metadata, self);
	EXPECT_EQ(0, write_ar(self, AR, 0x1122334455667788UL, 0));
	EXPECT_EQ(0x1122334455667788UL, get64(self, FRAME_A + 8));
	EXPECT_EQ(0x5050505050505050UL, get64(self, FRAME_P + 8));
	EXPECT_EQ(0xb0b0b0b0b0b0b0b0UL, get64(self, FRAME_B + 8));
}

/* MEM_OP read (and check) with AR AR after @breakage: @code back from both. */
#define EXPECT_READ_CODE(code, what) do {					\
	uint64_t __v = 0x77;							\
										\
	EXPECT_EQ(code, read_ar(self, AR, &__v, 0)) TH_LOG("%s", what);	\
	EXPECT_EQ(0x77, __v) TH_LOG("%s: the buffer must stay", what);		\
	EXPECT_EQ(code, read_ar(self, AR, NULL, KVM_S390_MEMOP_F_CHECK_ONLY))	\
		TH_LOG("%s (check only)", what);				\
} while (0)

TEST_F(guest, each_broken_structure_gives_its_exception)
{
	uint64_t v;
	int bit;

	setup_armode(_metadata, self);
	for (bit = 0; bit < 7; bit++) {
		ASSERT_OK(set_regs(self, ALET_A | (0x80000000U >> bit), DUCT, 0));
		EXPECT_READ_CODE(PGM_ALET_SPEC, "ALET bits 0-6");
	}
	ASSERT_OK(set_regs(self, 0x00000008, DUCT, 0));		/* list length 0 */
	EXPECT_READ_CODE(PGM_ALEN_TRANS, "ALEN beyond the list");
	ASSERT_OK(set_regs(self, 0x00040002, DUCT, 0));
	EXPECT_READ_CODE(PGM_ALE_SEQ, "ALE sequence");
	ASSERT_OK(set_regs(self, ALET_A, GAP_GPA, 0));
	EXPECT_READ_CODE(PGM_ADDRESSING, "DUCT outside memory");
	ASSERT_OK(set_regs(self, ALET_A, DUCT, 0));

	ale(self, DU_LIST, 2, ALE_INVALID | 5 << 16, ASTE_A, ASTESN_A);
	EXPECT_READ_CODE(PGM_ALEN_TRANS, "ALE invalid");
	ale(self, DU_LIST, 2, 5 << 16, GAP_GPA, ASTESN_A);
	EXPECT_READ_CODE(PGM_ADDRESSING, "ASTE outside memory");
	ale(self, DU_LIST, 2, 5 << 16, ASTE_A, ASTESN_A + 1);
	EXPECT_READ_CODE(PGM_ASTE_SEQ, "ASTE sequence");
	ale(self, DU_LIST, 2, 5 << 16, ASTE_A, ASTESN_A);
	put32(self, ASTE_A, 0x80000000U | AUTH_TABLE);
	EXPECT_READ_CODE(PGM_ASTE_VALIDITY, "ASTE invalid");
	put32(self, ASTE_A, AUTH_TABLE);
	EXPECT_EQ(0, read_ar(self, AR, &v, 0));

	/* A private entry: ALEAX 0x10 against the EAX in CR8 bits 32-47. */
	ale(self, DU_LIST, 2, ALE_PRIVATE | 5 << 16 | 0x10, ASTE_A, ASTESN_A);
	ASSERT_OK(set_regs(self, ALET_A, DUCT, 0x10UL << 16));
	EXPECT_EQ(0, read_ar(self, AR, &v, 0));
	ASSERT_OK(set_regs(self, ALET_A, DUCT, 0x11UL << 16));
	EXPECT_READ_CODE(PGM_EXT_AUTH, "EAX beyond the authority table");
	put32(self, ASTE_A + 4, 1 << 4);				/* length 1 */
	*host_addr(self, AUTH_TABLE + 4) = 0x20;			/* primary only */
	EXPECT_READ_CODE(PGM_EXT_AUTH, "no secondary authority");
	*host_addr(self, AUTH_TABLE + 4) = 0x10;			/* secondary */
	EXPECT_EQ(0, read_ar(self, AR, &v, 0));
	EXPECT_EQ(0xa0a0a0a0a0a0a0a0UL, v);

	/* Fetch-only: reads pass, writes are protection exceptions. */
	ale(self, DU_LIST, 2, ALE_FETCH_ONLY | 5 << 16, ASTE_A, ASTESN_A);
	EXPECT_EQ(0, read_ar(self, AR, &v, 0));
	EXPECT_EQ(PGM_PROTECTION, write_ar(self, AR, 1, 0));
	EXPECT_EQ(PGM_PROTECTION, memop(self, KVM_S390_MEMOP_LOGICAL_WRITE, AR, PAGE_VA + 8,
					NULL, 8, KVM_S390_MEMOP_F_CHECK_ONLY));
	EXPECT_EQ(0xa0a0a0a0a0a0a0a0UL, get64(self, FRAME_A + 8));
}

/*
 * With INJECT_EXCEPTION the guest gets the exception at the next KVM_RUN:
 * the ART exceptions store the exception access id but no TEID and nullify
 * (the old PSW goes back by the length of the last intercepted instruction,
 * DIAG: 4); ALET specification stores neither; the fetch-only protection
 * stores the TEID (page, store, AR space, bits 60 and 61) and the access id.
 */
static void inject_and_run(struct __test_metadata *_metadata, FIXTURE_DATA(guest) *self,
			   int code, bool store)
{
	int rc;

	put64(self, LC_TEID, 0xeeeeeeeeeeeeeeeeUL);
	*host_addr(self, LC_EXC_ACCESS_ID) = 0xee;
	put64(self, LC_PGM_OLD_PSW, 0);
	put64(self, LC_PGM_OLD_PSW + 8, 0);
	if (store)
		rc = write_ar(self, AR, 1, KVM_S390_MEMOP_F_INJECT_EXCEPTION);
	else
		rc = read_ar(self, AR, &(uint64_t){ 0 }, KVM_S390_MEMOP_F_INJECT_EXCEPTION);
	ASSERT_EQ(code, rc);
	RUN_TO_DIAG(HANDLER_GPA + 4);
	EXPECT_EQ(code, *(uint16_t *)host_addr(self, LC_PGM_CODE));
	EXPECT_EQ(PSW_AR_MODE, get64(self, LC_PGM_OLD_PSW));
}

TEST_F(guest, injected_exceptions_reach_the_lowcore)
{
	setup_armode(_metadata, self);
	ale(self, DU_LIST, 2, ALE_INVALID | 5 << 16, ASTE_A, ASTESN_A);
	inject_and_run(_metadata, self, PGM_ALEN_TRANS, false);
	EXPECT_EQ(AR, *host_addr(self, LC_EXC_ACCESS_ID));
	EXPECT_EQ(0xeeeeeeeeeeeeeeeeUL, get64(self, LC_TEID));
	EXPECT_EQ(CODE_GPA, get64(self, LC_PGM_OLD_PSW + 8));

	self->run->psw_mask = PSW_AR_MODE;
	self->run->psw_addr = CODE_GPA;
	RUN_TO_DIAG(CODE_GPA + 4);
	ASSERT_OK(set_regs(self, 0x40000000, DUCT, 0));
	inject_and_run(_metadata, self, PGM_ALET_SPEC, false);
	EXPECT_EQ(0xee, *host_addr(self, LC_EXC_ACCESS_ID));
	EXPECT_EQ(0xeeeeeeeeeeeeeeeeUL, get64(self, LC_TEID));
	EXPECT_EQ(CODE_GPA + 4, get64(self, LC_PGM_OLD_PSW + 8));

	self->run->psw_mask = PSW_AR_MODE;
	self->run->psw_addr = CODE_GPA;
	RUN_TO_DIAG(CODE_GPA + 4);
	ASSERT_OK(set_regs(self, ALET_A, DUCT, 0));
	ale(self, DU_LIST, 2, ALE_FETCH_ONLY | 5 << 16, ASTE_A, ASTESN_A);
	inject_and_run(_metadata, self, PGM_PROTECTION, true);
	EXPECT_EQ(AR, *host_addr(self, LC_EXC_ACCESS_ID));
	EXPECT_EQ(PAGE_VA | 0x400 | 0x8 | 0x4 | 1, get64(self, LC_TEID));
	EXPECT_EQ(CODE_GPA + 4, get64(self, LC_PGM_OLD_PSW + 8));
	EXPECT_EQ(0xa0a0a0a0a0a0a0a0UL, get64(self, FRAME_A + 8));
}

/*
 * An instruction's operand in access-register mode: STIDP's base register
 * 4 names access register 4.  Through ALET A the CPU id lands in space A;
 * with A's entry invalid the guest gets ALEN translation for access
 * register 4, nullifying (the old PSW points at STIDP, ILC 4), whether the
 * backend emulates STIDP or the machine's SIE executes it.
 */
TEST_F(guest, an_instruction_operand_through_an_alet)
{
	static const uint8_t code[] = {
		0xb2, 0x02, 0x40, 0x00,			/* +0 stidp 0(%r4) */
		DIAG_501, J_SELF,			/* +4 */
	};
	struct kvm_sregs sregs;

	setup_armode(_metadata, self);
	load_code(self, CODE_GPA, code, sizeof(code));
	put64(self, FRAME_A + 0x10, 0x1111111111111111UL);
	put64(self, FRAME_P + 0x10, 0x2222222222222222UL);
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	sregs.acrs[4] = ALET_A;
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_SREGS, &sregs));
	self->run->s.regs.gprs[4] = PAGE_VA + 0x10;
	self->run->psw_mask = PSW_AR_MODE;
	self->run->psw_addr = CODE_GPA;
	RUN_TO_DIAG(CODE_GPA + 8);
	EXPECT_NE(0x1111111111111111UL, get64(self, FRAME_A + 0x10));
	EXPECT_EQ(0x2222222222222222UL, get64(self, FRAME_P + 0x10));

	put64(self, FRAME_A + 0x10, 0x1111111111111111UL);
	ale(self, DU_LIST, 2, ALE_INVALID | 5 << 16, ASTE_A, ASTESN_A);
	*host_addr(self, LC_EXC_ACCESS_ID) = 0xee;
	put64(self, LC_PGM_OLD_PSW + 8, 0);
	self->run->psw_mask = PSW_AR_MODE;
	self->run->psw_addr = CODE_GPA;
	RUN_TO_DIAG(HANDLER_GPA + 4);
	EXPECT_EQ(PGM_ALEN_TRANS, *(uint16_t *)host_addr(self, LC_PGM_CODE));
	EXPECT_EQ(4, *(uint16_t *)host_addr(self, LC_PGM_ILC));
	EXPECT_EQ(4, *host_addr(self, LC_EXC_ACCESS_ID));
	EXPECT_EQ(PSW_AR_MODE, get64(self, LC_PGM_OLD_PSW));
	EXPECT_EQ(CODE_GPA, get64(self, LC_PGM_OLD_PSW + 8));
	EXPECT_EQ(0x1111111111111111UL, get64(self, FRAME_A + 0x10));
}

TEST_HARNESS_MAIN
