# SPDX-License-Identifier: GPL-2.0
#
# Shared settings of the build and test-bed scripts.  Sourced, not run.
#
# Everything that is downloaded or built lives in $KVM_S390_CACHE (default
# ~/.cache/kvm_s390), never in the repository:
#   debs/            downloaded .deb files (kernel source, s390x user space),
#                    each with a FILE.sha256-ok marker once verified
#   apt/             private apt state used to download them
#   linux-7.3/       the kernel source tree; arch/s390/kvm is a copy of this repository
#   build/           the kernel build (O=) for our backend
#   mainline/        mainline's C kvm.ko (baseline), built against build/
#   build-debug/, mainline-debug/  the same for the debug variant
#   sysroot/         s390x user-space files extracted from .debs
#   ccache/          compiler cache

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KVM_S390_CACHE=${KVM_S390_CACHE:-$HOME/.cache/kvm_s390}
CACHE=$KVM_S390_CACHE
KSRC=$CACHE/linux-7.3
# The kernel variant: "" (the test host) or "debug" (the same plus the kernel's
# checkers, tools/kconfig/debug.config), each built in a directory of its own
# from the same tree.
KVM_S390_VARIANT=${KVM_S390_VARIANT:-}
case $KVM_S390_VARIANT in
'') KBUILD=$CACHE/build MAINLINE_BUILD=$CACHE/mainline ;;
debug) KBUILD=$CACHE/build-debug MAINLINE_BUILD=$CACHE/mainline-debug ;;
kasan) KBUILD=$CACHE/build-kasan MAINLINE_BUILD=$CACHE/mainline-kasan ;;
*) echo "KVM_S390_VARIANT must be empty, debug or kasan, not $KVM_S390_VARIANT" >&2; exit 2 ;;
esac
RESULTS=${KVM_S390_RESULTS:-$CACHE/results}
# Which SKIPs and failures are expected, per bed and backend (tools/expectations.awk).
EXPECTATIONS=$REPO/tests/expectations.tsv
# Mainline's C kvm.ko is built as an external module; its output directory mirrors the
# tree's depth so that its ../../../../virt/kvm objects stay inside the cache.
MAINLINE_MO=$MAINLINE_BUILD/arch/s390/kvm-mainline/s390
MAINLINE_KO=$MAINLINE_MO/kvm.ko
OUR_KO=$KBUILD/arch/s390/kvm/kvm.ko
KUNIT_KO=$KBUILD/arch/s390/kvm/kvm_s390_kunit.ko
KIMAGE=$KBUILD/arch/s390/boot/bzImage

# Downloads, pinned by version here and by sha256 in tools/sha256sums (see
# tools/fetch-sources.sh).  Cached under Debian's pool file names.
DEBS=$CACHE/debs
LINUX_SOURCE_DEB_VERSION=7.3.4-1~bpo13+1
LINUX_SOURCE_DEB=$DEBS/linux-source-7.3_${LINUX_SOURCE_DEB_VERSION}_all.deb
BUSYBOX_DEB_VERSION=1:1.35.0-4+deb12u1+b1
BUSYBOX_DEB=$DEBS/busybox-static_${BUSYBOX_DEB_VERSION#*:}_s390x.deb
# QEMU 10 and strace for s390x, with their libraries, for the QEMU bed: pinned
# in tools/qemu-debs, unpacked once into $QEMU_ROOT.
QEMU_DEBS_LIST=$REPO/tools/qemu-debs
QEMU_ROOT=$CACHE/qemu-root

export ARCH=s390
export CROSS_COMPILE=s390x-linux-gnu-
export RUSTUP_TOOLCHAIN=1.96.0
export CCACHE_DIR=$CACHE/ccache

# LLVM 19 (bindgen's libclang, clang-19): its prefix from llvm-config-19 or
# from where clang-19 really lives, not a hard-coded path.
llvm_prefix() {
	local p
	if p=$(llvm-config-19 --prefix 2>/dev/null) && [ -d "$p" ]; then
		echo "$p"
	elif p=$(command -v clang-19) && p=$(realpath "$p") && [ -x "$p" ]; then
		dirname "$(dirname "$p")"
	fi
}
LLVM_PREFIX=$(llvm_prefix)
if [ -n "$LLVM_PREFIX" ]; then
	export PATH=$LLVM_PREFIX/bin:$PATH
	export LIBCLANG_PATH=${LIBCLANG_PATH:-$LLVM_PREFIX/lib}
fi
export PATH=$HOME/.cargo/bin:$PATH

mkdir -p "$CACHE"

# The kernel's C compiler: the cross gcc, or clang for the KASAN variant (which
# targets s390x through CROSS_COMPILE and uses its binutils); through ccache.
if [ "$KVM_S390_VARIANT" = kasan ]; then
	KCC="ccache clang-19"
else
	KCC="ccache ${CROSS_COMPILE}gcc"
fi

# The kernel's make.
kmake() {
	make -C "$KSRC" O="$KBUILD" -j"$(nproc)" CC="$KCC" "$@"
}

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "$*"; exit 1; }

# verify_download FILE: succeeds if FILE has the sha256 that tools/sha256sums
# pins for its name.  A wrong or unpinned file is deleted (the caller fetches
# it again).  FILE.sha256-ok spares hashing a large file on every build; it
# records the pinned sum and the file's size and modification time, so it
# counts only for this very file and while tools/sha256sums pins that sum.
verify_download() {
	local file=$1 base want have stamp
	base=$(basename "$file")
	want=$(awk -v f="$base" '$2 == f || $2 == "*" f { print $1; exit }' "$REPO/tools/sha256sums")
	[ -n "$want" ] || die "tools/sha256sums pins no sha256 for $base"
	[ -s "$file" ] || { rm -f "$file.sha256-ok"; return 1; }
	stamp="$want $(stat -L -c '%s %.9Y' "$file")"
	[ "$(cat "$file.sha256-ok" 2>/dev/null)" = "$stamp" ] && return 0
	have=$(sha256sum "$file" | cut -d' ' -f1)
	if [ "$have" = "$want" ]; then
		echo "$stamp" > "$file.sha256-ok"
		return 0
	fi
	log "$base: sha256 $have, tools/sha256sums says $want: deleting it"
	rm -f "$file" "$file.sha256-ok"
	return 1
}
