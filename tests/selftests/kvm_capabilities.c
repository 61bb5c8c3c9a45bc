// SPDX-License-Identifier: GPL-2.0
/*
 * Every capability /dev/kvm and a VM file descriptor report is one this
 * test knows how to exercise.  The test walks the whole capability space
 * (0 .. CAP_BOUND, well above the highest KVM_CAP_* of the 7.3 uapi header,
 * and a few far-out numbers) with KVM_CHECK_EXTENSION on both descriptors,
 * and for each capability reported:
 *
 * - it must be in the table below (otherwise: FAIL, "reported but
 *   untested");
 * - the table must expect it on the backend under test (kvmtest.backend=
 *   on the kernel command line), and every capability the table expects on
 *   that backend must be reported;
 * - /dev/kvm and the VM must give the same value;
 * - the table's small use of it runs and must behave as the capability
 *   promises, or the table names the test that exercises it.
 *
 * Generic KVM (virt/kvm/kvm_main.c, kvm_vm_ioctl_check_extension_generic)
 * answers some capabilities before asking the backend, from the kernel's
 * configuration, which is the same for both backends (one kernel serves
 * both).  Where such a capability promises something ours cannot do yet,
 * the use below checks what ours does instead and Documentation/kvm_s390.rst
 * says so.
 *
 * Mainline reports more on this bed; its extra capabilities are expected on
 * mainline only.  The ones that depend on the machine's facilities are
 * stated for the Hercules bed (a z196 without ESOP, vector, RI, GS, BPB,
 * protected virtualisation or zPCI; with facility 11) and are not checked
 * for presence elsewhere.
 */
#include <sys/eventfd.h>
#include <sys/wait.h>

#include "guest_arch.h"
#include "kvm_util_min.h"

/* Beyond the highest KVM_CAP_* of the 7.3 uapi header (251). */
#define CAP_BOUND	1024

enum expect {
	NEVER,		/* must not be reported */
	ALWAYS,		/* must be reported */
};

struct ctx {
	int kvm;
	int vm;
	enum kvm_backend backend;
	bool hercules;
};

typedef void (*use_fn)(struct __test_metadata *_metadata, struct ctx *c,
		       long cap, int value);

struct cap_case {
	long cap;
	const char *name;
	enum expect ours;
	enum expect mainline;
	/* mainline's answer depends on the machine: stated for Hercules only */
	bool machine_dependent;
	use_fn use;		/* a small use of it; or: */
	const char *covered_by;	/* the test that exercises it, or why not */
};

/* ---------------------------------------------------------------------- */
/* Helpers. */

static void *alloc_1m(struct __test_metadata *_metadata)
{
	void *mem = kvm_alloc_aligned(SZ_1M, SZ_1M);

	EXPECT_NE(MAP_FAILED, mem);
	return mem;
}

static int new_vm(struct __test_metadata *_metadata, struct ctx *c)
{
	int vm = kvm_create_vm(c->kvm);

	EXPECT_LE(0, vm) TH_LOG("KVM_CREATE_VM: %s", strerror(errno));
	return vm;
}

/* A new VM with vCPU 0 and its kvm_run mapped. */
struct vcpu_ctx {
	int vm, vcpu;
	struct kvm_run *run;
};

/* Opens a vcpu_ctx; 0 on success, -1 (with the failed expectation) otherwise. */
static int open_vcpu(struct __test_metadata *_metadata, struct ctx *c, struct vcpu_ctx *v)
{
	v->vcpu = -1;
	v->run = MAP_FAILED;
	v->vm = new_vm(_metadata, c);
	if (v->vm < 0)
		return -1;
	v->vcpu = kvm_create_vcpu(v->vm, 0);
	EXPECT_LE(0, v->vcpu);
	if (v->vcpu >= 0)
		v->run = kvm_map_run(c->kvm, v->vcpu);
	EXPECT_NE(MAP_FAILED, v->run);
	return v->run == MAP_FAILED ? -1 : 0;
}

static void close_vcpu(struct vcpu_ctx *v)
{
	if (v->run != MAP_FAILED)
		munmap(v->run, getpagesize());
	if (v->vcpu >= 0)
		close(v->vcpu);
	if (v->vm >= 0)
		close(v->vm);
}

static int enable_cap(int fd, long cap, uint32_t flags, uint64_t arg0)
{
	struct kvm_enable_cap ec = { .cap = cap, .flags = flags, .args = { arg0 } };

	return ioctl(fd, KVM_ENABLE_CAP, &ec);
}

/* ---------------------------------------------------------------------- */
/* Uses of the capabilities both backends report. */

