// SPDX-License-Identifier: GPL-2.0
/*
 * Asynchronous page faults ("pfault", KVM_CAP_ASYNC_PF) under real SIE.
 *
 * DIAG 0x258 (z/VM's page-reference services, SC24-6084, as mainline's
 * __diag_page_ref_service implements them): subcode 0 establishes the
 * guest's token (return code 0 in Ry, 8 when one is established already),
 * subcode 1 cancels it (0, or 4 without a handshake); a bad parameter block
 * is a specification exception, a token or block outside guest memory an
 * addressing exception; other subcodes go to user space.  ONE_REG and the
 * sync registers show the token and masks.
 *
 * The asynchronous path, made deterministic with userfaultfd: a memslot
 * whose memory is registered with UFFDIO_REGISTER_MODE_MISSING, pfault
 * enabled with the FLIC's APF_ENABLE, a guest that established its token,
 * enabled the CR0 service-signal subclass and external interruptions, and
 * touches a missing page.  The host fault cannot be resolved without waiting
 * (FOLL_NOWAIT fails), so the guest gets PFAULT_INIT (external code 0x2603,
 * 0x0600, its token at 0x11b8) while the page is still missing, and generic
 * KVM's worker takes the fault (the userfaultfd reports it); once the test
 * resolves it (UFFDIO_COPY of known bytes), the guest, waiting enabled, gets
 * PFAULT_DONE (0x0680, same token) and reads the bytes.  Without pfault
 * enabled, with external interruptions disabled, or with the PSW not
 * matching the select/compare masks, the same access simply blocks until a
 * thread resolves it, without any interruption.
 */
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "uffd_util.h"

#define PSW_MASK_EXT	0x0100000000000000UL
#define PSW_MASK_WAIT	0x0002000000000000UL
#define PSW_MASK_PSTATE	0x0001000000000000UL
#define CR0_SERVICE	(1UL << (63 - 54))

#define LC_EXT_CPU_ADDR	0x84
#define LC_EXT_INT_CODE	0x86
#define LC_EXT_OLD	0x130
#define LC_EXT_NEW	0x1b0
#define LC_EXT_PARAMS2	0x11b8

#define EXT_HANDLER	0x11000UL
#define BLOCK_GPA	0x20000UL
#define TOKEN_GPA	0x21000UL
#define TOKEN		0x0123456789abcdefUL
#define INVALID_TOKEN	0xffffffffffffffffUL

/* The userfaultfd-backed slot, after slot 1 (guest_util.h). */
#define UFFD_SLOT	3
#define UFFD_GPA	0x300000UL
#define UFFD_SIZE	SZ_1M
#define TOUCH_OFF	0x5808UL	/* in the slot's sixth page */
#define MAGIC		0xfeedfacecafebeefUL

#define CP_SERVICE	0x2603
#define PFAULT_INIT	0x0600
#define PFAULT_DONE	0x0680

/* The guest: diag %r2,%r3,0x258; exit; lg %r5,0(%r6); exit. */
#define AT_LOAD		(CODE_GPA + 8)
#define AT_END		(CODE_GPA + 0x12)
static const uint8_t guest_code[] = {
	0x83, 0x23, 0x02, 0x58,			/* diag %r2,%r3,0x258 */
	DIAG_501,				/* -> CODE_GPA + 8 */
	0xe3, 0x50, 0x60, 0x00, 0x00, 0x04,	/* lg %r5,0(%r6) */
	DIAG_501,				/* -> AT_END */
	J_SELF,
};

/* The DIAG 0x258 parameter block, as the guest stores it (big-endian host). */
struct prs_block {
	uint16_t code;
	uint16_t subcode;
	uint16_t len;
	uint16_t version;
	uint64_t token_addr;
	uint64_t select;
	uint64_t compare;
	uint64_t zarch;
};

static void write_block(FIXTURE_DATA(guest) *self, uint64_t gpa, const struct prs_block *b)
{
	memcpy(host_addr(self, gpa), b, sizeof(*b));
}

static struct prs_block establish_block(uint64_t select, uint64_t compare)
{
	struct prs_block b = {
		.code = 0x258, .subcode = 0, .len = 5, .version = 2,
		.token_addr = TOKEN_GPA, .select = select, .compare = compare,
		.zarch = 0x8000000000000000UL,
	};
	return b;
}

static struct prs_block cancel_block(void)
{
	struct prs_block b = { .code = 0x258, .subcode = 1, .len = 5, .version = 2 };

	return b;
}

static uint64_t one_reg(struct __test_metadata *_metadata, FIXTURE_DATA(guest) *self,
			uint64_t id)
{
	uint64_t v = 0;
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&v };

	EXPECT_OK(ioctl(self->vcpu, KVM_GET_ONE_REG, &r));
	return v;
}

