#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# One round of `make bench` inside the test host (tools/bench.sh):
#   bench-round.sh MODULE REPS
# loads /lib/modules/MODULE as kvm (load-kvm.sh), runs kvm_bench and
# qemu_boot.sh REPS times each, and unloads it (unload-kvm.sh), so that the
# backends take turns within one boot.

module=${1:?module}
reps=${2:?repetitions}
./load-kvm.sh "$module" || exit 1
rc=0
./kvm_bench "$reps" || rc=1
[ $rc -eq 0 ] && { ./qemu_boot.sh "$reps" || rc=1; }
./unload-kvm.sh || rc=1
exit $rc
