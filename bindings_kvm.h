/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the Rust s390 KVM backend needs from C, for bindgen.  Included by
 * rust/bindings/bindings_helper.h (see patches/0001-*).
 */
#ifndef ARCH_S390_KVM_BINDINGS_KVM_H
#define ARCH_S390_KVM_BINDINGS_KVM_H

#include <linux/kvm_host.h>
#include <asm/sclp.h>
#include <asm/facility.h>
#include <asm/fpu.h>

/* Allocation flags of the basic SCA: zeroed, accounted, below 2 GiB (GFP_DMA on s390). */
const gfp_t RUST_CONST_HELPER_KVM_S390_GFP_SCA = GFP_KERNEL_ACCOUNT | __GFP_ZERO | GFP_DMA;

/*
 * The state sie64a.S switches around every SIE entry: registers the Rust code must not
 * touch itself.  sie64a.S uses these offsets; layout_checks.rs checks them.
 */
struct kvm_s390_rust_switch_area {
	u32 guest_acrs[16];	/* 0x00 */
	u32 host_acrs[16];	/* 0x40 */
};

/* A host DAT fault taken while the guest ran (current->thread.gmap_int_code, gmap_teid). */
struct kvm_s390_rust_host_fault {
	unsigned int int_code;
	unsigned long teid;
};

/* sie64a.S: the world switch around the kernel's __sie64a. */
int kvm_s390_sie_switch(unsigned long scb_phys, struct kvm_s390_sie_block *scb, u64 *gprs,
			unsigned long gasce, struct kvm_s390_rust_switch_area *area);

/* helpers.c: C inline functions wrapped for Rust. */
unsigned long kvm_s390_rust_virt_to_phys(const void *addr);
void *kvm_s390_rust_phys_to_virt(unsigned long addr);
void kvm_s390_rust_mmu_write_lock(struct kvm *kvm);
void kvm_s390_rust_mmu_write_unlock(struct kvm *kvm);
unsigned long kvm_s390_rust_mmu_invalidate_seq(struct kvm *kvm);
bool kvm_s390_rust_mmu_invalidate_retry_gfn(struct kvm *kvm, unsigned long seq, gfn_t gfn);
void kvm_s390_rust_release_faultin_page(struct kvm *kvm, struct page *page, bool unused,
					bool dirty);
void kvm_s390_rust_ipte(unsigned long gaddr, u64 *ptep);
void kvm_s390_rust_tlb_flush_global(void);
unsigned char kvm_s390_rust_get_storage_key(unsigned long phys);
void kvm_s390_rust_set_storage_key(unsigned long phys, unsigned char key);
void kvm_s390_rust_slots_lock(struct kvm *kvm);
int kvm_s390_rust_disable_cow_sharing(struct kvm *kvm);
void kvm_s390_rust_kvm_lock(struct kvm *kvm);
void kvm_s390_rust_kvm_unlock(struct kvm *kvm);
u64 kvm_s390_rust_host_cpuid(void);
void kvm_s390_rust_kvm_facilities(u64 *base, u64 *cpumodel, unsigned int dwords);
bool kvm_s390_rust_plo_test_bit(u8 nr);
void kvm_s390_rust_ptff_query(u8 *block16);
void kvm_s390_rust_cpacf_query(u32 opcode, u8 *mask16);
void kvm_s390_rust_sortl_query(u8 *block32);
void kvm_s390_rust_dfltcc_query(u8 *block32);
void kvm_s390_rust_pfcr_query(u8 *block16);
bool kvm_s390_rust_machine_has_esop(void);
void kvm_s390_rust_slots_unlock(struct kvm *kvm);
unsigned long kvm_s390_rust_dirty_bitmap_bytes(struct kvm_memory_slot *slot);
void kvm_s390_rust_vcpu_srcu_read_lock(struct kvm_vcpu *vcpu);
void kvm_s390_rust_vcpu_srcu_read_unlock(struct kvm_vcpu *vcpu);
void kvm_s390_rust_fpu_enter_guest(struct kernel_fpu_32 *state, struct kvm_run *run);
void kvm_s390_rust_store_guest_fp(struct kvm_run *run);
void kvm_s390_rust_fpu_leave_guest(struct kernel_fpu_32 *state, struct kvm_run *run);
int kvm_s390_rust_run_guest(struct kvm_vcpu *vcpu, struct kvm_s390_sie_block *scb, u64 *gprs,
			    unsigned long gasce, struct kvm_s390_rust_switch_area *area,
			    struct kvm_s390_rust_host_fault *fault);
