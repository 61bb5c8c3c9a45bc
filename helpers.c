// SPDX-License-Identifier: GPL-2.0
/*
 * C inline functions and macros the Rust backend calls, wrapped so that bindgen sees a
 * real symbol (the pattern of rust/helpers/), and mainline's module parameter
 * halt_poll_max_steal, which only C can declare writable.  Nothing else may go here:
 * decisions belong in the Rust files.  The functions longer than a line are brackets that
 * must stay together: kvm_s390_rust_run_guest(), the interrupts-off bracket around guest
 * entry, which must run in this order with interrupts disabled and without
 * instrumentation in between, as in every KVM port, inside the release of kvm->srcu and
 * the thread's fault record (one call per round of the run loop: calls are what the exit
 * path spends measurably on); the host's and the guest's floating-point registers
 * swapped once per KVM_RUN; the cmpxchg dispatch over the kernel's sized
 * __cmpxchg_key*() macros; kvm_s390_rust_pin_guest_page(), which holds the VM's mm and
 * its lock around the pin; the memslot walks that need their srcu bracket; the wait for
 * the IPTE interlock, a wait_event macro around ipte.rs's condition; and the query forms
 * of PLO, SORTL, DFLTCC and PFCR, which need inline assembly.
 */
#include <linux/entry-virt.h>
#include <linux/kvm_host.h>
#include <asm/ap.h>
#include <asm/cpacf.h>
#include <asm/facility.h>
#include <asm/fpu.h>
#include <asm/gmap_helpers.h>
#include <asm/machine.h>
#include <asm/pgtable.h>
#include <asm/timex.h>
#include <asm/sysinfo.h>
#include <asm/tlbflush.h>
#include <asm/timex.h>
#include <linux/hrtimer.h>
#include <linux/sched/mm.h>
#include "bindings_kvm.h"

unsigned long kvm_s390_rust_virt_to_phys(const void *addr)
{
	return virt_to_phys((void *)addr);
}

void *kvm_s390_rust_phys_to_virt(unsigned long addr)
{
	return phys_to_virt(addr);
}

void kvm_s390_rust_mmu_write_lock(struct kvm *kvm)
{
	write_lock(&kvm->mmu_lock);
}

void kvm_s390_rust_mmu_write_unlock(struct kvm *kvm)
{
	write_unlock(&kvm->mmu_lock);
}

unsigned long kvm_s390_rust_mmu_invalidate_seq(struct kvm *kvm)
{
	unsigned long seq = READ_ONCE(kvm->mmu_invalidate_seq);

	/* Pairs with the smp_wmb() in kvm_mmu_invalidate_end(). */
	smp_rmb();
	return seq;
}

bool kvm_s390_rust_mmu_invalidate_retry_gfn(struct kvm *kvm, unsigned long seq, gfn_t gfn)
{
	return mmu_invalidate_retry_gfn(kvm, seq, gfn);
}

void kvm_s390_rust_release_faultin_page(struct kvm *kvm, struct page *page, bool unused,
					bool dirty)
{
	kvm_release_faultin_page(kvm, page, unused, dirty);
}

void kvm_s390_rust_ipte(unsigned long gaddr, u64 *ptep)
{
	__ptep_ipte(gaddr, (pte_t *)ptep, 0, 0, IPTE_GLOBAL);
}

void kvm_s390_rust_tlb_flush_global(void)
{
	__tlb_flush_global();
}

unsigned char kvm_s390_rust_get_storage_key(unsigned long phys)
{
	return page_get_storage_key(phys);
}

void kvm_s390_rust_set_storage_key(unsigned long phys, unsigned char key)
{
	page_set_storage_key(phys, key, 1);
}

void kvm_s390_rust_slots_lock(struct kvm *kvm)
{
	mutex_lock(&kvm->slots_lock);
}

void kvm_s390_rust_kvm_lock(struct kvm *kvm)
{
	mutex_lock(&kvm->lock);
}

void kvm_s390_rust_kvm_unlock(struct kvm *kvm)
{
	mutex_unlock(&kvm->lock);
}

u64 kvm_s390_rust_host_cpuid(void)
{
	struct cpuid id;

	get_cpu_id(&id);
	return *(u64 *)&id;
}

