// SPDX-License-Identifier: GPL-2.0
/*
 * Interruption injection storms lose nothing: three threads inject floating
 * virtio interruptions (KVM_S390_INTERRUPT on the VM, each with a parameter
 * of its own) and a fourth throws emergency signals and external calls at the
 * vCPUs (KVM_S390_IRQ) and kicks them, while two vCPUs sit in an enabled wait
 * and log every virtio parameter they take into guest memory.  Each
 * interruption the kernel accepted must be taken exactly once, by one of the
 * vCPUs; none may appear that was not injected.  The local ones are only
 * counted: an emergency signal from a source that already has one pending is
 * merged with it, as the architecture allows.
 *
 * Guest (64-bit, DAT off), the same code on both vCPUs, each with its own
 * lowcore (prefix 0 and 0x4000) and log (r10 = base, r11 = offset):
 *   CODE:   lpswe 0x300            enabled wait for external interruptions
 *   EXT:    lh    %r2,0x86         external-interruption code
 *           chi   %r2,0x2603       virtio?
 *           jne   other
 *           lg    %r3,0x11b8       its 64-bit parameter
 *           stg   %r3,0(%r11,%r10) into the log
 *           aghi  %r11,8
 *           lpswe 0x130            back into the wait (the external old PSW)
 *   other:  aghi  %r12,1           count it
 *           lpswe 0x130
 */
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "guest_arch.h"
#include "kvm_util_min.h"

#define MEM_SIZE	SZ_1M
#define CODE_GPA	0x10000UL
#define EXT_GPA		0x10100UL
#define LOG_GPA(v)	(0x40000UL + (v) * 0x40000UL)
#define LOG_ENTRIES	(0x40000 / 8)
#define PREFIX(v)	((v) * 0x4000UL)
#define NVCPUS		2
#define INJECTORS	3
#define PER_INJECTOR	1000

#define PSW_MASK_EXT	0x0100000000000000UL
#define PSW_MASK_WAIT	0x0002000000000000UL
#define CR0_EMERGENCY	(1UL << (63 - 49))
#define CR0_EXTCALL	(1UL << (63 - 50))
#define CR0_SERVICE	(1UL << (63 - 54))
#define LC_EXT_OLD	0x130
#define LC_EXT_NEW	0x1b0
#define LC_WAIT_PSW	0x300

static uint8_t *mem;
static int vcpu_fd[NVCPUS];
static struct kvm_run *runs[NVCPUS];
static pthread_t vcpu_thread[NVCPUS];
static volatile int stop_vcpus;
static volatile int vcpu_error[NVCPUS];
static int vm_fd;

static uint64_t accepted[INJECTORS][PER_INJECTOR];
static int n_accepted[INJECTORS];
static unsigned long n_local_ok, n_local_busy;

static void put64(uint64_t gpa, uint64_t v)
{
	*(uint64_t *)(mem + gpa) = v;	/* the test host is big-endian, as the guest */
}

static void on_kick(int sig)
{
	(void)sig;
}

static void *run_vcpu(void *arg)
{
	long v = (long)arg;

	while (!stop_vcpus) {
		errno = 0;
		if (ioctl(vcpu_fd[v], KVM_RUN, 0) == 0) {
			/* An enabled wait never reaches user space; anything else is wrong. */
			vcpu_error[v] = 1000 + runs[v]->exit_reason;
			return NULL;
		}
		if (errno != EINTR) {
			vcpu_error[v] = errno;
			return NULL;
		}
	}
	return NULL;
}

static void *inject_floating(void *arg)
{
	long t = (long)arg;
	int i;

	for (i = 0; i < PER_INJECTOR; i++) {
		/* Never 0: the log's empty entries are 0. */
		uint64_t parm64 = ((uint64_t)(t + 1) << 32) | (i + 1);
		struct kvm_s390_interrupt irq = {
			.type = KVM_S390_INT_VIRTIO, .parm = 0x1234, .parm64 = parm64,
		};

		while (ioctl(vm_fd, KVM_S390_INTERRUPT, &irq)) {
			if (errno != EBUSY)
				return (void *)(long)errno;
			usleep(100);
		}
		accepted[t][n_accepted[t]++] = parm64;
	}
	return NULL;
}

static volatile int stop_local;

