// SPDX-License-Identifier: GPL-2.0
/*
 * Micro-benchmarks of the paths the backend owns, run under Hercules by
 * tools/bench.sh with each backend in turn; the script prints the ratios.
 * Each benchmark runs REPS times (argument 1, default 5); each repetition
 * prints "BENCH <name> <repetition> <value> <unit> <calibration>" (lower is
 * better), the calibration being the emulator's speed around the row: the
 * time of one getppid() system call in microseconds (calibrate()), or 0 for
 * a row that the host's timer tick bounds.
 * Every loop checks that it measured what it claims (the exits it expects,
 * the guest's stores in memory) and fails the run otherwise.
 *
 *   exit_roundtrip   KVM_RUN entry, a DIAG 0x501 intercept, return to user
 *                    space: the cost of one ucall
 *   run_floor        KVM_RUN with immediate_exit set: the system call and
 *                    generic KVM's part of exit_roundtrip, which returns
 *                    EINTR before the guest runs (what no backend can save)
 *   memop_read       KVM_S390_MEM_OP reading 64 KiB of guest memory through
 *                    the vCPU (logical, DAT off): the access path per call
 *   memop_cmpxchg    KVM_S390_MEM_OP compare-and-swap of 8 bytes on the VM
 *                    (absolute, storage-key protection): the access path of
 *                    s390/memop's concurrent test
 *   vm_memory        KiB of host memory a VM takes (32 VMs without memslots
 *                    or vCPUs; pages allocated minus freed, /proc/vmstat)
 *   vcpu_memory      KiB of host memory a vCPU takes, kvm_run included (32
 *                    vCPUs in one VM, the same counters)
 *
 * How costs grow with the work (ours must not grow faster than mainline's):
 *   faultin_page_1g  faultin_page over a 1 GiB guest (pages 128 KiB apart)
 *   faultin_slots_1, faultin_slots_300
 *                    256 first stores 1 MiB apart, in one 300 MiB memslot and
 *                    in 300 memslots of 1 MiB
 *   memslot_change_1, memslot_change_300
 *                    adding and deleting a memslot next to 1 and 300 others
 *   memslot_change_running
 *                    memslot_change_1 while the VM's vCPU runs a guest that
 *                    takes a clock-comparator interruption every host tick
 *   dirty_log_1g     KVM_GET_DIRTY_LOG of a clean 1 GiB slot (mainline's
 *                    guests cannot store while logging on this bed)
 *   vcpu_create_1st, vcpu_create_64th
 *                    creating a VM's first vCPU and its 64th
 *   exit_roundtrip_4 exit_roundtrip in 4 vCPUs of one VM at once
 *   faultin_page     a guest store to a page no vCPU touched before: the
 *                    host DAT fault, the memslot lookup, the mapping
 *   vm_lifecycle     create a VM with a memslot and a vCPU, run one guest
 *                    instruction, destroy it all
 *   diag44_loop      a DIAG 0x44 intercept handled in the kernel and the
 *                    re-entry, N of them inside one KVM_RUN: the run loop's
 *                    cost per round without the way out to user space
 *   irq_inject       KVM_S390_IRQ of an emergency signal from a second
 *                    thread until the guest's handler has stored its count
 *                    and told that thread so through an ioeventfd (DIAG
 *                    0x500), the guest in an enabled wait: kick, wake-up,
 *                    delivery, the notification and the thread's wake-up
 *   ckc_wakeup       how late the guest's clock-comparator handler runs
 *                    after the comparator (set 100 us ahead, then an enabled
 *                    wait), measured by the guest with STCK: the host timer,
 *                    the wake-up from the wait and the delivery
 *
 * Absolute numbers mean little on an emulator; the ratio between the
 * backends in the same run is what tells.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#define MEM_SIZE	(64UL << 20)
#define CODE_GPA	0x10000UL
#define DATA_GPA	0x100000UL
#define PSW_MASK_64	0x0000000180000000UL
#define PSW_MASK_EXT	0x0100000000000000UL
#define PSW_MASK_WAIT	0x0002000000000000UL
#define LC_EXT_CPU_ADDR	0x84
#define LC_EXT_INT_CODE	0x86
#define LC_EXT_NEW_PSW	0x1b0
#define CR0_EMERGENCY	0x4000UL	/* CR0 bit 49: emergency-signal subclass */
#define CR0_CKC		0x0800UL	/* CR0 bit 52: clock-comparator subclass */

struct vm {
	int fd, vcpu;
	struct kvm_run *run;
	uint8_t *mem;
	size_t size;
};

static int kvm, run_size;
/* The repetition that runs (1, 2, ...): rows vary their data with it. */
static int repetition;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The emulator's speed at the moment, as the time of one getppid() system
 * call in microseconds: the median of CALIB_SLICES slices of CALIB_CALLS
 * calls each, so that one stall of the machine stretches one slice, not the
 * figure. No KVM code runs in it, so it is the same work whichever backend
 * is loaded, and a row's value divided by it does not move when the whole
 * emulated machine slows down (see tools/bench.sh). With
 * KVM_BENCH_NO_CALIBRATION in the environment it is skipped (0): `make
 * profile` must not sample it.
 */
#define CALIB_SLICES	5
#define CALIB_CALLS	2000

static double calibrate(void)
{
	double slice[CALIB_SLICES], t;
	int i, j, k;

	if (getenv("KVM_BENCH_NO_CALIBRATION"))
		return 0;
	for (i = 0; i < CALIB_SLICES; i++) {
		t = now();
		for (j = 0; j < CALIB_CALLS; j++)
			syscall(SYS_getppid);	/* libc may cache getppid(); the kernel must answer */
		slice[i] = (now() - t) / CALIB_CALLS * 1e6;
		for (k = i; k > 0 && slice[k - 1] > slice[k]; k--) {
			t = slice[k];
			slice[k] = slice[k - 1];
			slice[k - 1] = t;
		}
	}
	return slice[CALIB_SLICES / 2];
}

