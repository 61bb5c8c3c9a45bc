#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Cross-builds, static for s390x, our selftests (tests/selftests) and the mainline KVM
# kselftests of the same tree, and stages what each test bed runs:
#   $CACHE/stage/hercules/  bed scripts, binaries and run-list for the Hercules bed
#   $CACHE/stage/tcg/       the same for QEMU TCG
# A run list is `name<TAB>timeout<TAB>command`, run in order inside the test host.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Mainline kselftests run on every backend. Each entry: path under
# tools/testing/selftests/kvm, timeout in seconds, and for a test of something one
# backend does not do (yet, or on this test bed), that backend and the reason (see
# known-gap.sh: a failure there is a SKIP with the reason, a pass a FAIL).
KSELFTESTS=(
	"kvm_create_max_vcpus 600"
	"set_memory_region_test 600"
	"kvm_binary_stats_test 300"
	"s390/irq_routing 120 ours adapter interrupt routing (KVM_SET_GSI_ROUTING) is not implemented"
	"s390/sync_regs_test 300"
	"guest_print_test 300"
	"kvm_page_table_test 600"
	"memslot_modification_stress_test 600"
	"demand_paging_test 600"
	"pre_fault_memory_test 300"
	"dirty_log_test 900 mainline mainline 7.3 tracks dirty pages by write protection, and Hercules delivers DAT-protection exceptions of the guest mapping to the guest"
	"s390/resets 300 ours interrupt injection (KVM_S390_IRQ) and the CPU reset ioctls are not implemented"
	"s390/tprot 300 ours TEST PROTECTION and storage keys are not handled in the kernel yet"
)

# Tests of ours that are known to fail intermittently on one backend, as
# `BACKEND "reason"` for known-flaky.sh: a failure there is a SKIP with the
# reason, a pass a PASS.
declare -A KNOWN_FLAKY=(
	[kvm_vm_destroy_leak]='mainline "once seen: 2.9 MiB less MemFree after 200 VM create/destroy cycles with mainline 7.3 (passes on reruns): deferred frees or a leak, under investigation"'
)

# Tests of ours that check something one backend cannot do on this test bed, as
# `BACKEND "reason"` for known-gap.sh.
declare -A KNOWN_GAPS=(
	[kvm_dirty_log]='mainline "mainline 7.3 tracks dirty pages by write protection, and Hercules delivers DAT-protection exceptions of the guest mapping to the guest"'
	[kvm_dirty_log_stress]='mainline "mainline 7.3 tracks dirty pages by write protection, and Hercules delivers DAT-protection exceptions of the guest mapping to the guest"'
)

UAPI=$CACHE/uapi
if [ ! -e "$UAPI/.installed" ] || [ "$KSRC/.kvm_s390_stamp" -nt "$UAPI/.installed" ]; then
	make -s -C "$KSRC" O="$CACHE/uapi-build" INSTALL_HDR_PATH="$UAPI" headers_install
	touch "$UAPI/.installed"
fi

OURS=$CACHE/selftests/ours
make -s -C "$REPO/tests/selftests" O="$OURS" KSRC="$KSRC"

KSELF=$CACHE/selftests/kvm-build
mkdir -p "$KSELF"
make -s -C "$KSRC/tools/testing/selftests/kvm" CROSS_COMPILE="$CROSS_COMPILE" \
	OUTPUT="$KSELF" KHDR_INCLUDES="-isystem $UAPI/include" \
	LDFLAGS="-static -pthread -no-pie" -j"$(nproc)" >/dev/null

stage() { # bed
	local bed=$1 dir=$CACHE/stage/$1
	rm -rf "$dir"
	mkdir -p "$dir"
	local f
	for f in "$REPO"/tests/beds/common/*.sh "$REPO"/tests/beds/"$bed"/*.sh; do
		[ -e "$f" ] && cp "$f" "$dir"/
	done
	grep -v '^#' "$REPO/tests/beds/$bed/run-list" | grep -v unload-kvm > "$dir/run-list" || true
	if [ "$bed" = hercules ]; then
		# Our selftests, in the order of their run list.
		local name timeout cmd gap
		while IFS=$'\t' read -r name timeout cmd; do
			case $name in '#'* | '') continue ;; esac
			cp "$OURS/$name" "$dir/$name"
			gap=${KNOWN_FLAKY[$name]:-}
			if [ -n "$gap" ]; then
				printf '%s\t%s\t./known-flaky.sh %s ./%s\n' "$name" "$timeout" "$gap" "$name"
			elif [ -n "${KNOWN_GAPS[$name]:-}" ]; then
				printf '%s\t%s\t./known-gap.sh %s ./%s\n' "$name" "$timeout" "${KNOWN_GAPS[$name]}" "$name"
			else
				printf '%s\t%s\t./%s\n' "$name" "$timeout" "$name"
			fi >> "$dir/run-list"
		done < "$OURS/run-list"
		local t path gap_backend reason
		for t in "${KSELFTESTS[@]}"; do
			read -r path timeout gap_backend reason <<< "$t"
			name=kselftest-${path//\//-}
			cp "$KSELF/$path" "$dir/$name"
			if [ -n "$gap_backend" ]; then
				printf '%s\t%s\t./known-gap.sh %s "%s" ./%s\n' "$name" "$timeout" "$gap_backend" "$reason" "$name"
			else
				printf '%s\t%s\t./%s\n' "$name" "$timeout" "$name"
			fi >> "$dir/run-list"
		done
		grep unload-kvm "$REPO/tests/beds/$bed/run-list" >> "$dir/run-list"
	fi
}
stage tcg
stage hercules
log "staged $CACHE/stage/{tcg,hercules}"
