// SPDX-License-Identifier: GPL-2.0
/*
 * The main job's demo (`make run`): a tiny VMM that shows, step by step, what
 * the loaded kvm.ko does: capabilities, a VM with guest memory and vCPUs,
 * their registers, a reset, and what KVM_RUN answers.  Exits non-zero if a
 * step that must work fails.
 */
#include <errno.h>
#include <fcntl.h>
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

int main(void)
{
	int kvm = must(open("/dev/kvm", O_RDWR), "open /dev/kvm");
	int vm, vcpu[NR_VCPUS], i, mmap_size;
	struct kvm_run *run[NR_VCPUS];
	struct kvm_userspace_memory_region region;
	struct kvm_s390_psw psw = { .mask = 0x0000000180000000UL, .addr = 0x10000 };
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	void *mem;

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

	if (ioctl(vcpu[0], KVM_RUN, 0) < 0)
		printf("KVM_RUN                                  %s\n", strerror(errno));
	else
		printf("KVM_RUN                                  exit reason %u\n", run[0]->exit_reason);

	for (i = 0; i < NR_VCPUS; i++) {
		munmap(run[i], mmap_size);
		close(vcpu[i]);
	}
	close(vm);
	close(kvm);
	printf("VM destroyed\n");
	return 0;
}
