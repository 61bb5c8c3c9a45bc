// SPDX-License-Identifier: GPL-2.0

//! Pure logic of the backend: decisions that need no kernel, only `core`.
//!
//! Everything under this directory (and `kvm_host.rs`, `uapi_kvm.rs`) builds
//! unchanged into the module and into the host test crate `tests/host`, where `cargo test`
//! checks it in seconds. No `unsafe`, no allocation, no panics on any input.

pub mod access;
pub mod art;
pub mod capabilities;
pub mod cpu_model;
pub mod cpu_reset;
pub mod crypto;
pub mod dat;
pub mod diag;
pub mod enable_cap;
pub mod facilities;
pub mod flic;
pub mod guest_dat;
pub mod guestdbg;
pub mod instruction;
pub mod interrupt;
pub mod ipte;
pub mod mem_limit;
pub mod mem_op;
pub mod memslots;
pub mod migration;
pub mod one_reg;
pub mod operexc;
pub mod prefix;
pub mod psw;
pub mod sie_exit;
pub mod sigp;
pub mod skey;
pub mod store_status;
pub mod stsi;
pub mod tod;
pub mod vcpu_limits;
pub mod vector;
