# SPDX-License-Identifier: GPL-2.0
#
# Both the Kbuild file of arch/s390/kvm and the developer entry point of the
# repository (see README.md).

ifneq ($(KERNELRELEASE),)

KVM := ../../../virt/kvm
include $(srctree)/virt/kvm/Makefile.kvm

kvm-y += kvm_s390.o sie64a.o helpers.o
obj-$(CONFIG_KVM) += kvm.o

obj-$(CONFIG_KVM_S390_KUNIT_TEST) += kvm_s390_kunit.o

else

# Developer entry point: every target installs what it needs first.
SHELL := /bin/bash
TOOLS := $(CURDIR)/tools

.PHONY: all setup kernel selftests host-test run check bench fuzz clean-cache
.PHONY: qemu-check check-long profile

all: kernel

setup:
	$(TOOLS)/setup-host.sh

kernel: setup
	$(TOOLS)/build-kernel.sh $(if $(BACKEND),--backend $(BACKEND))

selftests: kernel
	$(TOOLS)/build-selftests.sh

host-test:
	$(TOOLS)/host-test.sh

run: selftests
	BACKEND=$(or $(BACKEND),ours) $(TOOLS)/run.sh

check: setup
	$(TOOLS)/check.sh

bench: selftests
	$(TOOLS)/bench.sh

# Where one benchmark spends its time, ours against mainline's, sampled under
# Hercules (tools/profile.sh): BENCH=name (default exit_roundtrip), REPS=n.
profile: selftests
	$(TOOLS)/profile.sh

# QEMU (s390x, -accel kvm) inside the Hercules bed, both backends (README, "QEMU bed").
qemu-check: setup
	$(TOOLS)/qemu-check.sh

# What is too slow for make check (tests/beds/hercules-long; the KASAN kernel
# running the reliability selection), both backends.
check-long: setup
	$(TOOLS)/check-long.sh

# The fuzzers for DURATION seconds each on the debug kernel, both backends.
fuzz: setup
	$(TOOLS)/fuzz.sh $(or $(DURATION),600)

endif
