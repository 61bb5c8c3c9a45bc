// SPDX-License-Identifier: GPL-2.0
/*
 * Guest execution under real SIE: small guests in s390 machine code, run
 * with DAT off in 64-bit mode, that compute, load and store across pages
 * and memslots (including pages the host never wrote), exit through DIAG
 * 0x501 (the selftests' ucall instruction), are re-entered and continue,
 * touch a gap between memslots, and are interrupted by a signal or kicked
 * from another thread; a deleted memslot is gone for the guest.  The VM is
 * the one of guest_util.h (slot 2 at 4 GiB needs another region-third entry
 * of the guest mapping).
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/time.h>

#include "guest_util.h"

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

/* Keeps writing f3 and f4 in user space until told to stop. */
static volatile int fp_clobber_stop;

static void *fp_clobber(void *arg)
{
	cpu_set_t *cpu = arg;

	sched_setaffinity(0, sizeof(*cpu), cpu);
	while (!fp_clobber_stop)
		asm volatile("ldgr %%f3,%0\n\tldgr %%f4,%0"
			     : : "d"(0xdeaddeaddeaddeadUL) : "f3", "f4");
	return NULL;
}

/*
 * The guest's floating-point registers stay in the CPU for the whole KVM_RUN
 * (helpers.c): they must survive 20000 in-kernel intercepts (DIAG 0x44) and
 * the preemptions by a thread on the same host CPU that keeps loading other
 * values into the same registers.
 */
TEST_F(guest, fp_registers_survive_in_kernel_rounds_and_preemption)
{
	static const uint8_t code[] = {
		0xb3, 0xc1, 0x00, 0x32,			/* +0  ldgr %f3,%r2 */
		0xa7, 0x58, 0x4e, 0x20,			/* +4  lhi  %r5,20000 */
		0x83, 0x00, 0x00, 0x44,			/* +8  diag 0,0,0x44 */
		0xa7, 0x56, 0xff, 0xfe,			/* +12 brct %r5,+8 */
		0xb3, 0xcd, 0x00, 0x43,			/* +16 lgdr %r4,%f3 */
		DIAG_501,				/* +20 */
		J_SELF,					/* +24 */
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_fpu fpu;
	pthread_t clobber;
	cpu_set_t cpu;

	load_code(self, CODE_GPA, code, sizeof(code));
	/* f3 needs the AFP-register control. */
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	sregs.crs[0] |= CR0_AFP;
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_SREGS, &sregs));
	CPU_ZERO(&cpu);
	CPU_SET(0, &cpu);
	ASSERT_OK(sched_setaffinity(0, sizeof(cpu), &cpu));
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_REGS, &regs));
	regs.gprs[2] = 0x0123456789abcdefUL;
	regs.gprs[4] = 0;
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_REGS, &regs));
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_FPU, &fpu));
	fpu.fprs[4] = 0x4444444444444444UL;
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_FPU, &fpu));
	fp_clobber_stop = 0;
	ASSERT_OK(pthread_create(&clobber, NULL, fp_clobber, &cpu));

	RUN_TO_DIAG(CODE_GPA + 24);
	fp_clobber_stop = 1;
	pthread_join(clobber, NULL);
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_REGS, &regs));
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_FPU, &fpu));
	EXPECT_EQ(0, regs.gprs[5]);
	EXPECT_EQ(0x0123456789abcdefUL, regs.gprs[4]);
	EXPECT_EQ(0x0123456789abcdefUL, fpu.fprs[3]);
	EXPECT_EQ(0x4444444444444444UL, fpu.fprs[4]);
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

/*
 * The MMU notifier: after the host drops a page the guest has mapped
 * (MADV_DONTNEED) and writes the new page, the guest reads the new
 * content, not the old frame.
 */
