// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU-model VM attributes (Documentation/virt/kvm/devices/vm.rst,
 * KVM_S390_VM_CPU_MODEL): reading the processor and the machine, setting
 * the processor before the first vCPU (EBUSY after), the errno of unknown
 * attributes and bad addresses, and the guest's view: STFLE in the guest
 * stores exactly the facility list the attribute reports.  The CPU features
 * and instruction subfunctions (KVM_S390_VM_CPU_{MACHINE,PROCESSOR}_{FEAT,
 * SUBFUNC}): what the machine offers, a VM's choice among it, and the same
 * errno as mainline for each bad input.  The machine's features and
 * subfunctions are printed so that the two backends can be compared.
 */
#include <sched.h>
#include <stddef.h>

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
	cpu_set_t here;

	/*
	 * Stay on one host CPU: the host CPU id carries the CPU address in its
	 * serial on Hercules (and z/VM), and both backends read it on the CPU
	 * at hand, once when the VM is created and again for the MACHINE
	 * attribute.
	 */
	CPU_ZERO(&here);
	CPU_SET(sched_getcpu(), &here);
	ASSERT_OK(sched_setaffinity(0, sizeof(here), &here));
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

static int test_feat(const __u64 *feat, unsigned int nr)
{
	return (feat[nr / 64] >> (63 - nr % 64)) & 1;
}

/* PLO's "test bit" form, run here in user space (not privileged, always installed). */
static int plo_test_bit(unsigned int nr)
{
	register unsigned long r0 asm("0") = 0x100UL | nr;
	int cc;

	asm volatile("	plo	0,0,0,0(0)\n"
		     "	ipm	%[cc]\n"
		     "	srl	%[cc],28\n"
		     : [cc] "=d" (cc) : "d" (r0) : "cc");
	return cc == 0;
}

static void print_block(struct __test_metadata *_metadata, const char *name,
			const __u8 *b, size_t len)
{
	char hex[2 * 32 + 1];
	size_t i;

	for (i = 0; i < len && i < 32; i++)
		sprintf(hex + 2 * i, "%02x", b[i]);
	TH_LOG("%-7s %s", name, hex);
}

/*
 * QEMU asks KVM_HAS_DEVICE_ATTR for 0-5 before it uses CPU models at all, and
 * for the protected-virtualization pair (6, 7) before it reads them.
 */
TEST_F(model, has_every_attribute)
{
	uint64_t attr;

	for (attr = KVM_S390_VM_CPU_PROCESSOR; attr <= KVM_S390_VM_CPU_MACHINE_UV_FEAT_GUEST; attr++) {
		EXPECT_EQ(0, vm_attr(self->vm, KVM_HAS_DEVICE_ATTR, attr, NULL))
			TH_LOG("attribute %lu: errno %d", attr, errno);
	}
	EXPECT_ERRNO(ENXIO, vm_attr(self->vm, KVM_HAS_DEVICE_ATTR, 8, NULL));
	EXPECT_ERRNO(ENXIO, vm_attr(self->vm, KVM_GET_DEVICE_ATTR, 8, NULL));
	EXPECT_ERRNO(ENXIO, vm_attr(self->vm, KVM_SET_DEVICE_ATTR, 8, NULL));
}

/*
 * The ultravisor features of a protected guest: a subset of the machine's
 * (none on a machine without an ultravisor, and none on ours, which has no
 * protected virtualization), before the first vCPU.
 */
