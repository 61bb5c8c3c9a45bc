// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU destruction: VMs with vCPUs, a memslot, mapped kvm_run pages
 * and a guest that ran (so guest memory is mapped through the backend's DAT
 * tables) are created and closed in a loop, in both orders (VM fd first or
 * vCPU fds first), and afterwards kernel memory (/proc/meminfo) and the
 * module's reference count (/sys/module/kvm/refcnt) must be back where
 * they were.
 *
 * Mainline frees a VM when its last reference goes: the VM fd and every
 * vCPU fd hold one (kvm_vm_ioctl_create_vcpu takes kvm_get_kvm,
 * kvm_vcpu_release drops it), and every KVM file holds a module reference
 * (kvm_init sets the fops' owner).  A VM of this test costs mainline well
 * over 100 KiB (SCA, SIE pages, s390 debug feature buffers, struct kvm);
 * the margins below let through noise but not a leak of one page per VM.
 * The test is meant to run on an otherwise idle test host.
 *
 * KVM_SELFTEST_LOOPS in the environment overrides the number of VMs.
 */
#include <time.h>

#include "kvm_util_min.h"

#define LOOPS_DEFAULT	200
#define WARMUP_LOOPS	20
#define NR_VCPUS	4

struct meminfo {
	long free;		/* KiB: buddy plus per-CPU free lists (zoneinfo) */
	long mem_free;		/* KiB, as /proc/meminfo says */
	long slab_unreclaim;
	long vmalloc_used;
	long kernel_stack;
	long page_tables;
	long percpu;
};

static long meminfo_field(const char *buf, const char *name)
{
	const char *p = strstr(buf, name);

	if (!p)
		return -1;
	return strtol(p + strlen(name), NULL, 10);
}

/*
 * Free memory including the pages parked on the per-CPU free lists, which
 * MemFree does not count and which the page allocator resizes as it goes
 * (pcp high auto-tuning): /proc/zoneinfo's "pages free" plus every "count:"
 * of the zones' pagesets.  KiB, or -1.
 */
static long zoneinfo_free_kib(void)
{
	long pages = 0, v;
	char line[256];
	FILE *f;

	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " pages free %ld", &v) == 1 ||
		    sscanf(line, " count: %ld", &v) == 1)
			pages += v;
	}
	fclose(f);
	return pages * (getpagesize() / 1024);
}

