// SPDX-License-Identifier: GPL-2.0
/*
 * The FLIC device (KVM_DEV_TYPE_FLIC) and adapter interruptions:
 * one FLIC per VM; its attribute groups; floating interruptions enqueued,
 * read back in mainline's order and cleared; the pending I/O interruption of
 * a subchannel dropped; I/O adapters registered, masked, mapped and unmapped;
 * adapter-interruption suppression (facility 72) where the CPU model has it;
 * an adapter interruption injected through the FLIC and through an adapter
 * route fired by an irqfd, reaching a guest that enabled the subclass, with
 * the indicator and summary bits set in guest memory, in the eventfd's
 * wake-up where user space mapped the indicator pages and by generic KVM's
 * irqfd worker otherwise; KVM_CREATE_IRQCHIP and
 * KVM_CAP_S390_IRQCHIP; mainline's errno for each kind of bad input.
 */
#include <sys/eventfd.h>
#include <time.h>

#include "guest_util.h"

#define PSW_MASK_IO		0x0200000000000000UL
#define LC_SUBCHANNEL_ID	0xb8
#define LC_IO_INT_PARM		0xbc
#define LC_IO_INT_WORD		0xc0
#define LC_IO_OLD		0x170
#define LC_IO_NEW		0x1f0
#define IO_HANDLER		0x11100UL
#define CR6_ISC(isc)		(0x80000000UL >> (isc))

/* Adapter-interruption suppression modes (mainline kvm_host_s390.h; not uapi). */
#define AIS_MODE_ALL		0
#define AIS_MODE_SINGLE		1
#define IRQ_SIZE		sizeof(struct kvm_s390_irq)
#define FLIC_MAX_BUFFER		0x2000000UL
/* Adapter interruption code of subclass 3: the A bit and the subclass. */
#define AI_WORD_ISC3		(0x80000000u | (3u << 27))
/* Indicator area (guest real, slot 0) and its summary byte. */
#define IND_GPA			0x20000UL
#define SUMMARY_GPA		0x20100UL

static int create_flic(int vm)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_FLIC };

	if (ioctl(vm, KVM_CREATE_DEVICE, &cd))
		return -1;
	return cd.fd;
}

static int flic_set(int flic, uint32_t group, uint64_t attr, const void *addr)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uintptr_t)addr,
	};

	return ioctl(flic, KVM_SET_DEVICE_ATTR, &a);
}

static int flic_get(int flic, uint32_t group, uint64_t attr, void *addr)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uintptr_t)addr,
	};

	return ioctl(flic, KVM_GET_DEVICE_ATTR, &a);
}

static int flic_has(int flic, uint32_t group)
{
	struct kvm_device_attr a = { .group = group };

	return ioctl(flic, KVM_HAS_DEVICE_ATTR, &a);
}

static struct kvm_s390_irq io_irq(uint16_t id, uint16_t nr, uint32_t parm, uint32_t word)
{
	struct kvm_s390_irq irq = { .type = KVM_S390_INT_IO(0, 0, 0, nr) };

	irq.u.io.subchannel_id = id;
	irq.u.io.subchannel_nr = nr;
	irq.u.io.io_int_parm = parm;
	irq.u.io.io_int_word = word;
	return irq;
}

static int register_adapter(int flic, uint32_t id, uint8_t isc, uint8_t maskable,
			    uint8_t swap, uint8_t flags)
{
	struct kvm_s390_io_adapter a = {
		.id = id, .isc = isc, .maskable = maskable, .swap = swap, .flags = flags,
	};

	return flic_set(flic, KVM_DEV_FLIC_ADAPTER_REGISTER, 0, &a);
}

static int modify_adapter(int flic, uint32_t id, uint8_t type, uint8_t mask, uint64_t addr)
{
	struct kvm_s390_io_adapter_req r = {
		.id = id, .type = type, .mask = mask, .addr = addr,
	};

	return flic_set(flic, KVM_DEV_FLIC_ADAPTER_MODIFY, 0, &r);
}

static struct kvm_s390_irq all[8];

static int get_all(int flic)
{
	memset(all, 0, sizeof(all));
	return flic_get(flic, KVM_DEV_FLIC_GET_ALL_IRQS, sizeof(all), all);
}

