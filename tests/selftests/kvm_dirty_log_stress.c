// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_DIRTY_LOG under concurrency, checked the way live migration uses
 * it: user space keeps a copy of a dirty-logged slot and, after each
 * KVM_GET_DIRTY_LOG, copies the pages reported dirty.  Every so often the
 * vCPUs stop, a last KVM_GET_DIRTY_LOG is applied, and the copy must equal
 * guest memory byte for byte: a page the guest changed but the log did not
 * report shows up as a difference.
 *
 * Meanwhile: several vCPUs store to every page of the slot, sweep after
 * sweep, each to its own doubleword (a CPU may keep its translations for as
 * long as it stays in the guest); each epoch is one pass of SWEEPS sweeps
 * per vCPU, ended by a DIAG 0x501, so every page's last store of the epoch
 * is one the log must report; signals kick the vCPU threads out of KVM_RUN; a churn thread forks (the
 * fork write-protects the slot's private anonymous memory, so the MMU
 * notifier unmaps the slot and the next guest store breaks copy-on-write
 * into a new frame), and deletes, re-creates, moves, madvises and remaps
 * another slot.
 *
 * KVM_S390_DIRTY_STRESS_SECONDS in the environment sets the duration
 * (default 20 s; the bed's timeout must allow it);
 * KVM_S390_DIRTY_STRESS_CHURN=0 leaves out the churn thread (vCPU stores,
 * kicks and harvests only).
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>

#include "guest_arch.h"
#include "kvm_util_min.h"

#define NR_VCPUS	3
#define CODE_GPA	0x10000UL
#define LOG_SLOT	1
#define LOG_GPA		0x1000000UL	/* 16 MiB */
#define LOG_SIZE	(4 * SZ_1M)
#define LOG_PAGES	(LOG_SIZE / SZ_4K)
#define CHURN_SLOT	2
#define CHURN_GPA_A	0x4000000UL	/* 64 MiB */
#define CHURN_GPA_B	0x5000000UL	/* 80 MiB */
#define CHURN_SIZE	SZ_1M


/* Sweeps over the slot per guest pass. */
#define SWEEPS		16

/*
 * One pass: SWEEPS times, store a new counter value to every page of the
 * slot; then DIAG 0x501.  r7 = LOG_GPA + 8 * vCPU index (each vCPU has its
 * own doubleword in every page), r4 = LOG_GPA + LOG_SIZE, r5 = 4096,
 * r8 = SWEEPS, r2 = a counter unique to the vCPU.
 */
static const uint8_t guest_code[] = {
	0xb9, 0x04, 0x00, 0x98,			/* +0  pass: lgr %r9,%r8 */
	0xb9, 0x04, 0x00, 0x37,			/* +4  sweep: lgr %r3,%r7 */
	0xa7, 0x2b, 0x00, 0x01,			/* +8  aghi %r2,1 */
	0xe3, 0x20, 0x30, 0x00, 0x00, 0x24,	/* +12 page: stg %r2,0(%r3) */
	0xb9, 0x08, 0x00, 0x35,			/* +18 agr %r3,%r5 */
	0xb9, 0x21, 0x00, 0x34,			/* +22 clgr %r3,%r4 */
	0xa7, 0x44, 0xff, 0xf9,			/* +26 jl page */
	0xa7, 0x97, 0xff, 0xf3,			/* +30 brctg %r9,sweep */
	0x83, 0x00, 0x05, 0x01,			/* +34 diag 0x501 */
	0xa7, 0xf4, 0xff, 0xed,			/* +38 j pass */
};


struct stress {
	int kvm, vm;
	int vcpu[NR_VCPUS];
	struct kvm_run *run[NR_VCPUS];
	pthread_t thread[NR_VCPUS];
	pthread_t churner;
	uint8_t *code_mem, *log_mem, *churn_mem;
	uint8_t *copy;
	atomic_int stop, epoch, done;
	atomic_long passes, kicks, forks, slot_changes;
	/* First failure of a worker thread, reported by the main thread. */
	atomic_int error;
	char what[160];
};

static void on_kick(int sig)
{
}

static void worker_failed(struct stress *s, const char *fmt, long a, long b)
{
	int expected = 0;

	if (atomic_compare_exchange_strong(&s->error, &expected, 1))
		snprintf(s->what, sizeof(s->what), fmt, a, b);
	atomic_store(&s->stop, 1);
}

struct vcpu_arg {
	struct stress *s;
	int i;
};

/*
 * Runs one guest pass per epoch: KVM_RUN until the pass ends in DIAG 0x501
 * (kicks end KVM_RUN with EINTR meanwhile), then waits for the next epoch.
 */
static void *vcpu_thread(void *p)
{
	struct vcpu_arg *a = p;
	struct stress *s = a->s;
	struct kvm_run *run = s->run[a->i];
	int seen = 0;

	while (!atomic_load(&s->stop)) {
		if (atomic_load(&s->epoch) == seen) {
			usleep(200);
			continue;
		}
		if (ioctl(s->vcpu[a->i], KVM_RUN, 0) < 0) {
			if (errno == EINTR && run->exit_reason == KVM_EXIT_INTR)
				continue;
			worker_failed(s, "vcpu %ld: KVM_RUN errno %ld", a->i, errno);
			break;
		}
		if (run->exit_reason != KVM_EXIT_S390_SIEIC ||
		    run->s390_sieic.icptcode != ICPT_INST ||
		    run->s390_sieic.ipa != DIAG_501_IPA) {
			worker_failed(s, "vcpu %ld: unexpected exit, reason %ld",
				      a->i, run->exit_reason);
			break;
		}
		atomic_fetch_add(&s->passes, 1);
		seen++;
		atomic_fetch_add(&s->done, 1);
	}
	return NULL;
}

/* Forks, and moves, deletes, re-creates and madvises the churn slot. */
static void *churn_thread(void *p)
{
	struct stress *s = p;
	uint64_t gpa = CHURN_GPA_A;
	unsigned int n = 0;

	while (!atomic_load(&s->stop)) {
		pid_t pid;

		switch (n++ % 16) {
		case 0:
			pid = fork();
			if (pid == 0)
				_exit(0);
			if (pid < 0 || waitpid(pid, NULL, 0) != pid) {
				worker_failed(s, "fork/waitpid: pid %ld, errno %ld", pid, errno);
				return NULL;
			}
			atomic_fetch_add(&s->forks, 1);
			break;
		case 1:		/* move */
			gpa = gpa == CHURN_GPA_A ? CHURN_GPA_B : CHURN_GPA_A;
			if (kvm_set_memslot(s->vm, CHURN_SLOT, 0, gpa, CHURN_SIZE,
					    (uintptr_t)s->churn_mem)) {
				worker_failed(s, "moving slot 2 to %#lx: errno %ld", gpa, errno);
				return NULL;
			}
			atomic_fetch_add(&s->slot_changes, 1);
			break;
		case 2:		/* delete and create again */
			if (kvm_set_memslot(s->vm, CHURN_SLOT, 0, gpa, 0, 0) ||
			    kvm_set_memslot(s->vm, CHURN_SLOT, 0, gpa, CHURN_SIZE,
					    (uintptr_t)s->churn_mem)) {
				worker_failed(s, "re-creating slot 2 at %#lx: errno %ld", gpa, errno);
				return NULL;
			}
			atomic_fetch_add(&s->slot_changes, 1);
			break;
		case 3:
			madvise(s->churn_mem, CHURN_SIZE, MADV_DONTNEED);
			break;
		case 4:		/* new memory at the same place */
			if (mmap(s->churn_mem, CHURN_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != s->churn_mem) {
				worker_failed(s, "remapping slot 2 memory at %#lx: errno %ld", (long)s->churn_mem, errno);
				return NULL;
			}
			break;
		default:	/* the vCPUs run undisturbed for a while */
			break;
		}
		usleep(2000);
	}
	return NULL;
}

/* KVM_GET_DIRTY_LOG, then copies every reported page; returns the count. */
static long apply_log(struct __test_metadata *_metadata, struct stress *s)
{
	uint64_t bitmap[LOG_PAGES / 64];
	struct kvm_dirty_log log = { .slot = LOG_SLOT, .dirty_bitmap = bitmap };
	long n = 0;
	unsigned int i;

	if (ioctl(s->vm, KVM_GET_DIRTY_LOG, &log)) {
		TH_LOG("KVM_GET_DIRTY_LOG: errno %d (%s)", errno, strerror(errno));
		return -1;
	}
	for (i = 0; i < LOG_PAGES; i++) {
		/* The bitmap is little-endian: bit i is bit i % 8 of byte i / 8. */
		if (!(((uint8_t *)bitmap)[i / 8] & (1 << (i % 8))))
			continue;
		memcpy(s->copy + i * SZ_4K, s->log_mem + i * SZ_4K, SZ_4K);
		n++;
	}
	return n;
}

static void kick_all(struct stress *s)
{
	int i;

	for (i = 0; i < NR_VCPUS; i++)
		pthread_kill(s->thread[i], SIGUSR1);
	atomic_fetch_add(&s->kicks, 1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The harness needs a fixture for a timeout of its own. */
FIXTURE(dirty_log) {
	int unused;
};

FIXTURE_SETUP(dirty_log)
{
}

FIXTURE_TEARDOWN(dirty_log)
{
}

/* Seconds the harness allows; the duration is capped below it. */
#define TEST_SECONDS	600

TEST_F_TIMEOUT(dirty_log, concurrent_stores_churn_and_harvests, TEST_SECONDS)
{
	struct sigaction sa = { .sa_handler = on_kick };	/* no SA_RESTART */
	struct vcpu_arg args[NR_VCPUS];
	const char *env = getenv("KVM_S390_DIRTY_STRESS_SECONDS");
	double seconds = env ? atof(env) : 20, end;
	long rounds = 0, checks = 0, reported = 0, lost_total = 0;
	struct stress *s;
	int i, churn;

	if (seconds < 1 || seconds > TEST_SECONDS - 60)
		seconds = seconds < 1 ? 1 : TEST_SECONDS - 60;
	s = calloc(1, sizeof(*s));
	ASSERT_NE(NULL, s);
	OPEN_KVM_OR_SKIP(s->kvm);
	ASSERT_FD(s->vm, kvm_create_vm(s->kvm));
	ASSERT_OK(sigaction(SIGUSR1, &sa, NULL));

	s->code_mem = kvm_alloc_aligned(SZ_1M, SZ_1M);
	s->log_mem = kvm_alloc_aligned(LOG_SIZE, SZ_1M);
	s->churn_mem = kvm_alloc_aligned(CHURN_SIZE, SZ_1M);
	s->copy = malloc(LOG_SIZE);
	ASSERT_NE(MAP_FAILED, s->code_mem);
	ASSERT_NE(MAP_FAILED, s->log_mem);
	ASSERT_NE(MAP_FAILED, s->churn_mem);
	ASSERT_NE(NULL, s->copy);
	memcpy(s->code_mem + CODE_GPA, guest_code, sizeof(guest_code));
	ASSERT_OK(kvm_set_memslot(s->vm, 0, 0, 0, SZ_1M, (uintptr_t)s->code_mem));
	ASSERT_OK(kvm_set_memslot(s->vm, LOG_SLOT, KVM_MEM_LOG_DIRTY_PAGES, LOG_GPA,
				  LOG_SIZE, (uintptr_t)s->log_mem));
	ASSERT_OK(kvm_set_memslot(s->vm, CHURN_SLOT, 0, CHURN_GPA_A, CHURN_SIZE,
				  (uintptr_t)s->churn_mem));

	for (i = 0; i < NR_VCPUS; i++) {
		struct kvm_s390_psw psw = { .mask = PSW_MASK_64, .addr = CODE_GPA };

		ASSERT_FD(s->vcpu[i], kvm_create_vcpu(s->vm, i));
		s->run[i] = kvm_map_run(s->kvm, s->vcpu[i]);
		ASSERT_NE(MAP_FAILED, s->run[i]);
		ASSERT_OK(ioctl(s->vcpu[i], KVM_S390_SET_INITIAL_PSW, &psw));
		s->run[i]->s.regs.gprs[2] = (uint64_t)(i + 1) << 40;
		s->run[i]->s.regs.gprs[4] = LOG_GPA + LOG_SIZE;
		s->run[i]->s.regs.gprs[5] = SZ_4K;
		s->run[i]->s.regs.gprs[7] = LOG_GPA + 8 * i;
		s->run[i]->s.regs.gprs[8] = SWEEPS;
		s->run[i]->kvm_dirty_regs = KVM_SYNC_GPRS;
	}

	/* The copy starts as the slot is now; the first log reports what changes. */
	memcpy(s->copy, s->log_mem, LOG_SIZE);
	ASSERT_LE(0, apply_log(_metadata, s));

	for (i = 0; i < NR_VCPUS; i++) {
		args[i] = (struct vcpu_arg){ .s = s, .i = i };
		ASSERT_OK(pthread_create(&s->thread[i], NULL, vcpu_thread, &args[i]));
	}
	env = getenv("KVM_S390_DIRTY_STRESS_CHURN");
	churn = !env || atoi(env);
	if (churn)
		ASSERT_OK(pthread_create(&s->churner, NULL, churn_thread, s));

	/*
	 * Epochs: the vCPUs each make one pass while the log is read and
	 * applied over and over; once all of them are done, a last
	 * KVM_GET_DIRTY_LOG is applied and the copy must equal the slot.
	 */
	end = now() + seconds;
	while (now() < end && !atomic_load(&s->error)) {
		long n, lost = 0;

		atomic_store(&s->done, 0);
		atomic_fetch_add(&s->epoch, 1);
		while (atomic_load(&s->done) < NR_VCPUS && !atomic_load(&s->error)) {
			n = apply_log(_metadata, s);
			if (n < 0)
				goto out;
			reported += n;
			if (++rounds % 4 == 0)
				kick_all(s);
		}
		if (atomic_load(&s->error))
			break;
		n = apply_log(_metadata, s);
		if (n < 0)
			break;
		reported += n;
		for (i = 0; i < LOG_PAGES; i++) {
			if (!memcmp(s->copy + i * SZ_4K, s->log_mem + i * SZ_4K, SZ_4K))
				continue;
			if (lost++ < 8)
				TH_LOG("epoch %ld: page %d changed but not reported (copy %#lx, memory %#lx)",
				       checks, i, *(uint64_t *)(s->copy + i * SZ_4K),
				       *(uint64_t *)(s->log_mem + i * SZ_4K));
			/* Resynchronise so the next epoch counts anew. */
			memcpy(s->copy + i * SZ_4K, s->log_mem + i * SZ_4K, SZ_4K);
		}
		lost_total += lost;
		checks++;
	}
out:
	atomic_store(&s->stop, 1);
	if (churn)
		ASSERT_OK(pthread_join(s->churner, NULL));
	for (i = 0; i < NR_VCPUS; i++) {
		/* A thread may be in KVM_RUN in a guest pass: kick until it leaves. */
		while (pthread_tryjoin_np(s->thread[i], NULL)) {
			pthread_kill(s->thread[i], SIGUSR1);
			usleep(1000);
		}
	}
	TH_LOG("%.0f s: %ld log reads, %ld epochs checked, %ld pages reported, %ld guest passes, "
	       "%ld kicks, %ld forks, %ld slot changes, %ld pages lost",
	       seconds, rounds, checks, reported, atomic_load(&s->passes),
	       atomic_load(&s->kicks), atomic_load(&s->forks),
	       atomic_load(&s->slot_changes), lost_total);
	ASSERT_EQ(0, atomic_load(&s->error)) TH_LOG("%s", s->what);
	/* The run must have exercised what it claims to. */
	ASSERT_LT(0, checks);
	/* At least one whole epoch (the fork churn makes them slow on an emulator). */
	ASSERT_LE(NR_VCPUS, atomic_load(&s->passes));
	if (churn) {
		ASSERT_LT(0, atomic_load(&s->forks));
		ASSERT_LT(0, atomic_load(&s->slot_changes));
	}
	EXPECT_EQ(0, lost_total);

	for (i = 0; i < NR_VCPUS; i++) {
		munmap(s->run[i], getpagesize());
		close(s->vcpu[i]);
	}
	close(s->vm);
	close(s->kvm);
	free(s->copy);
	free(s);
}

TEST_HARNESS_MAIN