TEST_F(guest, host_unmap_is_seen_by_guest)
{
	static const uint8_t code[] = {
		0xe3, 0x20, 0x40, 0x00, 0x00, 0x24,	/* +0  stg %r2,0(%r4) */
		DIAG_501,				/* +6 */
		0xe3, 0x60, 0x40, 0x00, 0x00, 0x04,	/* +10 lg  %r6,0(%r4) */
		DIAG_501,				/* +16 */
		J_SELF,					/* +20 */
	};
	uint8_t *page = host_addr(self, SLOT1_GPA + 0x9000);

	load_code(self, CODE_GPA, code, sizeof(code));
	self->run->s.regs.gprs[2] = 0x1111;
	self->run->s.regs.gprs[4] = SLOT1_GPA + 0x9000;
	RUN_TO_DIAG(CODE_GPA + 10);
	ASSERT_EQ(0x1111, *(uint64_t *)page);

	ASSERT_OK(madvise(page, 4096, MADV_DONTNEED));
	ASSERT_EQ(0, *(uint64_t *)page);	/* a fresh zero page for the host */
	*(uint64_t *)page = 0x2222;
	RUN_TO_DIAG(CODE_GPA + 20);
	EXPECT_EQ(0x2222, self->run->s.regs.gprs[6]);
}

/*
 * Memory high in the guest absolute address space: a slot at 2^52 needs a
 * region-second entry of the guest mapping.  On the Hercules bed both
 * backends accept it (ours: limit 2^53 as the machine reports no highest
 * address; mainline's baseline build: no limit).  Elsewhere the VM's limit
 * is the machine's highest address, and the test skips when it is lower.
 */
TEST_F(guest, slot_high_in_address_space)
{
	static const uint8_t code[] = {
		0xe3, 0x20, 0x40, 0x00, 0x00, 0x24,	/* +0 stg %r2,0(%r4) */
		0xe3, 0x60, 0x40, 0x08, 0x00, 0x04,	/* +6 lg  %r6,8(%r4) */
		DIAG_501,				/* +12 */
		J_SELF,					/* +16 */
	};
	const uint64_t gpa = 1UL << 52;
	uint8_t *mem = kvm_alloc_aligned(SZ_1M, SZ_1M);

	ASSERT_NE(MAP_FAILED, mem);
	if (kvm_set_memslot(self->vm, 3, 0, gpa, SZ_1M, (uintptr_t)mem)) {
		ASSERT_FALSE(kvm_on_hercules())
			TH_LOG("slot at 2^52 refused on Hercules: %s", strerror(errno));
		SKIP(goto out, "slot at 2^52 refused (%s): the VM's memory limit is lower", strerror(errno));
	}
	load_code(self, CODE_GPA, code, sizeof(code));
	((uint64_t *)(mem + 0x5000))[1] = 0xabcdef;
	self->run->s.regs.gprs[2] = 0x4242;
	self->run->s.regs.gprs[4] = gpa + 0x5000;
	RUN_TO_DIAG(CODE_GPA + 16);
	EXPECT_EQ(0x4242, ((uint64_t *)(mem + 0x5000))[0]);
	EXPECT_EQ(0xabcdef, self->run->s.regs.gprs[6]);
out:
	munmap(mem, SZ_1M);
}

/*
 * A moved memslot: its old range is unmapped (an access there is an
 * addressing exception) and the guest finds its content at the new place.
 */
