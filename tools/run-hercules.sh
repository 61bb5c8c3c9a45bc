#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs a list of tests in the emulated s390x test host under Hercules (real SIE).
#
#   tools/run-hercules.sh --backend NAME --kvm-ko PATH [--module PATH]... --tests DIR...
#                         [--mem MIB] [--cpus N] [--timeout S] [--mode tests|run]
#                         [--append 'KERNEL ARGS'] [--image PATH]
#                         [--http PORT:USER:PASSWORD]
#
# Hercules' 3215 console drops bursts of lines, so the guest writes a tar of its
# results to a raw FBA disk after every test (tests/initramfs/init); this script
# reads it back from the disk image once Hercules has stopped.  The console only
# tells when the run is over.  Results: $RESULTS/hercules-NAME/ and
# $RESULTS/hercules-NAME.console.  Exit status 0 only if no test failed.

set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$REPO/tools/bed-lib.sh"

MEM=1024
CPUS=1
DASD=0100		# device number of the results disk
DISK_SECTORS=131072	# 64 MiB of 512-byte sectors
bed_parse_args "$@"
bed_prepare hercules 120

# Everything Hercules needs lives in a per-run directory: the .ins file names
# its files relative to its own directory.
mkdir -p "$CACHE/hercules"
RUN=$(mktemp -d "$CACHE/hercules/run.XXXXXX")
HPID=
cleanup() {
	if [ -n "$HPID" ] && kill -0 "$HPID" 2>/dev/null; then
		kill -TERM "$HPID" 2>/dev/null || true
		sleep 2
		pkill -KILL -P "$HPID" 2>/dev/null || true
		kill -KILL "$HPID" 2>/dev/null || true
	fi
	[ -n "${KVMTEST_KEEP:-}" ] || rm -rf "$RUN"
}
trap cleanup EXIT

# Copies, not symbolic links: Hercules refuses (EACCES) any file of a .ins
# whose real path lies outside the directory of the .ins.
cp "$IMAGE" "$RUN/image"
cp "$CPIO" "$RUN/initrd"
# Boot parameters as the s390 boot code reads them: the command line at
# 0x10480 (NUL-terminated), initrd start and size as 64-bit big-endian
# values at 0x10408 and 0x10410.
INITRD_ADDR=0x08000000
CMDLINE="conmode=3215 condev=0x0009 console=ttyS0 panic=0 kvmtest.bed=hercules kvmtest.mode=$MODE kvmtest.disk=0.0.$DASD $APPEND"
printf '%s\0' "$CMDLINE" > "$RUN/parmfile"
size=$(stat -c %s "$CPIO")
[ $((INITRD_ADDR + size)) -lt $((MEM * 1024 * 1024)) ] || die "initramfs does not fit below ${MEM} MiB"
printf '%016x%016x' $((INITRD_ADDR)) "$size" | xxd -r -p > "$RUN/initrd.parm"
cat > "$RUN/linux.ins" <<EOF
* kvm_s390 test host: kernel, parameters, initramfs
image 0x00000000
parmfile 0x00010480
initrd.parm 0x00010408
initrd $INITRD_ADDR
EOF

# A fresh, raw (label-less) FBA disk for the results of this run.
dasdinit -r "$RUN/results.fba" 3370 "$DISK_SECTORS" > "$RUN/dasdinit.log" 2>&1 ||
	die "dasdinit failed: $(tail -n 3 "$RUN/dasdinit.log")"

cat > "$RUN/hercules.cnf" <<EOF
ARCHMODE  z/Arch
CPUMODEL  2817
MAINSIZE  $MEM
NUMCPU    $CPUS
MAXCPU    $CPUS
OSTAILOR  LINUX
0009 3215-C / noprompt
$DASD 3370 results.fba
EOF
# Hercules' HTTP console, for tools/profile.sh (which asks it for the PSW): on
# the port given, with a password, because it takes any Hercules command. Its
# pages include a header and a footer, empty here.
if [ -n "$HTTP" ]; then
	IFS=: read -r port user password <<< "$HTTP"
	printf 'HTTPPORT  %s AUTH %s %s\nHTTPROOT  %s/\n' "$port" "$user" "$password" "$RUN" \
		>> "$RUN/hercules.cnf"
	mkdir -p "$RUN/include"
	: > "$RUN/include/header.htmlpart"
	: > "$RUN/include/footer.htmlpart"