/*
 * A row's results, printed once the row has ended and the calibration after
 * it is known: a row may report several (vcpu_create).
 */
static struct result {
	const char *name, *unit;
	double value;
} results[4];
static unsigned int nresults;

static void report(const char *name, double value, const char *unit)
{
	if (nresults < sizeof(results) / sizeof(results[0]))
		results[nresults++] = (struct result){ name, unit, value };
}

/*
 * A VM with @size bytes of guest memory from 0, in @nslots equal memslots
 * (with @flags), and vCPU 0 about to run @code at CODE_GPA.
 */
static int vm_create_sized(struct vm *vm, const uint8_t *code, size_t len, size_t size,
			   int nslots, uint32_t flags)
{
	struct kvm_userspace_memory_region slot = { .memory_size = size / nslots, .flags = flags };
	struct kvm_s390_psw psw = { .mask = PSW_MASK_64, .addr = CODE_GPA };
	int i;

	vm->size = size;
	vm->mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	vm->fd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm->mem == MAP_FAILED || vm->fd < 0)
		return -1;
	memcpy(vm->mem + CODE_GPA, code, len);
	vm->vcpu = -1;
	vm->run = MAP_FAILED;
	for (i = 0; i < nslots; i++) {
		slot.slot = i;
		slot.guest_phys_addr = (uint64_t)i * slot.memory_size;
		slot.userspace_addr = (uintptr_t)vm->mem + slot.guest_phys_addr;
		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &slot))
			return -1;
	}
	if ((vm->vcpu = ioctl(vm->fd, KVM_CREATE_VCPU, 0)) < 0)
		return -1;
	vm->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu, 0);
	if (vm->run == MAP_FAILED || ioctl(vm->vcpu, KVM_S390_SET_INITIAL_PSW, &psw))
		return -1;
	return 0;
}

static int vm_create(struct vm *vm, const uint8_t *code, size_t len)
{
	return vm_create_sized(vm, code, len, MEM_SIZE, 1, 0);
}

static void vm_destroy(struct vm *vm)
{
	if (vm->run != MAP_FAILED)
		munmap(vm->run, run_size);
	if (vm->vcpu >= 0)
		close(vm->vcpu);
	close(vm->fd);
	munmap(vm->mem, vm->size);
}

static int run_to_diag(struct vm *vm)
{
	if (ioctl(vm->vcpu, KVM_RUN, 0))
		return -1;
	if (vm->run->exit_reason != KVM_EXIT_S390_SIEIC || vm->run->s390_sieic.ipa != 0x8300) {
		fprintf(stderr, "unexpected exit %u ipa %04x\n", vm->run->exit_reason,
			vm->run->s390_sieic.ipa);
		return -1;
	}
	return 0;
}

/* DIAG 0x501 in a loop. */
static const uint8_t diag_loop[] = {
	0x83, 0x00, 0x05, 0x01,		/* diag 0,0,0x501 */
	0xa7, 0xf4, 0xff, 0xfe,		/* j    -4 */
};

/* Whether the guest stopped right after diag_loop's DIAG; says so if not. */
static int after_diag(struct vm *vm, const char *name)
{
	if (vm->run->psw_addr == CODE_GPA + 4)
		return 0;
	fprintf(stderr, "%s: PSW at %llx\n", name, (unsigned long long)vm->run->psw_addr);
	return -1;
}

static int bench_exit_roundtrip(void)
{
	const int n = 20000;
	struct vm vm;
	double t;
	int i;

	if (vm_create(&vm, diag_loop, sizeof(diag_loop)) || run_to_diag(&vm))
		return -1;
	t = now();
	for (i = 0; i < n; i++)
		if (run_to_diag(&vm))
			return -1;
	t = now() - t;
	/* Each exit was the DIAG at CODE_GPA (run_to_diag checked the ipa). */
	if (after_diag(&vm, "exit_roundtrip"))
		return -1;
	report("exit_roundtrip", t / n * 1e6, "us");
	vm_destroy(&vm);
	return 0;
}

/* KVM_RUN with immediate_exit: EINTR every time, the guest never runs. */
static int bench_run_floor(void)
{
	const int n = 20000;
	struct vm vm;
	double t;
	int i;

	if (vm_create(&vm, diag_loop, sizeof(diag_loop)) || run_to_diag(&vm))
		return -1;
	vm.run->immediate_exit = 1;
	t = now();
	for (i = 0; i < n; i++)
		if (ioctl(vm.vcpu, KVM_RUN, 0) != -1 || errno != EINTR) {
			fprintf(stderr, "run_floor: KVM_RUN did not return EINTR\n");
			return -1;
		}
	t = now() - t;
	/* The guest did not run: its PSW is still after the first DIAG. */
	if (after_diag(&vm, "run_floor"))
		return -1;
	report("run_floor", t / n * 1e6, "us");
	vm_destroy(&vm);
	return 0;
}

/* KVM_S390_MEM_OP logical reads of 64 KiB through the vCPU (DAT off: real addresses). */
static int bench_memop_read(void)
{
	static const uint8_t code[] = { 0x83, 0x00, 0x05, 0x01 };	/* diag 0,0,0x501 */
	const uint32_t size = 64 << 10;
	const int n = 2000;
	struct kvm_s390_mem_op op = {
		.gaddr = DATA_GPA,
		.size = size,
		.op = KVM_S390_MEMOP_LOGICAL_READ,
	};
	uint8_t *buf = malloc(size);
	struct vm vm;
	uint32_t j;
	double t;
	int i;

	if (!buf || vm_create(&vm, code, sizeof(code)))
		return -1;
	for (j = 0; j < size; j++)
		vm.mem[DATA_GPA + j] = (uint8_t)(j * 7 + repetition);
	/* A first read maps the pages, so that the loop measures the access path. */
	op.buf = (uintptr_t)buf;
	if (ioctl(vm.vcpu, KVM_S390_MEM_OP, &op))
		return -1;
	t = now();
	for (i = 0; i < n; i++) {
		buf[0] = buf[size - 1] = 0xaa;	/* overwritten by each read */
		if (ioctl(vm.vcpu, KVM_S390_MEM_OP, &op))
			return -1;
	}
	t = now() - t;
	if (memcmp(buf, vm.mem + DATA_GPA, size)) {
		fprintf(stderr, "memop_read: the buffer differs from guest memory\n");
		return -1;
	}
	report("memop_read", t / n * 1e6, "us");
	free(buf);
	vm_destroy(&vm);
	return 0;
}