TEST_F(guest, moved_slot)
{
	static const uint8_t code[] = {
		0xe3, 0x20, 0x40, 0x00, 0x00, 0x24,	/* +0  stg %r2,0(%r4) */
		DIAG_501,				/* +6 */
		0xe3, 0x60, 0x50, 0x00, 0x00, 0x04,	/* +10 lg  %r6,0(%r5) */
		0xe3, 0x20, 0x40, 0x00, 0x00, 0x24,	/* +16 stg %r2,0(%r4) */
		J_SELF,					/* +22 */
	};
	static const uint8_t handler[] = { DIAG_501, J_SELF };
	uint64_t *new_psw = (uint64_t *)host_addr(self, LC_PGM_NEW_PSW);
	uint64_t *old_psw = (uint64_t *)host_addr(self, LC_PGM_OLD_PSW);
	const uint64_t new_gpa = 0x800000;

	load_code(self, CODE_GPA, code, sizeof(code));
	load_code(self, HANDLER_GPA, handler, sizeof(handler));
	new_psw[0] = PSW_MASK_64;
	new_psw[1] = HANDLER_GPA;
	self->run->s.regs.gprs[2] = 0x7777;
	self->run->s.regs.gprs[4] = SLOT1_GPA + 0x3000;
	self->run->s.regs.gprs[5] = new_gpa + 0x3000;

	RUN_TO_DIAG(CODE_GPA + 10);
	ASSERT_OK(kvm_set_memslot(self->vm, 1, 0, new_gpa, SLOT_SIZE, (uintptr_t)self->mem[1]));
	RUN_TO_DIAG(HANDLER_GPA + 4);
	EXPECT_EQ(0x7777, self->run->s.regs.gprs[6]);
	EXPECT_EQ(5, *(uint16_t *)host_addr(self, LC_PGM_CODE));
	EXPECT_EQ(CODE_GPA + 22, old_psw[1]);
}

/*
 * The prefix from kvm_run (KVM_SYNC_PREFIX in kvm_dirty_regs) moves the
 * lowcore: real 0x1d8 reads absolute prefix + 0x1d8, and the addressing
 * exception of an access to the gap is delivered through the lowcore at
 * the prefix, leaving absolute 0-8191 alone.
 */
TEST_F(guest, prefix_moves_the_lowcore)
{
	static const uint8_t code[] = {
		0xe3, 0x60, 0x01, 0xd8, 0x00, 0x04,	/* +0 lg %r6,0x1d8 */
		0xe3, 0x70, 0x70, 0x00, 0x00, 0x04,	/* +6 lg %r7,0(%r7) */
		J_SELF,					/* +12 */
	};
	static const uint8_t handler[] = { DIAG_501, J_SELF };
	const uint64_t prefix = 0x40000;
	uint64_t *new_psw = (uint64_t *)host_addr(self, prefix + LC_PGM_NEW_PSW);
	uint64_t *old_psw = (uint64_t *)host_addr(self, prefix + LC_PGM_OLD_PSW);

	load_code(self, CODE_GPA, code, sizeof(code));
	load_code(self, HANDLER_GPA, handler, sizeof(handler));
	new_psw[0] = PSW_MASK_64;
	new_psw[1] = HANDLER_GPA;
	self->run->s.regs.prefix = prefix;
	self->run->kvm_dirty_regs = KVM_SYNC_PREFIX;
	self->run->s.regs.gprs[7] = GAP_GPA;

	RUN_TO_DIAG(HANDLER_GPA + 4);
	EXPECT_EQ(prefix, self->run->s.regs.prefix);
	EXPECT_EQ(HANDLER_GPA, self->run->s.regs.gprs[6]);
	EXPECT_EQ(5, *(uint16_t *)host_addr(self, prefix + LC_PGM_CODE));
	EXPECT_EQ(CODE_GPA + 12, old_psw[1]);
	/* Nothing was delivered through absolute 0. */
	EXPECT_EQ(0, *(uint64_t *)host_addr(self, LC_PGM_OLD_PSW + 8));
	EXPECT_EQ(0, *(uint16_t *)host_addr(self, LC_PGM_CODE));
}

struct vcpu_thread {
	int kvm, vm, id;
	uint64_t result;
	int error;
};

/*
 * One vCPU in its own thread, running the code vcpus_in_parallel placed:
 * counts to 100 * (id + 1), storing the count to its own page on every
 * step, and exits.
 */
