// SPDX-License-Identifier: GPL-2.0
/*
 * Instructions SIE intercepts and the backend emulates in the kernel
 * (mainline: priv.c): small guests in machine code execute STIDP, SPX, STPX,
 * STAP, STFL, STSI, LCTL(G), STCTL(G), LPSW(E), EPSW, TB, TPROT and channel
 * I/O (TPI and TSCH with CSS support), and each result is checked in guest memory, registers or the
 * condition code.  Their program exceptions are checked as the guest sees
 * them, through the program old PSW, the interruption code and ILC and the
 * translation-exception identification in the lowcore: privileged operation
 * in problem state, specification for a misaligned operand, addressing
 * outside the memslots, protection (low-address and DAT) and page
 * translation under guest DAT.  An instruction the backend does not emulate
 * still reaches user space as KVM_EXIT_S390_SIEIC.  Whether Hercules' SIE
 * intercepts a given instruction or interprets it itself, the guest must see
 * the same results.
 */
#include "guest_util.h"

#define IPM_R7		0xb2, 0x22, 0x00, 0x70		/* ipm %r7 */
#define PSW_PSTATE	0x0001000000000000UL		/* bit 15: problem state */
#define PSW_DAT		0x0400000000000000UL		/* bit 5 */
#define CR0_LAP		0x0000000010000000UL		/* bit 35 */
#define LC_TEID		0xa8
#define LC_EXC_ACCESS_ID 0xa0
#define LC_STFL		0xc8

#define PGM_PRIVILEGED	0x02
#define PGM_PROTECTION	0x04
#define PGM_SPECIFICATION 0x06
#define PGM_PAGE_TRANSLATION 0x11

#define DATA_GPA	(SLOT1_GPA + 0x8000)	/* operands */

/* The condition code an IPM into %r7 captured. */
#define CC(self) ((unsigned int)((self)->run->s.regs.gprs[7] >> 28) & 3)

static uint64_t *u64_at(FIXTURE_DATA(guest) *self, uint64_t gpa)
{
	return (uint64_t *)host_addr(self, gpa);
}

/* A program new PSW leading to DIAG 0x501, and a cleared program old PSW. */
static void setup_pgm(FIXTURE_DATA(guest) *self)
{
	static const uint8_t handler[] = PGM_HANDLER_CODE;

	load_code(self, HANDLER_GPA, handler, sizeof(handler));
	u64_at(self, LC_PGM_NEW_PSW)[0] = PSW_MASK_64;
	u64_at(self, LC_PGM_NEW_PSW)[1] = HANDLER_GPA;
	u64_at(self, LC_PGM_OLD_PSW)[0] = 0;
	u64_at(self, LC_PGM_OLD_PSW)[1] = 0;
	*(uint32_t *)host_addr(self, LC_PGM_ILC) = 0;
	*u64_at(self, LC_TEID) = 0;
}

/* Runs to the program handler; checks code, ILC and the old PSW's address. */
#define RUN_TO_PGM(code, ilc, old_addr) do {					\
	RUN_TO_DIAG(HANDLER_GPA + 4);						\
	EXPECT_EQ(code, *(uint16_t *)host_addr(self, LC_PGM_CODE));		\
	EXPECT_EQ(ilc, *(uint16_t *)host_addr(self, LC_PGM_ILC));		\
	EXPECT_EQ((uint64_t)(old_addr), u64_at(self, LC_PGM_OLD_PSW)[1]);	\
} while (0)

/*
 * In a loop over instructions: runs to the program handler, or logs which
 * instruction did not get there and goes on with the next one.
 */
#define RUN_TO_HANDLER_OR_CONTINUE(name) {					\
	ASSERT_OK(ioctl(self->vcpu, KVM_RUN, 0));				\
	if (self->run->exit_reason != KVM_EXIT_S390_SIEIC ||			\
	    self->run->s390_sieic.ipa != DIAG_501_IPA ||			\
	    self->run->psw_addr != HANDLER_GPA + 4) {				\
		EXPECT_EQ(HANDLER_GPA + 4, self->run->psw_addr)			\
			TH_LOG("%s: exit %u icptcode 0x%x ipa 0x%04x", name,	\
			       self->run->exit_reason,				\
			       self->run->s390_sieic.icptcode,			\
			       self->run->s390_sieic.ipa);			\
		continue;							\
	}									\
}

static int vm_cpu_attr(int vm, unsigned long ioctl_nr, uint64_t attr, void *val)
{
	struct kvm_device_attr a = {
		.group = KVM_S390_VM_CPU_MODEL,
		.attr = attr,
		.addr = (uintptr_t)val,
	};

	return ioctl(vm, ioctl_nr, &a);
}

/* Sets bits in CR0; 0 or the failing ioctl's -1. */
static int set_cr0(FIXTURE_DATA(guest) *self, uint64_t set)
{
	struct kvm_sregs sregs;

	if (ioctl(self->vcpu, KVM_GET_SREGS, &sregs))
		return -1;
	sregs.crs[0] |= set;
	return ioctl(self->vcpu, KVM_SET_SREGS, &sregs);
}

TEST_F(guest, stidp_stores_the_models_cpu_id)
{
	static const uint8_t code[] = {
		0xb2, 0x02, 0x40, 0x00,			/* +0 stidp 0(%r4) */
		DIAG_501, J_SELF,			/* +4 */
	};
	struct kvm_s390_vm_cpu_processor proc;

	ASSERT_OK(vm_cpu_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR, &proc));
	load_code(self, CODE_GPA, code, sizeof(code));
	*u64_at(self, DATA_GPA) = 0x1111111111111111UL;
	self->run->s.regs.gprs[4] = DATA_GPA;
	RUN_TO_DIAG(CODE_GPA + 8);
	EXPECT_EQ(proc.cpuid, *u64_at(self, DATA_GPA));
}

