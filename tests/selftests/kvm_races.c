// SPDX-License-Identifier: GPL-2.0
/*
 * Races between user-space threads that the backend must survive with the
 * documented results and without leaking:
 * - vCPUs created from several threads at once, up to and past the limit;
 * - a memslot that running vCPUs store to is deleted, re-created and moved
 *   under them: each store lands in the slot or is an addressing exception;
 * - the slot's memory is made read-only and writable again (mprotect) under
 *   them: a store meanwhile ends KVM_RUN with EFAULT, as in mainline, and
 *   the vCPU goes on where it stopped once the memory is writable again;
 * - every file of a VM closed while its vCPU threads are inside KVM_RUN:
 *   the VM goes away once the threads leave, and the module's reference
 *   count comes back;
 * - the same while the threads are blocked in the kernel: a KVM_RUN on a
 *   guest page that userfaultfd holds back, a KVM_RUN in an enabled wait and
 *   a KVM_S390_MEM_OP on a held-back page; once the pages come and a signal
 *   ends the wait, every call returns and the VM goes away.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#include <linux/userfaultfd.h>

#include "guest_arch.h"
#include "kvm_util_min.h"

#define CODE_GPA	0x10000UL
#define HANDLER_GPA	0x10800UL

static void on_kick(int sig)
{
}

static void catch_kick(void)
{
	struct sigaction sa = { .sa_handler = on_kick };	/* no SA_RESTART */

	sigaction(SIGUSR1, &sa, NULL);
}

/* ---- concurrent vCPU creation ---- */

#define CREATORS	6

struct creators {
	int vm;
	int max;
	atomic_int next;
	/* Per id: how many creations succeeded; per errno: how many failed. */
	atomic_int created[512];
	atomic_int eexist, einval, other;
	int fds[512];
};

static void *creator(void *p)
{
	struct creators *c = p;
	int id;

	/* Every id from 0 to max + 8 is tried twice, by whichever threads get it. */
	while ((id = atomic_fetch_add(&c->next, 1)) < 2 * (c->max + 8)) {
		int vcpu_id = id / 2, fd = kvm_create_vcpu(c->vm, vcpu_id);

		if (fd >= 0) {
			atomic_fetch_add(&c->created[vcpu_id], 1);
			c->fds[vcpu_id] = fd;
		} else if (errno == EEXIST) {
			atomic_fetch_add(&c->eexist, 1);
		} else if (errno == EINVAL) {
			atomic_fetch_add(&c->einval, 1);
		} else {
			atomic_fetch_add(&c->other, 1);
		}
	}
	return NULL;
}

TEST(concurrent_vcpu_creation)
{
	pthread_t t[CREATORS];
	struct creators *c;
	int kvm, i, total = 0;

	OPEN_KVM_OR_SKIP(kvm);
	c = calloc(1, sizeof(*c));
	ASSERT_NE(NULL, c);
	ASSERT_FD(c->vm, kvm_create_vm(kvm));
	c->max = kvm_check_cap(c->vm, KVM_CAP_MAX_VCPUS);
	ASSERT_LT(0, c->max);
	ASSERT_GT(256, c->max);
	for (i = 0; i < CREATORS; i++)
		ASSERT_OK(pthread_create(&t[i], NULL, creator, c));
	for (i = 0; i < CREATORS; i++)
		ASSERT_OK(pthread_join(t[i], NULL));
	/* Each id below the limit exactly once; the second try is EEXIST. */
	for (i = 0; i < c->max; i++) {
		EXPECT_EQ(1, atomic_load(&c->created[i])) TH_LOG("vcpu id %d", i);
		total += atomic_load(&c->created[i]);
	}
	for (i = c->max; i < c->max + 8; i++)
		EXPECT_EQ(0, atomic_load(&c->created[i])) TH_LOG("vcpu id %d", i);
	EXPECT_EQ(c->max, total);
	/*
	 * Every other try failed (kvm_vm_ioctl_create_vcpu): ids at and past
	 * the limit with EINVAL; a second try of an id with EEXIST, or with
	 * EINVAL when the VM already had all its vCPUs by then.
	 */
	EXPECT_LE(2 * 8, atomic_load(&c->einval));
	EXPECT_EQ(c->max + 2 * 8, atomic_load(&c->eexist) + atomic_load(&c->einval));
	EXPECT_EQ(0, atomic_load(&c->other));
	for (i = 0; i < c->max; i++)
		close(c->fds[i]);
	close(c->vm);
	close(kvm);
	free(c);
}

