#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the test initramfs: an uncompressed newc cpio (Hercules boots in about
# a second only with an uncompressed kernel and initramfs) holding the static
# s390x busybox, tests/initramfs/init and its TAP parser tap.awk, kvm.ko and
# extra modules in /lib/modules, and the test directories merged into /tests
# (with their run-list).
#
#   tools/mkinitramfs.sh --name NAME --kvm-ko PATH [--module PATH]... --tests DIR...
#
# --tests may be repeated: the directories are merged in order (a later file
# of the same name wins), so a common directory and a bed directory can be
# combined; the result must contain a run-list.  Writes
# $CACHE/initramfs/NAME.cpio and prints its path.
#
# The kernel's usr/gen_init_cpio writes the archive: it needs no root and no
# fakeroot for /dev/console and root ownership.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: ${0##*/} --name NAME --kvm-ko PATH [--module PATH]... --tests DIR [--tests DIR]..." >&2
	exit 2
}

NAME=
KVM_KO=
MODULES=()
TESTS=()
while [ $# -gt 0 ]; do
	case $1 in
	--name) NAME=${2:?}; shift 2 ;;
	--kvm-ko) KVM_KO=${2:?}; shift 2 ;;
	--module) MODULES+=("${2:?}"); shift 2 ;;
	--tests) TESTS+=("${2:?}"); shift 2 ;;
	*) usage ;;
	esac
done
[ -n "$NAME" ] && [ -n "$KVM_KO" ] && [ ${#TESTS[@]} -gt 0 ] || usage
[ -f "$KVM_KO" ] || die "no kvm.ko at $KVM_KO"
for m in "${MODULES[@]}"; do [ -f "$m" ] || die "no module at $m"; done
for d in "${TESTS[@]}"; do [ -d "$d" ] || die "no test directory $d"; done

# gen_init_cpio from the kernel tree, built once with the host compiler.
GEN=$CACHE/tools/gen_init_cpio
if [ ! -x "$GEN" ] || [ "$KSRC/usr/gen_init_cpio.c" -nt "$GEN" ]; then
	[ -f "$KSRC/usr/gen_init_cpio.c" ] || die "no kernel source at $KSRC (run tools/fetch-sources.sh)"
	mkdir -p "$CACHE/tools"
	# Private temporary names: runners for two beds may start together.
	gcc -O2 -o "$GEN.$$" "$KSRC/usr/gen_init_cpio.c"
	mv "$GEN.$$" "$GEN"
fi

# busybox from its .deb, extracted once per version (never apt-get install
# an s390x package: it would replace the host's binaries).
deb=$BUSYBOX_DEB
verify_download "$deb" || "$REPO/tools/fetch-sources.sh" >&2
BBDIR=$CACHE/busybox/$(basename "$deb" .deb)
if [ ! -x "$BBDIR/bin/busybox" ]; then
	mkdir -p "$BBDIR.$$"
	dpkg-deb -x "$deb" "$BBDIR.$$"
	mv -T "$BBDIR.$$" "$BBDIR" 2>/dev/null || rm -rf "$BBDIR.$$"
fi

OUTDIR=$CACHE/initramfs
mkdir -p "$OUTDIR"
OUT=$OUTDIR/$NAME.cpio
LIST=$OUTDIR/$NAME.list

# The merged /tests tree, staged so later directories override earlier ones.
STAGE=$OUTDIR/$NAME.tests
rm -rf "$STAGE"
mkdir -p "$STAGE"
for d in "${TESTS[@]}"; do
	cp -a "$d/." "$STAGE/"
done
[ -f "$STAGE/run-list" ] || die "none of the test directories holds a run-list"
# A run-list edited on the host may end without a newline or carry CRs.
sed -i 's/\r$//' "$STAGE/run-list"

{
	for d in /bin /sbin /usr /usr/bin /usr/sbin /dev /proc /sys /tmp /root \
		/lib /lib/modules /results /tests; do
		echo "dir $d 0755 0 0"
	done
	# The kernel opens /dev/console for /init before devtmpfs is mounted.
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /bin/busybox $BBDIR/bin/busybox 0755 0 0"
	echo "slink /bin/sh busybox 0777 0 0"
	echo "file /init $REPO/tests/initramfs/init 0755 0 0"
	echo "file /tap.awk $REPO/tests/initramfs/tap.awk 0644 0 0"
	echo "file /lib/modules/kvm.ko $(realpath "$KVM_KO") 0644 0 0"
	for m in "${MODULES[@]}"; do
		echo "file /lib/modules/$(basename "$m") $(realpath "$m") 0644 0 0"
	done
	# gen_init_cpio splits its lines on white space.
	(cd "$STAGE" && find . -mindepth 1 | sort) | while IFS= read -r p; do
		case $p in
		*[[:space:]]*) die "white space in test file name: $p" ;;
		esac
		src=$STAGE/${p#./}
		dst=/tests/${p#./}
		if [ -L "$src" ]; then
			echo "slink $dst $(readlink "$src") 0777 0 0"
		elif [ -d "$src" ]; then
			echo "dir $dst $(stat -c %a "$src") 0 0"
		elif [ -f "$src" ]; then
			echo "file $dst $src $(stat -c %a "$src") 0 0"
		fi
	done
} > "$LIST"

"$GEN" -o "$OUT.$$" "$LIST"
mv "$OUT.$$" "$OUT"
echo "$OUT"