fi
echo "ipl linux.ins" > "$RUN/hercules.rc"

# Hercules reads commands from stdin and wants it open for its whole life: a
# FIFO that this script holds open for writing never reaches end of file.
mkfifo "$RUN/stdin"
exec {HOLD}<> "$RUN/stdin"

log "booting $IMAGE with $CPIO under Hercules (${MEM} MiB, $CPUS CPU, timeout ${TIMEOUT}s)"
t0=$(bed_ms)
# The outer timeout only guards against this script dying; the loop below
# enforces TIMEOUT itself.
(cd "$RUN" && HERCULES_RC=hercules.rc exec timeout -k 10 $((TIMEOUT + 60)) \
	hercules -d -f hercules.cnf < stdin > "$CONSOLE" 2>&1) &
HPID=$!

# Wait for the end: the done marker, a stop (poweroff or panic leave the CPU
# stopped or in a disabled wait), Hercules ending, or the timeout.
deadline=$((t0 + TIMEOUT * 1000))
why=timeout
while :; do
	if grep -aq "$MARK-TESTS-DONE\|$MARK-REBOOTED" "$CONSOLE"; then
		why="done"
		break
	fi
	# The marker can be lost: Hercules' own log of the guest's end is a
	# second sign (poweroff stops the CPUs with SIGP, panic loads a
	# disabled-wait PSW).
	if grep -aq 'HHCCP011I\|disabled wait\|SIGP Stop (05)' "$CONSOLE"; then
		why="cpu stopped or in disabled wait"
		break
	fi
	# An error message of Hercules before any output of the kernel (e.g.
	# the IPL failed): nothing will come.  Later errors are left alone.
	err=$(awk '/^HHC[A-Z]*[0-9]*E / && !k { print; exit }
		/^ *[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9] |'"$MARK"'-/ { k = 1 }' "$CONSOLE")
	if [ -n "$err" ]; then
		why="hercules error: $err"
		break
	fi
	kill -0 "$HPID" 2>/dev/null || { why="hercules exited"; break; }
	[ "$(bed_ms)" -lt "$deadline" ] || break
	sleep 0.2
done
t1=$(bed_ms)

# SIGTERM makes Hercules shut down cleanly (and write back its disk cache);
# "quit" on stdin is ignored in daemon mode.
if kill -0 "$HPID" 2>/dev/null; then
	kill -TERM "$HPID" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$HPID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$HPID" 2>/dev/null; then
		log "Hercules ignored SIGTERM: killing it"
		pkill -KILL -P "$HPID" 2>/dev/null || true
		kill -KILL "$HPID" 2>/dev/null || true
	fi
fi
wait "$HPID" 2>/dev/null || true
HPID=
exec {HOLD}>&-
t2=$(bed_ms)
log "hercules/$BACKEND: boot+run $(((t1 - t0) / 1000)).$(((t1 - t0) % 1000 / 100)) s" \
	"(stop $(((t2 - t1) / 1000)).$(((t2 - t1) % 1000 / 100)) s), ended by: $why"
echo "$((t1 - t0))" > "$OUT/wall-ms"

# The tar starts at the beginning of the raw image; should a header ever
# precede it, the ustar magic (offset 257 in a tar header) finds it.
img=$RUN/results.fba
off=
if [ "$(dd if="$img" bs=1 skip=257 count=5 2>/dev/null | tr -d '\0')" = ustar ]; then
	off=0
else
	m=$(LC_ALL=C grep -obUa 'ustar' "$img" | head -n 1 | cut -d: -f1) || true
	[ -n "$m" ] && [ "$m" -ge 257 ] && off=$((m - 257))
fi
if [ -n "$off" ]; then
	# A file, not a pipe: tar stops reading at the end of the archive.
	tail -c +$((off + 1)) "$img" > "$RUN/results.tar"
	tar -x -C "$OUT" --strip-components=1 -f "$RUN/results.tar" 2> "$OUT/untar.err" ||
		log "results tar damaged: $(head -n 2 "$OUT/untar.err")"
	[ -s "$OUT/untar.err" ] || rm -f "$OUT/untar.err"
else
	log "no results on the disk"
fi


bed_from_console "$CONSOLE" "$OUT"
[ "$MODE" = run ] && bed_print_outputs
completed=0
if grep -aq "$MARK-TESTS-DONE" "$CONSOLE" || [ -e "$OUT/DONE" ]; then
	completed=1
fi
bed_collect $completed
