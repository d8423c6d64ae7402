"""Processes and the scheduler, driven from inside the guest by user/proctest."""
import re

import pytest

from qemu import boot
from test_syscalls import make_initrd


@pytest.mark.parametrize("gic", [2, 3])
def test_proctest(build, tmp_path, gic):
    r = boot(build, gic=gic, timeout=90, initrd=make_initrd(tmp_path, build, program="proctest", extra=["child"]))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"proctest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 27 and m.group(2) == "0", r.output
    # The faulting child was reported and ended; the kernel went on.
    assert re.search(r"wren: pid \d+ \(/bin/child\) killed: BRK instruction, pc 0x4", r.output), r.output
    assert "KERNEL PANIC" not in r.output
    # Everything pid 1 and its children had is back when init ends.
    free_boot = int(re.search(r"memory: (\d+) KiB free of", r.output).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", r.output).group(1))
    assert free_end == free_boot, r.output


def test_fork_copy_on_write(build, tmp_path):
    r = boot(build, timeout=90, initrd=make_initrd(tmp_path, build, program="forktest"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"forktest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 9 and m.group(2) == "0", r.output
    free_boot = int(re.search(r"memory: (\d+) KiB free of", r.output).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", r.output).group(1))
    assert free_end == free_boot, r.output