/* ---- a slot changes under running vCPUs ---- */

#define CHURN_GPA	0x200000UL
#define CHURN_GPA_MOVED	0x400000UL
#define STORERS		2

/*
 * Stores r2 to every page of [r3, r4), then DIAG 0x501 (one pass).
 * A program interruption goes to HANDLER_GPA, which DIAGs too.
 */
static const uint8_t store_code[] = {
	0xb9, 0x04, 0x00, 0x53,			/* +0  lgr %r5,%r3 */
	0xe3, 0x20, 0x50, 0x00, 0x00, 0x24,	/* +4  page: stg %r2,0(%r5) */
	0xa7, 0x5b, 0x10, 0x00,			/* +10 aghi %r5,4096 */
	0xb9, 0x21, 0x00, 0x54,			/* +14 clgr %r5,%r4 */
	0xa7, 0x44, 0xff, 0xf9,			/* +18 jl page */
	DIAG_501,				/* +22 diag 0x501 */
	J_SELF,					/* +26 j . */
};

static const uint8_t handler_code[] = PGM_HANDLER_CODE;

struct storer {
	int vcpu;
	struct kvm_run *run;
	uint8_t *lowcore;
	atomic_int *stop;
	bool efault_ok;		/* the slot may be read-only for a while */
	long addressing, passes, efaults, bad;
	char what[128];
};

static void *store_thread(void *p)
{
	struct storer *s = p;

	while (!atomic_load(s->stop)) {
		s->run->psw_mask = PSW_MASK_64;
		s->run->psw_addr = CODE_GPA;
rerun:
		if (ioctl(s->vcpu, KVM_RUN, 0)) {
			if (errno == EINTR)
				continue;
			if (errno == EFAULT && s->efault_ok) {
				/* The store is done again once the memory is writable. */
				s->efaults++;
				usleep(500);
				if (atomic_load(s->stop))
					break;
				goto rerun;
			}
			snprintf(s->what, sizeof(s->what), "KVM_RUN errno %d", errno);
			s->bad++;
			break;
		}
		if (s->run->exit_reason != KVM_EXIT_S390_SIEIC ||
		    s->run->s390_sieic.ipa != DIAG_501_IPA) {
			snprintf(s->what, sizeof(s->what), "exit %u", s->run->exit_reason);
			s->bad++;
			break;
		}
		/*
		 * The range always covers a gap (the slot is 1 MiB of it), so a
		 * pass ends in an addressing exception, after storing to the
		 * slot's pages if the slot is at the start of the range.
		 */
		if (s->run->psw_addr == HANDLER_GPA + 4 &&
			   *(uint16_t *)(s->lowcore + LC_PGM_CODE) == PGM_ADDRESSING) {
			s->addressing++;
		} else if (s->run->psw_addr == CODE_GPA + 26) {
			s->passes++;	/* the range was all slot */
		} else {
			snprintf(s->what, sizeof(s->what), "DIAG at %#llx",
				 (unsigned long long)s->run->psw_addr);
			s->bad++;
			break;
		}
	}
	return NULL;
}

