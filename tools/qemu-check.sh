#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The QEMU bed (`make qemu-check`): QEMU 10 for s390x with -accel kvm inside
# the Hercules test host (3072 MiB, 2 CPUs), against our kvm.ko and against
# mainline's (with its baseline-only patches, patches/baseline-only/), each
# step of each guest a named check in the test's log (tests/beds/hercules-qemu/
# qemu-guest.sh).  Results: $RESULTS/summary.tsv, bed "hercules-qemu", through
# tests/expectations.tsv like every bed; the logs in $RESULTS/hercules-qemu-BACKEND/.
#
#   tools/qemu-check.sh [--fast] [--no-build] [ours|mainline]...
#
# --fast      only the bare-metal guest (tests/qemu/sclp_hello.S), for a quick
#             look; make check runs the whole bed (an XFAIL line of
#             tests/expectations.tsv that matches no result fails make check)
# --no-build  the kernel, both modules and the selftests are already built,
#             and the caller prints the summary (make check does both)
# Backends: both unless named.  As a script of its own its results go to
# $CACHE/results-qemu (make check's $RESULTS stay as they are) unless
# KVM_S390_RESULTS says otherwise.

set -euo pipefail
export KVM_S390_RESULTS=${KVM_S390_RESULTS:-${KVM_S390_CACHE:-$HOME/.cache/kvm_s390}/results-qemu}
. "$(dirname "$0")/lib.sh"

fast=0
build=1
backends=()
while [ $# -gt 0 ]; do
	case $1 in
	--fast) fast=1 ;;
	--no-build) build=0 ;;
	ours | mainline) backends+=("$1") ;;
	*) die "usage: ${0##*/} [--fast] [--no-build] [ours|mainline]..." ;;
	esac
	shift
done
[ ${#backends[@]} -gt 0 ] || backends=(ours mainline)

if [ "$build" = 1 ]; then
	"$REPO/tools/build-kernel.sh"
	"$REPO/tools/build-selftests.sh"
fi
"$REPO/tools/qemu-bed.sh"
stage=$CACHE/stage/hercules-qemu
[ "$fast" = 1 ] && stage=$CACHE/stage/hercules-qemu-fast

status=0
for backend in "${backends[@]}"; do
	ko=$OUR_KO
	[ "$backend" = mainline ] && ko=$MAINLINE_KO
	"$REPO/tools/run-hercules.sh" --bed hercules-qemu --backend "$backend" --kvm-ko "$ko" \
		--tests "$stage" --mem 3072 --cpus 2 --append "kvmtest.backend=$backend" || status=1
done
if [ "$build" = 1 ]; then
	"$REPO/tools/print-summary.sh" || status=1
fi
exit $status
