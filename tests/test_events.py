"""Event queues (tests/guest/eventtest): subscriptions over 120 pipes, level against edge, channels,
timers, timeouts, child exits, signals, posted values, interrupts and 1,000 queues without a leak; every
check in the program must pass, and the kernel must get every page back."""
import re

import pytest

from qemu import boot
from test_syscalls import make_initrd


@pytest.mark.parametrize("gic", [2, 3])
def test_event_queues(build, tmp_path, gic):
    r = boot(build, gic=gic, timeout=90, initrd=make_initrd(tmp_path, build, program="eventtest"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"eventtest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 120 and m.group(2) == "0", r.output
    free_boot = int(re.search(r"memory: (\d+) KiB free before pid 1", r.output).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", r.output).group(1))
    assert free_end == free_boot, r.output