/* USER_MEMORY, DESTROY_MEMORY_REGION_WORKS, JOIN_MEMORY_REGIONS_WORKS. */
static void use_user_memory(struct __test_metadata *_metadata, struct ctx *c,
			    long cap, int value)
{
	uint8_t *a = alloc_1m(_metadata), *b = alloc_1m(_metadata);
	int vm = new_vm(_metadata, c);

	EXPECT_EQ(1, value);
	if (vm < 0 || a == MAP_FAILED || b == MAP_FAILED)
		return;
	/* Two adjacent slots (the historical "join" case) ... */
	EXPECT_OK(kvm_set_memslot(vm, 0, 0, 0, SZ_1M, (uintptr_t)a));
	EXPECT_OK(kvm_set_memslot(vm, 1, 0, SZ_1M, SZ_1M, (uintptr_t)b));
	/* ... deleted by a size of 0. */
	EXPECT_OK(kvm_set_memslot(vm, 0, 0, 0, 0, 0));
	EXPECT_OK(kvm_set_memslot(vm, 1, 0, 0, 0, 0));
	/* The range is free again. */
	EXPECT_OK(kvm_set_memslot(vm, 2, 0, 0, 2 * SZ_1M - SZ_1M, (uintptr_t)a));
	close(vm);
	munmap(a, SZ_1M);
	munmap(b, SZ_1M);
}

static void use_user_memory2(struct __test_metadata *_metadata, struct ctx *c,
			     long cap, int value)
{
	uint8_t *a = alloc_1m(_metadata);
	struct kvm_userspace_memory_region2 r = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = SZ_1M,
		.userspace_addr = (uintptr_t)a,
	};

	EXPECT_EQ(1, value);
	if (a == MAP_FAILED)
		return;
	EXPECT_OK(ioctl(c->vm, KVM_SET_USER_MEMORY_REGION2, &r));
	r.memory_size = 0;
	EXPECT_OK(ioctl(c->vm, KVM_SET_USER_MEMORY_REGION2, &r));
	/* kvm_vm_ioctl_set_memory_region: unknown flags are -EINVAL. */
	r.memory_size = SZ_1M;
	r.flags = 1U << 31;
	EXPECT_ERRNO(EINVAL, ioctl(c->vm, KVM_SET_USER_MEMORY_REGION2, &r));
	munmap(a, SZ_1M);
}

/* NR_MEMSLOTS: the highest slot id works, one more does not. */
static void use_nr_memslots(struct __test_metadata *_metadata, struct ctx *c,
			    long cap, int value)
{
	uint8_t *a = alloc_1m(_metadata);

	EXPECT_LT(0, value);
	if (a == MAP_FAILED || value <= 0)
		return;
	EXPECT_OK(kvm_set_memslot(c->vm, value - 1, 0, 0, SZ_1M, (uintptr_t)a));
	EXPECT_ERRNO(EINVAL, kvm_set_memslot(c->vm, value, 0, SZ_1M, SZ_1M, (uintptr_t)a));
	EXPECT_OK(kvm_set_memslot(c->vm, value - 1, 0, 0, 0, 0));
	munmap(a, SZ_1M);
}

/* NR_VCPUS, MAX_VCPUS, MAX_VCPU_ID. */
static void use_vcpus(struct __test_metadata *_metadata, struct ctx *c,
		      long cap, int value)
{
	int max = kvm_check_cap(c->kvm, KVM_CAP_MAX_VCPUS);
	int max_id = kvm_check_cap(c->kvm, KVM_CAP_MAX_VCPU_ID);
	int vm, vcpu;

	/* api.rst: MAX_VCPU_ID equals MAX_VCPUS where not reported otherwise. */
	EXPECT_EQ(max, max_id);
	/* Ours: the basic SCA (64); mainline without SIGP interpretation: 255. */
	EXPECT_EQ(c->backend == BACKEND_OURS ? 64 : 255, max);
	if (cap == KVM_CAP_NR_VCPUS) {
		EXPECT_LE(1, value);
		EXPECT_GE(max, value);
		EXPECT_GE(sysconf(_SC_NPROCESSORS_ONLN), value);
		return;
	}
	vm = new_vm(_metadata, c);
	if (vm < 0)
		return;
	/* The highest id works; the limit itself does not. */
	vcpu = kvm_create_vcpu(vm, max_id - 1);
	EXPECT_LE(0, vcpu) TH_LOG("vCPU id %d: %s", max_id - 1, strerror(errno));
	EXPECT_ERRNO(EINVAL, kvm_create_vcpu(vm, max_id));
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	(void)value;
}

/* S390_PSW: KVM_S390_SET_INITIAL_PSW reaches kvm_run. */
static void use_s390_psw(struct __test_metadata *_metadata, struct ctx *c,
			 long cap, int value)
{
	struct kvm_s390_psw psw = { .mask = 0x0000000180000000UL, .addr = 0x4242 };
	struct vcpu_ctx v;

	EXPECT_EQ(1, value);
	if (!open_vcpu(_metadata, c, &v)) {
		EXPECT_OK(ioctl(v.vcpu, KVM_S390_SET_INITIAL_PSW, &psw));
		EXPECT_EQ(psw.mask, v.run->psw_mask);
		EXPECT_EQ(psw.addr, v.run->psw_addr);
	}
	close_vcpu(&v);
}

/* SYNC_REGS: kvm_run carries the register sets QEMU requires. */
static void use_sync_regs(struct __test_metadata *_metadata, struct ctx *c,
			  long cap, int value)
{
	const uint64_t need = KVM_SYNC_PREFIX | KVM_SYNC_GPRS | KVM_SYNC_ACRS |
			      KVM_SYNC_CRS | KVM_SYNC_PFAULT;
	struct vcpu_ctx v;

	EXPECT_EQ(1, value);
	if (!open_vcpu(_metadata, c, &v))
		EXPECT_EQ(need, v.run->kvm_valid_regs & need);
	close_vcpu(&v);
}