static void *vcpu_thread(void *arg)
{
	struct kvm_s390_psw psw = { .mask = PSW_MASK_64, .addr = CODE_GPA };
	struct vcpu_thread *t = arg;
	struct kvm_run *run;
	int vcpu;

	vcpu = ioctl(t->vm, KVM_CREATE_VCPU, t->id + 1);
	run = vcpu < 0 ? MAP_FAILED : kvm_map_run(t->kvm, vcpu);
	if (run == MAP_FAILED || ioctl(vcpu, KVM_S390_SET_INITIAL_PSW, &psw)) {
		t->error = errno;
		return NULL;
	}
	run->s.regs.gprs[3] = 100 * (t->id + 1);
	run->s.regs.gprs[4] = SLOT1_GPA + (t->id + 1) * 4096;
	if (ioctl(vcpu, KVM_RUN, 0) || run->exit_reason != KVM_EXIT_S390_SIEIC ||
	    run->s390_sieic.ipa != DIAG_501_IPA)
		t->error = errno ? errno : -1;
	t->result = run->s.regs.gprs[2];
	munmap(run, getpagesize());
	close(vcpu);
	return NULL;
}

/* Four vCPUs run their guests at the same time, each on its own page. */
TEST_F(guest, vcpus_in_parallel)
{
	static const uint8_t code[] = {
		0xa7, 0x29, 0x00, 0x00,			/* +0  lghi  %r2,0 */
		0xa7, 0x2b, 0x00, 0x01,			/* +4  aghi  %r2,1 */
		0xe3, 0x20, 0x40, 0x00, 0x00, 0x24,	/* +8  stg   %r2,0(%r4) */
		0xa7, 0x37, 0xff, 0xfb,			/* +14 brctg %r3,+4 */
		DIAG_501,				/* +18 */
		J_SELF,					/* +22 */
	};
	struct vcpu_thread t[4];
	pthread_t threads[4];
	int i;

	load_code(self, CODE_GPA, code, sizeof(code));
	for (i = 0; i < 4; i++) {
		t[i] = (struct vcpu_thread){ .kvm = self->kvm, .vm = self->vm, .id = i };
		ASSERT_OK(pthread_create(&threads[i], NULL, vcpu_thread, &t[i]));
	}
	for (i = 0; i < 4; i++) {
		ASSERT_OK(pthread_join(threads[i], NULL));
		EXPECT_EQ(0, t[i].error) TH_LOG("vCPU %d", i + 1);
		EXPECT_EQ(100 * (i + 1), t[i].result) TH_LOG("vCPU %d", i + 1);
		EXPECT_EQ(100 * (i + 1), *(uint64_t *)host_addr(self, SLOT1_GPA + (i + 1) * 4096UL));
	}
}

/*
 * The same addressing exception with guest DAT on: the guest's segment
 * table maps its first MiB one to one, except virtual 0x80000, which it
 * maps to the gap.  The backend finds the length of the faulting
 * instruction through the guest's tables.
 */
TEST_F(guest, gap_under_guest_dat)
{
	static const uint8_t code[] = {
		0xe3, 0x60, 0x70, 0x00, 0x00, 0x04,	/* +0 lg %r6,0(%r7) */
		J_SELF,					/* +6 */
	};
	static const uint8_t handler[] = { DIAG_501, J_SELF };
	const uint64_t sto = 0x30000, pto = 0x34000, psw_dat = 0x0400000000000000UL;
	uint64_t *new_psw = (uint64_t *)host_addr(self, LC_PGM_NEW_PSW);
	uint64_t *old_psw = (uint64_t *)host_addr(self, LC_PGM_OLD_PSW);
	struct kvm_s390_psw psw = { .mask = PSW_MASK_64 | psw_dat, .addr = CODE_GPA };
	struct kvm_sregs sregs;
	int i;

	for (i = 0; i < 2048; i++)
		((uint64_t *)host_addr(self, sto))[i] = 0x20;	/* invalid */
	((uint64_t *)host_addr(self, sto))[0] = pto;
	for (i = 0; i < 256; i++)
		((uint64_t *)host_addr(self, pto))[i] = i * 4096UL;
	((uint64_t *)host_addr(self, pto))[0x80] = GAP_GPA;
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	sregs.crs[1] = sto | 3;		/* segment-table designation, full length */
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_SREGS, &sregs));
	ASSERT_OK(ioctl(self->vcpu, KVM_S390_SET_INITIAL_PSW, &psw));

	load_code(self, CODE_GPA, code, sizeof(code));
	load_code(self, HANDLER_GPA, handler, sizeof(handler));
	new_psw[0] = PSW_MASK_64;
	new_psw[1] = HANDLER_GPA;
	self->run->s.regs.gprs[7] = 0x80000;

	RUN_TO_DIAG(HANDLER_GPA + 4);
	EXPECT_EQ(5, *(uint16_t *)host_addr(self, LC_PGM_CODE));
	EXPECT_EQ(6, *(uint16_t *)host_addr(self, LC_PGM_ILC));
	EXPECT_EQ(PSW_MASK_64 | psw_dat, old_psw[0]);
	EXPECT_EQ(CODE_GPA + 6, old_psw[1]);
}

