/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal helpers for the kvm_s390 user-ABI selftests.
 *
 * These tests talk to /dev/kvm with raw ioctls only: no guest code, no
 * KVM selftest library, so they stay small and do not depend on KVM_RUN.
 * Every errno a test expects is the one mainline Linux 7.3 produces; the
 * comment above each errno assertion names the mainline function it comes
 * from (virt/kvm/kvm_main.c or arch/s390/kvm/s390/s390.c unless said
 * otherwise).
 */
#ifndef KVM_UTIL_MIN_H
#define KVM_UTIL_MIN_H

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"

/* The s390 uapi's KVM_S390_NO_MEM_LIMIT is U64_MAX, a kernel-only name. */
#ifndef U64_MAX
#define U64_MAX		UINT64_MAX
#endif

#define KVM_DEV_PATH	"/dev/kvm"

#define SZ_4K		0x1000UL
#define SZ_1M		0x100000UL
#define SZ_2G		0x80000000UL

/* arch/s390/include/asm/kvm_host_s390.h: generic KVM caps every VM at this. */
#define S390_KVM_MAX_VCPUS	255

/*
 * Opens /dev/kvm, or skips the test when the device does not exist (no KVM
 * module loaded, or a machine without SIE).  A macro because SKIP() needs
 * the harness's _metadata and returns from the test.
 */
#define OPEN_KVM_OR_SKIP(fd) do {						\
	(fd) = open(KVM_DEV_PATH, O_RDWR | O_CLOEXEC);				\
	if ((fd) < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO))	\
		SKIP(return, "%s not available: %s", KVM_DEV_PATH,		\
		     strerror(errno));						\
	ASSERT_LE(0, (fd)) TH_LOG("open %s: %s", KVM_DEV_PATH, strerror(errno)); \
} while (0)

/*
 * Asserts that @call fails with -1 and errno == @expected.  @call is
 * evaluated once.
 */
#define __CHECK_ERRNO(_assert, expected, call) do {				\
	long __ce_ret;								\
	int __ce_err;								\
										\
	errno = 0;								\
	__ce_ret = (long)(call);						\
	__ce_err = errno;							\
	if (_assert) {								\
		ASSERT_EQ(-1, __ce_ret)						\
			TH_LOG("%s returned %ld, expected -1/%s", #call,	\
			       __ce_ret, strerror(expected));			\
		ASSERT_EQ((expected), __ce_err)					\
			TH_LOG("%s: errno %d (%s), expected %d (%s)", #call,	\
			       __ce_err, strerror(__ce_err), (expected),	\
			       strerror(expected));				\
	} else {								\
		EXPECT_EQ(-1, __ce_ret)						\
			TH_LOG("%s returned %ld, expected -1/%s", #call,	\
			       __ce_ret, strerror(expected));			\
		EXPECT_EQ((expected), __ce_err)					\
			TH_LOG("%s: errno %d (%s), expected %d (%s)", #call,	\
			       __ce_err, strerror(__ce_err), (expected),	\
			       strerror(expected));				\
	}									\
} while (0)

#define ASSERT_ERRNO(expected, call) __CHECK_ERRNO(1, expected, call)
#define EXPECT_ERRNO(expected, call) __CHECK_ERRNO(0, expected, call)

/* Asserts that @call returns 0, logging errno otherwise. */
#define ASSERT_OK(call) do {							\
	long __ok_ret;								\
										\
	errno = 0;								\
	__ok_ret = (long)(call);						\
	ASSERT_EQ(0, __ok_ret)							\
		TH_LOG("%s: %ld, errno %d (%s)", #call, __ok_ret, errno,	\
		       strerror(errno));					\
} while (0)

#define EXPECT_OK(call) do {							\
	long __ok_ret;								\
										\
	errno = 0;								\
	__ok_ret = (long)(call);						\
	EXPECT_EQ(0, __ok_ret)							\
		TH_LOG("%s: %ld, errno %d (%s)", #call, __ok_ret, errno,	\
		       strerror(errno));					\
} while (0)

/* Asserts that @call returns a file descriptor and stores it in @fd. */
#define ASSERT_FD(fd, call) do {						\
	errno = 0;								\
	(fd) = (call);								\
	ASSERT_LE(0, (fd))							\
		TH_LOG("%s: %d, errno %d (%s)", #call, (int)(fd), errno,	\
		       strerror(errno));					\
} while (0)

/*
 * The backend under test, from kvmtest.backend= on the kernel command line
 * (the test beds put it there).  Where the two backends differ by design,
 * a test states the result it expects from each; the differences are listed
 * in Documentation/kvm_s390.rst.
 */
enum kvm_backend {
	BACKEND_UNKNOWN,
	BACKEND_OURS,		/* this repository's Rust kvm.ko */
	BACKEND_MAINLINE,	/* mainline 7.3's C kvm.ko (the baseline build) */
};

