#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make profile`: where one benchmark of tests/bench/kvm_bench.c spends its time,
# with our module and with mainline's, in one boot of the Hercules host (1 CPU,
# as `make bench`). Each backend's turn (tests/bench/profile-round.sh) runs the
# benchmark REPS times between two console markers; meanwhile
# tools/profile-sample.py reads the emulated CPU's PSW through Hercules' HTTP
# console (its "psw" command) as fast as Hercules answers, one request at a time
# (about 15 a second); tools/profile-report.py maps the addresses onto the text symbols the
# round saved and prints, per backend, the time per operation spent in the
# backend, generic KVM, the rest of the kernel, SIE and user space, and the
# functions that take the most.
#
#   make profile [BENCH=exit_roundtrip] [REPS=40] [PORT=18081]
#
# The sampling slows the emulated CPU down (the same for both backends), and
# a function's share has a statistical error of about the square root of its
# samples: REPS=40 gives some 1000-2000 samples per backend in about 8 minutes. Results in $CACHE/profile-results/ (report.txt,
# samples.txt, the test host's logs). A profile guides work; the figures that
# count are `make bench`'s.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

BENCH=${BENCH:-exit_roundtrip}
REPS=${REPS:-40}
PORT=${PORT:-18081}
case $REPS$PORT in *[!0-9]*) die "REPS and PORT take numbers" ;; esac
case $BENCH in *[!a-z0-9_]*) die "BENCH is one benchmark name of tests/bench/kvm_bench.c" ;; esac
grep -q "{ \"$BENCH\"," "$REPO/tests/bench/kvm_bench.c" || die "no benchmark $BENCH in kvm_bench.c"

# The kernel, both modules and the staged selftests come from `make profile`'s
# prerequisites (Makefile), as for tools/bench.sh.
dir=$CACHE/stage/profile
out=$CACHE/profile-results
rm -rf "$dir" "$out"
mkdir -p "$dir" "$out/modules"
for f in load-kvm.sh unload-kvm.sh sie_first_fault_probe; do
	cp -a "$CACHE/stage/hercules/$f" "$dir/"
done
"${CROSS_COMPILE}gcc" -static -pthread -O2 -Wall -Werror -isystem "$CACHE/uapi/include" \
	-o "$dir/kvm_bench" "$REPO/tests/bench/kvm_bench.c"
cp "$REPO/tests/bench/profile-round.sh" "$dir/"
cp "$OUR_KO" "$out/modules/kvm_ours.ko"
cp "$MAINLINE_KO" "$out/modules/kvm_mainline.ko"
{
	printf '%s\t%s\t%s\t%s\n' load-kvm 120 exit ./load-kvm.sh \
		sie_first_fault_probe 120 exit ./sie_first_fault_probe \
		unload-kvm 60 exit ./unload-kvm.sh
	for backend in ours mainline; do
		printf '%s\t%s\t%s\t%s\n' "profile-$backend" $((60 + 30 * REPS)) exit \
			"./profile-round.sh kvm_$backend.ko $REPS $BENCH"
	done
} > "$dir/run-list"

password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
log "profiling $BENCH ($REPS repetitions per backend)"
KVM_S390_RESULTS=$out "$REPO/tools/run-hercules.sh" --backend profile --kvm-ko "$OUR_KO" \
	--module "$out/modules/kvm_ours.ko" --module "$out/modules/kvm_mainline.ko" \
	--tests "$dir" --mem 3072 --http "$PORT:kvms390:$password" > "$out/run.log" 2>&1 &
runner=$!
python3 "$REPO/tools/profile-sample.py" "$out/hercules-profile.console" "$out/samples.txt" \
	"$PORT" "kvms390:$password" "$runner" &
sampler=$!
status=0
wait "$runner" || status=$?
wait "$sampler" || true
[ $status -eq 0 ] || die "the profile run failed (see $out/run.log and $out/hercules-profile/)"
python3 "$REPO/tools/profile-report.py" "$out" | tee "$out/report.txt"