TEST_F(model, uv_features_within_the_machine)
{
	struct kvm_s390_vm_cpu_uv_feat mach = { .feat = ~0ULL }, feat, back = { .feat = ~0ULL };
	enum kvm_backend b;
	unsigned int nr;
	int vcpu;

	BACKEND_OR_SKIP(b);
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_MACHINE_UV_FEAT_GUEST, &mach));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_UV_FEAT_GUEST, &back));
	TH_LOG("%s: machine UV features %016llx", kvm_backend_name(b), mach.feat);
	if (b == BACKEND_OURS)
		EXPECT_EQ(0, mach.feat);
	EXPECT_EQ(0, back.feat);
	ASSERT_OK(vm_attr(self->vm, KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_UV_FEAT_GUEST, &mach));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_UV_FEAT_GUEST, &back));
	EXPECT_EQ(mach.feat, back.feat);

	for (nr = 0; nr < 64 && (mach.feat >> (63 - nr) & 1); nr++)
		;
	ASSERT_GT(64, nr);
	feat.feat = mach.feat | 1ULL << (63 - nr);
	EXPECT_ERRNO(EINVAL, vm_attr(self->vm, KVM_SET_DEVICE_ATTR,
				     KVM_S390_VM_CPU_PROCESSOR_UV_FEAT_GUEST, &feat));
	EXPECT_ERRNO(EFAULT, vm_attr(self->vm, KVM_SET_DEVICE_ATTR,
				     KVM_S390_VM_CPU_PROCESSOR_UV_FEAT_GUEST, (void *)8));
	EXPECT_ERRNO(EFAULT, vm_attr(self->vm, KVM_GET_DEVICE_ATTR,
				     KVM_S390_VM_CPU_PROCESSOR_UV_FEAT_GUEST, (void *)8));
	EXPECT_ERRNO(EFAULT, vm_attr(self->vm, KVM_GET_DEVICE_ATTR,
				     KVM_S390_VM_CPU_MACHINE_UV_FEAT_GUEST, (void *)8));
	EXPECT_ERRNO(ENXIO, vm_attr(self->vm, KVM_SET_DEVICE_ATTR,
				    KVM_S390_VM_CPU_MACHINE_UV_FEAT_GUEST, &mach));

	ASSERT_FD(vcpu, kvm_create_vcpu(self->vm, 0));
	EXPECT_ERRNO(EBUSY, vm_attr(self->vm, KVM_SET_DEVICE_ATTR,
				    KVM_S390_VM_CPU_PROCESSOR_UV_FEAT_GUEST, &mach));
	/* The value is checked first (kvm_s390_set_uv_feat). */
	EXPECT_ERRNO(EINVAL, vm_attr(self->vm, KVM_SET_DEVICE_ATTR,
				     KVM_S390_VM_CPU_PROCESSOR_UV_FEAT_GUEST, &feat));
	close(vcpu);
}

TEST_F(model, machine_features_and_subfunctions)
{
	static struct kvm_s390_vm_cpu_subfunc msub, psub;
	struct kvm_s390_vm_cpu_feat mfeat, pfeat;
	static const struct { const char *name; size_t off, len; } blocks[] = {
#define B(f) { #f, offsetof(struct kvm_s390_vm_cpu_subfunc, f), \
	       sizeof(((struct kvm_s390_vm_cpu_subfunc *)0)->f) }
		B(plo), B(ptff), B(kmac), B(kmc), B(km), B(kimd), B(klmd), B(pckmo),
		B(kmctr), B(kmf), B(kmo), B(pcc), B(ppno), B(kma), B(kdsa), B(sortl),
		B(dfltcc), B(pfcr),
#undef B
	};
	__u8 plo[32] = { 0 };
	enum kvm_backend b;
	unsigned int i;

	BACKEND_OR_SKIP(b);
	memset(&mfeat, 0xaa, sizeof(mfeat));
	memset(&pfeat, 0xaa, sizeof(pfeat));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_MACHINE_FEAT, &mfeat));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_FEAT, &pfeat));
	TH_LOG("%s: machine features %016llx %016llx", kvm_backend_name(b),
	       mfeat.feat[0], mfeat.feat[1]);
	/* Only the features the uapi header defines (0-14) may be offered. */
	EXPECT_EQ(0, mfeat.feat[0] & ((1ULL << (63 - KVM_S390_VM_CPU_FEAT_ASTFLEIE2)) - 1));
	for (i = 1; i < 16; i++)
		EXPECT_EQ(0, mfeat.feat[i]) TH_LOG("doubleword %u", i);
	/*
	 * Ours has no vSIE: of the features only ESOP (mainline offers the
	 * others only with its "nested" parameter, off by default).
	 */
	if (b == BACKEND_OURS)
		EXPECT_EQ(0, mfeat.feat[0] & ~(1ULL << (63 - KVM_S390_VM_CPU_FEAT_ESOP)));
	/* A new VM has no CPU feature until user space sets some. */
	for (i = 0; i < 16; i++)
		EXPECT_EQ(0, pfeat.feat[i]) TH_LOG("doubleword %u", i);

	memset(&msub, 0xaa, sizeof(msub));
	memset(&psub, 0x55, sizeof(psub));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_MACHINE_SUBFUNC, &msub));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_SUBFUNC, &psub));
	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
		print_block(_metadata, blocks[i].name, (__u8 *)&msub + blocks[i].off,
			    blocks[i].len);
	/* A new VM offers the machine's subfunctions. */
	EXPECT_EQ(0, memcmp(&msub, &psub, sizeof(msub)));
	for (i = 0; i < sizeof(msub.reserved); i++)
		if (msub.reserved[i])
			break;
	EXPECT_EQ(sizeof(msub.reserved), i) TH_LOG("reserved byte %u is set", i);
	/* The PLO block is what PLO's "test bit" form answers here. */
	for (i = 0; i < 256; i++)
		if (plo_test_bit(i))
			plo[i >> 3] |= 0x80 >> (i & 7);
	EXPECT_EQ(0, memcmp(plo, msub.plo, sizeof(plo)));
	EXPECT_NE(0, plo[0]) TH_LOG("PLO function 0 (compare and load) is always installed");
}