bool kvm_s390_rust_vm_dead_requested(struct kvm_vcpu *vcpu);
bool kvm_s390_rust_check_tlb_flush_request(struct kvm_vcpu *vcpu);
struct kvm_memory_slot *kvm_s390_rust_id_to_memslot(struct kvm *kvm, u32 id);
void kvm_s390_rust_cond_resched(void);
bool kvm_s390_rust_is_noslot_pfn(kvm_pfn_t pfn);
bool kvm_s390_rust_is_sigpending_pfn(kvm_pfn_t pfn);
bool kvm_s390_rust_is_error_noslot_pfn(kvm_pfn_t pfn);
struct kvm_vcpu *kvm_s390_rust_get_vcpu_by_id(struct kvm *kvm, int id);
int kvm_s390_rust_online_vcpus(struct kvm *kvm);
struct kvm_vcpu *kvm_s390_rust_get_vcpu(struct kvm *kvm, int idx);
bool kvm_s390_rust_ap_instructions_available(void);
bool kvm_s390_rust_apxa_installed(void);
void kvm_s390_rust_slots_arch_lock(struct kvm *kvm);
void kvm_s390_rust_slots_arch_unlock(struct kvm *kvm);
bool kvm_s390_rust_memslots_empty(struct kvm *kvm);
bool kvm_s390_rust_kvm_trylock(struct kvm *kvm);
u64 kvm_s390_rust_host_tod(void);
u8 kvm_s390_rust_halt_poll_max_steal(void);
u64 kvm_s390_rust_steal_percent(void);
u64 kvm_s390_rust_memslots_end(struct kvm *kvm);
void kvm_s390_rust_init_float_int_lock(spinlock_t *lock);
void kvm_s390_rust_init_ais_lock(spinlock_t *lock);
void kvm_s390_rust_init_local_int_lock(spinlock_t *lock);
void kvm_s390_rust_init_adapter_maps_lock(spinlock_t *lock);
int kvm_s390_rust_vcpu_mutex_lock_killable(struct kvm_vcpu *vcpu);
void kvm_s390_rust_init_ipte(struct kvm *kvm);
void kvm_s390_rust_ipte_wake(struct kvm *kvm);
int kvm_s390_rust_ipte_wait(struct kvm *kvm);
void kvm_s390_rust_spin_lock(spinlock_t *lock);
void kvm_s390_rust_spin_unlock(spinlock_t *lock);
unsigned long kvm_s390_rust_spin_lock_irqsave(spinlock_t *lock);
void kvm_s390_rust_spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags);
void kvm_s390_rust_init_list_head(struct list_head *list);
void kvm_s390_rust_list_add_tail(struct list_head *entry, struct list_head *head);
void kvm_s390_rust_list_del(struct list_head *entry);
void kvm_s390_rust_hrtimer_setup(struct hrtimer *timer,
				 enum hrtimer_restart (*fn)(struct hrtimer *));
void kvm_s390_rust_hrtimer_start_ns(struct hrtimer *timer, u64 ns);
u64 kvm_s390_rust_hrtimer_forward_now_ns(struct hrtimer *timer, u64 ns);
int kvm_s390_rust_srcu_read_lock(struct kvm *kvm);
void kvm_s390_rust_srcu_read_unlock(struct kvm *kvm, int idx);
int kvm_s390_rust_stsi(void *sysinfo, int fc, int sel1, int sel2);
void *kvm_s390_rust_page_address(struct page *page);
int kvm_s390_rust_cmpxchg(void *address, int len, void *old, const void *new);
struct page *kvm_s390_rust_pin_guest_page(struct kvm *kvm, unsigned long uaddr, bool longterm);
bool kvm_s390_rust_gpa_to_hva(struct kvm *kvm, u64 gpa, unsigned long *hva);
void kvm_s390_rust_mark_gpa_dirty(struct kvm *kvm, u64 gpa);

/* Allocation flags of guest DAT tables: accounted to the VM's creator. */
const gfp_t RUST_CONST_HELPER_KVM_S390_GFP_DAT_TABLE = GFP_KERNEL_ACCOUNT | __GFP_ZERO;

/* Memory slots user space may address (a macro, invisible to bindgen). */
const u32 RUST_CONST_HELPER_KVM_S390_USER_MEM_SLOTS = KVM_USER_MEM_SLOTS;

/* Allocation flags of a vCPU's SIE page. */
const gfp_t RUST_CONST_HELPER_KVM_S390_GFP_SIE_PAGE = GFP_KERNEL_ACCOUNT | __GFP_ZERO;

/*
 * Field offsets of the C SIE control block, which bindgen sees as opaque
 * (patches/0002-*): layout_checks.rs compares them with kvm_host.rs.
 */