/* The build-time facility lists of arch/s390/tools/gen_facilities.c (macros). */
void kvm_s390_rust_kvm_facilities(u64 *base, u64 *cpumodel, unsigned int dwords)
{
	static const u64 kvm_base[] = { FACILITIES_KVM };
	static const u64 kvm_cpumodel[] = { FACILITIES_KVM_CPUMODEL };
	unsigned int i;

	for (i = 0; i < dwords; i++) {
		base[i] = i < ARRAY_SIZE(kvm_base) ? kvm_base[i] : 0;
		cpumodel[i] = i < ARRAY_SIZE(kvm_cpumodel) ? kvm_cpumodel[i] : 0;
	}
}

/*
 * The query forms of the instructions behind the CPU model's subfunctions.  Which to ask
 * and under which facility is decided in logic/cpu_model.rs; the callers guard each.
 */
bool kvm_s390_rust_plo_test_bit(u8 nr)
{
	/* Bit 55 of GR0 (0x100) selects "test bit"; the other operands are ignored. */
	register unsigned long r0 asm("0") = 0x100UL | nr;
	int cc;

	asm volatile("	plo	0,0,0,0(0)\n"
		     "	ipm	%[cc]\n"
		     "	srl	%[cc],28\n"
		     : [cc] "=d" (cc)
		     : "d" (r0)
		     : "cc");
	return cc == 0;
}

void kvm_s390_rust_ptff_query(u8 *block16)
{
	ptff(block16, 16, PTFF_QAF);
}

/* cpacf_query() needs a constant opcode: one call per instruction. */
void kvm_s390_rust_cpacf_query(u32 opcode, u8 *mask16)
{
	cpacf_mask_t *mask = (cpacf_mask_t *)mask16;

	switch (opcode) {
	case CPACF_KMAC: cpacf_query(CPACF_KMAC, mask); break;
	case CPACF_KMC: cpacf_query(CPACF_KMC, mask); break;
	case CPACF_KM: cpacf_query(CPACF_KM, mask); break;
	case CPACF_KIMD: cpacf_query(CPACF_KIMD, mask); break;
	case CPACF_KLMD: cpacf_query(CPACF_KLMD, mask); break;
	case CPACF_PCKMO: cpacf_query(CPACF_PCKMO, mask); break;
	case CPACF_KMCTR: cpacf_query(CPACF_KMCTR, mask); break;
	case CPACF_KMF: cpacf_query(CPACF_KMF, mask); break;
	case CPACF_KMO: cpacf_query(CPACF_KMO, mask); break;
	case CPACF_PCC: cpacf_query(CPACF_PCC, mask); break;
	case CPACF_PRNO: cpacf_query(CPACF_PRNO, mask); break;
	case CPACF_KMA: cpacf_query(CPACF_KMA, mask); break;
	case CPACF_KDSA: cpacf_query(CPACF_KDSA, mask); break;
	}
}

/* SORT LISTS (0xb938) and DEFLATE CONVERSION CALL (0xb939): function 0 stores at GR1. */
void kvm_s390_rust_sortl_query(u8 *block32)
{
	register unsigned long r0 asm("0") = 0;
	register unsigned long r1 asm("1") = (unsigned long)block32;

	asm volatile("	.insn	rre,0xb9380000,2,4\n"
		     : : "d" (r0), "d" (r1) : "cc", "memory");
}

void kvm_s390_rust_dfltcc_query(u8 *block32)
{
	register unsigned long r0 asm("0") = 0;
	register unsigned long r1 asm("1") = (unsigned long)block32;

	asm volatile("	.insn	rrf,0xb9390000,2,4,6,0\n"
		     : : "d" (r0), "d" (r1) : "cc", "memory");
}

/* PERFORM FUNCTION WITH CONCURRENT RESULTS (0xeb..16): function 0 stores at the operand. */
void kvm_s390_rust_pfcr_query(u8 *block16)
{
	register unsigned long r0 asm("0") = 0;

	asm volatile("	.insn	rsy,0xeb0000000016,0,0,0(%[b])\n"
		     : : "d" (r0), [b] "a" (block16) : "cc", "memory");
}

bool kvm_s390_rust_machine_has_esop(void)
{
	return machine_has_esop();
}

void kvm_s390_rust_slots_unlock(struct kvm *kvm)
{
	mutex_unlock(&kvm->slots_lock);
}

