// SPDX-License-Identifier: GPL-2.0

//! `KVM_S390_MEM_OP` on a vCPU (logical accesses as the vCPU would make them) and on a VM
//! (absolute accesses, compare-and-exchange), and `KVM_S390_GET_SKEYS`/`SET_SKEYS`.
//!
//! `Documentation/virt/kvm/api.rst` ("KVM_S390_MEM_OP", "KVM_S390_GET_SKEYS"); mainline:
//! `kvm_s390_vcpu_mem_op`, `kvm_s390_vm_mem_op*`, `kvm_s390_get_skeys`,
//! `kvm_s390_set_skeys` in `s390.c`. Validation is pure (`logic/mem_op.rs`); the accesses
//! go through `gaccess.rs` with the rules of `logic/access.rs` and `logic/skey.rs`. An
//! access exception is not an error: the ioctl returns its program-interruption code
//! (a positive number), as api.rst says.

use core::ptr::{addr_of, read_volatile};

use kernel::alloc::flags::GFP_KERNEL_ACCOUNT;
use kernel::bindings;
use kernel::prelude::*;
use kernel::uaccess::{UserPtr, UserSlice};

use crate::gaccess::{self, KeyOp};
use crate::interrupt;
use crate::kvm_host::Psw;
use crate::logic::access::{AccessError, Mode, PAGE_SIZE};
use crate::logic::mem_op::{self, Invalid, VmOp};
use crate::logic::skey;
use crate::uapi_kvm::{
    KvmS390Keyop, KvmS390MemOp, KvmS390PgmInfo, KvmS390Skeys, KVM_S390_GET_SKEYS_NONE,
    KVM_S390_SKEYS_MAX,
};
use crate::vcpu::Vcpu;
use crate::vm::Vm;

// SAFETY: plain integers and byte arrays without padding: any bit pattern is valid.
unsafe impl kernel::transmute::FromBytes for KvmS390MemOp {}
// SAFETY: as above.
unsafe impl kernel::transmute::FromBytes for KvmS390Skeys {}
// SAFETY: as above.
unsafe impl kernel::transmute::FromBytes for KvmS390Keyop {}
// SAFETY: as above; no padding either, so every byte is initialised.
unsafe impl kernel::transmute::AsBytes for KvmS390Keyop {}

fn errno(e: Invalid) -> Error {
    match e {
        Invalid::Inval => EINVAL,
        Invalid::TooBig => E2BIG,
    }
}

fn read_arg<T: kernel::transmute::FromBytes>(arg: usize) -> Result<T> {
    UserSlice::new(UserPtr::from_addr(arg), core::mem::size_of::<T>())
        .reader()
        .read::<T>()
}

/// A zeroed kernel buffer of `len` bytes (at most `MAX_SIZE`, 64 KiB).
fn buffer(len: usize) -> Result<KVVec<u8>> {
    let mut v = KVVec::with_capacity(len, GFP_KERNEL_ACCOUNT)?;
    v.resize(len, 0, GFP_KERNEL_ACCOUNT)?;
    Ok(v)
}

/// `kvm->srcu`, held for the life of the guard.
struct Srcu<'a> {
    vm: &'a Vm,
    idx: i32,
}

impl<'a> Srcu<'a> {
    fn lock(vm: &'a Vm) -> Self {
        // SAFETY: the VM is live; paired with the unlock in `drop`.
        let idx = unsafe { bindings::kvm_s390_rust_srcu_read_lock(vm.as_raw()) };
        Srcu { vm, idx }
    }
}

impl Drop for Srcu<'_> {
    fn drop(&mut self) {
        // SAFETY: locked in `lock` with this index.
        unsafe { bindings::kvm_s390_rust_srcu_read_unlock(self.vm.as_raw(), self.idx) };
    }
}