/*
 * KVM_S390_MEM_OP compare-and-swaps of 8 bytes at a guest absolute address on
 * the VM, with storage-key protection (access key 1 against storage key 0x10,
 * as s390/memop's concurrent test makes a million of them). Each swap expects
 * what the previous one stored, so every one must succeed.
 */
static int bench_memop_cmpxchg(void)
{
	static const uint8_t code[] = { 0x83, 0x00, 0x05, 0x01 };	/* diag 0,0,0x501 */
	const int n = 2000;
	uint64_t old, new, value;
	uint8_t key = 0x10;
	struct kvm_s390_skeys skeys = {
		.start_gfn = DATA_GPA >> 12,
		.count = 1,
		.skeydata_addr = (uintptr_t)&key,
	};
	struct kvm_s390_mem_op op = {
		.gaddr = DATA_GPA,
		.size = sizeof(new),
		.op = KVM_S390_MEMOP_ABSOLUTE_CMPXCHG,
		.flags = KVM_S390_MEMOP_F_SKEY_PROTECTION,
		.buf = (uintptr_t)&new,
		.key = 1,
		.old_addr = (uintptr_t)&old,
	};
	struct vm vm;
	double t;
	int i;

	if (vm_create(&vm, code, sizeof(code)) || ioctl(vm.fd, KVM_S390_SET_SKEYS, &skeys))
		return -1;
	/* A first swap maps the page, so that the loop measures the access path. */
	old = 0;
	new = repetition;
	if (ioctl(vm.fd, KVM_S390_MEM_OP, &op) || old != 0)
		return -1;
	t = now();
	for (i = 0; i < n; i++) {
		old = new;
		new = old + 1;
		if (ioctl(vm.fd, KVM_S390_MEM_OP, &op) || old != new - 1) {
			fprintf(stderr, "memop_cmpxchg: swap %d failed, found %llx\n", i,
				(unsigned long long)old);
			return -1;
		}
	}
	t = now() - t;
	memcpy(&value, vm.mem + DATA_GPA, sizeof(value));
	if (value != (uint64_t)repetition + n) {
		fprintf(stderr, "memop_cmpxchg: guest memory holds %llx\n",
			(unsigned long long)value);
		return -1;
	}
	report("memop_cmpxchg", t / n * 1e6, "us");
	vm_destroy(&vm);
	return 0;
}

/*
 * Pages the kernel has allocated and not freed since boot: the pgalloc_*
 * counters of /proc/vmstat minus pgfree (negative: boot memory counts as
 * freed; LONG_MIN if unreadable).  Unlike MemFree, these count the
 * allocations the CPUs' page lists serve too.
 */
static long pages_in_use(void)
{
	char name[64];
	long value, pages = 0;
	int found = 0;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return LONG_MIN;
	while (fscanf(f, "%63s %ld", name, &value) == 2) {
		if (!strncmp(name, "pgalloc_", 8)) {
			pages += value;
			found |= 1;
		} else if (!strcmp(name, "pgfree")) {
			pages -= value;
			found |= 2;
		}
	}
	fclose(f);
	return found == 3 ? pages : LONG_MIN;
}

#define MEM_OBJECTS	32

/*
 * Host memory per object: the pages in use before and after creating
 * MEM_OBJECTS of them (after a pause that lets the previous repetition's
 * frees settle).  Objects in slab pages allocated earlier are not seen.
 */
static int report_memory(const char *name, long before, long after)
{
	if (before == LONG_MIN || after == LONG_MIN || after <= before) {
		fprintf(stderr, "%s: pages in use %ld then %ld\n", name, before, after);
		return -1;
	}
	report(name, (double)(after - before) * 4 / MEM_OBJECTS, "KiB");
	return 0;
}

static int bench_vm_memory(void)
{
	int fds[MEM_OBJECTS], i, ret;
	long before, after;

	usleep(300000);
	before = pages_in_use();
	for (i = 0; i < MEM_OBJECTS; i++) {
		fds[i] = ioctl(kvm, KVM_CREATE_VM, 0);
		if (fds[i] < 0)
			return -1;
	}
	after = pages_in_use();
	ret = report_memory("vm_memory", before, after);
	for (i = 0; i < MEM_OBJECTS; i++)
		close(fds[i]);
	return ret;
}

static int bench_vcpu_memory(void)
{
	int vm, fds[MEM_OBJECTS], i, ret;
	long before, after;

	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return -1;
	usleep(300000);
	before = pages_in_use();
	for (i = 0; i < MEM_OBJECTS; i++) {
		fds[i] = ioctl(vm, KVM_CREATE_VCPU, i);
		if (fds[i] < 0)
			return -1;
	}
	after = pages_in_use();
	ret = report_memory("vcpu_memory", before, after);
	for (i = 0; i < MEM_OBJECTS; i++)
		close(fds[i]);
	close(vm);
	return ret;
}

/*
 * One guest store per page the guest never touched (the host wrote them
 * first, so only the guest mapping is measured), @pages of them @stride
 * bytes apart from DATA_GPA, in a guest of @size bytes in @nslots memslots,
 * then one exit; prints the time per page as benchmark @name.
 */
