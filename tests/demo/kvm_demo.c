// SPDX-License-Identifier: GPL-2.0
/*
 * The main job's demo (`make run`): a tiny VMM that shows, step by step, what
 * the loaded kvm.ko does: capabilities, a VM with guest memory and vCPUs,
 * their registers, a reset, and then a real guest under SIE: a few
 * instructions of s390 machine code that compute Fibonacci numbers, report
 * each one through DIAG 0x501 (the exit the KVM selftests use for their
 * ucalls) and store the last into guest memory.  Exits non-zero if a step
 * that must work fails or the guest computes a wrong number.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#define NR_VCPUS 4
#define GUEST_MEM (16UL << 20)

static int must(int r, const char *what)
{
	if (r < 0) {
		printf("%-40s FAILED: %s\n", what, strerror(errno));
		exit(1);
	}
	return r;
}

#define CODE_GPA	0x10000UL
#define RESULT_GPA	0x20000UL
#define FIB_COUNT	20

/*
 * The guest, 64-bit mode, DAT off:
 *   %r2, %r3 = fib(n), fib(n+1); report %r2 with DIAG 0x501, FIB_COUNT times;
 *   then store fib(FIB_COUNT) at 0(%r7), set %r6 = 1 and report once more.
 */
static const unsigned char guest_code[] = {
	0xa7, 0x29, 0x00, 0x00,			/* +0  lghi  %r2,0 */
	0xa7, 0x39, 0x00, 0x01,			/* +4  lghi  %r3,1 */
	0xa7, 0x49, 0x00, FIB_COUNT,		/* +8  lghi  %r4,FIB_COUNT */
	0x83, 0x00, 0x05, 0x01,			/* +12 diag  0,0,0x501 */
	0xb9, 0x04, 0x00, 0x53,			/* +16 lgr   %r5,%r3 */
	0xb9, 0x08, 0x00, 0x32,			/* +20 agr   %r3,%r2 */
	0xb9, 0x04, 0x00, 0x25,			/* +24 lgr   %r2,%r5 */
	0xa7, 0x47, 0xff, 0xf8,			/* +28 brctg %r4,+12 */
	0xe3, 0x20, 0x70, 0x00, 0x00, 0x24,	/* +32 stg   %r2,0(%r7) */
	0xa7, 0x69, 0x00, 0x01,			/* +38 lghi  %r6,1 */
	0x83, 0x00, 0x05, 0x01,			/* +42 diag  0,0,0x501 */
	0xa7, 0xf4, 0x00, 0x00,			/* +46 j     . */
};

static void on_alarm(int sig)
{
	(void)sig;
}

/* Runs the guest on a fresh (stopped, reset) vCPU and prints what it reports. */
static int run_guest(int vcpu, struct kvm_run *run, unsigned char *mem)
{
	struct kvm_s390_psw psw = { .mask = 0x0000000180000000UL, .addr = CODE_GPA };
	unsigned long long a = 0, b = 1, t;
	int n = 0;

	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */

	/* A guest that never reports must not hang the demo: SIGALRM ends KVM_RUN. */
	sigaction(SIGALRM, &sa, NULL);
	alarm(60);
	memcpy(mem + CODE_GPA, guest_code, sizeof(guest_code));
	must(ioctl(vcpu, KVM_S390_SET_INITIAL_PSW, &psw), "KVM_S390_SET_INITIAL_PSW");
	run->s.regs.gprs[6] = 0;
	run->s.regs.gprs[7] = RESULT_GPA;
	printf("running the guest (Fibonacci, %d ucalls)\n", FIB_COUNT);
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			printf("KVM_RUN: %s (exit reason %u, PSW %016llx %016llx)\n", strerror(errno),
			       run->exit_reason, run->psw_mask, run->psw_addr);
			return 1;
		}
		if (run->exit_reason != KVM_EXIT_S390_SIEIC || run->s390_sieic.ipa != 0x8300) {
			printf("unexpected exit: reason %u icptcode %u ipa %04x at %llx\n",
			       run->exit_reason, run->s390_sieic.icptcode, run->s390_sieic.ipa,
			       run->psw_addr);
			return 1;
		}
		if (run->s.regs.gprs[6])
			break;
		printf("  guest: fib(%2d) = %llu\n", n, run->s.regs.gprs[2]);
		if (run->s.regs.gprs[2] != a) {
			printf("  wrong: expected %llu\n", a);
			return 1;
		}
		t = a + b;
		a = b;
		b = t;
		n++;
	}
	printf("guest stored fib(%d) = %llu at guest address %#lx; the host reads %llu there\n",
	       n, run->s.regs.gprs[2], RESULT_GPA, *(unsigned long long *)(mem + RESULT_GPA));
	if (n != FIB_COUNT || *(unsigned long long *)(mem + RESULT_GPA) != a) {
		printf("  wrong: expected %d reports and %llu in memory\n", FIB_COUNT, a);
		return 1;
	}
	printf("guest PSW at the end                     %016llx %016llx\n",
	       run->psw_mask, run->psw_addr);
	alarm(0);
	return 0;
}