/* Polls until @n floating interruptions are pending (irqfd injects from a worker). */
static int wait_pending(int flic, int n)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i, r = -1;

	for (i = 0; i < 300; i++) {
		r = get_all(flic);
		if (r == n)
			break;
		nanosleep(&ts, NULL);
	}
	return r;
}

/* One FLIC per VM: a second one is refused (EINVAL), also once the first's fd is closed. */
TEST_F(guest, one_flic_per_vm)
{
	struct kvm_create_device cd = {
		.type = KVM_DEV_TYPE_FLIC, .flags = KVM_CREATE_DEVICE_TEST,
	};
	int flic;

	EXPECT_OK(ioctl(self->vm, KVM_CREATE_DEVICE, &cd));
	ASSERT_FD(flic, create_flic(self->vm));
	EXPECT_ERRNO(EINVAL, create_flic(self->vm));
	close(flic);
	EXPECT_ERRNO(EINVAL, create_flic(self->vm));
}

/* The attribute groups: 1 to 11 exist; others are ENXIO (has) or EINVAL (get/set). */
TEST_F(guest, attribute_groups)
{
	uint8_t buf[IRQ_SIZE];
	uint32_t g;
	int flic;

	ASSERT_FD(flic, create_flic(self->vm));
	for (g = KVM_DEV_FLIC_GET_ALL_IRQS; g <= KVM_DEV_FLIC_AISM_ALL; g++)
		EXPECT_OK(flic_has(flic, g));
	EXPECT_ERRNO(ENXIO, flic_has(flic, 0));
	EXPECT_ERRNO(ENXIO, flic_has(flic, 12));
	EXPECT_ERRNO(EINVAL, flic_get(flic, KVM_DEV_FLIC_ENQUEUE, sizeof(buf), buf));
	EXPECT_ERRNO(EINVAL, flic_get(flic, 12, sizeof(buf), buf));
	EXPECT_ERRNO(EINVAL, flic_set(flic, 12, 0, buf));
	EXPECT_ERRNO(EINVAL, flic_set(flic, KVM_DEV_FLIC_GET_ALL_IRQS, sizeof(buf), buf));
	/* Both pfault requests succeed (their effect: kvm_pfault). */
	EXPECT_OK(flic_set(flic, KVM_DEV_FLIC_APF_ENABLE, 0, NULL));
	EXPECT_OK(flic_set(flic, KVM_DEV_FLIC_APF_DISABLE_WAIT, 0, NULL));
	close(flic);
}

/*
 * ENQUEUE, GET_ALL_IRQS and CLEAR_IRQS: what goes in comes back, I/O by
 * subclass first, then virtio, the service signal and the machine check.
 */
TEST_F(guest, enqueue_get_all_clear)
{
	struct kvm_s390_irq in[4] = {
		{ .type = KVM_S390_INT_SERVICE },
		{ .type = KVM_S390_MCHK },
		{ .type = KVM_S390_INT_VIRTIO },
	};
	int flic;

	in[0].u.ext.ext_params = 0x12340;
	in[1].u.mchk.cr14 = 1UL << 28;
	in[1].u.mchk.mcic = 1UL << (63 - 9);
	in[2].u.ext.ext_params = 0xabcd;
	in[2].u.ext.ext_params2 = 0x1122334455667788UL;
	in[3] = io_irq(1, 0x42, 0xdeadbeef, 0x80000000u | (3u << 27));
	ASSERT_FD(flic, create_flic(self->vm));
	EXPECT_EQ(0, get_all(flic));
	ASSERT_OK(flic_set(flic, KVM_DEV_FLIC_ENQUEUE, sizeof(in), in));
	ASSERT_EQ(4, get_all(flic));
	EXPECT_EQ(in[3].type, all[0].type);
	EXPECT_EQ(1, all[0].u.io.subchannel_id);
	EXPECT_EQ(0x42, all[0].u.io.subchannel_nr);
	EXPECT_EQ(0xdeadbeef, all[0].u.io.io_int_parm);
	EXPECT_EQ(in[3].u.io.io_int_word, all[0].u.io.io_int_word);
	EXPECT_EQ(KVM_S390_INT_VIRTIO, all[1].type);
	EXPECT_EQ(0xabcd, all[1].u.ext.ext_params);
	EXPECT_EQ(0x1122334455667788UL, all[1].u.ext.ext_params2);
	EXPECT_EQ(KVM_S390_INT_SERVICE, all[2].type);
	EXPECT_EQ(0x12340, all[2].u.ext.ext_params);
	EXPECT_EQ(KVM_S390_MCHK, all[3].type);
	EXPECT_EQ(1UL << 28, all[3].u.mchk.cr14);
	EXPECT_EQ(1UL << (63 - 9), all[3].u.mchk.mcic);

	/* Too small a buffer: ENOMEM, "retry with a bigger one". */
	EXPECT_ERRNO(ENOMEM, flic_get(flic, KVM_DEV_FLIC_GET_ALL_IRQS, IRQ_SIZE, all));
	EXPECT_ERRNO(EINVAL, flic_get(flic, KVM_DEV_FLIC_GET_ALL_IRQS, 0, all));
	EXPECT_ERRNO(EINVAL, flic_get(flic, KVM_DEV_FLIC_GET_ALL_IRQS,
				      FLIC_MAX_BUFFER + 1, all));
	EXPECT_ERRNO(EFAULT, flic_get(flic, KVM_DEV_FLIC_GET_ALL_IRQS, sizeof(all),
				      (void *)8));

	ASSERT_OK(flic_set(flic, KVM_DEV_FLIC_CLEAR_IRQS, 0, NULL));
	EXPECT_EQ(0, get_all(flic));
	close(flic);
}

