// SPDX-License-Identifier: GPL-2.0
/*
 * Guest debugging (KVM_SET_GUEST_DEBUG, KVM_EXIT_DEBUG): the control word is
 * checked as mainline checks it and a refused one leaves debugging off;
 * single-step exits after every instruction (including intercepted and
 * branching ones) with kvm_run.debug.arch naming the next PSW address; a
 * step into user space (DIAG 0x501) is reported as KVM_EXIT_S390_SIEIC first
 * and then, at the next KVM_RUN, as the end of the step; the guest's own
 * PER control registers (CR9-CR11) are what it loads, stores and what
 * kvm_run shows, never the debugger's; a delivered interruption ends a step
 * at its new PSW; with debugging off the guest runs freely again; the
 * breakpoint array is checked as mainline checks it, a hardware breakpoint
 * stops the guest before its instruction and a write watchpoint after the
 * store that changed its bytes.  The
 * kselftest s390/debug_test covers stepping over program interruptions and
 * SVC.  Without the guest-PER enhancement (no KVM_CAP_SET_GUEST_DEBUG) the
 * tests SKIP.
 */
#include "guest_util.h"

#define LC_RESTART_NEW_PSW	0x1a0

static bool have_guest_debug(FIXTURE_DATA(guest) *self)
{
	return kvm_check_cap(self->kvm, KVM_CAP_SET_GUEST_DEBUG) > 0;
}

#define GUEST_DEBUG_OR_SKIP() do {						\
	if (!have_guest_debug(self))						\
		SKIP(return, "KVM_CAP_SET_GUEST_DEBUG not reported");		\
} while (0)

static int set_debug(FIXTURE_DATA(guest) *self, uint32_t control)
{
	struct kvm_guest_debug dbg = { .control = control };

	return ioctl(self->vcpu, KVM_SET_GUEST_DEBUG, &dbg);
}

/* Runs the vCPU and asserts a single-step exit with the PSW at @next. */
#define RUN_TO_STEP(next) do {							\
	ASSERT_OK(ioctl(self->vcpu, KVM_RUN, 0));				\
	ASSERT_EQ(KVM_EXIT_DEBUG, self->run->exit_reason);			\
	ASSERT_EQ(KVM_SINGLESTEP, self->run->debug.arch.type);			\
	ASSERT_EQ((uint64_t)(next), self->run->debug.arch.addr);		\
	ASSERT_EQ((uint64_t)(next), self->run->psw_addr);			\
} while (0)

/*
 * Unknown flags (and the kernel-internal EXIT_PENDING) are EINVAL; ENABLE,
 * SINGLESTEP, USE_HW_BP and off are accepted; a refused call switches
 * debugging off.
 */
TEST_F(guest, control_word)
{
	static const uint8_t code[] = { DIAG_501, J_SELF };
	const uint32_t on = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;

	GUEST_DEBUG_OR_SKIP();
	load_code(self, CODE_GPA, code, sizeof(code));
	EXPECT_ERRNO(EINVAL, set_debug(self, on | 0x4));
	EXPECT_ERRNO(EINVAL, set_debug(self, on | 0x00020000));
	EXPECT_ERRNO(EINVAL, set_debug(self, on | 0x10000000));
	EXPECT_OK(set_debug(self, 0));
	EXPECT_OK(set_debug(self, KVM_GUESTDBG_ENABLE));
	/* No breakpoint array: accepted. */
	EXPECT_OK(set_debug(self, on | KVM_GUESTDBG_USE_HW_BP));
	/* Single-step on, then a refused call: the guest runs to its DIAG. */
	ASSERT_OK(set_debug(self, on));
	EXPECT_ERRNO(EINVAL, set_debug(self, on | 0x4));
	RUN_TO_DIAG(CODE_GPA + 4);
}

/*
 * Steps over LCTLG of CR9-CR11 (intercepted while debugging), plain
 * instructions, a taken branch, STCTG (intercepted) and DIAG 0x501 (handed
 * to user space), then runs on with debugging off.
 */
