#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs a list of tests in the emulated s390x test host under QEMU TCG (no SIE).
#
#   tools/run-tcg.sh --backend NAME --kvm-ko PATH [--module PATH]... --tests DIR...
#                    [--timeout S] [--mem MIB] [--cpus N] [--mode tests|run]
#                    [--append 'KERNEL ARGS'] [--image PATH]
#
# QEMU's SCLP console is reliable, so the results come back on it (see
# tests/initramfs/init); the console is kept in $RESULTS/tcg-NAME.console and the
# logs in $RESULTS/tcg-NAME/.  Exit status 0 only if no test failed.

set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$REPO/tools/bed-lib.sh"

MEM=512
CPUS=2
bed_parse_args "$@"
[ -z "$HTTP" ] || die "--http is for Hercules (tools/run-hercules.sh)"
bed_prepare tcg 60

log "booting $IMAGE with $CPIO (timeout ${TIMEOUT}s)"
t0=$(bed_ms)
rc=0
# -no-reboot: panic=-1 turns a panic into a reset, which then ends QEMU.
timeout -k 5 "$TIMEOUT" qemu-system-s390x -M s390-ccw-virtio -cpu max \
	-smp "$CPUS" -m "$MEM" -nographic -no-reboot -nodefaults \
	-serial stdio -monitor none \
	-kernel "$IMAGE" -initrd "$CPIO" \
	-append "console=ttysclp0 panic=-1 kvmtest.bed=tcg kvmtest.mode=$MODE $APPEND" \
	< /dev/null > "$CONSOLE" 2>&1 || rc=$?
t1=$(bed_ms)
[ $rc -eq 124 ] && log "QEMU killed after ${TIMEOUT}s"
[ $rc -ne 0 ] && [ $rc -ne 124 ] && log "QEMU exited with $rc"
log "tcg/$BACKEND: boot+run $(((t1 - t0) / 1000)).$(((t1 - t0) % 1000 / 100)) s"
echo "$((t1 - t0))" > "$OUT/wall-ms"


bed_from_console "$CONSOLE" "$OUT"
[ "$MODE" = run ] && bed_print_outputs
completed=0
grep -q "$MARK-TESTS-DONE" "$CONSOLE" && completed=1
bed_collect $completed
