"""The call fast path against waits that end another way (tests/guest/ipcrace): a receive that timed out, a call that
timed out, a signal, a SIGKILL and a stop just before a call. The old kernel handed the CPU to a receiver that was
ready, not blocked (debug: an assertion in sched_handoff; release: a hang or "a finished thread was scheduled
again"); every check must pass and the kernel must get every page back."""
import re

from qemu import boot
from test_syscalls import make_initrd


def test_ipc_fast_path_races(build, tmp_path):
    r = boot(build, timeout=90, initrd=make_initrd(tmp_path, build, program="ipcrace"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"ipcrace: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 11 and m.group(2) == "0", r.output
    free_boot = int(re.search(r"memory: (\d+) KiB free before pid 1", r.output).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", r.output).group(1))
    assert free_end == free_boot, r.output
