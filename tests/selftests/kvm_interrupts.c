// SPDX-License-Identifier: GPL-2.0
/*
 * Interruptions under real SIE: each kind injected through each ABI
 * (KVM_S390_IRQ and KVM_S390_INTERRUPT on the vCPU, KVM_S390_INTERRUPT on
 * the VM) reaches the guest with the right old PSW and lowcore codes;
 * a masked one waits until the guest enables it (STOSM, interpreted by SIE,
 * or a control register set from user space); an enabled wait sleeps until
 * an injection from another thread or the clock comparator ends it; a
 * disabled wait goes to user space; invalid input gets mainline's errno;
 * KVM_GET/SET_MP_STATE; a reset drops pending interruptions; halt polling
 * gives way to steal time (halt_poll_max_steal).
 *
 * Every new PSW points at a handler of its own that exits with DIAG 0x501,
 * so the exit address tells which interruption was taken.
 */
#include <pthread.h>
#include <time.h>

#include "guest_util.h"

#define PSW_MASK_IO	0x0200000000000000UL
#define PSW_MASK_EXT	0x0100000000000000UL
#define PSW_MASK_MCHECK	0x0004000000000000UL
#define PSW_MASK_WAIT	0x0002000000000000UL

#define CR0_EMERGENCY	(1UL << (63 - 49))
#define CR0_EXTCALL	(1UL << (63 - 50))
#define CR0_CKC		(1UL << (63 - 52))
#define CR0_CPUTM	(1UL << (63 - 53))
#define CR0_SERVICE	(1UL << (63 - 54))
#define CR14_CHANNEL_REPORT	(1UL << (63 - 35))

#define LC_EXT_PARAMS	0x80
#define LC_EXT_CPU_ADDR	0x84
#define LC_EXT_INT_CODE	0x86
#define LC_SUBCHANNEL_ID 0xb8
#define LC_IO_INT_PARM	0xbc
#define LC_IO_INT_WORD	0xc0
#define LC_MCCK_CODE	0xe8
#define LC_RESTART_OLD	0x120
#define LC_EXT_OLD	0x130
#define LC_MCK_OLD	0x160
#define LC_IO_OLD	0x170
#define LC_RESTART_NEW	0x1a0
#define LC_EXT_NEW	0x1b0
#define LC_MCK_NEW	0x1e0
#define LC_IO_NEW	0x1f0
#define LC_EXT_PARAMS2	0x11b8

#define EXT_HANDLER	0x11000UL
#define IO_HANDLER	0x11100UL
#define MCK_HANDLER	0x11200UL
#define RST_HANDLER	0x11300UL
#define PGM_HANDLER	0x11400UL

#define ICPT_WAIT	0x1c
/* stosm 0x300,0x01: enable external interruptions (PSW bit 7). */
#define STOSM_EXT	0xad, 0x01, 0x03, 0x00
/* stck 0x300 */
#define STCK_300	0xb2, 0x05, 0x03, 0x00

/* Lowcore new PSWs to the handlers, the guest code, the PSW and CR0/CR6/CR14. */
static void setup(struct __test_metadata *_metadata, FIXTURE_DATA(guest) *self,
		  const uint8_t *code, size_t len, uint64_t psw_mask,
		  uint64_t cr0, uint64_t cr6, uint64_t cr14)
{
	struct kvm_sregs sregs;

	set_new_psw(self, LC_EXT_NEW, EXT_HANDLER);
	set_new_psw(self, LC_IO_NEW, IO_HANDLER);
	set_new_psw(self, LC_MCK_NEW, MCK_HANDLER);
	set_new_psw(self, LC_RESTART_NEW, RST_HANDLER);
	set_new_psw(self, LC_PGM_NEW_PSW, PGM_HANDLER);
	load_code(self, CODE_GPA, code, len);
	self->run->psw_mask = PSW_MASK_64 | psw_mask;
	self->run->psw_addr = CODE_GPA;
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	sregs.crs[0] = cr0;
	sregs.crs[6] = cr6;
	sregs.crs[14] = cr14;
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_SREGS, &sregs));
}

static int inject_irq(FIXTURE_DATA(guest) *self, uint64_t type, uint16_t code)
{
	struct kvm_s390_irq irq = { .type = type };

	irq.u.emerg.code = code;
	return ioctl(self->vcpu, KVM_S390_IRQ, &irq);
}

static int inject_int(int fd, uint32_t type, uint32_t parm, uint64_t parm64)
{
	struct kvm_s390_interrupt s = { .type = type, .parm = parm, .parm64 = parm64 };

	return ioctl(fd, KVM_S390_INTERRUPT, &s);
}

/* Runs to the DIAG 0x501 of @handler; the old PSW at @old_lc must be @old_addr. */
#define RUN_TO_HANDLER(handler, old_lc, old_addr) do {				\
	RUN_TO_DIAG((handler) + 4);						\
	EXPECT_EQ((uint64_t)(old_addr), be64_at(self, (old_lc) + 8));		\
} while (0)

static const uint8_t spin[] = { J_SELF };

/* An emergency signal through each vCPU ABI: code, source CPU, old PSW. */
TEST_F(guest, emergency_signal_both_abis)
{
	setup(_metadata, self, spin, sizeof(spin), PSW_MASK_EXT, CR0_EMERGENCY, 0, 0);
	ASSERT_OK(inject_irq(self, KVM_S390_INT_EMERGENCY, 0));
	RUN_TO_HANDLER(EXT_HANDLER, LC_EXT_OLD, CODE_GPA);
	EXPECT_EQ(0x1201, be16_at(self, LC_EXT_INT_CODE));
	EXPECT_EQ(0, be16_at(self, LC_EXT_CPU_ADDR));
	EXPECT_EQ(PSW_MASK_64 | PSW_MASK_EXT, be64_at(self, LC_EXT_OLD));

	*(uint16_t *)host_addr(self, LC_EXT_INT_CODE) = 0;
	self->run->psw_mask = PSW_MASK_64 | PSW_MASK_EXT;
	self->run->psw_addr = CODE_GPA;
	ASSERT_OK(inject_int(self->vcpu, KVM_S390_INT_EMERGENCY, 0, 0));
	RUN_TO_HANDLER(EXT_HANDLER, LC_EXT_OLD, CODE_GPA);
	EXPECT_EQ(0x1201, be16_at(self, LC_EXT_INT_CODE));
}

/* External call, restart and a program interruption through the vCPU ABIs. */
TEST_F(guest, external_call_restart_program)
{
	struct kvm_s390_irq pgm = { .type = KVM_S390_PROGRAM_INT };

	setup(_metadata, self, spin, sizeof(spin), PSW_MASK_EXT, CR0_EXTCALL, 0, 0);
	ASSERT_OK(inject_int(self->vcpu, KVM_S390_INT_EXTERNAL_CALL, 0, 0));
	RUN_TO_HANDLER(EXT_HANDLER, LC_EXT_OLD, CODE_GPA);
	EXPECT_EQ(0x1202, be16_at(self, LC_EXT_INT_CODE));

	self->run->psw_mask = PSW_MASK_64;
	self->run->psw_addr = CODE_GPA;
	ASSERT_OK(inject_irq(self, KVM_S390_RESTART, 0));
	RUN_TO_HANDLER(RST_HANDLER, LC_RESTART_OLD, CODE_GPA);

	self->run->psw_addr = CODE_GPA;
	pgm.u.pgm.code = 0x0a;		/* a non-nullifying code */
	pgm.u.pgm.flags = KVM_S390_PGM_FLAGS_ILC_VALID | 4;
	ASSERT_OK(ioctl(self->vcpu, KVM_S390_IRQ, &pgm));
	RUN_TO_HANDLER(PGM_HANDLER, LC_PGM_OLD_PSW, CODE_GPA);
	EXPECT_EQ(4, be16_at(self, LC_PGM_ILC));
	EXPECT_EQ(0x0a, be16_at(self, LC_PGM_CODE));
}

/* The clock comparator, made due from user space (sync regs). */
TEST_F(guest, clock_comparator_due)
{
	setup(_metadata, self, spin, sizeof(spin), PSW_MASK_EXT, CR0_CKC, 0, 0);
	self->run->s.regs.ckc = 0;		/* long past */
	self->run->kvm_dirty_regs = KVM_SYNC_ARCH0;
	RUN_TO_HANDLER(EXT_HANDLER, LC_EXT_OLD, CODE_GPA);
	EXPECT_EQ(0x1004, be16_at(self, LC_EXT_INT_CODE));
}

/*
 * The clock comparator comes due while the guest runs enabled: SIE presents
 * it, or (Hercules) intercepts it as an external interruption (0x14) that
 * the backend must deliver itself; either way the guest's handler runs.
 */
TEST_F(guest, clock_comparator_due_while_running)
{
	static const uint8_t code[] = { STCK_300, DIAG_501, J_SELF };
	const uint64_t later = 20000UL * 4096;	/* 20 ms */

	setup(_metadata, self, code, sizeof(code), 0, CR0_CKC, 0, 0);
	RUN_TO_DIAG(CODE_GPA + 8);
	self->run->s.regs.ckc = be64_at(self, 0x300) + later;
	self->run->kvm_dirty_regs = KVM_SYNC_ARCH0;
	self->run->psw_mask = PSW_MASK_64 | PSW_MASK_EXT;
	self->run->psw_addr = CODE_GPA + 8;
	RUN_TO_HANDLER(EXT_HANDLER, LC_EXT_OLD, CODE_GPA + 8);
	EXPECT_EQ(0x1004, be16_at(self, LC_EXT_INT_CODE));
}

/* The CPU timer, made negative from user space (sync regs). */
TEST_F(guest, cpu_timer_due)
{
	setup(_metadata, self, spin, sizeof(spin), PSW_MASK_EXT, CR0_CPUTM, 0, 0);
	self->run->s.regs.ckc = ~0UL;
	self->run->s.regs.cputm = -(1UL << 32);	/* negative: about -1 s */
	self->run->kvm_dirty_regs = KVM_SYNC_ARCH0;
	RUN_TO_HANDLER(EXT_HANDLER, LC_EXT_OLD, CODE_GPA);
	EXPECT_EQ(0x1005, be16_at(self, LC_EXT_INT_CODE));
}

