// SPDX-License-Identifier: GPL-2.0
/*
 * Micro-benchmarks of the paths the backend owns, run under Hercules by
 * tools/bench.sh with each backend in turn; the script prints the ratios.
 * Each benchmark runs REPS times (argument 1, default 5); each repetition
 * prints "BENCH <name> <repetition> <value> <unit>" (lower is better).
 * Every loop checks that it measured what it claims (the exits it expects,
 * the guest's stores in memory) and fails the run otherwise.
 *
 *   exit_roundtrip   KVM_RUN entry, a DIAG 0x501 intercept, return to user
 *                    space: the cost of one ucall
 *   faultin_page     a guest store to a page no vCPU touched before: the
 *                    host DAT fault, the memslot lookup, the mapping
 *   vm_lifecycle     create a VM with a memslot and a vCPU, run one guest
 *                    instruction, destroy it all
 *
 * Absolute numbers mean little on an emulator; the ratio between the
 * backends in the same run is what tells.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#define MEM_SIZE	(64UL << 20)
#define CODE_GPA	0x10000UL
#define DATA_GPA	0x100000UL
#define PSW_MASK_64	0x0000000180000000UL

struct vm {
	int fd, vcpu;
	struct kvm_run *run;
	uint8_t *mem;
};

static int kvm, run_size;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int vm_create(struct vm *vm, const uint8_t *code, size_t len)
{
	struct kvm_userspace_memory_region slot = { .memory_size = MEM_SIZE };
	struct kvm_s390_psw psw = { .mask = PSW_MASK_64, .addr = CODE_GPA };

	vm->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	vm->fd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm->mem == MAP_FAILED || vm->fd < 0)
		return -1;
	memcpy(vm->mem + CODE_GPA, code, len);
	slot.userspace_addr = (uintptr_t)vm->mem;
	vm->vcpu = -1;
	vm->run = MAP_FAILED;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &slot) ||
	    (vm->vcpu = ioctl(vm->fd, KVM_CREATE_VCPU, 0)) < 0)
		return -1;
	vm->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu, 0);
	if (vm->run == MAP_FAILED || ioctl(vm->vcpu, KVM_S390_SET_INITIAL_PSW, &psw))
		return -1;
	return 0;
}

static void vm_destroy(struct vm *vm)
{
	if (vm->run != MAP_FAILED)
		munmap(vm->run, run_size);
	if (vm->vcpu >= 0)
		close(vm->vcpu);
	close(vm->fd);
	munmap(vm->mem, MEM_SIZE);
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
static int bench_exit_roundtrip(int rep)
{
	static const uint8_t code[] = {
		0x83, 0x00, 0x05, 0x01,		/* diag 0,0,0x501 */
		0xa7, 0xf4, 0xff, 0xfe,		/* j    -4 */
	};
	const int n = 20000;
	struct vm vm;
	double t;
	int i;

	if (vm_create(&vm, code, sizeof(code)) || run_to_diag(&vm))
		return -1;
	t = now();
	for (i = 0; i < n; i++)
		if (run_to_diag(&vm))
			return -1;
	t = now() - t;
	/* Each exit was the DIAG at CODE_GPA (run_to_diag checked the ipa). */
	if (vm.run->psw_addr != CODE_GPA + 4) {
		fprintf(stderr, "exit_roundtrip: PSW at %llx\n", (unsigned long long)vm.run->psw_addr);
		return -1;
	}
	printf("BENCH exit_roundtrip %d %.2f us\n", rep, t / n * 1e6);
	vm_destroy(&vm);
	return 0;
}

/* One store per fresh page, over 8192 pages (32 MiB), then one exit. */
static int bench_faultin(int rep)
{
	static const uint8_t code[] = {
		0xe3, 0x30, 0x40, 0x00, 0x00, 0x24,	/* +0  stg   %r3,0(%r4) */
		0xa7, 0x4b, 0x10, 0x00,			/* +6  aghi  %r4,4096 */
		0xa7, 0x37, 0xff, 0xfb,			/* +10 brctg %r3,+0 */
		0x83, 0x00, 0x05, 0x01,			/* +14 diag  0,0,0x501 */
		0xa7, 0xf4, 0x00, 0x00,			/* +18 j     . */
	};
	const int pages = 8192;
	struct vm vm;
	double t;
	int i;

	if (vm_create(&vm, code, sizeof(code)))
		return -1;
	/* The host touches the pages first: only the guest mapping is measured. */
	memset(vm.mem + DATA_GPA, 1, (size_t)pages * 4096);
	vm.run->s.regs.gprs[3] = pages;
	vm.run->s.regs.gprs[4] = DATA_GPA;
	t = now();
	if (run_to_diag(&vm))
		return -1;
	t = now() - t;
	/* Page i holds the guest's counter, pages - i: every store landed. */
	for (i = 0; i < pages; i++) {
		if (*(uint64_t *)(vm.mem + DATA_GPA + (size_t)i * 4096) != (uint64_t)(pages - i)) {
			fprintf(stderr, "faultin_page: page %d not stored\n", i);
			return -1;
		}
	}
	printf("BENCH faultin_page %d %.2f us\n", rep, t / pages * 1e6);
	vm_destroy(&vm);
	return 0;
}

static int bench_vm_lifecycle(int rep)
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
	printf("BENCH vm_lifecycle %d %.2f us\n", rep, t / n * 1e6);
	return 0;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 5, rep;
	/* A first guest absorbs the test bed's first-fault quirk (see README). */
	static const uint8_t warmup[] = { 0x07, 0x00, 0x07, 0x00, 0x83, 0x00, 0x05, 0x01 };
	struct vm vm;

	kvm = open("/dev/kvm", O_RDWR);
	run_size = kvm < 0 ? -1 : ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (kvm < 0 || run_size <= 0) {
		perror("/dev/kvm");
		return 1;
	}
	if (vm_create(&vm, warmup, sizeof(warmup)) == 0)
		ioctl(vm.vcpu, KVM_RUN, 0);
	vm_destroy(&vm);

	for (rep = 1; rep <= reps; rep++) {
		if (bench_exit_roundtrip(rep) || bench_faultin(rep) || bench_vm_lifecycle(rep)) {
			fprintf(stderr, "benchmark failed: %s\n", strerror(errno));
			return 1;
		}
		fflush(stdout);
	}
	return 0;
}