int main(void)
{
	int kvm = must(open("/dev/kvm", O_RDWR), "open /dev/kvm");
	int vm, vcpu[NR_VCPUS], i, mmap_size;
	struct kvm_run *run[NR_VCPUS];
	struct kvm_userspace_memory_region region;
	struct kvm_s390_psw psw = { .mask = 0x0000000180000000UL, .addr = 0x10000 };
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	unsigned char *mem;

	printf("KVM API version                          %d\n",
	       must(ioctl(kvm, KVM_GET_API_VERSION, 0), "KVM_GET_API_VERSION"));
	printf("KVM_CAP_MAX_VCPUS                        %d\n",
	       ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS));
	printf("KVM_CAP_NR_VCPUS                         %d\n",
	       ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS));
	printf("KVM_CAP_NR_MEMSLOTS                      %d\n",
	       ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS));
	printf("KVM_CAP_S390_PSW                         %d\n",
	       ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_S390_PSW));
	mmap_size = must(ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), "KVM_GET_VCPU_MMAP_SIZE");

	vm = must(ioctl(kvm, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
	printf("created VM                               fd %d\n", vm);

	mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = GUEST_MEM,
		.userspace_addr = (unsigned long)mem,
	};
	must(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region), "KVM_SET_USER_MEMORY_REGION");
	printf("guest memory                             %lu MiB at guest address 0\n", GUEST_MEM >> 20);

	for (i = 0; i < NR_VCPUS; i++) {
		vcpu[i] = must(ioctl(vm, KVM_CREATE_VCPU, i), "KVM_CREATE_VCPU");
		run[i] = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu[i], 0);
		if (run[i] == MAP_FAILED)
			return 1;
	}
	printf("created vCPUs                            %d\n", NR_VCPUS);

	must(ioctl(vcpu[0], KVM_S390_SET_INITIAL_PSW, &psw), "KVM_S390_SET_INITIAL_PSW");
	printf("vCPU 0 initial PSW                       %016llx %016llx\n",
	       run[0]->psw_mask, run[0]->psw_addr);
	for (i = 0; i < 16; i++)
		regs.gprs[i] = 0x1111111111111111ULL * (i & 0xf);
	must(ioctl(vcpu[0], KVM_SET_REGS, &regs), "KVM_SET_REGS");
	memset(&regs, 0, sizeof(regs));
	must(ioctl(vcpu[0], KVM_GET_REGS, &regs), "KVM_GET_REGS");
	printf("vCPU 0 r15 after SET/GET_REGS            %016llx\n", regs.gprs[15]);
	must(ioctl(vcpu[0], KVM_GET_SREGS, &sregs), "KVM_GET_SREGS");
	printf("vCPU 0 cr0 cr14                          %016llx %016llx\n", sregs.crs[0], sregs.crs[14]);

	must(ioctl(vcpu[0], KVM_S390_INITIAL_RESET, 0), "KVM_S390_INITIAL_RESET");
	printf("vCPU 0 PSW after initial reset           %016llx %016llx\n",
	       run[0]->psw_mask, run[0]->psw_addr);

	if (run_guest(vcpu[0], run[0], mem))
		return 1;

	for (i = 0; i < NR_VCPUS; i++) {
		munmap(run[i], mmap_size);
		close(vcpu[i]);
	}
	close(vm);
	close(kvm);
	printf("VM destroyed\n");
	return 0;
}
