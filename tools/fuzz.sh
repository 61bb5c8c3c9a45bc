#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make fuzz`: the long run of the fuzzers on the debug kernel, both backends.
#
#   tools/fuzz.sh [DURATION_SECONDS] [BACKEND...]
#
# DURATION (default 600) is the time each fuzzer test runs: kvm_ioctl_fuzz's
# two tests (one thread, three threads) and kvm_run_fuzz's two (one vCPU, four
# vCPUs), between a kmemleak clear and scan, on the debug kernel
# (tools/kconfig/debug.config) under Hercules, with our kvm.ko and mainline's
# (default: both).  Every kernel report of the checkers fails the test that was
# running.  Results, with the seeds, call counts per ioctl and errno
# distributions the fuzzers print: $CACHE/results-fuzz/hercules-fuzz-BACKEND/,
# summary in $CACHE/results-fuzz/summary.tsv.

set -euo pipefail
# The variant first: lib.sh derives the kernel and module paths from it.
export KVM_S390_VARIANT=debug
. "$(dirname "$0")/lib.sh"

DURATION=${1:-600}
shift || true
BACKENDS=("$@")
[ ${#BACKENDS[@]} -gt 0 ] || BACKENDS=(ours mainline)
case $DURATION in '' | *[!0-9]*) die "DURATION must be a number of seconds" ;; esac

# Results of their own: a `make check` keeps its summary.
RESULTS=$CACHE/results-fuzz
export KVM_S390_RESULTS=$RESULTS
rm -rf "$RESULTS"
"$REPO/tools/build-kernel.sh"
"$REPO/tools/build-selftests.sh"

dir=$CACHE/stage/fuzz
rm -rf "$dir"
cp -a "$CACHE/stage/hercules-debug" "$dir"
# Each binary's timeout: its two tests, plus room for the health checks.
tmo=$((2 * DURATION + 600))
{
	awk -F'\t' '/^#/ { next } $1 == "unload-kvm" { exit } { print }' "$REPO/tests/beds/hercules-debug/run-list"
	grep -P '^sie_first_fault_probe\t' "$CACHE/stage/hercules/run-list"
	printf 'kvm_ioctl_fuzz\t%s\ttap\tKVM_FUZZ_SECONDS=%s ./kvm_ioctl_fuzz\n' "$tmo" "$DURATION"
	printf 'kvm_run_fuzz\t%s\ttap\tKVM_FUZZ_SECONDS=%s ./kvm_run_fuzz\n' "$tmo" "$DURATION"
	awk -F'\t' '/^#/ { next } $1 == "unload-kvm" { tail = 1 } tail { print }' "$REPO/tests/beds/hercules-debug/run-list"
} > "$dir/run-list"

status=0
for backend in "${BACKENDS[@]}"; do
	case $backend in
	ours) ko=$OUR_KO ;;
	mainline) ko=$MAINLINE_KO ;;
	*) die "backend must be ours or mainline, not $backend" ;;
	esac
	"$REPO/tools/run-hercules.sh" --bed hercules-fuzz --backend "$backend" --kvm-ko "$ko" \
		--append "kvmtest.backend=$backend" --tests "$dir" --mem 2048 --cpus 2 || status=1
	for t in kvm_ioctl_fuzz kvm_run_fuzz; do
		log "hercules-fuzz/$backend $t:"
		grep -E '^# (seed|[0-9]+ calls|sys ioctls|vm ioctls|vcpu ioctls|dev ioctls|FINDING|mainline)|seed 0x|rounds run|^(not )?ok ' \
			"$RESULTS/hercules-fuzz-$backend/$t.log" 2>/dev/null | sed 's/^/    /' >&2 || true
	done
done
"$REPO/tools/print-summary.sh" || status=1
exit $status