static void *inject_local(void *arg)
{
	unsigned int seed = 1;

	(void)arg;
	while (!stop_local) {
		int v = rand_r(&seed) % NVCPUS;
		struct kvm_s390_irq irq = {
			.type = rand_r(&seed) % 2 ? KVM_S390_INT_EMERGENCY : KVM_S390_INT_EXTERNAL_CALL,
		};

		irq.u.emerg.code = rand_r(&seed) % NVCPUS;
		if (!ioctl(vcpu_fd[v], KVM_S390_IRQ, &irq))
			n_local_ok++;
		else if (errno == EBUSY)
			n_local_busy++;	/* an external call is pending: allowed */
		else
			return (void *)(long)errno;
		if (rand_r(&seed) % 8 == 0)
			pthread_kill(vcpu_thread[rand_r(&seed) % NVCPUS], SIGUSR1);
		usleep(20);
	}
	return NULL;
}

/* The entries vCPU @v logged so far (the log fills from its start). */
static int logged(int v)
{
	volatile uint64_t *log = (volatile uint64_t *)(mem + LOG_GPA(v));
	int n = 0;

	while (n < LOG_ENTRIES && log[n])
		n++;
	return n;
}

static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

FIXTURE(storm) {};
FIXTURE_SETUP(storm) {}
FIXTURE_TEARDOWN(storm) {}

