#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks (`make bench`): runs tests/bench/kvm_bench.c and tests/bench/qemu_boot.sh
# (QEMU boots Linux on the module) under Hercules (3072 MiB, 1 CPU) with our
# kvm.ko and with mainline's, both in each of BOOTS boots (default 2): in every
# boot ROUNDS rounds (default 4), each loading our module, running every
# benchmark REPS times (default 3), unloading it, and doing the same with
# mainline's. The backends thus take turns within a boot: a boot of Hercules
# can be 10-30 % slower than the next one as a whole, which comparing boots
# with each other would take for a difference between the backends. Not part
# of `make check`: timings are measurements, never assertions; but every loop
# checks that it measured what it claims.
#
# Printed per benchmark and backend: median, min and max over all repetitions,
# the spread ((max - min) / median) and the interquartile spread ((third
# quartile - first quartile) / median: the middle half of the values, which one
# slow phase of the emulator cannot stretch as it stretches max); then the
# ratio ours/mainline of the medians within each boot, as the range over the
# boots, and the ratio of the minima (noise on the bed only ever adds time, so
# the minima are its most stable figures). A ratio below 1 means ours is
# faster; a difference smaller than the spread is no difference.
#
# Calibrated ratios: Hercules as a whole runs slower for seconds at a time, by
# up to half, and a slow phase that falls on one backend's repetitions more
# than on the other's moves the ratio by more than the backends differ. So
# kvm_bench times a fixed piece of work that runs no KVM code (getppid()
# calls) before and after every row, and each value is also divided by that
# calibration: the range of the ratios of the calibrated medians follows (not
# for ckc_wakeup, whose value the host's timer tick bounds).
# The row "calibration" shows the emulator's speed itself; its ratio near 1.0
# says both backends met the same emulator.
#
# Results: $CACHE/bench-results/raw.tsv (backend, boot, benchmark, repetition,
# value, unit, calibration in us) and summary.tsv (benchmark, backend or
# "ratio", the figures; a ratio line holds the range and the minima, then the
# calibrated range).
#
# ROWS="name ..." runs only those rows (names of kvm_bench.c's table, and
# qemu_linux_boot): a same-boot comparison of a few rows in minutes.
#
#   make bench [BOOTS=N] [ROUNDS=N] [REPS=N] [ROWS="name ..."]

set -euo pipefail
. "$(dirname "$0")/lib.sh"

BOOTS=${BOOTS:-2}
ROUNDS=${ROUNDS:-4}
REPS=${REPS:-3}
case $BOOTS$ROUNDS$REPS in *[!0-9]*) die "BOOTS, ROUNDS and REPS take numbers" ;; esac
[ "$BOOTS" -ge 1 ] && [ "$ROUNDS" -ge 1 ] && [ "$REPS" -ge 1 ] ||
	die "BOOTS, ROUNDS and REPS must be at least 1"

# Rows, each printing one line per repetition: 21 of kvm_bench.c (its table
# entry vcpu_create prints two), and qemu_linux_boot (tests/bench/qemu_boot.sh:
# QEMU boots the QEMU bed's Linux guest).
ROWS=${ROWS:-}
NBENCH=22
if [ -n "$ROWS" ]; then
	NBENCH=0
	for row in $ROWS; do
		case $row in
		qemu_linux_boot) ;;
		*[!a-z0-9_]*) die "ROWS takes names of benchmarks" ;;
		*) grep -q "{ \"$row\"," "$REPO/tests/bench/kvm_bench.c" ||
			die "no benchmark $row in tests/bench/kvm_bench.c" ;;
		esac
		NBENCH=$((NBENCH + $([ "$row" = vcpu_create ] && echo 2 || echo 1)))
	done
fi
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
cp "$REPO/tests/bench/qemu_boot.sh" "$REPO/tests/bench/bench-round.sh" "$dir/"
# Both modules go into the test host under names of their own.
mkdir -p "$out/modules"
cp "$OUR_KO" "$out/modules/kvm_ours.ko"
cp "$MAINLINE_KO" "$out/modules/kvm_mainline.ko"
{
	# The first guest after boot takes Hercules' first-fault quirk (README).
	printf '%s\t%s\t%s\t%s\n' load-kvm 120 exit ./load-kvm.sh \
		sie_first_fault_probe 120 exit ./sie_first_fault_probe \
		unload-kvm 60 exit ./unload-kvm.sh
	for round in $(seq 1 "$ROUNDS"); do
		for backend in ours mainline; do
			printf '%s\t%s\t%s\t%s\n' "$backend-$round" $((420 * REPS)) exit \
				"./bench-round.sh kvm_$backend.ko $REPS $ROWS"
		done
	done
} > "$dir/run-list"

: > "$out/raw.tsv"
for boot in $(seq 1 "$BOOTS"); do
	res=$out/boot$boot
	log "boot $boot of $BOOTS: $ROUNDS round(s) of ours and mainline"
	KVM_S390_RESULTS=$res "$REPO/tools/run-hercules.sh" --backend bench \
		--kvm-ko "$OUR_KO" --module "$out/modules/kvm_ours.ko" \
		--module "$out/modules/kvm_mainline.ko" --tests "$dir" --mem 3072 >/dev/null ||
		die "the benchmark failed (see $res/hercules-bench/)"
	for backend in ours mainline; do
		for round in $(seq 1 "$ROUNDS"); do
			grep '^BENCH ' "$res/hercules-bench/$backend-$round.log" |
				awk -v be="$backend" -v boot="$boot" -v round="$round" -v OFS='\t' \
					'{ print be, boot, $2, round "." $3, $4, $5, $6 }' >> "$out/raw.tsv"
		done
		n=$(awk -F'\t' -v be="$backend" -v boot="$boot" '$1 == be && $2 == boot' \
			"$out/raw.tsv" | wc -l)
		[ "$n" -eq $((NBENCH * ROUNDS * REPS)) ] ||
			die "$backend, boot $boot: $n results, expected $((NBENCH * ROUNDS * REPS))"
	done
