#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole test suite (`make check`): host unit tests, then the kernel, our
# module and mainline's, then every test bed with both backends:
#   host      cargo test over the pure-logic files
#   tcg       QEMU TCG (no SIE): refusal to load, KUnit suites
#   hercules  Hercules (real SIE): our selftests and mainline kselftests
# Results: $RESULTS/summary.tsv (bed, backend, test, PASS/FAIL/SKIP, reason),
# printed as a table at the end.  Exit status 0 only if nothing failed.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
SUMMARY=$RESULTS/summary.tsv
: > "$SUMMARY"
status=0

# Host: one summary line per cargo test.
log "host: cargo test"
if "$REPO/tools/host-test.sh" > "$RESULTS/host.log" 2>&1; then :; else status=1; fi
sed -nE 's/^test ([^ ]+) \.\.\. (ok|FAILED|ignored)$/\1 \2/p' "$RESULTS/host.log" |
	while read -r name res; do
		case $res in
		ok) printf 'host\tours\t%s\tPASS\t\n' "$name" ;;
		ignored) printf 'host\tours\t%s\tSKIP\tignored\n' "$name" ;;
		*) printf 'host\tours\t%s\tFAIL\tsee host.log\n' "$name" ;;
		esac
	done >> "$SUMMARY"
grep -q . "$SUMMARY" || { printf 'host\tours\tcargo-test\tFAIL\tno test ran (see host.log)\n' >> "$SUMMARY"; status=1; }

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
run_bed run-hercules.sh ours "$OUR_KO" --tests "$CACHE/stage/hercules" --mem 2048
run_bed run-hercules.sh mainline "$MAINLINE_KO" --tests "$CACHE/stage/hercules" --mem 2048

"$REPO/tools/print-summary.sh" || status=1
log "summary: $SUMMARY"
exit $status