/* ENQUEUE errnos: a partial record, a non-floating type, an unreadable buffer. */
TEST_F(guest, enqueue_errnos)
{
	struct kvm_s390_irq irq = { .type = KVM_S390_PROGRAM_INT };
	int flic;

	ASSERT_FD(flic, create_flic(self->vm));
	EXPECT_ERRNO(EINVAL, flic_set(flic, KVM_DEV_FLIC_ENQUEUE, IRQ_SIZE + 1, &irq));
	EXPECT_ERRNO(EINVAL, flic_set(flic, KVM_DEV_FLIC_ENQUEUE,
				      FLIC_MAX_BUFFER + IRQ_SIZE, &irq));
	EXPECT_ERRNO(EINVAL, flic_set(flic, KVM_DEV_FLIC_ENQUEUE, IRQ_SIZE, &irq));
	irq.type = KVM_S390_INT_EMERGENCY;
	EXPECT_ERRNO(EINVAL, flic_set(flic, KVM_DEV_FLIC_ENQUEUE, IRQ_SIZE, &irq));
	EXPECT_ERRNO(EFAULT, flic_set(flic, KVM_DEV_FLIC_ENQUEUE, IRQ_SIZE, (void *)8));
	EXPECT_OK(flic_set(flic, KVM_DEV_FLIC_ENQUEUE, 0, &irq));
	EXPECT_EQ(0, get_all(flic));
	close(flic);
}

/* CLEAR_IO_IRQ drops the named subchannel's interruption only. */
TEST_F(guest, clear_io_irq)
{
	struct kvm_s390_irq in[2];
	struct kvm_device_attr a = { .group = KVM_DEV_FLIC_CLEAR_IO_IRQ, .attr = 4 };
	uint32_t schid = 0x00010042;
	int flic;

	in[0] = io_irq(1, 0x42, 1, 0x80000000u | (2u << 27));
	in[1] = io_irq(1, 0x43, 2, 0x80000000u | (2u << 27));
	ASSERT_FD(flic, create_flic(self->vm));
	ASSERT_OK(flic_set(flic, KVM_DEV_FLIC_ENQUEUE, sizeof(in), in));
	a.addr = (uintptr_t)&schid;
	ASSERT_OK(ioctl(flic, KVM_SET_DEVICE_ATTR, &a));
	ASSERT_EQ(1, get_all(flic));
	EXPECT_EQ(0x43, all[0].u.io.subchannel_nr);
	/* None pending for it any more: still fine. */
	EXPECT_OK(ioctl(flic, KVM_SET_DEVICE_ATTR, &a));

	a.flags = 1;
	EXPECT_ERRNO(EINVAL, ioctl(flic, KVM_SET_DEVICE_ATTR, &a));
	a.flags = 0;
	a.attr = 8;
	EXPECT_ERRNO(EINVAL, ioctl(flic, KVM_SET_DEVICE_ATTR, &a));
	a.attr = 4;
	schid = 0;
	EXPECT_ERRNO(EINVAL, ioctl(flic, KVM_SET_DEVICE_ATTR, &a));
	a.addr = 8;
	EXPECT_ERRNO(EFAULT, ioctl(flic, KVM_SET_DEVICE_ATTR, &a));
	EXPECT_EQ(1, get_all(flic));
	close(flic);
}