TEST_F(guest, singlestep)
{
	static const uint8_t code[] = {
		0xeb, 0x9b, 0x50, 0x00, 0x00, 0x2f,	/* +0  lctlg %c9,%c11,0(%r5) */
		0xa7, 0x29, 0x00, 0x00,			/* +6  lghi  %r2,0 */
		0xa7, 0x2b, 0x00, 0x01,			/* +10 aghi  %r2,1 */
		0xa7, 0xf4, 0x00, 0x08,			/* +14 j     +30 */
		0xa7, 0x2b, 0x00, 0x64,			/* +18 aghi  %r2,100 */
		0xa7, 0x2b, 0x00, 0x64,			/* +22 aghi  %r2,100 */
		0xa7, 0x2b, 0x00, 0x64,			/* +26 aghi  %r2,100 */
		0xeb, 0x9b, 0x40, 0x00, 0x00, 0x25,	/* +30 stctg %c9,%c11,0(%r4) */
		DIAG_501,				/* +36 */
		0xa7, 0x2b, 0x00, 0x01,			/* +40 aghi  %r2,1 */
		0xa7, 0x2b, 0x00, 0x01,			/* +44 aghi  %r2,1 */
		DIAG_501,				/* +48 */
		J_SELF,					/* +52 */
	};
	/* The guest's own PER controls: storage alteration in 0x1000-0x1fff
	 * (PER stays off in its PSW, so nothing is recorded). */
	const uint64_t own[3] = { 0x20000000UL, 0x1000, 0x1fff };
	const uint64_t load_gpa = SLOT1_GPA + 0x100, store_gpa = SLOT1_GPA + 0x200;
	uint64_t *stored = (uint64_t *)host_addr(self, store_gpa);
	int i;

	GUEST_DEBUG_OR_SKIP();
	load_code(self, CODE_GPA, code, sizeof(code));
	memcpy(host_addr(self, load_gpa), own, sizeof(own));
	memset(stored, 0xff, sizeof(own));
	self->run->s.regs.gprs[4] = store_gpa;
	self->run->s.regs.gprs[5] = load_gpa;
	self->run->kvm_dirty_regs = KVM_SYNC_GPRS;
	ASSERT_OK(set_debug(self, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP));

	RUN_TO_STEP(CODE_GPA + 6);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(own[i], self->run->s.regs.crs[9 + i]) TH_LOG("cr%d", 9 + i);
	RUN_TO_STEP(CODE_GPA + 10);
	EXPECT_EQ(0, self->run->s.regs.gprs[2]);
	RUN_TO_STEP(CODE_GPA + 14);
	EXPECT_EQ(1, self->run->s.regs.gprs[2]);
	RUN_TO_STEP(CODE_GPA + 30);
	RUN_TO_STEP(CODE_GPA + 36);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(own[i], stored[i]) TH_LOG("stored cr%d", 9 + i);
		EXPECT_EQ(own[i], self->run->s.regs.crs[9 + i]) TH_LOG("cr%d", 9 + i);
	}
	RUN_TO_DIAG(CODE_GPA + 40);
	/* Off: a pending end of step goes with it. */
	ASSERT_OK(set_debug(self, 0));
	RUN_TO_DIAG(CODE_GPA + 52);
	EXPECT_EQ(3, self->run->s.regs.gprs[2]);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(own[i], self->run->s.regs.crs[9 + i]) TH_LOG("cr%d", 9 + i);
}

/*
 * A step into user space (DIAG 0x501) is reported as KVM_EXIT_S390_SIEIC with
 * its intercept data; the next KVM_RUN ends the step at once, with the PSW
 * and kvm_run.debug.arch.addr after the DIAG, and stepping goes on.
 */