/*
 * The set-up both storer tests share: a VM with slot 0 (the code, the
 * program-interruption handler and the lowcore the vCPUs share, prefix 0) and
 * slot 1 at CHURN_GPA, STORERS vCPUs; the test sets each storer's range and
 * value, then storers_start() runs them.  An ASSERT in these helpers ends
 * the test (the harness aborts its process).
 */
struct storers {
	int kvm, vm;
	uint8_t *low, *mem;	/* slot 0 and slot 1 */
	struct storer st[STORERS];
	pthread_t t[STORERS];
	atomic_int stop;
};

static void storers_open(struct __test_metadata *_metadata, struct storers *s)
{
	uint64_t *new_psw;
	int i;

	catch_kick();
	atomic_store(&s->stop, 0);
	ASSERT_FD(s->vm, kvm_create_vm(s->kvm));
	s->low = kvm_alloc_aligned(SZ_1M, SZ_1M);
	s->mem = kvm_alloc_aligned(SZ_1M, SZ_1M);
	ASSERT_NE(MAP_FAILED, s->low);
	ASSERT_NE(MAP_FAILED, s->mem);
	memcpy(s->low + CODE_GPA, store_code, sizeof(store_code));
	memcpy(s->low + HANDLER_GPA, handler_code, sizeof(handler_code));
	new_psw = (uint64_t *)(s->low + LC_PGM_NEW_PSW);
	new_psw[0] = PSW_MASK_64;
	new_psw[1] = HANDLER_GPA;
	ASSERT_OK(kvm_set_memslot(s->vm, 0, 0, 0, SZ_1M, (uintptr_t)s->low));
	ASSERT_OK(kvm_set_memslot(s->vm, 1, 0, CHURN_GPA, SZ_1M, (uintptr_t)s->mem));
	for (i = 0; i < STORERS; i++) {
		memset(&s->st[i], 0, sizeof(s->st[i]));
		ASSERT_FD(s->st[i].vcpu, kvm_create_vcpu(s->vm, i));
		s->st[i].run = kvm_map_run(s->kvm, s->st[i].vcpu);
		ASSERT_NE(MAP_FAILED, s->st[i].run);
		s->st[i].lowcore = s->low;
		s->st[i].stop = &s->stop;
	}
}

/* Each storer stores r2 to [r3, r4), as the test set them in its kvm_run. */
static void storers_start(struct __test_metadata *_metadata, struct storers *s)
{
	int i;

	for (i = 0; i < STORERS; i++) {
		s->st[i].run->kvm_dirty_regs = KVM_SYNC_GPRS;
		ASSERT_OK(pthread_create(&s->t[i], NULL, store_thread, &s->st[i]));
	}
}

/* Stops the storers, kicking them out of KVM_RUN, and joins them. */
static void storers_stop(struct storers *s)
{
	int i;

	atomic_store(&s->stop, 1);
	for (i = 0; i < STORERS; i++) {
		while (pthread_tryjoin_np(s->t[i], NULL)) {
			pthread_kill(s->t[i], SIGUSR1);
			usleep(1000);
		}
	}
}

/* Settled: one more pass of vCPU 0 over the slot at @gpa stores to every page. */
static void storers_last_pass(struct __test_metadata *_metadata, struct storers *s,
			      uint64_t gpa)
{
	struct kvm_run *run = s->st[0].run;
	uint64_t off;

	memset(s->mem, 0, SZ_1M);
	run->s.regs.gprs[2] = 0x7777;
	run->s.regs.gprs[3] = gpa;
	run->s.regs.gprs[4] = gpa + SZ_1M;
	run->kvm_dirty_regs = KVM_SYNC_GPRS;
	run->psw_mask = PSW_MASK_64;
	run->psw_addr = CODE_GPA;
	ASSERT_OK(ioctl(s->st[0].vcpu, KVM_RUN, 0));
	ASSERT_EQ(CODE_GPA + 26, run->psw_addr);
	for (off = 0; off < SZ_1M; off += 4096)
		ASSERT_EQ(0x7777, *(uint64_t *)(s->mem + off)) TH_LOG("offset %#lx", off);
}