/* Code, handlers, PSW at CODE_GPA with @psw_bits, CR0, and r2/r3/r6. */
static void setup(struct __test_metadata *_metadata, FIXTURE_DATA(guest) *self,
		  uint64_t psw_bits, uint64_t cr0)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	load_code(self, CODE_GPA, guest_code, sizeof(guest_code));
	set_new_psw(self, LC_EXT_NEW, EXT_HANDLER);
	set_new_psw(self, LC_PGM_NEW_PSW, HANDLER_GPA);
	*(uint64_t *)host_addr(self, TOKEN_GPA) = TOKEN;
	self->run->psw_mask = PSW_MASK_64 | psw_bits;
	self->run->psw_addr = CODE_GPA;
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	sregs.crs[0] = cr0;
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_SREGS, &sregs));
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_REGS, &regs));
	regs.gprs[2] = BLOCK_GPA;
	regs.gprs[3] = 0xdead;
	regs.gprs[5] = 0;
	regs.gprs[6] = UFFD_GPA + TOUCH_OFF;
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_REGS, &regs));
}

/* What one DIAG 0x258 came to. */
struct diag_result {
	bool pgm;		/* a program interruption */
	uint16_t pgm_code;
	uint64_t ry;		/* r3 otherwise */
};

/*
 * Runs the DIAG 0x258 at CODE_GPA with r2 = @block_addr; the PSW is put
 * back at CODE_GPA first.  Asserts one of the two DIAG 0x501 exits.
 */
static struct diag_result run_diag(struct __test_metadata *_metadata,
				   FIXTURE_DATA(guest) *self, uint64_t block_addr)
{
	struct diag_result r = { 0 };
	struct kvm_regs regs;

	ASSERT_OK(ioctl(self->vcpu, KVM_GET_REGS, &regs));
	regs.gprs[2] = block_addr;
	regs.gprs[3] = 0xdead;
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_REGS, &regs));
	*(uint16_t *)host_addr(self, LC_PGM_CODE) = 0;
	self->run->psw_mask = PSW_MASK_64;
	self->run->psw_addr = CODE_GPA;
	EXPECT_OK(ioctl(self->vcpu, KVM_RUN, 0));
	EXPECT_EQ(KVM_EXIT_S390_SIEIC, self->run->exit_reason);
	EXPECT_EQ(DIAG_501_IPA, self->run->s390_sieic.ipa);
	if (self->run->psw_addr == HANDLER_GPA + 4) {
		r.pgm = true;
		r.pgm_code = be16_at(self, LC_PGM_CODE);
	} else {
		EXPECT_EQ(CODE_GPA + 8, self->run->psw_addr);
		EXPECT_OK(ioctl(self->vcpu, KVM_GET_REGS, &regs));
		r.ry = regs.gprs[3];
	}
	return r;
}

#define EXPECT_RC(rc, res) do {							\
	EXPECT_FALSE((res).pgm) TH_LOG("program interruption 0x%x", (res).pgm_code); \
	EXPECT_EQ((uint64_t)(rc), (res).ry);					\
} while (0)

#define EXPECT_PGM(code, res) do {						\
	EXPECT_TRUE((res).pgm) TH_LOG("no program interruption, Ry %#lx",	\
				      (unsigned long)(res).ry);			\
	EXPECT_EQ((code), (res).pgm_code);					\
} while (0)

TEST_F(guest, diag258_establish_and_cancel)
{
	struct prs_block b = establish_block(PSW_MASK_PSTATE, 0);
	struct diag_result r;

	setup(_metadata, self, 0, 0);
	EXPECT_EQ(INVALID_TOKEN, one_reg(_metadata, self, KVM_REG_S390_PFTOKEN));

	write_block(self, BLOCK_GPA, &b);
	r = run_diag(_metadata, self, BLOCK_GPA);
	EXPECT_RC(0, r);
	EXPECT_EQ(TOKEN_GPA, one_reg(_metadata, self, KVM_REG_S390_PFTOKEN));
	EXPECT_EQ(PSW_MASK_PSTATE, one_reg(_metadata, self, KVM_REG_S390_PFSELECT));
	EXPECT_EQ(0, one_reg(_metadata, self, KVM_REG_S390_PFCOMPARE));
	EXPECT_TRUE(self->run->kvm_valid_regs & KVM_SYNC_PFAULT);
	EXPECT_EQ(TOKEN_GPA, self->run->s.regs.pft);
	EXPECT_EQ(PSW_MASK_PSTATE, self->run->s.regs.pfs);
	EXPECT_EQ(0, self->run->s.regs.pfc);

	/* Established already: 8, and the token stays (even for a bad block). */
	b.token_addr = TOKEN_GPA + 8;
	b.compare = 1;
	write_block(self, BLOCK_GPA, &b);
	r = run_diag(_metadata, self, BLOCK_GPA);
	EXPECT_RC(8, r);
	EXPECT_EQ(TOKEN_GPA, self->run->s.regs.pft);

	b = cancel_block();
	write_block(self, BLOCK_GPA, &b);
	r = run_diag(_metadata, self, BLOCK_GPA);
	EXPECT_RC(0, r);
	EXPECT_EQ(INVALID_TOKEN, self->run->s.regs.pft);
	EXPECT_EQ(INVALID_TOKEN, one_reg(_metadata, self, KVM_REG_S390_PFTOKEN));

	/* Nothing to cancel: 4. */
	r = run_diag(_metadata, self, BLOCK_GPA);
	EXPECT_RC(4, r);

	/* And a new handshake may start. */
	b = establish_block(0, 0);
	write_block(self, BLOCK_GPA, &b);
	r = run_diag(_metadata, self, BLOCK_GPA);
	EXPECT_RC(0, r);
	EXPECT_EQ(TOKEN_GPA, self->run->s.regs.pft);
}