/* IMMEDIATE_EXIT: KVM_RUN returns EINTR at once. */
static void use_immediate_exit(struct __test_metadata *_metadata, struct ctx *c,
			       long cap, int value)
{
	struct vcpu_ctx v;

	EXPECT_EQ(1, value);
	if (!open_vcpu(_metadata, c, &v)) {
		v.run->immediate_exit = 1;
		EXPECT_ERRNO(EINTR, ioctl(v.vcpu, KVM_RUN, 0));
	}
	close_vcpu(&v);
}

/* VM_ATTRIBUTES: the CPU-model group exists (kvm_cpu_model tests it). */
static void use_vm_attributes(struct __test_metadata *_metadata, struct ctx *c,
			      long cap, int value)
{
	struct kvm_device_attr attr = {
		.group = KVM_S390_VM_CPU_MODEL,
		.attr = KVM_S390_VM_CPU_PROCESSOR,
	};

	EXPECT_EQ(1, value);
	EXPECT_OK(ioctl(c->vm, KVM_HAS_DEVICE_ATTR, &attr));
	/* The crypto and migration groups too (kvm_vm_attrs tests them). */
	attr.group = KVM_S390_VM_CRYPTO;
	attr.attr = KVM_S390_VM_CRYPTO_ENABLE_AES_KW;
	EXPECT_OK(ioctl(c->vm, KVM_HAS_DEVICE_ATTR, &attr));
	attr.group = KVM_S390_VM_MIGRATION;
	attr.attr = KVM_S390_VM_MIGRATION_STATUS;
	EXPECT_OK(ioctl(c->vm, KVM_HAS_DEVICE_ATTR, &attr));
	attr.group = 0x7fff;
	EXPECT_ERRNO(ENXIO, ioctl(c->vm, KVM_HAS_DEVICE_ATTR, &attr));
}

/* PRE_FAULT_MEMORY: a page of a slot is mapped; outside the slots: ENOENT. */
static void use_pre_fault(struct __test_metadata *_metadata, struct ctx *c,
			  long cap, int value)
{
	struct kvm_pre_fault_memory range = { .gpa = 0x2000, .size = SZ_4K };
	uint8_t *a = alloc_1m(_metadata);
	int vm = new_vm(_metadata, c), vcpu;

	EXPECT_EQ(1, value);
	if (vm < 0 || a == MAP_FAILED)
		return;
	EXPECT_OK(kvm_set_memslot(vm, 0, 0, 0, SZ_1M, (uintptr_t)a));
	vcpu = kvm_create_vcpu(vm, 0);
	EXPECT_OK(ioctl(vcpu, KVM_PRE_FAULT_MEMORY, &range));
	EXPECT_EQ(0, range.size);
	range.gpa = 2 * SZ_1M;
	range.size = SZ_4K;
	EXPECT_ERRNO(ENOENT, ioctl(vcpu, KVM_PRE_FAULT_MEMORY, &range));
	close(vcpu);
	close(vm);
	munmap(a, SZ_1M);
}

/*
 * IRQ_ROUTING (generic, HAVE_KVM_IRQ_ROUTING): an empty table and an adapter
 * route are accepted by both (kvm_flic: routes that reach the guest).
 */
static void use_irq_routing(struct __test_metadata *_metadata, struct ctx *c,
			    long cap, int value)
{
	struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[1];
	} t;
	uint8_t *a = alloc_1m(_metadata);
	int vm = new_vm(_metadata, c);

	EXPECT_LT(0, value);
	if (vm < 0 || a == MAP_FAILED)
		return;
	memset(&t, 0, sizeof(t));
	EXPECT_OK(ioctl(vm, KVM_SET_GSI_ROUTING, &t.r));

	EXPECT_OK(kvm_set_memslot(vm, 0, 0, 0, SZ_1M, (uintptr_t)a));
	t.r.nr = 1;
	t.e[0].gsi = 1;
	t.e[0].type = KVM_IRQ_ROUTING_S390_ADAPTER;
	t.e[0].u.adapter.ind_addr = 0x1000;
	t.e[0].u.adapter.summary_addr = 0x2000;
	EXPECT_OK(ioctl(vm, KVM_SET_GSI_ROUTING, &t.r));
	close(vm);
	munmap(a, SZ_1M);
}

/*
 * IRQFD (generic, HAVE_KVM_IRQCHIP): both register the eventfd (kvm_flic:
 * an irqfd on an adapter route reaches the guest).
 */
static void use_irqfd(struct __test_metadata *_metadata, struct ctx *c,
		      long cap, int value)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	struct kvm_irqfd irqfd = { .fd = efd, .gsi = 1 };
	int vm = new_vm(_metadata, c);

	EXPECT_EQ(1, value);
	EXPECT_LE(0, efd);
	if (vm < 0 || efd < 0)
		return;
	EXPECT_OK(ioctl(vm, KVM_IRQFD, &irqfd));
	irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	EXPECT_OK(ioctl(vm, KVM_IRQFD, &irqfd));
	close(vm);
	close(efd);
}

