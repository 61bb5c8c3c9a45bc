/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Architecture constants the guest-code selftests share: the PSW they run
 * with, lowcore offsets of the program interruption, the instruction
 * intercept of DIAG 0x501 (the guests' way to call the test), a few
 * instructions as bytes, and a program-interruption handler that reports
 * through DIAG 0x501.
 */
#ifndef GUEST_ARCH_H
#define GUEST_ARCH_H

#define PSW_MASK_64	0x0000000180000000UL	/* EA + BA, DAT and interrupts off */
#define CR0_AFP		0x0000000000040000UL	/* CR0 bit 45: AFP-register control */

/* Lowcore (z/Architecture prefix area) offsets. */
#define LC_PGM_ILC	0x8c
#define LC_PGM_CODE	0x8e
#define LC_PGM_OLD_PSW	0x150
#define LC_PGM_NEW_PSW	0x1d0

#define PGM_ADDRESSING	0x05

#define ICPT_INST	0x04
#define DIAG_501_IPA	0x8300
#define DIAG_501_IPB	0x05010000
#define DIAG_501	0x83, 0x00, 0x05, 0x01
#define J_SELF		0xa7, 0xf4, 0x00, 0x00

/* At the program new PSW: exit with DIAG 0x501 (the PSW then points past it). */
#define PGM_HANDLER_CODE	{ DIAG_501, J_SELF }

#endif /* GUEST_ARCH_H */
