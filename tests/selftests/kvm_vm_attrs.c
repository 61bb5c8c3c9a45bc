// SPDX-License-Identifier: GPL-2.0
/*
 * The crypto and migration VM attribute groups
 * (Documentation/virt/kvm/devices/vm.rst, KVM_S390_VM_CRYPTO and
 * KVM_S390_VM_MIGRATION): which attributes exist, every attribute's set and
 * get with good and bad input, migration mode through START, STOP and
 * STATUS, key wrapping with and without facility 76 (message-security-assist
 * extension 3) in the CPU model, and the guest's view: PCKMO wraps a key with
 * the VM's own wrapping-key mask, so the protected key differs from the
 * clear key, between two VMs, and after a new mask.  Each errno is the one
 * mainline 7.3 returns (s390.c: kvm_s390_vm_has_attr, kvm_s390_vm_set_crypto,
 * kvm_s390_vm_set_migration, kvm_s390_vm_get_migration, kvm_s390_vm_get_attr).
 */
#include "kvm_util_min.h"
#include "guest_arch.h"

#define CODE_GPA	0x10000UL
#define HANDLER_GPA	0x10100UL
#define PARAM_GPA	0x20000UL
#define FAC_MSA3	76

static int vm_attr(int vm, unsigned long ioctl_nr, uint32_t group, uint64_t attr, void *addr)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uintptr_t)addr,
	};

	return ioctl(vm, ioctl_nr, &a);
}

static int crypto(int vm, uint64_t attr)
{
	return vm_attr(vm, KVM_SET_DEVICE_ATTR, KVM_S390_VM_CRYPTO, attr, NULL);
}

static int migration(int vm, uint64_t attr)
{
	return vm_attr(vm, KVM_SET_DEVICE_ATTR, KVM_S390_VM_MIGRATION, attr, NULL);
}

static int test_facility(const __u64 *list, unsigned int nr)
{
	return (list[nr / 64] >> (63 - nr % 64)) & 1;
}

FIXTURE(attrs) {
	int kvm;
	int vm;
	uint8_t *mem;
};

FIXTURE_SETUP(attrs)
{
	self->vm = -1;
	self->mem = MAP_FAILED;
	OPEN_KVM_OR_SKIP(self->kvm);
	ASSERT_EQ(1, kvm_check_cap(self->kvm, KVM_CAP_VM_ATTRIBUTES));
	ASSERT_FD(self->vm, kvm_create_vm(self->kvm));
	self->mem = kvm_alloc_aligned(SZ_1M, SZ_1M);
	ASSERT_NE(MAP_FAILED, self->mem);
}

FIXTURE_TEARDOWN(attrs)
{
	if (self->vm >= 0)
		close(self->vm);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, SZ_1M);
}

/* Whether the VM's CPU model has facility 76 (the list; the mask comes from the host). */
static int vm_has_msa3(struct __test_metadata *_metadata, int vm)
{
	struct kvm_s390_vm_cpu_processor proc;

	EXPECT_OK(vm_attr(vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_MODEL,
			  KVM_S390_VM_CPU_PROCESSOR, &proc));
	return test_facility(proc.fac_list, FAC_MSA3);
}

/*
 * HAS: the key-wrapping attributes exist; the AP ones (APIE) exist exactly
 * where SET accepts them (a host with AP instructions; Hercules has none);
 * every number of the migration group is reported, as mainline does; an
 * unknown crypto attribute is ENXIO.
 */
TEST_F(attrs, has_attr)
{
	uint64_t a;
	int has_apie;

	for (a = KVM_S390_VM_CRYPTO_ENABLE_AES_KW; a <= KVM_S390_VM_CRYPTO_DISABLE_DEA_KW; a++)
		EXPECT_OK(vm_attr(self->vm, KVM_HAS_DEVICE_ATTR, KVM_S390_VM_CRYPTO, a, NULL));
	EXPECT_ERRNO(ENXIO, vm_attr(self->vm, KVM_HAS_DEVICE_ATTR, KVM_S390_VM_CRYPTO, 6, NULL));
	EXPECT_ERRNO(ENXIO, vm_attr(self->vm, KVM_HAS_DEVICE_ATTR, KVM_S390_VM_CRYPTO,
				    UINT64_MAX, NULL));

	has_apie = vm_attr(self->vm, KVM_HAS_DEVICE_ATTR, KVM_S390_VM_CRYPTO,
			   KVM_S390_VM_CRYPTO_ENABLE_APIE, NULL) == 0;
	if (!has_apie)
		EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(has_apie ? 0 : -1, vm_attr(self->vm, KVM_HAS_DEVICE_ATTR, KVM_S390_VM_CRYPTO,
					     KVM_S390_VM_CRYPTO_DISABLE_APIE, NULL));
	if (kvm_on_hercules()) {
		EXPECT_FALSE(has_apie) TH_LOG("Hercules has no AP instructions");
	}
	if (has_apie) {
		EXPECT_OK(crypto(self->vm, KVM_S390_VM_CRYPTO_ENABLE_APIE));
		EXPECT_OK(crypto(self->vm, KVM_S390_VM_CRYPTO_DISABLE_APIE));
	} else {
		EXPECT_ERRNO(EOPNOTSUPP, crypto(self->vm, KVM_S390_VM_CRYPTO_ENABLE_APIE));
		EXPECT_ERRNO(EOPNOTSUPP, crypto(self->vm, KVM_S390_VM_CRYPTO_DISABLE_APIE));
	}

	for (a = KVM_S390_VM_MIGRATION_STOP; a <= KVM_S390_VM_MIGRATION_STATUS; a++)
		EXPECT_OK(vm_attr(self->vm, KVM_HAS_DEVICE_ATTR, KVM_S390_VM_MIGRATION, a, NULL));
	EXPECT_OK(vm_attr(self->vm, KVM_HAS_DEVICE_ATTR, KVM_S390_VM_MIGRATION, 99, NULL));
}

