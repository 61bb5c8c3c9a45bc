#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
#   memory.sh baseline   before kvm.ko is loaded: records free memory
#   memory.sh check      after kvm.ko is unloaded: the memory must be back
#
# Everything the backend allocated for VMs, vCPUs, guest DAT tables and the
# like must be freed by the time the module is gone. Caches are dropped
# first; the test logs written meanwhile live in tmpfs (Shmem), so what is
# compared is MemFree + Shmem. Measured on Hercules with both backends after
# the guest, race, stress and create/destroy tests: within 1.5 MiB of the
# baseline. A loss of more than LIMIT_KB (3 MiB) fails.

LIMIT_KB=3072
state=/tmp/kvm-memory-baseline

snapshot() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	sleep 1
	echo 3 > /proc/sys/vm/drop_caches
	awk '/^(MemFree|Shmem):/ { s += $2 } END { print s }' /proc/meminfo
}

case $1 in
baseline)
	snapshot > $state
	echo "PASS: baseline $(cat $state) kB free (MemFree + Shmem)"
	;;
check)
	[ -r $state ] || { echo "FAIL: no baseline (memory.sh baseline did not run)"; exit 1; }
	before=$(cat $state)
	after=$(snapshot)
	lost=$((before - after))
	echo "before: $before kB, after: $after kB, lost: $lost kB (limit $LIMIT_KB kB)"
	grep -E '^(MemFree|Shmem|Slab|SUnreclaim|PageTables|KernelStack|VmallocUsed):' /proc/meminfo
	if [ $lost -gt $LIMIT_KB ]; then
		echo "FAIL: $lost kB of memory not returned after the tests and rmmod kvm"
		exit 1
	fi
	echo "PASS: memory returned (lost $lost kB)"
	;;
*)
	echo "usage: memory.sh baseline|check"
	exit 2
	;;
esac