unsigned long kvm_s390_rust_dirty_bitmap_bytes(struct kvm_memory_slot *slot)
{
	return kvm_dirty_bitmap_bytes(slot);
}

void kvm_s390_rust_vcpu_srcu_read_lock(struct kvm_vcpu *vcpu)
{
	kvm_vcpu_srcu_read_lock(vcpu);
}

void kvm_s390_rust_vcpu_srcu_read_unlock(struct kvm_vcpu *vcpu)
{
	kvm_vcpu_srcu_read_unlock(vcpu);
}

/*
 * The guest's FPC and floating-point registers, loaded once per KVM_RUN, right after
 * the host's are saved, and stored back right before the host's return, as mainline's
 * kvm_s390_fpu_load/store: on a host with the vector facility all 32 vector registers
 * (the FPRs are the leftmost halves of VR0-VR15), else FPRs 0-15.  In between they stay
 * in the registers: SIE runs the guest on them, the Rust code (target
 * s390x-unknown-none-softfloat) never touches them, and the kernel saves them for its
 * own use (kernel_fpu_begin nesting) and across context switches.  An invalid FPC from
 * user space is loaded as 0 (fpu_lfpc_safe).  The save and the load are one call from
 * run.rs, as are the store and the restore: a call each costs measurably on the exit
 * path (README, Benchmarks).
 */
static void load_guest_fp(struct kvm_run *run)
{
	fpu_lfpc_safe(&run->s.regs.fpc);
	if (cpu_has_vx())
		load_vx_regs((__vector128 *)&run->s.regs.vrs);
	else
		load_fp_regs((freg_t *)&run->s.regs.fprs);
}

void kvm_s390_rust_store_guest_fp(struct kvm_run *run)
{
	fpu_stfpc(&run->s.regs.fpc);
	if (cpu_has_vx())
		save_vx_regs((__vector128 *)&run->s.regs.vrs);
	else
		save_fp_regs((freg_t *)&run->s.regs.fprs);
}

void kvm_s390_rust_fpu_enter_guest(struct kernel_fpu_32 *state, struct kvm_run *run)
{
	kernel_fpu_begin(state, KERNEL_FPC | KERNEL_VXR);
	load_guest_fp(run);
}

void kvm_s390_rust_fpu_leave_guest(struct kernel_fpu_32 *state, struct kvm_run *run)
{
	kvm_s390_rust_store_guest_fp(run);
	kernel_fpu_end(state, KERNEL_FPC | KERNEL_VXR);
}

bool kvm_s390_rust_vm_dead_requested(struct kvm_vcpu *vcpu)
{
	return kvm_test_request(KVM_REQ_VM_DEAD, vcpu);
}

bool kvm_s390_rust_check_tlb_flush_request(struct kvm_vcpu *vcpu)
{
	return kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu);
}

/* The interrupts-off bracket around the world switch; -EAGAIN when work is pending. */
static int enter_guest(struct kvm_s390_sie_block *scb, u64 *gprs, unsigned long gasce,
		       struct kvm_s390_rust_switch_area *area)
{
	int ret;

	local_irq_disable();
	xfer_to_guest_mode_prepare();
	if (xfer_to_guest_mode_work_pending()) {
		local_irq_enable();
		return -EAGAIN;
	}
	guest_timing_enter_irqoff();
	guest_state_enter_irqoff();
	ret = kvm_s390_sie_switch(virt_to_phys(scb), scb, gprs, gasce, area);
	guest_state_exit_irqoff();
	guest_timing_exit_irqoff();
	local_irq_enable();
	return ret;
}

/*
 * One entry of the guest for run.rs, called and returning with kvm->srcu held: it is
 * released while the guest runs, so that a guest running for long does not hold up
 * memslot changes.  Clears the thread's record of a host fault, enters SIE, and hands
 * the record back in *fault.  Returns what kvm_s390_sie_switch() returned; or, when work
 * was pending (nothing entered), -EAGAIN once a reschedule or the like is done, -EINTR
 * when a signal is for user space (kvm_xfer_to_guest_mode_handle_work set
 * KVM_EXIT_INTR).  One call per round instead of one per step: each call showed in
 * profiles of the exit path (README, Benchmarks).
 */
