#!/usr/bin/env python3
"""Wall-clock speed-up of CPU-bound work on several CPUs, under QEMU's multi-threaded TCG.

    tools/smp_speedup.py [--build build-rel] [--smp 4] [--workers 4] [--iterations N]

Boots the kernel twice in one command, with -smp 1 and with -smp N and nothing else different (no -icount, so the
vCPUs are host threads that run at once), with tests/guest/parwork as /bin/init: WORKERS processes split a fixed
amount of integer work. Prints each run's wall-clock time (the host's, from QEMU's start to its exit, and the guest's
own figure for the work) and their ratio, and how many host cores there were: the speed-up cannot exceed
min(N, host cores), and -icount runs, which execute the vCPUs in turn, cannot show one at all.
"""
import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (its initrd builder and program lookup)

QEMU = ["qemu-system-aarch64", "-M", "virt,gic-version=3", "-cpu", "cortex-a72", "-m", "1G", "-nographic",
        "-no-reboot", "-nic", "none", "-accel", "tcg,thread=multi"]


def run(build, smp, workers, iterations, timeout):
    initrd = bench.build_initrd(build, {"bin/init": "parwork"}, "speedup-initrd.tar")
    cmd = QEMU + ["-smp", str(smp), "-kernel", os.path.join(build, "Image"), "-initrd", initrd,
                  "-append", "-- %d %d" % (workers, iterations)]
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout)
    wall = time.monotonic() - t0
    out = p.stdout.decode("utf-8", "replace")
    m = re.search(r"parwork: \d+ workers x \d+ iterations: (\d+) ms, checksums right", out)
    if p.returncode != 0 or not m:
        sys.exit("smp_speedup: the -smp %d run failed (QEMU exit %d):\n%s" % (smp, p.returncode, out))
    return wall, int(m.group(1)) / 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build-rel")
    ap.add_argument("--smp", type=int, default=4)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--iterations", type=int, default=200000000)
    ap.add_argument("--timeout", type=int, default=600)
    args = ap.parse_args()
    one_wall, one_work = run(args.build, 1, args.workers, args.iterations, args.timeout)
    n_wall, n_work = run(args.build, args.smp, args.workers, args.iterations, args.timeout)
    print("host cores: %d" % os.cpu_count())
    print("%d workers x %d iterations" % (args.workers, args.iterations))
    print("-smp 1: %.2f s wall (the work: %.2f s)" % (one_wall, one_work))
    print("-smp %d: %.2f s wall (the work: %.2f s)" % (args.smp, n_wall, n_work))
    print("speed-up of the work: %.2fx (wall, boot to power-off: %.2fx)" % (one_work / n_work, one_wall / n_wall))


if __name__ == "__main__":
    main()