static void storers_close(struct storers *s)
{
	int i;

	for (i = 0; i < STORERS; i++) {
		munmap(s->st[i].run, getpagesize());
		close(s->st[i].vcpu);
	}
	close(s->vm);
	close(s->kvm);
	munmap(s->low, SZ_1M);
	munmap(s->mem, SZ_1M);
}

TEST(slot_changes_under_running_vcpus)
{
	struct storers s;
	uint64_t gpa = CHURN_GPA;
	long addressing = 0;
	int i, round;

	OPEN_KVM_OR_SKIP(s.kvm);
	storers_open(_metadata, &s);
	for (i = 0; i < STORERS; i++) {
		/* Both store to both possible places of the slot. */
		s.st[i].run->s.regs.gprs[2] = 0x1000 + i;
		s.st[i].run->s.regs.gprs[3] = CHURN_GPA;
		s.st[i].run->s.regs.gprs[4] = CHURN_GPA_MOVED + SZ_1M;
	}
	storers_start(_metadata, &s);
	for (round = 0; round < 60; round++) {
		switch (round % 3) {
		case 0:		/* delete, then create again at the same place */
			ASSERT_OK(kvm_set_memslot(s.vm, 1, 0, gpa, 0, 0));
			usleep(2000);
			ASSERT_OK(kvm_set_memslot(s.vm, 1, 0, gpa, SZ_1M, (uintptr_t)s.mem));
			break;
		case 1:		/* move */
			gpa = gpa == CHURN_GPA ? CHURN_GPA_MOVED : CHURN_GPA;
			ASSERT_OK(kvm_set_memslot(s.vm, 1, 0, gpa, SZ_1M, (uintptr_t)s.mem));
			break;
		case 2:		/* the host drops the pages */
			madvise(s.mem, SZ_1M, MADV_DONTNEED);
			break;
		}
		usleep(3000);
	}
	storers_stop(&s);
	for (i = 0; i < STORERS; i++) {
		EXPECT_EQ(0, s.st[i].bad) TH_LOG("vcpu %d: %s", i, s.st[i].what);
		addressing += s.st[i].addressing;
	}
	TH_LOG("%ld addressing exceptions", addressing);
	/* The vCPUs ran into the gaps of their range. */
	EXPECT_LT(0, addressing);
	/* Wherever the slot is now, a pass lands in it. */
	storers_last_pass(_metadata, &s, gpa);
	storers_close(&s);
}

/* ---- the slot's memory made read-only under storing vCPUs ---- */

