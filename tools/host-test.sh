#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the host tests of the pure-logic files (tests/host) with the machine's Rust
# toolchain; the build output stays in the cache, not in the repository.

set -euo pipefail
. "$(dirname "$0")/lib.sh"
# The kernel's pinned rustc is not needed here; any stable toolchain builds the host crate.
unset RUSTUP_TOOLCHAIN
export CARGO_TARGET_DIR=$CACHE/host-target
cd "$REPO/tests/host"
cargo test --no-fail-fast 2>&1
