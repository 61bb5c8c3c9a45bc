#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Stages the QEMU bed (tests/beds/hercules-qemu): QEMU 10 for s390x running
# with -accel kvm inside the emulated s390x host under Hercules.  Needs the
# kernel (tools/build-kernel.sh) and our selftests (tools/build-selftests.sh:
# the first-fault probe) built.  Writes
#   $CACHE/stage/hercules-qemu/       the whole bed: the bare-metal guest and Linux
#   $CACHE/stage/hercules-qemu-fast/  only the bare-metal guest (make check)
# each holding the run list, the bed scripts, the probe, and
#   qemu/bin/       qemu-system-s390x, strace
#   qemu/lib/       ld64.so.1 and the shared libraries they need (NEEDED, recursively)
#   qemu/share/     s390-ccw.img (QEMU's -L directory)
#   guest/          sclp_hello.elf (tests/qemu/sclp_hello.S); for the whole bed
#                   also bzImage (this tree's Linux 7.3), initrd (busybox and
#                   tests/qemu/guest-init) and disk.img with its disk.sha256
# The .debs (tools/qemu-debs, pinned) are fetched once and unpacked once into
# $QEMU_ROOT; nothing is installed on this machine.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO/tools/fetch-sources.sh" --qemu
"$REPO/tools/fetch-sources.sh"

# Unpacked again only when the pinned list changes.
want=$(sha256sum < "$QEMU_DEBS_LIST" | cut -d' ' -f1)
if [ "$(cat "$QEMU_ROOT/.stamp" 2>/dev/null)" != "$want" ]; then
	log "unpacking the QEMU packages into $QEMU_ROOT"
	rm -rf "$QEMU_ROOT" "$QEMU_ROOT.$$"
	mkdir -p "$QEMU_ROOT.$$"
	while read -r name version arch; do
		case $name in '#'* | '') continue ;; esac
		dpkg-deb -x "$DEBS/${name}_${version#*:}_$arch.deb" "$QEMU_ROOT.$$"
	done < "$QEMU_DEBS_LIST"
	echo "$want" > "$QEMU_ROOT.$$/.stamp"
	mv -T "$QEMU_ROOT.$$" "$QEMU_ROOT"
fi

[ -f "$KIMAGE" ] || die "no kernel image at $KIMAGE (run tools/build-kernel.sh)"
PROBE=$CACHE/selftests/ours/sie_first_fault_probe
[ -x "$PROBE" ] || die "no $PROBE (run tools/build-selftests.sh)"

# lib_path SONAME: the file in $QEMU_ROOT that provides it.
lib_path() {
	local d
	for d in lib/s390x-linux-gnu usr/lib/s390x-linux-gnu lib usr/lib; do
		if [ -e "$QEMU_ROOT/$d/$1" ]; then
			echo "$QEMU_ROOT/$d/$1"
			return 0
		fi
	done
	return 1
}
needed() { # ELF
	"${CROSS_COMPILE}readelf" -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

stage_bed() { # dir full(0|1)
	local dir=$1 full=$2
	rm -rf "$dir"
	mkdir -p "$dir/qemu/bin" "$dir/qemu/lib" "$dir/qemu/share" "$dir/guest"
	cp "$REPO"/tests/beds/common/*.sh "$REPO"/tests/beds/hercules-qemu/*.sh "$dir/"
	cp "$PROBE" "$dir/"
	if [ "$full" = 1 ]; then
		grep -v '^#' "$REPO/tests/beds/hercules-qemu/run-list" > "$dir/run-list"
	else
		grep -v '^#' "$REPO/tests/beds/hercules-qemu/run-list" |
			awk -F'\t' '$1 !~ /^qemu-linux/' > "$dir/run-list"
	fi

	cp "$QEMU_ROOT/usr/bin/qemu-system-s390x" "$QEMU_ROOT/usr/bin/strace" "$dir/qemu/bin/"
	cp -L "$QEMU_ROOT/lib/ld64.so.1" "$dir/qemu/lib/"
	cp "$QEMU_ROOT/usr/share/qemu/s390-ccw.img" "$dir/qemu/share/"
	# The libraries, by soname, found breadth first.
	local todo=("$dir/qemu/bin/qemu-system-s390x" "$dir/qemu/bin/strace") so path
	while [ ${#todo[@]} -gt 0 ]; do
		for so in $(needed "${todo[0]}"); do
			[ -e "$dir/qemu/lib/$so" ] && continue
			path=$(lib_path "$so") || die "no $so in $QEMU_ROOT (needed by ${todo[0]##*/})"
			cp -L "$path" "$dir/qemu/lib/$so"
			todo+=("$dir/qemu/lib/$so")
		done
		todo=("${todo[@]:1}")
	done

	"${CROSS_COMPILE}gcc" -nostdlib -static -Wl,-N -Wl,-Ttext=0x10000 -Wl,--build-id=none \
		-Wl,--no-warn-rwx-segments -o "$dir/guest/sclp_hello.elf" "$REPO/tests/qemu/sclp_hello.S"
	if [ "$full" = 1 ]; then
		cp "$KIMAGE" "$dir/guest/bzImage"
		guest_initrd "$dir/guest/initrd"
		# The data disk: 4 MiB (131072 lines of 32 bytes) that the guest checksums.
		seq -f 'kvm_s390 data line %012.0f' 1 131072 > "$dir/guest/disk.img"
		sha256sum < "$dir/guest/disk.img" | cut -d' ' -f1 > "$dir/guest/disk.sha256"
	fi
}

# The Linux guest's initramfs: static busybox and tests/qemu/guest-init,
# an uncompressed newc cpio (the kernel's gen_init_cpio, which
# tools/mkinitramfs.sh builds; busybox unpacked there too).
guest_initrd() { # out
	local gen=$CACHE/tools/gen_init_cpio bbdir=$CACHE/busybox/$(basename "$BUSYBOX_DEB" .deb)
	local bb=$bbdir/bin/busybox
	# The same files as tools/mkinitramfs.sh makes, should it not have run yet.
	if [ ! -x "$gen" ]; then
		mkdir -p "$CACHE/tools"
		gcc -O2 -o "$gen.$$" "$KSRC/usr/gen_init_cpio.c"
		mv "$gen.$$" "$gen"
	fi
	if [ ! -x "$bb" ]; then
		verify_download "$BUSYBOX_DEB" || die "no verified $BUSYBOX_DEB"
		mkdir -p "$bbdir.$$"
		dpkg-deb -x "$BUSYBOX_DEB" "$bbdir.$$"
		mv -T "$bbdir.$$" "$bbdir" 2>/dev/null || rm -rf "$bbdir.$$"
	fi
	"$gen" -o "$1" <(
		for d in /bin /dev /proc /sys; do echo "dir $d 0755 0 0"; done
		echo "nod /dev/console 0600 0 0 c 5 1"
		echo "file /bin/busybox $bb 0755 0 0"
		echo "slink /bin/sh busybox 0777 0 0"
		echo "file /init $REPO/tests/qemu/guest-init 0755 0 0"
	)
}

stage_bed "$CACHE/stage/hercules-qemu" 1
stage_bed "$CACHE/stage/hercules-qemu-fast" 0
log "staged $CACHE/stage/hercules-qemu{,-fast} ($(du -sh "$CACHE/stage/hercules-qemu" | cut -f1))"