TEST(slot_protection_changes_under_storing_vcpus)
{
	struct storers s;
	long passes = 0, efaults = 0;
	uint64_t off;
	int i, round;

	OPEN_KVM_OR_SKIP(s.kvm);
	storers_open(_metadata, &s);
	for (i = 0; i < STORERS; i++) {
		s.st[i].efault_ok = true;
		/* Each vCPU stores to its own half of the slot. */
		s.st[i].run->s.regs.gprs[2] = 0x2000 + i;
		s.st[i].run->s.regs.gprs[3] = CHURN_GPA + i * SZ_1M / 2;
		s.st[i].run->s.regs.gprs[4] = CHURN_GPA + (i + 1) * SZ_1M / 2;
	}
	storers_start(_metadata, &s);
	for (round = 0; round < 40; round++) {
		ASSERT_OK(mprotect(s.mem, SZ_1M, PROT_READ));
		usleep(2000);
		ASSERT_OK(mprotect(s.mem, SZ_1M, PROT_READ | PROT_WRITE));
		usleep(3000);
	}
	/* Writable for good: each vCPU completes two more passes (10 s at most). */
	for (i = 0; i < STORERS; i++) {
		long base = __atomic_load_n(&s.st[i].passes, __ATOMIC_RELAXED);

		for (round = 0; round < 1000; round++) {
			if (__atomic_load_n(&s.st[i].passes, __ATOMIC_RELAXED) >= base + 2 ||
			    __atomic_load_n(&s.st[i].bad, __ATOMIC_RELAXED))
				break;
			usleep(10000);
		}
	}
	storers_stop(&s);
	for (i = 0; i < STORERS; i++) {
		EXPECT_EQ(0, s.st[i].bad) TH_LOG("vcpu %d: %s", i, s.st[i].what);
		EXPECT_EQ(0, s.st[i].addressing) TH_LOG("vcpu %d", i);
		EXPECT_LE(2, s.st[i].passes) TH_LOG("vcpu %d", i);
		passes += s.st[i].passes;
		efaults += s.st[i].efaults;
	}
	TH_LOG("%ld passes, %ld KVM_RUNs ended in EFAULT", passes, efaults);
	/* A store to the read-only memory was refused, not done through a stale mapping. */
	EXPECT_LT(0, efaults);
	/* Every page holds its vCPU's value, and a new pass lands. */
	for (off = 0; off < SZ_1M; off += 4096)
		ASSERT_EQ(0x2000 + off / (SZ_1M / 2), *(uint64_t *)(s.mem + off))
			TH_LOG("offset %#lx", off);
	storers_last_pass(_metadata, &s, CHURN_GPA);
	storers_close(&s);
}

/* ---- every file closed while vCPUs run ---- */

/* The module's reference count from /proc/modules, or -1. */
static int kvm_refcount(void)
{
	char line[256];
	FILE *f = fopen("/proc/modules", "r");
	int refs = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "kvm %*u %d", &refs) == 1)
			break;
	fclose(f);
	return refs;
}

/*
 * The count once it has settled: the files of an exited process (an earlier
 * test) are released asynchronously.
 */
static int kvm_refcount_settled(void)
{
	int count = kvm_refcount(), now, tries;

	for (tries = 0; tries < 50; tries++) {
		usleep(100000);
		now = kvm_refcount();
		if (now == count)
			break;
		count = now;
	}
	return count;
}

/*
 * The count once it is @before again (a VM is destroyed once its last
 * reference goes), or what it is after 2 s.
 */
static int kvm_refcount_back_to(int before)
{
	int count = kvm_refcount(), tries;

	for (tries = 0; tries < 100 && count != before; tries++) {
		usleep(20000);
		count = kvm_refcount();
	}
	return count;
}

struct spinner {
	int vcpu;
	atomic_int *stop;
	atomic_int *inside;
	int err;
};

static void *spin_thread(void *p)
{
	struct spinner *s = p;

	atomic_fetch_add(s->inside, 1);
	while (!atomic_load(s->stop)) {
		if (ioctl(s->vcpu, KVM_RUN, 0) == 0 || errno != EINTR) {
			s->err = errno ? errno : -1;
			break;
		}
	}
	return NULL;
}

