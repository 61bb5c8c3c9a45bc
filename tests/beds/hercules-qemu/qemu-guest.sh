#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs QEMU (s390x, -accel kvm) on the loaded kvm.ko with one of the bed's
# guests and checks, step by step, what the guest wrote on its SCLP console;
# never QEMU's exit status alone (a guest that ran nothing can still end with
# status 0).  Each step prints "check STEP: PASS|FAIL"; the test fails if one
# fails.  On a failure QEMU runs again under strace (-f -e trace=ioctl) and
# the tail of its ioctls is printed: the last ones show what QEMU needed from
# the backend.
#
#   ./qemu-guest.sh bare          tests/qemu/sclp_hello.S: SCLP console and
#                                 the service-signal interrupt, on a named CPU
#                                 model (-cpu z900)
#   ./qemu-guest.sh linux         Linux 7.3 (this bed's own kernel) with a
#                                 busybox initramfs (tests/qemu/guest-init)
#                                 that reads a virtio-blk disk and powers off
#   ./qemu-guest.sh linux-smp     the same with two vCPUs (-smp 2) and the host
#                                 CPU model (-cpu host: the CPU-model attributes)
#   ./qemu-guest.sh linux-reboot  the guest reboots once (re-IPL through DIAG
#                                 0x308, QEMU without -no-reboot), then powers off
#
# QEMU and strace run through their own dynamic loader and libraries
# (qemu/lib, from Debian's s390x packages, tools/qemu-bed.sh).  With
# QEMU_STRACE=1 the first run is already under strace, and the count of each
# ioctl QEMU made is printed whatever the result (a profile of what it uses).

Q=/tests/qemu
G=/tests/guest
SECS=${QEMU_TIMEOUT:-120}
what=${1:?bare, linux, linux-smp or linux-reboot}
con=/tmp/qemu-$what.console
err=/tmp/qemu-$what.stderr

run_qemu() { # console-file [strace-log]
	pre=
	if [ -n "${2:-}" ]; then
		pre="$Q/lib/ld64.so.1 --library-path $Q/lib $Q/bin/strace -f -e trace=ioctl -o $2"
	fi
	linux="-kernel $G/bzImage -initrd $G/initrd"
	data="-drive if=none,id=data,file=$G/disk.img,format=raw,readonly=on
		-device virtio-blk-ccw,drive=data,serial=data"
	case $what in
	bare) guest="-no-reboot -smp 1 -cpu z900 -kernel $G/sclp_hello.elf" ;;
	linux) guest="-no-reboot -smp 1 $linux $data" ;;
	linux-smp) guest="-no-reboot -smp 2 -cpu host $linux $data" ;;
	linux-reboot)
		# A fresh scratch disk: the guest's mark on it tells the second boot.
		dd if=/dev/zero of=/tmp/qemu-scratch.img bs=1024 count=1024 2> /dev/null
		guest="-smp 1 $linux -drive if=none,id=scratch,file=/tmp/qemu-scratch.img,format=raw
			-device virtio-blk-ccw,drive=scratch,serial=scratch"
		;;
	esac
	out=$1
	rm -f "$out"
	case $what in
	bare) set -- ;;
	*) set -- -append "console=ttysclp0 rdinit=/init panic=-1" ;;
	esac
	# shellcheck disable=SC2086
	timeout "$SECS" $pre $Q/lib/ld64.so.1 --library-path $Q/lib $Q/bin/qemu-system-s390x \
		-accel kvm -nodefaults -display none -machine s390-ccw-virtio -m 256 \
		-L $Q/share -chardev file,id=con0,path="$out" -device sclpconsole,chardev=con0 \
		$guest "$@"
}