/*
 * IOEVENTFD_ANY_LENGTH (generic) and IOEVENTFD (mainline): eventfds are
 * registered and unregistered on a bus, with a length of 0 too.  On s390
 * only the virtio-ccw notification bus is ever signalled, by DIAG 0x500
 * (kvm_diag_caps diag_500_signals_an_ioeventfd).
 */
static void use_ioeventfd(struct __test_metadata *_metadata, struct ctx *c,
			  long cap, int value)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	struct kvm_ioeventfd io = {
		.addr = 0x1000,
		.len = 0,
		.fd = efd,
	};

	EXPECT_EQ(1, value);
	if (efd < 0)
		return;
	EXPECT_OK(ioctl(c->vm, KVM_IOEVENTFD, &io));
	/* ioeventfd_check_collision: the same registration again: -EEXIST. */
	EXPECT_ERRNO(EEXIST, ioctl(c->vm, KVM_IOEVENTFD, &io));
	io.flags = KVM_IOEVENTFD_FLAG_DEASSIGN;
	EXPECT_OK(ioctl(c->vm, KVM_IOEVENTFD, &io));
	/* The virtio-ccw notification bus: subchannel 0x10000, queue 0. */
	io.flags = KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY | KVM_IOEVENTFD_FLAG_DATAMATCH;
	io.addr = 0x10000;
	io.len = 8;
	io.datamatch = 0;
	EXPECT_OK(ioctl(c->vm, KVM_IOEVENTFD, &io));
	io.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
	EXPECT_OK(ioctl(c->vm, KVM_IOEVENTFD, &io));
	close(efd);
}

/*
 * CHECK_EXTENSION_VM: the VM answers KVM_CHECK_EXTENSION; the walk compares
 * it with /dev/kvm for every number.
 */
static void use_check_extension_vm(struct __test_metadata *_metadata, struct ctx *c,
				   long cap, int value)
{
	EXPECT_EQ(1, value);
	EXPECT_EQ(1, kvm_check_cap(c->vm, KVM_CAP_CHECK_EXTENSION_VM));
}

/* ENABLE_CAP_VM: KVM_ENABLE_CAP on a VM; an unknown capability is EINVAL. */
static void use_enable_cap_vm(struct __test_metadata *_metadata, struct ctx *c,
			      long cap, int value)
{
	EXPECT_EQ(1, value);
	EXPECT_ERRNO(EINVAL, enable_cap(c->vm, 0x7fffffff, 0, 0));
	EXPECT_OK(enable_cap(c->vm, KVM_CAP_HALT_POLL, 0, 1000));
}

/*
 * HALT_POLL (generic): the VM's halt-polling limit is set; flags or a value
 * beyond 32 bits are EINVAL.  Ours never halts in the kernel yet, so the
 * limit has no effect there (Documentation/kvm_s390.rst).
 */
static void use_halt_poll(struct __test_metadata *_metadata, struct ctx *c,
			  long cap, int value)
{
	EXPECT_EQ(1, value);
	EXPECT_OK(enable_cap(c->vm, KVM_CAP_HALT_POLL, 0, 200000));
	EXPECT_ERRNO(EINVAL, enable_cap(c->vm, KVM_CAP_HALT_POLL, 1, 0));
	EXPECT_ERRNO(EINVAL, enable_cap(c->vm, KVM_CAP_HALT_POLL, 0, 1ULL << 32));
}

/* BINARY_STATS_FD: a stats fd with a header (kvm_stats_names checks the content). */
static void use_stats_fd(struct __test_metadata *_metadata, struct ctx *c,
			 long cap, int value)
{
	struct kvm_stats_header hdr;
	int fd = ioctl(c->vm, KVM_GET_STATS_FD, NULL);

	EXPECT_EQ(1, value);
	EXPECT_LE(0, fd);
	if (fd < 0)
		return;
	EXPECT_EQ(sizeof(hdr), pread(fd, &hdr, sizeof(hdr), 0));
	EXPECT_LT(0, hdr.num_desc);
	close(fd);
}

/*
 * DEVICE_CTRL (generic): KVM_CREATE_DEVICE.  The VFIO device (generic,
 * KVM_VFIO) and the s390 FLIC can be created on both (kvm_flic).
 */
static void use_device_ctrl(struct __test_metadata *_metadata, struct ctx *c,
			    long cap, int value)
{
	struct kvm_create_device cd = {
		.type = KVM_DEV_TYPE_VFIO,
		.flags = KVM_CREATE_DEVICE_TEST,
	};

	EXPECT_EQ(1, value);
	EXPECT_OK(ioctl(c->vm, KVM_CREATE_DEVICE, &cd));
	cd.type = KVM_DEV_TYPE_FLIC;
	EXPECT_OK(ioctl(c->vm, KVM_CREATE_DEVICE, &cd));
	cd.type = 0x7fff;
	EXPECT_ERRNO(ENODEV, ioctl(c->vm, KVM_CREATE_DEVICE, &cd));
}

/* ---------------------------------------------------------------------- */
/* Uses of capabilities only mainline reports (and of some both report). */

/* VM capabilities enabled with KVM_ENABLE_CAP on a fresh VM. */
static void use_enable_on_new_vm(struct __test_metadata *_metadata, struct ctx *c,
				 long cap, int value)
{
	int vm = new_vm(_metadata, c);

	EXPECT_EQ(1, value);
	if (vm < 0)
		return;
	EXPECT_OK(enable_cap(vm, cap, 0, 0));
	/* kvm_vm_ioctl_enable_cap: flags are -EINVAL. */
	EXPECT_ERRNO(EINVAL, enable_cap(vm, cap, 1, 0));
	close(vm);
}