static int faultin(const char *name, size_t size, int nslots, int pages, size_t stride)
{
	static const uint8_t code[] = {
		0xe3, 0x30, 0x40, 0x00, 0x00, 0x24,	/* +0  stg   %r3,0(%r4) */
		0xb9, 0x08, 0x00, 0x45,			/* +6  agr   %r4,%r5 */
		0xa7, 0x37, 0xff, 0xfb,			/* +10 brctg %r3,+0 */
		0x83, 0x00, 0x05, 0x01,			/* +14 diag  0,0,0x501 */
		0xa7, 0xf4, 0x00, 0x00,			/* +18 j     . */
	};
	struct vm vm;
	double t;
	int i;

	if (DATA_GPA + (size_t)pages * stride > size ||
	    vm_create_sized(&vm, code, sizeof(code), size, nslots, 0))
		return -1;
	for (i = 0; i < pages; i++)
		memset(vm.mem + DATA_GPA + (size_t)i * stride, 1, 4096);
	vm.run->s.regs.gprs[3] = pages;
	vm.run->s.regs.gprs[4] = DATA_GPA;
	vm.run->s.regs.gprs[5] = stride;
	t = now();
	if (run_to_diag(&vm))
		return -1;
	t = now() - t;
	/* Page i holds the guest's counter, pages - i: every store landed. */
	for (i = 0; i < pages; i++) {
		if (*(uint64_t *)(vm.mem + DATA_GPA + (size_t)i * stride) != (uint64_t)(pages - i)) {
			fprintf(stderr, "%s: page %d not stored\n", name, i);
			return -1;
		}
	}
	report(name, t / pages * 1e6, "us");
	vm_destroy(&vm);
	return 0;
}

/* 8192 consecutive pages (32 MiB) of a 64 MiB guest. */
static int bench_faultin(void)
{
	return faultin("faultin_page", MEM_SIZE, 1, 8192, 4096);
}

/* 8000 pages 128 KiB apart over a 1 GiB guest: does the cost per page grow? */
static int bench_faultin_1g(void)
{
	return faultin("faultin_page_1g", 1UL << 30, 1, 8000, 128 << 10);
}

/* 256 pages 1 MiB apart in one 300 MiB memslot ... */
static int bench_faultin_slots_1(void)
{
	return faultin("faultin_slots_1", 300UL << 20, 1, 256, 1 << 20);
}

/* ... and in 300 memslots of 1 MiB: the memslot lookup's share. */
static int bench_faultin_slots_300(void)
{
	return faultin("faultin_slots_300", 300UL << 20, 300, 256, 1 << 20);
}

static int ckc_loop_setup(struct vm *vm, uint64_t rounds, uint64_t data);

/*
 * Each round sets the clock comparator 100 us ahead (%r8 in TOD units) and waits
 * enabled; the handler adds STCK - comparator to %r9, counts in %r4 until %r3, and
 * sets %r11 if it ever ran before the comparator was reached.
 */
static const uint8_t ckc_loop[] = {
	0xb2, 0x05, 0x51, 0x00,			/* +0x00 stck  0x100(%r5) */
	0xe3, 0x70, 0x51, 0x00, 0x00, 0x04,	/* +0x04 lg    %r7,0x100(%r5) */
	0xb9, 0x0a, 0x00, 0x78,			/* +0x0a algr  %r7,%r8 */
	0xe3, 0x70, 0x51, 0x08, 0x00, 0x24,	/* +0x0e stg   %r7,0x108(%r5) */
	0xb2, 0x06, 0x51, 0x08,			/* +0x14 sckc  0x108(%r5) */
	0xb2, 0xb2, 0xa1, 0x00,			/* +0x18 lpswe 0x100(%r10) */
	0xa7, 0xf4, 0x00, 0x00,			/* +0x1c j     . */
	0x07, 0x00, 0x07, 0x00, 0x07, 0x00, 0x07, 0x00,
	0x07, 0x00, 0x07, 0x00, 0x07, 0x00, 0x07, 0x00,
	0x07, 0x00, 0x07, 0x00, 0x07, 0x00, 0x07, 0x00,
	0x07, 0x00, 0x07, 0x00, 0x07, 0x00, 0x07, 0x00,
	/* +0x20 .. +0x3f nopr */
	0xb2, 0x05, 0x51, 0x10,			/* +0x40 stck  0x110(%r5) */
	0xe3, 0x70, 0x51, 0x10, 0x00, 0x04,	/* +0x44 lg    %r7,0x110(%r5) */
	0xe3, 0x70, 0x51, 0x08, 0x00, 0x09,	/* +0x4a sg    %r7,0x108(%r5) */
	0xa7, 0x44, 0x00, 0x0e,			/* +0x50 jl    +0x6c */
	0xb9, 0x08, 0x00, 0x97,			/* +0x54 agr   %r9,%r7 */
	0xa7, 0x4b, 0x00, 0x01,			/* +0x58 aghi  %r4,1 */
	0xb9, 0x20, 0x00, 0x43,			/* +0x5c cgr   %r4,%r3 */
	0xa7, 0x74, 0xff, 0xd0,			/* +0x60 jne   +0x00 */
	0x83, 0x00, 0x05, 0x01,			/* +0x64 diag  0,0,0x501 */
	0xa7, 0xf4, 0x00, 0x00,			/* +0x68 j     . */
	0xa7, 0xb9, 0x00, 0x01,			/* +0x6c lghi  %r11,1 */
	0xa7, 0xf4, 0xff, 0xfa,			/* +0x70 j     +0x64 */
};

static void on_sigusr1(int sig)
{
	(void)sig;
}

/* Runs the vCPU until a signal ends KVM_RUN; returns 0 if it ended so. */
static void *run_until_signal(void *arg)
{
	struct vm *vm = arg;

	if (ioctl(vm->vcpu, KVM_RUN, 0) == -1 && errno == EINTR)
		return NULL;
	return (void *)1;
}

