// SPDX-License-Identifier: GPL-2.0

//! The floating interrupt controller (FLIC, `KVM_DEV_TYPE_FLIC`), I/O adapters, and
//! adapter interruptions through interrupt routes and irqfd.
//!
//! The FLIC is a KVM device, one per VM, through which user space (QEMU) reads and writes
//! the VM's floating interruptions (migration, reset), registers I/O adapters and sets
//! adapter-interruption suppression. An adapter route (`KVM_SET_GSI_ROUTING` with
//! `KVM_IRQ_ROUTING_S390_ADAPTER`) names an adapter and two bits in guest memory; when the
//! route fires (an irqfd write), the indicator and summary bits are set and, if the
//! summary bit was clear and the adapter is not masked, an adapter interruption is queued
//! for the adapter's subclass.
//!
//! Facts: `Documentation/virt/kvm/devices/s390_flic.rst`, `api.rst`; mainline: the `flic_*`
//! functions, `set_adapter_int` and `kvm_set_routing_entry` in
//! `arch/s390/kvm/s390/interrupt.c`. Validation and conversions are in `logic/flic.rs`; the
//! floating queue is `interrupt.rs`'s.
//!
//! State lives where mainline keeps it: `kvm->arch.flic` (the device, under `kvm->lock`),
//! `kvm->arch.adapters` (one `struct s390_io_adapter` per registered id, published once
//! under `kvm->lock` and freed only with the VM), `float_int.simm`/`nimm` under
//! `float_int.ais_lock`.
//!
//! `APF_ENABLE` and `APF_DISABLE_WAIT` switch asynchronous page faults for the VM
//! (`pfault.rs`).
//!
//! An irqfd fires its route in two ways, as on mainline. Where user space mapped both
//! indicator addresses of the route with `ADAPTER_MODIFY` (`MAP`), whose pages are then
//! pinned for the long term, the bits are set and the interruption is queued at once, in
//! the eventfd's wake-up (`kvm_arch_set_irq_inatomic`, atomic context). Otherwise (pages
//! not mapped, or memory that cannot be pinned for the long term, such as file-backed
//! memory) generic KVM's irqfd worker fires the route; it writes the pages `MAP` pinned
//! too, and pins any other indicator page for the moment it writes it.

use core::marker::PhantomData;
use core::ptr::{addr_of_mut, null_mut};
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, Ordering};

use kernel::bindings;
use kernel::ffi::c_int;
use kernel::prelude::*;
use kernel::uaccess::{UserPtr, UserSlice};

use crate::interrupt;
use crate::logic::flic::{self as f, adapter_op, group, Airq};
use crate::logic::interrupt::IRQ_SIZE;
use crate::stats::count_vm;
use crate::uapi_kvm::KvmS390Interrupt;
use crate::vm::Vm;

/// The device operations, in a static generic KVM keeps a pointer to.
struct Ops(bindings::kvm_device_ops);

// SAFETY: the operations are never written after initialisation; the name is a static
// string.
unsafe impl Sync for Ops {}

static FLIC_OPS: Ops = Ops(bindings::kvm_device_ops {
    name: kernel::str::as_char_ptr_in_const_context(c"kvm-flic"),
    create: Some(flic_create),
    init: None,
    destroy: Some(flic_destroy),
    release: None,
    set_attr: Some(flic_set_attr),
    get_attr: Some(flic_get_attr),
    has_attr: Some(flic_has_attr),
    ioctl: None,
    mmap: None,
});

/// Registers the FLIC device type with generic KVM (module init, before `kvm_init`, as
/// mainline's `kvm_s390_init` does). The table lives in this module, so nothing is undone
/// at exit.
pub(crate) fn register() -> Result {
    // SAFETY: `FLIC_OPS` is static and its callbacks follow the `kvm_device_ops` contract.
    kernel::error::to_result(unsafe {
        bindings::kvm_register_device_ops(&FLIC_OPS.0, bindings::kvm_device_type_KVM_DEV_TYPE_FLIC)
    })
}