TEST_F(model, processor_features_within_the_machine)
{
	struct kvm_s390_vm_cpu_feat mfeat, feat, back;
	unsigned int nr;
	int vcpu;

	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_MACHINE_FEAT, &mfeat));
	/* The machine's whole set, read back as set. */
	ASSERT_OK(vm_attr(self->vm, KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_FEAT, &mfeat));
	memset(&back, 0xaa, sizeof(back));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_FEAT, &back));
	EXPECT_EQ(0, memcmp(&mfeat, &back, sizeof(back)));
	/* None at all. */
	memset(&feat, 0, sizeof(feat));
	ASSERT_OK(vm_attr(self->vm, KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_FEAT, &feat));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_FEAT, &back));
	EXPECT_EQ(0, memcmp(&feat, &back, sizeof(back)));

	/* A feature the machine lacks: EINVAL, and the old value stays. */
	for (nr = 0; nr < 1024 && test_feat(mfeat.feat, nr); nr++)
		;
	ASSERT_GT(1024, nr);
	feat = mfeat;
	feat.feat[nr / 64] |= 1ULL << (63 - nr % 64);
	EXPECT_ERRNO(EINVAL, vm_attr(self->vm, KVM_SET_DEVICE_ATTR,
				     KVM_S390_VM_CPU_PROCESSOR_FEAT, &feat));
	feat = mfeat;
	feat.feat[15] |= 1;
	EXPECT_ERRNO(EINVAL, vm_attr(self->vm, KVM_SET_DEVICE_ATTR,
				     KVM_S390_VM_CPU_PROCESSOR_FEAT, &feat));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_FEAT, &back));
	for (nr = 0; nr < 16; nr++)
		EXPECT_EQ(0, back.feat[nr]);

	/* Bad addresses. */
	EXPECT_ERRNO(EFAULT, vm_attr(self->vm, KVM_SET_DEVICE_ATTR,
				     KVM_S390_VM_CPU_PROCESSOR_FEAT, (void *)8));
	EXPECT_ERRNO(EFAULT, vm_attr(self->vm, KVM_GET_DEVICE_ATTR,
				     KVM_S390_VM_CPU_PROCESSOR_FEAT, (void *)8));
	EXPECT_ERRNO(EFAULT, vm_attr(self->vm, KVM_GET_DEVICE_ATTR,
				     KVM_S390_VM_CPU_MACHINE_FEAT, (void *)8));
	/* The machine's set is read only. */
	EXPECT_ERRNO(ENXIO, vm_attr(self->vm, KVM_SET_DEVICE_ATTR,
				    KVM_S390_VM_CPU_MACHINE_FEAT, &mfeat));

	ASSERT_FD(vcpu, kvm_create_vcpu(self->vm, 0));
	/* kvm_s390_set_processor_feat: EBUSY once a vCPU exists... */
	EXPECT_ERRNO(EBUSY, vm_attr(self->vm, KVM_SET_DEVICE_ATTR,
				    KVM_S390_VM_CPU_PROCESSOR_FEAT, &mfeat));
	/* ...but the value is checked first: a bad one is still EINVAL. */
	EXPECT_ERRNO(EINVAL, vm_attr(self->vm, KVM_SET_DEVICE_ATTR,
				     KVM_S390_VM_CPU_PROCESSOR_FEAT, &feat));
	EXPECT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_FEAT, &back));
	close(vcpu);
}

