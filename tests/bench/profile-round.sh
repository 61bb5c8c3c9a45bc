#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# One backend's turn of `make profile` inside the test host (tools/profile.sh):
#   profile-round.sh MODULE REPS BENCH
# loads /lib/modules/MODULE as kvm (load-kvm.sh), saves the text symbols of the
# kernel and the module (for the report on the build machine), runs one
# benchmark of kvm_bench between two markers on the console, which tell the
# sampler when to sample and for which module, and unloads the module.

module=${1:?module}
reps=${2:?repetitions}
bench=${3:?benchmark}
./load-kvm.sh "$module" || exit 1
awk '$2 ~ /^[tT]$/' /proc/kallsyms > "/results/kallsyms-$module.txt"
echo "<4>kvm_s390-profile: start $module" > /dev/kmsg
KVM_BENCH_NO_CALIBRATION=1 ./kvm_bench "$reps" "$bench"
rc=$?
echo "<4>kvm_s390-profile: end $module" > /dev/kmsg
./unload-kvm.sh || rc=1
exit $rc
