// SPDX-License-Identifier: GPL-2.0

//! `KVM_GET_ONE_REG`/`KVM_SET_ONE_REG`: the vCPU registers s390 offers one by one
//! (`Documentation/virt/kvm/api.rst`, 4.68 and 4.69; mainline:
//! `kvm_arch_vcpu_ioctl_{get,set}_one_reg` in `arch/s390/kvm/s390/s390.c`).
//!
//! The values live where `KVM_RUN` takes them from: the SIE block (TOD programmable
//! register, epoch difference, CPU timer, clock comparator, program parameter, breaking-event
//! address) and the vCPU (the pfault token and masks). Like mainline, the copies in the
//! sync-register area of `kvm_run` are not updated here; they follow at the next exit from
//! `KVM_RUN`. Which ids exist is decided in `logic/one_reg.rs`; an unknown id is EINVAL, a
//! bad address EFAULT.

use core::ptr::{addr_of, addr_of_mut};

use kernel::prelude::*;
use kernel::uaccess::{UserPtr, UserSlice};

use crate::kvm_host::SieBlock;
use crate::logic::one_reg::Reg;
use crate::uapi_kvm::{self, KvmOneReg};
use crate::vcpu::Vcpu;

// SAFETY: two `u64`s without padding: any bit pattern is valid.
unsafe impl kernel::transmute::FromBytes for KvmOneReg {}

impl Vcpu {
    /// `KVM_GET_ONE_REG` or `KVM_SET_ONE_REG`; `arg` is the user's `struct kvm_one_reg`.
    pub fn one_reg_ioctl(&self, ioctl: u32, arg: usize) -> Result {
        let one: KvmOneReg =
            UserSlice::new(UserPtr::from_addr(arg), core::mem::size_of::<KvmOneReg>())
                .reader()
                .read()?;
        let reg = Reg::from_id(one.id).ok_or(EINVAL)?;
        let user = UserSlice::new(UserPtr::from_addr(one.addr as usize), reg.size());
        if ioctl == uapi_kvm::KVM_SET_ONE_REG {
            let value = if reg.size() == 4 {
                u64::from(user.reader().read::<u32>()?)
            } else {
                user.reader().read::<u64>()?
            };
            self.set_one_reg(reg, value);
            Ok(())
        } else {
            let value = self.one_reg(reg);
            if reg.size() == 4 {
                user.writer().write(&(value as u32))
            } else {
                user.writer().write(&value)
            }
        }
    }

    fn one_reg(&self, reg: Reg) -> u64 {
        let sie = self.sie_block();
        let arch = self.arch();
        // SAFETY: the SIE block and the vCPU are valid and the guest does not run while the
        // ioctl holds `vcpu->mutex`; the program parameter is not naturally aligned.
        unsafe {
            match reg {
                Reg::Todpr => u64::from((*sie).todpr),
                Reg::EpochDiff => (*sie).epoch,
                Reg::CpuTimer => (*sie).cputm,
                Reg::ClockComp => (*sie).ckc,
                Reg::PfToken => (*arch).pfault_token as u64,
                Reg::PfCompare => (*arch).pfault_compare as u64,
                Reg::PfSelect => (*arch).pfault_select as u64,
                Reg::Pp => core::ptr::read_unaligned(SieBlock::pp_ptr(sie)),
                Reg::Gbea => addr_of!((*sie).gbea).read(),
            }
        }
    }

    fn set_one_reg(&self, reg: Reg, value: u64) {
        let sie = self.sie_block();
        let arch = self.arch();
        // SAFETY: as in `one_reg`.
        unsafe {
            match reg {
                Reg::Todpr => (*sie).todpr = value as u32,
                Reg::EpochDiff => (*sie).epoch = value,
                Reg::CpuTimer => (*sie).cputm = value,
                Reg::ClockComp => (*sie).ckc = value,
                Reg::PfToken => (*arch).pfault_token = value as usize,
                Reg::PfCompare => (*arch).pfault_compare = value as usize,
                Reg::PfSelect => (*arch).pfault_select = value as usize,
                Reg::Pp => core::ptr::write_unaligned(SieBlock::pp_ptr(sie), value),
                Reg::Gbea => addr_of_mut!((*sie).gbea).write(value),
            }
        }
        // An invalidated token ends the handshake: outstanding async faults are waited
        // for and dropped (mainline).
        if reg == Reg::PfToken && value == crate::uapi_kvm::KVM_S390_PFAULT_TOKEN_INVALID {
            crate::pfault::clear_completions(self);
        }
    }
}
