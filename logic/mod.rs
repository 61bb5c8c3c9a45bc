// SPDX-License-Identifier: GPL-2.0

//! Pure logic of the backend: decisions that need no kernel, only `core`.
//!
//! Everything under this directory (and `kvm_host.rs`, `uapi_kvm.rs`) builds
//! unchanged into the module and into the host test crate `tests/host`, where `cargo test`
//! checks it in seconds. No `unsafe`, no allocation, no panics on any input.

pub mod access;
pub mod capabilities;
pub mod cpu_reset;
pub mod dat;
pub mod facilities;
pub mod guest_dat;
pub mod instruction;
pub mod mem_op;
pub mod memslots;
pub mod prefix;
pub mod psw;
pub mod sie_exit;
pub mod skey;
pub mod stsi;
pub mod vcpu_limits;