/*
 * Adding and deleting one more memslot (1 MiB) 100 times in a VM with
 * @nslots slots already: the time per add + delete pair. With @running, the
 * VM's vCPU is in KVM_RUN meanwhile, its guest taking a clock-comparator
 * interruption every 100 us (in practice every tick of the host's timer).
 */
static int memslot_change(const char *name, int nslots, int running)
{
	static const uint8_t code[] = { 0x83, 0x00, 0x05, 0x01 };
	const int n = 100;
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	pthread_t thread;
	void *ret;
	struct kvm_userspace_memory_region extra = {
		.slot = nslots,
		.guest_phys_addr = (uint64_t)nslots << 20,
		.memory_size = 1 << 20,
	};
	uint8_t *mem = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	struct vm vm;
	double t;
	int i;

	if (mem == MAP_FAILED)
		return -1;
	if (!running) {
		if (vm_create_sized(&vm, code, sizeof(code), (size_t)nslots << 20, nslots, 0) ||
		    run_to_diag(&vm))
			return -1;
	} else {
		/*
		 * Never done; its data inside the VM's one MiB, apart from the slot
		 * that comes and goes.
		 */
		if (vm_create_sized(&vm, ckc_loop, sizeof(ckc_loop), (size_t)nslots << 20,
				    nslots, 0) || ckc_loop_setup(&vm, ~0UL, 0x80000))
			return -1;
		if (sigaction(SIGUSR1, &sa, NULL) ||
		    pthread_create(&thread, NULL, run_until_signal, &vm))
			return -1;
		usleep(20000);	/* in KVM_RUN by now */
	}
	extra.userspace_addr = (uintptr_t)mem;
	t = now();
	for (i = 0; i < n; i++) {
		extra.memory_size = 1 << 20;
		if (ioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, &extra))
			return -1;
		extra.memory_size = 0;
		if (ioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, &extra))
			return -1;
	}
	t = now() - t;
	if (running) {
		/* immediate_exit covers a signal that comes before KVM_RUN. */
		vm.run->immediate_exit = 1;
		pthread_kill(thread, SIGUSR1);
		/* The guest ran all along, its interruptions none of them early. */
		if (pthread_join(thread, &ret) || ret || !vm.run->s.regs.gprs[4] ||
		    vm.run->s.regs.gprs[11]) {
			fprintf(stderr, "%s: vCPU %s, %llu interruptions, early %llu\n", name,
				ret ? "did not end with EINTR" : "ended",
				(unsigned long long)vm.run->s.regs.gprs[4],
				(unsigned long long)vm.run->s.regs.gprs[11]);
			return -1;
		}
	}
	/* The slot is gone again: adding it once more must succeed. */
	extra.memory_size = 1 << 20;
	if (ioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, &extra)) {
		fprintf(stderr, "%s: the slot was not deleted\n", name);
		return -1;
	}
	report(name, t / n * 1e6, "us");
	vm_destroy(&vm);
	munmap(mem, 1 << 20);
	return 0;
}

static int bench_memslot_change_1(void)
{
	return memslot_change("memslot_change_1", 1, 0);
}

static int bench_memslot_change_300(void)
{
	return memslot_change("memslot_change_300", 300, 0);
}

static int bench_memslot_change_running(void)
{
	return memslot_change("memslot_change_running", 1, 1);
}

/* KVM_GET_DIRTY_LOG of a 1 GiB slot with logging on and no page dirty. */
static int bench_dirty_log_1g(void)
{
	static const uint8_t code[] = { 0x83, 0x00, 0x05, 0x01 };
	const size_t size = 1UL << 30;
	const int n = 50;
	size_t words = size / 4096 / 64, w;
	uint64_t *bitmap = calloc(words, 8);
	struct kvm_dirty_log log = { .slot = 0 };
	struct vm vm;
	double t;
	int i;

	if (!bitmap || vm_create_sized(&vm, code, sizeof(code), size, 1, KVM_MEM_LOG_DIRTY_PAGES))
		return -1;
	log.dirty_bitmap = bitmap;
	/* The first call harvests whatever creation left. */
	if (ioctl(vm.fd, KVM_GET_DIRTY_LOG, &log))
		return -1;
	t = now();
	for (i = 0; i < n; i++) {
		bitmap[0] = bitmap[words - 1] = ~0UL;	/* each call rewrites the bitmap */
		if (ioctl(vm.fd, KVM_GET_DIRTY_LOG, &log))
			return -1;
	}
	t = now() - t;
	for (w = 0; w < words; w++)
		if (bitmap[w]) {
			fprintf(stderr, "dirty_log_1g: pages reported dirty that no one wrote\n");
			return -1;
		}
	report("dirty_log_1g", t / n * 1e6, "us");
	free(bitmap);
	vm_destroy(&vm);
	return 0;
}

/*
 * Creating a VM's first vCPU and its 64th (63 exist), over 8 VMs: the time
 * of the one creation, averaged; both rows come from the same VMs.
 */
static int bench_vcpu_create(void)
{
	const int vms = 8, last = 63;
	double first = 0, nth = 0, t;
	int v, i, vm, fds[64];

	for (v = 0; v < vms; v++) {
		vm = ioctl(kvm, KVM_CREATE_VM, 0);
		if (vm < 0)
			return -1;
		for (i = 0; i <= last; i++) {
			t = now();
			fds[i] = ioctl(vm, KVM_CREATE_VCPU, i);
			t = now() - t;
			if (fds[i] < 0) {
				fprintf(stderr, "vcpu_create: vCPU %d: %s\n", i, strerror(errno));
				return -1;
			}
			if (i == 0)
				first += t;
			else if (i == last)
				nth += t;
		}
		for (i = 0; i <= last; i++)
			close(fds[i]);
		close(vm);
	}
	report("vcpu_create_1st", first / vms * 1e6, "us");
	report("vcpu_create_64th", nth / vms * 1e6, "us");
	return 0;
}

struct exit_loop {
	struct vm *vm;
	int vcpu;
	struct kvm_run *run;
	int n, failed;
};

