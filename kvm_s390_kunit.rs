// SPDX-License-Identifier: GPL-2.0

//! KUnit suites of the s390 KVM backend: `kvm_s390_kunit.ko`.
//!
//! A module of its own because `kvm.ko` refuses to load without SIE and KUnit suites in a
//! module run only once its init has succeeded; these tests need no SIE and therefore also run
//! under QEMU TCG. They exercise the pure-logic files compiled for s390x, big-endian, with the
//! kernel's compiler flags: the same files the host test crate (`tests/host`) runs on x86_64.

use kernel::prelude::*;

pub mod kvm_host;
pub mod logic;
pub mod uapi_kvm;

module! {
    type: KvmS390Kunit,
    name: "kvm_s390_kunit",
    authors: ["kvm_s390 developers"],
    description: "KUnit tests of the s390 KVM backend",
    license: "GPL",
}

struct KvmS390Kunit;

impl kernel::Module for KvmS390Kunit {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(KvmS390Kunit)
    }
}

#[kunit_tests(kvm_s390_logic)]
mod tests {
    use super::kvm_host::{prefix_of, with_prefix, Psw};
    use super::logic::capabilities::{value, Host};
    use super::logic::cpu_reset::ResettableState;
    use super::logic::dat::{self, Level};
    use super::logic::guest_dat::{self, Controls, DatError, GuestMemory, MemoryError};
    use super::logic::memslots::{check_change, vm_mem_limit, Change, NewSlot, MAX_GUEST_MEMORY};
    use super::logic::prefix::{real_to_absolute, GuestAbsolute, GuestReal};
    use super::logic::sie_exit::{self, Exit};
    use super::logic::vcpu_limits::ScaKind;
    use super::logic::vector;
    use super::uapi_kvm::{
        cap, KVM_S390_INITIAL_RESET, KVM_S390_SET_INITIAL_PSW, SYNC_REGS_BPBC_BIT,
    };

    #[test]
    fn prefixing_swaps_low_core_and_prefix_area() {
        let p = 0x0010_0000;
        assert_eq!(
            real_to_absolute(p, GuestReal(0x10)),
            GuestAbsolute(0x10_0010)
        );
        assert_eq!(
            real_to_absolute(p, GuestReal(0x10_0010)),
            GuestAbsolute(0x10)
        );
        assert_eq!(
            real_to_absolute(p, GuestReal(0x20_0000)),
            GuestAbsolute(0x20_0000)
        );
    }

    #[test]
    fn sie_prefix_field_round_trips() {
        for p in [0u32, 0x2000, 0x7fff_e000, 0x1234_6000] {
            assert_eq!(prefix_of(with_prefix(0xffff_ffff, p)), p);
            assert_eq!(with_prefix(0xffff_ffff, p) & 0x8000_0fff, 0x8000_0fff);
        }
    }

    #[test]
    fn initial_reset() {
        let mut s = ResettableState {
            psw: Psw { mask: 1, addr: 2 },
            prefix: 0x2000,
            gbea: 5,
            ..Default::default()
        };
        s.initial_reset();
        assert_eq!(s.psw, Psw::default());
        assert_eq!(s.prefix, 0);
        assert_eq!(s.crs[0], 0xe0);
        assert_eq!(s.crs[14], 0xc200_0000);
        assert_eq!(s.gbea, 1);
    }

    #[test]
    fn capabilities_and_limits() {
        let host = Host {
            online_cpus: 2,
            sca: ScaKind::Basic,
            guest_per: true,
            vector: false,
        };
        assert_eq!(value(cap::MAX_VCPUS, &host), 64);
        assert_eq!(value(cap::NR_VCPUS, &host), 2);
        assert_eq!(value(0x7fff_ffff, &host), 0);
        assert!(!ScaKind::Basic.can_add_vcpu(64));
    }

    #[test]
    fn memslot_limits() {
        assert_eq!(vm_mem_limit(u64::MAX), MAX_GUEST_MEMORY);
        assert_eq!(vm_mem_limit((1 << 40) - 1), 1 << 40);
        let slot = NewSlot {
            base_gfn: (1 << 28) - 1,
            npages: 2,
            userspace_addr: 0x1000,
        };
        assert!(check_change(Change::Create, &slot, 1 << 40).is_err());
        assert!(check_change(Change::Delete, &slot, 1 << 40).is_ok());
        let huge = NewSlot {
            base_gfn: u64::MAX,
            npages: 2,
            userspace_addr: 0,
        };
        assert!(check_change(Change::Move, &huge, u64::MAX).is_err());
    }

