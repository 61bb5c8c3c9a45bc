// SPDX-License-Identifier: GPL-2.0
/*
 * The IPTE interlock (mainline: ipte_lock in gaccess.c, handle_ipte_interlock
 * in priv.c).  While the host walks a guest's DAT tables for an access it
 * emulates, it holds the interlock bit in the SCA; a guest CPU that executes
 * IPTE, IDTE, CRDTE, CSP or CSPG meanwhile is intercepted instead of
 * executing it, waits in the kernel until the host released the interlock
 * (statistic instruction_ipte_interlock), and then executes it.
 *
 * The interlock is held for a chosen time with userfaultfd: vCPU 0, whose PSW
 * has DAT on, reads a guest page through KVM_S390_MEM_OP (a logical access:
 * the host walks the guest's tables, then copies); the page is missing in a
 * userfaultfd-registered memslot, so the copy blocks with the interlock held.
 * vCPU 1 (DAT off) then executes COMPARE AND SWAP AND PURGE.  Hercules
 * intercepts CSP while the SCA's interlock bit is on, as the machine does.
 */
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "uffd_util.h"

#define PSW_DAT		0x0400000000000000UL	/* bit 5 */

/* vCPU 0's DAT tables: segments 0 and 3 mapped one to one. */
#define STO		0x20000UL
#define PTO_0		0x24000UL
#define PTO_3		0x24800UL

/* The userfaultfd-backed slot (segment 3), after slots 0-2 of guest_util.h. */
#define UFFD_SLOT	3
#define UFFD_GPA	0x300000UL
#define UFFD_SIZE	SZ_1M
#define TOUCH_OFF	0x2010UL
#define MAGIC		0x1badcafe5eedf00dUL

/* vCPU 1: csp %r0,%r2 on the word at CSP_WORD (0 -> 1); exit. */
#define CODE_1		0x12000UL
#define CSP_WORD	0x13000UL
static const uint8_t csp_code[] = {
	0xb2, 0x50, 0x00, 0x02,		/* csp %r0,%r2 */
	DIAG_501,			/* -> CODE_1 + 8 */
	J_SELF,
};

static void put64(FIXTURE_DATA(guest) *self, uint64_t gpa, uint64_t v)
{
	*(uint64_t *)host_addr(self, gpa) = v;
}

/* Segment @seg of STO mapped one to one through the page table at @pto. */
static void map_segment(FIXTURE_DATA(guest) *self, unsigned int seg, uint64_t pto)
{
	int i;

	put64(self, STO + seg * 8, pto);
	for (i = 0; i < 256; i++)
		put64(self, pto + i * 8, ((uint64_t)seg << 20) + i * 4096UL);
}

/* A second vCPU of the fixture's VM, and the threads the tests run. */
struct ctx {
	struct __test_metadata *_metadata;
	FIXTURE_DATA(guest) *self;
	struct uffd_slot u;
	int vcpu1;
	int vcpu1_stats;	/* opened before KVM_RUN, which holds the vCPU's mutex */
	struct kvm_run *run1;

	pthread_t memop_thread;
	int memop_rc, memop_errno;
	uint64_t memop_val;

	pthread_t vcpu1_thread;
	volatile int vcpu1_done;
	int vcpu1_rc, vcpu1_errno;
};

static void *memop_fn(void *arg)
{
	struct ctx *c = arg;
	struct kvm_s390_mem_op mop = {
		.gaddr = UFFD_GPA + TOUCH_OFF,
		.size = sizeof(c->memop_val),
		.op = KVM_S390_MEMOP_LOGICAL_READ,
		.buf = (uintptr_t)&c->memop_val,
	};

	c->memop_rc = ioctl(c->self->vcpu, KVM_S390_MEM_OP, &mop);
	c->memop_errno = errno;
	return NULL;
}