int kvm_s390_rust_run_guest(struct kvm_vcpu *vcpu, struct kvm_s390_sie_block *scb, u64 *gprs,
			    unsigned long gasce, struct kvm_s390_rust_switch_area *area,
			    struct kvm_s390_rust_host_fault *fault)
{
	int ret;

	current->thread.gmap_int_code = 0;
	current->thread.gmap_teid.val = 0;
	kvm_vcpu_srcu_read_unlock(vcpu);
	ret = enter_guest(scb, gprs, gasce, area);
	if (ret == -EAGAIN && kvm_xfer_to_guest_mode_handle_work(vcpu))
		ret = -EINTR;
	kvm_vcpu_srcu_read_lock(vcpu);
	fault->int_code = current->thread.gmap_int_code;
	fault->teid = current->thread.gmap_teid.val;
	return ret;
}

struct kvm_memory_slot *kvm_s390_rust_id_to_memslot(struct kvm *kvm, u32 id)
{
	return id_to_memslot(__kvm_memslots(kvm, 0), id);
}

void kvm_s390_rust_cond_resched(void)
{
	cond_resched();
}

bool kvm_s390_rust_is_noslot_pfn(kvm_pfn_t pfn)
{
	return is_noslot_pfn(pfn);
}

bool kvm_s390_rust_is_sigpending_pfn(kvm_pfn_t pfn)
{
	return is_sigpending_pfn(pfn);
}

bool kvm_s390_rust_is_error_noslot_pfn(kvm_pfn_t pfn)
{
	return is_error_noslot_pfn(pfn);
}

/*
 * One initialiser per kind of spinlock: spin_lock_init() gives each call site a lock
 * class of its own, and lockdep must tell the kinds apart (the FLIC takes the floating
 * interrupt lock inside the AIS lock, which one shared class would report as recursion).
 */
void kvm_s390_rust_init_float_int_lock(spinlock_t *lock)
{
	spin_lock_init(lock);
}

void kvm_s390_rust_init_ais_lock(spinlock_t *lock)
{
	spin_lock_init(lock);
}

void kvm_s390_rust_init_local_int_lock(spinlock_t *lock)
{
	spin_lock_init(lock);
}

void kvm_s390_rust_init_adapter_maps_lock(spinlock_t *lock)
{
	spin_lock_init(lock);
}

/* pfault.rs: another thread takes a vCPU's mutex; -EINTR on a fatal signal. */
int kvm_s390_rust_vcpu_mutex_lock_killable(struct kvm_vcpu *vcpu)
{
	return mutex_lock_killable(&vcpu->mutex);
}

/* The IPTE interlock's mutex and wait queue (ipte.rs), one lock class for all VMs. */
void kvm_s390_rust_init_ipte(struct kvm *kvm)
{
	mutex_init(&kvm->arch.ipte_mutex);
	init_waitqueue_head(&kvm->arch.ipte_wq);
}

void kvm_s390_rust_ipte_wake(struct kvm *kvm)
{
	wake_up(&kvm->arch.ipte_wq);
}

/* ipte.rs: whether the host holds the interlock. */
bool kvm_s390_ipte_held(struct kvm *kvm);

/* Sleeps until the host released the IPTE interlock; -ERESTARTSYS on a signal. */
int kvm_s390_rust_ipte_wait(struct kvm *kvm)
{
	return wait_event_interruptible(kvm->arch.ipte_wq, !kvm_s390_ipte_held(kvm));
}

void kvm_s390_rust_spin_lock(spinlock_t *lock)
{
	spin_lock(lock);
}

void kvm_s390_rust_spin_unlock(spinlock_t *lock)
{
	spin_unlock(lock);
}

unsigned long kvm_s390_rust_spin_lock_irqsave(spinlock_t *lock)
{
	unsigned long flags;

	spin_lock_irqsave(lock, flags);
	return flags;
}

void kvm_s390_rust_spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
	spin_unlock_irqrestore(lock, flags);
}

void kvm_s390_rust_init_list_head(struct list_head *list)
{
	INIT_LIST_HEAD(list);
}

void kvm_s390_rust_list_add_tail(struct list_head *entry, struct list_head *head)
{
	list_add_tail(entry, head);
}

void kvm_s390_rust_list_del(struct list_head *entry)
{
	list_del(entry);
}