/* ADAPTER_REGISTER and ADAPTER_MODIFY: mask, map, unmap and their errnos. */
TEST_F(guest, adapter_register_modify)
{
	int flic;

	ASSERT_FD(flic, create_flic(self->vm));
	EXPECT_OK(register_adapter(flic, 0, 3, 1, 0, 0));
	EXPECT_OK(register_adapter(flic, 63, 7, 0, 1, KVM_S390_ADAPTER_SUPPRESSIBLE));
	EXPECT_ERRNO(EINVAL, register_adapter(flic, 0, 3, 1, 0, 0));
	EXPECT_ERRNO(EINVAL, register_adapter(flic, 64, 3, 1, 0, 0));
	EXPECT_ERRNO(EFAULT, flic_set(flic, KVM_DEV_FLIC_ADAPTER_REGISTER, 0, (void *)8));

	EXPECT_OK(modify_adapter(flic, 0, KVM_S390_IO_ADAPTER_MASK, 1, 0));
	EXPECT_OK(modify_adapter(flic, 0, KVM_S390_IO_ADAPTER_MASK, 0, 0));
	EXPECT_ERRNO(EINVAL, modify_adapter(flic, 63, KVM_S390_IO_ADAPTER_MASK, 1, 0));
	EXPECT_ERRNO(EINVAL, modify_adapter(flic, 1, KVM_S390_IO_ADAPTER_MASK, 1, 0));
	EXPECT_ERRNO(EINVAL, modify_adapter(flic, 64, KVM_S390_IO_ADAPTER_MASK, 1, 0));
	EXPECT_ERRNO(EINVAL, modify_adapter(flic, 0, 0, 0, 0));
	EXPECT_ERRNO(EINVAL, modify_adapter(flic, 0, 4, 0, 0));
	EXPECT_ERRNO(EFAULT, flic_set(flic, KVM_DEV_FLIC_ADAPTER_MODIFY, 0, (void *)8));

	EXPECT_ERRNO(EINVAL, modify_adapter(flic, 0, KVM_S390_IO_ADAPTER_MAP, 0, 0));
	EXPECT_ERRNO(EFAULT, modify_adapter(flic, 0, KVM_S390_IO_ADAPTER_MAP, 0, GAP_GPA));
	EXPECT_OK(modify_adapter(flic, 0, KVM_S390_IO_ADAPTER_MAP, 0, IND_GPA));
	EXPECT_ERRNO(ENOENT, modify_adapter(flic, 0, KVM_S390_IO_ADAPTER_UNMAP, 0,
					    SUMMARY_GPA));
	EXPECT_OK(modify_adapter(flic, 0, KVM_S390_IO_ADAPTER_UNMAP, 0, IND_GPA));
	EXPECT_ERRNO(ENOENT, modify_adapter(flic, 0, KVM_S390_IO_ADAPTER_UNMAP, 0, IND_GPA));
	EXPECT_ERRNO(EINVAL, modify_adapter(flic, 0, KVM_S390_IO_ADAPTER_UNMAP, 0, 0));
	/* A mapping left behind is dropped with the VM. */
	EXPECT_OK(modify_adapter(flic, 0, KVM_S390_IO_ADAPTER_MAP, 0, SUMMARY_GPA));
	close(flic);
}

/*
 * AISM and AISM_ALL: without facility 72 in the CPU model, EOPNOTSUPP;
 * with it, the modes round-trip and a single-mode subclass lets one
 * adapter interruption through, then suppresses the next.
 */
