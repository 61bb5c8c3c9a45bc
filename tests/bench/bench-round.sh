#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# One round of `make bench` inside the test host (tools/bench.sh):
#   bench-round.sh MODULE REPS
# loads /lib/modules/MODULE as kvm, runs kvm_bench and qemu_boot.sh REPS times
# each, and unloads it, so that the backends take turns within one boot.

fail() {
	echo "FAIL: $*"
	dmesg | tail -n 20
	exit 1
}

module=${1:?module}
reps=${2:?repetitions}
insmod "/lib/modules/$module" || fail "insmod $module failed"
i=0
while [ ! -c /dev/kvm ] && [ $i -lt 50 ]; do
	usleep 100000
	i=$((i + 1))
done
[ -c /dev/kvm ] || fail "/dev/kvm did not appear"
rc=0
./kvm_bench "$reps" || rc=1
[ $rc -eq 0 ] && { ./qemu_boot.sh "$reps" || rc=1; }
rmmod kvm || fail "rmmod kvm failed"
exit $rc
