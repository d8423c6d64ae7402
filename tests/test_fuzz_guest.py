"""The in-guest syscall fuzzer (tests/guest/sysfuzz): random syscalls with hostile arguments must
never panic or hang the kernel, and must not leak memory. The seed is printed; the same seed
replays the same run. WREN_SYSFUZZ_SYSCALLS sets a longer run."""
import os
import re

import pytest

from qemu import boot
from test_syscalls import make_initrd

SYSCALLS = int(os.environ.get("WREN_SYSFUZZ_SYSCALLS", "100000"))


def require_nothing_lost(r):
    """The run's end: no panic, every child reaped, memory, objects, handles and processes back, init exited 0."""
    assert "KERNEL PANIC" not in r.output and "unexpected exception" not in r.output, r.output[-3000:]
    assert re.search(r"sysfuzz: \d+ children, \d+ ended abnormally \(\d+ blocked and were killed\); memory back to where it started", r.output), \
        r.output[-3000:]
    assert "sysfuzz: kernel objects, handles and processes back to where they started" in r.output, \
        r.output[-3000:]
    assert "/bin/init (pid 1) exited with status 0" in r.output, r.output[-3000:]


@pytest.mark.parametrize("seed", [1, 2])
def test_syscall_fuzzer(build, tmp_path, seed):
    r = boot(build, timeout=300, bootargs="-- %d %d" % (seed, SYSCALLS),
             initrd=make_initrd(tmp_path, build, program="sysfuzz"))
    r.require_clean_poweroff()
    assert "sysfuzz: seed %d, %d syscalls" % (seed, SYSCALLS) in r.output, r.output[-3000:]
    require_nothing_lost(r)


THREADED_SYSCALLS = int(os.environ.get("WREN_SYSFUZZ_THREADED_SYSCALLS", "6000"))


@pytest.mark.parametrize("seed", [3])
def test_syscall_fuzzer_four_threads_on_four_cpus(build, tmp_path, seed):
    """Each child fuzzes from four threads at once on four CPUs: the same rules hold (no panic, no hang, nothing
    leaked), with one thread unmapping, closing and exiting under the others."""
    r = boot(build, timeout=600, smp=4, bootargs="-- %d %d 0 4" % (seed, THREADED_SYSCALLS),
             initrd=make_initrd(tmp_path, build, program="sysfuzz"))
    r.require_clean_poweroff()
    assert "sysfuzz: seed %d, %d syscalls, 4 threads per child" % (seed, THREADED_SYSCALLS) in r.output, \
        r.output[-3000:]
    assert "smp: 4 of 4 CPUs online" in r.output, r.output[:3000]
    require_nothing_lost(r)


def test_same_seed_same_run(build, tmp_path):
    runs = []
    for i in range(2):
        d = tmp_path / str(i)
        d.mkdir()
        r = boot(build, timeout=300, bootargs="-- 7 3000", initrd=make_initrd(d, build, program="sysfuzz"))
        r.require_clean_poweroff()
        runs.append(re.search(r"sysfuzz: \d+ children, \d+ ended abnormally \(\d+ blocked and were killed\)",
                              r.output).group(0))
    assert runs[0] == runs[1], runs
