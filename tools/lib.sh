# SPDX-License-Identifier: GPL-2.0
#
# Shared settings of the build and test-bed scripts.  Sourced, not run.
#
# Everything that is downloaded or built lives in $KVM_S390_CACHE (default
# ~/.cache/kvm_s390), never in the repository:
#   debs/            downloaded .deb files (kernel source, s390x user space)
#   apt/             private apt state used to download them
#   linux-7.3/       the kernel source tree; arch/s390/kvm is a copy of this repository
#   build/           the kernel build (O=) for our backend
#   mainline/        mainline's C kvm.ko (baseline), built against build/
#   sysroot/         s390x user-space files extracted from .debs
#   ccache/          compiler cache

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KVM_S390_CACHE=${KVM_S390_CACHE:-$HOME/.cache/kvm_s390}
CACHE=$KVM_S390_CACHE
KSRC=$CACHE/linux-7.3
KBUILD=$CACHE/build
RESULTS=${KVM_S390_RESULTS:-$CACHE/results}
# Mainline's C kvm.ko is built as an external module; its output directory mirrors the
# tree's depth so that its ../../../../virt/kvm objects stay inside the cache.
MAINLINE_MO=$CACHE/mainline/arch/s390/kvm-mainline/s390
MAINLINE_KO=$MAINLINE_MO/kvm.ko
OUR_KO=$KBUILD/arch/s390/kvm/kvm.ko
KUNIT_KO=$KBUILD/arch/s390/kvm/kvm_s390_kunit.ko
KIMAGE=$KBUILD/arch/s390/boot/bzImage

LINUX_SOURCE_DEB_VERSION=7.3.4-1~bpo13+1

export ARCH=s390
export CROSS_COMPILE=s390x-linux-gnu-
export RUSTUP_TOOLCHAIN=1.96.0
export CCACHE_DIR=$CACHE/ccache
export PATH=$HOME/.cargo/bin:/usr/lib/llvm-19/bin:$PATH
export LIBCLANG_PATH=/usr/lib/llvm-19/lib

mkdir -p "$CACHE"

# The kernel's make, with the cross compiler through ccache.
kmake() {
	make -C "$KSRC" O="$KBUILD" -j"$(nproc)" CC="ccache ${CROSS_COMPILE}gcc" "$@"
}

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "$*"; exit 1; }
