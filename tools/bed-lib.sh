# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034  # variables set here are the runners'
#
# Shared part of the test-bed runners (tools/run-tcg.sh, tools/run-hercules.sh).
# Sourced after tools/lib.sh, not run.
#
# A run of bed BED with backend NAME leaves in $RESULTS:
#   BED-NAME.console   the whole console of the emulated machine
#   BED-NAME/          per-test logs, the in-guest summary (raw results),
#                      dmesg.log, times
#   summary.tsv        bed<TAB>backend<TAB>test<TAB>PASS|FAIL|SKIP|XFAIL<TAB>reason,
#                      the lines of this bed and backend replaced by this run
# A test is a run-list entry or, for one whose output is TAP, a subtest
# "entry:subtest".  The raw results of the guest go through
# tests/expectations.tsv (tools/expectations.awk): a SKIP must be listed, a
# failure listed as XFAIL counts as XFAIL, a listed XFAIL that passes fails.
#
# The guest side of the protocol is tests/initramfs/init.

MARK=KVMS390

bed_usage() {
	cat >&2 <<EOF
usage: ${0##*/} --backend NAME --kvm-ko PATH [--module PATH]... --tests DIR [--tests DIR]...
       [--timeout S] [--mem MIB] [--cpus N] [--mode tests|run] [--append 'KERNEL ARGS']
       [--image PATH] [--bed NAME] [--http PORT:USER:PASSWORD (Hercules only)]
EOF
	exit 2
}

# Sets BACKEND KVM_KO MODULES TESTS TIMEOUT MEM CPUS MODE APPEND IMAGE BED_NAME
# (the name results and expectations know the bed by; the runner's default if
# empty, e.g. hercules-debug for a run on the debug kernel) HTTP (Hercules' HTTP
# console, for tools/profile.sh).
bed_parse_args() {
	BACKEND='' KVM_KO='' TIMEOUT='' MODE=tests APPEND='' BED_NAME='' HTTP=''
	MODULES=() TESTS=()
	IMAGE=$KBUILD/arch/s390/boot/bzImage
	while [ $# -gt 0 ]; do
		case $1 in
		--backend) BACKEND=${2:?}; shift 2 ;;
		--kvm-ko) KVM_KO=${2:?}; shift 2 ;;
		--module) MODULES+=("${2:?}"); shift 2 ;;
		--tests) TESTS+=("${2:?}"); shift 2 ;;
		--timeout) TIMEOUT=${2:?}; shift 2 ;;
		--mem) MEM=${2:?}; shift 2 ;;
		--cpus) CPUS=${2:?}; shift 2 ;;
		--mode) MODE=${2:?}; shift 2 ;;
		--append) APPEND=${2?}; shift 2 ;;
		--image) IMAGE=${2:?}; shift 2 ;;
		--bed) BED_NAME=${2:?}; shift 2 ;;
		--http) HTTP=${2:?}; shift 2 ;;
		-h | --help) bed_usage ;;
		*) log "unknown argument: $1"; bed_usage ;;
		esac
	done
	[ -n "$BACKEND" ] && [ -n "$KVM_KO" ] && [ ${#TESTS[@]} -gt 0 ] || bed_usage
	case $BACKEND in
	*[!A-Za-z0-9._-]*) die "backend name must be [A-Za-z0-9._-]: $BACKEND" ;;
	esac
	case $MODE in tests | run) ;; *) die "--mode must be tests or run" ;; esac
	case $BED_NAME in
	*[!A-Za-z0-9._-]*) die "bed name must be [A-Za-z0-9._-]: $BED_NAME" ;;
	esac
	case ${TIMEOUT:-0}$MEM$CPUS in *[!0-9]*) die "--timeout, --mem, --cpus take numbers" ;; esac
	[ -f "$IMAGE" ] || die "no kernel image at $IMAGE (build the kernel first)"
}