/* Floating: service signal, virtio, I/O on subclass 3, machine check. */
TEST_F(guest, floating_interrupts)
{
	const uint32_t io_word = 0x80000000u | (3u << 27);

	setup(_metadata, self, spin, sizeof(spin), PSW_MASK_EXT, CR0_SERVICE, 0, 0);
	ASSERT_OK(inject_int(self->vm, KVM_S390_INT_SERVICE, 0x12340, 0));
	RUN_TO_HANDLER(EXT_HANDLER, LC_EXT_OLD, CODE_GPA);
	EXPECT_EQ(0x2401, be16_at(self, LC_EXT_INT_CODE));
	EXPECT_EQ(0x12340, be32_at(self, LC_EXT_PARAMS));

	setup(_metadata, self, spin, sizeof(spin), PSW_MASK_EXT, 0, 0, 0);
	ASSERT_OK(inject_int(self->vm, KVM_S390_INT_VIRTIO, 0xabcd, 0x1122334455667788UL));
	RUN_TO_HANDLER(EXT_HANDLER, LC_EXT_OLD, CODE_GPA);
	EXPECT_EQ(0x2603, be16_at(self, LC_EXT_INT_CODE));
	EXPECT_EQ(0x0d00, be16_at(self, LC_EXT_CPU_ADDR));
	EXPECT_EQ(0xabcd, be32_at(self, LC_EXT_PARAMS));
	EXPECT_EQ(0x1122334455667788UL, be64_at(self, LC_EXT_PARAMS2));

	setup(_metadata, self, spin, sizeof(spin), PSW_MASK_IO, 0, 0x10000000UL, 0);
	ASSERT_OK(inject_int(self->vm, KVM_S390_INT_IO(0, 0, 0, 0x42), 0x00010042,
			     ((uint64_t)0xdeadbeef << 32) | io_word));
	RUN_TO_HANDLER(IO_HANDLER, LC_IO_OLD, CODE_GPA);
	EXPECT_EQ(0x00010042, be32_at(self, LC_SUBCHANNEL_ID));
	EXPECT_EQ(0xdeadbeef, be32_at(self, LC_IO_INT_PARM));
	EXPECT_EQ(io_word, be32_at(self, LC_IO_INT_WORD));

	setup(_metadata, self, spin, sizeof(spin), PSW_MASK_MCHECK, 0, 0, CR14_CHANNEL_REPORT);
	ASSERT_OK(inject_int(self->vm, KVM_S390_MCHK, CR14_CHANNEL_REPORT, 1UL << (63 - 9)));
	RUN_TO_HANDLER(MCK_HANDLER, LC_MCK_OLD, CODE_GPA);
	EXPECT_EQ(1UL << (63 - 9), be64_at(self, LC_MCCK_CODE));
}

/* A masked I/O subclass stays pending; enabling it in CR6 delivers it. */
TEST_F(guest, io_subclass_masked_until_cr6_enables)
{
	static const uint8_t code[] = { DIAG_501, J_SELF };
	struct kvm_sregs sregs;

	setup(_metadata, self, code, sizeof(code), PSW_MASK_IO, 0, 0x80000000UL, 0);
	ASSERT_OK(inject_int(self->vm, KVM_S390_INT_IO(0, 0, 0, 1), 0x00010001,
			     0x80000000u | (5u << 27)));
	RUN_TO_DIAG(CODE_GPA + 4);
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	sregs.crs[6] |= 0x04000000UL;		/* subclass 5 */
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_SREGS, &sregs));
	RUN_TO_HANDLER(IO_HANDLER, LC_IO_OLD, CODE_GPA + 4);
}

/* Disabled by the PSW: pending until the guest's STOSM enables it. */
TEST_F(guest, masked_until_guest_enables)
{
	static const uint8_t code[] = { DIAG_501, STOSM_EXT, J_SELF };

	setup(_metadata, self, code, sizeof(code), 0, CR0_EMERGENCY, 0, 0);
	ASSERT_OK(inject_irq(self, KVM_S390_INT_EMERGENCY, 0));
	RUN_TO_DIAG(CODE_GPA + 4);
	EXPECT_EQ(0, be16_at(self, LC_EXT_INT_CODE));
	RUN_TO_HANDLER(EXT_HANDLER, LC_EXT_OLD, CODE_GPA + 8);
	EXPECT_EQ(0x1201, be16_at(self, LC_EXT_INT_CODE));
	EXPECT_EQ(PSW_MASK_64 | PSW_MASK_EXT, be64_at(self, LC_EXT_OLD));
}

/* Masked by its CR0 subclass: delivered once user space sets the subclass. */
TEST_F(guest, cr0_subclass_masks_until_set)
{
	static const uint8_t code[] = { DIAG_501, J_SELF };
	struct kvm_sregs sregs;

	setup(_metadata, self, code, sizeof(code), PSW_MASK_EXT, 0, 0, 0);
	ASSERT_OK(inject_irq(self, KVM_S390_INT_EMERGENCY, 0));
	RUN_TO_DIAG(CODE_GPA + 4);
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	sregs.crs[0] |= CR0_EMERGENCY;
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_SREGS, &sregs));
	RUN_TO_HANDLER(EXT_HANDLER, LC_EXT_OLD, CODE_GPA + 4);
}

/*
 * Priority: with an emergency signal and a restart pending, the external
 * interruption is taken first and the restart interrupts its handler.
 */
