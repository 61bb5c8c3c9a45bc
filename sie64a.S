/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The world switch around SIE: what the Rust run loop must not touch itself.
 *
 * The guest is entered only through the kernel's __sie64a (arch/s390/kernel/entry.S): the
 * host's interrupt, program-check and machine-check handlers recognise a CPU in SIE only
 * by the state __sie64a sets up.  __sie64a switches the general registers and the primary
 * ASCE; this stub adds the access registers and the floating-point control and registers,
 * which generated code must never change behind the compiler's back:
 *
 *   - the host's access registers are saved and the guest's loaded, and the reverse after
 *     the exit (the host kernel does not use them, but user space does);
 *   - the guest's FPC and floating-point registers are loaded and stored back: on a host
 *     with the vector facility all 32 vector registers (the FPRs are the leftmost halves
 *     of VR0-VR15), else FPRs 0-15; the caller has saved the host's floating-point and
 *     vector state with kernel_fpu_begin() for the whole KVM_RUN.  An FPC that user space
 *     made invalid is replaced by 0, as the kernel does for its own lazily restored state
 *     (EX_TABLE_FPC).
 *
 * int kvm_s390_sie_switch(unsigned long scb_phys, struct kvm_s390_sie_block *scb,
 *                         u64 *gprs, unsigned long gasce,
 *                         struct kvm_s390_rust_switch_area *area)
 *
 * Returns what __sie64a returns (0, or SIE64_RETURN_MCCK after a machine check).
 */

#include <linux/linkage.h>
#include <asm/asm-extable.h>
#include <asm/asm-offsets.h>
#include <asm/fpu-insn.h>

/* struct kvm_s390_rust_switch_area (bindings_kvm.h; checked in layout_checks.rs) */
#define AREA_GUEST_ACRS	0x00
#define AREA_HOST_ACRS	0x40
#define AREA_GUEST_FPC	0x80
#define AREA_GUEST_VX	0x84
#define AREA_GUEST_VRS	0x88
/* FPR n is the leftmost doubleword of VR n: 16 bytes apart in the area */
#define AREA_GUEST_FPR(n)	(AREA_GUEST_VRS + (n) * 16)

	.section .text

SYM_FUNC_START(kvm_s390_sie_switch)
	stmg	%r6,%r15,__SF_GPRS(%r15)	# save the caller's registers
	lgr	%r1,%r15
	aghi	%r15,-STACK_FRAME_OVERHEAD	# __sie64a keeps its state in our frame
	stg	%r1,__SF_BACKCHAIN(%r15)
	lgr	%r12,%r6			# switch area; __sie64a preserves %r6-%r14
	stam	%a0,%a15,AREA_HOST_ACRS(%r12)
	lam	%a0,%a15,AREA_GUEST_ACRS(%r12)
	lfpc	AREA_GUEST_FPC(%r12)
	# The specification exception of an invalid FPC is suppressing: the old PSW
	# points after LFPC, so that address keys the fixup, which loads FPC 0 and
	# continues there (as fpu_lfpc_safe() does).
.Lfpc_loaded:
	nopr	%r7
	EX_TABLE_FPC(.Lfpc_loaded, .Lfpc_loaded)
	lt	%r0,AREA_GUEST_VX(%r12)
	jz	.Lload_fprs
	VLM	%v0,%v15,AREA_GUEST_VRS,%r12,0
	VLM	%v16,%v31,AREA_GUEST_VRS+256,%r12,0
	j	.Lenter
.Lload_fprs:
	ld	%f0,AREA_GUEST_FPR(0)(%r12)
	ld	%f1,AREA_GUEST_FPR(1)(%r12)
	ld	%f2,AREA_GUEST_FPR(2)(%r12)
	ld	%f3,AREA_GUEST_FPR(3)(%r12)
	ld	%f4,AREA_GUEST_FPR(4)(%r12)
	ld	%f5,AREA_GUEST_FPR(5)(%r12)
	ld	%f6,AREA_GUEST_FPR(6)(%r12)
	ld	%f7,AREA_GUEST_FPR(7)(%r12)
	ld	%f8,AREA_GUEST_FPR(8)(%r12)
	ld	%f9,AREA_GUEST_FPR(9)(%r12)
	ld	%f10,AREA_GUEST_FPR(10)(%r12)
	ld	%f11,AREA_GUEST_FPR(11)(%r12)
	ld	%f12,AREA_GUEST_FPR(12)(%r12)
	ld	%f13,AREA_GUEST_FPR(13)(%r12)
	ld	%f14,AREA_GUEST_FPR(14)(%r12)
	ld	%f15,AREA_GUEST_FPR(15)(%r12)
.Lenter:
	brasl	%r14,__sie64a			# %r2-%r5 are still our arguments
	lt	%r0,AREA_GUEST_VX(%r12)		# %r2 holds __sie64a's result
	jz	.Lstore_fprs
	VSTM	%v0,%v15,AREA_GUEST_VRS,%r12,0
	VSTM	%v16,%v31,AREA_GUEST_VRS+256,%r12,0
	j	.Lstored
.Lstore_fprs:
	std	%f0,AREA_GUEST_FPR(0)(%r12)
	std	%f1,AREA_GUEST_FPR(1)(%r12)
	std	%f2,AREA_GUEST_FPR(2)(%r12)
	std	%f3,AREA_GUEST_FPR(3)(%r12)
	std	%f4,AREA_GUEST_FPR(4)(%r12)
	std	%f5,AREA_GUEST_FPR(5)(%r12)
	std	%f6,AREA_GUEST_FPR(6)(%r12)
	std	%f7,AREA_GUEST_FPR(7)(%r12)
	std	%f8,AREA_GUEST_FPR(8)(%r12)
	std	%f9,AREA_GUEST_FPR(9)(%r12)
	std	%f10,AREA_GUEST_FPR(10)(%r12)
	std	%f11,AREA_GUEST_FPR(11)(%r12)
	std	%f12,AREA_GUEST_FPR(12)(%r12)
	std	%f13,AREA_GUEST_FPR(13)(%r12)
	std	%f14,AREA_GUEST_FPR(14)(%r12)
	std	%f15,AREA_GUEST_FPR(15)(%r12)
.Lstored:
	stfpc	AREA_GUEST_FPC(%r12)
	stam	%a0,%a15,AREA_GUEST_ACRS(%r12)
	lam	%a0,%a15,AREA_HOST_ACRS(%r12)
	lmg	%r6,%r15,STACK_FRAME_OVERHEAD+__SF_GPRS(%r15)
	br	%r14
SYM_FUNC_END(kvm_s390_sie_switch)
