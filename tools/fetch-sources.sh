#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Downloads, once, what is not installed into the host system: Debian's
# linux-source-7.3 (from trixie-backports, pinned by version and sha256) and the
# static s390x busybox for the test initramfs.  A private apt state directory is
# used so the machine's own apt sources are never touched.  The .debs stay in the
# cache: backports move on.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

DEBS=$CACHE/debs
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
	(cd "$DEBS" && apt-get "${opts[@]}" "$@")
}

fetch_linux_source() {
	local deb=$DEBS/linux-source-7.3_${LINUX_SOURCE_DEB_VERSION}_all.deb
	if [ ! -s "$deb" ]; then
		private_apt trixie-backports amd64 \
			"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie-backports main" \
			download "linux-source-7.3=$LINUX_SOURCE_DEB_VERSION"
		# apt escapes ':' and '~' differently in file names; normalise.
		local got
		got=$(ls "$DEBS"/linux-source-7.3_*_all.deb | head -n1)
		[ "$got" = "$deb" ] || mv "$got" "$deb"
	fi
	(cd "$DEBS" && sha256sum -c "$REPO/tools/sha256sums" --ignore-missing --quiet) ||
		die "checksum mismatch in $DEBS"
}

fetch_s390x_userspace() {
	if ! ls "$DEBS"/busybox-static_*_s390x.deb >/dev/null 2>&1; then
		private_apt bookworm-s390x s390x \
			"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" \
			download busybox-static
	fi
}

fetch_linux_source
fetch_s390x_userspace
