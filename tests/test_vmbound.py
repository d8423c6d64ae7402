"""Long operations are bounded (tests/guest/vmbound, issue 11): mprotect, munmap, mmap and fork over a 1 TiB reservation,
event_wait, write and debug_write with vast sizes each finish in milliseconds without pulling in memory, while a
sleeping process keeps its deadlines; code rewritten and made executable again runs the new code."""
import re

from qemu import boot
from test_syscalls import make_initrd


def test_vast_ranges_and_counts_cost_what_exists(build, tmp_path):
    r = boot(build, timeout=120, initrd=make_initrd(tmp_path, build, program="vmbound"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"vmbound: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 25 and m.group(2) == "0", r.output
    free_boot = int(re.search(r"memory: (\d+) KiB free before pid 1", r.output).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", r.output).group(1))
    assert free_end == free_boot, r.output