TEST_F(guest, priority_external_before_restart)
{
	setup(_metadata, self, spin, sizeof(spin), PSW_MASK_EXT, CR0_EMERGENCY, 0, 0);
	ASSERT_OK(inject_irq(self, KVM_S390_RESTART, 0));
	ASSERT_OK(inject_irq(self, KVM_S390_INT_EMERGENCY, 0));
	RUN_TO_HANDLER(RST_HANDLER, LC_RESTART_OLD, EXT_HANDLER);
	EXPECT_EQ(CODE_GPA, be64_at(self, LC_EXT_OLD + 8));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct injector {
	int vcpu;
	int rc;
};

static void *inject_later(void *arg)
{
	struct injector *in = arg;
	struct kvm_s390_irq irq = { .type = KVM_S390_INT_EMERGENCY };

	usleep(300000);
	in->rc = ioctl(in->vcpu, KVM_S390_IRQ, &irq);
	return NULL;
}

/* An enabled wait sleeps in the kernel until another thread injects. */
TEST_F(guest, enabled_wait_woken_by_injection)
{
	struct injector in = { .vcpu = self->vcpu, .rc = -1 };
	pthread_t thread;
	double t0;

	setup(_metadata, self, spin, sizeof(spin), PSW_MASK_EXT | PSW_MASK_WAIT,
	      CR0_EMERGENCY, 0, 0);
	ASSERT_OK(pthread_create(&thread, NULL, inject_later, &in));
	t0 = now_s();
	RUN_TO_HANDLER(EXT_HANDLER, LC_EXT_OLD, CODE_GPA);
	EXPECT_LE(0.25, now_s() - t0);
	ASSERT_OK(pthread_join(thread, NULL));
	EXPECT_EQ(0, in.rc);
	EXPECT_EQ(0x1201, be16_at(self, LC_EXT_INT_CODE));
	EXPECT_EQ(PSW_MASK_64 | PSW_MASK_EXT | PSW_MASK_WAIT, be64_at(self, LC_EXT_OLD));
}

/* An enabled wait ends when the clock comparator says so, not before. */
TEST_F(guest, enabled_wait_woken_by_clock_comparator)
{
	static const uint8_t code[] = { STCK_300, DIAG_501, J_SELF };
	const uint64_t wait_tod = 300000UL * 4096;	/* 300 ms */
	double t0;

	setup(_metadata, self, code, sizeof(code), 0, CR0_CKC, 0, 0);
	RUN_TO_DIAG(CODE_GPA + 8);
	self->run->s.regs.ckc = be64_at(self, 0x300) + wait_tod;
	self->run->kvm_dirty_regs = KVM_SYNC_ARCH0;
	self->run->psw_mask = PSW_MASK_64 | PSW_MASK_EXT | PSW_MASK_WAIT;
	self->run->psw_addr = CODE_GPA + 8;
	t0 = now_s();
	RUN_TO_HANDLER(EXT_HANDLER, LC_EXT_OLD, CODE_GPA + 8);
	EXPECT_LE(0.2, now_s() - t0);
	EXPECT_GE(5.0, now_s() - t0);
	EXPECT_EQ(0x1004, be16_at(self, LC_EXT_INT_CODE));
}

#define HALT_POLL_MAX_STEAL "/sys/module/kvm/parameters/halt_poll_max_steal"

/* The module parameter's value, or -1 if it cannot be read. */
static int max_steal_read(void)
{
	FILE *f = fopen(HALT_POLL_MAX_STEAL, "r");
	int value = -1;

	if (f) {
		if (fscanf(f, "%d", &value) != 1)
			value = -1;
		fclose(f);
	}
	return value;
}

static int max_steal_write(int value)
{
	FILE *f = fopen(HALT_POLL_MAX_STEAL, "w");
	int rc;

	if (!f)
		return -1;
	rc = fprintf(f, "%d\n", value) < 0;
	return fclose(f) || rc ? -1 : 0;
}

#define MAX_STEAL_DEFAULT	10

/* The fixture's undo when a test ends before it restored the parameter. */
static void max_steal_restore(void)
{
	max_steal_write(MAX_STEAL_DEFAULT);
}

/*
 * Halt polling gives way to steal time (mainline's halt_poll_max_steal, a
 * percentage, 10 by default): with the limit at 0 even no steal time reaches
 * it, so every enabled wait sleeps without polling and counts
 * halt_no_poll_steal; at 255 no steal time can reach it.
 */
TEST_F(guest, halt_polling_gives_way_to_steal_time)
{
	static const uint8_t code[] = { STCK_300, DIAG_501, J_SELF };
	static const int limits[] = { 255, 0 };
	uint64_t counts[2];
	int i;

	ASSERT_EQ(MAX_STEAL_DEFAULT, max_steal_read());
	self->undo = max_steal_restore;
	setup(_metadata, self, code, sizeof(code), 0, CR0_CKC, 0, 0);
	for (i = 0; i < 2; i++) {
		ASSERT_OK(max_steal_write(limits[i]));
		self->run->psw_mask = PSW_MASK_64;
		self->run->psw_addr = CODE_GPA;
		RUN_TO_DIAG(CODE_GPA + 8);
		/* An enabled wait that the clock comparator ends 10 ms later. */
		self->run->s.regs.ckc = be64_at(self, 0x300) + 10000UL * 4096;
		self->run->kvm_dirty_regs = KVM_SYNC_ARCH0;
		self->run->psw_mask = PSW_MASK_64 | PSW_MASK_EXT | PSW_MASK_WAIT;
		self->run->psw_addr = CODE_GPA + 8;
		RUN_TO_HANDLER(EXT_HANDLER, LC_EXT_OLD, CODE_GPA + 8);
		counts[i] = vcpu_stat(_metadata, self->vcpu, "halt_no_poll_steal");
	}
	ASSERT_OK(max_steal_write(MAX_STEAL_DEFAULT));
	self->undo = NULL;
	EXPECT_EQ(0, counts[0]);
	EXPECT_LE(1, counts[1]);
	EXPECT_NE(UINT64_MAX, counts[1]);
}

/* A wait with every interruption disabled ends in user space (intercept 0x1c). */
TEST_F(guest, disabled_wait_exits)
{
	setup(_metadata, self, spin, sizeof(spin), PSW_MASK_WAIT, 0, 0, 0);
	ASSERT_OK(ioctl(self->vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_S390_SIEIC, self->run->exit_reason);
	EXPECT_EQ(ICPT_WAIT, self->run->s390_sieic.icptcode);
	EXPECT_EQ(PSW_MASK_64 | PSW_MASK_WAIT, self->run->psw_mask);
}

/* Invalid injections get mainline's errno (interrupt.c, s390.c). */
TEST_F(guest, invalid_injection)
{
	struct kvm_s390_irq irq = { .type = KVM_S390_SIGP_STOP };

	/* do_inject_vcpu: unknown and floating types. */
	EXPECT_ERRNO(EINVAL, inject_irq(self, 0xffffffffUL, 0));
	EXPECT_ERRNO(EINVAL, inject_irq(self, KVM_S390_INT_SERVICE, 0));
	EXPECT_ERRNO(EINVAL, inject_irq(self, KVM_S390_INT_IO(0, 0, 0, 1), 0));
	/* __inject_sigp_emergency/__inject_extcall: the source vCPU must exist. */
	EXPECT_ERRNO(EINVAL, inject_irq(self, KVM_S390_INT_EMERGENCY, 5));
	EXPECT_ERRNO(EINVAL, inject_irq(self, KVM_S390_INT_EXTERNAL_CALL, 5));
	/* __inject_extcall: one external call at a time. */
	EXPECT_OK(inject_irq(self, KVM_S390_INT_EXTERNAL_CALL, 0));
	EXPECT_ERRNO(EBUSY, inject_irq(self, KVM_S390_INT_EXTERNAL_CALL, 0));
	/* __inject_sigp_stop: unknown flags. */
	irq.u.stop.flags = 2;
	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu, KVM_S390_IRQ, &irq));
	/* s390int_to_s390irq: halfword parameters. */
	EXPECT_ERRNO(EINVAL, inject_int(self->vcpu, KVM_S390_PROGRAM_INT, 0x10000, 0));
	EXPECT_ERRNO(EINVAL, inject_int(self->vcpu, KVM_S390_INT_EMERGENCY, 0x10000, 0));
	EXPECT_ERRNO(EINVAL, inject_int(self->vcpu, KVM_S390_INT_SERVICE, 0, 0));
	/* kvm_s390_inject_vm: local types are not floating. */
	EXPECT_ERRNO(EINVAL, inject_int(self->vm, KVM_S390_RESTART, 0, 0));
	EXPECT_ERRNO(EINVAL, inject_int(self->vm, KVM_S390_INT_EMERGENCY, 0, 0));
	EXPECT_ERRNO(EINVAL, inject_int(self->vm, 0xfffe0010u, 0, 0));
	/* Bad pointers. */
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu, KVM_S390_IRQ, (void *)8));
	EXPECT_ERRNO(EFAULT, ioctl(self->vm, KVM_S390_INTERRUPT, (void *)8));
}

