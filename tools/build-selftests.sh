#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Cross-builds, static for s390x, our selftests (tests/selftests) and the mainline KVM
# kselftests of the same tree, and stages what each test bed runs:
#   $CACHE/stage/hercules/  bed scripts, binaries and run-list for the Hercules bed
#   $CACHE/stage/tcg/       the same for QEMU TCG
#   $CACHE/stage/hercules-debug/  the reliability selection for the debug kernel
# A run list is `name<TAB>timeout<TAB>tap|exit<TAB>command`, run in order inside
# the test host (see tests/initramfs/init).

set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Mainline kselftests run on every backend, as "path timeout [long] [-- args]":
# path under tools/testing/selftests/kvm, timeout in seconds for the whole
# binary; "long" puts a test that takes many minutes on this emulated host into
# the long bed (tests/beds/hercules-long, make check-long) instead of the
# Hercules bed; args after "--" go to the binary.  Which
# of their subtests a backend is expected to skip or fail, and why, is in
# tests/expectations.tsv, not here.
KSELFTESTS=(
	"kvm_create_max_vcpus 600"
	"set_memory_region_test 600"
	"kvm_binary_stats_test 300"
	"s390/irq_routing 120"
	"s390/sync_regs_test 300"
	"guest_print_test 300"
	"kvm_page_table_test 600"
	"memslot_modification_stress_test 600"
	"demand_paging_test 600"
	"pre_fault_memory_test 300"
	# 16 harvests per log mode instead of 32: with every page dirty in each
	# interval, the 32 took 5 of make check's minutes on ours.
	"dirty_log_test 900 -- -i 16"
	"s390/resets 300"
	"s390/tprot 300"
	"s390/user_operexec 300"
	"s390/cpumodel_subfuncs_test 300"
	"s390/memop 600"
	"irqfd_test 300"
	"vm_types_test 60"
	"s390/keyop 60"
	"s390/shared_zeropage_test 300"
	"s390/debug_test 120"
	"s390/cmma_test 60"
	"s390/ucontrol_test 60"
	"rseq_test 1500 long"
)

# The run-list kind of a test from its source: "tap" if it reports through the
# kselftest harness or ksft_* (one result per subtest, tests/initramfs/tap.awk),
# else "exit" (one result from its exit status).
kind_of() { # source.c
	[ -f "$1" ] || die "no source $1 to tell the output kind of its test from"
	if grep -q 'TEST_HARNESS_MAIN\|ksft_set_plan\|ksft_print_header' "$1"; then
		echo tap
	else
		echo exit
	fi
}

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

# A fresh stage directory for BED with the common and the bed's own scripts, and
# the head of its run list: the bed's entries before unload-kvm (the rest, from
# unload-kvm on, goes at the end: stage_tail).
stage_head() { # bed dir
	local bed=$1 dir=$2 f
	rm -rf "$dir"
	mkdir -p "$dir"
	for f in "$REPO"/tests/beds/common/*.sh "$REPO"/tests/beds/"$bed"/*.sh; do
		[ -e "$f" ] && cp "$f" "$dir"/
	done
	awk -F'\t' '/^#/ { next } $1 == "unload-kvm" { exit } { print }' \
		"$REPO/tests/beds/$bed/run-list" > "$dir/run-list"
}

stage_tail() { # bed dir
	awk -F'\t' '/^#/ { next } $1 == "unload-kvm" { tail = 1 } tail { print }' \
		"$REPO/tests/beds/$1/run-list" >> "$2/run-list"
}

stage() { # bed
	local bed=$1 dir=$CACHE/stage/$1
	stage_head "$bed" "$dir"
	if [ "$bed" = hercules ]; then
		# Our selftests, in the order of their run list.
		local name timeout cmd kind
		while IFS=$'\t' read -r name timeout cmd; do
			case $name in '#'* | '') continue ;; esac
			cp "$OURS/$name" "$dir/$name"
			kind=$(kind_of "$REPO/tests/selftests/$name.c")
			printf '%s\t%s\t%s\t./%s\n' "$name" "$timeout" "$kind" "$name" >> "$dir/run-list"
		done < "$OURS/run-list"
		stage_kselftests "$dir" ""
	fi
	stage_tail "$bed" "$dir"
}

# Adds the KSELFTESTS entries whose third field is WHERE ("" or "long") to the
# stage directory DIR: the binary and its run-list line.
stage_kselftests() { # dir where
	local dir=$1 want=$2 t path timeout where args name kind
	for t in "${KSELFTESTS[@]}"; do
		read -r path timeout where _ <<< "$t"
		args=
		case $t in *" -- "*) args=" ${t#* -- }" ;; esac
		[ "$where" = -- ] && where=
		[ "${where:-}" = "$want" ] || continue
		name=kselftest-${path//\//-}
		cp "$KSELF/$path" "$dir/$name"
		kind=$(kind_of "$KSRC/tools/testing/selftests/kvm/$path.c")
		printf '%s\t%s\t%s\t./%s%s\n' "$name" "$timeout" "$kind" "$name" "$args" >> "$dir/run-list"
	done
}

# The long bed: the kselftests marked "long", between its run list's first and
# last entries, with the first-fault probe.
stage_long() {
	local dir=$CACHE/stage/hercules-long
	stage_head hercules-long "$dir"
	cp "$OURS/sie_first_fault_probe" "$dir/"
	stage_kselftests "$dir" long
	stage_tail hercules-long "$dir"
}

# A bed that runs a selection of the Hercules bed's tests (tests/beds/BED/select,
# one run-list name per line) between its own first and last entries.
stage_selection() { # bed
	local bed=$1 dir=$CACHE/stage/$1 from=$CACHE/stage/hercules
	stage_head "$bed" "$dir"
	local name
	while read -r name; do
		case $name in '#'* | '') continue ;; esac
		awk -F'\t' -v n="$name" '$1 == n { print; found = 1 } END { exit !found }' \
			"$from/run-list" >> "$dir/run-list" ||
			die "tests/beds/$bed/select names $name, which the Hercules bed does not run"
		cp "$from/$name" "$dir/$name"
	done < "$REPO/tests/beds/$bed/select"
	stage_tail "$bed" "$dir"
}
stage tcg
stage hercules
stage_selection hercules-debug
stage_long
log "staged $CACHE/stage/{tcg,hercules,hercules-debug,hercules-long}"