done

# Medians and spreads; the ratio of the medians within each boot.
awk -F'\t' -v OFS='\t' '
	# The values of list, sorted into a[1..n]; returns n.
	function sorted(list, a,    n, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++)	# insertion sort: a handful of values
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n
	}
	# The p-quantile of a[1..n], sorted, interpolated between neighbours.
	function quantile(a, n, p,    h, l) {
		h = 1 + (n - 1) * p
		l = int(h)
		return l >= n ? a[n] : a[l] + (h - l) * (a[l + 1] - a[l])
	}
	function median(list,    a, n) {
		n = sorted(list, a)
		return quantile(a, n, 0.5)
	}
	function iqr(list,    a, n) {
		n = sorted(list, a)
		return quantile(a, n, 0.75) - quantile(a, n, 0.25)
	}
	# One value of benchmark b and backend be in boot bt.
	function add(b, be, bt, v) {
		all[b, be] = all[b, be] " " v
		boot[b, be, bt] = boot[b, be, bt] " " v
		if (!(b in seen) && b != "calibration") { seen[b] = 1; names[++nn] = b }
		if (!((b, be) in lo) || v + 0 < lo[b, be]) lo[b, be] = v + 0
		if (!((b, be) in hi) || v + 0 > hi[b, be]) hi[b, be] = v + 0
	}
	# The range over the boots of the ratio ours/mainline of the medians of
	# list[b, backend, boot]: "lo<TAB>hi".
	function ratios(b, list,    i, r, rlo, rhi) {
		rlo = ""; rhi = ""
		for (i = 1; i <= boots; i++) {
			r = median(list[b, "ours", i]) / median(list[b, "mainline", i])
			if (rlo == "" || r < rlo) rlo = r
			if (rhi == "" || r > rhi) rhi = r
		}
		return sprintf("%.2f\t%.2f", rlo, rhi)
	}
	{
		add($3, $1, $2, $5)
		unit[$3] = $6
		if ($2 > boots) boots = $2
		# The value in units of the calibration around it (a time, not memory).
		if ($6 != "KiB" && $7 > 0) {
			cboot[$3, $1, $2] = cboot[$3, $1, $2] " " $5 / $7
			calibrated[$3] = 1
		}
		# Each row once per repetition: vcpu_create_64th shares its calibration.
		if ($3 != "vcpu_create_64th" && $7 > 0)
			add("calibration", $1, $2, $7)
	}
	END {
		unit["calibration"] = "us"
		# The calibration last, where it is in raw.tsv at all.
		if (("calibration", "ours") in lo && ("calibration", "mainline") in lo)
			names[++nn] = "calibration"
		for (k = 1; k <= nn; k++) {
			b = names[k]
			for (e = 1; e <= 2; e++) {
				be = e == 1 ? "ours" : "mainline"
				m = median(all[b, be])
				printf "%s\t%s\t%.2f\t%.2f\t%.2f\t%.1f%%\t%.1f%%\t%s\n", b, be, m,
					lo[b, be], hi[b, be], m ? (hi[b, be] - lo[b, be]) / m * 100 : 0,
					m ? iqr(all[b, be]) / m * 100 : 0, unit[b]
			}
			printf "%s\tratio\t%s\t%.2f", b, ratios(b, boot),
				lo[b, "mainline"] ? lo[b, "ours"] / lo[b, "mainline"] : 0
			# A calibrated minimum would be the value most skewed by one slow
			# calibration: only the medians.
			if (b in calibrated)
				printf "\t%s", ratios(b, cboot)
			printf "\n"
		}
	}' "$out/raw.tsv" > "$out/summary.tsv"

printf '%-16s %-9s %10s %10s %10s %8s %8s  %s\n' benchmark backend median min max spread iqr unit
awk -F'\t' '$2 != "ratio" { printf "%-16s %-9s %10s %10s %10s %8s %8s  %s\n", $1, $2, $3, $4, $5, $6, $7, $8 }
	$2 == "ratio" { printf "%-16s %-9s %s .. %s over %s boot(s); minima %s", $1, "ours/ml", $3, $4, boots, $5 }
	$2 == "ratio" && NF > 5 { printf "; calibrated %s .. %s", $6, $7 }
	$2 == "ratio" { printf "\n" }' \
	boots="$BOOTS" "$out/summary.tsv"
log "results: $out/summary.tsv, raw: $out/raw.tsv (ratio = ours / mainline, lower is better)"

# Module size (no spread: the same objects every time). Ours lacks what is out of
# scope (vSIE, protected virtualization, zPCI, AP, CMMA, ucontrol): see README.
printf '\n%-16s %-9s %10s %10s %10s\n' module backend text data bss
for backend in ours mainline; do
	ko=$OUR_KO; [ "$backend" = mainline ] && ko=$MAINLINE_KO
	size "$ko" | awk -v be="$backend" 'NR == 2 { printf "%-16s %-9s %10s %10s %10s\n", "kvm.ko", be, $1, $2, $3 }'
done | tee "$out/module-size.txt"