void kvm_s390_rust_hrtimer_setup(struct hrtimer *timer,
				 enum hrtimer_restart (*fn)(struct hrtimer *))
{
	hrtimer_setup(timer, fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
}

void kvm_s390_rust_hrtimer_start_ns(struct hrtimer *timer, u64 ns)
{
	hrtimer_start(timer, ns_to_ktime(ns), HRTIMER_MODE_REL);
}

u64 kvm_s390_rust_hrtimer_forward_now_ns(struct hrtimer *timer, u64 ns)
{
	return hrtimer_forward_now(timer, ns_to_ktime(ns));
}

struct kvm_vcpu *kvm_s390_rust_get_vcpu_by_id(struct kvm *kvm, int id)
{
	return kvm_get_vcpu_by_id(kvm, id);
}

struct kvm_vcpu *kvm_s390_rust_get_vcpu(struct kvm *kvm, int idx)
{
	return kvm_get_vcpu(kvm, idx);
}

int kvm_s390_rust_online_vcpus(struct kvm *kvm)
{
	return atomic_read(&kvm->online_vcpus);
}

bool kvm_s390_rust_kvm_trylock(struct kvm *kvm)
{
	return mutex_trylock(&kvm->lock);
}

/* The host TOD clock (bits 0-63), unsteered: what SIE adds the guest's epoch to. */
u64 kvm_s390_rust_host_tod(void)
{
	union tod_clock clk;

	store_tod_clock_ext(&clk);
	return clk.tod;
}

/*
 * Mainline's halt_poll_max_steal, with its name, type, default and permissions
 * (Documentation/kvm_s390.rst, "Module parameters"); kvm_arch_no_poll() decides with it.
 * C because module_param is a C macro and Rust module parameters cannot be written at
 * run time yet.
 */
static u8 halt_poll_max_steal = 10;
module_param(halt_poll_max_steal, byte, 0644);
MODULE_PARM_DESC(halt_poll_max_steal, "Maximum percentage of steal time to allow polling");

u8 kvm_s390_rust_halt_poll_max_steal(void)
{
	return READ_ONCE(halt_poll_max_steal);
}

/*
 * This CPU's recent steal time in percent: the lowcore's smoothed steal time per tick, in
 * CPU-timer units (4096 per microsecond), over the length of a tick.
 */
u64 kvm_s390_rust_steal_percent(void)
{
	return get_lowcore()->avg_steal_timer * 100 / (TICK_USEC << 12);
}

/* The end (exclusive guest address) of the highest memory slot; slots_lock held. */
u64 kvm_s390_rust_memslots_end(struct kvm *kvm)
{
	struct kvm_memslots *slots = kvm_memslots(kvm);
	struct kvm_memory_slot *ms;
	u64 end = 0;
	int bkt;

	kvm_for_each_memslot(ms, bkt, slots)
		end = max(end, (u64)(ms->base_gfn + ms->npages) << PAGE_SHIFT);
	return end;
}

int kvm_s390_rust_stsi(void *sysinfo, int fc, int sel1, int sel2)
{
	return stsi(sysinfo, fc, sel1, sel2);
}

int kvm_s390_rust_srcu_read_lock(struct kvm *kvm)
{
	return srcu_read_lock(&kvm->srcu);
}

void kvm_s390_rust_srcu_read_unlock(struct kvm *kvm, int idx)
{
	srcu_read_unlock(&kvm->srcu, idx);
}

/*
 * flic.rs: pins the page of user address uaddr in the VM's mm for writing, from any process
 * context (the irqfd worker runs outside the VM's mm), for the long term (FOLL_LONGTERM,
 * which some memory types refuse) or for a moment; NULL if it cannot (mainline's
 * pin_map_page).
 */
struct page *kvm_s390_rust_pin_guest_page(struct kvm *kvm, unsigned long uaddr, bool longterm)
{
	unsigned int flags = FOLL_WRITE | (longterm ? FOLL_LONGTERM : 0);
	struct mm_struct *mm = kvm->mm;
	struct page *page = NULL;
	int locked = 1;