/*
 * The vCPU's state: api.rst has KVM_GET_MP_STATE return 0 and fill the
 * struct (ours); mainline 7.3 returns the state as the ioctl's result.
 */
static uint32_t mp_state_of(struct __test_metadata *_metadata, int vcpu)
{
	struct kvm_mp_state mp = { .mp_state = 0xdead };
	enum kvm_backend backend = kvm_backend();
	int r = ioctl(vcpu, KVM_GET_MP_STATE, &mp);

	if (backend == BACKEND_MAINLINE)
		return r;
	EXPECT_EQ(0, r);
	return mp.mp_state;
}

/* KVM_SET_MP_STATE hands the stopped state to user space: a stopped vCPU no longer runs. */
TEST_F(guest, mp_state)
{
	static const uint8_t code[] = { DIAG_501, J_SELF };
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_OPERATING };

	load_code(self, CODE_GPA, code, sizeof(code));
	ASSERT_EQ(1, kvm_check_cap(self->kvm, KVM_CAP_MP_STATE));
	EXPECT_EQ(KVM_MP_STATE_STOPPED, mp_state_of(_metadata, self->vcpu));
	RUN_TO_DIAG(CODE_GPA + 4);
	EXPECT_EQ(KVM_MP_STATE_OPERATING, mp_state_of(_metadata, self->vcpu));
	mp.mp_state = KVM_MP_STATE_STOPPED;
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_MP_STATE, &mp));
	EXPECT_EQ(KVM_MP_STATE_STOPPED, mp_state_of(_metadata, self->vcpu));
	EXPECT_ERRNO(EINVAL, ioctl(self->vcpu, KVM_RUN, 0));
	mp.mp_state = KVM_MP_STATE_CHECK_STOP;
	EXPECT_ERRNO(ENXIO, ioctl(self->vcpu, KVM_SET_MP_STATE, &mp));
	mp.mp_state = KVM_MP_STATE_HALTED;
	EXPECT_ERRNO(ENXIO, ioctl(self->vcpu, KVM_SET_MP_STATE, &mp));
	mp.mp_state = KVM_MP_STATE_OPERATING;
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_MP_STATE, &mp));
	self->run->psw_addr = CODE_GPA;
	RUN_TO_DIAG(CODE_GPA + 4);
}