TEST_F(guest, diag258_specification)
{
	struct prs_block good = establish_block(PSW_MASK_PSTATE, PSW_MASK_PSTATE);
	struct prs_block bad[9];
	struct diag_result r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		bad[i] = good;
	bad[0].version = 1;
	bad[1].len = 4;
	bad[2].code = 0x259;
	bad[3].compare = PSW_MASK_EXT;		/* not within the select mask */
	bad[4].token_addr = TOKEN_GPA + 4;	/* not doubleword aligned */
	bad[5].zarch = 0;			/* not z/Architecture */
	bad[6] = cancel_block();
	bad[6].token_addr = TOKEN_GPA;		/* cancel with a field set */
	bad[7] = cancel_block();
	bad[7].select = 1;
	bad[8] = cancel_block();
	bad[8].zarch = 0x8000000000000000UL;

	setup(_metadata, self, 0, 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		write_block(self, BLOCK_GPA, &bad[i]);
		r = run_diag(_metadata, self, BLOCK_GPA);
		EXPECT_TRUE(r.pgm) TH_LOG("block %u: no program interruption", i);
		EXPECT_EQ(0x06, r.pgm_code) TH_LOG("block %u", i);
		EXPECT_EQ(INVALID_TOKEN, self->run->s.regs.pft) TH_LOG("block %u", i);
	}
	/* The block address must be doubleword aligned. */
	write_block(self, BLOCK_GPA, &good);
	r = run_diag(_metadata, self, BLOCK_GPA + 4);
	EXPECT_PGM(0x06, r);
	EXPECT_EQ(INVALID_TOKEN, self->run->s.regs.pft);
}

TEST_F(guest, diag258_addressing)
{
	struct prs_block b = establish_block(0, 0);
	struct diag_result r;

	setup(_metadata, self, 0, 0);
	/* The token outside guest memory. */
	b.token_addr = GAP_GPA;
	write_block(self, BLOCK_GPA, &b);
	r = run_diag(_metadata, self, BLOCK_GPA);
	EXPECT_PGM(PGM_ADDRESSING, r);
	EXPECT_EQ(INVALID_TOKEN, self->run->s.regs.pft);
	/* The block outside guest memory. */
	r = run_diag(_metadata, self, GAP_GPA);
	EXPECT_PGM(PGM_ADDRESSING, r);
}

TEST_F(guest, diag258_other_subcode_goes_to_user_space)
{
	struct prs_block b = cancel_block();

	setup(_metadata, self, 0, 0);
	b.subcode = 2;
	write_block(self, BLOCK_GPA, &b);
	self->run->psw_mask = PSW_MASK_64;
	self->run->psw_addr = CODE_GPA;
	ASSERT_OK(ioctl(self->vcpu, KVM_RUN, 0));
	EXPECT_EQ(KVM_EXIT_S390_SIEIC, self->run->exit_reason);
	EXPECT_EQ(ICPT_INST, self->run->s390_sieic.icptcode);
	EXPECT_EQ(0x8323, self->run->s390_sieic.ipa);
	EXPECT_EQ(0x02580000, self->run->s390_sieic.ipb);
}

/* ---------------------------------------------------------------------- */
/* The asynchronous path. */

static int create_flic(int vm)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_FLIC };

	if (ioctl(vm, KVM_CREATE_DEVICE, &cd))
		return -1;
	return cd.fd;
}

static int flic_set(int flic, uint32_t group)
{
	struct kvm_device_attr a = { .group = group };

	return ioctl(flic, KVM_SET_DEVICE_ATTR, &a);
}

