#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Prints $RESULTS/summary.tsv (bed, backend, test, status, reason) as an aligned
# table.  The last line is exactly "N passed, N failed, N skipped, N xfail": CI
# counts tests from it.  XFAIL is an expected failure listed in
# tests/expectations.tsv; it does not fail the run.  Exit status 0 only if
# nothing failed.
#
#   tools/print-summary.sh [SUMMARY.tsv]

set -euo pipefail
. "$(dirname "$0")/lib.sh"

f=${1:-$RESULTS/summary.tsv}
[ -f "$f" ] || die "no summary at $f"

awk -F'\t' '
	{ for (i = 1; i <= 4; i++) if (length($i) > w[i]) w[i] = length($i)
	  line[NR] = $0
	  # Anything but the four statuses is a failure of the tools themselves.
	  c[$4 ~ /^(PASS|FAIL|SKIP|XFAIL)$/ ? $4 : "FAIL"]++ }
	END {
		fmt = "%-" w[1] "s  %-" w[2] "s  %-" w[3] "s  %-" w[4] "s  %s\n"
		for (n = 1; n <= NR; n++) {
			split(line[n], f, "\t")
			printf fmt, f[1], f[2], f[3], f[4], f[5]
		}
		printf "%d passed, %d failed, %d skipped, %d xfail\n", c["PASS"], c["FAIL"], c["SKIP"], c["XFAIL"]
		exit c["FAIL"] > 0
	}' "$f"