/*
 * Crypto attributes are write-only (GET is ENXIO), take no value (the
 * address is not read), and an unknown one is ENXIO.  With facility 76 in
 * the model, key wrapping is enabled and disabled, with vCPUs too (each
 * vCPU follows).
 */
TEST_F(attrs, crypto_set_and_get)
{
	uint64_t a, v;
	int vcpu;

	if (!vm_has_msa3(_metadata, self->vm))
		SKIP(return, "the host offers no facility 76 (MSA3) to guests");
	for (a = KVM_S390_VM_CRYPTO_ENABLE_AES_KW; a <= KVM_S390_VM_CRYPTO_DISABLE_APIE; a++)
		EXPECT_ERRNO(ENXIO, vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CRYPTO,
					    a, &v));
	EXPECT_ERRNO(ENXIO, crypto(self->vm, 6));
	for (a = KVM_S390_VM_CRYPTO_ENABLE_AES_KW; a <= KVM_S390_VM_CRYPTO_DISABLE_DEA_KW; a++) {
		EXPECT_OK(crypto(self->vm, a));
		EXPECT_OK(vm_attr(self->vm, KVM_SET_DEVICE_ATTR, KVM_S390_VM_CRYPTO, a,
				  (void *)8));
	}
	ASSERT_FD(vcpu, kvm_create_vcpu(self->vm, 0));
	EXPECT_OK(crypto(self->vm, KVM_S390_VM_CRYPTO_ENABLE_AES_KW));
	EXPECT_OK(crypto(self->vm, KVM_S390_VM_CRYPTO_ENABLE_DEA_KW));
	EXPECT_OK(crypto(self->vm, KVM_S390_VM_CRYPTO_DISABLE_AES_KW));
	EXPECT_OK(crypto(self->vm, KVM_S390_VM_CRYPTO_DISABLE_DEA_KW));
	close(vcpu);
	/* A bad attribute structure: EFAULT from the ioctl (kvm_arch_vm_ioctl). */
	EXPECT_ERRNO(EFAULT, ioctl(self->vm, KVM_SET_DEVICE_ATTR, (void *)8));
}

/*
 * Without facility 76 in the model (taken out through
 * KVM_S390_VM_CPU_PROCESSOR before any vCPU), every key-wrapping write is
 * EINVAL, an unknown attribute still ENXIO; with 76 back, writes succeed.
 */
TEST_F(attrs, crypto_needs_facility_76)
{
	struct kvm_s390_vm_cpu_processor proc;
	uint64_t a;

	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_CPU_MODEL,
			  KVM_S390_VM_CPU_PROCESSOR, &proc));
	if (!test_facility(proc.fac_list, FAC_MSA3))
		SKIP(return, "the host offers no facility 76 (MSA3) to guests");
	proc.fac_list[FAC_MSA3 / 64] &= ~(1ULL << (63 - FAC_MSA3 % 64));
	ASSERT_OK(vm_attr(self->vm, KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_MODEL,
			  KVM_S390_VM_CPU_PROCESSOR, &proc));
	for (a = KVM_S390_VM_CRYPTO_ENABLE_AES_KW; a <= KVM_S390_VM_CRYPTO_DISABLE_DEA_KW; a++)
		EXPECT_ERRNO(EINVAL, crypto(self->vm, a));
	EXPECT_ERRNO(ENXIO, crypto(self->vm, 6));
	EXPECT_OK(vm_attr(self->vm, KVM_HAS_DEVICE_ATTR, KVM_S390_VM_CRYPTO,
			  KVM_S390_VM_CRYPTO_ENABLE_AES_KW, NULL));

	proc.fac_list[FAC_MSA3 / 64] |= 1ULL << (63 - FAC_MSA3 % 64);
	ASSERT_OK(vm_attr(self->vm, KVM_SET_DEVICE_ATTR, KVM_S390_VM_CPU_MODEL,
			  KVM_S390_VM_CPU_PROCESSOR, &proc));
	for (a = KVM_S390_VM_CRYPTO_ENABLE_AES_KW; a <= KVM_S390_VM_CRYPTO_DISABLE_DEA_KW; a++)
		EXPECT_OK(crypto(self->vm, a));
}