	if (mmget_not_zero(mm)) {
		mmap_read_lock(mm);
		pin_user_pages_remote(mm, uaddr, 1, flags, &page, &locked);
		if (locked)
			mmap_read_unlock(mm);
		mmput(mm);
	}
	return page;
}

void *kvm_s390_rust_page_address(struct page *page)
{
	return page_address(page);
}

/*
 * __cmpxchg_key{1,2,4,8,16} with access key 0 on @len bytes at @address: @old holds the
 * expected value and gets the value found.  0, or -EFAULT; -EINVAL for another @len.
 */
int kvm_s390_rust_cmpxchg(void *address, int len, void *old, const void *new)
{
	union {
		unsigned char one;
		unsigned short two;
		unsigned int four;
		unsigned long eight;
		__uint128_t sixteen;
	} o, n, t;
	int rc;

	memcpy(&o, old, len > 16 ? 0 : len);
	memcpy(&n, new, len > 16 ? 0 : len);
	switch (len) {
	case 1:
		rc = __cmpxchg_key1(address, &t.one, o.one, n.one, 0);
		break;
	case 2:
		rc = __cmpxchg_key2(address, &t.two, o.two, n.two, 0);
		break;
	case 4:
		rc = __cmpxchg_key4(address, &t.four, o.four, n.four, 0);
		break;
	case 8:
		rc = __cmpxchg_key8(address, &t.eight, o.eight, n.eight, 0);
		break;
	case 16:
		rc = __cmpxchg_key16(address, &t.sixteen, o.sixteen, n.sixteen, 0);
		break;
	default:
		return -EINVAL;
	}
	if (!rc)
		memcpy(old, &t, len);
	return rc;
}

/* flic.rs: the user address of guest physical address gpa (false if no memslot holds it). */
bool kvm_s390_rust_gpa_to_hva(struct kvm *kvm, u64 gpa, unsigned long *hva)
{
	unsigned long addr;
	int idx;

	idx = srcu_read_lock(&kvm->srcu);
	addr = gfn_to_hva(kvm, gpa_to_gfn(gpa));
	srcu_read_unlock(&kvm->srcu, idx);
	if (kvm_is_error_hva(addr))
		return false;
	*hva = addr + offset_in_page(gpa);
	return true;
}

/* flic.rs: marks the guest page of gpa dirty for dirty logging. */
void kvm_s390_rust_mark_gpa_dirty(struct kvm *kvm, u64 gpa)
{
	int idx;

	idx = srcu_read_lock(&kvm->srcu);
	mark_page_dirty(kvm, gpa_to_gfn(gpa));
	srcu_read_unlock(&kvm->srcu, idx);
}

/*
 * gmap.rs: disables COW sharing (KSM, the shared zero page) in the VM's mm before the guest
 * uses storage keys, as mainline's gmap_enable_skeys.  The caller runs in the VM's process
 * (gmap_helper_disable_cow_sharing works on current->mm).  0 or a negative errno.
 */
int kvm_s390_rust_disable_cow_sharing(struct kvm *kvm)
{
	int rc;

	if (WARN_ON_ONCE(current->mm != kvm->mm))
		return -EINVAL;
	mmap_write_lock(kvm->mm);
	rc = gmap_helper_disable_cow_sharing();
	mmap_write_unlock(kvm->mm);
	return rc;
}

/* crypto.rs: whether the host has AP instructions (mainline's test, a TAPQ that may fault). */
bool kvm_s390_rust_ap_instructions_available(void)
{
	return ap_instructions_available();
}

/* crypto.rs: whether the host has the AP extended-addressing facility (QCI's APXA bit). */
bool kvm_s390_rust_apxa_installed(void)
{
	struct ap_config_info info;

	if (!ap_instructions_available() || ap_qci(&info))
		return false;
	return info.apxa;
}

/* migration.rs: migration mode changes under slots_arch_lock, as in mainline. */
void kvm_s390_rust_slots_arch_lock(struct kvm *kvm)
{
	mutex_lock(&kvm->slots_arch_lock);
}

void kvm_s390_rust_slots_arch_unlock(struct kvm *kvm)
{
	mutex_unlock(&kvm->slots_arch_lock);
}

/* migration.rs: whether the VM has no memory slot (read under kvm->srcu). */
bool kvm_s390_rust_memslots_empty(struct kvm *kvm)
{
	bool empty;
	int idx;

	idx = srcu_read_lock(&kvm->srcu);
	empty = kvm_memslots_empty(kvm_memslots(kvm));
	srcu_read_unlock(&kvm->srcu, idx);
	return empty;
}