fn ret(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `KVM_CREATE_DEVICE`: one FLIC per VM (a second one: EINVAL, as mainline).
///
/// # Safety
///
/// `dev` is the device `kvm_ioctl_create_device` allocated, with `dev->kvm` its live VM;
/// called with `kvm->lock` held.
unsafe extern "C" fn flic_create(dev: *mut bindings::kvm_device, _type: u32) -> c_int {
    if dev.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: `dev` and its VM are live; `arch.flic` is protected by `kvm->lock`, held.
    unsafe {
        let flic = addr_of_mut!((*(*dev).kvm).arch.flic);
        if !(*flic).is_null() {
            return EINVAL.to_errno();
        }
        *flic = dev;
    }
    0
}

/// Forgets and frees the device (its file was closed, or creation unwinds, or the VM is
/// destroyed).
///
/// # Safety
///
/// `dev` is a device this file created, no longer reachable through its file or the VM's
/// device list; generic KVM calls this once, and expects the device freed.
unsafe extern "C" fn flic_destroy(dev: *mut bindings::kvm_device) {
    // SAFETY: see # Safety; `dev` was allocated by generic KVM with kzalloc.
    unsafe {
        let flic = addr_of_mut!((*(*dev).kvm).arch.flic);
        if *flic == dev {
            *flic = null_mut();
        }
        bindings::kfree(dev.cast());
    }
}

/// `KVM_HAS_DEVICE_ATTR`: every FLIC group exists (ENXIO otherwise).
///
/// # Safety
///
/// `attr` is generic KVM's kernel copy of the user's `struct kvm_device_attr`.
unsafe extern "C" fn flic_has_attr(
    _dev: *mut bindings::kvm_device,
    attr: *mut bindings::kvm_device_attr,
) -> c_int {
    // SAFETY: see # Safety.
    if f::has_attr(unsafe { (*attr).group }) {
        0
    } else {
        ENXIO.to_errno()
    }
}

/// `KVM_GET_DEVICE_ATTR`.
///
/// # Safety
///
/// `dev` is a live FLIC of a live VM; `attr` generic KVM's kernel copy of the argument.
/// Called from the device file's ioctl, holding no lock; process context in the VM's mm.
unsafe extern "C" fn flic_get_attr(
    dev: *mut bindings::kvm_device,
    attr: *mut bindings::kvm_device_attr,
) -> c_int {
    // SAFETY: see # Safety.
    let (vm, a) = unsafe { (Vm::from_raw((*dev).kvm), *attr) };
    match a.group {
        group::GET_ALL_IRQS => match get_all_irqs(vm, a.addr, a.attr) {
            Ok(n) => n as c_int,
            Err(e) => e.to_errno(),
        },
        group::AISM_ALL => ret(ais_get_all(vm, &a)),
        _ => EINVAL.to_errno(),
    }
}

/// `KVM_SET_DEVICE_ATTR`.
///
/// # Safety
///
/// As for `flic_get_attr`.
unsafe extern "C" fn flic_set_attr(
    dev: *mut bindings::kvm_device,
    attr: *mut bindings::kvm_device_attr,
) -> c_int {
    // SAFETY: see # Safety.
    let (vm, a) = unsafe { (Vm::from_raw((*dev).kvm), *attr) };
    ret(match a.group {
        group::ENQUEUE => enqueue(vm, a.addr, a.attr),
        group::CLEAR_IRQS => {
            interrupt::clear_float(vm);
            Ok(())
        }
        group::APF_ENABLE => {
            crate::pfault::enable(vm);
            Ok(())
        }
        group::APF_DISABLE_WAIT => crate::pfault::disable_wait(vm),
        group::ADAPTER_REGISTER => register_adapter(vm, a.addr),
        group::ADAPTER_MODIFY => modify_adapter(vm, a.addr),
        group::CLEAR_IO_IRQ => clear_io_irq(vm, &a),
        group::AISM => ais_modify(vm, a.addr),
        group::AIRQ_INJECT => {
            count_vm!(vm, io_flic_inject_airq);
            // Mainline takes the id as an `unsigned int`.
            match adapter(vm, a.attr as u32) {
                Some(ad) => inject_airq(vm, ad, GFP_KERNEL_ACCOUNT).map(|_| ()),
                None => Err(EINVAL),
            }
        }
        group::AISM_ALL => ais_set_all(vm, a.addr),
        _ => Err(EINVAL),
    })
}

fn reader(addr: u64, len: usize) -> kernel::uaccess::UserSliceReader {
    UserSlice::new(UserPtr::from_addr(addr as usize), len).reader()
}

fn read_bytes<const N: usize>(addr: u64) -> Result<[u8; N]> {
    let mut b = [0u8; N];
    reader(addr, N).read_slice(&mut b)?;
    Ok(b)
}

/// `KVM_DEV_FLIC_GET_ALL_IRQS`: the number of records stored.
fn get_all_irqs(vm: &Vm, addr: u64, len: u64) -> Result<usize> {
    let max = f::get_all_capacity(len).map_err(|_| EINVAL)?;
    // The buffer is allocated before the lock; ENOMEM means "retry with a bigger buffer"
    // in this ABI, so a failed allocation answers ENOBUFS (as mainline).
    let mut buf =
        KVVec::<u8>::with_capacity(max * IRQ_SIZE, GFP_KERNEL_ACCOUNT).map_err(|_| ENOBUFS)?;
    let n = interrupt::float_irqs(vm, max, &mut buf)?;
    if n > 0 {
        UserSlice::new(UserPtr::from_addr(addr as usize), buf.len())
            .writer()
            .write_slice(&buf)?;
    }
    Ok(n)
}

/// `KVM_DEV_FLIC_ENQUEUE`: injects each record of the buffer until one fails.
fn enqueue(vm: &Vm, addr: u64, len: u64) -> Result {
    let count = f::enqueue_count(len).map_err(|_| EINVAL)?;
    for i in 0..count {
        let at = addr.wrapping_add((i * IRQ_SIZE) as u64);
        let type_ = u64::from_ne_bytes(read_bytes::<8>(at)?);
        let payload = f::enqueue_payload(type_).map_err(|_| EINVAL)?;
        let mut u = [0u8; 64];
        let n = payload.size();
        reader(at.wrapping_add(8), n).read_slice(&mut u[..n])?;
        let (t, parm, parm64) = f::irq_to_interrupt(type_, &u).map_err(|_| EINVAL)?;
        interrupt::inject_float(
            vm,
            &KvmS390Interrupt {
                type_: t,
                parm,
                parm64,
            },
        )?;
    }
    Ok(())
}

/// `KVM_DEV_FLIC_CLEAR_IO_IRQ`.
fn clear_io_irq(vm: &Vm, a: &bindings::kvm_device_attr) -> Result {
    if !f::clear_io_irq_valid(a.flags, a.attr) {
        return Err(EINVAL);
    }
    let schid = u32::from_ne_bytes(read_bytes::<4>(a.addr)?);
    if schid == 0 {
        return Err(EINVAL);
    }
    interrupt::clear_io(vm, schid);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Adapter-interruption suppression.

/// `float_int.ais_lock` held with interrupts disabled; released on drop.
struct AisGuard {
    fi: *mut bindings::kvm_s390_float_interrupt,
    flags: usize,
}

impl AisGuard {
    fn new(vm: &Vm) -> Self {
        // SAFETY: the VM is live; `ais_lock` is initialised in `interrupt::init_vm`.
        let fi = unsafe { addr_of_mut!((*vm.arch()).float_int) };
        // SAFETY: as above.
        let flags =
            unsafe { bindings::kvm_s390_rust_spin_lock_irqsave(addr_of_mut!((*fi).ais_lock)) };
        AisGuard {
            fi,
            flags: flags as usize,
        }
    }

    fn modes(&self) -> (u8, u8) {
        // SAFETY: `simm` and `nimm` are only used under `ais_lock`, held.
        unsafe { ((*self.fi).simm, (*self.fi).nimm) }
    }

    fn set_modes(&self, simm: u8, nimm: u8) {
        // SAFETY: as in `modes`.
        unsafe {
            (*self.fi).simm = simm;
            (*self.fi).nimm = nimm;
        }
    }
}

impl Drop for AisGuard {
    fn drop(&mut self) {
        // SAFETY: taken in `new` by this thread with these flags.
        unsafe {
            bindings::kvm_s390_rust_spin_unlock_irqrestore(
                addr_of_mut!((*self.fi).ais_lock),
                self.flags,
            )
        };
    }
}

fn has_ais(vm: &Vm) -> bool {
    vm.has_facility(f::FACILITY_AIS)
}

/// `KVM_DEV_FLIC_AISM`: `struct kvm_s390_ais_req` (isc, pad, u16 mode).
fn ais_modify(vm: &Vm, addr: u64) -> Result {
    if !has_ais(vm) {
        return Err(EOPNOTSUPP);
    }
    let req = read_bytes::<4>(addr)?;
    let mode = u16::from_ne_bytes([req[2], req[3]]);
    if req[0] > f::MAX_ISC {
        return Err(EINVAL);
    }
    let g = AisGuard::new(vm);
    let (simm, nimm) = g.modes();
    let (simm, nimm) = f::ais_modify(simm, nimm, req[0], mode).map_err(|_| EINVAL)?;
    g.set_modes(simm, nimm);
    Ok(())
}

/// `KVM_DEV_FLIC_AISM_ALL` (set): `struct kvm_s390_ais_all`.
fn ais_set_all(vm: &Vm, addr: u64) -> Result {
    if !has_ais(vm) {
        return Err(EOPNOTSUPP);
    }
    let all = read_bytes::<2>(addr)?;
    AisGuard::new(vm).set_modes(all[0], all[1]);
    Ok(())
}

/// `KVM_DEV_FLIC_AISM_ALL` (get): the buffer must hold the two bytes.
fn ais_get_all(vm: &Vm, a: &bindings::kvm_device_attr) -> Result {
    if a.attr < 2 {
        return Err(EINVAL);
    }
    if !has_ais(vm) {
        return Err(EOPNOTSUPP);
    }
    let (simm, nimm) = AisGuard::new(vm).modes();
    UserSlice::new(UserPtr::from_addr(a.addr as usize), 2)
        .writer()
        .write_slice(&[simm, nimm])
}

// ---------------------------------------------------------------------------------------
// I/O adapters.

/// One registered indicator page of an adapter (`ADAPTER_MODIFY` map), linked into the
/// adapter's `maps` list under `maps_lock`; the link comes first, so a link pointer is a
/// node pointer.
#[repr(C)]
struct MapNode {
    link: bindings::list_head,
    guest_addr: u64,
    /// The user address `guest_addr` had at `MAP`, as adapter routes name indicators.
    uaddr: u64,
    /// The page of `uaddr`, pinned for the long term while the node exists: the one the
    /// atomic path writes. Null where the memory cannot be pinned so.
    page: *mut bindings::page,
}

impl Drop for MapNode {
    fn drop(&mut self) {
        if self.page.is_null() {
            return;
        }
        // SAFETY: the node owns this pin (taken at `MAP`); it is dropped unlinked (or never
        // linked), outside `maps_lock`, so no injection uses the page any more. The page
        // may have been written through its kernel mapping, hence dirty.
        unsafe {
            bindings::set_page_dirty_lock(self.page);
            bindings::unpin_user_page(self.page);
        }
    }
}

/// The slot of adapter `id` (below `MAX_IO_ADAPTERS`) as an atomic pointer.
fn slot(vm: &Vm, id: usize) -> &AtomicPtr<bindings::s390_io_adapter> {
    // SAFETY: the VM is live for the borrow; every access to the slots after VM creation
    // goes through this atomic view.
    unsafe { AtomicPtr::from_ptr(addr_of_mut!((*vm.arch()).adapters[id])) }
}

/// A registered adapter: a raw pointer, because `masked`, `nr_maps` and `maps` change
/// under other threads (atomically or under `maps_lock`); the other fields are written
/// only before the adapter is published.
#[derive(Clone, Copy)]
struct Adapter<'a> {
    ptr: *mut bindings::s390_io_adapter,
    _vm: PhantomData<&'a Vm>,
}

impl<'a> Adapter<'a> {
    fn isc(&self) -> u8 {
        // SAFETY: published adapters live as long as the VM (`'a`); `isc` is not written
        // after publication.
        unsafe { (*self.ptr).isc as u8 }
    }

    fn maskable(&self) -> bool {
        // SAFETY: as in `isc`.
        unsafe { (*self.ptr).maskable }
    }

    fn swap(&self) -> bool {
        // SAFETY: as in `isc`.
        unsafe { (*self.ptr).swap }
    }

    fn suppressible(&self) -> bool {
        // SAFETY: as in `isc`.
        unsafe { (*self.ptr).suppressible }
    }

    fn masked(&self) -> &'a AtomicBool {
        // SAFETY: `masked` lives as long as the adapter; every access after publication is
        // through this atomic view.
        unsafe { AtomicBool::from_ptr(addr_of_mut!((*self.ptr).masked)) }
    }
}