/*
 * A disabled wait (a wait PSW with I/O, external and machine-check
 * interruptions off) can never end by itself: it exits to user space as a
 * wait-state intercept with the wait PSW (mainline: kvm_s390_handle_wait).
 */
TEST_F(guest, disabled_wait_exits)
{
	static const uint8_t code[] = {
		0xb2, 0xb2, 0x70, 0x00,			/* +0 lpswe 0(%r7) */
		J_SELF,					/* +4 */
	};
	const uint64_t wait_mask = PSW_MASK_64 | 0x0002000000000000UL;	/* bit 14 */
	uint64_t *wait_psw = (uint64_t *)host_addr(self, 0x11000);

	load_code(self, CODE_GPA, code, sizeof(code));
	wait_psw[0] = wait_mask;
	wait_psw[1] = 0xdead0;
	self->run->s.regs.gprs[7] = 0x11000;

	ASSERT_OK(ioctl(self->vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_S390_SIEIC, self->run->exit_reason);
	EXPECT_EQ(0x1c, self->run->s390_sieic.icptcode);
	EXPECT_EQ(wait_mask, self->run->psw_mask);
	EXPECT_EQ(0xdead0, self->run->psw_addr);
}

/*
 * An FPC with reserved bits (KVM_SET_FPU stores it as given, as mainline)
 * must not take the host down when it is loaded for the guest: the guest
 * runs with FPC 0 and user space reads 0 back (mainline: fpu_lfpc_safe).
 */
TEST_F(guest, invalid_fpc_is_loaded_as_zero)
{
	static const uint8_t code[] = { DIAG_501, J_SELF };
	struct kvm_fpu fpu = { .fpc = 0xffffffff };

	load_code(self, CODE_GPA, code, sizeof(code));
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_FPU, &fpu));
	RUN_TO_DIAG(CODE_GPA + 4);
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_FPU, &fpu));
	EXPECT_EQ(0, fpu.fpc);
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

/*
 * EINTR from KVM_RUN comes with KVM_EXIT_INTR, also with immediate_exit
 * right after another exit.  Mainline 7.3 leaves the previous exit's reason
 * there (Documentation/kvm_s390.rst, KVM_RUN).
 */
