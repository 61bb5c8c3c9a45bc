#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Downloads, once, what is not installed into the host system: Debian's
# linux-source-7.3 (from trixie-backports) and the static s390x busybox for the
# test initramfs, each pinned by version and by the sha256 in tools/sha256sums
# (checked by verify_download, tools/lib.sh: a cached file with the wrong sum is
# deleted and fetched again).  A private apt state directory is used so the
# machine's own apt sources are never touched, and no root is needed.  The .debs
# stay in the cache: backports move on.
#
#   tools/fetch-sources.sh                 the kernel source and busybox
#   tools/fetch-sources.sh --qemu          the QEMU bed's packages (tools/qemu-debs)
#   tools/fetch-sources.sh --resolve-qemu  prints today's closure for tools/qemu-debs

set -euo pipefail
. "$(dirname "$0")/lib.sh"

mkdir -p "$DEBS"

# private_apt NAME ARCH "SOURCES LINE" -- apt-get args...
private_apt() {
	local name=$1 arch=$2 line=$3
	shift 3
	local d=$CACHE/apt/$name
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/etc"
	echo "$line" > "$d/etc/sources.list"
	local opts=(-o Dir::Etc::sourcelist="$d/etc/sources.list" -o Dir::Etc::sourceparts=-
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache"
		-o APT::Architecture="$arch" -o APT::Architectures="$arch"
		-o Dir::State::status=/dev/null -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
	if [ ! -e "$d/updated" ]; then
		apt-get "${opts[@]}" update -q
		touch "$d/updated"
	fi
	# The lists of an earlier run may predate the pinned version: refresh once.
	if ! (cd "$DEBS" && apt-get "${opts[@]}" "$@"); then
		apt-get "${opts[@]}" update -q
		(cd "$DEBS" && apt-get "${opts[@]}" "$@")
	fi
}

# fetch_deb FILE PACKAGE=VERSION ARCH "SOURCES LINE" APT-STATE-NAME: FILE (in
# $DEBS) verified, downloading it if it is missing or has the wrong sum.
fetch_deb() {
	local file=$1 pkg=$2 arch=$3 line=$4 state=$5
	local name=${pkg%%=*} version=${pkg#*=}
	# apt-get download names the file after the version with the epoch
	# ("1%3a1.35..."); the cache keeps Debian's pool name (no epoch).
	local apt_name=$DEBS/${name}_${version//:/%3a}_${file##*_}
	if [ ! -e "$file" ] && [ -e "$apt_name" ] && [ "$apt_name" != "$file" ]; then
		mv "$apt_name" "$file"
	fi
	verify_download "$file" && return 0
	rm -f "$file" "$file.sha256-ok" "$apt_name"
	log "downloading $pkg ($arch)"
	private_apt "$state" "$arch" "$line" download "$pkg" ||
		die "cannot download $pkg: if Debian moved on, update the version in tools/lib.sh and its sum in tools/sha256sums"
	[ "$apt_name" = "$file" ] || mv "$apt_name" "$file"
	verify_download "$file" || die "$(basename "$file"): sha256 differs from tools/sha256sums after a fresh download"
}

BOOKWORM_S390X_LINES="deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main"

# The QEMU bed's packages (tools/qemu-debs): each verified, and those missing
# or wrong downloaded in one apt-get call.
fetch_qemu_debs() {
	local name version arch file missing=() apt_names=() files=() i
	while read -r name version arch; do
		case $name in '#'* | '') continue ;; esac
		file=$DEBS/${name}_${version#*:}_$arch.deb
		verify_download "$file" && continue
		missing+=("$name=$version")
		apt_names+=("$DEBS/${name}_${version//:/%3a}_$arch.deb")
		files+=("$file")
	done < "$QEMU_DEBS_LIST"
	[ ${#missing[@]} -gt 0 ] || return 0
	log "downloading ${#missing[@]} packages of tools/qemu-debs (s390x)"
	private_apt bookworm-bpo-s390x s390x "$BOOKWORM_S390X_LINES" download "${missing[@]}" ||
		die "cannot download the QEMU packages: if Debian moved on, update tools/qemu-debs (--resolve-qemu) and tools/sha256sums"
	for i in "${!files[@]}"; do
		[ "${apt_names[$i]}" = "${files[$i]}" ] || mv "${apt_names[$i]}" "${files[$i]}"
		verify_download "${files[$i]}" ||
			die "$(basename "${files[$i]}"): sha256 differs from tools/sha256sums after a fresh download"
	done
}

# Prints a fresh tools/qemu-debs body: the closure apt resolves today.
resolve_qemu_debs() {
	private_apt bookworm-bpo-s390x s390x "$BOOKWORM_S390X_LINES" \
		-s install --no-install-recommends -t bookworm-backports qemu-system-s390x strace |
		sed -n 's/^Inst \([^ ]*\) (\([^ ]*\) .*\[\([a-z0-9]*\)\]).*$/\1\t\2\t\3/p'
}

case ${1:-} in
--resolve-qemu) resolve_qemu_debs; exit 0 ;;
--qemu) fetch_qemu_debs; exit 0 ;;
'') ;;
*) die "usage: ${0##*/} [--qemu | --resolve-qemu]" ;;
esac

fetch_deb "$LINUX_SOURCE_DEB" "linux-source-7.3=$LINUX_SOURCE_DEB_VERSION" amd64 \
	"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie-backports main" \
	trixie-backports
fetch_deb "$BUSYBOX_DEB" "busybox-static=$BUSYBOX_DEB_VERSION" s390x \
	"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" \
	bookworm-s390x