TEST_F(guest, ais_modes)
{
	struct kvm_s390_ais_all ais = { 0 };
	struct kvm_s390_ais_req req = { .isc = 3, .mode = AIS_MODE_SINGLE };
	int flic, r;

	ASSERT_FD(flic, create_flic(self->vm));
	EXPECT_ERRNO(EINVAL, flic_get(flic, KVM_DEV_FLIC_AISM_ALL, 1, &ais));
	r = flic_get(flic, KVM_DEV_FLIC_AISM_ALL, sizeof(ais), &ais);
	if (r && errno == EOPNOTSUPP) {
		EXPECT_ERRNO(EOPNOTSUPP, flic_set(flic, KVM_DEV_FLIC_AISM, 0, &req));
		EXPECT_ERRNO(EOPNOTSUPP, flic_set(flic, KVM_DEV_FLIC_AISM_ALL, 0, &ais));
		close(flic);
		SKIP(return, "facility 72 (AIS) is not in the CPU model");
	}
	ASSERT_OK(r);
	EXPECT_OK(flic_set(flic, KVM_DEV_FLIC_AISM, 0, &req));
	EXPECT_OK(flic_get(flic, KVM_DEV_FLIC_AISM_ALL, sizeof(ais), &ais));
	EXPECT_EQ(0x10, ais.simm);
	EXPECT_EQ(0, ais.nimm);
	req.isc = 8;
	EXPECT_ERRNO(EINVAL, flic_set(flic, KVM_DEV_FLIC_AISM, 0, &req));
	req.isc = 3;
	req.mode = 2;
	EXPECT_ERRNO(EINVAL, flic_set(flic, KVM_DEV_FLIC_AISM, 0, &req));
	ASSERT_OK(register_adapter(flic, 5, 3, 0, 0, KVM_S390_ADAPTER_SUPPRESSIBLE));
	EXPECT_OK(flic_set(flic, KVM_DEV_FLIC_AIRQ_INJECT, 5, NULL));
	EXPECT_OK(flic_set(flic, KVM_DEV_FLIC_AIRQ_INJECT, 5, NULL));
	EXPECT_EQ(1, get_all(flic));
	EXPECT_OK(flic_get(flic, KVM_DEV_FLIC_AISM_ALL, sizeof(ais), &ais));
	EXPECT_EQ(0x10, ais.nimm);
	ais.simm = 0;
	ais.nimm = 0;
	EXPECT_OK(flic_set(flic, KVM_DEV_FLIC_AISM_ALL, 0, &ais));
	EXPECT_OK(flic_set(flic, KVM_DEV_FLIC_AIRQ_INJECT, 5, NULL));
	EXPECT_EQ(2, get_all(flic));
	close(flic);
}

/* Guest set-up: I/O new PSW to a handler, subclass @isc enabled, I/O enabled. */
static void setup_io_guest(struct __test_metadata *_metadata, FIXTURE_DATA(guest) *self,
			   int isc)
{
	static const uint8_t handler[] = { DIAG_501, J_SELF };
	static const uint8_t spin[] = { J_SELF };
	uint64_t *psw = (uint64_t *)host_addr(self, LC_IO_NEW);
	struct kvm_sregs sregs;

	psw[0] = PSW_MASK_64;
	psw[1] = IO_HANDLER;
	load_code(self, IO_HANDLER, handler, sizeof(handler));
	load_code(self, CODE_GPA, spin, sizeof(spin));
	self->run->psw_mask = PSW_MASK_64 | PSW_MASK_IO;
	self->run->psw_addr = CODE_GPA;
	ASSERT_OK(ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	sregs.crs[6] = CR6_ISC(isc);
	ASSERT_OK(ioctl(self->vcpu, KVM_SET_SREGS, &sregs));
}

/* AIRQ_INJECT queues an adapter interruption the guest takes with its code. */
TEST_F(guest, airq_inject_reaches_guest)
{
	int flic;

	ASSERT_FD(flic, create_flic(self->vm));
	EXPECT_ERRNO(EINVAL, flic_set(flic, KVM_DEV_FLIC_AIRQ_INJECT, 2, NULL));
	EXPECT_ERRNO(EINVAL, flic_set(flic, KVM_DEV_FLIC_AIRQ_INJECT, 64, NULL));
	ASSERT_OK(register_adapter(flic, 2, 3, 0, 0, 0));
	ASSERT_OK(flic_set(flic, KVM_DEV_FLIC_AIRQ_INJECT, 2, NULL));
	ASSERT_EQ(1, get_all(flic));
	EXPECT_EQ(KVM_S390_INT_IO(1, 0, 0, 0), all[0].type);
	EXPECT_EQ(AI_WORD_ISC3, all[0].u.io.io_int_word);
	setup_io_guest(_metadata, self, 3);
	RUN_TO_DIAG(IO_HANDLER + 4);
	EXPECT_EQ(CODE_GPA, *(uint64_t *)host_addr(self, LC_IO_OLD + 8));
	EXPECT_EQ(AI_WORD_ISC3, *(uint32_t *)host_addr(self, LC_IO_INT_WORD));
	EXPECT_EQ(0, get_all(flic));
	close(flic);
}

static int set_route(int vm, uint32_t gsi, uint32_t adapter, uint64_t ind, uint64_t ind_off,
		     uint64_t summary, uint32_t summary_off)
{
	struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[1];
	} t;

	memset(&t, 0, sizeof(t));
	t.r.nr = 1;
	t.e[0].gsi = gsi;
	t.e[0].type = KVM_IRQ_ROUTING_S390_ADAPTER;
	t.e[0].u.adapter.ind_addr = ind;
	t.e[0].u.adapter.ind_offset = ind_off;
	t.e[0].u.adapter.summary_addr = summary;
	t.e[0].u.adapter.summary_offset = summary_off;
	t.e[0].u.adapter.adapter_id = adapter;
	return ioctl(vm, KVM_SET_GSI_ROUTING, &t.r);
}