# bed_prepare BED: builds the initramfs and sets CPIO RUNLIST OUT CONSOLE, and a
# default TIMEOUT (the sum of the tests' timeouts plus a margin for boot).
bed_prepare() {
	BED=${BED_NAME:-$1}
	local margin=$2 mods=() d
	for d in "${MODULES[@]}"; do mods+=(--module "$d"); done
	local tests=()
	for d in "${TESTS[@]}"; do tests+=(--tests "$d"); done
	CPIO=$("$REPO/tools/mkinitramfs.sh" --name "$BED-$BACKEND" --kvm-ko "$KVM_KO" \
		"${mods[@]}" "${tests[@]}")
	RUNLIST=$CACHE/initramfs/$BED-$BACKEND.tests/run-list
	# Reject a malformed run list here rather than as a FAIL after booting.
	awk -F'\t' '/^[ \t]*(#|$)/ { next }
		NF < 4 || $1 !~ /^[A-Za-z0-9._\/+-]+$/ || $2 !~ /^[0-9]+$/ || ($3 != "tap" && $3 != "exit") || $4 == "" {
			printf "run-list line %d: want name<TAB>timeout_seconds<TAB>tap|exit<TAB>command: %s\n", NR, $0; bad = 1 }
		END { exit bad }' "$RUNLIST" >&2 || die "malformed run list (from ${TESTS[*]})"
	if [ -z "$TIMEOUT" ]; then
		TIMEOUT=$(awk -F'\t' -v m="$margin" \
			'!/^#/ && NF >= 4 && $2 ~ /^[0-9]+$/ { s += $2 + 2 } END { print s + m }' "$RUNLIST")
	fi
	mkdir -p "$RESULTS"
	OUT=$RESULTS/$BED-$BACKEND
	CONSOLE=$RESULTS/$BED-$BACKEND.console
	rm -rf "$OUT" "$CONSOLE"
	mkdir -p "$OUT"
}

# Monotonic-enough wall clock in milliseconds, for the timings we report.
bed_ms() { date +%s%3N; }

# The test names of the run list, in order.
bed_list_names() {
	awk -F'\t' '/^[ \t]*(#|$)/ { next } { print $1 }' "$RUNLIST"
}