TEST(close_everything_while_running)
{
	static const uint8_t spin[] = { J_SELF };
	struct spinner sp[4];
	pthread_t t[4];
	atomic_int stop = 0, inside = 0;
	int kvm, vm, i, before;
	uint8_t *low;

	before = kvm_refcount_settled();
	/* Our own /dev/kvm descriptor holds a reference too: open it after counting. */
	OPEN_KVM_OR_SKIP(kvm);
	ASSERT_LE(0, before);
	catch_kick();
	ASSERT_FD(vm, kvm_create_vm(kvm));
	low = kvm_alloc_aligned(SZ_1M, SZ_1M);
	ASSERT_NE(MAP_FAILED, low);
	memcpy(low + CODE_GPA, spin, sizeof(spin));
	ASSERT_OK(kvm_set_memslot(vm, 0, 0, 0, SZ_1M, (uintptr_t)low));
	for (i = 0; i < 4; i++) {
		struct kvm_s390_psw psw = { .mask = PSW_MASK_64, .addr = CODE_GPA };

		sp[i] = (struct spinner){ .stop = &stop, .inside = &inside };
		ASSERT_FD(sp[i].vcpu, kvm_create_vcpu(vm, i));
		ASSERT_OK(ioctl(sp[i].vcpu, KVM_S390_SET_INITIAL_PSW, &psw));
		ASSERT_OK(pthread_create(&t[i], NULL, spin_thread, &sp[i]));
	}
	while (atomic_load(&inside) < 4)
		usleep(1000);
	usleep(100000);
	/* Every descriptor goes while the threads are (or re-enter) in KVM_RUN. */
	close(vm);
	close(kvm);
	for (i = 0; i < 4; i++)
		close(sp[i].vcpu);
	usleep(100000);
	atomic_store(&stop, 1);
	for (i = 0; i < 4; i++) {
		while (pthread_tryjoin_np(t[i], NULL)) {
			pthread_kill(t[i], SIGUSR1);
			usleep(1000);
		}
		/* A closed descriptor ends the loop with EBADF: nothing else. */
		EXPECT_TRUE(sp[i].err == 0 || sp[i].err == EBADF) TH_LOG("thread %d: %d", i, sp[i].err);
	}
	EXPECT_EQ(before, kvm_refcount_back_to(before));
	munmap(low, SZ_1M);
}

/* ---- every file closed while threads are blocked in the kernel ---- */

#define HELD_GPA	0x200000UL	/* a slot whose pages userfaultfd holds back */
#define PSW_MASK_EXT	0x0100000000000000UL
#define PSW_MASK_WAIT	0x0002000000000000UL

enum blocked_kind { BLOCKED_FAULT, BLOCKED_WAIT, BLOCKED_MEMOP, NR_BLOCKED };

struct blocked {
	int vcpu;
	enum blocked_kind kind;
	atomic_int *inside;
	atomic_int returned;
	int rc, err;
};

static void *blocked_thread(void *p)
{
	struct blocked *b = p;
	uint64_t buf;
	struct kvm_s390_mem_op op = {
		.gaddr = HELD_GPA + 0x3000, .size = sizeof(buf), .op = KVM_S390_MEMOP_LOGICAL_READ,
		.buf = (uintptr_t)&buf,
	};

	atomic_fetch_add(b->inside, 1);
	if (b->kind == BLOCKED_MEMOP)
		b->rc = ioctl(b->vcpu, KVM_S390_MEM_OP, &op);
	else
		b->rc = ioctl(b->vcpu, KVM_RUN, 0);
	b->err = b->rc ? errno : 0;
	atomic_store(&b->returned, 1);
	return NULL;
}

