#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks (`make bench`): runs tests/bench/kvm_bench.c under Hercules with our
# kvm.ko and then with mainline's, in the same way, and prints each result with
# the ratio ours/mainline (below 1: ours is faster). Not part of `make check`:
# timings are measurements, never assertions.
#
# Results: $CACHE/bench-results/bench.tsv (name, ours, mainline, unit, ratio).

set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$CACHE/stage/bench
out=$CACHE/bench-results
rm -rf "$dir" "$out"
mkdir -p "$dir" "$out"
"${CROSS_COMPILE}gcc" -static -O2 -Wall -Werror -isystem "$CACHE/uapi/include" \
	-o "$dir/kvm_bench" "$REPO/tests/bench/kvm_bench.c"
cp "$REPO/tests/beds/common/load-kvm.sh" "$REPO/tests/beds/common/unload-kvm.sh" "$dir/"
printf '%s\t%s\t%s\t%s\n' load-kvm 120 exit ./load-kvm.sh kvm_bench 900 exit ./kvm_bench \
	unload-kvm 60 exit ./unload-kvm.sh > "$dir/run-list"

for backend in ours mainline; do
	ko=$OUR_KO
	[ "$backend" = mainline ] && ko=$MAINLINE_KO
	KVM_S390_RESULTS=$out "$REPO/tools/run-hercules.sh" --backend "$backend" --kvm-ko "$ko" \
		--tests "$dir" --mem 1024 >/dev/null ||
		die "the benchmark failed on $backend (see $out/hercules-$backend/)"
	grep '^BENCH ' "$out/hercules-$backend/kvm_bench.log" > "$out/$backend.txt" ||
		die "no results from $backend"
done

join <(awk '{print $2, $3, $4}' "$out/ours.txt" | sort) \
	<(awk '{print $2, $3}' "$out/mainline.txt" | sort) |
	awk '{ printf "%s\t%s\t%s\t%s\t%.2f\n", $1, $2, $4, $3, $2 / $4 }' > "$out/bench.tsv"
printf '%-16s %12s %12s %6s %8s\n' benchmark ours mainline unit ratio
awk -F'\t' '{ printf "%-16s %12s %12s %6s %8s\n", $1, $2, $3, $4, $5 }' "$out/bench.tsv"
log "results: $out/bench.tsv (ratio = ours / mainline, lower is better)"