fails=0
check() { # step description command...
	step=$1
	shift
	if "$@"; then
		echo "check $step: PASS"
	else
		echo "check $step: FAIL"
		fails=$((fails + 1))
	fi
}
# The console as lines without carriage returns.
lines() { tr -d '\r' < "$con" 2> /dev/null; }
seen() { lines | grep -q "$1"; }
not_seen() { [ -e "$con" ] && ! lines | grep -q "$1"; }
# QEMU ended by itself with status 0, not by the timeout, after the guest's
# last line (a guest that crashes also ends QEMU with status 0).
ended() { [ "$rc" -eq 0 ] && seen "$1"; }
# QEMU's KVM set-up went through: it refuses a backend that lacks a
# capability, a device or a VM attribute it needs with one of these.
accel() { ! grep -q 'failed to initialize kvm\|missing capability\|Creating the KVM device failed\|KVM.*not supported' "$err"; }

[ -c /dev/kvm ] || { echo "no /dev/kvm"; exit 1; }
echo "---- qemu-system-s390x -accel kvm, guest: $what ----"
t0=$(cut -d' ' -f1 /proc/uptime)
trace=
[ "${QEMU_STRACE:-0}" = 1 ] && trace=/tmp/qemu-$what.strace
run_qemu "$con" "$trace" 2> "$err"
rc=$?
t1=$(cut -d' ' -f1 /proc/uptime)
echo "qemu exit status $rc after $t0 -> $t1 s of uptime"
echo "---- qemu's standard error ----"
cat "$err"
echo "---- guest console ----"
cat "$con" 2>/dev/null
echo "---- end of guest console ----"

# The steps, in the order the guest reaches them.
check qemu-starts test -e "$con"
check accel-kvm accel
case $what in
bare)
	check console seen 'kvm_s390 qemu guest: hello through the SCLP console'
	check interrupts seen 'kvm_s390 qemu guest: service signal received, stopping'
	check shutdown ended 'kvm_s390 qemu guest: service signal received, stopping'
	;;
linux*)
	check kernel-starts seen 'Linux version 7\.3'
	check kernel-sees-kvm seen 'Linux is running under KVM in 64-bit mode'
	check init seen 'kvm_s390 qemu guest init: running'
	case $what in
	linux) check cpus seen 'guest init: running, CPUs online 0$' ;;
	linux-smp) check cpus seen 'guest init: running, CPUs online 0-1$' ;;
	esac
	case $what in
	linux | linux-smp) check disk seen "guest init: disk data sha256 $(cat $G/disk.sha256)$" ;;
	linux-reboot)
		check reboot seen 'kvm_s390 qemu guest init: rebooting'
		check boots-twice test "$(lines | grep -c 'Linux version 7\.3')" -eq 2
		check up-again seen 'kvm_s390 qemu guest init: up again after the reboot'
		;;
	esac
	check no-kernel-warning not_seen 'WARNING:\|BUG:\|Oops\|Call Trace\|Kernel panic\|rcu: INFO'
	check shutdown ended 'kvm_s390 qemu guest init: powering off'
	;;
esac

# ioctl(FD, NAME, ...) = RESULT, counted by name and result.
ioctl_profile() {
	sed -n 's/.*ioctl([0-9]*, \([A-Z0-9_]*\)[,)].* = \(-\{0,1\}[0-9]*\)\( [A-Z]*\)\{0,1\}.*/\1 \2\3/p' "$1" |
		sed 's/ [0-9][0-9]*$/ ok/' | sort | uniq -c | sort -rn
}
if [ -n "$trace" ]; then
	echo "---- ioctl profile (count, request, result) ----"
	ioctl_profile "$trace"
fi

if [ "$fails" -gt 0 ]; then
	echo "---- again under strace -f -e trace=ioctl ----"
	run_qemu "$con.strace" /tmp/qemu-$what.strace
	echo "qemu exit status $?; guest console:"
	cat "$con.strace" 2>/dev/null
	echo "---- ioctls: $(grep -c ioctl /tmp/qemu-$what.strace) in all, failed ones and the last 40 ----"
	grep ' = -1 ' /tmp/qemu-$what.strace | sed 's/^[0-9]* *//' | sort | uniq -c | sort -rn | head -n 30
	echo "----"
	tail -n 40 /tmp/qemu-$what.strace
	exit 1
fi
exit 0