/* SIGP STOP injected: the vCPU stops and user space sees the stop intercept. */
TEST_F(guest, sigp_stop_stops)
{
	static const uint8_t code[] = { DIAG_501, J_SELF };
	struct kvm_s390_irq irq = { .type = KVM_S390_SIGP_STOP };

	setup(_metadata, self, code, sizeof(code), 0, 0, 0, 0);
	RUN_TO_DIAG(CODE_GPA + 4);
	ASSERT_OK(ioctl(self->vcpu, KVM_S390_IRQ, &irq));
	EXPECT_ERRNO(EBUSY, ioctl(self->vcpu, KVM_S390_IRQ, &irq));
	ASSERT_OK(ioctl(self->vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_S390_SIEIC, self->run->exit_reason);
	EXPECT_EQ(0x28, self->run->s390_sieic.icptcode);
	EXPECT_EQ(KVM_MP_STATE_STOPPED, mp_state_of(_metadata, self->vcpu));
}

/* The initial reset drops pending local interruptions. */
TEST_F(guest, reset_clears_pending)
{
	static const uint8_t code[] = { DIAG_501, J_SELF };

	ASSERT_OK(inject_irq(self, KVM_S390_RESTART, 0));
	ASSERT_OK(ioctl(self->vcpu, KVM_S390_INITIAL_RESET, 0));
	setup(_metadata, self, code, sizeof(code), 0, 0, 0, 0);
	RUN_TO_DIAG(CODE_GPA + 4);
}

/*
 * KVM_S390_GET_IRQ_STATE lists the pending local interruptions; after a
 * reset dropped them, KVM_S390_SET_IRQ_STATE brings them back and they are
 * delivered (the restart after the external interruption, by priority).
 */
TEST_F(guest, irq_state_round_trip)
{
	struct kvm_s390_irq irqs[4];
	struct kvm_s390_irq_state st = { .buf = (uintptr_t)irqs, .len = sizeof(irqs) };
	int n, i, restart = 0, emerg = 0;

	ASSERT_OK(inject_irq(self, KVM_S390_RESTART, 0));
	ASSERT_OK(inject_irq(self, KVM_S390_INT_EMERGENCY, 0));
	n = ioctl(self->vcpu, KVM_S390_GET_IRQ_STATE, &st);
	ASSERT_EQ(2 * (int)sizeof(irqs[0]), n);
	for (i = 0; i < 2; i++) {
		restart += irqs[i].type == KVM_S390_RESTART;
		emerg += irqs[i].type == KVM_S390_INT_EMERGENCY && irqs[i].u.emerg.code == 0;
	}
	EXPECT_EQ(1, restart);
	EXPECT_EQ(1, emerg);
	ASSERT_OK(ioctl(self->vcpu, KVM_S390_INITIAL_RESET, 0));
	EXPECT_EQ(0, ioctl(self->vcpu, KVM_S390_GET_IRQ_STATE, &st));
	st.len = n;
	ASSERT_OK(ioctl(self->vcpu, KVM_S390_SET_IRQ_STATE, &st));
	setup(_metadata, self, spin, sizeof(spin), PSW_MASK_EXT, CR0_EMERGENCY, 0, 0);
	RUN_TO_HANDLER(RST_HANDLER, LC_RESTART_OLD, EXT_HANDLER);
	EXPECT_EQ(0x1201, be16_at(self, LC_EXT_INT_CODE));
}

/*
 * KVM_S390_STORE_STATUS: without address into absolute 0x1200 (and the
 * architectural-mode byte 163), or at a given address.
 */
TEST_F(guest, store_status)
{
	static const uint8_t code[] = { DIAG_501, J_SELF };
	struct kvm_sregs sregs;
	int i;

	/*
	 * The PSW of a vCPU that has run (before that mainline stores the SIE
	 * block's copy, not the one KVM_RUN will load: Documentation/kvm_s390.rst).
	 */
	load_code(self, CODE_GPA, code, sizeof(code));
	RUN_TO_DIAG(CODE_GPA + 4);
	for (i = 0; i < 16; i++)
		self->run->s.regs.gprs[i] = 0x1000 + i;
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	sregs.crs[1] = 0x1111;
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_SREGS, &sregs));
	ASSERT_OK(ioctl(self->vcpu, KVM_S390_STORE_STATUS, KVM_S390_STORE_STATUS_NOADDR));
	EXPECT_EQ(1, *host_addr(self, 163));
	for (i = 0; i < 16; i++)
		EXPECT_EQ(0x1000UL + i, be64_at(self, 0x1280 + 8 * i));
	EXPECT_EQ(PSW_MASK_64, be64_at(self, 0x1300));
	EXPECT_EQ(CODE_GPA + 4, be64_at(self, 0x1308));
	EXPECT_EQ(0x1111, be64_at(self, 0x1388));
	ASSERT_OK(ioctl(self->vcpu, KVM_S390_STORE_STATUS, SLOT1_GPA + 0x1200));
	EXPECT_EQ(0x1000UL + 5, be64_at(self, SLOT1_GPA + 0x1280 + 8 * 5));
	/* Nothing is written outside guest memory. */
	EXPECT_ERRNO(EFAULT, ioctl(self->vcpu, KVM_S390_STORE_STATUS, GAP_GPA));
}