static void *vcpu1_fn(void *arg)
{
	struct ctx *c = arg;

	c->vcpu1_rc = ioctl(c->vcpu1, KVM_RUN, 0);
	c->vcpu1_errno = errno;
	__atomic_store_n(&c->vcpu1_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void on_signal(int sig)
{
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Waits up to @ms for vCPU 1's KVM_RUN to return. */
static bool vcpu1_returns_within(struct ctx *c, int ms)
{
	for (; ms > 0; ms -= 10) {
		if (__atomic_load_n(&c->vcpu1_done, __ATOMIC_SEQ_CST))
			return true;
		sleep_ms(10);
	}
	return __atomic_load_n(&c->vcpu1_done, __ATOMIC_SEQ_CST);
}

/* Waits up to @ms for vCPU 1's interlock statistic to count; returns it. */
static int64_t interlock_count_within(struct ctx *c, int ms)
{
	int64_t n = 0;

	for (; ms > 0; ms -= 10) {
		n = kvm_stats_read(c->vcpu1_stats, "instruction_ipte_interlock");
		if (n != 0)
			return n;
		sleep_ms(10);
	}
	return n;
}

/*
 * Sets up both vCPUs and the userfaultfd slot, and starts the MEM_OP that
 * holds the interlock: returns once it is blocked on the missing page (0),
 * or 1 when userfaultfd is not available here.
 */
static int hold_interlock(struct ctx *c)
{
	struct __test_metadata *_metadata = c->_metadata;
	FIXTURE_DATA(guest) *self = c->self;
	static const uint8_t exit_code[] = { DIAG_501, J_SELF };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uintptr_t event;
	int i, rc;

	struct sigaction sa = { .sa_handler = on_signal };

	c->vcpu1 = -1;
	c->vcpu1_stats = -1;
	c->run1 = MAP_FAILED;
	/* SIGUSR1 interrupts a blocked KVM_RUN without ending the test. */
	EXPECT_OK(sigaction(SIGUSR1, &sa, NULL));
	rc = uffd_slot_open(_metadata, self->vm, &c->u, UFFD_SLOT, UFFD_GPA, UFFD_SIZE,
			    TOUCH_OFF, MAGIC);
	if (rc)
		return rc;

	/* vCPU 0 runs once with DAT on, so its PSW is the DAT one. */
	for (i = 0; i < 2048; i++)
		put64(self, STO + i * 8, 0x20);		/* invalid segment */
	map_segment(self, 0, PTO_0);
	map_segment(self, 3, PTO_3);
	EXPECT_OK(ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	sregs.crs[1] = STO | 3;
	EXPECT_OK(ioctl(self->vcpu, KVM_SET_SREGS, &sregs));
	load_code(self, CODE_GPA, exit_code, sizeof(exit_code));
	self->run->psw_mask = PSW_MASK_64 | PSW_DAT;
	self->run->psw_addr = CODE_GPA;
	EXPECT_OK(ioctl(self->vcpu, KVM_RUN, 0));
	EXPECT_EQ(KVM_EXIT_S390_SIEIC, self->run->exit_reason);
	EXPECT_EQ(DIAG_501_IPA, self->run->s390_sieic.ipa);

	/* vCPU 1, at the CSP with DAT off. */
	c->vcpu1 = kvm_create_vcpu(self->vm, 1);
	EXPECT_LE(0, c->vcpu1);
	if (c->vcpu1 < 0)
		return -1;
	c->vcpu1_stats = ioctl(c->vcpu1, KVM_GET_STATS_FD, NULL);
	EXPECT_LE(0, c->vcpu1_stats);
	c->run1 = kvm_map_run(self->kvm, c->vcpu1);
	EXPECT_NE(MAP_FAILED, c->run1);
	if (c->run1 == MAP_FAILED)
		return -1;
	load_code(self, CODE_1, csp_code, sizeof(csp_code));
	*(uint32_t *)host_addr(self, CSP_WORD) = 0;
	EXPECT_OK(ioctl(c->vcpu1, KVM_GET_REGS, &regs));
	regs.gprs[0] = 0;
	regs.gprs[1] = 1;
	regs.gprs[2] = CSP_WORD;
	EXPECT_OK(ioctl(c->vcpu1, KVM_SET_REGS, &regs));
	c->run1->psw_mask = PSW_MASK_64;
	c->run1->psw_addr = CODE_1;

	EXPECT_EQ(0, pthread_create(&c->memop_thread, NULL, memop_fn, c));
	event = uffd_wait_event(&c->u, 5000);
	EXPECT_EQ(touched_page(&c->u), event)
		TH_LOG("the MEM_OP did not block on the missing page (rc %d, %s)",
		       c->memop_rc, strerror(c->memop_errno));
	if (event != touched_page(&c->u)) {
		uffd_resolve(&c->u);
		pthread_join(c->memop_thread, NULL);
		return -1;
	}
	return 0;
}

/* Lets the MEM_OP finish and checks what it read. */
static void release_interlock(struct ctx *c)
{
	struct __test_metadata *_metadata = c->_metadata;

	EXPECT_OK(uffd_resolve(&c->u));
	pthread_join(c->memop_thread, NULL);
	EXPECT_EQ(0, c->memop_rc) TH_LOG("MEM_OP: %s", strerror(c->memop_errno));
	EXPECT_EQ(MAGIC, c->memop_val);
}

/*
 * Joins vCPU 1's thread once its KVM_RUN returned, within @ms; a KVM_RUN that
 * still waits then is a failure, ended with a signal so that the test goes on.
 */
static void join_vcpu1(struct ctx *c, int ms)
{
	struct __test_metadata *_metadata = c->_metadata;
	bool returned = vcpu1_returns_within(c, ms);

	EXPECT_TRUE(returned) TH_LOG("vCPU 1 still waits after the interlock was released");
	if (!returned)
		pthread_kill(c->vcpu1_thread, SIGUSR1);
	pthread_join(c->vcpu1_thread, NULL);
}

static void ctx_close(struct ctx *c)
{
	if (c->run1 != MAP_FAILED)
		munmap(c->run1, getpagesize());
	if (c->vcpu1_stats >= 0)
		close(c->vcpu1_stats);
	if (c->vcpu1 >= 0)
		close(c->vcpu1);
	uffd_slot_close(&c->u);
}

/* vCPU 1 ran to its exit after the CSP, which swapped 0 for 1 once. */
static void expect_csp_done(struct ctx *c)
{
	struct __test_metadata *_metadata = c->_metadata;

	EXPECT_EQ(KVM_EXIT_S390_SIEIC, c->run1->exit_reason);
	EXPECT_EQ(DIAG_501_IPA, c->run1->s390_sieic.ipa);
	EXPECT_EQ(CODE_1 + 8, c->run1->psw_addr);
	EXPECT_EQ(0, (c->run1->psw_mask >> 44) & 3);	/* cc 0: swapped */
	EXPECT_EQ(1, *(uint32_t *)host_addr(c->self, CSP_WORD));
}

/*
 * The start of each test: the interlock held, vCPU 1 in KVM_RUN at the CSP
 * and intercepted (SKIP without userfaultfd).
 */
#define START_CSP_WAITING(c) do {						\
	int rc_ = hold_interlock(&(c));						\
	if (rc_ == 1)								\
		SKIP(return, "userfaultfd not available: %s", strerror(errno));	\
	if (rc_) {								\
		ctx_close(&(c));						\
		ASSERT_EQ(0, rc_);						\
	}									\
	ASSERT_EQ(0, pthread_create(&(c).vcpu1_thread, NULL, vcpu1_fn, &(c)));	\
	EXPECT_LE(1, interlock_count_within(&(c), 8000))			\
		TH_LOG("CSP was not intercepted while the interlock was held");	\
} while (0)

/*
 * CSP waits while a MEM_OP holds the interlock, and is executed once it is
 * released: the statistic counts one intercept, the word stays 0 and KVM_RUN
 * does not return meanwhile, then the swap happens exactly once.
 */
TEST_F(guest, csp_waits_for_the_interlock)
{
	struct ctx c = { ._metadata = _metadata, .self = self };

	START_CSP_WAITING(c);
	/* Still waiting, asleep (not intercepted again and again), the CSP not executed. */
	sleep_ms(200);
	EXPECT_FALSE(__atomic_load_n(&c.vcpu1_done, __ATOMIC_SEQ_CST));
	EXPECT_EQ(1, kvm_stats_read(c.vcpu1_stats, "instruction_ipte_interlock"));
	EXPECT_EQ(0, *(uint32_t *)host_addr(self, CSP_WORD));

	release_interlock(&c);
	join_vcpu1(&c, 10000);
	EXPECT_EQ(0, c.vcpu1_rc) TH_LOG("KVM_RUN: %s", strerror(c.vcpu1_errno));
	expect_csp_done(&c);
	EXPECT_EQ(1, kvm_stats_read(c.vcpu1_stats, "instruction_ipte_interlock"));
	ctx_close(&c);
}

/*
 * A signal ends the wait: KVM_RUN returns EINTR with KVM_EXIT_INTR and the
 * PSW on the CSP, which is not executed; the next KVM_RUN, after the
 * interlock is released, executes it.  (Mainline waits uninterruptibly.)
 */
TEST_F(guest, signal_ends_the_interlock_wait)
{
	struct ctx c = { ._metadata = _metadata, .self = self };
	bool returned;

	START_CSP_WAITING(c);

	pthread_kill(c.vcpu1_thread, SIGUSR1);
	returned = vcpu1_returns_within(&c, 5000);
	EXPECT_TRUE(returned) TH_LOG("KVM_RUN still waits after the signal");
	if (returned) {
		EXPECT_EQ(-1, c.vcpu1_rc);
		EXPECT_EQ(EINTR, c.vcpu1_errno);
		EXPECT_EQ(KVM_EXIT_INTR, c.run1->exit_reason);
		EXPECT_EQ(CODE_1, c.run1->psw_addr);
		EXPECT_EQ(0, *(uint32_t *)host_addr(self, CSP_WORD));
	}

	/* Released, the CSP runs (again) to completion. */
	release_interlock(&c);
	join_vcpu1(&c, 10000);
	if (c.vcpu1_rc == -1 && c.vcpu1_errno == EINTR)
		vcpu1_fn(&c);
	EXPECT_EQ(0, c.vcpu1_rc) TH_LOG("KVM_RUN: %s", strerror(c.vcpu1_errno));
	expect_csp_done(&c);
	ctx_close(&c);
}

TEST_HARNESS_MAIN
