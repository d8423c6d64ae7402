"""Hostile programs against the process table and the CPU (issue 11, symptoms 7 and 8), driven from inside the
guest by tests/guest/proclimtest: the priority limit, WREN_LIMIT_PROCESSES on a tree, kill(-1) kept to the caller's
session and off its leader, and the slots kept for init."""
import re

from qemu import boot
from test_syscalls import make_initrd


def test_proclimtest(build, tmp_path):
    r = boot(build, timeout=90, initrd=make_initrd(tmp_path, build, program="proclimtest", extra=["proclimtest"]))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    assert "KERNEL PANIC" not in r.output, r.output
    for prog, least in (("proclimtree", 20), ("proclimuser", 18), ("proclimtest", 11)):
        m = re.search(prog + r": (\d+) passed, (\d+) failed", r.output)
        assert m and int(m.group(1)) >= least and m.group(2) == "0", (prog, r.output)
    # Sixty-odd processes started and ended: every page is back when init ends.
    free_boot = int(re.search(r"memory: (\d+) KiB free before pid 1", r.output).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", r.output).group(1))
    assert free_end == free_boot, r.output
