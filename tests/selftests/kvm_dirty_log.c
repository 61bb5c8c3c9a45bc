// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_DIRTY_LOG for guest stores: the backend tracks them through the
 * storage-key change bits of the host frames, without write protection.
 */
#include "guest_util.h"

static uint64_t dirty_bits(struct __test_metadata *_metadata, int vm, int slot)
{
	uint64_t bitmap[SLOT_SIZE / 4096 / 64];
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };
	uint64_t pages = 0;
	unsigned int i;

	memset(bitmap, 0xa5, sizeof(bitmap));
	EXPECT_OK(ioctl(vm, KVM_GET_DIRTY_LOG, &log));
	/* Only pages 0-63 are stored to below; the rest must read clean. */
	for (i = 1; i < sizeof(bitmap) / sizeof(bitmap[0]); i++)
		EXPECT_EQ(0, bitmap[i]) TH_LOG("bitmap word %u", i);
	/* Bit n of the little-endian bitmap is page n; return it with bit n = page n. */
	for (i = 0; i < 64; i++)
		if (((uint8_t *)bitmap)[i / 8] & (1 << (i % 8)))
			pages |= 1UL << i;
	return pages;
}

/*
 * KVM_GET_DIRTY_LOG reports the pages the guest stored to, once: enabled on
 * slot 1 by a flags-only change, the guest stores to pages 3, 7 and 60,
 * then (re-entered) to page 7 again.
 */
TEST_F(guest, dirty_log)
{
	static const uint8_t code[] = {
		0xe3, 0x20, 0x40, 0x00, 0x00, 0x24,	/* +0  stg %r2,0(%r4) */
		0xe3, 0x20, 0x50, 0x00, 0x00, 0x24,	/* +6  stg %r2,0(%r5) */
		0xe3, 0x20, 0x60, 0x00, 0x00, 0x24,	/* +12 stg %r2,0(%r6) */
		DIAG_501,				/* +18 */
		0xe3, 0x20, 0x50, 0x00, 0x00, 0x24,	/* +22 stg %r2,0(%r5) */
		DIAG_501,				/* +28 */
		J_SELF,					/* +32 */
	};

	load_code(self, CODE_GPA, code, sizeof(code));
	ASSERT_OK(kvm_set_memslot(self->vm, 1, KVM_MEM_LOG_DIRTY_PAGES, SLOT1_GPA,
				  SLOT_SIZE, (uintptr_t)self->mem[1]));
	/* Slot 0 does not log: asking for its log is ENOENT (kvm_get_dirty_log). */
	{
		uint64_t bitmap[SLOT_SIZE / 4096 / 64];
		struct kvm_dirty_log log = { .slot = 0, .dirty_bitmap = bitmap };

		EXPECT_ERRNO(ENOENT, ioctl(self->vm, KVM_GET_DIRTY_LOG, &log));
		log.slot = 32767;	/* >= KVM_USER_MEM_SLOTS: EINVAL */
		EXPECT_ERRNO(EINVAL, ioctl(self->vm, KVM_GET_DIRTY_LOG, &log));
	}
	self->run->s.regs.gprs[2] = 0x5555;
	self->run->s.regs.gprs[4] = SLOT1_GPA + 3 * 4096;
	self->run->s.regs.gprs[5] = SLOT1_GPA + 7 * 4096 + 8;
	self->run->s.regs.gprs[6] = SLOT1_GPA + 60 * 4096 + 4088;

	RUN_TO_DIAG(CODE_GPA + 22);
	EXPECT_EQ((1UL << 3) | (1UL << 7) | (1UL << 60), dirty_bits(_metadata, self->vm, 1));
	/* Read and cleared: nothing new without guest stores. */
	EXPECT_EQ(0, dirty_bits(_metadata, self->vm, 1));

	RUN_TO_DIAG(CODE_GPA + 32);
	EXPECT_EQ(1UL << 7, dirty_bits(_metadata, self->vm, 1));
	EXPECT_EQ(0x5555, *(uint64_t *)host_addr(self, SLOT1_GPA + 60 * 4096 + 4088));
}

TEST_HARNESS_MAIN