/// The registered adapter `id`, if any. Adapters live until the VM is destroyed.
fn adapter(vm: &Vm, id: u32) -> Option<Adapter<'_>> {
    if id >= f::MAX_IO_ADAPTERS {
        return None;
    }
    // A published adapter is fully initialised (Release in `register_adapter`) and freed
    // only by `destroy_adapters`, when nothing can reach the VM any more.
    let ptr = slot(vm, id as usize).load(Ordering::Acquire);
    (!ptr.is_null()).then_some(Adapter {
        ptr,
        _vm: PhantomData,
    })
}

/// `KVM_DEV_FLIC_ADAPTER_REGISTER`: `struct kvm_s390_io_adapter` (id, isc, maskable,
/// swap, flags); EINVAL for an id out of range or already registered.
fn register_adapter(vm: &Vm, addr: u64) -> Result {
    let kvm = vm.as_raw();
    // SAFETY: the VM is live; `kvm->lock` orders registrations (as mainline).
    unsafe { bindings::kvm_s390_rust_kvm_lock(kvm) };
    let r = (|| {
        let b = read_bytes::<8>(addr)?;
        let id = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
        if id >= f::MAX_IO_ADAPTERS || adapter(vm, id).is_some() {
            return Err(EINVAL);
        }
        let mut ad = KBox::new(bindings::s390_io_adapter::default(), GFP_KERNEL_ACCOUNT)?;
        ad.id = id;
        ad.isc = c_int::from(b[4]);
        ad.maskable = b[5] != 0;
        ad.masked = false;
        ad.swap = b[6] != 0;
        ad.suppressible = b[7] & f::ADAPTER_SUPPRESSIBLE != 0;
        let p = KBox::into_raw(ad);
        // SAFETY: `p` is ours until published below.
        unsafe {
            bindings::kvm_s390_rust_init_adapter_maps_lock(addr_of_mut!((*p).maps_lock));
            bindings::kvm_s390_rust_init_list_head(addr_of_mut!((*p).maps));
        }
        slot(vm, id as usize).store(p, Ordering::Release);
        Ok(())
    })();
    // SAFETY: taken above.
    unsafe { bindings::kvm_s390_rust_kvm_unlock(kvm) };
    r
}

