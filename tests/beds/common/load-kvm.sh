#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Loads /lib/modules/kvm.ko (or /lib/modules/$1: the benchmark's rounds name
# each backend's module) and checks that /dev/kvm appears: the bed has SIE, so
# the module must come up.  On failure the kernel log tail says why.

fail() {
	echo "FAIL: $*"
	echo "---- dmesg tail ----"
	dmesg | tail -n 40
	exit 1
}

module=/lib/modules/${1:-kvm.ko}
insmod "$module" || fail "insmod $module failed"
grep -q '^kvm ' /proc/modules || fail "kvm not in /proc/modules after insmod"
# devtmpfs creates the node from the misc device registration; allow it a moment.
i=0
while [ ! -c /dev/kvm ] && [ $i -lt 50 ]; do
	usleep 100000
	i=$((i + 1))
done
[ -c /dev/kvm ] || fail "/dev/kvm did not appear"
echo "PASS: ${module##*/} loaded, /dev/kvm present"