static int flic_get_all(int flic, void *buf, uint64_t len)
{
	struct kvm_device_attr a = {
		.group = KVM_DEV_FLIC_GET_ALL_IRQS, .attr = len, .addr = (uintptr_t)buf,
	};

	return ioctl(flic, KVM_GET_DEVICE_ATTR, &a);
}

/*
 * The two interruptions injected by user space, as QEMU migrates them:
 * PFAULT_INIT on the vCPU (KVM_S390_IRQ, the token in u.ext.ext_params2),
 * PFAULT_DONE on the VM (KVM_S390_INTERRUPT, the token in parm64), which the
 * FLIC lists; each reaches a guest that enables external interruptions with
 * its code, parameter and token.
 */
TEST_F(guest, injected_pfault_interruptions)
{
	struct kvm_s390_irq irq = { .type = KVM_S390_INT_PFAULT_INIT };
	struct kvm_s390_interrupt done = {
		.type = KVM_S390_INT_PFAULT_DONE, .parm64 = 0x2222,
	};
	struct kvm_s390_irq all[4];
	int flic, n;

	setup(_metadata, self, PSW_MASK_EXT, 0);
	irq.u.ext.ext_params2 = 0x1111;
	ASSERT_OK(ioctl(self->vcpu, KVM_S390_IRQ, &irq));
	self->run->psw_addr = AT_END;
	RUN_TO_DIAG(EXT_HANDLER + 4);
	EXPECT_EQ(CP_SERVICE, be16_at(self, LC_EXT_INT_CODE));
	EXPECT_EQ(PFAULT_INIT, be16_at(self, LC_EXT_CPU_ADDR));
	EXPECT_EQ(0x1111, be64_at(self, LC_EXT_PARAMS2));
	EXPECT_EQ(AT_END, be64_at(self, LC_EXT_OLD + 8));

	ASSERT_FD(flic, create_flic(self->vm));
	ASSERT_OK(ioctl(self->vm, KVM_S390_INTERRUPT, &done));
	n = flic_get_all(flic, all, sizeof(all));
	EXPECT_EQ(1, n);
	if (n == 1) {
		EXPECT_EQ(KVM_S390_INT_PFAULT_DONE, all[0].type);
		EXPECT_EQ(0x2222, all[0].u.ext.ext_params2);
	}
	self->run->psw_mask = PSW_MASK_64 | PSW_MASK_EXT;
	self->run->psw_addr = AT_END;
	RUN_TO_DIAG(EXT_HANDLER + 4);
	EXPECT_EQ(CP_SERVICE, be16_at(self, LC_EXT_INT_CODE));
	EXPECT_EQ(PFAULT_DONE, be16_at(self, LC_EXT_CPU_ADDR));
	EXPECT_EQ(0x2222, be64_at(self, LC_EXT_PARAMS2));
	EXPECT_EQ(0, flic_get_all(flic, all, sizeof(all)));
	close(flic);
}

/*
 * The resolver thread: waits for the missing-page event (at most @timeout
 * ms), then resolves the page, event or not, so that a vCPU blocked on it
 * always goes on.
 */
struct resolver {
	pthread_t thread;
	struct uffd_slot *u;
	int timeout;
	uintptr_t event;	/* the faulting page the userfaultfd reported */
	int copy_rc;
};

static void *resolver_fn(void *arg)
{
	struct resolver *r = arg;

	r->event = uffd_wait_event(r->u, r->timeout);
	r->copy_rc = uffd_resolve(r->u);
	return NULL;
}

static void on_alarm(int sig)
{
}

/*
 * The watchdog of the asynchronous case: resolves the page after @ms unless
 * cancelled first, so that a backend that blocks on the fault instead of
 * reporting it lets the test go on (and fail) rather than hang.
 */
struct watchdog {
	pthread_t thread;
	int pipe[2];
	struct uffd_slot *u;
	int ms;
};

static void *watchdog_fn(void *arg)
{
	struct watchdog *w = arg;
	struct pollfd p = { .fd = w->pipe[0], .events = POLLIN };

	if (poll(&p, 1, w->ms) == 0)
		uffd_resolve(w->u);
	return NULL;
}

static int watchdog_start(struct watchdog *w, struct uffd_slot *u, int ms)
{
	w->u = u;
	w->ms = ms;
	if (pipe(w->pipe))
		return -1;
	return pthread_create(&w->thread, NULL, watchdog_fn, w);
}

static void watchdog_stop(struct watchdog *w)
{
	if (write(w->pipe[1], "x", 1) != 1)
		return;
	pthread_join(w->thread, NULL);
	close(w->pipe[0]);
	close(w->pipe[1]);
}

