#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-long`: the tests too slow for `make check` on this emulated host
# (tests/beds/hercules-long: the kselftests marked "long" in KSELFTESTS of
# tools/build-selftests.sh; today rseq_test, about 12 minutes per backend), on
# the Hercules host with 2 CPUs, with our kvm.ko and with mainline's.  Results
# through tests/expectations.tsv like every bed, in $CACHE/results-long/
# unless KVM_S390_RESULTS says otherwise.

set -euo pipefail
export KVM_S390_RESULTS=${KVM_S390_RESULTS:-${KVM_S390_CACHE:-$HOME/.cache/kvm_s390}/results-long}
. "$(dirname "$0")/lib.sh"

"$REPO/tools/build-kernel.sh"
"$REPO/tools/build-selftests.sh"
rm -rf "$RESULTS"
status=0
for backend in ours mainline; do
	ko=$OUR_KO
	[ "$backend" = mainline ] && ko=$MAINLINE_KO
	"$REPO/tools/run-hercules.sh" --bed hercules-long --backend "$backend" --kvm-ko "$ko" \
		--tests "$CACHE/stage/hercules-long" --mem 2048 --cpus 2 \
		--append "kvmtest.backend=$backend" || status=1
done
"$REPO/tools/print-summary.sh" || status=1
exit $status
