#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
#   known-flaky.sh BACKEND "REASON" COMMAND...
#
# Runs COMMAND.  On the named backend (kvmtest.backend= on the kernel command
# line) the test is known to fail only sometimes, for a reason under
# investigation: a failure is reported as SKIP with REASON (the log keeps the
# details), a pass as PASS.  On other backends the result is the command's own.

flaky_backend=$1
reason=$2
shift 2
backend=$(sed -n 's/.*kvmtest\.backend=\([^ ]*\).*/\1/p' /proc/cmdline)
"$@"
rc=$?
[ "$backend" = "$flaky_backend" ] || exit $rc
[ $rc -eq 0 ] && exit 0
echo "SKIP: known to fail intermittently on $backend: $reason"
exit 4