/* ENABLE_CAP (vCPU) and S390_CSS_SUPPORT: enabled on a vCPU. */
static void use_enable_on_vcpu(struct __test_metadata *_metadata, struct ctx *c,
			       long cap, int value)
{
	int vm = new_vm(_metadata, c), vcpu;

	EXPECT_EQ(1, value);
	if (vm < 0)
		return;
	vcpu = kvm_create_vcpu(vm, 0);
	EXPECT_OK(enable_cap(vcpu, KVM_CAP_S390_CSS_SUPPORT, 0, 0));
	EXPECT_ERRNO(EINVAL, enable_cap(vcpu, 0x7fffffff, 0, 0));
	close(vcpu);
	close(vm);
}

/* S390_INJECT_IRQ: KVM_S390_IRQ of an emergency signal from vCPU 0. */
static void use_s390_irq(struct __test_metadata *_metadata, struct ctx *c,
			 long cap, int value)
{
	struct kvm_s390_irq irq = { .type = KVM_S390_INT_EMERGENCY };
	int vm = new_vm(_metadata, c), vcpu;

	EXPECT_EQ(1, value);
	if (vm < 0)
		return;
	vcpu = kvm_create_vcpu(vm, 0);
	EXPECT_OK(ioctl(vcpu, KVM_S390_IRQ, &irq));
	irq.type = 0x7ffffff0;
	EXPECT_ERRNO(EINVAL, ioctl(vcpu, KVM_S390_IRQ, &irq));
	close(vcpu);
	close(vm);
}

/* S390_SKEYS: a guest that never used storage keys has none to get. */
static void use_skeys(struct __test_metadata *_metadata, struct ctx *c,
		      long cap, int value)
{
	uint8_t key;
	struct kvm_s390_skeys sk = {
		.start_gfn = 0,
		.count = 1,
		.skeydata_addr = (uintptr_t)&key,
	};

	EXPECT_EQ(1, value);
	EXPECT_EQ(KVM_S390_GET_SKEYS_NONE, ioctl(c->vm, KVM_S390_GET_SKEYS, &sk));
}

/* S390_MEM_OP (max size) and S390_MEM_OP_EXTENSION: read guest memory. */
static void use_mem_op(struct __test_metadata *_metadata, struct ctx *c,
		       long cap, int value)
{
	uint8_t *a = alloc_1m(_metadata);
	uint64_t buf = 0;
	struct kvm_s390_mem_op op = {
		.gaddr = 0x3000,
		.size = sizeof(buf),
		.buf = (uintptr_t)&buf,
	};
	int vm = new_vm(_metadata, c), vcpu;

	if (vm < 0 || a == MAP_FAILED)
		return;
	EXPECT_OK(kvm_set_memslot(vm, 0, 0, 0, SZ_1M, (uintptr_t)a));
	*(uint64_t *)(a + 0x3000) = 0x1122334455667788UL;
	if (cap == KVM_CAP_S390_MEM_OP) {
		EXPECT_EQ(65536, value);
		vcpu = kvm_create_vcpu(vm, 0);
		op.op = KVM_S390_MEMOP_LOGICAL_READ;
		EXPECT_OK(ioctl(vcpu, KVM_S390_MEM_OP, &op));
		close(vcpu);
	} else {
		EXPECT_EQ(KVM_S390_MEMOP_EXTENSION_CAP_BASE |
			  KVM_S390_MEMOP_EXTENSION_CAP_CMPXCHG, value);
		op.op = KVM_S390_MEMOP_ABSOLUTE_READ;
		EXPECT_OK(ioctl(vm, KVM_S390_MEM_OP, &op));
	}
	EXPECT_EQ(0x1122334455667788UL, buf);
	close(vm);
	munmap(a, SZ_1M);
}

/* SET_GUEST_DEBUG, SET_GUEST_DEBUG2: debugging can be switched on and off. */
static void use_guest_debug(struct __test_metadata *_metadata, struct ctx *c,
			    long cap, int value)
{
	struct kvm_guest_debug dbg = { .control = KVM_GUESTDBG_ENABLE };
	int vm = new_vm(_metadata, c), vcpu;

	if (cap == KVM_CAP_SET_GUEST_DEBUG2) {
		EXPECT_NE(0, value & KVM_GUESTDBG_ENABLE);
	} else {
		EXPECT_EQ(1, value);
	}
	if (vm < 0)
		return;
	vcpu = kvm_create_vcpu(vm, 0);
	EXPECT_OK(ioctl(vcpu, KVM_SET_GUEST_DEBUG, &dbg));
	dbg.control = 0;
	EXPECT_OK(ioctl(vcpu, KVM_SET_GUEST_DEBUG, &dbg));
	close(vcpu);
	close(vm);
}

