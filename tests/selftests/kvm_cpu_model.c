// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU-model VM attributes (Documentation/virt/kvm/devices/vm.rst,
 * KVM_S390_VM_CPU_MODEL): reading the processor and the machine, setting
 * the processor before the first vCPU (EBUSY after), the errno of unknown
 * attributes and bad addresses, and the guest's view: STFLE in the guest
 * stores exactly the facility list the attribute reports.
 */
#include "kvm_util_min.h"

#define CODE_GPA	0x10000UL
#define LIST_GPA	0x20000UL
#define PSW_MASK_64	0x0000000180000000UL

static int vm_attr(int vm, unsigned long ioctl_nr, uint64_t attr, void *val)
{
	struct kvm_device_attr a = {
		.group = KVM_S390_VM_CPU_MODEL,
		.attr = attr,
		.addr = (uintptr_t)val,
	};

	return ioctl(vm, ioctl_nr, &a);
}

/* The test bed, from the kvmtest.bed= parameter the test beds put on the command line. */
static int on_hercules(void)
{
	char line[1024] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	return strstr(line, "kvmtest.bed=hercules") != NULL;
}

static int test_facility(const __u64 *list, unsigned int nr)
{
	return (list[nr / 64] >> (63 - nr % 64)) & 1;
}

FIXTURE(model) {
	int kvm;
	int vm;
};

FIXTURE_SETUP(model)
{
	self->vm = -1;
	OPEN_KVM_OR_SKIP(self->kvm);
	/* Both backends implement the CPU-model group. */
	ASSERT_EQ(1, kvm_check_cap(self->kvm, KVM_CAP_VM_ATTRIBUTES));
	ASSERT_FD(self->vm, kvm_create_vm(self->kvm));
}

FIXTURE_TEARDOWN(model)
{
	if (self->vm >= 0)
		close(self->vm);
}

TEST_F(model, read_processor_and_machine)
{
	struct kvm_s390_vm_cpu_processor proc;
	struct kvm_s390_vm_cpu_machine mach;
	unsigned int i;

	ASSERT_OK(vm_attr(self->vm, KVM_HAS_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR, NULL));
	ASSERT_OK(vm_attr(self->vm, KVM_HAS_DEVICE_ATTR, KVM_S390_VM_CPU_MACHINE, NULL));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR, &proc));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_MACHINE, &mach));
	/* A guest's CPU id carries version 0xff (kvm_s390_get_initial_cpuid). */
	EXPECT_EQ(0xff, proc.cpuid >> 56);
	/* Same machine, same CPU id apart from the version. */
	EXPECT_EQ(mach.cpuid << 8, proc.cpuid << 8);
	/* z/Architecture (facility 2) is on every guest, and czam (138) is indicated. */
	EXPECT_TRUE(test_facility(proc.fac_list, 2));
	EXPECT_TRUE(test_facility(proc.fac_list, 138));
	/*
	 * The guest gets nothing the host lacks, except what the hypervisor
	 * provides itself: the indication 138 and, where the backend emulates
	 * STHYI (mainline does, kvm_arch_init_vm), facility 74.
	 */
	for (i = 0; i < 16; i++) {
		uint64_t extra = proc.fac_list[i] & ~mach.fac_list[i];

		if (i == 1)
			extra &= ~(1UL << (63 - 74 % 64));
		if (i == 2)
			extra &= ~(1UL << (63 - 138 % 64));
		EXPECT_EQ(0, extra) TH_LOG("doubleword %u", i);
	}
}

TEST_F(model, set_processor_before_vcpus_only)
{
	struct kvm_s390_vm_cpu_processor proc, back;
	int vcpu;

	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR, &proc));
	proc.cpuid = 0xff00123420960000UL;
	proc.fac_list[0] &= ~(1UL << (63 - 7));		/* STFLE off */
	ASSERT_OK(vm_attr(self->vm, KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR, &proc));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR, &back));
	EXPECT_EQ(proc.cpuid, back.cpuid);
	EXPECT_EQ(0, memcmp(proc.fac_list, back.fac_list, sizeof(proc.fac_list)));

	ASSERT_FD(vcpu, kvm_create_vcpu(self->vm, 0));
	/* kvm_s390_set_processor: EBUSY once a vCPU exists. */
	EXPECT_ERRNO(EBUSY, vm_attr(self->vm, KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR, &proc));
	close(vcpu);
}

TEST_F(model, bad_input)
{
	struct kvm_s390_vm_cpu_processor proc;
	struct kvm_device_attr a = { .group = 0x7fff, .attr = 0 };

	/* kvm_s390_vm_{has,get,set}_attr: unknown groups and attributes are ENXIO. */
	EXPECT_ERRNO(ENXIO, ioctl(self->vm, KVM_HAS_DEVICE_ATTR, &a));
	EXPECT_ERRNO(ENXIO, ioctl(self->vm, KVM_GET_DEVICE_ATTR, &a));
	EXPECT_ERRNO(ENXIO, vm_attr(self->vm, KVM_HAS_DEVICE_ATTR, 0x7fff, NULL));
	/* The machine is read only (kvm_s390_set_cpu_model: ENXIO). */
	EXPECT_ERRNO(ENXIO, vm_attr(self->vm, KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_MACHINE, &proc));
	/* Values at bad addresses are EFAULT. */
	EXPECT_ERRNO(EFAULT, vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR, (void *)8));
	EXPECT_ERRNO(EFAULT, vm_attr(self->vm, KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR, (void *)8));
	/* The attribute itself at a bad address is EFAULT (copy_from_user). */
	EXPECT_ERRNO(EFAULT, ioctl(self->vm, KVM_GET_DEVICE_ATTR, (void *)8));
}