TEST_F(model, processor_subfunctions_round_trip)
{
	static struct kvm_s390_vm_cpu_subfunc msub, sub, back;
	int vcpu;

	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_MACHINE_SUBFUNC, &msub));
	/* Taken as given (KVM does not limit them), reserved bytes included. */
	memset(&sub, 0x5a, sizeof(sub));
	memset(sub.plo, 0, sizeof(sub.plo));
	sub.plo[0] = 0x80;
	ASSERT_OK(vm_attr(self->vm, KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_SUBFUNC, &sub));
	memset(&back, 0, sizeof(back));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_SUBFUNC, &back));
	EXPECT_EQ(0, memcmp(&sub, &back, sizeof(back)));
	/* The machine's stay as they are. */
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_MACHINE_SUBFUNC, &back));
	EXPECT_EQ(0, memcmp(&msub, &back, sizeof(back)));
	ASSERT_OK(vm_attr(self->vm, KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_SUBFUNC, &msub));

	EXPECT_ERRNO(EFAULT, vm_attr(self->vm, KVM_SET_DEVICE_ATTR,
				     KVM_S390_VM_CPU_PROCESSOR_SUBFUNC, (void *)8));
	/*
	 * What a failed write leaves: ours, the old value; mainline copies
	 * straight into the VM's, and copy_from_user() zero-fills what it could
	 * not copy (Documentation/kvm_s390.rst, differences).
	 */
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_SUBFUNC, &back));
	if (kvm_backend() == BACKEND_OURS) {
		EXPECT_EQ(0, memcmp(&msub, &back, sizeof(back)));
	} else {
		memset(&sub, 0, sizeof(sub));
		EXPECT_EQ(0, memcmp(&sub, &back, sizeof(back)));
	}
	ASSERT_OK(vm_attr(self->vm, KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_SUBFUNC, &msub));
	EXPECT_ERRNO(EFAULT, vm_attr(self->vm, KVM_GET_DEVICE_ATTR,
				     KVM_S390_VM_CPU_PROCESSOR_SUBFUNC, (void *)8));
	EXPECT_ERRNO(EFAULT, vm_attr(self->vm, KVM_GET_DEVICE_ATTR,
				     KVM_S390_VM_CPU_MACHINE_SUBFUNC, (void *)8));
	EXPECT_ERRNO(ENXIO, vm_attr(self->vm, KVM_SET_DEVICE_ATTR,
				    KVM_S390_VM_CPU_MACHINE_SUBFUNC, &msub));

	ASSERT_FD(vcpu, kvm_create_vcpu(self->vm, 0));
	/* kvm_s390_set_processor_subfunc: EBUSY first, before the address is read. */
	EXPECT_ERRNO(EBUSY, vm_attr(self->vm, KVM_SET_DEVICE_ATTR,
				    KVM_S390_VM_CPU_PROCESSOR_SUBFUNC, &sub));
	EXPECT_ERRNO(EBUSY, vm_attr(self->vm, KVM_SET_DEVICE_ATTR,
				    KVM_S390_VM_CPU_PROCESSOR_SUBFUNC, (void *)8));
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_PROCESSOR_SUBFUNC, &back));
	EXPECT_EQ(0, memcmp(&msub, &back, sizeof(back)));
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
