/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sclp_hello: a bare-metal s390x guest for the QEMU bed (tests/beds/hercules-qemu).
 *
 * QEMU loads it with -kernel as an ELF and starts it at its entry point in
 * 64-bit mode, DAT off, all interrupts disabled (hw/s390x/ipl.c).  It writes
 * two lines to QEMU's SCLP ASCII console (-device sclpconsole): SERVC "write
 * event mask" (0x00780005) to announce the ASCII console event (type 0x1a,
 * mask bit 0x40), then "write event data" (0x00760005) with one event buffer
 * per line.  After every SERVC it waits, enabled only for the service-signal
 * external interrupt (CR0 bit 54), for QEMU's completion interrupt (code
 * 0x2401), and checks the SCCB's response code (0x0020, normal completion).
 * The second line is printed only after the first interrupt arrived, so a
 * guest that prints both lines also took an external interrupt through KVM.
 * It ends in a disabled wait: address 0xfff when all went well (QEMU's
 * "special" wait, a shutdown, target/s390x/kvm), an error code otherwise:
 *   0xe01  SERVC condition code not 0      0xe02  SCCB response not 0x0020
 *   0xe03  an external interrupt other than the service signal
 *   0xe04  a program interrupt (its code is at 0x8e)
 * Facts: Principles of Operation (PSW, lowcore, external interrupts); the
 * SCCB layouts follow QEMU's include/hw/s390x/sclp.h and event-facility.h.
 */

#define SCLP_CMD_WRITE_EVENT_MASK	0x00780005
#define SCLP_CMD_WRITE_EVENT_DATA	0x00760005
#define EVENT_TYPE_ASCII		0x1a
#define EVENT_MASK_ASCII		0x00000040
#define RC_NORMAL_COMPLETION		0x0020
#define EXT_SERVICE_SIGNAL		0x2401
/* Lowcore: external interruption code, program interruption code, new PSWs. */
#define LC_EXT_CODE			0x86
#define LC_EXT_NEW_PSW			0x1b0
#define LC_PGM_NEW_PSW			0x1d0

	.text
	.globl	_start
_start:
	larl	%r15, stack_top
	/* New PSWs: external -> ext_handler, program -> a disabled wait. */
	larl	%r1, ext_new_psw
	mvc	LC_EXT_NEW_PSW(16, %r0), 0(%r1)
	larl	%r1, pgm_new_psw
	mvc	LC_PGM_NEW_PSW(16, %r0), 0(%r1)
	/* CR0: the service-signal subclass mask. */
	larl	%r2, cr_save
	stctg	%c0, %c0, 0(%r2)
	oi	6(%r2), 0x02
	lctlg	%c0, %c0, 0(%r2)

	/* Write event mask: we send ASCII console events. */
	larl	%r5, sccb
	xc	0(256, %r5), 0(%r5)
	mvi	1(%r5), 28		/* length: header 8 + 4 + 4 masks of 4 */
	mvi	11(%r5), 4		/* mask length */
	iilf	%r0, EVENT_MASK_ASCII
	st	%r0, 16(%r5)		/* cp send mask */
	iilf	%r4, SCLP_CMD_WRITE_EVENT_MASK
	brasl	%r14, servc_wait

	larl	%r6, line1
	lghi	%r7, line1_end - line1
	brasl	%r14, print
	larl	%r6, line2
	lghi	%r7, line2_end - line2
	brasl	%r14, print

	larl	%r1, done_psw
	lpswe	0(%r1)

/* print: the %r7 bytes at %r6 as one ASCII console event. */
print:
	lgr	%r13, %r14
	larl	%r5, sccb
	xc	0(256, %r5), 0(%r5)
	lgr	%r1, %r7
	aghi	%r1, 14			/* SCCB header 8 + event buffer header 6 */
	sth	%r1, 0(%r5)		/* SCCB length; function code 0: normal write */
	aghi	%r1, -8
	sth	%r1, 8(%r5)		/* event buffer length */
	mvi	10(%r5), EVENT_TYPE_ASCII
	aghi	%r7, -1
	larl	%r1, copy_line
	ex	%r7, 0(%r1)
	iilf	%r4, SCLP_CMD_WRITE_EVENT_DATA
	brasl	%r14, servc_wait
	br	%r13
copy_line:
	mvc	14(1, %r5), 0(%r6)

/* servc_wait: SERVC command %r4 on the SCCB at %r5, then wait for the
 * service signal and check the response code. */
servc_wait:
	.insn	rre, 0xb2200000, %r4, %r5	/* servc %r4, %r5 */
	ipm	%r0
	srl	%r0, 28
	ltr	%r0, %r0
	jnz	fail_cc
	larl	%r1, wait_psw
	lpswe	0(%r1)
ext_handler:
	llgh	%r0, LC_EXT_CODE
	chi	%r0, EXT_SERVICE_SIGNAL
	jne	fail_ext
	lh	%r0, 6(%r5)
	chi	%r0, RC_NORMAL_COMPLETION
	jne	fail_rc
	br	%r14

fail_cc:
	larl	%r1, fail_cc_psw
	lpswe	0(%r1)
fail_rc:
	larl	%r1, fail_rc_psw
	lpswe	0(%r1)
fail_ext:
	larl	%r1, fail_ext_psw
	lpswe	0(%r1)

	.balign	8
/* 64-bit mode (EA, BA); 0x01..: external interrupts enabled; 0x..02..: wait. */
ext_new_psw:	.quad	0x0000000180000000, ext_handler
wait_psw:	.quad	0x0102000180000000, 0
pgm_new_psw:	.quad	0x0002000180000000, 0xe04
done_psw:	.quad	0x0002000180000000, 0xfff
fail_cc_psw:	.quad	0x0002000180000000, 0xe01
fail_rc_psw:	.quad	0x0002000180000000, 0xe02
fail_ext_psw:	.quad	0x0002000180000000, 0xe03
cr_save:	.quad	0

line1:	.ascii	"kvm_s390 qemu guest: hello through the SCLP console\n"
line1_end:
line2:	.ascii	"kvm_s390 qemu guest: service signal received, stopping\n"
line2_end:

	/* An SCCB must not cross a page boundary. */
	.balign	4096
sccb:	.skip	4096
	.skip	4096
stack_top:
