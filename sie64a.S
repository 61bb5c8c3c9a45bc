/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The world switch around SIE: what the Rust run loop must not touch itself.
 *
 * The guest is entered only through the kernel's __sie64a (arch/s390/kernel/entry.S): the
 * host's interrupt, program-check and machine-check handlers recognise a CPU in SIE only
 * by the state __sie64a sets up.  __sie64a switches the general registers and the primary
 * ASCE; this stub adds the access registers, which generated code must never change behind
 * the compiler's back: the host's are saved and the guest's loaded, and the reverse after
 * the exit (the host kernel does not use them, but user space does), so that the area
 * holds the guest's current ones whenever an intercept is handled.
 *
 * The floating-point control and registers (or vector registers) are not switched here:
 * they are loaded once per KVM_RUN and stay in the registers meanwhile (helpers.c,
 * kvm_s390_rust_fpu_enter_guest).
 *
 * int kvm_s390_sie_switch(unsigned long scb_phys, struct kvm_s390_sie_block *scb,
 *                         u64 *gprs, unsigned long gasce,
 *                         struct kvm_s390_rust_switch_area *area)
 *
 * Returns what __sie64a returns (0, or SIE64_RETURN_MCCK after a machine check).
 */

#include <linux/linkage.h>
#include <asm/asm-offsets.h>

/* struct kvm_s390_rust_switch_area (bindings_kvm.h; checked in layout_checks.rs) */
#define AREA_GUEST_ACRS	0x00
#define AREA_HOST_ACRS	0x40

	.section .text

SYM_FUNC_START(kvm_s390_sie_switch)
	stmg	%r6,%r15,__SF_GPRS(%r15)	# save the caller's registers
	lgr	%r1,%r15
	aghi	%r15,-STACK_FRAME_OVERHEAD	# __sie64a keeps its state in our frame
	stg	%r1,__SF_BACKCHAIN(%r15)
	lgr	%r12,%r6			# switch area; __sie64a preserves %r6-%r14
	stam	%a0,%a15,AREA_HOST_ACRS(%r12)
	lam	%a0,%a15,AREA_GUEST_ACRS(%r12)
	brasl	%r14,__sie64a			# %r2-%r5 are still our arguments
	stam	%a0,%a15,AREA_GUEST_ACRS(%r12)
	lam	%a0,%a15,AREA_HOST_ACRS(%r12)
	lmg	%r6,%r15,STACK_FRAME_OVERHEAD+__SF_GPRS(%r15)
	br	%r14
SYM_FUNC_END(kvm_s390_sie_switch)