/* Adapter routes: bits outside their page, addresses outside memory, other types. */
TEST_F(guest, route_errnos)
{
	struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[1];
	} t;

	EXPECT_ERRNO(EINVAL, set_route(self->vm, 1, 0, IND_GPA, 4096 * 8, SUMMARY_GPA, 0));
	EXPECT_ERRNO(EINVAL, set_route(self->vm, 1, 0, IND_GPA, 0, SUMMARY_GPA + 0xe00,
				       0x100 * 8));
	EXPECT_ERRNO(EFAULT, set_route(self->vm, 1, 0, GAP_GPA, 0, SUMMARY_GPA, 0));
	EXPECT_ERRNO(EFAULT, set_route(self->vm, 1, 0, IND_GPA, 0, GAP_GPA, 0));
	EXPECT_OK(set_route(self->vm, 1, 0, IND_GPA + 0xfff, 7, SUMMARY_GPA, 0xeff * 8));
	memset(&t, 0, sizeof(t));
	t.r.nr = 1;
	t.e[0].gsi = 1;
	t.e[0].type = KVM_IRQ_ROUTING_MSI;
	EXPECT_ERRNO(EINVAL, ioctl(self->vm, KVM_SET_GSI_ROUTING, &t.r));
	t.e[0].type = KVM_IRQ_ROUTING_IRQCHIP;
	EXPECT_ERRNO(EINVAL, ioctl(self->vm, KVM_SET_GSI_ROUTING, &t.r));
}

static void fire(struct __test_metadata *_metadata, int efd)
{
	uint64_t one = 1;

	ASSERT_EQ(sizeof(one), write(efd, &one, sizeof(one)));
}

/*
 * An irqfd on an adapter route: the indicator and summary bits are set (bit
 * numbering from the left with swap), one adapter interruption is queued
 * and taken by the guest; with the summary bit still set, the next one
 * coalesces; a masked adapter gets its bits but no interruption.
 */
