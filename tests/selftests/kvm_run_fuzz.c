// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input breaks nothing: KVM_RUN with random guest state and random guest
 * code.  Each round fills guest memory with random bytes, gives the vCPU
 * random general, access and control registers, a random PSW (mostly
 * plausible masks, sometimes anything), a random FPC and sometimes a random
 * prefix, and runs it for at most 50 ms.  Whatever the guest does, KVM_RUN
 * must come back with 0 and a known exit reason or with -1 and an errno the
 * backend documents, and afterwards a well-behaved guest must still run.
 * Mainline 7.3 may also return a positive program-interruption code, which
 * api.rst does not allow (see kvm_run_no_crash.c); ours must not.
 *
 * The seed is printed; KVM_FUZZ_SEED and KVM_FUZZ_ROUNDS in the
 * environment replay or extend a run; KVM_FUZZ_SECONDS runs each test for
 * that long instead of a number of rounds (`make fuzz`).
 */
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include "kvm_util_min.h"

#define MEM_SIZE	(2 * SZ_1M)
#define ROUNDS_DEFAULT	150

static __thread uint64_t rng_state;

/* The backend, read once (kvmtest.backend=). */
static enum kvm_backend backend;

/* With KVM_FUZZ_SECONDS: when the rounds stop (CLOCK_MONOTONIC seconds), else 0. */
static time_t deadline;

static bool time_is_up(void)
{
	struct timespec now;

	if (!deadline)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec >= deadline;
}

/* Rounds from KVM_FUZZ_ROUNDS, or unbounded with a deadline from KVM_FUZZ_SECONDS. */
static int rounds_from_env(int dflt)
{
	const char *env = getenv("KVM_FUZZ_SECONDS");
	struct timespec now;

	if (env && atoi(env) > 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		deadline = now.tv_sec + atoi(env);
		return 0x7fffffff;
	}
	env = getenv("KVM_FUZZ_ROUNDS");
	return env && atoi(env) > 0 ? atoi(env) : dflt;
}

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A PSW mask: usually 64-bit or 31-bit mode with random DAT/key/cc/program mask. */
static uint64_t random_mask(void)
{
	static const uint64_t modes[] = {
		0x0000000180000000UL, 0x0000000080000000UL, 0x0000000000000000UL,
	};
	uint64_t m = modes[rnd() % 3];

	switch (rnd() % 8) {
	case 0:
		return rnd();			/* anything, invalid bits too */
	case 1:
		return m | 0x0002000000000000UL;	/* wait */
	default:
		/* DAT, key, condition code and program mask bits. */
		return m | (rnd() & 0x04f0330f00000000UL);
	}
}

static void run_round(struct __test_metadata *_metadata, int vcpu, struct kvm_run *run,
		      uint8_t *mem, int round)
{
	/*
	 * Repeating: should the first signal come before KVM_RUN enters the
	 * kernel, the next one still ends a guest that loops without exits.
	 */
	struct itimerval t = { .it_value = { .tv_usec = 50000 }, .it_interval = { .tv_usec = 50000 } };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_fpu fpu;
	size_t i;
	long ret;
	int err;

	for (i = 0; i < MEM_SIZE / 8; i++)
		((uint64_t *)mem)[i] = rnd();
	for (i = 0; i < 16; i++) {
		regs.gprs[i] = rnd() % 4 ? rnd() % MEM_SIZE : rnd();
		sregs.acrs[i] = rnd();
		sregs.crs[i] = rnd();
		fpu.fprs[i] = rnd();
	}
	fpu.fpc = rnd() % 2 ? 0 : rnd();
	ASSERT_OK(ioctl(vcpu, KVM_SET_REGS, &regs));
	ASSERT_OK(ioctl(vcpu, KVM_SET_SREGS, &sregs));
	/* Both backends take any fpc (kvm_arch_vcpu_ioctl_set_fpu in 7.3). */
	ASSERT_OK(ioctl(vcpu, KVM_SET_FPU, &fpu));
	run->psw_mask = random_mask();
	run->psw_addr = rnd() % 2 ? rnd() % MEM_SIZE : rnd();
	if (rnd() % 4 == 0) {
		run->s.regs.prefix = rnd() % 8 ? rnd() % MEM_SIZE : rnd();
		run->kvm_dirty_regs |= KVM_SYNC_PREFIX;
	}

	ASSERT_OK(setitimer(ITIMER_REAL, &t, NULL));
	errno = 0;
	ret = ioctl(vcpu, KVM_RUN, 0);
	err = errno;
	t.it_value.tv_usec = 0;
	t.it_interval.tv_usec = 0;
	ASSERT_OK(setitimer(ITIMER_REAL, &t, NULL));
	if (ret == 0) {
		EXPECT_TRUE(run->exit_reason == KVM_EXIT_S390_SIEIC ||
			    run->exit_reason == KVM_EXIT_INTR)
			TH_LOG("round %d: exit reason %u", round, run->exit_reason);
	} else if (ret > 0) {
		/*
		 * api.rst allows only 0 or -1; mainline 7.3 returns a positive
		 * program-interruption code when it cannot deliver one (see
		 * kvm_run_no_crash.c).  Ours follows api.rst.
		 */
		TH_LOG("round %d: KVM_RUN returned %ld (contradicts api.rst)", round, ret);
		EXPECT_EQ(BACKEND_MAINLINE, backend)
			TH_LOG("only mainline returns a positive value");
	} else {
		/* EINTR: the timer; EFAULT: prefix outside memory (documented). */
		EXPECT_TRUE(err == EINTR || err == EFAULT || err == EINVAL)
			TH_LOG("round %d: errno %d (%s), PSW %016llx %016llx", round, err,
			       strerror(err), run->psw_mask, run->psw_addr);
	}
	/* Start the next round from a stopped vCPU with clean control state. */
	ASSERT_OK(ioctl(vcpu, KVM_S390_INITIAL_RESET, 0));
}

