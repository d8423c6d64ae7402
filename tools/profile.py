#!/usr/bin/env python3
"""Count where one benchmark operation spends its instructions, function by function.

    tools/profile.py [--build build] KEY [N1 N2]

Boots the benchmark initrd twice with `/bin/init KEY N` (tests/guest/bench runs only that benchmark,
N operations), under `qemu -singlestep -d exec`, which logs the PC of every instruction
executed. Counting the PCs per function in both runs and subtracting, then dividing by
N2 - N1, leaves exactly the instructions one operation costs: boot, warm-up and reporting
are the same in both runs and cancel out. Kernel PCs are named from kernel.elf, user PCs
from the benchmark program's ELF.

Use a --release build: its figures are the ones docs/benchmarks.md reports (`ninja -C build bench` leaves one in
build/bench/, the default --build).
"""
import argparse
import bisect
import collections
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "gen"))
sys.path.insert(0, os.path.join(REPO, "tools"))
import bench        # noqa: E402
import elfsyms      # noqa: E402

TRACE = re.compile(rb"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")


class Symbols:
    def __init__(self, *paths):
        pairs = []
        for path in paths:
            with open(path, "rb") as f:
                pairs += elfsyms.function_symbols(f.read())
        pairs.sort()
        self.addrs = [a for a, _ in pairs]
        self.names = [n for _, n in pairs]

    def name(self, pc):
        i = bisect.bisect_right(self.addrs, pc) - 1
        return self.names[i] if i >= 0 else "?%#x" % pc


def histogram(build, key, n, timeout):
    """Instructions executed per PC for one boot running `key` n times."""
    cmd = bench.QEMU + ["-kernel", os.path.join(build, "Image"), "-initrd", bench.build_initrd(build),
                        "-append", "-- %s %d" % (key, n), "-singlestep", "-d", "exec,nochain"]
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    counts = collections.Counter()
    for line in p.stderr:
        m = TRACE.match(line)
        if m:
            counts[int(m.group(1), 16)] += 1
    out = p.stdout.read().decode("utf-8", "replace")
    if p.wait(timeout) != 0 or "bench: %s" % key not in out:
        sys.exit("profile: the run failed:\n" + out)
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join("build", "bench"))
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("key")
    ap.add_argument("n1", type=int, nargs="?", default=200)
    ap.add_argument("n2", type=int, nargs="?", default=400)
    args = ap.parse_args()
    bench.require_release(args.build)

    syms = Symbols(os.path.join(args.build, "kernel.elf"), os.path.join(args.build, "tests", "bin", "bench"))
    a = histogram(args.build, args.key, args.n1, args.timeout)
    b = histogram(args.build, args.key, args.n2, args.timeout)
    per_fn = collections.Counter()
    for pc in set(a) | set(b):
        per_fn[syms.name(pc)] += b[pc] - a[pc]
    ops = args.n2 - args.n1
    total = sum(per_fn.values())
    print("%s: %.1f instructions per operation" % (args.key, total / ops))
    for name, count in per_fn.most_common():
        if count / ops >= 0.5:
            print("%10.1f  %s" % (count / ops, name))


if __name__ == "__main__":
    main()