/* Runs the DIAG 0x258 of the guest with an establish block (select, compare). */
static void establish(struct __test_metadata *_metadata, FIXTURE_DATA(guest) *self,
		      uint64_t select, uint64_t compare)
{
	struct prs_block b = establish_block(select, compare);
	struct kvm_regs regs;

	write_block(self, BLOCK_GPA, &b);
	RUN_TO_DIAG(CODE_GPA + 8);
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_REGS, &regs));
	ASSERT_EQ(0, regs.gprs[3]);
	ASSERT_EQ(TOKEN_GPA, self->run->s.regs.pft);
}

TEST_F(guest, async_fault)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct watchdog watchdog;
	struct uffd_slot u;
	struct kvm_regs regs;
	uintptr_t event;
	int flic, rc;

	rc = uffd_slot_open(_metadata, self->vm, &u, UFFD_SLOT, UFFD_GPA, UFFD_SIZE,
			    TOUCH_OFF, MAGIC);
	if (rc == 1)
		SKIP(return, "userfaultfd not available: %s", strerror(errno));
	ASSERT_EQ(0, rc);
	ASSERT_FD(flic, create_flic(self->vm));
	ASSERT_OK(flic_set(flic, KVM_DEV_FLIC_APF_ENABLE));
	setup(_metadata, self, PSW_MASK_EXT, CR0_SERVICE);
	establish(_metadata, self, PSW_MASK_PSTATE, 0);

	/*
	 * The load of the missing page.  Should the backend block on it
	 * instead, the watchdog resolves it after 10 s and the exit below
	 * shows the load done instead of PFAULT_INIT.
	 */
	ASSERT_EQ(0, watchdog_start(&watchdog, &u, 10000));
	rc = ioctl(self->vcpu, KVM_RUN, 0);
	watchdog_stop(&watchdog);
	ASSERT_EQ(0, rc) TH_LOG("KVM_RUN: %s", strerror(errno));
	EXPECT_EQ(KVM_EXIT_S390_SIEIC, self->run->exit_reason);
	EXPECT_EQ(EXT_HANDLER + 4, self->run->psw_addr)
		TH_LOG("no pfault init: the guest is at %#llx",
		       (unsigned long long)self->run->psw_addr);
	if (self->run->psw_addr != EXT_HANDLER + 4) {
		uffd_slot_close(&u);
		close(flic);
		return;
	}
	EXPECT_EQ(CP_SERVICE, be16_at(self, LC_EXT_INT_CODE));
	EXPECT_EQ(PFAULT_INIT, be16_at(self, LC_EXT_CPU_ADDR));
	EXPECT_EQ(TOKEN, be64_at(self, LC_EXT_PARAMS2));
	/* Taken on the load, which is to be done again. */
	EXPECT_EQ(PSW_MASK_64 | PSW_MASK_EXT, be64_at(self, LC_EXT_OLD));
	EXPECT_EQ(AT_LOAD, be64_at(self, LC_EXT_OLD + 8));

	/* The page is still missing; the worker faults on it. */
	event = uffd_wait_event(&u, 5000);
	EXPECT_EQ(touched_page(&u), event) TH_LOG("no fault reported by the userfaultfd");
	EXPECT_OK(uffd_resolve(&u));

	/* Wait enabled for the completion: PFAULT_DONE with the token. */
	sigaction(SIGALRM, &sa, NULL);
	alarm(10);
	self->run->psw_mask = PSW_MASK_64 | PSW_MASK_EXT | PSW_MASK_WAIT;
	self->run->psw_addr = AT_END;
	rc = ioctl(self->vcpu, KVM_RUN, 0);
	alarm(0);
	ASSERT_EQ(0, rc) TH_LOG("no pfault done within 10 s: %s", strerror(errno));
	EXPECT_EQ(EXT_HANDLER + 4, self->run->psw_addr);
	EXPECT_EQ(CP_SERVICE, be16_at(self, LC_EXT_INT_CODE));
	EXPECT_EQ(PFAULT_DONE, be16_at(self, LC_EXT_CPU_ADDR));
	EXPECT_EQ(TOKEN, be64_at(self, LC_EXT_PARAMS2));
	EXPECT_EQ(PSW_MASK_64 | PSW_MASK_EXT | PSW_MASK_WAIT, be64_at(self, LC_EXT_OLD));

	/* The load again, now with the page there. */
	self->run->psw_mask = PSW_MASK_64;
	self->run->psw_addr = AT_LOAD;
	RUN_TO_DIAG(AT_END);
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(MAGIC, regs.gprs[5]);

	/* Disabling waits for nothing now and succeeds. */
	EXPECT_OK(flic_set(flic, KVM_DEV_FLIC_APF_DISABLE_WAIT));
	close(flic);
	uffd_slot_close(&u);
}

