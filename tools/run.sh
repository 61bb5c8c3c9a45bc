#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job (`make run`): boots the emulated s390x host under Hercules (real
# SIE), loads our kvm.ko and runs the demo VMM (tests/demo/kvm_demo.c), showing
# its output.  `make run BACKEND=mainline` does the same with mainline's C kvm.ko.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

backend=${BACKEND:-ours}
case $backend in
ours) ko=$OUR_KO ;;
mainline) ko=$MAINLINE_KO ;;
*) die "BACKEND must be ours or mainline" ;;
esac

dir=$CACHE/stage/run
rm -rf "$dir"
mkdir -p "$dir"
"${CROSS_COMPILE}gcc" -static -O2 -Wall -Werror -isystem "$CACHE/uapi/include" \
	-o "$dir/kvm_demo" "$REPO/tests/demo/kvm_demo.c"
cp "$REPO/tests/beds/common/load-kvm.sh" "$REPO/tests/beds/common/unload-kvm.sh" "$dir/"
printf 'load-kvm\t120\t./load-kvm.sh\nkvm_demo\t300\t./kvm_demo\nunload-kvm\t60\t./unload-kvm.sh\n' > "$dir/run-list"
export KVM_S390_RESULTS=$CACHE/run-results
exec "$REPO/tools/run-hercules.sh" --backend "$backend" --kvm-ko "$ko" --tests "$dir" --mode run