/// `KVM_S390_MEM_OP` on a vCPU: 0, a program-interruption code, or an error. The caller
/// holds `vcpu->mutex` (the vCPU does not run).
pub(crate) fn vcpu_mem_op(vcpu: &Vcpu, arg: usize) -> Result<i32> {
    let mop: KvmS390MemOp = read_arg(arg)?;
    let (key, mode) = mem_op::validate_vcpu(&mop).map_err(errno)?;
    let len = mop.size as usize;
    let _srcu = Srcu::lock(vcpu.vm());
    let cpu = gaccess::cpu_state(vcpu, &vcpu.acrs());
    let user = || UserSlice::new(UserPtr::from_addr(mop.buf as usize), len);
    let result = if mop.flags & crate::uapi_kvm::memop::F_CHECK_ONLY != 0 {
        gaccess::check_logical(vcpu, &cpu, mop.gaddr, mop.ar, len, mode, key)
    } else if mode == Mode::Fetch {
        let mut buf = buffer(len)?;
        let r = gaccess::read_logical(vcpu, &cpu, mop.gaddr, mop.ar, key, &mut buf);
        if r.is_ok() {
            user().writer().write_slice(&buf)?;
        }
        r
    } else {
        let mut buf = buffer(len)?;
        user().reader().read_slice(&mut buf)?;
        gaccess::write_logical(vcpu, &cpu, mop.gaddr, mop.ar, key, &buf)
    };
    match result {
        Ok(()) => Ok(0),
        Err(AccessError::Program(x)) => {
            if mop.flags & crate::uapi_kvm::memop::F_INJECT_EXCEPTION != 0 {
                inject(vcpu, x)?;
            }
            Ok(i32::from(x.code))
        }
        Err(AccessError::Host) => Err(EFAULT),
    }
}

/// Presents the access exception to the guest, between runs, through
/// `interrupt::inject_program`, relative to the PSW user space holds in `kvm_run` (the
/// guest's current one). `kvm_run` keeps that PSW: with queued program interruptions
/// (mainline's behaviour, and this backend's once the interrupt core queues them) the
/// interruption happens at the next `KVM_RUN`. While `inject_program` still delivers at
/// once, the lowcore gets the interruption's old PSW, code and TEID now, and the PSW swap
/// is undone by the next `KVM_RUN`, which takes the PSW from `kvm_run`.
fn inject(vcpu: &Vcpu, x: crate::logic::access::Exception) -> Result {
    let run = vcpu.run();
    let sie = vcpu.sie_block();
    // SAFETY: `kvm_run` and the SIE block are valid; the vCPU does not run (mutex held).
    unsafe {
        (*sie).gpsw = Psw {
            mask: read_volatile(addr_of!((*run).psw_mask)),
            addr: read_volatile(addr_of!((*run).psw_addr)),
        };
    }
    interrupt::inject_program(
        vcpu,
        &KvmS390PgmInfo {
            code: x.code,
            trans_exc_code: x.teid,
            exc_access_id: x.exc_access_id,
            ..Default::default()
        },
    )
}

/// `KVM_S390_MEM_OP` on a VM: 0, a program-interruption code, or an error.
pub(crate) fn vm_mem_op(vm: &Vm, arg: usize) -> Result<i32> {
    let mop: KvmS390MemOp = read_arg(arg)?;
    match mem_op::validate_vm(&mop).map_err(errno)? {
        VmOp::Access(mode, key) => vm_access(vm, &mop, mode, key),
        VmOp::Cmpxchg(key) => vm_cmpxchg(vm, &mop, key),
    }
}

/// Checks every page of an absolute access: 0 or the program-interruption code.
fn check_absolute(vm: &Vm, gaddr: u64, len: u64, mode: Mode, key: u8) -> Result<u16> {
    let mut addr = gaddr;
    let end = gaddr.checked_add(len).ok_or(EINVAL)?;
    while addr < end {
        let code = mem_op::absolute_page_check(gaccess::guest_key(vm, addr)?, key, mode);
        if code != 0 {
            return Ok(code);
        }
        addr = (addr | (PAGE_SIZE - 1)).saturating_add(1);
    }
    Ok(0)
}

fn vm_access(vm: &Vm, mop: &KvmS390MemOp, mode: Mode, key: u8) -> Result<i32> {
    let len = mop.size as usize;
    let _srcu = Srcu::lock(vm);
    let user = || UserSlice::new(UserPtr::from_addr(mop.buf as usize), len);
    let mut buf = if mop.flags & crate::uapi_kvm::memop::F_CHECK_ONLY != 0 {
        None
    } else {
        Some(buffer(len)?)
    };
    if let (Mode::Store, Some(b)) = (mode, buf.as_mut()) {
        user().reader().read_slice(b)?;
    }
    // An address range past the end of the address space is outside guest memory.
    let code = match mop.gaddr.checked_add(u64::from(mop.size)) {
        Some(_) => check_absolute(vm, mop.gaddr, u64::from(mop.size), mode, key)?,
        None => crate::logic::sie_exit::pgm::ADDRESSING,
    };
    if code != 0 {
        return Ok(i32::from(code));
    }
    let Some(mut b) = buf else {
        return Ok(0);
    };
    // SAFETY: `kvm->srcu` is held; the buffer is ours.
    let rc = unsafe {
        match mode {
            Mode::Fetch => {
                bindings::kvm_read_guest(vm.as_raw(), mop.gaddr, b.as_mut_ptr().cast(), len)
            }
            Mode::Store => {
                bindings::kvm_write_guest(vm.as_raw(), mop.gaddr, b.as_ptr().cast(), len)
            }
        }
    };
    kernel::error::to_result(rc)?;
    if mode == Mode::Fetch {
        user().writer().write_slice(&b)?;
    }
    Ok(0)
}

fn vm_cmpxchg(vm: &Vm, mop: &KvmS390MemOp, key: u8) -> Result<i32> {
    let len = mop.size as usize;
    let mut new = [0u8; 16];
    let mut old = [0u8; 16];
    UserSlice::new(UserPtr::from_addr(mop.buf as usize), len)
        .reader()
        .read_slice(&mut new[..len])?;
    let old_user = || UserSlice::new(UserPtr::from_addr(mop.old_addr as usize), len);
    old_user().reader().read_slice(&mut old[..len])?;
    let _srcu = Srcu::lock(vm);
    let expected = old;
    let swap = Swap {
        gaddr: mop.gaddr,
        len,
        key,
        new: &new,
    };
    let code = match swap.on_mapped_frame(vm, &mut old) {
        Some(code) => code?,
        None => swap.on_pinned_page(vm, &mut old)?,
    };
    if code != 0 {
        return Ok(i32::from(code));
    }
    if old[..len] == expected[..len] {
        // SAFETY: `kvm->srcu` is held.
        unsafe { bindings::mark_page_dirty(vm.as_raw(), mop.gaddr >> 12) };
    } else {
        old_user().writer().write_slice(&old[..len])?;
    }
    Ok(0)
}

/// A compare-and-swap of `KVM_S390_MEM_OP` at a guest absolute address (aligned to its
/// length, so in one page). Each way of making it gives 0 or the program-interruption code
/// of the storage-key check, and leaves what memory held in `old`.
struct Swap<'a> {
    gaddr: u64,
    len: usize,
    key: u8,
    new: &'a [u8; 16],
}

impl Swap<'_> {
    /// On the frame the gmap maps writable, under `kvm->mmu_lock`, which keeps the frame:
    /// the common case (the guest has touched the page), with one table walk and no page
    /// reference. `None` if the gmap does not map the page so.
    fn on_mapped_frame(&self, vm: &Vm, old: &mut [u8; 16]) -> Option<Result<u16>> {
        // SAFETY: the VM is live; nothing below sleeps.
        unsafe { bindings::kvm_s390_rust_mmu_write_lock(vm.as_raw()) };
        let done = vm
            .gmap()
            .with_writable_frame(self.gaddr, |frame, guest_key| {
                let code = mem_op::absolute_page_check(Some(guest_key), self.key, Mode::Store);
                if code != 0 {
                    return Ok(code);
                }
                // SAFETY: the frame stays mapped while the lock is held.
                unsafe { self.cmpxchg(frame, old) }.map(|()| 0)
            });
        // SAFETY: taken above.
        unsafe { bindings::kvm_s390_rust_mmu_write_unlock(vm.as_raw()) };
        done
    }

    /// On a page the gmap does not map writable yet: the key checked, then the page
    /// looked up through its memslot and held by a reference for the swap.
    fn on_pinned_page(&self, vm: &Vm, old: &mut [u8; 16]) -> Result<u16> {
        let code = check_absolute(vm, self.gaddr, self.len as u64, Mode::Store, self.key)?;
        if code != 0 {
            return Ok(code);
        }
        // SAFETY: `kvm->srcu` is held; the page comes back with a reference, released below.
        let page = unsafe { bindings::__gfn_to_page(vm.as_raw(), self.gaddr >> 12, true) };
        if page.is_null() {
            return Ok(crate::logic::sie_exit::pgm::ADDRESSING);
        }
        // SAFETY: the page is pinned by the reference.
        let rc = unsafe {
            let base = bindings::kvm_s390_rust_page_address(page).cast::<u8>();
            self.cmpxchg(base, old)
        };
        // SAFETY: releases the reference taken above; the page may have been written.
        unsafe { bindings::kvm_release_page_dirty(page) };
        rc.map(|()| 0)
    }

    /// The swap itself, on the page whose kernel address is `page`; EINVAL for a length
    /// that is not a power of two.
    ///
    /// # Safety
    ///
    /// `page` is the kernel address of the guest page, which stays allocated during the
    /// call.
    unsafe fn cmpxchg(&self, page: *mut u8, old: &mut [u8; 16]) -> Result {
        let offset = (self.gaddr & (PAGE_SIZE - 1)) as usize;
        // SAFETY: per the contract; `len` bytes at the offset lie in the page (aligned to
        // `len`, at most 16); `old` and `new` hold 16 bytes.
        kernel::error::to_result(unsafe {
            bindings::kvm_s390_rust_cmpxchg(
                page.add(offset).cast(),
                self.len as i32,
                old.as_mut_ptr().cast(),
                self.new.as_ptr().cast(),
            )
        })
    }
}

/// `KVM_S390_GET_SKEYS`.
pub(crate) fn get_skeys(vm: &Vm, arg: usize) -> Result<i32> {
    let args: KvmS390Skeys = read_arg(arg)?;
    if args.flags != 0 {
        return Err(EINVAL);
    }
    if !vm.gmap().uses_skeys() {
        return Ok(KVM_S390_GET_SKEYS_NONE);
    }
    if args.count < 1 || args.count > KVM_S390_SKEYS_MAX {
        return Err(EINVAL);
    }
    let mut keys = buffer(args.count as usize)?;
    {
        let _srcu = Srcu::lock(vm);
        for (i, k) in keys.iter_mut().enumerate() {
            let gfn = args.start_gfn.checked_add(i as u64).ok_or(EFAULT)?;
            let abs = gfn.checked_mul(PAGE_SIZE).ok_or(EFAULT)?;
            *k = gaccess::guest_key(vm, abs)?.ok_or(EFAULT)?;
        }
    }
    UserSlice::new(UserPtr::from_addr(args.skeydata_addr as usize), keys.len())
        .writer()
        .write_slice(&keys)?;
    Ok(0)
}

/// `KVM_S390_SET_SKEYS`.
pub(crate) fn set_skeys(vm: &Vm, arg: usize) -> Result<i32> {
    let args: KvmS390Skeys = read_arg(arg)?;
    if args.flags != 0 {
        return Err(EINVAL);
    }
    if args.count < 1 || args.count > KVM_S390_SKEYS_MAX {
        return Err(EINVAL);
    }
    let mut keys = buffer(args.count as usize)?;
    UserSlice::new(UserPtr::from_addr(args.skeydata_addr as usize), keys.len())
        .reader()
        .read_slice(&mut keys)?;
    vm.gmap().enable_skeys(vm)?;
    // Bit 7 of a key byte is reserved.
    if keys.iter().any(|k| k & 1 != 0) {
        return Err(EINVAL);
    }
    let mut i = 0usize;
    while let Some(&k) = keys.get(i) {
        let gfn = args.start_gfn.checked_add(i as u64).ok_or(EFAULT)?;
        let abs = gfn.checked_mul(PAGE_SIZE).ok_or(EFAULT)?;
        // Held per key, so that a memslot change (which waits for srcu readers) can
        // complete between two attempts.
        let srcu = Srcu::lock(vm);
        let done = gaccess::with_key(vm, abs, true, |real, pgste| (skey::set(real, pgste, k), ()));
        drop(srcu);
        match done? {
            KeyOp::Done(()) => i += 1,
            KeyOp::Addressing => return Err(EFAULT),
            // The page was just mapped (or a change raced): set its key again.
            KeyOp::Retry => {
                if kernel::current!().signal_pending() {
                    return Err(EINTR);
                }
                // SAFETY: no lock is held; process context (an ioctl).
                unsafe { bindings::kvm_s390_rust_cond_resched() };
            }
        }
    }
    Ok(0)
}

/// `KVM_S390_KEYOP`: ISKE, RRBE or SSKE on the guest page at `guest_addr`, the key before
/// (or its R and C bits) back in `key` (`logic/skey.rs`, `user_keyop`). As mainline's
/// `kvm_s390_keyop`, it does not switch the VM to storage keys (`KVM_S390_GET_SKEYS` still
/// reports none until the guest or `KVM_S390_SET_SKEYS` uses them). EINVAL for another
/// operation; EFAULT for an address no memslot backs.
pub(crate) fn keyop(vm: &Vm, arg: usize) -> Result<i32> {
    let mut kop: KvmS390Keyop = read_arg(arg)?;
    let op = skey::UserKeyOp::from_uapi(kop.operation).ok_or(EINVAL)?;
    let abs = kop.guest_addr & !(PAGE_SIZE - 1);
    let key = loop {
        // Held per attempt, so that a memslot change can complete between two.
        let srcu = Srcu::lock(vm);
        let done = gaccess::with_key(vm, abs, op.modifies(), |real, pgste| {
            skey::user_keyop(op, real, pgste, kop.key)
        });
        drop(srcu);
        match done? {
            KeyOp::Done(k) => break k,
            KeyOp::Addressing => return Err(EFAULT),
            // The page was just mapped (or a change raced): do it again.
            KeyOp::Retry => {
                if kernel::current!().signal_pending() {
                    return Err(EINTR);
                }
                // SAFETY: no lock is held; process context (an ioctl).
                unsafe { bindings::kvm_s390_rust_cond_resched() };
            }
        }
    };
    kop.key = key;
    UserSlice::new(
        UserPtr::from_addr(arg),
        core::mem::size_of::<KvmS390Keyop>(),
    )
    .writer()
    .write(&kop)?;
    Ok(0)
}

/// `KVM_S390_VCPU_FAULT`: maps the guest page at absolute address `gaddr` (the argument
/// itself) as a guest access would, as mainline's non-ucontrol path; EFAULT where no
/// memslot backs it (mainline's errno for the addressing exception).
pub(crate) fn vcpu_fault(vcpu: &Vcpu, gaddr: usize) -> Result {
    let _srcu = Srcu::lock(vcpu.vm());
    match vcpu.pre_fault(gaddr as u64) {
        Ok(_) => Ok(()),
        Err(e) if e == ENOENT => Err(EFAULT),
        Err(e) => Err(e),
    }
}
