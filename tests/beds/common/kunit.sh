#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs the backend's KUnit suites: loading kvm_s390_kunit.ko runs them (it needs
# no SIE, so this works on every bed) and KUnit reports KTAP in the kernel log,
# each case nested under its suite.  This prints them again as flat TAP 13,
# one result per case named "suite.case", so that the runner records a row per
# case (run-list kind "tap"); a suite that fails without a failing case is a
# result of its own.  "1..0 # SKIP" where the module is absent (the mainline
# backend has no such suites).  Exit status 0 only if every case passed or
# skipped.

ko=/lib/modules/kvm_s390_kunit.ko
echo "TAP version 13"
if [ ! -e $ko ]; then
	echo "1..0 # SKIP no kvm_s390_kunit.ko for this backend"
	exit 4
fi
if ! insmod $ko; then
	echo "Bail out! insmod kvm_s390_kunit.ko failed"
	dmesg | tail -n 40 | sed 's/^/# /'
	exit 1
fi
# The suites ran during insmod.  Not dmesg -c: the runner reads the kernel
# log after the test for oopses and warnings.
dmesg | sed 's/^\[[ 0-9.]*\] //' > /tmp/kunit.dmesg
rmmod kvm_s390_kunit

awk '
	# A suite: "    # Subtest: name", its cases "    ok N case", its end
	# "ok N name" at the top level.  Parameterised cases nest deeper
	# (8 spaces): their parent case line carries the verdict.
	/^    # Subtest: / { suite = $0; sub(/^    # Subtest: /, "", suite); insuite = 1; suitefails = 0; next }
	insuite && /^    (not )?ok [0-9]+ / {
		line = substr($0, 5)
		ok = (line ~ /^ok /)
		sub(/^(not )?ok [0-9]+ /, "", line)
		n++
		if (!ok) { fails++; suitefails++ }
		printf "%s %d %s.%s\n", ok ? "ok" : "not ok", n, suite, line
		next
	}
	insuite && /^    # / {
		c = substr($0, 7)
		if (c !~ /^module: / && c !~ /^Totals: / && c !~ /: pass:[0-9]+ fail:[0-9]+/ && c !~ /(^|\.)speed: /)
			print "# " c
		next
	}
	insuite && /^    [^ ]/ && $0 !~ /^    (KTAP version|1\.\.)/ { print "# " substr($0, 5); next }
	insuite && /^(not )?ok [0-9]+ / {
		if ($0 ~ /^not ok/ && suitefails == 0) {
			n++
			fails++
			printf "not ok %d %s # suite failed without a failing case\n", n, suite
		}
		insuite = 0
		next
	}
	END {
		if (n == 0) {
			print "Bail out! no KUnit results in the kernel log"
			exit 1
		}
		print "1.." n
		exit fails > 0
	}' /tmp/kunit.dmesg
rc=$?
echo "# ---- kernel log of the KUnit run ----"
sed 's/^/# /' /tmp/kunit.dmesg
exit $rc