TEST_F(guest, irqfd_route_reaches_guest)
{
	struct kvm_irqfd irqfd = { .gsi = 5 };
	uint8_t *ind = host_addr(self, IND_GPA);
	uint8_t *summary = host_addr(self, SUMMARY_GPA);
	int flic, efd;

	ASSERT_FD(flic, create_flic(self->vm));
	ASSERT_OK(register_adapter(flic, 1, 3, 1, 1, 0));
	ASSERT_OK(set_route(self->vm, 5, 1, IND_GPA, 9, SUMMARY_GPA, 0));
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	irqfd.fd = efd;
	ASSERT_OK(ioctl(self->vm, KVM_IRQFD, &irqfd));

	fire(_metadata, efd);
	ASSERT_EQ(1, wait_pending(flic, 1));
	EXPECT_EQ(0x40, ind[1]);
	EXPECT_EQ(0x80, summary[0]);
	EXPECT_EQ(AI_WORD_ISC3, all[0].u.io.io_int_word);
	setup_io_guest(_metadata, self, 3);
	RUN_TO_DIAG(IO_HANDLER + 4);
	EXPECT_EQ(AI_WORD_ISC3, *(uint32_t *)host_addr(self, LC_IO_INT_WORD));

	/* Summary bit still set: coalesced. */
	fire(_metadata, efd);
	usleep(200 * 1000);
	EXPECT_EQ(0, get_all(flic));

	/* Summary cleared, adapter masked: bits set, nothing queued. */
	summary[0] = 0;
	ind[1] = 0;
	ASSERT_OK(modify_adapter(flic, 1, KVM_S390_IO_ADAPTER_MASK, 1, 0));
	fire(_metadata, efd);
	usleep(200 * 1000);
	EXPECT_EQ(0, get_all(flic));
	EXPECT_EQ(0x80, summary[0]);
	EXPECT_EQ(0x40, ind[1]);

	/* Unmasked, summary cleared: queued again. */
	summary[0] = 0;
	ASSERT_OK(modify_adapter(flic, 1, KVM_S390_IO_ADAPTER_MASK, 0, 0));
	fire(_metadata, efd);
	EXPECT_EQ(1, wait_pending(flic, 1));

	irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	EXPECT_OK(ioctl(self->vm, KVM_IRQFD, &irqfd));
	close(efd);
	close(flic);
}

/* The VM statistics that tell the two irqfd paths apart. */
struct irqfd_paths {
	int64_t inatomic;	/* every irqfd wake-up (the atomic path was asked) */
	int64_t no_inject;	/* the atomic path coalesced or found the adapter masked */
	int64_t worker;		/* the route fired by generic KVM's worker */
};

static struct irqfd_paths irqfd_paths(int vm)
{
	struct irqfd_paths p = {
		.inatomic = kvm_stat(vm, "io_390_inatomic"),
		.no_inject = kvm_stat(vm, "io_390_inatomic_no_inject"),
		.worker = kvm_stat(vm, "io_set_adapter_int"),
	};

	return p;
}

#define EXPECT_PATHS(before, d_inatomic, d_no_inject, d_worker) do {		\
	struct irqfd_paths now = irqfd_paths(self->vm);				\
	EXPECT_EQ((before).inatomic + (d_inatomic), now.inatomic);		\
	EXPECT_EQ((before).no_inject + (d_no_inject), now.no_inject);		\
	EXPECT_EQ((before).worker + (d_worker), now.worker);			\
} while (0)

/*
 * With both indicator addresses mapped (ADAPTER_MODIFY MAP), an irqfd fires
 * its route in the eventfd's wake-up: the interruption is pending as soon as
 * the write returns and the worker's path (io_set_adapter_int) is not taken;
 * a coalesced one counts in io_390_inatomic_no_inject.  With the summary
 * address unmapped again, the worker fires the route.
 */