#define KVM_S390_SIE_OFFSET(field) \
	const size_t RUST_CONST_HELPER_KVM_S390_SIE_OFF_##field = \
		offsetof(struct kvm_s390_sie_block, field)
KVM_S390_SIE_OFFSET(cpuflags);
KVM_S390_SIE_OFFSET(prog0c);
KVM_S390_SIE_OFFSET(prog20);
KVM_S390_SIE_OFFSET(cputm);
KVM_S390_SIE_OFFSET(ckc);
KVM_S390_SIE_OFFSET(epoch);
KVM_S390_SIE_OFFSET(icpua);
KVM_S390_SIE_OFFSET(ictl);
KVM_S390_SIE_OFFSET(eca);
KVM_S390_SIE_OFFSET(icptcode);
KVM_S390_SIE_OFFSET(ipa);
KVM_S390_SIE_OFFSET(ipb);
KVM_S390_SIE_OFFSET(scaoh);
KVM_S390_SIE_OFFSET(ecb);
KVM_S390_SIE_OFFSET(scaol);
KVM_S390_SIE_OFFSET(todpr);
KVM_S390_SIE_OFFSET(gd);
KVM_S390_SIE_OFFSET(mso);
KVM_S390_SIE_OFFSET(msl);
KVM_S390_SIE_OFFSET(gpsw);
KVM_S390_SIE_OFFSET(hpid);
KVM_S390_SIE_OFFSET(crycbd);
KVM_S390_SIE_OFFSET(gcr);
KVM_S390_SIE_OFFSET(gbea);
KVM_S390_SIE_OFFSET(sdnxo);
KVM_S390_SIE_OFFSET(fac);
KVM_S390_SIE_OFFSET(cbrlo);
KVM_S390_SIE_OFFSET(ecd);
KVM_S390_SIE_OFFSET(pp);
KVM_S390_SIE_OFFSET(itdba);
KVM_S390_SIE_OFFSET(riccbd);
KVM_S390_SIE_OFFSET(gvrd);
const size_t RUST_CONST_HELPER_KVM_S390_SIE_BLOCK_SIZE = sizeof(struct kvm_s390_sie_block);
const size_t RUST_CONST_HELPER_KVM_S390_SIE_PAGE_SIZE = sizeof(struct sie_page);
const size_t RUST_CONST_HELPER_KVM_S390_SIE_PAGE_OFF_mcck_info =
	offsetof(struct sie_page, mcck_info);
const size_t RUST_CONST_HELPER_KVM_S390_SIE_PAGE_OFF_itdb = offsetof(struct sie_page, itdb);
const size_t RUST_CONST_HELPER_KVM_S390_BSCA_SIZE = sizeof(struct bsca_block);
const size_t RUST_CONST_HELPER_KVM_S390_BSCA_OFF_mcn = offsetof(struct bsca_block, mcn);
const size_t RUST_CONST_HELPER_KVM_S390_BSCA_OFF_cpu = offsetof(struct bsca_block, cpu);

/* s390 ioctl numbers for layout_checks.rs: bindgen cannot expand _IO()/_IOW(). */
const unsigned int RUST_CONST_HELPER_KVM_S390_RUST_IOC_SET_INITIAL_PSW = KVM_S390_SET_INITIAL_PSW;
const unsigned int RUST_CONST_HELPER_KVM_S390_RUST_IOC_INITIAL_RESET = KVM_S390_INITIAL_RESET;
const unsigned int RUST_CONST_HELPER_KVM_S390_RUST_IOC_ENABLE_SIE = KVM_S390_ENABLE_SIE;
const unsigned int RUST_CONST_HELPER_KVM_S390_RUST_IOC_GET_REGS = KVM_GET_REGS;
const unsigned int RUST_CONST_HELPER_KVM_S390_RUST_IOC_SET_DEVICE_ATTR = KVM_SET_DEVICE_ATTR;
const unsigned int RUST_CONST_HELPER_KVM_S390_RUST_IOC_GET_DEVICE_ATTR = KVM_GET_DEVICE_ATTR;
const unsigned int RUST_CONST_HELPER_KVM_S390_RUST_IOC_HAS_DEVICE_ATTR = KVM_HAS_DEVICE_ATTR;
const unsigned int RUST_CONST_HELPER_KVM_S390_RUST_IOC_ENABLE_CAP = KVM_ENABLE_CAP;
const unsigned int RUST_CONST_HELPER_KVM_S390_RUST_IOC_GET_ONE_REG = KVM_GET_ONE_REG;
const unsigned int RUST_CONST_HELPER_KVM_S390_RUST_IOC_SET_ONE_REG = KVM_SET_ONE_REG;

#endif
