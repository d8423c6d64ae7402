"""User-space drivers (tests/guest/devicetest): the PL031 real-time clock of QEMU virt opened from the
device tree, its registers mapped as device memory, two alarms taken through event_wait with the
interrupt masked until acknowledged, the refusals of bad input, a device handed to an unprivileged
process, a driver dying with everything held, and 1,000 open/map/close cycles without a leak.
With both GIC versions: the interrupt goes through each one's distributor."""
import re

import pytest

from qemu import boot
from test_syscalls import make_initrd


@pytest.mark.parametrize("gic", [2, 3])
def test_rtc_driver(build, tmp_path, gic):
    r = boot(build, gic=gic, timeout=90, initrd=make_initrd(tmp_path, build, program="devicetest"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"devicetest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 80 and m.group(2) == "0", r.output
    assert "second alarm: unmasked, it arrives too -> 1" in r.output, r.output
    assert "/bin/init (pid 1) exited with status 0" in r.output, r.output
    free_boot = int(re.search(r"memory: (\d+) KiB free before pid 1", r.output).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", r.output).group(1))
    assert free_end == free_boot, r.output