static void *exit_loop_thread(void *arg)
{
	struct exit_loop *e = arg;
	int i;

	for (i = 0; i < e->n; i++)
		if (ioctl(e->vcpu, KVM_RUN, 0) || e->run->exit_reason != KVM_EXIT_S390_SIEIC ||
		    e->run->s390_sieic.ipa != 0x8300) {
			e->failed = 1;
			break;
		}
	return NULL;
}

/*
 * exit_roundtrip with 4 vCPUs of one VM running it at once, each in its
 * thread: wall time per exit over all of them (the bed has one CPU, so the
 * threads take turns: the row shows what sharing the VM adds).
 */
static int bench_exit_roundtrip_4(void)
{
	struct kvm_s390_psw psw = { .mask = PSW_MASK_64, .addr = CODE_GPA };
	const int nv = 4, n = 5000;
	struct exit_loop e[4];
	pthread_t th[4];
	struct vm vm;
	double t;
	int i;

	if (vm_create(&vm, diag_loop, sizeof(diag_loop)))
		return -1;
	for (i = 0; i < nv; i++) {
		e[i].vm = &vm;
		e[i].n = n;
		e[i].failed = 0;
		e[i].vcpu = i ? ioctl(vm.fd, KVM_CREATE_VCPU, i) : vm.vcpu;
		if (e[i].vcpu < 0)
			return -1;
		e[i].run = i ? mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
				    e[i].vcpu, 0) : vm.run;
		if (e[i].run == MAP_FAILED || ioctl(e[i].vcpu, KVM_S390_SET_INITIAL_PSW, &psw))
			return -1;
	}
	t = now();
	for (i = 0; i < nv; i++)
		if (pthread_create(&th[i], NULL, exit_loop_thread, &e[i]))
			return -1;
	for (i = 0; i < nv; i++)
		pthread_join(th[i], NULL);
	t = now() - t;
	for (i = 0; i < nv; i++)
		if (e[i].failed) {
			fprintf(stderr, "exit_roundtrip_4: vCPU %d: unexpected exit\n", i);
			return -1;
		}
	for (i = 1; i < nv; i++) {
		munmap(e[i].run, run_size);
		close(e[i].vcpu);
	}
	report("exit_roundtrip_4", t / (nv * n) * 1e6, "us");
	vm_destroy(&vm);
	return 0;
}

static int bench_vm_lifecycle(void)
{
	static const uint8_t code[] = { 0x83, 0x00, 0x05, 0x01 };
	const int n = 200;
	struct vm vm;
	double t;
	int i;

	t = now();
	for (i = 0; i < n; i++) {
		if (vm_create(&vm, code, sizeof(code)) || run_to_diag(&vm))
			return -1;
		vm_destroy(&vm);
	}
	t = now() - t;
	report("vm_lifecycle", t / n * 1e6, "us");
	return 0;
}

/* Stores a big-endian doubleword into guest memory. */
static void put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = v;
}

static uint16_t get_be16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

/*
 * Prepares an interrupt benchmark: the external new PSW points at the handler at
 * CODE_GPA + handler, the wait PSW at CODE_GPA + 0x100 is an enabled wait, CR0 enables
 * the subclass cr0_bits; %r10 = CODE_GPA, %r5 = DATA_GPA.
 */
static int irq_setup(struct vm *vm, unsigned int handler, uint64_t cr0_bits)
{
	struct kvm_sregs sregs;

	put_be64(vm->mem + LC_EXT_NEW_PSW, PSW_MASK_64);
	put_be64(vm->mem + LC_EXT_NEW_PSW + 8, CODE_GPA + handler);
	put_be64(vm->mem + CODE_GPA + 0x100, PSW_MASK_64 | PSW_MASK_EXT | PSW_MASK_WAIT);
	put_be64(vm->mem + CODE_GPA + 0x108, CODE_GPA + 4);
	if (ioctl(vm->vcpu, KVM_GET_SREGS, &sregs))
		return -1;
	sregs.crs[0] |= cr0_bits;
	if (ioctl(vm->vcpu, KVM_SET_SREGS, &sregs))
		return -1;
	vm->run->s.regs.gprs[5] = DATA_GPA;
	vm->run->s.regs.gprs[10] = CODE_GPA;
	return 0;
}

/* DIAG 0x44 N times inside one KVM_RUN, then DIAG 0x501. */
static int bench_diag44(void)
{
	static const uint8_t code[] = {
		0x83, 0x00, 0x00, 0x44,		/* +0  diag  0,0,0x44 */
		0xa7, 0x37, 0xff, 0xfe,		/* +4  brctg %r3,+0 */
		0x83, 0x00, 0x05, 0x01,		/* +8  diag  0,0,0x501 */
		0xa7, 0xf4, 0x00, 0x00,		/* +12 j     . */
	};
	const int n = 20000;
	struct vm vm;
	double t;

	if (vm_create(&vm, code, sizeof(code)))
		return -1;
	vm.run->s.regs.gprs[3] = n;
	t = now();
	if (run_to_diag(&vm))
		return -1;
	t = now() - t;
	/* The loop counted down to 0 and left at the DIAG 0x501 after it. */
	if (vm.run->s.regs.gprs[3] != 0 || vm.run->psw_addr != CODE_GPA + 12) {
		fprintf(stderr, "diag44_loop: r3 %llx, PSW at %llx\n",
			(unsigned long long)vm.run->s.regs.gprs[3],
			(unsigned long long)vm.run->psw_addr);
		return -1;
	}
	report("diag44_loop", t / n * 1e6, "us");
	vm_destroy(&vm);
	return 0;
}

static void *run_thread(void *arg)
{
	struct vm *vm = arg;

	return (void *)(intptr_t)run_to_diag(vm);
}

/* The subchannel and queue of irq_inject's virtio-ccw notification (any values). */
#define NOTIFY_SCHID	0x00010002UL
#define NOTIFY_QUEUE	0UL

