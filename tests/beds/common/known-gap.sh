#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
#   known-gap.sh BACKEND "REASON" COMMAND...
#
# Runs COMMAND.  On the named backend (kvmtest.backend= on the kernel command
# line) the test covers functionality that is documented as missing there
# (not implemented yet, or not workable on the test bed): a failure is reported
# as SKIP with REASON, and a success as FAIL, so the
# gap list cannot go stale.  On other backends the result is the command's own.

gap_backend=$1
reason=$2
shift 2
backend=$(sed -n 's/.*kvmtest\.backend=\([^ ]*\).*/\1/p' /proc/cmdline)
"$@"
rc=$?
[ "$backend" = "$gap_backend" ] || exit $rc
if [ $rc -eq 0 ]; then
	echo "FAIL: known gap on $backend now passes: remove it from the gap list"
	exit 1
fi
echo "SKIP: known gap on $backend: $reason"
exit 4
