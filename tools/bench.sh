#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks (`make bench`): runs tests/bench/kvm_bench.c and tests/bench/qemu_boot.sh
# (QEMU boots Linux on the module) under Hercules (3072 MiB, 1 CPU) with our
# kvm.ko and with mainline's, in BOOTS boots per backend (default 2), alternated
# ours, mainline, ours, mainline, ...; each boot repeats every benchmark REPS
# times (default 5). Not part of `make check`: timings are measurements, never
# assertions; but every loop checks that it measured what it claims.
#
# Printed per benchmark and backend: median, min and max over all repetitions
# and the spread ((max - min) / median); then the ratio ours/mainline of the
# medians of each boot pair (boot i of ours against boot i of mainline), as the
# range over the pairs. A ratio below 1 means ours is faster; a difference
# smaller than the spread is no difference.
#
# Results: $CACHE/bench-results/raw.tsv (backend, boot, benchmark, repetition,
# value, unit) and summary.tsv (benchmark, backend or "ratio", the figures).
#
#   make bench [BOOTS=N] [REPS=N]

set -euo pipefail
. "$(dirname "$0")/lib.sh"

BOOTS=${BOOTS:-2}
REPS=${REPS:-5}
case $BOOTS$REPS in *[!0-9]*) die "BOOTS and REPS take numbers" ;; esac
[ "$BOOTS" -ge 1 ] && [ "$REPS" -ge 1 ] || die "BOOTS and REPS must be at least 1"

# Rows, each printing one line per repetition: 19 of kvm_bench.c, and
# qemu_linux_boot (tests/bench/qemu_boot.sh: QEMU boots the QEMU bed's Linux guest).
NBENCH=20
dir=$CACHE/stage/bench
out=$CACHE/bench-results
"$REPO/tools/qemu-bed.sh"
rm -rf "$dir" "$out"
mkdir -p "$out"
# The QEMU bed's stage (QEMU, its libraries, the guests, the first-fault probe),
# with the benchmark programs beside.
cp -a "$CACHE/stage/hercules-qemu" "$dir"
"${CROSS_COMPILE}gcc" -static -pthread -O2 -Wall -Werror -isystem "$CACHE/uapi/include" \
	-o "$dir/kvm_bench" "$REPO/tests/bench/kvm_bench.c"
cp "$REPO/tests/bench/qemu_boot.sh" "$dir/"
printf '%s\t%s\t%s\t%s\n' load-kvm 120 exit ./load-kvm.sh \
	sie_first_fault_probe 120 exit ./sie_first_fault_probe \
	kvm_bench $((300 * REPS)) exit "./kvm_bench $REPS" \
	qemu_boot $((120 * REPS)) exit "./qemu_boot.sh $REPS" \
	unload-kvm 60 exit ./unload-kvm.sh > "$dir/run-list"

: > "$out/raw.tsv"
for boot in $(seq 1 "$BOOTS"); do
	for backend in ours mainline; do
		ko=$OUR_KO
		[ "$backend" = mainline ] && ko=$MAINLINE_KO
		res=$out/boot$boot
		log "boot $boot of $BOOTS: $backend"
		KVM_S390_RESULTS=$res "$REPO/tools/run-hercules.sh" --backend "$backend" \
			--kvm-ko "$ko" --tests "$dir" --mem 3072 >/dev/null ||
			die "the benchmark failed on $backend (see $res/hercules-$backend/)"
		cat "$res/hercules-$backend/kvm_bench.log" "$res/hercules-$backend/qemu_boot.log" |
			grep '^BENCH ' |
			awk -v be="$backend" -v boot="$boot" -v OFS='\t' \
				'{ print be, boot, $2, $3, $4, $5 }' >> "$out/raw.tsv"
		n=$(awk -F'\t' -v be="$backend" -v boot="$boot" '$1 == be && $2 == boot' \
			"$out/raw.tsv" | wc -l)
		[ "$n" -eq $((NBENCH * REPS)) ] ||
			die "$backend, boot $boot: $n results, expected $((NBENCH * REPS))"
	done
done

# Medians and spreads; the ratio of medians per boot pair.
awk -F'\t' -v OFS='\t' '
	function median(list,    n, a, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++)	# insertion sort: a handful of values
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{
		all[$3, $1] = all[$3, $1] " " $5
		boot[$3, $1, $2] = boot[$3, $1, $2] " " $5
		unit[$3] = $6
		if (!($3 in seen)) { seen[$3] = 1; names[++nn] = $3 }
		if ($2 > boots) boots = $2
		if (!(($3, $1) in lo) || $5 + 0 < lo[$3, $1]) lo[$3, $1] = $5 + 0
		if (!(($3, $1) in hi) || $5 + 0 > hi[$3, $1]) hi[$3, $1] = $5 + 0
	}
	END {
		for (k = 1; k <= nn; k++) {
			b = names[k]
			for (e = 1; e <= 2; e++) {
				be = e == 1 ? "ours" : "mainline"
				m = median(all[b, be])
				printf "%s\t%s\t%.2f\t%.2f\t%.2f\t%.1f%%\t%s\n", b, be, m, lo[b, be],
					hi[b, be], m ? (hi[b, be] - lo[b, be]) / m * 100 : 0, unit[b]
			}
			rlo = ""; rhi = ""
			for (i = 1; i <= boots; i++) {
				r = median(boot[b, "ours", i]) / median(boot[b, "mainline", i])
				if (rlo == "" || r < rlo) rlo = r
				if (rhi == "" || r > rhi) rhi = r
			}
			printf "%s\tratio\t%.2f\t%.2f\n", b, rlo, rhi
		}
	}' "$out/raw.tsv" > "$out/summary.tsv"

printf '%-16s %-9s %10s %10s %10s %8s  %s\n' benchmark backend median min max spread unit
awk -F'\t' '$2 != "ratio" { printf "%-16s %-9s %10s %10s %10s %8s  %s\n", $1, $2, $3, $4, $5, $6, $7 }
	$2 == "ratio" { printf "%-16s %-9s %s .. %s over %s boot pair(s)\n", $1, "ours/ml", $3, $4, boots }' \
	boots="$BOOTS" "$out/summary.tsv"
log "results: $out/summary.tsv, raw: $out/raw.tsv (ratio = ours / mainline, lower is better)"

# Module size (no spread: the same objects every time). Ours lacks what is out of
# scope (vSIE, protected virtualization, zPCI, AP, CMMA, ucontrol): see README.
printf '\n%-16s %-9s %10s %10s %10s\n' module backend text data bss
for backend in ours mainline; do
	ko=$OUR_KO; [ "$backend" = mainline ] && ko=$MAINLINE_KO
	size "$ko" | awk -v be="$backend" 'NR == 2 { printf "%-16s %-9s %10s %10s %10s\n", "kvm.ko", be, $1, $2, $3 }'
done | tee "$out/module-size.txt"
