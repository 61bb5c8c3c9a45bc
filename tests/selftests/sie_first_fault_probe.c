// SPDX-License-Identifier: GPL-2.0
/*
 * Probe for a test-bed quirk, run once right after the module is loaded.
 *
 * Under Hercules, the first host DAT fault after boot that SIE takes on a
 * guest's instruction fetch leaves the guest PSW 2 bytes past the faulting
 * instruction (seen with mainline 7.3 and with this backend alike).  It
 * happens once per emulated CPU, so the probe runs on every online CPU in
 * turn.  The
 * backend's fault path does not touch the PSW: it maps the page and enters
 * SIE again, so the guest then resumes in the middle of its instruction.
 *
 * This program runs a guest twice, each time in a fresh VM whose first
 * instruction's page is not mapped yet:
 *
 *   +0  lghi %r2,1        a7 29 00 01
 *   +4  diag 0,0,0x501    exit with %r2 == 1
 *
 * Resumed at +2, the CPU sees opcode 0x00 (operation exception) and takes
 * the program new PSW to a handler that exits at another address.  The
 * second round must run correctly: otherwise the quirk is not limited to
 * the first fault and guest tests on this bed would be unreliable (FAIL).
 * If only the first round hits it, the result is SKIP with the reason, and
 * the guest tests that follow run on a bed past its quirk.
 *
 * Exit status: 0 no quirk seen, 4 quirk seen once (SKIP), 1 failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#define MEM_SIZE	0x100000UL
#define CODE_GPA	0x10000UL
#define HANDLER_GPA	0x10100UL
#define PSW_MASK_64	0x0000000180000000UL

enum outcome { RAN_CORRECTLY, RESUMED_MID_INSTRUCTION, BROKEN };

static enum outcome run_round(int kvm, int round)
{
	static const uint8_t code[] = { 0xa7, 0x29, 0x00, 0x01, 0x83, 0x00, 0x05, 0x01 };
	static const uint8_t handler[] = { 0x83, 0x00, 0x05, 0x01 };
	struct kvm_s390_psw psw = { .mask = PSW_MASK_64, .addr = CODE_GPA };
	struct kvm_userspace_memory_region slot = { .memory_size = MEM_SIZE };
	enum outcome result = BROKEN;
	struct kvm_run *run;
	int vm, vcpu, size;
	uint8_t *mem;

	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mem == MAP_FAILED || vm < 0 || size <= 0) {
		printf("round %d: set-up failed: %s\n", round, strerror(errno));
		return BROKEN;
	}
	memcpy(mem + CODE_GPA, code, sizeof(code));
	memcpy(mem + HANDLER_GPA, handler, sizeof(handler));
	((uint64_t *)(mem + 0x1d0))[0] = PSW_MASK_64;	/* program new PSW */
	((uint64_t *)(mem + 0x1d0))[1] = HANDLER_GPA;
	slot.userspace_addr = (uintptr_t)mem;
	vcpu = -1;
	run = MAP_FAILED;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) ||
	    (vcpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0 ||
	    (run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0)) == MAP_FAILED ||
	    ioctl(vcpu, KVM_S390_SET_INITIAL_PSW, &psw) || ioctl(vcpu, KVM_RUN, 0)) {
		printf("round %d: %s\n", round, strerror(errno));
		goto out;
	}
	if (run->exit_reason != KVM_EXIT_S390_SIEIC || run->s390_sieic.ipa != 0x8300) {
		printf("round %d: unexpected exit %u\n", round, run->exit_reason);
		goto out;
	}
	printf("round %d: exit at %#llx, %%r2 = %llu, program code %u\n", round,
	       (unsigned long long)run->psw_addr, (unsigned long long)run->s.regs.gprs[2],
	       *(uint16_t *)(mem + 0x8e));
	if (run->psw_addr == CODE_GPA + 8 && run->s.regs.gprs[2] == 1)
		result = RAN_CORRECTLY;
	else if (run->psw_addr == HANDLER_GPA + 4)
		result = RESUMED_MID_INSTRUCTION;
out:
	if (run != MAP_FAILED)
		munmap(run, size);
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	munmap(mem, MEM_SIZE);
	return result;
}

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR);
	int cpu, ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	int quirky = 0, broken = 0;
	char seen[256] = "";

	if (kvm < 0) {
		printf("FAIL: /dev/kvm: %s\n", strerror(errno));
		return 1;
	}
	for (cpu = 0; cpu < ncpus; cpu++) {
		enum outcome first, second;
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			printf("FAIL: cannot run on CPU %d: %s\n", cpu, strerror(errno));
			return 1;
		}
		printf("CPU %d:\n", cpu);
		first = run_round(kvm, 1);
		second = run_round(kvm, 2);
		if (first == BROKEN || second != RAN_CORRECTLY) {
			printf("CPU %d: the guest did not run correctly (rounds: %d, %d)\n", cpu,
			       first, second);
			broken = 1;
		} else if (first == RESUMED_MID_INSTRUCTION) {
			quirky++;
			snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), " %d", cpu);
		}
	}
	if (broken) {
		printf("FAIL: a guest did not run correctly\n");
		return 1;
	}
	if (quirky) {
		printf("SKIP: test-bed quirk: the first instruction-fetch fault after boot left the guest PSW 2 bytes into its instruction (CPU%s); later faults are fine\n", seen);
		return 4;
	}
	printf("PASS: every round on every CPU ran correctly\n");
	return 0;
}