/*
 * Migration mode: off at first; STOP when off is a no-op; START without
 * memory is EINVAL, with a memory slot it turns the mode on (no dirty
 * logging needed without CMMA), again a no-op; STOP turns it off.  STATUS is
 * read-only (SET: ENXIO), START and STOP write-only (GET: ENXIO), unknown
 * attributes ENXIO, a bad address EFAULT.
 */
TEST_F(attrs, migration_mode)
{
	uint64_t status = 7;

#define STATUS_IS(v) do {							\
	status = 7;								\
	ASSERT_OK(vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_MIGRATION,	\
			  KVM_S390_VM_MIGRATION_STATUS, &status));		\
	EXPECT_EQ((uint64_t)(v), status);					\
} while (0)

	STATUS_IS(0);
	EXPECT_OK(migration(self->vm, KVM_S390_VM_MIGRATION_STOP));
	EXPECT_ERRNO(EINVAL, migration(self->vm, KVM_S390_VM_MIGRATION_START));
	STATUS_IS(0);
	EXPECT_ERRNO(ENXIO, migration(self->vm, KVM_S390_VM_MIGRATION_STATUS));
	EXPECT_ERRNO(ENXIO, migration(self->vm, 3));
	EXPECT_ERRNO(ENXIO, vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_MIGRATION,
				    KVM_S390_VM_MIGRATION_START, &status));
	EXPECT_ERRNO(ENXIO, vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_MIGRATION,
				    KVM_S390_VM_MIGRATION_STOP, &status));
	EXPECT_ERRNO(ENXIO, vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_MIGRATION,
				    3, &status));
	EXPECT_ERRNO(EFAULT, vm_attr(self->vm, KVM_GET_DEVICE_ATTR, KVM_S390_VM_MIGRATION,
				     KVM_S390_VM_MIGRATION_STATUS, (void *)8));

	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, SZ_1M, (uintptr_t)self->mem));
	EXPECT_OK(migration(self->vm, KVM_S390_VM_MIGRATION_START));
	STATUS_IS(1);
	EXPECT_OK(migration(self->vm, KVM_S390_VM_MIGRATION_START));
	STATUS_IS(1);
	EXPECT_OK(migration(self->vm, KVM_S390_VM_MIGRATION_STOP));
	STATUS_IS(0);
	EXPECT_OK(migration(self->vm, KVM_S390_VM_MIGRATION_STOP));
	STATUS_IS(0);

	/* Once on, START changes nothing, even without memory. */
	EXPECT_OK(migration(self->vm, KVM_S390_VM_MIGRATION_START));
	ASSERT_OK(kvm_set_memslot(self->vm, 0, 0, 0, 0, (uintptr_t)self->mem));
	EXPECT_OK(migration(self->vm, KVM_S390_VM_MIGRATION_START));
	STATUS_IS(1);
	EXPECT_OK(migration(self->vm, KVM_S390_VM_MIGRATION_STOP));
	STATUS_IS(0);
#undef STATUS_IS
}

/* ---------------------------------------------------------------------- */
/* The guest's view: PCKMO */

struct pvm {
	int vm, vcpu;
	struct kvm_run *run;
	uint8_t *mem;
};

static void pvm_create(struct __test_metadata *_metadata, int kvm, struct pvm *p)
{
	static const uint8_t code[] = {
		0xb9, 0x28, 0x00, 0x22,		/* pckmo (R1, R2 even and nonzero for Hercules) */
		DIAG_501,
	};
	static const uint8_t handler[] = PGM_HANDLER_CODE;
	uint64_t pgm_new[2] = { PSW_MASK_64, HANDLER_GPA };

	p->vm = p->vcpu = -1;
	p->run = MAP_FAILED;
	p->mem = kvm_alloc_aligned(SZ_1M, SZ_1M);
	ASSERT_NE(MAP_FAILED, p->mem);
	memcpy(p->mem + CODE_GPA, code, sizeof(code));
	memcpy(p->mem + HANDLER_GPA, handler, sizeof(handler));
	memcpy(p->mem + LC_PGM_NEW_PSW, pgm_new, sizeof(pgm_new));
	ASSERT_FD(p->vm, kvm_create_vm(kvm));
	ASSERT_OK(kvm_set_memslot(p->vm, 0, 0, 0, SZ_1M, (uintptr_t)p->mem));
	ASSERT_FD(p->vcpu, kvm_create_vcpu(p->vm, 0));
	p->run = kvm_map_run(kvm, p->vcpu);
	ASSERT_NE(MAP_FAILED, p->run);
}

