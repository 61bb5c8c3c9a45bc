#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-long`: what is too slow for `make check` on this emulated host,
# on the Hercules host with 2 CPUs, with our kvm.ko and with mainline's:
#   hercules-long   the kselftests marked "long" in KSELFTESTS of
#                   tools/build-selftests.sh (today rseq_test, about 12 minutes
#                   per backend);
#   hercules-kasan  the reliability selection of the debug kernel
#                   (tests/beds/hercules-debug) on the KASAN variant of it
#                   (tools/kconfig/kasan.config), which is built with clang.
# Results through tests/expectations.tsv like every bed, in
# $CACHE/results-long/ unless KVM_S390_RESULTS says otherwise.

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

log "building the KASAN kernel (clang) and both modules for it"
KVM_S390_VARIANT=kasan "$REPO/tools/build-kernel.sh"
for backend in ours mainline; do
	ko=$CACHE/build-kasan/arch/s390/kvm/kvm.ko
	[ "$backend" = mainline ] && ko=$CACHE/mainline-kasan/arch/s390/kvm-mainline/s390/kvm.ko
	KVM_S390_VARIANT=kasan "$REPO/tools/run-hercules.sh" --bed hercules-kasan \
		--backend "$backend" --kvm-ko "$ko" --append "kvmtest.backend=$backend" \
		--tests "$CACHE/stage/hercules-debug" --mem 2048 --cpus 2 || status=1
done
"$REPO/tools/print-summary.sh" || status=1
exit $status