TEST_F(guest, irqfd_with_mapped_indicators_fires_in_the_wakeup)
{
	struct kvm_irqfd irqfd = { .gsi = 6 };
	uint8_t *ind = host_addr(self, IND_GPA);
	uint8_t *summary = host_addr(self, SUMMARY_GPA);
	struct irqfd_paths before;
	int flic, efd, i;

	ASSERT_FD(flic, create_flic(self->vm));
	ASSERT_OK(register_adapter(flic, 2, 3, 1, 1, 0));
	ASSERT_OK(modify_adapter(flic, 2, KVM_S390_IO_ADAPTER_MAP, 0, IND_GPA));
	ASSERT_OK(modify_adapter(flic, 2, KVM_S390_IO_ADAPTER_MAP, 0, SUMMARY_GPA));
	ASSERT_OK(set_route(self->vm, 6, 2, IND_GPA, 9, SUMMARY_GPA, 0));
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	irqfd.fd = efd;
	ASSERT_OK(ioctl(self->vm, KVM_IRQFD, &irqfd));
	before = irqfd_paths(self->vm);
	ASSERT_LE(0, before.inatomic);

	fire(_metadata, efd);
	EXPECT_EQ(1, get_all(flic));
	EXPECT_EQ(AI_WORD_ISC3, all[0].u.io.io_int_word);
	EXPECT_EQ(0x40, ind[1]);
	EXPECT_EQ(0x80, summary[0]);
	EXPECT_PATHS(before, 1, 0, 0);
	setup_io_guest(_metadata, self, 3);
	RUN_TO_DIAG(IO_HANDLER + 4);
	EXPECT_EQ(AI_WORD_ISC3, *(uint32_t *)host_addr(self, LC_IO_INT_WORD));

	/* Summary bit still set: coalesced in the wake-up. */
	fire(_metadata, efd);
	EXPECT_EQ(0, get_all(flic));
	EXPECT_PATHS(before, 2, 1, 0);

	/* Masked: the bits, no interruption. */
	summary[0] = 0;
	ind[1] = 0;
	ASSERT_OK(modify_adapter(flic, 2, KVM_S390_IO_ADAPTER_MASK, 1, 0));
	fire(_metadata, efd);
	EXPECT_EQ(0, get_all(flic));
	EXPECT_EQ(0x40, ind[1]);
	EXPECT_EQ(0x80, summary[0]);
	EXPECT_PATHS(before, 3, 2, 0);
	ASSERT_OK(modify_adapter(flic, 2, KVM_S390_IO_ADAPTER_MASK, 0, 0));

	/* The summary address unmapped: the worker's path. */
	summary[0] = 0;
	ASSERT_OK(modify_adapter(flic, 2, KVM_S390_IO_ADAPTER_UNMAP, 0, SUMMARY_GPA));
	fire(_metadata, efd);
	EXPECT_EQ(1, wait_pending(flic, 1));
	EXPECT_EQ(0x80, summary[0]);
	/* The worker fires the route twice: level 1, then level 0 (which does nothing). */
	for (i = 0; i < 300 && kvm_stat(self->vm, "io_set_adapter_int") < before.worker + 2; i++)
		usleep(10 * 1000);
	EXPECT_PATHS(before, 4, 2, 2);

	irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	EXPECT_OK(ioctl(self->vm, KVM_IRQFD, &irqfd));
	close(efd);
	close(flic);
}

/* Without swap, bits are numbered as the host's set_bit: from the right of each doubleword. */
TEST_F(guest, irqfd_route_unswapped_bits)
{
	struct kvm_irqfd irqfd = { .gsi = 7 };
	uint8_t *ind = host_addr(self, IND_GPA);
	uint8_t *summary = host_addr(self, SUMMARY_GPA);
	int flic, efd;

	ASSERT_FD(flic, create_flic(self->vm));
	ASSERT_OK(register_adapter(flic, 4, 3, 0, 0, 0));
	ASSERT_OK(set_route(self->vm, 7, 4, IND_GPA, 9, SUMMARY_GPA, 0));
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	irqfd.fd = efd;
	ASSERT_OK(ioctl(self->vm, KVM_IRQFD, &irqfd));
	fire(_metadata, efd);
	ASSERT_EQ(1, wait_pending(flic, 1));
	EXPECT_EQ(0x02, ind[6]);
	EXPECT_EQ(0x01, summary[7]);
	close(efd);
	close(flic);
}

/* KVM_CREATE_IRQCHIP: EINVAL until KVM_CAP_S390_IRQCHIP is enabled. */
TEST_F(guest, create_irqchip)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_S390_IRQCHIP };

	EXPECT_EQ(1, ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_S390_IRQCHIP));
	EXPECT_ERRNO(EINVAL, ioctl(self->vm, KVM_CREATE_IRQCHIP, 0));
	cap.flags = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->vm, KVM_ENABLE_CAP, &cap));
	cap.flags = 0;
	ASSERT_OK(ioctl(self->vm, KVM_ENABLE_CAP, &cap));
	EXPECT_OK(ioctl(self->vm, KVM_CREATE_IRQCHIP, 0));
	EXPECT_OK(ioctl(self->vm, KVM_CREATE_IRQCHIP, 0));
}

TEST_HARNESS_MAIN