/* S390_DIAG318: kvm_run carries the DIAG 0x318 value. */
static void use_diag318(struct __test_metadata *_metadata, struct ctx *c,
			long cap, int value)
{
	struct vcpu_ctx v;

	EXPECT_EQ(1, value);
	if (!open_vcpu(_metadata, c, &v))
		EXPECT_NE(0, v.run->kvm_valid_regs & KVM_SYNC_DIAG318);
	close_vcpu(&v);
}

/*
 * S390_COW: guest memory may be copy-on-write.  The guest stores 0x11 into
 * private anonymous memory, the process forks (the page is now shared
 * copy-on-write with the child), and the guest stores 0x22: that store must
 * land in the parent's own copy, so the child still reads 0x11.  A backend
 * that kept the old frame mapped writable would let it reach the child.
 */
static void use_cow(struct __test_metadata *_metadata, struct ctx *c,
		    long cap, int value)
{
	static const uint8_t code[] = {
		0xa5, 0x1e, 0x00, 0x02,		/* llilh %r1,2: %r1 = 0x20000 */
		0x92, 0x11, 0x10, 0x00,		/* mvi 0(%r1),0x11 */
		DIAG_501,
		0x92, 0x22, 0x10, 0x00,		/* mvi 0(%r1),0x22 */
		DIAG_501,
	};
	struct kvm_s390_psw psw = { .mask = PSW_MASK_64, .addr = 0x10000 };
	uint8_t *a = alloc_1m(_metadata);
	int pipefd[2] = { -1, -1 }, status = 0;
	struct vcpu_ctx v;
	pid_t child = -1;
	char go = 'g';

	EXPECT_EQ(1, value);
	if (a == MAP_FAILED || open_vcpu(_metadata, c, &v)) {
		close_vcpu(&v);
		return;
	}
	memcpy(a + 0x10000, code, sizeof(code));
	a[0x20000] = 0;
	EXPECT_OK(kvm_set_memslot(v.vm, 0, 0, 0, SZ_1M, (uintptr_t)a));
	EXPECT_OK(ioctl(v.vcpu, KVM_S390_SET_INITIAL_PSW, &psw));
	EXPECT_OK(ioctl(v.vcpu, KVM_RUN, 0));
	EXPECT_EQ(KVM_EXIT_S390_SIEIC, v.run->exit_reason);
	EXPECT_EQ(0x10000 + 12, v.run->psw_addr);
	EXPECT_EQ(0x11, a[0x20000]);
	EXPECT_OK(pipe(pipefd));
	child = fork();
	EXPECT_LE(0, child);
	if (child == 0) {
		/* The child: its copy, read after the parent's guest stored again. */
		if (read(pipefd[0], &go, 1) != 1)
			_exit(0xff);
		_exit(a[0x20000]);
	}
	EXPECT_OK(ioctl(v.vcpu, KVM_RUN, 0));
	EXPECT_EQ(KVM_EXIT_S390_SIEIC, v.run->exit_reason);
	EXPECT_EQ(0x10000 + 20, v.run->psw_addr);
	EXPECT_EQ(0x22, a[0x20000]);
	if (child > 0) {
		EXPECT_EQ(1, write(pipefd[1], &go, 1));
		EXPECT_EQ(child, waitpid(child, &status, 0));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0x11, WEXITSTATUS(status))
			TH_LOG("the child's copy-on-write copy changed: the guest's store after fork() reached it");
	}
	close(pipefd[0]);
	close(pipefd[1]);
	close_vcpu(&v);
	munmap(a, SZ_1M);
}

/* ---------------------------------------------------------------------- */

#define CAP(n)	KVM_CAP_##n, #n
#define MAINLINE_ONLY	NEVER, ALWAYS