TEST_F(guest, eintr_always_reports_exit_intr)
{
	static const uint8_t code[] = { DIAG_501, J_SELF };
	enum kvm_backend backend;

	BACKEND_OR_SKIP(backend);
	load_code(self, CODE_GPA, code, sizeof(code));
	RUN_TO_DIAG(CODE_GPA + 4);
	self->run->immediate_exit = 1;
	ASSERT_ERRNO(EINTR, ioctl(self->vcpu, KVM_RUN, 0));
	self->run->immediate_exit = 0;
	if (backend == BACKEND_MAINLINE) {
		EXPECT_EQ(KVM_EXIT_S390_SIEIC, self->run->exit_reason);
	} else {
		EXPECT_EQ(KVM_EXIT_INTR, self->run->exit_reason);
	}
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

/*
 * KVM_S390_INITIAL_RESET seen through the sync registers, on both backends
 * (kvm_arch_vcpu_ioctl_initial_reset, which includes the normal reset): the
 * ARCH0 and PFAULT values go in with kvm_dirty_regs and come out after a
 * run; after the reset kvm_run holds the reset ARCH0 values at once, and the
 * pfault token, which both backends keep in the vCPU and store into kvm_run
 * on every exit, reads KVM_S390_PFAULT_TOKEN_INVALID after the next run.
 * The pfault select and compare values are KVM's, not the architecture's:
 * the reset keeps them (as mainline).
 */
TEST_F(guest, initial_reset_through_sync_regs)
{
	static const uint8_t code[] = { DIAG_501, J_SELF };
	struct kvm_s390_psw psw = { .mask = PSW_MASK_64, .addr = CODE_GPA };
	struct kvm_sync_regs *regs = &self->run->s.regs;
	int i;

	load_code(self, CODE_GPA, code, sizeof(code));
	regs->pft = 0x3000;
	regs->pfs = 0x0300000000000000UL;
	regs->pfc = 0x0100000000000000UL;
	regs->cputm = 0x100000000UL;
	regs->ckc = 0x200000000UL;
	regs->todpr = 0x1234;
	regs->pp = 0x55;
	regs->gbea = 0x6000;
	self->run->kvm_dirty_regs = KVM_SYNC_ARCH0 | KVM_SYNC_PFAULT;
	RUN_TO_DIAG(CODE_GPA + 4);
	EXPECT_EQ(0, self->run->kvm_dirty_regs);
	EXPECT_EQ(0x3000, regs->pft);
	EXPECT_EQ(0x0300000000000000UL, regs->pfs);
	EXPECT_EQ(0x0100000000000000UL, regs->pfc);
	EXPECT_EQ(0x200000000UL, regs->ckc);
	EXPECT_EQ(0x1234, regs->todpr);
	EXPECT_EQ(0x55, regs->pp);
	/* The CPU timer counts down while the guest runs. */
	EXPECT_GE(0x100000000UL, regs->cputm);
	EXPECT_LT(0x80000000UL, regs->cputm);

	ASSERT_OK(ioctl(self->vcpu, KVM_S390_INITIAL_RESET, 0));
	EXPECT_EQ(0, self->run->psw_mask);
	EXPECT_EQ(0, self->run->psw_addr);
	EXPECT_EQ(0, regs->cputm);
	EXPECT_EQ(0, regs->ckc);
	EXPECT_EQ(0, regs->todpr);
	EXPECT_EQ(0, regs->pp);
	EXPECT_EQ(1, regs->gbea);
	EXPECT_EQ(0, regs->fpc);
	for (i = 0; i < 16; i++)
		EXPECT_EQ(i == 0 ? 0xe0UL : i == 14 ? 0xc2000000UL : 0, regs->crs[i])
			TH_LOG("cr %d", i);

	/* Stopped by the reset: the PSW can be set; KVM_RUN starts the vCPU. */
	ASSERT_OK(ioctl(self->vcpu, KVM_S390_SET_INITIAL_PSW, &psw));
	RUN_TO_DIAG(CODE_GPA + 4);
	EXPECT_EQ(KVM_S390_PFAULT_TOKEN_INVALID, regs->pft);
	EXPECT_EQ(0x0300000000000000UL, regs->pfs);
	EXPECT_EQ(0x0100000000000000UL, regs->pfc);
	EXPECT_EQ(0, regs->prefix);
	EXPECT_EQ(0, regs->ckc);
	EXPECT_EQ(0, regs->todpr);
	EXPECT_EQ(0, regs->pp);
}

TEST_HARNESS_MAIN
