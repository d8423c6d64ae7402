"""Kernel object teardown never recurses (tests/guest/teardowntest): a chain of thousands of channel
ends, each in flight in the queue of the next, goes when its head is closed or its process
exits, the kernel survives, and every object and page comes back. On a kernel whose destroy
recursed once per link this overflowed the 16 KiB kernel stack (a panic, or silent corruption
of the memory below the stack)."""
import os
import re
import subprocess
import sys

import pytest

from conftest import build_setting
from qemu import boot
from test_syscalls import make_initrd

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_chain_of_channel_ends_in_flight_is_torn_down(build, tmp_path):
    r = boot(build, timeout=120, initrd=make_initrd(tmp_path, build, program="teardowntest"))
    out = r.output
    assert "KERNEL PANIC" not in out and "unexpected exception" not in out, out
    r.require_clean_poweroff()
    assert "teardowntest: closing the head of the chain" in out, out
    assert "FAIL" not in out, out
    m = re.search(r"teardowntest: (\d+) passed, (\d+) failed", out)
    assert m and int(m.group(1)) >= 20 and m.group(2) == "0", out
    assert "/bin/init (pid 1) exited with status 0" in out, out
    free_boot = int(re.search(r"memory: (\d+) KiB free before pid 1", out).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", out).group(1))
    assert free_end == free_boot, out


def _require_debug(build):
    if build_setting(build, "build_type") != "debug":
        pytest.skip("test hooks exist in debug builds only")


def test_process_kernel_stack_overflow_is_a_clean_panic(build, tmp_path):
    """test=kstack-overflow: init's first debug_write recurses in the kernel until its stack runs
    out. The page below the stack is unmapped, the exception entry sees the overflow before it
    stores anything, and reports it from the overflow stack with the chain that overflowed."""
    _require_debug(build)
    r = boot(build, bootargs="test=kstack-overflow", initrd=make_initrd(tmp_path, build, program="teardowntest"))
    r.require_clean_poweroff()  # the panic ends the run through PSCI SYSTEM_OFF
    out = r.output
    m = re.search(r"kernel stack overflow: sync \(EL1\) with sp (0x[0-9a-f]{16}), below the stack "
                  r"\[(0x[0-9a-f]{16}), (0x[0-9a-f]{16})\) of pid 1 \(/bin/init\)", out)
    assert m, out
    sp, base, top = (int(g, 16) for g in m.groups())
    # The process's stack is in the kernel stack area (arch/memlayout.h), 16 KiB, the fault just below it.
    assert base >= 0xffffff8000000000 and top - base == 16384, out
    assert base - 1024 <= sp < base, out
    assert re.search(r"EC 0x25: data abort from EL1", out), out
    assert re.search(r"backtrace:\n  #0 0x[0-9a-f]{16} overflow_frame\+0x[0-9a-f]+\n"
                     r"  #1 0x[0-9a-f]{16} overflow_frame\+0x[0-9a-f]+\n", out), out
    assert "KERNEL PANIC: kernel stack overflow" in out, out
    assert "unexpected exception" not in out, out
    assert "teardowntest:" not in out, out  # its first output never got through


def test_boot_stack_overflow_is_a_clean_panic(build):
    """test=boot-stack-overflow: the same on the boot stack, which the idle thread keeps."""
    _require_debug(build)
    r = boot(build, bootargs="test=boot-stack-overflow", initrd=None)
    r.require_clean_poweroff()
    out = r.output
    m = re.search(r"kernel stack overflow: sync \(EL1\) with sp (0x[0-9a-f]{16}), below the stack "
                  r"\[(0x[0-9a-f]{16}), (0x[0-9a-f]{16})\) of pid 0 \(boot\)", out)
    assert m, out
    sp, base, top = (int(g, 16) for g in m.groups())
    assert 0xffff000040200000 <= base and top - base == 16384 and base - 1024 <= sp < base, out
    assert re.search(r"  #1 0x[0-9a-f]{16} overflow_frame\+0x[0-9a-f]+\n", out), out
    assert "KERNEL PANIC: kernel stack overflow" in out, out


def test_kernel_has_no_unbounded_direct_recursion(build):
    """Every cycle of direct calls in the kernel's call graph is one tools/recursion.py lists with
    its bound (page-table levels, the reservations that split a RAM range); a new one fails here
    until its depth is shown to be bounded or it is made iterative."""
    elf = os.path.join(build, "kernel.elf")
    r = subprocess.run([sys.executable, os.path.join(REPO, "tools", "recursion.py"), elf],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, r.stdout
