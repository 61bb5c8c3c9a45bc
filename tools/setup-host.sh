#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs what building and testing kvm_s390 needs on a Debian 12 (bookworm) x86_64
# machine, idempotently: every step checks first and does nothing when its result is
# already present.  Only installing Debian packages needs root: as another user it
# goes through sudo, and when every package is installed it needs neither, so a
# user without root runs `make check` on a machine that is set up.  rustup and
# cargo install into the user's own ~/.rustup and ~/.cargo.  Downloads that are
# not installed into the system (the kernel source, s390x user-space packages) go
# to the cache directory, see tools/lib.sh.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

RUST_VERSION=1.96.0
BINDGEN_VERSION=0.73.2

# as_root COMMAND...: runs COMMAND as root, through sudo for another user.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		die "root is needed for: $* (run tools/setup-host.sh as root once)"
	fi
}

# bookworm-backports carries clang-19 and QEMU 10; added as its own sources file,
# with the keyring the machine's bookworm entry uses.
add_backports() {
	local f=/etc/apt/sources.list.d/kvm-s390-bookworm-backports.sources
	if grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return
	fi
	as_root tee "$f" > /dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	APT_UPDATED=
}

APT_UPDATED=
apt_update_once() {
	if [ -z "$APT_UPDATED" ]; then
		as_root apt-get update -q
		APT_UPDATED=1
	fi
}

missing_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || echo "$p"
	done
}

install_debs() {
	local pkgs
	pkgs=$(missing_pkgs gcc-s390x-linux-gnu libc6-dev-s390x-cross flex bison bc \
		libelf-dev libssl-dev cpio dwarves hercules ccache xz-utils make rsync xxd python3)
	if [ -n "$pkgs" ]; then
		apt_update_once
		# shellcheck disable=SC2086
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $pkgs
	fi
	pkgs=$(missing_pkgs clang-19 libclang-19-dev qemu-system-s390x)
	if [ -n "$pkgs" ]; then
		# Only bookworm-backports has these: add it only when they are missing.
		add_backports
		apt_update_once
		# shellcheck disable=SC2086
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			-t bookworm-backports $pkgs
	fi
	# qemu-system-s390x from bookworm would be 7.2: insist on the backport.
	qemu-system-s390x --version | grep -q 'version 10\.' || {
		echo "setup-host: qemu-system-s390x 10.x expected" >&2
		exit 1
	}
}

install_rust() {
	command -v rustup >/dev/null || die "rustup is needed (https://rustup.rs), for rustc $RUST_VERSION"
	if ! rustup toolchain list | grep -q "^$RUST_VERSION"; then
		rustup toolchain install "$RUST_VERSION" --profile minimal -c rust-src -c rustfmt -c clippy
	fi
	# A toolchain installed earlier may lack a component (clippy for CLIPPY=1 builds).
	local c
	for c in rust-src rustfmt clippy; do
		rustup component list --toolchain "$RUST_VERSION" --installed | grep -q "^$c" ||
			rustup component add --toolchain "$RUST_VERSION" "$c"
	done
	if ! command -v bindgen >/dev/null || ! bindgen --version | grep -q "bindgen $BINDGEN_VERSION"; then
		cargo install --locked --version "$BINDGEN_VERSION" bindgen-cli
	fi
}

install_debs
install_rust
"$(dirname "$0")/fetch-sources.sh"
echo "setup-host: done"
