#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kmemleak.sh clear|scan -- the kernel's memory-leak detector around a run on
# the debug kernel (tools/kconfig/debug.config).  "clear" forgets what boot
# left (run first); "scan" scans twice (kmemleak reports an object only once
# it stayed unreferenced across scans) and fails if anything is suspected,
# printing the reports with their allocation stacks.

K=/sys/kernel/debug/kmemleak
fail() {
	echo "FAIL: $*"
	exit 1
}

if [ ! -e $K ]; then
	echo "1..0 # SKIP kernel without kmemleak (CONFIG_DEBUG_KMEMLEAK)"
	exit 4
fi
case $1 in
clear)
	echo clear > $K || fail "cannot clear $K"
	echo "PASS: kmemleak cleared"
	;;
scan)
	echo scan > $K || fail "scan failed"
	sleep 2
	echo scan > $K || fail "second scan failed"
	if grep -q 'unreferenced object' $K; then
		n=$(grep -c 'unreferenced object' $K)
		cat $K
		fail "kmemleak suspects $n leaked objects (reports above)"
	fi
	echo "PASS: kmemleak found nothing"
	;;
*)
	fail "usage: $0 clear|scan"
	;;
esac
