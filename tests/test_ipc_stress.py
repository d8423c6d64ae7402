"""Call/reply on the IPC fast path on four CPUs while the conversation is ended under it (tests/guest/ipcstress): a
sibling thread closes the client's handle, the server process is SIGKILLed, the client process exits from a second
thread. Every request must be answered with its own reply or, only where it can be (a killed server, an exited
client), be the one call in flight that was lost; nothing may crash or hang, and the kernel must get every page,
object and handle back."""
import re

from qemu import boot
from test_syscalls import make_initrd


def test_ipc_calls_under_close_kill_exit(build, tmp_path):
    r = boot(build, smp=4, timeout=240, initrd=make_initrd(tmp_path, build, program="ipcstress"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"ipcstress: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 8 and m.group(2) == "0", r.output
    free_boot = int(re.search(r"memory: (\d+) KiB free before pid 1", r.output).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", r.output).group(1))
    assert free_end == free_boot, r.output
