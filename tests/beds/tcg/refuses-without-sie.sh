#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# QEMU TCG has no SIE: kvm.ko must refuse to load with ENODEV (busybox insmod
# prints "No such device"), say "SIE is not available" in the kernel log, as
# mainline does, and leave no /dev/kvm behind.

fail() {
	echo "FAIL: $*"
	echo "---- dmesg tail ----"
	dmesg | tail -n 40
	exit 1
}

out=$(insmod /lib/modules/kvm.ko 2>&1)
rc=$?
echo "insmod: exit $rc: $out"
if [ $rc -eq 0 ]; then
	rmmod kvm
	fail "kvm.ko loaded on a machine without SIE"
fi
case $out in
*"No such device"*) ;;
*) fail "insmod failed, but not with ENODEV" ;;
esac
dmesg | grep -q "SIE is not available" || fail "no 'SIE is not available' in the kernel log"
[ -e /dev/kvm ] && fail "/dev/kvm exists"
grep -q '^kvm ' /proc/modules && fail "kvm is in /proc/modules"
echo "PASS: kvm.ko refused to load without SIE"