TEST_F(guest, spx_and_stpx_move_the_prefix)
{
	static const uint8_t code[] = {
		0xb2, 0x10, 0x40, 0x00,			/* +0 spx  0(%r4) */
		0xb2, 0x11, 0x40, 0x08,			/* +4 stpx 8(%r4) */
		DIAG_501, J_SELF,			/* +8 */
	};

	load_code(self, CODE_GPA, code, sizeof(code));
	/* Bits outside 1-18 are ignored. */
	*(uint32_t *)host_addr(self, DATA_GPA) = 0x80000000 | 0x80000 | 0x1fff;
	*(uint32_t *)host_addr(self, DATA_GPA + 8) = 0xffffffff;
	self->run->s.regs.gprs[4] = DATA_GPA;
	RUN_TO_DIAG(CODE_GPA + 12);
	EXPECT_EQ(0x80000, *(uint32_t *)host_addr(self, DATA_GPA + 8));
	EXPECT_EQ(0x80000, self->run->s.regs.prefix);
}

TEST_F(guest, spx_outside_memory_is_addressing)
{
	static const uint8_t code[] = {
		0xb2, 0x10, 0x40, 0x00,			/* +0 spx 0(%r4) */
		DIAG_501, J_SELF,			/* +4 */
	};

	setup_pgm(self);
	load_code(self, CODE_GPA, code, sizeof(code));
	*(uint32_t *)host_addr(self, DATA_GPA) = GAP_GPA;
	self->run->s.regs.gprs[4] = DATA_GPA;
	RUN_TO_PGM(PGM_ADDRESSING, 4, CODE_GPA + 4);
	EXPECT_EQ(0, self->run->s.regs.prefix);
}

TEST_F(guest, stap_stores_the_cpu_address)
{
	static const uint8_t code[] = {
		0xb2, 0x12, 0x40, 0x02,			/* +0 stap 2(%r4) */
		DIAG_501, J_SELF,			/* +4 */
	};

	load_code(self, CODE_GPA, code, sizeof(code));
	*u64_at(self, DATA_GPA) = 0xffffffffffffffffUL;
	self->run->s.regs.gprs[4] = DATA_GPA;
	RUN_TO_DIAG(CODE_GPA + 8);
	EXPECT_EQ(0xffff0000ffffffffUL, *u64_at(self, DATA_GPA));
}

TEST_F(guest, stfl_stores_the_first_facility_word)
{
	static const uint8_t code[] = {
		0xb2, 0xb1, 0x00, 0x00,			/* +0 stfl */
		DIAG_501, J_SELF,			/* +4 */
	};
	struct kvm_s390_vm_cpu_processor proc;

	ASSERT_OK(vm_cpu_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR, &proc));
	load_code(self, CODE_GPA, code, sizeof(code));
	*(uint32_t *)host_addr(self, LC_STFL) = 0xdeadbeef;
	RUN_TO_DIAG(CODE_GPA + 8);
	EXPECT_EQ(proc.fac_list[0] >> 32, *(uint32_t *)host_addr(self, LC_STFL));
}

/* LCTL of CR15, CR0, CR1, CR2 (the range wraps) loads only the low halves; STCTL reads them back. */
TEST_F(guest, lctl_and_stctl_wrap_and_keep_the_high_halves)
{
	static const uint8_t code[] = {
		0xb7, 0xf2, 0x40, 0x00,			/* +0 lctl  %c15,%c2,0(%r4) */
		0xb6, 0xf2, 0x50, 0x00,			/* +4 stctl %c15,%c2,0(%r5) */
		DIAG_501, J_SELF,			/* +8 */
	};
	uint32_t *in = (uint32_t *)host_addr(self, DATA_GPA);
	uint32_t *out = (uint32_t *)host_addr(self, DATA_GPA + 0x100);
	struct kvm_sregs sregs;
	int i;

	ASSERT_OK(ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	sregs.crs[15] = 0xaaaaaaaa00000000UL;
	sregs.crs[2] = 0xbbbbbbbb00000000UL;
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_SREGS, &sregs));
	in[0] = 0x1234;				/* cr15 */
	in[1] = (uint32_t)sregs.crs[0];		/* cr0 unchanged */
	in[2] = 0;				/* cr1 */
	in[3] = 0x5678;				/* cr2 */
	for (i = 0; i < 5; i++)
		out[i] = 0xffffffff;
	load_code(self, CODE_GPA, code, sizeof(code));
	self->run->s.regs.gprs[4] = DATA_GPA;
	self->run->s.regs.gprs[5] = DATA_GPA + 0x100;
	RUN_TO_DIAG(CODE_GPA + 12);
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	EXPECT_EQ(0xaaaaaaaa00001234UL, sregs.crs[15]);
	EXPECT_EQ(0xbbbbbbbb00005678UL, sregs.crs[2]);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(in[i], out[i]) TH_LOG("word %d", i);
	EXPECT_EQ(0xffffffff, out[4]);
}

TEST_F(guest, lctlg_and_stctg_round_trip)
{
	static const uint8_t code[] = {
		0xeb, 0x23, 0x40, 0x00, 0x00, 0x2f,	/* +0  lctlg %c2,%c3,0(%r4) */
		0xeb, 0x0f, 0x50, 0x00, 0x00, 0x25,	/* +6  stctg %c0,%c15,0(%r5) */
		DIAG_501, J_SELF,			/* +12 */
	};
	uint64_t *out = u64_at(self, DATA_GPA + 0x100);
	struct kvm_sregs sregs;
	int i;

	u64_at(self, DATA_GPA)[0] = 0x0123456789abcdefUL;
	u64_at(self, DATA_GPA)[1] = 0xfedcba9876543210UL;
	load_code(self, CODE_GPA, code, sizeof(code));
	self->run->s.regs.gprs[4] = DATA_GPA;
	self->run->s.regs.gprs[5] = DATA_GPA + 0x100;
	RUN_TO_DIAG(CODE_GPA + 16);
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	EXPECT_EQ(0x0123456789abcdefUL, sregs.crs[2]);
	EXPECT_EQ(0xfedcba9876543210UL, sregs.crs[3]);
	for (i = 0; i < 16; i++)
		EXPECT_EQ(sregs.crs[i], out[i]) TH_LOG("cr%d", i);
}