    #[test]
    fn ioctl_numbers() {
        assert_eq!(KVM_S390_SET_INITIAL_PSW, 0x4010_ae96);
        assert_eq!(KVM_S390_INITIAL_RESET, 0x0000_ae97);
    }

    #[test]
    fn dat_geometry_and_exit_classification() {
        assert_eq!(dat::top_level(1 << 53), Level::Region2);
        assert_eq!(Level::Region3.index(0x1_0000_0000), 2);
        assert_eq!(dat::asce(0x1000, Level::Region2), 0x100b);
        assert_eq!(
            sie_exit::classify(0, 0x11, 0x2000_1000 | (1 << 10)),
            Exit::GmapFault { gaddr: 0x2000_1000 }
        );
        assert_eq!(sie_exit::instruction_length(0xe3), 6);
    }

    /// Guest memory for the DAT walk, computed rather than stored (the kernel stack is
    /// small): a segment table at 0 whose entry 0 designates a page table at 0x4000, in
    /// which only page 3 is valid, mapping real 0x7000. Values are already in host order.
    struct Tables;

    impl GuestMemory for Tables {
        fn read_u64(&self, addr: u64) -> core::result::Result<u64, MemoryError> {
            match addr {
                0 => Ok(0x4000),
                0x4018 => Ok(0x7000),
                0x0008..=0x3ff8 => Ok(0x20),
                0x4000..=0x47f8 => Ok(0x400),
                _ => Err(MemoryError::Addressing),
            }
        }
    }

    #[test]
    fn guest_dat_walk() {
        let ctl = Controls::default();
        let ok = guest_dat::translate(&Tables, 3, 0x3123, 0, ctl);
        assert_eq!(ok.map(|t| t.absolute), Ok(0x7123));
        assert_eq!(
            guest_dat::translate(&Tables, 3, 0x4000, 0, ctl),
            Err(DatError::Program(0x11))
        );
        assert_eq!(
            guest_dat::translate(&Tables, 3, 0x10_0000, 0, ctl),
            Err(DatError::Program(0x10))
        );
    }

    /// The save area and the FPR view on the big-endian target: a vector register's
    /// leftmost doubleword is its first 8 bytes in memory, as the machine stores it.
    #[test]
    fn vector_save_area_is_big_endian() {
        let mut vrs = [[0u64; 2]; 32];
        vrs[0] = [0x0102_0304_0506_0708, 0x090a_0b0c_0d0e_0f10];
        vrs[31] = [0, 0xff];
        let area = vector::save_area(&vrs);
        assert_eq!(area[0], 0x01);
        assert_eq!(area[15], 0x10);
        assert_eq!(area[511], 0xff);
        // SAFETY: `[[u64; 2]; 32]` is 512 plain bytes.
        let native: [u8; 512] = unsafe { core::mem::transmute(vrs) };
        assert_eq!(area, native);
        assert_eq!(vector::fprs(&vrs)[0], 0x0102_0304_0506_0708);
    }

    /// `vcpu.rs` writes `kvm_sync_regs.bpbc` as a bit of its byte: the bit is the one
    /// bindgen's accessor (and so the C bit field) reads.
    #[test]
    fn sync_regs_bpbc_bit_is_the_bit_field() {
        let mut regs = kernel::bindings::kvm_sync_regs::default();
        assert_eq!(core::mem::size_of_val(&regs._bitfield_1), 1);
        let byte = core::ptr::addr_of_mut!(regs._bitfield_1).cast::<u8>();
        // SAFETY: `_bitfield_1` is one byte of `regs`, a local.
        unsafe { byte.write(SYNC_REGS_BPBC_BIT) };
        assert_eq!(regs.bpbc(), 1);
        // SAFETY: as above.
        unsafe { byte.write(!SYNC_REGS_BPBC_BIT) };
        assert_eq!(regs.bpbc(), 0);
    }
}
