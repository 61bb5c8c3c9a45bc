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
 *   - the guest's FPC and FPRs 0-15 are loaded and stored back; the caller has saved the
 *     host's floating-point state with kernel_fpu_begin() for the whole KVM_RUN.  An FPC
 *     that user space made invalid is replaced by 0, as the kernel does for its own
 *     lazily restored state (EX_TABLE_FPC).
 *
 * Vector registers are not switched: the guest is not offered the vector facility.
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

/* struct kvm_s390_rust_switch_area (bindings_kvm.h; checked in layout_checks.rs) */
#define AREA_GUEST_ACRS	0x00
#define AREA_HOST_ACRS	0x40
#define AREA_GUEST_FPC	0x80
#define AREA_GUEST_FPRS	0x88

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
	ld	%f0,AREA_GUEST_FPRS+0*8(%r12)
	ld	%f1,AREA_GUEST_FPRS+1*8(%r12)
	ld	%f2,AREA_GUEST_FPRS+2*8(%r12)
	ld	%f3,AREA_GUEST_FPRS+3*8(%r12)
	ld	%f4,AREA_GUEST_FPRS+4*8(%r12)
	ld	%f5,AREA_GUEST_FPRS+5*8(%r12)
	ld	%f6,AREA_GUEST_FPRS+6*8(%r12)
	ld	%f7,AREA_GUEST_FPRS+7*8(%r12)
	ld	%f8,AREA_GUEST_FPRS+8*8(%r12)
	ld	%f9,AREA_GUEST_FPRS+9*8(%r12)
	ld	%f10,AREA_GUEST_FPRS+10*8(%r12)
	ld	%f11,AREA_GUEST_FPRS+11*8(%r12)
	ld	%f12,AREA_GUEST_FPRS+12*8(%r12)
	ld	%f13,AREA_GUEST_FPRS+13*8(%r12)
	ld	%f14,AREA_GUEST_FPRS+14*8(%r12)
	ld	%f15,AREA_GUEST_FPRS+15*8(%r12)
	brasl	%r14,__sie64a			# %r2-%r5 are still our arguments
	std	%f0,AREA_GUEST_FPRS+0*8(%r12)
	std	%f1,AREA_GUEST_FPRS+1*8(%r12)
	std	%f2,AREA_GUEST_FPRS+2*8(%r12)
	std	%f3,AREA_GUEST_FPRS+3*8(%r12)
	std	%f4,AREA_GUEST_FPRS+4*8(%r12)
	std	%f5,AREA_GUEST_FPRS+5*8(%r12)
	std	%f6,AREA_GUEST_FPRS+6*8(%r12)
	std	%f7,AREA_GUEST_FPRS+7*8(%r12)
	std	%f8,AREA_GUEST_FPRS+8*8(%r12)
	std	%f9,AREA_GUEST_FPRS+9*8(%r12)
	std	%f10,AREA_GUEST_FPRS+10*8(%r12)
	std	%f11,AREA_GUEST_FPRS+11*8(%r12)
	std	%f12,AREA_GUEST_FPRS+12*8(%r12)
	std	%f13,AREA_GUEST_FPRS+13*8(%r12)
	std	%f14,AREA_GUEST_FPRS+14*8(%r12)
	std	%f15,AREA_GUEST_FPRS+15*8(%r12)
	stfpc	AREA_GUEST_FPC(%r12)
	stam	%a0,%a15,AREA_GUEST_ACRS(%r12)
	lam	%a0,%a15,AREA_HOST_ACRS(%r12)
	lmg	%r6,%r15,STACK_FRAME_OVERHEAD+__SF_GPRS(%r15)
	br	%r14
SYM_FUNC_END(kvm_s390_sie_switch)