/// `maps_lock` of an adapter held with interrupts disabled; released on drop.
struct MapsGuard {
    ad: *mut bindings::s390_io_adapter,
    flags: usize,
}

impl MapsGuard {
    fn new(ad: Adapter<'_>) -> Self {
        let ad = ad.ptr;
        // SAFETY: `maps_lock` was initialised before the adapter was published.
        let flags =
            unsafe { bindings::kvm_s390_rust_spin_lock_irqsave(addr_of_mut!((*ad).maps_lock)) };
        MapsGuard {
            ad,
            flags: flags as usize,
        }
    }

    /// The first node for which `pred` holds, if any.
    fn node_where(&self, pred: impl Fn(&MapNode) -> bool) -> Option<*mut MapNode> {
        // SAFETY: the list is only changed under `maps_lock`, held; entries are `MapNode`s,
        // whose link comes first.
        unsafe {
            let head = addr_of_mut!((*self.ad).maps);
            let mut cur = (*head).next;
            while cur != head {
                let node = cur.cast::<MapNode>();
                if pred(&*node) {
                    return Some(node);
                }
                cur = (*cur).next;
            }
        }
        None
    }

    /// The node mapping `guest_addr`, if any.
    fn find(&self, guest_addr: u64) -> Option<*mut bindings::list_head> {
        self.node_where(|n| n.guest_addr == guest_addr)
            .map(|n| n.cast::<bindings::list_head>())
    }