TEST_F(guest, lpswe_loads_the_psw)
{
	static const uint8_t code[] = {
		0xb2, 0xb2, 0x40, 0x00,			/* +0 lpswe 0(%r4) */
		J_SELF,					/* +4 */
	};
	static const uint8_t target[] = { DIAG_501, J_SELF };

	load_code(self, CODE_GPA, code, sizeof(code));
	load_code(self, CODE_GPA + 0x800, target, sizeof(target));
	u64_at(self, DATA_GPA)[0] = PSW_MASK_64 | 0x0000300000000000UL;	/* cc 3 */
	u64_at(self, DATA_GPA)[1] = CODE_GPA + 0x800;
	self->run->s.regs.gprs[4] = DATA_GPA;
	RUN_TO_DIAG(CODE_GPA + 0x804);
	EXPECT_EQ(PSW_MASK_64 | 0x0000300000000000UL, self->run->psw_mask);
}

/* The short format: bit 12 set, the addressing mode in the address word (31-bit here). */
TEST_F(guest, lpsw_loads_a_short_psw)
{
	static const uint8_t code[] = {
		0x82, 0x00, 0x40, 0x00,			/* +0 lpsw 0(%r4) */
		J_SELF,					/* +4 */
	};
	static const uint8_t target[] = { DIAG_501, J_SELF };

	load_code(self, CODE_GPA, code, sizeof(code));
	load_code(self, CODE_GPA + 0x800, target, sizeof(target));
	*(uint32_t *)host_addr(self, DATA_GPA) = 0x00080000;
	*(uint32_t *)host_addr(self, DATA_GPA + 4) = 0x80000000 | (CODE_GPA + 0x800);
	self->run->s.regs.gprs[4] = DATA_GPA;
	RUN_TO_DIAG(CODE_GPA + 0x804);
	EXPECT_EQ(0x0000000080000000UL, self->run->psw_mask);
}

/*
 * An unassigned PSW bit (bit 0): specification exception recognised early,
 * with the invalid PSW as the program old PSW, its address not advanced.
 */
TEST_F(guest, lpswe_of_an_invalid_psw_is_specification)
{
	static const uint8_t code[] = {
		0xb2, 0xb2, 0x40, 0x00,			/* +0 lpswe 0(%r4) */
		J_SELF,					/* +4 */
	};
	const uint64_t bad_mask = PSW_MASK_64 | 0x8000000000000000UL;	/* bit 0 */

	setup_pgm(self);
	load_code(self, CODE_GPA, code, sizeof(code));
	u64_at(self, DATA_GPA)[0] = bad_mask;
	u64_at(self, DATA_GPA)[1] = CODE_GPA + 0x800;
	self->run->s.regs.gprs[4] = DATA_GPA;
	RUN_TO_DIAG(HANDLER_GPA + 4);
	EXPECT_EQ(PGM_SPECIFICATION, *(uint16_t *)host_addr(self, LC_PGM_CODE));
	EXPECT_EQ(bad_mask, u64_at(self, LC_PGM_OLD_PSW)[0]);
	EXPECT_EQ(CODE_GPA + 0x800, u64_at(self, LC_PGM_OLD_PSW)[1]);
}

TEST_F(guest, epsw_extracts_the_psw_mask)
{
	static const uint8_t code[] = {
		0xb9, 0x8d, 0x00, 0x23,			/* +0 epsw %r2,%r3 */
		DIAG_501, J_SELF,			/* +4 */
	};

	load_code(self, CODE_GPA, code, sizeof(code));
	self->run->s.regs.gprs[2] = 0x2222222222222222UL;
	self->run->s.regs.gprs[3] = 0x3333333333333333UL;
	RUN_TO_DIAG(CODE_GPA + 8);
	EXPECT_EQ(0x2222222200000001UL, self->run->s.regs.gprs[2]);
	EXPECT_EQ(0x3333333380000000UL, self->run->s.regs.gprs[3]);
}

TEST_F(guest, tb_clears_the_block)
{
	static const uint8_t code[] = {
		0xa7, 0x08, 0x12, 0x34,			/* +0  lhi %r0,0x1234 */
		0xb2, 0x2c, 0x00, 0x02,			/* +4  tb  %r2 */
		IPM_R7,					/* +8 */
		DIAG_501, J_SELF,			/* +12 */
	};
	int i;

	memset(host_addr(self, DATA_GPA), 0x5a, 4096);
	load_code(self, CODE_GPA, code, sizeof(code));
	self->run->s.regs.gprs[2] = DATA_GPA + 0x123;	/* any address in the block */
	self->run->s.regs.gprs[7] = 0xffffffff;
	RUN_TO_DIAG(CODE_GPA + 16);
	EXPECT_EQ(0, CC(self));
	EXPECT_EQ(0, self->run->s.regs.gprs[0]);
	for (i = 0; i < 4096; i++)
		ASSERT_EQ(0, host_addr(self, DATA_GPA)[i]) TH_LOG("byte %d", i);
}

TEST_F(guest, stsi_levels)
{
	static const uint8_t code[] = {
		0xb2, 0x7d, 0x40, 0x00,			/* +0 stsi 0(%r4) */
		IPM_R7,					/* +4 */
		DIAG_501, J_SELF,			/* +8 */
	};
	/* "KVMguest" in EBCDIC. */
	static const uint8_t name[8] = { 0xd2, 0xe5, 0xd4, 0x87, 0xa4, 0x85, 0xa2, 0xa3 };
	uint8_t *block = host_addr(self, DATA_GPA);

	load_code(self, CODE_GPA, code, sizeof(code));
	self->run->s.regs.gprs[4] = DATA_GPA;

	/* Function code 0: the current level, 3 (a virtual machine). */
	self->run->s.regs.gprs[0] = 0;
	self->run->s.regs.gprs[1] = 0;
	RUN_TO_DIAG(CODE_GPA + 12);
	EXPECT_EQ(0, CC(self));
	EXPECT_EQ(3UL << 28, self->run->s.regs.gprs[0]);

	/* 3.2.2: this VM is the first description, with its vCPU count. */
	memset(block, 0xff, 4096);
	self->run->psw_addr = CODE_GPA;
	self->run->s.regs.gprs[0] = (3UL << 28) | 2;
	self->run->s.regs.gprs[1] = 2;
	RUN_TO_DIAG(CODE_GPA + 12);
	EXPECT_EQ(0, CC(self));
	EXPECT_EQ(0, self->run->s.regs.gprs[0]);
	EXPECT_LE(1, block[31] & 0xf);
	EXPECT_EQ(1, *(uint16_t *)(block + 32 + 4));	/* total */
	EXPECT_EQ(1, *(uint16_t *)(block + 32 + 6));	/* configured */
	EXPECT_EQ(0, memcmp(block + 32 + 12, name, sizeof(name)));
	EXPECT_EQ(1000, *(uint32_t *)(block + 32 + 20));

	/* Function code 4 does not exist: condition code 3, nothing stored. */
	memset(block, 0xff, 4096);
	self->run->psw_addr = CODE_GPA;
	self->run->s.regs.gprs[0] = 4UL << 28;
	RUN_TO_DIAG(CODE_GPA + 12);
	EXPECT_EQ(3, CC(self));
	EXPECT_EQ(0xff, block[0]);
}

TEST_F(guest, stsi_reserved_bits_and_alignment_are_specification)
{
	static const uint8_t code[] = {
		0xb2, 0x7d, 0x40, 0x00,			/* +0 stsi 0(%r4) */
		DIAG_501, J_SELF,			/* +4 */
	};

	setup_pgm(self);
	load_code(self, CODE_GPA, code, sizeof(code));
	self->run->s.regs.gprs[4] = DATA_GPA;
	self->run->s.regs.gprs[0] = (1UL << 28) | 0x100 | 1;	/* bit 55 reserved */
	self->run->s.regs.gprs[1] = 1;
	RUN_TO_PGM(PGM_SPECIFICATION, 4, CODE_GPA + 4);

	setup_pgm(self);
	self->run->psw_addr = CODE_GPA;
	self->run->psw_mask = PSW_MASK_64;
	self->run->s.regs.gprs[0] = (1UL << 28) | 1;
	self->run->s.regs.gprs[4] = DATA_GPA + 8;	/* not on a 4 KiB boundary */
	RUN_TO_PGM(PGM_SPECIFICATION, 4, CODE_GPA + 4);
}

/*
 * TPROT with DAT off: key 0 may store (cc 0); key 4 against storage key 0
 * without fetch protection may only fetch (cc 1); an address outside the
 * memslots is an addressing exception.
 */
TEST_F(guest, tprot_condition_codes)
{
	static const uint8_t code[] = {
		0xe5, 0x01, 0x40, 0x00, 0x50, 0x00,	/* +0  tprot 0(%r4),0(%r5) */
		IPM_R7,					/* +6 */
		DIAG_501, J_SELF,			/* +10 */
	};

	setup_pgm(self);
	load_code(self, CODE_GPA, code, sizeof(code));
	self->run->s.regs.gprs[4] = DATA_GPA;
	self->run->s.regs.gprs[5] = 0x00;
	RUN_TO_DIAG(CODE_GPA + 14);
	EXPECT_EQ(0, CC(self));

	self->run->psw_addr = CODE_GPA;
	self->run->s.regs.gprs[5] = 0x40;	/* access key 4 */
	RUN_TO_DIAG(CODE_GPA + 14);
	EXPECT_EQ(1, CC(self));

	self->run->psw_addr = CODE_GPA;
	self->run->s.regs.gprs[4] = GAP_GPA;
	RUN_TO_PGM(PGM_ADDRESSING, 6, CODE_GPA + 6);
}

/* Channel I/O without KVM_CAP_S390_CSS_SUPPORT: condition code 3 (mainline's answer). */
TEST_F(guest, io_instructions_without_css_support_give_cc3)
{
	static const uint8_t code[] = {
		0xa7, 0x18, 0x00, 0x01,			/* +0 lhi  %r1,1 (an invalid SID) */
		0xb2, 0x33, 0x40, 0x00,			/* +4 ssch 0(%r4) */
		IPM_R7,					/* +8 */
		DIAG_501, J_SELF,			/* +12 */
	};

	load_code(self, CODE_GPA, code, sizeof(code));
	self->run->s.regs.gprs[4] = DATA_GPA;
	RUN_TO_DIAG(CODE_GPA + 16);
	EXPECT_EQ(3, CC(self));
}

/* A word of guest memory (s390 is big-endian, like the guest). */
static uint32_t word_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Queues an I/O interruption of subchannel 0.0.@nr, subclass 3, on the VM. */
static int inject_io(FIXTURE_DATA(guest) *self, uint16_t nr, uint32_t parm)
{
	struct kvm_s390_interrupt irq = {
		.type = KVM_S390_INT_IO(0, 0, 0, nr),
		.parm = 0x00010000u | nr,
		.parm64 = (uint64_t)parm << 32 | 0x18000000u,
	};

	return ioctl(self->vm, KVM_S390_INTERRUPT, &irq);
}

/*
 * With CSS support, I/O interruptions stay queued in the kernel, so the two
 * instructions that consume them are the kernel's: TPI stores a pending
 * one's code (two words at its operand, three in the lowcore for operand 0),
 * condition code 1, and 0 once none is left; TSCH takes its subchannel's and
 * exits with KVM_EXIT_S390_TSCH saying which.  The guest's I/O mask is off,
 * so none is delivered on the way.
 */