TEST(close_everything_while_blocked)
{
	/* lg %r5,0(%r6); diag 0x501 */
	static const uint8_t load[] = { 0xe3, 0x50, 0x60, 0x00, 0x00, 0x04, DIAG_501, J_SELF };
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_zeropage zero = { .range = { .len = SZ_1M } };
	struct blocked b[NR_BLOCKED];
	pthread_t t[NR_BLOCKED];
	atomic_int inside = 0;
	int kvm, vm, uffd, i, before, tries, events = 0;
	uint8_t *low, *held;
	bool joined;

	before = kvm_refcount_settled();
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(return, "userfaultfd not available: %s", strerror(errno));
	ASSERT_OK(ioctl(uffd, UFFDIO_API, &api));
	OPEN_KVM_OR_SKIP(kvm);
	ASSERT_LE(0, before);
	catch_kick();
	ASSERT_FD(vm, kvm_create_vm(kvm));
	low = kvm_alloc_aligned(SZ_1M, SZ_1M);
	held = kvm_alloc_aligned(SZ_1M, SZ_1M);
	ASSERT_NE(MAP_FAILED, low);
	ASSERT_NE(MAP_FAILED, held);
	reg.range.start = (uintptr_t)held;
	reg.range.len = SZ_1M;
	ASSERT_OK(ioctl(uffd, UFFDIO_REGISTER, &reg));
	memcpy(low + CODE_GPA, load, sizeof(load));
	ASSERT_OK(kvm_set_memslot(vm, 0, 0, 0, SZ_1M, (uintptr_t)low));
	ASSERT_OK(kvm_set_memslot(vm, 1, 0, HELD_GPA, SZ_1M, (uintptr_t)held));
	for (i = 0; i < NR_BLOCKED; i++) {
		struct kvm_s390_psw psw = { .mask = PSW_MASK_64, .addr = CODE_GPA };
		struct kvm_regs regs = { .gprs[6] = HELD_GPA + 0x1000 };

		b[i] = (struct blocked){ .kind = i, .inside = &inside };
		ASSERT_FD(b[i].vcpu, kvm_create_vcpu(vm, i));
		if (i == BLOCKED_WAIT)	/* enabled for external interruptions; none comes */
			psw.mask |= PSW_MASK_EXT | PSW_MASK_WAIT;
		ASSERT_OK(ioctl(b[i].vcpu, KVM_S390_SET_INITIAL_PSW, &psw));
		ASSERT_OK(ioctl(b[i].vcpu, KVM_SET_REGS, &regs));
	}
	for (i = 0; i < NR_BLOCKED; i++)
		ASSERT_OK(pthread_create(&t[i], NULL, blocked_thread, &b[i]));
	/* Both held-back accesses are reported, so both threads are in the kernel. */
	for (tries = 0; tries < 100 && events < 2; tries++) {
		struct pollfd p = { .fd = uffd, .events = POLLIN };
		struct uffd_msg msg;

		if (poll(&p, 1, 100) == 1 && read(uffd, &msg, sizeof(msg)) == sizeof(msg))
			events++;
	}
	EXPECT_EQ(2, events) TH_LOG("the held-back pages were not both touched");
	usleep(200000);
	for (i = 0; i < NR_BLOCKED; i++) {
		struct blocked *bi = &b[i];

		EXPECT_EQ(0, atomic_load(&bi->returned))
			TH_LOG("thread %d returned early: rc %d, %s", i, bi->rc, strerror(bi->err));
	}

	close(vm);
	close(kvm);
	for (i = 0; i < NR_BLOCKED; i++)
		close(b[i].vcpu);
	usleep(100000);
	/* The pages come, and a signal (to that thread only) ends the enabled wait. */
	zero.range.start = (uintptr_t)held;
	EXPECT_OK(ioctl(uffd, UFFDIO_ZEROPAGE, &zero));
	for (i = 0; i < NR_BLOCKED; i++) {
		for (tries = 0, joined = false; tries < 5000 && !joined; tries++) {
			joined = !pthread_tryjoin_np(t[i], NULL);
			if (!joined) {
				if (i == BLOCKED_WAIT)
					pthread_kill(t[i], SIGUSR1);
				usleep(1000);
			}
		}
		ASSERT_TRUE(joined) TH_LOG("thread %d still blocked", i);
	}
	/* The load and the MEM_OP completed; the wait ended with EINTR. */
	EXPECT_EQ(0, b[BLOCKED_FAULT].rc) TH_LOG("KVM_RUN: %s", strerror(b[BLOCKED_FAULT].err));
	EXPECT_EQ(0, b[BLOCKED_MEMOP].rc) TH_LOG("MEM_OP: %s", strerror(b[BLOCKED_MEMOP].err));
	EXPECT_EQ(EINTR, b[BLOCKED_WAIT].err);
	EXPECT_EQ(before, kvm_refcount_back_to(before));
	close(uffd);
	munmap(held, SZ_1M);
	munmap(low, SZ_1M);
}

TEST_HARNESS_MAIN
