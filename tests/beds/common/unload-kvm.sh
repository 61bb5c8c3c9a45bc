#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unloads kvm: rmmod succeeds only when nothing holds a reference, so this
# proves that the tests before it leaked no VM, vCPU or file reference.

fail() {
	echo "FAIL: $*"
	grep '^kvm ' /proc/modules
	echo "---- dmesg tail ----"
	dmesg | tail -n 40
	exit 1
}

grep -q '^kvm ' /proc/modules || fail "kvm is not loaded"
rmmod kvm || fail "rmmod kvm failed"
grep -q '^kvm ' /proc/modules && fail "kvm still in /proc/modules after rmmod"
[ -e /dev/kvm ] && fail "/dev/kvm still present after rmmod"
echo "PASS: kvm unloaded"
