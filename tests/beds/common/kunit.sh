#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs the backend's KUnit suites: loading kvm_s390_kunit.ko runs them (it needs
# no SIE, so this works on every bed) and KUnit reports TAP in the kernel log.
# Passes only if the suite reported "ok" and no case "not ok".  SKIPs where the
# module is absent (the mainline backend has no such suites).

ko=/lib/modules/kvm_s390_kunit.ko
if [ ! -e $ko ]; then
	echo "SKIP: no kvm_s390_kunit.ko for this backend"
	exit 4
fi
insmod $ko || { echo "FAIL: insmod kvm_s390_kunit.ko"; exit 1; }
log=$(dmesg | sed -n '/Subtest: kvm_s390_logic/,/[0-9] kvm_s390_logic$/p')
echo "$log"
rmmod kvm_s390_kunit
echo "$log" | grep -q "not ok" && { echo "FAIL: a KUnit case failed"; exit 1; }
echo "$log" | grep -Eq "^\[[ 0-9.]*\] ok [0-9]+ kvm_s390_logic$|^ok [0-9]+ kvm_s390_logic$" ||
	{ echo "FAIL: the suite kvm_s390_logic did not report ok"; dmesg | tail -n 40; exit 1; }
cases=$(echo "$log" | grep -c "    ok [0-9]")
echo "PASS: kvm_s390_logic, $cases cases"