/* The synchronous cases: the vCPU blocks on the missing page until resolved. */
static void sync_fault(struct __test_metadata *_metadata, FIXTURE_DATA(guest) *self,
		       bool apf, uint64_t psw_bits, uint64_t select, uint64_t compare)
{
	struct resolver res = { .timeout = 8000 };
	struct uffd_slot u;
	struct kvm_regs regs;
	int flic = -1, rc;

	rc = uffd_slot_open(_metadata, self->vm, &u, UFFD_SLOT, UFFD_GPA, UFFD_SIZE,
			    TOUCH_OFF, MAGIC);
	if (rc == 1)
		SKIP(return, "userfaultfd not available: %s", strerror(errno));
	ASSERT_EQ(0, rc);
	ASSERT_FD(flic, create_flic(self->vm));
	if (apf)
		ASSERT_OK(flic_set(flic, KVM_DEV_FLIC_APF_ENABLE));
	setup(_metadata, self, psw_bits, CR0_SERVICE);
	establish(_metadata, self, select, compare);
	*(uint16_t *)host_addr(self, LC_EXT_INT_CODE) = 0;

	res.u = &u;
	ASSERT_EQ(0, pthread_create(&res.thread, NULL, resolver_fn, &res));
	/* The load blocks until the resolver copies the page in. */
	EXPECT_OK(ioctl(self->vcpu, KVM_RUN, 0));
	pthread_join(res.thread, NULL);
	EXPECT_EQ(AT_END, self->run->psw_addr)
		TH_LOG("the guest is at %#llx, external code %#x",
		       (unsigned long long)self->run->psw_addr,
		       be16_at(self, LC_EXT_INT_CODE));
	EXPECT_EQ(0, be16_at(self, LC_EXT_INT_CODE));
	EXPECT_EQ(touched_page(&u), res.event) TH_LOG("the vCPU did not fault on the page");
	EXPECT_EQ(0, res.copy_rc);
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(MAGIC, regs.gprs[5]);
	close(flic);
	uffd_slot_close(&u);
}

TEST_F(guest, sync_fault_without_apf_enable)
{
	sync_fault(_metadata, self, false, PSW_MASK_EXT, 0, 0);
}

TEST_F(guest, sync_fault_with_external_interruptions_disabled)
{
	sync_fault(_metadata, self, true, 0, 0, 0);
}

TEST_F(guest, sync_fault_when_psw_does_not_match_the_masks)
{
	/* Problem state selected, the guest runs in supervisor state. */
	sync_fault(_metadata, self, true, PSW_MASK_EXT, PSW_MASK_PSTATE, PSW_MASK_PSTATE);
}

/* A vCPU thread in KVM_RUN, and a thread calling APF_DISABLE_WAIT. */
struct disable_race {
	int vcpu, flic;
	volatile int run_done, disable_done;
	int disable_rc;
};

