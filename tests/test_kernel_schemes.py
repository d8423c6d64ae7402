"""The kernel's schemes other than file, console and sys (tests/guest/schemetest): null and zero; the clocks and
timers of `time` (one-shot, periodic, absolute, watched by an event queue, interrupted by a signal); named pipes
between two processes; anonymous and named memory objects shared by two processes; the DTB's devices through
`mmio` and `irq` (listed, found by compatible string, the PL031's alarm taken through an irq descriptor, busy
devices and lines, no access without the privilege). Every refusal as the kernel gives it, and nothing left
behind. With both GIC versions: the interrupt goes through each one's distributor."""
import re

import pytest

from qemu import boot
from test_syscalls import make_initrd


@pytest.mark.parametrize("gic", [2, 3])
def test_kernel_schemes(build, tmp_path, gic):
    r = boot(build, gic=gic, timeout=120, initrd=make_initrd(tmp_path, build, program="schemetest"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"schemetest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 150 and m.group(2) == "0", r.output
    assert "/bin/init (pid 1) exited with status 0" in r.output, r.output
    free_boot = int(re.search(r"memory: (\d+) KiB free before pid 1", r.output).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", r.output).group(1))
    assert free_end == free_boot, r.output