    /// The page `MAP` pinned for the long term for user address `uaddr` (mainline matches
    /// the exact address), if any.
    fn pinned_page(&self, uaddr: u64) -> Option<*mut bindings::page> {
        let node = self.node_where(|n| n.uaddr == uaddr && !n.page.is_null())?;
        // SAFETY: a node of the list, which `maps_lock` (held) keeps linked and alive.
        Some(unsafe { (*node).page })
    }

    /// With the lock held, sets (or clears) bit `bit_nr` from user address `uaddr` in the
    /// page `MAP` pinned for it, and marks guest address `gaddr` dirty for dirty logging;
    /// whether the bit was set before. `None` if no page is pinned for `uaddr` (or the bit
    /// is outside the page).
    fn update_pinned_bit(
        &self,
        vm: &Vm,
        uaddr: u64,
        gaddr: u64,
        bit_nr: u64,
        swap: bool,
        set: bool,
    ) -> Option<bool> {
        let page = self.pinned_page(uaddr)?;
        // SAFETY: a page pinned by a linked `MapNode`, which `maps_lock` (held) keeps.
        let was = unsafe { update_bit(page, uaddr, bit_nr, swap, set) }?;
        // SAFETY: the VM is live; the helper takes `kvm->srcu`, allowed in atomic context.
        unsafe { bindings::kvm_s390_rust_mark_gpa_dirty(vm.as_raw(), gaddr) };
        Some(was)
    }
}

impl Drop for MapsGuard {
    fn drop(&mut self) {
        // SAFETY: taken in `new` by this thread with these flags.
        unsafe {
            bindings::kvm_s390_rust_spin_unlock_irqrestore(
                addr_of_mut!((*self.ad).maps_lock),
                self.flags,
            )
        };
    }
}

/// The user address of guest physical address `gpa` (EFAULT if no memslot holds it).
fn gpa_to_hva(vm: &Vm, gpa: u64) -> Result<u64> {
    let mut hva = 0;
    // SAFETY: the VM is live; the helper takes `kvm->srcu` for the memslot lookup.
    if unsafe { bindings::kvm_s390_rust_gpa_to_hva(vm.as_raw(), gpa, &mut hva) } {
        Ok(hva as u64)
    } else {
        Err(EFAULT)
    }
}

