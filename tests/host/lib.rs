// SPDX-License-Identifier: GPL-2.0

//! The pure-logic files of the module, compiled unchanged for the host.
//!
//! The module paths mirror the crate root `kvm_s390.rs`, so `crate::...` references inside
//! the files resolve the same way in both builds. `no_std` keeps them honest: they may use
//! only `core`, as in the kernel.

#![no_std]

#[path = "../../kvm_host.rs"]
pub mod kvm_host;
#[path = "../../logic/mod.rs"]
pub mod logic;
#[path = "../../uapi_kvm.rs"]
pub mod uapi_kvm;
