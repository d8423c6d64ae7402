"""File descriptors and pipes (tests/guest/fdtest): every check in the program must pass, and the
kernel must get every page back."""
import re

from qemu import boot
from test_syscalls import make_initrd


def test_fds_and_pipes(build, tmp_path):
    r = boot(build, timeout=60, initrd=make_initrd(tmp_path, build, program="fdtest"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"fdtest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 104 and m.group(2) == "0", r.output
    assert "fdtest: through console:\n" in r.output and "fdtest: through fd 1\n" in r.output, r.output
    free_boot = int(re.search(r"memory: (\d+) KiB free before pid 1", r.output).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", r.output).group(1))
    assert free_end == free_boot, r.output