static const struct cap_case cases[] = {
	/* Answered by generic KVM for both backends. */
	{ CAP(USER_MEMORY), ALWAYS, ALWAYS, false, use_user_memory },
	{ CAP(DESTROY_MEMORY_REGION_WORKS), ALWAYS, ALWAYS, false, use_user_memory },
	{ CAP(JOIN_MEMORY_REGIONS_WORKS), ALWAYS, ALWAYS, false, use_user_memory },
	{ CAP(USER_MEMORY2), ALWAYS, ALWAYS, false, use_user_memory2 },
	{ CAP(NR_MEMSLOTS), ALWAYS, ALWAYS, false, use_nr_memslots },
	{ CAP(SYNC_MMU), ALWAYS, ALWAYS, false, NULL,
	  "kvm_guest_run host_unmap_is_seen_by_guest (MADV_DONTNEED of a mapped page reaches the guest)" },
	{ CAP(INTERNAL_ERROR_DATA), ALWAYS, ALWAYS, false, NULL,
	  "nothing to run: it promises the layout of KVM_EXIT_INTERNAL_ERROR, an exit neither backend produces on s390 (Documentation/kvm_s390.rst)" },
	{ CAP(SYSTEM_EVENT_DATA), ALWAYS, ALWAYS, false, NULL,
	  "nothing to run: it promises the layout of KVM_EXIT_SYSTEM_EVENT, an exit neither backend produces on s390 (Documentation/kvm_s390.rst)" },
	{ CAP(IRQ_ROUTING), ALWAYS, ALWAYS, false, use_irq_routing },
	{ CAP(IRQFD), ALWAYS, ALWAYS, false, use_irqfd },
	{ CAP(IOEVENTFD_ANY_LENGTH), ALWAYS, ALWAYS, false, use_ioeventfd },
	{ CAP(CHECK_EXTENSION_VM), ALWAYS, ALWAYS, false, use_check_extension_vm },
	{ CAP(ENABLE_CAP_VM), ALWAYS, ALWAYS, false, use_enable_cap_vm },
	{ CAP(HALT_POLL), ALWAYS, ALWAYS, false, use_halt_poll },
	{ CAP(BINARY_STATS_FD), ALWAYS, ALWAYS, false, use_stats_fd },
	{ CAP(DEVICE_CTRL), ALWAYS, ALWAYS, false, use_device_ctrl },

	/* Answered by the backend; both report them. */
	{ CAP(NR_VCPUS), ALWAYS, ALWAYS, false, use_vcpus },
	{ CAP(MAX_VCPUS), ALWAYS, ALWAYS, false, use_vcpus },
	{ CAP(MAX_VCPU_ID), ALWAYS, ALWAYS, false, use_vcpus },
	{ CAP(S390_PSW), ALWAYS, ALWAYS, false, use_s390_psw },
	{ CAP(SYNC_REGS), ALWAYS, ALWAYS, false, use_sync_regs },
	{ CAP(IMMEDIATE_EXIT), ALWAYS, ALWAYS, false, use_immediate_exit },
	{ CAP(VM_ATTRIBUTES), ALWAYS, ALWAYS, false, use_vm_attributes },
	{ CAP(PRE_FAULT_MEMORY), ALWAYS, ALWAYS, false, use_pre_fault },
	{ CAP(S390_KEYOP), ALWAYS, ALWAYS, false, NULL,
	  "kvm_keyop (ISKE, RRBE, SSKE, errnos; the kselftest s390/keyop also needs S390_UCONTROL)" },
	{ CAP(ONE_REG), ALWAYS, ALWAYS, false, NULL,
	  "kvm_vcpu_state one_reg; kvm_diag_caps one_reg_round_trips, one_reg_errnos" },
	{ CAP(IOEVENTFD), ALWAYS, ALWAYS, false, use_ioeventfd },
	{ CAP(ENABLE_CAP), ALWAYS, ALWAYS, false, use_enable_on_vcpu },
	{ CAP(S390_CSS_SUPPORT), ALWAYS, ALWAYS, false, use_enable_on_vcpu },
	{ CAP(S390_USER_SIGP), ALWAYS, ALWAYS, false, use_enable_on_new_vm },
	{ CAP(S390_USER_STSI), ALWAYS, ALWAYS, false, use_enable_on_new_vm },
	{ CAP(S390_USER_INSTR0), ALWAYS, ALWAYS, false, use_enable_on_new_vm },
	{ CAP(S390_USER_OPEREXEC), ALWAYS, ALWAYS, false, use_enable_on_new_vm },
	{ CAP(MP_STATE), ALWAYS, ALWAYS, false, NULL,
	  "kvm_vcpu_state initial_psw; kvm_interrupts mp_state" },
	{ CAP(S390_INJECT_IRQ), ALWAYS, ALWAYS, false, use_s390_irq },
	{ CAP(S390_VCPU_RESETS), ALWAYS, ALWAYS, false, NULL,
	  "kvm_vcpu_state normal_reset and clear_reset; kselftest s390/resets" },
	/* Mainline's needs ESOP, on this bed the baseline-only patch 0004. */
	{ CAP(S390_COW), ALWAYS, ALWAYS, true, use_cow },
	{ CAP(S390_IRQ_STATE), ALWAYS, ALWAYS, false, NULL,
	  "kvm_vcpu_state irq_state; kvm_interrupts irq_state_round_trip" },
	{ CAP(S390_IRQCHIP), ALWAYS, ALWAYS, false, use_enable_on_new_vm },
	{ CAP(ASYNC_PF), ALWAYS, ALWAYS, false, NULL,
	  "kvm_pfault: DIAG 0x258, async_fault (pfault init/done with userfaultfd), sync_fault_*" },

	/* Only mainline reports them (ours: not implemented yet). */
	{ CAP(S390_VSIE_ESAMODE), MAINLINE_ONLY, false, use_enable_on_new_vm },
	{ CAP(S390_AIS), MAINLINE_ONLY, false, use_enable_on_new_vm },
	/* Also exercised by kvm_instructions (keys) and the kselftest s390/memop. */
	{ CAP(S390_SKEYS), ALWAYS, ALWAYS, false, use_skeys },
	{ CAP(S390_MEM_OP), ALWAYS, ALWAYS, false, use_mem_op },
	{ CAP(S390_MEM_OP_EXTENSION), ALWAYS, ALWAYS, false, use_mem_op },
	{ CAP(SET_GUEST_DEBUG), ALWAYS, ALWAYS, false, use_guest_debug },
	{ CAP(SET_GUEST_DEBUG2), ALWAYS, ALWAYS, false, use_guest_debug },
	{ CAP(S390_DIAG318), MAINLINE_ONLY, false, use_diag318 },
	{ CAP(S390_GMAP), MAINLINE_ONLY, false, NULL,
	  "mainline's; not exercised here: it concerns user-controlled VMs, which the baseline build does not configure" },
	{ CAP(S390_CMMA_MIGRATION), MAINLINE_ONLY, false, NULL,
	  "mainline's; kselftest s390/cmma_test (not in the bed's run list)" },
	{ CAP(S390_AIS_MIGRATION), MAINLINE_ONLY, false, NULL,
	  "mainline's; not exercised here: a FLIC attribute for migration" },
	{ CAP(IRQFD_RESAMPLE), MAINLINE_ONLY, false, NULL,
	  "mainline's; not offered by ours: nothing acknowledges an adapter interruption on s390, so a resample eventfd would never be signalled" },

	/* Mainline's, depending on the machine (as on the Hercules bed). */
	{ CAP(S390_CPU_TOPOLOGY), NEVER, ALWAYS, true, use_enable_on_new_vm },
	{ CAP(S390_VECTOR_REGISTERS), NEVER, NEVER, true, NULL, "ours and mainline's with facility 129 (kvm_vector)" },
	{ CAP(S390_RI), NEVER, NEVER, true, NULL, "mainline's with facility 64" },
	{ CAP(S390_GS), NEVER, NEVER, true, NULL, "mainline's with facility 133" },
	{ CAP(S390_BPB), NEVER, NEVER, true, NULL, "mainline's with facility 82" },
	{ CAP(S390_HPAGE_1M), NEVER, NEVER, true, NULL, "mainline's with hpage=1" },
	{ CAP(S390_HPAGE_2G), NEVER, NEVER, true, NULL, "mainline's with hpage=2" },
	{ CAP(S390_PROTECTED), NEVER, NEVER, true, NULL, "mainline's on a protected-virtualisation host" },
	{ CAP(S390_PROTECTED_DUMP), NEVER, NEVER, true, NULL, "mainline's on a protected-virtualisation host" },
	{ CAP(S390_PROTECTED_ASYNC_DISABLE), NEVER, NEVER, true, NULL, "mainline's on a protected-virtualisation host" },
	{ CAP(S390_ZPCI_OP), NEVER, NEVER, true, NULL, "mainline's with zPCI interpretation" },
	{ CAP(S390_UCONTROL), NEVER, NEVER, true, NULL, "mainline's with CONFIG_KVM_S390_UCONTROL" },
};

