"""Kernel object teardown never recurses (user/teardowntest): a chain of thousands of channel
ends, each in flight in the queue of the next, goes when its head is closed or its process
exits, the kernel survives, and every object and page comes back. On a kernel whose destroy
recursed once per link this overflowed the 16 KiB kernel stack (a panic, or silent corruption
of the memory below the stack)."""
import re

from qemu import boot
from test_syscalls import make_initrd


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