/*
 * The instruction-blocking control: a new VM gets the machine's unblocked
 * level (the low 12 bits of the SCLP IBC field, kvm_arch_init_vm); a write
 * is clamped to the machine's range, and a machine without IBC support
 * (lowest level 0) or a request of 0 keeps the current value
 * (kvm_s390_set_processor).  The value reaches every vCPU's SIE block
 * (kvm_s390_vcpu_setup_model); no ioctl reads that back, so the SIE block
 * encoding is checked by the host test sie_ibc_field_round_trips_and_keeps_
 * the_prefix, and vCPUs created here must still run (see kvm_guest_run).
 */
TEST_F(model, ibc_follows_the_machine)
{
	struct kvm_s390_vm_cpu_processor proc, back;
	struct kvm_s390_vm_cpu_machine mach;
	uint16_t lowest, unblocked, want;
	int vcpu;

	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_MACHINE, &mach));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR, &proc));
	lowest = (mach.ibc >> 16) & 0xfff;
	unblocked = mach.ibc & 0xfff;
	TH_LOG("machine ibc 0x%08x (lowest 0x%03x, unblocked 0x%03x), guest 0x%03x",
	       mach.ibc, lowest, unblocked, proc.ibc);
	EXPECT_EQ(unblocked, proc.ibc);

	proc.ibc = 0xfff;
	ASSERT_OK(vm_attr(self->vm, KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR, &proc));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR, &back));
	/* Above the range: the unblocked level; without IBC: unchanged, the same. */
	want = unblocked;
	EXPECT_EQ(want, back.ibc);

	proc.ibc = 1;
	ASSERT_OK(vm_attr(self->vm, KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR, &proc));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR, &back));
	want = lowest ? (1 < lowest ? lowest : 1) : unblocked;
	EXPECT_EQ(want, back.ibc);

	ASSERT_FD(vcpu, kvm_create_vcpu(self->vm, 0));
	close(vcpu);
}

/* STFLE in the guest stores the list KVM_S390_VM_CPU_PROCESSOR reports. */
TEST_F(model, guest_stfle_sees_the_list)
{
	static const uint8_t code[] = {
		0xa7, 0x09, 0x00, 0x03,		/* lghi  %r0,3: 4 doublewords */
		0xb2, 0xb0, 0x40, 0x00,		/* stfle 0(%r4) */
		0x83, 0x00, 0x05, 0x01,		/* diag  0,0,0x501 */
		0xa7, 0xf4, 0x00, 0x00,		/* j . */
	};
	struct kvm_s390_psw psw = { .mask = PSW_MASK_64, .addr = CODE_GPA };
	struct kvm_s390_vm_cpu_processor proc;
	struct kvm_run *run;
	uint8_t *mem;
	int vcpu;

	mem = kvm_alloc_aligned(SZ_1M, SZ_1M);
	ASSERT_NE(MAP_FAILED, mem);
	memcpy(mem + CODE_GPA, code, sizeof(code));
	memset(mem + LIST_GPA, 0xaa, 64);
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, SZ_1M, (uintptr_t)mem));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR, &proc));
	ASSERT_FD(vcpu, kvm_create_vcpu(self->vm, 0));
	run = kvm_map_run(self->kvm, vcpu);
	ASSERT_NE(MAP_FAILED, run);
	ASSERT_OK(ioctl(vcpu, KVM_S390_SET_INITIAL_PSW, &psw));
	run->s.regs.gprs[4] = LIST_GPA;
	ASSERT_OK(ioctl(vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_S390_SIEIC, run->exit_reason);
	ASSERT_EQ(0x8300, run->s390_sieic.ipa);
	if (memcmp(mem + LIST_GPA, proc.fac_list, 4 * sizeof(uint64_t)) && on_hercules()) {
		struct kvm_s390_vm_cpu_machine mach;

		ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_MACHINE, &mach));
		if (!memcmp(mem + LIST_GPA, mach.fac_list, 2 * sizeof(uint64_t)))
			SKIP(goto out, "test bed: Hercules' SIE stores its own facility list for STFLE, ignoring the SIE block's facility-list designation");
	}
	EXPECT_EQ(0, memcmp(mem + LIST_GPA, proc.fac_list, 4 * sizeof(uint64_t)))
		TH_LOG("guest %016lx %016lx %016lx, attribute %016llx %016llx %016llx",
		       ((uint64_t *)(mem + LIST_GPA))[0], ((uint64_t *)(mem + LIST_GPA))[1],
		       ((uint64_t *)(mem + LIST_GPA))[2], proc.fac_list[0], proc.fac_list[1],
		       proc.fac_list[2]);
out:
	munmap(run, getpagesize());
	close(vcpu);
	munmap(mem, SZ_1M);
}

TEST_HARNESS_MAIN