static const struct cap_case *find_case(long cap)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		if (cases[i].cap == cap)
			return &cases[i];
	return NULL;
}

/* What the table expects of @cc on this backend and bed; -1: either. */
static int expected(const struct cap_case *cc, struct ctx *c)
{
	enum expect e = c->backend == BACKEND_OURS ? cc->ours : cc->mainline;

	if (c->backend == BACKEND_MAINLINE && cc->machine_dependent && !c->hercules)
		return -1;
	return e == ALWAYS;
}

static void check_one(struct __test_metadata *_metadata, struct ctx *c, long cap)
{
	const struct cap_case *cc = find_case(cap);
	int sys = kvm_check_cap(c->kvm, cap);
	int vm = kvm_check_cap(c->vm, cap);
	int want;

	EXPECT_LE(0, sys) TH_LOG("capability %ld: %d, %s", cap, sys, strerror(errno));
	EXPECT_EQ(sys, vm) TH_LOG("capability %ld: /dev/kvm %d, VM %d", cap, sys, vm);
	if (!cc) {
		EXPECT_EQ(0, sys) TH_LOG("capability %ld = %d on %s: reported but untested",
					 cap, sys, kvm_backend_name(c->backend));
		return;
	}
	want = expected(cc, c);
	if (want >= 0) {
		EXPECT_EQ(want, sys != 0)
			TH_LOG("KVM_CAP_%s (%ld) = %d on %s: the test expects it %s",
			       cc->name, cap, sys, kvm_backend_name(c->backend),
			       want ? "reported" : "not reported");
	}
	if (!sys)
		return;
	if (cc->use) {
		TH_LOG("KVM_CAP_%s = %d: exercising", cc->name, sys);
		cc->use(_metadata, c, cap, sys);
	} else {
		TH_LOG("KVM_CAP_%s = %d: %s", cc->name, sys, cc->covered_by);
	}
}

FIXTURE(caps) {
	struct ctx c;
};

FIXTURE_SETUP(caps)
{
	self->c.vm = -1;
	BACKEND_OR_SKIP(self->c.backend);
	OPEN_KVM_OR_SKIP(self->c.kvm);
	self->c.hercules = kvm_on_hercules();
	ASSERT_FD(self->c.vm, kvm_create_vm(self->c.kvm));
}

FIXTURE_TEARDOWN(caps)
{
	if (self->c.vm >= 0)
		close(self->c.vm);
}

TEST_F(caps, every_reported_capability_is_exercised)
{
	static const long far[] = { 0x7fffffff, -1, 1 << 20, 65536 };
	unsigned int i;
	long cap;

	for (cap = 0; cap < CAP_BOUND; cap++)
		check_one(_metadata, &self->c, cap);
	for (i = 0; i < ARRAY_SIZE(far); i++)
		check_one(_metadata, &self->c, far[i]);
}

/* Every number the table names lies inside the walk. */
TEST_F(caps, table_is_inside_the_walk)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		EXPECT_GT(CAP_BOUND, cases[i].cap) TH_LOG("capability %ld", cases[i].cap);
}

TEST_HARNESS_MAIN