TEST_F(guest, tpi_and_tsch_take_queued_io_interruptions)
{
	static const uint8_t code[] = {
		0xb2, 0x36, 0x40, 0x00,			/* +0  tpi  0(%r4) */
		0xb2, 0x22, 0x00, 0x90,			/* +4  ipm  %r9 */
		0xb2, 0x36, 0x00, 0x00,			/* +8  tpi  0 (lowcore) */
		0xb2, 0x22, 0x00, 0x80,			/* +12 ipm  %r8 */
		0xb2, 0x35, 0x50, 0x00,			/* +16 tsch 0(%r5) */
		0xb2, 0x36, 0x40, 0x00,			/* +20 tpi  0(%r4) */
		IPM_R7,					/* +24 */
		DIAG_501, J_SELF,			/* +28 */
	};
	struct kvm_enable_cap css = { .cap = KVM_CAP_S390_CSS_SUPPORT };
	struct kvm_sregs sregs;
	uint8_t *lc = host_addr(self, 0xb8);
	uint8_t *op = host_addr(self, DATA_GPA);

	ASSERT_OK(ioctl(self->vcpu, KVM_ENABLE_CAP, &css));
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	sregs.crs[6] = 0x10000000;		/* subclass 3 */
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_SREGS, &sregs));
	ASSERT_OK(inject_io(self, 5, 0x12345678));
	ASSERT_OK(inject_io(self, 6, 0x9abcdef0));
	ASSERT_OK(inject_io(self, 7, 0x0badcafe));
	load_code(self, CODE_GPA, code, sizeof(code));
	memset(op, 0xff, 12);
	memset(lc, 0xff, 12);
	self->run->s.regs.gprs[1] = 0x00010007;
	self->run->s.regs.gprs[4] = DATA_GPA;
	self->run->s.regs.gprs[5] = DATA_GPA + 0x100;

	ASSERT_OK(ioctl(self->vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_S390_TSCH, self->run->exit_reason);
	EXPECT_EQ(1, self->run->s390_tsch.dequeued);
	EXPECT_EQ(0x0001, self->run->s390_tsch.subchannel_id);
	EXPECT_EQ(7, self->run->s390_tsch.subchannel_nr);
	EXPECT_EQ(0x0badcafe, self->run->s390_tsch.io_int_parm);
	EXPECT_EQ(0x18000000, self->run->s390_tsch.io_int_word);
	EXPECT_EQ(0x50000000, self->run->s390_tsch.ipb);
	RUN_TO_DIAG(CODE_GPA + 32);

	EXPECT_EQ(1, (self->run->s.regs.gprs[9] >> 28) & 3);
	EXPECT_EQ(1, (self->run->s.regs.gprs[8] >> 28) & 3);
	EXPECT_EQ(0, CC(self));
	/* The first: two words at the operand, the third word untouched. */
	EXPECT_EQ(0x00010005, word_at(op));
	EXPECT_EQ(0x12345678, word_at(op + 4));
	EXPECT_EQ(0xffffffff, word_at(op + 8));
	/* The second: three words in the lowcore. */
	EXPECT_EQ(0x00010006, word_at(lc));
	EXPECT_EQ(0x9abcdef0, word_at(lc + 4));
	EXPECT_EQ(0x18000000, word_at(lc + 8));
}