static int read_meminfo(struct meminfo *m)
{
	char buf[8192];
	ssize_t n;
	int fd;

	fd = open("/proc/meminfo", O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	m->mem_free = meminfo_field(buf, "\nMemFree:");
	if (m->mem_free < 0)
		m->mem_free = meminfo_field(buf, "MemFree:");
	m->slab_unreclaim = meminfo_field(buf, "\nSUnreclaim:");
	m->vmalloc_used = meminfo_field(buf, "\nVmallocUsed:");
	m->kernel_stack = meminfo_field(buf, "\nKernelStack:");
	m->page_tables = meminfo_field(buf, "\nPageTables:");
	m->percpu = meminfo_field(buf, "\nPercpu:");
	m->free = zoneinfo_free_kib();
	if (m->free < 0)
		m->free = m->mem_free;
	return m->mem_free < 0 ? -1 : 0;
}

static long module_refcnt(void)
{
	char buf[32];
	ssize_t n;
	int fd;

	fd = open("/sys/module/kvm/refcnt", O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * Lets deferred frees (RCU callbacks, per-CPU page lists) settle, drops
 * reclaimable caches, and samples meminfo; of a few samples the one with
 * the most free memory is kept, the same way before and after.
 */
static int settle_and_sample(struct meminfo *best)
{
	struct meminfo m;
	int fd, i;

	best->free = -1;
	for (i = 0; i < 4; i++) {
		msleep(500);
		fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
		if (fd >= 0) {
			/* Failure is not fatal: dropping only reduces noise. */
			ssize_t w = write(fd, "3", 1);

			(void)w;
			close(fd);
		}
		if (read_meminfo(&m))
			return -1;
		if (m.free > best->free)
			*best = m;
	}
	return 0;
}

#define CODE_GPA	0x10000UL

/* Stores to two pages of the memslot, exits with DIAG 0x501. */
static const uint8_t guest_code[] = {
	0xe3, 0x20, 0x40, 0x00, 0x00, 0x24,	/* stg  %r2,0(%r4) */
	0xe3, 0x20, 0x50, 0x00, 0x00, 0x24,	/* stg  %r2,0(%r5) */
	0x83, 0x00, 0x05, 0x01,			/* diag 0,0,0x501 */
	0xa7, 0xf4, 0x00, 0x00,			/* j    . */
};

/* One VM with NR_VCPUS vCPUs, a memslot, mapped kvm_run pages and a guest run. */
static void one_vm(struct __test_metadata *_metadata, int kvm, int run_size,
		   uint64_t mem, bool vm_first)
{
	struct kvm_run *run[NR_VCPUS];
	int vm, vcpu[NR_VCPUS], i;

	ASSERT_FD(vm, kvm_create_vm(kvm));
	ASSERT_OK(kvm_set_memslot(vm, 0, 0, 0, SZ_1M, mem));
	for (i = 0; i < NR_VCPUS; i++) {
		ASSERT_FD(vcpu[i], kvm_create_vcpu(vm, i));
		run[i] = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			      vcpu[i], 0);
		ASSERT_NE(MAP_FAILED, run[i]);
		/* Fault the page in: the mapping now holds a page reference. */
		(void)*(volatile __u32 *)&run[i]->exit_reason;
	}
	{
		struct kvm_s390_psw psw = { .mask = 0x0000000180000000UL, .addr = CODE_GPA };

		ASSERT_OK(ioctl(vcpu[0], KVM_S390_SET_INITIAL_PSW, &psw));
		run[0]->s.regs.gprs[4] = 0x80000;
		run[0]->s.regs.gprs[5] = 0xf0000;
		ASSERT_OK(ioctl(vcpu[0], KVM_RUN, 0));
		ASSERT_EQ(KVM_EXIT_S390_SIEIC, run[0]->exit_reason);
	}

	if (vm_first) {
		/* The vCPUs keep the VM alive (kvm_get_kvm in create_vcpu). */
		ASSERT_OK(close(vm));
		for (i = 0; i < NR_VCPUS; i++) {
			struct kvm_regs regs;

			ASSERT_OK(ioctl(vcpu[i], KVM_GET_REGS, &regs));
		}
	}
	for (i = 0; i < NR_VCPUS; i++) {
		ASSERT_OK(munmap(run[i], run_size));
		ASSERT_OK(close(vcpu[i]));
	}
	if (!vm_first)
		ASSERT_OK(close(vm));
}

FIXTURE(destroy) {
	int kvm;
	int run_size;
	uint64_t mem;
};

FIXTURE_SETUP(destroy)
{
	void *m;

	self->mem = 0;
	OPEN_KVM_OR_SKIP(self->kvm);
	self->run_size = ioctl(self->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	ASSERT_LE(getpagesize(), self->run_size);
	m = kvm_alloc_aligned(SZ_1M, SZ_1M);
	ASSERT_NE(MAP_FAILED, m);
	self->mem = (uintptr_t)m;
	memcpy((uint8_t *)m + CODE_GPA, guest_code, sizeof(guest_code));
}

FIXTURE_TEARDOWN(destroy)
{
	if (self->mem)
		munmap((void *)(uintptr_t)self->mem, SZ_1M);
	close(self->kvm);
}

TEST_F(destroy, vm_first_keeps_vcpus_usable)
{
	one_vm(_metadata, self->kvm, self->run_size, self->mem, true);
	one_vm(_metadata, self->kvm, self->run_size, self->mem, false);
}

TEST_F_TIMEOUT(destroy, no_leak, 900)
{
	struct meminfo before, after;
	long refcnt_before, refcnt_after;
	long loops = LOOPS_DEFAULT, margin, i;
	const char *env = getenv("KVM_SELFTEST_LOOPS");

	if (env && atol(env) > 0)
		loops = atol(env);

	/* Warm-up: slab caches, per-CPU lists and debugfs reach steady state. */
	for (i = 0; i < WARMUP_LOOPS; i++)
		one_vm(_metadata, self->kvm, self->run_size, self->mem, i & 1);

	refcnt_before = module_refcnt();
	ASSERT_OK(settle_and_sample(&before));

	for (i = 0; i < loops; i++)
		one_vm(_metadata, self->kvm, self->run_size, self->mem, i & 1);

	ASSERT_OK(settle_and_sample(&after));
	refcnt_after = module_refcnt();

	TH_LOG("%ld VMs: free %+ld KiB, MemFree %+ld KiB, SUnreclaim %+ld KiB, VmallocUsed %+ld KiB, "
	       "KernelStack %+ld KiB, PageTables %+ld KiB, Percpu %+ld KiB, refcnt %ld -> %ld",
	       loops, after.free - before.free, after.mem_free - before.mem_free,
	       after.slab_unreclaim - before.slab_unreclaim,
	       after.vmalloc_used - before.vmalloc_used,
	       after.kernel_stack - before.kernel_stack,
	       after.page_tables - before.page_tables,
	       after.percpu - before.percpu, refcnt_before, refcnt_after);

	/*
	 * Every KVM file holds a module reference (kvm_init: fops owner);
	 * all of them are closed again.  kvm.ko may be built in (no refcnt).
	 */
	if (refcnt_before >= 0) {
		EXPECT_EQ(refcnt_before, refcnt_after);
	}

	/*
	 * Free memory counts the per-CPU free lists (zoneinfo_free_kib):
	 * mainline 7.3 under Hercules comes back within 50 KiB after 200 VMs
	 * (MemFree alone swings by 3 MiB).  Allowed: 128 KiB plus 1 KiB per
	 * VM, half that for unreclaimable slab and vmalloc; one leaked 4 KiB
	 * page per VM is 2.4 times the margin (a mainline kvm.ko patched to
	 * leak a page in kvm_arch_init_vm lost 808 KiB in 200 VMs).
	 */
	margin = 128 + loops;
	EXPECT_GE(margin, before.free - after.free);
	margin = 64 + loops / 2;
	if (before.slab_unreclaim >= 0 && after.slab_unreclaim >= 0) {
		EXPECT_GE(margin, after.slab_unreclaim - before.slab_unreclaim);
	}
	if (before.vmalloc_used >= 0 && after.vmalloc_used >= 0) {
		EXPECT_GE(margin, after.vmalloc_used - before.vmalloc_used);
	}
}

TEST_HARNESS_MAIN