/// `KVM_DEV_FLIC_ADAPTER_MODIFY`: `struct kvm_s390_io_adapter_req` (id, type, mask, pad,
/// addr).
fn modify_adapter(vm: &Vm, addr: u64) -> Result {
    let b = read_bytes::<16>(addr)?;
    let id = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
    let gaddr = u64::from_ne_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]);
    let ad = adapter(vm, id).ok_or(EINVAL)?;
    match b[4] {
        adapter_op::MASK => {
            if !ad.maskable() {
                return Err(EINVAL);
            }
            ad.masked().store(b[5] != 0, Ordering::SeqCst);
            Ok(())
        }
        adapter_op::MAP => {
            count_vm!(vm, io_390_adapter_map);
            if gaddr == 0 {
                return Err(EINVAL);
            }
            let hva = gpa_to_hva(vm, gaddr)?;
            let node = KBox::new(
                MapNode {
                    link: bindings::list_head {
                        next: null_mut(),
                        prev: null_mut(),
                    },
                    guest_addr: gaddr,
                    uaddr: hva,
                    page: pin_map_page(vm, hva)?,
                },
                GFP_KERNEL_ACCOUNT,
            )?;
            let g = MapsGuard::new(ad);
            // SAFETY: `nr_maps` and the list are ours under `maps_lock`.
            unsafe {
                if (*g.ad).nr_maps >= f::MAX_ADAPTER_MAPS {
                    drop(g);
                    drop(node);
                    return Err(EINVAL);
                }
                (*g.ad).nr_maps += 1;
                let node = KBox::into_raw(node);
                bindings::kvm_s390_rust_list_add_tail(
                    addr_of_mut!((*node).link),
                    addr_of_mut!((*g.ad).maps),
                );
            }
            Ok(())
        }
        adapter_op::UNMAP => {
            count_vm!(vm, io_390_adapter_unmap);
            if gaddr == 0 {
                return Err(EINVAL);
            }
            let node = {
                let g = MapsGuard::new(ad);
                let found = g.find(gaddr);
                if let Some(link) = found {
                    // SAFETY: `link` is a linked `MapNode` made by `KBox::into_raw`;
                    // unlinking it under the lock makes it ours.
                    unsafe {
                        bindings::kvm_s390_rust_list_del(link);
                        (*g.ad).nr_maps -= 1;
                        Some(KBox::from_raw(link.cast::<MapNode>()))
                    }
                } else {
                    None
                }
            };
            node.map(|_| ()).ok_or(ENOENT)
        }
        _ => Err(EINVAL),
    }
}

/// The page of user address `uaddr` pinned for the long term, or null where the memory
/// cannot be pinned so but can be for a moment (the worker's path then serves it); EINVAL
/// if it cannot be pinned at all (mainline's `kvm_s390_adapter_map`).
fn pin_map_page(vm: &Vm, uaddr: u64) -> Result<*mut bindings::page> {
    // SAFETY: the VM is live; process context.
    let page = unsafe { bindings::kvm_s390_rust_pin_guest_page(vm.as_raw(), uaddr as usize, true) };
    if !page.is_null() {
        return Ok(page);
    }
    // SAFETY: as above.
    let page =
        unsafe { bindings::kvm_s390_rust_pin_guest_page(vm.as_raw(), uaddr as usize, false) };
    if page.is_null() {
        return Err(EINVAL);
    }
    // SAFETY: pinned just above; only the check was wanted.
    unsafe { bindings::unpin_user_page(page) };
    Ok(null_mut())
}