/* TSCH of a subchannel with nothing pending still exits, with nothing dequeued. */
TEST_F(guest, tsch_without_a_pending_interruption)
{
	static const uint8_t code[] = {
		0xb2, 0x35, 0x50, 0x00,			/* +0 tsch 0(%r5) */
		DIAG_501, J_SELF,			/* +4 */
	};
	struct kvm_enable_cap css = { .cap = KVM_CAP_S390_CSS_SUPPORT };

	ASSERT_OK(ioctl(self->vcpu, KVM_ENABLE_CAP, &css));
	ASSERT_OK(inject_io(self, 5, 1));
	load_code(self, CODE_GPA, code, sizeof(code));
	self->run->s.regs.gprs[1] = 0x00010009;
	self->run->s.regs.gprs[5] = DATA_GPA;
	ASSERT_OK(ioctl(self->vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_S390_TSCH, self->run->exit_reason);
	EXPECT_EQ(0, self->run->s390_tsch.dequeued);
	RUN_TO_DIAG(CODE_GPA + 8);
}

/* SERVICE CALL is user space's (the SCLP): it still exits as an instruction intercept. */
TEST_F(guest, unemulated_instruction_goes_to_user_space)
{
	static const uint8_t code[] = {
		0xb2, 0x20, 0x00, 0x12,			/* +0 servc %r1,%r2 */
		J_SELF,					/* +4 */
	};

	load_code(self, CODE_GPA, code, sizeof(code));
	self->run->s.regs.gprs[1] = 0x00020001;	/* read SCP info */
	self->run->s.regs.gprs[2] = DATA_GPA;
	ASSERT_OK(ioctl(self->vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_S390_SIEIC, self->run->exit_reason);
	EXPECT_EQ(ICPT_INST, self->run->s390_sieic.icptcode);
	EXPECT_EQ(0xb220, self->run->s390_sieic.ipa);
	EXPECT_EQ(0x00120000, self->run->s390_sieic.ipb);
}

/* Each privileged instruction in problem state: privileged operation, suppressed. */
TEST_F(guest, privileged_operation_in_problem_state)
{
	static const struct {
		uint8_t insn[6];
		unsigned int len;
		const char *name;
	} insns[] = {
		{ { 0xb2, 0x02, 0x40, 0x00 }, 4, "stidp" },
		{ { 0xb2, 0x10, 0x40, 0x00 }, 4, "spx" },
		{ { 0xb2, 0x11, 0x40, 0x00 }, 4, "stpx" },
		{ { 0xb2, 0x12, 0x40, 0x00 }, 4, "stap" },
		{ { 0xb2, 0xb1, 0x00, 0x00 }, 4, "stfl" },
		{ { 0xb2, 0x7d, 0x40, 0x00 }, 4, "stsi" },
		{ { 0xb7, 0x00, 0x40, 0x00 }, 4, "lctl" },
		{ { 0xb6, 0x00, 0x40, 0x00 }, 4, "stctl" },
		{ { 0xeb, 0x00, 0x40, 0x00, 0x00, 0x2f }, 6, "lctlg" },
		{ { 0xeb, 0x00, 0x40, 0x00, 0x00, 0x25 }, 6, "stctg" },
		{ { 0xb2, 0xb2, 0x40, 0x00 }, 4, "lpswe" },
		{ { 0x82, 0x00, 0x40, 0x00 }, 4, "lpsw" },
		{ { 0xb2, 0x2c, 0x00, 0x02 }, 4, "tb" },
		{ { 0xe5, 0x01, 0x40, 0x00, 0x50, 0x00 }, 6, "tprot" },
		{ { 0xb2, 0x33, 0x40, 0x00 }, 4, "ssch" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		static const uint8_t j_self[] = { J_SELF };

		setup_pgm(self);
		load_code(self, CODE_GPA, insns[i].insn, insns[i].len);
		load_code(self, CODE_GPA + insns[i].len, j_self, sizeof(j_self));
		self->run->psw_mask = PSW_MASK_64 | PSW_PSTATE;
		self->run->psw_addr = CODE_GPA;
		self->run->s.regs.gprs[4] = DATA_GPA;
		self->run->s.regs.gprs[2] = DATA_GPA;
		RUN_TO_HANDLER_OR_CONTINUE(insns[i].name);
		EXPECT_EQ(PGM_PRIVILEGED, *(uint16_t *)host_addr(self, LC_PGM_CODE))
			TH_LOG("%s", insns[i].name);
		EXPECT_EQ(insns[i].len, *(uint16_t *)host_addr(self, LC_PGM_ILC))
			TH_LOG("%s", insns[i].name);
		EXPECT_EQ(PSW_MASK_64 | PSW_PSTATE, u64_at(self, LC_PGM_OLD_PSW)[0])
			TH_LOG("%s", insns[i].name);
		EXPECT_EQ(CODE_GPA + insns[i].len, u64_at(self, LC_PGM_OLD_PSW)[1])
			TH_LOG("%s", insns[i].name);
	}
}

/* Misaligned operands: specification, suppressed, nothing stored. */
TEST_F(guest, specification_for_misaligned_operands)
{
	static const struct {
		uint8_t insn[6];
		unsigned int len;
		uint64_t offset;
		const char *name;
	} insns[] = {
		{ { 0xb2, 0x02, 0x40, 0x00 }, 4, 4, "stidp" },
		{ { 0xb2, 0x10, 0x40, 0x00 }, 4, 2, "spx" },
		{ { 0xb2, 0x11, 0x40, 0x00 }, 4, 2, "stpx" },
		{ { 0xb2, 0x12, 0x40, 0x00 }, 4, 1, "stap" },
		{ { 0xb7, 0x00, 0x40, 0x00 }, 4, 2, "lctl" },
		{ { 0xb6, 0x00, 0x40, 0x00 }, 4, 2, "stctl" },
		{ { 0xeb, 0x00, 0x40, 0x00, 0x00, 0x2f }, 6, 4, "lctlg" },
		{ { 0xeb, 0x00, 0x40, 0x00, 0x00, 0x25 }, 6, 4, "stctg" },
		{ { 0xb2, 0xb2, 0x40, 0x00 }, 4, 4, "lpswe" },
		{ { 0x82, 0x00, 0x40, 0x00 }, 4, 4, "lpsw" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		static const uint8_t j_self[] = { J_SELF };

		setup_pgm(self);
		memset(host_addr(self, DATA_GPA), 0x77, 64);
		load_code(self, CODE_GPA, insns[i].insn, insns[i].len);
		load_code(self, CODE_GPA + insns[i].len, j_self, sizeof(j_self));
		self->run->psw_mask = PSW_MASK_64;
		self->run->psw_addr = CODE_GPA;
		self->run->s.regs.gprs[4] = DATA_GPA + insns[i].offset;
		RUN_TO_HANDLER_OR_CONTINUE(insns[i].name);
		EXPECT_EQ(PGM_SPECIFICATION, *(uint16_t *)host_addr(self, LC_PGM_CODE))
			TH_LOG("%s", insns[i].name);
		EXPECT_EQ(CODE_GPA + insns[i].len, u64_at(self, LC_PGM_OLD_PSW)[1])
			TH_LOG("%s", insns[i].name);
		EXPECT_EQ(0x7777777777777777UL, *u64_at(self, DATA_GPA))
			TH_LOG("%s", insns[i].name);
		EXPECT_EQ(0x7777777777777777UL, *u64_at(self, DATA_GPA + 8))
			TH_LOG("%s", insns[i].name);
	}
}

/* Operands in the gap between memslots: addressing exception, suppressed. */
TEST_F(guest, addressing_outside_the_memslots)
{
	static const struct {
		uint8_t insn[6];
		unsigned int len;
		const char *name;
	} insns[] = {
		{ { 0xb2, 0x02, 0x40, 0x00 }, 4, "stidp" },
		{ { 0xb2, 0x10, 0x40, 0x00 }, 4, "spx" },
		{ { 0xb2, 0x11, 0x40, 0x00 }, 4, "stpx" },
		{ { 0xeb, 0x00, 0x40, 0x00, 0x00, 0x2f }, 6, "lctlg" },
		{ { 0xb2, 0xb2, 0x40, 0x00 }, 4, "lpswe" },
		{ { 0xb2, 0x2c, 0x00, 0x04 }, 4, "tb" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		static const uint8_t j_self[] = { J_SELF };

		setup_pgm(self);
		load_code(self, CODE_GPA, insns[i].insn, insns[i].len);
		load_code(self, CODE_GPA + insns[i].len, j_self, sizeof(j_self));
		self->run->psw_mask = PSW_MASK_64;
		self->run->psw_addr = CODE_GPA;
		self->run->s.regs.gprs[4] = GAP_GPA;
		RUN_TO_HANDLER_OR_CONTINUE(insns[i].name);
		EXPECT_EQ(PGM_ADDRESSING, *(uint16_t *)host_addr(self, LC_PGM_CODE))
			TH_LOG("%s", insns[i].name);
		EXPECT_EQ(insns[i].len, *(uint16_t *)host_addr(self, LC_PGM_ILC))
			TH_LOG("%s", insns[i].name);
		EXPECT_EQ(CODE_GPA + insns[i].len, u64_at(self, LC_PGM_OLD_PSW)[1])
			TH_LOG("%s", insns[i].name);
	}
}

/*
 * With low-address protection on, STPX to real 0x100 is a protection
 * exception (suppressed: nothing stored, the old PSW past the instruction)
 * whose TEID has bit 56 and the store indication; 0x200 is not protected.
 */
TEST_F(guest, low_address_protection)
{
	static const uint8_t code[] = {
		0xb2, 0x11, 0x40, 0x00,			/* +0 stpx 0(%r4) */
		DIAG_501, J_SELF,			/* +4 */
	};

	ASSERT_OK(set_cr0(self, CR0_LAP));
	setup_pgm(self);
	load_code(self, CODE_GPA, code, sizeof(code));
	*(uint32_t *)host_addr(self, 0x100) = 0x5a5a5a5a;
	self->run->s.regs.gprs[4] = 0x100;
	RUN_TO_PGM(PGM_PROTECTION, 4, CODE_GPA + 4);
	EXPECT_EQ(0x5a5a5a5a, *(uint32_t *)host_addr(self, 0x100));
	EXPECT_EQ(0x80, *u64_at(self, LC_TEID) & 0x8c);		/* bit 56, not 60/61 */
	EXPECT_EQ(0, *u64_at(self, LC_TEID) & ~0xfffUL);	/* page 0 */

	*(uint32_t *)host_addr(self, 0x200) = 0x5a5a5a5a;
	self->run->psw_addr = CODE_GPA;
	self->run->psw_mask = PSW_MASK_64;
	self->run->s.regs.gprs[4] = 0x200;
	RUN_TO_DIAG(CODE_GPA + 8);
	EXPECT_EQ(0, *(uint32_t *)host_addr(self, 0x200));
}

/*
 * Under guest DAT (a segment table mapping the first MiB one to one):
 * an operand in an invalid page is a page-translation exception, which
 * nullifies (the old PSW points at the instruction) and stores the page
 * address in the TEID; a DAT-protected page refuses the store with a
 * protection exception (TEID bit 61); the operand address goes through DAT.
 */
TEST_F(guest, operands_under_guest_dat)
{
	static const uint8_t code[] = {
		0xb2, 0x02, 0x40, 0x00,			/* +0 stidp 0(%r4) */
		DIAG_501, J_SELF,			/* +4 */
	};
	const uint64_t sto = 0x30000, pto = 0x34000;
	struct kvm_s390_vm_cpu_processor proc;
	struct kvm_sregs sregs;
	uint64_t *pt = u64_at(self, pto);
	int i;

	ASSERT_OK(vm_cpu_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR, &proc));
	for (i = 0; i < 2048; i++)
		u64_at(self, sto)[i] = 0x20;	/* invalid */
	u64_at(self, sto)[0] = pto;
	for (i = 0; i < 256; i++)
		pt[i] = i * 4096UL;
	pt[0x80] = 0x400;			/* invalid page */
	pt[0x81] = 0x81000 | 0x200;		/* DAT protected */
	pt[0x82] = 0x90000;			/* virtual 0x82000 -> real 0x90000 */
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	sregs.crs[1] = sto | 3;
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_SREGS, &sregs));
	setup_pgm(self);
	load_code(self, CODE_GPA, code, sizeof(code));

	self->run->psw_mask = PSW_MASK_64 | PSW_DAT;
	self->run->s.regs.gprs[4] = 0x80008;
	RUN_TO_PGM(PGM_PAGE_TRANSLATION, 4, CODE_GPA);
	EXPECT_EQ(0x80000, *u64_at(self, LC_TEID) & ~0xfffUL);

	setup_pgm(self);
	self->run->psw_mask = PSW_MASK_64 | PSW_DAT;
	self->run->psw_addr = CODE_GPA;
	self->run->s.regs.gprs[4] = 0x81008;
	*u64_at(self, 0x81008) = 0x1111;
	RUN_TO_PGM(PGM_PROTECTION, 4, CODE_GPA + 4);
	EXPECT_EQ(0x1111, *u64_at(self, 0x81008));
	EXPECT_EQ(0x4, *u64_at(self, LC_TEID) & 0x8c);	/* bit 61 */

	self->run->psw_mask = PSW_MASK_64 | PSW_DAT;
	self->run->psw_addr = CODE_GPA;
	self->run->s.regs.gprs[4] = 0x82008;
	RUN_TO_DIAG(CODE_GPA + 8);
	EXPECT_EQ(proc.cpuid, *u64_at(self, 0x90008));
}

/*
 * Which of the instructions a guest runs here reach the backend's handlers
 * depends on the machine's SIE (Hercules interprets some itself); each
 * handler counts in mainline's statistic.  The counters must be 0 or 1 for
 * one execution, and the program must complete with the same results
 * either way; the counted set is printed for comparison between backends.
 */
TEST_F(guest, handlers_count_in_mainlines_stats)
{
	static const uint8_t code[] = {
		0xb2, 0x02, 0x40, 0x00,			/* +0  stidp 0(%r4) */
		0xb2, 0x11, 0x40, 0x08,			/* +4  stpx  8(%r4) */
		0xb2, 0x12, 0x40, 0x10,			/* +8  stap  16(%r4) */
		0xb2, 0xb1, 0x00, 0x00,			/* +12 stfl */
		0xb2, 0x7d, 0x40, 0x00,			/* +16 stsi  0(%r4) (fc 0) */
		0xeb, 0x00, 0x40, 0x20, 0x00, 0x25,	/* +20 stctg %c0,%c0,32(%r4) */
		0xeb, 0x00, 0x40, 0x20, 0x00, 0x2f,	/* +26 lctlg %c0,%c0,32(%r4) */
		0xb6, 0x00, 0x40, 0x28,			/* +32 stctl %c0,%c0,40(%r4) */
		0xb7, 0x00, 0x40, 0x28,			/* +36 lctl  %c0,%c0,40(%r4) */
		0xb9, 0x8d, 0x00, 0x23,			/* +40 epsw  %r2,%r3 */
		0xb2, 0x2c, 0x00, 0x05,			/* +44 tb    %r5 */
		0xe5, 0x01, 0x40, 0x00, 0x60, 0x00,	/* +48 tprot 0(%r4),0(%r6) */
		0xb2, 0x10, 0x40, 0x08,			/* +54 spx   8(%r4) */
		DIAG_501, J_SELF,			/* +58 */
	};
	static const char *const stats[] = {
		"instruction_stidp", "instruction_stpx", "instruction_stap",
		"instruction_stfl", "instruction_stsi", "instruction_stctg",
		"instruction_lctlg", "instruction_stctl", "instruction_lctl",
		"instruction_epsw", "instruction_tb", "instruction_tprot",
		"instruction_spx",
	};
	char counted[512] = "";
	unsigned int i;

	load_code(self, CODE_GPA, code, sizeof(code));
	self->run->s.regs.gprs[0] = 0;
	self->run->s.regs.gprs[4] = DATA_GPA;
	self->run->s.regs.gprs[5] = DATA_GPA + 0x1000;
	self->run->s.regs.gprs[6] = 0;
	RUN_TO_DIAG(CODE_GPA + 62);
	EXPECT_EQ(0, self->run->s.regs.gprs[0]);	/* STSI set 3 << 28, TB cleared it */
	EXPECT_EQ(0, self->run->s.regs.gprs[3] >> 32);	/* EPSW */
	EXPECT_EQ(0x80000000, self->run->s.regs.gprs[3]);
	EXPECT_EQ(0, self->run->s.regs.prefix);
	for (i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
		int64_t v = kvm_stat(self->vcpu, stats[i]);

		EXPECT_TRUE(v == 0 || v == 1) TH_LOG("%s = %ld", stats[i], (long)v);
		if (v == 1) {
			strcat(counted, " ");
			strcat(counted, stats[i] + strlen("instruction_"));
		}
	}
	ksft_print_msg("handled by the backend:%s\n", counted);
}

/*
 * SSKE sets a page's key (here one the guest never touched), ISKE reads it
 * back, RRBE reports R and C in the condition code and resets R.
 */
TEST_F(guest, sske_iske_rrbe)
{
	static const uint8_t code[] = {
		0xe3, 0x00, 0x30, 0x00, 0x00, 0x04,	/* +0  lg   %r0,0(%r3) */
		0xb2, 0x2b, 0x00, 0x23,			/* +6  sske %r2,%r3 */
		0xb2, 0x29, 0x00, 0x43,			/* +10 iske %r4,%r3 */
		0xb2, 0x2a, 0x00, 0x03,			/* +14 rrbe %r3 */
		IPM_R7,					/* +18 */
		0xb2, 0x29, 0x00, 0x53,			/* +22 iske %r5,%r3 */
		DIAG_501, J_SELF,			/* +26 */
	};

	load_code(self, CODE_GPA, code, sizeof(code));
	self->run->s.regs.gprs[2] = 0x36;	/* ACC 3, R, C */
	self->run->s.regs.gprs[3] = SLOT1_GPA + 0x40120;	/* any byte of the block */
	self->run->s.regs.gprs[4] = 0x1111111111111111UL;
	self->run->s.regs.gprs[5] = 0x5555555555555555UL;
	RUN_TO_DIAG(CODE_GPA + 30);
	EXPECT_EQ(0x1111111111111136UL, self->run->s.regs.gprs[4]);
	EXPECT_EQ(3, CC(self));
	EXPECT_EQ(0x5555555555555532UL, self->run->s.regs.gprs[5]);
}

/*
 * Key-controlled protection with the PSW key: after the guest gives a page
 * key 3, STIDP (emulated) and STG (the CPU's own store) with PSW key 4 are
 * protection exceptions that store nothing (TEID bit 60 for the emulated
 * one); with PSW key 3 the store is done.
 */
TEST_F(guest, key_controlled_protection)
{
	static const uint8_t code[] = {
		0xb2, 0x2b, 0x00, 0x23,			/* +0  sske  %r2,%r3 */
		0xb2, 0x02, 0x30, 0x00,			/* +4  stidp 0(%r3) */
		DIAG_501,				/* +8 */
		0xe3, 0x50, 0x30, 0x08, 0x00, 0x24,	/* +12 stg   %r5,8(%r3) */
		DIAG_501, J_SELF,			/* +18 */
	};
	const uint64_t page = SLOT1_GPA + 0x41000;
	const uint64_t key4 = 0x0040000000000000UL, key3 = 0x0030000000000000UL;

	setup_pgm(self);
	load_code(self, CODE_GPA, code, sizeof(code));
	u64_at(self, page)[0] = 0x1111;
	u64_at(self, page)[1] = 0x2222;
	self->run->psw_mask = PSW_MASK_64 | key4;
	self->run->s.regs.gprs[2] = 0x30;
	self->run->s.regs.gprs[3] = page;
	self->run->s.regs.gprs[5] = 0x5555;
	RUN_TO_PGM(PGM_PROTECTION, 4, CODE_GPA + 8);
	EXPECT_EQ(0x1111, u64_at(self, page)[0]);
	EXPECT_EQ(0x8, *u64_at(self, LC_TEID) & 0x8c);	/* bit 60 */
	EXPECT_EQ(page, *u64_at(self, LC_TEID) & ~0xfffUL);

	setup_pgm(self);
	self->run->psw_mask = PSW_MASK_64 | key4;
	self->run->psw_addr = CODE_GPA + 12;
	RUN_TO_PGM(PGM_PROTECTION, 6, CODE_GPA + 18);
	EXPECT_EQ(0x2222, u64_at(self, page)[1]);

	self->run->psw_mask = PSW_MASK_64 | key3;
	self->run->psw_addr = CODE_GPA + 4;
	RUN_TO_DIAG(CODE_GPA + 12);
	EXPECT_NE(0x1111, u64_at(self, page)[0]);
	RUN_TO_DIAG(CODE_GPA + 22);
	EXPECT_EQ(0x5555, u64_at(self, page)[1]);
}

TEST_HARNESS_MAIN