static void pvm_destroy(struct pvm *p)
{
	if (p->run != MAP_FAILED)
		munmap(p->run, getpagesize());
	if (p->vcpu >= 0)
		close(p->vcpu);
	if (p->vm >= 0)
		close(p->vm);
	if (p->mem != MAP_FAILED)
		munmap(p->mem, SZ_1M);
}

/*
 * Runs PCKMO with function code @fc on the 32 bytes of @block (in and out);
 * returns 0, or the program-interruption code the guest got.
 */
static int pvm_pckmo(struct __test_metadata *_metadata, struct pvm *p, uint64_t fc,
		     uint8_t *block)
{
	memcpy(p->mem + PARAM_GPA, block, 32);
	p->run->psw_mask = PSW_MASK_64;
	p->run->psw_addr = CODE_GPA;
	p->run->s.regs.gprs[0] = fc;
	p->run->s.regs.gprs[1] = PARAM_GPA;
	p->run->kvm_dirty_regs |= KVM_SYNC_GPRS;
	EXPECT_OK(ioctl(p->vcpu, KVM_RUN, 0));
	EXPECT_EQ(KVM_EXIT_S390_SIEIC, p->run->exit_reason);
	EXPECT_EQ(DIAG_501_IPA, p->run->s390_sieic.ipa);
	memcpy(block, p->mem + PARAM_GPA, 32);
	if (p->run->psw_addr == HANDLER_GPA + 4)
		return *(uint16_t *)(p->mem + LC_PGM_CODE);
	EXPECT_EQ(CODE_GPA + 8, p->run->psw_addr);
	return 0;
}

#define PCKMO_QUERY	0
#define PCKMO_DEA	1

/*
 * PCKMO-Encrypt-DEA-Key in the guest: the protected key differs from the
 * clear key, between two VMs (each has its own random wrapping-key mask),
 * and in one VM after KVM_S390_VM_CRYPTO_ENABLE_DEA_KW made a new mask.
 * Hercules wraps with machine-wide wrapping keys and ignores the CRYCB, so
 * there the VMs' keys are the same: a SKIP with that reason.
 */
TEST_F(attrs, guest_pckmo_uses_the_vm_mask)
{
	static const uint8_t clear[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t a[32] = { 0 }, b[32] = { 0 }, c[32] = { 0 }, query[32] = { 0 };
	struct pvm p = { .vm = -1 }, q = { .vm = -1 };
	int rc;

	if (!vm_has_msa3(_metadata, self->vm))
		SKIP(return, "the host offers no facility 76 (MSA3) to guests");
	pvm_create(_metadata, self->kvm, &p);
	pvm_create(_metadata, self->kvm, &q);
	rc = pvm_pckmo(_metadata, &p, PCKMO_QUERY, query);
	ASSERT_EQ(0, rc) TH_LOG("PCKMO query: program interruption %#x", rc);
	if (!(query[0] & 0x40))
		SKIP(goto out, "PCKMO-Encrypt-DEA-Key is not installed for the guest");
	memcpy(a, clear, 8);
	memcpy(b, clear, 8);
	memcpy(c, clear, 8);
	ASSERT_EQ(0, pvm_pckmo(_metadata, &p, PCKMO_DEA, a));
	ASSERT_EQ(0, pvm_pckmo(_metadata, &q, PCKMO_DEA, b));
	EXPECT_NE(0, memcmp(a, clear, 8));
	if (!memcmp(a, b, 8) && kvm_on_hercules())
		SKIP(goto out, "test bed: Hercules' PCKMO wraps with its machine-wide wrapping keys, ignoring the CRYCB's wrapping-key masks");
	EXPECT_NE(0, memcmp(a, b, 8)) TH_LOG("two VMs wrapped the key alike");
	ASSERT_OK(crypto(p.vm, KVM_S390_VM_CRYPTO_ENABLE_DEA_KW));
	ASSERT_EQ(0, pvm_pckmo(_metadata, &p, PCKMO_DEA, c));
	EXPECT_NE(0, memcmp(a, c, 8)) TH_LOG("a new mask wrapped the key alike");
out:
	pvm_destroy(&p);
	pvm_destroy(&q);
}

TEST_HARNESS_MAIN
