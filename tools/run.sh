#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job (`make run`): boots the emulated s390x host under Hercules (real
# SIE), loads our kvm.ko and runs the demo VMM (tests/demo/kvm_demo.c), whose
# guest computes and reports through DIAG 0x501; shows its output.
# `make run BACKEND=mainline` does the same with mainline's C kvm.ko.
#
# Before the demo, the first-fault probe (tests/selftests/sie_first_fault_probe.c)
# takes Hercules' first guest fault after boot on each CPU, which resumes the
# guest 2 bytes into its instruction (a quirk of the test bed, see README "Test beds").

set -euo pipefail
. "$(dirname "$0")/lib.sh"

backend=${BACKEND:-ours}
case $backend in
ours) ko=$OUR_KO ;;
mainline) ko=$MAINLINE_KO ;;
*) die "BACKEND must be ours or mainline" ;;
esac

dir=$CACHE/stage/run
rm -rf "$dir"
mkdir -p "$dir"
"${CROSS_COMPILE}gcc" -static -O2 -Wall -Werror -isystem "$CACHE/uapi/include" \
	-o "$dir/kvm_demo" "$REPO/tests/demo/kvm_demo.c"
cp "$REPO/tests/beds/common/load-kvm.sh" "$REPO/tests/beds/common/unload-kvm.sh" "$dir/"
cp "$CACHE/selftests/ours/sie_first_fault_probe" "$dir/"
printf '%s\t%s\t%s\t%s\n' load-kvm 120 exit ./load-kvm.sh \
	sie_first_fault_probe 120 exit ./sie_first_fault_probe \
	kvm_demo 300 exit ./kvm_demo \
	unload-kvm 60 exit ./unload-kvm.sh > "$dir/run-list"
export KVM_S390_RESULTS=$CACHE/run-results
exec "$REPO/tools/run-hercules.sh" --backend "$backend" --kvm-ko "$ko" --tests "$dir" --mode run
