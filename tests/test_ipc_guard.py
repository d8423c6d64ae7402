"""A hostile peer on channels (tests/guest/ipcguard): forged kernel-only messages (Close) are refused on every send path,
and every transfer that could close a cycle of handles in flight is refused, with nothing left behind after many
attempts, while legal chains still work. The old kernel accepted both (a Close from a live peer; cycles that kept
their channel ends, and a port's name, alive for ever)."""
import re

from qemu import boot
from test_syscalls import make_initrd


def test_ipc_forgery_and_cycles(build, tmp_path):
    r = boot(build, timeout=90, initrd=make_initrd(tmp_path, build, program="ipcguard"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"ipcguard: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 40 and m.group(2) == "0", r.output
    free_boot = int(re.search(r"memory: (\d+) KiB free before pid 1", r.output).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", r.output).group(1))
    assert free_end == free_boot, r.output
