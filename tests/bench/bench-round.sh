#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# One round of `make bench` inside the test host (tools/bench.sh):
#   bench-round.sh MODULE REPS [ROW...]
# loads /lib/modules/MODULE as kvm (load-kvm.sh), runs kvm_bench and
# qemu_boot.sh REPS times each (only the ROWs named, if any), and unloads it
# (unload-kvm.sh), so that the backends take turns within one boot.

module=${1:?module}
reps=${2:?repetitions}
shift 2
kvm_rows=
qemu=${1:+no}
for row in "$@"; do
	if [ "$row" = qemu_linux_boot ]; then qemu=yes; else kvm_rows="$kvm_rows $row"; fi
done
./load-kvm.sh "$module" || exit 1
rc=0
# Without ROWs, or with some of kvm_bench's.
if [ $# -eq 0 ] || [ -n "$kvm_rows" ]; then
	# shellcheck disable=SC2086 # one word per row name
	./kvm_bench "$reps" $kvm_rows || rc=1
fi
[ $rc -eq 0 ] && [ "${qemu:-yes}" = yes ] && { ./qemu_boot.sh "$reps" || rc=1; }
./unload-kvm.sh || rc=1
exit $rc