TEST_F_TIMEOUT(storm, floating_taken_exactly_once, 600)
{
	static const uint8_t code[] = { 0xb2, 0xb2, 0x03, 0x00 };	/* lpswe 0x300 */
	static const uint8_t ext[] = {
		0x48, 0x20, 0x00, 0x86,			/* lh %r2,0x86 */
		0xa7, 0x2e, 0x26, 0x03,			/* chi %r2,0x2603 */
		0xa7, 0x74, 0x00, 0x0c,			/* jne other (+24 bytes) */
		0xe3, 0x30, 0x01, 0xb8, 0x01, 0x04,	/* lg %r3,0x11b8 */
		0xe3, 0x3b, 0xa0, 0x00, 0x00, 0x24,	/* stg %r3,0(%r11,%r10) */
		0xa7, 0xbb, 0x00, 0x08,			/* aghi %r11,8 */
		0xb2, 0xb2, 0x01, 0x30,			/* lpswe 0x130 */
		0xa7, 0xcb, 0x00, 0x01,			/* other: aghi %r12,1 */
		0xb2, 0xb2, 0x01, 0x30,			/* lpswe 0x130 */
	};
	struct sigaction sa = { .sa_handler = on_kick };	/* no SA_RESTART */
	pthread_t inj[INJECTORS], local;
	uint64_t *all, *seen;
	int kvm, v, t, n_all = 0, n_seen = 0, waited;
	void *ret;

	OPEN_KVM_OR_SKIP(kvm);
	ASSERT_OK(sigaction(SIGUSR1, &sa, NULL));
	ASSERT_FD(vm_fd, kvm_create_vm(kvm));
	mem = kvm_alloc_aligned(MEM_SIZE, SZ_1M);
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 0, MEM_SIZE);
	ASSERT_OK(kvm_set_memslot(vm_fd, 0, 0, 0, MEM_SIZE, (uintptr_t)mem));
	memcpy(mem + CODE_GPA, code, sizeof(code));
	memcpy(mem + EXT_GPA, ext, sizeof(ext));

	for (v = 0; v < NVCPUS; v++) {
		struct kvm_s390_psw psw = { .mask = PSW_MASK_64, .addr = CODE_GPA };
		struct kvm_sregs sregs;
		struct kvm_regs regs;

		/* Each vCPU's lowcore: external new PSW, the wait PSW. */
		put64(PREFIX(v) + LC_EXT_NEW, PSW_MASK_64);
		put64(PREFIX(v) + LC_EXT_NEW + 8, EXT_GPA);
		put64(PREFIX(v) + LC_WAIT_PSW, PSW_MASK_64 | PSW_MASK_EXT | PSW_MASK_WAIT);
		put64(PREFIX(v) + LC_WAIT_PSW + 8, CODE_GPA);
		ASSERT_FD(vcpu_fd[v], kvm_create_vcpu(vm_fd, v));
		runs[v] = kvm_map_run(kvm, vcpu_fd[v]);
		ASSERT_NE(MAP_FAILED, runs[v]);
		ASSERT_OK(ioctl(vcpu_fd[v], KVM_S390_SET_INITIAL_PSW, &psw));
		ASSERT_OK(ioctl(vcpu_fd[v], KVM_GET_SREGS, &sregs));
		sregs.crs[0] |= CR0_EMERGENCY | CR0_EXTCALL | CR0_SERVICE;
		ASSERT_OK(ioctl(vcpu_fd[v], KVM_SET_SREGS, &sregs));
		memset(&regs, 0, sizeof(regs));
		regs.gprs[10] = LOG_GPA(v);
		ASSERT_OK(ioctl(vcpu_fd[v], KVM_SET_REGS, &regs));
		runs[v]->s.regs.prefix = PREFIX(v);
		runs[v]->kvm_dirty_regs |= KVM_SYNC_PREFIX;
	}
	for (v = 0; v < NVCPUS; v++)
		ASSERT_EQ(0, pthread_create(&vcpu_thread[v], NULL, run_vcpu, (void *)(long)v));
	ASSERT_EQ(0, pthread_create(&local, NULL, inject_local, NULL));
	for (t = 0; t < INJECTORS; t++)
		ASSERT_EQ(0, pthread_create(&inj[t], NULL, inject_floating, (void *)(long)t));
	for (t = 0; t < INJECTORS; t++) {
		ASSERT_EQ(0, pthread_join(inj[t], &ret));
		EXPECT_EQ(0, (long)ret) TH_LOG("KVM_S390_INTERRUPT failed: %s",
					       strerror((int)(long)ret));
		n_all += n_accepted[t];
	}
	stop_local = 1;
	ASSERT_EQ(0, pthread_join(local, &ret));
	EXPECT_EQ(0, (long)ret) TH_LOG("KVM_S390_IRQ failed: %s", strerror((int)(long)ret));

	/* Every accepted interruption is taken within 60 s. */
	for (waited = 0; waited < 600; waited++) {
		if (logged(0) + logged(1) >= n_all)
			break;
		usleep(100000);
	}
	stop_vcpus = 1;
	for (v = 0; v < NVCPUS; v++) {
		runs[v]->immediate_exit = 1;
		pthread_kill(vcpu_thread[v], SIGUSR1);
		ASSERT_EQ(0, pthread_join(vcpu_thread[v], NULL));
		EXPECT_EQ(0, vcpu_error[v]) TH_LOG("vCPU %d: KVM_RUN error or exit %d", v,
						   vcpu_error[v]);
	}
	TH_LOG("%d floating injected; taken: %d by vCPU 0, %d by vCPU 1; %lu local accepted, %lu busy",
	       n_all, logged(0), logged(1), n_local_ok, n_local_busy);

	/* The logs, sorted, are exactly the injected parameters, sorted. */
	all = calloc(n_all, sizeof(*all));
	seen = calloc(LOG_ENTRIES * NVCPUS, sizeof(*seen));
	ASSERT_NE(NULL, all);
	ASSERT_NE(NULL, seen);
	n_all = 0;
	for (t = 0; t < INJECTORS; t++) {
		memcpy(all + n_all, accepted[t], n_accepted[t] * sizeof(*all));
		n_all += n_accepted[t];
	}
	for (v = 0; v < NVCPUS; v++) {
		memcpy(seen + n_seen, mem + LOG_GPA(v), logged(v) * sizeof(*seen));
		n_seen += logged(v);
	}
	qsort(all, n_all, sizeof(*all), cmp64);
	qsort(seen, n_seen, sizeof(*seen), cmp64);
	ASSERT_EQ(n_all, n_seen) TH_LOG("taken %d of %d accepted interruptions", n_seen, n_all);
	for (t = 0; t < n_all; t++)
		ASSERT_EQ(all[t], seen[t]) TH_LOG("entry %d: injected %#llx, taken %#llx", t,
						  (unsigned long long)all[t],
						  (unsigned long long)seen[t]);
	free(all);
	free(seen);
	for (v = 0; v < NVCPUS; v++) {
		munmap(runs[v], ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0));
		close(vcpu_fd[v]);
	}
	close(vm_fd);
	munmap(mem, MEM_SIZE);
	close(kvm);
}

TEST_HARNESS_MAIN
