#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Loads /lib/modules/kvm.ko and checks that /dev/kvm appears: the bed has SIE,
# so the module must come up.  On failure the kernel log tail says why.

fail() {
	echo "FAIL: $*"
	echo "---- dmesg tail ----"
	dmesg | tail -n 40
	exit 1
}

insmod /lib/modules/kvm.ko || fail "insmod /lib/modules/kvm.ko failed"
grep -q '^kvm ' /proc/modules || fail "kvm not in /proc/modules after insmod"
# devtmpfs creates the node from the misc device registration; allow it a moment.
i=0
while [ ! -c /dev/kvm ] && [ $i -lt 50 ]; do
	usleep 100000
	i=$((i + 1))
done
[ -c /dev/kvm ] || fail "/dev/kvm did not appear"
echo "PASS: kvm.ko loaded, /dev/kvm present"
