#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark row qemu_linux_boot (make bench): QEMU 10 (-accel kvm) boots the
# QEMU bed's Linux guest (one vCPU, the virtio-blk disk) to its poweroff, REPS
# times; each time is QEMU's life, from its start to its exit, as
# qemu-guest.sh measures it (/proc/uptime, 10 ms), followed by the emulator's
# speed around it (kvm_bench calibrate, before and after, as kvm_bench.c does
# for its rows).  A run whose checks do not all pass measured something else:
# the benchmark then fails.
#
#   ./qemu_boot.sh REPS

reps=${1:?repetitions}
i=1
while [ "$i" -le "$reps" ]; do
	before=$(./kvm_bench calibrate) || exit 1
	./qemu-guest.sh linux > /tmp/qemu-boot-bench.log 2>&1 || {
		echo "qemu_linux_boot: repetition $i failed:"
		cat /tmp/qemu-boot-bench.log
		exit 1
	}
	after=$(./kvm_bench calibrate) || exit 1
	# "qemu exit status 0 after T0 -> T1 s of uptime"
	sed -n 's/^qemu exit status 0 after \([0-9.]*\) -> \([0-9.]*\) s of uptime$/\1 \2/p' \
		/tmp/qemu-boot-bench.log | {
		read -r t0 t1 || exit 1
		awk -v a="$t0" -v b="$t1" -v i="$i" -v c0="$before" -v c1="$after" \
			'BEGIN { printf "BENCH qemu_linux_boot %d %.0f ms %.3f\n", i,
				(b - a) * 1000, (c0 + c1) / 2 }'
	} || { echo "qemu_linux_boot: no time in the log"; exit 1; }
	i=$((i + 1))
done