TEST_F(guest, step_into_user_space)
{
	static const uint8_t code[] = {
		DIAG_501,				/* +0 */
		0xa7, 0x2b, 0x00, 0x01,			/* +4 aghi %r2,1 */
		DIAG_501,				/* +8 */
		J_SELF,					/* +12 */
	};

	GUEST_DEBUG_OR_SKIP();
	load_code(self, CODE_GPA, code, sizeof(code));
	self->run->s.regs.gprs[2] = 0;
	self->run->kvm_dirty_regs = KVM_SYNC_GPRS;
	ASSERT_OK(set_debug(self, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP));
	RUN_TO_DIAG(CODE_GPA + 4);
	RUN_TO_STEP(CODE_GPA + 4);
	EXPECT_EQ(0, self->run->s.regs.gprs[2]);
	RUN_TO_STEP(CODE_GPA + 8);
	EXPECT_EQ(1, self->run->s.regs.gprs[2]);
	RUN_TO_DIAG(CODE_GPA + 12);
}

static int set_hw_bp(FIXTURE_DATA(guest) *self, struct kvm_hw_breakpoint *bp,
		     uint32_t nr)
{
	struct kvm_guest_debug dbg = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP,
		.arch = { .nr_hw_bp = nr, .hw_bp = bp },
	};

	return ioctl(self->vcpu, KVM_SET_GUEST_DEBUG, &dbg);
}

/*
 * The breakpoint array as mainline checks it: more than 50 entries or a
 * watchpoint over 100 bytes is EINVAL, an unreadable array or watched bytes
 * outside guest memory EFAULT, unknown types are ignored; a refused array
 * leaves debugging off (the guest runs to its DIAG).
 */
TEST_F(guest, hw_bp_array)
{
	static const uint8_t code[] = { DIAG_501, J_SELF };
	struct kvm_hw_breakpoint bp[51] = {};
	int i;

	GUEST_DEBUG_OR_SKIP();
	load_code(self, CODE_GPA, code, sizeof(code));
	for (i = 0; i < 51; i++) {
		bp[i].type = KVM_HW_BP;
		bp[i].addr = 0x100000 + i * 16;
	}
	EXPECT_OK(set_hw_bp(self, bp, 50));
	EXPECT_ERRNO(EINVAL, set_hw_bp(self, bp, 51));
	EXPECT_ERRNO(EFAULT, set_hw_bp(self, (void *)8, 1));
	bp[0].type = KVM_HW_WP_WRITE;
	bp[0].addr = bp[0].phys_addr = SLOT1_GPA;
	bp[0].len = 101;
	EXPECT_ERRNO(EINVAL, set_hw_bp(self, bp, 1));
	bp[0].len = 100;
	EXPECT_OK(set_hw_bp(self, bp, 1));
	bp[0].addr = bp[0].phys_addr = GAP_GPA;
	EXPECT_ERRNO(EFAULT, set_hw_bp(self, bp, 1));
	bp[0].type = 0x80;
	EXPECT_OK(set_hw_bp(self, bp, 1));
	bp[0].type = KVM_HW_WP_WRITE;
	EXPECT_ERRNO(EFAULT, set_hw_bp(self, bp, 1));
	RUN_TO_DIAG(CODE_GPA + 4);
}

/*
 * A hardware breakpoint stops the guest before the instruction at its
 * address (KVM_HW_BP, debug.arch.addr and the PSW there); the next KVM_RUN
 * executes it and runs on.
 */