/* ---- SIGNAL PROCESSOR between two vCPUs ---- */

#define SIGP_SENSE		1
#define SIGP_EXTERNAL_CALL	2
#define SIGP_EMERGENCY		3
#define SIGP_START		4
#define SIGP_STOP		5
#define SIGP_RESTART		6
#define SIGP_STOP_STORE		9
#define SIGP_SET_PREFIX		13
#define SIGP_STORE_STATUS	14
#define SIGP_SET_ARCH		18
#define SIGP_STAT_STOPPED	0x40
#define SIGP_STAT_EXT_CALL	0x80
#define SIGP_STAT_INVALID_PARM	0x100
#define SIGP_STAT_INCORRECT	0x200

/*
 * vCPU 0 runs "sigp %r4,%r6,order" (status in r4, parameter in r5, CPU
 * address in r6) and exits; returns the condition code, or -1 for an exit
 * to user space at the SIGP itself.
 */
static int run_sigp(struct __test_metadata *_metadata, FIXTURE_DATA(guest) *self,
		    uint8_t order, uint16_t cpu, uint32_t parm)
{
	const uint8_t code[] = { 0xae, 0x46, 0x00, order, DIAG_501, J_SELF };

	load_code(self, CODE_GPA, code, sizeof(code));
	self->run->psw_mask = PSW_MASK_64;
	self->run->psw_addr = CODE_GPA;
	self->run->s.regs.gprs[4] = 0xffffffffffffffffUL;
	self->run->s.regs.gprs[5] = parm;
	self->run->s.regs.gprs[6] = cpu;
	if (ioctl(self->vcpu, KVM_RUN, 0))
		return -2;
	if (self->run->exit_reason == KVM_EXIT_S390_SIEIC &&
	    self->run->s390_sieic.ipa == (0xae46))
		return -1;
	EXPECT_EQ(DIAG_501_IPA, self->run->s390_sieic.ipa);
	EXPECT_EQ(CODE_GPA + 8, self->run->psw_addr);
	return (self->run->psw_mask >> 44) & 3;
}

static int second_vcpu(struct __test_metadata *_metadata, FIXTURE_DATA(guest) *self)
{
	int fd = kvm_create_vcpu(self->vm, 1);

	EXPECT_LE(0, fd);
	return fd;
}

static int pending_of(int vcpu, struct kvm_s390_irq *irqs, int max)
{
	struct kvm_s390_irq_state st = { .buf = (uintptr_t)irqs,
					 .len = max * sizeof(*irqs) };
	int n = ioctl(vcpu, KVM_S390_GET_IRQ_STATE, &st);

	return n < 0 ? n : n / (int)sizeof(*irqs);
}

/* SENSE: a new vCPU is stopped; a missing one is not operational. */
TEST_F(guest, sigp_sense)
{
	int v1 = second_vcpu(_metadata, self);

	EXPECT_EQ(1, run_sigp(_metadata, self, SIGP_SENSE, 1, 0));
	EXPECT_EQ(0xffffffff00000000UL | SIGP_STAT_STOPPED, self->run->s.regs.gprs[4]);
	EXPECT_EQ(3, run_sigp(_metadata, self, SIGP_SENSE, 5, 0));
	/* The sender itself is operating. */
	EXPECT_EQ(0, run_sigp(_metadata, self, SIGP_SENSE, 0, 0));
	close(v1);
}

/* EMERGENCY SIGNAL and EXTERNAL CALL reach the addressed vCPU, from CPU 0. */
TEST_F(guest, sigp_emergency_and_external_call)
{
	struct kvm_s390_irq irqs[4];
	int v1 = second_vcpu(_metadata, self), n, i, emerg = 0, ecall = 0;

	EXPECT_EQ(0, run_sigp(_metadata, self, SIGP_EMERGENCY, 1, 0));
	EXPECT_EQ(0, run_sigp(_metadata, self, SIGP_EXTERNAL_CALL, 1, 0));
	/* One external call at a time: the second stores "external call pending". */
	EXPECT_EQ(1, run_sigp(_metadata, self, SIGP_EXTERNAL_CALL, 1, 0));
	EXPECT_EQ(0xffffffff00000000UL | SIGP_STAT_EXT_CALL, self->run->s.regs.gprs[4]);
	EXPECT_EQ(1, run_sigp(_metadata, self, SIGP_SENSE, 1, 0));
	EXPECT_EQ(0xffffffff00000000UL | SIGP_STAT_STOPPED | SIGP_STAT_EXT_CALL,
		  self->run->s.regs.gprs[4]);
	n = pending_of(v1, irqs, 4);
	ASSERT_EQ(2, n);
	for (i = 0; i < n; i++) {
		emerg += irqs[i].type == KVM_S390_INT_EMERGENCY && irqs[i].u.emerg.code == 0;
		ecall += irqs[i].type == KVM_S390_INT_EXTERNAL_CALL && irqs[i].u.extcall.code == 0;
	}
	EXPECT_EQ(1, emerg);
	EXPECT_EQ(1, ecall);
	close(v1);
}