/* Whether @word is one of the words of the kernel command line. */
static inline bool kvm_cmdline_has(const char *word)
{
	char line[4096] = "", *tok, *save;
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, word))
			return true;
	return false;
}

static inline enum kvm_backend kvm_backend(void)
{
	if (kvm_cmdline_has("kvmtest.backend=ours"))
		return BACKEND_OURS;
	if (kvm_cmdline_has("kvmtest.backend=mainline"))
		return BACKEND_MAINLINE;
	return BACKEND_UNKNOWN;
}

/*
 * The backend, or skip the test: its expected results depend on the backend
 * and there is nothing to compare against without knowing which one runs.
 */
#define BACKEND_OR_SKIP(b) do {							\
	(b) = kvm_backend();							\
	if ((b) == BACKEND_UNKNOWN)						\
		SKIP(return, "no kvmtest.backend=ours|mainline on the kernel "	\
		     "command line: the expected result depends on it");	\
} while (0)

/* Whether the test bed is Hercules (kvmtest.bed=hercules on the command line). */
static inline bool kvm_on_hercules(void)
{
	return kvm_cmdline_has("kvmtest.bed=hercules");
}

static inline const char *kvm_backend_name(enum kvm_backend b)
{
	return b == BACKEND_OURS ? "ours" : b == BACKEND_MAINLINE ? "mainline" : "unknown";
}

static inline int kvm_check_cap(int fd, long cap)
{
	return ioctl(fd, KVM_CHECK_EXTENSION, cap);
}

static inline int kvm_create_vm(int kvm)
{
	return ioctl(kvm, KVM_CREATE_VM, 0UL);
}

static inline int kvm_create_vcpu(int vm, unsigned long id)
{
	return ioctl(vm, KVM_CREATE_VCPU, id);
}

static inline int kvm_set_memslot(int vm, uint32_t slot, uint32_t flags,
				  uint64_t gpa, uint64_t size, uint64_t uaddr)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = uaddr,
	};

	return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
}

/*
 * Anonymous memory of @size bytes aligned to @align (a power of two), or
 * MAP_FAILED.  Release it with munmap(p, size).
 */
static inline void *kvm_alloc_aligned(size_t size, size_t align)
{
	size_t len = size + align;
	uintptr_t p, a;
	void *m;

	m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return MAP_FAILED;
	p = (uintptr_t)m;
	a = (p + align - 1) & ~(uintptr_t)(align - 1);
	if (a > p)
		munmap(m, a - p);
	if (p + len > a + size)
		munmap((void *)(a + size), p + len - (a + size));
	return (void *)a;
}

/* Maps the shared struct kvm_run of a vCPU, or returns MAP_FAILED. */
static inline struct kvm_run *kvm_map_run(int kvm, int vcpu)
{
	int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);

	if (size <= 0)
		return MAP_FAILED;
	return mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
}

/* readlink of /proc/self/fd/@fd into @buf; returns the length or -1. */
static inline int kvm_fd_name(int fd, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

/*
 * The binary statistic @name in the statistics file @stats_fd (from
 * KVM_GET_STATS_FD), or -1 if there is none.  Reading the file needs no
 * lock of the vCPU, so it works while the vCPU is in KVM_RUN.
 */
static inline int64_t kvm_stats_read(int stats_fd, const char *name)
{
	struct kvm_stats_header hdr;
	struct kvm_stats_desc *d;
	int64_t value = -1;
	size_t desc_size, i;
	uint64_t v;
	char *descs;

	if (pread(stats_fd, &hdr, sizeof(hdr), 0) != sizeof(hdr))
		return -1;
	desc_size = sizeof(*d) + hdr.name_size;
	descs = calloc(hdr.num_desc, desc_size);
	if (!descs)
		return -1;
	if (pread(stats_fd, descs, hdr.num_desc * desc_size, hdr.desc_offset) ==
	    (ssize_t)(hdr.num_desc * desc_size)) {
		for (i = 0; i < hdr.num_desc; i++) {
			d = (struct kvm_stats_desc *)(descs + i * desc_size);
			if (strcmp(d->name, name))
				continue;
			if (pread(stats_fd, &v, sizeof(v), hdr.data_offset + d->offset) ==
			    sizeof(v))
				value = v;
			break;
		}
	}
	free(descs);
	return value;
}

/*
 * The binary statistic @name of a VM or vCPU fd, or -1 if there is none.
 * Opening the statistics of a vCPU waits for its KVM_RUN to return.
 */
static inline int64_t kvm_stat(int fd_owner, const char *name)
{
	int64_t value;
	int fd;

	fd = ioctl(fd_owner, KVM_GET_STATS_FD, NULL);
	if (fd < 0)
		return -1;
	value = kvm_stats_read(fd, name);
	close(fd);
	return value;
}

#endif /* KVM_UTIL_MIN_H */