/*
 * The guest waits enabled; each emergency signal runs the handler, which counts in
 * %r8 and at DATA_GPA, tells the host with a virtio-ccw notification (DIAG 0x500)
 * that an ioeventfd turns into an eventfd signal, and returns to the wait, until the
 * count reaches %r6. Both threads sleep while the other works: the injector in the
 * eventfd's read, the vCPU in its enabled wait. An injector that polled guest
 * memory with sched_yield() measured the scheduler's fairness between two runnable
 * threads instead: from 19 to 136 us per signal on either backend, by what ran
 * before.
 *
 * Most of the time is the host scheduler's, in the two wake-ups, and how it
 * handles them follows the CPU's recent load: right after diag44_loop, mainline's
 * signals took 10 % less time than on their own and ours did not, and after a busy
 * loop both went bimodal. So the row starts from an idle machine (SETTLE_US), like
 * a VMM's I/O thread that waits for its guest.
 */
#define SETTLE_US	200000

static int bench_irq_inject(void)
{
	static const uint8_t code[] = {
		0x07, 0x00, 0x07, 0x00,			/* +0x00 nopr; nopr */
		0xb2, 0xb2, 0xa1, 0x00,			/* +0x04 lpswe 0x100(%r10) */
		0xa7, 0xf4, 0x00, 0x00,			/* +0x08 j     . */
		0x07, 0x00, 0x07, 0x00, 0x07, 0x00, 0x07, 0x00,
		0x07, 0x00, 0x07, 0x00, 0x07, 0x00, 0x07, 0x00,
		0x07, 0x00, 0x07, 0x00,			/* +0x0c .. +0x1f nopr */
		0xa7, 0x8b, 0x00, 0x01,			/* +0x20 aghi  %r8,1 */
		0xe3, 0x80, 0x50, 0x00, 0x00, 0x24,	/* +0x24 stg   %r8,0(%r5) */
		0xb9, 0x04, 0x00, 0x27,			/* +0x2a lgr   %r2,%r7 (subchannel) */
		0xa7, 0x39, 0x00, 0x00,			/* +0x2e lghi  %r3,0 (queue) */
		0xa7, 0x49, 0x00, 0x00,			/* +0x32 lghi  %r4,0 (cookie) */
		0xa7, 0x19, 0x00, 0x03,			/* +0x36 lghi  %r1,3 (notify) */
		0x83, 0x00, 0x05, 0x00,			/* +0x3a diag  0,0,0x500 */
		0xb9, 0x20, 0x00, 0x86,			/* +0x3e cgr   %r8,%r6 */
		0xa7, 0x84, 0x00, 0x04,			/* +0x42 je    +0x4a */
		0xb2, 0xb2, 0x01, 0x30,			/* +0x46 lpswe 0x130 (ext old) */
		0x83, 0x00, 0x05, 0x01,			/* +0x4a diag  0,0,0x501 */
		0xa7, 0xf4, 0x00, 0x00,			/* +0x4e j     . */
	};
	struct kvm_s390_irq irq = { .type = KVM_S390_INT_EMERGENCY, .u.emerg.code = 0 };
	/* A vCPU capability (mainline). */
	struct kvm_enable_cap css = { .cap = KVM_CAP_S390_CSS_SUPPORT };
	struct kvm_ioeventfd notify = {
		.datamatch = NOTIFY_QUEUE,
		.addr = NOTIFY_SCHID,
		.len = 8,
		.flags = KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY | KVM_IOEVENTFD_FLAG_DATAMATCH,
	};
	struct pollfd pfd = { .events = POLLIN };
	volatile uint64_t *count;
	const int n = 2000;
	pthread_t thread;
	uint64_t signals;
	void *ret;
	struct vm vm;
	double t;
	int i;

	usleep(SETTLE_US);
	if (vm_create(&vm, code, sizeof(code)) || irq_setup(&vm, 0x20, CR0_EMERGENCY))
		return -1;
	pfd.fd = eventfd(0, 0);
	notify.fd = pfd.fd;
	if (pfd.fd < 0 || ioctl(vm.vcpu, KVM_ENABLE_CAP, &css) ||
	    ioctl(vm.fd, KVM_IOEVENTFD, &notify)) {
		perror("irq_inject: the notification's ioeventfd");
		return -1;
	}
	count = (volatile uint64_t *)(vm.mem + DATA_GPA);
	vm.run->s.regs.gprs[6] = n;
	vm.run->s.regs.gprs[7] = NOTIFY_SCHID;
	vm.run->s.regs.gprs[8] = 0;
	if (pthread_create(&thread, NULL, run_thread, &vm))
		return -1;
	t = now();
	for (i = 1; i <= n; i++) {
		if (ioctl(vm.vcpu, KVM_S390_IRQ, &irq)) {
			perror("irq_inject: KVM_S390_IRQ");
			return -1;
		}
		/* One signal per notification: the handler ran once more. */
		if (poll(&pfd, 1, 30000) != 1 || read(pfd.fd, &signals, sizeof(signals)) != 8 ||
		    signals != 1 || *count != (uint64_t)i) {
			fprintf(stderr, "irq_inject: signal %d not taken once\n", i);
			return -1;
		}
	}
	t = now() - t;
	if (pthread_join(thread, &ret) || ret)
		return -1;
	/* Every signal was taken once, as an emergency signal from CPU 0. */
	if (*count != (uint64_t)n || vm.run->psw_addr != CODE_GPA + 0x4e ||
	    get_be16(vm.mem + LC_EXT_INT_CODE) != 0x1201 ||
	    get_be16(vm.mem + LC_EXT_CPU_ADDR) != 0) {
		fprintf(stderr, "irq_inject: count %llu, PSW at %llx, code %04x\n",
			(unsigned long long)*count, (unsigned long long)vm.run->psw_addr,
			get_be16(vm.mem + LC_EXT_INT_CODE));
		return -1;
	}
	report("irq_inject", t / n * 1e6, "us");
	close(pfd.fd);
	vm_destroy(&vm);
	return 0;
}