static void *run_fn(void *arg)
{
	struct disable_race *d = arg;

	ioctl(d->vcpu, KVM_RUN, 0);
	__atomic_store_n(&d->run_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *disable_fn(void *arg)
{
	struct disable_race *d = arg;

	d->disable_rc = flic_set(d->flic, KVM_DEV_FLIC_APF_DISABLE_WAIT);
	__atomic_store_n(&d->disable_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static bool done_within(volatile int *flag, int ms)
{
	for (; ms > 0 && !__atomic_load_n(flag, __ATOMIC_SEQ_CST); ms -= 10)
		usleep(10 * 1000);
	return __atomic_load_n(flag, __ATOMIC_SEQ_CST);
}

/*
 * APF_DISABLE_WAIT clears each vCPU's queue of async faults under that
 * vCPU's mutex: while a vCPU is in KVM_RUN (its thread changes the same
 * lists), the call waits, and it returns once KVM_RUN has returned.
 */
TEST_F(guest, apf_disable_wait_waits_for_a_running_vcpu)
{
	/* mvi 0xf00,1; j . */
	static const uint8_t spin[] = { 0x92, 0x01, 0x0f, 0x00, J_SELF };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct disable_race d = { .vcpu = self->vcpu };
	pthread_t run_thread, disable_thread;
	bool returned;
	int i;

	ASSERT_OK(sigaction(SIGUSR1, &sa, NULL));
	ASSERT_FD(d.flic, create_flic(self->vm));
	ASSERT_OK(flic_set(d.flic, KVM_DEV_FLIC_APF_ENABLE));
	load_code(self, CODE_GPA, spin, sizeof(spin));
	*host_addr(self, 0xf00) = 0;
	self->run->psw_mask = PSW_MASK_64;
	self->run->psw_addr = CODE_GPA;
	ASSERT_EQ(0, pthread_create(&run_thread, NULL, run_fn, &d));
	/* The guest stored its mark: the vCPU is in KVM_RUN. */
	for (i = 0; i < 2000 && !*(volatile uint8_t *)host_addr(self, 0xf00); i++)
		usleep(10 * 1000);
	EXPECT_EQ(1, *host_addr(self, 0xf00));

	ASSERT_EQ(0, pthread_create(&disable_thread, NULL, disable_fn, &d));
	returned = done_within(&d.disable_done, 500);
	EXPECT_FALSE(returned) TH_LOG("APF_DISABLE_WAIT returned while the vCPU ran");
	EXPECT_FALSE(__atomic_load_n(&d.run_done, __ATOMIC_SEQ_CST));

	pthread_kill(run_thread, SIGUSR1);
	EXPECT_TRUE(done_within(&d.run_done, 10000));
	pthread_join(run_thread, NULL);
	EXPECT_TRUE(done_within(&d.disable_done, 10000));
	pthread_join(disable_thread, NULL);
	EXPECT_EQ(0, d.disable_rc);
	close(d.flic);
}

/*
 * The stress case of the same race: a guest streams through a slot of
 * missing pages with pfault on, so that async faults are in flight all the
 * time (the guest's external handler skips a page whose pfault init it
 * gets, as an operating system would run something else), and returns to
 * user space after each page, so that KVM_RUN is entered and left all the
 * time; meanwhile a second thread switches pfault off and on with
 * APF_DISABLE_WAIT and APF_ENABLE and a third resolves every missing page.
 * After each pass over the slot the vCPU thread drops its pages again
 * (MADV_DONTNEED), so the next pass faults anew.  What it checks is the
 * host: on the debug kernel a list, slab or lockdep report fails the test
 * (tests/initramfs/init); here, every call succeeds, async faults really
 * happened, and it all ends in time.  KVM_S390_APF_STRESS_SECONDS sets the
 * duration (default 4, at most STRESS_MAX_SECONDS).
 *
 * Mainline 7.3 fails it: APF_DISABLE_WAIT frees work items the vCPU's
 * thread is unlinking, which within seconds gives "list_del corruption" in
 * kvm_check_async_pf_completion and an oops in that or in
 * kvm_clear_async_pf_completion_queue, on the plain and on the debug kernel.
 * The oopsed threads hold the vCPU's mutex, so nothing after it could run:
 * for mainline the test runs only with kvmtest.destructive=1 on the kernel
 * command line.
 */
#define STRESS_GPA	0x10200UL
#define STRESS_EXIT	(STRESS_GPA + 14)	/* after the DIAG 0x501 */
static const uint8_t stress_code[] = {
	0xe3, 0x57, 0x60, 0x00, 0x00, 0x04,	/* loop: lg %r5,0(%r7,%r6) */
	0xa7, 0x7b, 0x10, 0x00,			/* aghi %r7,4096 */
	DIAG_501,				/* one page done */
	0xa7, 0xf4, 0xff, 0xf9,			/* j loop */
};

/* At EXT_HANDLER: an interruption taken on the load resumes after it. */
static const uint8_t skip_handler[] = {
	0xe3, 0x10, 0x01, 0x38, 0x00, 0x04,	/* lg %r1,0x138 (old PSW address) */
	0xb9, 0x21, 0x00, 0x1a,			/* clgr %r1,%r10 */
	0xa7, 0x74, 0x00, 0x07,			/* jne ret */
	0xa7, 0x1b, 0x00, 0x06,			/* aghi %r1,6 */
	0xe3, 0x10, 0x01, 0x38, 0x00, 0x24,	/* stg %r1,0x138 */
	0xb2, 0xb2, 0x01, 0x30,			/* ret: lpswe 0x130 */
};

struct apf_stress {
	struct uffd_slot *u;
	int flic;
	volatile int stop_toggling, stop_resolving;
	long toggles, resolved;
	int toggle_errno;	/* of the first failed APF_ENABLE/APF_DISABLE_WAIT */
};

static void *toggle_fn(void *arg)
{
	struct apf_stress *s = arg;
	unsigned int seed = 1;

	while (!__atomic_load_n(&s->stop_toggling, __ATOMIC_SEQ_CST)) {
		if (flic_set(s->flic, KVM_DEV_FLIC_APF_DISABLE_WAIT)) {
			s->toggle_errno = errno;
			break;
		}
		usleep(rand_r(&seed) % 500);
		if (flic_set(s->flic, KVM_DEV_FLIC_APF_ENABLE)) {
			s->toggle_errno = errno;
			break;
		}
		s->toggles++;
		usleep(rand_r(&seed) % 3000);
	}
	return NULL;
}

/* Resolves every missing-page event with the slot's page until told to stop. */
static void *resolve_all_fn(void *arg)
{
	struct apf_stress *s = arg;
	uintptr_t page;

	while (!__atomic_load_n(&s->stop_resolving, __ATOMIC_SEQ_CST)) {
		page = uffd_wait_event(s->u, 100);
		if (!page)
			continue;
		while (uffd_resolve_page(s->u, page) && errno == EAGAIN)
			;
		s->resolved++;
	}
	return NULL;
}

/* At most this long (KVM_S390_APF_STRESS_SECONDS), within the harness' timeout. */
#define STRESS_MAX_SECONDS	180

TEST_F_TIMEOUT(guest, async_faults_while_apf_is_toggled, STRESS_MAX_SECONDS + 60)
{
	const char *env = getenv("KVM_S390_APF_STRESS_SECONDS");
	int seconds = env ? atoi(env) : 4;
	struct apf_stress s = { 0 };
	enum kvm_backend backend;
	pthread_t toggler, resolver;
	int64_t inits, dones;
	struct kvm_regs regs;
	struct uffd_slot u;
	long pages = 0;
	time_t end;
	int rc;

	BACKEND_OR_SKIP(backend);
	if (backend == BACKEND_MAINLINE && !kvm_cmdline_has("kvmtest.destructive=1"))
		SKIP(return, "mainline 7.3 corrupts the async-fault lists here and "
		     "oopses the host (kvmtest.destructive=1 runs it anyway)");
	rc = uffd_slot_open(_metadata, self->vm, &u, UFFD_SLOT, UFFD_GPA, UFFD_SIZE,
			    TOUCH_OFF, MAGIC);
	if (rc == 1)
		SKIP(return, "userfaultfd not available: %s", strerror(errno));
	ASSERT_EQ(0, rc);
	s.u = &u;
	ASSERT_FD(s.flic, create_flic(self->vm));
	ASSERT_OK(flic_set(s.flic, KVM_DEV_FLIC_APF_ENABLE));
	setup(_metadata, self, PSW_MASK_EXT, CR0_SERVICE);
	establish(_metadata, self, PSW_MASK_PSTATE, 0);
	load_code(self, STRESS_GPA, stress_code, sizeof(stress_code));
	load_code(self, EXT_HANDLER, skip_handler, sizeof(skip_handler));
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_REGS, &regs));
	regs.gprs[6] = UFFD_GPA;
	regs.gprs[7] = 0;
	regs.gprs[10] = STRESS_GPA;
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_REGS, &regs));
	self->run->psw_mask = PSW_MASK_64 | PSW_MASK_EXT;
	self->run->psw_addr = STRESS_GPA;

	ASSERT_EQ(0, pthread_create(&resolver, NULL, resolve_all_fn, &s));
	ASSERT_EQ(0, pthread_create(&toggler, NULL, toggle_fn, &s));
	end = time(NULL) + (seconds > STRESS_MAX_SECONDS ? STRESS_MAX_SECONDS : seconds);
	while (time(NULL) < end) {
		rc = ioctl(self->vcpu, KVM_RUN, 0);
		EXPECT_EQ(0, rc) TH_LOG("KVM_RUN: %s", strerror(errno));
		EXPECT_EQ(KVM_EXIT_S390_SIEIC, self->run->exit_reason);
		EXPECT_EQ(STRESS_EXIT, self->run->psw_addr)
			TH_LOG("the guest stopped at %#llx",
			       (unsigned long long)self->run->psw_addr);
		if (rc || self->run->psw_addr != STRESS_EXIT)
			break;
		pages++;
		if (self->run->s.regs.gprs[7] < UFFD_SIZE)
			continue;
		/* The next pass over the slot, with every page missing again. */
		EXPECT_OK(madvise(u.mem, u.size, MADV_DONTNEED));
		self->run->s.regs.gprs[7] = 0;
		self->run->kvm_dirty_regs |= KVM_SYNC_GPRS;
	}
	__atomic_store_n(&s.stop_toggling, 1, __ATOMIC_SEQ_CST);
	pthread_join(toggler, NULL);
	/* The last faults in flight finish while the resolver still runs. */
	EXPECT_OK(flic_set(s.flic, KVM_DEV_FLIC_APF_DISABLE_WAIT));
	__atomic_store_n(&s.stop_resolving, 1, __ATOMIC_SEQ_CST);
	pthread_join(resolver, NULL);

	inits = kvm_stat(self->vcpu, "inject_pfault_init");
	dones = kvm_stat(self->vm, "inject_pfault_done");
	TH_LOG("%ld pages touched, %ld toggles, %ld pages resolved, %lld pfault init, %lld done",
	       pages, s.toggles, s.resolved, (long long)inits, (long long)dones);
	EXPECT_EQ(0, s.toggle_errno) TH_LOG("APF toggle: %s", strerror(s.toggle_errno));
	EXPECT_LT(0, s.toggles);
	EXPECT_LT(0, inits) TH_LOG("no fault went asynchronous");
	EXPECT_LE(dones, inits);
	close(s.flic);
	uffd_slot_close(&u);
}

TEST_HARNESS_MAIN
