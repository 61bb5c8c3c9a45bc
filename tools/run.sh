#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job (`make run`): boots the emulated s390x host under Hercules (real
# SIE), loads our kvm.ko, and runs QEMU 10 (s390x, -accel kvm) on it with this
# tree's Linux 7.3 as the guest: two vCPUs and a virtio-blk disk, whose /init
# (tests/qemu/guest-init) reports the CPUs online and the disk's checksum and
# powers off.  Shows the guest's console and the checks of each step
# (tests/beds/hercules-qemu/qemu-guest.sh linux-smp, the same run as the QEMU
# bed's qemu-linux-smp).
#
#   make run                  QEMU boots Linux on our kvm.ko
#   make run GUEST=demo       the smaller demo: a VMM of ours (tests/demo/kvm_demo.c)
#                             whose guest computes Fibonacci numbers and reports
#                             them through DIAG 0x501
#   make run BACKEND=mainline either with mainline's C kvm.ko (with its
#                             baseline-only patches, patches/baseline-only/)
#
# Before the guest, the first-fault probe (tests/selftests/sie_first_fault_probe.c)
# takes Hercules' first guest fault after boot on each CPU, which resumes the
# guest 2 bytes into its instruction (a quirk of the test bed, see README "Test beds").

set -euo pipefail
. "$(dirname "$0")/lib.sh"

backend=${BACKEND:-ours}
case $backend in
ours) ko=$OUR_KO ;;
mainline) ko=$MAINLINE_KO ;;
*) die "BACKEND must be ours or mainline" ;;
esac

dir=$CACHE/stage/run
case ${GUEST:-linux} in
linux)
	"$REPO/tools/qemu-bed.sh"
	rm -rf "$dir"
	cp -a "$CACHE/stage/hercules-qemu" "$dir"
	awk -F'\t' '$1 == "load-kvm" || $1 == "sie_first_fault_probe" ||
		$1 == "qemu-linux-smp" || $1 == "unload-kvm"' \
		"$REPO/tests/beds/hercules-qemu/run-list" > "$dir/run-list"
	mem=3072
	cpus=2
	;;
demo)
	rm -rf "$dir"
	mkdir -p "$dir"
	"${CROSS_COMPILE}gcc" -static -O2 -Wall -Werror -isystem "$CACHE/uapi/include" \
		-o "$dir/kvm_demo" "$REPO/tests/demo/kvm_demo.c"
	cp "$REPO/tests/beds/common/load-kvm.sh" "$REPO/tests/beds/common/unload-kvm.sh" "$dir/"
	cp "$CACHE/selftests/ours/sie_first_fault_probe" "$dir/"
	printf '%s\t%s\t%s\t%s\n' load-kvm 120 exit ./load-kvm.sh \
		sie_first_fault_probe 120 exit ./sie_first_fault_probe \
		kvm_demo 300 exit ./kvm_demo \
		unload-kvm 60 exit ./unload-kvm.sh > "$dir/run-list"
	mem=1024
	cpus=1
	;;
*) die "GUEST must be linux or demo" ;;
esac
export KVM_S390_RESULTS=$CACHE/run-results
exec "$REPO/tools/run-hercules.sh" --backend "$backend" --kvm-ko "$ko" --tests "$dir" \
	--mode run --mem "$mem" --cpus "$cpus"