/*
 * Prepares ckc_loop for @rounds clock-comparator interruptions 100 us apart,
 * its data at @data. The wait PSW resumes nowhere: every wake-up is the
 * handler's.
 */
static int ckc_loop_setup(struct vm *vm, uint64_t rounds, uint64_t data)
{
	if (irq_setup(vm, 0x40, CR0_CKC))
		return -1;
	vm->run->s.regs.gprs[3] = rounds;
	vm->run->s.regs.gprs[4] = 0;
	vm->run->s.regs.gprs[5] = data;
	vm->run->s.regs.gprs[8] = 100 << 12;	/* 100 us; TOD bit 51 is 1 us */
	vm->run->s.regs.gprs[9] = 0;
	vm->run->s.regs.gprs[11] = 0;
	return 0;
}

static int bench_ckc_wakeup(void)
{
	const int n = 200;
	struct vm vm;

	if (vm_create(&vm, ckc_loop, sizeof(ckc_loop)) || ckc_loop_setup(&vm, n, DATA_GPA))
		return -1;
	if (run_to_diag(&vm))
		return -1;
	/* n clock-comparator interruptions, none of them early. */
	if (vm.run->s.regs.gprs[4] != (uint64_t)n || vm.run->s.regs.gprs[11] ||
	    vm.run->psw_addr != CODE_GPA + 0x68 ||
	    get_be16(vm.mem + LC_EXT_INT_CODE) != 0x1004) {
		fprintf(stderr, "ckc_wakeup: count %llu, early %llu, PSW at %llx, code %04x\n",
			(unsigned long long)vm.run->s.regs.gprs[4],
			(unsigned long long)vm.run->s.regs.gprs[11],
			(unsigned long long)vm.run->psw_addr,
			get_be16(vm.mem + LC_EXT_INT_CODE));
		return -1;
	}
	report("ckc_wakeup", (double)vm.run->s.regs.gprs[9] / 4096 / n, "us");
	vm_destroy(&vm);
	return 0;
}

static const struct bench {
	const char *name;
	int (*fn)(void);
	/*
	 * The value is how late the host's timer tick lets something happen,
	 * not work the emulator does: no calibration (printed as 0).
	 */
	int tick_bound;
} benches[] = {
	{ "exit_roundtrip", bench_exit_roundtrip },
	{ "run_floor", bench_run_floor },
	{ "memop_read", bench_memop_read },
	{ "memop_cmpxchg", bench_memop_cmpxchg },
	{ "vm_memory", bench_vm_memory },
	{ "vcpu_memory", bench_vcpu_memory },
	{ "faultin_page", bench_faultin },
	{ "faultin_page_1g", bench_faultin_1g },
	{ "faultin_slots_1", bench_faultin_slots_1 },
	{ "faultin_slots_300", bench_faultin_slots_300 },
	{ "memslot_change_1", bench_memslot_change_1 },
	{ "memslot_change_300", bench_memslot_change_300 },
	{ "memslot_change_running", bench_memslot_change_running },
	{ "dirty_log_1g", bench_dirty_log_1g },
	{ "vcpu_create", bench_vcpu_create },
	{ "exit_roundtrip_4", bench_exit_roundtrip_4 },
	{ "vm_lifecycle", bench_vm_lifecycle },
	{ "diag44_loop", bench_diag44 },
	{ "irq_inject", bench_irq_inject },
	{ "ckc_wakeup", bench_ckc_wakeup, 1 },
};

/*
 * Runs one row between two calibrations (none for a tick-bound row) and prints
 * its results; returns 0, or 1 when the row failed.
 */
static int run_row(const struct bench *bench)
{
	double before = 0, after = 0;
	unsigned int r;

	nresults = 0;
	if (!bench->tick_bound)
		before = calibrate();
	if (bench->fn() || nresults == 0) {
		fprintf(stderr, "benchmark %s failed: %s\n", bench->name, strerror(errno));
		return 1;
	}
	if (!bench->tick_bound)
		after = calibrate();
	/* The speed around the row: the mean of the calibrations before and after. */
	for (r = 0; r < nresults; r++)
		printf("BENCH %s %d %.2f %s %.3f\n", results[r].name, repetition,
		       results[r].value, results[r].unit, (before + after) / 2);
	return fflush(stdout) ? 1 : 0;
}

/* Whether benchmark name was asked for: all of them without names after REPS. */
static int wanted(const char *name, int argc, char **argv)
{
	int i;

	for (i = 2; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return argc <= 2;
}

/*
 *   kvm_bench [REPS [NAME...]]
 *   kvm_bench calibrate	prints the calibration alone (for qemu_boot.sh)
 */
int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 5;
	/* A first guest absorbs the test bed's first-fault quirk (see README). */
	static const uint8_t warmup[] = { 0x07, 0x00, 0x07, 0x00, 0x83, 0x00, 0x05, 0x01 };
	struct vm vm;
	size_t b;

	if (argc == 2 && !strcmp(argv[1], "calibrate")) {
		printf("%.3f\n", calibrate());
		return 0;
	}
	kvm = open("/dev/kvm", O_RDWR);
	run_size = kvm < 0 ? -1 : ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (kvm < 0 || run_size <= 0) {
		perror("/dev/kvm");
		return 1;
	}
	if (vm_create(&vm, warmup, sizeof(warmup)) == 0)
		ioctl(vm.vcpu, KVM_RUN, 0);
	vm_destroy(&vm);

	for (repetition = 1; repetition <= reps; repetition++)
		for (b = 0; b < sizeof(benches) / sizeof(benches[0]); b++)
			if (wanted(benches[b].name, argc, argv) && run_row(&benches[b]))
				return 1;
	close(kvm);
	return 0;
}
