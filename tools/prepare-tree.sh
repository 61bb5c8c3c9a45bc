#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Lays out the kernel source tree in the cache, once: Debian's linux-source-7.3 unpacked,
# mainline's C arch/s390/kvm moved aside to arch/s390/kvm-mainline (the baseline) and
# patches/*.patch applied. Idempotent: a stamp records what was done; a changed patch set
# rebuilds the tree from the tarball. On every call, this repository is copied in as
# arch/s390/kvm.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Every pinned download present and verified (quick once verified).
"$REPO/tools/fetch-sources.sh"
deb=$LINUX_SOURCE_DEB

# The tree is unpacked again when the pinned source (its sum) or the patches change.
stamp_want=$(awk -v f="$(basename "$deb")" '$2 == f { print $1 }' "$REPO/tools/sha256sums")
stamp_want="$stamp_want $(cat "$REPO"/patches/*.patch "$REPO"/patches/baseline-only/*.patch 2>/dev/null | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$KSRC/.kvm_s390_stamp" 2>/dev/null)" != "$stamp_want" ]; then
	log "unpacking linux-source-7.3 into $KSRC"
	rm -rf "$KSRC" "$CACHE/unpack"
	mkdir -p "$CACHE/unpack"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$CACHE/unpack" ./usr/src/linux-source-7.3.tar.xz
	tar -xf "$CACHE/unpack/usr/src/linux-source-7.3.tar.xz" -C "$CACHE/unpack"
	mv "$CACHE/unpack/linux-source-7.3" "$KSRC"
	rm -rf "$CACHE/unpack"
	mv "$KSRC/arch/s390/kvm" "$KSRC/arch/s390/kvm-mainline"
	for p in "$REPO"/patches/*.patch; do
		[ -e "$p" ] || continue
		log "applying $(basename "$p")"
		patch -d "$KSRC" -p1 --quiet --forward < "$p"
	done
	for p in "$REPO"/patches/baseline-only/*.patch; do
		[ -e "$p" ] || continue
		log "applying baseline-only $(basename "$p")"
		patch -d "$KSRC/arch/s390/kvm-mainline" -p1 --quiet --forward < "$p"
	done
	echo "$stamp_want" > "$KSRC/.kvm_s390_stamp"
fi
# The repository is copied, not linked, into arch/s390/kvm: generic KVM's objects are
# named arch/s390/kvm/../../../virt/kvm/*.o, and through a symbolic link ".." would
# leave the tree. It runs before every build (tools/build-kernel.sh calls this script).
# Files are compared by content and a changed one gets the time of the copy, so make
# rebuilds whatever depends on it and nothing else; keeping the repository's times
# instead misses an edit older than its object (a checkout of older files, an edit
# made while a build of the old content ran).
if [ -L "$KSRC/arch/s390/kvm" ]; then
	rm -f "$KSRC/arch/s390/kvm"
fi
mkdir -p "$KSRC/arch/s390/kvm"
rsync -rlD --checksum --delete --exclude .git --exclude /tests/host/target "$REPO/" "$KSRC/arch/s390/kvm/"