# Results and logs that came back on the console (QEMU: the primary channel;
# Hercules: a fallback for what did not reach the disk).  Console lines may
# carry a prefix from the emulator and a CR: key on the marker anywhere.
bed_from_console() {
	local console=$1 dir=$2
	tr -d '\r' < "$console" | sed -n "s/.*$MARK-RESULT //p" |
		awk '$2 ~ /^(PASS|FAIL|SKIP|XFAIL|XPASS)$/ {
			n = $1; s = $2; $1 = ""; $2 = ""; sub(/^ +/, ""); printf "%s\t%s\t%s\n", n, s, $0 }' \
		> "$dir/summary.console"
	tr -d '\r' < "$console" | sed -n "s/.*$MARK-START \([^ ]*\).*/\1/p" > "$dir/started"
	# Per-test logs: base64 of a gzipped file between BEGIN/END markers.
	# Only lines that are pure base64 count; a damaged log is dropped, the
	# result line still counts.
	tr -d '\r' < "$console" | awk -v dir="$dir" -v mark="$MARK" '
		index($0, mark "-LOG-BEGIN ") { n = $NF; gsub(/[^A-Za-z0-9._-]/, "_", n); f = dir "/" n ".b64"; printf "" > f; inlog = 1; next }
		index($0, mark "-LOG-END ") { inlog = 0; close(f); next }
		inlog && /^[A-Za-z0-9+\/=]+$/ { print > f }
	'
	local b log
	for b in "$dir"/*.b64; do
		[ -e "$b" ] || continue
		log=${b%.b64}.log
		# Never clobber a log that came from the results disk.
		if [ ! -e "$log" ]; then
			base64 -d < "$b" 2>/dev/null | gunzip -c > "$log" 2>/dev/null || rm -f "$log"
		fi
		rm -f "$b"
	done
}

# bed_collect COMPLETED: writes this run's lines into $RESULTS/summary.tsv
# from $OUT/summary (disk) and $OUT/summary.console (console), the disk
# winning, through tests/expectations.tsv.  Returns 1 if any line is a FAIL.
bed_collect() {
	local completed=$1 tmp=$OUT/summary.run raw=$OUT/summary.raw disk=$OUT/summary
	local console=$OUT/summary.console
	[ -f "$disk" ] || disk=/dev/null
	# A complete summary on the disk needs no help from the console, whose
	# lines Hercules may have mangled.
	[ -f "$OUT/DONE" ] && [ -s "$disk" ] && console=/dev/null
	# Results by name; then, for each run-list entry in order, its own
	# result and those of its subtests ("entry:subtest"), or a FAIL if it
	# has none; then any other result the guest reported (e.g. "boot").
	bed_list_names > "$OUT/names"
	awk -F'\t' -v OFS='\t' '
		FILENAME == ARGV[1] || FILENAME == ARGV[2] {
			if (!($1 in r)) { r[$1] = $2; why[$1] = $3; order[++n] = $1 }
			next
		}
		FILENAME == ARGV[3] { started[$1] = 1; next }
		{ listed[$1] = 1; names[++m] = $1 }
		END {
			for (i = 1; i <= m; i++) {
				t = names[i]
				found = 0
				for (j = 1; j <= n; j++) {
					o = order[j]
					if (o == t || index(o, t ":") == 1) {
						print o, r[o], why[o]
						done[o] = 1
						found = 1
					}
				}
				if (found) continue
				if (t in started) print t, "FAIL", "missing result (running when the bed stopped)"
				else print t, "FAIL", "missing result"
			}
			for (j = 1; j <= n; j++)
				if (!(order[j] in done)) print order[j], r[order[j]], why[order[j]]
		}' "$disk" "$console" "$OUT/started" "$OUT/names" > "$raw"
	rm -f "$OUT/names" "$OUT/started"
	if [ "$completed" != 1 ]; then
		printf '%s\tFAIL\t%s\n' completion "$BED: no completion marker (hang or crash)" >> "$raw"
	fi
	awk -v bed="$BED" -v backend="$BACKEND" -v used="${EXPECT_USED:-}" \
		-f "$REPO/tools/expectations.awk" "$EXPECTATIONS" "$raw" > "$tmp" ||
		die "cannot apply $EXPECTATIONS"
	# Several runners may finish at once: update summary.tsv under a lock.
	(
		flock 9
		touch "$RESULTS/summary.tsv"
		awk -F'\t' -v bed="$BED" -v be="$BACKEND" '!($1 == bed && $2 == be)' \
			"$RESULTS/summary.tsv" > "$RESULTS/summary.tsv.tmp"
		cat "$tmp" >> "$RESULTS/summary.tsv.tmp"
		mv "$RESULTS/summary.tsv.tmp" "$RESULTS/summary.tsv"
	) 9> "$RESULTS/.summary.lock"
	awk -F'\t' '{ printf "  %-40s %s%s\n", $3, $4, ($5 != "" ? "  (" $5 ")" : "") }' "$tmp" >&2
	awk -F'\t' -v what="$BED/$BACKEND" '
		{ c[$4]++ }
		END { printf "%s: %d passed, %d failed, %d skipped, %d xfail\n", what, c["PASS"], c["FAIL"], c["SKIP"], c["XFAIL"] }' "$tmp" >&2
	! grep -q "$(printf '\tFAIL\t')" "$tmp"
}

# Run mode: print each command's output, from the logs that came back (the
# console of Hercules loses lines; the logs do not).
bed_print_outputs() {
	local name f
	bed_list_names | while IFS= read -r name; do
		f=$OUT/$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_').log
		echo "---- $name ----"
		if [ -f "$f" ]; then cat "$f"; else echo "(no output came back)"; fi
	done
}
