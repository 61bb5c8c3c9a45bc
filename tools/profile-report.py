#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The report of `make profile` (tools/profile.sh).

    profile-report.py RESULTS_DIR [TOP [FUNCTION...]]

Reads RESULTS_DIR/samples.txt (tools/profile-sample.py), the text symbols each module's
round saved (hercules-profile/kallsyms-MODULE.txt) and the benchmark's values
(hercules-profile/profile-BACKEND.log), and prints for each backend where the samples
fell, as a share and as microseconds of the benchmark's median time per operation:
the backend's own code, generic KVM, the rest of the kernel, the SIE instruction
(__sie64a, sie_exit: the guest and the emulator's SIE entry and exit) and user space;
then the TOP functions (default 30) of either backend. A function's share has a
statistical error of about its square root in samples.

For each FUNCTION named (a part of its readable name), it then lists the offsets
into it where samples fell, hottest first, per backend: the module is built without
debug information, so `objdump -d` of the module at those offsets is how a sample
maps onto the code.
"""

import bisect
import collections
import os
import re
import sys

MODULES = (("ours", "kvm_ours.ko"), ("mainline", "kvm_mainline.ko"))
# Generic KVM (virt/kvm) functions on the path of every KVM_RUN: in both modules.
GENERIC = {"kvm_vcpu_ioctl", "vcpu_load", "vcpu_put", "kvm_sigset_activate",
           "kvm_sigset_deactivate", "kvm_arch_vcpu_unlocked_ioctl",
           "kvm_check_async_pf_completion", "kvm_vcpu_kick"}
SIE = {"__sie64a", "sie_exit"}
PSW_PROBLEM_STATE = 0x00010000
PSW_WAIT = 0x00020000


def readable(name):
    """A Rust (v0) symbol as its path of identifiers, best effort; others as they are."""
    if not name.startswith("_R"):
        return name
    rest = re.sub(r"C[sB][0-9A-Za-z]*_", "", name[2:])
    parts, i = [], 0
    while i < len(rest):
        m = re.match(r"(\d+)_?", rest[i:])
        if not m:
            i += 1
            continue
        n = int(m.group(1))
        start = i + m.end()
        ident = rest[start:start + n]
        if n and re.match(r"[A-Za-z_][A-Za-z0-9_]*$", ident):
            parts.append(ident)
            i = start + n
        else:
            i = start
    return "::".join(parts) or name


def median(values):
    v = sorted(values)
    n = len(v)
    return 0.0 if n == 0 else v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def load(d, backend, module):
    syms = []
    with open(os.path.join(d, "hercules-profile", "kallsyms-%s.txt" % module)) as f:
        for line in f:
            p = line.split()
            syms.append((int(p[0], 16), p[2], len(p) > 3))
    syms.sort()
    addrs = [s[0] for s in syms]
    bench = []
    with open(os.path.join(d, "hercules-profile", "profile-%s.log" % backend)) as f:
        for line in f:
            m = re.match(r"BENCH \S+ \d+ ([0-9.]+) (\S+)", line)
            if m:
                bench.append(float(m.group(1)))
                unit = m.group(2)
    funcs, groups, total = collections.Counter(), collections.Counter(), 0
    offsets = collections.Counter()
    with open(os.path.join(d, "samples.txt")) as f:
        for line in f:
            mod, mask, addr = line.split()
            if mod != module:
                continue
            total += 1
            mask = int(mask, 16)
            if mask & PSW_PROBLEM_STATE:
                groups["user"] += 1
                funcs["<user space>"] += 1
                continue
            if mask & PSW_WAIT:
                groups["kernel"] += 1
                funcs["<wait>"] += 1
                continue
            i = bisect.bisect_right(addrs, int(addr, 16)) - 1
            start, name, in_module = syms[i] if i >= 0 else (0, "?", False)
            funcs[name] += 1
            offsets[name, int(addr, 16) - start] += 1
            if name in SIE:
                groups["SIE"] += 1
            elif in_module and name not in GENERIC:
                groups["backend"] += 1
            elif in_module:
                groups["generic KVM"] += 1
            else:
                groups["kernel"] += 1
    return {"funcs": funcs, "groups": groups, "total": total, "offsets": offsets,
            "op": median(bench), "n": len(bench), "unit": unit if bench else "us"}


def main():
    d = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    data = {b: load(d, b, m) for b, m in MODULES}
    for b, _ in MODULES:
        r = data[b]
        print("%-8s %5d samples, median %.2f %s per operation (%d repetitions)" %
              (b, r["total"], r["op"], r["unit"], r["n"]))
    print()
    print("%-14s %18s %18s" % ("where", "ours", "mainline"))
    for g in ("backend", "generic KVM", "kernel", "SIE", "user"):
        cells = []
        for b, _ in MODULES:
            r = data[b]
            share = r["groups"][g] / r["total"] if r["total"] else 0
            cells.append("%5.1f%% %6.2f %s" % (100 * share, share * r["op"], r["unit"]))
        print("%-14s %18s %18s" % (g, cells[0], cells[1]))
    print()
    weight = collections.Counter()
    for b, _ in MODULES:
        r = data[b]
        for name, n in r["funcs"].items():
            weight[name] = max(weight[name], n / r["total"] * r["op"])
    print("%-60s %16s %16s" % ("function (%s per operation)" % data["ours"]["unit"],
                                "ours", "mainline"))
    for name, _ in weight.most_common(top):
        cells = []
        for b, _ in MODULES:
            r = data[b]
            n = r["funcs"][name]
            cells.append("%6.2f (%4d)" % (n / r["total"] * r["op"], n) if n else "-")
        print("%-60s %16s %16s" % (readable(name)[:60], cells[0], cells[1]))
    for wanted in sys.argv[3:]:
        for b, _ in MODULES:
            r = data[b]
            for name in sorted({n for n, _ in r["offsets"] if wanted in readable(n)}):
                hot = sorted(((n, off) for (f, off), n in r["offsets"].items() if f == name),
                             reverse=True)
                print()
                print("%s, %s (%d samples): offset samples" % (b, readable(name), r["funcs"][name]))
                print("  " + "  ".join("+%#x %d" % (off, n) for n, off in hot[:40]))


if __name__ == "__main__":
    main()
