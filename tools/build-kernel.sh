#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Configures and builds the s390x test kernel with this repository as
# arch/s390/kvm: the image, our kvm.ko and kvm_s390_kunit.ko, and mainline's C
# kvm.ko (the baseline) from arch/s390/kvm-mainline against the same kernel.
# Fails loudly when the configuration lost a line of the fragment (merge_config
# does not), above all CONFIG_RUST=y.
#
# Outputs (see tools/lib.sh): $KBUILD/arch/s390/boot/bzImage,
# $KBUILD/arch/s390/kvm/{kvm,kvm_s390_kunit}.ko, $MAINLINE_KO.  With
# KVM_S390_VARIANT=debug, the debug variant (tools/kconfig/debug.config) in
# directories of its own.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO/tools/prepare-tree.sh"

# The fragment of the variant: the test host's, plus the checkers for "debug".
fragment=$(mktemp)
trap 'rm -f "$fragment"' EXIT
cat "$REPO/tools/kconfig/test-host.config" > "$fragment"
case $KVM_S390_VARIANT in
debug) cat "$REPO/tools/kconfig/debug.config" >> "$fragment" ;;
kasan) cat "$REPO/tools/kconfig/debug.config" "$REPO/tools/kconfig/kasan.config" >> "$fragment" ;;
esac
mkdir -p "$KBUILD"
# Reconfigure only when the fragment changed: a new .config rebuilds every Rust crate.
if ! cmp -s "$fragment" "$KBUILD/.kvm_s390_fragment" || [ ! -e "$KBUILD/.config" ]; then
	log "configuring $KBUILD"
	make -C "$KSRC" O="$KBUILD" CC="$KCC" rustavailable 2>&1 | grep "Rust is available" >/dev/null ||
		die "Rust is not available for this kernel (see docs: rustc $RUSTUP_TOOLCHAIN, bindgen, libclang)"
	make -s -C "$KSRC" O="$KBUILD" CC="$KCC" tinyconfig
	"$KSRC/scripts/kconfig/merge_config.sh" -m -O "$KBUILD" "$KBUILD/.config" "$fragment" >/dev/null
	make -s -C "$KSRC" O="$KBUILD" CC="$KCC" olddefconfig
	cp "$fragment" "$KBUILD/.kvm_s390_fragment"
fi
bad=0
while IFS= read -r line; do
	case "$line" in CONFIG_*) ;; *) continue ;; esac
	key=${line%%=*}
	if [ "${line#*=}" = n ]; then
		if grep -q "^$key=" "$KBUILD/.config"; then log "config: $key must be off"; bad=1; fi
	elif ! grep -qx "$line" "$KBUILD/.config"; then
		log "config: $line was dropped ($(grep "^$key=\|$key is not set" "$KBUILD/.config" || echo absent))"
		bad=1
	fi
done < "$fragment"
[ $bad = 0 ] || { rm -f "$KBUILD/.kvm_s390_fragment"; die "the kernel configuration lost lines of tools/kconfig/*.config"; }

log "building kernel and modules"
kmake
[ -s "$KBUILD/arch/s390/kvm/kvm.ko" ] || die "our kvm.ko was not built"

log "building mainline's kvm.ko (baseline)"
mkdir -p "$MAINLINE_MO"
kmake M=arch/s390/kvm-mainline/s390 MO="$MAINLINE_MO" modules
[ -s "$MAINLINE_KO" ] || die "mainline's kvm.ko was not built"
log "done: $KBUILD/arch/s390/boot/bzImage, kvm.ko (ours and mainline)"