/* SET PREFIX of a stopped vCPU; outside guest memory it is an invalid parameter. */
TEST_F(guest, sigp_set_prefix_and_set_architecture)
{
	struct kvm_s390_irq irqs[2];
	int v1 = second_vcpu(_metadata, self);

	EXPECT_EQ(1, run_sigp(_metadata, self, SIGP_SET_PREFIX, 1, GAP_GPA));
	EXPECT_EQ(0xffffffff00000000UL | SIGP_STAT_INVALID_PARM, self->run->s.regs.gprs[4]);
	EXPECT_EQ(0, pending_of(v1, irqs, 2));
	EXPECT_EQ(0, run_sigp(_metadata, self, SIGP_SET_PREFIX, 1, 0x20000));
	ASSERT_EQ(1, pending_of(v1, irqs, 2));
	EXPECT_EQ(KVM_S390_SIGP_SET_PREFIX, irqs[0].type);
	EXPECT_EQ(0x20000, irqs[0].u.prefix.address);
	/* SET ARCHITECTURE: always z/Architecture, the order is rejected. */
	EXPECT_EQ(1, run_sigp(_metadata, self, SIGP_SET_ARCH, 1, 0));
	EXPECT_EQ(0xffffffff00000000UL | SIGP_STAT_INVALID_PARM, self->run->s.regs.gprs[4]);
	close(v1);
}

/*
 * START and RESTART go to user space; while a restart is pending at the
 * addressed vCPU, orders are busy.
 */
TEST_F(guest, sigp_restart_to_user_space_and_busy)
{
	int v1 = second_vcpu(_metadata, self);
	struct kvm_s390_irq irq = { .type = KVM_S390_RESTART };

	EXPECT_EQ(-1, run_sigp(_metadata, self, SIGP_RESTART, 1, 0));
	EXPECT_EQ(ICPT_INST, self->run->s390_sieic.icptcode);
	EXPECT_EQ(-1, run_sigp(_metadata, self, SIGP_START, 1, 0));
	ASSERT_OK(ioctl(v1, KVM_S390_IRQ, &irq));
	EXPECT_EQ(2, run_sigp(_metadata, self, SIGP_SENSE, 1, 0));
	EXPECT_EQ(2, run_sigp(_metadata, self, SIGP_STOP, 1, 0));
	close(v1);
}

/*
 * STORE STATUS AT ADDRESS of a stopped vCPU; STOP AND STORE STATUS of a
 * stopped one stores at absolute 0x1200.
 */
TEST_F(guest, sigp_store_status)
{
	struct kvm_regs regs = { };
	int v1 = second_vcpu(_metadata, self), i;

	for (i = 0; i < 16; i++)
		regs.gprs[i] = 0x5000 + i;
	ASSERT_OK(ioctl(v1, KVM_SET_REGS, &regs));
	EXPECT_EQ(0, run_sigp(_metadata, self, SIGP_STORE_STATUS, 1, SLOT1_GPA + 0x400));
	EXPECT_EQ(0x5000UL + 7, be64_at(self, SLOT1_GPA + 0x400 + 0x80 + 8 * 7));
	EXPECT_EQ(1, run_sigp(_metadata, self, SIGP_STORE_STATUS, 1, GAP_GPA));
	EXPECT_EQ(0xffffffff00000000UL | SIGP_STAT_INVALID_PARM, self->run->s.regs.gprs[4]);
	/* The sender is not stopped. */
	EXPECT_EQ(1, run_sigp(_metadata, self, SIGP_STORE_STATUS, 0, SLOT1_GPA + 0x400));
	EXPECT_EQ(0xffffffff00000000UL | SIGP_STAT_INCORRECT, self->run->s.regs.gprs[4]);
	EXPECT_EQ(0, run_sigp(_metadata, self, SIGP_STOP_STORE, 1, 0));
	EXPECT_EQ(1, *host_addr(self, 163));
	EXPECT_EQ(0x5000UL + 3, be64_at(self, 0x1280 + 8 * 3));
	close(v1);
}

/*
 * STOP AND STORE STATUS to itself: the vCPU stops at the next entry, with
 * its status (PSW past the SIGP, registers) at absolute 0x1200.
 */
TEST_F(guest, sigp_stop_and_store_self)
{
	const uint8_t code[] = { 0xae, 0x46, 0x00, SIGP_STOP_STORE, DIAG_501, J_SELF };

	load_code(self, CODE_GPA, code, sizeof(code));
	self->run->s.regs.gprs[4] = 0xffffffffffffffffUL;
	self->run->s.regs.gprs[6] = 0;
	ASSERT_OK(ioctl(self->vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_S390_SIEIC, self->run->exit_reason);
	EXPECT_EQ(0x28, self->run->s390_sieic.icptcode);
	EXPECT_EQ(CODE_GPA + 4, be64_at(self, 0x1308));
	EXPECT_EQ(0xffffffffffffffffUL, be64_at(self, 0x1280 + 8 * 4));
	EXPECT_EQ(KVM_MP_STATE_STOPPED, mp_state_of(_metadata, self->vcpu));
}

TEST_HARNESS_MAIN
