#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole test suite (`make check`): host unit tests, then the kernel, our
# module and mainline's, then every test bed with both backends:
#   host      cargo test over the pure-logic files
#   tcg       QEMU TCG (no SIE): refusal to load, KUnit suites
#   hercules  Hercules (real SIE): our selftests and mainline kselftests
#   hercules-debug  Hercules on the debug kernel: the reliability selection
#   hercules-qemu   QEMU (-accel kvm) inside the Hercules host: the bare-metal
#                   guest and Linux (the same as make qemu-check)
# Results: $RESULTS/summary.tsv (bed, backend, test, PASS/FAIL/SKIP/XFAIL,
# reason), one line per test or subtest ("binary:subtest"), after
# tests/expectations.tsv decided which SKIPs and failures are expected; printed
# as a table at the end.  Exit status 0 only if nothing failed.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
SUMMARY=$RESULTS/summary.tsv
: > "$SUMMARY"
status=0
# Line numbers of the expectations that matched a result (see the end).
export EXPECT_USED=$RESULTS/expectations.used
: > "$EXPECT_USED"

# Host: one result per cargo test, "file:test" (tests/host/tests/file.rs;
# "lib" for unit tests in lib.rs).  cargo test runs with --no-fail-fast, so a
# failure in one file does not hide the others.
log "host: cargo test"
host_rc=0
"$REPO/tools/host-test.sh" > "$RESULTS/host.log" 2>&1 || host_rc=$?
awk -v rc="$host_rc" '
	/^ *Running unittests / { bin = "lib"; next }
	/^ *Running tests\// { bin = $2; sub(/^tests\//, "", bin); sub(/\.rs$/, "", bin); next }
	/^ *Doc-tests / { bin = "doc"; next }
	/^test .* \.\.\. / {
		line = $0
		sub(/^test /, "", line)
		i = index(line, " ... ")
		name = substr(line, 1, i - 1)
		res = substr(line, i + 5)
		gsub(/[ \t]+/, "_", name)
		if (bin != "") name = bin ":" name
		if (res == "ok") print name "\tPASS\t"
		else if (res ~ /^ignored/) { sub(/^ignored,? ?/, "", res); print name "\tSKIP\tignored" (res != "" ? ": " res : "") }
		else { print name "\tFAIL\tsee host.log"; failed = 1 }
		n++
	}
	END {
		if (n == 0) print "cargo-test\tFAIL\tno test ran (see host.log)"
		else if (rc != 0 && !failed) print "cargo-test\tFAIL\tcargo test exited " rc " (see host.log)"
	}' "$RESULTS/host.log" > "$RESULTS/host.raw"
awk -v bed=host -v backend=ours -v used="$EXPECT_USED" -f "$REPO/tools/expectations.awk" \
	"$EXPECTATIONS" "$RESULTS/host.raw" >> "$SUMMARY" || die "cannot apply $EXPECTATIONS"
if grep -q "$(printf '\tFAIL\t')" "$SUMMARY"; then status=1; fi

log "building kernel, modules and selftests"
"$REPO/tools/build-kernel.sh"
"$REPO/tools/build-selftests.sh"

run_bed() { # runner backend kvm.ko [extra args]
	local runner=$1 backend=$2 ko=$3
	shift 3
	if ! "$REPO/tools/$runner" --backend "$backend" --kvm-ko "$ko" \
		--append "kvmtest.backend=$backend" "$@"; then
		status=1
	fi
}
run_bed run-tcg.sh ours "$OUR_KO" --module "$KUNIT_KO" --tests "$CACHE/stage/tcg"
run_bed run-tcg.sh mainline "$MAINLINE_KO" --tests "$CACHE/stage/tcg"
# Two emulated CPUs: the race and stress tests (kvm_races, kvm_dirty_log_stress,
# memslot_modification_stress_test, ...) need vCPUs and host threads that really
# run at the same time; on one CPU they only interleave at preemption points.
run_bed run-hercules.sh ours "$OUR_KO" --tests "$CACHE/stage/hercules" --mem 2048 --cpus 2
run_bed run-hercules.sh mainline "$MAINLINE_KO" --tests "$CACHE/stage/hercules" --mem 2048 --cpus 2

# QEMU 10 with -accel kvm inside the Hercules host, both guests (under a minute
# per backend; README "QEMU bed").
KVM_S390_RESULTS=$RESULTS "$REPO/tools/qemu-check.sh" --no-build ours mainline || status=1

# The debug kernel (tools/kconfig/debug.config: lockdep, atomic-sleep, list, slab,
# object and hung-task checks, kmemleak): the reliability selection
# (tests/beds/hercules-debug/select) with both backends' modules built for it.
log "building the debug kernel and both modules for it"
KVM_S390_VARIANT=debug "$REPO/tools/build-kernel.sh"
run_debug_bed() { # backend kvm.ko
	if ! KVM_S390_VARIANT=debug "$REPO/tools/run-hercules.sh" --bed hercules-debug \
		--backend "$1" --kvm-ko "$2" --append "kvmtest.backend=$1" \
		--tests "$CACHE/stage/hercules-debug" --mem 2048 --cpus 2; then
		status=1
	fi
}
run_debug_bed ours "$CACHE/build-debug/arch/s390/kvm/kvm.ko"
run_debug_bed mainline "$CACHE/mainline-debug/arch/s390/kvm-mainline/s390/kvm.ko"

# An expectation that matched no result of this run is stale: the test was
# renamed or removed, or (an XFAIL of a binary's crash row) it passes now.  A
# stale XFAIL fails like an unexpected pass; a stale SKIP or FLAKY is reported.
awk -F'\t' -v OFS='\t' 'FILENAME == ARGV[1] { used[$1] = 1; next }
	/^[ \t]*(#|$)/ || (FNR in used) { next }
	$4 == "XFAIL" { print "expectations", "*", "tests/expectations.tsv:" FNR, "FAIL",
		"XFAIL entry " $1 "/" $2 "/" $3 " matched no result: it passes now or was renamed; remove or fix it"; next }
	{ printf "warning: tests/expectations.tsv:%d matches no result of this run: %s\n", FNR, $0 > "/dev/stderr" }' \
	"$EXPECT_USED" "$EXPECTATIONS" >> "$SUMMARY"

"$REPO/tools/print-summary.sh" || status=1
log "summary: $SUMMARY"
exit $status