TEST_F(guest, hw_breakpoint)
{
	static const uint8_t code[] = {
		0xa7, 0x29, 0x00, 0x00,			/* +0  lghi %r2,0 */
		0xa7, 0x2b, 0x00, 0x01,			/* +4  aghi %r2,1 */
		0xa7, 0x2b, 0x00, 0x01,			/* +8  aghi %r2,1 (breakpoint) */
		0xa7, 0x2b, 0x00, 0x01,			/* +12 aghi %r2,1 */
		DIAG_501,				/* +16 */
		J_SELF,					/* +20 */
	};
	struct kvm_hw_breakpoint bp = { .addr = CODE_GPA + 8, .type = KVM_HW_BP };

	GUEST_DEBUG_OR_SKIP();
	load_code(self, CODE_GPA, code, sizeof(code));
	ASSERT_OK(set_hw_bp(self, &bp, 1));
	ASSERT_OK(ioctl(self->vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_DEBUG, self->run->exit_reason);
	EXPECT_EQ(KVM_HW_BP, self->run->debug.arch.type);
	EXPECT_EQ(CODE_GPA + 8, self->run->debug.arch.addr);
	EXPECT_EQ(CODE_GPA + 8, self->run->psw_addr);
	EXPECT_EQ(1, self->run->s.regs.gprs[2]);
	RUN_TO_DIAG(CODE_GPA + 20);
	EXPECT_EQ(3, self->run->s.regs.gprs[2]);
}

/*
 * A write watchpoint ends the run after a store changed the watched bytes
 * (KVM_HW_WP_WRITE, debug.arch.addr the watchpoint's address, the PSW after
 * the store).
 */
TEST_F(guest, hw_watchpoint)
{
	static const uint8_t code[] = {
		0xa7, 0x39, 0x00, 0x07,			/* +0  lghi %r3,7 */
		0xe3, 0x30, 0x40, 0x00, 0x00, 0x24,	/* +4  stg  %r3,0(%r4) */
		0xa7, 0x2b, 0x00, 0x01,			/* +10 aghi %r2,1 */
		DIAG_501,				/* +14 */
		J_SELF,					/* +18 */
	};
	const uint64_t watched = SLOT1_GPA + 0x100;
	struct kvm_hw_breakpoint wp = {
		.addr = watched, .phys_addr = watched, .len = 8,
		.type = KVM_HW_WP_WRITE,
	};

	GUEST_DEBUG_OR_SKIP();
	load_code(self, CODE_GPA, code, sizeof(code));
	*(uint64_t *)host_addr(self, watched) = 0;
	self->run->s.regs.gprs[2] = 0;
	self->run->s.regs.gprs[4] = watched;
	self->run->kvm_dirty_regs = KVM_SYNC_GPRS;
	ASSERT_OK(set_hw_bp(self, &wp, 1));
	ASSERT_OK(ioctl(self->vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_DEBUG, self->run->exit_reason);
	EXPECT_EQ(KVM_HW_WP_WRITE, self->run->debug.arch.type);
	EXPECT_EQ(watched, self->run->debug.arch.addr);
	EXPECT_EQ(CODE_GPA + 10, self->run->psw_addr);
	EXPECT_EQ(7, *(uint64_t *)host_addr(self, watched));
	EXPECT_EQ(0, self->run->s.regs.gprs[2]);
	ASSERT_OK(set_debug(self, 0));
	RUN_TO_DIAG(CODE_GPA + 18);
}

/*
 * A restart injected while single-stepping is delivered and ends the step
 * at the restart new PSW, before the handler's first instruction runs.
 */
TEST_F(guest, step_ends_after_delivery)
{
	static const uint8_t code[] = { J_SELF };
	static const uint8_t handler[] = { DIAG_501, J_SELF };
	struct kvm_s390_irq irq = { .type = KVM_S390_RESTART };
	uint64_t *new_psw = (uint64_t *)host_addr(self, LC_RESTART_NEW_PSW);

	GUEST_DEBUG_OR_SKIP();
	load_code(self, CODE_GPA, code, sizeof(code));
	load_code(self, HANDLER_GPA, handler, sizeof(handler));
	new_psw[0] = PSW_MASK_64;
	new_psw[1] = HANDLER_GPA;
	ASSERT_OK(set_debug(self, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP));
	RUN_TO_STEP(CODE_GPA);
	ASSERT_OK(ioctl(self->vcpu, KVM_S390_IRQ, &irq));
	RUN_TO_STEP(HANDLER_GPA);
	EXPECT_EQ(PSW_MASK_64, self->run->psw_mask);
	RUN_TO_DIAG(HANDLER_GPA + 4);
}

TEST_HARNESS_MAIN