/* No state of its own: a fixture only for the longer timeout (rounds x 50 ms and more). */
FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(fuzz)
{
}

TEST_F_TIMEOUT(fuzz, random_state_and_code, 1000000)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	static const uint8_t good[] = { 0xa7, 0x29, 0x00, 0x2a, 0x83, 0x00, 0x05, 0x01 };
	struct kvm_s390_psw psw = { .mask = 0x0000000180000000UL, .addr = 0x10000 };
	const char *env;
	int kvm, vm, vcpu, round, rounds = ROUNDS_DEFAULT;
	struct kvm_run *run;
	uint8_t *mem;

	BACKEND_OR_SKIP(backend);
	env = getenv("KVM_FUZZ_SEED");
	rng_state = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) * 0x9e3779b97f4a7c15UL;
	if (!rng_state)
		rng_state = 1;
	rounds = rounds_from_env(ROUNDS_DEFAULT);
	TH_LOG("seed %#llx, %d rounds", (unsigned long long)rng_state, rounds);

	ASSERT_OK(sigaction(SIGALRM, &sa, NULL));
	OPEN_KVM_OR_SKIP(kvm);
	ASSERT_FD(vm, kvm_create_vm(kvm));
	mem = kvm_alloc_aligned(MEM_SIZE, SZ_1M);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_OK(kvm_set_memslot(vm, 0, 0, 0, MEM_SIZE, (uintptr_t)mem));
	ASSERT_FD(vcpu, kvm_create_vcpu(vm, 0));
	run = kvm_map_run(kvm, vcpu);
	ASSERT_NE(MAP_FAILED, run);

	for (round = 0; round < rounds && !time_is_up(); round++)
		run_round(_metadata, vcpu, run, mem, round);
	TH_LOG("%d rounds run", round);

	/* The same vCPU still runs a good guest: lghi %r2,42; diag 0x501. */
	memset(mem, 0, MEM_SIZE);
	memcpy(mem + 0x10000, good, sizeof(good));
	ASSERT_OK(ioctl(vcpu, KVM_S390_SET_INITIAL_PSW, &psw));
	ASSERT_OK(ioctl(vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_S390_SIEIC, run->exit_reason);
	ASSERT_EQ(0x8300, run->s390_sieic.ipa);
	ASSERT_EQ(42, run->s.regs.gprs[2]);

	munmap(run, getpagesize());
	close(vcpu);
	close(vm);
	munmap(mem, MEM_SIZE);
	close(kvm);
}

struct fuzzer {
	int kvm, vm, id, rounds, failed, done;
	uint64_t seed;
	uint8_t *mem;
};

/*
 * One vCPU thread of the parallel test: random state and code like above,
 * the guest memory shared by all vCPUs (so their random stores land in each
 * other's code and lowcores), each run ended by SIGUSR1 from the main thread.
 */