/// Frees the adapters and their map lists (`kvm_arch_destroy_vm`: nothing can reach the VM).
pub(crate) fn destroy_adapters(vm: &Vm) {
    for id in 0..f::MAX_IO_ADAPTERS as usize {
        let p = slot(vm, id).swap(null_mut(), Ordering::AcqRel);
        if p.is_null() {
            continue;
        }
        // SAFETY: `p` was made by `KBox::into_raw` in `register_adapter` and is unreachable
        // now; its list holds `MapNode`s made by `KBox::into_raw`.
        unsafe {
            let head = addr_of_mut!((*p).maps);
            loop {
                let link = (*head).next;
                if link == head {
                    break;
                }
                bindings::kvm_s390_rust_list_del(link);
                drop(KBox::from_raw(link.cast::<MapNode>()));
            }
            drop(KBox::from_raw(p));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Adapter interruptions.

/// Queues an adapter interruption for the adapter's subclass, unless suppressed
/// (mainline's `kvm_s390_inject_airq`); whether it was queued. `gfp` is the allocation
/// context (atomic in the eventfd's wake-up).
fn inject_airq(vm: &Vm, ad: Adapter<'_>, gfp: kernel::alloc::Flags) -> Result<bool> {
    let isc = ad.isc();
    let int = KvmS390Interrupt {
        type_: f::ADAPTER_IO_TYPE,
        parm: 0,
        parm64: u64::from(f::isc_to_int_word(isc)),
    };
    // Allocated before `ais_lock`, under which the decision and the queuing happen.
    let prepared = interrupt::prepare_float(&int, gfp)?;
    let g = AisGuard::new(vm);
    let (simm, nimm) = g.modes();
    match f::airq(has_ais(vm), ad.suppressible(), simm, nimm, isc) {
        Airq::Suppressed => Ok(false),
        Airq::Inject { single } => {
            interrupt::queue_float(vm, prepared)?;
            if single {
                g.set_modes(simm, nimm | f::ais_mask(isc));
            }
            Ok(true)
        }
    }
}

/// Sets (or clears) indicator bit `bit_nr` from user address `uaddr` in `page`, the pinned
/// page of `uaddr`; returns whether it was set before (`None`: the bit is outside the page).
///
/// # Safety
///
/// `page` is pinned (its kernel mapping stays valid) and is the page of `uaddr`.
unsafe fn update_bit(
    page: *mut bindings::page,
    uaddr: u64,
    bit_nr: u64,
    swap: bool,
    set: bool,
) -> Option<bool> {
    let (offset, mask) = f::indicator_byte(uaddr, bit_nr, swap)?;
    // SAFETY: `page` is pinned, per the contract; `offset` is below the page size
    // (`indicator_byte`). The guest and other injections change the byte concurrently,
    // hence the atomic update through the kernel mapping (seen by the guest at once).
    let byte = unsafe {
        AtomicU8::from_ptr(
            bindings::kvm_s390_rust_page_address(page)
                .cast::<u8>()
                .add(offset),
        )
    };
    let old = if set {
        byte.fetch_or(mask, Ordering::SeqCst)
    } else {
        byte.fetch_and(!mask, Ordering::SeqCst)
    };
    Some(old & mask != 0)
}

/// Sets one indicator bit of adapter `ad` in guest memory at user address `uaddr` (the
/// route's translation of guest address `gaddr`); returns whether it was set already. The
/// page `MAP` pinned for `uaddr` is written if there is one (as the atomic path does);
/// otherwise the page is pinned for the write and marked dirty for the host. Either way
/// it is marked dirty for dirty logging. Process context.
fn set_indicator(vm: &Vm, ad: Adapter<'_>, uaddr: u64, gaddr: u64, bit_nr: u64) -> Result<bool> {
    let swap = ad.swap();
    if let Some(was) = MapsGuard::new(ad).update_pinned_bit(vm, uaddr, gaddr, bit_nr, swap, true) {
        return Ok(was);
    }
    // SAFETY: the VM is live; process context (the irqfd worker or an ioctl).
    let page =
        unsafe { bindings::kvm_s390_rust_pin_guest_page(vm.as_raw(), uaddr as usize, false) };
    if page.is_null() {
        return Err(EFAULT);
    }
    // SAFETY: `page` is the page of `uaddr`, pinned until below.
    let was = unsafe { update_bit(page, uaddr, bit_nr, swap, true) };
    // SAFETY: pinned above; released here.
    unsafe {
        bindings::set_page_dirty_lock(page);
        bindings::unpin_user_page(page);
        bindings::kvm_s390_rust_mark_gpa_dirty(vm.as_raw(), gaddr);
    }
    was.ok_or(EINVAL)
}

/// The route's bits in the pages `MAP` pinned, without sleeping: with `set`, sets the
/// indicator and the summary bit; without, clears the summary bit again (the interruption
/// could not be queued, so the worker's path must find it clear and queue it). Whether the
/// summary bit was set before; `None` if a page is not pinned (the worker's path then).
fn update_pinned(
    vm: &Vm,
    ad: Adapter<'_>,
    route: &bindings::kvm_s390_adapter_int,
    set: bool,
) -> Option<bool> {
    let g = MapsGuard::new(ad);
    let swap = ad.swap();
    if set {
        g.update_pinned_bit(
            vm,
            route.ind_addr,
            route.ind_gaddr,
            route.ind_offset,
            swap,
            true,
        )?;
    }
    let summary_nr = u64::from(route.summary_offset);
    g.update_pinned_bit(
        vm,
        route.summary_addr,
        route.summary_gaddr,
        summary_nr,
        swap,
        set,
    )
}

/// An irqfd fired in atomic context (the eventfd's wake-up, interrupts off): an adapter
/// route whose two indicator addresses user space mapped is fired here, as mainline's
/// `kvm_arch_set_irq_inatomic`; `EWOULDBLOCK` hands anything else (and a failure to
/// queue) to generic KVM's irqfd worker.
///
/// # Safety
///
/// `e` is a routing entry (a copy made under `kvm->irq_srcu`, held) and `kvm` its live VM.
pub(crate) unsafe fn set_irq_inatomic(
    e: *const bindings::kvm_kernel_irq_routing_entry,
    kvm: *mut bindings::kvm,
    level: c_int,
) -> c_int {
    let wouldblock = -(bindings::EWOULDBLOCK as c_int);
    // SAFETY: see # Safety.
    let vm = unsafe { Vm::from_raw(kvm) };
    // Counted without a lock, as mainline: a statistic may miss a concurrent increment.
    count_vm!(vm, io_390_inatomic);
    // Only the 0 -> 1 transition injects.
    if level == 0 {
        return 0;
    }
    // SAFETY: see # Safety; the union holds `adapter` for an adapter route.
    let route = unsafe {
        if (*e).type_ != f::ROUTING_S390_ADAPTER {
            return wouldblock;
        }
        (*e).__bindgen_anon_1.adapter
    };
    let Some(ad) = adapter(vm, route.adapter_id) else {
        return wouldblock;
    };
    match update_pinned(vm, ad, &route, true) {
        None => wouldblock,
        Some(true) => {
            count_vm!(vm, io_390_inatomic_no_inject);
            0
        }
        Some(false) if ad.masked().load(Ordering::SeqCst) => {
            count_vm!(vm, io_390_inatomic_no_inject);
            0
        }
        Some(false) => match inject_airq(vm, ad, GFP_ATOMIC) {
            Ok(true) => 0,
            Ok(false) => {
                count_vm!(vm, io_390_inatomic_no_inject);
                0
            }
            Err(_) => {
                update_pinned(vm, ad, &route, false);
                wouldblock
            }
        },
    }
}

/// A route fired: `e->set` of an adapter route (mainline's `set_adapter_int`). Returns
/// below 0 if nothing was injected because of an error, 0 if the interruption coalesced
/// (summary bit already set, or the adapter masked), above 0 if one was queued.
///
/// # Safety
///
/// `e` is a routing entry built by `kvm_set_routing_entry` (an adapter route) and `kvm`
/// its live VM. Generic KVM calls this from `kvm_set_irq` under `kvm->irq_srcu`, in
/// process context (the irqfd worker): it may sleep.
unsafe extern "C" fn set_adapter_int(
    e: *mut bindings::kvm_kernel_irq_routing_entry,
    kvm: *mut bindings::kvm,
    _irq_source_id: c_int,
    level: c_int,
    _line_status: bool,
) -> c_int {
    // SAFETY: see # Safety.
    let (vm, route) = unsafe { (Vm::from_raw(kvm), (*e).__bindgen_anon_1.adapter) };
    count_vm!(vm, io_set_adapter_int);
    // Only the 0 -> 1 transition injects.
    if level == 0 {
        return 0;
    }
    let Some(ad) = adapter(vm, route.adapter_id) else {
        return -1;
    };
    let r =
        set_indicator(vm, ad, route.ind_addr, route.ind_gaddr, route.ind_offset).and_then(|_| {
            set_indicator(
                vm,
                ad,
                route.summary_addr,
                route.summary_gaddr,
                u64::from(route.summary_offset),
            )
        });
    match r {
        Err(_) => -1,
        Ok(true) => 0,
        Ok(false) if ad.masked().load(Ordering::SeqCst) => 1,
        Ok(false) => match inject_airq(vm, ad, GFP_KERNEL_ACCOUNT) {
            Ok(_) => 1,
            Err(e) => e.to_errno(),
        },
    }
}

/// `KVM_SET_GSI_ROUTING`: builds the kernel entry of an adapter route (EINVAL for any
/// other type or for indicator bits outside their page, EFAULT for addresses outside
/// the memslots).
///
/// # Safety
///
/// `kvm` is a live VM, `e` the kernel entry being built and `ue` the kernel copy of the
/// user's entry. Called from `kvm_set_irq_routing`, process context.
pub(crate) unsafe fn set_routing_entry(
    kvm: *mut bindings::kvm,
    e: *mut bindings::kvm_kernel_irq_routing_entry,
    ue: *const bindings::kvm_irq_routing_entry,
) -> Result {
    // SAFETY: see # Safety.
    let (vm, type_) = unsafe { (Vm::from_raw(kvm), (*ue).type_) };
    if type_ != f::ROUTING_S390_ADAPTER {
        return Err(EINVAL);
    }
    // SAFETY: an adapter entry: the union holds `adapter`.
    let ua = unsafe { (*ue).u.adapter };
    if !f::adapter_route_valid(
        ua.summary_addr,
        ua.summary_offset,
        ua.ind_addr,
        ua.ind_offset,
    ) {
        return Err(EINVAL);
    }
    let summary = gpa_to_hva(vm, ua.summary_addr)?;
    let ind = gpa_to_hva(vm, ua.ind_addr)?;
    // SAFETY: `e` is the caller's entry under construction, ours for the call.
    unsafe {
        (*e).set = Some(set_adapter_int);
        (*e).__bindgen_anon_1.adapter = bindings::kvm_s390_adapter_int {
            ind_addr: ind,
            ind_gaddr: ua.ind_addr,
            summary_addr: summary,
            summary_gaddr: ua.summary_addr,
            ind_offset: ua.ind_offset,
            summary_offset: ua.summary_offset,
            adapter_id: ua.adapter_id,
        };
    }
    Ok(())
}
