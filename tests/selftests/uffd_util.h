/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A memslot whose memory is registered with userfaultfd (missing pages): a
 * guest or kernel access to it blocks until the test resolves the page, which
 * makes "the kernel is waiting on guest memory now" a state a test can hold
 * and observe.  Used with the guest fixture of guest_util.h.
 */
#ifndef UFFD_UTIL_H
#define UFFD_UTIL_H

#include <poll.h>
#include <sys/syscall.h>

#include <linux/userfaultfd.h>

#include "guest_util.h"

/* The registered slot and the page to resolve its touched page with. */
struct uffd_slot {
	int uffd;
	uint8_t *mem;
	uint64_t size;
	uint64_t touch_off;	/* offset in the slot of the page the test touches */
	uint8_t page[4096];
};

/*
 * Creates memslot @slot of @size bytes at @gpa, registered for missing pages;
 * the page at @touch_off will be resolved with 0x5a bytes and @magic at
 * @touch_off.  0: ready; 1: userfaultfd not available here (the caller skips).
 */
static inline int uffd_slot_open(struct __test_metadata *_metadata, int vm, struct uffd_slot *u,
				 uint32_t slot, uint64_t gpa, uint64_t size,
				 uint64_t touch_off, uint64_t magic)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	u->mem = MAP_FAILED;
	u->size = size;
	u->touch_off = touch_off;
	u->uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (u->uffd < 0 && (errno == ENOSYS || errno == EPERM))
		return 1;
	EXPECT_LE(0, u->uffd) TH_LOG("userfaultfd: %s", strerror(errno));
	if (u->uffd < 0)
		return -1;
	EXPECT_OK(ioctl(u->uffd, UFFDIO_API, &api));
	u->mem = kvm_alloc_aligned(size, SZ_1M);
	EXPECT_NE(MAP_FAILED, u->mem);
	if (u->mem == MAP_FAILED)
		return -1;
	reg.range.start = (uintptr_t)u->mem;
	reg.range.len = size;
	EXPECT_OK(ioctl(u->uffd, UFFDIO_REGISTER, &reg));
	EXPECT_OK(kvm_set_memslot(vm, slot, 0, gpa, size, (uintptr_t)u->mem));
	memset(u->page, 0x5a, sizeof(u->page));
	*(uint64_t *)(u->page + (touch_off & 0xfff)) = magic;
	return 0;
}

static inline void uffd_slot_close(struct uffd_slot *u)
{
	if (u->mem != MAP_FAILED)
		munmap(u->mem, u->size);
	if (u->uffd >= 0)
		close(u->uffd);
}

/* The host address of the page the test touches. */
static inline uintptr_t touched_page(struct uffd_slot *u)
{
	return (uintptr_t)u->mem + (u->touch_off & ~0xfffUL);
}

/* Waits up to @ms for a missing-page event; returns its page address or 0. */
static inline uintptr_t uffd_wait_event(struct uffd_slot *u, int ms)
{
	struct pollfd p = { .fd = u->uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&p, 1, ms) != 1)
		return 0;
	if (read(u->uffd, &msg, sizeof(msg)) != sizeof(msg))
		return 0;
	if (msg.event != UFFD_EVENT_PAGEFAULT)
		return 0;
	return (uintptr_t)msg.arg.pagefault.address & ~0xfffUL;
}

/*
 * Resolves the slot's page at host address @page (page aligned) with the
 * contents uffd_slot_open() prepared; whoever waits on it goes on.
 */
static inline int uffd_resolve_page(struct uffd_slot *u, uintptr_t page)
{
	struct uffdio_copy c = { .dst = page, .src = (uintptr_t)u->page, .len = 4096 };

	return ioctl(u->uffd, UFFDIO_COPY, &c);
}

/* Resolves the touched page. */
static inline int uffd_resolve(struct uffd_slot *u)
{
	return uffd_resolve_page(u, touched_page(u));
}

#endif /* UFFD_UTIL_H */