static void *fuzz_vcpu(void *arg)
{
	struct fuzzer *f = arg;
	struct kvm_s390_psw psw;
	struct kvm_run *run;
	int vcpu, round;
	long ret;

	rng_state = f->seed;
	vcpu = ioctl(f->vm, KVM_CREATE_VCPU, f->id);
	run = vcpu < 0 ? MAP_FAILED : kvm_map_run(f->kvm, vcpu);
	if (run == MAP_FAILED) {
		f->failed = -1;
		__atomic_store_n(&f->done, 1, __ATOMIC_RELEASE);
		return NULL;
	}
	for (round = 0; round < f->rounds && !time_is_up(); round++) {
		struct kvm_regs regs;
		int i;

		for (i = 0; i < 16; i++)
			regs.gprs[i] = rnd() % 4 ? rnd() % MEM_SIZE : rnd();
		psw.mask = random_mask();
		psw.addr = rnd() % MEM_SIZE;
		if (ioctl(vcpu, KVM_S390_INITIAL_RESET, 0) || ioctl(vcpu, KVM_SET_REGS, &regs) ||
		    ioctl(vcpu, KVM_S390_SET_INITIAL_PSW, &psw)) {
			f->failed = round + 1;
			break;
		}
		errno = 0;
		ret = ioctl(vcpu, KVM_RUN, 0);
		if (ret < 0 && errno != EINTR && errno != EFAULT && errno != EINVAL) {
			f->failed = round + 1;
			break;
		}
		/* A positive result: mainline only (see run_round). */
		if (ret > 0 && backend != BACKEND_MAINLINE) {
			f->failed = round + 1;
			break;
		}
	}
	munmap(run, getpagesize());
	close(vcpu);
	__atomic_store_n(&f->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* Four vCPUs run random code in one VM at the same time. */
TEST_F_TIMEOUT(fuzz, parallel_vcpus, 1000000)
{
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	static const uint8_t good[] = { 0xa7, 0x29, 0x00, 0x2a, 0x83, 0x00, 0x05, 0x01 };
	struct kvm_s390_psw psw = { .mask = 0x0000000180000000UL, .addr = 0x10000 };
	struct fuzzer f[4];
	pthread_t threads[4];
	int kvm, vm, vcpu, i, running, rounds;
	struct kvm_run *run;
	uint8_t *mem;
	size_t j;

	BACKEND_OR_SKIP(backend);
	rng_state = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15UL | 1;
	rounds = rounds_from_env(100);
	TH_LOG("seed %#llx", (unsigned long long)rng_state);
	ASSERT_OK(sigaction(SIGUSR1, &sa, NULL));
	OPEN_KVM_OR_SKIP(kvm);
	ASSERT_FD(vm, kvm_create_vm(kvm));
	mem = kvm_alloc_aligned(MEM_SIZE, SZ_1M);
	ASSERT_NE(MAP_FAILED, mem);
	for (j = 0; j < MEM_SIZE / 8; j++)
		((uint64_t *)mem)[j] = rnd();
	ASSERT_OK(kvm_set_memslot(vm, 0, 0, 0, MEM_SIZE, (uintptr_t)mem));
	for (i = 0; i < 4; i++) {
		f[i] = (struct fuzzer){ .kvm = kvm, .vm = vm, .id = i, .rounds = rounds,
					.seed = rnd() | 1, .mem = mem };
		ASSERT_OK(pthread_create(&threads[i], NULL, fuzz_vcpu, &f[i]));
	}
	/* Kick every vCPU out of its guest every 20 ms until all threads are done. */
	do {
		usleep(20000);
		running = 0;
		for (i = 0; i < 4; i++) {
			if (__atomic_load_n(&f[i].done, __ATOMIC_ACQUIRE))
				continue;
			running++;
			pthread_kill(threads[i], SIGUSR1);
		}
	} while (running);
	for (i = 0; i < 4; i++) {
		ASSERT_OK(pthread_join(threads[i], NULL));
		EXPECT_EQ(0, f[i].failed) TH_LOG("vCPU %d failed in round %d", i, f[i].failed);
	}

	/* A new vCPU of the same VM still runs a good guest. */
	memset(mem, 0, MEM_SIZE);
	memcpy(mem + 0x10000, good, sizeof(good));
	ASSERT_FD(vcpu, kvm_create_vcpu(vm, 4));
	run = kvm_map_run(kvm, vcpu);
	ASSERT_NE(MAP_FAILED, run);
	ASSERT_OK(ioctl(vcpu, KVM_S390_SET_INITIAL_PSW, &psw));
	ASSERT_OK(ioctl(vcpu, KVM_RUN, 0));
	ASSERT_EQ(0x8300, run->s390_sieic.ipa);
	ASSERT_EQ(42, run->s.regs.gprs[2]);
	munmap(run, getpagesize());
	close(vcpu);
	close(vm);
	munmap(mem, MEM_SIZE);
	close(kvm);
}

TEST_HARNESS_MAIN
